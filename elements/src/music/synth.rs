//! Pure synthesis behind `reelmusic`, free of GStreamer: the public face of the music modules.
//!
//! A [`Spec`] (mood, key, tempo, seed, loop length) is composed once into a score and played
//! by [`Synth`]. The work is split by job:
//!
//! - `theory`: moods, modes, keys, pitches and the validated [`Spec`];
//! - `profile`: each mood's recipe (progression, rhythms, levels);
//! - `compose`: the arrangement of one loop into notes;
//! - `instruments`: timbres, envelopes and the oscillators of one note;
//! - `rng`: seeded choices and stateless noise;
//! - `render`: the looping renderer and mixer, soft clipping and fades.

pub use super::render::{
    apply_fade_in, apply_fade_out, secs_to_frames, soft_clip, Synth, CEILING, FADE_OUT_SECS,
    SEEK_FADE_IN_SECS,
};
pub use super::theory::{Key, Mode, Mood, Spec, SpecError, TEMPO_MAX, TEMPO_MIN};
