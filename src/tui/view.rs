//! Drawing: state in, frame out. No I/O and no changes here; every screen size gets the
//! panes that fit it (the details and log panes need 20 rows).

use super::state::{age, JobRow, Link, Mode, State};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Cell, Clear, LineGauge, List, ListItem, ListState, Paragraph, Row, Table,
    TableState, Wrap,
};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, state: &State) {
    let area = frame.area();
    let gone = matches!(state.link, Link::Gone(_) | Link::Connecting);
    let [header, banner, body, message, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(gone as u16),
        Constraint::Min(3),
        Constraint::Length(state.message.is_some() as u16),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, state);
    if gone {
        let text = match &state.link {
            Link::Gone(reason) => format!(" daemon gone, reconnecting… ({reason})"),
            _ => " connecting to the reel daemon…".to_string(),
        };
        frame.render_widget(
            Paragraph::new(text).style(Style::new().fg(Color::White).bg(Color::Red).bold()),
            banner,
        );
    }
    if body.height >= 17 {
        let [table, lower] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
        draw_jobs(frame, table, state);
        let [details, log] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(lower);
        draw_details(frame, details, state);
        draw_log(frame, log, state);
    } else {
        draw_jobs(frame, body, state);
    }
    if let Some(text) = &state.message {
        frame.render_widget(Paragraph::new(format!(" {text}")).yellow(), message);
    }
    draw_footer(frame, footer, state);
    match &state.mode {
        Mode::Help => draw_help(frame, area),
        Mode::Submit { input, choices } => draw_submit(frame, area, input, choices),
        Mode::Voice { models, selected } => draw_voices(frame, area, models, *selected),
        Mode::Normal | Mode::Filter => {}
    }
}

fn draw_header(frame: &mut Frame, area: Rect, state: &State) {
    let h = &state.health;
    let link = match state.link {
        Link::Up => Span::styled("● up", Style::new().green()),
        _ => Span::styled("○ down", Style::new().red()),
    };
    let version = if h.version.is_empty() {
        "?"
    } else {
        &h.version
    };
    let first = Line::from(vec![
        Span::styled(format!(" reel {version}"), Style::new().bold()),
        Span::raw(format!(" · {} bus · ", h.bus)),
        link,
        Span::raw(format!(
            " · workers {} · running {} · queued {} · jobs {}",
            h.workers,
            h.running,
            h.queued,
            state.jobs.len()
        )),
    ]);
    let [seen, processing, done, failed] = h.inbox_counts;
    let inbox = if h.inbox.is_empty() {
        "no inbox".to_string()
    } else {
        format!(
            "inbox {} ({seen} seen, {processing} processing, {done} done, {failed} failed)",
            h.inbox
        )
    };
    let second = Line::from(format!(
        " provider {} · voice {} · {inbox}",
        or_dash(&h.provider),
        or_dash(&h.voice)
    ))
    .dim();
    frame.render_widget(Paragraph::new(vec![first, second]), area);
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "-"
    } else {
        text
    }
}

fn state_style(state: &str) -> Style {
    match state {
        "running" => Style::new().cyan().bold(),
        "done" => Style::new().green(),
        "failed" => Style::new().red().bold(),
        "cancelled" => Style::new().magenta(),
        _ => Style::new().yellow(),
    }
}

/// A text bar, `█████░░░░░  52%`, `width` cells in all.
fn bar(fraction: f64, width: usize) -> String {
    let cells = width.saturating_sub(5).max(1);
    let filled = ((fraction.clamp(0.0, 1.0)) * cells as f64).round() as usize;
    format!(
        "{}{} {:>3}%",
        "█".repeat(filled),
        "░".repeat(cells - filled),
        (fraction * 100.0).round() as u32
    )
}

