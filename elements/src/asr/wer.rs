//! Word error rate: how far a transcript is from what was said, the usual yardstick for speech
//! recognition (and for how intelligible a synthetic voice is).

/// Word-level edit distance from `said` to `heard`, over the number of words said; case and
/// punctuation (except apostrophes) are ignored.
pub fn word_error_rate(said: &str, heard: &str) -> f64 {
    let words = |text: &str| -> Vec<String> {
        text.to_lowercase()
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (said, heard) = (words(said), words(heard));
    let mut row: Vec<usize> = (0..=heard.len()).collect();
    for (i, a) in said.iter().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, b) in heard.iter().enumerate() {
            let substitution = previous + usize::from(a != b);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[heard.len()] as f64 / said.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::word_error_rate;

    #[test]
    fn counts_edits_per_word_said() {
        assert_eq!(word_error_rate("the cat sat", "The cat, sat."), 0.0);
        assert!((word_error_rate("the cat sat", "the bat sat down") - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(word_error_rate("a b", ""), 1.0);
        assert_eq!(word_error_rate("don't stop", "dont stop"), 0.5);
    }
}
