//! Spoken IPA (espeak-ng's, as the voices speak it) as the phones mouth shapes are chosen for:
//! Rhubarb Lip Sync's set, the CMU/ARPAbet phones of English plus a schwa.
//!
//! The voice times every IPA character, so the characters of one phone (`eɪ`, `tʃ`, a vowel and
//! its length mark `ː`) are joined into one timed phone; stress marks give their time to the
//! phone after them; spaces and punctuation are pauses.

use serde::{Deserialize, Serialize};

/// One phone of speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Phone {
    // Vowels and diphthongs.
    AO,
    AA,
    IY,
    UW,
    EH,
    IH,
    UH,
    AH,
    Schwa,
    AE,
    EY,
    AY,
    OW,
    AW,
    OY,
    ER,
    // Consonants.
    P,
    B,
    T,
    D,
    K,
    G,
    CH,
    JH,
    F,
    V,
    TH,
    DH,
    S,
    Z,
    SH,
    ZH,
    HH,
    M,
    N,
    NG,
    L,
    R,
    Y,
    W,
}

impl Phone {
    pub fn is_vowel(self) -> bool {
        use Phone::*;
        matches!(
            self,
            AO | AA | IY | UW | EH | IH | UH | AH | Schwa | AE | EY | AY | OW | AW | OY | ER
        )
    }
}

/// A phone and when it is heard, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimedPhone {
    pub phone: Phone,
    pub start: f64,
    pub end: f64,
}

/// Two-character IPA phones, tried before single characters.
const DIGRAPHS: [(&str, Phone); 11] = [
    ("eɪ", Phone::EY),
    ("aɪ", Phone::AY),
    ("ɔɪ", Phone::OY),
    ("oʊ", Phone::OW),
    ("əʊ", Phone::OW),
    ("aʊ", Phone::AW),
    ("tʃ", Phone::CH),
    ("dʒ", Phone::JH),
    ("ɪə", Phone::IH),
    ("eə", Phone::EH),
    ("ʊə", Phone::UH),
];

/// The phone of one IPA character, if it is one.
fn single(c: char) -> Option<Phone> {
    use Phone::*;
    Some(match c {
        'i' => IY,
        'ɪ' | 'ᵻ' | 'y' | 'ʏ' => IH,
        'e' | 'ɛ' => EH,
        'æ' => AE,
        'a' | 'ɑ' | 'ɒ' => AA,
        'ɔ' | 'o' => AO,
        'ʌ' => AH,
        'ə' | 'ɐ' => Schwa,
        'ɚ' | 'ɜ' | 'ɝ' => ER,
        'ʊ' => UH,
        'u' | 'ɯ' => UW,
        'p' => P,
        'b' => B,
        't' | 'ʔ' => T,
        'd' | 'ɾ' => D,
        'k' | 'x' => K,
        'ɡ' | 'g' => G,
        'f' => F,
        'v' => V,
        'θ' => TH,
        'ð' => DH,
        's' => S,
        'z' => Z,
        'ʃ' => SH,
        'ʒ' => ZH,
        'h' => HH,
        'm' => M,
        'n' => N,
        'ŋ' => NG,
        'l' | 'ɫ' | 'ɬ' => L,
        'ɹ' | 'r' | 'ɻ' => R,
        'j' => Y,
        'w' => W,
        _ => return None,
    })
}

/// Marks that belong to the phone before them: length and syllabic or other diacritics.
fn lengthens(c: char) -> bool {
    matches!(c, 'ː' | 'ˑ') || ('\u{0300}'..='\u{036f}').contains(&c)
}

/// Stress marks: their time goes to the phone after them.
fn is_stress(c: char) -> bool {
    matches!(c, 'ˈ' | 'ˌ')
}

/// The phones of timed IPA characters (`(character, start, end)` in order).
pub fn from_ipa(chars: &[(char, f64, f64)]) -> Vec<TimedPhone> {
    let mut phones: Vec<TimedPhone> = Vec::new();
    // Time a stress mark held, for the phone after it.
    let mut held: Option<f64> = None;
    let mut i = 0;
    while i < chars.len() {
        let (c, start, end) = chars[i];
        if is_stress(c) {
            held.get_or_insert(start);
            i += 1;
            continue;
        }
        if lengthens(c) {
            if let Some(last) = phones.last_mut() {
                last.end = last.end.max(end);
            }
            i += 1;
            continue;
        }
        let pair = chars.get(i + 1).map(|&(next, _, next_end)| {
            let text: String = [c, next].iter().collect();
            (text, next_end)
        });
        let digraph = pair.and_then(|(text, next_end)| {
            DIGRAPHS
                .iter()
                .find(|(ipa, _)| *ipa == text)
                .map(|&(_, phone)| (phone, next_end))
        });
        let (phone, end, used) = match digraph {
            Some((phone, next_end)) => (Some(phone), next_end, 2),
            None => (single(c), end, 1),
        };
        match phone {
            Some(phone) => phones.push(TimedPhone {
                phone,
                start: held.take().unwrap_or(start),
                end,
            }),
            // A pause (space, punctuation) or a sound no shape is drawn for.
            None => held = None,
        }
        i += used;
    }
    phones
}

