//! The official `nginx` image by tag: the nginx version it runs, the
//! compiler its packages were built with, and what it logs at start. The
//! tags resolve as Docker Hub's did on the simulated date (January 2026:
//! `latest` is 1.29.4, `stable` 1.28.1).

/// What one `nginx` image tag runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NginxImage {
    /// The minor and patch of nginx 1.x.
    minor: u32,
    patch: u32,
    /// The Alpine variant (`-alpine`, `-alpine-slim`, `-alpine3.21`).
    alpine: bool,
}

/// The last patch of each minor line the image was published for.
const LAST_PATCH: [(u32, u32); 16] = [
    (14, 2),
    (15, 12),
    (16, 1),
    (17, 10),
    (18, 0),
    (19, 10),
    (20, 2),
    (21, 6),
    (22, 1),
    (23, 4),
    (24, 0),
    (25, 5),
    (26, 3),
    (27, 5),
    (28, 1),
    (29, 4),
];

/// When each line's last image was built (its release day, noon UTC, in
/// Unix seconds): the welcome page's modification time.
const BUILT: [(u32, i64); 16] = [
    (14, 1_543_924_800),
    (15, 1_555_416_000),
    (16, 1_565_697_600),
    (17, 1_586_865_600),
    (18, 1_587_470_400),
    (19, 1_618_315_200),
    (20, 1_637_064_000),
    (21, 1_643_112_000),
    (22, 1_666_180_800),
    (23, 1_680_004_800),
    (24, 1_681_214_400),
    (25, 1_713_268_800),
    (26, 1_738_756_800),
    (27, 1_744_804_800),
    (28, 1_765_281_600),
    (29, 1_765_281_600),
];

/// `latest`, `mainline` and `1`.
const MAINLINE: (u32, u32) = (29, 4);
/// `stable`.
const STABLE: (u32, u32) = (28, 1);

impl NginxImage {
    /// The image a reference names (`nginx`, `nginx:1.27`,
    /// `docker.io/library/nginx:1.14.2-alpine`).
    pub(crate) fn of(image: &str) -> NginxImage {
        let no_digest = image.split('@').next().unwrap_or(image);
        let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
        // The docs' frontend image: nginx 1.17.3 with its own config.
        if last.starts_with("hello-frontend") {
            return NginxImage {
                minor: 17,
                patch: 3,
                alpine: false,
            };
        }
        let tag = last.split_once(':').map_or("latest", |(_, t)| t);
        let (base, variant) = tag.split_once('-').unwrap_or((tag, ""));
        let alpine = variant.starts_with("alpine") || base.starts_with("alpine");
        let numbers: Vec<Option<u32>> = base.split('.').map(|n| n.parse().ok()).collect();
        let (minor, patch) = match numbers.as_slice() {
            [Some(1), Some(minor), Some(patch)] => (*minor, *patch),
            [Some(1), Some(minor)] => LAST_PATCH
                .iter()
                .find(|(m, _)| m == minor)
                .copied()
                .unwrap_or((*minor, 0)),
            _ if base == "stable" => STABLE,
            _ => MAINLINE,
        };
        NginxImage {
            minor,
            patch,
            alpine,
        }
    }

    /// `nginx/1.27.5`: the Server header and error pages' signature.
    pub(crate) fn server(&self) -> String {
        format!("nginx/1.{}.{}", self.minor, self.patch)
    }

    fn at_least(&self, minor: u32, patch: u32) -> bool {
        (self.minor, self.patch) >= (minor, patch)
    }

    /// Whether nginx's own notices reach the log: the packages' nginx.conf
    /// has `error_log … notice` from 1.20.1 (`warn` before, which hides
    /// every start and stop message).
    pub(crate) fn logs_notices(&self) -> bool {
        self.at_least(20, 1)
    }

    /// `/docker-entrypoint.sh`, from 1.19.0 (and the late 1.18.0 builds).
    pub(crate) fn has_entrypoint(&self) -> bool {
        self.at_least(18, 0)
    }

