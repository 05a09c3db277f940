//! Wall and CPU time of each stage of an in-process edit, for `reel edit --timings` and the
//! footage benchmark. CPU is the whole process's (every GStreamer and ONNX thread), so a
//! stage's share is what ran while it did.

use std::time::Instant;

#[derive(Debug, Clone, PartialEq)]
pub struct StageTime {
    pub stage: &'static str,
    pub wall_s: f64,
    pub cpu_s: f64,
}

/// User and system CPU seconds this process has used so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Runs `work` as `stage`, adding its time to `times`.
pub fn timed<T>(times: &mut Vec<StageTime>, stage: &'static str, work: impl FnOnce() -> T) -> T {
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let result = work();
    times.push(StageTime {
        stage,
        wall_s: wall.elapsed().as_secs_f64(),
        cpu_s: cpu_seconds() - cpu,
    });
    result
}

/// `probe 0.10 s (CPU 0.08 s), shots …`, one line.
pub fn summary(times: &[StageTime]) -> String {
    let parts: Vec<String> = times
        .iter()
        .map(|t| format!("{} {:.2} s (CPU {:.2} s)", t.stage, t.wall_s, t.cpu_s))
        .collect();
    format!("timings: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_stage_shows_its_cpu() {
        let mut times = Vec::new();
        let sum = timed(&mut times, "spin", || {
            let start = Instant::now();
            let mut x = 0u64;
            while start.elapsed().as_secs_f64() < 0.05 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            x
        });
        std::hint::black_box(sum);
        assert_eq!(times[0].stage, "spin");
        assert!(times[0].wall_s >= 0.05);
        assert!(times[0].cpu_s > 0.02, "{:?}", times[0]);
        assert!(summary(&times).starts_with("timings: spin 0.0"));
    }
}
