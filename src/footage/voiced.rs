//! Word times laid onto the speech the voice-activity model heard.
//!
//! Whisper times segments, not words, and its segment ends are loose: one often runs on
//! through the pause after it up to the next segment's start. Silero's speech regions are
//! tight. So each sentence is narrowed to the speech inside it, and its words share that
//! voiced time (pauses inside the sentence left out) in proportion to their letters. A
//! sentence with no speech inside it keeps Whisper's times.

use super::transcribe::{Heard, Sentence};

/// Lays every sentence's words onto the speech regions of `heard`.
pub fn align(heard: &mut Heard) {
    for sentence in &mut heard.sentences {
        let voiced = voiced_within(&heard.speech, sentence.start, sentence.end);
        if !voiced.is_empty() {
            spread(sentence, &voiced);
        }
    }
}

/// The parts of `speech` between `start` and `end`.
fn voiced_within(speech: &[(f64, f64)], start: f64, end: f64) -> Vec<(f64, f64)> {
    speech
        .iter()
        .map(|&(a, b)| (a.max(start), b.min(end)))
        .filter(|(a, b)| b - a > 1e-3)
        .collect()
}

/// The time `fraction` of the way through the voiced time. Where that falls on the end of one
/// region, a word that `starts` there starts at the next region instead.
fn voiced_time(voiced: &[(f64, f64)], fraction: f64, starts: bool) -> f64 {
    let total: f64 = voiced.iter().map(|(a, b)| b - a).sum();
    let mut left = fraction.clamp(0.0, 1.0) * total;
    for (i, &(a, b)) in voiced.iter().enumerate() {
        let within = if starts && i + 1 < voiced.len() {
            left < b - a - 1e-9
        } else {
            left <= b - a + 1e-9
        };
        if within {
            return a + left;
        }
        left -= b - a;
    }
    voiced.last().map_or(0.0, |v| v.1)
}

fn spread(sentence: &mut Sentence, voiced: &[(f64, f64)]) {
    let letters: Vec<usize> = sentence
        .words
        .iter()
        .map(|w| w.text.chars().count().max(1))
        .collect();
    let total = letters.iter().sum::<usize>().max(1) as f64;
    let mut before = 0;
    for (word, &count) in sentence.words.iter_mut().zip(&letters) {
        word.start = voiced_time(voiced, before as f64 / total, true);
        before += count;
        word.end = voiced_time(voiced, before as f64 / total, false);
    }
    sentence.start = voiced[0].0;
    sentence.end = voiced[voiced.len() - 1].1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footage::transcribe::TimedWord;

    fn sentence(start: f64, end: f64, text: &str) -> Sentence {
        Sentence {
            start,
            end,
            text: text.into(),
            words: text
                .split_whitespace()
                .map(|w| TimedWord {
                    start,
                    end,
                    text: w.into(),
                })
                .collect(),
        }
    }

    #[test]
    fn words_move_onto_the_speech_and_off_the_pause_a_segment_ran_on_into() {
        // Whisper says 0.6–4.3; the voice is heard 0.6–1.6 and 2.0–3.0.
        let mut heard = Heard {
            speech: vec![(0.6, 1.6), (2.0, 3.0), (4.3, 5.0)],
            sentences: vec![
                sentence(0.6, 4.3, "aaaa bbbb cccc dddd"),
                sentence(6.0, 7.0, "lost"),
            ],
        };
        align(&mut heard);
        let s = &heard.sentences[0];
        assert_eq!((s.start, s.end), (0.6, 3.0));
        let times: Vec<(f64, f64)> = s.words.iter().map(|w| (w.start, w.end)).collect();
        let expected = [(0.6, 1.1), (1.1, 1.6), (2.0, 2.5), (2.5, 3.0)];
        for (got, want) in times.iter().zip(expected) {
            assert!(
                (got.0 - want.0).abs() < 1e-9 && (got.1 - want.1).abs() < 1e-9,
                "{times:?}"
            );
        }
        // No speech inside it: Whisper's times stand.
        assert_eq!(heard.sentences[1], sentence(6.0, 7.0, "lost"));
    }
}
