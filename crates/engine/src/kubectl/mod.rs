//! kubectl, emulated against the simulated cluster: one implementation for
//! the browser console and the native `kubeplay` binary, so the same command
//! prints the same bytes everywhere.
//!
//! [`Cluster::kubectl`] takes one command line, splits it like a shell,
//! finds the command (cobra's tree: `get`, `rollout status`, …), parses its
//! flags like pflag, runs it against the API server methods of [`Cluster`]
//! and returns what kubectl would print on stdout and stderr, and its exit
//! code. Output formats follow kubectl's source: printers.go columns,
//! tabwriter alignment, `describe` layouts, name-printer messages and the
//! exact error texts.

pub mod duration;
pub mod flags;
pub mod gotemplate;
pub mod jsonpath;
pub mod printers;
pub mod selector;
pub mod shell;
pub mod tabwriter;

mod apply;
mod create;
mod debug;
mod describe;
mod diff;
mod edit;
mod events;
mod exec;
mod explain;
mod get;
mod info;
pub(crate) mod logs;
mod patch;
mod portforward;
mod rbac_rules;
pub(crate) mod resources;
mod rollout;
mod terminal;
mod wait;

pub(crate) use apply::klog_line;
pub use explain::{ExplainField, ExplainSource, ExplainedType};
pub(crate) use flags::go_quote;
pub use terminal::Terminal;

use crate::sort::CompactSort;
use crate::vecmap::VecMap;

use crate::api::errors::StatusError;
use crate::apiserver::rbac::{self, Request, UserInfo};
use crate::cluster::Cluster;
use flags::{Flag, FlagError, Kind, Parsed};

/// What one kubectl command printed, and how it exited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubectlOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// 0 on success, 1 on error (kubectl's `DefaultErrorExitCode`).
    pub exit_code: i32,
    /// Both streams in the order they were written, as a terminal shows them.
    pub terminal: String,
}

/// Why a file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileError {
    /// There is no such file.
    NotFound,
    /// It exists but cannot be read; the message says why.
    Other(String),
}

/// Where `-f` files come from: the disk next to a script (CLI), the editor
/// tabs (browser), or a fixed set (tests). `-` is standard input.
pub trait Files {
    /// The contents of `path`.
    fn read(&self, path: &str) -> Result<String, FileError>;

    /// The entries of `path` when it is a directory (names only, any order).
    fn list_dir(&self, path: &str) -> Option<Vec<String>> {
        let _ = path;
        None
    }
}

/// No files at all.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, _path: &str) -> Result<String, FileError> {
        Err(FileError::NotFound)
    }
}

/// Files held in memory (editor tabs, tests), keyed by path.
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles(pub VecMap<String, String>);

impl MemoryFiles {
    /// Files from (path, text) pairs; a later pair replaces an earlier one
    /// with the same path. (A VecMap collects by inserting one by one.)
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> MemoryFiles {
        MemoryFiles(pairs.into_iter().collect())
    }

    /// Adds a file.
    pub fn with(mut self, path: &str, text: &str) -> MemoryFiles {
        self.0.insert(path.to_string(), text.to_string());
        self
    }
}

impl Files for MemoryFiles {
    fn read(&self, path: &str) -> Result<String, FileError> {
        let path = path.strip_prefix("./").unwrap_or(path);
        self.0.get(path).cloned().ok_or(FileError::NotFound)
    }

    fn list_dir(&self, path: &str) -> Option<Vec<String>> {
        let dir = path.trim_start_matches("./").trim_end_matches('/');
        let prefix = if dir.is_empty() || dir == "." {
            String::new()
        } else {
            format!("{dir}/")
        };
        let names: Vec<String> = self
            .0
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('/'))
            .map(str::to_string)
            .collect();
        (!names.is_empty() && !self.0.contains_key(dir)).then_some(names)
    }
}

/// Other files, with `-` answering with the given standard input.
pub struct WithStdin<'a> {
    /// Where every other path is read.
    pub files: &'a dyn Files,
    /// What `-` reads.
    pub stdin: &'a str,
}

impl Files for WithStdin<'_> {
    fn read(&self, path: &str) -> Result<String, FileError> {
        if path == "-" {
            Ok(self.stdin.to_string())
        } else {
            self.files.read(path)
        }
    }

    fn list_dir(&self, path: &str) -> Option<Vec<String>> {
        self.files.list_dir(path)
    }
}

/// The two output streams, and both interleaved.
#[derive(Clone, Debug, Default)]
pub(crate) struct Out {
    stdout: String,
    stderr: String,
    terminal: String,
    /// kubectl's exit code when a command fails with its own (`exec`
    /// passes on the command's).
    pub exit_code: Option<i32>,
}

impl Out {
    /// Writes to stdout.
    pub(crate) fn out(&mut self, text: &str) {
        self.stdout.push_str(text);
        self.terminal.push_str(text);
    }

    /// Writes to stderr.
    pub(crate) fn err(&mut self, text: &str) {
        self.stderr.push_str(text);
        self.terminal.push_str(text);
    }

    /// Writes a line to stdout.
    pub(crate) fn line(&mut self, text: &str) {
        self.out(text);
        self.out("\n");
    }

    /// Writes a line to stderr.
    pub(crate) fn err_line(&mut self, text: &str) {
        self.err(text);
        self.err("\n");
    }
}

/// A failed command: what kubectl's `CheckErr` prints to stderr (exit 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fail(pub String);

impl Fail {
    /// A plain error: `error: <msg>` (unless it already starts so).
    pub(crate) fn error(msg: impl Into<String>) -> Fail {
        let msg = msg.into();
        if msg.starts_with("error: ") {
            Fail(msg)
        } else {
            Fail(format!("error: {msg}"))
        }
    }

    /// An API error as kubectl prints it.
    pub(crate) fn status(e: &StatusError) -> Fail {
        Fail(e.kubectl_message(None))
    }

    /// Text printed as is.
    pub(crate) fn raw(text: impl Into<String>) -> Fail {
        Fail(text.into())
    }

    /// `cmdutil.UsageErrorf`: `error: <msg>` and `See '<cmd> -h' for help and examples`.
    pub(crate) fn usage(path: &str, msg: &str) -> Fail {
        Fail::error(format!("{msg}\nSee '{path} -h' for help and examples"))
    }
}

impl From<StatusError> for Fail {
    fn from(e: StatusError) -> Fail {
        Fail::status(&e)
    }
}

/// One command run: the cluster, files, output and the resolved namespace.
pub(crate) struct Ctx<'a> {
    pub cluster: &'a mut Cluster,
    pub files: &'a dyn Files,
    pub out: Out,
    /// The namespace to use (`-n`, or `default`).
    pub namespace: String,
    /// Whether `-n` was given.
    pub namespace_explicit: bool,
    /// The command path (`kubectl rollout status`).
    pub path: String,
    /// The job, when the user's shell runs the command in the background
    /// (`&`): only `port-forward` and `proxy` can.
    pub background: Option<crate::network::ShellJob>,
}

/// A command's implementation.
pub(crate) type RunFn = fn(&mut Ctx, &Parsed) -> Result<(), Fail>;

/// A node of kubectl's command tree.
pub(crate) struct Command {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub suggest_for: &'static [&'static str],
    pub short: &'static str,
    pub usage: &'static str,
    pub flags: &'static [&'static [Flag]],
    pub run: Option<RunFn>,
    pub subcommands: &'static [Command],
    /// Why Kubeplay cannot run it, for real commands it does not emulate.
    pub unsupported: Option<&'static str>,
    /// The help's long description, as kubectl renders it (else `short`).
    pub long: Option<&'static str>,
    /// The help's examples, already indented.
    pub example: Option<&'static str>,
}

impl Command {
    const fn new(name: &'static str, short: &'static str, usage: &'static str) -> Command {
        Command {
            name,
            aliases: &[],
            suggest_for: &[],
            short,
            usage,
            flags: &[],
            run: None,
            subcommands: &[],
            unsupported: None,
            long: None,
            example: None,
        }
    }

    const fn flags(mut self, flags: &'static [&'static [Flag]]) -> Command {
        self.flags = flags;
        self
    }

    const fn run(mut self, run: RunFn) -> Command {
        self.run = Some(run);
        self
    }

    const fn aliases(mut self, aliases: &'static [&'static str]) -> Command {
        self.aliases = aliases;
        self
    }

    const fn suggest_for(mut self, s: &'static [&'static str]) -> Command {
        self.suggest_for = s;
        self
    }

    const fn subcommands(mut self, subs: &'static [Command]) -> Command {
        self.subcommands = subs;
        self
    }

    const fn long(mut self, long: &'static str, example: Option<&'static str>) -> Command {
        self.long = Some(long);
        self.example = example;
        self
    }

    const fn unsupported(mut self, why: &'static str) -> Command {
        self.unsupported = Some(why);
        self
    }

    fn matches(&self, word: &str) -> bool {
        self.name == word || self.aliases.contains(&word)
    }
}

// ------------------------------------------------------------------ flags

