//! The playground's state: the engine (one `Rc<RefCell<Cluster>>` owned by
//! the root component), the editor's files, the console's scrollback, and
//! the root's reducer (versions, time controls, selection, layout).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use kubeplay_engine::Cluster;
use kubeplay_engine::apiserver::manifest::ObjectOutcome;
use kubeplay_engine::store::ObjectKey;
use yew::Reducible;

use crate::engine_bridge::CommandOutput;
use crate::fx::Fx;
use crate::traffic::Traffic;

/// The speeds the time controls offer.
pub const SPEEDS: [f64; 9] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];
/// Index of 1× in [`SPEEDS`].
pub const SPEED_1X: usize = 2;

/// How serious an editor diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The object was rejected.
    Error,
    /// Accepted, with a warning.
    Warning,
}

/// A diagnostic placed on a line of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineMark {
    /// 1-based line.
    pub line: u32,
    /// Error or warning.
    pub severity: Severity,
    /// The short message shown beside the line.
    pub message: String,
}

/// How a line of an apply's result reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultKind {
    /// `deployment.apps/web created`.
    Done,
    /// `Warning: …`.
    Warning,
    /// kubectl's error text.
    Error,
}

/// One line of an apply's (or delete's) result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultLine {
    /// Done, warning or error.
    pub kind: ResultKind,
    /// The text, as kubectl prints it.
    pub text: String,
    /// The line it is about, for jumping there.
    pub line: Option<u32>,
}

/// The result lines and line marks of a manifest run.
pub fn outcome_report(outcomes: &[ObjectOutcome]) -> (Vec<ResultLine>, Vec<LineMark>) {
    let mut lines = Vec::new();
    let mut marks = Vec::new();
    for o in outcomes {
        for w in &o.warnings {
            lines.push(ResultLine {
                kind: ResultKind::Warning,
                text: format!("Warning: {w}"),
                line: Some(o.mark.line),
            });
            marks.push(LineMark {
                line: o.mark.line.max(1),
                severity: Severity::Warning,
                message: w.clone(),
            });
        }
        match &o.result {
            Ok(_) => {
                if let Some(text) = o.kubectl_line() {
                    lines.push(ResultLine {
                        kind: ResultKind::Done,
                        text,
                        line: Some(o.mark.line),
                    });
                }
            }
            Err(text) => {
                let first = o.diagnostics.first().map_or(o.mark.line, |d| d.line);
                lines.push(ResultLine {
                    kind: ResultKind::Error,
                    text: text.clone(),
                    line: Some(first.max(1)),
                });
                for d in &o.diagnostics {
                    marks.push(LineMark {
                        line: d.line.max(1),
                        severity: Severity::Error,
                        message: d.message.clone(),
                    });
                }
                if o.diagnostics.is_empty() {
                    marks.push(LineMark {
                        line: o.mark.line.max(1),
                        severity: Severity::Error,
                        message: text.lines().next().unwrap_or("").to_string(),
                    });
                }
            }
        }
    }
    (lines, marks)
}

/// One editor tab.
#[derive(Clone, Debug, PartialEq)]
pub struct EditorFile {
    /// Its name (`deployment.yaml`), used by `kubectl apply -f`.
    pub name: String,
    /// Its text.
    pub text: String,
    /// What the last Apply or Delete printed.
    pub result: Vec<ResultLine>,
    /// That run's line marks (hidden once the text changes).
    pub result_marks: Vec<LineMark>,
    /// Marks from checking the text as it is typed (a server dry run on a copy).
    pub live_marks: Vec<LineMark>,
    /// Whether the text changed since the last Apply or Delete.
    pub edited: bool,
    /// When (wall-clock ms) to check the text again.
    pub check_at: Option<f64>,
}

impl EditorFile {
    /// A file with text.
    pub fn new(name: &str, text: &str) -> EditorFile {
        EditorFile {
            name: name.to_string(),
            text: text.to_string(),
            result: Vec::new(),
            result_marks: Vec::new(),
            live_marks: Vec::new(),
            edited: false,
            check_at: None,
        }
    }