fn draw_jobs(frame: &mut Frame, area: Rect, state: &State) {
    let visible = state.visible();
    let wide = area.width >= 80;
    let mut title = format!(
        " jobs {}/{} · sort {}{} ",
        visible.len(),
        state.jobs.len(),
        state.sort.name(),
        if state.descending { "↓" } else { "↑" }
    );
    if state.mode == Mode::Filter || !state.filter.is_empty() {
        title.push_str(&format!(
            "· /{}{} ",
            state.filter,
            if state.mode == Mode::Filter {
                "▏"
            } else {
                ""
            }
        ));
    }
    let block = Block::new().borders(Borders::TOP).title(title);
    if visible.is_empty() {
        let text = if state.jobs.is_empty() {
            "no jobs yet: press a to submit a script, or drop one into the inbox"
        } else {
            "no job matches the filter (Esc clears it)"
        };
        frame.render_widget(
            Paragraph::new(text)
                .dim()
                .block(block)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
        (
            vec!["state", "job", "stage", "progress", "age", "try", "prio"],
            vec![
                Constraint::Length(9),
                Constraint::Min(12),
                Constraint::Length(7),
                Constraint::Length(17),
                Constraint::Length(4),
                Constraint::Length(3),
                Constraint::Length(4),
            ],
        )
    } else {
        (
            vec!["state", "job", "progress"],
            vec![
                Constraint::Length(9),
                Constraint::Min(6),
                Constraint::Length(10),
            ],
        )
    };
    let rows = visible.iter().map(|job| {
        let progress = bar(job.progress, if wide { 17 } else { 10 });
        let mut cells = vec![
            Cell::from(job.state.clone()).style(state_style(&job.state)),
            Cell::from(job.label().to_string()),
        ];
        if wide {
            cells.push(Cell::from(job.stage.clone()));
            cells.push(Cell::from(progress));
            cells.push(Cell::from(age(state.now_us, job.created_us)));
            cells.push(Cell::from(job.attempts.to_string()));
            cells.push(Cell::from(job.priority.to_string()));
        } else {
            cells.push(Cell::from(progress));
        }
        Row::new(cells)
    });
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(Style::new().bold().underlined()))
        .block(block)
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("▶");
    let mut table_state = TableState::default().with_selected(state.selected_index(&visible));
    frame.render_stateful_widget(table, area, &mut table_state);
}

fn draw_details(frame: &mut Frame, area: Rect, state: &State) {
    let block = Block::new()
        .borders(Borders::TOP | Borders::RIGHT)
        .title(" details ");
    let Some(job) = state.selected_job() else {
        frame.render_widget(Paragraph::new("no job selected").dim().block(block), area);
        return;
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let info = detail_lines(job, state.now_us);
    let stage_rows = job.stages.len() as u16;
    let [top, gauges, bottom] = Layout::vertical([
        Constraint::Length(info.len() as u16),
        Constraint::Length(stage_rows),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(info), top);
    let rows = Layout::vertical(vec![Constraint::Length(1); job.stages.len()]).split(gauges);
    for ((name, stage_state, progress, seconds), row) in job.stages.iter().zip(rows.iter()) {
        let ratio = if stage_state == "done" {
            1.0
        } else {
            progress.clamp(0.0, 1.0)
        };
        let gauge = LineGauge::default()
            .label(format!(
                "{name:<7} {:>3}% {seconds:>5.1}s",
                (ratio * 100.0).round() as u32
            ))
            .ratio(ratio)
            .filled_style(state_style(stage_state))
            .unfilled_style(Style::new().dark_gray());
        frame.render_widget(gauge, *row);
    }
    let mut tail: Vec<Line> = Vec::new();
    if !job.error.is_empty() {
        tail.push(Line::from(Span::styled(
            format!("error: {}", job.error),
            Style::new().red(),
        )));
    }
    for (profile, tally) in crate::render::segments::tallies(&job.segments) {
        tail.push(Line::from(format!("segments {profile}: {tally}")).dim());
    }
    for output in &job.outputs {
        tail.push(Line::from(format!("→ {output}")));
    }
    frame.render_widget(Paragraph::new(tail).wrap(Wrap { trim: false }), bottom);
}

fn detail_lines(job: &JobRow, now_us: u64) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(vec![
            Span::styled(job.label().to_string(), Style::new().bold()),
            Span::raw("  "),
            Span::styled(job.state.clone(), state_style(&job.state)),
        ]),
        Line::from(format!("id {}", job.id)).dim(),
        Line::from(format!(
            "priority {} · attempts {} · age {} · {}",
            job.priority,
            job.attempts,
            age(now_us, job.created_us),
            job.profiles.join(", ")
        )),
    ];
    if !job.source.is_empty() && job.source != job.name {
        lines.push(Line::from(format!("from inbox file {}", job.source)).dim());
    }
    lines
}

