//! Speech regions from Silero's per-window probabilities: the state machine and padding of
//! silero-vad's `get_speech_timestamps` (6.2.3, with its default of cutting over-long regions
//! at their longest pause), in samples and with the same rounding, so the same probabilities
//! give the same regions to the sample.
//!
//! [`Tracker`] takes one probability at a time and hands out each region as soon as no later
//! window can change it (silero-vad pads a region's end by looking at the next region, so a
//! closed region waits until the next one is known or too far away to matter); [`regions`]
//! runs it over a whole recording.

use super::silero::{SAMPLE_RATE, WINDOW};

/// A pause this long (98 ms) inside a region is a place an over-long region may be cut
/// (silero-vad's `min_silence_at_max_speech`).
const CUT_PAUSE_MS: f64 = 98.0;

/// How probabilities become regions; the defaults are silero-vad's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// A window at or above this probability is speech.
    pub threshold: f64,
    /// Inside speech, a window below this probability is silence (between the two thresholds
    /// speech goes on).
    pub neg_threshold: f64,
    /// Regions this short or shorter (before padding) are dropped.
    pub min_speech_ms: u32,
    /// The silence that ends a region lasts at least this long; shorter pauses stay inside it.
    pub min_silence_ms: u32,
    /// Added before and after every region; two regions closer than twice this meet halfway.
    pub speech_pad_ms: u32,
    /// Longer regions are cut at their longest pause over 98 ms, or where they reach this
    /// length when they have none. Infinite: never.
    pub max_speech_s: f64,
}

impl Params {
    /// The defaults with another threshold, and silero-vad's exit threshold for it
    /// (`threshold - 0.15`, at least 0.01).
    pub fn with_threshold(threshold: f64) -> Params {
        Params {
            threshold,
            neg_threshold: (threshold - 0.15).max(0.01),
            min_speech_ms: 250,
            min_silence_ms: 100,
            speech_pad_ms: 30,
            max_speech_s: f64::INFINITY,
        }
    }
}

impl Default for Params {
    fn default() -> Params {
        Params::with_threshold(0.5)
    }
}

/// A stretch of speech, in seconds from the first sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub start: f64,
    pub end: f64,
}

impl Region {
    fn from_samples(start: i64, end: i64) -> Region {
        let rate = f64::from(SAMPLE_RATE);
        Region {
            start: start as f64 / rate,
            end: end as f64 / rate,
        }
    }
}

/// The regions in `probabilities` (one per 512-sample window of 16 kHz audio) of a recording
/// `samples` long (at 16 kHz), in time order.
pub fn regions(probabilities: &[f32], samples: usize, params: &Params) -> Vec<Region> {
    let mut tracker = Tracker::new(*params);
    let mut found: Vec<Region> = probabilities
        .iter()
        .flat_map(|p| tracker.push(*p))
        .collect();
    found.extend(tracker.finish(samples));
    found
}

/// The parameters as sample counts at 16 kHz, computed as silero-vad computes them.
#[derive(Debug, Clone, Copy)]
struct Limits {
    min_speech: f64,
    min_silence: f64,
    pad: f64,
    max_speech: f64,
    cut_pause: f64,
}

impl Limits {
    fn of(params: &Params) -> Limits {
        let rate = f64::from(SAMPLE_RATE);
        let pad = rate * f64::from(params.speech_pad_ms) / 1000.0;
        Limits {
            min_speech: rate * f64::from(params.min_speech_ms) / 1000.0,
            min_silence: rate * f64::from(params.min_silence_ms) / 1000.0,
            pad,
            max_speech: rate * params.max_speech_s - WINDOW as f64 - 2.0 * pad,
            cut_pause: rate * CUT_PAUSE_MS / 1000.0,
        }
    }
}

/// A kept region whose start is padded and whose end is not yet.
#[derive(Debug, Clone, Copy)]
struct Pending {
    start: i64,
    end: i64,
}

