//! Where footage is cut: silences over a threshold shortened to a margin on each side (as
//! auto-editor does), whole sentences dropped until the cut fits a target length (keeping the
//! most words that fit, so the densest speech stays), and each cut moved onto the music's nearest beat when that moves it at most
//! [`Rules::snap`] and keeps it in silence. Pure: the analysis comes in, ranges go out.
//!
//! A cut only ever falls where the voice-activity model hears no speech, so it never falls
//! inside a word.

use serde::{Deserialize, Serialize};

/// What is known of one piece of footage.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Material {
    /// Seconds.
    pub duration: f64,
    /// Where speech is heard, in time order, not overlapping.
    pub speech: Vec<(f64, f64)>,
    /// Sentences (start, end, words): never split, dropped whole to fit a target.
    pub sentences: Vec<(f64, f64, usize)>,
}

/// A music beat on the output's timeline (the bed starts with the cut).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Beat {
    pub time: f64,
    pub downbeat: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Remove silences at least this long, seconds (0: keep every silence).
    pub silence: f64,
    /// Silence kept on each side of speech where a silence is removed.
    pub margin: f64,
    /// Longest output, seconds.
    pub target: Option<f64>,
    /// Furthest a cut moves to land on a beat, seconds (0: no snapping).
    pub snap: f64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            silence: 0.5,
            margin: 0.12,
            target: None,
            snap: 0.15,
        }
    }
}

/// A stretch of one source that stays, in source seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    pub source: usize,
    pub start: f64,
    pub end: f64,
}

impl Kept {
    pub fn len(&self) -> f64 {
        self.end - self.start
    }
}

/// A join between two kept stretches, on the output's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Join {
    pub time: f64,
    /// The beat it was moved onto, if it was.
    pub beat: Option<Beat>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cut {
    pub kept: Vec<Kept>,
    /// One per pair of neighbouring kept stretches that are not continuous in the source.
    pub joins: Vec<Join>,
    /// Silence removed, seconds.
    pub silence_removed: f64,
    /// Sentences left out to fit the target.
    pub sentences_dropped: usize,
}

