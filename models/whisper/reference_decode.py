#!/usr/bin/env python3
"""Reference Whisper transcription with the ONNX models written by convert.py.

Needs numpy and onnxruntime only.  It is the executable specification for the
Rust implementation: log-mel features, greedy decoding with Whisper's logit
rules, timestamp segments and the 30 s window seek loop all follow
openai-whisper (whisper/audio.py, decoding.py, transcribe.py), without
temperature fallback and without conditioning on previous text.

Usage:
    python3 reference_decode.py --models DIR AUDIO.wav [--save-mel-filters F.npy]

AUDIO.wav: PCM WAV (16/24/32-bit int or 32-bit float), any channel count
(averaged to mono); rates other than 16 kHz are resampled with an FFT
resampler (fine for a reference; prefer `ffmpeg -ar 16000 -ac 1`).
"""

import argparse
import json
import os
import sys
import time
import wave

import numpy as np
import onnxruntime as ort

SAMPLE_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
N_MELS = 80
CHUNK_SECONDS = 30
N_SAMPLES = CHUNK_SECONDS * SAMPLE_RATE        # 480000
N_FRAMES = N_SAMPLES // HOP_LENGTH              # 3000 mel frames per window
INPUT_STRIDE = 2                                # mel frames per audio_features row
TIME_PRECISION = INPUT_STRIDE * HOP_LENGTH / SAMPLE_RATE   # 0.02 s per timestamp
MAX_INITIAL_TIMESTAMP = 1.0                     # first timestamp must be <= 1.00 s


# --------------------------------------------------------------------------
# Audio
# --------------------------------------------------------------------------

def load_wav(path):
    """Read a WAV file as float32 mono at 16 kHz."""
    with wave.open(path, "rb") as f:
        rate, channels, width = f.getframerate(), f.getnchannels(), f.getsampwidth()
        raw = f.readframes(f.getnframes())
    if width == 2:
        audio = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        audio = (np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)).astype(np.float32)
    elif width == 4:
        audio = np.frombuffer(raw, "<i4").astype(np.float32) / 2147483648.0
    else:
        raise ValueError("unsupported sample width %d" % width)
    audio = audio.reshape(-1, channels).mean(axis=1)
    if rate != SAMPLE_RATE:
        n_out = int(round(len(audio) * SAMPLE_RATE / rate))
        spec = np.fft.rfft(audio)
        keep = n_out // 2 + 1
        spec = spec[:keep] if len(spec) >= keep else np.pad(spec, (0, keep - len(spec)))
        audio = (np.fft.irfft(spec, n_out) * (n_out / len(audio))).astype(np.float32)
    return audio


