//! `reellipsync` in a Harness, on a textured picture with a face's landmarks laid over it:
//! shapes open the mouth in order of their opening, rest changes nothing, pixels outside the
//! mouth's region never change, and the warp leaves no seam at its region's edge.

use gst::prelude::*;
use gst_video::prelude::*;
use gstreel::lipsync::rig::Rig;
use std::sync::Once;

const SIDE: usize = 320;

fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        gst::init().expect("GStreamer initialises");
        gstreel::register_static().expect("reel elements register");
    });
}

/// A picture with detail everywhere (so seams would show): luma waves, flat chroma.
fn texture(x: usize, y: usize) -> u8 {
    let (x, y) = (x as f64, y as f64);
    (128.0 + 45.0 * (x / 7.0).sin() * (y / 9.0).cos() + 20.0 * ((x + y) / 13.0).sin()) as u8
}

/// Face Mesh's points for a face drawn nowhere: the mouth's middle at (160, 220), 60 px wide;
/// eyes at y 130; chin at 270.
fn landmarks() -> Vec<[f32; 2]> {
    let mut points = vec![[160.0, 160.0]; 468];
    let mut set = |i: usize, x: f32, y: f32| points[i] = [x, y];
    set(61, 130.0, 220.0);
    set(291, 190.0, 220.0);
    for (i, x) in [
        (78, 134.0),
        (80, 142.0),
        (81, 150.0),
        (13, 160.0),
        (311, 170.0),
    ] {
        set(i, x, 220.0);
    }
    for (i, x) in [
        (310, 178.0),
        (308, 186.0),
        (88, 142.0),
        (178, 150.0),
        (14, 160.0),
    ] {
        set(i, x, 220.0);
    }
    set(402, 170.0, 220.0);
    set(318, 178.0, 220.0);
    set(0, 160.0, 211.0);
    set(2, 160.0, 192.0);
    set(152, 160.0, 270.0);
    for (outer, inner, upper, lower, x0, x1) in [
        (33, 133, 159, 145, 100.0, 140.0),
        (362, 263, 386, 374, 180.0, 220.0),
    ] {
        set(outer, x0, 130.0);
        set(inner, x1, 130.0);
        set(upper, (x0 + x1) / 2.0, 124.0);
        set(lower, (x0 + x1) / 2.0, 136.0);
    }
    set(10, 160.0, 60.0);
    set(234, 80.0, 160.0);
    set(454, 240.0, 160.0);
    points
}

fn frame(pts_ms: u64) -> gst::Buffer {
    let info =
        gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, SIDE as u32, SIDE as u32)
            .build()
            .unwrap();
    let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
    {
        let buffer = buffer.get_mut().unwrap();
        buffer.set_pts(gst::ClockTime::from_mseconds(pts_ms));
        let mut frame = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, &info).unwrap();
        let stride = frame.plane_stride()[0] as usize;
        let y = frame.plane_data_mut(0).unwrap();
        for row in 0..SIDE {
            for col in 0..SIDE {
                y[row * stride + col] = texture(col, row);
            }
        }
        for plane in 1..3 {
            frame.plane_data_mut(plane).unwrap().fill(128);
        }
    }
    buffer
}

fn luma(buffer: &gst::Buffer) -> Vec<u8> {
    let info =
        gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, SIDE as u32, SIDE as u32)
            .build()
            .unwrap();
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info).unwrap();
    let stride = frame.plane_stride()[0] as usize;
    let data = frame.plane_data(0).unwrap();
    (0..SIDE)
        .flat_map(|r| data[r * stride..r * stride + SIDE].iter().copied())
        .collect()
}

/// Frames of the texture at the times given, through `reellipsync` with a track that holds
/// each shape for 100 ms: X, D, A, B, C, E.
fn animate(times_ms: &[u64]) -> Vec<Vec<u8>> {
    init();
    let dir = tempfile::tempdir().unwrap();
    let face = dir.path().join("face.json");
    let json = serde_json::json!({ "width": SIDE, "height": SIDE, "points": landmarks() });
    std::fs::write(&face, json.to_string()).unwrap();
    let track = dir.path().join("track.tsv");
    std::fs::write(&track, "0.0\tX\n0.1\tD\n0.2\tA\n0.3\tB\n0.4\tC\n0.5\tE\n").unwrap();
    let element = gst::ElementFactory::make("reellipsync")
        .property("landmarks", face.to_str().unwrap())
        .property("visemes", track.to_str().unwrap())
        .build()
        .unwrap();
    let mut h = gst_check::Harness::with_element(&element, Some("sink"), Some("src"));
    h.set_src_caps(
        gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::I420)
            .width(SIDE as i32)
            .height(SIDE as i32)
            .framerate(gst::Fraction::new(30, 1))
            .build(),
    );
    times_ms
        .iter()
        .map(|&t| {
            h.push(frame(t)).unwrap();
            luma(&h.pull().unwrap())
        })
        .collect()
}

