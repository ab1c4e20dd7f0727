//! The playground's state: the engine (one `Rc<RefCell<Cluster>>` owned by
//! the root component), the editor's files, the console's scrollback, and
//! the root's reducer (versions, time controls, selection, layout).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use kubeplay_engine::Cluster;
use kubeplay_engine::apiserver::manifest::ObjectOutcome;
use kubeplay_engine::store::ObjectKey;
use yew::Reducible;

use kubeplay_engine::apiserver::manifest::ManifestVerb;
use kubeplay_engine::kubectl::MemoryFiles;
use kubeplay_engine::script::run_script;

use crate::engine_bridge::CommandOutput;
use crate::fx::Fx;
use crate::session::{Session, Workspace};
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
}

/// One command and what it printed.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleEntry {
    /// The prompt the line was typed at (`$`, or an attached shell's).
    pub prompt: String,
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

/// Runs one line against the cluster: kubectl, or one of the script's
/// commands (`sleep 30s`, `curl …`, `stop node …`, `traffic start …`).
/// The flag says whether the line is well-formed (a script could hold it).
pub fn run_command(
    cluster: &mut Cluster,
    line: &str,
    files: &[(String, String)],
) -> (CommandOutput, bool) {
    let line = line.trim();
    // An attached shell (`kubectl exec -it … -- sh`) takes the line.
    if cluster.terminal_prompt().is_some() {
        let mem = MemoryFiles::from_pairs(files.iter().cloned());
        let out = cluster.terminal_input(line, &mem);
        return (
            CommandOutput {
                stdout: out.stdout,
                stderr: out.stderr,
                exit_code: out.exit_code,
            },
            true,
        );
    }
    let words = kubeplay_engine::kubectl::shell::split(line);
    if let Ok(w) = &words
        && w.first().map(String::as_str) == Some("kubectl")
    {
        let out = crate::engine_bridge::kubectl(cluster, line, files);
        return (out, true);
    }
    let mem = MemoryFiles::from_pairs(files.iter().cloned());
    let r = run_script(cluster, line, &mem);
    // The transcript starts with the echoed command.
    let mut stdout = r.output.split_once('\n').map_or("", |x| x.1).to_string();
    let Some(e) = r.error else {
        return (
            CommandOutput {
                stdout,
                ..Default::default()
            },
            true,
        );
    };
    if let Some(at) = stdout.rfind("kubeplay: line ") {
        stdout.truncate(at);
    }
    const SCRIPT_WORDS: [&str; 14] = [
        "sleep", "echo", "curl", "stop", "start", "remove", "add", "kill", "break", "fix",
        "traffic", "status", "jobs", "kubectl",
    ];
    // A line the shell cannot split (`|`, `&&`, a trailing `&`) has no
    // first word to blame.
    let (stderr, exit_code) = match words.ok().and_then(|w| w.into_iter().next()) {
        Some(first) if !SCRIPT_WORDS.contains(&first.as_str()) => {
            (format!("{first}: command not found\n"), 127)
        }
        Some(first) => (format!("{first}: {}\n", e.message), 2),
        None => (format!("kubeplay: {}\n", e.message), 2),
    };
    (
        CommandOutput {
            stdout,
            stderr,
            exit_code,
        },
        false,
    )
}

/// A message for the page embedding the playground (postMessage): its type
/// and fields.
pub type HostMessage = (&'static str, Vec<(&'static str, String)>);

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
    /// The Traffic tab's settings.
    pub traffic: RefCell<Traffic>,
    /// Pod views reused between snapshots.
    pub pods: RefCell<crate::model::PodCache>,
    /// The benchmark's pod churn, when `?bench=N` is given.
    pub bench: RefCell<Option<crate::bench::Bench>>,
    /// What was done, as a script (see [`crate::session`]).
    pub session: RefCell<Session>,
    /// Whether actions are recorded (not in the benchmark).
    pub recording: Cell<bool>,
    /// Messages for the embedding page, not sent yet.
    pub outbox: RefCell<Vec<HostMessage>>,
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

/// A fresh cluster from `seed` and an empty session starting when it booted.
fn fresh_cluster(seed: u64) -> (Cluster, Session) {
    let cluster = Cluster::new(seed);
    let session = Session::starting_at(cluster.booted_at());
    (cluster, session)
}

impl Handle {
    /// A playground around a fresh cluster, with the editor's files.
    pub fn new(seed: u64, files: Files) -> Handle {
        let (cluster, session) = fresh_cluster(seed);
        Handle(Rc::new(Shared {
            cluster: Rc::new(RefCell::new(cluster)),
            files: RefCell::new(files),
            console: RefCell::new(ConsoleState::default()),
            fx: RefCell::new(Fx::default()),
            traffic: RefCell::new(Traffic::default()),
            pods: RefCell::new(Default::default()),
            bench: RefCell::new(None),
            session: RefCell::new(session),
            recording: Cell::new(true),
            outbox: RefCell::new(Vec::new()),
            playing: Cell::new(true),
            speed: Cell::new(1.0),
            epoch: Cell::new(0),
        }))
    }