pub(crate) const GLOBAL_FLAGS: &[Flag] = &[
    Flag::new("namespace", Kind::Str).short('n'),
    Flag::new("kubeconfig", Kind::Str),
    Flag::new("context", Kind::Str),
    Flag::new("cluster", Kind::Str),
    Flag::new("user", Kind::Str),
    Flag::new("server", Kind::Str).short('s'),
    Flag::new("token", Kind::Str),
    Flag::new("request-timeout", Kind::Str),
    Flag::new("v", Kind::Int).short('v'),
    Flag::new("as", Kind::Str),
    Flag::new("as-group", Kind::Array),
    Flag::new("as-uid", Kind::Str),
    Flag::new("insecure-skip-tls-verify", Kind::Bool),
    Flag::new("match-server-version", Kind::Bool),
    Flag::new("warnings-as-errors", Kind::Bool),
    Flag::new("cache-dir", Kind::Str),
    Flag::new("certificate-authority", Kind::Str),
    Flag::new("client-certificate", Kind::Str),
    Flag::new("client-key", Kind::Str),
    Flag::new("tls-server-name", Kind::Str),
    Flag::new("username", Kind::Str),
    Flag::new("password", Kind::Str),
    Flag::new("disable-compression", Kind::Bool),
    Flag::new("profile", Kind::Str),
    Flag::new("profile-output", Kind::Str),
    Flag::new("log-flush-frequency", Kind::Duration),
];

pub(crate) const PRINT_FLAGS: &[Flag] = &[
    Flag::new("output", Kind::Str).short('o'),
    Flag::new("template", Kind::Str),
    Flag::new("allow-missing-template-keys", Kind::Bool),
    Flag::new("show-managed-fields", Kind::Bool),
];

pub(crate) const FILENAME_FLAGS: &[Flag] = &[
    Flag::new("filename", Kind::Slice).short('f'),
    Flag::new("recursive", Kind::Bool).short('R'),
    Flag::new("kustomize", Kind::Str).short('k').unsupported(
        "kustomize directories are not supported in Kubeplay; apply the manifests with -f",
    ),
];

pub(crate) const DRY_RUN_FLAGS: &[Flag] = &[Flag::new("dry-run", Kind::Str).no_opt("unchanged")];

pub(crate) const MUTATE_FLAGS: &[Flag] = &[
    Flag::new("field-manager", Kind::Str),
    Flag::new("validate", Kind::Str).no_opt("strict"),
    Flag::new("save-config", Kind::Bool),
];

/// `--record` (deprecated), on the commands that still take it.
pub(crate) const RECORD_FLAGS: &[Flag] = &[Flag::new("record", Kind::Bool)];

// ---------------------------------------------------------------- the tree

macro_rules! flags {
    ($($f:expr),* $(,)?) => { &[$($f),*] };
}

static CREATE_SUBCOMMANDS: &[Command] = &[
    Command::new(
        "deployment",
        "Create a deployment with the specified name",
        "kubectl create deployment NAME --image=image -- [COMMAND] [args...] [options]",
    )
    .aliases(&["deploy"])
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("image", Kind::Slice),
            Flag::new("port", Kind::Int32),
            Flag::new("replicas", Kind::Int32).short('r'),
        ],
    ])
    .run(create::deployment),
    Command::new(
        "cronjob",
        "Create a cron job with the specified name",
        "kubectl create cronjob NAME --image=image --schedule='0/5 * * * ?' -- [COMMAND] [args...] [flags] [options]",
    )
    .aliases(&["cj"])
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("image", Kind::Str),
            Flag::new("schedule", Kind::Str),
            Flag::new("restart", Kind::Str),
        ],
    ])
    .run(create::cronjob),
    Command::new(
        "job",
        "Create a job with the specified name",
        "kubectl create job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[Flag::new("image", Kind::Str), Flag::new("from", Kind::Str)],
    ])
    .run(create::job),
    Command::new(
        "namespace",
        "Create a namespace with the specified name",
        "kubectl create namespace NAME [--dry-run=server|client|none] [options]",
    )
    .aliases(&["ns"])
    .flags(flags![PRINT_FLAGS, DRY_RUN_FLAGS, MUTATE_FLAGS])
    .run(create::namespace),
    Command::new(
        "configmap",
        "Create a config map from a local file, directory or literal value",
        "kubectl create configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]",
    )
    .aliases(&["cm"])
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("from-file", Kind::Slice),
            Flag::new("from-literal", Kind::Array),
            Flag::new("from-env-file", Kind::Slice),
            Flag::new("append-hash", Kind::Bool)
                .unsupported("--append-hash is not supported in Kubeplay"),
        ],
    ])
    .run(create::configmap),
    Command::new(
        "serviceaccount",
        "Create a service account with the specified name",
        "kubectl create serviceaccount NAME [--dry-run=server|client|none] [options]",
    )
    .aliases(&["sa"])
    .flags(flags![PRINT_FLAGS, DRY_RUN_FLAGS, MUTATE_FLAGS])
    .run(create::serviceaccount),
    Command::new(
        "role",
        "Create a role with single rule",
        "kubectl create role NAME --verb=verb --resource=resource.group/subresource [--resource-name=resourcename] [--dry-run=server|client|none] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("verb", Kind::Slice),
            Flag::new("resource", Kind::Slice),
            Flag::new("resource-name", Kind::Array),
        ],
    ])
    .run(create::role),
    Command::new(
        "clusterrole",
        "Create a cluster role",
        "kubectl create clusterrole NAME --verb=verb --resource=resource.group [--resource-name=resourcename] [--dry-run=server|client|none] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("verb", Kind::Slice),
            Flag::new("resource", Kind::Slice),
            Flag::new("resource-name", Kind::Array),
            Flag::new("non-resource-url", Kind::Slice),
            Flag::new("aggregation-rule", Kind::Array),
        ],
    ])
    .run(create::clusterrole),
    Command::new(
        "rolebinding",
        "Create a role binding for a particular role or cluster role",
        "kubectl create rolebinding NAME --clusterrole=NAME|--role=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("role", Kind::Str),
            Flag::new("clusterrole", Kind::Str),
            Flag::new("user", Kind::Array),
            Flag::new("group", Kind::Array),
            Flag::new("serviceaccount", Kind::Array),
        ],
    ])
    .run(create::rolebinding),
    Command::new(
        "clusterrolebinding",
        "Create a cluster role binding for a particular cluster role",
        "kubectl create clusterrolebinding NAME --clusterrole=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("clusterrole", Kind::Str),
            Flag::new("user", Kind::Array),
            Flag::new("group", Kind::Array),
            Flag::new("serviceaccount", Kind::Array),
        ],
    ])
    .run(create::clusterrolebinding),
    Command::new(
        "ingress",
        "Create an ingress with the specified name",
        "kubectl create ingress NAME --rule=host/path=service:port[,tls[=secret]]  [options]",
    )
    .aliases(&["ing"])
    .long(
        "Create an ingress with the specified name.",
        Some("  # Create a single ingress called 'simple' that directs requests to foo.com/bar to svc\n  # svc1:8080 with a TLS secret \"my-cert\"\n  kubectl create ingress simple --rule=\"foo.com/bar=svc1:8080,tls=my-cert\"\n  \n  # Create a catch all ingress of \"/path\" pointing to service svc:port and Ingress Class as \"otheringress\"\n  kubectl create ingress catch-all --class=otheringress --rule=\"/path=svc:port\"\n  \n  # Create an ingress with two annotations: ingress.annotation1 and ingress.annotations2\n  kubectl create ingress annotated --class=default --rule=\"foo.com/bar=svc:port\" \\\n  --annotation ingress.annotation1=foo \\\n  --annotation ingress.annotation2=bla\n  \n  # Create an ingress with the same host and multiple paths\n  kubectl create ingress multipath --class=default \\\n  --rule=\"foo.com/=svc:port\" \\\n  --rule=\"foo.com/admin/=svcadmin:portadmin\"\n  \n  # Create an ingress with multiple hosts and the pathType as Prefix\n  kubectl create ingress ingress1 --class=default \\\n  --rule=\"foo.com/path*=svc:8080\" \\\n  --rule=\"bar.com/admin*=svc2:http\"\n  \n  # Create an ingress with TLS enabled using the default ingress certificate and different path types\n  kubectl create ingress ingtls --class=default \\\n  --rule=\"foo.com/=svc:https,tls\" \\\n  --rule=\"foo.com/path/subpath*=othersvc:8080\"\n  \n  # Create an ingress with TLS enabled using a specific secret and pathType as Prefix\n  kubectl create ingress ingsecret --class=default \\\n  --rule=\"foo.com/*=svc:8080,tls=secret1\"\n  \n  # Create an ingress with a default backend\n  kubectl create ingress ingdefault --class=default \\\n  --default-backend=defaultsvc:http \\\n  --rule=\"foo.com/*=svc:8080,tls=secret1\""),
    )
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("rule", Kind::Array),
            Flag::new("default-backend", Kind::Str),
            Flag::new("annotation", Kind::Array),
            Flag::new("class", Kind::Str),
        ],
    ])
    .run(create::ingress),
    Command::new(
        "poddisruptionbudget",
        "Create a pod disruption budget with the specified name",
        "kubectl create poddisruptionbudget NAME --selector=SELECTOR --min-available=N [--dry-run=server|client|none] [options]",
    )
    .aliases(&["pdb"])
    .long(
        "Create a pod disruption budget with the specified name, selector, and desired minimum available pods.",
        Some("  # Create a pod disruption budget named my-pdb that will select all pods with the app=rails label\n  # and require at least one of them being available at any point in time\n  kubectl create poddisruptionbudget my-pdb --selector=app=rails --min-available=1\n  \n  # Create a pod disruption budget named my-pdb that will select all pods with the app=nginx label\n  # and require at least half of the pods selected to be available at any point in time\n  kubectl create pdb my-pdb --selector=app=nginx --min-available=50%"),
    )
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("selector", Kind::Str),
            Flag::new("min-available", Kind::Str),
            Flag::new("max-unavailable", Kind::Str),
        ],
    ])
    .run(create::poddisruptionbudget),
    Command::new(
        "priorityclass",
        "Create a priority class with the specified name",
        "kubectl create priorityclass NAME --value=VALUE --global-default=BOOL [--dry-run=server|client|none] [options]",
    )
    .aliases(&["pc"])
    .long(
        "Create a priority class with the specified name, value, globalDefault and description.",
        Some("  # Create a priority class named high-priority\n  kubectl create priorityclass high-priority --value=1000 --description=\"high priority\"\n  \n  # Create a priority class named default-priority that is considered as the global default priority\n  kubectl create priorityclass default-priority --value=1000 --global-default=true --description=\"default priority\"\n  \n  # Create a priority class named high-priority that cannot preempt pods with lower priority\n  kubectl create priorityclass high-priority --value=1000 --description=\"high priority\" --preemption-policy=\"Never\""),
    )
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[
            Flag::new("value", Kind::Int32),
            Flag::new("global-default", Kind::Bool),
            Flag::new("description", Kind::Str),
            Flag::new("preemption-policy", Kind::Str),
        ],
    ])
    .run(create::priorityclass),
    Command::new(
        "quota",
        "Create a quota with the specified name",
        "kubectl create quota NAME [--hard=key1=value1,key2=value2] [--scopes=Scope1,Scope2] [--dry-run=server|client|none] [options]",
    )
    .aliases(&["resourcequota"])
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        &[Flag::new("hard", Kind::Str), Flag::new("scopes", Kind::Str)],
    ])
    .run(create::quota),
    Command::new(
        "service",
        "Create a service using a specified subcommand",
        "kubectl create service [flags] [options]",
    )
    .aliases(&["svc"])
    .subcommands(&[
        Command::new(
            "clusterip",
            "Create a ClusterIP service",
            "kubectl create service clusterip NAME [--tcp=<port>:<targetPort>] [--dry-run=server|client|none] [options]",
        )
        .flags(flags![
            PRINT_FLAGS,
            DRY_RUN_FLAGS,
            MUTATE_FLAGS,
            &[Flag::new("tcp", Kind::Slice), Flag::new("clusterip", Kind::Str)],
        ])
        .run(create::service),
        Command::new(
            "nodeport",
            "Create a NodePort service",
            "kubectl create service nodeport NAME [--tcp=port:targetPort] [--dry-run=server|client|none] [options]",
        )
        .flags(flags![
            PRINT_FLAGS,
            DRY_RUN_FLAGS,
            MUTATE_FLAGS,
            &[Flag::new("tcp", Kind::Slice), Flag::new("node-port", Kind::Int)],
        ])
        .run(create::service),
        Command::new(
            "loadbalancer",
            "Create a LoadBalancer service",
            "kubectl create service loadbalancer NAME [--tcp=port:targetPort] [--dry-run=server|client|none] [options]",
        )
        .flags(flags![
            PRINT_FLAGS,
            DRY_RUN_FLAGS,
            MUTATE_FLAGS,
            &[Flag::new("tcp", Kind::Slice)],
        ])
        .run(create::service),
        Command::new(
            "externalname",
            "Create an ExternalName service",
            "kubectl create service externalname NAME --external-name external.name [--dry-run=server|client|none] [options]",
        )
        .flags(flags![
            PRINT_FLAGS,
            DRY_RUN_FLAGS,
            MUTATE_FLAGS,
            &[Flag::new("tcp", Kind::Slice), Flag::new("external-name", Kind::Str)],
        ])
        .run(create::service),
    ]),
    Command::new(
        "secret",
        "Create a secret using a specified subcommand",
        "kubectl create secret (docker-registry | generic | tls) [options]",
    )
    .subcommands(&[
        Command::new(
            "generic",
            "Create a secret from a local file, directory, or literal value",
            "kubectl create secret generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]",
        )
        .flags(flags![
            PRINT_FLAGS,
            DRY_RUN_FLAGS,
            MUTATE_FLAGS,
            &[
                Flag::new("from-file", Kind::Slice),
                Flag::new("from-literal", Kind::Array),
                Flag::new("from-env-file", Kind::Slice),
                Flag::new("type", Kind::Str),
                Flag::new("append-hash", Kind::Bool)
                    .unsupported("--append-hash is not supported in Kubeplay"),
            ],
        ])
        .run(create::secret_generic),
        Command::new(
            "docker-registry",
            "Create a secret for use with a Docker registry",
            "kubectl create secret docker-registry NAME --docker-username=user --docker-password=password --docker-email=email [--docker-server=string] [--from-file=[key=]source] [--dry-run=server|client|none] [options]",
        )
        .flags(flags![
            PRINT_FLAGS,
            DRY_RUN_FLAGS,
            MUTATE_FLAGS,
            &[
                Flag::new("docker-username", Kind::Str),
                Flag::new("docker-password", Kind::Str),
                Flag::new("docker-email", Kind::Str),
                Flag::new("docker-server", Kind::Str),
                Flag::new("from-file", Kind::Slice),
                Flag::new("append-hash", Kind::Bool)
                    .unsupported("--append-hash is not supported in Kubeplay"),
            ],
        ])
        .run(create::secret_docker_registry),
        Command::new(
            "tls",
            "Create a TLS secret",
            "kubectl create secret tls NAME --cert=path/to/cert/file --key=path/to/key/file [--dry-run=server|client|none] [options]",
        )
        .unsupported("creating TLS secrets from certificate files is not supported in Kubeplay"),
    ]),
];

