use super::camera::{self, Camera};
use super::resample::{self, Scratch, Target};
use super::still::{self, OwnedPlane};
use super::{Curve, Fit};
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_video::prelude::*;
use std::sync::{LazyLock, Mutex};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "reelkenburns",
        gst::DebugColorFlags::empty(),
        Some("reel Ken Burns motion"),
    )
});

const DEFAULT_DURATION: u64 = 5_000_000_000;
const DEFAULT_FPS: gst::Fraction = gst::Fraction::from_integer(30);
#[derive(Debug, Clone, Copy)]
struct Settings {
    duration: u64,
    from: Camera,
    to: Camera,
    curve: Curve,
    fit: Fit,
    shift_x: f64,
    timestamp_offset: u64,
    /// Nanoseconds of the shot not drawn: frames that end by then are skipped.
    skip: u64,
}

impl Default for Settings {
    fn default() -> Self {
        let centre = Camera {
            zoom: 1.0,
            x: 0.5,
            y: 0.5,
            rotate: 0.0,
        };
        Settings {
            duration: DEFAULT_DURATION,
            from: centre,
            to: centre,
            curve: Curve::Linear,
            fit: Fit::Cover,
            shift_x: 0.0,
            timestamp_offset: 0,
            skip: 0,
        }
    }
}

struct State {
    in_info: gst_video::VideoInfo,
    out_info: gst_video::VideoInfo,
    pool: gst::BufferPool,
    /// The still (Y, U, V), once it arrived.
    still: Option<[OwnedPlane; 3]>,
    /// The blurred fill behind a contained picture, at output size.
    fill: Option<[OwnedPlane; 3]>,
    scratch: [Scratch; 3],
    done: bool,
}

pub struct KenBurns {
    sinkpad: gst::Pad,
    srcpad: gst::Pad,
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
}

impl KenBurns {
    fn sink_chain(&self, buffer: gst::Buffer) -> Result<gst::FlowSuccess, gst::FlowError> {
        // Rendering runs for the whole clip: work on the state outside the lock.
        let Some(mut state) = self.state.lock().unwrap().take() else {
            gst::element_imp_error!(self, gst::CoreError::Negotiation, ["No caps before data"]);
            return Err(gst::FlowError::NotNegotiated);
        };
        let result = self.render_clip(&mut state, buffer);
        *self.state.lock().unwrap() = Some(state);
        result
    }

    fn render_clip(
        &self,
        state: &mut State,
        buffer: gst::Buffer,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        // A still is one picture: later buffers (image decoders may repeat it) change nothing.
        if state.done {
            return Ok(gst::FlowSuccess::Ok);
        }
        state.done = true;
        let still = still::read_planes(&buffer, &state.in_info).map_err(|err| {
            gst::element_imp_error!(
                self,
                gst::StreamError::Decode,
                ["Unreadable still: {}", err]
            );
            gst::FlowError::Error
        })?;
        let settings = *self.settings.lock().unwrap();
        if settings.fit == Fit::ContainBlur {
            state.fill = Some(still::make_fill(&still, &state.out_info));
        }
        state.still = Some(still);

        let segment = gst::FormattedSegment::<gst::ClockTime>::new();
        self.srcpad.push_event(gst::event::Segment::new(&segment));

        let fps = state.out_info.fps();
        let duration = settings.duration;
        let offset = settings.timestamp_offset;
        let frames = frame_count(duration, fps);
        let first = frames_before(settings.skip, fps).min(frames);
        gst::debug!(CAT, imp = self, "rendering frames {first}..{frames}");
        for k in first..frames {
            let pts = frame_time(k, fps);
            let next = frame_time(k + 1, fps);
            // Controlled properties (shift-x under a wipe) follow the output timestamps.
            let _ = self
                .obj()
                .sync_values(gst::ClockTime::from_nseconds(offset + pts));
            let settings = *self.settings.lock().unwrap();
            let mut out = state.pool.acquire_buffer(None)?;
            {
                let out = out.get_mut().ok_or(gst::FlowError::Error)?;
                out.set_pts(gst::ClockTime::from_nseconds(offset + pts));
                out.set_duration(gst::ClockTime::from_nseconds(
                    next.min(duration).max(pts) - pts,
                ));
                out.set_offset(k);
                out.set_offset_end(k + 1);
                let progress = if duration == 0 {
                    0.0
                } else {
                    pts as f64 / duration as f64
                };
                let t = camera::ease(progress, settings.curve == Curve::EaseInOut);
                let cam = Camera::lerp(settings.from, settings.to, t);
                self.render_frame(state, out, &cam, &settings)?;
            }
            self.srcpad.push(out)?;
        }
        Ok(gst::FlowSuccess::Ok)
    }

