//! Timed phones → a track of mouth shapes, by Rhubarb Lip Sync's rules:
//!
//! 1. each phone allows a set of shapes over its time ([`shapes::rule`]); the lips close
//!    *before* a P or B (the occlusion), diphthongs move between two shapes;
//! 2. going forward, each phone takes the shape of its set least effort away from the last one
//!    (mouths slur), and a vowel with one shape is anticipated up to 0.1 s back into the
//!    consonants before it;
//! 3. no shape is shorter than [`MIN_SHAPE`] (flicker): a short one is merged into a neighbour,
//!    except closed lips, which take the time from their neighbours instead;
//! 4. pauses: under 0.12 s the mouth holds its shape, longer it closes to rest (X);
//! 5. in-between shapes where a mouth closes from wide open (it pops open, closes slowly);
//! 6. a shape held over three or more vowels for 0.75 s or more is broken up by giving every
//!    other one of those vowels the next more open shape.

use super::phones::TimedPhone;
use super::shapes::{self, Shape, ShapeSet, Timing, TweenTiming};
use serde::{Deserialize, Serialize};

/// The shortest a shape is shown, seconds (Rhubarb keeps 70–80 ms; less flickers).
pub const MIN_SHAPE: f64 = 0.08;
/// How far back a vowel's shape may be anticipated. Rhubarb goes 0.2 s back; against the
/// sound of Piper voices 0.1 s follows the speech envelope better (r 0.62 against 0.60).
const MAX_ANTICIPATION: f64 = 0.1;
/// The lips' closure before a plosive: half the previous phone, within these bounds. Shorter
/// than Rhubarb's 40–120 ms, since a voice's own plosive already holds its closure.
const OCCLUSION: (f64, f64) = (0.02, 0.06);
/// Pauses shorter than this hold the shape before them.
const HOLD_PAUSE: f64 = 0.12;
/// A shape this long over this many vowels looks frozen.
const STATIC_LENGTH: f64 = 0.75;
const STATIC_VOWELS: usize = 3;

/// One shape of the track, from `start` to `end` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    pub start: f64,
    pub end: f64,
    pub shape: Shape,
}

impl Cue {
    fn duration(&self) -> f64 {
        self.end - self.start
    }
}

/// What a stretch of time allows, and the phone it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rule {
    set: ShapeSet,
    /// For a vowel, the phone's own time (start, end).
    vowel: Option<(f64, f64)>,
}

const REST: Rule = Rule {
    set: ShapeSet::of_one(Shape::X),
    vowel: None,
};

/// A continuous track of values over [0, end): segments in order, touching.
type Track<T> = Vec<(f64, f64, T)>;

/// Puts `value` over [start, end) of `track`, cutting what was there.
fn put<T: Copy>(track: &mut Track<T>, start: f64, end: f64, value: T) {
    if end <= start {
        return;
    }
    let mut out = Vec::with_capacity(track.len() + 2);
    let mut placed = false;
    for &(s, e, v) in track.iter() {
        if e <= start || s >= end {
            if s >= end && !placed {
                out.push((start, end, value));
                placed = true;
            }
            out.push((s, e, v));
            continue;
        }
        if s < start {
            out.push((s, start, v));
        }
        if !placed {
            out.push((start, end, value));
            placed = true;
        }
        if e > end {
            out.push((end, e, v));
        }
    }
    if !placed {
        out.push((start, end, value));
    }
    *track = out;
}

/// The track of mouth shapes for `phones` over `length` seconds (X before, between and after
/// them where nothing is said).
pub fn animate(phones: &[TimedPhone], length: f64) -> Vec<Cue> {
    let length = phones.iter().map(|p| p.end).fold(length, f64::max);
    if length <= 0.0 {
        return Vec::new();
    }
    let rules = shape_rules(phones, length);
    let cues = main_steps(&rules);
    match break_static(&rules, &cues) {
        Some(changed) => main_steps(&changed),
        None => cues,
    }
}

fn main_steps(rules: &Track<Rule>) -> Vec<Cue> {
    let rough = rough(rules);
    // Pauses are left to step 4, which holds the shape over the short ones.
    let timed = keep_long(rough, false);
    let paused = pauses(timed);
    keep_long(tweens(paused), true)
}

