//! Transitions as GstController keyframes: compositor pad `alpha` for dissolves and fades,
//! pad `xpos` for wipes and slides, and `reelkenburns`'s `shift-x` to hold a wiped picture still.

use super::error::RenderError;
use super::pipeline::{self, clock};
use super::profile::Profile;
use crate::plan::timeline::{Timeline, TransitionKind};
use gst::prelude::*;

/// Keyframes on compositor pads (alpha, xpos) and on kenburns `shift-x` for each transition.
pub fn animate(
    timeline: &Timeline,
    starts: &[f64],
    pads: &[gst::Pad],
    kenburns: &[Option<gst::Element>],
    profile: &Profile,
) -> Result<(), RenderError> {
    let width = f64::from(profile.width);
    let mut alpha: Vec<Vec<(f64, f64)>> = vec![Vec::new(); pads.len()];
    for (i, clip) in timeline.clips.iter().enumerate().skip(1) {
        let (s, d) = (starts[i], clip.transition.duration);
        if d <= 0.0 {
            continue;
        }
        let kenburns = kenburns[i].as_ref();
        match clip.transition.kind {
            TransitionKind::Cut => {}
            TransitionKind::Dissolve => alpha[i].extend([(s, 0.0), (s + d, 1.0)]),
            TransitionKind::FadeBlack => {
                alpha[i - 1].extend([(s, 1.0), (s + d / 2.0, 0.0)]);
                alpha[i].extend([(s, 0.0), (s + d / 2.0, 0.0), (s + d, 1.0)]);
            }
            kind @ (TransitionKind::WipeLeft
            | TransitionKind::WipeRight
            | TransitionKind::SlideLeft
            | TransitionKind::SlideRight) => {
                let from = match kind {
                    TransitionKind::WipeLeft | TransitionKind::SlideLeft => width,
                    _ => -width,
                };
                keyframes(pads[i].upcast_ref(), "xpos", &[(s, from), (s + d, 0.0)])?;
                // A wipe holds the picture still while its pad moves: the window moves back.
                if let (Some(kb), TransitionKind::WipeLeft | TransitionKind::WipeRight) =
                    (kenburns, kind)
                {
                    keyframes(
                        kb.upcast_ref(),
                        "shift-x",
                        &[(s, from / width), (s + d, 0.0)],
                    )?;
                }
            }
        }
    }
    for (pad, points) in pads.iter().zip(&mut alpha) {
        if !points.is_empty() {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            keyframes(pad.upcast_ref(), "alpha", points)?;
        }
    }
    Ok(())
}

/// Linear keyframes (seconds, value) on `property` of `object`.
fn keyframes(
    object: &gst::Object,
    property: &str,
    points: &[(f64, f64)],
) -> Result<(), RenderError> {
    use gst_controller::prelude::*;
    let source = gst_controller::InterpolationControlSource::new();
    source.set_mode(gst_controller::InterpolationMode::Linear);
    for &(t, v) in points {
        source.set(clock(t), v);
    }
    let binding = gst_controller::DirectControlBinding::new_absolute(object, property, &source);
    object
        .add_control_binding(&binding)
        .map_err(|e| pipeline::internal(e.to_string()))
}