fn dark_in_mouth(luma: &[u8]) -> usize {
    let mut dark = 0;
    for y in 200..260 {
        for x in 125..195 {
            dark += usize::from(luma[y * SIDE + x] < 45);
        }
    }
    dark
}

#[test]
fn shapes_open_the_mouth_in_order_and_rest_changes_nothing() {
    let frames = animate(&[50, 150, 250, 350, 450]);
    let original: Vec<u8> = (0..SIDE * SIDE)
        .map(|i| texture(i % SIDE, i / SIDE))
        .collect();
    assert_eq!(frames[0], original, "at rest the picture is untouched");
    let [_, d, a, b, c] = [0, 1, 2, 3, 4].map(|i| dark_in_mouth(&frames[i]));
    assert!(d > c && c > b, "D {d} > C {c} > B {b}");
    assert!(d > 300, "D opens wide: {d}");
    // Closed lips: nothing of the inside shows (the texture itself never gets that dark).
    assert_eq!(a, 0);
    assert_eq!(dark_in_mouth(&original), 0);
}

/// How far past its corners the mouth's region reaches, in half-widths (the element's own).
const MOUTH_REACH: f32 = 1.5;

#[test]
fn only_the_mouth_changes_and_the_warp_leaves_no_seam() {
    let frames = animate(&[150]);
    let open = &frames[0];
    let rig = Rig::new(&landmarks(), |[x, y]| (x, y)).unwrap();
    let m = &rig.mouth;
    let reach = m.half_width * MOUTH_REACH;
    let (mut changed_outside, mut edge_diff, mut edge_n, mut local) = (0, 0.0, 0, 0.0);
    for y in 1..SIDE - 1 {
        for x in 1..SIDE - 1 {
            let i = y * SIDE + x;
            let (u, v) = m.frame.local((x as f32 + 0.5, y as f32 + 0.5));
            let line = m.line_at(u);
            // Distance inside the region's edge (negative outside it).
            let inside = (reach - u.abs())
                .min(v - (line - m.reach_up))
                .min(line + m.reach_down - v);
            let diff = (f64::from(open[i]) - f64::from(texture(x, y))).abs();
            if inside < -1.0 && diff > 0.0 {
                changed_outside += 1;
            }
            // Just inside the edge the warped picture differs from the original by less than
            // the picture varies between neighbouring pixels.
            if (0.0..1.5).contains(&inside) {
                edge_diff += diff;
                edge_n += 1;
                local += (f64::from(texture(x + 1, y)) - f64::from(texture(x, y))).abs();
            }
        }
    }
    assert_eq!(changed_outside, 0);
    let (edge_diff, local) = (edge_diff / edge_n as f64, local / edge_n as f64);
    println!("at the region's edge: {edge_diff:.2} against the picture's own {local:.2}");
    assert!(
        edge_n > 100 && edge_diff < local * 0.5,
        "{edge_diff:.2} vs {local:.2}"
    );
}

/// The error a pipeline of `reellipsync` with these files stops with.
fn start_error(face: &std::path::Path, track: &std::path::Path) -> String {
    init();
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc num-buffers=2 ! video/x-raw,format=I420,width=64,height=64 ! \
         reellipsync landmarks={} visemes={} ! fakesink",
        face.display(),
        track.display()
    ))
    .unwrap();
    pipeline.set_state(gst::State::Playing).ok();
    let bus = pipeline.bus().unwrap();
    let message = bus
        .timed_pop_filtered(gst::ClockTime::from_seconds(10), &[gst::MessageType::Error])
        .expect("an error");
    let gst::MessageView::Error(err) = message.view() else {
        unreachable!()
    };
    let text = format!("{} {:?}", err.error(), err.debug());
    pipeline.set_state(gst::State::Null).unwrap();
    text
}

#[test]
fn bad_files_fail_naming_the_file_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let face = dir.path().join("face.json");
    let json = serde_json::json!({ "width": SIDE, "height": SIDE, "points": landmarks() });
    std::fs::write(&face, json.to_string()).unwrap();
    let track = dir.path().join("bad.tsv");
    std::fs::write(&track, "0.0\tX\n0.5\tQ\n").unwrap();
    let text = start_error(&face, &track);
    assert!(
        text.contains("bad.tsv") && text.contains("line 2"),
        "{text}"
    );

    let few = dir.path().join("few.json");
    std::fs::write(&few, r#"{"width": 10, "height": 10, "points": [[1, 2]]}"#).unwrap();
    std::fs::write(&track, "0.0\tX\n").unwrap();
    let text = start_error(&few, &track);
    assert!(text.contains("few.json") && text.contains("468"), "{text}");
}
