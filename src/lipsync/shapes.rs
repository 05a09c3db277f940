//! The mouth shapes (Rhubarb Lip Sync's A–H and X, the set animators know from Hanna-Barbera
//! charts) and what each phone allows.
//!
//! * A: closed lips (P, B, M) · B: slightly open, teeth together (most consonants, EE)
//! * C: open (EH, AE) · D: wide open (AA) · E: slightly rounded (AO, ER)
//! * F: puckered (OO, W) · G: upper teeth on the lower lip (F, V) · H: tongue up (long L)
//! * X: at rest, mouth closed (silence)

use super::phones::Phone;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Shape {
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H,
    X,
}

use Shape::*;

impl Shape {
    pub const ALL: [Shape; 9] = [A, B, C, D, E, F, G, H, X];

    pub fn letter(self) -> char {
        b"ABCDEFGHX"[self as usize] as char
    }

    /// How open the mouth is, 0 (closed) to 1 (wide open), for drawing and for measuring.
    pub fn opening(self) -> f64 {
        match self {
            A | X => 0.0,
            G => 0.1,
            B => 0.25,
            F => 0.3,
            H => 0.45,
            E => 0.5,
            C => 0.7,
            D => 1.0,
        }
    }

    /// The shape a similar one stands for when judging resemblance.
    pub fn basic(self) -> Shape {
        [A, B, C, D, E, F, A, C, A][self as usize]
    }

    /// The shape the mouth relaxes to after this one.
    pub fn relax(self) -> Shape {
        [A, B, B, C, C, B, X, B, X][self as usize]
    }

    /// Of `set`, the shape least effort away from this one.
    pub fn closest(self, set: ShapeSet) -> Shape {
        EFFORT[self as usize]
            .into_iter()
            .find(|&shape| set.contains(shape))
            .unwrap_or(self)
    }

    /// How much effort it takes to move from this shape to `other`: 0 (the same) to 8.
    pub fn effort(self, other: Shape) -> usize {
        EFFORT[self as usize]
            .iter()
            .position(|&s| s == other)
            .unwrap_or(8)
    }
}

/// For each shape, all shapes in ascending order of the effort to move to them.
const EFFORT: [[Shape; 9]; 9] = [
    [A, X, G, B, C, H, E, D, F],
    [B, G, A, X, C, H, E, D, F],
    [C, H, B, G, D, A, X, E, F],
    [D, C, H, B, G, A, X, E, F],
    [E, C, H, B, G, A, X, D, F],
    [F, B, G, A, X, C, H, E, D],
    [G, A, B, C, H, X, E, D, F],
    [H, C, B, G, D, A, X, E, F],
    [X, A, G, B, C, H, E, D, F],
];

/// A set of shapes, any of which fits a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShapeSet(u16);

impl ShapeSet {
    pub const ANY: ShapeSet = ShapeSet(0x1ff);
    /// Every shape with the mouth open.
    pub const ANY_OPEN: ShapeSet = ShapeSet(0x1ff & !(1 << A as u16) & !(1 << X as u16));

    pub const fn of_one(shape: Shape) -> ShapeSet {
        ShapeSet(1 << shape as u16)
    }

    pub fn of(shapes: &[Shape]) -> ShapeSet {
        ShapeSet(shapes.iter().fold(0, |bits, &s| bits | 1 << s as u16))
    }