static ROLLOUT_SUBCOMMANDS: &[Command] = &[
    Command::new(
        "history",
        "View rollout history",
        "kubectl rollout history (TYPE NAME | TYPE/NAME) [flags] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        FILENAME_FLAGS,
        &[
            Flag::new("revision", Kind::Int),
            Flag::new("selector", Kind::Str).short('l'),
        ],
    ])
    .run(rollout::history),
    Command::new(
        "pause",
        "Mark the provided resource as paused",
        "kubectl rollout pause RESOURCE [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        FILENAME_FLAGS,
        &[
            Flag::new("selector", Kind::Str).short('l'),
            Flag::new("field-manager", Kind::Str),
        ],
    ])
    .run(rollout::pause),
    Command::new(
        "restart",
        "Restart a resource",
        "kubectl rollout restart RESOURCE [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        FILENAME_FLAGS,
        DRY_RUN_FLAGS,
        &[
            Flag::new("selector", Kind::Str).short('l'),
            Flag::new("field-manager", Kind::Str),
        ],
    ])
    .run(rollout::restart),
    Command::new(
        "resume",
        "Resume a paused resource",
        "kubectl rollout resume RESOURCE [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        FILENAME_FLAGS,
        &[
            Flag::new("selector", Kind::Str).short('l'),
            Flag::new("field-manager", Kind::Str),
        ],
    ])
    .run(rollout::resume),
    Command::new(
        "status",
        "Show the status of the rollout",
        "kubectl rollout status (TYPE NAME | TYPE/NAME) [flags] [options]",
    )
    .flags(flags![
        FILENAME_FLAGS,
        &[
            Flag::new("revision", Kind::Int),
            Flag::new("watch", Kind::Bool).short('w'),
            Flag::new("timeout", Kind::Duration),
            Flag::new("selector", Kind::Str).short('l'),
        ],
    ])
    .run(rollout::status),
    Command::new(
        "undo",
        "Undo a previous rollout",
        "kubectl rollout undo (TYPE NAME | TYPE/NAME) [flags] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        FILENAME_FLAGS,
        DRY_RUN_FLAGS,
        &[
            Flag::new("to-revision", Kind::Int),
            Flag::new("selector", Kind::Str).short('l'),
        ],
    ])
    .run(rollout::undo),
];

/// What every `kubectl set` subcommand takes besides the printer, file and
/// dry-run flags: `--all`, `--local`, `--field-manager`.
const SET_FLAGS: &[Flag] = &[
    Flag::new("all", Kind::Bool),
    Flag::new("local", Kind::Bool).unsupported("--local is not supported in Kubeplay"),
    Flag::new("field-manager", Kind::Str),
];

static SET_SUBCOMMANDS: &[Command] = &[
    Command::new(
        "image",
        "Update the image of a pod template",
        "kubectl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N [options]",
    )
    .flags(flags![
        PRINT_FLAGS, FILENAME_FLAGS, DRY_RUN_FLAGS, SET_FLAGS,
        &[
            Flag::new("selector", Kind::Str).short('l'),
            Flag::new("record", Kind::Bool),
        ],
    ])
    .run(edit::set_image),
    Command::new("env", "Update environment variables on a pod template", "kubectl set env RESOURCE/NAME KEY_1=VAL_1 ... KEY_N=VAL_N [options]")
        .flags(flags![
            PRINT_FLAGS, FILENAME_FLAGS, DRY_RUN_FLAGS, SET_FLAGS,
            &[
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("containers", Kind::Str).short('c'),
                Flag::new("env", Kind::Array).short('e'),
                Flag::new("from", Kind::Str),
                Flag::new("prefix", Kind::Str),
                Flag::new("keys", Kind::Slice),
                Flag::new("list", Kind::Bool),
                Flag::new("resolve", Kind::Bool),
                Flag::new("overwrite", Kind::Bool),
            ],
        ])
        .run(edit::set_env),
    Command::new("resources", "Update resource requests/limits on objects with pod templates", "kubectl set resources (-f FILENAME | TYPE NAME) ([--limits=LIMITS & --requests=REQUESTS] [options]")
        .flags(flags![
            PRINT_FLAGS, FILENAME_FLAGS, DRY_RUN_FLAGS, SET_FLAGS, RECORD_FLAGS,
            &[
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("containers", Kind::Str).short('c'),
                Flag::new("limits", Kind::Str),
                Flag::new("requests", Kind::Str),
            ],
        ])
        .run(edit::set_resources),
    Command::new("selector", "Set the selector on a resource", "kubectl set selector (-f FILENAME | TYPE NAME) EXPRESSIONS [--resource-version=version] [options]")
        .unsupported("`kubectl set selector` is not supported in Kubeplay"),
    Command::new("serviceaccount", "Update the service account of a resource", "kubectl set serviceaccount (-f FILENAME | TYPE NAME) SERVICE_ACCOUNT [options]")
        .aliases(&["sa"])
        .flags(flags![
            PRINT_FLAGS, FILENAME_FLAGS, DRY_RUN_FLAGS, SET_FLAGS,
            &[
                Flag::new("record", Kind::Bool),
            ],
        ])
        .run(edit::set_serviceaccount),
    Command::new("subject", "Update the user, group, or service account in a role binding or cluster role binding", "kubectl set subject (-f FILENAME | TYPE NAME) [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none] [options]")
        .flags(flags![
            PRINT_FLAGS, FILENAME_FLAGS, DRY_RUN_FLAGS, SET_FLAGS,
            &[
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("user", Kind::Array),
                Flag::new("group", Kind::Array),
                Flag::new("serviceaccount", Kind::Array),
            ],
        ])
        .run(edit::set_subject),
];

