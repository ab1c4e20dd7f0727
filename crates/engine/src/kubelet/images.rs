//! The simulated container registries: image references as containerd
//! reads them, the catalogue of well-known public images (sizes, tags,
//! what they run), private-registry authentication through
//! `imagePullSecrets`, and the error texts a failed pull produces.

use crate::value::Value;

/// Registry hosts whose images pull without credentials.
const PUBLIC_HOSTS: &[&str] = &[
    "docker.io",
    "registry.k8s.io",
    "k8s.gcr.io",
    "gcr.io",
    "quay.io",
    "ghcr.io",
];

/// A parsed image reference (`nginx`, `registry.lambdaclass.com/snackerbis:v2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host (`docker.io` for Docker Hub names).
    pub domain: String,
    /// The repository path (`library/nginx`, `snackerbis`).
    pub path: String,
    /// The tag (`latest` when none was written and there is no digest).
    pub tag: Option<String>,
    /// A `sha256:…` digest, when the reference pins one.
    pub digest: Option<String>,
    /// Whether the reference named a tag or digest itself.
    pub explicit: bool,
}

impl ImageRef {
    /// `docker.io/library/nginx` (no tag).
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The fully qualified reference containerd resolves
    /// (`docker.io/library/nginx:latest`).
    pub fn full(&self) -> String {
        match (&self.tag, &self.digest) {
            (Some(t), Some(d)) => format!("{}:{t}@{d}", self.repository()),
            (Some(t), None) => format!("{}:{t}", self.repository()),
            (None, Some(d)) => format!("{}@{d}", self.repository()),
            (None, None) => format!("{}:latest", self.repository()),
        }
    }

    /// The tag, `latest` when none.
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// The last path component (`nginx`, `snackerbis`).
    pub fn short_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Parses an image reference the way `ParseNormalizedNamed` does; the
/// error is the text the kubelet puts after `couldn't parse image
/// reference "x": `.
pub fn parse(image: &str) -> Result<ImageRef, String> {
    let invalid = || "invalid reference format".to_string();
    if image.is_empty() || image.len() > 255 || image.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => {
            let hex = d.strip_prefix("sha256:").ok_or_else(invalid)?;
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid());
            }
            (r, Some(d.to_string()))
        }
        None => (image, None),
    };
    // A tag follows the last ':' that comes after the last '/'.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => {
            let t = &rest[last_slash + i + 1..];
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !ok {
                return Err(invalid());
            }
            (&rest[..last_slash + i], Some(t.to_string()))
        }
        None => (rest, None),
    };
    if name.is_empty() {
        return Err(invalid());
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    let domain = if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        let d = parts.remove(0).to_string();
        if d == "index.docker.io" || d == "registry-1.docker.io" {
            "docker.io".to_string()
        } else {
            d
        }
    } else {
        "docker.io".to_string()
    };
    if parts.is_empty() {
        return Err(invalid());
    }
    let mut path = parts.join("/");
    if domain == "docker.io" && parts.len() == 1 {
        path = format!("library/{path}");
    }
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "invalid reference format: repository name ({path}) must be lowercase"
        ));
    }
    for component in path.split('/') {
        let ok = !component.is_empty()
            && component
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric())
            && component
                .bytes()
                .last()
                .is_some_and(|b| b.is_ascii_alphanumeric())
            && component.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            });
        if !ok {
            return Err(invalid());
        }
    }
    let explicit = tag.is_some() || digest.is_some();
    let tag = if tag.is_none() && digest.is_none() {
        Some("latest".to_string())
    } else {
        tag
    };
    Ok(ImageRef {
        domain,
        path,
        tag,
        digest,
        explicit,
    })
}

/// The pull policy the API server defaults when a container leaves it out:
/// `Always` for `:latest` or untagged images, `IfNotPresent` otherwise.
pub fn default_pull_policy(image: &str) -> &'static str {
    match parse(image) {
        Ok(r) if r.digest.is_some() => "IfNotPresent",
        Ok(r) if !r.explicit || r.tag.as_deref() == Some("latest") => "Always",
        Ok(_) => "IfNotPresent",
        Err(_) => {
            if image.ends_with(":latest") || !image.contains(':') {
                "Always"
            } else {
                "IfNotPresent"
            }
        }
    }
}

