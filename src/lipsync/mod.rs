//! Lip sync from the voice itself: the phones a voice speaks, with their times, become a track
//! of mouth shapes (Rhubarb Lip Sync's A–H and X) by the rules animators use.
//!
//! * [`phones`]: the voice's timed IPA → timed phones;
//! * [`shapes`]: the shapes, and which of them each phone allows;
//! * [`animate`]: phones → a shape track (closed lips before P/B/M, at least 80 ms a shape,
//!   mouths popping open and closing slowly, long static stretches broken up);
//! * [`export`]: the track as Rhubarb's TSV or JSON;
//! * [`script`]: every character's track over a script's timeline (`reel visemes`), and scenes
//!   turned into their speakers' faces talking;
//! * [`loudness`]: how loud the voice is under each cue, which scales the mouth's opening;
//! * [`portrait`]: the face in a character's portrait, found once and kept.

pub mod animate;
pub mod export;
pub mod loudness;
pub mod phones;
pub mod portrait;
pub mod script;
pub mod shapes;

pub use animate::{animate, Cue};
pub use phones::{Phone, TimedPhone};
pub use shapes::Shape;
