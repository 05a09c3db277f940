//! Caption text: line wrapping (Latin and CJK), splitting long lines into timed pieces, and the
//! `.srt` / `.vtt` files written beside every video.

use super::timeline::{Caption, Word};
use std::fmt::Write;

/// Columns on one caption line (CJK characters count two), the usual broadcast limit.
pub const MAX_COLUMNS: usize = 42;
/// Lines on screen at once.
pub const MAX_LINES: usize = 2;

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF |
        0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

fn columns(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Breakable pieces: words, and each wide character on its own (CJK has no spaces). The flag
/// says whether a space goes before the piece.
fn tokens(text: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for word in text.split_whitespace() {
        let mut spaced = true;
        let mut run = String::new();
        for c in word.chars() {
            if is_wide(c) {
                if !run.is_empty() {
                    out.push((std::mem::take(&mut run), spaced));
                    spaced = false;
                }
                out.push((c.to_string(), spaced));
                spaced = false;
            } else {
                run.push(c);
            }
        }
        if !run.is_empty() {
            out.push((run, spaced));
        }
    }
    out
}

/// Greedy wrap to lines of at most `max` columns (a single longer word gets a line of its own).
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for (token, spaced) in tokens(text) {
        let extra = columns(&token) + usize::from(spaced && !line.is_empty());
        if !line.is_empty() && columns(&line) + extra > max {
            lines.push(std::mem::take(&mut line));
        } else if spaced && !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&token);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// One spoken line's caption(s) between `start` and `end`: wrapped, and cut into several
/// captions when it needs more than [`MAX_LINES`] lines. `heard` gives each word's time from the
/// start of the line's audio when the voice knows it; then every caption starts as its first
/// word is heard. Otherwise each caption gets its share of the time by the length of its text,
/// and words within it by theirs.
pub fn for_line(text: &str, start: f64, end: f64, heard: &[Word]) -> Vec<Caption> {
    let written: Vec<&str> = text.split_whitespace().collect();
    if !heard.is_empty()
        && written.len() == heard.len()
        && written.concat().chars().all(|c| !is_wide(c))
    {
        // Each phrase between pauses is wrapped and cut on its own, so no caption runs across
        // a pause: the screen changes when the voice does.
        let chunks: Vec<String> = phrases(heard)
            .into_iter()
            .flat_map(|phrase| {
                let lines = wrap(&written[phrase].join(" "), MAX_COLUMNS);
                lines
                    .chunks(MAX_LINES)
                    .map(|chunk| chunk.join("\n"))
                    .collect::<Vec<_>>()
            })
            .collect();
        return timed_by_voice(&chunks, start, end, heard);
    }
    let lines = wrap(text, MAX_COLUMNS);
    let total: usize = lines.iter().map(|l| columns(l).max(1)).sum();
    let mut captions = Vec::new();
    let mut at = start;
    for chunk in lines.chunks(MAX_LINES) {
        let text = chunk.join("\n");
        let share: usize = chunk.iter().map(|l| columns(l).max(1)).sum();
        let length = (end - start) * share as f64 / total.max(1) as f64;
        let words = word_times(&text, at, at + length);
        captions.push(Caption {
            start: at,
            end: at + length,
            text,
            words,
        });
        at += length;
    }
    captions
}

/// A pause at least this long (seconds) between two heard words ends a caption.
pub const PAUSE: f64 = 0.45;

/// Index ranges of `heard` between pauses of at least [`PAUSE`].
fn phrases(heard: &[Word]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut first = 0;
    for i in 1..heard.len() {
        if heard[i].start - heard[i - 1].end >= PAUSE {
            out.push(first..i);
            first = i;
        }
    }
    out.push(first..heard.len());
    out
}

/// Captions whose words carry the voice's times; each caption runs until the next one starts.
/// `chunks` hold the written words of `heard` in order.
fn timed_by_voice(chunks: &[String], start: f64, end: f64, heard: &[Word]) -> Vec<Caption> {
    let mut first = 0;
    let mut captions: Vec<Caption> = Vec::new();
    for text in chunks {
        let count = text.split_whitespace().count();
        let words: Vec<Word> = text
            .split_whitespace()
            .zip(heard.get(first..first + count).unwrap_or_default())
            .map(|(shown, timed)| Word {
                start: (start + timed.start).min(end),
                end: (start + timed.end).min(end),
                text: shown.to_string(),
            })
            .collect();
        first += count;
        let begins = if captions.is_empty() {
            start
        } else {
            words.first().map_or(start, |w| w.start)
        };
        if let Some(previous) = captions.last_mut() {
            previous.end = begins;
        }
        captions.push(Caption {
            start: begins,
            end,
            text: text.clone(),
            words,
        });
    }
    captions
}

fn word_times(text: &str, start: f64, end: f64) -> Vec<Word> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let total: usize = words.iter().map(|w| columns(w) + 1).sum();
    let mut at = start;
    words
        .iter()
        .map(|w| {
            let length = (end - start) * (columns(w) + 1) as f64 / total.max(1) as f64;
            let word = Word {
                start: at,
                end: at + length,
                text: (*w).to_string(),
            };
            at += length;
            word
        })
        .collect()
}

