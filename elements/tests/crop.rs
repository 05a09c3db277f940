//! `reelcrop` in a Harness, checked on its pixels: the window it samples, sub-pixel moves, and
//! that moving the window mid-stream does not renegotiate.

use gst::prelude::*;
use gst_video::prelude::*;
use std::sync::Once;

fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        gst::init().expect("GStreamer initialises");
        gstreel::register_static().expect("reel elements register");
    });
}

fn caps(width: usize, height: usize) -> gst::Caps {
    gst_video::VideoCapsBuilder::new()
        .format(gst_video::VideoFormat::I420)
        .width(width as i32)
        .height(height as i32)
        .framerate(gst::Fraction::new(30, 1))
        .build()
}

/// An I420 frame whose luma is a left-to-right ramp, `slope` steps per pixel.
fn ramp(width: usize, height: usize, slope: f64, pts_ms: u64) -> gst::Buffer {
    let info =
        gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width as u32, height as u32)
            .build()
            .unwrap();
    let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
    {
        let buffer = buffer.get_mut().unwrap();
        buffer.set_pts(gst::ClockTime::from_mseconds(pts_ms));
        let mut frame = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, &info).unwrap();
        let stride = frame.plane_stride()[0] as usize;
        let y = frame.plane_data_mut(0).unwrap();
        for row in 0..height {
            for col in 0..width {
                y[row * stride + col] = (col as f64 * slope).round().min(255.0) as u8;
            }
        }
        for plane in 1..3 {
            frame.plane_data_mut(plane).unwrap().fill(128);
        }
    }
    buffer
}

/// The luma row `row` of an output buffer of `width` x `height`.
fn luma_row(buffer: &gst::Buffer, width: usize, height: usize, row: usize) -> Vec<u8> {
    let info =
        gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width as u32, height as u32)
            .build()
            .unwrap();
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info).unwrap();
    let stride = frame.plane_stride()[0] as usize;
    frame.plane_data(0).unwrap()[row * stride..row * stride + width].to_vec()
}

fn harness(window: [f64; 4], out: (usize, usize)) -> gst_check::Harness {
    init();
    let mut h = gst_check::Harness::new("reelcrop");
    let element = h.element().unwrap();
    for (name, value) in ["left", "top", "width", "height"].iter().zip(window) {
        element.set_property(name, value);
    }
    h.set_src_caps(caps(200, 100));
    h.set_sink_caps(caps(out.0, out.1));
    h
}

#[test]
fn samples_the_window_scaled_to_the_output() {
    // Columns 40..80 of a 200-wide ramp, twice as wide: output x samples source 40 + (x+0.5)/2.
    let mut h = harness([40.0, 10.0, 40.0, 80.0], (80, 160));
    let out = h.push_and_pull(ramp(200, 100, 1.0, 0)).unwrap();
    let row = luma_row(&out, 80, 160, 80);
    for (x, &v) in row.iter().enumerate().skip(1).take(78) {
        let expected = 40.0 + (x as f64 + 0.5) / 2.0 - 0.5;
        assert!(
            (f64::from(v) - expected).abs() <= 1.0,
            "column {x}: {v}, expected {expected:.2}"
        );
    }
}

#[test]
fn an_unset_window_is_the_middle_of_the_output_shape() {
    // A 200x100 picture into a square: the middle 100 columns.
    let mut h = harness([0.0, 0.0, 0.0, 0.0], (100, 100));
    let out = h.push_and_pull(ramp(200, 100, 1.0, 0)).unwrap();
    let row = luma_row(&out, 100, 100, 50);
    assert_eq!((row[0], row[99]), (50, 149));
}

#[test]
fn moves_by_fractions_of_a_pixel_without_renegotiating() {
    // 100 source columns onto 70: pixels fall at every phase between source columns, so
    // their rounding averages out and the row's mean follows the move.
    let mut h = harness([20.0, 0.0, 100.0, 100.0], (70, 70));
    let element = h.element().unwrap();
    let mut means = Vec::new();
    for k in 0..5u64 {
        // A quarter pixel further right each frame.
        element.set_property("left", 20.0 + k as f64 * 0.25);
        let out = h.push_and_pull(ramp(200, 100, 1.7, k * 33)).unwrap();
        if k == 0 {
            while h.try_pull_event().is_some() {}
        }
        let row = luma_row(&out, 70, 70, 35);
        means.push(row.iter().map(|&v| f64::from(v)).sum::<f64>() / 70.0);
    }
    for pair in means.windows(2) {
        let step = pair[1] - pair[0];
        assert!(
            (step - 0.25 * 1.7).abs() < 0.1,
            "a quarter pixel moved {step:.3}: {means:?}"
        );
    }
    let mut renegotiated = 0;
    while let Some(event) = h.try_pull_event() {
        if event.type_() == gst::EventType::Caps {
            renegotiated += 1;
        }
    }
    assert_eq!(renegotiated, 0, "new caps after the first frame");
}

#[test]
fn a_window_past_the_edge_stays_on_the_picture() {
    let mut h = harness([170.0, 0.0, 60.0, 100.0], (60, 100));
    let out = h.push_and_pull(ramp(200, 100, 1.0, 0)).unwrap();
    let row = luma_row(&out, 60, 100, 50);
    // Moved back to columns 140..200.
    assert_eq!((row[0], row[59]), (140, 199));
}