/// A written word's IPA and when the word is heard, for voices that time words but not phones.
pub struct WordSound<'a> {
    pub ipa: &'a str,
    pub start: f64,
    pub end: f64,
}

/// Phones laid over their words' times, for a voice that gives no phone times (espeak-ng, whose
/// words are laid over where speech is heard): each word's phones share its time, a vowel
/// taking twice a consonant's.
pub fn laid_over(words: &[WordSound]) -> Vec<TimedPhone> {
    let mut out = Vec::new();
    for word in words {
        let shape: Vec<(char, f64, f64)> = word.ipa.chars().map(|c| (c, 0.0, 0.0)).collect();
        let phones = from_ipa(&shape);
        let weight = |p: &TimedPhone| if p.phone.is_vowel() { 2.0 } else { 1.0 };
        let total: f64 = phones.iter().map(weight).sum();
        if total <= 0.0 || word.end <= word.start {
            continue;
        }
        let mut at = word.start;
        for p in &phones {
            let length = (word.end - word.start) * weight(p) / total;
            out.push(TimedPhone {
                phone: p.phone,
                start: at,
                end: at + length,
            });
            at += length;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ipa` with every character lasting 0.1 s.
    fn timed(ipa: &str) -> Vec<(char, f64, f64)> {
        ipa.chars()
            .enumerate()
            .map(|(k, c)| (c, k as f64 * 0.1, (k + 1) as f64 * 0.1))
            .collect()
    }

    fn phones(ipa: &str) -> Vec<Phone> {
        from_ipa(&timed(ipa)).iter().map(|p| p.phone).collect()
    }

    #[test]
    fn words_become_their_phones() {
        use Phone::*;
        // espeak-ng en-us: "hello world", "church", "judge", "thin", "then"
        assert_eq!(phones("həlˈoʊ wˈɜːld"), [HH, Schwa, L, OW, W, ER, L, D]);
        assert_eq!(phones("tʃˈɜːtʃ"), [CH, ER, CH]);
        assert_eq!(phones("dʒˈʌdʒ"), [JH, AH, JH]);
        assert_eq!(phones("θˈɪn ðˈɛn"), [TH, IH, N, DH, EH, N]);
        assert_eq!(phones("bˈeɪbi mˈaɪ pˈɔɪ"), [B, EY, B, IY, M, AY, P, OY]);
    }

    #[test]
    fn stress_marks_give_their_time_to_the_next_phone_and_length_marks_to_the_last() {
        let p = from_ipa(&timed("ˈiːt"));
        assert_eq!(p.len(), 2);
        // ˈ 0.0–0.1, i 0.1–0.2, ː 0.2–0.3, t 0.3–0.4
        assert_eq!((p[0].start, p[0].end), (0.0, 0.30000000000000004));
        assert_eq!((p[1].start, p[1].end), (0.30000000000000004, 0.4));
    }

    #[test]
    fn untimed_phones_share_their_words_time_vowels_longer() {
        let words = [
            WordSound {
                ipa: "mˈæn",
                start: 1.0,
                end: 1.4,
            },
            WordSound {
                ipa: "ɡˈoʊz",
                start: 1.6,
                end: 2.0,
            },
        ];
        let p = laid_over(&words);
        assert_eq!(p.len(), 6);
        assert_eq!((p[0].phone, p[0].start, p[0].end), (Phone::M, 1.0, 1.1));
        assert!(
            (p[1].end - p[1].start - 0.2).abs() < 1e-9,
            "the vowel takes twice"
        );
        assert_eq!(p[3].start, 1.6);
        assert!((p[5].end - 2.0).abs() < 1e-9);
    }

    #[test]
    fn pauses_are_no_phone() {
        let p = from_ipa(&timed("ɐ, b"));
        assert_eq!(p.len(), 2);
        assert!(
            p[1].start >= 0.3,
            "the b after the pause keeps its own time"
        );
    }
}