static TOP_SUBCOMMANDS: &[Command] = &[
    Command::new(
        "node",
        "Display resource (CPU/memory) usage of nodes",
        "kubectl top node [NAME | -l label] [options]",
    )
    .aliases(&["nodes", "no"])
    .flags(flags![&[
        Flag::new("selector", Kind::Str).short('l'),
        Flag::new("sort-by", Kind::Str),
        Flag::new("no-headers", Kind::Bool),
        Flag::new("show-capacity", Kind::Bool),
        Flag::new("show-swap", Kind::Bool),
        Flag::new("use-protocol-buffers", Kind::Bool),
    ]])
    .run(logs::top_node),
    Command::new(
        "pod",
        "Display resource (CPU/memory) usage of pods",
        "kubectl top pod [NAME | -l label] [options]",
    )
    .aliases(&["pods", "po"])
    .flags(flags![&[
        Flag::new("selector", Kind::Str).short('l'),
        Flag::new("field-selector", Kind::Str),
        Flag::new("all-namespaces", Kind::Bool).short('A'),
        Flag::new("sort-by", Kind::Str),
        Flag::new("no-headers", Kind::Bool),
        Flag::new("containers", Kind::Bool),
        Flag::new("sum", Kind::Bool),
        Flag::new("show-swap", Kind::Bool),
        Flag::new("use-protocol-buffers", Kind::Bool),
    ]])
    .run(logs::top_pod),
];

static CONFIG_SUBCOMMANDS: &[Command] = &[
    Command::new(
        "current-context",
        "Display the current-context",
        "kubectl config current-context [options]",
    )
    .run(info::config_current_context),
    Command::new(
        "get-contexts",
        "Describe one or many contexts",
        "kubectl config get-contexts [(-o|--output=)name)] [options]",
    )
    .flags(flags![&[
        Flag::new("output", Kind::Str).short('o'),
        Flag::new("no-headers", Kind::Bool),
    ]])
    .run(info::config_get_contexts),
    Command::new(
        "set-context",
        "Set a context entry in kubeconfig",
        "kubectl config set-context [NAME | --current] [--cluster=cluster_nickname] [--user=user_nickname] [--namespace=namespace] [options]",
    )
    .flags(flags![&[Flag::new("current", Kind::Bool)]])
    .run(info::config_set_context),
    Command::new(
        "view",
        "Display merged kubeconfig settings or a specified kubeconfig file",
        "kubectl config view [flags] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        &[
            Flag::new("minify", Kind::Bool),
            Flag::new("raw", Kind::Bool),
            Flag::new("flatten", Kind::Bool),
            Flag::new("merge", Kind::Bool),
        ],
    ])
    .run(info::config_view),
];

static AUTH_SUBCOMMANDS: &[Command] = &[
    Command::new(
        "can-i",
        "Check whether an action is allowed",
        "kubectl auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL] [options]",
    )
    .flags(flags![&[
        Flag::new("all-namespaces", Kind::Bool).short('A'),
        Flag::new("list", Kind::Bool),
        Flag::new("no-headers", Kind::Bool),
        Flag::new("quiet", Kind::Bool).short('q'),
        Flag::new("subresource", Kind::Str),
    ]])
    .run(info::auth_can_i),
    Command::new(
        "whoami",
        "Experimental: Check self subject attributes",
        "kubectl auth whoami [options]",
    )
    .flags(flags![PRINT_FLAGS])
    .run(info::auth_whoami),
];

const GET_FLAGS: &[Flag] = &[
    Flag::new("watch", Kind::Bool).short('w'),
    Flag::new("watch-only", Kind::Bool),
    Flag::new("output-watch-events", Kind::Bool),
    Flag::new("ignore-not-found", Kind::Bool),
    Flag::new("label-columns", Kind::Slice).short('L'),
    Flag::new("show-kind", Kind::Bool),
    Flag::new("show-labels", Kind::Bool),
    Flag::new("sort-by", Kind::Str),
    Flag::new("chunk-size", Kind::Int),
    Flag::new("all-namespaces", Kind::Bool).short('A'),
    Flag::new("selector", Kind::Str).short('l'),
    Flag::new("field-selector", Kind::Str),
    Flag::new("no-headers", Kind::Bool),
    Flag::new("raw", Kind::Str),
    Flag::new("server-print", Kind::Bool),
    Flag::new("subresource", Kind::Str),
];

const DELETE_FLAGS: &[Flag] = &[
    Flag::new("all", Kind::Bool),
    Flag::new("all-namespaces", Kind::Bool).short('A'),
    Flag::new("cascade", Kind::Str).no_opt("background"),
    Flag::new("field-selector", Kind::Str),
    Flag::new("force", Kind::Bool),
    Flag::new("grace-period", Kind::Int),
    Flag::new("ignore-not-found", Kind::Bool),
    Flag::new("interactive", Kind::Bool)
        .short('i')
        .unsupported("interactive confirmation is not supported in Kubeplay"),
    Flag::new("now", Kind::Bool),
    Flag::new("output", Kind::Str).short('o'),
    Flag::new("raw", Kind::Str).unsupported("raw API requests are not supported in Kubeplay"),
    Flag::new("selector", Kind::Str).short('l'),
    Flag::new("timeout", Kind::Duration),
    Flag::new("wait", Kind::Bool),
];

