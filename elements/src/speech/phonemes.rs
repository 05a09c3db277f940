//! Text → Piper phoneme ids: espeak-ng (the `espeak-ng` program) turns each clause into IPA, the
//! clause's punctuation is kept after it, the string is NFD-normalised as Piper's training data
//! was, and each character maps through the voice's `phoneme_id_map`, framed as Piper expects:
//! `^ _ p1 _ p2 _ … pn _ $` (BOS, a pad after every phoneme, EOS).

use super::SpeechError;
use std::collections::HashMap;
use std::process::Command;
use unicode_normalization::UnicodeNormalization;

/// Characters that end a clause; espeak-ng drops them, Piper's voices were trained with them.
const CLAUSE_ENDS: &[char] = &['.', ',', ';', ':', '!', '?'];

/// `text` split after each clause end: ("Hello there", ','), ("world", '!').
pub fn clauses(text: &str) -> Vec<(String, Option<char>)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if CLAUSE_ENDS.contains(&c) {
            if !current.trim().is_empty() {
                out.push((current.trim().to_string(), Some(c)));
            }
            current.clear();
        } else {
            current.push(c);
        }
    }
    if !current.trim().is_empty() {
        out.push((current.trim().to_string(), None));
    }
    out
}

pub fn is_clause_end(c: char) -> bool {
    CLAUSE_ENDS.contains(&c)
}

/// A clause of the text: its written words and its IPA (punctuation kept, NFD).
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseIpa {
    pub words: Vec<String>,
    pub ipa: String,
}

/// IPA for `text` in espeak-ng voice `voice` (e.g. `en-us`), clause punctuation kept.
pub fn ipa(text: &str, voice: &str) -> Result<String, SpeechError> {
    Ok(join(&ipa_clauses(text, voice)?))
}

/// The clauses' IPA as one string, as the voice reads it.
pub fn join(clauses: &[ClauseIpa]) -> String {
    clauses
        .iter()
        .map(|c| c.ipa.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`ipa`] clause by clause, each with the written words it came from.
pub fn ipa_clauses(text: &str, voice: &str) -> Result<Vec<ClauseIpa>, SpeechError> {
    let mut phonemes = Vec::new();
    for (clause, end) in clauses(text) {
        let output = Command::new("espeak-ng")
            .args(["-q", "--ipa", "-v", voice, "--"])
            .arg(&clause)
            .output()
            .map_err(|e| SpeechError::Phonemizer(format!("cannot run espeak-ng: {e}")))?;
        if !output.status.success() {
            return Err(SpeechError::Phonemizer(format!(
                "espeak-ng failed on {clause:?}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let mut text = String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(end) = end {
            text.push(end);
        }
        phonemes.push(ClauseIpa {
            words: clause.split_whitespace().map(str::to_string).collect(),
            ipa: text.nfd().collect(),
        });
    }
    Ok(phonemes)
}

/// The voice's ids for `ipa`; characters the voice does not know are skipped (as Piper does).
pub fn ids(ipa: &str, map: &HashMap<char, i64>) -> Result<Vec<i64>, SpeechError> {
    let id = |c: char| {
        map.get(&c)
            .copied()
            .ok_or_else(|| SpeechError::Voice(format!("the voice's phoneme map has no '{c}'")))
    };
    let (bos, pad, eos) = (id('^')?, id('_')?, id('$')?);
    let mut out = vec![bos, pad];
    for c in ipa.chars() {
        if let Some(&phoneme) = map.get(&c) {
            out.push(phoneme);
            out.push(pad);
        }
    }
    out.push(eos);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_keep_their_punctuation() {
        assert_eq!(
            clauses("Hello there, world! How are you"),
            vec![
                ("Hello there".to_string(), Some(',')),
                ("world".to_string(), Some('!')),
                ("How are you".to_string(), None)
            ]
        );
        assert!(clauses(" ... ").is_empty());
    }

    #[test]
    fn ids_are_framed_and_padded() {
        let map: HashMap<char, i64> = [('_', 0), ('^', 1), ('$', 2), ('a', 14), ('b', 15)]
            .into_iter()
            .collect();
        assert_eq!(ids("ab?", &map).unwrap(), vec![1, 0, 14, 0, 15, 0, 2]);
        let no_pad: HashMap<char, i64> = [('a', 1)].into_iter().collect();
        assert!(ids("a", &no_pad).is_err());
    }
}
