//! What the console knows and shows: the daemon's health, its jobs, the event log, and what
//! the user is doing (selection, sort, filter, prompts). Changed only by [`State::apply`];
//! drawing only reads it.

use std::collections::{BTreeMap, VecDeque};

/// A job as the console holds it, from the Job object's properties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobRow {
    pub path: String,
    pub id: String,
    pub name: String,
    /// The inbox file it came from; empty otherwise.
    pub source: String,
    pub state: String,
    pub stage: String,
    pub progress: f64,
    /// (name, state, progress 0–1, seconds) per stage.
    pub stages: Vec<(String, String, f64, f64)>,
    pub error: String,
    pub outputs: Vec<String>,
    /// (profile, segment, encoded by this job) for every segment its render joined.
    pub segments: Vec<(String, String, bool)>,
    pub profiles: Vec<String>,
    pub priority: i32,
    pub attempts: u32,
    /// Microseconds since the epoch; 0 for never.
    pub created_us: u64,
    pub finished_us: u64,
}

impl JobRow {
    pub fn is_final(&self) -> bool {
        matches!(self.state.as_str(), "done" | "failed" | "cancelled")
    }

    /// What the jobs table names it by: the inbox file when there is one.
    pub fn label(&self) -> &str {
        if self.source.is_empty() {
            &self.name
        } else {
            &self.source
        }
    }
}

/// The daemon's header line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    pub version: String,
    pub bus: String,
    pub workers: u32,
    pub running: u32,
    pub queued: u32,
    pub provider: String,
    pub voice: String,
    pub inbox: String,
    /// seen, processing, done, failed.
    pub inbox_counts: [u32; 4],
}

#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    Connecting,
    Up,
    /// The daemon left the bus (or the bus went away): the reason, while reconnecting.
    Gone(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Age,
    State,
    Name,
    Progress,
    Priority,
}

impl SortBy {
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Age => SortBy::State,
            SortBy::State => SortBy::Name,
            SortBy::Name => SortBy::Progress,
            SortBy::Progress => SortBy::Priority,
            SortBy::Priority => SortBy::Age,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SortBy::Age => "age",
            SortBy::State => "state",
            SortBy::Name => "name",
            SortBy::Progress => "progress",
            SortBy::Priority => "priority",
        }
    }
}

/// A prompt or overlay that takes the keys while open.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// Typing the `/` filter.
    Filter,
    /// Typing a path to submit; `choices` are the completions of what is typed.
    Submit {
        input: String,
        choices: Vec<String>,
    },
    /// Picking the voice: (id, state) of each speech model, and the one highlighted.
    Voice {
        models: Vec<(String, String)>,
        selected: usize,
    },
    Help,
}

/// How far the event log reaches back.
pub const LOG_LINES: usize = 200;

#[derive(Debug, Clone)]
pub struct State {
    pub link: Link,
    pub health: Health,
    /// By object path.
    pub jobs: BTreeMap<String, JobRow>,
    pub sort: SortBy,
    pub descending: bool,
    pub filter: String,
    /// The selected job's path (kept across re-sorting).
    pub selected: Option<String>,
    pub mode: Mode,
    /// Newest last: ("HH:MM:SS", text).
    pub log: VecDeque<(String, String)>,
    /// The last call's failure or result, shown above the footer.
    pub message: Option<String>,
    /// Now, microseconds since the epoch, for ages (set by the clock, fixed in tests).
    pub now_us: u64,
    pub quit: bool,
}

impl Default for State {
    fn default() -> State {
        State {
            link: Link::Connecting,
            health: Health::default(),
            jobs: BTreeMap::new(),
            sort: SortBy::Age,
            descending: true,
            filter: String::new(),
            selected: None,
            mode: Mode::Normal,
            log: VecDeque::new(),
            message: None,
            now_us: 0,
            quit: false,
        }
    }
}

impl State {
    /// The jobs the table shows, in its order: filtered, then sorted.
    pub fn visible(&self) -> Vec<&JobRow> {
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<&JobRow> = self
            .jobs
            .values()
            .filter(|j| {
                needle.is_empty()
                    || j.label().to_lowercase().contains(&needle)
                    || j.state.contains(&needle)
                    || j.stage.contains(&needle)
                    || j.id.to_lowercase().starts_with(&needle)
            })
            .collect();
        // Ids are time-ordered: the id is the age order and the tie-breaker.
        match self.sort {
            SortBy::Age => rows.sort_by(|a, b| a.id.cmp(&b.id)),
            SortBy::State => rows.sort_by(|a, b| (&a.state, &a.id).cmp(&(&b.state, &b.id))),
            SortBy::Name => rows.sort_by(|a, b| (a.label(), &a.id).cmp(&(b.label(), &b.id))),
            SortBy::Progress => rows.sort_by(|a, b| {
                a.progress
                    .total_cmp(&b.progress)
                    .then_with(|| a.id.cmp(&b.id))
            }),
            SortBy::Priority => rows.sort_by(|a, b| (a.priority, &a.id).cmp(&(b.priority, &b.id))),
        }
        if self.descending {
            rows.reverse();
        }
        rows
    }

    /// Index of the selected job among the visible ones (the first when none is selected).
    pub fn selected_index(&self, visible: &[&JobRow]) -> Option<usize> {
        if visible.is_empty() {
            return None;
        }
        let found = self
            .selected
            .as_ref()
            .and_then(|path| visible.iter().position(|j| &j.path == path));
        Some(found.unwrap_or(0))
    }

    pub fn selected_job(&self) -> Option<&JobRow> {
        let visible = self.visible();
        let index = self.selected_index(&visible)?;
        visible.get(index).copied()
    }

    /// Moves the selection by `delta` rows (clamped).
    pub fn move_selection(&mut self, delta: isize) {
        let visible = self.visible();
        let Some(index) = self.selected_index(&visible) else {
            return;
        };
        let last = visible.len() as isize - 1;
        let to = (index as isize + delta).clamp(0, last) as usize;
        self.selected = Some(visible[to].path.clone());
    }

    pub fn log(&mut self, text: impl Into<String>) {
        let clock = clock(self.now_us);
        self.log.push_back((clock, text.into()));
        while self.log.len() > LOG_LINES {
            self.log.pop_front();
        }
    }
}

/// HH:MM:SS (UTC) of a time in microseconds since the epoch.
pub fn clock(us: u64) -> String {
    let seconds = us / 1_000_000;
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// How long ago, shortly: `12s`, `5m`, `3h`, `2d`.
pub fn age(now_us: u64, then_us: u64) -> String {
    if then_us == 0 {
        return "-".into();
    }
    let s = now_us.saturating_sub(then_us) / 1_000_000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}