/// kubectl's command tree.
static ROOT_COMMANDS: &[Command] = &[
    Command::new(
        "create",
        "Create a resource from a file or from stdin",
        "kubectl create -f FILENAME [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        FILENAME_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        RECORD_FLAGS,
        &[
            Flag::new("edit", Kind::Bool).unsupported("interactive editing is not supported in Kubeplay"),
            Flag::new("raw", Kind::Str).unsupported("raw API requests are not supported in Kubeplay"),
            Flag::new("selector", Kind::Str).short('l'),
            Flag::new("windows-line-endings", Kind::Bool),
        ],
    ])
    .run(apply::create)
    .subcommands(CREATE_SUBCOMMANDS),
    Command::new(
        "expose",
        "Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service",
        "kubectl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        FILENAME_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        RECORD_FLAGS,
        &[
            Flag::new("port", Kind::Str),
            Flag::new("target-port", Kind::Str),
            Flag::new("protocol", Kind::Str),
            Flag::new("name", Kind::Str),
            Flag::new("type", Kind::Str),
            Flag::new("selector", Kind::Str),
            Flag::new("labels", Kind::Str).short('l'),
            Flag::new("external-ip", Kind::Str),
            Flag::new("cluster-ip", Kind::Str),
            Flag::new("load-balancer-ip", Kind::Str),
            Flag::new("session-affinity", Kind::Str),
            Flag::new("override-type", Kind::Str),
        ],
    ])
    .run(create::expose),
    Command::new(
        "run",
        "Run a particular image on the cluster",
        "kubectl run NAME --image=image [--env=\"key=value\"] [--port=port] [--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] [args...] [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        MUTATE_FLAGS,
        RECORD_FLAGS,
        &[
            Flag::new("image", Kind::Str),
            Flag::new("port", Kind::Str),
            Flag::new("env", Kind::Array),
            Flag::new("labels", Kind::Str).short('l'),
            Flag::new("command", Kind::Bool),
            Flag::new("restart", Kind::Str),
            Flag::new("image-pull-policy", Kind::Str),
            Flag::new("annotations", Kind::Array),
            Flag::new("expose", Kind::Bool).unsupported("`run --expose` is not supported in Kubeplay; use `kubectl expose`"),
            Flag::new("rm", Kind::Bool),
            Flag::new("stdin", Kind::Bool).short('i'),
            Flag::new("tty", Kind::Bool).short('t'),
            Flag::new("attach", Kind::Bool),
            Flag::new("pod-running-timeout", Kind::Duration),
            Flag::new("quiet", Kind::Bool).short('q'),
            Flag::new("overrides", Kind::Str).unsupported("--overrides is not supported in Kubeplay"),
        ],
    ])
    .run(create::run),
    Command::new("set", "Set specific features on objects", "kubectl set SUBCOMMAND [options]")
        .long(
            "Configure application resources.\n\n These commands help you make changes to existing application resources.",
            None,
        )
        .subcommands(SET_SUBCOMMANDS),
    Command::new("explain", "Get documentation for a resource", "kubectl explain TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group] [-o|--output=plaintext|plaintext-openapiv2] [options]")
        .flags(flags![&[
            Flag::new("recursive", Kind::Bool),
            Flag::new("api-version", Kind::Str),
            Flag::new("output", Kind::Str).short('o'),
        ]])
        .run(explain::run),
    Command::new(
        "get",
        "Display one or many resources",
        "kubectl get [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|jsonpath|jsonpath-as-json|jsonpath-file|custom-columns|custom-columns-file|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]",
    )
    .suggest_for(&["list", "ps"])
    .flags(flags![PRINT_FLAGS, FILENAME_FLAGS, GET_FLAGS])
    .run(get::run),
    Command::new("edit", "Edit a resource on the server", "kubectl edit (RESOURCE/NAME | -f FILENAME) [options]")
        .unsupported("`kubectl edit` opens an editor, which Kubeplay cannot do; edit the manifest and `kubectl apply -f` it"),
    Command::new(
        "delete",
        "Delete resources by file names, stdin, resources and names, or by resources and label selector",
        "kubectl delete ([-f FILENAME] | [-k DIRECTORY] | TYPE [(NAME | -l label | --all)]) [options]",
    )
    .flags(flags![FILENAME_FLAGS, DRY_RUN_FLAGS, DELETE_FLAGS])
    .run(apply::delete),
    Command::new("rollout", "Manage the rollout of a resource", "kubectl rollout SUBCOMMAND [options]")
        .long(
            "Manage the rollout of one or many resources.\n        \n Valid resource types include:\n\n  *  deployments\n  *  daemonsets\n  *  statefulsets",
            Some("  # Rollback to the previous deployment\n  kubectl rollout undo deployment/abc\n  \n  # Check the rollout status of a daemonset\n  kubectl rollout status daemonset/foo\n  \n  # Restart a deployment\n  kubectl rollout restart deployment/abc\n  \n  # Restart deployments with the 'app=nginx' label\n  kubectl rollout restart deployment --selector=app=nginx"),
        )
        .subcommands(ROLLOUT_SUBCOMMANDS),
    Command::new(
        "scale",
        "Set a new size for a deployment, replica set, or replication controller",
        "kubectl scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME) [options]",
    )
    .flags(flags![
        PRINT_FLAGS,
        FILENAME_FLAGS,
        DRY_RUN_FLAGS,
        &[
            Flag::new("all", Kind::Bool),
            Flag::new("selector", Kind::Str).short('l'),
            Flag::new("replicas", Kind::Int),
            Flag::new("current-replicas", Kind::Int),
            Flag::new("resource-version", Kind::Str),
            Flag::new("timeout", Kind::Duration),
            Flag::new("record", Kind::Bool),
        ],
    ])
    .run(edit::scale),
    Command::new("autoscale", "Auto-scale a deployment, replica set, stateful set, or replication controller", "kubectl autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS [--cpu=CPU] [--memory=MEMORY] [options]")
    .flags(flags![
        PRINT_FLAGS,
        DRY_RUN_FLAGS,
        RECORD_FLAGS,
        &[
            Flag::new("min", Kind::Int),
            Flag::new("max", Kind::Int),
            Flag::new("cpu-percent", Kind::Int),
            Flag::new("cpu", Kind::Str),
            Flag::new("memory", Kind::Str),
            Flag::new("name", Kind::Str),
        ],
    ])
    .run(create::autoscale),
    Command::new("certificate", "Modify certificate resources", "kubectl certificate SUBCOMMAND [options]")
        .unsupported("certificate signing is not simulated in Kubeplay"),
    Command::new("cluster-info", "Display cluster information", "kubectl cluster-info [flags] [options]")
        .run(info::cluster_info),
    Command::new("top", "Display resource (CPU/memory) usage", "kubectl top [flags] [options]")
        .long(
            "Display resource (CPU/memory) usage.\n\n The top command allows you to see the resource consumption for nodes or pods.\n\n This command requires Metrics Server to be correctly configured and working on the server.",
            None,
        )
        .subcommands(TOP_SUBCOMMANDS),
    Command::new("cordon", "Mark node as unschedulable", "kubectl cordon NODE [options]")
        .flags(flags![DRY_RUN_FLAGS, &[Flag::new("selector", Kind::Str).short('l')]])
        .run(edit::cordon),
    Command::new("uncordon", "Mark node as schedulable", "kubectl uncordon NODE [options]")
        .flags(flags![DRY_RUN_FLAGS, &[Flag::new("selector", Kind::Str).short('l')]])
        .run(edit::uncordon),
    Command::new("drain", "Drain node in preparation for maintenance", "kubectl drain NODE [options]")
        .flags(flags![
            DRY_RUN_FLAGS,
            &[
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("pod-selector", Kind::Str),
                Flag::new("ignore-daemonsets", Kind::Bool),
                Flag::new("delete-emptydir-data", Kind::Bool),
                Flag::new("delete-local-data", Kind::Bool),
                Flag::new("force", Kind::Bool),
                Flag::new("grace-period", Kind::Int),
                Flag::new("timeout", Kind::Duration),
                Flag::new("disable-eviction", Kind::Bool),
                Flag::new("skip-wait-for-delete-timeout", Kind::Int),
                Flag::new("chunk-size", Kind::Int),
                Flag::new("ignore-errors", Kind::Bool),
            ],
        ])
        .run(edit::drain),
    Command::new("taint", "Update the taints on one or more nodes", "kubectl taint NODE NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N [options]")
        .flags(flags![
            PRINT_FLAGS,
            DRY_RUN_FLAGS,
            &[
                Flag::new("all", Kind::Bool),
                Flag::new("overwrite", Kind::Bool),
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("validate", Kind::Str).no_opt("strict"),
                Flag::new("field-manager", Kind::Str),
            ],
        ])
        .run(edit::taint),
    Command::new("describe", "Show details of a specific resource or group of resources", "kubectl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]")
        .flags(flags![
            FILENAME_FLAGS,
            &[
                Flag::new("all-namespaces", Kind::Bool).short('A'),
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("show-events", Kind::Bool),
                Flag::new("chunk-size", Kind::Int),
            ],
        ])
        .run(describe::run),
    Command::new("logs", "Print the logs for a container in a pod", "kubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]")
        .flags(flags![&[
            Flag::new("container", Kind::Str).short('c'),
            Flag::new("previous", Kind::Bool).short('p'),
            Flag::new("tail", Kind::Int),
            Flag::new("timestamps", Kind::Bool),
            Flag::new("all-containers", Kind::Bool),
            Flag::new("prefix", Kind::Bool),
            Flag::new("selector", Kind::Str).short('l'),
            Flag::new("since", Kind::Duration),
            Flag::new("since-time", Kind::Str),
            Flag::new("limit-bytes", Kind::Int),
            Flag::new("follow", Kind::Bool).short('f'),
            Flag::new("ignore-errors", Kind::Bool),
            Flag::new("max-log-requests", Kind::Int),
            Flag::new("pod-running-timeout", Kind::Duration),
            Flag::new("insecure-skip-tls-verify-backend", Kind::Bool),
        ]])
        .run(logs::logs),
    Command::new("attach", "Attach to a running container", "kubectl attach (POD | TYPE/NAME) -c CONTAINER [options]")
        .flags(flags![&[
            Flag::new("container", Kind::Str).short('c'),
            Flag::new("stdin", Kind::Bool).short('i'),
            Flag::new("tty", Kind::Bool).short('t'),
            Flag::new("quiet", Kind::Bool).short('q'),
            Flag::new("pod-running-timeout", Kind::Duration),
        ]])
        .run(terminal::attach),
    Command::new("exec", "Execute a command in a container", "kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...] [options]")
        .flags(flags![&[
            Flag::new("container", Kind::Str).short('c'),
            Flag::new("stdin", Kind::Bool).short('i'),
            Flag::new("tty", Kind::Bool).short('t'),
            Flag::new("quiet", Kind::Bool).short('q'),
            Flag::new("pod-running-timeout", Kind::Duration),
            Flag::new("filename", Kind::Slice).short('f').unsupported("exec takes a pod by name in Kubeplay"),
        ]])
        .run(exec::exec),
    Command::new("port-forward", "Forward one or more local ports to a pod", "kubectl port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]")
        .long(
            "Forward one or more local ports to a pod.\n\n Use resource type/name such as deployment/mydeployment to select a pod. Resource type defaults to 'pod' if omitted.\n\n If there are multiple pods matching the criteria, a pod will be selected automatically. The forwarding session ends when the selected pod terminates, and a rerun of the command is needed to resume forwarding.",
            Some("  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in the pod\n  kubectl port-forward pod/mypod 5000 6000\n  \n  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in a pod selected by the deployment\n  kubectl port-forward deployment/mydeployment 5000 6000\n  \n  # Listen on port 8443 locally, forwarding to the targetPort of the service's port named \"https\" in a pod selected by the service\n  kubectl port-forward service/myservice 8443:https\n  \n  # Listen on port 8888 locally, forwarding to 5000 in the pod\n  kubectl port-forward pod/mypod 8888:5000\n  \n  # Listen on port 8888 on all addresses, forwarding to 5000 in the pod\n  kubectl port-forward --address 0.0.0.0 pod/mypod 8888:5000\n  \n  # Listen on port 8888 on localhost and selected IP, forwarding to 5000 in the pod\n  kubectl port-forward --address localhost,10.19.21.23 pod/mypod 8888:5000\n  \n  # Listen on a random port locally, forwarding to 5000 in the pod\n  kubectl port-forward pod/mypod :5000"),
        )
        .flags(flags![&[
            Flag::new("address", Kind::Slice),
            Flag::new("pod-running-timeout", Kind::Duration),
        ]])
        .run(portforward::port_forward),
    Command::new("proxy", "Run a proxy to the Kubernetes API server", "kubectl proxy [--port=PORT] [--www=static-dir] [--www-prefix=prefix] [--api-prefix=prefix] [options]")
        .flags(flags![&[
            Flag::new("port", Kind::Int).short('p'),
            Flag::new("address", Kind::Str),
            Flag::new("api-prefix", Kind::Str),
            Flag::new("keepalive", Kind::Duration),
            Flag::new("append-server-path", Kind::Bool),
            Flag::new("www", Kind::Str).short('w').unsupported("Kubeplay's proxy serves no static files"),
            Flag::new("www-prefix", Kind::Str).short('P').unsupported("Kubeplay's proxy serves no static files"),
            Flag::new("accept-hosts", Kind::Str).unsupported("Kubeplay's proxy keeps its default filter"),
            Flag::new("accept-paths", Kind::Str).unsupported("Kubeplay's proxy keeps its default filter"),
            Flag::new("reject-paths", Kind::Str).unsupported("Kubeplay's proxy keeps its default filter"),
            Flag::new("reject-methods", Kind::Str).unsupported("Kubeplay's proxy keeps its default filter"),
            Flag::new("disable-filter", Kind::Bool).unsupported("Kubeplay's proxy keeps its default filter"),
            Flag::new("unix-socket", Kind::Str).short('u').unsupported("Kubeplay's proxy listens on TCP only"),
        ]])
        .run(portforward::proxy),
    Command::new("cp", "Copy files and directories to and from containers", "kubectl cp <file-spec-src> <file-spec-dest> [options]")
        .unsupported("copying files to and from containers is not simulated; read one with `kubectl exec POD -- cat FILE`"),
    Command::new("auth", "Inspect authorization", "kubectl auth [flags] [options]")
        .subcommands(AUTH_SUBCOMMANDS),
    Command::new("debug", "Create debugging sessions for troubleshooting workloads and nodes", "kubectl debug (POD | TYPE[[.VERSION].GROUP]/NAME) [ -- COMMAND [args...] ] [options]")
        .flags(flags![&[
            Flag::new("arguments-only", Kind::Bool),
            Flag::new("attach", Kind::Bool),
            Flag::new("container", Kind::Str).short('c'),
            Flag::new("copy-to", Kind::Str),
            Flag::new("custom", Kind::Str).unsupported("--custom profiles are not supported in Kubeplay"),
            Flag::new("env", Kind::Array),
            Flag::new("filename", Kind::Slice).short('f').unsupported("debug takes a pod or node by name in Kubeplay"),
            Flag::new("image", Kind::Str),
            Flag::new("image-pull-policy", Kind::Str),
            Flag::new("keep-annotations", Kind::Bool),
            Flag::new("keep-init-containers", Kind::Bool),
            Flag::new("keep-labels", Kind::Bool),
            Flag::new("keep-liveness", Kind::Bool),
            Flag::new("keep-readiness", Kind::Bool),
            Flag::new("keep-startup", Kind::Bool),
            Flag::new("profile", Kind::Str),
            Flag::new("quiet", Kind::Bool).short('q'),
            Flag::new("replace", Kind::Bool),
            Flag::new("same-node", Kind::Bool),
            Flag::new("set-image", Kind::Slice),
            Flag::new("share-processes", Kind::Bool),
            Flag::new("stdin", Kind::Bool).short('i'),
            Flag::new("target", Kind::Str),
            Flag::new("tty", Kind::Bool).short('t'),
        ]])
        .run(debug::debug),
    Command::new("events", "List events", "kubectl events [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|jsonpath|jsonpath-as-json|jsonpath-file] [--for TYPE/NAME] [--watch] [--types=Normal,Warning] [options]")
        .flags(flags![PRINT_FLAGS, &[
            Flag::new("all-namespaces", Kind::Bool).short('A'),
            Flag::new("chunk-size", Kind::Int),
            Flag::new("for", Kind::Str),
            Flag::new("no-headers", Kind::Bool),
            Flag::new("types", Kind::Slice),
            Flag::new("watch", Kind::Bool).short('w'),
        ]])
        .run(events::run),
    Command::new("diff", "Diff the live version against a would-be applied version", "kubectl diff -f FILENAME [options]")
        .flags(flags![
            FILENAME_FLAGS,
            &[
                Flag::new("concurrency", Kind::Int),
                Flag::new("field-manager", Kind::Str),
                Flag::new("force-conflicts", Kind::Bool),
                Flag::new("prune", Kind::Bool).unsupported("--prune is not supported in Kubeplay"),
                Flag::new("prune-allowlist", Kind::Slice).unsupported("--prune is not supported in Kubeplay"),
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("server-side", Kind::Bool).unsupported("server-side apply is not supported in Kubeplay; drop --server-side"),
                Flag::new("show-managed-fields", Kind::Bool),
            ],
        ])
        .run(diff::diff),
    Command::new("apply", "Apply a configuration to a resource by file name or stdin", "kubectl apply (-f FILENAME | -k DIRECTORY) [options]")
        .flags(flags![
            PRINT_FLAGS,
            FILENAME_FLAGS,
            DRY_RUN_FLAGS,
            MUTATE_FLAGS,
            RECORD_FLAGS,
            &[
                Flag::new("all", Kind::Bool),
                Flag::new("cascade", Kind::Str).no_opt("background"),
                Flag::new("force", Kind::Bool),
                Flag::new("force-conflicts", Kind::Bool),
                Flag::new("grace-period", Kind::Int),
                Flag::new("overwrite", Kind::Bool),
                Flag::new("prune", Kind::Bool).unsupported("--prune is not supported in Kubeplay"),
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("server-side", Kind::Bool).unsupported("server-side apply is not supported in Kubeplay; drop --server-side"),
                Flag::new("timeout", Kind::Duration),
                Flag::new("wait", Kind::Bool),
            ],
        ])
        .run(apply::apply),
    Command::new("patch", "Update fields of a resource", "kubectl patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [options]")
        .flags(flags![
            PRINT_FLAGS,
            FILENAME_FLAGS,
            DRY_RUN_FLAGS,
            &[
                Flag::new("patch", Kind::Str).short('p'),
                Flag::new("patch-file", Kind::Str),
                Flag::new("type", Kind::Str),
                Flag::new("subresource", Kind::Str),
                Flag::new("local", Kind::Bool).unsupported("--local is not supported in Kubeplay"),
                Flag::new("field-manager", Kind::Str),
                Flag::new("record", Kind::Bool),
            ],
        ])
        .run(patch::patch),
    Command::new("replace", "Replace a resource by file name or stdin", "kubectl replace -f FILENAME [options]")
        .flags(flags![
            PRINT_FLAGS,
            FILENAME_FLAGS,
            DRY_RUN_FLAGS,
            MUTATE_FLAGS,
            &[
                Flag::new("cascade", Kind::Str).no_opt("background"),
                Flag::new("force", Kind::Bool),
                Flag::new("grace-period", Kind::Int),
                Flag::new("timeout", Kind::Duration),
                Flag::new("wait", Kind::Bool),
                Flag::new("raw", Kind::Str).unsupported("raw API requests are not supported in Kubeplay"),
                Flag::new("subresource", Kind::Str).unsupported("--subresource is not supported by Kubeplay's replace"),
            ],
        ])
        .run(apply::replace),
    Command::new("wait", "Experimental: Wait for a specific condition on one or many resources", "kubectl wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] [options]")
        .flags(flags![
            PRINT_FLAGS,
            FILENAME_FLAGS,
            &[
                Flag::new("for", Kind::Str),
                Flag::new("timeout", Kind::Duration),
                Flag::new("all", Kind::Bool),
                Flag::new("all-namespaces", Kind::Bool).short('A'),
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("field-selector", Kind::Str),
                Flag::new("local", Kind::Bool).unsupported("--local is not supported in Kubeplay"),
            ],
        ])
        .run(wait::wait),
    Command::new("kustomize", "Build a kustomization target from a directory or URL", "kubectl kustomize DIR [flags] [options]")
        .unsupported("kustomize is not supported in Kubeplay"),
    Command::new("label", "Update the labels on a resource", "kubectl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]")
        .flags(flags![
            PRINT_FLAGS,
            FILENAME_FLAGS,
            DRY_RUN_FLAGS,
            RECORD_FLAGS,
            &[
                Flag::new("all", Kind::Bool),
                Flag::new("all-namespaces", Kind::Bool).short('A'),
                Flag::new("overwrite", Kind::Bool),
                Flag::new("list", Kind::Bool),
                Flag::new("local", Kind::Bool).unsupported("--local is not supported in Kubeplay"),
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("field-selector", Kind::Str),
                Flag::new("resource-version", Kind::Str),
                Flag::new("field-manager", Kind::Str),
            ],
        ])
        .run(edit::label),
    Command::new("annotate", "Update the annotations on a resource", "kubectl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]")
        .flags(flags![
            PRINT_FLAGS,
            FILENAME_FLAGS,
            DRY_RUN_FLAGS,
            RECORD_FLAGS,
            &[
                Flag::new("all", Kind::Bool),
                Flag::new("all-namespaces", Kind::Bool).short('A'),
                Flag::new("overwrite", Kind::Bool),
                Flag::new("list", Kind::Bool),
                Flag::new("local", Kind::Bool).unsupported("--local is not supported in Kubeplay"),
                Flag::new("selector", Kind::Str).short('l'),
                Flag::new("field-selector", Kind::Str),
                Flag::new("resource-version", Kind::Str),
                Flag::new("field-manager", Kind::Str),
            ],
        ])
        .run(edit::annotate),
    Command::new("completion", "Output shell completion code for the specified shell (bash, zsh, fish, or powershell)", "kubectl completion SHELL [options]")
        .unsupported("shell completion is not available in Kubeplay"),
    Command::new("api-resources", "Print the supported API resources on the server", "kubectl api-resources [flags] [options]")
        .flags(flags![&[
            Flag::new("output", Kind::Str).short('o'),
            Flag::new("no-headers", Kind::Bool),
            Flag::new("namespaced", Kind::Bool),
            Flag::new("api-group", Kind::Str),
            Flag::new("sort-by", Kind::Str),
            Flag::new("verbs", Kind::Slice),
            Flag::new("cached", Kind::Bool),
            Flag::new("categories", Kind::Slice),
        ]])
        .run(info::api_resources),
    Command::new("api-versions", "Print the supported API versions on the server, in the form of \"group/version\"", "kubectl api-versions [options]")
        .run(info::api_versions),
    Command::new("config", "Modify kubeconfig files", "kubectl config SUBCOMMAND [options]")
        .subcommands(CONFIG_SUBCOMMANDS),
    Command::new("plugin", "Provides utilities for interacting with plugins", "kubectl plugin [flags] [options]")
        .unsupported("kubectl plugins are not available in Kubeplay"),
    Command::new("version", "Print the client and server version information", "kubectl version [flags] [options]")
        .flags(flags![&[
            Flag::new("client", Kind::Bool),
            Flag::new("output", Kind::Str).short('o'),
        ]])
        .run(info::version),
    Command::new("options", "Print the list of flags inherited by all commands", "kubectl options [options]")
        .run(info::options),
];

