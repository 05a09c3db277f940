//! Which stretches of a recording Whisper hears when a voice-activity detector gates it.
//!
//! Silero finds the regions of speech; neighbouring regions become one clip when the pause
//! between them is short and the clip still fits one 30 s window. The transcriber's seek loop
//! then runs inside each clip only (as openai-whisper's `clip_timestamps` do), so long
//! silences and music beds are neither decoded (Whisper invents text such as "Thank you." on
//! them) nor paid for, and a region longer than 30 s is still cut by the seek loop.

use super::mel::{HOP, SAMPLE_RATE, WINDOW_FRAMES};
use crate::vad::{speech_regions, Params, Region, Silero, VadError};
use std::ops::Range;

/// Pauses shorter than this stay inside a clip: cutting there would cost another encoder run
/// and take the rest of a sentence away from its start. Longer ones are left out.
pub const MERGE_GAP_SECONDS: f64 = 2.0;

/// Mel frames a second (Whisper's features are 10 ms apart).
const FRAMES_PER_SECOND: f64 = SAMPLE_RATE as f64 / HOP as f64;

/// A loaded Silero VAD and the parameters that turn its probabilities into regions.
pub struct Gate {
    silero: Silero,
    params: Params,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("silero", &self.silero)
            .field("params", &self.params)
            .finish()
    }
}

impl Gate {
    pub fn new(silero: Silero, params: Params) -> Gate {
        Gate { silero, params }
    }

    /// The clips of 16 kHz mono `samples` worth transcribing, as ranges of mel frames in time
    /// order (empty when nothing is speech).
    pub fn clips(&mut self, samples: &[f32]) -> Result<Vec<Range<usize>>, VadError> {
        let rate = SAMPLE_RATE as u32;
        let regions = speech_regions(&mut self.silero, samples, rate, &self.params)?;
        tracing::debug!(regions = regions.len(), "speech regions found");
        Ok(clips(&regions, samples.len() / HOP))
    }
}

/// Groups `regions` (seconds, in time order) into clips of mel frames within `0..frames`: a
/// region joins the clip before it when the pause between them is under
/// [`MERGE_GAP_SECONDS`] and the clip stays within one window; a region longer than a window
/// is a clip of its own.
pub fn clips(regions: &[Region], frames: usize) -> Vec<Range<usize>> {
    // Rounded outward, so a clip never cuts into its region. `as` saturates: a negative or NaN
    // time is frame 0, an infinite one is past the end.
    let first = |seconds: f64| ((seconds * FRAMES_PER_SECOND).floor() as usize).min(frames);
    let past = |seconds: f64| ((seconds * FRAMES_PER_SECOND).ceil() as usize).min(frames);
    let merge_gap = (MERGE_GAP_SECONDS * FRAMES_PER_SECOND) as usize;
    let mut clips: Vec<Range<usize>> = Vec::new();
    for region in regions {
        let (start, end) = (first(region.start), past(region.end));
        if start >= end {
            continue;
        }
        match clips.last_mut() {
            Some(last)
                if start.saturating_sub(last.end) < merge_gap
                    && end.saturating_sub(last.start) <= WINDOW_FRAMES =>
            {
                last.end = last.end.max(end);
            }
            _ => clips.push(start..end),
        }
    }
    clips
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(start: f64, end: f64) -> Region {
        Region { start, end }
    }

    #[test]
    fn short_pauses_stay_inside_a_clip_and_long_ones_are_left_out() {
        let regions = [region(1.0, 4.0), region(5.5, 8.25), region(20.0, 22.0)];
        // 1.5 s between the first two: one clip; 11.75 s before the third: a clip of its own.
        assert_eq!(clips(&regions, 6000), vec![100..825, 2000..2200]);
    }

    #[test]
    fn a_pause_of_the_merge_gap_or_more_cuts() {
        let regions = [region(0.0, 1.0), region(3.0, 4.0)];
        assert_eq!(clips(&regions, 1000), vec![0..100, 300..400]);
        let regions = [region(0.0, 1.0), region(2.99, 4.0)];
        assert_eq!(clips(&regions, 1000), vec![0..400]);
    }

    #[test]
    fn a_clip_stays_within_one_window() {
        // Together 30.5 s: too long for one window, though the pause is short.
        let regions = [region(0.0, 20.0), region(20.5, 30.5)];
        assert_eq!(clips(&regions, 4000), vec![0..2000, 2050..3050]);
        // Exactly 30 s still fits.
        let regions = [region(0.0, 20.0), region(20.5, 30.0)];
        assert_eq!(clips(&regions, 4000), vec![0..3000]);
    }

    #[test]
    fn a_region_longer_than_a_window_is_one_clip_for_the_seek_loop() {
        let regions = [region(2.0, 75.0), region(75.5, 80.0)];
        assert_eq!(clips(&regions, 9000), vec![200..7500, 7550..8000]);
    }

    #[test]
    fn times_round_outward_and_stay_inside_the_recording() {
        let regions = [region(0.123, 0.456), region(9.0, 12.0)];
        assert_eq!(clips(&regions, 1000), vec![12..46, 900..1000]);
        // Nothing left once clamped; odd times do not panic.
        let odd = [
            region(20.0, 25.0),
            region(f64::NAN, 1.0),
            region(-1.0, f64::INFINITY),
        ];
        assert_eq!(clips(&odd[..1], 1000), Vec::<Range<usize>>::new());
        assert_eq!(clips(&odd[1..], 1000), vec![0..1000]);
        assert!(clips(&[], 1000).is_empty());
    }
}
