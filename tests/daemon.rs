//! The daemon as users and other programs meet it: a real `dbus-daemon` on a private socket, a
//! real `reel daemon` process, real renders; clients are reel's proxies, the CLI, and gdbus.

mod common;

use common::daemon::{job, long_script, manager, part_files, wait_for_end, wait_until, Daemon};
use reel::render::probe;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use zbus::zvariant::Value;

const FAST: &str = "workers = 1\nprofiles = [\"preview-480p\"]\n";

fn options(profile: &str) -> HashMap<&'static str, Value<'static>> {
    HashMap::from([("profile", Value::from(profile.to_string()))])
}

/// Submits the script at `script` and returns its job.
async fn submit(
    conn: &zbus::Connection,
    script: &std::path::Path,
    options: HashMap<&str, Value<'_>>,
) -> reel::bus::proxy::JobProxy<'static> {
    let path = manager(conn)
        .await
        .submit_script(&script.to_string_lossy(), options)
        .await
        .unwrap();
    job(conn, path).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_submitted_script_is_followed_to_done_and_its_file_is_right() {
    let daemon = Daemon::start(FAST);
    let conn = daemon.connect().await;
    let script = daemon.dir.path().join("demo.txt");
    std::fs::write(
        &script,
        "Scene 1: A quiet lab at night.\nNARRATOR: The daemon renders this.\n\n\
         Scene 2: Morning.\nNARRATOR: And then it is done.\n",
    )
    .unwrap();
    let job = submit(&conn, &script, options("preview-480p")).await;

    // Follow PropertiesChanged, as a UI would: progress only grows and never passes 1.
    use futures_util::StreamExt;
    let mut changes = job.receive_progress_changed().await;
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let state = job
            .state()
            .await
            .unwrap_or_else(|e| panic!("reading State: {e}\n{}", daemon.log()));
        if state == "done" {
            break;
        }
        assert!(Instant::now() < deadline, "{}", daemon.log());
        assert_ne!(state, "failed", "{}", job.error().await.unwrap());
        if let Ok(Some(change)) =
            tokio::time::timeout(Duration::from_millis(200), changes.next()).await
        {
            seen.push(change.get().await.unwrap());
        }
    }
    assert!(seen.len() >= 3, "progress signals: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen.iter().all(|p| (0.0..=1.0).contains(p)), "{seen:?}");
    assert_eq!(job.progress().await.unwrap(), 1.0);

    let outputs = job.outputs().await.unwrap();
    assert_eq!(outputs.len(), 1);
    common::init();
    let info = probe::probe(std::path::Path::new(&outputs[0])).unwrap();
    let video = info.video.unwrap();
    assert_eq!((video.width, video.height), (854, 480));
    assert!(info.audio.is_some());
    assert!(info.duration > 4.0, "{}", info.duration);
    let stages = job.stages().await.unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        ["parse", "voice", "visuals", "plan", "music", "render"]
    );
    assert!(stages.iter().all(|s| s.1 == "done"), "{stages:?}");

    // The project was stored with the script's scenes.
    let projects = manager(&conn).await.list_projects().await.unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!((projects[0].3.as_str(), projects[0].4), ("plain", 2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_job_stops_within_two_seconds_and_leaves_no_file() {
    let daemon = Daemon::start(FAST);
    let conn = daemon.connect().await;
    let script = long_script(daemon.dir.path(), "long.txt", 8);
    let job = submit(&conn, &script, options("youtube-1080p")).await;
    wait_until(&job, Duration::from_secs(120), |_, stage, _| {
        stage == "render"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let asked = Instant::now();
    job.cancel().await.unwrap();
    let (state, ..) = wait_until(&job, Duration::from_secs(2), |state, _, _| {
        state == "cancelled"
    })
    .await;
    println!("cancelled after {:.2} s", asked.elapsed().as_secs_f64());
    assert_eq!(state, "cancelled");
    let outbox = daemon.state_dir().join("outbox");
    let left: Vec<_> = std::fs::read_dir(&outbox)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(job.outputs().await.unwrap().is_empty());
    // A finished job cannot be cancelled, and says why.
    let err = job.cancel().await.unwrap_err().to_string();
    assert!(
        err.contains("WrongState") && err.contains("cancelled"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_job_says_why_and_a_retry_after_the_fix_succeeds() {
    let daemon = Daemon::start(FAST);
    let conn = daemon.connect().await;
    let dir = daemon.dir.path();
    // The picture is broken: the script parses, the plan stage finds the bad file.
    std::fs::write(dir.join("sky.png"), b"not a png").unwrap();
    let script = dir.join("sky.txt");
    std::fs::write(
        &script,
        "Scene 1: The sky.\n[[image: sky.png]]\nNARRATOR: Look up.\n",
    )
    .unwrap();
    let job = submit(&conn, &script, HashMap::new()).await;
    wait_until(&job, Duration::from_secs(60), |s, _, _| s == "failed").await;
    let error = job.error().await.unwrap();
    assert!(error.contains("sky.png"), "{error}");
    assert!(job.outputs().await.unwrap().is_empty());

    common::write_png(&dir.join("sky.png"), 320, 180, |x, y| ((x + y) % 256) as u8);
    let out = daemon.reel(&["jobs", "retry", &job.id().await.unwrap()[..10]]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_until(&job, Duration::from_secs(60), |s, _, _| s == "done").await;
    assert_eq!(job.error().await.unwrap(), "");
    assert_eq!(job.attempts().await.unwrap(), 2);
    assert!(std::path::Path::new(&job.outputs().await.unwrap()[0]).is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_daemon_resumes_its_job_from_the_last_finished_stage() {
    let mut daemon = Daemon::start(FAST);
    let script = long_script(daemon.dir.path(), "crash.txt", 6);
    let id = {
        let conn = daemon.connect().await;
        let job = submit(&conn, &script, options("youtube-1080p")).await;
        job.id().await.unwrap()
    };
    let mut kills = 0;
    for round in 0..3 {
        let conn = daemon.connect().await;
        let job = job_again(&conn, &id).await;
        let (state, ..) = wait_until(&job, Duration::from_secs(120), |state, stage, progress| {
            state == "done" || (stage == "render" && progress > 0.3 + 0.15 * round as f64)
        })
        .await;
        if state == "done" {
            break;
        }
        let stages_before = job.stages().await.unwrap();
        daemon.kill_hard();
        kills += 1;
        daemon.launch();
        let conn = daemon.connect().await;
        let job = job_again(&conn, &id).await;
        // The earlier stages stay done: the render goes on without redoing them.
        let stages = job.stages().await.unwrap();
        for (before, after) in stages_before.iter().zip(&stages).take(5) {
            assert_eq!(after.1, "done", "{stages:?}");
            assert_eq!(before.3, after.3, "stage {} was redone", after.0);
        }
    }
    assert!(
        kills >= 2,
        "the job finished before it could be killed twice"
    );
    let conn = daemon.connect().await;
    let job = job_again(&conn, &id).await;
    wait_until(&job, Duration::from_secs(180), |s, _, _| s == "done").await;
    assert_eq!(job.attempts().await.unwrap(), kills + 1);
    let outputs = job.outputs().await.unwrap();
    common::init();
    let info = probe::probe(std::path::Path::new(&outputs[0])).unwrap();
    assert_eq!(info.video.unwrap().height, 1080);
    assert!(
        part_files(daemon.dir.path()).is_empty(),
        "{:?}",
        part_files(daemon.dir.path())
    );
    println!("killed {kills} times; resumed each time; {}", outputs[0]);
}

async fn job_again(conn: &zbus::Connection, id: &str) -> reel::bus::proxy::JobProxy<'static> {
    job(conn, reel::bus::job_path(id.parse().unwrap())).await
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_interrupts_the_running_stage_and_the_next_start_finishes_it() {
    let mut daemon = Daemon::start(FAST);
    let script = long_script(daemon.dir.path(), "term.txt", 6);
    let id = {
        let conn = daemon.connect().await;
        let job = submit(&conn, &script, options("youtube-1080p")).await;
        wait_until(&job, Duration::from_secs(120), |_, stage, p| {
            stage == "render" && p > 0.35
        })
        .await;
        job.id().await.unwrap()
    };
    let (status, took) = daemon.terminate();
    assert!(status.success(), "{status}\n{}", daemon.log());
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    assert!(
        daemon.log().contains("interrupted by shutdown"),
        "{}",
        daemon.log()
    );
    daemon.launch();
    let conn = daemon.connect().await;
    let job = job_again(&conn, &id).await;
    wait_until(&job, Duration::from_secs(180), |s, _, _| s == "done").await;
    assert!(part_files(daemon.dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_calls_get_named_errors_and_change_nothing() {
    let daemon = Daemon::start(FAST);
    let conn = daemon.connect().await;
    let manager = manager(&conn).await;
    let dir = daemon.dir.path();
    let script = long_script(dir, "ok.txt", 1);
    let script = script.to_string_lossy().into_owned();
    std::fs::write(dir.join("bad.txt"), "Scene 1: x\n[[duration: banana]]\n").unwrap();
    let bad = dir.join("bad.txt").to_string_lossy().into_owned();
    // A NUL in a script: a message quoting it would get the daemon dropped from the bus.
    std::fs::write(dir.join("nul.txt"), "Scene 1: x\nNARRATOR: a\0b\n").unwrap();
    let nul = dir.join("nul.txt").to_string_lossy().into_owned();
    let option =
        |key: &'static str, value: &'static str| HashMap::from([(key, Value::from(value))]);
    let none = HashMap::new;
    let submit = |source: &str, options| {
        let manager = manager.clone();
        let source = source.to_string();
        async move { manager.submit_script(&source, options).await.unwrap_err() }
    };
    let cases: Vec<(&str, zbus::Error)> = vec![
        ("InvalidPath", submit("/no/such/script.txt", none()).await),
        ("InvalidPath", submit("relative.txt", none()).await),
        ("InvalidPath", submit(&dir.to_string_lossy(), none()).await),
        ("InvalidScript", submit(&bad, none()).await),
        (
            "InvalidOptions",
            submit(&script, option("profile", "cinema-8k")).await,
        ),
        (
            "InvalidOptions",
            submit(&script, option("priority", "high")).await,
        ),
        (
            "InvalidOptions",
            submit(&script, option("profil", "preview-480p")).await,
        ),
        (
            "InvalidPath",
            manager.submit_spec(&script, none()).await.unwrap_err(),
        ),
        (
            "NotFound",
            manager
                .get_job("01M7YWH89CEVZ0GJ4F78ZM6TJX")
                .await
                .unwrap_err(),
        ),
        ("NotFound", manager.get_job("job-1").await.unwrap_err()),
        ("InvalidScript", submit(&nul, none()).await),
    ];
    for (name, err) in &cases {
        let zbus::Error::MethodError(error_name, message, _) = err else {
            panic!("not a method error: {err}");
        };
        assert_eq!(
            error_name.as_str(),
            format!("org.reel.Reel1.Error.{name}"),
            "{message:?}"
        );
        assert!(
            message.as_ref().is_some_and(|m| m.len() > 10),
            "{error_name}: {message:?}"
        );
    }
    let messages: Vec<String> = cases.iter().map(|(_, e)| e.to_string()).collect();
    assert!(messages[0].contains("/no/such/script.txt") && messages[0].contains("no such file"));
    assert!(messages[1].contains("absolute"));
    assert!(messages[3].contains("bad.txt:2"), "{}", messages[3]);
    assert!(messages[4].contains("cinema-8k"));
    assert!(messages[5].contains("'priority'"));
    assert!(
        messages[10].contains("nul.txt: line 2: a NUL byte"),
        "{}",
        messages[10]
    );

    // Nothing was stored, queued or written.
    assert!(manager.list_jobs().await.unwrap().is_empty());
    assert!(manager.list_projects().await.unwrap().is_empty());
    assert!(!daemon.state_dir().join("jobs").exists());

    // The CLI turns them into one clear line.
    let out = daemon.reel(&["jobs", "show", "ZZZZ"]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: no job matches 'ZZZZ'"
    );
}

#[test]
fn the_cli_says_when_no_daemon_runs_and_a_bad_config_names_the_key() {
    let bus = common::daemon::PrivateBus::start();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(["jobs"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no reel daemon is running"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("reel.toml");
    std::fs::write(&config, "workers = 2\nstall_timout_s = 5\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(["daemon", "--config"])
        .arg(&config)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("stall_timout_s") && stderr.contains("line 2"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn other_programs_can_use_it_with_gdbus_and_busctl() {
    let daemon = Daemon::start(FAST);
    let script = long_script(daemon.dir.path(), "tools.txt", 1);
    let run = |program: &str, args: &[&str]| {
        let out = std::process::Command::new(program)
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &daemon.bus.address)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e} (make setup installs it)"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let introspection = run(
        "busctl",
        &["--user", "introspect", "org.reel.Reel1", "/org/reel/Reel1"],
    );
    for member in [
        ".SubmitScript",
        ".ListJobs",
        ".GetHealth",
        "org.freedesktop.DBus.ObjectManager",
    ] {
        assert!(introspection.contains(member), "{introspection}");
    }
    let reply = run(
        "gdbus",
        &[
            "call",
            "--session",
            "--dest",
            "org.reel.Reel1",
            "--object-path",
            "/org/reel/Reel1",
            "--method",
            "org.reel.Reel1.Manager.SubmitScript",
            &script.to_string_lossy(),
            "{'profile': <'preview-480p'>, 'priority': <3>}",
        ],
    );
    let path = reply
        .split('\'')
        .nth(1)
        .expect("an object path")
        .to_string();
    assert!(path.starts_with("/org/reel/Reel1/job/"), "{reply}");
    let conn = daemon.connect().await;
    let job = job(&conn, path.as_str().try_into().unwrap()).await;
    wait_until(&job, Duration::from_secs(60), |s, _, _| s == "done").await;
    let state = run(
        "busctl",
        &[
            "--user",
            "get-property",
            "org.reel.Reel1",
            &path,
            "org.reel.Reel1.Job",
            "State",
        ],
    );
    assert_eq!(state.trim(), "s \"done\"");
    let reply = run(
        "busctl",
        &[
            "--user",
            "call",
            "org.reel.Reel1",
            "/org/reel/Reel1",
            "org.reel.Reel1.Manager",
            "SubmitScript",
            "sa{sv}",
            "Scene 1: Typed in a shell.\nNARRATOR: Hello from busctl.",
            "1",
            "profile",
            "s",
            "preview-480p",
        ],
    );
    assert!(reply.starts_with("o \"/org/reel/Reel1/job/"), "{reply}");
}

/// 50 jobs from 5 clients at once with 2 workers: all finish, never more than 2 run at once,
/// ListJobs stays quick while they render, and the daemon's memory stays bounded.
#[tokio::test(flavor = "multi_thread")]
async fn fifty_jobs_from_five_clients_all_finish_two_at_a_time() {
    let daemon = Daemon::start("workers = 2\nprofiles = [\"preview-480p\"]\n");
    let dir = daemon.dir.path().to_path_buf();
    let submitted = Instant::now();
    let mut clients = Vec::new();
    for client in 0..5 {
        let conn = daemon.connect().await;
        let dir = dir.clone();
        clients.push(tokio::spawn(async move {
            let manager = manager(&conn).await;
            let mut paths = Vec::new();
            for n in 0..10 {
                let script = dir.join(format!("c{client}-{n}.txt"));
                std::fs::write(
                    &script,
                    format!("Scene 1: Job {n} of client {client}.\nNARRATOR: Number {n}, client {client}.\n"),
                )
                .unwrap();
                let path = manager
                    .submit_script(&script.to_string_lossy(), HashMap::new())
                    .await
                    .unwrap();
                // The returned path is usable at once: its object exists before the reply.
                let state = job(&conn, path.clone()).await.state().await;
                assert!(state.is_ok(), "{path}: {state:?}");
                paths.push(path);
            }
            paths
        }));
    }
    let mut paths = Vec::new();
    for client in clients {
        paths.extend(client.await.unwrap());
    }
    assert_eq!(paths.len(), 50);

    let conn = daemon.connect().await;
    let manager = manager(&conn).await;
    let mut latencies = Vec::new();
    let mut most_running = 0;
    let mut peak_rss_kib = 0;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let asked = Instant::now();
        let jobs = manager.list_jobs().await.unwrap();
        latencies.push(asked.elapsed());
        let running = jobs.iter().filter(|j| j.3 == "running").count();
        most_running = most_running.max(running);
        peak_rss_kib = peak_rss_kib.max(rss_kib(daemon.pid()));
        if jobs.iter().all(|j| j.3 == "done") {
            break;
        }
        assert!(
            !jobs.iter().any(|j| j.3 == "failed"),
            "{jobs:?}\n{}",
            daemon.log()
        );
        assert!(Instant::now() < deadline, "not all done: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort();
    let p99 = latencies[(latencies.len() * 99 / 100).min(latencies.len() - 1)];
    println!(
        "50 jobs in {:.1} s; at most {most_running} running; ListJobs p99 {:.1} ms over {} calls; \
         daemon peak RSS {} MiB",
        submitted.elapsed().as_secs_f64(),
        p99.as_secs_f64() * 1e3,
        latencies.len(),
        peak_rss_kib / 1024
    );
    assert!(
        (1..=2).contains(&most_running),
        "{most_running} ran at once"
    );
    assert!(p99 < Duration::from_millis(250), "ListJobs p99 {p99:?}");
    assert!(peak_rss_kib < 1024 * 1024, "peak RSS {peak_rss_kib} KiB");
    let vm_hwm = high_water_kib(daemon.pid());
    println!("daemon VmHWM {} MiB", vm_hwm / 1024);
}

/// Resident memory of process `pid` now, KiB.
fn rss_kib(pid: u32) -> u64 {
    status_field(pid, "VmRSS:")
}

/// Highest resident memory process `pid` has had, KiB.
fn high_water_kib(pid: u32) -> u64 {
    status_field(pid, "VmHWM:")
}

fn status_field(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stage_without_progress_fails_with_the_reason() {
    // The music stage reports only its start and end; mixing a minute of sound takes longer
    // than this timeout.
    let daemon =
        Daemon::start("workers = 1\nprofiles = [\"preview-480p\"]\nstall_timeout_s = 0.3\n");
    let conn = daemon.connect().await;
    let script = long_script(daemon.dir.path(), "slow.txt", 20);
    let job = submit(&conn, &script, HashMap::new()).await;
    wait_until(&job, Duration::from_secs(120), |s, _, _| s == "failed").await;
    let error = job.error().await.unwrap();
    assert!(error.contains("made no progress for 0.3 s"), "{error}");
    assert!(job.outputs().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_applies_a_new_config_without_a_restart() {
    let daemon = Daemon::start(FAST);
    let conn = daemon.connect().await;
    let workers = || async {
        let reply = conn
            .call_method(
                Some("org.reel.Reel1"),
                "/org/reel/Reel1",
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.reel.Reel1.Manager", "Workers"),
            )
            .await
            .unwrap();
        let value: zbus::zvariant::OwnedValue = reply.body().deserialize().unwrap();
        u32::try_from(value).unwrap()
    };
    assert_eq!(workers().await, 1);
    std::fs::write(daemon.dir.path().join("reel.toml"), "workers = 3\n").unwrap();
    // SAFETY: signalling the daemon process this test started.
    unsafe { libc::kill(daemon.pid() as i32, libc::SIGHUP) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while workers().await != 3 {
        assert!(Instant::now() < deadline, "{}", daemon.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A broken config is logged and the running one kept.
    std::fs::write(daemon.dir.path().join("reel.toml"), "workers = 0\n").unwrap();
    // SAFETY: as above.
    unsafe { libc::kill(daemon.pid() as i32, libc::SIGHUP) };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(workers().await, 3);
    assert!(
        daemon.log().contains("config not reloaded"),
        "{}",
        daemon.log()
    );
}

#[test]
fn systemd_hears_ready_watchdog_pings_and_stopping() {
    let bus = common::daemon::PrivateBus::start();
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    std::fs::write(dir.path().join("reel.toml"), FAST).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(["daemon", "--config"])
        .arg(dir.path().join("reel.toml"))
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "2000000")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut next = || {
        let mut buffer = [0u8; 512];
        let n = socket.recv(&mut buffer).expect("a notify message");
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    };
    let first = next();
    assert!(first.starts_with("READY=1\nSTATUS="), "{first}");
    let messages: Vec<String> = (0..3).map(|_| next()).collect();
    assert!(messages.iter().any(|m| m == "WATCHDOG=1"), "{messages:?}");
    // SAFETY: signalling the daemon process this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let stopping = std::iter::repeat_with(&mut next)
        .take(10)
        .find(|m| m.starts_with("STOPPING=1"));
    assert!(stopping.is_some());
    assert!(child.wait().unwrap().success());
}

/// Switching voices while the daemon runs: the next job speaks with the newly active model,
/// without a restart, and the old model's session is released (resident memory falls).
#[tokio::test(flavor = "multi_thread")]
async fn activating_another_voice_applies_to_the_next_job_and_frees_the_old_one() {
    // A registry of its own, sharing the installed voice's files, so the test's activations do
    // not change the models the other tests use.
    let models = tempfile::tempdir().unwrap();
    let installed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps/models");
    let voice = "piper-en-us-joe-medium";
    assert!(installed.join(voice).is_dir(), "run `make models`");
    std::os::unix::fs::symlink(installed.join(voice), models.path().join(voice)).unwrap();
    std::fs::write(
        models.path().join("active.json"),
        format!("{{\"tts\": \"{voice}\"}}"),
    )
    .unwrap();
    let daemon = Daemon::start_with(FAST, &[("REEL_MODELS_DIR", models.path().to_path_buf())]);
    let conn = daemon.connect().await;
    let script = long_script(daemon.dir.path(), "voices.txt", 2);

    let run_job = |n: usize| {
        let conn = conn.clone();
        let script = script.clone();
        async move {
            // A new text each time, so no cached speech hides which voice spoke.
            let text =
                std::fs::read_to_string(&script).unwrap() + &format!("NARRATOR: Take {n}.\n");
            let file = script.with_file_name(format!("voices-{n}.txt"));
            std::fs::write(&file, text).unwrap();
            let job = submit(&conn, &file, HashMap::new()).await;
            wait_until(&job, Duration::from_secs(120), |s, _, _| s == "done").await;
        }
    };
    run_job(1).await;
    let with_neural = rss_kib(daemon.pid());
    assert!(daemon.log().contains("voice loaded"), "{}", daemon.log());

    let models_of = || async { manager(&conn).await.list_models().await.unwrap() };
    manager(&conn)
        .await
        .activate_model("espeak-ng")
        .await
        .unwrap();
    let list = models_of().await;
    assert!(
        list.iter().any(|m| m.0 == "espeak-ng" && m.2 == "active"),
        "{list:?}"
    );
    // Freed by the activation itself, before any job runs.
    assert!(
        daemon.log().contains("previous voice model released"),
        "{}",
        daemon.log()
    );
    let after_activation = rss_kib(daemon.pid());
    run_job(2).await;
    let with_espeak = rss_kib(daemon.pid());
    assert!(
        daemon.log().contains("engine=\"espeak-ng\""),
        "{}",
        daemon.log()
    );
    println!(
        "daemon RSS with the neural voice loaded {} MiB, right after activating espeak-ng {} MiB, \
         after its job {} MiB",
        with_neural / 1024,
        after_activation / 1024,
        with_espeak / 1024
    );
    for rss in [after_activation, with_espeak] {
        assert!(
            rss + 30 * 1024 < with_neural,
            "the voice's memory was not released: {with_neural} -> {rss} KiB"
        );
    }

    // And back, still without a restart.
    manager(&conn).await.activate_model(voice).await.unwrap();
    run_job(3).await;
    assert_eq!(daemon.log().matches("voice loaded").count(), 2);
    let err = manager(&conn)
        .await
        .activate_model("no-such-voice")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not installed"), "{err}");
}

#[test]
fn the_config_places_models_and_the_runtime_and_health_shows_the_provider() {
    let deps = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps/onnxruntime");
    let library = std::fs::read_dir(&deps)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make setup`)", deps.display()))
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("libonnxruntime.so"))
        .expect("make setup installs libonnxruntime.so");
    let models = tempfile::tempdir().unwrap();
    let config = format!(
        "{FAST}models_dir = {:?}\nonnxruntime = {:?}\n",
        models.path(),
        library
    );
    let daemon = Daemon::start(&config);
    let health = daemon.reel(&["health"]);
    let text = String::from_utf8_lossy(&health.stdout);
    assert!(health.status.success(), "{text}");
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("no {key} in:\n{text}"))
    };
    assert_eq!(field("models-folder"), models.path().display().to_string());
    assert_eq!(field("onnxruntime "), library.display().to_string());
    assert_eq!(field("voice"), "espeak-ng");
    // This machine's onnxruntime is the CPU build: the reason for not using CUDA is given.
    let provider = field("execution-provider");
    if provider == "CPU" {
        assert!(!field("cuda-fallback").is_empty());
    } else {
        assert_eq!(provider, "CUDA");
    }
    assert!(daemon.log().contains("model folder"), "{}", daemon.log());

    // `reel models activate` goes through the running daemon, into the daemon's folder.
    let activated = daemon.reel(&["models", "activate", "espeak-ng"]);
    let said = String::from_utf8_lossy(&activated.stdout);
    assert!(activated.status.success(), "{said}");
    assert!(said.contains("activated by the running daemon"), "{said}");
    let active = std::fs::read_to_string(models.path().join("active.json")).unwrap();
    assert!(active.contains("\"tts\": \"espeak-ng\""), "{active}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_raised_priority_runs_first_and_finished_jobs_are_forgotten_after_their_age() {
    let mut daemon = Daemon::start(&format!("{FAST}forget_jobs_after_s = 3\n"));
    let conn = daemon.connect().await;
    let first = submit(
        &conn,
        &long_script(daemon.dir.path(), "first.txt", 3),
        options("preview-480p"),
    )
    .await;
    wait_until(&first, Duration::from_secs(60), |state, _, _| {
        state == "running"
    })
    .await;
    let second = submit(
        &conn,
        &long_script(daemon.dir.path(), "second.txt", 1),
        options("preview-480p"),
    )
    .await;
    let third = submit(
        &conn,
        &long_script(daemon.dir.path(), "third.txt", 1),
        options("preview-480p"),
    )
    .await;
    third.set_priority(5).await.unwrap();
    assert_eq!(third.priority().await.unwrap(), 5);
    // Each job is read the moment it is done, in the order they finish: three seconds later it
    // is forgotten, and on a busy machine the next one can take longer than that.
    let done = |s: &str, _: &str, _: f64| s == "done";
    wait_until(&first, Duration::from_secs(120), done).await;
    let err = first.set_priority(1).await.unwrap_err().to_string();
    assert!(err.contains("WrongState"), "{err}");
    let output = first.outputs().await.unwrap()[0].clone();
    let mut starts = Vec::new();
    for job in [&third, &second] {
        let (state, _, _) = wait_until(job, Duration::from_secs(120), |s, _, _| {
            s == "done" || s == "running"
        })
        .await;
        starts.push(job.started_at().await.unwrap());
        if state == "running" {
            wait_until(job, Duration::from_secs(120), done).await;
        }
    }
    assert!(starts[0] < starts[1], "the raised job started first");

    // Three seconds after they finished, the jobs are gone from the bus and the store; their
    // files stay.
    let objects = zbus::fdo::ObjectManagerProxy::builder(&conn)
        .destination("org.reel.Reel1")
        .unwrap()
        .path("/org/reel/Reel1")
        .unwrap()
        .build()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !manager(&conn).await.list_jobs().await.unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "jobs not forgotten:\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The bus objects go just after the records: the list may empty a moment before them.
    loop {
        let managed = objects.get_managed_objects().await.unwrap();
        if !managed.keys().any(|p| p.as_str().contains("/job/")) {
            break;
        }
        assert!(Instant::now() < deadline, "{managed:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let err = first.cancel().await.unwrap_err().to_string();
    assert!(
        err.contains("UnknownObject"),
        "the forgotten job's object is gone: {err}"
    );
    assert!(std::path::Path::new(&output).is_file(), "outputs stay");
    daemon.kill_hard();
    daemon.launch();
    let listed = daemon.reel(&["jobs"]);
    assert!(
        !String::from_utf8_lossy(&listed.stdout).contains("first.txt"),
        "forgotten in the store too"
    );
    assert!(daemon.log().contains("forgot finished jobs"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_persons_portrait_needs_consent_recorded_over_the_bus() {
    let daemon = Daemon::start(FAST);
    let conn = daemon.connect().await;
    let manager = manager(&conn).await;
    let dir = daemon.dir.path();
    let portrait = dir.join("ada.png");
    std::fs::copy(
        common::repo().join(".deps/samples/astronaut.png"),
        &portrait,
    )
    .unwrap();
    let script = dir.join("ada.txt");
    std::fs::write(
        &script,
        "[[portrait: ada.png]]\nScene 1: The studio.\nADA: Good evening, and welcome.\n",
    )
    .unwrap();
    let refused = |err: zbus::Error| err.to_string();

    // Refused at the door, naming the character; nothing is queued.
    let err = refused(
        manager
            .submit_script(&script.to_string_lossy(), HashMap::new())
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains("Error.Consent")
            && err.contains("ADA's portrait")
            && err.contains("no consent"),
        "{err}"
    );
    assert!(manager.list_jobs().await.unwrap().is_empty());

    // Refused records are named errors and store nothing.
    let portrait_arg = portrait.to_string_lossy().into_owned();
    let err = refused(
        manager
            .add_consent(&portrait_arg, " ", "a test", "", "Ada")
            .await
            .unwrap_err(),
    );
    assert!(err.contains("Error.Consent"), "{err}");
    let err = refused(manager.revoke_consent("zzzz").await.unwrap_err());
    assert!(err.contains("Error.NotFound"), "{err}");
    assert!(manager.list_consents().await.unwrap().is_empty());

    let id = manager
        .add_consent(
            &portrait_arg,
            "Eileen Collins",
            "a test",
            "2999-12-31",
            "E. Collins",
        )
        .await
        .unwrap();
    let listed = manager.list_consents().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (&listed[0].0, listed[0].1.as_str(), listed[0].6),
        (&id, "Eileen Collins", true)
    );
    let job = submit(&conn, &script, HashMap::new()).await;
    wait_for_end(&job, Duration::from_secs(120)).await;
    assert_eq!(
        job.state().await.unwrap(),
        "done",
        "{}",
        job.error().await.unwrap()
    );

    manager.revoke_consent(&id[..12]).await.unwrap();
    assert!(!manager.list_consents().await.unwrap()[0].6);
    let err = refused(
        manager
            .submit_script(&script.to_string_lossy(), HashMap::new())
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains("Error.Consent") && err.contains("revoked"),
        "{err}"
    );
}
