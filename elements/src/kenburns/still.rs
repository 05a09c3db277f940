//! The still a shot is made from, kept as tightly packed I420 planes, and the blurred fill that
//! sits behind a letterboxed picture.

use super::camera::{self, Camera};
use super::resample::{self, Plane, Scratch, Target};
use gst::glib;
use gst_video::prelude::*;

/// Blur radius of the contain-blur fill, as a fraction of the frame's shorter side.
const FILL_BLUR: f64 = 0.04;
/// Luma scale of the fill, so the picture in front stands out.
const FILL_DIM: u32 = 150;

/// One plane held in memory, tightly packed.
pub struct OwnedPlane {
    pub data: Vec<u8>,
    pub width: usize,
    pub height: usize,
}

impl OwnedPlane {
    pub fn view(&self) -> Plane<'_> {
        Plane {
            data: &self.data,
            width: self.width,
            height: self.height,
            stride: self.width,
        }
    }
}

pub fn read_planes(
    buffer: &gst::Buffer,
    info: &gst_video::VideoInfo,
) -> Result<[OwnedPlane; 3], glib::BoolError> {
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer.as_ref(), info)
        .map_err(|_| glib::bool_error!("cannot map the still"))?;
    let plane = |i: usize| -> Result<OwnedPlane, glib::BoolError> {
        let (w, h) = (
            frame.comp_width(i as u32) as usize,
            frame.comp_height(i as u32) as usize,
        );
        let stride = frame.plane_stride()[i] as usize;
        let src = frame.plane_data(i as u32)?;
        let mut data = Vec::with_capacity(w * h);
        for row in 0..h {
            data.extend_from_slice(&src[row * stride..row * stride + w]);
        }
        Ok(OwnedPlane {
            data,
            width: w,
            height: h,
        })
    };
    Ok([plane(0)?, plane(1)?, plane(2)?])
}

/// The still scaled to cover the whole frame, blurred and dimmed: the fill behind a contained
/// picture. Blurring a small copy and scaling it up costs a fraction of blurring at full size.
pub fn make_fill(still: &[OwnedPlane; 3], out: &gst_video::VideoInfo) -> [OwnedPlane; 3] {
    const SMALL: usize = 8;
    let image = (still[0].width as f64, still[0].height as f64);
    let cover = Camera {
        zoom: 1.0,
        x: 0.5,
        y: 0.5,
        rotate: 0.0,
    };
    let fmt = out.format_info();
    let plane = |i: usize| {
        let (sub_x, sub_y) = (1usize << fmt.w_sub()[i], 1usize << fmt.h_sub()[i]);
        let (w, h) = (
            (out.width() as usize).div_ceil(sub_x),
            (out.height() as usize).div_ceil(sub_y),
        );
        let (sw, sh) = (w.div_ceil(SMALL).max(2), h.div_ceil(SMALL).max(2));
        let map = camera::view_map(image, (sw as f64, sh as f64), &cover, 0.0);
        let map = camera::subsampled(&map, sub_x as f64, sub_y as f64);
        let mut small = vec![0u8; sw * sh];
        let target = Target {
            data: &mut small,
            stride: sw,
            x: 0,
            y: 0,
            width: sw,
            height: sh,
        };
        resample::resample(still[i].view(), target, &map, &mut Scratch::default());
        let radius = (FILL_BLUR * sw.min(sh) as f64 * 2.0).ceil() as usize;
        resample::blur(&mut small, sw, sh, sw, radius);
        if i == 0 {
            small
                .iter_mut()
                .for_each(|v| *v = ((u32::from(*v) * FILL_DIM) >> 8) as u8);
        }
        let mut data = vec![0u8; w * h];
        let up = resample::Affine {
            a: sw as f64 / w as f64,
            b: 0.0,
            c: 0.0,
            d: 0.0,
            e: sh as f64 / h as f64,
            f: 0.0,
        };
        let small = Plane {
            data: &small,
            width: sw,
            height: sh,
            stride: sw,
        };
        let target = Target {
            data: &mut data,
            stride: w,
            x: 0,
            y: 0,
            width: w,
            height: h,
        };
        resample::resample(small, target, &up, &mut Scratch::default());
        OwnedPlane {
            data,
            width: w,
            height: h,
        }
    };
    [plane(0), plane(1), plane(2)]
}

pub fn copy_plane(
    plane: &OwnedPlane,
    frame: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>,
    i: usize,
) -> Result<(), gst::FlowError> {
    let stride = frame.plane_stride()[i] as usize;
    let data = frame
        .plane_data_mut(i as u32)
        .map_err(|_| gst::FlowError::Error)?;
    for (row, line) in plane.data.chunks_exact(plane.width).enumerate() {
        data[row * stride..row * stride + plane.width].copy_from_slice(line);
    }
    Ok(())
}
