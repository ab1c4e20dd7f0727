//! Ages as kubectl prints them: apimachinery's `duration.HumanDuration`
//! (`5s`, `2m30s`, `10h`, `3d4h`) and `translateTimestampSince`.

use crate::time::{Millis, parse_rfc3339};
use crate::value::Value;

/// `duration.HumanDuration` for a duration in milliseconds (may be negative).
pub fn human_duration(ms: i64) -> String {
    // Go's int(d.Seconds()) truncates toward zero.
    let seconds = ms / 1000;
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{h}h", hours / 24);
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{dy}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}

/// `translateTimestampSince`: the age of an RFC 3339 timestamp at `now`,
/// `<unknown>` when it is missing or unparseable.
pub fn since(now: Millis, timestamp: &Value) -> String {
    match timestamp.as_str().and_then(parse_rfc3339) {
        Some(t) => human_duration(now as i64 - t as i64),
        None => "<unknown>".to_string(),
    }
}

/// The age of a time in simulated milliseconds.
pub fn since_ms(now: Millis, t: Millis) -> String {
    human_duration(now as i64 - t as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apimachinery() {
        let s = 1000;
        let m = 60 * s;
        let h = 60 * m;
        let d = 24 * h;
        for (ms, want) in [
            (-2500, "<invalid>"),
            (-1500, "0s"),
            (-500, "0s"),
            (0, "0s"),
            (999, "0s"),
            (5 * s, "5s"),
            (90 * s, "90s"),
            (119 * s, "119s"),
            (2 * m, "2m"),
            (2 * m + 30 * s, "2m30s"),
            (9 * m + 59 * s, "9m59s"),
            (10 * m, "10m"),
            (179 * m + 59 * s, "179m"),
            (3 * h, "3h"),
            (3 * h + 20 * m, "3h20m"),
            (7 * h + 59 * m, "7h59m"),
            (8 * h, "8h"),
            (47 * h, "47h"),
            (2 * d, "2d"),
            (3 * d + 4 * h, "3d4h"),
            (7 * d + 23 * h, "7d23h"),
            (8 * d, "8d"),
            (729 * d, "729d"),
            (730 * d, "2y"),
            (740 * d, "2y10d"),
            (365 * 8 * d, "8y"),
        ] {
            assert_eq!(human_duration(ms), want, "{ms}ms");
        }
    }

    #[test]
    fn missing_timestamps_are_unknown() {
        assert_eq!(since(10_000, &Value::Null), "<unknown>");
        assert_eq!(since(10_000, &Value::str("2026-01-01T00:00:05Z")), "5s");
    }
}
