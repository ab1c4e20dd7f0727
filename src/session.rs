//! The session and the workspace.
//!
//! Everything the user does to the cluster is recorded as a kubeplay script
//! (the engine's script language): kubectl lines, editor applies as
//! `kubectl apply -f - <<EOF` here-documents, fault and traffic lines, and
//! `sleep` lines for the simulated time between them. The engine is
//! deterministic, so replaying the script from the same seed rebuilds the
//! same cluster at the same simulated time. That one mechanism keeps the
//! workspace across reloads (localStorage), shares it (a URL fragment) and
//! exports it (the script itself).

use kubeplay_engine::Cluster;
use kubeplay_engine::kubectl::{MemoryFiles, shell};
use kubeplay_engine::script::run_script;

/// The workspace format's first line (its version).
const MAGIC: &str = "kubeplay-workspace 1";
/// The largest workspace accepted (bytes of its text).
pub const MAX_WORKSPACE_BYTES: usize = 2 << 20;
/// The most editor files a workspace holds.
const MAX_FILES: usize = 64;

/// The session's script, as recorded so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// The script: every action, with `sleep` lines between.
    pub script: String,
    /// The simulated time the script reaches.
    pub at: u64,
}

/// `sleep` for a number of milliseconds, in the largest exact unit.
pub fn sleep_line(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("sleep {}s\n", ms / 1000)
    } else {
        format!("sleep {ms}ms\n")
    }
}

/// The same wait typed at a container shell's prompt (an interactive
/// session, `kubectl exec -it`): the shell's `sleep` takes seconds with a
/// fraction, and a command waits at most five minutes, so a long wait is
/// several.
pub fn shell_sleep_lines(ms: u64) -> String {
    let mut out = String::new();
    let mut left = ms;
    while left > 240_000 {
        out.push_str("sleep 240\n");
        left -= 240_000;
    }
    if left.is_multiple_of(1000) {
        out.push_str(&format!("sleep {}\n", left / 1000));
    } else {
        let frac = format!("{:03}", left % 1000);
        out.push_str(&format!(
            "sleep {}.{}\n",
            left / 1000,
            frac.trim_end_matches('0')
        ));
    }
    out
}

/// `command <<EOF`, the body and its delimiter (one the body does not contain).
pub fn heredoc(command: &str, body: &str) -> String {
    let mut delim = "EOF".to_string();
    let mut n = 1;
    while body.lines().any(|l| l == delim) {
        n += 1;
        delim = format!("EOF{n}");
    }
    let mut out = format!("{command} <<{delim}\n{body}");
    if !body.is_empty() && !body.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&delim);
    out.push('\n');
    out
}

/// Words joined back into a command line that splits into the same words.
pub fn join_words<S: AsRef<str>>(words: &[S]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| shell::quote(w.as_ref())).collect();
    quoted.join(" ")
}

/// A console line as the session records it: `-f NAME` of an editor file
/// becomes `-f -` with the file's text as a here-document (one command per
/// such file), so the script does not depend on files edited later.
pub fn recordable(line: &str, files: &[(String, String)]) -> String {
    let Ok(words) = shell::split(line) else {
        return format!("{line}\n");
    };
    let mut named = Vec::new();
    let mut rest = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let (flag, value) = match w.split_once('=') {
            Some((f, v)) if f == "--filename" || f == "-f" => (true, Some(v.to_string())),
            _ if w == "-f" || w == "--filename" => {
                i += 1;
                (true, words.get(i).cloned())
            }
            _ => (false, None),
        };
        match value {
            Some(v) if flag && files.iter().any(|(n, _)| *n == v) => named.push(v),
            Some(v) if flag => {
                rest.push("-f".to_string());
                rest.push(v);
            }
            _ if flag => rest.push(w.clone()),
            _ => rest.push(w.clone()),
        }
        i += 1;
    }
    if named.is_empty() || words.first().map(String::as_str) != Some("kubectl") {
        return format!("{line}\n");
    }
    let mut out = String::new();
    for name in named {
        let text = files
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, t)| t.as_str());
        let mut cmd = rest.clone();
        cmd.push("-f".into());
        cmd.push("-".into());
        out.push_str(&heredoc(&join_words(&cmd), text));
    }
    out
}

