//! Encoded segments → one file, without decoding or encoding a frame of video: each segment's
//! H.264/H.265 samples are read out of its MP4 and written on, one segment after another
//! (`concat` moves each segment's clock on by the length of those before it), with the sound
//! track encoded once for the whole timeline beside them.

use crate::plan::timeline::Timeline;
use crate::render::encode;
use crate::render::error::RenderError;
use crate::render::pipeline::{self, chain, make, Cancel};
use crate::render::profile::Profile;
use gst::prelude::*;
use std::path::{Path, PathBuf};

/// Writes `segments` (in order) and the sound track at `mix` into `output`.
pub fn join(
    segments: &[PathBuf],
    timeline: &Timeline,
    profile: &Profile,
    mix: &Path,
    output: &Path,
    cancel: &Cancel,
) -> Result<(), RenderError> {
    let pipeline = gst::Pipeline::new();
    let concat = make("concat")?;
    let parse = encode::parser(profile)?;
    let mux = encode::muxer(profile)?;
    encode::tag(&mux, timeline);
    let sink = make("filesink")?;
    sink.set_property("location", output);
    chain(&pipeline, &[&concat, &parse, &mux, &sink])?;
    for segment in segments {
        let source = make("filesrc")?;
        source.set_property("location", segment);
        let demux = make("qtdemux")?;
        chain(&pipeline, &[&source, &demux])?;
        // Asked for in order now: concat plays its pads in the order they were made.
        let pad = concat
            .request_pad_simple("sink_%u")
            .ok_or_else(|| pipeline::internal("concat gave no pad".into()))?;
        demux.connect_pad_added(move |_, src| {
            if src.name().starts_with("video") && !pad.is_linked() {
                let _ = src.link(&pad);
            }
        });
    }
    encode::add_audio(&pipeline, profile, mix, &mux)?;
    pipeline::run_until(&pipeline, "joining segments", cancel, || {})
}
