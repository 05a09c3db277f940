//! Fuzz targets: every parser reel reads files with (plain scripts, Fountain, Markdown, ad
//! briefs, edit specs, the daemon's config, inbox sidecar options) and every kind of D-Bus
//! call through a real bus to a real daemon. Each runs mutations of its corpus in
//! `fuzz/corpus/<target>/` for `FUZZ_SECONDS` (1 s under `make test`, a minute each under
//! `make fuzz`; see `tests/common/fuzz.rs`). The promises: no input panics or hangs, memory
//! stays bounded, parsing is deterministic, a bad input is an error that names its file, and
//! the daemon answers every call with a result or one of its named errors and keeps serving.

mod common;

use common::daemon::Daemon;
use common::fuzz::{self, SCRIPT_TOKENS};
use reel::bus::proxy::{ManagerProxy, ProjectProxy};
use reel::script;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zbus::zvariant::{OwnedObjectPath, Value};

/// Memory the whole fuzz run may reach; parsers of 16 KiB inputs need little.
const PEAK_MIB: u64 = 1024;

fn bounded() {
    let peak = fuzz::peak_mib();
    assert!(peak < PEAK_MIB, "the fuzz run peaked at {peak} MiB");
}

/// A bad input's error, which must name the file it is about (`file`, or a part of its name).
fn named(message: String, file: &str) -> String {
    assert!(
        message.contains(file),
        "the error does not name {file}: {message}"
    );
    message
}