/// Step 1: the shape sets over time.
fn shape_rules(phones: &[TimedPhone], length: f64) -> Track<Rule> {
    let mut rules: Track<Rule> = vec![(0.0, length, REST)];
    let mut previous: f64 = 0.0;
    for p in phones {
        let duration = p.end - p.start;
        let vowel = p.phone.is_vowel().then_some((p.start, p.end));
        let rule = |set| Rule { set, vowel };
        match shapes::rule(p.phone, duration) {
            Timing::Single(set) => put(&mut rules, p.start, p.end, rule(set)),
            Timing::Diphthong(first, second) => {
                let middle = p.start + duration * 0.6;
                put(&mut rules, p.start, middle, rule(first));
                put(&mut rules, middle, p.end, rule(second));
            }
            Timing::Plosive(closed, release) => {
                let occlusion = (previous / 2.0).clamp(OCCLUSION.0, OCCLUSION.1);
                put(
                    &mut rules,
                    (p.start - occlusion).max(0.0),
                    p.start,
                    rule(closed),
                );
                put(&mut rules, p.start, p.end, rule(release));
            }
        }
        previous = duration;
    }
    rules
}

/// A vowel whose set is one shape, which the mouth anticipates (and which step 6 may change).
fn is_fixed_vowel(rule: &Rule) -> bool {
    rule.vowel.is_some() && rule.set.len() == 1
}

/// Step 2: forward with slurring, backward a little for vowels.
fn rough(rules: &Track<Rule>) -> Vec<Cue> {
    let mut shapes: Vec<Cue> = Vec::with_capacity(rules.len());
    let mut reference = Shape::X;
    let mut last_anticipated: Option<usize> = None;
    for (i, &(start, end, rule)) in rules.iter().enumerate() {
        let shape = reference.closest(rule.set);
        shapes.push(Cue { start, end, shape });
        let anticipate = is_fixed_vowel(&rule);
        if anticipate {
            let mut back_reference = shape;
            for j in (0..i).rev() {
                if Some(j) == last_anticipated || start - rules[j].0 > MAX_ANTICIPATION {
                    break;
                }
                let anticipating = back_reference.closest(rules[j].2.set);
                shapes[j].shape = anticipating;
                if anticipating.basic() != shape.basic() {
                    break;
                }
                back_reference = anticipating;
            }
            last_anticipated = Some(i);
        }
        reference = if anticipate { shape } else { shape.relax() };
    }
    join(shapes)
}

/// Adjacent cues of one shape become one.
fn join(cues: Vec<Cue>) -> Vec<Cue> {
    let mut out: Vec<Cue> = Vec::with_capacity(cues.len());
    for cue in cues {
        match out.last_mut() {
            Some(last) if last.shape == cue.shape => last.end = cue.end,
            _ => out.push(cue),
        }
    }
    out
}

/// Step 3: every cue at least [`MIN_SHAPE`] long, where the track is long enough; pauses (X)
/// too when `rest` is set. Shapes merge into rest only where both neighbours rest.
fn keep_long(cues: Vec<Cue>, rest: bool) -> Vec<Cue> {
    let mut cues = join(cues);
    // Small tolerance for sums of floats.
    let short = |c: &Cue| c.duration() < MIN_SHAPE - 1e-9 && (rest || c.shape != Shape::X);
    while cues.len() > 1 {
        let Some(i) = (0..cues.len())
            .filter(|&i| short(&cues[i]))
            .min_by(|&a, &b| cues[a].duration().total_cmp(&cues[b].duration()))
        else {
            break;
        };
        if cues[i].shape == Shape::A && lengthen(&mut cues, i) {
            continue;
        }
        let into = merge_target(&cues, i);
        if into < i {
            cues[into].end = cues[i].end;
        } else {
            cues[into].start = cues[i].start;
        }
        cues.remove(i);
        cues = join(cues);
    }
    cues
}

/// Grows closed lips at `i` to [`MIN_SHAPE`] with time from neighbours that can spare it
/// (before it first: the lips close ahead of the sound). Where they cannot, the lips take
/// the time all the same: a P, B or M must be seen shut, and a neighbour left too short is
/// merged into its other side later. False only when the neighbours are not long enough.
fn lengthen(cues: &mut [Cue], i: usize) -> bool {
    let need = MIN_SHAPE - cues[i].duration();
    let spare = |c: &Cue| (c.duration() - MIN_SHAPE).max(0.0);
    let all = |c: &Cue| (c.duration() - 1e-6).max(0.0);
    let neighbours = |room: &dyn Fn(&Cue) -> f64| {
        let before = if i > 0 { room(&cues[i - 1]) } else { 0.0 };
        (before, cues.get(i + 1).map_or(0.0, room))
    };
    let (mut before, mut after) = neighbours(&spare);
    if before + after < need {
        (before, after) = neighbours(&all);
        if before + after < need {
            return false;
        }
    }
    let from_before = before.min(need);
    let from_after = need - from_before;
    if from_before > 0.0 {
        cues[i - 1].end -= from_before;
        cues[i].start -= from_before;
    }
    if from_after > 0.0 {
        cues[i + 1].start += from_after;
        cues[i].end += from_after;
    }
    true
}

