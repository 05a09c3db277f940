//! The console's screens drawn on ratatui's TestBackend and compared with snapshots (insta):
//! jobs, empty, error, daemon-gone, help and the submit prompt, at 120x40, 80x24 and 40x15.

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use reel::tui::action::Action;
use reel::tui::state::{Health, JobRow, Link, Mode, State};
use reel::tui::{update, view};

/// 2026-12-06 12:00:00 UTC.
const NOW: u64 = 1_796_558_400_000_000;

fn stages(done: usize, running: f64) -> Vec<(String, String, f64, f64)> {
    ["parse", "voice", "visuals", "plan", "music", "render"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (state, progress) = match i.cmp(&done) {
                std::cmp::Ordering::Less => ("done", 1.0),
                std::cmp::Ordering::Equal => ("running", running),
                std::cmp::Ordering::Greater => ("pending", 0.0),
            };
            (
                name.to_string(),
                state.to_string(),
                progress,
                i as f64 * 0.7,
            )
        })
        .collect()
}

fn job(n: u32, name: &str, state: &str, progress: f64) -> JobRow {
    let id = format!("01KB{n:02}ZZZZZZZZZZZZZZZZZZZZ");
    JobRow {
        path: format!("/org/reel/Reel1/job/{id}"),
        id,
        name: name.into(),
        state: state.into(),
        stage: if state == "running" {
            "render".into()
        } else {
            String::new()
        },
        progress,
        stages: stages(if state == "done" { 6 } else { 5 }, 0.42),
        profiles: vec!["preview-480p".into()],
        priority: n as i32 % 3,
        attempts: 1,
        created_us: NOW - (n as u64 + 1) * 65_000_000,
        ..JobRow::default()
    }
}

fn health() -> Health {
    Health {
        version: "0.1.0".into(),
        bus: "session".into(),
        workers: 2,
        running: 1,
        queued: 1,
        provider: "CPU".into(),
        voice: "piper-en-us-joe".into(),
        inbox: "/var/lib/reel/inbox".into(),
        inbox_counts: [12, 1, 9, 2],
    }
}

fn with_jobs() -> State {
    let mut state = State {
        now_us: NOW,
        ..State::default()
    };
    let mut failed = job(3, "launch.fountain", "failed", 0.35);
    failed.error = "launch.fountain:12: scene 3: image sky.png cannot be used: not a PNG".into();
    let mut done = job(1, "demo.txt", "done", 1.0);
    done.outputs = vec!["/var/lib/reel/outbox/01KB01/demo-preview-480p.mp4".into()];
    let mut inbox = job(4, "brief.toml", "queued", 0.0);
    inbox.source = "brief.toml".into();
    let jobs = vec![
        done,
        job(2, "lighthouse.txt", "running", 0.64),
        failed,
        inbox,
    ];
    update::update(
        &mut state,
        Action::Connected {
            health: health(),
            jobs,
        },
    );
    state.log = [
        "connected: 4 jobs",
        "lighthouse.txt (01KB02ZZ): stage render",
        "finished launch.fountain (01KB03ZZ): failed",
    ]
    .iter()
    .map(|t| ("11:59:58".to_string(), t.to_string()))
    .collect();
    state.selected = Some(state.visible()[1].path.clone());
    state
}

fn screen(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::draw(frame, state)).unwrap();
    terminal.backend().to_string()
}

const SIZES: [(u16, u16); 3] = [(120, 40), (80, 24), (40, 15)];

#[test]
fn jobs_screen() {
    let state = with_jobs();
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("jobs_{w}x{h}"), screen(&state, w, h));
    }
}

#[test]
fn empty_screen() {
    let mut state = State {
        now_us: NOW,
        ..State::default()
    };
    update::update(
        &mut state,
        Action::Connected {
            health: health(),
            jobs: Vec::new(),
        },
    );
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("empty_{w}x{h}"), screen(&state, w, h));
    }
}

#[test]
fn error_screen() {
    let mut state = with_jobs();
    state.selected = Some(state.visible()[1].path.clone());
    update::update(
        &mut state,
        Action::CallFailed {
            name: "org.reel.Reel1.Error.WrongState".into(),
            message: "job 01KB03 is failed: cancel needs a queued or running job".into(),
        },
    );
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("error_{w}x{h}"), screen(&state, w, h));
    }
}

#[test]
fn daemon_gone_screen() {
    let mut state = with_jobs();
    update::update(&mut state, Action::Gone("the daemon left the bus".into()));
    assert_eq!(state.link, Link::Gone("the daemon left the bus".into()));
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("gone_{w}x{h}"), screen(&state, w, h));
    }
}

#[test]
fn help_and_submit_prompt() {
    let mut state = with_jobs();
    state.mode = Mode::Help;
    insta::assert_snapshot!("help_80x24", screen(&state, 80, 24));
    state.mode = Mode::Submit {
        input: "/home/ada/scripts/lig".into(),
        choices: vec!["lighthouse.txt".into(), "lightning.fountain".into()],
    };
    insta::assert_snapshot!("submit_80x24", screen(&state, 80, 24));
}

#[test]
fn keys_steer_the_selected_job_and_filter_the_table() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use reel::tui::action::Command;
    let key = |c: KeyCode| Action::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let mut state = with_jobs();
    let running = state.visible()[2].path.clone();
    state.selected = Some(running.clone());
    assert_eq!(
        update::update(&mut state, key(KeyCode::Char('c'))),
        vec![Command::Cancel(running.clone())]
    );
    assert_eq!(
        update::update(&mut state, key(KeyCode::Char('r'))),
        vec![Command::Retry(running.clone())]
    );
    assert_eq!(
        update::update(&mut state, key(KeyCode::Char('+'))),
        vec![Command::SetPriority(running.clone(), 3)]
    );
    update::update(&mut state, key(KeyCode::Char('/')));
    for c in "fount".chars() {
        update::update(&mut state, key(KeyCode::Char(c)));
    }
    update::update(&mut state, key(KeyCode::Enter));
    let shown: Vec<String> = state.visible().iter().map(|j| j.name.clone()).collect();
    assert_eq!(shown, vec!["launch.fountain"]);
    // The selection follows to a row that is shown.
    update::update(&mut state, key(KeyCode::Down));
    assert_eq!(
        state.selected_job().map(|j| j.name.as_str()),
        Some("launch.fountain")
    );
    update::update(&mut state, key(KeyCode::Char('q')));
    assert!(state.quit);
}