/// What a well-known image runs when its command is not overridden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// nginx: serves its welcome page on port 80.
    Nginx,
    /// Apache httpd: serves "It works!" on port 80.
    Httpd,
    /// A shell image (busybox, alpine, ubuntu…): its default `sh` exits at
    /// once without a terminal.
    Shell,
    /// A language image whose default command is an interactive REPL,
    /// which exits at once without a terminal.
    Repl,
    /// Redis on 6379.
    Redis,
    /// PostgreSQL on 5432 (needs `POSTGRES_PASSWORD`).
    Postgres,
    /// MySQL on 3306 (needs a root password option).
    Mysql,
    /// A non-HTTP server on its port (memcached, mongo…).
    TcpServer,
    /// The pause container: sleeps forever.
    Pause,
    /// registry.k8s.io/echoserver and friends: echo the request.
    Echo,
    /// agnhost: its subcommand decides (`netexec`, `serve-hostname`…).
    Agnhost,
    /// hashicorp/http-echo: answers its `-text`.
    HttpEcho,
    /// traefik/whoami: prints the hostname and request.
    Whoami,
    /// hello-app: "Hello, world!" with its version and hostname.
    HelloApp,
    /// nginxdemos/hello: the server's name and address.
    NginxHello,
    /// The HPA example (php-apache): answers "OK!".
    HpaExample,
    /// The Guestbook's PHP frontend on Apache: its page, and
    /// `guestbook.php` reading and writing Redis.
    Guestbook,
    /// hello-world: prints its greeting and exits 0.
    HelloWorld,
    /// stress tools (polinux/stress, vish/stress): burn CPU or memory.
    Stress,
    /// curlimages/curl: runs `curl` (exits without arguments).
    Curl,
    /// Any other image: a web server on its ports.
    Generic,
}

/// A well-known image in the simulated registries.
#[derive(Clone, Copy, Debug)]
pub struct KnownImage {
    /// `docker.io/library/nginx`.
    pub repository: &'static str,
    /// Compressed size of the default variant, bytes.
    pub size: u64,
    /// Size of slim/alpine variants (0 when it has none).
    pub small_size: u64,
    /// What it runs.
    pub flavor: Flavor,
    /// The port it listens on by default (0 for none).
    pub port: u16,
    /// Version tags that exist: (major, highest minor); empty accepts any.
    pub versions: &'static [(u32, u32)],
    /// Word tags that exist besides versions (`latest` always does).
    pub words: &'static [&'static str],
}

const fn img(
    repository: &'static str,
    size: u64,
    small_size: u64,
    flavor: Flavor,
    port: u16,
    versions: &'static [(u32, u32)],
    words: &'static [&'static str],
) -> KnownImage {
    KnownImage {
        repository,
        size,
        small_size,
        flavor,
        port,
        versions,
        words,
    }
}

use Flavor::*;

