//! How well found beats match known ones, as `mir_eval.beat.f_measure` measures it: each
//! reference beat may be matched by one found beat within ±`window` seconds.

/// The F-measure (2PR / (P + R)) of `found` beats against `reference`, both in seconds.
/// Two empty lists agree perfectly; one empty list scores 0.
pub fn f_measure(reference: &[f64], found: &[f64], window: f64) -> f64 {
    if reference.is_empty() && found.is_empty() {
        return 1.0;
    }
    if reference.is_empty() || found.is_empty() {
        return 0.0;
    }
    // Both lists are sorted, so a greedy walk pairs each reference with its nearest unused
    // found beat; within a window under half the beat period it is the optimal matching.
    let (mut i, mut j, mut hits) = (0, 0, 0usize);
    while i < reference.len() && j < found.len() {
        let gap = found[j] - reference[i];
        if gap.abs() <= window {
            hits += 1;
            i += 1;
            j += 1;
        } else if gap < 0.0 {
            j += 1;
        } else {
            i += 1;
        }
    }
    let precision = hits as f64 / found.len() as f64;
    let recall = hits as f64 / reference.len() as f64;
    if hits == 0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

/// mir_eval's window: 70 ms.
pub const WINDOW: f64 = 0.07;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_count_once_within_the_window() {
        let reference = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(f_measure(&reference, &reference, WINDOW), 1.0);
        // Two found beats near one reference beat: one hit, one false alarm.
        let found = [1.01, 1.02, 2.05, 3.2];
        let (p, r) = (2.0 / 4.0, 2.0 / 4.0);
        assert!((f_measure(&reference, &found, WINDOW) - 2.0 * p * r / (p + r)).abs() < 1e-12);
        assert_eq!(f_measure(&reference, &[], WINDOW), 0.0);
        assert_eq!(f_measure(&[], &[], WINDOW), 1.0);
    }
}
