//! Word timings from a voice's phoneme durations: each IPA word's span comes from the frames
//! its phonemes last, and the script's words are laid onto those spans clause by clause.
//!
//! espeak-ng sometimes speaks two written words as one ("in the" → `ɪnðə`), so the written and
//! phonetic words of a clause do not always pair up. When they do, each written word takes its
//! phonetic word's span exactly; when they do not, the clause's written words share its voiced
//! time (the spans, not the pauses between them) in proportion to their letters.

/// A word of the text and when it is heard, in seconds from the start of the audio.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedWord {
    pub text: String,
    pub start: f64,
    pub end: f64,
}

/// One clause: its written words and the heard spans of its phonetic words, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub words: Vec<String>,
    pub spans: Vec<(f64, f64)>,
}

/// The written words of every clause with their times.
pub fn align(clauses: &[Clause]) -> Vec<TimedWord> {
    let mut out = Vec::new();
    for clause in clauses {
        if clause.words.is_empty() || clause.spans.is_empty() {
            continue;
        }
        if clause.words.len() == clause.spans.len() {
            out.extend(
                clause
                    .words
                    .iter()
                    .zip(&clause.spans)
                    .map(|(text, &(start, end))| TimedWord {
                        text: text.clone(),
                        start,
                        end,
                    }),
            );
        } else {
            out.extend(share_voiced_time(&clause.words, &clause.spans));
        }
    }
    out
}

/// Letters that take time to say: a word's weight when sharing a span.
fn weight(word: &str) -> f64 {
    word.chars().filter(|c| c.is_alphanumeric()).count().max(1) as f64
}

/// Lays `words` end to end along the voiced time of `spans`, each taking its share by weight.
fn share_voiced_time(words: &[String], spans: &[(f64, f64)]) -> Vec<TimedWord> {
    let voiced: f64 = spans.iter().map(|(s, e)| e - s).sum();
    let total: f64 = words.iter().map(|w| weight(w)).sum();
    // Position `t` seconds into the voiced time, as a time in the audio. At a boundary between
    // spans a word's start takes the later span (words never start in a pause) and its end
    // the earlier one.
    let at = |mut t: f64, starting: bool| {
        for &(start, end) in spans {
            let length = end - start;
            if t < length || (!starting && t <= length) {
                return start + t;
            }
            t -= length;
        }
        spans.last().map_or(0.0, |s| s.1)
    };
    let mut done = 0.0;
    words
        .iter()
        .map(|text| {
            let length = voiced * weight(text) / total;
            let word = TimedWord {
                text: text.clone(),
                start: at(done, true),
                end: at(done + length, false),
            };
            done += length;
            word
        })
        .collect()
}

/// Every character of `ipa` the voice knows, with when it is heard: the k-th known character
/// is id `2 + 2k` (after BOS and a pad) and lasts until the next one, its pad included.
pub fn ipa_char_spans(
    ipa: &str,
    known: impl Fn(char) -> bool,
    samples_per_id: &[f64],
    rate: f64,
) -> Vec<(char, f64, f64)> {
    let mut starts = Vec::with_capacity(samples_per_id.len() + 1);
    let mut at = 0.0;
    for &n in samples_per_id {
        starts.push(at);
        at += n;
    }
    let time = |id: usize| starts.get(id).copied().unwrap_or(at) / rate;
    ipa.chars()
        .filter(|&c| known(c))
        .enumerate()
        .map(|(k, c)| (c, time(2 + 2 * k), time(4 + 2 * k)))
        .collect()
}