/// The catalogue of well-known images, with realistic compressed sizes.
pub const KNOWN_IMAGES: &[KnownImage] = &[
    img(
        "docker.io/library/nginx",
        72_319_283,
        21_604_212,
        Nginx,
        80,
        &[(1, 29)],
        &[
            "stable",
            "mainline",
            "alpine",
            "alpine-slim",
            "alpine-perl",
            "perl",
            "otel",
            "stable-alpine",
            "mainline-alpine",
            "bookworm",
            "trixie",
        ],
    ),
    img(
        "docker.io/library/httpd",
        58_120_390,
        21_951_087,
        Httpd,
        80,
        &[(2, 4)],
        &["alpine", "bookworm", "trixie"],
    ),
    img(
        "docker.io/library/busybox",
        2_156_219,
        0,
        Shell,
        0,
        &[(1, 37)],
        &["stable", "musl", "glibc", "uclibc"],
    ),
    img(
        "docker.io/library/alpine",
        3_644_163,
        0,
        Shell,
        0,
        &[(3, 22)],
        &["edge"],
    ),
    img(
        "docker.io/library/ubuntu",
        29_754_290,
        0,
        Shell,
        0,
        &[
            (14, 10),
            (16, 10),
            (18, 10),
            (20, 10),
            (22, 10),
            (24, 10),
            (25, 10),
            (26, 4),
        ],
        &[
            "rolling", "devel", "noble", "jammy", "focal", "bionic", "plucky", "questing",
            "oracular",
        ],
    ),
    img(
        "docker.io/library/debian",
        48_494_272,
        28_227_259,
        Shell,
        0,
        &[(8, 11), (9, 13), (10, 13), (11, 11), (12, 12), (13, 2)],
        &[
            "stable",
            "stable-slim",
            "testing",
            "unstable",
            "oldstable",
            "sid",
            "trixie",
            "trixie-slim",
            "bookworm",
            "bookworm-slim",
            "bullseye",
            "bullseye-slim",
            "buster",
        ],
    ),
    img(
        "docker.io/library/redis",
        52_185_114,
        17_193_232,
        Redis,
        6379,
        &[(3, 2), (4, 0), (5, 0), (6, 2), (7, 4), (8, 2)],
        &["alpine", "bookworm", "trixie"],
    ),
    img(
        "docker.io/library/postgres",
        158_354_118,
        111_248_016,
        Postgres,
        5432,
        &[
            (9, 6),
            (10, 23),
            (11, 22),
            (12, 22),
            (13, 22),
            (14, 19),
            (15, 14),
            (16, 10),
            (17, 6),
            (18, 1),
        ],
        &["alpine", "bookworm", "trixie"],
    ),
    img(
        "docker.io/library/mysql",
        236_158_321,
        0,
        Mysql,
        3306,
        &[(5, 7), (8, 4), (9, 5)],
        &["lts", "innovation", "oracle", "oraclelinux9", "debian"],
    ),
    img(
        "docker.io/library/mariadb",
        118_592_335,
        0,
        TcpServer,
        3306,
        &[(10, 11), (11, 8), (12, 0)],
        &["lts", "noble", "jammy"],
    ),
    img(
        "docker.io/library/mongo",
        286_017_284,
        0,
        TcpServer,
        27017,
        &[(4, 4), (5, 0), (6, 0), (7, 0), (8, 2)],
        &["noble", "jammy"],
    ),
    img(
        "docker.io/library/memcached",
        34_015_782,
        5_027_215,
        TcpServer,
        11211,
        &[(1, 6)],
        &["alpine", "bookworm"],
    ),
    img(
        "docker.io/library/rabbitmq",
        101_662_873,
        81_317_445,
        TcpServer,
        5672,
        &[(3, 13), (4, 1)],
        &["management", "management-alpine", "alpine"],
    ),
    img(
        "docker.io/library/python",
        412_303_114,
        44_984_133,
        Repl,
        0,
        &[(2, 7), (3, 14)],
        &[
            "slim",
            "alpine",
            "bookworm",
            "slim-bookworm",
            "trixie",
            "slim-trixie",
        ],
    ),
    img(
        "docker.io/library/node",
        395_437_552,
        56_228_870,
        Repl,
        0,
        &[
            (10, 24),
            (12, 22),
            (14, 21),
            (16, 20),
            (18, 20),
            (20, 19),
            (22, 20),
            (23, 11),
            (24, 10),
            (25, 2),
        ],
        &[
            "lts",
            "current",
            "slim",
            "alpine",
            "bookworm",
            "lts-alpine",
            "lts-slim",
        ],
    ),
    img(
        "docker.io/library/golang",
        289_166_230,
        80_441_307,
        Shell,
        0,
        &[(1, 25)],
        &["alpine", "bookworm", "trixie"],
    ),
    img(
        "docker.io/library/ruby",
        361_720_812,
        45_880_203,
        Repl,
        0,
        &[(2, 7), (3, 4)],
        &["slim", "alpine", "bookworm"],
    ),
    img(
        "docker.io/library/openjdk",
        331_021_322,
        0,
        Repl,
        0,
        &[
            (8, 0),
            (11, 0),
            (17, 0),
            (21, 0),
            (22, 0),
            (23, 0),
            (24, 0),
            (25, 0),
        ],
        &["slim"],
    ),
    img(
        "docker.io/library/eclipse-temurin",
        196_416_290,
        0,
        Repl,
        0,
        &[(8, 0), (11, 0), (17, 0), (21, 0), (25, 0)],
        &["jre", "jdk", "alpine"],
    ),
    img(
        "docker.io/library/php",
        190_442_103,
        37_620_881,
        Httpd,
        80,
        &[(7, 4), (8, 4)],
        &["apache", "fpm", "cli", "alpine", "fpm-alpine"],
    ),
    img(
        "docker.io/library/wordpress",
        262_811_344,
        0,
        Httpd,
        80,
        &[(5, 9), (6, 8)],
        &["apache", "fpm", "php8.3", "php8.4"],
    ),
    img(
        "docker.io/library/tomcat",
        198_340_559,
        0,
        Generic,
        8080,
        &[(9, 0), (10, 1), (11, 0)],
        &["jre17", "jre21", "jdk17", "jdk21"],
    ),
    img(
        "docker.io/library/traefik",
        51_830_442,
        0,
        Generic,
        80,
        &[(2, 11), (3, 5)],
        &["v2", "v3"],
    ),
    img(
        "docker.io/library/caddy",
        17_360_051,
        0,
        Generic,
        80,
        &[(2, 10)],
        &["alpine", "builder"],
    ),
    img(
        "docker.io/library/haproxy",
        38_772_014,
        13_045_019,
        TcpServer,
        80,
        &[(2, 9), (3, 2)],
        &["lts", "alpine"],
    ),
    img(
        "docker.io/library/registry",
        10_283_416,
        0,
        Generic,
        5000,
        &[(2, 8), (3, 0)],
        &[],
    ),
    img(
        "docker.io/library/hello-world",
        10_072,
        0,
        HelloWorld,
        0,
        &[],
        &["linux", "nanoserver"],
    ),
    img(
        "docker.io/library/centos",
        75_170_230,
        0,
        Shell,
        0,
        &[(6, 0), (7, 9), (8, 4)],
        &["centos7", "centos8"],
    ),
    img(
        "docker.io/library/fedora",
        58_918_512,
        0,
        Shell,
        0,
        &[(38, 0), (39, 0), (40, 0), (41, 0), (42, 0), (43, 0)],
        &["rawhide"],
    ),
    img(
        "docker.io/library/amazonlinux",
        52_730_316,
        0,
        Shell,
        0,
        &[(1, 0), (2, 0), (2023, 9)],
        &[],
    ),
    img(
        "registry.k8s.io/pause",
        320_368,
        0,
        Pause,
        0,
        &[(3, 10)],
        &[],
    ),
    img(
        "registry.k8s.io/echoserver",
        46_215_113,
        0,
        Echo,
        8080,
        &[(1, 10)],
        &[],
    ),
    img(
        "registry.k8s.io/e2e-test-images/agnhost",
        51_086_104,
        0,
        Agnhost,
        8080,
        &[(2, 56)],
        &[],
    ),
    img(
        "registry.k8s.io/hpa-example",
        180_113_004,
        0,
        HpaExample,
        80,
        &[],
        &[],
    ),
    img(
        "registry.k8s.io/nginx-slim",
        20_101_221,
        0,
        Nginx,
        80,
        &[(0, 27)],
        &[],
    ),
    img(
        "registry.k8s.io/busybox",
        1_144_547,
        0,
        Shell,
        0,
        &[(1, 27)],
        &[],
    ),
    img(
        "registry.k8s.io/kube-proxy",
        30_944_062,
        0,
        Generic,
        0,
        &[],
        &[],
    ),
    // The metrics-server add-on (its v0.8.0 image, 20582732 bytes).
    img(
        "registry.k8s.io/metrics-server/metrics-server",
        20_582_732,
        0,
        Generic,
        10250,
        &[(0, 9)],
        &[],
    ),
    img(
        "gcr.io/google-samples/hello-app",
        4_726_711,
        0,
        HelloApp,
        8080,
        &[(1, 0), (2, 0)],
        &[],
    ),
    img(
        "us-docker.pkg.dev/google-samples/containers/gke/hello-app",
        4_726_711,
        0,
        HelloApp,
        8080,
        &[(1, 0), (2, 0)],
        &[],
    ),
    // The Guestbook tutorial's leader (pinned by digest): Kubernetes' old
    // Redis 2.8.19 image; its size is that of the same repository's `e2e`.
    img(
        "registry.k8s.io/redis",
        419_003_740,
        0,
        Redis,
        6379,
        &[],
        &[],
    ),
    // The Guestbook tutorial's images: Redis 6.0.5 following
    // `redis-leader`, and the PHP frontend on Apache.
    img(
        "us-docker.pkg.dev/google-samples/containers/gke/gb-redis-follower",
        37_952_518,
        0,
        Redis,
        6379,
        &[],
        &["v2"],
    ),
    img(
        "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend",
        158_402_106,
        0,
        Guestbook,
        80,
        &[],
        &["v5"],
    ),
    img(
        "docker.io/corelab/gb-frontend",
        158_402_106,
        0,
        Guestbook,
        80,
        &[],
        &["v5"],
    ),
    // The Kubernetes Basics tutorial's app (node 6.3.1 on Debian jessie);
    // its v2 is on Docker Hub, and its v10 does not exist.
    img(
        "gcr.io/google-samples/kubernetes-bootcamp",
        83_642_968,
        0,
        Generic,
        8080,
        &[],
        &["v1"],
    ),
    img(
        "docker.io/jocatalin/kubernetes-bootcamp",
        83_642_968,
        0,
        Generic,
        8080,
        &[],
        &["v1", "v2"],
    ),
    // The docs' "Connect a Front End to a Back End": nginx passing every
    // request to the `hello` Service.
    img(
        "gcr.io/google-samples/hello-frontend",
        53_656_022,
        0,
        Nginx,
        80,
        &[(1, 0)],
        &[],
    ),
    img(
        "docker.io/hashicorp/http-echo",
        3_526_447,
        0,
        HttpEcho,
        5678,
        &[(0, 2), (1, 0)],
        &[],
    ),
    img(
        "docker.io/traefik/whoami",
        3_352_712,
        0,
        Whoami,
        80,
        &[(1, 11)],
        &[],
    ),
    img(
        "docker.io/nginxdemos/hello",
        9_836_216,
        0,
        NginxHello,
        80,
        &[(0, 4)],
        &["plain-text"],
    ),
    img(
        "docker.io/kicbase/echo-server",
        2_172_452,
        0,
        Echo,
        8080,
        &[(1, 0), (2, 0)],
        &[],
    ),
    img(
        "docker.io/paulbouwer/hello-kubernetes",
        41_722_136,
        0,
        HelloApp,
        8080,
        &[(1, 10)],
        &[],
    ),
    img(
        "docker.io/polinux/stress",
        4_057_913,
        0,
        Stress,
        0,
        &[(1, 0)],
        &[],
    ),
    img("docker.io/vish/stress", 2_913_046, 0, Stress, 0, &[], &[]),
    img(
        "docker.io/curlimages/curl",
        10_187_307,
        0,
        Curl,
        0,
        &[(7, 88), (8, 17)],
        &[],
    ),
    img(
        "docker.io/nicolaka/netshoot",
        205_401_329,
        0,
        Shell,
        0,
        &[(0, 14)],
        &[],
    ),
    img(
        "docker.io/grafana/grafana",
        187_032_451,
        0,
        Generic,
        3000,
        &[(10, 4), (11, 6), (12, 3)],
        &["oss", "main"],
    ),
    img(
        "docker.io/prom/prometheus",
        127_610_345,
        0,
        Generic,
        9090,
        &[(2, 55), (3, 7)],
        &["main"],
    ),
];