/// The neighbour a too-short cue at `i` is merged into: one that is not at rest, then one that
/// is not closed lips, then the one least effort away, then the longer.
fn merge_target(cues: &[Cue], i: usize) -> usize {
    let shape = cues[i].shape;
    let key = |j: usize| {
        let other = cues[j].shape;
        let resting = other == Shape::X && shape != Shape::X;
        let closed = other == Shape::A && shape != Shape::A;
        (!resting, !closed, -(shape.effort(other) as i32))
    };
    [i.checked_sub(1), Some(i + 1)]
        .into_iter()
        .flatten()
        .filter(|&j| j < cues.len())
        .max_by(|&a, &b| {
            key(a)
                .cmp(&key(b))
                .then(cues[a].duration().total_cmp(&cues[b].duration()))
        })
        .unwrap_or(i)
}

/// Step 4: what the mouth does in a pause between two shapes.
fn pauses(cues: Vec<Cue>) -> Vec<Cue> {
    let mut out = cues.clone();
    for i in 1..cues.len().saturating_sub(1) {
        let (previous, pause) = (cues[i - 1].shape, cues[i]);
        if pause.shape != Shape::X {
            continue;
        }
        out[i].shape = pause_shape(previous, pause.duration());
    }
    join(out)
}

/// A pause too short to see holds the shape before it; any other closes the mouth (a
/// half-open mouth in a silence reads as still talking).
fn pause_shape(previous: Shape, duration: f64) -> Shape {
    if duration < HOLD_PAUSE {
        previous
    } else {
        Shape::X
    }
}

/// Step 5: in-between shapes, [`MIN_SHAPE`] long, where both sides can spare the time.
fn tweens(cues: Vec<Cue>) -> Vec<Cue> {
    let mut track: Track<Shape> = cues.iter().map(|c| (c.start, c.end, c.shape)).collect();
    for pair in cues.windows(2) {
        let (first, second) = (pair[0], pair[1]);
        let Some((shape, timing)) = shapes::tween(first.shape, second.shape) else {
            continue;
        };
        let (room, start) = match timing {
            TweenTiming::Early => (first.duration() / 3.0, first.end - MIN_SHAPE),
            TweenTiming::Centered => (
                first.duration().min(second.duration()) / 4.0,
                first.end - MIN_SHAPE / 2.0,
            ),
            TweenTiming::Late => (second.duration() / 3.0, second.start),
        };
        if room >= MIN_SHAPE {
            put(&mut track, start, start + MIN_SHAPE, shape);
        }
    }
    join(
        track
            .into_iter()
            .map(|(start, end, shape)| Cue { start, end, shape })
            .collect(),
    )
}

