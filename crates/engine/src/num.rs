//! Decimal text to `f64`, as `str::parse::<f64>` does it: the same grammar
//! and the same correctly rounded value. The standard library's parser
//! carries Eisel–Lemire's 10 KB table of powers of five, about 13 KiB of the
//! gzipped browser bundle; this one is exact big-integer arithmetic, and
//! the inputs Kubeplay reads (durations, YAML and template numbers) are
//! short, so its fast path answers almost all of them.

/// Parses `s` as Rust's `str::parse::<f64>`: an optional sign, then `inf`,
/// `infinity` or `nan` in any case, or digits with an optional `.` and
/// fraction (at least one digit) and an optional exponent.
pub fn parse_f64(s: &str) -> Option<f64> {
    let bytes = s.as_bytes();
    let (negative, rest) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let signed = |v: f64| if negative { -v } else { v };
    if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        return Some(signed(f64::INFINITY));
    }
    if rest.eq_ignore_ascii_case(b"nan") {
        return Some(signed(f64::NAN));
    }
    // The significant digits (at most MAX_DIGITS, then a sticky 1) and the
    // power of ten they are scaled by.
    let mut digits: Vec<u8> = Vec::new();
    let mut exponent: i64 = 0;
    let mut truncated = false;
    let mut seen_digit = false;
    let mut i = 0;
    let mut push = |d: u8, exponent: &mut i64, fraction: bool| {
        if digits.is_empty() && d == 0 {
            if fraction {
                *exponent -= 1;
            }
            return;
        }
        if digits.len() < MAX_DIGITS {
            digits.push(d);
            if fraction {
                *exponent -= 1;
            }
        } else {
            truncated |= d != 0;
            if !fraction {
                *exponent += 1;
            }
        }
    };
    while i < rest.len() && rest[i].is_ascii_digit() {
        push(rest[i] - b'0', &mut exponent, false);
        seen_digit = true;
        i += 1;
    }
    if i < rest.len() && rest[i] == b'.' {
        i += 1;
        while i < rest.len() && rest[i].is_ascii_digit() {
            push(rest[i] - b'0', &mut exponent, true);
            seen_digit = true;
            i += 1;
        }
    }
    if !seen_digit {
        return None;
    }
    if i < rest.len() && (rest[i] == b'e' || rest[i] == b'E') {
        i += 1;
        let minus = match rest.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut e: i64 = 0;
        while i < rest.len() && rest[i].is_ascii_digit() {
            // Saturates: anything this large is 0 or infinity anyway.
            e = (e * 10 + i64::from(rest[i] - b'0')).min(1 << 40);
            i += 1;
        }
        if i == start {
            return None;
        }
        exponent += if minus { -e } else { e };
    }
    if i != rest.len() {
        return None;
    }
    if truncated {
        // A nonzero tail: strictly above the kept digits, which is all
        // rounding needs to know (halfway points have fewer digits).
        digits.push(1);
        exponent -= 1;
    }
    while digits.last() == Some(&0) {
        digits.pop();
        exponent += 1;
    }
    if digits.is_empty() {
        return Some(signed(0.0));
    }
    Some(signed(decimal_to_f64(&digits, exponent)))
}

/// The most significant digits kept: more than the 767 a halfway point
/// between two doubles can need.
const MAX_DIGITS: usize = 800;