/// Docker official images (`docker.io/library/…`) that exist besides the
/// catalogue above; any other single-word Docker Hub name does not.
const OFFICIAL_IMAGES: &[&str] = &[
    "adminer",
    "aerospike",
    "almalinux",
    "amazoncorretto",
    "arangodb",
    "archlinux",
    "bash",
    "bonita",
    "buildpack-deps",
    "cassandra",
    "chronograf",
    "cirros",
    "clearlinux",
    "clickhouse",
    "clojure",
    "composer",
    "couchbase",
    "couchdb",
    "crate",
    "dart",
    "docker",
    "drupal",
    "eclipse-mosquitto",
    "eggdrop",
    "elasticsearch",
    "elixir",
    "emqx",
    "erlang",
    "flink",
    "fluentd",
    "friendica",
    "gazebo",
    "gcc",
    "geonetwork",
    "ghost",
    "gradle",
    "groovy",
    "haskell",
    "haxe",
    "hitch",
    "hylang",
    "ibm-semeru-runtimes",
    "ibmjava",
    "influxdb",
    "irssi",
    "jetty",
    "joomla",
    "jruby",
    "julia",
    "kapacitor",
    "kibana",
    "kong",
    "krakend",
    "lightstreamer",
    "liquibase",
    "logstash",
    "mageia",
    "maven",
    "mediawiki",
    "mongo-express",
    "monica",
    "mono",
    "nats",
    "neo4j",
    "neurodebian",
    "nextcloud",
    "notary",
    "odoo",
    "open-liberty",
    "oraclelinux",
    "orientdb",
    "percona",
    "perl",
    "photon",
    "phpmyadmin",
    "plone",
    "postfixadmin",
    "pypy",
    "r-base",
    "rakudo-star",
    "redmine",
    "rethinkdb",
    "rocket.chat",
    "rockylinux",
    "rust",
    "sapmachine",
    "satosa",
    "silverpeas",
    "solr",
    "sonarqube",
    "spark",
    "spiped",
    "storm",
    "swift",
    "swipl",
    "teamspeak",
    "telegraf",
    "tomee",
    "unit",
    "varnish",
    "websphere-liberty",
    "xwiki",
    "yourls",
    "znc",
    "zookeeper",
];