/// Finds regions while the probabilities arrive. Positions are in samples at 16 kHz.
#[derive(Debug, Clone)]
pub struct Tracker {
    params: Params,
    limits: Limits,
    /// Windows seen so far.
    windows: i64,
    /// Where the region being spoken started.
    open: Option<i64>,
    /// Where the pause inside the open region started, while speech may still resume.
    pause: Option<i64>,
    /// Pauses over 98 ms inside the open region, (start, length): where to cut it if too long.
    cuts: Vec<(i64, i64)>,
    /// The last kept region, until its end padding is known.
    pending: Option<Pending>,
    /// Where the last kept region ended, before padding: the next one's start padding needs it.
    last_end: Option<i64>,
}

impl Tracker {
    pub fn new(params: Params) -> Tracker {
        Tracker {
            params,
            limits: Limits::of(&params),
            windows: 0,
            open: None,
            pause: None,
            cuts: Vec::new(),
            pending: None,
            last_end: None,
        }
    }

    /// Takes the next window's probability; returns the regions it made final, in time order.
    pub fn push(&mut self, probability: f32) -> Vec<Region> {
        let at = self.windows * WINDOW as i64;
        self.windows += 1;
        let mut done = Vec::new();
        self.step(at, f64::from(probability), &mut done);
        self.settle(at, &mut done);
        done
    }

    /// Ends the recording, `samples` long: closes an open region that is long enough and
    /// returns every region not handed out yet. The tracker starts over afterwards.
    pub fn finish(&mut self, samples: usize) -> Vec<Region> {
        let length = i64::try_from(samples).unwrap_or(i64::MAX);
        let mut done = Vec::new();
        if let Some(start) = self.open {
            if (length - start) as f64 > self.limits.min_speech {
                self.keep(start, length, &mut done);
            }
        }
        if let Some(last) = self.pending {
            let end = (length as f64).min(last.end as f64 + self.limits.pad) as i64;
            done.push(Region::from_samples(last.start, end));
        }
        *self = Tracker::new(self.params);
        done
    }

    /// silero-vad's loop body for the window starting at sample `at`.
    fn step(&mut self, at: i64, probability: f64, done: &mut Vec<Region>) {
        let limits = self.limits;
        let speech = probability >= self.params.threshold;
        if speech {
            if let Some(pause) = self.pause.take() {
                let length = at - pause;
                if length as f64 > limits.cut_pause {
                    self.cuts.push((pause, length));
                }
            }
        }
        let Some(mut start) = self.open else {
            if speech {
                self.open = Some(at);
            }
            return;
        };

        if (at - start) as f64 > limits.max_speech {
            // The first of the longest pauses, as Python's max() picks it.
            let longest = self.cuts.iter().copied().reduce(
                |best, cut| {
                    if cut.1 > best.1 {
                        cut
                    } else {
                        best
                    }
                },
            );
            self.pause = None;
            self.cuts.clear();
            match longest {
                Some((pause, length)) => {
                    self.keep(start, pause, done);
                    // Speech resumed after that pause and has not stopped since.
                    start = pause + length;
                    self.open = Some(start);
                }
                None => {
                    self.keep(start, at, done);
                    self.open = None;
                    return;
                }
            }
        }

        if probability < self.params.neg_threshold {
            let pause = *self.pause.get_or_insert(at);
            if ((at - pause) as f64) < limits.min_silence {
                return;
            }
            self.open = None;
            self.pause = None;
            self.cuts.clear();
            if (pause - start) as f64 > limits.min_speech {
                self.keep(start, pause, done);
            }
        }
    }

    /// Records a closed region (`start`..`end` before padding) that is long enough: pads its
    /// start, and finishes the one before it, whose end padding depended on this start.
    fn keep(&mut self, start: i64, end: i64, done: &mut Vec<Region>) {
        let pad = self.limits.pad;
        let start = match self.last_end {
            None => (start as f64 - pad).max(0.0) as i64,
            Some(previous) => {
                let gap = start - previous;
                let close = (gap as f64) < 2.0 * pad;
                if let Some(last) = self.pending.take() {
                    let end = if close {
                        last.end + gap.div_euclid(2)
                    } else {
                        (last.end as f64 + pad) as i64
                    };
                    done.push(Region::from_samples(last.start, end));
                }
                if close {
                    (start - gap.div_euclid(2)).max(0)
                } else {
                    (start as f64 - pad).max(0.0) as i64
                }
            }
        };
        self.pending = Some(Pending { start, end });
        self.last_end = Some(end);
    }

