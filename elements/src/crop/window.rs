//! Where a crop window lies on the picture and the map that samples it.

use crate::kenburns::resample::Affine;

/// A window on the source picture, in source pixels; a zero `width` or `height` means "the
/// largest of the output's shape".
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Window {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl Window {
    /// The window actually sampled on a `picture` (width, height) for an `output` of that
    /// size: unset sizes filled in from the output's shape (centred when the corner is unset
    /// too), then the window shrunk to fit and moved back onto the picture.
    pub fn resolve(&self, picture: (f64, f64), output: (f64, f64)) -> Window {
        let (pw, ph) = picture;
        let aspect = output.0 / output.1;
        let (mut width, mut height) = match (self.width > 0.0, self.height > 0.0) {
            (true, true) => (self.width, self.height),
            (true, false) => (self.width, self.width / aspect),
            (false, true) => (self.height * aspect, self.height),
            (false, false) if pw / ph > aspect => (ph * aspect, ph),
            (false, false) => (pw, pw / aspect),
        };
        width = width.min(pw);
        height = height.min(ph);
        let place = |corner: f64, size: f64, set: bool, len: f64| {
            let corner = if set { corner } else { (len - size) / 2.0 };
            corner.clamp(0.0, len - size)
        };
        Window {
            left: place(self.left, width, self.width > 0.0 || self.left != 0.0, pw),
            top: place(self.top, height, self.height > 0.0 || self.top != 0.0, ph),
            width,
            height,
        }
    }

    /// The luma map from output pixels to this (resolved) window.
    pub fn map(&self, output: (f64, f64)) -> Affine {
        Affine {
            a: self.width / output.0,
            b: 0.0,
            c: self.left,
            d: 0.0,
            e: self.height / output.1,
            f: self.top,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_window_is_the_centred_cover_crop() {
        let w = Window::default().resolve((1920.0, 1080.0), (1080.0, 1920.0));
        assert!((w.width - 607.5).abs() < 1e-9 && (w.height - 1080.0).abs() < 1e-9);
        assert!((w.left - (1920.0 - 607.5) / 2.0).abs() < 1e-9 && w.top == 0.0);
    }

    #[test]
    fn a_window_past_the_edge_is_moved_back_onto_the_picture() {
        let set = Window {
            left: 1500.0,
            top: -20.0,
            width: 608.0,
            height: 1080.0,
        };
        let w = set.resolve((1920.0, 1080.0), (1080.0, 1920.0));
        assert_eq!((w.left, w.top), (1312.0, 0.0));
    }

    #[test]
    fn a_window_larger_than_the_picture_shrinks_to_it() {
        let set = Window {
            left: 0.0,
            top: 0.0,
            width: 4000.0,
            height: 3000.0,
        };
        let w = set.resolve((1920.0, 1080.0), (1920.0, 1080.0));
        assert_eq!(
            (w.width, w.height, w.left, w.top),
            (1920.0, 1080.0, 0.0, 0.0)
        );
    }

    #[test]
    fn the_map_samples_the_window_edge_to_edge() {
        let w = Window {
            left: 100.0,
            top: 50.0,
            width: 200.0,
            height: 100.0,
        };
        let map = w.map((400.0, 200.0));
        // The first output pixel's centre lands a quarter source pixel in; the last one a
        // quarter pixel before the window's far edge.
        assert!((map.a * 0.5 + map.c - 100.25).abs() < 1e-9);
        assert!((map.a * 399.5 + map.c - 299.75).abs() < 1e-9);
        assert!((map.e * 199.5 + map.f - 149.75).abs() < 1e-9);
    }
}