/// An image reference's repository path, without its registry, tag or
/// digest: `metrics-server/metrics-server` for
/// `registry.k8s.io/metrics-server/metrics-server:v0.8.0`.
pub fn repository_path(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    // A tag follows the last `:` after the last `/`.
    let image = match (image.rfind(':'), image.rfind('/')) {
        (Some(colon), slash) if slash.is_none_or(|s| colon > s) => &image[..colon],
        _ => image,
    };
    match image.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => rest,
        _ => image,
    }
}

/// The catalogue entry for a repository, if it is well known.
pub fn known(repository: &str) -> Option<&'static KnownImage> {
    let repository = repository.strip_prefix("k8s.gcr.io/").map_or_else(
        || repository.to_string(),
        |rest| format!("registry.k8s.io/{rest}"),
    );
    KNOWN_IMAGES.iter().find(|k| k.repository == repository)
}

/// Whether `tag` exists for a well-known image.
fn tag_exists(image: &KnownImage, tag: &str) -> bool {
    if tag == "latest" || image.words.contains(&tag) {
        return true;
    }
    // `1.27-alpine`, `3.12-slim-bookworm`, `17.2-alpine3.21`: a version and
    // a variant the image publishes.
    let (version, variant) = match tag.split_once('-') {
        Some((v, rest)) => (v, Some(rest)),
        None => (tag, None),
    };
    if let Some(variant) = variant {
        let base = variant.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        let known_variant = image.words.contains(&variant)
            || image.words.contains(&base)
            || matches!(base, "alpine" | "slim" | "bookworm" | "bullseye" | "trixie")
                && (image.small_size > 0 || image.words.contains(&"alpine"));
        if !known_variant {
            return false;
        }
    }
    let version = version.strip_prefix('v').unwrap_or(version);
    let numbers: Vec<Option<u32>> = version.split('.').map(|p| p.parse().ok()).collect();
    if numbers.is_empty() || numbers.len() > 3 || numbers.iter().any(Option::is_none) {
        return false;
    }
    let numbers: Vec<u32> = numbers.into_iter().flatten().collect();
    if image.versions.is_empty() {
        return false;
    }
    image.versions.iter().any(|&(major, max_minor)| {
        numbers[0] == major
            && numbers.get(1).is_none_or(|&m| m <= max_minor)
            && numbers.get(2).is_none_or(|&p| p <= 40)
    })
}

