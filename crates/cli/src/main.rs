//! `kubeplay`: the headless runner for Kubeplay's simulated cluster.

use std::process::ExitCode;

const HELP: &str = "\
kubeplay — a simulated Kubernetes cluster, headless

Usage:
  kubeplay nodes [--seed N]   List the default cluster's nodes
  kubeplay --version          Print the version
  kubeplay --help             Print this help
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = String::new();
    let code = run(&args, &mut out);
    print!("{out}");
    code
}

/// Runs one command line, writing what it prints to `out`.
fn run(args: &[String], out: &mut String) -> ExitCode {
    match args.first().map(String::as_str) {
        None | Some("--help" | "-h" | "help") => {
            out.push_str(HELP);
            ExitCode::SUCCESS
        }
        Some("--version" | "-V" | "version") => {
            out.push_str(&format!(
                "kubeplay {} (simulating Kubernetes {})\n",
                kubeplay_engine::VERSION,
                kubeplay_engine::KUBERNETES_VERSION
            ));
            ExitCode::SUCCESS
        }
        Some("nodes") => {
            let seed = match args.get(1..) {
                Some([flag, n]) if flag == "--seed" => match n.parse() {
                    Ok(n) => n,
                    Err(_) => {
                        eprintln!("error: invalid seed {n:?}: expected a whole number");
                        return ExitCode::from(2);
                    }
                },
                Some([]) | None => 1,
                Some(_) => {
                    eprintln!("error: usage: kubeplay nodes [--seed N]");
                    return ExitCode::from(2);
                }
            };
            let cluster = kubeplay_engine::Cluster::new(seed);
            for node in cluster.nodes() {
                out.push_str(&node.name);
                out.push('\n');
            }
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown command {other:?}; see 'kubeplay --help'");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> (ExitCode, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut out = String::new();
        let code = run(&args, &mut out);
        (code, out)
    }

    #[test]
    fn version_names_the_crate_version() {
        let (code, out) = run_args(&["--version"]);
        assert_eq!(code, ExitCode::SUCCESS);
        assert_eq!(
            out,
            format!(
                "kubeplay {} (simulating Kubernetes v1.37.0)\n",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn nodes_lists_the_default_cluster() {
        let (_, out) = run_args(&["nodes"]);
        assert_eq!(out, "control-plane\nnode-1\nnode-2\nnode-3\n");
    }

    #[test]
    fn unknown_commands_fail() {
        let (code, _) = run_args(&["frobnicate"]);
        assert_ne!(code, ExitCode::SUCCESS);
    }
}