/// `tokens` and TOML's own, for the TOML formats.
fn with_toml(tokens: &[&'static str]) -> Vec<&'static str> {
    tokens.iter().chain(TOML_TOKENS).copied().collect()
}

/// Parses `text` as `name` twice: the same result both times, and an error names the file.
fn parse_script(text: &str, name: &str) -> String {
    let path = Path::new(name);
    let first = script::parse(text, path).map(|p| p.project);
    let second = script::parse(text, path).map(|p| p.project);
    assert_eq!(first, second, "parsing {name} is not deterministic");
    match first {
        Ok(project) => format!("ok {} scenes", project.scenes.len()),
        Err(err) => named(err.to_string(), name),
    }
}

#[test]
fn fuzz_plain_scripts() {
    fuzz::run("plain", SCRIPT_TOKENS, |input| {
        parse_script(&fuzz::text(input), "script.txt")
    });
    bounded();
}

#[test]
fn fuzz_fountain_screenplays() {
    fuzz::run("fountain", SCRIPT_TOKENS, |input| {
        parse_script(&fuzz::text(input), "script.fountain")
    });
    bounded();
}

#[test]
fn fuzz_markdown_outlines() {
    fuzz::run("markdown", SCRIPT_TOKENS, |input| {
        parse_script(&fuzz::text(input), "script.md")
    });
    bounded();
}

const TOML_TOKENS: &[&str] = &[
    "=",
    "\"",
    "'''",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    ".",
    "\n",
    "#",
    "-1",
    "0",
    "1e309",
    "nan",
    "inf",
    "true",
    "1979-05-27",
    "\\u0000",
    "朝",
];

#[test]
fn fuzz_ad_briefs() {
    let tokens = with_toml(&[
        "product = ",
        "description = ",
        "features = ",
        "style = ",
        "duration = ",
        "audience = ",
        "call_to_action = ",
        "\"minimal\"",
        "\"bold\"",
        "[\"a\", \"b\"]",
    ]);
    fuzz::run("brief", &tokens, |input| {
        let text = fuzz::text(input);
        let path = Path::new("brief.toml");
        if !script::brief::is_brief(&text, path) {
            return "not a brief".into();
        }
        match script::brief::parse(&text, path) {
            Ok(brief) => {
                let a = script::brief::expand(&brief, 2, Path::new("."));
                let b = script::brief::expand(&brief, 2, Path::new("."));
                assert_eq!(a, b, "expanding a brief is not deterministic");
                "ok".into()
            }
            Err(err) => format!("{err:?}"),
        }
    });
    bounded();
}

#[test]
fn fuzz_edit_specs() {
    let tokens = with_toml(&[
        "[[clips]]",
        "duration = ",
        "source = ",
        "kind = \"card\"",
        "kind = \"image\"",
        "kind = \"video\"",
        "path = \"x.png\"",
        "transition = ",
        "\"dissolve\"",
        "\"wipe-left\"",
        "[[captions]]",
        "start = ",
        "end = ",
        "text = ",
        "watermark = ",
        "motion = ",
        "in = ",
        "\"duration\": ",
        "\"clips\": [",
        "\"source\": {",
        "null",
        "-0.0",
        "1e-9",
    ]);
    fuzz::run("spec", &tokens, |input| {
        let text = fuzz::text(input);
        let json = text.trim_start().starts_with('{');
        let file = PathBuf::from(if json {
            "/in/spec.json"
        } else {
            "/in/spec.toml"
        });
        match reel::plan::spec::from_text(&text, &file) {
            Ok(timeline) => {
                let duration = timeline.duration();
                assert!(duration.is_finite() && duration >= 0.0, "{duration}");
                format!("ok {} clips", timeline.clips.len())
            }
            Err(err) => named(err.to_string(), "spec."),
        }
    });
    bounded();
}

#[test]
fn fuzz_the_daemon_config() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let tokens = with_toml(&[
        "workers = ",
        "segment_workers = ",
        "stall_timeout_s = ",
        "outbox = ",
        "profiles = ",
        "inbox = ",
        "inbox_rescan_s = ",
        "inbox_settle_s = ",
        "inbox_duplicates = ",
        "quota_queued_jobs = ",
        "quota_output_bytes = ",
        "max_video_seconds = ",
        "forget_jobs_after_s = ",
        "\"/abs\"",
        "\"rel\"",
        "\"\"",
        "[\"preview-480p\"]",
    ]);
    let root = dir.path().to_path_buf();
    fuzz::run("config", &tokens, move |input| {
        let file = fuzz::file(&root, "reel.toml", input);
        match reel::daemon::config::load(Some(&file), &state) {
            Ok(loaded) => format!("ok {} workers", loaded.settings.workers),
            Err(err) => named(err.to_string(), "reel.toml"),
        }
    });
    bounded();
}

#[test]
fn fuzz_inbox_sidecar_options() {
    let tokens = with_toml(&[
        "profiles = ",
        "speech-rate = ",
        "priority = ",
        "narrate-action = ",
        "variation = ",
        "music = ",
        "target = ",
        "cut = ",
        "captions = ",
        "watermark = ",
        "\"beats\"",
        "\"karaoke\"",
        "\"none\"",
    ]);
    fuzz::run("sidecar", &tokens, |input| {
        let path = Path::new("/in/story.txt.reel.toml");
        match reel::watch::options::FileOptions::parse(&fuzz::text(input), path) {
            Ok(options) => {
                let _ = options.job_options();
                let _ = options.footage_options(Path::new("/in"));
                "ok".into()
            }
            Err(message) => {
                assert!(
                    message.contains("story.txt.reel.toml"),
                    "unnamed: {message}"
                );
                message
            }
        }
    });
    bounded();
}

/// What a D-Bus fuzz input drives: a daemon's manager and one of its projects.
struct Bus {
    runtime: tokio::runtime::Runtime,
    manager: ManagerProxy<'static>,
    project: ProjectProxy<'static>,
    connection: zbus::Connection,
    dir: PathBuf,
}

/// Options made from `bits`: each bit takes one of these, good and bad alike.
fn options_from(bits: u16, dir: &Path) -> HashMap<&'static str, Value<'static>> {
    let out = dir.join("out").to_string_lossy().into_owned();
    let candidates: [(&str, Value<'static>); 14] = [
        ("profile", Value::from("preview-480p")),
        ("profile", Value::from("nope")),
        (
            "profiles",
            Value::from(vec!["preview-480p".to_string(), "x".into()]),
        ),
        ("priority", Value::from(-7i32)),
        ("output", Value::from(out)),
        ("output", Value::from("relative/dir")),
        ("speech-rate", Value::from(f64::NAN)),
        ("variation", Value::from(99u32)),
        ("format", Value::from("fountain")),
        ("narrate-action", Value::from(true)),
        ("music", Value::from("/no/such.wav")),
        ("target", Value::from(-1.0f64)),
        ("captions", Value::from(3i32)),
        ("unknown-key", Value::from(false)),
    ];
    candidates
        .into_iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, kv)| kv)
        .collect()
}

