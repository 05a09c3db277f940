//! Deterministic randomness: a seeded generator for musical choices and stateless white
//! noise that can be evaluated at any frame.

/// splitmix64: tiny, fast and good enough for musical choices and noise.
#[derive(Debug, Clone)]
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    /// A factor in [1 - amount, 1 + amount], for humanised velocities.
    pub(super) fn jitter(&mut self, amount: f64) -> f32 {
        (1.0 + amount * (2.0 * self.unit() - 1.0)) as f32
    }
}

/// The splitmix64 finaliser, also used as a stateless noise hash.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// White noise in [-1, 1) as a pure function of (stream, index), so it can be evaluated at any
/// frame without running a generator from the start.
pub(super) fn white(noise: u64, i: u64) -> f32 {
    let h = mix64(noise ^ i.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    (h >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}