/// The root help (`kubectl` alone or `kubectl --help`).
const ROOT_HELP: &str = "kubectl controls the Kubernetes cluster manager.

 Find more information at: https://kubernetes.io/docs/reference/kubectl/

Basic Commands (Beginner):
  create          Create a resource from a file or from stdin
  expose          Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service
  run             Run a particular image on the cluster
  set             Set specific features on objects

Basic Commands (Intermediate):
  explain         Get documentation for a resource
  get             Display one or many resources
  edit            Edit a resource on the server
  delete          Delete resources by file names, stdin, resources and names, or by resources and label selector

Deploy Commands:
  rollout         Manage the rollout of a resource
  scale           Set a new size for a deployment, replica set, or replication controller
  autoscale       Auto-scale a deployment, replica set, stateful set, or replication controller

Cluster Management Commands:
  certificate     Modify certificate resources
  cluster-info    Display cluster information
  top             Display resource (CPU/memory) usage
  cordon          Mark node as unschedulable
  uncordon        Mark node as schedulable
  drain           Drain node in preparation for maintenance
  taint           Update the taints on one or more nodes

Troubleshooting and Debugging Commands:
  describe        Show details of a specific resource or group of resources
  logs            Print the logs for a container in a pod
  attach          Attach to a running container
  exec            Execute a command in a container
  port-forward    Forward one or more local ports to a pod
  proxy           Run a proxy to the Kubernetes API server
  cp              Copy files and directories to and from containers
  auth            Inspect authorization
  debug           Create debugging sessions for troubleshooting workloads and nodes
  events          List events

