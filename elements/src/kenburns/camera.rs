//! Camera math: where the view of a still sits at a moment, and the affine map that samples it.

use super::resample::Affine;

/// The camera at one moment: `zoom` 1.0 shows the largest part of the image with the target's
/// aspect ratio; `x`, `y` the view's centre as fractions of the image; `rotate` in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    pub zoom: f64,
    pub x: f64,
    pub y: f64,
    pub rotate: f64,
}

impl Camera {
    /// The camera between `from` (at 0) and `to` (at 1).
    pub fn lerp(from: Camera, to: Camera, t: f64) -> Camera {
        let mix = |a: f64, b: f64| a + (b - a) * t;
        Camera {
            zoom: mix(from.zoom, to.zoom),
            x: mix(from.x, to.x),
            y: mix(from.y, to.y),
            rotate: mix(from.rotate, to.rotate),
        }
    }
}

/// Eases clip progress `t` in 0..=1.
pub fn ease(t: f64, ease_in_out: bool) -> f64 {
    let t = t.clamp(0.0, 1.0);
    if ease_in_out {
        0.5 - 0.5 * (std::f64::consts::PI * t).cos()
    } else {
        t
    }
}

/// The map from a `target` rectangle (width, height in pixels) to an `image` (width, height) for
/// `camera`; `shift_px` moves the sampled window right by that many target pixels (wipes use it
/// to hold the picture still while the pad that shows it moves).
pub fn view_map(image: (f64, f64), target: (f64, f64), camera: &Camera, shift_px: f64) -> Affine {
    let (iw, ih) = image;
    let (tw, th) = target;
    let theta = camera.rotate.to_radians();
    let (sin, cos) = theta.sin_cos();

    // The largest window of the target's aspect ratio inside the image: the view at zoom 1.
    let aspect = tw / th;
    let (mut vw, mut vh) = if iw / ih > aspect {
        (ih * aspect, ih)
    } else {
        (iw, iw / aspect)
    };
    // A rotated window needs to be smaller to keep its corners on the picture.
    let cover = cos.abs() + sin.abs() * aspect.max(1.0 / aspect);
    let zoom = camera.zoom.max(1e-3) * cover;
    vw /= zoom;
    vh /= zoom;

    // Keep the window on the image where it fits, so pans never show the edge.
    let centre = |c: f64, view: f64, len: f64| {
        if view <= len {
            c.clamp(view / 2.0, len - view / 2.0)
        } else {
            len / 2.0
        }
    };
    let cx = centre(camera.x * iw, vw, iw);
    let cy = centre(camera.y * ih, vh, ih);

    let s = vw / tw;
    Affine {
        a: s * cos,
        b: -s * sin,
        c: cx + (shift_px - tw / 2.0) * s * cos + (th / 2.0) * s * sin,
        d: s * sin,
        e: s * cos,
        f: cy + (shift_px - tw / 2.0) * s * sin - (th / 2.0) * s * cos,
    }
}

/// The same map for a plane subsampled by `sub_x`, `sub_y` in both source and target (chroma).
pub fn subsampled(map: &Affine, sub_x: f64, sub_y: f64) -> Affine {
    Affine {
        a: map.a,
        b: map.b * sub_y / sub_x,
        c: map.c / sub_x,
        d: map.d * sub_x / sub_y,
        e: map.e,
        f: map.f / sub_y,
    }
}

/// The largest rectangle of the image's aspect ratio inside the frame, centred, with even edges
/// so subsampled planes line up: (x, y, width, height).
pub fn contain_rect(image: (f64, f64), frame: (usize, usize)) -> (usize, usize, usize, usize) {
    let (fw, fh) = frame;
    let even = |v: f64| ((v / 2.0).round() as usize * 2).max(2);
    let (w, h) = if image.0 / image.1 > fw as f64 / fh as f64 {
        (fw, even(fw as f64 * image.1 / image.0).min(fh))
    } else {
        (even(fh as f64 * image.0 / image.1).min(fw), fh)
    };
    let x = ((fw - w) / 4) * 2;
    let y = ((fh - h) / 4) * 2;
    (x, y, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CENTRE: Camera = Camera {
        zoom: 1.0,
        x: 0.5,
        y: 0.5,
        rotate: 0.0,
    };

    fn apply(m: &Affine, x: f64, y: f64) -> (f64, f64) {
        (m.a * x + m.b * y + m.c, m.d * x + m.e * y + m.f)
    }

    #[test]
    fn zoom_one_on_same_aspect_is_a_plain_scale() {
        let m = view_map((3840.0, 2160.0), (1920.0, 1080.0), &CENTRE, 0.0);
        assert_eq!(apply(&m, 0.0, 0.0), (0.0, 0.0));
        assert_eq!(apply(&m, 1920.0, 1080.0), (3840.0, 2160.0));
    }

    #[test]
    fn vertical_target_crops_the_centre_without_stretching() {
        let m = view_map((1920.0, 1080.0), (1080.0, 1920.0), &CENTRE, 0.0);
        // Same scale on both axes: no stretch.
        assert!((m.a - m.e).abs() < 1e-12);
        let (left, top) = apply(&m, 0.0, 0.0);
        let (right, bottom) = apply(&m, 1080.0, 1920.0);
        assert!((top, bottom) == (0.0, 1080.0));
        assert!(
            (left + right - 1920.0).abs() < 1e-9,
            "centred: {left}..{right}"
        );
    }

    #[test]
    fn zoom_shrinks_the_window_around_the_centre() {
        let cam = Camera {
            zoom: 2.0,
            ..CENTRE
        };
        let m = view_map((1000.0, 1000.0), (100.0, 100.0), &cam, 0.0);
        assert_eq!(apply(&m, 0.0, 0.0), (250.0, 250.0));
        assert_eq!(apply(&m, 100.0, 100.0), (750.0, 750.0));
    }

    #[test]
    fn pans_stop_at_the_image_edge() {
        let cam = Camera {
            zoom: 2.0,
            x: 0.0,
            ..CENTRE
        };
        let m = view_map((1000.0, 1000.0), (100.0, 100.0), &cam, 0.0);
        assert_eq!(apply(&m, 0.0, 0.0).0, 0.0);
    }

    #[test]
    fn contain_rect_letterboxes_wide_images_in_tall_frames() {
        assert_eq!(
            contain_rect((1920.0, 1080.0), (1080, 1920)),
            (0, 656, 1080, 608)
        );
        assert_eq!(
            contain_rect((1000.0, 1000.0), (1920, 1080)),
            (420, 0, 1080, 1080)
        );
    }

    #[test]
    fn ease_in_out_is_symmetric_and_bounded() {
        assert_eq!(ease(0.0, true), 0.0);
        assert!((ease(0.5, true) - 0.5).abs() < 1e-12);
        assert!((ease(1.0, true) - 1.0).abs() < 1e-12);
        assert!(ease(0.1, true) < 0.1);
    }
}
