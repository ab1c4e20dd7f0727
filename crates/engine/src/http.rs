//! HTTP as the simulated network carries it: a request from a client and
//! the answer a container gives.

/// An HTTP request arriving at a pod's container port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The Host header.
    pub host: String,
    /// The path, with query (`/snackerbis?x=1`).
    pub path: String,
    /// The client's address (for session affinity and logs).
    pub client_ip: String,
    /// The User-Agent header (`curl/8.14.1`, BusyBox's `Wget`).
    pub user_agent: String,
}

/// What a container answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpAnswer {
    /// Status code.
    pub status: u16,
    /// Response body.
    pub body: String,
    /// How long the container took, in simulated milliseconds.
    pub latency_ms: u64,
    /// Why there is no answer (status 0), when there is none.
    pub failure: Option<ConnectFailure>,
    /// The response headers, in the order the server writes them.
    pub headers: Vec<(String, String)>,
}

/// `%XX` decoded (a malformed escape: `None`, or kept as written when
/// `lenient`, as PHP's query parsing keeps it).
pub(crate) fn percent_decode(s: &str, lenient: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%').then(|| {
            s.get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        });
        match escape {
            Some(Some(b)) => {
                out.push(b);
                i += 3;
            }
            Some(None) if !lenient => return None,
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// An HTTP date (`Thu, 01 Jan 2026 00:01:02 GMT`) of a simulated moment.
pub fn http_date(ms: crate::time::Millis) -> String {
    http_date_unix(crate::time::EPOCH_UNIX_SECONDS + (ms / 1000) as i64)
}

/// An HTTP date of Unix seconds.
pub fn http_date_unix(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s, wd) = crate::time::civil(unix);
    format!(
        "{}, {d:02} {} {y} {h:02}:{mi:02}:{s:02} GMT",
        DAYS[wd as usize],
        MONTHS[mo as usize - 1]
    )
}

/// The headers of a page nginx makes itself (its error pages; ingress-nginx's
/// default backend): no Server header under ingress-nginx
/// (`more_clear_headers Server`).
pub fn nginx_page_headers(now: crate::time::Millis, body: &str) -> Vec<(String, String)> {
    vec![
        ("Date".into(), http_date(now)),
        ("Content-Type".into(), "text/html".into()),
        ("Content-Length".into(), body.len().to_string()),
        ("Connection".into(), "keep-alive".into()),
    ]
}

/// Why a connection to a pod got no HTTP answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Nothing listens on the port: the pod answers the SYN with a reset.
    Refused,
    /// The pod's node is down: the SYN is never answered.
    Unreachable,
    /// Something listens but closes without answering (not HTTP).
    EmptyReply,
}

/// The reason an answer's status line gives: nginx has words of its own
/// for some (`405 Not Allowed`, `503 Service Temporarily Unavailable`).
pub fn reason_of(status: u16, headers: &[(String, String)]) -> &'static str {
    let nginx = headers
        .iter()
        .any(|(k, v)| k == "Server" && v.starts_with("nginx"));
    match status {
        302 if nginx => "Moved Temporarily",
        405 if nginx => "Not Allowed",
        408 if nginx => "Request Time-out",
        503 if nginx => "Service Temporarily Unavailable",
        504 if nginx => "Gateway Time-out",
        _ => reason_phrase(status),
    }
}

/// The reason phrase of a status code (`200 OK`, `503 Service Unavailable`).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}
