//! Job and Manager properties, as D-Bus sends them, onto the console's rows.

use super::state::{Health, JobRow};
use std::collections::HashMap;
use zbus::zvariant::OwnedValue;

fn get<T: TryFrom<OwnedValue>>(props: &HashMap<String, OwnedValue>, key: &str) -> Option<T> {
    props
        .get(key)
        .and_then(|v| v.try_clone().ok())
        .and_then(|v| T::try_from(v).ok())
}

/// Sets every field of `row` that `props` carries; others stay.
pub fn apply_job(row: &mut JobRow, props: &HashMap<String, OwnedValue>) {
    macro_rules! set {
        ($field:ident, $key:literal) => {
            if let Some(value) = get(props, $key) {
                row.$field = value;
            }
        };
    }
    set!(id, "Id");
    set!(name, "Name");
    set!(source, "Source");
    set!(state, "State");
    set!(stage, "Stage");
    set!(progress, "Progress");
    set!(stages, "Stages");
    set!(error, "Error");
    set!(outputs, "Outputs");
    set!(segments, "Segments");
    set!(profiles, "Profiles");
    set!(priority, "Priority");
    set!(attempts, "Attempts");
    set!(created_us, "CreatedAt");
    set!(finished_us, "FinishedAt");
}

pub fn job(path: &str, props: &HashMap<String, OwnedValue>) -> JobRow {
    let mut row = JobRow {
        path: path.to_string(),
        ..JobRow::default()
    };
    apply_job(&mut row, props);
    row
}

/// The Manager's counts and inbox onto the header.
pub fn apply_manager(health: &mut Health, props: &HashMap<String, OwnedValue>) {
    if let Some(v) = get(props, "Workers") {
        health.workers = v;
    }
    if let Some(v) = get(props, "RunningJobs") {
        health.running = v;
    }
    if let Some(v) = get(props, "QueuedJobs") {
        health.queued = v;
    }
    if let Some(v) = get(props, "Version") {
        health.version = v;
    }
    if let Some(v) = get(props, "Inbox") {
        health.inbox = v;
    }
    if let Some(counts) = get::<HashMap<String, u32>>(props, "InboxCounts") {
        for (i, key) in ["seen", "processing", "done", "failed"].iter().enumerate() {
            health.inbox_counts[i] = counts.get(*key).copied().unwrap_or(0);
        }
    }
}
