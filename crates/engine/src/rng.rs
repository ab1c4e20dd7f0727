//! The one seeded random generator every random choice in the cluster
//! comes from (pod name suffixes, UIDs, NodePorts, tie-breaks, load
//! balancing), so the same seed and inputs replay identically.

/// xoshiro256++ seeded through SplitMix64: small, fast and the same on
/// every platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    state: [u64; 4],
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            state: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A number in `0..n` (`n` > 0), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0)");
        loop {
            let x = self.next_u64();
            // Values below `zone = u64::MAX - u64::MAX % n` are accepted.
            // The zone starts above `u64::MAX - n`, so all but the top `n`
            // values are accepted without computing it: one division per
            // draw instead of two (selectHost draws on every tie).
            if x <= u64::MAX - n || x < u64::MAX - (u64::MAX % n) {
                return x % n;
            }
        }
    }

    /// A random index into a slice of length `len` (`len` > 0).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// `n` characters from Kubernetes' safe alphabet
    /// (`k8s.io/apimachinery/pkg/util/rand.String`: no vowels, no
    /// look-alikes), as used for generated names.
    pub fn k8s_string(&mut self, n: usize) -> String {
        const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..n)
            .map(|_| ALPHANUMS[self.index(ALPHANUMS.len())] as char)
            .collect()
    }

    /// A random version-4 UUID, as the API server assigns to `metadata.uid`.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
        // By hand: `format!` costs several times as much, and every
        // created object and recorded event takes a UID.
        let mut uuid = String::with_capacity(36);
        for (v, digits) in [
            (a >> 32, 8),
            ((a >> 16) & 0xFFFF, 4),
            (a & 0xFFFF, 4),
            (b >> 48, 4),
            (b & 0xFFFF_FFFF_FFFF, 12),
        ] {
            if !uuid.is_empty() {
                uuid.push('-');
            }
            push_hex(&mut uuid, u128::from(v), digits);
        }
        uuid
    }
}

/// Appends `v` in lowercase hexadecimal, zero-padded to at least
/// `digits` digits (`format!("{v:0digits$x}")`).
pub(crate) fn push_hex(out: &mut String, v: u128, digits: usize) {
    let significant = (128 - v.leading_zeros() as usize).div_ceil(4).max(1);
    for i in (0..significant.max(digits)).rev() {
        let nibble = (v.checked_shr(4 * i as u32).unwrap_or(0) & 0xF) as u8;
        out.push(char::from(if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_draws_as_the_two_division_form() {
        // The reference: reject values at or above the zone, then reduce.
        fn reference(rng: &mut Rng, n: u64) -> u64 {
            let zone = u64::MAX - (u64::MAX % n);
            loop {
                let x = rng.next_u64();
                if x < zone {
                    return x % n;
                }
            }
        }
        // Huge bounds reject often, so both branches are taken.
        let bounds = [
            1,
            2,
            3,
            7,
            500,
            1 << 40,
            (1 << 63) + 1,
            u64::MAX / 3 * 2,
            u64::MAX,
        ];
        for (seed, &n) in bounds.iter().enumerate() {
            let (mut a, mut b) = (Rng::new(seed as u64), Rng::new(seed as u64));
            for _ in 0..5000 {
                assert_eq!(a.below(n), reference(&mut b, n), "n = {n}");
            }
            assert_eq!(
                a.next_u64(),
                b.next_u64(),
                "same draws consumed for n = {n}"
            );
        }
    }

    #[test]
    fn push_hex_matches_format() {
        let mut rng = Rng::new(3);
        let mut values = vec![0u128, 1, 0xF, 0x10, u128::MAX, u128::from(u64::MAX)];
        for _ in 0..2000 {
            let bits = rng.below(129) as u32;
            let v = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64()))
                .checked_shr(128 - bits)
                .unwrap_or(0);
            values.push(v);
        }
        for v in values {
            for digits in [0, 1, 4, 8, 12, 40] {
                let mut out = String::from("x");
                push_hex(&mut out, v, digits);
                assert_eq!(out, format!("x{v:0digits$x}"));
            }
        }
    }

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn names_and_uids_have_kubernetes_shapes() {
        let mut rng = Rng::new(7);
        let suffix = rng.k8s_string(5);
        assert_eq!(suffix.len(), 5);
        assert!(
            suffix
                .bytes()
                .all(|c| b"bcdfghjklmnpqrstvwxz2456789".contains(&c))
        );
        let uid = rng.uuid();
        assert_eq!(uid.len(), 36);
        assert_eq!(&uid[14..15], "4");
        for _ in 0..1000 {
            assert!(rng.below(3) < 3);
        }
    }
}