fn timestamp(seconds: f64, separator: char) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{ms:03}")
}

pub fn to_srt(captions: &[Caption]) -> String {
    let mut out = String::new();
    for (i, c) in captions.iter().enumerate() {
        let _ = write!(
            out,
            "{}\n{} --> {}\n{}\n\n",
            i + 1,
            timestamp(c.start, ','),
            timestamp(c.end, ','),
            c.text
        );
    }
    out
}

pub fn to_vtt(captions: &[Caption]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for c in captions {
        // "-->" may not appear in a cue's text.
        let text = c.text.replace("-->", "->");
        let _ = write!(
            out,
            "{} --> {}\n{}\n\n",
            timestamp(c.start, '.'),
            timestamp(c.end, '.'),
            text
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_on_words_within_the_limit() {
        let lines = wrap("the quick brown fox jumps over the lazy dog", 15);
        assert_eq!(
            lines,
            vec!["the quick brown", "fox jumps over", "the lazy dog"]
        );
    }

    #[test]
    fn wraps_cjk_between_characters() {
        let lines = wrap("朝の光が静かな丘に降り注ぐ", 10);
        assert_eq!(lines, vec!["朝の光が静", "かな丘に降", "り注ぐ"]);
        assert_eq!(wrap("Hello 世界 again", 9), vec!["Hello 世", "界 again"]);
    }

    #[test]
    fn long_lines_become_consecutive_captions() {
        let text = "word ".repeat(40);
        let caps = for_line(&text, 1.0, 9.0, &[]);
        assert!(caps.len() > 1);
        assert_eq!(caps[0].start, 1.0);
        assert!((caps.last().unwrap().end - 9.0).abs() < 1e-9);
        assert!(caps.iter().all(|c| c.text.lines().count() <= MAX_LINES));
        assert!(caps
            .windows(2)
            .all(|w| (w[0].end - w[1].start).abs() < 1e-9));
    }

    #[test]
    fn captions_follow_the_voice_when_it_times_the_words() {
        let text = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen";
        let heard: Vec<Word> = text
            .split_whitespace()
            .enumerate()
            .map(|(i, w)| Word {
                // Slow at first: word i starts at i² / 40 s.
                start: (i * i) as f64 / 40.0,
                end: (i * i) as f64 / 40.0 + 0.1,
                text: w.to_string(),
            })
            .collect();
        let caps = for_line(text, 2.0, 10.0, &heard);
        assert!(caps.len() > 1);
        assert_eq!(caps[0].start, 2.0);
        assert_eq!(caps.last().unwrap().end, 10.0);
        let n = caps[0].words.len();
        // The second caption appears as its first word is heard, not at a share of the length.
        assert!((caps[1].start - (2.0 + (n * n) as f64 / 40.0)).abs() < 1e-9);
        assert_eq!(caps[0].end, caps[1].start);
        assert_eq!(caps[1].words[0].start, caps[1].start);
        // A count that does not match (punctuation spoken as no word) falls back to lengths.
        let fallback = for_line(text, 2.0, 10.0, &heard[1..]);
        assert_ne!(fallback[1].start, caps[1].start);
    }

    #[test]
    fn a_long_pause_ends_a_caption_even_with_room_left() {
        let text = "Wait for it. Now!";
        let heard: Vec<Word> = [
            ("Wait", 0.0, 0.2),
            ("for", 0.2, 0.4),
            ("it.", 0.4, 0.6),
            ("Now!", 1.5, 1.8),
        ]
        .iter()
        .map(|&(text, start, end)| Word {
            start,
            end,
            text: text.into(),
        })
        .collect();
        let caps = for_line(text, 10.0, 12.0, &heard);
        let texts: Vec<&str> = caps.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["Wait for it.", "Now!"]);
        assert_eq!(caps[1].start, 11.5);
        // A short pause does not.
        let mut close = heard.clone();
        close[3].start = 0.8;
        assert_eq!(for_line(text, 10.0, 12.0, &close).len(), 1);
    }

    #[test]
    fn srt_and_vtt_formats() {
        let caps = vec![Caption {
            start: 61.5,
            end: 3723.25,
            text: "a\nb".into(),
            words: vec![],
        }];
        assert_eq!(to_srt(&caps), "1\n00:01:01,500 --> 01:02:03,250\na\nb\n\n");
        assert_eq!(
            to_vtt(&caps),
            "WEBVTT\n\n00:01:01.500 --> 01:02:03.250\na\nb\n\n"
        );
    }
}
