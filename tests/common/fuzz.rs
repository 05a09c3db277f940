//! A small mutational fuzzer for the fuzz targets (`tests/fuzz.rs`): each target starts from
//! its corpus in `fuzz/corpus/<target>/` and, for `FUZZ_SECONDS` (default 1; `make fuzz` runs
//! longer), feeds the code mutations of it: bytes flipped, inserted, deleted and repeated,
//! tokens of the formats spliced in, corpus entries crossed. An input whose outcome was not
//! seen before (its error message, digits aside) joins the corpus for the rest of the run.
//! A panic, or an input that runs longer than `HANG`, fails the test; the input is saved in
//! `target/fuzz/<target>/` and its file named. `FUZZ_SEED` repeats a run.
//!
//! cargo-fuzz needs a nightly compiler, which this project does not build with; this runs on
//! the stable one, in the ordinary test harness.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Pieces of scripts in every format, with the markup that changes meaning.
pub const SCRIPT_TOKENS: &[&str] = &[
    "Scene 1: ",
    "Scene 12 - ",
    "scene 3.",
    "NARRATOR: ",
    "ALICE: ",
    "MR. O'NEIL-2: ",
    "Note: ",
    "INT. HOUSE - NIGHT",
    "EXT. BEACH - DAY",
    "INT./EXT. CAR",
    "I/E ",
    ".FORCED",
    "...",
    "@McCLANE",
    "BOB ^",
    "(whispering)",
    "(V.O.)",
    "(CONT'D)",
    "CUT TO:",
    "> THE END <",
    ">FADE OUT.",
    "!SHOUT",
    "~la la la",
    "= synopsis",
    "# Act",
    "## Scene",
    "### ",
    "===",
    "/*",
    "*/",
    "[[",
    "]]",
    "[[image: nope.png]]",
    "[[duration: 0s]]",
    "[[duration: 4s]]",
    "[[motion: zoom-in]]",
    "[[transition: wipe-left]]",
    "[[colour: red]]",
    "*",
    "**",
    "_",
    "\\*",
    "Title: ",
    "Author: ",
    "![](a.png)",
    "```",
    "- ",
    "> ",
    "\r\n",
    "\n",
    "\n\n",
    "\t",
    "  ",
    "朝の光",
    "é",
    "😀",
    "product = \"x\"",
    "call_to_action = \"y\"",
    "clips = []",
    "{",
    "}",
    "\"",
];

/// Longest one input may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(10);
/// Longest input made; parsers take files of any size, but the bugs are in the shapes.
const MAX_LEN: usize = 16 * 1024;
/// Most inputs kept to mutate, seeds and finds together.
const MAX_CORPUS: usize = 4096;

/// xorshift64*: fast, and the same sequence for the same seed.
pub struct Rng(u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed of this run: `FUZZ_SEED`, else the clock.
fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
        | 1
}

/// How long each target runs: `FUZZ_SECONDS`, else 1 s.
pub fn budget() -> Duration {
    let seconds = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0);
    Duration::from_secs_f64(seconds)
}

/// The seed inputs of `target`, from the repository.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = super::repo().join("fuzz/corpus").join(target);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let seeds: Vec<Vec<u8>> = entries.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "{} holds no seeds", dir.display());
    seeds
}

/// One mutation of `input`, using `tokens` and the rest of `corpus`.
fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>], tokens: &[&str]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(8) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next() as u8),
            2 if at < out.len() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            3 if at < out.len() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
            4 => {
                let other = rng.pick(corpus);
                let from = rng.below(other.len() + 1);
                let end = (from + rng.below(256)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            5 => out.truncate(at),
            _ => {
                let token = rng.pick(tokens).as_bytes();
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out.truncate(MAX_LEN);
    out
}

/// What an outcome is, for telling new paths from old: digits and quoted text dropped.
fn shape(outcome: &str) -> String {
    let mut shape = String::new();
    let mut quoted = false;
    for c in outcome.chars().take(80) {
        if c == '\'' || c == '"' || c == '`' {
            quoted = !quoted;
        } else if !quoted && !c.is_ascii_digit() {
            shape.push(c);
        }
    }
    shape
}

/// Runs `target` on mutations of its corpus for [`budget`]; `check` says what an input came
/// to (`Ok` or the error's text) and panics on a broken promise. Returns inputs run.
pub fn run<F>(target: &str, tokens: &[&str], check: F) -> usize
where
    F: Fn(&[u8]) -> String + Send + Sync + 'static,
{
    let seed = seed();
    let mut rng = Rng(seed);
    let mut corpus = corpus(target);
    let seeds = corpus.len();
    let mut seen = HashSet::new();
    let check = std::sync::Arc::new(check);
    let deadline = Instant::now() + budget();
    let mut runs = 0;
    while Instant::now() < deadline {
        let input = if runs < seeds {
            corpus[runs].clone()
        } else {
            let base = rng.pick(&corpus).clone();
            mutate(&mut rng, &base, &corpus, tokens)
        };
        let (done, outcome) = mpsc::channel();
        let (worker, given) = (check.clone(), input.clone());
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker(&given)));
            let _ = done.send(result);
        });
        match outcome.recv_timeout(HANG) {
            Ok(Ok(outcome)) => {
                if seen.insert(shape(&outcome)) && runs >= seeds {
                    // Bounded: past the cap a newcomer takes the place of an earlier find.
                    if corpus.len() < MAX_CORPUS {
                        corpus.push(input);
                    } else {
                        let at = seeds + rng.below(MAX_CORPUS - seeds);
                        corpus[at] = input;
                    }
                }
            }
            Ok(Err(_)) => fail(target, seed, &input, "panicked (see the message above)"),
            Err(_) => fail(target, seed, &input, &format!("ran over {HANG:?}")),
        }
        runs += 1;
    }
    eprintln!(
        "fuzz {target}: {runs} inputs in {:?}, {} outcomes, seed {seed}",
        budget(),
        seen.len()
    );
    runs
}

/// Saves the input that broke `target` and fails the test, naming the file.
fn fail(target: &str, seed: u64, input: &[u8], what: &str) -> ! {
    let dir = super::repo().join("target/fuzz").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("crash-{seed}-{}", input.len()));
    std::fs::write(&path, input).unwrap();
    panic!(
        "fuzz {target}: an input {what}; saved as {} (FUZZ_SEED={seed} repeats the run)",
        path.display()
    );
}

/// Peak resident memory of this process so far, in MiB.
pub fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

/// `input` as text, as a file would be read (invalid UTF-8 replaced).
pub fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

/// A file holding `input` under `dir`, named `name`, for code that reads paths.
pub fn file(dir: &Path, name: &str, input: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, input).unwrap();
    path
}