/// Spans of the phonetic words of `ipa`, from the voice's per-id durations (samples).
///
/// `ipa` maps to ids as `^ _ (p _)* $`, skipping characters the voice lacks (`known` says which
/// it has), so the k-th known character is id `2 + 2k` and its pad `3 + 2k`. A word is a run of
/// characters that are neither spaces nor clause punctuation; it lasts from its first phoneme to
/// the end of its last phoneme's pad.
pub fn ipa_word_spans(
    ipa: &str,
    known: impl Fn(char) -> bool,
    samples_per_id: &[f64],
    rate: f64,
) -> Vec<(f64, f64)> {
    let mut ends = Vec::with_capacity(samples_per_id.len() + 1);
    let mut at = 0.0;
    ends.push(at);
    for &n in samples_per_id {
        at += n;
        ends.push(at);
    }
    // ends[i] is where id i starts.
    let time = |id: usize| ends.get(id).copied().unwrap_or(at) / rate;
    let mut spans = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    let mut k = 0usize;
    for c in ipa.chars() {
        if !known(c) {
            continue;
        }
        let id = 2 + 2 * k;
        k += 1;
        let in_word = !(c.is_whitespace() || super::phonemes::is_clause_end(c));
        match (in_word, current) {
            (true, None) => current = Some((id, id + 2)),
            (true, Some((first, _))) => current = Some((first, id + 2)),
            (false, Some((first, past))) => {
                spans.push((time(first), time(past)));
                current = None;
            }
            (false, None) => {}
        }
    }
    if let Some((first, past)) = current {
        spans.push((time(first), time(past)));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn paired_words_take_their_spans() {
        let timed = align(&[Clause {
            words: words("Ada wrote"),
            spans: vec![(0.1, 0.4), (0.5, 0.9)],
        }]);
        assert_eq!(timed.len(), 2);
        assert_eq!(
            (timed[1].text.as_str(), timed[1].start, timed[1].end),
            ("wrote", 0.5, 0.9)
        );
    }

    #[test]
    fn merged_words_share_the_voiced_time_and_skip_pauses() {
        // "in the morning" spoken as two phonetic words with a pause between them.
        let timed = align(&[Clause {
            words: words("in the morning"),
            spans: vec![(0.0, 0.5), (1.0, 2.0)],
        }]);
        assert_eq!(timed.len(), 3);
        // 1.5 s voiced over 2 + 3 + 7 letters: "in" 0.25 s, "the" 0.375 s, "morning" 0.875 s.
        assert!((timed[0].end - 0.25).abs() < 1e-9);
        assert!((timed[1].start - 0.25).abs() < 1e-9);
        assert!((timed[1].end - 1.125).abs() < 1e-9, "{:?}", timed[1]);
        assert!((timed[2].end - 2.0).abs() < 1e-9);
        assert!(timed.windows(2).all(|w| w[0].end <= w[1].start + 1e-9));
    }

    #[test]
    fn spans_follow_the_phoneme_ids() {
        // ids: ^ _ a _ b _ ' ' _ c _ , _ $  → durations in samples per id.
        let durations = [
            1.0, 1.0, 2.0, 1.0, 2.0, 1.0, 3.0, 1.0, 4.0, 1.0, 5.0, 1.0, 1.0,
        ];
        let spans = ipa_word_spans("ab c,", |_| true, &durations, 1.0);
        // "ab" = ids 2..6 → samples 2..8; "c" = ids 8..10 → samples 12..17.
        assert_eq!(spans, vec![(2.0, 8.0), (12.0, 17.0)]);
    }

    #[test]
    fn every_known_character_is_timed_with_its_pad() {
        let durations = [
            1.0, 1.0, 2.0, 1.0, 2.0, 1.0, 3.0, 1.0, 4.0, 1.0, 5.0, 1.0, 1.0,
        ];
        // 'x' is not in the voice's map: no id, no time.
        let chars = ipa_char_spans("axb c,", |c| c != 'x', &durations, 1.0);
        let starts: Vec<(char, f64, f64)> = vec![
            ('a', 2.0, 5.0),
            ('b', 5.0, 8.0),
            (' ', 8.0, 12.0),
            ('c', 12.0, 17.0),
            (',', 17.0, 23.0),
        ];
        assert_eq!(chars, starts);
    }
}
