//! Captions laid out for one profile. Lines break where Pango, measuring in the font that
//! textoverlay draws with, says they fill the title-safe width; a screen holds at most two
//! lines, and a caption that needs more is shown as several screens, each from its first
//! word. For karaoke every screen is shown in one state per spoken word, that word in the
//! highlight colour; the layout is the same in every state, so only the colour moves.

use crate::plan::captions::{self, Piece, MAX_LINES};
use crate::plan::timeline::{Caption, Color, Word};
use pango::prelude::*;

/// What the overlay shows from `start` to `end`: Pango markup, lines split by `\n`.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub start: f64,
    pub end: f64,
    pub markup: String,
}

/// Widths of text in one font, as textoverlay's Pango lays it out.
pub struct Metrics {
    layout: pango::Layout,
}

impl Metrics {
    /// `font` is a Pango description such as `"DejaVu Sans 48px"`.
    pub fn new(font: &str) -> Metrics {
        let context = pangocairo::FontMap::new().create_context();
        let layout = pango::Layout::new(&context);
        layout.set_font_description(Some(&pango::FontDescription::from_string(font)));
        Metrics { layout }
    }

    /// Pixels from the first ink to the last advance of `text` on one line.
    pub fn width(&self, text: &str) -> f64 {
        self.layout.set_text(text);
        f64::from(self.layout.pixel_size().0)
    }
}

/// Every caption as screens of lines that `fits`, in karaoke states when `highlight` is set.
pub fn lay_out(
    captions: &[Caption],
    highlight: Option<Color>,
    fits: impl Fn(&str) -> bool,
) -> Vec<Shown> {
    let mut shown = Vec::new();
    for caption in captions {
        let pieces = captions::pieces(&caption.text);
        let words = timed_words(caption);
        let lines = captions::wrap_by(&pieces, &fits);
        let screens: Vec<&[Vec<Piece>]> = lines.chunks(MAX_LINES).collect();
        // Each screen comes up as its first word is said; the first as the caption starts.
        let mut starts: Vec<f64> = screens
            .iter()
            .enumerate()
            .map(|(k, screen)| match (k, first_word(screen)) {
                (0, _) | (_, None) => caption.start,
                (_, Some(word)) => words[word].start.clamp(caption.start, caption.end),
            })
            .collect();
        for k in 1..starts.len() {
            starts[k] = starts[k].max(starts[k - 1]);
        }
        for (k, screen) in screens.iter().enumerate() {
            let start = starts[k];
            let end = starts.get(k + 1).copied().unwrap_or(caption.end);
            match highlight {
                None => push(&mut shown, start, end, markup(screen, None, None)),
                Some(color) => karaoke(&mut shown, screen, &words, (start, end), color),
            }
        }
    }
    shown
}

/// The screen in one state per word: from the word's start until the next word's (or the
/// screen's end), that word highlighted; before the first word, none.
fn karaoke(
    shown: &mut Vec<Shown>,
    screen: &[Vec<Piece>],
    words: &[Word],
    (start, end): (f64, f64),
    color: Color,
) {
    let mut order: Vec<usize> = screen.iter().flatten().map(|p| p.word).collect();
    order.dedup();
    let begins: Vec<f64> = order
        .iter()
        .map(|&w| words[w].start.clamp(start, end))
        .collect();
    if let Some(&first) = begins.first() {
        push(shown, start, first, markup(screen, None, None));
    }
    for (i, &word) in order.iter().enumerate() {
        let until = begins.get(i + 1).copied().unwrap_or(end);
        push(
            shown,
            begins[i],
            until,
            markup(screen, Some(word), Some(color)),
        );
    }
}

fn push(shown: &mut Vec<Shown>, start: f64, end: f64, markup: String) {
    // A state shorter than a millisecond would never reach a frame.
    if end - start >= 1e-3 {
        shown.push(Shown { start, end, markup });
    }
}

fn first_word(screen: &[Vec<Piece>]) -> Option<usize> {
    screen.first()?.first().map(|p| p.word)
}

/// The caption's words with times: the voice's when they match the text word for word,
/// otherwise the caption's time shared by length.
fn timed_words(caption: &Caption) -> Vec<Word> {
    let count = caption.text.split_whitespace().count();
    if caption.words.len() == count {
        caption.words.clone()
    } else {
        captions::word_times(&caption.text, caption.start, caption.end)
    }
}

