//! Kubernetes resource quantities (`500m`, `1Gi`, `0.5`, `1e3`), parsed and
//! printed in canonical form the way `k8s.io/apimachinery/pkg/api/resource`
//! does it.

use std::fmt;

/// The suffix family a quantity was written in; canonical output keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `m`, ``, `k`, `M`, `G`, `T`, `P`, `E` (powers of 1000).
    DecimalSI,
    /// `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei` (powers of 1024).
    BinarySI,
    /// `1e3`, `5E-3`.
    DecimalExponent,
}

/// A parsed quantity, held exactly in units of 10⁻⁹ (nano), rounded up like
/// Kubernetes rounds values below its smallest scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    nanos: i128,
    format: Format,
}

/// Kubernetes' own message for a quantity that does not parse.
pub const QUANTITY_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// Parses a quantity string; the error is apimachinery's message.
    pub fn parse(text: &str) -> Result<Quantity, &'static str> {
        let s = text.trim();
        if s.is_empty() {
            return Err(QUANTITY_ERROR);
        }
        let bytes = s.as_bytes();
        let mut pos = 0;
        let negative = match bytes[0] {
            b'-' => {
                pos = 1;
                true
            }
            b'+' => {
                pos = 1;
                false
            }
            _ => false,
        };
        let num_start = pos;
        while pos < bytes.len() && (bytes[pos].is_ascii_digit() || bytes[pos] == b'.') {
            pos += 1;
        }
        let number = &s[num_start..pos];
        let suffix = &s[pos..];
        if number.is_empty() || number.matches('.').count() > 1 || number == "." {
            return Err(QUANTITY_ERROR);
        }
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        // Mantissa digits (leading zeros dropped; at most 30, which an i128
        // holds) and the power of ten they are scaled by.
        let mut mantissa: i128 = 0;
        let mut significant = 0;
        for &b in int_part.as_bytes().iter().chain(frac_part.as_bytes()) {
            if significant == 0 && b == b'0' {
                continue;
            }
            significant += 1;
            if significant > 30 {
                return Err("quantity is too large");
            }
            mantissa = mantissa * 10 + i128::from(b - b'0');
        }
        let mut exp10: i32 = -(frac_part.len() as i32);
        let mut pow1024: u32 = 0;
        let format = match suffix {
            "" => Format::DecimalSI,
            "n" => {
                exp10 -= 9;
                Format::DecimalSI
            }
            "u" => {
                exp10 -= 6;
                Format::DecimalSI
            }
            "m" => {
                exp10 -= 3;
                Format::DecimalSI
            }
            "k" => {
                exp10 += 3;
                Format::DecimalSI
            }
            "M" => {
                exp10 += 6;
                Format::DecimalSI
            }
            "G" => {
                exp10 += 9;
                Format::DecimalSI
            }
            "T" => {
                exp10 += 12;
                Format::DecimalSI
            }
            "P" => {
                exp10 += 15;
                Format::DecimalSI
            }
            "E" => {
                exp10 += 18;
                Format::DecimalSI
            }
            "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
                pow1024 = match suffix {
                    "Ki" => 1,
                    "Mi" => 2,
                    "Gi" => 3,
                    "Ti" => 4,
                    "Pi" => 5,
                    _ => 6,
                };
                Format::BinarySI
            }
            _ => {
                let rest = suffix
                    .strip_prefix('e')
                    .or_else(|| suffix.strip_prefix('E'))
                    .ok_or(QUANTITY_ERROR)?;
                let unsigned = rest.strip_prefix(['+', '-']).unwrap_or(rest);
                let valid = !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit());
                if !valid {
                    return Err(QUANTITY_ERROR);
                }
                let e: i32 = rest.parse().map_err(|_| QUANTITY_ERROR)?;
                if !(-40..=40).contains(&e) {
                    return Err("quantity is too large");
                }
                exp10 += e;
                Format::DecimalExponent
            }
        };
        // Scale to nanos: value = mantissa * 10^exp10 * 1024^pow1024.
        let mut value = mantissa
            .checked_mul(1024i128.pow(pow1024))
            .ok_or("quantity is too large")?;
        let shift = exp10 + 9;
        if shift >= 0 {
            value = value
                .checked_mul(
                    10i128
                        .checked_pow(shift as u32)
                        .ok_or("quantity is too large")?,
                )
                .ok_or("quantity is too large")?;
        } else {
            let div = 10i128.checked_pow((-shift) as u32).unwrap_or(i128::MAX);
            // Values below a nano are rounded up, as Kubernetes does.
            value = (value + div - 1) / div;
        }
        if value > i128::from(i64::MAX) * NANO {
            return Err("quantity is too large");
        }
        Ok(Quantity {
            nanos: if negative { -value } else { value },
            format,
        })
    }

    /// A quantity of whole units in DecimalSI form (CPU cores, pod counts).
    pub fn from_units(units: i64) -> Quantity {
        Quantity {
            nanos: i128::from(units) * NANO,
            format: Format::DecimalSI,
        }
    }

    /// A quantity of bytes in BinarySI form (memory).
    pub fn from_bytes(bytes: i64) -> Quantity {
        Quantity {
            nanos: i128::from(bytes) * NANO,
            format: Format::BinarySI,
        }
    }

    /// A quantity of thousandths of a unit (CPU millicores) in DecimalSI form.
    pub fn from_milli(milli: i64) -> Quantity {
        Quantity {
            nanos: i128::from(milli) * 1_000_000,
            format: Format::DecimalSI,
        }
    }

    /// A quantity of billionths of a unit (CPU nanocores, as metrics-server
    /// reports usage) in DecimalSI form.
    pub fn from_nanos(nanos: i64) -> Quantity {
        Quantity {
            nanos: i128::from(nanos),
            format: Format::DecimalSI,
        }
    }

    /// The value in billionths (exact: quantities are held in nanos).
    pub fn nano_value(&self) -> i64 {
        i64::try_from(self.nanos).unwrap_or(if self.nanos < 0 { i64::MIN } else { i64::MAX })
    }

    /// The value in thousandths, rounded up (how Kubernetes reads CPU).
    pub fn milli_value(&self) -> i64 {
        let v = self.nanos;
        let m = if v >= 0 {
            (v + 999_999) / 1_000_000
        } else {
            v / 1_000_000
        };
        m.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// The value in whole units, rounded up (how Kubernetes reads memory).
    pub fn value(&self) -> i64 {
        let v = self.nanos;
        let u = if v >= 0 {
            (v + NANO - 1) / NANO
        } else {
            v / NANO
        };
        u.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// The suffix family.
    pub fn format(&self) -> Format {
        self.format
    }

    /// True when the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// True when the value is zero.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// `Quantity.Cmp`: compares the values, whatever their formats.
    pub fn cmp_value(&self, other: &Quantity) -> std::cmp::Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

/// `Quantity.Add`: the sum keeps the left quantity's format unless it is
/// zero (then it takes the right one's). Saturates far beyond any quantity
/// that parses.
impl std::ops::Add for Quantity {
    type Output = Quantity;
    fn add(self, other: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_add(other.nanos),
            format: if self.nanos == 0 {
                other.format
            } else {
                self.format
            },
        }
    }
}

/// `Quantity.Sub`, with the same format rule as addition.
impl std::ops::Sub for Quantity {
    type Output = Quantity;
    fn sub(self, other: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_sub(other.nanos),
            format: if self.nanos == 0 {
                other.format
            } else {
                self.format
            },
        }
    }
}

