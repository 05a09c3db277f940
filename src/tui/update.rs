//! Actions → state changes, plus the commands the link must carry out. Pure but for path
//! completion, which reads folders as the user presses Tab.

use super::action::{Action, Command};
use super::complete::complete;
use super::props;
use super::state::{Link, Mode, State};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub fn update(state: &mut State, action: Action) -> Vec<Command> {
    match action {
        Action::Key(key) if key.kind != KeyEventKind::Release => return key_pressed(state, key),
        Action::Key(_) => {}
        Action::Tick(now) => state.now_us = now,
        Action::Connected { health, jobs } => {
            let was_gone = matches!(state.link, Link::Gone(_));
            state.link = Link::Up;
            state.health = health;
            state.jobs = jobs.into_iter().map(|j| (j.path.clone(), j)).collect();
            state.log(if was_gone {
                format!("daemon back: {} jobs", state.jobs.len())
            } else {
                format!("connected: {} jobs", state.jobs.len())
            });
        }
        Action::Gone(reason) => {
            if !matches!(state.link, Link::Gone(_)) {
                state.log(format!("daemon gone: {reason}"));
            }
            state.link = Link::Gone(reason);
        }
        Action::JobAdded(row) => {
            state.log(format!("added {} ({})", row.label(), short_id(&row.id)));
            state.jobs.insert(row.path.clone(), row);
        }
        Action::JobChanged { path, changed } => {
            if let Some(row) = state.jobs.get_mut(&path) {
                let before = (row.state.clone(), row.stage.clone());
                props::apply_job(row, &changed);
                let label = format!("{} ({})", row.label(), short_id(&row.id));
                let (state_now, stage_now) = (row.state.clone(), row.stage.clone());
                if before.0 != state_now {
                    state.log(format!("{label}: {state_now}"));
                } else if before.1 != stage_now && !stage_now.is_empty() {
                    state.log(format!("{label}: stage {stage_now}"));
                }
            }
        }
        Action::JobRemoved(path) => {
            if let Some(row) = state.jobs.remove(&path) {
                state.log(format!("forgotten {} ({})", row.label(), short_id(&row.id)));
            }
        }
        Action::JobFinished { path, state: end } => {
            let (label, error) = match state.jobs.get(&path) {
                Some(j) => (
                    format!("{} ({})", j.label(), short_id(&j.id)),
                    j.error.clone(),
                ),
                None => (path, String::new()),
            };
            state.log(if error.is_empty() {
                format!("finished {label}: {end}")
            } else {
                format!("finished {label}: {end}: {error}")
            });
        }
        Action::ManagerChanged(changed) => props::apply_manager(&mut state.health, &changed),
        Action::Health(mut health) => {
            // A reading after a call keeps what signals told since (the bus it is on).
            health.bus = std::mem::take(&mut state.health.bus);
            state.health = health;
        }
        Action::Voices(models) => {
            if models.is_empty() {
                state.message = Some("no speech models are known".into());
            } else {
                let selected = models.iter().position(|(_, s)| s == "active").unwrap_or(0);
                state.mode = Mode::Voice { models, selected };
            }
        }
        Action::CallDone(text) => {
            state.log(text.clone());
            state.message = Some(text);
        }
        Action::CallFailed { name, message } => {
            let text = format!("{name}: {message}");
            state.log(text.clone());
            state.message = Some(text);
        }
    }
    Vec::new()
}

fn short_id(id: &str) -> &str {
    &id[..id.len().min(8)]
}

