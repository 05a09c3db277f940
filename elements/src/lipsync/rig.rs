//! The parts of a face that move, measured from Face Mesh's 468 landmarks: the mouth (its
//! corners, the line where the lips meet, how far the lips may travel up and down) and the
//! eyes (their corners and lids). Each part has a local frame turned with the face,
//! so a tilted portrait opens its mouth along its own jaw.

use crate::kenburns::camera::{view_map, Camera};
use serde::Deserialize;

/// MediaPipe Face Mesh indices.
mod index {
    /// Outer mouth corners, on the picture's left and right.
    pub const MOUTH_CORNERS: [usize; 2] = [61, 291];
    /// Where the lips meet, left to right: pairs of (upper, lower) inner-lip points.
    pub const LIP_LINE: [[usize; 2]; 7] = [
        [78, 78],
        [80, 88],
        [81, 178],
        [13, 14],
        [311, 402],
        [310, 318],
        [308, 308],
    ];
    pub const UPPER_LIP_TOP: usize = 0;
    pub const UNDER_NOSE: usize = 2;
    pub const CHIN: usize = 152;
    /// Each eye: outer and inner corner, upper and lower lid (picture's left eye first).
    pub const EYES: [[usize; 4]; 2] = [[33, 133, 159, 145], [362, 263, 386, 374]];
}

/// What `reellipsync` reads from its `landmarks` file: the portrait's size and its landmarks
/// in its pixels.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FaceFile {
    pub width: u32,
    pub height: u32,
    pub points: Vec<[f32; 2]>,
}

/// A frame turned by `angle` (radians) around `centre`: `u` along the part, `v` down it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub centre: (f32, f32),
    pub cos: f32,
    pub sin: f32,
}

