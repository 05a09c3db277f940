//! `reelfaces` on photographs that scikit-image ships as sample data (`make setup` takes them
//! from its wheel into `.deps/samples/`), with the face boxes read off the pictures by eye:
//! the astronaut (frontal) and the cameraman (three-quarter profile, grey), a picture without
//! a face (a cup of coffee), and the astronaut small at one side of a 16:9 frame, which checks
//! the letterboxing maps boxes back to the frame.
//!
//! Needs what `make setup` and `make models` install into `.deps/` (the ONNX runtime, the
//! BlazeFace model, the sample photographs): a test fails when any of them is missing.

mod common;

use common::{init, installed, play};

/// A face box as fractions of the picture: left, right, top, bottom.
type Bounds = (f64, f64, f64, f64);

/// Where the faces are, read off the pictures.
const ASTRONAUT_FACE: Bounds = (0.34, 0.53, 0.12, 0.37);
const CAMERAMAN_FACE: Bounds = (0.35, 0.52, 0.17, 0.40);

fn model_dir() -> String {
    installed(".deps/models/blazeface/model.onnx");
    installed(".deps/models/blazeface").display().to_string()
}

fn sample(name: &str) -> String {
    installed(&format!(".deps/samples/{name}"))
        .display()
        .to_string()
}

/// The `face` boxes of every `reelfaces` message, and the `reelfaces-done` message, of `line`
/// run to its end.
fn faces_of(line: &str) -> (Vec<Vec<gst::Structure>>, gst::Structure) {
    init();
    let (messages, error) = play(line, 60);
    assert_eq!(error, None, "{line}");
    let frames = messages
        .iter()
        .filter(|s| s.name() == "reelfaces")
        .map(|s| {
            let faces = s.get::<gst::Array>("faces").expect("a faces array");
            faces
                .iter()
                .map(|v| v.get::<gst::Structure>().expect("face structures"))
                .collect()
        })
        .collect();
    let done = messages
        .iter()
        .find(|s| s.name() == "reelfaces-done")
        .expect("reelfaces-done at EOS")
        .clone();
    (frames, done)
}

/// The line for one still picture shown for `frames` frames at `size`, with extra elements
/// after the scaling.
fn still_line(picture: &str, frames: u32, size: (u32, u32), after: &str) -> String {
    format!(
        "filesrc location={picture} ! decodebin ! imagefreeze num-buffers={frames} ! \
         videoconvert ! videoscale ! video/x-raw,width={},height={} {after} ! videoconvert ! \
         video/x-raw,format=RGB ! reelfaces model-dir={} ! fakesink",
        size.0,
        size.1,
        model_dir()
    )
}

fn value(face: &gst::Structure, field: &str) -> f64 {
    face.get::<f64>(field)
        .unwrap_or_else(|_| panic!("{field} in {face}"))
}

/// The face's centre lies in `bounds` and its width is within a factor of 1.6 of theirs.
fn assert_found(face: &gst::Structure, bounds: Bounds, what: &str) {
    let (x, y, width) = (value(face, "x"), value(face, "y"), value(face, "width"));
    let (left, right, top, bottom) = bounds;
    assert!(
        (left..right).contains(&x) && (top..bottom).contains(&y),
        "{what}: centre ({x:.3}, {y:.3}) outside {bounds:?}"
    );
    let expected = right - left;
    assert!(
        width > expected / 1.6 && width < expected * 1.6,
        "{what}: width {width:.3} against {expected:.3}"
    );
    assert!(value(face, "score") >= 0.75, "{what}: {face}");
}

#[test]
fn faces_in_photographs_are_found_where_they_are() {
    for (picture, bounds) in [
        ("astronaut.png", ASTRONAUT_FACE),
        ("camera.png", CAMERAMAN_FACE),
    ] {
        let (frames, done) = faces_of(&still_line(&sample(picture), 3, (512, 512), ""));
        assert_eq!(frames.len(), 3, "{picture}: a message per frame");
        assert_eq!(done.get::<u64>("frames").unwrap(), 3);
        assert_eq!(done.get::<u64>("with-faces").unwrap(), 3);
        for faces in &frames {
            assert_eq!(faces.len(), 1, "{picture}: one face, {faces:?}");
            assert_found(&faces[0], bounds, picture);
        }
    }
}

#[test]
fn a_picture_without_a_face_has_none() {
    let (frames, done) = faces_of(&still_line(&sample("coffee.png"), 2, (512, 512), ""));
    assert!(frames.iter().all(Vec::is_empty), "{frames:?}");
    assert_eq!(done.get::<u64>("with-faces").unwrap(), 0);
}

#[test]
fn a_small_face_at_the_side_of_a_wide_frame_is_placed_in_the_frame() {
    // The astronaut 700 px square at the right of a 1920×1080 frame, green around her: her
    // face is 7% of the frame's width, near the smallest the model finds.
    let (left, top, side) = (1150u32, 190u32, 700u32);
    let after = format!(
        "! videobox left=-{left} right=-{} top=-{top} bottom=-{} fill=green",
        1920 - left - side,
        1080 - top - side
    );
    let (frames, _) = faces_of(&still_line(
        &sample("astronaut.png"),
        1,
        (side, side),
        &after,
    ));
    let (l, r, t, b) = ASTRONAUT_FACE;
    let x = |f: f64| (f64::from(left) + f * f64::from(side)) / 1920.0;
    let y = |f: f64| (f64::from(top) + f * f64::from(side)) / 1080.0;
    assert_eq!(frames[0].len(), 1, "{:?}", frames[0]);
    let face = &frames[0][0];
    let (cx, cy) = (value(face, "x"), value(face, "y"));
    assert!(
        (x(l)..x(r)).contains(&cx) && (y(t)..y(b)).contains(&cy),
        "centre ({cx:.3}, {cy:.3}) not on the small face"
    );
    // Width and height are fractions of the frame's own sides: a square face is 16:9 apart.
    let ratio = value(face, "height") / value(face, "width");
    assert!((ratio - 16.0 / 9.0).abs() < 0.2, "height/width {ratio:.2}");
}

#[test]
fn a_missing_model_is_a_clear_error_naming_the_file() {
    init();
    let line = "videotestsrc num-buffers=1 ! video/x-raw,format=RGB ! \
         reelfaces model-dir=/nonexistent/blazeface ! fakesink";
    let (_, error) = play(line, 20);
    let error = error.expect("the pipeline fails");
    assert!(
        error.contains("/nonexistent/blazeface/model.onnx"),
        "{error}"
    );
}
