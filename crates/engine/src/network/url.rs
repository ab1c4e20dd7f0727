//! URLs as curl reads them, and curl's error messages.

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    Http,
    Https,
}

/// A parsed URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    pub scheme: Scheme,
    /// The host as written (lower-cased; curl resolves names case-blind).
    pub host: String,
    /// The port (80/443 when the URL has none).
    pub port: u16,
    /// Whether the URL named its port.
    pub explicit_port: bool,
    /// Path and query (`/snackerbis?x=1`), `/` when empty.
    pub path: String,
}

impl Url {
    /// The Host header curl sends: the host, with the port when it is not
    /// the scheme's default.
    pub fn host_header(&self) -> String {
        let default = match self.scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        if self.port == default {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A failure curl reports before or instead of an HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CurlError {
    /// curl's exit code.
    pub code: u8,
    /// The message after `curl: (N) `.
    pub message: String,
}

impl CurlError {
    /// The line curl prints: `curl: (7) Failed to connect to …`.
    pub fn line(&self) -> String {
        format!("curl: ({}) {}", self.code, self.message)
    }

    /// `CURLE_COULDNT_RESOLVE_HOST`.
    pub fn unresolvable(host: &str) -> CurlError {
        CurlError {
            code: 6,
            message: format!("Could not resolve host: {host}"),
        }
    }

    /// `CURLE_COULDNT_CONNECT`: the address answered with a reset (nothing
    /// listening, or kube-proxy's REJECT for a Service without endpoints).
    /// curl 8 spells its reason "Could not connect to server".
    pub fn refused(host: &str, port: u16, after_ms: u64) -> CurlError {
        // curl names an IPv6 address without its brackets.
        let host = host.trim_start_matches('[').trim_end_matches(']');
        CurlError {
            code: 7,
            message: format!(
                "Failed to connect to {host} port {port} after {after_ms} ms: Could not connect to server"
            ),
        }
    }

    /// `CURLE_GOT_NOTHING`: the server closed without a byte.
    pub fn empty_reply() -> CurlError {
        CurlError {
            code: 52,
            message: "Empty reply from server".into(),
        }
    }

    /// The kernel gave up on the SYN (kube-proxy's DROP, or an address that
    /// never answers): curl reports the connect failure and exits with
    /// `CURLE_OPERATION_TIMEDOUT` because errno is ETIMEDOUT.
    pub fn timed_out(host: &str, port: u16, after_ms: u64) -> CurlError {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        CurlError {
            code: 28,
            message: format!(
                "Failed to connect to {host} port {port} after {after_ms} ms: Could not connect to server"
            ),
        }
    }
}

/// Parses a URL the way curl does for the parts Kubeplay simulates: an
/// optional `http://` or `https://` (curl assumes http), an optional
/// userinfo, a host, an optional port and a path.
pub(crate) fn parse(url: &str) -> Result<Url, CurlError> {
    let url = url.trim();
    let (scheme, rest) = match url.find("://") {
        Some(i) => {
            let scheme = &url[..i];
            let scheme = match scheme.to_ascii_lowercase().as_str() {
                "http" => Scheme::Http,
                "https" => Scheme::Https,
                _ => {
                    return Err(CurlError {
                        code: 1,
                        message: format!("Protocol \"{scheme}\" not supported"),
                    });
                }
            };
            (scheme, &url[i + 3..])
        }
        None => (Scheme::Http, url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let mut path = rest[end..].to_string();
    if let Some(i) = path.find('#') {
        path.truncate(i);
    }
    if path.is_empty() || path.starts_with('?') {
        path.insert(0, '/');
    }
    let authority = authority.rsplit('@').next().unwrap_or("");
    // `[v6]:port` keeps its brackets; otherwise the port follows the last colon.
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(i) => (&authority[..=i], authority[i + 1..].strip_prefix(':')),
            None => (authority, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(CurlError {
            code: 3,
            message: "URL rejected: No host part in the URL".into(),
        });
    }
    let default_port = match scheme {
        Scheme::Http => 80,
        Scheme::Https => 443,
    };
    let (port, explicit_port) = match port {
        None | Some("") => (default_port, false),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if p.bytes().all(|b| b.is_ascii_digit()) => (n, true),
            _ => {
                return Err(CurlError {
                    code: 3,
                    message:
                        "URL rejected: Port number was not a decimal number between 0 and 65535"
                            .into(),
                });
            }
        },
    };
    Ok(Url {
        scheme,
        host: host.to_ascii_lowercase(),
        port,
        explicit_port,
        path,
    })
}

/// The path curl sends: its `.` and `..` segments resolved (RFC 3986's
/// remove_dot_segments, curl's `dedotdotify`, unless `--path-as-is`),
/// the query left alone. BusyBox wget sends the path as written.
pub(crate) fn remove_dot_segments(path: &str) -> String {
    let (path, query) = path.split_at(path.find('?').unwrap_or(path.len()));
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut out: Vec<&str> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
        // `/a/..` and `/a/.` name a directory: `/` and `/a/`.
        if last && matches!(*segment, "." | "..") {
            out.push("");
        }
    }
    format!("/{}{query}", out.join("/"))
}

/// The Host header's name as nginx uses it to pick a server: lower case,
/// without the port and a trailing dot.
pub(crate) fn server_name(host_header: &str) -> String {
    let host = host_header.trim();
    let host = match host.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The URI nginx matches locations against: the path without the query,
/// percent-decoded, with repeated slashes merged (`merge_slashes on`).
pub(crate) fn location_uri(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("/");
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            decoded.push(h * 16 + l);
            i += 3;
            continue;
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    let decoded = String::from_utf8_lossy(&decoded).into_owned();
    let mut out = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_resolves_dot_segments_in_the_path_only() {
        for (path, sent) in [
            ("/", "/"),
            ("/a/b/../c", "/a/c"),
            ("/a/b/..", "/a/"),
            ("/a/./b/.", "/a/b/"),
            ("/../../x", "/x"),
            ("/..", "/"),
            ("/a//b", "/a//b"),
            ("/a/..?x=/../y", "/?x=/../y"),
            ("/.well-known/..x", "/.well-known/..x"),
        ] {
            assert_eq!(remove_dot_segments(path), sent, "{path}");
        }
    }

    #[test]
    fn urls_parse_like_curl() {
        let u = parse("http://kube.lambdaclass.com/snackerbis?x=1#frag").unwrap();
        assert_eq!(u.host, "kube.lambdaclass.com");
        assert_eq!(u.port, 80);
        assert_eq!(u.path, "/snackerbis?x=1");
        assert_eq!(u.host_header(), "kube.lambdaclass.com");
        let u = parse("172.18.0.3:30080").unwrap();
        assert_eq!(
            (u.scheme, u.port, u.path.as_str()),
            (Scheme::Http, 30080, "/")
        );
        assert_eq!(u.host_header(), "172.18.0.3:30080");
        let u = parse("http://[::1]:8080/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("[::1]", 8080));
        let u = parse("https://User@Example.COM").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("example.com", 443));
        assert_eq!(
            parse("http://x:99999/").unwrap_err().line(),
            "curl: (3) URL rejected: Port number was not a decimal number between 0 and 65535"
        );
        assert_eq!(
            parse("http:///a").unwrap_err().line(),
            "curl: (3) URL rejected: No host part in the URL"
        );
        assert_eq!(
            parse("gopher://x/").unwrap_err().line(),
            "curl: (1) Protocol \"gopher\" not supported"
        );
    }

    #[test]
    fn nginx_sees_normalised_names_and_uris() {
        assert_eq!(server_name("Foo.Example.com:8080"), "foo.example.com");
        assert_eq!(server_name("foo.example.com."), "foo.example.com");
        assert_eq!(location_uri("//a//b%2Fc?q=//"), "/a/b/c");
        assert_eq!(location_uri("/x%4"), "/x%4");
    }
}