    /// Hands out the pending region once the next kept region cannot start within twice the
    /// padding of its end: then its end is simply padded.
    fn settle(&mut self, at: i64, done: &mut Vec<Region>) {
        let Some(last) = self.pending else {
            return;
        };
        let pad = self.limits.pad;
        let far = last.end as f64 + 2.0 * pad;
        // An open region is the earliest candidate; without one, the next starts after `at`.
        // Either way it lies before the end of the recording, so the padded end does too.
        let earliest = self.open.unwrap_or(at);
        if earliest as f64 >= far {
            let end = (last.end as f64 + pad) as i64;
            done.push(Region::from_samples(last.start, end));
            self.pending = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: i64 = WINDOW as i64;

    /// Runs of (windows, probability).
    fn probabilities(runs: &[(usize, f32)]) -> Vec<f32> {
        runs.iter()
            .flat_map(|&(n, p)| std::iter::repeat_n(p, n))
            .collect()
    }

    fn samples(regions: &[Region]) -> Vec<(i64, i64)> {
        let rate = f64::from(SAMPLE_RATE);
        regions
            .iter()
            .map(|r| {
                (
                    (r.start * rate).round() as i64,
                    (r.end * rate).round() as i64,
                )
            })
            .collect()
    }

    fn run(runs: &[(usize, f32)], params: &Params) -> Vec<(i64, i64)> {
        let probs = probabilities(runs);
        samples(&regions(&probs, probs.len() * WINDOW, params))
    }

    #[test]
    fn one_word_is_one_padded_region() {
        let found = run(&[(10, 0.1), (20, 0.9), (20, 0.1)], &Params::default());
        // Speech from window 10; silence from window 30, confirmed 100 ms later; 30 ms pads.
        assert_eq!(found, vec![(10 * W - 480, 30 * W + 480)]);
    }

    #[test]
    fn blips_shorter_than_min_speech_are_dropped() {
        // 7 windows are 224 ms, under 250 ms; 8 windows are 256 ms.
        assert!(run(&[(10, 0.1), (7, 0.9), (20, 0.1)], &Params::default()).is_empty());
        assert_eq!(
            run(&[(10, 0.1), (8, 0.9), (20, 0.1)], &Params::default()).len(),
            1
        );
    }

    #[test]
    fn pauses_shorter_than_min_silence_are_merged() {
        // A region ends at a silent window starting 100 ms or more after the silence did: the
        // fifth. Four silent windows stay inside the region.
        let merged = run(
            &[(5, 0.1), (20, 0.9), (4, 0.1), (20, 0.9), (10, 0.1)],
            &Params::default(),
        );
        assert_eq!(merged, vec![(5 * W - 480, 49 * W + 480)]);
        let split = run(
            &[(5, 0.1), (20, 0.9), (5, 0.1), (20, 0.9), (10, 0.1)],
            &Params::default(),
        );
        assert_eq!(
            split,
            vec![(5 * W - 480, 25 * W + 480), (30 * W - 480, 50 * W + 480)]
        );
    }

    #[test]
    fn between_the_thresholds_speech_goes_on() {
        let found = run(
            &[(2, 0.0), (10, 0.9), (10, 0.4), (10, 0.2)],
            &Params::default(),
        );
        assert_eq!(found, vec![(2 * W - 480, 22 * W + 480)]);
        // Starting takes the full threshold.
        assert!(run(&[(2, 0.0), (20, 0.45), (10, 0.0)], &Params::default()).is_empty());
    }

    #[test]
    fn padding_stays_inside_the_recording() {
        let probs = probabilities(&[(20, 0.9)]);
        let length = 20 * WINDOW - 100;
        let found = samples(&regions(&probs, length, &Params::default()));
        assert_eq!(found, vec![(0, length as i64)]);
    }

    #[test]
    fn regions_closer_than_twice_the_padding_meet_halfway() {
        let params = Params {
            min_silence_ms: 10,
            speech_pad_ms: 40,
            ..Params::default()
        };
        // A 2-window gap (1024 samples) is under 2 × 640: each side takes 512.
        let found = run(
            &[(3, 0.0), (10, 0.9), (2, 0.0), (10, 0.9), (5, 0.0)],
            &params,
        );
        assert_eq!(
            found,
            vec![(3 * W - 640, 13 * W + 512), (15 * W - 512, 25 * W + 640)]
        );
    }

    #[test]
    fn over_long_regions_are_cut_at_their_longest_pause() {
        let params = Params {
            max_speech_s: 1.0,
            min_silence_ms: 500,
            ..Params::default()
        };
        // Pauses of 4 and 6 windows (over 98 ms, under 500 ms) inside 40 windows of speech.
        let runs = [
            (2, 0.0),
            (10, 0.9),
            (4, 0.1),
            (8, 0.9),
            (6, 0.1),
            (12, 0.9),
            (30, 0.0),
        ];
        let found = run(&runs, &params);
        assert_eq!(found[0], (2 * W - 480, 24 * W + 480));
        assert_eq!(found[1].0, 30 * W - 480);
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn without_a_pause_an_over_long_region_is_cut_where_it_reaches_the_limit() {
        let params = Params {
            max_speech_s: 1.0,
            ..Params::default()
        };
        let found = run(&[(50, 0.9)], &params);
        // 16000 - 512 - 960 samples after the start is 28.4 windows: cut at window 29. The
        // next region starts with window 30, so the two meet halfway.
        assert_eq!(found, vec![(0, 29 * W + 256), (30 * W - 256, 50 * W)]);
    }

    #[test]
    fn a_region_is_handed_out_when_its_silence_is_confirmed() {
        let mut tracker = Tracker::new(Params::default());
        let probs = probabilities(&[(10, 0.1), (20, 0.9), (4, 0.1)]);
        for p in &probs {
            assert!(tracker.push(*p).is_empty());
        }
        let closed = tracker.push(0.1);
        assert_eq!(samples(&closed), vec![(10 * W - 480, 30 * W + 480)]);
        assert!(tracker.finish(probs.len() * WINDOW).is_empty());
    }

    #[test]
    fn a_region_near_the_next_waits_for_it() {
        let params = Params {
            min_silence_ms: 10,
            speech_pad_ms: 100,
            ..Params::default()
        };
        let mut tracker = Tracker::new(params);
        let mut handed_out = Vec::new();
        for p in probabilities(&[(2, 0.0), (10, 0.9), (2, 0.0)]) {
            handed_out.extend(tracker.push(p));
        }
        // Closed, but the next region may still start within 2 × 100 ms of its end.
        assert!(handed_out.is_empty());
        for p in probabilities(&[(5, 0.0)]) {
            assert!(tracker.push(p).is_empty());
        }
        // Window 19 starts 3584 samples after the end: no region can start that close now.
        assert_eq!(samples(&tracker.push(0.0)), vec![(0, 12 * W + 1600)]);
    }

    #[test]
    fn speech_to_the_end_is_closed_by_finish() {
        let mut tracker = Tracker::new(Params::default());
        for p in probabilities(&[(5, 0.0), (20, 0.9)]) {
            assert!(tracker.push(p).is_empty());
        }
        let found = samples(&tracker.finish(25 * WINDOW));
        assert_eq!(found, vec![(5 * W - 480, 25 * W)]);
        // Started over: nothing is left open.
        assert!(tracker.finish(0).is_empty());
    }

    #[test]
    fn the_exit_threshold_follows_silero() {
        assert_eq!(Params::with_threshold(0.5).neg_threshold, 0.5 - 0.15);
        assert_eq!(Params::with_threshold(0.1).neg_threshold, 0.01);
        assert!(run(&[(30, 0.0)], &Params::default()).is_empty());
        assert!(regions(&[], 0, &Params::default()).is_empty());
    }
}