impl Session {
    /// An empty session starting at `at` (simulated ms): the moment the
    /// fresh cluster was handed over ([`Cluster::booted_at`]), so the
    /// script does not begin with the boot as a `sleep`.
    pub fn starting_at(at: u64) -> Session {
        Session {
            script: String::new(),
            at,
        }
    }

    /// Records `text` (whole script lines) done from `before` to `after`
    /// (simulated ms; a command like `kubectl delete` may wait).
    pub fn record(&mut self, before: u64, text: &str, after: u64) {
        self.record_at(before, text, after, false);
    }

    /// [`Session::record`] of a line typed at a container shell's prompt:
    /// the wait before it is the shell's `sleep`, which the replay's shell
    /// runs.
    pub fn record_at(&mut self, before: u64, text: &str, after: u64, in_shell: bool) {
        if before > self.at {
            let wait = before - self.at;
            self.script.push_str(&if in_shell {
                shell_sleep_lines(wait)
            } else {
                sleep_line(wait)
            });
        }
        self.script.push_str(text);
        if !text.is_empty() && !text.ends_with('\n') {
            self.script.push('\n');
        }
        self.at = self.at.max(after);
    }

    /// The script up to `now`: what export and the workspace hold.
    pub fn script_until(&self, now: u64) -> String {
        let mut s = self.script.clone();
        if now > self.at {
            s.push_str(&sleep_line(now - self.at));
        }
        s
    }
}

/// What a reload, a shared link or an export carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workspace {
    /// The cluster's seed.
    pub seed: u64,
    /// The editor's files (name, text) and the active one.
    pub files: Vec<(String, String)>,
    /// The active tab.
    pub active: usize,
    /// The session script, up to the simulated time below.
    pub script: String,
    /// Simulated time (ms).
    pub time: u64,
}

impl Workspace {
    /// The text form: a header line, `key value` lines and length-prefixed
    /// blocks (`file NAME BYTES` / `script BYTES`, then the bytes and a newline).
    pub fn encode(&self) -> String {
        let mut out = format!(
            "{MAGIC}\nseed {}\ntime {}\nactive {}\n",
            self.seed, self.time, self.active
        );
        for (name, text) in &self.files {
            out.push_str(&format!("file {name} {}\n{text}\n", text.len()));
        }
        out.push_str(&format!("script {}\n{}\n", self.script.len(), self.script));
        out
    }

    /// Reads [`Workspace::encode`]'s text; refuses anything else, saying why.
    pub fn decode(text: &str) -> Result<Workspace, String> {
        if text.len() > MAX_WORKSPACE_BYTES {
            return Err(format!(
                "it is larger than {} MiB",
                MAX_WORKSPACE_BYTES >> 20
            ));
        }
        let Some(mut rest) = text.strip_prefix(MAGIC).and_then(|r| r.strip_prefix('\n')) else {
            return Err(if text.starts_with("kubeplay-workspace ") {
                "it was written by another version of Kubeplay".into()
            } else {
                "it is not a Kubeplay workspace".into()
            });
        };
        let mut ws = Workspace::default();
        let mut script = None;
        while !rest.is_empty() {
            let (line, after) = rest.split_once('\n').ok_or("it is cut short")?;
            rest = after;
            let (key, value) = line.split_once(' ').ok_or("a line has no value")?;
            let number = |v: &str| -> Result<u64, String> {
                v.parse()
                    .map_err(|_| format!("{key} {v:?} is not a number"))
            };
            let mut block = |len: &str| -> Result<&str, String> {
                let n = number(len)? as usize;
                let body = rest.get(..n).ok_or("a block is cut short")?;
                rest = rest
                    .get(n..)
                    .and_then(|r| r.strip_prefix('\n'))
                    .ok_or("a block does not end where its length says")?;
                Ok(body)
            };
            match key {
                "seed" => ws.seed = number(value)?,
                "time" => ws.time = number(value)?,
                "active" => ws.active = number(value)? as usize,
                "file" => {
                    let (name, len) = value.rsplit_once(' ').ok_or("a file has no length")?;
                    if name.is_empty() || name.contains(['/', '\n']) {
                        return Err(format!("the file name {name:?} is not valid"));
                    }
                    let body = block(len)?;
                    ws.files.push((name.to_string(), body.to_string()));
                    if ws.files.len() > MAX_FILES {
                        return Err(format!("it has more than {MAX_FILES} files"));
                    }
                }
                "script" => script = Some(block(value)?.to_string()),
                other => return Err(format!("it has an unknown field {other:?}")),
            }
        }
        ws.script = script.ok_or("it has no session script")?;
        if ws.files.is_empty() {
            return Err("it has no editor files".into());
        }
        ws.active = ws.active.min(ws.files.len() - 1);
        Ok(ws)
    }