    /// The marks to show: the last run's (while the text is unchanged) and the live check's.
    pub fn marks(&self) -> Vec<LineMark> {
        let mut marks = self.live_marks.clone();
        if !self.edited {
            for m in &self.result_marks {
                if !marks.contains(m) {
                    marks.push(m.clone());
                }
            }
        }
        crate::model::sort_small(&mut marks, |a, b| {
            (a.line, a.severity == Severity::Warning) < (b.line, b.severity == Severity::Warning)
        });
        marks
    }
}

/// The editor's tabs.
#[derive(Clone, Debug, PartialEq)]
pub struct Files {
    /// Open files, in tab order.
    pub list: Vec<EditorFile>,
    /// The active tab.
    pub active: usize,
    /// Bumped on every change the editor must show.
    pub generation: u64,
}

impl Files {
    /// The first-run files: the seed document's Deployment.
    pub fn initial() -> Files {
        Files {
            list: vec![EditorFile::new(
                "deployment.yaml",
                crate::examples::SEED_DEPLOYMENT,
            )],
            active: 0,
            generation: 0,
        }
    }

    /// The active file.
    pub fn current(&self) -> &EditorFile {
        &self.list[self.active.min(self.list.len() - 1)]
    }

    /// The active file, for changing.
    pub fn current_mut(&mut self) -> &mut EditorFile {
        let i = self.active.min(self.list.len() - 1);
        self.generation += 1;
        &mut self.list[i]
    }

    /// A name not used by any tab: `base`, or `stem-2.yaml`, `stem-3.yaml`, …
    pub fn unique_name(&self, base: &str) -> String {
        if !self.list.iter().any(|f| f.name == base) {
            return base.to_string();
        }
        let (stem, ext) = base.rsplit_once('.').unwrap_or((base, "yaml"));
        (2..)
            .map(|i| format!("{stem}-{i}.{ext}"))
            .find(|n| !self.list.iter().any(|f| f.name == *n))
            .expect("some name is free")
    }

    /// Opens a file (replacing an unedited tab of the same name) and activates it.
    pub fn open(&mut self, name: &str, text: &str) {
        self.generation += 1;
        if let Some(i) = self.list.iter().position(|f| f.name == name) {
            self.list[i] = EditorFile::new(name, text);
            self.active = i;
            return;
        }
        self.list.push(EditorFile::new(name, text));
        self.active = self.list.len() - 1;
    }

    /// Closes a tab (the last one is emptied instead).
    pub fn close(&mut self, index: usize) {
        self.generation += 1;
        if self.list.len() == 1 {
            self.list[0] = EditorFile::new("untitled.yaml", "");
            self.active = 0;
            return;
        }
        if index < self.list.len() {
            self.list.remove(index);
        }
        if self.active >= index && self.active > 0 {
            self.active -= 1;
        }
    }

    /// Renames a tab; `Err` explains why a name is refused.
    pub fn rename(&mut self, index: usize, name: &str) -> Result<(), String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("a file needs a name".into());
        }
        if name.contains('/') || name.contains(char::is_whitespace) {
            return Err("file names cannot contain spaces or /".into());
        }
        if self
            .list
            .iter()
            .enumerate()
            .any(|(i, f)| i != index && f.name == name)
        {
            return Err(format!("{name} is already open"));
        }
        if let Some(f) = self.list.get_mut(index) {
            f.name = name.to_string();
            self.generation += 1;
        }
        Ok(())
    }

    /// The files as (name, text) pairs, for `kubectl -f`.
    pub fn named(&self) -> Vec<(String, String)> {
        self.list
            .iter()
            .map(|f| (f.name.clone(), f.text.clone()))
            .collect()
    }

    /// Serialises names and texts for localStorage (`name\0text\0…`).
    pub fn to_storage(&self) -> String {
        let mut out = format!("{}\0", self.active);
        for f in &self.list {
            out.push_str(&f.name);
            out.push('\0');
            out.push_str(&f.text);
            out.push('\0');
        }
        out
    }

    /// Reads what [`Files::to_storage`] wrote.
    pub fn from_storage(text: &str) -> Option<Files> {
        let mut parts = text.split('\0');
        let active: usize = parts.next()?.parse().ok()?;
        let mut list = Vec::new();
        while let (Some(name), Some(body)) = (parts.next(), parts.next()) {
            if name.is_empty() {
                break;
            }
            list.push(EditorFile::new(name, body));
        }
        (!list.is_empty()).then(|| Files {
            active: active.min(list.len() - 1),
            list,
            generation: 0,
        })
    }
}