    pub fn contains(self, shape: Shape) -> bool {
        self.0 & (1 << shape as u16) != 0
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// How a phone's shapes fall over its time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Timing {
    /// One set for the whole phone.
    Single(ShapeSet),
    /// The first set for 60% of the phone, then the second.
    Diphthong(ShapeSet, ShapeSet),
    /// The lips (or tongue) close on the first set *before* the phone, for half the previous
    /// phone's length (40–120 ms), then release into the second.
    Plosive(ShapeSet, ShapeSet),
}

/// The shapes `phone` allows when it lasts `duration` seconds.
pub fn rule(phone: Phone, duration: f64) -> Timing {
    use Timing::{Diphthong, Plosive, Single};
    let s = ShapeSet::of;
    match phone {
        Phone::AO => Single(s(&[E])),
        Phone::AA => Single(s(&[D])),
        Phone::IY => Single(s(&[B])),
        Phone::UW => Single(s(&[F])),
        Phone::EH => Single(s(&[C])),
        Phone::IH => Single(s(&[B])),
        Phone::UH => Single(s(&[F])),
        Phone::AH if duration < 0.2 => Single(s(&[C])),
        Phone::AH => Single(s(&[D])),
        Phone::Schwa => Single(s(&[B, C])),
        Phone::AE => Single(s(&[C])),
        Phone::EY => Diphthong(s(&[C]), s(&[B])),
        Phone::AY if duration < 0.2 => Diphthong(s(&[C]), s(&[B])),
        Phone::AY => Diphthong(s(&[D]), s(&[B])),
        Phone::OW => Diphthong(s(&[E]), s(&[F])),
        Phone::AW if duration < 0.3 => Diphthong(s(&[C]), s(&[E])),
        Phone::AW => Diphthong(s(&[D]), s(&[E])),
        Phone::OY => Diphthong(s(&[E]), s(&[B])),
        Phone::ER if duration < 0.07 => Single(s(&[B, C])),
        Phone::ER => Single(s(&[E])),
        Phone::P | Phone::B => Plosive(s(&[A]), ShapeSet::ANY),
        Phone::T | Phone::D => Plosive(s(&[B, F]), ShapeSet::ANY_OPEN),
        Phone::K | Phone::G => Plosive(s(&[B, C, E, F, H]), ShapeSet::ANY_OPEN),
        Phone::CH | Phone::JH => Single(s(&[B, F])),
        Phone::F | Phone::V => Single(s(&[G])),
        Phone::TH | Phone::DH | Phone::S | Phone::Z | Phone::SH | Phone::ZH => Single(s(&[B, F])),
        // Think "m-hm": the mouth does whatever its neighbours do.
        Phone::HH => Single(ShapeSet::ANY),
        Phone::M => Single(s(&[A])),
        Phone::N => Single(s(&[B, C, F, H])),
        Phone::NG => Single(s(&[B, C, E, F])),
        Phone::L if duration < 0.2 => Single(s(&[B, E, F, H])),
        Phone::L => Single(s(&[H])),
        Phone::R => Single(s(&[B, E, F])),
        Phone::Y => Single(s(&[B, C, F])),
        Phone::W => Single(s(&[F])),
    }
}

/// When to place the in-between shape of a move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TweenTiming {
    /// At the end of the first shape.
    Early,
    /// Across the boundary.
    Centered,
    /// At the start of the second shape.
    Late,
}

/// The in-between shape for a move from `first` to `second`, if it needs one. Mouths pop open
/// and close slowly, so most moves only get one in the closing direction.
pub fn tween(first: Shape, second: Shape) -> Option<(Shape, TweenTiming)> {
    use TweenTiming::*;
    Some(match (first, second) {
        (D, A) => (C, Early),
        (D, B) => (C, Centered),
        (D, G) => (C, Early),
        (D, X) => (C, Late),
        (C, F) | (F, C) => (E, Centered),
        (D, F) => (E, Centered),
        (H, F) => (E, Late),
        (F, H) => (E, Early),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_lip_phones_allow_only_closed_lips() {
        for phone in [Phone::P, Phone::B] {
            match rule(phone, 0.1) {
                Timing::Plosive(closed, _) => assert_eq!(closed, ShapeSet::of(&[A])),
                other => panic!("{phone:?}: {other:?}"),
            }
        }
        assert_eq!(rule(Phone::M, 0.1), Timing::Single(ShapeSet::of(&[A])));
        assert_eq!(rule(Phone::F, 0.1), Timing::Single(ShapeSet::of(&[G])));
    }

    #[test]
    fn long_vowels_open_wider() {
        assert_eq!(rule(Phone::AH, 0.1), Timing::Single(ShapeSet::of(&[C])));
        assert_eq!(rule(Phone::AH, 0.25), Timing::Single(ShapeSet::of(&[D])));
    }

    #[test]
    fn the_closest_shape_is_the_least_effort_away() {
        let set = ShapeSet::of(&[B, C, F, H]);
        assert_eq!(D.closest(set), C);
        assert_eq!(A.closest(set), B);
        assert_eq!(F.closest(set), F);
        assert_eq!(X.closest(ShapeSet::ANY), X);
    }

    #[test]
    fn mouths_pop_open_and_close_slowly() {
        assert_eq!(tween(D, A), Some((C, TweenTiming::Early)));
        assert_eq!(tween(A, D), None, "opening needs no in-between");
        assert!(ShapeSet::ANY_OPEN.contains(D) && !ShapeSet::ANY_OPEN.contains(A));
        assert!(D.opening() > C.opening() && C.opening() > B.opening());
    }
}