impl Bus {
    /// One call chosen and filled by `input`; the outcome as text.
    async fn call(&self, input: &[u8]) -> String {
        let (kind, a, b) = (
            input.first().copied().unwrap_or(0),
            input.get(1).copied().unwrap_or(0),
            input.get(2).copied().unwrap_or(0),
        );
        let rest = input.get(3..).unwrap_or_default();
        // D-Bus strings cannot hold NUL: the bus drops a client that sends one.
        let text = fuzz::text(rest).replace('\0', "");
        let file = |name: &str| {
            fuzz::file(&self.dir, name, rest)
                .to_string_lossy()
                .into_owned()
        };
        let options = options_from(u16::from_le_bytes([a, b]), &self.dir);
        let (scene, line) = (u32::from(a % 8), u32::from(b % 8));
        let job = |r: zbus::Result<OwnedObjectPath>| r.map(Some);
        let edit = |r: zbus::Result<u32>| r.map(|_| None);
        let result = match kind % 12 {
            0 => job(self.manager.submit_script(&text, options).await),
            1 => job(self
                .manager
                .submit_script(&file("story.txt"), options)
                .await),
            2 => job(self.manager.submit_spec(&file("spec.toml"), options).await),
            3 => job(self
                .manager
                .submit_footage(&[&file("clip.mp4")], options)
                .await),
            4 => job(self
                .manager
                .create_project("fuzzed", &file("project.txt"))
                .await),
            5 => job(self.manager.get_job(&text).await),
            6 => edit(self.project.set_line(scene, line, &text).await),
            7 => {
                let seconds = f64::from_le_bytes(
                    rest.get(..8)
                        .and_then(|r| r.try_into().ok())
                        .unwrap_or([0xff; 8]),
                );
                edit(self.project.set_duration(scene, seconds).await)
            }
            8 => edit(self.project.move_scene(scene, line).await),
            9 => edit(self.project.set_motion(scene, &text).await),
            10 => edit(self.project.set_picture(scene, &text).await),
            _ => edit(
                self.project
                    .set_voice(&text, "en-gb", f64::from(b) / 50.0)
                    .await,
            ),
        };
        match result {
            Ok(Some(path)) if path.as_str().contains("/job/") => {
                // Work the fuzzer started is stopped at once: it is here to knock, not render.
                let started = common::daemon::job(&self.connection, path).await;
                let _ = started.cancel().await;
                format!("{kind} ok")
            }
            Ok(_) => format!("{kind} ok"),
            Err(zbus::Error::MethodError(name, message, _)) => {
                let message = message.unwrap_or_default();
                let named = name.as_str().starts_with("org.reel.Reel1.Error.");
                assert!(
                    named && name.as_str() != "org.reel.Reel1.Error.Internal",
                    "call {kind} got {name}: {message}"
                );
                format!("{kind} {name} {message}")
            }
            Err(other) => panic!("call {kind} failed on the bus: {other}"),
        }
    }
}

#[test]
fn fuzz_every_dbus_call_through_a_real_bus() {
    let daemon = Daemon::start(
        "workers = 1\nprofiles = [\"preview-480p\"]\nmax_video_seconds = 600\ninbox = \"\"\n",
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = daemon.dir.path().to_path_buf();
    let (connection, manager, project) = runtime.block_on(async {
        let connection = daemon.connect().await;
        let manager = common::daemon::manager(&connection).await;
        let script = common::daemon::long_script(&dir, "base.txt", 3);
        let path = manager
            .create_project("base", &script.to_string_lossy())
            .await
            .unwrap();
        let project = ProjectProxy::builder(&connection)
            .path(path)
            .unwrap()
            .build()
            .await
            .unwrap();
        (connection, manager, project)
    });
    let bus = Bus {
        runtime,
        manager,
        project,
        connection,
        dir,
    };
    let bus = Arc::new(bus);
    let tokens = [
        "Scene 1: ",
        "NARRATOR: ",
        "\n",
        "/",
        ".txt",
        "\0",
        "zoom-in",
        "[[",
        "]]",
    ];
    let driver = bus.clone();
    fuzz::run("dbus", &tokens, move |input| {
        driver.runtime.block_on(driver.call(input))
    });
    let health = daemon.reel(&["health"]);
    assert!(
        health.status.success(),
        "the daemon stopped serving:\n{}",
        daemon.log()
    );
    assert!(!daemon.log().contains("panicked"), "{}", daemon.log());
    bounded();
}
