//! What the face does at a moment: the mouth's pose from the shape track (blended over about a
//! frame when the shape changes) and the lids' closure from a blink schedule. Both depend only
//! on the time and a seed, so any frame can be drawn alone.

/// How a mouth shape looks: `open` the gap between the lips over the mouth's width, `width` the
/// mouth's width over its width at rest, and how much of the teeth and tongue show (0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    pub open: f32,
    pub width: f32,
    pub teeth: f32,
    pub tongue: f32,
}

impl Pose {
    pub const REST: Pose = Pose {
        open: 0.0,
        width: 1.0,
        teeth: 0.0,
        tongue: 0.0,
    };

    /// Rhubarb's shapes: A closed (P, B, M), B slightly open with clenched teeth, C open,
    /// D wide open, E rounded, F puckered (oo, w), G teeth on the lower lip (F, V), H the tongue
    /// raised (L), X at rest.
    pub fn of(shape: char) -> Option<Pose> {
        let pose = |open, width, teeth, tongue| Pose {
            open,
            width,
            teeth,
            tongue,
        };
        Some(match shape.to_ascii_uppercase() {
            'A' => pose(0.0, 0.97, 0.0, 0.0),
            'B' => pose(0.09, 1.03, 1.0, 0.0),
            'C' => pose(0.26, 1.04, 0.7, 0.2),
            'D' => pose(0.42, 1.06, 0.6, 0.35),
            'E' => pose(0.22, 0.88, 0.2, 0.1),
            'F' => pose(0.1, 0.74, 0.0, 0.0),
            'G' => pose(0.05, 1.0, 1.0, 0.0),
            'H' => pose(0.24, 1.0, 0.4, 0.8),
            'X' => Pose::REST,
            _ => return None,
        })
    }

    pub fn lerp(self, to: Pose, t: f32) -> Pose {
        let mix = |a: f32, b: f32| a + (b - a) * t;
        Pose {
            open: mix(self.open, to.open),
            width: mix(self.width, to.width),
            teeth: mix(self.teeth, to.teeth),
            tongue: mix(self.tongue, to.tongue),
        }
    }
}

/// A mouth shape from `start` (seconds) until the next cue, opened `amount` times as far as
/// the shape's own opening (how loud the voice is there).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cue {
    pub start: f64,
    pub shape: char,
    pub amount: f32,
}

impl Cue {
    fn pose(&self) -> Pose {
        let pose = Pose::of(self.shape).unwrap_or(Pose::REST);
        Pose {
            open: pose.open * self.amount,
            ..pose
        }
    }
}

/// Reads Rhubarb Lip Sync's TSV: `time<TAB>shape` a line, times rising, with an optional third
/// column, how far the mouth opens against the shape's own opening (0 to 2, 1 without it).
/// Errors name the line.
pub fn read_tsv(text: &str) -> Result<Vec<Cue>, String> {
    let mut cues: Vec<Cue> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |why: &str| format!("line {}: {why}: '{line}'", i + 1);
        let mut columns = line.split_whitespace();
        let (Some(time), Some(shape)) = (columns.next(), columns.next()) else {
            return Err(fail("expected a time and a shape"));
        };
        let amount = match columns.next() {
            None => 1.0,
            Some(amount) => amount
                .parse::<f32>()
                .ok()
                .filter(|a| (0.0..=2.0).contains(a))
                .ok_or_else(|| fail("the opening is not a number from 0 to 2"))?,
        };
        let start: f64 = time
            .trim()
            .parse()
            .map_err(|_| fail("the time is not a number of seconds"))?;
        let shape = shape.trim();
        let letter = shape.chars().next().filter(|_| shape.chars().count() == 1);
        let letter = letter
            .filter(|c| Pose::of(*c).is_some())
            .ok_or_else(|| fail("the shape is not one of A-H or X"))?;
        if !start.is_finite() || cues.last().is_some_and(|c| start < c.start) {
            return Err(fail("times must rise"));
        }
        cues.push(Cue {
            start,
            shape: letter,
            amount,
        });
    }
    Ok(cues)
}

/// The mouth's pose at `t`: the shape whose cue is running, blended from the one before over
/// `blend` seconds after the change.
pub fn mouth_at(cues: &[Cue], t: f64, blend: f64) -> Pose {
    let now = cues.partition_point(|c| c.start <= t);
    let Some(current) = now.checked_sub(1).map(|i| cues[i]) else {
        return Pose::REST;
    };
    let pose = current.pose();
    let before = now
        .checked_sub(2)
        .map(|i| cues[i].pose())
        .unwrap_or(Pose::REST);
    let into = if blend > 0.0 {
        ((t - current.start) / blend).clamp(0.0, 1.0)
    } else {
        1.0
    };
    before.lerp(pose, into as f32)
}