/// The double nearest `digits × 10^exponent` (ties to even); `digits` has
/// no leading or trailing zeros.
fn decimal_to_f64(digits: &[u8], exponent: i64) -> f64 {
    let n = digits.len() as i64;
    if n + exponent > 310 {
        return f64::INFINITY;
    }
    if n + exponent < -324 {
        return 0.0;
    }
    // Exact: a mantissa below 2^53 times or over an exact power of ten is
    // one correctly rounded operation.
    if n <= 15 && (-22..=22).contains(&exponent) {
        let mantissa = digits.iter().fold(0u64, |m, &d| m * 10 + u64::from(d)) as f64;
        let power = POWERS_OF_TEN[exponent.unsigned_abs() as usize];
        return if exponent < 0 {
            mantissa / power
        } else {
            mantissa * power
        };
    }
    let mut numerator = Big::from_digits(digits);
    let mut denominator = Big::one();
    if exponent >= 0 {
        numerator.mul_pow10(exponent as u32);
    } else {
        denominator.mul_pow10((-exponent) as u32);
    }
    // value = numerator / denominator × 2^-shift, the quotient in
    // [2^52, 2^53) (53 significant bits) for a normal number.
    let mut shift = 52 + denominator.bits() as i64 - numerator.bits() as i64;
    loop {
        // Subnormals have a fixed quantum, 2^-1074.
        let scaled_shift = shift.min(1074);
        let (q, half) = divide(&numerator, &denominator, scaled_shift);
        if scaled_shift == shift && q >= 1 << 53 {
            shift -= 1;
            continue;
        }
        if scaled_shift == shift && q < 1 << 52 {
            shift += 1;
            continue;
        }
        // Round to 53 bits, ties to even.
        let (mut m, mut e) = (q, -scaled_shift);
        let round_up = match half {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => m & 1 == 1,
            std::cmp::Ordering::Less => false,
        };
        if round_up {
            m += 1;
            if m == 1 << 53 {
                m >>= 1;
                e += 1;
            }
        }
        return compose(m, e);
    }
}

/// `m × 2^e` as a double (`m` at most 2^53, already rounded).
fn compose(m: u64, e: i64) -> f64 {
    if m == 0 {
        return 0.0;
    }
    let top = 63 - i64::from(m.leading_zeros());
    let exponent = top + e;
    if exponent > 1023 {
        return f64::INFINITY;
    }
    if exponent < -1022 {
        // Subnormal: `e` is -1074 here, so `m` is the field itself.
        return f64::from_bits(m);
    }
    let fraction = if top > 52 {
        m >> (top - 52)
    } else {
        m << (52 - top)
    };
    f64::from_bits((((exponent + 1023) as u64) << 52) | (fraction & ((1 << 52) - 1)))
}

/// `floor(numerator × 2^shift / denominator)` (below 2^55 when the shift
/// fits) and how the remainder compares with half the denominator.
fn divide(numerator: &Big, denominator: &Big, shift: i64) -> (u64, std::cmp::Ordering) {
    let mut a = numerator.clone();
    let mut d = denominator.clone();
    if shift >= 0 {
        a.shl(shift as u32);
    } else {
        d.shl((-shift) as u32);
    }
    // Schoolbook binary division: the quotient has at most 55 bits here;
    // a larger one saturates, which the caller treats as "too large".
    let mut q: u64 = 0;
    let top = a.bits() as i64 - d.bits() as i64;
    if top > 55 {
        return (u64::MAX, std::cmp::Ordering::Less);
    }
    let mut bit = top.max(0);
    let mut ds = d.clone();
    ds.shl(bit as u32);
    loop {
        if a.cmp(&ds) != std::cmp::Ordering::Less {
            a.sub(&ds);
            q |= 1 << bit;
        }
        if bit == 0 {
            break;
        }
        bit -= 1;
        ds.shr1();
    }
    a.shl(1);
    (q, a.cmp(&d))
}

/// 10^0 to 10^22, each exact in a double.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// An unsigned big integer, little-endian 32-bit limbs.
#[derive(Clone)]
struct Big(Vec<u32>);

impl Big {
    fn one() -> Big {
        Big(vec![1])
    }

    fn from_digits(digits: &[u8]) -> Big {
        let mut b = Big(Vec::new());
        for chunk in digits.chunks(9) {
            let value = chunk.iter().fold(0u32, |v, &d| v * 10 + u32::from(d));
            b.mul_add(10u32.pow(chunk.len() as u32), value);
        }
        b
    }

