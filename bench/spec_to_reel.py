#!/usr/bin/env python3
"""Translate the reference job (shared/bench/spec.json) into reel's edit spec.

usage: spec_to_reel.py SPEC_JSON INPUT_DIR OUT_JSON

Every number comes from SPEC_JSON; INPUT_DIR is where make_inputs.py wrote the stills, narration
and music (paths are written absolute, so OUT_JSON can live anywhere). The output follows the
serde types of src/plan/timeline.rs (deny_unknown_fields everywhere), so only fields that exist
there are written. Parts of the job reel's spec has no field for are listed on stderr.
"""
import json
import os
import sys

# Colour names used by spec.json, as the "#rrggbb" strings reel's Color type parses.
COLOURS = {"white": "#ffffff", "black": "#000000"}


def fail(msg):
    sys.exit(f"spec_to_reel: {msg}")


def num(x):
    """Round away float noise (e.g. 7.3000000000000007) so the JSON reads like the job."""
    return round(float(x), 6)


def colour(name):
    if name.startswith("#"):
        return name
    if name not in COLOURS:
        fail(f"no #rrggbb value known for colour {name!r}")
    return COLOURS[name]


def translate(spec, input_dir):
    video, kb, cap, narr, music = (spec[k] for k in ("video", "ken_burns", "caption", "narration", "music"))
    scenes = spec["scenes"]
    scene_s, xfade_s = video["scene_duration_s"], video["crossfade_s"]
    step = scene_s - xfade_s                        # scene i starts at i * step
    total = video["total_duration_s"]

    # Guard the assumptions this translation makes, so a changed spec.json fails loudly
    # instead of silently benchmarking a different job.
    if abs(len(scenes) * scene_s - (len(scenes) - 1) * xfade_s - total) > 1e-6:
        fail("total_duration_s does not match scenes, scene_duration_s and crossfade_s")
    if not video["crossfade_kind"].startswith("linear dissolve"):
        fail(f"unsupported crossfade_kind {video['crossfade_kind']!r}")
    if kb["anchor"] != "center":
        fail(f"unsupported Ken Burns anchor {kb['anchor']!r}")
    if not kb["curve"].startswith("linear"):
        fail(f"unsupported Ken Burns curve {kb['curve']!r}")

    def path(name):
        p = os.path.abspath(os.path.join(input_dir, name))
        if not os.path.isfile(p):
            fail(f"missing input {p} (run make_inputs.py first)")
        return p

    clips, captions, voice = [], [], []
    for i, sc in enumerate(scenes):
        start = i * step
        # Even scenes zoom in, odd ones out (spec.json "alternate"); centred is reel's default view.
        z0, z1 = (kb["scale_from"], kb["scale_to"]) if i % 2 == 0 else (kb["scale_to"], kb["scale_from"])
        clip = {
            "source": {"kind": "image", "path": path(sc["image"])},
            "duration": num(scene_s),
            "motion": {"from": {"zoom": num(z0)}, "to": {"zoom": num(z1)}, "curve": "linear"},
        }
        if i > 0:  # the first clip has nothing to dissolve from: reel's default cut
            clip["transition"] = {"kind": "dissolve", "duration": num(xfade_s)}
        clips.append(clip)
        # The caption belongs to the scene: on screen for the whole scene, fading with it.
        captions.append({"start": num(start), "end": num(min(start + scene_s, total)), "text": sc["caption"]})
        voice.append({"path": path(sc["narration"]), "start": num(start + narr["offset_in_scene_s"]),
                      "gain_db": num(narr["gain_db"])})

    # Caption sizes are fractions of the frame's shorter side (size) and height (bottom margin).
    short_side = min(video["width"], video["height"])
    timeline = {
        "version": 1,
        "name": spec["name"],
        "clips": clips,
        "captions": captions,
        "caption_style": {
            "font": cap["font_family"],
            "size": cap["size_px"] / short_side,
            "color": colour(cap["color"]),
            "outline_color": colour(cap["outline_color"]),
            "bottom_margin": cap["bottom_margin_px"] / video["height"],
            "burn": True,
        },
        "audio": {
            "voice": voice,
            "music": {"source": {"kind": "file", "path": path(spec["music_file"])},
                      "gain_db": num(music["gain_db"])},
            "effects": [],
            "ducking": {"depth_db": num(music["ducking"]["depth_db"]),
                        "ramp_s": num(music["ducking"]["ramp_s"])},
            "loudness_lufs": None,  # the reference mix is not loudness-normalised
        },
    }
    # Not expressible in reel's edit spec (the export profile or reel's defaults decide them).
    unmapped = [
        f"caption outline width {cap['outline_px']} px",
        f"frame {video['width']}x{video['height']} @ {video['fps']} fps, encoder settings "
        "(from --profile)",
    ]
    return timeline, unmapped


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    spec_path, input_dir, out_path = sys.argv[1:]
    with open(spec_path) as f:
        spec = json.load(f)
    timeline, unmapped = translate(spec, input_dir)
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(timeline, f, indent=2, allow_nan=False)
        f.write("\n")
    os.replace(tmp, out_path)  # never leave a half-written spec behind
    print(f"wrote {out_path}: {len(timeline['clips'])} clips, {len(timeline['captions'])} captions; "
          f"not in reel's spec: {'; '.join(unmapped)}")


if __name__ == "__main__":
    main()
