//! `kubeplay`: the headless runner for Kubeplay's simulated cluster.

mod bench;

/// Counts live heap bytes, so `kubeplay bench steady` can report memory
/// per pod exactly (the system allocator does the work).
struct CountingAllocator;

static LIVE_BYTES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter is only arithmetic on the sizes it is given.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size(), std::sync::atomic::Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(new_size, std::sync::atomic::Ordering::Relaxed);
            LIVE_BYTES.fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Live heap bytes right now.
fn live_heap_bytes() -> Option<usize> {
    Some(LIVE_BYTES.load(std::sync::atomic::Ordering::Relaxed))
}

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kubeplay_engine::Cluster;
use kubeplay_engine::kubectl::{FileError, Files, WithStdin};

const HELP: &str = "\
kubeplay — a simulated Kubernetes cluster, headless

Usage:
  kubeplay script FILE [--seed N]
      Run a Kubeplay script against a fresh default cluster and print the
      session as a terminal shows it. `-f` paths are read relative to the
      script's folder. Script lines:
        kubectl …                      any supported kubectl command
        kubectl apply -f - <<EOF       a here-document as standard input
        sleep 30s | 2m | 1h30m | 500ms advance simulated time
        curl [-s] [-i] [-v] [-H 'Host: h'] [-X METHOD] [-o /dev/null] [-w '%{http_code}'] URL
                                       send a request through the cluster
        stop node NAME | start node NAME | remove node NAME
        add node NAME [--cpu 8] [--memory 16Gi] [--pods 110]
                      [--label k=v] [--taint k=v:NoSchedule]
        kill pod NAME [-c CONTAINER] [-n NAMESPACE]
        break image IMAGE | fix image IMAGE
        traffic start URL [--rate N] [-H 'Host: h'] | traffic stop
                                       a traffic generator (N requests per
                                       simulated second, default 5)
        status TYPE/NAME [-n NS] <<EOF … EOF
                                       set status fields of an object no
                                       component manages (testing aid)
        echo TEXT, # comments and blank lines
      After `kubectl exec -it POD -- sh` (or run, attach or debug -it) the
      lines go to the container's shell, at its prompt, until `exit`.
      A kubectl error is printed and the script goes on; a malformed line
      stops it with its line number (exit status 2).

  kubeplay kubectl ARGS…
      Run one kubectl command against a fresh default cluster (files are
      read from the current folder, `-f -` from standard input).

  kubeplay bench [scheduling|steady|apply|all] [--nodes N] [--pods N]
      Time the engine natively. `apply` applies a generated ~1 MiB manifest
      of 1000 Deployments (--pods sets how many); `scheduling` and `steady`
      use --nodes (default 5000) and --pods (default 150000).

  kubeplay nodes [--seed N]   List the default cluster's nodes
  kubeplay --version          Print the version
  kubeplay --help             Print this help
";

/// Files on disk, relative to a folder.
struct DiskFiles {
    base: PathBuf,
}

impl DiskFiles {
    fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }
}

impl Files for DiskFiles {
    fn read(&self, path: &str) -> Result<String, FileError> {
        let full = self.resolve(path);
        match std::fs::read(&full) {
            Ok(bytes) => String::from_utf8(bytes)
                .map_err(|_| FileError::Other(format!("{path}: the file is not UTF-8 text"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FileError::NotFound),
            Err(e) => Err(FileError::Other(format!("{path}: {e}"))),
        }
    }

    fn list_dir(&self, path: &str) -> Option<Vec<String>> {
        let entries = std::fs::read_dir(self.resolve(path)).ok()?;
        Some(
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect(),
        )
    }
}

/// What a command printed and how it exits.
struct Outcome {
    stdout: String,
    stderr: String,
    code: u8,
}

impl Outcome {
    fn ok(stdout: String) -> Outcome {
        Outcome {
            stdout,
            stderr: String::new(),
            code: 0,
        }
    }

    fn usage(msg: &str) -> Outcome {
        Outcome {
            stdout: String::new(),
            stderr: format!("error: {msg}\nSee 'kubeplay --help' for usage.\n"),
            code: 2,
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = run(&args, &mut || {
        let mut s = String::new();
        let _ = std::io::stdin().read_to_string(&mut s);
        s
    });
    print!("{}", outcome.stdout);
    eprint!("{}", outcome.stderr);
    ExitCode::from(outcome.code)
}

fn parse_seed(args: &[String]) -> Result<(u64, Vec<String>), String> {
    let mut seed = 1;
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (args[i].as_str(), None),
        };
        if flag == "--seed" {
            let v = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    args.get(i).cloned().ok_or("--seed needs a number")?
                }
            };
            seed = v
                .parse()
                .map_err(|_| format!("invalid seed {v:?}: expected a whole number"))?;
        } else {
            rest.push(args[i].clone());
        }
        i += 1;
    }
    Ok((seed, rest))
}

