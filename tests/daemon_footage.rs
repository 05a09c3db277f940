//! Footage over D-Bus: SubmitFootage runs the footage stages on the daemon, and footage that
//! cannot be edited is refused with a named error before anything is stored.

mod common;

use common::daemon::{job, manager, wait_for_end, Daemon};
use std::collections::HashMap;
use std::time::Duration;
use zbus::zvariant::Value;

const CONFIG: &str = "workers = 1\n";

#[tokio::test(flavor = "multi_thread")]
async fn submitted_footage_goes_through_its_own_stages_to_a_vertical_clip() {
    let daemon = Daemon::start(CONFIG);
    let conn = daemon.connect().await;
    let talk = common::footage::narrated(daemon.dir.path());
    let options = HashMap::from([
        ("target", Value::from(8.0)),
        ("cut", Value::from("silence")),
    ]);
    let path = manager(&conn)
        .await
        .submit_footage(&[talk.to_str().unwrap()], options)
        .await
        .unwrap();
    let job = job(&conn, path).await;
    let state = wait_for_end(&job, Duration::from_secs(180)).await;
    assert_eq!(
        state,
        "done",
        "{}\n{}",
        job.error().await.unwrap(),
        daemon.log()
    );
    let stages = job.stages().await.unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "probe",
            "shots",
            "transcribe",
            "beats",
            "plan",
            "reframe",
            "music",
            "render"
        ]
    );
    let outputs = job.outputs().await.unwrap();
    let video = outputs
        .iter()
        .find(|o| o.ends_with(".mp4"))
        .expect("a video");
    common::init();
    let info = reel::render::probe::probe(std::path::Path::new(video)).unwrap();
    let picture = info.video.unwrap();
    assert_eq!((picture.width, picture.height), (1080, 1920));
    assert!(
        info.duration > 4.0 && info.duration <= 8.05,
        "{}",
        info.duration
    );
    let captions = std::path::Path::new(video).with_extension("srt");
    assert!(captions.is_file(), "{outputs:?}");
    // A thumbnail per shot (the footage has four) and a contact sheet beside the video.
    let folder = std::path::Path::new(video).parent().unwrap();
    assert!(folder.join("talk-contact-sheet.png").is_file());
    assert!(folder.join("talk-shot-004.png").is_file());
    // The cut as OpenTimelineIO, as the Job says, opened by the opentimelineio package: one
    // video clip per kept stretch, as long as the video.
    let otio = job.otio().await.unwrap();
    assert!(otio.ends_with(".otio"), "{otio}");
    let read = std::process::Command::new(reel::models::install::python())
        .args([
            "-c",
            "import sys, opentimelineio as otio\n\
             t = otio.adapters.read_from_file(sys.argv[1])\n\
             v = [k for k in t.tracks if k.kind == 'Video'][0]\n\
             print(len(list(v.find_clips())), v.duration().to_seconds())",
            &otio,
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&read.stdout);
    assert!(
        read.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let (clips, seconds) = said.trim().split_once(' ').unwrap();
    assert!(clips.parse::<usize>().unwrap() >= 1, "{said}");
    let seconds: f64 = seconds.parse().unwrap();
    assert!(
        (seconds - info.duration).abs() < 0.1,
        "{said} vs {}",
        info.duration
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn footage_that_cannot_be_edited_gets_a_named_error_and_nothing_is_stored() {
    let daemon = Daemon::start(CONFIG);
    let conn = daemon.connect().await;
    let manager = manager(&conn).await;
    for (path, problem) in common::footage::unusable(daemon.dir.path()) {
        let err = manager
            .submit_footage(&[path.to_str().unwrap()], HashMap::new())
            .await
            .unwrap_err();
        let zbus::Error::MethodError(name, message, _) = &err else {
            panic!("not a method error: {err}");
        };
        assert_eq!(name.as_str(), "org.reel.Reel1.Error.InvalidFootage");
        let message = message.clone().unwrap_or_default();
        assert!(
            message.contains(path.to_str().unwrap()) && message.contains(problem),
            "{message}"
        );
    }
    // Options of the edit are for footage only; a relative path is refused as such.
    let script = daemon.dir.path().join("a.txt");
    std::fs::write(&script, "Scene 1: x\nNARRATOR: Hello.\n").unwrap();
    let err = manager
        .submit_script(
            script.to_str().unwrap(),
            HashMap::from([("music", Value::from("/bed.wav"))]),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("SubmitFootage only"), "{err}");
    let err = manager
        .submit_footage(&["talk.mp4"], HashMap::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("absolute"), "{err}");
    assert!(manager.list_jobs().await.unwrap().is_empty());
}