    fn render_frame(
        &self,
        state: &mut State,
        out: &mut gst::BufferRef,
        cam: &Camera,
        settings: &Settings,
    ) -> Result<(), gst::FlowError> {
        let info = &state.out_info;
        let mut frame = gst_video::VideoFrameRef::from_buffer_ref_writable(out, info)
            .map_err(|_| gst::FlowError::Error)?;
        let (Some(still), fw, fh) = (&state.still, info.width() as usize, info.height() as usize)
        else {
            return Err(gst::FlowError::Error);
        };
        let image = (still[0].width as f64, still[0].height as f64);
        let rect = match (&state.fill, settings.fit) {
            (Some(fill), Fit::ContainBlur) => {
                for (i, plane) in fill.iter().enumerate() {
                    still::copy_plane(plane, &mut frame, i)?;
                }
                camera::contain_rect(image, (fw, fh))
            }
            _ => (0, 0, fw, fh),
        };
        let (rx, ry, rw, rh) = rect;
        let shift = settings.shift_x * fw as f64;
        let luma = camera::view_map(image, (rw as f64, rh as f64), cam, shift);
        for (i, plane) in still.iter().enumerate() {
            let (sub_x, sub_y) = if i == 0 {
                (1, 1)
            } else {
                (
                    1 << info.format_info().w_sub()[i],
                    1 << info.format_info().h_sub()[i],
                )
            };
            let map = camera::subsampled(&luma, sub_x as f64, sub_y as f64);
            let stride = frame.plane_stride()[i] as usize;
            let (pw, ph) = (frame.comp_width(i as u32), frame.comp_height(i as u32));
            let data = frame
                .plane_data_mut(i as u32)
                .map_err(|_| gst::FlowError::Error)?;
            let target = Target {
                data,
                stride,
                x: rx / sub_x,
                y: ry / sub_y,
                width: (rw / sub_x).min(pw as usize),
                height: (rh / sub_y).min(ph as usize),
            };
            resample::resample(plane.view(), target, &map, &mut state.scratch[i]);
        }
        Ok(())
    }

    fn sink_event(&self, pad: &gst::Pad, event: gst::Event) -> bool {
        match event.view() {
            gst::EventView::Caps(caps) => match self.negotiate(caps.caps()) {
                Ok(()) => true,
                Err(err) => {
                    gst::element_imp_error!(self, gst::CoreError::Negotiation, ["{}", err]);
                    false
                }
            },
            // The output is a new stream that starts at zero, whatever the still's segment says.
            gst::EventView::Segment(_) => true,
            _ => gst::Pad::event_default(pad, Some(&*self.obj()), event),
        }
    }