impl Cut {
    pub fn duration(&self) -> f64 {
        self.kept.iter().map(Kept::len).sum()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CutError {
    #[error("no speech is heard in the footage, so there is nothing to cut to")]
    NoSpeech,
    #[error("--target {target:.1}s is shorter than any whole sentence (the shortest runs {shortest:.1}s)")]
    TargetTooShort { target: f64, shortest: f64 },
}

/// Plans the cut of `sources` (played one after another) under `rules`, snapping to `beats`.
pub fn plan(sources: &[Material], rules: &Rules, beats: &[Beat]) -> Result<Cut, CutError> {
    let mut units = Vec::new();
    let mut silence_removed = 0.0;
    for (index, material) in sources.iter().enumerate() {
        let (kept, removed) = without_silences(material, rules);
        silence_removed += removed;
        units.extend(sentence_units(index, material, kept));
    }
    let total_sentences: usize = units.iter().map(|u| u.sentences).sum();
    let units = match rules.target {
        Some(target) if units.iter().map(Unit::len).sum::<f64>() > target => {
            if units.iter().all(|u| u.words == 0) {
                return Err(CutError::NoSpeech);
            }
            fit(units, target)?
        }
        _ => units,
    };
    let sentences_dropped = total_sentences - units.iter().map(|u| u.sentences).sum::<usize>();
    let mut kept: Vec<Kept> = units.into_iter().flat_map(|u| u.kept).collect();
    merge_continuous(&mut kept);
    let joins = snap_joins(&mut kept, sources, rules, beats);
    Ok(Cut {
        kept,
        joins,
        silence_removed,
        sentences_dropped,
    })
}

/// The stretches of `material` that stay once long silences are shortened, and the seconds
/// taken out.
fn without_silences(material: &Material, rules: &Rules) -> (Vec<(f64, f64)>, f64) {
    let duration = material.duration;
    if rules.silence <= 0.0 || material.speech.is_empty() {
        return (vec![(0.0, duration)], 0.0);
    }
    let margin = rules.margin.min(rules.silence / 2.0);
    // The silences: before the first region, between regions, after the last.
    let mut edges = vec![0.0];
    for &(start, end) in &material.speech {
        edges.push(start);
        edges.push(end);
    }
    edges.push(duration);
    let mut kept: Vec<(f64, f64)> = Vec::new();
    let mut removed = 0.0;
    let mut open = 0.0;
    for pair in edges.chunks(2) {
        let (quiet_start, quiet_end) = (pair[0], pair[1].max(pair[0]));
        let first = quiet_start <= 0.0;
        let last = quiet_end >= duration;
        let long = quiet_end - quiet_start >= rules.silence;
        if !long {
            continue;
        }
        let close = if first { 0.0 } else { quiet_start + margin };
        let reopen = if last { duration } else { quiet_end - margin };
        if close > open {
            kept.push((open, close));
        }
        removed += (reopen - close.max(open)).max(0.0);
        open = reopen;
    }
    if duration > open {
        kept.push((open, duration));
    }
    (kept, removed)
}

/// Kept stretches grouped so that no sentence spans two groups; each group can be dropped
/// whole.
#[derive(Debug, Clone)]
struct Unit {
    kept: Vec<Kept>,
    words: usize,
    sentences: usize,
}

impl Unit {
    fn len(&self) -> f64 {
        self.kept.iter().map(Kept::len).sum()
    }
}

/// How far a sentence's end (Whisper's estimate) may run into the next silence before it is
/// taken to go on past it.
const REACH_SLACK: f64 = 0.25;

fn sentence_units(source: usize, material: &Material, kept: Vec<(f64, f64)>) -> Vec<Unit> {
    let mut sentences = material.sentences.clone();
    sentences.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut next = 0;
    let mut units: Vec<Unit> = Vec::new();
    let mut reach = f64::NEG_INFINITY; // where the current unit's sentences end
    for (start, end) in kept {
        // Sentences starting before this stretch ends and not yet placed belong to it.
        let (mut words, mut count, mut sentence_end) = (0, 0, f64::NEG_INFINITY);
        while next < sentences.len() && sentences[next].0 < end {
            words += sentences[next].2;
            count += 1;
            sentence_end = sentence_end.max(sentences[next].1 - REACH_SLACK);
            next += 1;
        }
        let piece = Kept { source, start, end };
        match units.last_mut() {
            Some(unit) if start < reach => {
                unit.kept.push(piece);
                unit.words += words;
                unit.sentences += count;
                reach = reach.max(sentence_end);
            }
            _ => {
                units.push(Unit {
                    kept: vec![piece],
                    words,
                    sentences: count,
                });
                reach = sentence_end;
            }
        }
    }
    units
}

/// Length resolution of the target fit, seconds.
const FIT_STEP: f64 = 0.05;

/// Keeps the units that hold the most words within `target` (a 0/1 knapsack: dense speech is
/// kept first, and the cut comes as close to the target as whole sentences allow; among equal
/// word counts, the longer), in their order.
fn fit(units: Vec<Unit>, target: f64) -> Result<Vec<Unit>, CutError> {
    let capacity = (target / FIT_STEP).floor() as usize;
    let weight = |u: &Unit| (u.len() / FIT_STEP - 1e-9).ceil().max(1.0) as usize;
    // A tie-break worth less than one word in total.
    let value = |u: &Unit| u.words as f64 + 0.5 * u.len() / target.max(1e-9);
    let mut best = vec![0.0f64; capacity + 1];
    let mut took = vec![vec![false; capacity + 1]; units.len()];
    for (i, unit) in units.iter().enumerate() {
        let w = weight(unit);
        if unit.words == 0 || w > capacity {
            continue;
        }
        for room in (w..=capacity).rev() {
            let with = best[room - w] + value(unit);
            if with > best[room] {
                best[room] = with;
                took[i][room] = true;
            }
        }
    }
    let mut chosen = vec![false; units.len()];
    let mut room = capacity;
    for i in (0..units.len()).rev() {
        if took[i][room] {
            chosen[i] = true;
            room -= weight(&units[i]);
        }
    }
    if !chosen.contains(&true) {
        let shortest = units
            .iter()
            .filter(|u| u.words > 0)
            .map(Unit::len)
            .fold(f64::INFINITY, f64::min);
        return Err(CutError::TargetTooShort { target, shortest });
    }
    Ok(units
        .into_iter()
        .zip(chosen)
        .filter_map(|(u, keep)| keep.then_some(u))
        .collect())
}

/// Joins neighbours that meet in the source: no cut between them.
fn merge_continuous(kept: &mut Vec<Kept>) {
    let mut merged: Vec<Kept> = Vec::with_capacity(kept.len());
    for k in kept.drain(..) {
        match merged.last_mut() {
            Some(last) if last.source == k.source && (k.start - last.end).abs() < 1e-9 => {
                last.end = k.end
            }
            _ => merged.push(k),
        }
    }
    *kept = merged;
}

/// Silence kept between a moved cut and the nearest speech, seconds.
const GUARD: f64 = 0.03;

/// Moves each join onto the nearest beat (a downbeat if one is as close as the snap allows).
/// A join's output time is where the stretch before it ends, so that stretch is lengthened or
/// shortened: at its end first, then at its start, each only within silence.
fn snap_joins(kept: &mut [Kept], sources: &[Material], rules: &Rules, beats: &[Beat]) -> Vec<Join> {
    let mut joins = Vec::new();
    let mut total: f64 = kept.iter().map(Kept::len).sum();
    let mut time = 0.0;
    for i in 0..kept.len().saturating_sub(1) {
        let join_start = time;
        time += kept[i].len();
        let Some(beat) = nearest_beat(beats, time, rules.snap) else {
            joins.push(Join { time, beat: None });
            continue;
        };
        let delta = beat.time - time;
        let room = room(kept, i, sources, rules);
        let (at_end, at_start) = if delta > 0.0 {
            let end = delta.min(room.end_later);
            (end, (delta - end).min(room.start_earlier))
        } else {
            let end = (-delta).min(room.end_sooner);
            (-end, -((-delta - end).min(room.start_later)))
        };
        let fits_target = delta <= 0.0 || rules.target.is_none_or(|t| total + delta <= t + 1e-9);
        if (at_end + at_start - delta).abs() > 1e-9 || !fits_target {
            joins.push(Join { time, beat: None });
            continue;
        }
        kept[i].end += at_end;
        kept[i].start -= at_start;
        total += delta;
        time = join_start + kept[i].len();
        joins.push(Join {
            time,
            beat: Some(beat),
        });
    }
    joins
}

/// How far a stretch's ends can move and stay in silence, seconds (each 0 or more).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Room {
    end_later: f64,
    end_sooner: f64,
    start_earlier: f64,
    start_later: f64,
}

/// The room of stretch `i`: up to [`GUARD`] from speech, never past its middle, never into a
/// neighbouring stretch of the same file (its frames would show twice), and never growing the
/// silence at either end past half the silence threshold (so a join never brings back a
/// silence the cut removed).
fn room(kept: &[Kept], i: usize, sources: &[Material], rules: &Rules) -> Room {
    let k = kept[i];
    let material = &sources[k.source];
    let speech = &material.speech;
    let inside = |t: f64| speech.iter().any(|&(s, e)| t > s - GUARD && t < e + GUARD);
    // The end of the speech before `t`, and the start of the speech after it.
    let before = |t: f64| {
        speech
            .iter()
            .map(|r| r.1)
            .filter(|&e| e <= t)
            .fold(0.0, f64::max)
    };
    let after = |t: f64| {
        speech
            .iter()
            .map(|r| r.0)
            .filter(|&s| s >= t)
            .fold(material.duration, f64::min)
    };
    let next_start = kept
        .get(i + 1)
        .filter(|n| n.source == k.source && n.start >= k.end)
        .map_or(material.duration, |n| n.start);
    let previous_end = i
        .checked_sub(1)
        .map(|p| kept[p])
        .filter(|p| p.source == k.source && p.end <= k.start)
        .map_or(0.0, |p| p.end);
    let middle = (k.start + k.end) / 2.0;
    let free = |t: f64, room: f64| if inside(t) { 0.0 } else { room.max(0.0) };
    let half_silence = if rules.silence > 0.0 {
        rules.silence / 2.0
    } else {
        f64::INFINITY
    };
    // The speech nearest inside the stretch, from each end.
    let last_word = before(k.end).max(k.start);
    let first_word = after(k.start).min(k.end);
    Room {
        end_later: free(
            k.end,
            ((after(k.end) - GUARD).min(next_start) - k.end).min(last_word + half_silence - k.end),
        ),
        end_sooner: free(k.end, k.end - (before(k.end) + GUARD).max(middle)),
        start_earlier: free(
            k.start,
            (k.start - (before(k.start) + GUARD).max(previous_end))
                .min(k.start - (first_word - half_silence)),
        ),
        start_later: free(k.start, (after(k.start) - GUARD).min(middle) - k.start),
    }
}

fn nearest_beat(beats: &[Beat], time: f64, snap: f64) -> Option<Beat> {
    if snap <= 0.0 {
        return None;
    }
    let near = beats.iter().filter(|b| (b.time - time).abs() <= snap);
    let closest = |a: &&Beat, b: &&Beat| (a.time - time).abs().total_cmp(&(b.time - time).abs());
    near.clone()
        .filter(|b| b.downbeat)
        .min_by(closest)
        .or_else(|| near.min_by(closest))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 s: speech 1–3, 3.2–4 (a short pause), 6–8 (after a 2 s silence); two sentences.
    fn talk() -> Material {
        Material {
            duration: 10.0,
            speech: vec![(1.0, 3.0), (3.2, 4.0), (6.0, 8.0)],
            sentences: vec![(1.0, 4.0, 8), (6.0, 8.0, 3)],
        }
    }

    /// The rules the expected numbers below are worked out for.
    fn rules() -> Rules {
        Rules {
            silence: 0.5,
            margin: 0.15,
            target: None,
            snap: 0.15,
        }
    }

    fn no_snap() -> Rules {
        Rules {
            snap: 0.0,
            ..rules()
        }
    }

    #[test]
    fn long_silences_shrink_to_the_margin_and_short_pauses_stay() {
        let cut = plan(&[talk()], &no_snap(), &[]).unwrap();
        let spans: Vec<(f64, f64)> = cut.kept.iter().map(|k| (k.start, k.end)).collect();
        assert_eq!(spans, [(0.85, 4.15), (5.85, 8.15)]);
        assert!((cut.silence_removed - (0.85 + 1.7 + 1.85)).abs() < 1e-9);
        assert_eq!(cut.joins.len(), 1);
        assert!((cut.joins[0].time - 3.3).abs() < 1e-9);
    }

    #[test]
    fn no_cut_falls_inside_speech() {
        let cut = plan(&[talk()], &rules(), &[]).unwrap();
        for k in &cut.kept {
            for &(start, end) in &talk().speech {
                assert!(k.start <= start || k.start >= end, "{k:?} starts in speech");
                assert!(k.end <= start || k.end >= end, "{k:?} ends in speech");
            }
        }
    }

    #[test]
    fn a_target_keeps_the_densest_whole_sentences() {
        let rules = Rules {
            target: Some(3.5),
            ..no_snap()
        };
        let cut = plan(&[talk()], &rules, &[]).unwrap();
        // The first sentence (8 words in 3.3 s) is denser than the second (3 in 2.3 s), and
        // fits.
        assert_eq!(cut.kept.len(), 1);
        assert_eq!((cut.kept[0].start, cut.kept[0].end), (0.85, 4.15));
        assert_eq!(cut.sentences_dropped, 1);
        assert!(cut.duration() <= 3.5);
    }

    #[test]
    fn a_sentence_across_a_long_pause_is_kept_or_dropped_whole() {
        let material = Material {
            duration: 10.0,
            speech: vec![(1.0, 2.0), (4.0, 5.0), (7.0, 9.0)],
            // One sentence over the first two regions, a dense one after.
            sentences: vec![(1.0, 5.0, 4), (7.0, 9.0, 10)],
        };
        let rules = Rules {
            target: Some(3.0),
            ..no_snap()
        };
        let cut = plan(&[material], &rules, &[]).unwrap();
        assert_eq!(cut.kept.len(), 1, "{cut:?}");
        assert_eq!((cut.kept[0].start, cut.kept[0].end), (6.85, 9.15));
    }

    #[test]
    fn a_target_is_filled_as_far_as_whole_sentences_allow() {
        // Densest first would keep the 2.3 s and 3.3 s stretches (5.6 s of 9); the two longer
        // ones hold more words together and come to 8.6 s.
        let material = Material {
            duration: 30.0,
            speech: vec![(1.0, 3.0), (5.0, 10.0), (12.0, 15.0)],
            sentences: vec![(1.0, 3.0, 8), (5.0, 10.0, 15), (12.0, 15.0, 10)],
        };
        let rules = Rules {
            target: Some(9.0),
            ..no_snap()
        };
        let cut = plan(&[material], &rules, &[]).unwrap();
        assert!((cut.duration() - 8.6).abs() < 1e-9, "{cut:?}");
        assert_eq!(cut.kept.len(), 2);
        assert_eq!(cut.sentences_dropped, 1);
    }

    #[test]
    fn too_short_a_target_is_refused() {
        let rules = Rules {
            target: Some(1.0),
            ..no_snap()
        };
        let err = plan(&[talk()], &rules, &[]).unwrap_err();
        assert!(matches!(err, CutError::TargetTooShort { .. }), "{err}");
    }

    #[test]
    fn joins_move_onto_a_near_beat_and_not_onto_a_far_one() {
        let near = [Beat {
            time: 3.4,
            downbeat: false,
        }];
        let cut = plan(&[talk()], &rules(), &near).unwrap();
        assert_eq!(cut.joins[0].beat, Some(near[0]));
        assert!((cut.joins[0].time - 3.4).abs() < 1e-9);
        assert!((cut.kept[0].end - 4.25).abs() < 1e-9, "{:?}", cut.kept);
        let far = [Beat {
            time: 3.5,
            downbeat: true,
        }];
        let cut = plan(&[talk()], &rules(), &far).unwrap();
        assert_eq!(cut.joins[0].beat, None);
    }

    #[test]
    fn a_downbeat_wins_over_a_closer_beat() {
        let beats = [
            Beat {
                time: 3.28,
                downbeat: false,
            },
            Beat {
                time: 3.2,
                downbeat: true,
            },
        ];
        let cut = plan(&[talk()], &rules(), &beats).unwrap();
        assert_eq!(cut.joins[0].beat, Some(beats[1]));
        // The first stretch ends 0.1 s sooner, still clear of its speech (which ends at 4.0).
        assert!((cut.kept[0].end - 4.05).abs() < 1e-9, "{:?}", cut.kept);
        assert!((cut.kept[1].start - 5.85).abs() < 1e-9, "{:?}", cut.kept);
    }

    #[test]
    fn a_join_further_than_one_end_can_move_takes_the_rest_from_the_start() {
        // 0.14 s sooner: the end can give 0.12 s before it nears the speech at 4.0, so the
        // stretch starts 0.02 s later too; the join still lands on the beat.
        let beats = [Beat {
            time: 3.16,
            downbeat: true,
        }];
        let cut = plan(&[talk()], &rules(), &beats).unwrap();
        assert_eq!(cut.joins[0].beat, Some(beats[0]), "{:?}", cut.kept);
        assert!((cut.kept[0].end - 4.03).abs() < 1e-9, "{:?}", cut.kept);
        assert!((cut.kept[0].start - 0.87).abs() < 1e-9, "{:?}", cut.kept);
        assert!((cut.joins[0].time - 3.16).abs() < 1e-9);
        // Where neither end has room, the join stays: speech right at both edges.
        let tight = Material {
            duration: 6.0,
            speech: vec![(0.0, 2.0), (4.0, 6.0)],
            sentences: vec![(0.0, 2.0, 4), (4.0, 6.0, 4)],
        };
        let beats = [Beat {
            time: 2.02,
            downbeat: true,
        }];
        let cut = plan(&[tight], &rules(), &beats).unwrap();
        assert_eq!(cut.joins[0].beat, None, "{:?}", cut.kept);
        // 0.1 s later lengthens the first stretch into its silence.
        let beats = [Beat {
            time: 3.4,
            downbeat: true,
        }];
        let rules = Rules {
            target: Some(20.0),
            ..rules()
        };
        let cut = plan(&[talk()], &rules, &beats).unwrap();
        assert!((cut.kept[0].end - 4.25).abs() < 1e-9, "{:?}", cut.kept);
    }

    #[test]
    fn a_snap_never_brings_back_a_removed_silence() {
        // 0.15 s later: the end may grow only to half the threshold after its speech
        // (4.0 + 0.25), so the stretch starts 0.05 s sooner too; the silence either side of
        // the join stays under the threshold.
        let beats = [Beat {
            time: 3.45,
            downbeat: true,
        }];
        let cut = plan(&[talk()], &rules(), &beats).unwrap();
        assert_eq!(cut.joins[0].beat, Some(beats[0]), "{:?}", cut.kept);
        let (first, second) = (cut.kept[0], cut.kept[1]);
        assert!((first.end - 4.25).abs() < 1e-9, "{:?}", cut.kept);
        assert!((first.start - 0.8).abs() < 1e-9, "{:?}", cut.kept);
        assert!((second.start - 5.85).abs() < 1e-9, "{:?}", cut.kept);
        assert!((first.end - 4.0) + (6.0 - second.start) < rules().silence);
    }

    #[test]
    fn a_snap_never_lengthens_past_the_target() {
        let beats = [Beat {
            time: 3.4,
            downbeat: false,
        }];
        let rules = Rules {
            target: Some(5.6),
            ..rules()
        };
        let cut = plan(&[talk()], &rules, &beats).unwrap();
        assert!(cut.duration() <= 5.6 + 1e-9, "{}", cut.duration());
    }

    #[test]
    fn without_silence_rules_everything_stays() {
        let rules = Rules {
            silence: 0.0,
            ..no_snap()
        };
        let cut = plan(&[talk(), talk()], &rules, &[]).unwrap();
        assert_eq!(cut.kept.len(), 2);
        assert_eq!(cut.duration(), 20.0);
        assert_eq!(cut.silence_removed, 0.0);
    }
}