    /// Replaces the cluster (and what depends on it).
    fn replace(&self, cluster: Cluster) {
        *self.cluster.borrow_mut() = cluster;
        *self.fx.borrow_mut() = Fx::default();
        *self.pods.borrow_mut() = Default::default();
        *self.traffic.borrow_mut() = Traffic::default();
        self.bench.borrow_mut().take();
        self.epoch.set(self.epoch.get() + 1);
    }

    /// Replaces the cluster with a fresh one from `seed`; the session starts over.
    pub fn reset(&self, seed: u64) {
        let (cluster, session) = fresh_cluster(seed);
        self.replace(cluster);
        *self.session.borrow_mut() = session;
    }

    /// The workspace now: seed, files, the session up to now.
    pub fn workspace(&self) -> Workspace {
        let cluster = self.cluster.borrow();
        let files = self.files.borrow();
        Workspace {
            seed: cluster.seed(),
            files: files.named(),
            active: files.active,
            script: self.session.borrow().script_until(cluster.now_ms()),
            time: cluster.now_ms(),
        }
    }

    /// Restores a workspace: its files, and its cluster rebuilt by replaying
    /// its session. Nothing changes when the replay fails.
    pub fn load(&self, ws: &Workspace) -> Result<(), String> {
        let cluster = ws.replay()?;
        // A link made before the cluster booted ahead may end earlier
        // than the replayed cluster's clock: the session goes on from there.
        let at = ws.time.max(cluster.now_ms());
        self.replace(cluster);
        *self.session.borrow_mut() = Session {
            script: ws.script.clone(),
            at,
        };
        let mut files = self.files.borrow_mut();
        let generation = files.generation + 1;
        *files = Files {
            list: ws
                .files
                .iter()
                .map(|(n, t)| EditorFile::new(n, t))
                .collect(),
            active: ws.active,
            generation,
        };
        Ok(())
    }

    /// Records script text for an action that ran from `before` until now.
    fn record(&self, before: u64, text: &str) {
        if self.recording.get() {
            let now = self.cluster.borrow().now_ms();
            self.session.borrow_mut().record(before, text, now);
        }
    }

    /// The console's prompt: an attached shell's (`/ #`), else `$`.
    pub fn prompt(&self) -> String {
        match self.cluster.borrow().terminal_prompt() {
            Some(p) => p.trim_end().to_string(),
            None => "$".to_string(),
        }
    }

    /// Runs one console line (see [`run_command`]) and records it.
    pub fn run(&self, line: &str) -> CommandOutput {
        let files = self.files.borrow().named();
        let before = self.cluster.borrow().now_ms();
        // A line typed at a container shell's prompt is recorded as typed.
        let in_shell = self.cluster.borrow().terminal_prompt().is_some();
        let (out, ok) = run_command(&mut self.cluster.borrow_mut(), line, &files);
        if ok && in_shell {
            if self.recording.get() {
                let now = self.cluster.borrow().now_ms();
                let text = format!("{}\n", line.trim());
                self.session
                    .borrow_mut()
                    .record_at(before, &text, now, true);
            }
        } else if ok {
            self.record(before, &crate::session::recordable(line.trim(), &files));
        }
        self.outbox.borrow_mut().push((
            "command",
            vec![
                ("command", line.trim().to_string()),
                ("exitCode", out.exit_code.to_string()),
            ],
        ));
        out
    }

    /// Runs a whole script (the console's Run script) and records the part
    /// that ran.
    pub fn run_script(&self, text: &str) -> kubeplay_engine::script::ScriptResult {
        let files = self.files.borrow().named();
        let before = self.cluster.borrow().now_ms();
        let mem = MemoryFiles::from_pairs(files);
        let result = run_script(&mut self.cluster.borrow_mut(), text, &mem);
        let ran = match &result.error {
            Some(e) => {
                let lines: Vec<&str> = text.lines().take(e.line.saturating_sub(1)).collect();
                lines.join("\n")
            }
            None => text.to_string(),
        };
        self.record(before, &ran);
        result
    }

    /// Applies or deletes the active editor file, as `kubectl apply -f` (or
    /// `delete -f`) would; recorded as a here-document.
    pub fn run_manifest(&self, verb: ManifestVerb) -> Vec<ObjectOutcome> {
        let (name, text) = {
            let files = self.files.borrow();
            let f = files.current();
            (f.name.clone(), f.text.clone())
        };
        let before = self.cluster.borrow().now_ms();
        let outcomes = self.cluster.borrow_mut().run_manifest(&text, &name, verb);
        let command = match verb {
            ManifestVerb::Delete => "kubectl delete -f -",
            _ => "kubectl apply -f -",
        };
        self.record(before, &crate::session::heredoc(command, &text));
        let lines: Vec<String> = outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(_) => o.kubectl_line().unwrap_or_default(),
                Err(e) => e.clone(),
            })
            .collect();
        let errors = outcomes.iter().filter(|o| o.result.is_err()).count();
        let kind = if verb == ManifestVerb::Delete {
            "deleted"
        } else {
            "applied"
        };
        self.outbox.borrow_mut().push((
            kind,
            vec![
                ("file", name),
                ("results", lines.join("\n")),
                ("errors", errors.to_string()),
            ],
        ));
        outcomes
    }
}