/// Runs one command line.
fn run(args: &[String], stdin: &mut dyn FnMut() -> String) -> Outcome {
    match args.first().map(String::as_str) {
        None | Some("--help" | "-h" | "help") => Outcome::ok(HELP.to_string()),
        Some("--version" | "-V" | "version") => Outcome::ok(format!(
            "kubeplay {} (simulating Kubernetes {})\n",
            kubeplay_engine::VERSION,
            kubeplay_engine::KUBERNETES_VERSION
        )),
        Some("nodes") => match parse_seed(&args[1..]) {
            Ok((seed, rest)) if rest.is_empty() => {
                let cluster = Cluster::new(seed);
                let mut out = String::new();
                for node in cluster.nodes() {
                    out.push_str(&node.name);
                    out.push('\n');
                }
                Outcome::ok(out)
            }
            Ok(_) => Outcome::usage("usage: kubeplay nodes [--seed N]"),
            Err(e) => Outcome::usage(&e),
        },
        Some("script") => {
            let (seed, rest) = match parse_seed(&args[1..]) {
                Ok(x) => x,
                Err(e) => return Outcome::usage(&e),
            };
            let [file] = rest.as_slice() else {
                return Outcome::usage("usage: kubeplay script FILE [--seed N]");
            };
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => return Outcome::usage(&format!("cannot read {file}: {e}")),
            };
            let base = Path::new(file)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let files = DiskFiles { base };
            let mut cluster = Cluster::new(seed);
            let result = kubeplay_engine::script::run_script(&mut cluster, &text, &files);
            Outcome {
                stdout: result.output,
                stderr: String::new(),
                code: result.exit_code as u8,
            }
        }
        Some("kubectl") => {
            let words: Vec<String> = args[1..].to_vec();
            let mut cluster = Cluster::new(1);
            let files = DiskFiles {
                base: PathBuf::from("."),
            };
            let reads_stdin = words
                .windows(2)
                .any(|w| (w[0] == "-f" || w[0] == "--filename") && w[1] == "-")
                || words.iter().any(|w| w == "--filename=-" || w == "-f-");
            let input = if reads_stdin { stdin() } else { String::new() };
            let out = cluster.kubectl_args(
                &words,
                &WithStdin {
                    files: &files,
                    stdin: &input,
                },
            );
            Outcome {
                stdout: out.stdout,
                stderr: out.stderr,
                code: out.exit_code as u8,
            }
        }
        Some("bench") => run_bench(&args[1..]),
        Some(other) => Outcome::usage(&format!("unknown command {other:?}")),
    }
}

/// A benchmark to run.
type BenchFn = Box<dyn Fn() -> Result<bench::Report, String>>;