impl fmt::Display for Quantity {
    /// The canonical form: no fractional digits, the largest suffix that
    /// loses no precision, in the family the quantity was written in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0");
        }
        let sign = if self.nanos < 0 { "-" } else { "" };
        let abs = self.nanos.unsigned_abs();
        if self.format == Format::BinarySI && abs.is_multiple_of(NANO as u128) {
            let mut units = abs / NANO as u128;
            if units >= 1024 {
                let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
                let mut i = 0;
                while units.is_multiple_of(1024) && i < 6 {
                    units /= 1024;
                    i += 1;
                }
                return write!(f, "{sign}{units}{}", suffixes[i]);
            }
        }
        // Decimal: the largest power of 1000 that divides the value exactly.
        let mut mantissa = abs;
        let mut exp = -9i32;
        while mantissa.is_multiple_of(1000) && exp < 18 {
            mantissa /= 1000;
            exp += 3;
        }
        if self.format == Format::DecimalExponent {
            return if exp == 0 {
                write!(f, "{sign}{mantissa}")
            } else {
                write!(f, "{sign}{mantissa}e{exp}")
            };
        }
        let suffix = match exp {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            _ => "E",
        };
        write!(f, "{sign}{mantissa}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        Quantity::parse(s).unwrap().to_string()
    }

    #[test]
    fn canonical_forms_match_apimachinery() {
        assert_eq!(canon("0.5"), "500m");
        assert_eq!(canon("1.5"), "1500m");
        assert_eq!(canon("1.5Gi"), "1536Mi");
        assert_eq!(canon("1024Mi"), "1Gi");
        assert_eq!(canon("1000m"), "1");
        assert_eq!(canon("1500"), "1500");
        assert_eq!(canon("2000"), "2k");
        assert_eq!(canon("128974848"), "128974848");
        assert_eq!(canon("129e6"), "129e6");
        assert_eq!(canon("123Mi"), "123Mi");
        assert_eq!(canon("0"), "0");
        assert_eq!(canon("100m"), "100m");
        assert_eq!(canon("-1"), "-1");
        assert_eq!(canon("0.1m"), "100u");
    }

    #[test]
    fn values_in_units_and_milli() {
        let cpu = Quantity::parse("250m").unwrap();
        assert_eq!(cpu.milli_value(), 250);
        assert_eq!(cpu.value(), 1);
        let mem = Quantity::parse("64Mi").unwrap();
        assert_eq!(mem.value(), 64 * 1024 * 1024);
        assert_eq!(Quantity::parse("1G").unwrap().value(), 1_000_000_000);
        assert_eq!(
            Quantity::from_bytes(8 * 1024 * 1024 * 1024).to_string(),
            "8Gi"
        );
        assert_eq!(Quantity::from_milli(4000).to_string(), "4");
    }

    #[test]
    fn malformed_quantities_are_refused_with_the_real_message() {
        for bad in ["", "abc", "1.2.3", "5Mb", "1e", "--1", "1ee3", "."] {
            assert_eq!(Quantity::parse(bad), Err(QUANTITY_ERROR), "{bad:?}");
        }
    }
}
