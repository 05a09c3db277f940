//! Playing a video clip from its in point to its out point without decoding the rest of its
//! file.
//!
//! Each clip's branch decodes its own file. When the decoder's pad appears, a blocking probe
//! holds its first data while another thread sends an accurate seek to the in point (and a
//! stop a little past the out point) up the branch; the demuxer then starts at the keyframe
//! before the in point and stops soon after the out point. The seek's flush stays inside the
//! branch: the compositor flushes only that pad. The probe goes once the seek is handled.
//!
//! At the branch's tail, frames are kept by running time: after the seek the in point runs at
//! zero (also behind the compositor a padded clip has inside its branch); a file that cannot
//! seek plays from its beginning, its in point runs at `in_s` and what comes before is dropped.
//! The tail's offset puts the in point at the clip's start on the timeline.

use super::pipeline::{self, clock};
use gst::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Seconds the demuxer keeps going past the out point; the tail ends the clip exactly.
const STOP_MARGIN: f64 = 0.5;

/// Where in the file a clip plays and where it lands on the timeline.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub in_s: f64,
    pub out_s: f64,
    pub start: f64,
}

impl Span {
    /// The in point's running time at the tail, seeked or not.
    fn begin(&self, seeked: bool) -> gst::ClockTime {
        if seeked {
            gst::ClockTime::ZERO
        } else {
            clock(self.in_s)
        }
    }

    fn offset(&self, seeked: bool) -> i64 {
        clock(self.start).nseconds() as i64 - self.begin(seeked).nseconds() as i64
    }
}

/// Links `decodebin`'s video pad to `next` and makes `tail` (the branch's last pad) carry the
/// clip's span of its file at the span's start on the timeline.
pub fn link_from(decodebin: &gst::Element, next: &gst::Element, tail: &gst::Pad, span: Span) {
    let seeked = Arc::new(AtomicBool::new(span.in_s > 0.0));
    trim(tail, span, seeked.clone());
    let tail = tail.downgrade();
    pipeline::link_decoded_with(decodebin, next, "video", move |pad| {
        if let (true, Some(tail)) = (seeked.load(Ordering::SeqCst), tail.upgrade()) {
            hold_until_seeked(pad, tail, span, seeked.clone());
        }
    });
}

/// Drops the frames before the in point and ends the clip at its out point.
fn trim(tail: &gst::Pad, span: Span, seeked: Arc<AtomicBool>) {
    tail.set_offset(span.offset(seeked.load(Ordering::SeqCst)));
    let length = clock(span.out_s - span.in_s);
    tail.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let Some(pts) = info.buffer().and_then(|b| b.pts()) else {
            return gst::PadProbeReturn::Ok;
        };
        let Some(running) = pipeline::time_segment(pad).and_then(|s| s.to_running_time(pts)) else {
            return gst::PadProbeReturn::Ok;
        };
        let begin = span.begin(seeked.load(Ordering::SeqCst));
        if running < begin {
            gst::PadProbeReturn::Drop
        } else if running >= begin + length {
            pad.push_event(gst::event::Eos::new());
            gst::PadProbeReturn::Drop
        } else {
            gst::PadProbeReturn::Ok
        }
    });
}

/// Blocks `pad` until a seek to the span, sent from a thread of its own, has been handled.
fn hold_until_seeked(pad: &gst::Pad, tail: gst::Pad, span: Span, seeked: Arc<AtomicBool>) {
    // Held while the probe is added, so the seeking thread finds its id.
    let probe = Arc::new(Mutex::new(None));
    let mut slot = probe.lock().unwrap_or_else(|e| e.into_inner());
    let started = Arc::new(AtomicBool::new(false));
    let held = probe.clone();
    *slot = pad.add_probe(gst::PadProbeType::BLOCK_DOWNSTREAM, move |pad, _| {
        if !started.swap(true, Ordering::SeqCst) {
            let (pad, tail, held, seeked) =
                (pad.clone(), tail.clone(), held.clone(), seeked.clone());
            // A seek sent from the blocked streaming thread itself would wait on its own lock.
            std::thread::spawn(move || seek(&pad, &tail, span, &seeked, &held));
        }
        gst::PadProbeReturn::Ok
    });
}

fn seek(
    pad: &gst::Pad,
    tail: &gst::Pad,
    span: Span,
    seeked: &AtomicBool,
    probe: &Mutex<Option<gst::PadProbeId>>,
) {
    let event = gst::event::Seek::new(
        1.0,
        gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE,
        gst::SeekType::Set,
        clock(span.in_s),
        gst::SeekType::Set,
        clock(span.out_s + STOP_MARGIN),
    );
    if !pad.send_event(event) {
        tracing::debug!(
            in_s = span.in_s,
            "the file cannot seek; decoding from its start"
        );
        seeked.store(false, Ordering::SeqCst);
        tail.set_offset(span.offset(false));
    }
    if let Some(id) = probe.lock().unwrap_or_else(|e| e.into_inner()).take() {
        pad.remove_probe(id);
    }
}
