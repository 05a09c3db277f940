//! Draws one frame of a talking face into an I420 picture of the portrait, in place.
//!
//! Every pixel of the mouth's region (while it is not at rest) and of the eyes' (while they
//! blink) is mapped back to the point of the picture it shows: the mouth's lips apart along
//! the line where they meet (the upper lip lifts a third of the gap and the jaw drops the rest,
//! fading out to under the nose and below the chin; the width pulled in or out for rounded and
//! wide shapes), an eye's upper lid drawn down over it. Each displacement is zero at its
//! region's edge, so nothing shows a seam, and the rest of the frame is not touched. Between
//! the lips the mouth's inside is painted: dark, with the upper teeth and the tongue as the
//! shape shows them, its edges anti-aliased. The picture is sampled bilinearly at the mapped
//! point, so motion is sub-pixel.

use super::pose::Pose;
use super::rig::{Eye, Mouth, Rig};

/// The inside of the mouth, the teeth, the tongue and an eyelash line in (Y, U, V).
const INSIDE: [f32; 3] = [38.0, 128.0, 146.0];
const TEETH: [f32; 3] = [208.0, 127.0, 129.0];
const TONGUE: [f32; 3] = [92.0, 116.0, 170.0];
const LASH: [f32; 3] = [45.0, 128.0, 130.0];
/// How far past its corners the mouth's region reaches, in half-widths.
const MOUTH_REACH: f32 = 1.5;
/// How far the gap between the lips runs towards the corners, in half-widths.
const GAP_SPAN: f32 = 0.92;
/// The share of the gap the upper lip takes (the jaw takes the rest).
const UPPER_SHARE: f32 = 0.35;

/// What the face does in this frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moment {
    pub mouth: Pose,
    /// 0 open, 1 shut.
    pub lids: f32,
}

/// One plane of the frame, mutable.
pub struct PlaneMut<'a> {
    pub data: &'a mut [u8],
    pub stride: usize,
    pub width: usize,
    pub height: usize,
    /// Frame pixels per plane pixel (1 for luma, 2 for I420's chroma).
    pub sub: usize,
}

/// A copy of the region being redrawn, read while the frame is written.
#[derive(Default)]
pub struct Scratch {
    data: Vec<u8>,
}

/// What a frame pixel shows: the portrait point to sample and paint over it (colour, alpha).
struct Look {
    at: (f32, f32),
    paint: Option<([f32; 3], f32)>,
}

