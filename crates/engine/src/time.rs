//! Simulated time: milliseconds since the cluster started, shown as real
//! timestamps counted from a fixed epoch so output is reproducible.

/// Simulated milliseconds since the cluster was created.
pub type Millis = u64;

/// The wall-clock moment simulated time 0 stands for: 2026-01-01T00:00:00Z,
/// in seconds since the Unix epoch.
pub const EPOCH_UNIX_SECONDS: i64 = 1_767_225_600;

/// One second in simulated milliseconds.
pub const SECOND: Millis = 1000;
/// One minute in simulated milliseconds.
pub const MINUTE: Millis = 60 * SECOND;

/// Splits Unix seconds into (year, month, day, hour, minute, second, weekday 0=Sunday).
pub fn civil(unix: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400) as u32;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    let weekday = (days + 4).rem_euclid(7) as u32;
    (y, m, d, secs / 3600, (secs / 60) % 60, secs % 60, weekday)
}

/// RFC 3339 with second precision (`2026-01-01T00:00:05Z`), as
/// `metav1.Time` serialises.
pub fn rfc3339(ms: Millis) -> String {
    let (y, mo, d, h, mi, s, _) = civil(EPOCH_UNIX_SECONDS + (ms / 1000) as i64);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// RFC 3339 with microseconds (`2026-01-01T00:00:05.123000Z`), as
/// `metav1.MicroTime` serialises.
pub fn rfc3339_micro(ms: Millis) -> String {
    let (y, mo, d, h, mi, s, _) = civil(EPOCH_UNIX_SECONDS + (ms / 1000) as i64);
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:06}Z",
        (ms % 1000) * 1000
    )
}

/// Go's RFC 1123 with numeric zone (`Thu, 01 Jan 2026 00:00:05 +0000`), as
/// `kubectl describe` prints times.
pub fn rfc1123z(ms: Millis) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s, wd) = civil(EPOCH_UNIX_SECONDS + (ms / 1000) as i64);
    format!(
        "{}, {d:02} {} {y:04} {h:02}:{mi:02}:{s:02} +0000",
        DAYS[wd as usize],
        MONTHS[mo as usize - 1]
    )
}

/// Parses an RFC 3339 timestamp back to simulated milliseconds (times
/// before the epoch clamp to 0). `None` when it does not parse.
pub fn parse_rfc3339(text: &str) -> Option<Millis> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b't') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { text.get(r)?.parse().ok() };
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let mut rest = &text[19..];
    let mut frac_ms = 0i64;
    if let Some(r) = rest.strip_prefix('.') {
        let digits: String = r.chars().take_while(|c| c.is_ascii_digit()).collect();
        rest = &r[digits.len()..];
        let padded = format!("{digits:0<3}");
        frac_ms = padded[..3].parse().ok()?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // days_from_civil
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let unix = days * 86_400 + h * 3600 + mi * 60 + s - offset;
    let ms = (unix - EPOCH_UNIX_SECONDS) * 1000 + frac_ms;
    Some(ms.max(0) as Millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_format_and_parse() {
        assert_eq!(rfc3339(0), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(90_061_000), "2026-01-02T01:01:01Z");
        assert_eq!(rfc3339_micro(1_234), "2026-01-01T00:00:01.234000Z");
        assert_eq!(rfc1123z(5_000), "Thu, 01 Jan 2026 00:00:05 +0000");
        assert_eq!(parse_rfc3339("2026-01-02T01:01:01Z"), Some(90_061_000));
        assert_eq!(parse_rfc3339("2026-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("2026-01-01T00:00:01.5Z"), Some(1_500));
        assert_eq!(parse_rfc3339("not a time"), None);
        assert_eq!(
            rfc3339(parse_rfc3339("2027-03-01T12:34:56Z").unwrap()),
            "2027-03-01T12:34:56Z"
        );
    }
}