/// A 64-digit hex string derived from `seed` (stable digests and IDs that
/// do not consume the cluster's random generator).
pub fn hex64(seed: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::with_capacity(64);
    for _ in 0..4 {
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.push_str(&format!("{z:016x}"));
    }
    out
}

/// An image as it sits in a node's containerd store once pulled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedImage {
    /// `docker.io/library/nginx:latest`.
    pub name: String,
    /// `docker.io/library/nginx@sha256:…` (the imageID containerd reports).
    pub repo_digest: String,
    /// Compressed size in bytes.
    pub size: u64,
    /// What it runs.
    pub flavor: Flavor,
    /// Its default port (0 for none).
    pub port: u16,
}

/// Why a pull failed: the text containerd returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullError(pub String);

/// Credentials for registries a pod may use: the registry hosts named in
/// the `auths` of its `imagePullSecrets` (dockerconfigjson or dockercfg).
pub fn auth_hosts(secret: &Value) -> Vec<String> {
    let kind = secret.get("type").as_str().unwrap_or("");
    let (key, nested) = match kind {
        "kubernetes.io/dockerconfigjson" => (".dockerconfigjson", true),
        "kubernetes.io/dockercfg" => (".dockercfg", false),
        _ => return Vec::new(),
    };
    let text = match secret.at(&["data", key]).as_str() {
        Some(b64) => match decode_base64(b64) {
            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            None => return Vec::new(),
        },
        None => match secret.at(&["stringData", key]).as_str() {
            Some(s) => s.to_string(),
            None => return Vec::new(),
        },
    };
    let Ok(docs) = crate::yaml::load_str(&text) else {
        return Vec::new();
    };
    let Some(doc) = docs.first() else {
        return Vec::new();
    };
    let config = doc.root.to_value();
    let auths = if nested { config.get("auths") } else { &config };
    auths.members().map(|(k, _)| registry_host(k)).collect()
}

