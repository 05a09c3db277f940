//! `reel tui`: a live console for the daemon, a D-Bus client like the CLI.
//!
//! One loop ([`run`]) selects over the terminal's events, a one-second clock (ages only) and
//! the [`link`]'s actions; [`update`] turns each action into state changes and commands for
//! the link; [`view`] draws the state and does nothing else. Progress arrives as
//! PropertiesChanged signals: nothing polls the daemon.

pub mod action;
pub mod complete;
mod link;
pub mod props;
pub mod state;
pub mod update;
pub mod view;

use crate::bus::Bus;
use action::Action;
use futures_util::StreamExt;
use state::State;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Runs the console until `q`; the terminal is restored on every way out, panics included
/// (`ratatui::init` installs the hook).
pub fn run(bus: Bus) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut terminal = ratatui::init();
    let result = runtime.block_on(event_loop(&mut terminal, bus));
    ratatui::restore();
    result
}

async fn event_loop(terminal: &mut ratatui::DefaultTerminal, bus: Bus) -> anyhow::Result<()> {
    let (action_tx, mut actions) = tokio::sync::mpsc::unbounded_channel();
    let (command_tx, commands) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(link::run(bus, action_tx, commands));
    let mut keys = crossterm::event::EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    let mut state = State {
        now_us: now_us(),
        ..State::default()
    };
    state.health.bus = bus.name().into();
    loop {
        terminal.draw(|frame| view::draw(frame, &state))?;
        let action = tokio::select! {
            event = keys.next() => match event {
                Some(Ok(crossterm::event::Event::Key(key))) => Action::Key(key),
                Some(Ok(_)) => continue, // a resize: the next draw fits the new size
                Some(Err(err)) => return Err(err.into()),
                None => return Ok(()),
            },
            _ = clock.tick() => Action::Tick(now_us()),
            action = actions.recv() => match action {
                Some(action) => action,
                None => return Ok(()),
            },
        };
        let mut pending = vec![action];
        // A burst of signals costs one frame, not one each.
        while let Ok(more) = actions.try_recv() {
            pending.push(more);
        }
        for action in pending {
            for command in update::update(&mut state, action) {
                let _ = command_tx.send(command);
            }
        }
        if state.quit {
            return Ok(());
        }
    }
}