/// One command and what it printed.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleEntry {
    /// The line as typed.
    pub command: String,
    /// Its output.
    pub output: CommandOutput,
}

/// The console's scrollback and history (kept while its tab is hidden).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConsoleState {
    /// Commands run, oldest first.
    pub entries: Vec<ConsoleEntry>,
    /// Lines typed, oldest first (for ↑/↓).
    pub history: Vec<String>,
}

/// Everything the root component shares with its children.
pub struct Shared {
    /// The simulated cluster.
    pub cluster: Rc<RefCell<Cluster>>,
    /// The editor's tabs.
    pub files: RefCell<Files>,
    /// The console.
    pub console: RefCell<ConsoleState>,
    /// Animations in flight.
    pub fx: RefCell<Fx>,
    /// The traffic generator and its statistics.
    pub traffic: RefCell<Traffic>,
    /// Pod views reused between snapshots.
    pub pods: RefCell<crate::model::PodCache>,
    /// The benchmark's pod churn, when `?bench=N` is given.
    pub bench: RefCell<Option<crate::bench::Bench>>,
    /// Whether time runs (read by the frame loop).
    pub playing: Cell<bool>,
    /// The speed factor (read by the frame loop).
    pub speed: Cell<f64>,
    /// Bumped when the cluster is replaced (reset), so views rebuild.
    pub epoch: Cell<u64>,
}

/// A cheap, comparable handle on [`Shared`] (equal when it is the same one).
#[derive(Clone)]
pub struct Handle(pub Rc<Shared>);

impl PartialEq for Handle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for Handle {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Handle {
    /// A playground around a fresh cluster, with the editor's files.
    pub fn new(seed: u64, files: Files) -> Handle {
        Handle(Rc::new(Shared {
            cluster: Rc::new(RefCell::new(Cluster::new(seed))),
            files: RefCell::new(files),
            console: RefCell::new(ConsoleState::default()),
            fx: RefCell::new(Fx::default()),
            traffic: RefCell::new(Traffic::default()),
            pods: RefCell::new(Default::default()),
            bench: RefCell::new(None),
            playing: Cell::new(true),
            speed: Cell::new(1.0),
            epoch: Cell::new(0),
        }))
    }

    /// Replaces the cluster with a fresh one from `seed`.
    pub fn reset(&self, seed: u64) {
        *self.cluster.borrow_mut() = Cluster::new(seed);
        *self.fx.borrow_mut() = Fx::default();
        *self.pods.borrow_mut() = Default::default();
        self.traffic.borrow_mut().reset();
        self.bench.borrow_mut().take();
        self.epoch.set(self.epoch.get() + 1);
    }
}

/// Which tab the bottom panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BottomTab {
    /// kubectl.
    Console,
    /// The cluster's Events.
    Events,
    /// The selected object.
    Inspector,
    /// Requests into the cluster.
    Traffic,
}

/// Light, dark, or the system's choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// `prefers-color-scheme`.
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// The root component's state.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    /// Bumped whenever the cluster changed (views rebuild from it).
    pub version: u64,
    /// Bumped when animations change.
    pub fx_gen: u64,
    /// Bumped when the editor's files change outside the editor.
    pub files_gen: u64,
    /// Bumped when traffic statistics change.
    pub traffic_gen: u64,
    /// Simulated time.
    pub now_ms: u64,
    /// Whether time runs.
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// The cluster's seed.
    pub seed: u64,
    /// The object open in the Inspector.
    pub selected: Option<ObjectKey>,
    /// The bottom panel's tab.
    pub tab: BottomTab,
    /// The editor pane's width (px).
    pub editor_width: f64,
    /// The bottom panel's height (px).
    pub panel_height: f64,
    /// The colour theme.
    pub theme: Theme,
    /// Pods drawn one by one (`Some(true)`), per node (`Some(false)`), or by count (`None`).
    pub individual: Option<bool>,
}