/// The registry host of an `auths` key (`https://index.docker.io/v1/`,
/// `registry.example.com:5000`).
fn registry_host(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = k.split('/').next().unwrap_or(k).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_string()
        }
        _ => host,
    }
}

/// Decodes standard base64 (with or without padding); `None` on bad input.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

/// Whether the host needs credentials for a pull.
pub fn is_private(domain: &str) -> bool {
    !PUBLIC_HOSTS.contains(&domain) && known_repository_on(domain).is_none()
}

fn known_repository_on(domain: &str) -> Option<&'static KnownImage> {
    KNOWN_IMAGES
        .iter()
        .find(|k| k.repository.split('/').next() == Some(domain))
}

/// A repository whose name says it is not there (the docs'
/// `non-existing-repo/non-existing-image` for a pull that fails): no
/// registry has it.
fn says_it_does_not_exist(path: &str) -> bool {
    [
        "non-existing",
        "nonexisting",
        "non-existent",
        "nonexistent",
        "does-not-exist",
    ]
    .iter()
    .any(|w| path.contains(w))
}

/// What pulling `r` from the simulated registries gives, with the
/// registry hosts the pod has credentials for.
pub fn resolve(
    r: &ImageRef,
    credentials: &[String],
    unavailable: &std::collections::BTreeSet<std::rc::Rc<str>>,
) -> Result<ResolvedImage, PullError> {
    let full = r.full();
    let failed_resolve = |detail: String, code: &str| {
        PullError(format!(
            "rpc error: code = {code} desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {detail}"
        ))
    };
    let not_found = || failed_resolve(format!("{full}: not found"), "NotFound");
    let repository = r.repository();
    if unavailable.contains(full.as_str()) || unavailable.contains(repository.as_str()) {
        return Err(not_found());
    }
    let private = is_private(&r.domain);
    if private && !credentials.contains(&r.domain) {
        let scope = format!("repository:{}:pull", r.path)
            .replace(':', "%3A")
            .replace('/', "%2F");
        return Err(failed_resolve(
            format!(
                "failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://{}/token?scope={scope}&service={}: 401 Unauthorized",
                r.domain, r.domain
            ),
            "Unknown",
        ));
    }
    let known = known(&repository);
    if let Some(k) = known {
        if let Some(tag) = &r.tag
            && !tag_exists(k, tag)
        {
            return Err(not_found());
        }
    } else if r.domain == "docker.io"
        && (r
            .path
            .strip_prefix("library/")
            .is_some_and(|name| !OFFICIAL_IMAGES.contains(&name))
            || says_it_does_not_exist(&r.path))
    {
        return Err(failed_resolve(
            "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed".to_string(),
            "Unknown",
        ));
    }
    if says_it_does_not_exist(&r.path) {
        return Err(not_found());
    }
    let digest = match &r.digest {
        Some(d) => d.clone(),
        None => format!("sha256:{}", hex64(&full)),
    };
    let small = r
        .tag
        .as_deref()
        .is_some_and(|t| t.contains("alpine") || t.contains("slim"));
    let (size, flavor, port) = match known {
        Some(k) => (
            if small && k.small_size > 0 {
                k.small_size
            } else {
                k.size
            },
            k.flavor,
            k.port,
        ),
        None => {
            // Unknown images: a stable plausible size, 20–180 MB.
            let h = u64::from_str_radix(&hex64(&repository)[..8], 16).unwrap_or(0);
            let flavor = official_flavor(r);
            (20_000_000 + h % 160_000_000, flavor, 0)
        }
    };
    Ok(ResolvedImage {
        name: full.clone(),
        repo_digest: format!("{repository}@{digest}"),
        size,
        flavor,
        port,
    })
}