    /// Rebuilds the cluster: a fresh one from the seed, the script replayed,
    /// then time up to [`Workspace::time`].
    pub fn replay(&self) -> Result<Cluster, String> {
        let mut cluster = Cluster::new(self.seed);
        let files = MemoryFiles::from_pairs(self.files.iter().cloned());
        let result = run_script(&mut cluster, &self.script, &files);
        if let Some(e) = result.error {
            return Err(format!(
                "its session stopped at line {}: {}",
                e.line, e.message
            ));
        }
        let now = cluster.now_ms();
        if self.time > now {
            cluster.step(self.time - now);
        }
        Ok(cluster)
    }
}

/// The objects the user made, as one YAML file for `kubectl apply -f`:
/// what was applied (its last-applied configuration), or the object without
/// what the server fills in. Objects a fresh cluster has, objects owned by
/// others (ReplicaSets, pods) and records (Events, Endpoints, Leases) are left out.
pub fn export_manifests(cluster: &Cluster) -> String {
    use kubeplay_engine::api::registry::RESOURCES;
    let fresh = Cluster::new(cluster.seed());
    let mut out = format!(
        "# Exported from Kubeplay (seed {}): kubectl apply -f this file\n",
        cluster.seed()
    );
    for r in RESOURCES {
        if matches!(
            r.kind,
            "Event" | "Endpoints" | "EndpointSlice" | "Lease" | "Node" | "ControllerRevision"
        ) {
            continue;
        }
        for (key, obj) in cluster.store().list(r.id(), None) {
            let meta = obj.get("metadata");
            if meta.get("ownerReferences").items().next().is_some()
                || fresh.store().get_named(r.id(), &key.0, &key.1).is_some()
            {
                continue;
            }
            let applied = meta
                .at(&[
                    "annotations",
                    "kubectl.kubernetes.io/last-applied-configuration",
                ])
                .as_str()
                .and_then(|j| kubeplay_engine::yaml::load_str(j).ok())
                .and_then(|docs| docs.into_iter().next())
                .map(|d| d.root.to_value());
            let clean = applied.unwrap_or_else(|| {
                let mut o = obj.clone();
                o.remove("status");
                let mut m = o.get("metadata").clone();
                for k in [
                    "uid",
                    "resourceVersion",
                    "creationTimestamp",
                    "generation",
                    "managedFields",
                ] {
                    m.remove(k);
                }
                o.set("metadata", m);
                o
            });
            out.push_str("---\n");
            out.push_str(&kubeplay_engine::yaml::to_yaml(&clean));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeplay_engine::api::registry::RESOURCES;
    use kubeplay_engine::apiserver::manifest::ManifestVerb;
    use kubeplay_engine::kubectl::NoFiles;

    /// Every stored object, the clock and the Events, as text.
    fn dump(c: &Cluster) -> String {
        let mut out = format!("now {}\n", c.now_ms());
        for r in RESOURCES {
            for (_, obj) in c.store().list(r.id(), None) {
                out.push_str(&kubeplay_engine::yaml::to_json_compact(obj));
                out.push('\n');
            }
        }
        for e in c.events().records() {
            out.push_str(&format!("{e:?}\n"));
        }
        out
    }

    #[test]
    fn lines_sleeps_and_heredocs() {
        assert_eq!(sleep_line(30_000), "sleep 30s\n");
        assert_eq!(sleep_line(1_500), "sleep 1500ms\n");
        assert_eq!(
            heredoc("kubectl apply -f -", "a: 1"),
            "kubectl apply -f - <<EOF\na: 1\nEOF\n"
        );
        assert_eq!(heredoc("cat", "EOF\nx\n"), "cat <<EOF2\nEOF\nx\nEOF2\n");
        let files = vec![("web.yaml".to_string(), "kind: X\n".to_string())];
        assert_eq!(
            recordable("kubectl apply -f web.yaml --dry-run=server", &files),
            "kubectl apply --dry-run=server -f - <<EOF\nkind: X\nEOF\n"
        );
        assert_eq!(
            recordable("kubectl apply -f other.yaml", &files),
            "kubectl apply -f other.yaml\n"
        );
        assert_eq!(
            recordable("kubectl get pods -l 'app in (a)'", &files),
            "kubectl get pods -l 'app in (a)'\n"
        );
        let mut s = Session::default();
        s.record(0, "kubectl get ns", 0);
        s.record(2_500, "stop node node-1\n", 2_500);
        s.record(2_500, "kubectl delete pod x\n", 40_000);
        assert_eq!(
            s.script_until(41_000),
            "kubectl get ns\nsleep 2500ms\nstop node node-1\nkubectl delete pod x\nsleep 1s\n"
        );
    }

    #[test]
    fn export_lists_what_the_user_made_ready_for_apply() {
        let mut c = Cluster::new(1);
        let files = vec![(
            "app.yaml".to_string(),
            crate::examples::SEED_APP.to_string(),
        )];
        crate::state::run_command(&mut c, "kubectl apply -f app.yaml", &files);
        crate::state::run_command(
            &mut c,
            "kubectl create configmap cfg --from-literal=a=b",
            &files,
        );
        c.step(30_000);
        let yaml = export_manifests(&c);
        let kinds: Vec<&str> = yaml
            .lines()
            .filter_map(|l| l.strip_prefix("kind: "))
            .collect();
        assert_eq!(
            kinds,
            ["ConfigMap", "Secret", "Service", "Deployment", "Ingress"],
            "{yaml}"
        );
        assert!(!yaml.contains("resourceVersion"), "{yaml}");
        // It applies to a fresh cluster as is.
        let mut again = Cluster::new(2);
        let out = crate::state::run_command(
            &mut again,
            "kubectl apply -f all.yaml",
            &[("all.yaml".into(), yaml)],
        )
        .0;
        assert_eq!(out.exit_code, 0, "{out:?}");
        assert_eq!(out.stdout.lines().count(), 5, "{}", out.stdout);
    }

    #[test]
    fn the_workspace_round_trips_and_refuses_anything_else() {
        let ws = Workspace {
            seed: 7,
            files: vec![
                ("a.yaml".into(), "x: 1\nfile b.yaml 3\n".into()),
                ("b.yaml".into(), String::new()),
            ],
            active: 1,
            script: "kubectl get ns\nsleep 1s\n".into(),
            time: 1_000,
        };
        assert_eq!(Workspace::decode(&ws.encode()), Ok(ws.clone()));
        let text = ws.encode();
        for (bad, why) in [
            (
                "{\"files\":[]}".to_string(),
                "it is not a Kubeplay workspace",
            ),
            (
                "kubeplay-workspace 9\n".to_string(),
                "it was written by another version of Kubeplay",
            ),
            (
                text.replace("file a.yaml 19", "file a.yaml 17"),
                "a block does not end where its length says",
            ),
            (
                text.replace("file a.yaml 19", "file a.yaml 99"),
                "a block is cut short",
            ),
            (
                text.replace("seed 7", "seed x"),
                "seed \"x\" is not a number",
            ),
            (text[..text.len() - 8].to_string(), "a block is cut short"),
            (
                text.replace("time", "tick"),
                "it has an unknown field \"tick\"",
            ),
            (
                text.replace("file a.yaml", "file ../a.yaml"),
                "the file name \"../a.yaml\" is not valid",
            ),
        ] {
            assert_eq!(Workspace::decode(&bad), Err(why.to_string()), "{bad:?}");
        }
    }

    #[test]
    fn replaying_the_session_rebuilds_the_same_cluster_at_the_same_time() {
        // The playground: irregular frames, actions between them.
        let mut c = Cluster::new(3);
        let mut s = Session::starting_at(c.booted_at());
        let files = vec![(
            "app.yaml".to_string(),
            crate::examples::SEED_APP.to_string(),
        )];
        let frame = |c: &mut Cluster, ms: u64| {
            let mut left = ms;
            let mut k = 0;
            while left > 0 {
                let dt = [16, 17, 0, 33, 7][k % 5].min(left);
                c.step(dt);
                left -= dt;
                k += 1;
            }
        };
        let before = c.now_ms();
        let out = c.run_manifest(
            crate::examples::SEED_DEPLOYMENT,
            "deployment.yaml",
            ManifestVerb::Apply,
        );
        assert!(out.iter().all(|o| o.result.is_ok()));
        s.record(
            before,
            &heredoc("kubectl apply -f -", crate::examples::SEED_DEPLOYMENT),
            c.now_ms(),
        );
        frame(&mut c, 4_321);
        for line in [
            "kubectl apply -f app.yaml",
            "traffic start http://kube.lambdaclass.com/snackerbis --rate 7",
            "kubectl scale deployment snacker-deployment --replicas=3",
        ] {
            let before = c.now_ms();
            crate::state::run_command(&mut c, line, &files);
            s.record(before, &recordable(line, &files), c.now_ms());
            frame(&mut c, 9_001);
        }
        let before = c.now_ms();
        crate::state::run_command(&mut c, "stop node node-2", &files);
        s.record(before, "stop node node-2\n", c.now_ms());
        frame(&mut c, 95_000);
        let ws = Workspace {
            seed: 3,
            files,
            active: 0,
            script: s.script_until(c.now_ms()),
            time: c.now_ms(),
        };
        let replayed = Workspace::decode(&ws.encode()).unwrap().replay().unwrap();
        assert_eq!(dump(&replayed), dump(&c));
        assert_eq!(replayed.traffic_ids(), c.traffic_ids());
        let id = c.traffic_ids()[0];
        assert_eq!(replayed.traffic_stats(id), c.traffic_stats(id));
        // And the same script through the engine alone, as the CLI runs it.
        let mut cli = Cluster::new(3);
        let r = run_script(&mut cli, &ws.script, &NoFiles);
        assert_eq!(r.exit_code, 0, "{}", r.output);
        assert_eq!(dump(&cli), dump(&c));
    }

    #[test]
    fn a_shell_session_replays_with_its_waits_as_the_shells_sleep() {
        assert_eq!(shell_sleep_lines(1_500), "sleep 1.5\n");
        assert_eq!(shell_sleep_lines(2_000), "sleep 2\n");
        assert_eq!(
            shell_sleep_lines(500_250),
            "sleep 240\nsleep 240\nsleep 20.25\n"
        );
        let mut c = Cluster::new(5);
        let mut s = Session::starting_at(c.booted_at());
        let files: Vec<(String, String)> = Vec::new();
        for (line, wait) in [
            ("kubectl run box --image=busybox -- sleep 1d", 12_000),
            ("kubectl exec -it box -- sh", 1_234),
            ("cd /tmp && echo hi > note", 500_250),
            ("cat note", 700),
            ("exit", 3_000),
            ("kubectl exec box -- cat /tmp/note", 0),
        ] {
            let before = c.now_ms();
            let in_shell = c.terminal_prompt().is_some();
            crate::state::run_command(&mut c, line, &files);
            if in_shell {
                s.record_at(before, &format!("{line}\n"), c.now_ms(), true);
            } else {
                s.record(before, &recordable(line, &files), c.now_ms());
            }
            c.step(wait);
        }
        let script = s.script_until(c.now_ms());
        assert!(script.contains("cat note\nsleep 0.7\nexit\n"), "{script}");
        let mut cli = Cluster::new(5);
        let r = run_script(&mut cli, &script, &NoFiles);
        assert_eq!(r.exit_code, 0, "{}", r.output);
        assert!(r.output.contains("/tmp # cat note\nhi\n"), "{}", r.output);
        assert_eq!(dump(&cli), dump(&c));
    }
}