    /// `built by …`: the compiler of the base the packages were built on.
    fn compiler(&self) -> &'static str {
        let v = (self.minor, self.patch);
        if self.alpine {
            return match v {
                (..=21, _) if v < (21, 4) => "gcc 10.3.1 20210424 (Alpine 10.3.1_git20210424)",
                (21, _) => "gcc 10.3.1 20211027 (Alpine 10.3.1_git20211027)",
                (22, _) | (23, 0..=2) => "gcc 11.2.1 20220219 (Alpine 11.2.1_git20220219)",
                (23, _) | (24, _) | (25, 0..=1) => {
                    "gcc 12.2.1 20220924 (Alpine 12.2.1_git20220924-r4)"
                }
                (25, 2..=3) => "gcc 12.2.1 20220924 (Alpine 12.2.1_git20220924-r10)",
                (25, _) | (26, 0..=1) | (27, 0) => {
                    "gcc 13.2.1 20231014 (Alpine 13.2.1_git20231014)"
                }
                (26, _) | (27, 1..=4) => "gcc 13.2.1 20240309 (Alpine 13.2.1_git20240309)",
                (27, _) | (28, 0) | (29, 0..=3) => "gcc 14.2.0 (Alpine 14.2.0)",
                _ => "gcc 15.2.0 (Alpine 15.2.0)",
            };
        }
        match v {
            (..=15, _) => "gcc 6.3.0 20170516 (Debian 6.3.0-18+deb9u1)",
            (16..=19, _) | (20, 0..=1) | (21, 0..=3) => "gcc 8.3.0 (Debian 8.3.0-6)",
            (20, _) | (21, _) | (22..=24, _) | (25, 0) => "gcc 10.2.1 20210110 (Debian 10.2.1-6)",
            (25, _) | (26, _) | (27, _) | (28, 0) => "gcc 12.2.0 (Debian 12.2.0-14)",
            (29, 0..=1) => "gcc 12.2.0 (Debian 12.2.0-14+deb12u1)",
            _ => "gcc 14.2.0 (Debian 14.2.0-19)",
        }
    }

    /// What the container prints as it starts: the entrypoint's lines,
    /// then nginx's notices (`ts`: the error log's time).
    pub(crate) fn start_lines(&self, ts: &str) -> Vec<String> {
        let mut lines = Vec::new();
        if self.has_entrypoint() {
            let info = if self.at_least(19, 7) { "info: " } else { "" };
            lines.extend([
                "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration".to_string(),
                "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/".to_string(),
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh".to_string(),
                format!("10-listen-on-ipv6-by-default.sh: {info}Getting the checksum of /etc/nginx/conf.d/default.conf"),
                format!("10-listen-on-ipv6-by-default.sh: {info}Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf"),
            ]);
            if self.at_least(25, 1) {
                lines.push(
                    "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh"
                        .to_string(),
                );
            }
            lines.push(
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh"
                    .to_string(),
            );
            if self.at_least(19, 7) {
                lines.push(
                    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh"
                        .to_string(),
                );
            }
            lines.push(
                "/docker-entrypoint.sh: Configuration complete; ready for start up".to_string(),
            );
        }
        if self.logs_notices() {
            let server = self.server();
            let built_by = format!("built by {} ", self.compiler());
            for line in [
                "using the \"epoll\" event method",
                &server,
                &built_by,
                "OS: Linux 6.8.0-90-generic",
                // containerd 2's containers inherit systemd's limits.
                "getrlimit(RLIMIT_NOFILE): 1024:524288",
                "start worker processes",
                "start worker process 29",
                "start worker process 30",
                "start worker process 31",
                "start worker process 32",
            ] {
                lines.push(format!("{ts} [notice] 1#1: {line}"));
            }
        }
        lines
    }

    /// One of nginx's own error pages, `404 Not Found` or `403 Forbidden`
    /// (`<body bgcolor="white">` until 1.15.4).
    pub(crate) fn error_page(&self, status: &str) -> String {
        let body = if self.at_least(15, 4) {
            "<body>"
        } else {
            "<body bgcolor=\"white\">"
        };
        format!(
            "<html>\r\n<head><title>{status}</title></head>\r\n{body}\r\n<center><h1>{status}</h1></center>\r\n<hr><center>{}</center>\r\n</body>\r\n</html>\r\n",
            self.server()
        )
    }

    /// The headers nginx sends with a page: a static file (`Some` of its
    /// type) has its modification time, ETag and byte ranges.
    pub(crate) fn headers(
        &self,
        now: crate::time::Millis,
        body: &str,
        static_file: Option<&str>,
    ) -> Vec<(String, String)> {
        let mut h = vec![
            ("Server".to_string(), self.server()),
            ("Date".to_string(), crate::http::http_date(now)),
            (
                "Content-Type".to_string(),
                static_file.unwrap_or("text/html").to_string(),
            ),
            ("Content-Length".to_string(), body.len().to_string()),
        ];
        let static_file = static_file.is_some();
        let built = BUILT
            .iter()
            .find(|(m, _)| *m == self.minor)
            .map_or(BUILT[BUILT.len() - 1].1, |(_, t)| *t);
        if static_file {
            h.push((
                "Last-Modified".to_string(),
                crate::http::http_date_unix(built),
            ));
        }
        h.push(("Connection".to_string(), "keep-alive".to_string()));
        if static_file {
            h.push((
                "ETag".to_string(),
                format!("\"{built:x}-{:x}\"", body.len()),
            ));
            h.push(("Accept-Ranges".to_string(), "bytes".to_string()));
        }
        h
    }

    /// The default page.
    pub(crate) fn welcome_page(&self) -> &'static str {
        if self.at_least(21, 3) {
            WELCOME
        } else {
            WELCOME_OLD
        }
    }

    /// The files the image has in its web root: the default page and
    /// `50x.html`, styled alike.
    pub(crate) fn root_files(&self) -> [(&'static str, String); 2] {
        let welcome = self.welcome_page();
        let head = &welcome[..welcome.find("<body>").unwrap_or(0)];
        [
            ("index.html", welcome.to_string()),
            (
                "50x.html",
                format!(
                    "{}{FAILED_BODY}",
                    head.replace("Welcome to nginx!", "Error")
                ),
            ),
        ]
    }
}