fn draw_log(frame: &mut Frame, area: Rect, state: &State) {
    let block = Block::new().borders(Borders::TOP).title(" events ");
    let height = block.inner(area).height as usize;
    let lines: Vec<Line> = state
        .log
        .iter()
        .rev()
        .take(height)
        .rev()
        .map(|(clock, text)| {
            Line::from(vec![
                Span::raw(format!("{clock} ")).dim(),
                Span::raw(text.clone()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_footer(frame: &mut Frame, area: Rect, state: &State) {
    let hints: &[(&str, &str)] = match state.mode {
        Mode::Filter => &[("Enter", "keep filter"), ("Esc", "clear")],
        Mode::Submit { .. } => &[("Enter", "submit"), ("Tab", "complete"), ("Esc", "back")],
        Mode::Voice { .. } => &[("↑↓", "choose"), ("Enter", "activate"), ("Esc", "back")],
        Mode::Help => &[("any key", "close")],
        Mode::Normal => &[
            ("q", "quit"),
            ("↑↓", "select"),
            ("c", "cancel"),
            ("r", "retry"),
            ("+-", "priority"),
            ("a", "submit"),
            ("o", "open"),
            ("v", "voice"),
            ("/", "filter"),
            ("s", "sort"),
            ("?", "help"),
        ],
    };
    let spans: Vec<Span> = hints
        .iter()
        .flat_map(|(key, what)| {
            [
                Span::styled(format!(" {key}"), Style::new().bold().cyan()),
                Span::raw(format!(" {what} ")),
            ]
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A box of `width`×`height` in the middle of `area` (never larger than it).
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

pub const HELP: &[(&str, &str)] = &[
    ("↑ ↓ j k", "select a job (PgUp PgDn Home End)"),
    ("c", "cancel the selected job"),
    ("r", "retry a failed or cancelled job"),
    ("+ / -", "raise / lower its priority"),
    ("a", "submit a file (Tab completes the path)"),
    ("o", "open the job's output folder"),
    ("v", "switch the active voice model"),
    ("/", "filter by name, state, stage or id"),
    ("s / S", "sort by the next column / reverse"),
    ("q", "quit"),
];

fn draw_help(frame: &mut Frame, area: Rect) {
    let rect = centered(area, 60, HELP.len() as u16 + 2);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::styled(format!(" {key:<9}"), Style::new().bold().cyan()),
                Span::raw(*what),
            ])
        })
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" keys ")),
        rect,
    );
}

fn draw_submit(frame: &mut Frame, area: Rect, input: &str, choices: &[String]) {
    let shown = choices.len().min(6) as u16;
    let rect = centered(area, area.width.saturating_sub(4).min(90), 3 + shown);
    let mut lines = vec![Line::from(vec![
        Span::raw(input.to_string()),
        Span::styled("▏", Style::new().cyan()),
    ])];
    lines.extend(choices.iter().take(6).map(|c| Line::from(c.clone()).dim()));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" submit a script, brief or spec ")),
        rect,
    );
}

fn draw_voices(frame: &mut Frame, area: Rect, models: &[(String, String)], selected: usize) {
    let rect = centered(area, 50, models.len() as u16 + 2);
    let items: Vec<ListItem> = models
        .iter()
        .map(|(id, state)| ListItem::new(format!("{id}  ({state})")))
        .collect();
    let list = List::new(items)
        .block(Block::bordered().title(" voice "))
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_widget(Clear, rect);
    frame.render_stateful_widget(
        list,
        rect,
        &mut ListState::default().with_selected(Some(selected)),
    );
}
