//! A planned cut of footage as a timeline the render engine plays: each kept stretch a video
//! clip from its place in the file, the footage's own sound cut at the same places (speech as
//! voice, so music ducks under it; the rest as it is), captions from the words that stay, and
//! the music bed under everything at the edit's loudness.

use super::captions;
use super::cuts::Cut;
use super::reframe::ShotSubjects;
use super::timeline::{
    AudioCue, AudioTrack, Caption, CaptionMode, CaptionStyle, Clip, Motion, Music, MusicSource,
    Source, Timeline, Transition, Watermark, Word, SPEC_VERSION,
};
use crate::footage::shots::Shots;
use crate::footage::transcribe::Heard;
use std::path::PathBuf;

/// A stretch of one source's sound and where it plays in the output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoundPiece {
    pub source: usize,
    /// Source seconds.
    pub start: f64,
    pub end: f64,
    /// Output seconds.
    pub at: f64,
    /// Speech is heard in it: it goes on the voice track and the music ducks under it.
    pub speech: bool,
}

/// The kept sound cut into speech and non-speech pieces, in output order.
pub fn sound_pieces(cut: &Cut, heard: &[Heard]) -> Vec<SoundPiece> {
    let mut pieces = Vec::new();
    let mut at = 0.0;
    for kept in &cut.kept {
        let mut edges = vec![kept.start];
        for &(start, end) in &heard[kept.source].speech {
            for edge in [start, end] {
                if edge > kept.start && edge < kept.end {
                    edges.push(edge);
                }
            }
        }
        edges.push(kept.end);
        for pair in edges.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            if end - start < 1e-3 {
                continue; // a region edge on the cut itself
            }
            let middle = (start + end) / 2.0;
            let speech = heard[kept.source]
                .speech
                .iter()
                .any(|&(s, e)| middle >= s && middle < e);
            pieces.push(SoundPiece {
                source: kept.source,
                start,
                end,
                at: at + (start - kept.start),
                speech,
            });
        }
        at += kept.len();
    }
    pieces
}

/// A word of the transcript that stays in the cut, at its output time.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptWord {
    pub sentence: (usize, usize),
    pub word: Word,
}

/// The words of every sentence the cut keeps, moved to output time. Whisper spreads a
/// segment's words over its span, so a word may seem to fall in a removed silence; it is
/// placed at the nearest edge of the stretch it belongs to, never dropped.
pub fn kept_words(cut: &Cut, heard: &[Heard]) -> Vec<KeptWord> {
    // Where each kept stretch starts in the output.
    let mut offsets = Vec::with_capacity(cut.kept.len());
    let mut at = 0.0;
    for kept in &cut.kept {
        offsets.push(at);
        at += kept.len();
    }
    let mut out = Vec::new();
    for (source, heard) in heard.iter().enumerate() {
        for (index, sentence) in heard.sentences.iter().enumerate() {
            let overlap = |k: usize| {
                let kept = &cut.kept[k];
                (kept.end.min(sentence.end) - kept.start.max(sentence.start)).max(0.0)
            };
            let stretches: Vec<usize> = (0..cut.kept.len())
                .filter(|&k| cut.kept[k].source == source && overlap(k) > 0.0)
                .collect();
            // A dropped sentence may still touch the margin of a kept neighbour: it stays only
            // if most of it is kept.
            let kept_part: f64 = stretches.iter().map(|&k| overlap(k)).sum();
            if kept_part <= (sentence.end - sentence.start) / 2.0 {
                continue;
            }
            for word in &sentence.words {
                let middle = (word.start + word.end) / 2.0;
                let distance = |k: usize| {
                    let kept = &cut.kept[k];
                    (kept.start - middle).max(middle - kept.end).max(0.0)
                };
                let Some(&k) = stretches
                    .iter()
                    .min_by(|&&a, &&b| distance(a).total_cmp(&distance(b)))
                else {
                    continue;
                };
                let kept = &cut.kept[k];
                let to_output = |t: f64| offsets[k] + (t.clamp(kept.start, kept.end) - kept.start);
                out.push(KeptWord {
                    sentence: (source, index),
                    word: Word {
                        start: to_output(word.start),
                        end: to_output(word.end),
                        text: word.text.clone(),
                    },
                });
            }
        }
    }
    out.sort_by(|a, b| a.word.start.total_cmp(&b.word.start));
    out
}