/// The screen's lines as Pango markup, `word`'s pieces in `color`.
fn markup(screen: &[Vec<Piece>], word: Option<usize>, color: Option<Color>) -> String {
    let lines: Vec<String> = screen
        .iter()
        .map(|line| {
            let mut out = String::new();
            for (i, piece) in line.iter().enumerate() {
                if piece.spaced && i > 0 {
                    out.push(' ');
                }
                let text = pango::glib::markup_escape_text(&piece.text);
                match color.filter(|_| Some(piece.word) == word) {
                    Some(c) => out.push_str(&format!(
                        "<span foreground=\"#{:02x}{:02x}{:02x}\">{text}</span>",
                        c.r, c.g, c.b
                    )),
                    None => out.push_str(&text),
                }
            }
            out
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caption(text: &str, start: f64, word_length: f64) -> Caption {
        let words = text
            .split_whitespace()
            .enumerate()
            .map(|(i, w)| Word {
                start: start + i as f64 * word_length,
                end: start + (i as f64 + 0.8) * word_length,
                text: w.into(),
            })
            .collect::<Vec<_>>();
        Caption {
            start,
            end: words.last().map_or(start, |w| w.end),
            text: text.into(),
            words,
        }
    }

    fn plain(markup: &str) -> String {
        pango::parse_markup(markup, '\0').unwrap().1.to_string()
    }

    #[test]
    fn lines_break_by_measured_width_not_by_letters() {
        let metrics = Metrics::new("DejaVu Sans 48px");
        let fits = |line: &str| metrics.width(line) <= 400.0;
        // As many letters either way, but an i is far narrower than a W.
        let narrow = caption("iiii iiii iiii iiii iiii iiii iiii iiii", 0.0, 0.3);
        let wide = caption("WWWW WWWW WWWW WWWW WWWW WWWW WWWW WWWW", 0.0, 0.3);
        let lines = |c: &Caption| -> Vec<String> {
            lay_out(std::slice::from_ref(c), None, fits)
                .iter()
                .flat_map(|s| {
                    plain(&s.markup)
                        .lines()
                        .map(String::from)
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let (narrow, wide) = (lines(&narrow), lines(&wide));
        assert!(narrow.len() < wide.len(), "{narrow:?} / {wide:?}");
        for line in narrow.iter().chain(&wide) {
            assert!(metrics.width(line) <= 400.0, "{line}");
        }
    }

    #[test]
    fn a_long_caption_becomes_screens_of_two_lines_each_from_its_first_word() {
        let text = "one two three four five six seven eight nine ten";
        let c = caption(text, 10.0, 0.5);
        // Three words a line at most.
        let fits = |line: &str| line.split(' ').count() <= 3;
        let shown = lay_out(std::slice::from_ref(&c), None, fits);
        let texts: Vec<String> = shown.iter().map(|s| plain(&s.markup)).collect();
        assert_eq!(
            texts,
            ["one two three\nfour five six", "seven eight nine\nten"]
        );
        assert_eq!(shown[0].start, 10.0);
        // The second screen comes up as "seven" is said, and the first goes then.
        assert_eq!(shown[1].start, 13.0);
        assert_eq!(shown[0].end, 13.0);
        assert_eq!(shown[1].end, c.end);
    }

    #[test]
    fn karaoke_highlights_each_word_from_its_start_in_an_unchanged_layout() {
        let c = caption("Hello <there> & you", 2.0, 0.5);
        let yellow = Color::rgb(0xff, 0xd4, 0x00);
        let shown = lay_out(std::slice::from_ref(&c), Some(yellow), |_| true);
        assert_eq!(shown.len(), 4, "{shown:?}");
        let starts: Vec<f64> = shown.iter().map(|s| s.start).collect();
        assert_eq!(starts, [2.0, 2.5, 3.0, 3.5]);
        for (i, state) in shown.iter().enumerate() {
            // Markup escapes what the speaker said; the text reads the same in every state.
            assert_eq!(plain(&state.markup), "Hello <there> & you");
            let lit: Vec<&str> = state.markup.split("<span").skip(1).collect();
            assert_eq!(lit.len(), 1, "{}", state.markup);
            let word = ["Hello", "&lt;there&gt;", "&amp;", "you"][i];
            assert!(
                lit[0].contains(&format!(">{word}</span>")),
                "{}",
                state.markup
            );
        }
        assert_eq!(shown[3].end, c.end);
    }
}
