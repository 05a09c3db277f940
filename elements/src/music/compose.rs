//! Arrangement: composes one loop of a [`Spec`] into a score of [`Note`]s (pad chords, keys,
//! bass line and drums) following the mood's [`Profile`].

use super::instruments::{
    Note, Partial, Sound, BASS, BASS_GAIN, HAT_GAIN, KEYS_GAIN, KICK_GAIN, PAD, PAD_GAIN,
    SNARE_GAIN,
};
use super::profile::{profile, BassStyle, Colour, KeysStyle, Profile};
use super::rng::Rng;
use super::theory::{fold_into, midi_to_hz, Spec, BEATS_PER_BAR};

/// Equal-power pan, `pan` in [-1, 1].
fn pan_gains(gain: f32, pan: f32) -> [f32; 2] {
    let angle = (pan.clamp(-1.0, 1.0) + 1.0) * std::f32::consts::FRAC_PI_4;
    [gain * angle.cos(), gain * angle.sin()]
}

/// Builds the loop's notes for a spec at a sample rate.
pub(super) struct Composer {
    profile: Profile,
    scale: [i32; 7],
    /// MIDI note of the tonic in octave 3 (C3 = 48).
    tonic: i32,
    rate: f64,
    beat: f64,
    rng: Rng,
    notes: Vec<Note>,
}

impl Composer {
    pub(super) fn new(spec: &Spec, rate: u32) -> Composer {
        let rate = f64::from(rate);
        Composer {
            profile: profile(spec.mood),
            scale: spec.mode().scale(),
            tonic: 48 + i32::from(spec.key.root),
            rate,
            beat: 60.0 / spec.tempo * rate,
            rng: Rng(spec.seed),
            notes: Vec::new(),
        }
    }

    pub(super) fn compose(mut self, loop_bars: u32) -> Vec<Note> {
        let progression = self.profile.progression;
        for bar in 0..loop_bars as usize {
            let degree = progression[bar % progression.len()];
            let next = progression[(bar + 1) % progression.len()];
            let chord = self.chord(degree);
            let beat0 = (bar * BEATS_PER_BAR) as f64;
            self.pad(beat0, &chord);
            self.keys(beat0, &chord);
            self.bass(beat0, &chord, self.chord(next)[0]);
            self.drums(beat0);
        }
        self.notes
    }

    /// Semitones above the tonic of scale degree `index` (may exceed an octave).
    fn degree(&self, index: usize) -> i32 {
        self.scale[index % 7] + 12 * (index / 7) as i32
    }

    /// Chord tones of a degree, as MIDI notes from the tonic in octave 3, root first.
    fn chord(&self, degree: usize) -> Vec<i32> {
        let steps: &[usize] = match self.profile.colour {
            Colour::Triad => &[0, 2, 4],
            Colour::Seventh => &[0, 2, 4, 6],
            Colour::Ninth => &[0, 2, 4, 6, 8],
        };
        steps
            .iter()
            .map(|s| self.tonic + self.degree(degree + s))
            .collect()
    }

    pub(super) fn frames(&self, beats: f64) -> u64 {
        (beats * self.beat).round().max(0.0) as u64
    }

    fn secs(&self, secs: f64) -> u64 {
        (secs * self.rate).round() as u64
    }

    /// Applies swing: off-beat eighths are pushed late.
    fn swung(&self, pos: f64) -> f64 {
        if (pos.fract() - 0.5).abs() < 1e-9 {
            pos + self.profile.swing
        } else {
            pos
        }
    }

    fn push(
        &mut self,
        start: f64,
        len: u64,
        attack: u64,
        release: u64,
        sound: Sound,
        gain: [f32; 2],
    ) {
        // The envelope must fit inside the note so it always starts and ends at zero.
        let len = len.max(2);
        let attack = attack.min(len / 2).max(1);
        let release = release.min(len - attack).max(1);
        self.notes.push(Note {
            start: self.frames(start),
            len,
            attack,
            release,
            sound,
            gain,
        });
    }

    fn tone(
        &mut self,
        start: f64,
        beats: f64,
        midi: i32,
        timbre: &'static [Partial],
        gain: [f32; 2],
    ) {
        let len = self.frames(beats).max(self.secs(0.05));
        let (attack, release) = (self.secs(0.004), self.secs(0.08));
        let sound = Sound::Tone {
            freq: midi_to_hz(midi),
            partials: timbre,
        };
        self.push(start, len, attack, release, sound, gain);
    }

    /// Sustained chord, one slightly detuned voice per side for width; it overlaps the next
    /// bar by its release so chords crossfade.
    fn pad(&mut self, beat0: f64, chord: &[i32]) {
        let level = self.profile.pad_level * PAD_GAIN / (chord.len() as f32).sqrt();
        if level <= 0.0 {
            return;
        }
        let low = 53 + self.rng.below(6) as i32;
        let bar = self.frames(BEATS_PER_BAR as f64);
        let attack = self.secs(0.35).min(self.frames(1.0));
        let release = self.secs(0.8).min(self.frames(2.0));
        for &midi in chord {
            let freq = midi_to_hz(fold_into(midi, low));
            for (detune, pan) in [(0.9965, -0.7), (1.0035, 0.7)] {
                let sound = Sound::Tone {
                    freq: freq * detune,
                    partials: PAD,
                };
                self.push(
                    beat0,
                    bar + release,
                    attack,
                    release,
                    sound,
                    pan_gains(level, pan),
                );
            }
        }
    }