fn run_bench(args: &[String]) -> Outcome {
    let mut which = "all".to_string();
    let mut nodes: Option<usize> = None;
    let mut pods: Option<usize> = None;
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (args[i].clone(), None),
        };
        let value = |i: &mut usize| -> Result<usize, String> {
            let v = match inline.clone() {
                Some(v) => v,
                None => {
                    *i += 1;
                    args.get(*i)
                        .cloned()
                        .ok_or(format!("{flag} needs a number"))?
                }
            };
            v.parse()
                .map_err(|_| format!("invalid {flag} {v:?}: expected a whole number"))
        };
        match flag.as_str() {
            "--nodes" => match value(&mut i) {
                Ok(n) => nodes = Some(n),
                Err(e) => return Outcome::usage(&e),
            },
            "--pods" => match value(&mut i) {
                Ok(n) => pods = Some(n),
                Err(e) => return Outcome::usage(&e),
            },
            "scheduling" | "steady" | "apply" | "all" => which = flag.clone(),
            other => return Outcome::usage(&format!("unknown bench option {other:?}")),
        }
        i += 1;
    }
    let nodes_n = nodes.unwrap_or(5000);
    let pods_n = pods.unwrap_or(150_000);
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut code = 0;
    let runs: Vec<(&str, BenchFn)> = vec![
        (
            "scheduling",
            Box::new(move || bench::scheduling(nodes_n, pods_n)),
        ),
        (
            "steady",
            Box::new(move || bench::steady(nodes_n, pods_n, &live_heap_bytes)),
        ),
        (
            "apply",
            Box::new(move || bench::apply(pods.unwrap_or(1000))),
        ),
    ];
    for (name, f) in runs {
        if which != "all" && which != name {
            continue;
        }
        match f() {
            Ok(report) => {
                stdout.push_str(&report.line());
                stdout.push('\n');
            }
            Err(e) => {
                stderr.push_str(&format!("{name}: {e}\n"));
                code = 1;
            }
        }
    }
    Outcome {
        stdout,
        stderr,
        code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> Outcome {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        run(&args, &mut || {
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: piped\n".to_string()
        })
    }

    #[test]
    fn version_names_the_crate_version() {
        let out = run_args(&["--version"]);
        assert_eq!(out.code, 0);
        assert_eq!(
            out.stdout,
            format!(
                "kubeplay {} (simulating Kubernetes v1.37.0)\n",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn nodes_lists_the_default_cluster() {
        let out = run_args(&["nodes"]);
        assert_eq!(out.stdout, "control-plane\nnode-1\nnode-2\nnode-3\n");
    }

    #[test]
    fn unknown_commands_fail() {
        let out = run_args(&["frobnicate"]);
        assert_eq!(out.code, 2);
        assert_eq!(
            out.stderr,
            "error: unknown command \"frobnicate\"\nSee 'kubeplay --help' for usage.\n"
        );
    }

    #[test]
    fn kubectl_runs_one_command() {
        let out = run_args(&["kubectl", "get", "nodes", "-o", "name"]);
        assert_eq!(out.code, 0);
        assert_eq!(
            out.stdout,
            "node/control-plane\nnode/node-1\nnode/node-2\nnode/node-3\n"
        );
        let out = run_args(&["kubectl", "get", "frobs"]);
        assert_eq!(out.code, 1);
        assert_eq!(
            out.stderr,
            "error: the server doesn't have a resource type \"frobs\"\n"
        );
        let out = run_args(&["kubectl", "apply", "-f", "-"]);
        assert_eq!(out.stdout, "namespace/piped created\n");
    }

    #[test]
    fn help_documents_every_command() {
        let out = run_args(&["--help"]);
        for cmd in [
            "script FILE",
            "kubectl ARGS",
            "bench [scheduling|steady|apply|all]",
            "--version",
        ] {
            assert!(out.stdout.contains(cmd), "{cmd}");
        }
    }

    #[test]
    fn bench_runs_the_engine_benchmarks() {
        let out = run_args(&["bench", "scheduling", "--nodes", "10", "--pods", "10"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.starts_with("scheduling: 10 pods scheduled in "));
        assert!(
            out.stdout
                .contains("x kube-scheduler's CI floor of 680 pods/s")
        );
        let out = run_args(&["bench", "steady", "--nodes", "5", "--pods", "50"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.starts_with("steady: 3600 simulated seconds in "));
        assert!(
            out.stdout.contains("5 nodes, 63 running pods"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains("KiB per running pod (counted allocations)")
        );
        let out = run_args(&["bench", "apply", "--pods", "5"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.starts_with("apply: 5 deployments applied in "));
        let out = run_args(&["bench", "--nodes", "x"]);
        assert_eq!(out.code, 2);
    }
}