fn smooth(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// Redraws the moving parts of `planes` for `moment`: planes of one size and subsampling, given
/// with their index (0 Y, 1 U, 2 V) and a scratch each, so U and V share one map.
pub fn draw(planes: &mut [(PlaneMut, usize, &mut Scratch)], rig: &Rig, moment: &Moment) {
    let mut parts = Vec::new();
    if moment.mouth != Pose::REST {
        parts.push(mouth_rect(&rig.mouth));
    }
    if moment.lids > 0.0 {
        parts.extend(rig.eyes.iter().map(eye_rect));
    }
    let (Some(first), Some((model, _, _))) = (parts.first().copied(), planes.first()) else {
        return;
    };
    // One copy of the picture under all the parts, read while they are written.
    let union = parts.iter().fold(first, |u, r| {
        [
            u[0].min(r[0]),
            u[1].min(r[1]),
            u[2].max(r[2]),
            u[3].max(r[3]),
        ]
    });
    let (width, height, sub) = (model.width, model.height, model.sub as f32);
    let clip = |v: f32, len: usize, up: bool| {
        let v = if up {
            (v / sub).ceil() + 1.0
        } else {
            (v / sub).floor() - 1.0
        };
        (v.max(0.0) as usize).min(len)
    };
    let (x0, x1) = (clip(union[0], width, false), clip(union[2], width, true));
    let (y0, y1) = (clip(union[1], height, false), clip(union[3], height, true));
    let (w, h) = (x1.saturating_sub(x0), y1.saturating_sub(y0));
    if w < 2 || h < 2 {
        return;
    }
    for (plane, _, scratch) in planes.iter_mut() {
        scratch.data.clear();
        for row in y0..y1 {
            let start = row * plane.stride + x0;
            scratch
                .data
                .extend_from_slice(&plane.data[start..start + w]);
        }
    }
    for row in y0..y1 {
        let y = (row as f32 + 0.5) * sub;
        let row_parts: Vec<&[f32; 4]> = parts.iter().filter(|r| r[1] <= y && y <= r[3]).collect();
        if row_parts.is_empty() {
            continue;
        }
        for col in x0..x1 {
            let x = (col as f32 + 0.5) * sub;
            if !row_parts.iter().any(|r| r[0] <= x && x <= r[2]) {
                continue;
            }
            let Some(look) = look(rig, moment, (x, y)) else {
                continue;
            };
            // The bilinear taps, the same for every plane of the group. Plane pixel centres
            // sit at half-integers of the frame's continuous coordinates.
            let sx = (look.at.0 / sub - 0.5 - x0 as f32).clamp(0.0, (w - 1) as f32);
            let sy = (look.at.1 / sub - 0.5 - y0 as f32).clamp(0.0, (h - 1) as f32);
            let (ix, iy) = ((sx as usize).min(w - 2), (sy as usize).min(h - 2));
            let (fx, fy) = (sx - ix as f32, sy - iy as f32);
            let i = iy * w + ix;
            for (plane, index, scratch) in planes.iter_mut() {
                let source = &scratch.data;
                let (a, b) = (f32::from(source[i]), f32::from(source[i + 1]));
                let (c, d) = (f32::from(source[i + w]), f32::from(source[i + w + 1]));
                let top = a + (b - a) * fx;
                let mut value = top + (c + (d - c) * fx - top) * fy;
                if let Some((colour, alpha)) = look.paint {
                    value += (colour[*index] - value) * alpha;
                }
                // Truncating after adding a half rounds; `round` is a call, this is one
                // instruction.
                plane.data[row * plane.stride + col] = (value.clamp(0.0, 255.0) + 0.5) as u8;
            }
        }
    }
}

/// The frame rectangle (left, top, right, bottom) around the points of a part's frame.
fn bounds(frame: &super::rig::Frame, corners: [(f32, f32); 4]) -> [f32; 4] {
    let mut r = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
    for (u, v) in corners {
        let (x, y) = frame.picture(u, v);
        r = [r[0].min(x), r[1].min(y), r[2].max(x), r[3].max(y)];
    }
    r
}

/// Where the mouth's part of the map can be other than nothing.
fn mouth_rect(mouth: &Mouth) -> [f32; 4] {
    let reach = mouth.half_width * MOUTH_REACH;
    let lines = mouth.line.iter().map(|p| p.1);
    let (high, low) = lines.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (top, bottom) = (high - mouth.reach_up, low + mouth.reach_down);
    bounds(
        &mouth.frame,
        [
            (-reach, top),
            (reach, top),
            (-reach, bottom),
            (reach, bottom),
        ],
    )
}

/// Where an eye's part of the map can be other than nothing.
fn eye_rect(eye: &Eye) -> [f32; 4] {
    let hw = eye.half_width;
    let top = eye.upper - (eye.lower - eye.upper) * 2.2;
    let bottom = eye.lower + 1.0;
    bounds(
        &eye.frame,
        [(-hw, top), (hw, top), (-hw, bottom), (hw, bottom)],
    )
}

/// What a frame pixel shows, `None` where no part moves it.
fn look(rig: &Rig, moment: &Moment, at: (f32, f32)) -> Option<Look> {
    if moment.mouth != Pose::REST {
        if let Some(look) = mouth(&rig.mouth, &moment.mouth, at) {
            return Some(look);
        }
    }
    rig.eyes.iter().find_map(|eye| lids(eye, moment.lids, at))
}

/// The mouth's part of the map, `None` outside its region.
fn mouth(mouth: &Mouth, pose: &Pose, at: (f32, f32)) -> Option<Look> {
    let (u, v) = mouth.frame.local(at);
    let hw = mouth.half_width;
    let reach = hw * MOUTH_REACH;
    if u.abs() >= reach {
        return None;
    }
    let line = mouth.line_at(u);
    let (up, down) = (mouth.reach_up, mouth.reach_down);
    if v <= line - up || v >= line + down {
        return None;
    }
    // Wider or narrower: the lips' neighbourhood pulled along u, fading to the region's edge.
    let across = smooth((reach - u.abs()) / (reach - hw));
    let along = if v < line {
        smooth(1.0 + (v - line) / up)
    } else {
        smooth(1.0 - (v - line) / down)
    };
    let us = u * (1.0 + (1.0 / pose.width.max(0.3) - 1.0) * across * along);
    let line = mouth.line_at(us);
    let a = us / (hw * GAP_SPAN);
    let gap = if a.abs() < 1.0 {
        // (1 - a²)^¾: an oval gap; two square roots cost less than a power.
        let s = 1.0 - a * a;
        let root = s.sqrt();
        pose.open * 2.0 * hw * root * root.sqrt()
    } else {
        0.0
    };
    let (lift, drop) = (gap * UPPER_SHARE, gap * (1.0 - UPPER_SHARE));
    let (top, bottom) = (line - lift, line + drop);
    let sv = if v < top {
        v + lift * smooth((v - (line - up)) / (up - lift).max(1e-3))
    } else if v > bottom {
        v - drop * smooth(((line + down) - v) / (down - drop).max(1e-3))
    } else {
        line
    };
    let source = mouth.frame.picture(us, sv);
    if gap < 0.25 {
        return Some(Look {
            at: source,
            paint: None,
        });
    }
    let inside = ((v - top).min(bottom - v) + 0.5).clamp(0.0, 1.0);
    if inside <= 0.0 {
        return Some(Look {
            at: source,
            paint: None,
        });
    }
    let teeth = (gap * 0.45).min(mouth.lip * 0.9) * pose.teeth;
    let tongue = gap * 0.45 * pose.tongue;
    let colour = if v < top + teeth {
        TEETH
    } else if v > bottom - tongue && a.abs() < 0.65 {
        TONGUE
    } else {
        // Darker deeper in: the middle of the gap, away from the lips.
        let depth = 1.0 - ((v - line).abs() / (gap * 0.5).max(1.0)).min(1.0);
        [INSIDE[0] - 14.0 * depth, INSIDE[1], INSIDE[2]]
    };
    Some(Look {
        at: source,
        paint: Some((colour, inside)),
    })
}

/// An eye's part of the map: the upper lid drawn down by `closure`; `None` outside its region.
fn lids(eye: &Eye, closure: f32, at: (f32, f32)) -> Option<Look> {
    if closure <= 0.0 {
        return None;
    }
    let (u, v) = eye.frame.local(at);
    let hw = eye.half_width;
    if u.abs() >= hw {
        return None;
    }
    let shape = 1.0 - (u / hw).powi(2);
    let (upper, lower) = (eye.upper * shape, eye.lower * shape);
    let height = lower - upper;
    let reach = (eye.lower - eye.upper) * 2.2;
    let edge = upper + closure * height;
    if v <= upper - reach || v >= edge + 1.0 {
        return None;
    }
    let pull = closure * height * smooth((v - (upper - reach)) / reach);
    let source = eye.frame.picture(u, if v < edge { v - pull } else { v });
    // The lashes along the lid's edge, darker as it closes.
    let lash = (1.0 - (v - edge).abs()).clamp(0.0, 1.0) * closure * 0.7;
    Some(Look {
        at: source,
        paint: (lash > 0.0).then_some((LASH, lash)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::rig::Frame;
    use super::*;

    fn level_mouth() -> Mouth {
        Mouth {
            frame: Frame {
                centre: (100.0, 100.0),
                cos: 1.0,
                sin: 0.0,
            },
            half_width: 20.0,
            line: vec![(-20.0, 0.0), (20.0, 0.0)],
            reach_up: 15.0,
            reach_down: 40.0,
            lip: 6.0,
        }
    }

    #[test]
    fn a_closed_mouth_changes_nothing() {
        let rest = Pose::REST;
        for (x, y) in [(100.0, 100.0), (90.0, 110.0), (115.0, 95.0)] {
            let look = mouth(&level_mouth(), &rest, (x, y)).unwrap();
            assert!((look.at.0 - x).abs() < 1e-4 && (look.at.1 - y).abs() < 1e-4);
            assert!(look.paint.is_none());
        }
        assert!(mouth(&level_mouth(), &rest, (100.0, 150.0)).is_none());
    }

    #[test]
    fn an_open_mouth_paints_its_inside_and_moves_the_lips_apart() {
        let open = Pose::of('D').unwrap();
        let m = level_mouth();
        let gap = open.open * 40.0;
        // The middle of the gap is the mouth's inside, fully painted.
        let middle = mouth(&m, &open, (100.0, 100.0 + gap * 0.3)).unwrap();
        assert_eq!(middle.paint.map(|(_, a)| a), Some(1.0));
        // Just below the gap shows the lower lip, from just below the line.
        let below = mouth(&m, &open, (100.0, 100.0 + gap * (1.0 - UPPER_SHARE) + 1.0)).unwrap();
        assert!(below.paint.is_none() && (below.at.1 - 101.0).abs() < 0.5);
        // The region's edges do not move: no seam.
        let near_edge = mouth(&m, &open, (100.0, 139.5)).unwrap();
        assert!((near_edge.at.1 - 139.5).abs() < 0.05);
        let side = mouth(&m, &open, (129.5, 100.5)).unwrap();
        assert!((side.at.0 - 129.5).abs() < 0.1);
    }

    #[test]
    fn a_shut_lid_shows_the_skin_above_the_eye() {
        let eye = Eye {
            frame: Frame {
                centre: (50.0, 50.0),
                cos: 1.0,
                sin: 0.0,
            },
            half_width: 10.0,
            upper: -4.0,
            lower: 4.0,
        };
        assert!(lids(&eye, 0.0, (50.0, 50.0)).is_none());
        // Shut: the middle of the eye shows the lid, which sat above it.
        let shut = lids(&eye, 1.0, (50.0, 53.0)).unwrap();
        assert!(shut.at.1 < 46.0, "{:?}", shut.at);
        // Far above and below the eye, nothing moves.
        assert!(lids(&eye, 1.0, (50.0, 20.0)).is_none());
        assert!(lids(&eye, 1.0, (50.0, 56.0)).is_none());
    }
}