    /// `self × factor + add`.
    fn mul_add(&mut self, factor: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(factor) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_add(1_000_000_000, 0);
            n -= 9;
        }
        if n > 0 {
            self.mul_add(10u32.pow(n), 0);
        }
    }

    fn bits(&self) -> u32 {
        match self.0.iter().rposition(|&l| l != 0) {
            Some(i) => i as u32 * 32 + (32 - self.0[i].leading_zeros()),
            None => 0,
        }
    }

    fn shl(&mut self, n: u32) {
        let (words, bits) = ((n / 32) as usize, n % 32);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let v = (*limb << bits) | carry;
                carry = *limb >> (32 - bits);
                *limb = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, words));
    }

    fn shr1(&mut self) {
        let mut carry = 0u32;
        for limb in self.0.iter_mut().rev() {
            let v = (*limb >> 1) | (carry << 31);
            carry = *limb & 1;
            *limb = v;
        }
    }

    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        let len = self.0.len().max(other.0.len());
        for i in (0..len).rev() {
            let (a, b) = (
                self.0.get(i).copied().unwrap_or(0),
                other.0.get(i).copied().unwrap_or(0),
            );
            if a != b {
                return a.cmp(&b);
            }
        }
        std::cmp::Ordering::Equal
    }

    /// `self - other`, `other` not larger.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let v = i64::from(self.0[i]) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(v < 0);
            self.0[i] = v.rem_euclid(1 << 32) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(s: &str) {
        let ours = parse_f64(s);
        let std = s.parse::<f64>().ok();
        match (ours, std) {
            (Some(a), Some(b)) => assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{s:?}: {a:e} ({:#x}) vs std {b:e} ({:#x})",
                a.to_bits(),
                b.to_bits()
            ),
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "{s:?}: {a:?} vs std {b:?}"),
        }
    }

    #[test]
    fn the_grammar_is_rusts() {
        for s in [
            "",
            "+",
            "-",
            ".",
            "e",
            "1e",
            "1e+",
            "e5",
            ".e1",
            "1.",
            ".5",
            "+.5e-3",
            "-0",
            "-0.0",
            "00012.5000",
            "1_000",
            " 1",
            "1 ",
            "0x10",
            "inf",
            "-Infinity",
            "INF",
            "NaN",
            "-nan",
            "infinit",
            "nan1",
            "1e1e1",
            "1..2",
            "--1",
            "+-1",
            "1.e5",
            "1e-0",
            "9e99999999999",
            "1e-99999999999",
            "0e99999999999",
        ] {
            same(s);
        }
    }

    #[test]
    fn values_are_correctly_rounded_as_std_rounds_them() {
        for s in [
            "0.1",
            "0.2",
            "0.3",
            "1.5",
            "3.141592653589793238462643383279",
            "1e22",
            "1e23",
            "9007199254740993",
            "9007199254740992.5",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "8.98846567431158e307",
            "123456789012345678901234567890",
            "0.000000000000000000000000000000000001",
            "1e-400",
            "1e400",
            "17.36",
            "446.976",
        ] {
            same(s);
        }
        // Halfway points with long tails.
        let mut long = "1.00000000000000011102230246251565404236316680908203125".to_string();
        same(&long);
        long.push_str("000000000000000000000000000000001");
        same(&long);
        same(&format!("0.{}1", "0".repeat(900)));
        same(&format!("{}e-900", "1".repeat(900)));
    }

    #[test]
    fn random_inputs_match_std() {
        // A fixed xorshift stream: random bit patterns printed every way,
        // and random strings over the grammar's characters.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let v = f64::from_bits(next());
            if !v.is_finite() {
                continue;
            }
            same(&format!("{v}"));
            same(&format!("{v:e}"));
            same(&format!("{v:.30e}"));
            same(&format!("{v:.3e}"));
        }
        // Exact expansions, and the same cut short of exact.
        for _ in 0..300 {
            let v = f64::from_bits(next() >> 1);
            if v.is_finite() {
                same(&format!("{v:.800e}"));
                same(&format!("{v:.17e}"));
                same(&format!("{v:.16e}"));
            }
        }
        const CHARS: &[u8] = b"0123456789.eE+-0001";
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let s: String = (0..len)
                .map(|_| CHARS[(next() % CHARS.len() as u64) as usize] as char)
                .collect();
            same(&s);
        }
    }
}