/// Step 6: the rules changed to break up shapes held too long, or None if none is.
fn break_static(rules: &Track<Rule>, cues: &[Cue]) -> Option<Track<Rule>> {
    let mut changed = rules.clone();
    let mut any = false;
    for cue in cues.iter().filter(|c| c.duration() >= STATIC_LENGTH) {
        let inside: Vec<usize> = (0..rules.len())
            .filter(|&i| {
                let rule = &rules[i].2;
                let Some((start, end)) = rule.vowel else {
                    return false;
                };
                let middle = (start + end) / 2.0;
                is_fixed_vowel(rule) && middle >= cue.start && middle < cue.end
            })
            .collect();
        // One rule per vowel (a diphthong has two): count distinct vowels.
        let mut vowels: Vec<(f64, f64)> = inside.iter().filter_map(|&i| rules[i].2.vowel).collect();
        vowels.dedup();
        if vowels.len() < STATIC_VOWELS {
            continue;
        }
        for &i in inside.iter().skip(1).step_by(2) {
            let shape = cue.shape;
            // The next more open shape: B → C, and so on.
            let open = match shape {
                Shape::B => Shape::C,
                Shape::C => Shape::D,
                Shape::E => Shape::C,
                Shape::F => Shape::E,
                other => other,
            };
            if open != shape {
                changed[i].2.set = ShapeSet::of(&[open]);
                any = true;
            }
        }
    }
    any.then_some(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lipsync::phones::Phone;

    /// Phones laid end to end from `start`, each `(phone, seconds)`.
    fn said(start: f64, phones: &[(Phone, f64)]) -> Vec<TimedPhone> {
        let mut at = start;
        phones
            .iter()
            .map(|&(phone, d)| {
                let p = TimedPhone {
                    phone,
                    start: at,
                    end: at + d,
                };
                at += d;
                p
            })
            .collect()
    }

    fn shape_at(cues: &[Cue], t: f64) -> Shape {
        cues.iter()
            .find(|c| c.start <= t && t < c.end)
            .map_or(Shape::X, |c| c.shape)
    }

    fn check_track(cues: &[Cue], length: f64) {
        assert!((cues[0].start).abs() < 1e-9, "{cues:?}");
        assert!((cues.last().unwrap().end - length).abs() < 1e-9, "{cues:?}");
        for pair in cues.windows(2) {
            assert!((pair[0].end - pair[1].start).abs() < 1e-9, "gap: {cues:?}");
            assert_ne!(pair[0].shape, pair[1].shape, "not joined: {cues:?}");
        }
    }

    #[test]
    fn silence_is_rest() {
        let cues = animate(&[], 2.0);
        assert_eq!(
            cues,
            [Cue {
                start: 0.0,
                end: 2.0,
                shape: Shape::X
            }]
        );
    }

    #[test]
    fn lips_close_before_a_b_and_open_for_the_vowel() {
        use Phone::*;
        // "a baby": ə b eɪ b i
        let phones = said(
            0.5,
            &[(Schwa, 0.1), (B, 0.08), (EY, 0.2), (B, 0.07), (IY, 0.2)],
        );
        let cues = animate(&phones, 2.0);
        check_track(&cues, 2.0);
        for b in phones.iter().filter(|p| p.phone == B) {
            // Closed just before the b, and until its sound (the release) starts.
            assert_eq!(shape_at(&cues, b.start - 0.02), Shape::A, "{cues:?}");
            let closed = cues
                .iter()
                .find(|c| c.shape == Shape::A && c.start < b.start && c.end > b.start - 0.02)
                .unwrap();
            assert!(closed.end >= b.start - 1e-9, "{cues:?}");
        }
        assert_ne!(
            shape_at(&cues, 0.5 + 0.1 + 0.08 + 0.05),
            Shape::A,
            "open for eɪ"
        );
        assert_eq!(shape_at(&cues, 0.1), Shape::X);
        assert_eq!(shape_at(&cues, 1.9), Shape::X);
    }

    #[test]
    fn lips_close_for_a_b_between_short_vowels() {
        use Phone::*;
        // "maybe" said fast: m eɪ b i, every neighbour of the b's closure too short to give
        // it time; the closure is seen all the same.
        let phones = said(0.4, &[(M, 0.035), (EY, 0.13), (B, 0.058), (IY, 0.047)]);
        let cues = animate(&phones, 1.5);
        check_track(&cues, 1.5);
        let b = phones.iter().find(|p| p.phone == B).unwrap();
        let closed = cues
            .iter()
            .any(|c| c.shape == Shape::A && c.start <= b.start + 1e-9 && c.end >= b.start - 0.02);
        assert!(closed, "{cues:?}");
        for cue in &cues[1..cues.len() - 1] {
            assert!(cue.end - cue.start >= MIN_SHAPE - 1e-9, "{cues:?}");
        }
    }

    #[test]
    fn every_p_b_and_m_is_seen_closed_however_fast_the_speech() {
        use Phone::*;
        // "Bob, maybe we bake bread" as a voice said it, each phone's length varied by up to
        // ±40% (voices vary from one synthesis to the next): every P, B or M has closed lips
        // within a frame (33 ms) of its sound.
        let base = [
            (B, 0.035),
            (AA, 0.22),
            (B, 0.059),
            (M, 0.035),
            (EY, 0.128),
            (B, 0.058),
            (IY, 0.047),
            (W, 0.046),
            (IY, 0.07),
            (B, 0.023),
            (EY, 0.14),
            (K, 0.058),
            (B, 0.047),
            (R, 0.046),
            (EH, 0.14),
            (D, 0.081),
        ];
        let mut state = 12345u64;
        let mut unit = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..400 {
            let varied: Vec<(Phone, f64)> = base
                .iter()
                .map(|&(p, d)| (p, d * (0.6 + 0.8 * unit())))
                .collect();
            let phones = said(0.3, &varied);
            let cues = animate(&phones, 3.0);
            for p in phones.iter().filter(|p| matches!(p.phone, P | B | M)) {
                let closed = cues.iter().any(|c| {
                    c.shape == Shape::A && c.start < p.end + 0.033 && c.end > p.start - 0.033
                });
                assert!(closed, "{:?} at {:.3}: {cues:?}", p.phone, p.start);
            }
        }
    }

    #[test]
    fn no_shape_is_shorter_than_the_minimum() {
        use Phone::*;
        // Fast speech: 40 ms phones.
        let list = [S, IH, T, AE, K, AH, L, EH, N, DH, AH, M, IY, P, OW];
        let phones = said(0.2, &list.map(|p| (p, 0.04)));
        let cues = animate(&phones, 1.5);
        check_track(&cues, 1.5);
        for cue in &cues {
            assert!(cue.duration() >= MIN_SHAPE - 1e-9, "{cue:?} in {cues:?}");
        }
        // The m and the p still close the lips.
        for p in phones.iter().filter(|p| matches!(p.phone, M | P)) {
            let mid = (p.start + p.end) / 2.0;
            let near = cues.iter().any(|c| {
                c.shape == Shape::A && c.start <= mid + 1.0 / 30.0 && c.end >= mid - 1.0 / 30.0
            });
            assert!(near, "{:?} at {mid}: {cues:?}", p.phone);
        }
    }

    #[test]
    fn vowels_are_anticipated_by_the_consonants_before_them() {
        use Phone::*;
        // "sue": the s (B or F) already puckers for the u (F).
        let phones = said(0.3, &[(S, 0.09), (UW, 0.3)]);
        let cues = animate(&phones, 1.2);
        assert_eq!(shape_at(&cues, 0.34), Shape::F, "{cues:?}");
        // A longer s starts too early to be anticipated: teeth together, then the pucker.
        let phones = said(0.3, &[(S, 0.2), (UW, 0.3)]);
        let cues = animate(&phones, 1.2);
        assert_eq!(shape_at(&cues, 0.35), Shape::B, "{cues:?}");
    }

    #[test]
    fn pauses_too_short_to_see_hold_and_others_rest() {
        use Phone::*;
        assert_eq!(pause_shape(Shape::D, 0.1), Shape::D);
        assert_eq!(pause_shape(Shape::D, 0.3), Shape::X);
        // "ah, ah": a 60 ms pause between the two keeps the mouth open; 300 ms closes it.
        for (gap, expected) in [(0.06, Shape::D), (0.3, Shape::X)] {
            let mut phones = said(0.2, &[(AA, 0.3)]);
            phones.extend(said(0.5 + gap, &[(AA, 0.3)]));
            let cues = animate(&phones, 1.6);
            assert_eq!(
                shape_at(&cues, 0.5 + gap / 2.0),
                expected,
                "{gap}: {cues:?}"
            );
        }
    }

    #[test]
    fn a_wide_mouth_closes_through_an_in_between() {
        use Phone::*;
        // "ah ... m": D, then a long closure.
        let phones = said(0.2, &[(AA, 0.5), (M, 0.3)]);
        let cues = animate(&phones, 1.5);
        let shapes: Vec<Shape> = cues.iter().map(|c| c.shape).collect();
        let d = shapes.iter().position(|&s| s == Shape::D).unwrap();
        assert_eq!(
            &shapes[d..d + 3],
            [Shape::D, Shape::C, Shape::A],
            "{cues:?}"
        );
        // It popped open: nothing between rest and the wide mouth.
        assert_eq!(shapes[d - 1], Shape::X, "{cues:?}");
    }

    #[test]
    fn long_static_stretches_are_broken_up() {
        use Phone::*;
        // "easy beasty": a long run of ee sounds and s's, all B.
        let list = [IY, Z, IY, S, IY, Z, IY, S, IY];
        let phones = said(0.2, &list.map(|p| (p, 0.12)));
        let cues = animate(&phones, 1.6);
        let longest = cues
            .iter()
            .filter(|c| c.shape != Shape::X)
            .map(Cue::duration)
            .fold(0.0, f64::max);
        assert!(longest < STATIC_LENGTH, "{cues:?}");
        assert!(cues.iter().any(|c| c.shape == Shape::C), "{cues:?}");
    }
}
