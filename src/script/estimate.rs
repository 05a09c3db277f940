//! How long words take to say, before any audio exists: words per minute plus pauses for
//! punctuation. Renders replace these with the measured length of the speech.

/// espeak-ng's default speaking rate.
pub const WORDS_PER_MINUTE: f64 = 175.0;
/// Pause at a comma, semicolon, colon or dash.
const SHORT_PAUSE: f64 = 0.15;
/// Pause at the end of a sentence.
const LONG_PAUSE: f64 = 0.35;

/// Seconds to speak `text` at `words_per_minute`.
pub fn speech_seconds(text: &str, words_per_minute: f64) -> f64 {
    let words = text.split_whitespace().count() as f64;
    let short = text.matches([',', ';', ':', '—']).count() as f64;
    // Sentence ends inside the text; the last one is the end of the line, not a pause.
    let long = text
        .trim_end()
        .trim_end_matches(['.', '!', '?'])
        .matches(['.', '!', '?'])
        .count() as f64;
    words * 60.0 / words_per_minute.max(1.0) + short * SHORT_PAUSE + long * LONG_PAUSE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_punctuation_take_time() {
        let plain = speech_seconds("one two three four five six seven", 175.0);
        assert!((plain - 7.0 * 60.0 / 175.0).abs() < 1e-9);
        let paused = speech_seconds("One, two. Three four five six seven.", 175.0);
        assert!((paused - plain - 0.15 - 0.35).abs() < 1e-9);
        assert_eq!(speech_seconds("", 175.0), 0.0);
    }
}
