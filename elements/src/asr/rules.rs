//! Whisper's logit filters for one greedy step (openai-whisper's SuppressBlank, SuppressTokens
//! and ApplyTimestampRules, as `reference_decode.py`'s `apply_rules`): they are what makes the
//! model write timestamp pairs around text instead of free-running text.

use super::tokens::{special, Suppress};

/// The first timestamp may be at most this far into the window (openai-whisper's default).
const MAX_INITIAL_TIMESTAMP: f64 = 1.0;
/// Seconds per timestamp token.
pub const TIME_PRECISION: f64 = 0.02;

/// `log(sum(exp(x)))` of the finite values, or `None` when there are none.
fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> Option<f64> {
    let max = values
        .clone()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return None;
    }
    let sum: f64 = values
        .filter(|v| v.is_finite())
        .map(|v| (v - max).exp())
        .sum();
    Some(max + sum.ln())
}

fn mask(logits: &mut [f64], from: usize, to: usize) {
    let to = to.min(logits.len());
    if from < to {
        logits[from..to].fill(f64::NEG_INFINITY);
    }
}

/// The id greedy decoding picks after `sampled` (the tokens so far, without the prompt), given
/// the last position's `logits`. Ties go to the lowest id, as numpy's argmax.
pub fn next_token(logits: &[f32], sampled: &[i64], suppress: &Suppress) -> i64 {
    let ts_begin = special::TIMESTAMP_BEGIN as usize;
    let eot = special::EOT as usize;
    let mut logits: Vec<f64> = logits.iter().map(|v| f64::from(*v)).collect();
    let n = logits.len();
    let kill = |logits: &mut [f64], id: i64| {
        if let Some(v) = usize::try_from(id).ok().and_then(|i| logits.get_mut(i)) {
            *v = f64::NEG_INFINITY;
        }
    };
    if sampled.is_empty() {
        for id in &suppress.begin {
            kill(&mut logits, *id);
        }
    }
    for id in &suppress.always {
        kill(&mut logits, *id);
    }
    kill(&mut logits, special::NO_TIMESTAMPS);

    let is_ts = |t: &i64| *t >= special::TIMESTAMP_BEGIN;
    let last_ts = sampled.last().is_some_and(is_ts);
    let penultimate_ts = sampled.len() < 2 || is_ts(&sampled[sampled.len() - 2]);
    if last_ts {
        if penultimate_ts {
            // A pair just closed: text comes next.
            mask(&mut logits, ts_begin, n);
        } else {
            // A pair is open: another timestamp or the end.
            mask(&mut logits, 0, eot);
        }
    }
    if let Some(&last) = sampled.iter().rev().find(|t| is_ts(t)) {
        // Timestamps never decrease, and a segment is never empty.
        let floor = if last_ts && !penultimate_ts {
            last
        } else {
            last + 1
        };
        mask(&mut logits, ts_begin, floor as usize);
    }
    if sampled.is_empty() {
        // Start with a timestamp, no later than MAX_INITIAL_TIMESTAMP.
        mask(&mut logits, 0, ts_begin);
        let last_allowed = ts_begin + (MAX_INITIAL_TIMESTAMP / TIME_PRECISION).round() as usize;
        mask(&mut logits, last_allowed + 1, n);
    }

    // If the timestamps together are likelier than any single text token, emit one.
    if let Some(total) = log_sum_exp(logits.iter().copied()) {
        let stamps = logits.get(ts_begin..).unwrap_or(&[]);
        let texts = logits.get(..ts_begin).unwrap_or(&logits);
        if let Some(stamps) = log_sum_exp(stamps.iter().map(|v| v - total)) {
            let best_text = texts
                .iter()
                .map(|v| v - total)
                .fold(f64::NEG_INFINITY, f64::max);
            if stamps > best_text {
                mask(&mut logits, 0, ts_begin);
            }
        }
    }

    let mut best = 0;
    for (i, v) in logits.iter().enumerate() {
        if *v > logits[best] {
            best = i;
        }
    }
    best as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suppress() -> Suppress {
        Suppress {
            always: vec![special::SOT],
            begin: vec![220, special::EOT],
        }
    }

    fn flat() -> Vec<f32> {
        vec![0.0; special::VOCAB]
    }

    const TS: i64 = special::TIMESTAMP_BEGIN;

    #[test]
    fn the_first_token_is_an_early_timestamp() {
        let mut logits = flat();
        logits[100] = 50.0; // likeliest text, not allowed first
        logits[(TS + 51) as usize] = 40.0; // 1.02 s, too late
        logits[(TS + 7) as usize] = 10.0;
        assert_eq!(next_token(&logits, &[], &suppress()), TS + 7);
    }

    #[test]
    fn after_a_closed_pair_text_follows() {
        let mut logits = flat();
        logits[(TS + 90) as usize] = 50.0;
        logits[42] = 5.0;
        assert_eq!(
            next_token(&logits, &[TS, 10, TS + 80, TS + 80], &suppress()),
            42
        );
    }

    #[test]
    fn an_open_pair_closes_with_a_later_timestamp_or_the_end() {
        let mut logits = flat();
        logits[42] = 50.0;
        logits[(TS + 3) as usize] = 10.0; // before the last timestamp
        logits[(TS + 20) as usize] = 9.0;
        assert_eq!(next_token(&logits, &[TS + 5, 10], &suppress()), 42);
        assert_eq!(
            next_token(&logits, &[TS + 5, 10, TS + 10], &suppress()),
            TS + 20
        );
    }

    #[test]
    fn likely_timestamps_win_over_the_best_text_token() {
        // Each timestamp alone is less likely than token 42, together they are likelier.
        let mut logits = flat();
        for t in TS..special::VOCAB as i64 {
            logits[t as usize] = 1.0;
        }
        logits[42] = 5.0;
        logits[(TS + 30) as usize] = 2.0;
        assert_eq!(next_token(&logits, &[TS, 10], &suppress()), TS + 30);
    }
}