impl Frame {
    fn new(centre: (f32, f32), from: (f32, f32), to: (f32, f32)) -> Frame {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-6);
        Frame {
            centre,
            cos: dx / len,
            sin: dy / len,
        }
    }

    pub fn local(&self, p: (f32, f32)) -> (f32, f32) {
        let (dx, dy) = (p.0 - self.centre.0, p.1 - self.centre.1);
        (
            dx * self.cos + dy * self.sin,
            -dx * self.sin + dy * self.cos,
        )
    }

    pub fn picture(&self, u: f32, v: f32) -> (f32, f32) {
        (
            self.centre.0 + u * self.cos - v * self.sin,
            self.centre.1 + u * self.sin + v * self.cos,
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mouth {
    pub frame: Frame,
    /// Half the distance between the corners.
    pub half_width: f32,
    /// The line where the lips meet: (u, v) points, left to right.
    pub line: Vec<(f32, f32)>,
    /// How far above the line the warp reaches (to under the nose) and below (past the chin).
    pub reach_up: f32,
    pub reach_down: f32,
    /// Upper lip thickness, which sizes the teeth.
    pub lip: f32,
}

impl Mouth {
    /// Where the lips meet at `u` (clamped to the corners).
    pub fn line_at(&self, u: f32) -> f32 {
        let line = &self.line;
        if u <= line[0].0 {
            return line[0].1;
        }
        for pair in line.windows(2) {
            let ((u0, v0), (u1, v1)) = (pair[0], pair[1]);
            if u <= u1 {
                let t = if u1 > u0 { (u - u0) / (u1 - u0) } else { 0.0 };
                return v0 + (v1 - v0) * t;
            }
        }
        line[line.len() - 1].1
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Eye {
    pub frame: Frame,
    pub half_width: f32,
    /// The upper lid's `v` (negative: above the centre) and the lower lid's.
    pub upper: f32,
    pub lower: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rig {
    pub mouth: Mouth,
    pub eyes: [Eye; 2],
}

impl Rig {
    /// The rig of `points` (picture pixels) once `place` maps them into the frame.
    pub fn new(points: &[[f32; 2]], place: impl Fn([f32; 2]) -> (f32, f32)) -> Result<Rig, String> {
        if points.len() < 468 {
            return Err(format!(
                "{} landmarks where Face Mesh gives 468",
                points.len()
            ));
        }
        let p = |i: usize| place(points[i]);
        let mid = |a: (f32, f32), b: (f32, f32)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let dist =
            |a: (f32, f32), b: (f32, f32)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();

        let [left, right] = index::MOUTH_CORNERS.map(p);
        let centre = mid(p(13), p(14));
        let frame = Frame::new(centre, left, right);
        let line = index::LIP_LINE
            .iter()
            .map(|&[upper, lower]| frame.local(mid(p(upper), p(lower))))
            .collect();
        let half_width = dist(left, right) / 2.0;
        if half_width < 2.0 {
            return Err("the mouth is less than 4 pixels wide".into());
        }
        let mouth = Mouth {
            frame,
            half_width,
            line,
            reach_up: (-frame.local(p(index::UNDER_NOSE)).1).max(half_width * 0.3),
            reach_down: frame.local(p(index::CHIN)).1.max(half_width * 0.6) * 1.05,
            lip: dist(p(index::UPPER_LIP_TOP), p(13)).max(1.0),
        };

        let eyes = index::EYES.map(|[outer, inner, upper, lower]| {
            let (a, b) = (p(outer), p(inner));
            let (a, b) = if a.0 <= b.0 { (a, b) } else { (b, a) };
            let frame = Frame::new(mid(a, b), a, b);
            Eye {
                frame,
                half_width: dist(a, b) / 2.0,
                upper: frame.local(p(upper)).1,
                lower: frame.local(p(lower)).1,
            }
        });

        Ok(Rig { mouth, eyes })
    }
}

/// Where a point of the portrait (`width` × `height`) lands in a frame that `reelkenburns`
/// fills from it with its camera held at `camera`: the inverse of its sampling map.
pub fn placement(
    portrait: (u32, u32),
    frame: (u32, u32),
    camera: &Camera,
) -> impl Fn([f32; 2]) -> (f32, f32) {
    let image = (f64::from(portrait.0.max(1)), f64::from(portrait.1.max(1)));
    let target = (f64::from(frame.0.max(1)), f64::from(frame.1.max(1)));
    let m = view_map(image, target, camera, 0.0);
    let det = m.a * m.e - m.b * m.d;
    let det = if det.abs() < 1e-12 { 1e-12 } else { det };
    move |[x, y]| {
        let (dx, dy) = (f64::from(x) - m.c, f64::from(y) - m.f);
        (
            ((m.e * dx - m.b * dy) / det) as f32,
            ((m.a * dy - m.d * dx) / det) as f32,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_turn_with_the_part() {
        let level = Frame::new((10.0, 10.0), (0.0, 10.0), (20.0, 10.0));
        assert_eq!(level.local((15.0, 12.0)), (5.0, 2.0));
        let tilted = Frame::new((0.0, 0.0), (0.0, 0.0), (1.0, 1.0));
        let (u, v) = tilted.local((1.0, 1.0));
        assert!((u - 2f32.sqrt()).abs() < 1e-5 && v.abs() < 1e-5);
        let back = tilted.picture(u, v);
        assert!((back.0 - 1.0).abs() < 1e-5 && (back.1 - 1.0).abs() < 1e-5);
        // v points down the face: below the line is positive.
        assert!(tilted.local((-1.0, 1.0)).1 > 0.0);
    }

    #[test]
    fn portrait_points_land_where_the_camera_shows_them() {
        let at_rest = Camera {
            zoom: 1.0,
            x: 0.5,
            y: 0.5,
            rotate: 0.0,
        };
        // A square portrait covering a 16:9 frame: scaled by 1.92, its middle band shown.
        let place = placement((1000, 1000), (1920, 1080), &at_rest);
        let centre = place([500.0, 500.0]);
        assert!((centre.0 - 960.0).abs() < 1e-3 && (centre.1 - 540.0).abs() < 1e-3);
        let corner = place([0.0, 500.0 - 1080.0 / 1.92 / 2.0]);
        assert!(corner.0.abs() < 1e-3 && corner.1.abs() < 1e-3);
        // Zoomed 2x on the top-left quarter's middle: that point is the frame's middle.
        let close = Camera {
            zoom: 2.0,
            x: 0.3,
            y: 0.4,
            ..at_rest
        };
        let place = placement((1000, 1000), (1000, 1000), &close);
        let middle = place([300.0, 400.0]);
        assert!((middle.0 - 500.0).abs() < 1e-3 && (middle.1 - 500.0).abs() < 1e-3);
        let right = place([400.0, 400.0]);
        assert!((right.0 - 700.0).abs() < 1e-3);
    }

    #[test]
    fn the_lip_line_is_read_between_its_points_and_held_past_the_corners() {
        let mouth = Mouth {
            frame: Frame::new((0.0, 0.0), (-1.0, 0.0), (1.0, 0.0)),
            half_width: 10.0,
            line: vec![(-10.0, 2.0), (0.0, 0.0), (10.0, 4.0)],
            reach_up: 5.0,
            reach_down: 20.0,
            lip: 3.0,
        };
        assert_eq!(mouth.line_at(-5.0), 1.0);
        assert_eq!(mouth.line_at(5.0), 2.0);
        assert_eq!(mouth.line_at(-30.0), 2.0);
        assert_eq!(mouth.line_at(30.0), 4.0);
    }
}
