//! Faults a service meets: its disk filling up during a render, its state folder turned
//! read-only, a model file or a GStreamer plugin gone. Each ends in one clear error naming
//! the cause; nothing stored is lost; the daemon keeps serving. The disk cases mount small
//! file systems of their own, which needs the right to mount (root, as CI runs); without it
//! they say so and stop.

mod common;

use common::daemon::{job, long_script, manager, part_files, wait_for_end, Daemon};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use zbus::zvariant::Value;

const CONFIG: &str = "workers = 1\nprofiles = [\"preview-480p\"]\n";

/// A file system mounted at `dir` by the test, unmounted when dropped.
struct Mount {
    dir: PathBuf,
}

impl Mount {
    fn run(args: &[&str], dir: &Path) -> bool {
        Command::new("mount")
            .args(args)
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// A tmpfs of `size` (mount's notation) at `dir`; `None`, said on stderr, where this
    /// process may not mount.
    fn tmpfs(dir: &Path, size: &str) -> Option<Mount> {
        std::fs::create_dir_all(dir).unwrap();
        let size = format!("size={size}");
        if !Mount::run(&["-t", "tmpfs", "-o", &size, "tmpfs"], dir) {
            eprintln!(
                "skipped: cannot mount a tmpfs at {} (needs root)",
                dir.display()
            );
            return None;
        }
        Some(Mount {
            dir: dir.to_path_buf(),
        })
    }

    /// `dir` mounted on itself read-only.
    fn read_only(dir: &Path) -> Option<Mount> {
        if !Mount::run(&["--bind", &dir.to_string_lossy()], dir) {
            eprintln!("skipped: cannot bind-mount {} (needs root)", dir.display());
            return None;
        }
        let mount = Mount {
            dir: dir.to_path_buf(),
        };
        assert!(Mount::run(&["-o", "remount,ro,bind"], dir));
        Some(mount)
    }

    fn remount(&self, options: &str) {
        assert!(Mount::run(
            &["-o", &format!("remount,{options}")],
            &self.dir
        ));
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // Lazily: a daemon still running may hold the folder, and the mount must not outlive
        // the test (its temp folder could not be removed).
        let _ = Command::new("umount").arg("--lazy").arg(&self.dir).status();
    }
}

/// The state line of `reel jobs show ID`, from the CLI.
fn state_of(daemon: &Daemon, id: &str) -> String {
    let shown = daemon.reel(&["jobs", "show", id]);
    String::from_utf8_lossy(&shown.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("state").map(|s| s.trim().to_string()))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_fails_the_job_by_name_and_the_next_works_once_space_is_back() {
    let mut daemon = Daemon::start(CONFIG);
    let small = daemon.dir.path().join("small");
    let Some(mount) = Mount::tmpfs(&small, "200k") else {
        return;
    };
    let conn = daemon.connect().await;
    let script = long_script(daemon.dir.path(), "story.txt", 2);
    let options = HashMap::from([("output", Value::from(small.to_string_lossy().into_owned()))]);
    let path = manager(&conn)
        .await
        .submit_script(&script.to_string_lossy(), options)
        .await
        .unwrap();
    let full = job(&conn, path).await;
    let state = wait_for_end(&full, Duration::from_secs(240)).await;
    assert_eq!(state, "failed", "{}", daemon.log());
    let error = full.error().await.unwrap();
    let expected = format!("no space left on {}", small.display());
    assert!(error.contains(&expected), "{expected:?} not in {error:?}");
    let left: Vec<_> = std::fs::read_dir(&small).unwrap().flatten().collect();
    assert!(left.is_empty(), "no partial output: {left:?}");

    // The store holds the job as it ended, across a restart.
    let id = full.id().await.unwrap();
    daemon.terminate();
    daemon.launch();
    assert_eq!(state_of(&daemon, &id), "failed");

    // With room again, the same job renders.
    mount.remount("size=64m");
    let retried = daemon.reel(&["jobs", "retry", &id, "--wait"]);
    assert!(
        retried.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&retried.stderr),
        daemon.log()
    );
    let video = small.join("story-preview-480p.mp4");
    common::init();
    let info = reel::render::probe::probe(&video).unwrap();
    assert!(info.duration > 1.0 && info.video.is_some() && info.audio.is_some());
    assert!(part_files(&small).is_empty());
}

#[test]
fn a_read_only_state_folder_stops_the_start_with_the_reason_and_keeps_the_store() {
    let mut daemon = Daemon::start(CONFIG);
    let script = long_script(daemon.dir.path(), "story.txt", 1);
    let submitted = daemon.reel(&["submit", &script.to_string_lossy(), "--wait", "-q"]);
    assert!(submitted.status.success(), "{}", daemon.log());
    let id = String::from_utf8_lossy(&submitted.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    daemon.terminate();

    let state = daemon.state_dir();
    let Some(mount) = Mount::read_only(&state) else {
        return;
    };
    let refused = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(["daemon", "--config"])
        .arg(daemon.dir.path().join("reel.toml"))
        .arg("--state-dir")
        .arg(&state)
        .env("DBUS_SESSION_BUS_ADDRESS", &daemon.bus.address)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    let expected = format!(
        "the state folder {} is on a read-only file system",
        state.display()
    );
    assert!(said.contains(&expected), "{expected:?} not in:\n{said}");

    drop(mount);
    daemon.launch();
    assert_eq!(state_of(&daemon, &id), "done", "the store is as it was");
}

#[test]
fn a_model_removed_under_the_daemon_fails_the_jobs_that_speak_and_no_others() {
    // A models folder of the daemon's own, so the test may break it.
    let models = tempfile::tempdir().unwrap();
    let shipped = common::repo().join(".deps/models");
    let copied = Command::new("cp")
        .arg("-r")
        .arg(shipped.join("."))
        .arg(models.path())
        .status()
        .unwrap();
    assert!(copied.success(), "make setup installs the models");
    let daemon = Daemon::start_with(CONFIG, &[("REEL_MODELS_DIR", models.path().to_path_buf())]);
    let voice = models.path().join("piper-en-us-joe-medium/model.onnx");
    std::fs::remove_file(&voice).unwrap();

    let script = long_script(daemon.dir.path(), "story.txt", 1);
    let spoken = daemon.reel(&["submit", &script.to_string_lossy(), "--wait", "-q"]);
    assert!(!spoken.status.success(), "{}", daemon.log());
    let said = String::from_utf8_lossy(&spoken.stderr);
    assert!(
        said.contains("piper-en-us-joe-medium") && said.contains(&voice.display().to_string()),
        "the error names the model and its file: {said}"
    );

    // A job that speaks nothing still renders.
    let spec = card_spec(daemon.dir.path());
    let silent = daemon.reel(&["submit", &spec.to_string_lossy(), "--wait", "-q"]);
    let said = String::from_utf8_lossy(&silent.stderr);
    assert!(silent.status.success(), "{said}");
}

#[test]
fn a_missing_gstreamer_plugin_is_named_with_its_package() {
    let dir = tempfile::tempdir().unwrap();
    // The system's plugins, less x264.
    let system = Command::new("pkg-config")
        .args(["--variable=pluginsdir", "gstreamer-1.0"])
        .output()
        .unwrap();
    let system = PathBuf::from(String::from_utf8_lossy(&system.stdout).trim());
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    for entry in std::fs::read_dir(&system).unwrap().flatten() {
        if entry.file_name() != "libgstx264.so" {
            std::os::unix::fs::symlink(entry.path(), plugins.join(entry.file_name())).unwrap();
        }
    }
    let script = long_script(dir.path(), "story.txt", 1);
    let output = dir.path().join("out.mp4");
    let rendered = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(["render", "-q", "--espeak"])
        .arg(&script)
        .arg("-o")
        .arg(&output)
        .env("GST_PLUGIN_SYSTEM_PATH_1_0", &plugins)
        .env("GST_REGISTRY_1_0", dir.path().join("registry.bin"))
        .env_remove("GST_PLUGIN_PATH")
        .env("REEL_CACHE_DIR", dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(!rendered.status.success());
    let said = String::from_utf8_lossy(&rendered.stderr);
    assert!(
        said.contains("GStreamer element 'x264enc' is missing: install gstreamer1.0-plugins-ugly"),
        "{said}"
    );
    assert!(!output.exists());
    assert!(part_files(dir.path()).is_empty());
}

/// A spec of one title card: a job that needs no model.
fn card_spec(dir: &Path) -> PathBuf {
    let spec = dir.join("cards.toml");
    std::fs::write(
        &spec,
        "[[clips]]\nduration = 1.5\nsource = { kind = \"card\", title = \"Still here\" }\n",
    )
    .unwrap();
    spec
}

#[test]
fn a_runtime_library_that_cannot_load_fails_the_jobs_that_need_it_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("libonnxruntime.so.1.31.1");
    std::fs::write(&broken, b"not a library").unwrap();
    let config = format!("{CONFIG}onnxruntime = \"{}\"\n", broken.display());
    let daemon = Daemon::start(&config);
    let health = daemon.reel(&["health"]);
    let health = String::from_utf8_lossy(&health.stdout);
    assert!(
        health.contains("onnxruntime-error") && health.contains(&broken.display().to_string()),
        "{health}"
    );

    let script = long_script(daemon.dir.path(), "story.txt", 1);
    let spoken = daemon.reel(&["submit", &script.to_string_lossy(), "--wait", "-q"]);
    assert!(!spoken.status.success());
    let said = String::from_utf8_lossy(&spoken.stderr);
    assert!(
        said.contains("cannot load the ONNX Runtime library") && said.contains("libonnxruntime"),
        "{said}"
    );
    let spec = card_spec(daemon.dir.path());
    let silent = daemon.reel(&["submit", &spec.to_string_lossy(), "--wait", "-q"]);
    assert!(silent.status.success(), "{}", daemon.log());
}

#[test]
fn a_runtime_library_removed_under_the_daemon_stays_loaded_and_jobs_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = common::repo().join(".deps/onnxruntime/libonnxruntime.so.1.31.1");
    let library = dir.path().join("libonnxruntime.so.1.31.1");
    std::fs::copy(&shipped, &library).expect("make setup installs onnxruntime");
    let config = format!("{CONFIG}onnxruntime = \"{}\"\n", library.display());
    let daemon = Daemon::start(&config);
    // Loaded at start, for the provider probe; the mapping outlives the file.
    std::fs::remove_file(&library).unwrap();
    let script = long_script(daemon.dir.path(), "story.txt", 1);
    let spoken = daemon.reel(&["submit", &script.to_string_lossy(), "--wait", "-q"]);
    assert!(
        spoken.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&spoken.stderr),
        daemon.log()
    );
}