    fn negotiate(&self, in_caps: &gst::CapsRef) -> Result<(), glib::BoolError> {
        let in_info = gst_video::VideoInfo::from_caps(in_caps)?;
        let template = self.srcpad.pad_template_caps();
        let mut caps = self.srcpad.peer_query_caps(Some(&template));
        if caps.is_empty() {
            return Err(glib::bool_error!("Downstream accepts no I420 video"));
        }
        caps.truncate();
        {
            let caps = caps.make_mut();
            let s = caps
                .structure_mut(0)
                .ok_or_else(|| glib::bool_error!("Empty caps from downstream"))?;
            s.fixate_field_nearest_int("width", in_info.width() as i32);
            s.fixate_field_nearest_int("height", in_info.height() as i32);
            s.fixate_field_nearest_fraction("framerate", DEFAULT_FPS);
            if s.has_field("pixel-aspect-ratio") {
                s.fixate_field_nearest_fraction("pixel-aspect-ratio", gst::Fraction::new(1, 1));
            }
        }
        caps.fixate();
        let out_info = gst_video::VideoInfo::from_caps(&caps)?;
        if out_info.fps().numer() <= 0 {
            return Err(glib::bool_error!("Output frame rate must be above zero"));
        }
        let pool = gst_video::VideoBufferPool::new().upcast::<gst::BufferPool>();
        let mut config = pool.config();
        config.set_params(Some(&caps), out_info.size() as u32, 1, 0);
        pool.set_config(config)?;
        pool.set_active(true)?;
        gst::debug!(CAT, imp = self, "negotiated {caps}");
        if !self.srcpad.push_event(gst::event::Caps::new(&caps)) {
            return Err(glib::bool_error!("Downstream refused {caps}"));
        }
        if let Some(old) = self.state.lock().unwrap().replace(State {
            in_info,
            out_info,
            pool,
            still: None,
            fill: None,
            scratch: Default::default(),
            done: false,
        }) {
            let _ = old.pool.set_active(false);
        }
        Ok(())
    }

    fn sink_query(&self, pad: &gst::Pad, query: &mut gst::QueryRef) -> bool {
        match query.view_mut() {
            // Any size in: the output size is downstream's choice, not the still's.
            gst::QueryViewMut::Caps(q) => {
                let caps = pad.pad_template_caps();
                let caps = match q.filter() {
                    Some(filter) => {
                        filter.intersect_with_mode(&caps, gst::CapsIntersectMode::First)
                    }
                    None => caps,
                };
                q.set_result(&caps);
                true
            }
            // The still is copied on arrival; upstream may recycle its buffer at once.
            gst::QueryViewMut::Allocation(_) => false,
            _ => gst::Pad::query_default(pad, Some(&*self.obj()), query),
        }
    }

    fn src_query(&self, pad: &gst::Pad, query: &mut gst::QueryRef) -> bool {
        match query.view_mut() {
            gst::QueryViewMut::Caps(q) => {
                let caps = pad.pad_template_caps();
                let caps = match q.filter() {
                    Some(filter) => {
                        filter.intersect_with_mode(&caps, gst::CapsIntersectMode::First)
                    }
                    None => caps,
                };
                q.set_result(&caps);
                true
            }
            // Frames are made here, not passed through: upstream's latency (a file being
            // decoded, possibly not yet opened) does not delay them.
            gst::QueryViewMut::Latency(q) => {
                q.set(false, gst::ClockTime::ZERO, gst::ClockTime::NONE);
                true
            }
            gst::QueryViewMut::Duration(q) if q.format() == gst::Format::Time => {
                let duration = self.settings.lock().unwrap().duration;
                q.set(gst::ClockTime::from_nseconds(duration));
                true
            }
            _ => gst::Pad::query_default(pad, Some(&*self.obj()), query),
        }
    }
}

fn frame_count(duration: u64, fps: gst::Fraction) -> u64 {
    let (n, d) = (fps.numer() as u128, fps.denom() as u128);
    // Frames whose start lies inside the clip.
    (duration as u128 * n).div_ceil(d * 1_000_000_000) as u64
}

/// Frames that end at or before `time` (ns).
fn frames_before(time: u64, fps: gst::Fraction) -> u64 {
    let (n, d) = (fps.numer() as u128, fps.denom() as u128);
    (time as u128 * n / (d * 1_000_000_000)) as u64
}

fn frame_time(k: u64, fps: gst::Fraction) -> u64 {
    let (n, d) = (fps.numer() as u128, fps.denom() as u128);
    (k as u128 * d * 1_000_000_000 / n) as u64
}

