//! How long reading a 120-page screenplay takes (goal: under 50 ms in release).
//! `make bench` runs it; `cargo bench --bench parse` alone.

use std::path::Path;
use std::time::Instant;

/// Lines on a screenplay page in standard format.
const LINES_PER_PAGE: usize = 55;
const PAGES: usize = 120;
const GOAL_MS: f64 = 50.0;

/// A feature-length screenplay: scenes with action, dual dialogue, parentheticals, extensions,
/// notes, emphasis and transitions, cycling through a cast, until it fills `pages` pages.
fn screenplay(pages: usize) -> String {
    let cast = [
        "ADA",
        "TOM",
        "MARGARET",
        "DR. OKAFOR",
        "LITTLE SAM",
        "THE CAPTAIN",
    ];
    let places = [
        "LIGHTHOUSE - LAMP ROOM",
        "HARBOUR OFFICE",
        "BEACH",
        "FISHING BOAT",
        "TOWN SQUARE",
    ];
    let mut text = String::from(
        "Title: The Long Watch\nCredit: Written by\nAuthor: A. Writer\nDraft date: 1 May\n\n",
    );
    let mut scene = 0;
    while text.lines().count() < pages * LINES_PER_PAGE {
        let (a, b) = (cast[scene % cast.len()], cast[(scene + 2) % cast.len()]);
        let place = places[scene % places.len()];
        let side = if scene % 3 == 0 { "EXT." } else { "INT." };
        text += &format!(
            "{side} {place} - {time} #{n}#\n\n\
             Wind rattles the *old* windows. {a} crosses to the table, [[a note for the director]] \
             picks up the **letter** and reads it twice.\n\n\
             {a}\n(quietly)\nThey want to automate the light. After forty years, they want a machine.\n\n\
             {b} (O.S.)\nYou knew this day would come.\n\n\
             {a}\nKnowing is not the same as being ready.\n\n\
             {b} ^\nNothing ever is.\n\n\
             The lamp turns. Its beam sweeps the water, finds the boat, loses it again.\n\n\
             /* An older version of this beat:\nTOM\nCut line.\n*/\n\
             {b}\n(beat)\nCome down to the beach tomorrow. Watch the sunrise for once.\n\n\
             {a}\n~I never learned the words to that song.\n\n\
             CUT TO:\n\n",
            time = if scene % 2 == 0 { "NIGHT" } else { "DAY" },
            n = scene + 1,
        );
        scene += 1;
    }
    text
}

fn main() {
    let text = screenplay(PAGES);
    let lines = text.lines().count();
    let path = Path::new("long-watch.fountain");
    // Warm up, then time several runs and keep the median.
    let parsed = reel::script::parse(&text, path).expect("the benchmark screenplay parses");
    let mut times: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            let parsed = reel::script::parse(&text, path).expect("parses");
            std::hint::black_box(parsed);
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "parse: {PAGES}-page screenplay ({lines} lines, {} scenes, {} characters): median {median:.2} ms \
         over {} runs (goal < {GOAL_MS} ms: {})",
        parsed.project.scenes.len(),
        parsed.project.characters.len(),
        times.len(),
        if median < GOAL_MS { "met" } else { "NOT MET" }
    );
}
