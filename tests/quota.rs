//! Quotas as the users of a shared daemon meet them: over a limit of the config, a call is
//! refused with `org.reel.Reel1.Error.Quota` naming the limit, nothing is queued or stored,
//! and the next call goes through once the limit is no longer reached. A real `dbus-daemon`,
//! a real `reel daemon`.

mod common;

use common::daemon::{job, long_script, manager, wait_for_end, wait_until, Daemon};
use reel::bus::proxy::ManagerProxy;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// Submits `script`, which must be refused as over quota; returns the refusal's message.
async fn refused(manager: &ManagerProxy<'_>, script: &Path) -> String {
    match manager
        .submit_script(&script.to_string_lossy(), HashMap::new())
        .await
    {
        Err(zbus::Error::MethodError(name, message, _)) => {
            assert_eq!(name.as_str(), "org.reel.Reel1.Error.Quota");
            message.unwrap_or_default()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn uid() -> u32 {
    // SAFETY: getuid cannot fail and touches no memory.
    unsafe { libc::getuid() }
}

#[tokio::test(flavor = "multi_thread")]
async fn queued_jobs_and_video_length_are_limited_by_name() {
    let daemon = Daemon::start(
        "workers = 1\nprofiles = [\"preview-480p\"]\nquota_queued_jobs = 2\nmax_video_seconds = 40\n",
    );
    let conn = daemon.connect().await;
    let manager = manager(&conn).await;
    let dir = daemon.dir.path();

    // Too long a video is refused before any work, whoever asks; the CLI says so too.
    let long = long_script(dir, "long.txt", 12);
    let message = refused(&manager, &long).await;
    assert!(
        message.contains("max_video_seconds = 40") && message.contains("long.txt"),
        "{message}"
    );
    let cli = daemon.reel(&["submit", &long.to_string_lossy()]);
    assert!(!cli.status.success());
    let said = String::from_utf8_lossy(&cli.stderr);
    assert!(
        said.contains("over quota: max_video_seconds = 40"),
        "{said}"
    );
    assert!(manager.list_jobs().await.unwrap().is_empty());
    assert!(
        manager.list_projects().await.unwrap().is_empty(),
        "a refused script leaves no project"
    );

    let mut accepted = Vec::new();
    for n in 0..2 {
        let script = long_script(dir, &format!("story-{n}.txt"), 3);
        let path = manager
            .submit_script(&script.to_string_lossy(), HashMap::new())
            .await
            .unwrap();
        accepted.push(job(&conn, path).await);
    }

    // A third while both are queued or running: refused, naming the limit and the user.
    let third = long_script(dir, "story-2.txt", 3);
    let message = refused(&manager, &third).await;
    assert!(
        message.contains("quota_queued_jobs = 2")
            && message.contains(&format!("uid {} has 2 jobs", uid())),
        "{message}"
    );
    assert_eq!(
        manager.list_jobs().await.unwrap().len(),
        2,
        "nothing queued"
    );
    let projects = manager.list_projects().await.unwrap();
    assert_eq!(projects.len(), 2, "nothing stored: {projects:?}");

    // Once one of them ends, there is room again.
    accepted[1].cancel().await.unwrap();
    wait_until(&accepted[1], Duration::from_secs(60), |s, _, _| {
        s == "cancelled"
    })
    .await;
    manager
        .submit_script(&third.to_string_lossy(), HashMap::new())
        .await
        .expect("a place is free after a cancel");
}

#[tokio::test(flavor = "multi_thread")]
async fn kept_output_is_limited_until_it_is_removed() {
    let daemon =
        Daemon::start("workers = 1\nprofiles = [\"preview-480p\"]\nquota_output_bytes = 1\n");
    let conn = daemon.connect().await;
    let manager = manager(&conn).await;
    let script = long_script(daemon.dir.path(), "short.txt", 1);
    let source = script.to_string_lossy().into_owned();
    let first = job(
        &conn,
        manager
            .submit_script(&source, HashMap::new())
            .await
            .unwrap(),
    )
    .await;
    let state = wait_for_end(&first, Duration::from_secs(240)).await;
    assert_eq!(state, "done", "{}", daemon.log());

    let message = refused(&manager, &script).await;
    assert!(message.contains("quota_output_bytes = 1"), "{message}");
    assert_eq!(manager.list_jobs().await.unwrap().len(), 1);

    for output in first.outputs().await.unwrap() {
        std::fs::remove_file(output).unwrap();
    }
    manager
        .submit_script(&source, HashMap::new())
        .await
        .expect("removed outputs count no more");
}

#[test]
fn a_plan_longer_than_its_estimate_fails_before_rendering() {
    // Numbers are one word each to the estimate, and many once spoken.
    let daemon =
        Daemon::start("workers = 1\nprofiles = [\"preview-480p\"]\nmax_video_seconds = 10\n");
    let script = daemon.dir.path().join("numbers.txt");
    std::fs::write(
        &script,
        "Scene 1: Numbers.\nNARRATOR: 123456789 987654321 123456789 987654321.\n",
    )
    .unwrap();
    let out = daemon.dir.path().join("out");
    let submitted = daemon.reel(&[
        "submit",
        &script.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
        "--wait",
        "-q",
    ]);
    assert!(!submitted.status.success(), "{}", daemon.log());
    let said = String::from_utf8_lossy(&submitted.stderr);
    assert!(
        said.contains("over quota: max_video_seconds = 10: the planned video runs"),
        "{said}"
    );
    let written = std::fs::read_dir(&out).map_or(0, |d| d.count());
    assert_eq!(written, 0, "nothing rendered");
}