Advanced Commands:
  diff            Diff the live version against a would-be applied version
  apply           Apply a configuration to a resource by file name or stdin
  patch           Update fields of a resource
  replace         Replace a resource by file name or stdin
  wait            Experimental: Wait for a specific condition on one or many resources
  kustomize       Build a kustomization target from a directory or URL

Settings Commands:
  label           Update the labels on a resource
  annotate        Update the annotations on a resource
  completion      Output shell completion code for the specified shell (bash, zsh, fish, or powershell)

Subcommands provided by plugins:

Other Commands:
  api-resources   Print the supported API resources on the server
  api-versions    Print the supported API versions on the server, in the form of \"group/version\"
  config          Modify kubeconfig files
  plugin          Provides utilities for interacting with plugins
  version         Print the client and server version information

Usage:
  kubectl [flags] [options]

Use \"kubectl <command> --help\" for more information about a given command.
Use \"kubectl options\" for a list of global command-line options (applies to all commands).
";

/// Global flags that take a value (to skip it when finding the command).
fn global_takes_value(word: &str) -> bool {
    let body = if let Some(long) = word.strip_prefix("--") {
        if long.contains('=') {
            return false;
        }
        long
    } else if let Some(short) = word.strip_prefix('-') {
        // `-n` alone takes the next word; `-nfoo` does not.
        if short.chars().count() != 1 {
            return false;
        }
        return GLOBAL_FLAGS
            .iter()
            .any(|f| f.short.is_some_and(|c| short.starts_with(c)) && f.kind != Kind::Bool);
    } else {
        return false;
    };
    GLOBAL_FLAGS
        .iter()
        .any(|f| f.name == body && f.kind != Kind::Bool)
}

/// Levenshtein distance, case-insensitive (cobra's `ld(…, true)`).
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = crate::casemap::to_lower(a).chars().collect();
    let b: Vec<char> = crate::casemap::to_lower(b).chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// cobra's `SuggestionsFor` over the root commands (sorted by name).
fn suggestions(typed: &str) -> Vec<&'static str> {
    let mut names: Vec<&Command> = ROOT_COMMANDS.iter().collect();
    names.compact_sort_by_key(|c| c.name);
    let mut out = Vec::new();
    for cmd in names {
        let by_distance = levenshtein(typed, cmd.name) <= 2;
        let by_prefix = cmd.name.starts_with(&crate::casemap::to_lower(typed));
        if by_distance || by_prefix {
            out.push(cmd.name);
        }
        if cmd
            .suggest_for
            .iter()
            .any(|s| s.eq_ignore_ascii_case(typed))
        {
            out.push(cmd.name);
        }
    }
    out
}

/// kubectl's help template (`templates.MainHelpTemplate` + usage sections)
/// for a command: long description, examples, subcommands (names padded to
/// cobra's `NamePadding`, then three spaces), usage and the tips.
fn help_text(path: &str, cmd: &Command) -> String {
    // Without the real long description, the short one stands in as its
    // first sentence.
    let mut s = match cmd.long {
        Some(long) => format!("{}\n\n", long.trim_end()),
        None => format!("{}.\n\n", cmd.short.trim_end_matches('.')),
    };
    if let Some(example) = cmd.example {
        s.push_str(&format!("Examples:\n{}\n\n", example.trim_end()));
    }
    if !cmd.subcommands.is_empty() {
        let pad = cmd
            .subcommands
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0)
            .max(11);
        s.push_str("Available Commands:\n");
        // cobra lists subcommands by name.
        let mut subs: Vec<&Command> = cmd.subcommands.iter().collect();
        subs.compact_sort_by_key(|c| c.name);
        for sub in subs {
            s.push_str(&format!("  {:<pad$}   {}\n", sub.name, sub.short));
        }
        s.push('\n');
    }
    s.push_str(&format!("Usage:\n  {}\n\n", cmd.usage));
    if !cmd.subcommands.is_empty() {
        s.push_str(&format!(
            "Use \"{path} <command> --help\" for more information about a given command.\n"
        ));
    }
    s.push_str(
        "Use \"kubectl options\" for a list of global command-line options (applies to all commands).\n",
    );
    s
}

impl Cluster {
    /// Runs one kubectl command line (a leading `kubectl` is optional) and
    /// returns what it printed. `files` serves `-f` paths.
    pub fn kubectl(&mut self, line: &str, files: &dyn Files) -> KubectlOutput {
        match shell::split(line) {
            Ok(words) => self.kubectl_args(&words, files),
            Err(e) => KubectlOutput {
                stdout: String::new(),
                stderr: format!("error: {e}\n"),
                exit_code: 1,
                terminal: format!("error: {e}\n"),
            },
        }
    }

    /// Runs kubectl with already split arguments.
    pub fn kubectl_args(&mut self, words: &[String], files: &dyn Files) -> KubectlOutput {
        self.kubectl_run(words, files, None)
    }

    /// Runs kubectl as a background job of the user's shell (`… &`).
    pub fn kubectl_background(
        &mut self,
        words: &[String],
        files: &dyn Files,
        job: crate::network::ShellJob,
    ) -> KubectlOutput {
        self.kubectl_run(words, files, Some(job))
    }

    fn kubectl_run(
        &mut self,
        words: &[String],
        files: &dyn Files,
        background: Option<crate::network::ShellJob>,
    ) -> KubectlOutput {
        let words = match words.first() {
            Some(w) if w == "kubectl" => &words[1..],
            _ => words,
        };
        // Files the user's shell wrote (`echo -n admin > ./username.txt`).
        if let Some(host) = self.host_files(files) {
            return self.with_kubectl(&host, background, |ctx| dispatch(ctx, words));
        }
        self.with_kubectl(files, background, |ctx| dispatch(ctx, words))
    }