    fn keys(&mut self, beat0: f64, chord: &[i32]) {
        let p = self.profile;
        let level = p.keys_level * KEYS_GAIN;
        let voiced: Vec<i32> = chord.iter().map(|&m| fold_into(m, 64)).collect();
        let order = self.arp_order(&voiced);
        let mut ladder = voiced.clone();
        ladder.sort_unstable();
        ladder.push(ladder[0] + 12);
        let mut walk = self.rng.below(ladder.len());
        for (i, &pos) in p.keys_at.iter().enumerate() {
            let start = beat0 + self.swung(pos);
            let gain = level * self.rng.jitter(0.12);
            let pan = (self.rng.unit() as f32 - 0.5) * 0.6;
            match p.keys {
                KeysStyle::Arp => {
                    let midi = order[i % order.len()];
                    self.tone(
                        start,
                        p.keys_beats,
                        midi,
                        p.keys_timbre,
                        pan_gains(gain, pan),
                    );
                }
                KeysStyle::Stab => {
                    let g = gain / (voiced.len() as f32).sqrt();
                    for &midi in &voiced {
                        self.tone(start, p.keys_beats, midi, p.keys_timbre, pan_gains(g, pan));
                    }
                }
                KeysStyle::Melody => {
                    // Mostly stepwise over the chord-tone ladder, bouncing off its ends.
                    let step = [-2, -1, 1, 1, 2][self.rng.below(5)];
                    let next = walk as i32 + step;
                    walk = if next < 0 || next >= ladder.len() as i32 {
                        (walk as i32 - step).clamp(0, ladder.len() as i32 - 1) as usize
                    } else {
                        next as usize
                    };
                    let midi = ladder[walk];
                    self.tone(
                        start,
                        p.keys_beats,
                        midi,
                        p.keys_timbre,
                        pan_gains(gain, pan),
                    );
                }
                KeysStyle::Pulse => {
                    let midi = fold_into(chord[0], 64);
                    self.tone(
                        start,
                        p.keys_beats,
                        midi,
                        p.keys_timbre,
                        pan_gains(gain, 0.0),
                    );
                }
            }
        }
    }

    /// The chord tones plus the root an octave up, in a seed-chosen order for this bar.
    fn arp_order(&mut self, voiced: &[i32]) -> Vec<i32> {
        let mut up: Vec<i32> = voiced.to_vec();
        up.sort_unstable();
        up.push(up[0] + 12);
        match self.rng.below(4) {
            0 => up,
            1 => up.into_iter().rev().collect(),
            2 => {
                // Up then down without repeating the top note.
                let mut v = up.clone();
                v.extend(up.iter().rev().skip(1).take(up.len().saturating_sub(2)));
                v
            }
            _ => {
                // Fisher-Yates shuffle.
                for i in (1..up.len()).rev() {
                    let j = self.rng.below(i + 1);
                    up.swap(i, j);
                }
                up
            }
        }
    }

    fn bass(&mut self, beat0: f64, chord: &[i32], next_root: i32) {
        let p = self.profile;
        let root = fold_into(chord[0], 36);
        for (i, &pos) in p.bass_at.iter().enumerate() {
            let midi = match p.bass {
                BassStyle::Root => root,
                BassStyle::Walk => self.walk_note(i, root, chord, next_root),
            };
            let gain = p.bass_level * BASS_GAIN * self.rng.jitter(0.06);
            self.tone(
                beat0 + self.swung(pos),
                p.bass_beats,
                midi,
                BASS,
                [gain, gain],
            );
        }
    }

    /// Walking bass: root, a chord tone, the fifth, then a semitone into the next root.
    fn walk_note(&mut self, step: usize, root: i32, chord: &[i32], next_root: i32) -> i32 {
        match step % 4 {
            0 => root,
            1 => root + (chord[1] - chord[0]),
            2 => root + (chord[2] - chord[0]),
            _ => {
                let target = fold_into(next_root, 36);
                if self.rng.below(2) == 0 {
                    target - 1
                } else {
                    target + 1
                }
            }
        }
    }

    fn drums(&mut self, beat0: f64) {
        let p = self.profile;
        for &pos in p.kick_at {
            let gain = p.kick_level * KICK_GAIN * self.rng.jitter(0.04);
            let len = self.secs(0.45);
            let (attack, release) = (self.secs(0.001), self.secs(0.05));
            self.push(beat0 + pos, len, attack, release, Sound::Kick, [gain, gain]);
        }
        for &pos in p.snare_at {
            let gain = p.snare_level * SNARE_GAIN * self.rng.jitter(0.08);
            let noise = self.rng.next_u64();
            let (len, attack, release) = (self.secs(0.25), self.secs(0.001), self.secs(0.05));
            let sound = Sound::Snare { noise };
            self.push(
                beat0 + pos,
                len,
                attack,
                release,
                sound,
                pan_gains(gain, 0.1),
            );
        }
        for &pos in p.hat_at {
            // Off-beat eighths are accented, the rest are ghost notes.
            let accent = if (pos.fract() - 0.5).abs() < 1e-9 {
                1.0
            } else {
                0.55
            };
            let gain = p.hat_level * HAT_GAIN * accent * self.rng.jitter(0.15);
            let noise = self.rng.next_u64();
            let (len, attack, release) = (self.secs(0.09), self.secs(0.0005), self.secs(0.02));
            let sound = Sound::Hat { noise };
            self.push(
                beat0 + self.swung(pos),
                len,
                attack,
                release,
                sound,
                pan_gains(gain, 0.3),
            );
        }
    }
}