fn key_pressed(state: &mut State, key: KeyEvent) -> Vec<Command> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        state.quit = true;
        return Vec::new();
    }
    match state.mode.clone() {
        Mode::Normal => normal_key(state, key),
        Mode::Help => {
            state.mode = Mode::Normal;
            Vec::new()
        }
        Mode::Filter => {
            match key.code {
                KeyCode::Esc => {
                    state.filter.clear();
                    state.mode = Mode::Normal;
                }
                KeyCode::Enter => state.mode = Mode::Normal,
                KeyCode::Backspace => {
                    state.filter.pop();
                }
                KeyCode::Char(c) => state.filter.push(c),
                _ => {}
            }
            Vec::new()
        }
        Mode::Submit { mut input, .. } => match key.code {
            KeyCode::Esc => {
                state.mode = Mode::Normal;
                Vec::new()
            }
            KeyCode::Enter if !input.trim().is_empty() => {
                state.mode = Mode::Normal;
                vec![Command::Submit(input.trim().to_string())]
            }
            KeyCode::Tab => {
                let (input, choices) = complete(&input);
                state.mode = Mode::Submit { input, choices };
                Vec::new()
            }
            KeyCode::Backspace => {
                input.pop();
                state.mode = Mode::Submit {
                    input,
                    choices: Vec::new(),
                };
                Vec::new()
            }
            KeyCode::Char(c) => {
                input.push(c);
                state.mode = Mode::Submit {
                    input,
                    choices: Vec::new(),
                };
                Vec::new()
            }
            _ => Vec::new(),
        },
        Mode::Voice { models, selected } => match key.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                state.mode = Mode::Normal;
                Vec::new()
            }
            KeyCode::Up | KeyCode::Char('k') => {
                state.mode = Mode::Voice {
                    selected: selected.saturating_sub(1),
                    models,
                };
                Vec::new()
            }
            KeyCode::Down | KeyCode::Char('j') => {
                let selected = (selected + 1).min(models.len().saturating_sub(1));
                state.mode = Mode::Voice { models, selected };
                Vec::new()
            }
            KeyCode::Enter => {
                state.mode = Mode::Normal;
                models
                    .get(selected)
                    .map(|(id, _)| vec![Command::Activate(id.clone())])
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        },
    }
}

fn normal_key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    let selected = state.selected_job().cloned();
    let on_selected = |make: fn(String) -> Command| {
        selected
            .as_ref()
            .map(|j| vec![make(j.path.clone())])
            .unwrap_or_default()
    };
    state.message = None;
    match key.code {
        KeyCode::Char('q') => state.quit = true,
        KeyCode::Char('?') => state.mode = Mode::Help,
        KeyCode::Up | KeyCode::Char('k') => state.move_selection(-1),
        KeyCode::Down | KeyCode::Char('j') => state.move_selection(1),
        KeyCode::PageUp => state.move_selection(-10),
        KeyCode::PageDown => state.move_selection(10),
        KeyCode::Home | KeyCode::Char('g') => state.move_selection(isize::MIN / 2),
        KeyCode::End | KeyCode::Char('G') => state.move_selection(isize::MAX / 2),
        KeyCode::Char('s') => state.sort = state.sort.next(),
        KeyCode::Char('S') => state.descending = !state.descending,
        KeyCode::Char('/') => state.mode = Mode::Filter,
        KeyCode::Esc => state.filter.clear(),
        KeyCode::Char('a') => {
            state.mode = Mode::Submit {
                input: String::new(),
                choices: Vec::new(),
            }
        }
        KeyCode::Char('v') => return vec![Command::ListVoices],
        KeyCode::Char('c') => return on_selected(Command::Cancel),
        KeyCode::Char('r') => return on_selected(Command::Retry),
        KeyCode::Char('+') | KeyCode::Char('=') => {
            if let Some(job) = &selected {
                return vec![Command::SetPriority(job.path.clone(), job.priority + 1)];
            }
        }
        KeyCode::Char('-') => {
            if let Some(job) = &selected {
                return vec![Command::SetPriority(job.path.clone(), job.priority - 1)];
            }
        }
        KeyCode::Char('o') => {
            if let Some(job) = &selected {
                match output_folder(job) {
                    Some(folder) => return vec![Command::Open(folder)],
                    None => state.message = Some("this job has no outputs yet".into()),
                }
            }
        }
        _ => {}
    }
    // Keep the selection on a row that is still shown.
    if state.selected.is_none() || state.selected_job().is_none() {
        state.selected = state.visible().first().map(|j| j.path.clone());
    } else if let Some(job) = state.selected_job() {
        state.selected = Some(job.path.clone());
    }
    Vec::new()
}

/// The folder holding a job's first output.
pub fn output_folder(job: &super::state::JobRow) -> Option<String> {
    let first = job.outputs.first()?;
    std::path::Path::new(first)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
}
