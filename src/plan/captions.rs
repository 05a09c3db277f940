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

/// A breakable piece of caption text: a word, or one wide character (CJK has no spaces).
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub text: String,
    /// Whether a space goes before it (when it does not start a line).
    pub spaced: bool,
    /// Which whitespace-separated word of the text it belongs to.
    pub word: usize,
}

/// The breakable pieces of `text`, in order.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for (index, word) in text.split_whitespace().enumerate() {
        let mut spaced = true;
        let mut run = String::new();
        let mut push = |text: String, spaced: &mut bool| {
            out.push(Piece {
                text,
                spaced: *spaced,
                word: index,
            });
            *spaced = false;
        };
        for c in word.chars() {
            if is_wide(c) {
                if !run.is_empty() {
                    push(std::mem::take(&mut run), &mut spaced);
                }
                push(c.to_string(), &mut spaced);
            } else {
                run.push(c);
            }
        }
        if !run.is_empty() {
            push(run, &mut spaced);
        }
    }
    out
}

/// Joins pieces into one line of text.
pub fn joined<'a>(pieces: impl IntoIterator<Item = &'a Piece>) -> String {
    let mut line = String::new();
    for piece in pieces {
        if piece.spaced && !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&piece.text);
    }
    line
}

/// Greedy wrap to lines of at most `max` columns (a single longer word gets a line of its own).
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    wrap_by(&pieces(text), |line| columns(line) <= max)
        .iter()
        .map(joined)
        .collect()
}

/// Greedy wrap of `pieces` into lines that `fits` (a piece that fits nowhere gets a line of
/// its own).
pub fn wrap_by(pieces: &[Piece], fits: impl Fn(&str) -> bool) -> Vec<Vec<Piece>> {
    let mut lines: Vec<Vec<Piece>> = Vec::new();
    let mut line: Vec<Piece> = Vec::new();
    for piece in pieces {
        line.push(piece.clone());
        if line.len() > 1 && !fits(&joined(&line)) {
            let last = line.pop().into_iter().collect();
            lines.push(std::mem::replace(&mut line, last));
        }
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

/// Characters a second a viewer can read comfortably (subtitling guides use 17 to 20).
pub const MAX_READING_RATE: f64 = 20.0;
/// The longest a caption stays up after its last word to be read.
pub const MAX_HOLD: f64 = 1.0;

/// Characters a viewer reads in a caption: its text without the line breaks.
fn reading_length(caption: &Caption) -> usize {
    caption.text.chars().filter(|&c| c != '\n').count()
}

/// Characters a second the caption asks of its reader.
pub fn reading_rate(caption: &Caption) -> f64 {
    reading_length(caption) as f64 / (caption.end - caption.start).max(1e-3)
}

/// Keeps a caption that reads too fast up a little longer, into the quiet after it: never
/// past the next caption's start and at most [`MAX_HOLD`] longer. Captions are in order.
pub fn pace(captions: &mut [Caption]) {
    for i in 0..captions.len() {
        let next = captions.get(i + 1).map_or(f64::INFINITY, |c| c.start);
        let caption = &mut captions[i];
        let wanted = caption.start + reading_length(caption) as f64 / MAX_READING_RATE;
        if wanted > caption.end {
            caption.end = wanted
                .min(next)
                .min(caption.end + MAX_HOLD)
                .max(caption.end);
        }
    }
}

/// A warning naming how many captions still read faster than [`MAX_READING_RATE`], and the
/// fastest of them.
pub fn too_fast(captions: &[Caption]) -> Option<String> {
    let fast: Vec<&Caption> = captions
        .iter()
        .filter(|c| reading_rate(c) > MAX_READING_RATE + 1e-9)
        .collect();
    let fastest = fast
        .iter()
        .max_by(|a, b| reading_rate(a).total_cmp(&reading_rate(b)))?;
    Some(format!(
        "{} caption{} read faster than {MAX_READING_RATE:.0} characters a second; the \
         fastest, at {}, reads at {:.1}",
        fast.len(),
        if fast.len() == 1 { "" } else { "s" },
        timestamp(fastest.start, '.'),
        reading_rate(fastest)
    ))
}

/// Words of `text` sharing `start`..`end` by their length.
pub fn word_times(text: &str, start: f64, end: f64) -> Vec<Word> {
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

    fn caption(start: f64, end: f64, text: &str) -> Caption {
        Caption {
            start,
            end,
            text: text.into(),
            words: vec![],
        }
    }

    #[test]
    fn a_fast_caption_stays_up_into_the_quiet_after_it_but_not_over_the_next() {
        // 40 characters in 1 s want 2 s; the next caption starts at 2.5 s.
        let text = "abcdefghij abcdefghij abcdefghij abcdefg";
        let mut caps = vec![caption(0.0, 1.0, text), caption(2.5, 3.0, text)];
        pace(&mut caps);
        assert!((caps[0].end - 2.0).abs() < 1e-9);
        // The last one may hold at most MAX_HOLD more.
        assert!((caps[1].end - 4.0).abs() < 1e-9);
        assert!((reading_rate(&caps[1]) - 40.0 / 1.5).abs() < 1e-9);
        let warning = too_fast(&caps).unwrap();
        assert!(
            warning.starts_with("1 caption read faster than 20"),
            "{warning}"
        );
        assert!(
            warning.contains("at 00:00:02.500, reads at 26.7"),
            "{warning}"
        );
        // Hemmed in by the next caption, it cannot wait.
        let mut tight = vec![caption(0.0, 1.0, text), caption(1.0, 3.0, "Hi.")];
        pace(&mut tight);
        assert_eq!(tight[0].end, 1.0);
        // A slow caption is left as it is, and nothing is said.
        let mut slow = vec![caption(0.0, 3.0, "Hello there.")];
        pace(&mut slow);
        assert_eq!(slow[0].end, 3.0);
        assert_eq!(too_fast(&slow), None);
    }
}