def hz_to_mel(f):
    """Slaney mel scale (librosa htk=False): linear below 1 kHz, log above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp                      # 15
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz,
                    min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep,
                    f / f_sp)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel,
                    min_log_hz * np.exp(logstep * (m - min_log_mel)),
                    f_sp * m)


def mel_filters(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS):
    """Same as librosa.filters.mel(sr, n_fft, n_mels) (Slaney scale and norm).

    Triangles on n_mels+2 points equally spaced on the Slaney mel scale from
    0 Hz to sr/2, evaluated at the FFT bin frequencies k*sr/n_fft, each scaled
    by 2 / (f[i+2] - f[i]).  Computed in float64, returned as float32
    [n_mels, 1 + n_fft//2].
    """
    fft_freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_pts = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2))
    fdiff = np.diff(mel_pts)
    ramps = mel_pts[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_pts[2:] - mel_pts[:-2]))[:, None]
    return weights.astype(np.float32)


def log_mel_spectrogram(audio, filters):
    """openai-whisper log_mel_spectrogram(audio, padding=N_SAMPLES).

    STFT: periodic Hann window of 400, hop 160, centred frames with reflect
    padding of 200 samples on both sides; the last frame is dropped.  Power
    spectrum -> mel -> log10(max(x, 1e-10)) -> max(x, global_max - 8) ->
    (x + 4) / 4.  Returns float32 [80, len(audio)//160 + 3000].
    """
    audio = np.concatenate([audio.astype(np.float32), np.zeros(N_SAMPLES, np.float32)])
    padded = np.pad(audio, (N_FFT // 2, N_FFT // 2), mode="reflect")
    n_frames = 1 + (len(padded) - N_FFT) // HOP_LENGTH
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    idx = np.arange(N_FFT)[None, :] + HOP_LENGTH * np.arange(n_frames)[:, None]
    frames = padded[idx] * window
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2           # [frames, 201]
    power = power[:-1].T.astype(np.float32)                      # [201, frames-1]
    mel = filters @ power
    log_spec = np.log10(np.maximum(mel, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).astype(np.float32)


# --------------------------------------------------------------------------
# Tokenizer (byte-level BPE ids -> text), as the `tokenizers` crate decodes
# --------------------------------------------------------------------------

def _byte_decoder():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


class Tokenizer:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        self.id_to_token = {i: t for t, i in data["model"]["vocab"].items()}
        for t in data["added_tokens"]:
            self.id_to_token[t["id"]] = t["content"]
        self.byte_decoder = _byte_decoder()

    def decode(self, ids):
        text = "".join(self.id_to_token.get(i, "") for i in ids)
        return bytes(self.byte_decoder[c] for c in text).decode("utf-8", errors="replace")


# --------------------------------------------------------------------------
# Whisper model
# --------------------------------------------------------------------------

class Whisper:
    def __init__(self, model_dir, threads=0):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        self.encoder = ort.InferenceSession(os.path.join(model_dir, "encoder.onnx"),
                                            opts, providers=providers)
        self.decoder = ort.InferenceSession(os.path.join(model_dir, "decoder.onnx"),
                                            opts, providers=providers)
        with open(os.path.join(model_dir, "whisper.json"), encoding="utf-8") as f:
            info = json.load(f)
        self.dims = info["dims"]
        self.tok = info["special_tokens"]
        self.suppress = np.array(sorted(set(info["suppress_ids"]) | {
            self.tok[k] for k in ("transcribe", "translate", "sot", "sot_prev",
                                  "sot_lm", "no_speech") if k in self.tok}), np.int64)
        self.suppress_begin = np.array(info["suppress_ids_begin"], np.int64)

    def encode(self, mel):
        audio_features, cross_k, cross_v = self.encoder.run(None, {"mel": mel[None]})
        return cross_k, cross_v

    def apply_rules(self, logits, sampled):
        """Whisper's logit filters for one step; `sampled` excludes the prompt."""
        ts_begin, eot = self.tok["timestamp_begin"], self.tok["eot"]
        logits = logits.astype(np.float64).copy()
        if not sampled:                                   # SuppressBlank
            logits[self.suppress_begin] = -np.inf
        logits[self.suppress] = -np.inf                   # SuppressTokens
        logits[self.tok["no_timestamps"]] = -np.inf       # ApplyTimestampRules ...
        last_ts = len(sampled) >= 1 and sampled[-1] >= ts_begin
        penult_ts = len(sampled) < 2 or sampled[-2] >= ts_begin
        if last_ts:
            if penult_ts:
                logits[ts_begin:] = -np.inf               # a pair closed: text next
            else:
                logits[:eot] = -np.inf                    # open pair: timestamp or eot
        timestamps = [t for t in sampled if t >= ts_begin]
        if timestamps:
            # timestamps never decrease, and segments are non-empty
            floor = timestamps[-1] if (last_ts and not penult_ts) else timestamps[-1] + 1
            logits[ts_begin:floor] = -np.inf
        if not sampled:
            logits[:ts_begin] = -np.inf                   # start with a timestamp
            last_allowed = ts_begin + int(round(MAX_INITIAL_TIMESTAMP / TIME_PRECISION))
            logits[last_allowed + 1:] = -np.inf
        # if the timestamps together are likelier than any text token, emit one
        finite = logits[np.isfinite(logits)]
        logprobs = logits - (finite.max() + np.log(np.exp(finite - finite.max()).sum()))
        ts = logprobs[ts_begin:]
        ts = ts[np.isfinite(ts)]
        if ts.size:
            ts_logprob = ts.max() + np.log(np.exp(ts - ts.max()).sum())
            if ts_logprob > logprobs[:ts_begin].max():
                logits[:ts_begin] = -np.inf
        return logits

    def decode(self, cross_k, cross_v, max_tokens=None):
        """Greedy decoding of one window; returns (tokens w/o eot, no_speech_prob)."""
        d = self.dims
        n_ctx = d["n_text_ctx"]
        max_tokens = max_tokens or n_ctx // 2
        shape = (d["n_text_layer"], 1, d["n_text_head"], n_ctx, d["head_dim"])
        k_cache = np.zeros(shape, np.float32)
        v_cache = np.zeros(shape, np.float32)
        prompt = [self.tok["sot"]]            # English-only model: no language/task tokens
        feed, offset, sampled, no_speech_prob = prompt, 0, [], None
        while len(sampled) < max_tokens:
            logits, k_cache, v_cache = self.decoder.run(None, {
                "tokens": np.array([feed], np.int64),
                "offset": np.array([offset], np.int64),
                "self_k_cache": k_cache, "self_v_cache": v_cache,
                "cross_k": cross_k, "cross_v": cross_v})
            offset += len(feed)
            if no_speech_prob is None:
                z = logits[0, len(prompt) - 1].astype(np.float64)
                p = np.exp(z - z.max())
                no_speech_prob = float(p[self.tok["no_speech"]] / p.sum())
            token = int(np.argmax(self.apply_rules(logits[0, -1], sampled)))
            if token == self.tok["eot"]:
                break
            sampled.append(token)
            feed = [token]
        return sampled, no_speech_prob


def split_segments(tokens, ts_begin, time_offset, segment_frames):
    """Cut a window's tokens into timed segments; returns (segments, seek_advance).

    Mirrors openai-whisper transcribe.py: consecutive timestamp pairs close a
    segment; a single trailing timestamp means "no more speech in this window".
    """
    is_ts = [t >= ts_begin for t in tokens]
    single_ending = is_ts[-2:] == [False, True]
    cuts = [i + 1 for i in range(len(tokens) - 1) if is_ts[i] and is_ts[i + 1]]
    segments = []
    if cuts:
        if single_ending:
            cuts.append(len(tokens))
        last = 0
        for cut in cuts:
            part = tokens[last:cut]
            segments.append((time_offset + (part[0] - ts_begin) * TIME_PRECISION,
                             time_offset + (part[-1] - ts_begin) * TIME_PRECISION, part))
            last = cut
        if single_ending:
            advance = segment_frames
        else:
            advance = (tokens[last - 1] - ts_begin) * INPUT_STRIDE
    else:
        duration = segment_frames * HOP_LENGTH / SAMPLE_RATE
        stamps = [t for t in tokens if t >= ts_begin]
        if stamps and stamps[-1] != ts_begin:
            duration = (stamps[-1] - ts_begin) * TIME_PRECISION
        segments.append((time_offset, time_offset + duration, tokens))
        advance = segment_frames
    return segments, advance


def main(argv=None):
    parser = argparse.ArgumentParser(description="Reference Whisper ONNX transcriber")
    parser.add_argument("audio", help="WAV file")
    parser.add_argument("--models", required=True, help="directory written by convert.py")
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads")
    parser.add_argument("--save-mel-filters", help="write the mel filterbank (.npy)")
    parser.add_argument("--save-mel", help="write the first window's log-mel (.npy)")
    args = parser.parse_args(argv)

    filters = mel_filters()
    if args.save_mel_filters:
        np.save(args.save_mel_filters, filters)
    model = Whisper(args.models, args.threads)
    tokenizer = Tokenizer(os.path.join(args.models, "tokenizer.json"))
    ts_begin = model.tok["timestamp_begin"]

    audio = load_wav(args.audio)
    t0 = time.perf_counter()
    mel = log_mel_spectrogram(audio, filters)
    t_mel = time.perf_counter() - t0
    content_frames = mel.shape[1] - N_FRAMES

    seek, all_segments, t_enc, t_dec, n_tokens = 0, [], 0.0, 0.0, 0
    while seek < content_frames:
        segment_frames = min(N_FRAMES, content_frames - seek)
        window = mel[:, seek:seek + segment_frames]
        window = np.pad(window, ((0, 0), (0, N_FRAMES - segment_frames)))   # pad with 0.0
        if args.save_mel and seek == 0:
            np.save(args.save_mel, window)
        t0 = time.perf_counter()
        cross_k, cross_v = model.encode(window)
        t1 = time.perf_counter()
        tokens, no_speech_prob = model.decode(cross_k, cross_v)
        t2 = time.perf_counter()
        t_enc += t1 - t0
        t_dec += t2 - t1
        n_tokens += len(tokens) + 1
        time_offset = seek * HOP_LENGTH / SAMPLE_RATE
        print("window @%.2fs: %d tokens, no_speech_prob %.3f, raw %s"
              % (time_offset, len(tokens), no_speech_prob, tokens))
        segments, advance = split_segments(tokens, ts_begin, time_offset, segment_frames)
        all_segments.extend(segments)
        seek += max(advance, 1)

    print()
    text = []
    for start, end, toks in all_segments:
        words = tokenizer.decode([t for t in toks if t < model.tok["eot"]]).strip()
        text.append(words)
        print("[%6.2f --> %6.2f] %s" % (start, end, words))
    print()
    print("text:", " ".join(text))
    print("audio %.2fs | mel %.3fs | encode %.3fs | decode %.3fs (%d steps, %.1f ms/step)"
          % (len(audio) / SAMPLE_RATE, t_mel, t_enc, t_dec, n_tokens,
             1000 * t_dec / max(n_tokens, 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