/// What changes the root's state.
pub enum Action {
    /// A frame: the counters the frame loop observed.
    Frame {
        /// Cluster version.
        version: u64,
        /// Animation generation.
        fx_gen: u64,
        /// Files generation.
        files_gen: u64,
        /// Traffic generation.
        traffic_gen: u64,
        /// Simulated time.
        now_ms: u64,
    },
    /// Play or pause.
    SetPlaying(bool),
    /// Choose a speed.
    SetSpeed(usize),
    /// A new seed (the cluster was reset).
    Reset(u64),
    /// Open an object in the Inspector.
    Select(Option<ObjectKey>),
    /// Show a bottom tab.
    Tab(BottomTab),
    /// Resize the editor pane.
    EditorWidth(f64),
    /// Resize the bottom panel.
    PanelHeight(f64),
    /// Choose a theme.
    Theme(Theme),
    /// Choose how pods are drawn.
    Individual(Option<bool>),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // Most frames change nothing: answer them without copying the state.
        if let Action::Frame {
            version,
            fx_gen,
            files_gen,
            traffic_gen,
            now_ms,
        } = action
            && (version, fx_gen, files_gen, traffic_gen, now_ms)
                == (
                    self.version,
                    self.fx_gen,
                    self.files_gen,
                    self.traffic_gen,
                    self.now_ms,
                )
        {
            return self;
        }
        let mut s = (*self).clone();
        match action {
            Action::Frame {
                version,
                fx_gen,
                files_gen,
                traffic_gen,
                now_ms,
            } => {
                s.version = version;
                s.fx_gen = fx_gen;
                s.files_gen = files_gen;
                s.traffic_gen = traffic_gen;
                s.now_ms = now_ms;
            }
            Action::SetPlaying(p) => s.playing = p,
            Action::SetSpeed(i) => s.speed = i.min(SPEEDS.len() - 1),
            Action::Reset(seed) => {
                s.seed = seed;
                s.selected = None;
            }
            Action::Select(key) => {
                if key.is_some() {
                    s.tab = BottomTab::Inspector;
                }
                s.selected = key;
            }
            Action::Tab(t) => s.tab = t,
            Action::EditorWidth(w) => s.editor_width = w,
            Action::PanelHeight(h) => s.panel_height = h,
            Action::Theme(t) => s.theme = t,
            Action::Individual(i) => s.individual = i,
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeplay_engine::apiserver::manifest::ManifestVerb;

    #[test]
    fn errors_and_warnings_are_placed_on_their_lines() {
        let mut c = Cluster::new(1);
        let text = format!(
            "{}---\napiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n",
            crate::examples::SEED_INGRESS
        );
        let out = c.run_manifest(&text, "f.yaml", ManifestVerb::Apply);
        let (lines, marks) = outcome_report(&out);
        assert_eq!(lines[0].kind, ResultKind::Warning);
        assert_eq!(
            lines[1].text,
            "ingress.networking.k8s.io/snackerbis-ingress created"
        );
        assert_eq!(lines[2].kind, ResultKind::Error);
        assert_eq!(lines[2].line, Some(20));
        assert_eq!(marks[0].line, 1);
        assert_eq!(marks[0].severity, Severity::Warning);
        assert_eq!(
            marks[1],
            LineMark {
                line: 20,
                severity: Severity::Error,
                message: "no matches for kind \"Frobnicator\" in version \"v1\"".into()
            }
        );
    }

    #[test]
    fn tabs_open_close_rename_and_round_trip() {
        let mut f = Files::initial();
        f.open("nginx.yaml", "a: 1\n");
        assert_eq!(f.active, 1);
        assert_eq!(f.unique_name("nginx.yaml"), "nginx-2.yaml");
        assert_eq!(
            f.rename(1, "deployment.yaml"),
            Err("deployment.yaml is already open".into())
        );
        assert_eq!(f.rename(1, " web.yaml "), Ok(()));
        let back = Files::from_storage(&f.to_storage()).unwrap();
        assert_eq!(back.named(), f.named());
        assert_eq!(back.active, 1);
        f.close(1);
        assert_eq!(f.active, 0);
        f.close(0);
        assert_eq!(f.list[0].name, "untitled.yaml");
    }
}
