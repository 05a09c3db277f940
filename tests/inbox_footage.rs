//! Footage dropped into the daemon's inbox: a video becomes an edit job with the folder's
//! options, and a file that cannot be edited lands in `failed/` with its reason.

mod common;

use common::daemon::Daemon;
use std::path::Path;
use std::time::{Duration, Instant};

const CONFIG: &str = "workers = 1\ninbox_settle_s = 0.5\ninbox_rescan_s = 1\n";

/// Moves `file` into the inbox under `name` in one step, as a finished copy arrives.
fn drop_into(inbox: &Path, file: &Path, name: &str) {
    let hidden = inbox.join(format!(".{name}"));
    std::fs::copy(file, &hidden).unwrap();
    std::fs::rename(&hidden, inbox.join(name)).unwrap();
}

fn wait_for(path: &Path, limit: Duration, log: impl Fn() -> String) {
    let deadline = Instant::now() + limit;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "no {}\n{}",
            path.display(),
            log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn dropped_footage_is_edited_and_bad_footage_fails_with_its_reason() {
    let daemon = Daemon::start(CONFIG);
    let inbox = daemon.state_dir().join("inbox");
    let made = daemon.dir.path().join("made");
    std::fs::create_dir_all(&made).unwrap();
    std::fs::write(
        inbox.join("inbox.toml"),
        "target = 8.0\ncut = \"silence\"\ncaptions = \"plain\"\n",
    )
    .unwrap();
    let bad = common::footage::unusable(&made);
    let talk = common::footage::narrated(&made);
    for (file, _) in &bad {
        let name = file.file_name().unwrap().to_str().unwrap();
        drop_into(&inbox, file, name);
    }
    drop_into(&inbox, &talk, "talk.mp4");

    let video = inbox.join("outbox/talk.mp4/talk-shorts-1080x1920.mp4");
    wait_for(&video, Duration::from_secs(240), || daemon.log());
    common::init();
    let info = reel::render::probe::probe(&video).unwrap();
    let picture = info.video.unwrap();
    assert_eq!((picture.width, picture.height), (1080, 1920));
    assert!(
        info.duration <= 8.05,
        "the folder's target: {}",
        info.duration
    );
    assert!(video.with_extension("srt").is_file());

    for (file, problem) in &bad {
        let name = file.file_name().unwrap().to_str().unwrap();
        let error = inbox.join(format!("failed/{name}.error.txt"));
        wait_for(&error, Duration::from_secs(60), || daemon.log());
        let reason = std::fs::read_to_string(&error).unwrap();
        println!("failed/{name}: {}", reason.trim());
        assert!(inbox.join("failed").join(name).exists());
        // The inbox refuses an empty file itself, before any probe.
        let problem = if name == "empty.mp4" {
            "empty"
        } else {
            problem
        };
        assert!(
            reason.contains(name) || name == "empty.mp4",
            "{name}: {reason}"
        );
        assert!(reason.contains(problem), "{name}: {reason}");
        assert_eq!(reason.trim().lines().count(), 1, "{reason}");
    }
}