/// Captions of the kept words: each sentence's words (as far as they stay together) wrapped
/// and timed by the words themselves.
pub fn captions_of(words: &[KeptWord]) -> Vec<Caption> {
    let mut out = Vec::new();
    let mut first = 0;
    while first < words.len() {
        let mut last = first + 1;
        while last < words.len()
            && words[last].sentence == words[first].sentence
            && words[last].word.start - words[last - 1].word.end < captions::PAUSE
        {
            last += 1;
        }
        let group = &words[first..last];
        let start = group[0].word.start;
        let end = group[group.len() - 1].word.end;
        let text: Vec<&str> = group.iter().map(|w| w.word.text.as_str()).collect();
        let heard: Vec<Word> = group
            .iter()
            .map(|w| Word {
                start: w.word.start - start,
                end: w.word.end - start,
                text: w.word.text.clone(),
            })
            .collect();
        out.extend(captions::for_line(&text.join(" "), start, end, &heard));
        first = last;
    }
    out
}

/// What the edit plays: the footage files, the planned cut, the sound pieces' files (one per
/// [`sound_pieces`] entry), the music bed and whether captions are shown.
pub struct FootageEdit<'a> {
    pub name: String,
    pub sources: &'a [PathBuf],
    /// Each source's shots and faces (none: one clip per stretch, framed on the centre).
    pub shots: &'a [Shots],
    pub heard: &'a [Heard],
    pub cut: &'a Cut,
    pub sound: Vec<(SoundPiece, PathBuf)>,
    pub music: Option<PathBuf>,
    pub captions: CaptionMode,
    pub loudness_lufs: f64,
    pub watermark: Option<Watermark>,
}

/// One clip per kept stretch, split where the footage cuts to another shot when faces are
/// seen in it, so each clip is framed by its own shot's faces.
fn clips(cut: &Cut, sources: &[PathBuf], shots: &[Shots]) -> Vec<Clip> {
    let mut clips = Vec::new();
    for kept in &cut.kept {
        let found = shots.get(kept.source);
        let mut pieces = vec![(kept.start, kept.end, None)];
        if let Some(found) = found {
            pieces = found
                .shots
                .iter()
                .filter(|shot| shot.end > kept.start && shot.start < kept.end)
                .map(|shot| {
                    let framing = (!found.faces.is_empty())
                        .then(|| ShotSubjects::of(&found.faces, shot.start, shot.end));
                    (shot.start.max(kept.start), shot.end.min(kept.end), framing)
                })
                .collect();
            // Without a face in any of its shots, the stretch stays one clip, framed on the
            // centre as a whole.
            let faces_seen = pieces.iter().any(|(_, _, framing)| {
                framing
                    .as_ref()
                    .is_some_and(|f| f.samples.iter().any(|(_, s)| s.is_some()))
            });
            if !faces_seen {
                pieces = vec![(kept.start, kept.end, None)];
            }
            // The stretch's ends stay exactly where the cut put them.
            pieces[0].0 = kept.start;
            let last = pieces.len() - 1;
            pieces[last].1 = kept.end;
        }
        for (start, end, framing) in pieces {
            if end - start < 1e-6 {
                continue;
            }
            clips.push(Clip {
                source: Source::Video {
                    path: sources[kept.source].clone(),
                    in_s: start,
                    framing,
                },
                duration: end - start,
                motion: Motion::default(),
                transition: Transition::default(),
            });
        }
    }
    clips
}

