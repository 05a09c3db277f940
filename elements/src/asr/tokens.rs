//! Token ids to text, and which ids the decoder must never produce.
//!
//! Text is decoded without the `tokenizers` crate: Whisper's tokenizer is GPT-2's byte-level
//! BPE, whose decoding is only "concatenate the token strings, map each character back to the
//! byte it stands for, read the bytes as UTF-8". That needs the vocabulary from
//! `tokenizer.json` and nothing else, and saves a large dependency tree.

use super::AsrError;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::Path;

/// Special ids of the English-only Whisper models (`*.en`), whose vocabulary has 51864 tokens.
pub mod special {
    pub const EOT: i64 = 50256;
    pub const SOT: i64 = 50257;
    pub const TRANSLATE: i64 = 50357;
    pub const TRANSCRIBE: i64 = 50358;
    pub const SOT_LM: i64 = 50359;
    pub const SOT_PREV: i64 = 50360;
    pub const NO_SPEECH: i64 = 50361;
    pub const NO_TIMESTAMPS: i64 = 50362;
    /// `<|0.00|>`; each later id is 0.02 s more, up to 51863 (`<|30.00|>`).
    pub const TIMESTAMP_BEGIN: i64 = 50363;
    pub const VOCAB: usize = 51864;
}

/// Reads and parses a JSON file, naming it in any error.
pub(super) fn read_json(path: &Path) -> Result<Json, AsrError> {
    let text = std::fs::read_to_string(path).map_err(|e| AsrError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| AsrError::Format {
        path: path.to_path_buf(),
        reason: format!("invalid JSON: {e}"),
    })
}

fn format_error(path: &Path, reason: &str) -> AsrError {
    AsrError::Format {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// The ids config.json lists under `key`.
fn id_list(config: &Json, path: &Path, key: &str) -> Result<Vec<i64>, AsrError> {
    let list = config
        .get(key)
        .and_then(Json::as_array)
        .ok_or_else(|| format_error(path, &format!("no '{key}' list")))?;
    list.iter()
        .map(|v| {
            v.as_i64()
                .ok_or_else(|| format_error(path, &format!("'{key}' holds {v}, not a token id")))
        })
        .collect()
}

/// The ids suppressed at every step and at the first step, from `config.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppress {
    /// config.json's `suppress_ids` plus the task tokens (as openai-whisper adds them).
    pub always: Vec<i64>,
    /// `suppress_ids_begin` (a blank and end-of-text) at the first step.
    pub begin: Vec<i64>,
}

impl Suppress {
    pub fn load(path: &Path) -> Result<Suppress, AsrError> {
        let config = read_json(path)?;
        let mut always = id_list(&config, path, "suppress_ids")?;
        use special::*;
        always.extend([TRANSCRIBE, TRANSLATE, SOT, SOT_PREV, SOT_LM, NO_SPEECH]);
        always.sort_unstable();
        always.dedup();
        let begin = id_list(&config, path, "suppress_ids_begin")?;
        let outside = always
            .iter()
            .chain(&begin)
            .find(|id| !(0..VOCAB as i64).contains(*id));
        if let Some(id) = outside {
            return Err(format_error(
                path,
                &format!("token id {id} is outside the vocabulary"),
            ));
        }
        Ok(Suppress { always, begin })
    }
}

/// GPT-2's map from the printable characters byte-level BPE uses back to bytes.
fn byte_decoder() -> HashMap<char, u8> {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let mut map = HashMap::with_capacity(256);
    let mut shifted = 0u32;
    for b in 0..=255u8 {
        let c = if printable(b) {
            u32::from(b)
        } else {
            shifted += 1;
            255 + shifted
        };
        // Every code point here is below 0x200, so always a valid char.
        if let Some(c) = char::from_u32(c) {
            map.insert(c, b);
        }
    }
    map
}

/// Id-to-text decoding with the vocabulary of `tokenizer.json`.
#[derive(Debug, Clone)]
pub struct Tokenizer {
    /// Each id's bytes (already mapped back from byte-level characters).
    tokens: HashMap<i64, Vec<u8>>,
}

impl Tokenizer {
    pub fn load(path: &Path) -> Result<Tokenizer, AsrError> {
        let json = read_json(path)?;
        let vocab = json
            .pointer("/model/vocab")
            .and_then(Json::as_object)
            .ok_or_else(|| format_error(path, "no model.vocab object"))?;
        let bytes = byte_decoder();
        let to_bytes = |token: &str| -> Vec<u8> {
            // Added tokens are plain text; a vocabulary token's characters all map to bytes.
            if token.chars().all(|c| bytes.contains_key(&c)) {
                token
                    .chars()
                    .filter_map(|c| bytes.get(&c).copied())
                    .collect()
            } else {
                token.as_bytes().to_vec()
            }
        };
        let mut tokens = HashMap::with_capacity(vocab.len() + 16);
        for (token, id) in vocab {
            let id = id.as_i64().ok_or_else(|| {
                format_error(path, &format!("vocabulary id of '{token}' is {id}"))
            })?;
            tokens.insert(id, to_bytes(token));
        }
        let added = json.get("added_tokens").and_then(Json::as_array);
        for entry in added.into_iter().flatten() {
            if let (Some(id), Some(content)) = (
                entry.get("id").and_then(Json::as_i64),
                entry.get("content").and_then(Json::as_str),
            ) {
                tokens.insert(id, to_bytes(content));
            }
        }
        if tokens.len() < special::EOT as usize {
            return Err(format_error(
                path,
                &format!(
                    "its vocabulary has {} tokens, Whisper's more than {}",
                    tokens.len(),
                    special::EOT
                ),
            ));
        }
        Ok(Tokenizer { tokens })
    }

    /// The text of `ids` with special and timestamp tokens left out, trimmed. Unknown ids
    /// decode to nothing and broken UTF-8 to U+FFFD, as the reference does.
    pub fn text(&self, ids: &[i64]) -> String {
        let bytes: Vec<u8> = ids
            .iter()
            .filter(|id| **id < special::EOT)
            .filter_map(|id| self.tokens.get(id))
            .flatten()
            .copied()
            .collect();
        String::from_utf8_lossy(&bytes).trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_characters_map_back_to_every_byte() {
        let map = byte_decoder();
        assert_eq!(map.len(), 256);
        assert_eq!(map.get(&'Ġ'), Some(&b' '));
        assert_eq!(map.get(&'Ċ'), Some(&b'\n'));
        assert_eq!(map.get(&'a'), Some(&b'a'));
    }

    #[test]
    fn special_and_timestamp_ids_are_left_out() {
        let mut tokens = HashMap::new();
        tokens.insert(0, b"Hello".to_vec());
        tokens.insert(1, b" world".to_vec());
        tokens.insert(special::EOT, b"<|endoftext|>".to_vec());
        let tok = Tokenizer { tokens };
        let ids = [
            special::TIMESTAMP_BEGIN,
            0,
            1,
            special::TIMESTAMP_BEGIN + 50,
            special::EOT,
        ];
        assert_eq!(tok.text(&ids), "Hello world");
    }
}