#[glib::object_subclass]
impl ObjectSubclass for KenBurns {
    const NAME: &'static str = "GstReelKenBurns";
    type Type = super::KenBurns;
    type ParentType = gst::Element;

    fn with_class(klass: &Self::Class) -> Self {
        let templ = klass.pad_template("sink").expect("sink template");
        let sinkpad = gst::Pad::builder_from_template(&templ)
            .chain_function(|_pad, parent, buffer| {
                KenBurns::catch_panic_pad_function(
                    parent,
                    || Err(gst::FlowError::Error),
                    |this| this.sink_chain(buffer),
                )
            })
            .event_function(|pad, parent, event| {
                KenBurns::catch_panic_pad_function(
                    parent,
                    || false,
                    |this| this.sink_event(pad, event),
                )
            })
            .query_function(|pad, parent, query| {
                KenBurns::catch_panic_pad_function(
                    parent,
                    || false,
                    |this| this.sink_query(pad, query),
                )
            })
            .build();
        let templ = klass.pad_template("src").expect("src template");
        let srcpad = gst::Pad::builder_from_template(&templ)
            .query_function(|pad, parent, query| {
                KenBurns::catch_panic_pad_function(
                    parent,
                    || false,
                    |this| this.src_query(pad, query),
                )
            })
            .build();
        KenBurns {
            sinkpad,
            srcpad,
            settings: Mutex::new(Settings::default()),
            state: Mutex::new(None),
        }
    }
}

/// The camera-valued properties: name, blurb, range, and where each lives in the settings.
struct CameraProperty {
    name: &'static str,
    blurb: &'static str,
    min: f64,
    max: f64,
    default: f64,
    field: fn(&mut Settings) -> &mut f64,
}

static CAMERA_PROPERTIES: [CameraProperty; 8] = [
    CameraProperty {
        name: "zoom-from",
        blurb: "Zoom at the start (1 shows the whole still)",
        min: 0.1,
        max: 100.0,
        default: 1.0,
        field: |s| &mut s.from.zoom,
    },
    CameraProperty {
        name: "zoom-to",
        blurb: "Zoom at the end",
        min: 0.1,
        max: 100.0,
        default: 1.0,
        field: |s| &mut s.to.zoom,
    },
    CameraProperty {
        name: "x-from",
        blurb: "Horizontal centre of the view at the start, as a fraction of the width",
        min: 0.0,
        max: 1.0,
        default: 0.5,
        field: |s| &mut s.from.x,
    },
    CameraProperty {
        name: "x-to",
        blurb: "Horizontal centre of the view at the end",
        min: 0.0,
        max: 1.0,
        default: 0.5,
        field: |s| &mut s.to.x,
    },
    CameraProperty {
        name: "y-from",
        blurb: "Vertical centre of the view at the start, as a fraction of the height",
        min: 0.0,
        max: 1.0,
        default: 0.5,
        field: |s| &mut s.from.y,
    },
    CameraProperty {
        name: "y-to",
        blurb: "Vertical centre of the view at the end",
        min: 0.0,
        max: 1.0,
        default: 0.5,
        field: |s| &mut s.to.y,
    },
    CameraProperty {
        name: "rotate-from",
        blurb: "Rotation at the start, degrees clockwise",
        min: -180.0,
        max: 180.0,
        default: 0.0,
        field: |s| &mut s.from.rotate,
    },
    CameraProperty {
        name: "rotate-to",
        blurb: "Rotation at the end, degrees clockwise",
        min: -180.0,
        max: 180.0,
        default: 0.0,
        field: |s| &mut s.to.rotate,
    },
];