pub fn timeline(edit: FootageEdit<'_>) -> Timeline {
    let clips = clips(edit.cut, edit.sources, edit.shots);
    let (mut voice, mut effects) = (Vec::new(), Vec::new());
    for (piece, path) in edit.sound {
        let cue = AudioCue {
            path,
            start: piece.at,
            gain_db: 0.0,
        };
        if piece.speech {
            voice.push(cue);
        } else {
            effects.push(cue);
        }
    }
    let mut captions = if edit.captions == CaptionMode::None {
        Vec::new()
    } else {
        captions_of(&kept_words(edit.cut, edit.heard))
    };
    captions::pace(&mut captions);
    Timeline {
        version: SPEC_VERSION,
        name: edit.name,
        clips,
        captions,
        caption_style: CaptionStyle {
            highlight: edit.captions.highlight(),
            ..CaptionStyle::default()
        },
        audio: AudioTrack {
            voice,
            effects,
            music: edit.music.map(|path| Music {
                source: MusicSource::File { path },
                gain_db: -14.0,
            }),
            loudness_lufs: Some(edit.loudness_lufs),
            ..AudioTrack::default()
        },
        watermark: edit.watermark,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footage::transcribe::{Sentence, TimedWord};
    use crate::plan::cuts::Kept;

    fn heard() -> Heard {
        let word = |start, end, text: &str| TimedWord {
            start,
            end,
            text: text.into(),
        };
        Heard {
            speech: vec![(1.0, 2.0), (5.0, 6.0)],
            sentences: vec![
                Sentence {
                    start: 1.0,
                    end: 2.0,
                    text: "Hello there.".into(),
                    words: vec![word(1.0, 1.4, "Hello"), word(1.5, 2.0, "there.")],
                },
                Sentence {
                    start: 5.0,
                    end: 6.0,
                    text: "Goodbye.".into(),
                    words: vec![word(5.0, 6.0, "Goodbye.")],
                },
            ],
        }
    }

    fn cut() -> Cut {
        Cut {
            kept: vec![
                Kept {
                    source: 0,
                    start: 0.8,
                    end: 2.2,
                },
                Kept {
                    source: 0,
                    start: 4.8,
                    end: 6.2,
                },
            ],
            ..Cut::default()
        }
    }

    #[test]
    fn sound_is_cut_where_the_video_is_and_split_at_speech() {
        let pieces = sound_pieces(&cut(), &[heard()]);
        let spans: Vec<(f64, f64, bool)> = pieces
            .iter()
            .map(|p| ((p.at * 100.0).round() / 100.0, p.end - p.start, p.speech))
            .map(|(at, len, speech)| (at, (len * 100.0).round() / 100.0, speech))
            .collect();
        assert_eq!(
            spans,
            [
                (0.0, 0.2, false),
                (0.2, 1.0, true),
                (1.2, 0.2, false),
                (1.4, 0.2, false),
                (1.6, 1.0, true),
                (2.6, 0.2, false)
            ]
        );
    }

    #[test]
    fn kept_words_move_to_output_time() {
        let words = kept_words(&cut(), &[heard()]);
        let times: Vec<(String, f64)> = words
            .iter()
            .map(|w| (w.word.text.clone(), (w.word.start * 100.0).round() / 100.0))
            .collect();
        assert_eq!(
            times,
            [
                ("Hello".to_string(), 0.2),
                ("there.".to_string(), 0.7),
                ("Goodbye.".to_string(), 1.6)
            ]
        );
        let captions = captions_of(&words);
        assert_eq!(captions.len(), 2);
        assert_eq!(captions[0].text, "Hello there.");
        assert!((captions[1].start - 1.6).abs() < 1e-9);
    }

    #[test]
    fn the_timeline_plays_each_kept_stretch_from_its_place() {
        let sources = [PathBuf::from("talk.mp4")];
        let heard = [heard()];
        let cut = cut();
        let sound = sound_pieces(&cut, &heard)
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, PathBuf::from(format!("piece{i}.wav"))))
            .collect();
        let timeline = timeline(FootageEdit {
            name: "talk".into(),
            sources: &sources,
            shots: &[],
            heard: &heard,
            cut: &cut,
            sound,
            music: Some(PathBuf::from("bed.wav")),
            captions: CaptionMode::Karaoke,
            loudness_lufs: -16.0,
            watermark: None,
        });
        assert_eq!(timeline.clips.len(), 2);
        assert!(matches!(
            &timeline.clips[1].source,
            Source::Video { in_s, .. } if (*in_s - 4.8).abs() < 1e-9
        ));
        assert!((timeline.duration() - 2.8).abs() < 1e-9);
        assert_eq!(timeline.audio.voice.len(), 2);
        assert_eq!(timeline.audio.effects.len(), 4);
        assert_eq!(timeline.audio.loudness_lufs, Some(-16.0));
    }
}