/// Which tab the bottom panel shows (or, embedded, which pane).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BottomTab {
    /// The editor (embedded only).
    Editor,
    /// The cluster view (embedded only).
    Cluster,
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
    /// Bumped when a command runs in the console from elsewhere (the
    /// editor's Diff), so the console shows it.
    pub console_gen: u64,
    /// The editor pane's width (px).
    pub editor_width: f64,
    /// The bottom panel's height (px).
    pub panel_height: f64,
    /// The colour theme.
    pub theme: Theme,
    /// Pods drawn one by one (`Some(true)`), per node (`Some(false)`), or by count (`None`).
    pub individual: Option<bool>,
    /// A notice above the playground (what could not be restored or opened).
    pub notice: Option<Rc<str>>,
    /// Where the workspace came from: fresh, restored, shared, example, bench.
    pub origin: &'static str,
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
    /// A command ran in the console from elsewhere: show the console.
    ConsoleRan,
    /// Resize the editor pane.
    EditorWidth(f64),
    /// Resize the bottom panel.
    PanelHeight(f64),
    /// Choose a theme.
    Theme(Theme),
    /// Choose how pods are drawn.
    Individual(Option<bool>),
    /// Show or dismiss a notice.
    Notice(Option<Rc<str>>),
    /// A workspace was loaded (its seed, where it came from).
    Loaded(u64, &'static str),
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
            Action::ConsoleRan => {
                s.tab = BottomTab::Console;
                s.console_gen += 1;
            }
            Action::EditorWidth(w) => s.editor_width = w,
            Action::PanelHeight(h) => s.panel_height = h,
            Action::Theme(t) => s.theme = t,
            Action::Individual(i) => s.individual = i,
            Action::Notice(n) => s.notice = n,
            Action::Loaded(seed, origin) => {
                s.seed = seed;
                s.origin = origin;
                s.selected = None;
                s.notice = None;
            }
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(f.named()[1].0, "web.yaml");
        f.close(1);
        assert_eq!(f.active, 0);
        f.close(0);
        assert_eq!(f.list[0].name, "untitled.yaml");
    }

    #[test]
    fn console_lines_run_kubectl_or_script_commands_and_are_recorded() {
        let h = Handle::new(1, Files::initial());
        let out = h.run("kubectl apply -f deployment.yaml");
        assert_eq!(out.stdout, "deployment.apps/snacker-deployment created\n");
        let out = h.run("sleep 2s");
        assert_eq!((out.stdout.as_str(), out.exit_code), ("", 0));
        let out = h.run("jq .");
        assert_eq!(
            (out.stderr.as_str(), out.exit_code),
            ("jq: command not found\n", 127)
        );
        // The user's shell: a pipe, and a variable kept for the next line.
        let out = h.run("N=$(kubectl get deploy -o name | wc -l)");
        assert_eq!((out.stdout.as_str(), out.exit_code), ("", 0));
        let out = h.run("echo \"$N deployment\"");
        assert_eq!(out.stdout, "1 deployment\n");
        let out = h.run("stop node");
        assert_eq!(
            (out.stderr.as_str(), out.exit_code),
            ("stop: unknown command \"stop\"\n", 2)
        );
        let out = h.run("stop node nope");
        assert_eq!(out.stdout, "error: node \"nope\" not found\n");
        h.cluster.borrow_mut().step(500);
        let r = h.run_script("kubectl get deploy -o name\nsleep 1s\nfrobnicate\nkubectl get ns\n");
        assert_eq!(r.error.map(|e| e.line), Some(3));
        let ws = h.workspace();
        assert_eq!(
            ws.script,
            format!(
                "{}sleep 2s\nN=$(kubectl get deploy -o name | wc -l)\necho \"$N deployment\"\nstop node nope\nsleep 500ms\nkubectl get deploy -o name\nsleep 1s\n",
                crate::session::heredoc("kubectl apply -f -", crate::examples::SEED_DEPLOYMENT)
            )
        );
        assert_eq!(ws.time, kubeplay_engine::cluster::BOOT_MS + 3_500);
        let copy = Handle::new(9, Files::initial());
        copy.load(&ws).unwrap();
        assert_eq!(copy.cluster.borrow().now_ms(), ws.time);
        assert_eq!(copy.cluster.borrow().seed(), 1);
        assert_eq!(
            copy.run("kubectl get deploy -o name").stdout,
            "deployment.apps/snacker-deployment\n"
        );
    }
}
