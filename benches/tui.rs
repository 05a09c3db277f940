//! How quickly the console answers a key with 1,000 jobs in the daemon (goal: key press to
//! redrawn frame ≤ 50 ms). Each step is what the console does for a key: the update, then
//! a full draw at 120x40, here onto ratatui's TestBackend so the terminal's own speed is left
//! out. `make bench` runs it; `cargo bench --bench tui` alone.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use reel::tui::action::Action;
use reel::tui::state::{Health, JobRow, State};
use reel::tui::{update, view};
use std::time::Instant;

const JOBS: usize = 1000;
const GOAL_MS: f64 = 50.0;

fn jobs() -> Vec<JobRow> {
    let states = ["done", "failed", "cancelled", "queued", "running"];
    (0..JOBS)
        .map(|n| {
            let id = format!("01KB{n:04}ZZZZZZZZZZZZZZZZZZ");
            JobRow {
                path: format!("/org/reel/Reel1/job/{id}"),
                id,
                name: format!("script-{n}.txt"),
                state: states[n % states.len()].into(),
                stage: "render".into(),
                progress: (n % 100) as f64 / 100.0,
                stages: ["parse", "voice", "visuals", "plan", "music", "render"]
                    .iter()
                    .map(|s| (s.to_string(), "done".to_string(), 1.0, 0.5))
                    .collect(),
                priority: (n % 7) as i32,
                attempts: 1,
                created_us: 1_796_558_400_000_000 + n as u64 * 1_000_000,
                ..JobRow::default()
            }
        })
        .collect()
}

fn main() {
    let mut state = State {
        now_us: 1_796_558_400_000_000 + 2_000_000_000,
        ..State::default()
    };
    update::update(
        &mut state,
        Action::Connected {
            health: Health::default(),
            jobs: jobs(),
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    let keys: Vec<KeyCode> = [
        KeyCode::Down,
        KeyCode::Char('s'),
        KeyCode::Down,
        KeyCode::PageDown,
        KeyCode::Char('S'),
        KeyCode::Up,
    ]
    .into_iter()
    .cycle()
    .take(600)
    .collect();
    let mut times = Vec::with_capacity(keys.len());
    for code in keys {
        let started = Instant::now();
        update::update(
            &mut state,
            Action::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        terminal
            .draw(|frame| view::draw(frame, &state))
            .expect("a frame");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "tui: {JOBS} jobs, {} key presses at 120x40: key to frame p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (goal ≤ {GOAL_MS} ms)",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    if at(0.99) > GOAL_MS {
        println!("tui: over the goal");
        std::process::exit(1);
    }
}
