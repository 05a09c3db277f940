//! Editing a stored project over D-Bus and rendering it again: every edit is a revision, bad
//! edits are refused by name and change nothing, and a re-render encodes only the segments an
//! edit changed. A real `dbus-daemon`, a real `reel daemon`, real renders.

mod common;

use common::daemon::{job, long_script, manager, wait_for_end, Daemon};
use reel::bus::proxy::{JobProxy, ProjectProxy};
use reel::render::probe;
use std::collections::HashMap;
use std::time::Duration;
use zbus::zvariant::{OwnedObjectPath, Value};

const FAST: &str = "workers = 1\nprofiles = [\"preview-480p\"]\n";

async fn project(conn: &zbus::Connection, path: OwnedObjectPath) -> ProjectProxy<'static> {
    // Read fresh each time: a PropertiesChanged may still be on its way when a call returns.
    ProjectProxy::builder(conn)
        .path(path)
        .unwrap()
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap()
}

/// Renders the project as it is now; returns the finished job.
async fn render(
    conn: &zbus::Connection,
    project: &ProjectProxy<'_>,
    daemon: &Daemon,
) -> JobProxy<'static> {
    let options = HashMap::from([("profile", Value::from("preview-480p"))]);
    let job = job(conn, project.render(options).await.unwrap()).await;
    let state = wait_for_end(&job, Duration::from_secs(240)).await;
    assert_eq!(
        state,
        "done",
        "{}\n{}",
        job.error().await.unwrap(),
        daemon.log()
    );
    job
}

/// The segments the job encoded (it reused the others).
async fn encoded(job: &JobProxy<'_>) -> (Vec<String>, usize) {
    let segments = job.segments().await.unwrap();
    let encoded = segments
        .iter()
        .filter(|(_, _, encoded)| *encoded)
        .map(|(_, label, _)| label.clone())
        .collect();
    (encoded, segments.len())
}

fn duration_of(job_output: &str) -> f64 {
    common::init();
    probe::probe(std::path::Path::new(job_output))
        .unwrap()
        .duration
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_scene_re_renders_alone_and_a_reorder_only_its_transitions() {
    let daemon = Daemon::start(FAST);
    let conn = daemon.connect().await;
    let script = long_script(daemon.dir.path(), "story.txt", 4);
    let path = manager(&conn)
        .await
        .create_project("story", &script.to_string_lossy())
        .await
        .unwrap();
    let project = project(&conn, path).await;
    assert_eq!(project.revision().await.unwrap(), 0);

    let first = render(&conn, &project, &daemon).await;
    let (all, count) = encoded(&first).await;
    assert_eq!(all.len(), count, "a first render encodes every segment");
    assert!(
        count >= 7,
        "4 scenes and 3 transitions: {all:?}\n{}",
        daemon.log()
    );

    // One line of scene 2: only scene 2 and the transitions at its ends are encoded again.
    let revision = project
        .set_line(2, 1, "A shorter line for the second scene.")
        .await
        .unwrap();
    assert_eq!(revision, 1);
    assert_eq!(project.revision().await.unwrap(), 1);
    let second = render(&conn, &project, &daemon).await;
    let (again, count) = encoded(&second).await;
    assert!(again.contains(&"clip 2".to_string()), "{again:?}");
    for label in &again {
        assert!(
            ["clip 2", "clips 1+2", "clips 2+3"].contains(&label.as_str()),
            "{label} was encoded again: {again:?} of {count}"
        );
    }
    // `reel jobs show` says the same, as one line per profile.
    let id = second.id().await.unwrap();
    let shown = daemon.reel(&["jobs", "show", &id]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    let expected = format!(
        "segments  preview-480p: {} of {count} encoded ({}), {} reused",
        again.len(),
        again.join(", "),
        count - again.len()
    );
    assert!(shown.contains(&expected), "{expected:?} not in\n{shown}");
    let output = &second.outputs().await.unwrap()[0];
    let scenes = project.scenes().await.unwrap();
    assert_eq!(scenes.len(), 4);
    let shorter = duration_of(output);
    assert!(
        shorter < duration_of(&first.outputs().await.unwrap()[0]) - 1.0,
        "the shorter line shortens the video: {shorter}"
    );

    // Scene 3 moved before scene 2: only the transitions around them change.
    project.move_scene(3, 2).await.unwrap();
    let third = render(&conn, &project, &daemon).await;
    let (moved, _) = encoded(&third).await;
    assert!(!moved.is_empty());
    assert!(
        moved.iter().all(|label| label.starts_with("clips ")),
        "only transitions are encoded after a reorder: {moved:?}"
    );
    let third_output = &third.outputs().await.unwrap()[0];
    assert!((duration_of(third_output) - shorter).abs() < 0.1);

    // Bad edits are refused by name, and the revision stays.
    let before = project.revision().await.unwrap();
    let refusals = [
        (
            project
                .set_picture(2, "/no/such/picture.png")
                .await
                .unwrap_err(),
            "InvalidPath",
        ),
        (
            project.set_line(99, 1, "x").await.unwrap_err(),
            "UnknownScene",
        ),
        (
            project.set_duration(2, 0.0).await.unwrap_err(),
            "InvalidEdit",
        ),
        (
            project.set_motion(2, "spin").await.unwrap_err(),
            "InvalidEdit",
        ),
    ];
    for (err, name) in refusals {
        let zbus::Error::MethodError(error_name, message, _) = &err else {
            panic!("{err}");
        };
        assert_eq!(
            error_name.as_str(),
            format!("org.reel.Reel1.Error.{name}"),
            "{message:?}"
        );
    }
    assert_eq!(project.revision().await.unwrap(), before);
    assert_eq!(project.history().await.unwrap().len() as u32, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_edits_from_five_clients_at_once_are_all_recorded() {
    let daemon = Daemon::start(FAST);
    let script = long_script(daemon.dir.path(), "busy.txt", 3);
    let conn = daemon.connect().await;
    let path = manager(&conn)
        .await
        .create_project("busy", &script.to_string_lossy())
        .await
        .unwrap();
    let mut clients = Vec::new();
    for client in 0..5 {
        let conn = daemon.connect().await;
        let path = path.clone();
        clients.push(tokio::spawn(async move {
            let project = project(&conn, path).await;
            let mut revisions = Vec::new();
            for edit in 0..10 {
                let scene = 1 + (client + edit) % 3;
                let text = format!("Client {client} edit {edit}.");
                revisions.push(project.set_line(scene, 1, &text).await.unwrap());
            }
            revisions
        }));
    }
    let mut revisions = Vec::new();
    for client in clients {
        revisions.extend(client.await.unwrap());
    }
    revisions.sort_unstable();
    assert_eq!(
        revisions,
        (1..=50).collect::<Vec<u32>>(),
        "each edit got its own revision"
    );
    let project = project(&conn, path).await;
    assert_eq!(project.revision().await.unwrap(), 50);
    let history = project.history().await.unwrap();
    assert_eq!(history.len(), 50);
    for client in 0..5 {
        for edit in 0..10 {
            let text = format!("Client {client} edit {edit}.");
            assert!(
                history.iter().any(|(_, _, what)| what.ends_with(&text)),
                "{text} is missing from the history"
            );
        }
    }
    // The CLI shows the same project and its revision.
    let id = project.id().await.unwrap();
    let out = daemon.reel(&["projects", "show", &id]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("revision  50"), "{text}");
}