impl ObjectImpl for KenBurns {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            let mut props = vec![
                glib::ParamSpecUInt64::builder("duration")
                    .nick("Duration")
                    .blurb("Length of the shot in nanoseconds")
                    .default_value(DEFAULT_DURATION)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt64::builder("timestamp-offset")
                    .nick("Timestamp offset")
                    .blurb(
                        "Added to every output timestamp: where the shot sits on a timeline (ns)",
                    )
                    .default_value(0)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt64::builder("skip")
                    .nick("Skip")
                    .blurb(
                        "Nanoseconds from the shot's start not drawn, for a render of a later part",
                    )
                    .default_value(0)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("curve", Curve::Linear)
                    .nick("Curve")
                    .blurb("How the camera moves between the two views")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("fit", Fit::Cover)
                    .nick("Fit")
                    .blurb("How a still of another aspect ratio fills the frame")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecDouble::builder("shift-x")
                    .nick("Shift X")
                    .blurb("Moves the sampled window right by this fraction of the frame width")
                    .minimum(-2.0)
                    .maximum(2.0)
                    .default_value(0.0)
                    .controllable()
                    .mutable_playing()
                    .build(),
            ];
            props.extend(CAMERA_PROPERTIES.iter().map(|p| {
                glib::ParamSpecDouble::builder(p.name)
                    .nick(p.name)
                    .blurb(p.blurb)
                    .minimum(p.min)
                    .maximum(p.max)
                    .default_value(p.default)
                    .mutable_ready()
                    .build()
            }));
            props
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = self.settings.lock().unwrap();
        match pspec.name() {
            "duration" => settings.duration = value.get().expect("type checked upstream"),
            "curve" => settings.curve = value.get().expect("type checked upstream"),
            "fit" => settings.fit = value.get().expect("type checked upstream"),
            "shift-x" => settings.shift_x = value.get().expect("type checked upstream"),
            "timestamp-offset" => {
                settings.timestamp_offset = value.get().expect("type checked upstream")
            }
            "skip" => settings.skip = value.get().expect("type checked upstream"),
            name => {
                if let Some(p) = CAMERA_PROPERTIES.iter().find(|p| p.name == name) {
                    *(p.field)(&mut settings) = value.get().expect("type checked upstream");
                }
            }
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let mut settings = self.settings.lock().unwrap();
        match pspec.name() {
            "duration" => settings.duration.to_value(),
            "curve" => settings.curve.to_value(),
            "fit" => settings.fit.to_value(),
            "shift-x" => settings.shift_x.to_value(),
            "timestamp-offset" => settings.timestamp_offset.to_value(),
            "skip" => settings.skip.to_value(),
            name => CAMERA_PROPERTIES
                .iter()
                .find(|p| p.name == name)
                .map(|p| (*(p.field)(&mut settings)).to_value())
                .unwrap_or_else(|| pspec.default_value().clone()),
        }
    }

    fn constructed(&self) {
        self.parent_constructed();
        let obj = self.obj();
        obj.add_pad(&self.sinkpad).expect("adding the sink pad");
        obj.add_pad(&self.srcpad).expect("adding the source pad");
    }
}

impl GstObjectImpl for KenBurns {}

impl ElementImpl for KenBurns {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Ken Burns",
                "Filter/Effect/Video",
                "Turns a still image into a moving shot with sub-pixel pan, zoom and rotation",
                "reel",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let sink_caps = gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .build();
            let src_caps = gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .framerate_range(gst::Fraction::new(1, 1)..=gst::Fraction::new(240, 1))
                .pixel_aspect_ratio(gst::Fraction::new(1, 1))
                .build();
            vec![
                gst::PadTemplate::new(
                    "sink",
                    gst::PadDirection::Sink,
                    gst::PadPresence::Always,
                    &sink_caps,
                )
                .expect("sink template"),
                gst::PadTemplate::new(
                    "src",
                    gst::PadDirection::Src,
                    gst::PadPresence::Always,
                    &src_caps,
                )
                .expect("src template"),
            ]
        });
        TEMPLATES.as_ref()
    }

    fn change_state(
        &self,
        transition: gst::StateChange,
    ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
        let result = self.parent_change_state(transition)?;
        if transition == gst::StateChange::PausedToReady {
            if let Some(state) = self.state.lock().unwrap().take() {
                let _ = state.pool.set_active(false);
            }
        }
        Ok(result)
    }
}