/// The welcome page's body, the same in every version.
macro_rules! welcome_body {
    () => {
        "<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href=\"http://nginx.org/\">nginx.org</a>.<br/>
Commercial support is available at
<a href=\"http://nginx.com/\">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"
    };
}

/// The body of nginx's `50x.html`.
const FAILED_BODY: &str = "<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
";

/// nginx's default page, from 1.21.3 (dark-mode aware, 615 bytes).
const WELCOME: &str = concat!(
    "<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
",
    welcome_body!()
);

/// The default page before 1.21.3 (612 bytes).
const WELCOME_OLD: &str = concat!(
    "<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
",
    welcome_body!()
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_resolve_to_the_versions_docker_hub_served() {
        for (image, server) in [
            ("nginx", "nginx/1.29.4"),
            ("nginx:latest", "nginx/1.29.4"),
            ("nginx:stable-alpine", "nginx/1.28.1"),
            ("nginx:1.14.2", "nginx/1.14.2"),
            ("nginx:1.27", "nginx/1.27.5"),
            ("docker.io/library/nginx:1.25-alpine3.19", "nginx/1.25.5"),
            ("nginx:1.16.1-alpine", "nginx/1.16.1"),
            ("nginx@sha256:0123", "nginx/1.29.4"),
        ] {
            assert_eq!(NginxImage::of(image).server(), server, "{image}");
        }
    }

    #[test]
    fn old_images_start_silently_and_new_ones_say_so() {
        // 1.14.2: no entrypoint, `error_log … warn`: nothing at all.
        assert!(NginxImage::of("nginx:1.14.2").start_lines("t").is_empty());
        // 1.19: the entrypoint, not yet nginx's notices.
        let l = NginxImage::of("nginx:1.19.2").start_lines("t");
        assert_eq!(l.len(), 7);
        assert!(
            !l.iter()
                .any(|l| l.contains("[notice]") || l.contains("info:"))
        );
        let l = NginxImage::of("nginx:1.27").start_lines("2026/01/01 00:00:01");
        assert!(
            l.contains(
                &"2026/01/01 00:00:01 [notice] 1#1: built by gcc 12.2.0 (Debian 12.2.0-14) "
                    .to_string()
            )
        );
        assert!(l.iter().any(|l| l.contains("15-local-resolvers")));
        let l = NginxImage::of("nginx:1.24.0-alpine").start_lines("t");
        assert!(!l.iter().any(|l| l.contains("15-local-resolvers")));
        assert!(
            l.iter()
                .any(|l| l.contains("(Alpine 12.2.1_git20220924-r4)"))
        );
    }

    #[test]
    fn pages_are_the_versions_own() {
        assert_eq!(NginxImage::of("nginx:1.14.2").welcome_page().len(), 612);
        assert_eq!(NginxImage::of("nginx:1.27").welcome_page().len(), 615);
        assert_eq!(
            NginxImage::of("nginx:1.14.2")
                .error_page("404 Not Found")
                .len(),
            169
        );
        assert_eq!(
            NginxImage::of("nginx:1.25.3")
                .error_page("404 Not Found")
                .len(),
            153
        );
    }
}