    /// Runs `command` as kubectl would: with its context, then lets the
    /// cluster react, and reports what it printed and how it exited.
    pub(crate) fn with_kubectl(
        &mut self,
        files: &dyn Files,
        background: Option<crate::network::ShellJob>,
        command: impl FnOnce(&mut Ctx) -> Result<(), Fail>,
    ) -> KubectlOutput {
        self.warnings.clear();
        let namespace = self
            .kubeconfig_namespace
            .clone()
            .unwrap_or_else(|| "default".to_string());
        let mut ctx = Ctx {
            cluster: self,
            files,
            out: Out::default(),
            namespace,
            namespace_explicit: false,
            path: "kubectl".to_string(),
            background,
        };
        let result = command(&mut ctx);
        ctx.cluster.requester = None;
        // Commands may change state; let the cluster react before anyone looks.
        ctx.cluster.settle();
        let mut out = ctx.out;
        let exit_code = match result {
            Ok(()) => 0,
            Err(Fail(msg)) => {
                if !msg.is_empty() {
                    out.err(&msg);
                    if !msg.ends_with('\n') {
                        out.err("\n");
                    }
                }
                out.exit_code.unwrap_or(1)
            }
        };
        KubectlOutput {
            stdout: out.stdout,
            stderr: out.stderr,
            exit_code,
            terminal: out.terminal,
        }
    }
}

fn dispatch(ctx: &mut Ctx, words: &[String]) -> Result<(), Fail> {
    // Find the command: the first word that is not a (global) flag.
    let mut i = 0;
    let mut command_at = None;
    while i < words.len() {
        let w = &words[i];
        if w == "--" {
            break;
        }
        if w.starts_with('-') && w.len() > 1 {
            i += if global_takes_value(w) { 2 } else { 1 };
            continue;
        }
        command_at = Some(i);
        break;
    }
    let Some(at) = command_at else {
        // Only flags: validate them against the root, then print help.
        let parsed = flags::parse(&[GLOBAL_FLAGS], words).map_err(|FlagError(e)| {
            Fail::raw(format!("Error: {e}\nSee 'kubectl --help' for usage."))
        })?;
        let _ = parsed;
        ctx.out.out(ROOT_HELP);
        return Ok(());
    };
    let name = words[at].as_str();
    if name == "help" {
        ctx.out.out(ROOT_HELP);
        return Ok(());
    }
    let Some(mut cmd) = ROOT_COMMANDS.iter().find(|c| c.matches(name)) else {
        let mut msg = format!("unknown command \"{name}\" for \"kubectl\"");
        let sugg = suggestions(name);
        if !sugg.is_empty() {
            msg.push_str("\n\nDid you mean this?\n");
            for s in sugg {
                msg.push_str(&format!("\t{s}\n"));
            }
        }
        return Err(Fail::error(msg));
    };
    let mut path = format!("kubectl {}", cmd.name);
    let mut rest: Vec<String> = words[..at]
        .iter()
        .chain(&words[at + 1..])
        .cloned()
        .collect();
    // Descend into subcommands (`rollout status`, `create secret generic`).
    loop {
        if cmd.subcommands.is_empty() {
            break;
        }
        let mut j = 0;
        let mut sub_at = None;
        while j < rest.len() {
            let w = &rest[j];
            if w == "--" {
                break;
            }
            if w.starts_with('-') && w.len() > 1 {
                j += if global_takes_value(w) { 2 } else { 1 };
                continue;
            }
            sub_at = Some(j);
            break;
        }
        match sub_at.and_then(|j| {
            cmd.subcommands
                .iter()
                .find(|c| c.matches(&rest[j]))
                .map(|c| (j, c))
        }) {
            Some((j, sub)) => {
                rest.remove(j);
                path = format!("{path} {}", sub.name);
                cmd = sub;
            }
            None => break,
        }
    }
    ctx.path = path.clone();
    if let Some(why) = cmd.unsupported {
        return Err(Fail::error(format!("{path} is not supported: {why}")));
    }
    let mut groups: Vec<&[Flag]> = cmd.flags.to_vec();
    groups.push(GLOBAL_FLAGS);
    if cmd.name == "diff" {
        // diff's flag errors are usage errors with exit status 2, since 1
        // means that differences were found.
        ctx.out.exit_code = Some(2);
    }
    // Cobra prints flag errors itself, with its `Error:` prefix.
    let parsed = flags::parse(&groups, &rest).map_err(|FlagError(e)| match cmd.name {
        "diff" => Fail::raw(format!("Error: {e}\nSee '{path} -h' for help and examples")),
        _ => Fail::raw(format!("Error: {e}\nSee '{path} --help' for usage.")),
    })?;
    // pflag's notice as it parses a deprecated flag.
    if parsed.changed("record") {
        ctx.out
            .err_line("Flag --record has been deprecated, --record will be removed in the future");
    }
    if parsed.help {
        ctx.out.out(&help_text(&path, cmd));
        return Ok(());
    }
    if let Some((name, why)) = parsed.unsupported.first() {
        return Err(Fail::error(format!("--{name}: {why}")));
    }
    if let Some(ns) = parsed.str("namespace") {
        ctx.namespace = ns.to_string();
        ctx.namespace_explicit = true;
    }
    // The REST client's config refuses a timeout it cannot read.
    if let Some(t) = parsed.str("request-timeout")
        && t.parse::<u64>().is_err()
        && flags::parse_go_duration(t).is_err()
    {
        return Err(Fail::error(
            "Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)",
        ));
    }
    ctx.cluster.requester = Some(requester(ctx.cluster, &parsed)?);
    // RecordFlags: with --record, the objects written get the command as
    // their change cause.
    if parsed.bool("record") {
        ctx.cluster.change_cause = Some(change_cause(&path, &parsed));
    }
    let result = run_command(ctx, cmd, &path, &parsed);
    ctx.cluster.change_cause = None;
    result
}

/// The change cause `--record` writes: the command path, its arguments,
/// then every flag given as `--name=value` (kubectl's
/// `parseCommandArguments`).
fn change_cause(path: &str, p: &Parsed) -> String {
    let mut cause = path.to_string();
    for a in &p.args {
        cause.push(' ');
        cause.push_str(a);
    }
    for (name, value) in &p.given {
        cause.push_str(&format!(" --{name}={value}"));
    }
    cause
}

/// Runs a parsed command (a group without a subcommand prints its help).
fn run_command(ctx: &mut Ctx, cmd: &Command, path: &str, parsed: &Parsed) -> Result<(), Fail> {
    match cmd.run {
        Some(run) => run(ctx, parsed),
        None => {
            // A command group (cobra's DefaultSubCommandRun).
            if let Some(arg) = parsed.args.first() {
                let _ = arg;
                return Err(Fail::usage(
                    path,
                    &format!("unknown command \"{}\"", parsed.args.join(" ")),
                ));
            }
            // DefaultSubCommandRun: the help, then exit status 1 with no
            // message; `rollout` writes it to stdout, the others to stderr.
            if cmd.name == "rollout" {
                ctx.out.out(&help_text(path, cmd));
            } else {
                ctx.out.err(&help_text(path, cmd));
            }
            Err(Fail(String::new()))
        }
    }
}

/// Who the command's requests come from: kubeadm's admin, or the user that
/// `--as` and `--as-group` impersonate, which the admin must be allowed to
/// impersonate (the API server's impersonation filter).
fn requester(cluster: &Cluster, p: &Parsed) -> Result<UserInfo, Fail> {
    let admin = cluster.admin.clone();
    let groups = p.all("as-group");
    let Some(name) = p.str("as").filter(|n| !n.is_empty()) else {
        if !groups.is_empty() || p.changed("as-uid") {
            // clientcmd's validation of the kubeconfig user entry (kubectl
            // unwraps the one-error aggregate it comes in).
            return Err(Fail::error(format!(
                "requesting uid, groups or user-extra for {} without impersonating a user",
                admin.name
            )));
        }
        return Ok(admin);
    };
    let check = |resource: &str, namespace: &str, name: &str| {
        cluster
            .check_access(
                &admin,
                &Request {
                    verb: "impersonate",
                    resource,
                    namespace,
                    name,
                    ..Default::default()
                },
            )
            .map_err(|e| Fail::status(&e))
    };
    match rbac::split_service_account(name) {
        Some((ns, sa)) => check("serviceaccounts", ns, sa)?,
        None => check("users", "", name)?,
    }
    for g in groups {
        check("groups", "", g)?;
    }
    let mut user = UserInfo::impersonated(name, groups);
    if let Some(uid) = p.str("as-uid").filter(|u| !u.is_empty()) {
        cluster
            .check_access(
                &admin,
                &Request {
                    verb: "impersonate",
                    api_group: "authentication.k8s.io",
                    resource: "uids",
                    name: uid,
                    ..Default::default()
                },
            )
            .map_err(|e| Fail::status(&e))?;
        user.uid = uid.to_string();
    }
    Ok(user)
}

/// Whether `--dry-run` asks for a client or server dry run (`none` → None).
pub(crate) fn dry_run(ctx: &mut Ctx, p: &Parsed) -> Result<Option<DryRun>, Fail> {
    match p.str("dry-run") {
        None | Some("none") | Some("false") => Ok(None),
        Some("client") => Ok(Some(DryRun::Client)),
        Some("server") => Ok(Some(DryRun::Server)),
        Some("unchanged") | Some("true") => {
            ctx.out.err_line("W0101 00:00:00.000000       1 helpers.go:735] --dry-run is deprecated and can be replaced with --dry-run=client.");
            Ok(Some(DryRun::Client))
        }
        Some(other) => Err(Fail::error(format!(
            "Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
        ))),
    }
}

/// A dry-run strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DryRun {
    /// `--dry-run=client`: nothing is sent.
    Client,
    /// `--dry-run=server`: validated by the server, not stored.
    Server,
}

impl DryRun {
    /// The suffix kubectl adds to operation messages.
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

#[cfg(test)]
mod tests;
