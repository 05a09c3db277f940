use super::window::Window;
use crate::kenburns::camera;
use crate::kenburns::resample::{self, Plane, Scratch, Target};
use crate::shared::lock;
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use gst_video::prelude::*;
use gst_video::subclass::prelude::*;
use std::sync::{LazyLock, Mutex};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "reelcrop",
        gst::DebugColorFlags::empty(),
        Some("reel sub-pixel crop and scale"),
    )
});

#[derive(Default)]
pub struct Crop {
    window: Mutex<Window>,
    /// Interpolated rows and column taps, one set per plane, kept between frames.
    scratch: Mutex<[Scratch; 3]>,
}

#[glib::object_subclass]
impl ObjectSubclass for Crop {
    const NAME: &'static str = "GstReelCrop";
    type Type = super::Crop;
    type ParentType = gst_video::VideoFilter;
}

/// Where a property lives in the window.
type Field = fn(&mut Window) -> &mut f64;

/// The window's properties: name, blurb and field.
const WINDOW_PROPERTIES: [(&str, &str, Field); 4] = [
    ("left", "Left edge of the window, source pixels", |w| {
        &mut w.left
    }),
    ("top", "Top edge of the window, source pixels", |w| {
        &mut w.top
    }),
    (
        "width",
        "Width of the window, source pixels (0: as the output's shape allows)",
        |w| &mut w.width,
    ),
    (
        "height",
        "Height of the window, source pixels (0: as the output's shape allows)",
        |w| &mut w.height,
    ),
];

impl ObjectImpl for Crop {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            WINDOW_PROPERTIES
                .iter()
                .map(|(name, blurb, _)| {
                    glib::ParamSpecDouble::builder(name)
                        .blurb(blurb)
                        .minimum(-1e6)
                        .maximum(1e6)
                        .default_value(0.0)
                        .mutable_playing()
                        .controllable()
                        .build()
                })
                .collect()
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut window = lock(&self.window);
        if let Some((_, _, field)) = WINDOW_PROPERTIES.iter().find(|p| p.0 == pspec.name()) {
            *field(&mut window) = value.get().unwrap_or(0.0);
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let mut window = *lock(&self.window);
        match WINDOW_PROPERTIES.iter().find(|p| p.0 == pspec.name()) {
            Some((_, _, field)) => (*field(&mut window)).to_value(),
            None => pspec.default_value().clone(),
        }
    }
}

impl GstObjectImpl for Crop {}

impl ElementImpl for Crop {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "reel crop",
                "Filter/Effect/Video",
                "Scales a movable sub-pixel window of I420 video to the output size",
                "reel",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let caps = gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .build();
            crate::shared::passthrough_templates(&caps)
        });
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for Crop {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::NeverInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    /// Any size on either side: only the size and pixel shape change across the element.
    fn transform_caps(
        &self,
        _direction: gst::PadDirection,
        caps: &gst::Caps,
        filter: Option<&gst::Caps>,
    ) -> Option<gst::Caps> {
        let mut other = caps.clone();
        for s in other.make_mut().iter_mut() {
            s.set("width", gst::IntRange::new(1, i32::MAX));
            s.set("height", gst::IntRange::new(1, i32::MAX));
            s.remove_field("pixel-aspect-ratio");
        }
        Some(match filter {
            Some(filter) => filter.intersect_with_mode(&other, gst::CapsIntersectMode::First),
            None => other,
        })
    }

    /// Frames are read through their video meta, so upstream may hand over frames with padded
    /// strides as they are rather than repacking them.
    fn propose_allocation(
        &self,
        decide_query: Option<&gst::query::Allocation>,
        query: &mut gst::query::Allocation,
    ) -> Result<(), gst::LoggableError> {
        query.add_allocation_meta::<gst_video::VideoMeta>(None);
        self.parent_propose_allocation(decide_query, query)
    }

    /// Where downstream leaves the size open, keep the input's (square pixels).
    fn fixate_caps(
        &self,
        _direction: gst::PadDirection,
        caps: &gst::Caps,
        othercaps: gst::Caps,
    ) -> gst::Caps {
        let mut othercaps = othercaps;
        othercaps.truncate();
        if let Some(from) = caps.structure(0) {
            let s = othercaps.make_mut().structure_mut(0);
            if let Some(s) = s {
                for field in ["width", "height"] {
                    if let Ok(v) = from.get::<i32>(field) {
                        s.fixate_field_nearest_int(field, v);
                    }
                }
                if s.has_field("pixel-aspect-ratio") {
                    s.fixate_field_nearest_fraction("pixel-aspect-ratio", gst::Fraction::new(1, 1));
                }
            }
        }
        othercaps.fixate();
        othercaps
    }
}

impl VideoFilterImpl for Crop {
    fn transform_frame(
        &self,
        inframe: &gst_video::VideoFrameRef<&gst::BufferRef>,
        outframe: &mut gst_video::VideoFrameRef<&mut gst::BufferRef>,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let picture = (f64::from(inframe.width()), f64::from(inframe.height()));
        let output = (f64::from(outframe.width()), f64::from(outframe.height()));
        let window = lock(&self.window).resolve(picture, output);
        gst::trace!(CAT, imp = self, "window {window:?}");
        let luma = window.map(output);
        let format = inframe.format_info();
        let mut scratch = lock(&self.scratch);
        for (i, scratch) in scratch.iter_mut().enumerate() {
            let plane = i as u32;
            let (sub_x, sub_y) = (1u32 << format.w_sub()[i], 1u32 << format.h_sub()[i]);
            let map = camera::subsampled(&luma, f64::from(sub_x), f64::from(sub_y));
            let src = Plane {
                data: inframe
                    .plane_data(plane)
                    .map_err(|_| gst::FlowError::Error)?,
                width: inframe.comp_width(plane) as usize,
                height: inframe.comp_height(plane) as usize,
                stride: inframe.plane_stride()[i] as usize,
            };
            let (width, height) = (
                outframe.comp_width(plane) as usize,
                outframe.comp_height(plane) as usize,
            );
            let stride = outframe.plane_stride()[i] as usize;
            let dst = Target {
                data: outframe
                    .plane_data_mut(plane)
                    .map_err(|_| gst::FlowError::Error)?,
                stride,
                x: 0,
                y: 0,
                width,
                height,
            };
            resample::resample(src, dst, &map, scratch);
        }
        Ok(gst::FlowSuccess::Ok)
    }
}
