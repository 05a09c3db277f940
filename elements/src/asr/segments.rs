//! Cutting a window's tokens into timed segments (openai-whisper's transcribe.py, as
//! `reference_decode.py`'s `split_segments`), and estimating word times inside a segment.

use super::mel::{HOP, SAMPLE_RATE};
use super::rules::TIME_PRECISION;
use super::tokens::special::TIMESTAMP_BEGIN;

/// Mel frames per timestamp step (the encoder halves the frame rate).
const INPUT_STRIDE: usize = 2;

/// A stretch of speech with Whisper's own start and end times, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    pub text: String,
    pub words: Vec<Word>,
}

/// A word with estimated times, in seconds (see [`spread_words`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// A window's segment before its text is decoded: times and token ids.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSegment {
    pub start: f64,
    pub end: f64,
    pub tokens: Vec<i64>,
}

fn is_ts(token: i64) -> bool {
    token >= TIMESTAMP_BEGIN
}

/// Seconds of a timestamp token (0 for a text token, which the rules never put here).
fn ts_seconds(token: i64) -> f64 {
    (token - TIMESTAMP_BEGIN).max(0) as f64 * TIME_PRECISION
}

/// Splits one window's tokens (without the end token) into segments, and says how many mel
/// frames the window loop moves on. Consecutive timestamps close a segment; a single
/// timestamp at the end means the rest of the window holds no more speech. `time_offset` is
/// the window's start in seconds, `segment_frames` the frames of audio in it.
pub fn split(tokens: &[i64], time_offset: f64, segment_frames: usize) -> (Vec<RawSegment>, usize) {
    let n = tokens.len();
    let single_ending = n >= 2 && !is_ts(tokens[n - 2]) && is_ts(tokens[n - 1]);
    let mut cuts: Vec<usize> = (0..n.saturating_sub(1))
        .filter(|&i| is_ts(tokens[i]) && is_ts(tokens[i + 1]))
        .map(|i| i + 1)
        .collect();
    let mut segments = Vec::new();
    if cuts.is_empty() {
        let mut duration = (segment_frames * HOP) as f64 / SAMPLE_RATE as f64;
        if let Some(&last) = tokens.iter().rev().find(|t| is_ts(**t)) {
            if last != TIMESTAMP_BEGIN {
                duration = ts_seconds(last);
            }
        }
        segments.push(RawSegment {
            start: time_offset,
            end: time_offset + duration,
            tokens: tokens.to_vec(),
        });
        return (segments, segment_frames);
    }
    if single_ending {
        cuts.push(n);
    }
    let mut last = 0;
    for &cut in &cuts {
        let part = &tokens[last..cut];
        let (first, final_) = (part.first().copied(), part.last().copied());
        segments.push(RawSegment {
            start: time_offset + first.map_or(0.0, ts_seconds),
            end: time_offset + final_.map_or(0.0, ts_seconds),
            tokens: part.to_vec(),
        });
        last = cut;
    }
    let advance = if single_ending {
        segment_frames
    } else {
        // Start the next window at the last complete segment's end.
        (tokens[last - 1] - TIMESTAMP_BEGIN).max(0) as usize * INPUT_STRIDE
    };
    (segments, advance)
}

/// Words of `text` (split at whitespace) with `start..end` shared out in proportion to their
/// lengths in characters. Whisper times segments, not words, so these times are an estimate:
/// good enough to page captions, not to cut on a syllable.
pub fn spread_words(text: &str, start: f64, end: f64) -> Vec<Word> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let total: usize = words.iter().map(|w| w.chars().count()).sum();
    let span = (end - start).max(0.0);
    let mut done = 0;
    let mut words: Vec<Word> = words
        .into_iter()
        .map(|w| {
            let at = |chars: usize| start + span * chars as f64 / total.max(1) as f64;
            let word_start = at(done);
            done += w.chars().count();
            Word {
                start: word_start,
                end: at(done),
                text: w.to_string(),
            }
        })
        .collect();
    // Exactly the segment's end, whatever the rounding.
    if let Some(last) = words.last_mut() {
        last.end = start + span;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS: i64 = TIMESTAMP_BEGIN;

    #[test]
    fn pairs_cut_segments_and_an_open_end_moves_to_the_last_pair() {
        // <0.00> a b <5.00><5.00> c <10.00><10.00> d  (the last segment never closed)
        let tokens = [TS, 1, 2, TS + 250, TS + 250, 3, TS + 500, TS + 500, 4];
        let (segments, advance) = split(&tokens, 30.0, 3000);
        assert_eq!(segments.len(), 2);
        assert!((segments[0].start - 30.0).abs() < 1e-9);
        assert!((segments[0].end - 35.0).abs() < 1e-9);
        assert_eq!(segments[1].tokens, vec![TS + 250, 3, TS + 500]);
        assert_eq!(advance, 1000);
    }

    #[test]
    fn a_single_final_timestamp_consumes_the_window() {
        let tokens = [TS, 1, TS + 100, TS + 100, 2, TS + 260];
        let (segments, advance) = split(&tokens, 0.0, 2500);
        assert_eq!(segments.len(), 2);
        assert!((segments[1].end - 5.2).abs() < 1e-9);
        assert_eq!(advance, 2500);
    }

    #[test]
    fn without_pairs_one_segment_spans_to_the_last_timestamp() {
        let (segments, advance) = split(&[TS, 1, 2, TS + 260], 0.0, 545);
        assert_eq!(segments.len(), 1);
        assert!((segments[0].end - 5.2).abs() < 1e-9);
        assert_eq!(advance, 545);
        let (segments, _) = split(&[], 0.0, 545);
        assert!((segments[0].end - 5.45).abs() < 1e-9);
    }

    #[test]
    fn words_share_the_segment_by_length() {
        let words = spread_words(" The quick  fox.", 1.0, 2.2);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, vec!["The", "quick", "fox."]);
        assert_eq!(words[0].start, 1.0);
        assert!((words[0].end - 1.3).abs() < 1e-9);
        assert!((words[1].end - 1.8).abs() < 1e-9);
        assert_eq!(words[2].end, 2.2);
        assert!(spread_words("  ", 0.0, 1.0).is_empty());
    }
}