/// What an official image outside the catalogue runs by default.
fn official_flavor(r: &ImageRef) -> Flavor {
    // Kubernetes' old serve_hostname test image ("Debug Services"): the
    // program agnhost's serve-hostname grew from.
    if r.domain == "registry.k8s.io" && r.path == "serve_hostname" {
        return Flavor::Agnhost;
    }
    match r.path.strip_prefix("library/") {
        Some(
            "almalinux" | "archlinux" | "bash" | "buildpack-deps" | "clearlinux" | "gcc" | "mageia"
            | "neurodebian" | "oraclelinux" | "photon" | "rockylinux" | "rust" | "cirros"
            | "docker",
        ) => Flavor::Shell,
        Some(
            "amazoncorretto"
            | "clojure"
            | "dart"
            | "elixir"
            | "erlang"
            | "groovy"
            | "haskell"
            | "haxe"
            | "hylang"
            | "ibm-semeru-runtimes"
            | "ibmjava"
            | "jruby"
            | "julia"
            | "mono"
            | "perl"
            | "pypy"
            | "r-base"
            | "rakudo-star"
            | "sapmachine"
            | "swift"
            | "swipl",
        ) => Flavor::Repl,
        _ => Flavor::Generic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalize_like_containerd() {
        let r = parse("nginx").unwrap();
        assert_eq!(r.full(), "docker.io/library/nginx:latest");
        assert!(!r.explicit);
        assert_eq!(
            parse("registry.lambdaclass.com/snackerbis").unwrap().full(),
            "registry.lambdaclass.com/snackerbis:latest"
        );
        assert_eq!(
            parse("user/app:v1").unwrap().full(),
            "docker.io/user/app:v1"
        );
        assert_eq!(
            parse("localhost:5000/app").unwrap().full(),
            "localhost:5000/app:latest"
        );
        assert_eq!(
            parse("Nginx").unwrap_err(),
            "invalid reference format: repository name (library/Nginx) must be lowercase"
        );
        assert_eq!(parse("nginx:").unwrap_err(), "invalid reference format");
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.27"), "IfNotPresent");
    }

    #[test]
    fn tags_of_known_images() {
        let nginx = known("docker.io/library/nginx").unwrap();
        for tag in [
            "latest",
            "1.27",
            "1.14.2",
            "1.16.1",
            "1.27-alpine",
            "alpine",
            "stable",
        ] {
            assert!(tag_exists(nginx, tag), "{tag}");
        }
        for tag in ["1.161", "2.0", "nosuchtag", "1.27-windows"] {
            assert!(!tag_exists(nginx, tag), "{tag}");
        }
    }

    #[test]
    fn pulls_resolve_or_fail_with_containerd_errors() {
        let none = std::collections::BTreeSet::new();
        let nginx = resolve(&parse("nginx:1.161").unwrap(), &[], &none).unwrap_err();
        assert_eq!(
            nginx.0,
            "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.161\": failed to resolve reference \"docker.io/library/nginx:1.161\": docker.io/library/nginx:1.161: not found"
        );
        let private = parse("registry.lambdaclass.com/snackerbis").unwrap();
        let err = resolve(&private, &[], &none).unwrap_err();
        assert_eq!(
            err.0,
            "rpc error: code = Unknown desc = failed to pull and unpack image \"registry.lambdaclass.com/snackerbis:latest\": failed to resolve reference \"registry.lambdaclass.com/snackerbis:latest\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://registry.lambdaclass.com/token?scope=repository%3Asnackerbis%3Apull&service=registry.lambdaclass.com: 401 Unauthorized"
        );
        let ok = resolve(&private, &["registry.lambdaclass.com".into()], &none).unwrap();
        assert_eq!(ok.name, "registry.lambdaclass.com/snackerbis:latest");
        let typo = resolve(&parse("ngnix").unwrap(), &[], &none).unwrap_err();
        assert!(typo.0.ends_with("pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"));
        assert!(resolve(&parse("someone/app:v3").unwrap(), &[], &none).is_ok());
        assert!(resolve(&parse("redis:7-alpine").unwrap(), &[], &none).is_ok());
    }

    #[test]
    fn docker_config_secrets_name_registry_hosts() {
        // {"auths":{"registry.lambdaclass.com":{"auth":"dTpw"}}}
        let b64 = "eyJhdXRocyI6eyJyZWdpc3RyeS5sYW1iZGFjbGFzcy5jb20iOnsiYXV0aCI6ImRUcHcifX19";
        let secret = Value::from_pairs([
            ("type", Value::str("kubernetes.io/dockerconfigjson")),
            (
                "data",
                Value::from_pairs([(".dockerconfigjson", Value::str(b64))]),
            ),
        ]);
        assert_eq!(auth_hosts(&secret), ["registry.lambdaclass.com"]);
        assert_eq!(registry_host("https://index.docker.io/v1/"), "docker.io");
    }
}
