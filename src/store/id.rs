//! Record ids: ULIDs, 48 bits of milliseconds then 80 random bits, so byte order (the sled
//! key) and text order are both creation order, and the text is a valid D-Bus path element.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Id(ulid::Ulid);

impl Id {
    pub fn new() -> Id {
        Id(ulid::Ulid::new())
    }

    /// The 16-byte big-endian key: sorts by creation time.
    pub fn key(&self) -> [u8; 16] {
        self.0.to_bytes()
    }

    pub fn from_key(bytes: &[u8]) -> Option<Id> {
        let bytes: [u8; 16] = bytes.get(..16)?.try_into().ok()?;
        Some(Id(ulid::Ulid::from_bytes(bytes)))
    }

    /// Creation time, milliseconds since the Unix epoch.
    pub fn millis(&self) -> u64 {
        self.0.timestamp_ms()
    }
}

impl Default for Id {
    fn default() -> Id {
        Id::new()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a reel id (26 letters and digits, like 01JD3ZQ5M8X2V7K4T9B6N1C0PA)")]
pub struct BadId(String);

impl FromStr for Id {
    type Err = BadId;

    fn from_str(text: &str) -> Result<Id, BadId> {
        ulid::Ulid::from_string(text)
            .map(Id)
            .map_err(|_| BadId(text.to_string()))
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.to_string()
    }
}

impl TryFrom<String> for Id {
    type Error = BadId;

    fn try_from(text: String) -> Result<Id, BadId> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_creation_and_round_trip() {
        let first = Id::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = Id::new();
        assert!(first.key() < second.key());
        assert!(first.to_string() < second.to_string());
        assert_eq!(Id::from_key(&first.key()), Some(first));
        assert_eq!(first.to_string().parse::<Id>(), Ok(first));
        assert!("job-1".parse::<Id>().is_err());
    }
}