/// Seconds between blinks (a person at rest blinks every 2–6 s) and how long one takes.
const BLINK_GAP: (f64, f64) = (2.2, 5.5);
const BLINK_CLOSE: f64 = 0.07;
const BLINK_SHUT: f64 = 0.03;
const BLINK_OPEN: f64 = 0.1;

/// When the eyes blink: a fixed sequence drawn from a seed.
#[derive(Debug, Clone)]
pub struct Blinks {
    starts: Vec<f64>,
    state: u64,
}

impl Blinks {
    pub fn new(seed: u64) -> Blinks {
        Blinks {
            starts: Vec::new(),
            state: seed ^ 0x9e37_79b9_7f4a_7c15,
        }
    }

    fn next_unit(&mut self) -> f64 {
        // SplitMix64: every seed gives a different, well-spread sequence.
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    }

    /// How closed the lids are at `t`, 0 (open) to 1 (shut).
    pub fn closure(&mut self, t: f64) -> f32 {
        while self.starts.last().is_none_or(|&s| s <= t) {
            let last = self.starts.last().copied().unwrap_or(0.0);
            let gap = BLINK_GAP.0 + (BLINK_GAP.1 - BLINK_GAP.0) * self.next_unit();
            self.starts.push(last + gap);
        }
        let i = self.starts.partition_point(|&s| s <= t);
        let Some(start) = i.checked_sub(1).map(|i| self.starts[i]) else {
            return 0.0;
        };
        let d = t - start;
        let closure = if d < BLINK_CLOSE {
            d / BLINK_CLOSE
        } else if d < BLINK_CLOSE + BLINK_SHUT {
            1.0
        } else {
            1.0 - (d - BLINK_CLOSE - BLINK_SHUT) / BLINK_OPEN
        };
        closure.clamp(0.0, 1.0) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_track_reads_rhubarb_tsv_and_names_bad_lines() {
        let cues = read_tsv("0.00\tX\n0.35\tB\n0.50\tD\n").unwrap();
        assert_eq!(cues.len(), 3);
        assert_eq!((cues[1].start, cues[1].shape), (0.35, 'B'));
        assert!(read_tsv("0.0\tX\n0.2\tQ\n")
            .unwrap_err()
            .starts_with("line 2:"));
        assert!(read_tsv("0.5\tX\n0.2\tA\n").unwrap_err().contains("rise"));
        assert!(read_tsv("soon\tX\n").unwrap_err().contains("number"));
        // A third column scales the opening.
        let loud = read_tsv("0.0\tD\t0.5\n").unwrap();
        assert_eq!(
            mouth_at(&loud, 0.5, 0.0).open,
            Pose::of('D').unwrap().open * 0.5
        );
        assert!(read_tsv("0.0\tD\tloud\n").unwrap_err().contains("opening"));
    }

    #[test]
    fn shapes_blend_over_the_blend_time_and_hold_after() {
        let cues = read_tsv("0.0\tX\n1.0\tD\n2.0\tA\n").unwrap();
        let blend = 1.0 / 30.0;
        assert_eq!(mouth_at(&cues, 0.5, blend), Pose::REST);
        let half = mouth_at(&cues, 1.0 + blend / 2.0, blend);
        assert!((half.open - Pose::of('D').unwrap().open / 2.0).abs() < 1e-4);
        assert_eq!(mouth_at(&cues, 1.5, blend), Pose::of('D').unwrap());
        // Closed lips are closed one frame after their cue.
        assert_eq!(mouth_at(&cues, 2.0 + blend, blend).open, 0.0);
        assert_eq!(mouth_at(&[], 1.0, blend), Pose::REST);
    }

    #[test]
    fn blinks_come_every_few_seconds_and_are_brief() {
        let mut blinks = Blinks::new(7);
        let step = 0.01;
        let shut: Vec<f64> = (0..6000)
            .map(|i| i as f64 * step)
            .filter(|&t| blinks.closure(t) > 0.99)
            .collect();
        let mut starts = vec![shut[0]];
        for pair in shut.windows(2) {
            if pair[1] - pair[0] > 0.5 {
                starts.push(pair[1]);
            }
        }
        // 60 s: between 60/5.5 and 60/2.2 blinks.
        assert!((10..=28).contains(&starts.len()), "{} blinks", starts.len());
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= BLINK_GAP.0 - 0.02);
        }
        // The same seed, the same blinks, asked in any order.
        let mut again = Blinks::new(7);
        assert_eq!(again.closure(starts[3]), Blinks::new(7).closure(starts[3]));
    }
}
