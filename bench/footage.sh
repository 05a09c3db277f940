#!/usr/bin/env bash
# Benchmark reel's footage editing: 10 minutes of 1080p30 footage (a face moving over a
# background that changes every 20 s, a narrator talking) edited by `reel edit` into a 30 s
# vertical clip. Prints the analysis's realtime factor (probe, shots with faces, transcription,
# beats: footage seconds per wall second) and the vertical render's CPU against x264 alone
# encoding the same 1080x1920 frames from RAM. See README.md.
#
# usage: bench/footage.sh      (make bench runs it after run.sh)
# env:   FOOTAGE_RUNS    rounds of the edit (default 1; the floor runs 3 times a round)
#        FOOTAGE_MINUTES length of the footage (default 10)
#        REEL            the reel binary to time; when set, it is not built
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WORK=bench/scratch/footage
RUNS=${FOOTAGE_RUNS:-1}
MINUTES=${FOOTAGE_MINUTES:-10}
RAW=/dev/shm/reel-footage-$$.yuv
MEASURE=(python3 bench/measure.py)
GOAL_REALTIME=4.0   # analysis: at least 4 s of footage a second
GOAL_CPU=1.2        # vertical render CPU <= 1.2 x the x264 floor's

die() { echo "bench footage: $*" >&2; exit 1; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "FOOTAGE_RUNS must be a positive integer"
[[ $MINUTES =~ ^[1-9][0-9]*$ ]] || die "FOOTAGE_MINUTES must be a positive integer"
[[ -f .deps/samples/astronaut.png ]] || die "no sample photograph (run make setup)"
mkdir -p "$WORK/logs"
trap 'rm -f "$RAW"' EXIT

if [[ -z ${REEL:-} ]]; then
  REEL=${CARGO_TARGET_DIR:-target}/release/reel
  cargo build --release --quiet || die "cargo build --release failed"
fi
REEL=$(realpath "$REEL")

# --- 1. inputs (untimed, kept between runs) ---
footage=$WORK/footage-${MINUTES}m.mp4
if [[ ! -s $footage ]]; then
  echo "bench footage: making $MINUTES min of 1080p30 footage (once, a few minutes)"
  (cd "$WORK" && "$REEL" render "$ROOT/examples/demo.txt" --preview -q -o narration.mp4 &&
   ffmpeg -v error -y -i narration.mp4 -vn -ac 1 -ar 48000 narration.wav &&
   ffmpeg -v error -y -i "$ROOT/.deps/samples/astronaut.png" -vf crop=200:230:130:30,scale=330:-1 head.png)
  seconds=$((MINUTES * 60))
  # The background's hue turns every 20 s (a cut); the face drifts across and back.
  ffmpeg -v error -y \
    -f lavfi -i "color=c=0x3a7d44:s=1920x1080:r=30:d=$seconds" \
    -i "$WORK/head.png" -stream_loop -1 -i "$WORK/narration.wav" \
    -filter_complex "[0]hue=h='60*floor(t/20)'[bg];[bg][1]overlay=x='795+600*sin(t/4)':y=300" \
    -t "$seconds" -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -g 60 \
    -c:a aac -b:a 128k "$footage.part.mp4"
  mv "$footage.part.mp4" "$footage"
fi
bed=$WORK/bed.wav
if [[ ! -s $bed ]]; then
  # 60 s at 120 BPM: a click on every beat over a low drone.
  ffmpeg -v error -y -f lavfi \
    -i "aevalsrc='0.6*sin(2*PI*1000*t)*exp(-60*mod(t,0.5))+0.2*sin(2*PI*110*t)':s=44100:d=60" \
    -ac 2 "$bed"
fi
length=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$footage")

# --- 2. the edit, with an empty cache each round so every stage does its work ---
echo
echo "footage: $(basename "$footage") (${length%.*} s, 1080p30), $RUNS round(s), $(nproc) CPUs," \
     "load $(cut -d' ' -f1-3 /proc/loadavg); reel $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
results=$WORK/results.jsonl
rm -f "$results"
for ((round = 1; round <= RUNS; round++)); do
  out=$WORK/out-$round
  rm -rf "$out" "$WORK/cache"
  log=$WORK/logs/edit-$round.log
  "${MEASURE[@]}" run "$results" edit "$round" "$log" -- \
    env REEL_CACHE_DIR="$WORK/cache" "$REEL" edit "$footage" --music "$bed" --target 30s \
    --timings -q -o "$out" || { tail -n 20 "$log" >&2; die "reel edit failed (log $log)"; }
  grep '^timings:' "$log" | sed "s/^/  round $round /"
  # --- 3. the floor: x264 alone on the same vertical frames, from RAM ---
  video=$(ls "$out"/*.mp4)
  ffmpeg -v error -y -i "$video" -f rawvideo -pix_fmt yuv420p "$RAW"
  rate=$(ffprobe -v error -select_streams v -show_entries stream=r_frame_rate -of csv=p=0 "$video")
  for n in 1 2 3; do
    "${MEASURE[@]}" run "$results" floor "$round" "$WORK/logs/floor-$round-$n.log" -- \
      ffmpeg -hide_banner -nostdin -loglevel error -y -f rawvideo -pix_fmt yuv420p \
      -s 1080x1920 -framerate "$rate" -i "$RAW" -c:v libx264 -preset veryfast -crf 23 \
      -pix_fmt yuv420p -an "$WORK/floor.mp4" || die "the floor's encode failed"
  done
  rm -f "$RAW"
done

# --- 4. summary ---
python3 - "$results" "$WORK/logs" "$length" "$GOAL_REALTIME" "$GOAL_CPU" <<'PY'
import json, re, statistics, sys
results, logs, length, goal_rt, goal_cpu = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
recs = [json.loads(l) for l in open(results) if l.strip()]
analysis = ("probe", "shots", "transcribe", "beats")
rt, cpu_ratio = [], []
for rnd in sorted({r["round"] for r in recs}):
    text = open(f"{logs}/edit-{rnd}.log").read()
    line = next(l for l in text.splitlines() if l.startswith("timings:"))
    stages = {m[0]: (float(m[1]), float(m[2])) for m in re.findall(r"(\w+) ([\d.]+) s \(CPU ([\d.]+) s\)", line)}
    wall = sum(stages[s][0] for s in analysis)
    floor = statistics.median(r["cpu_s"] for r in recs if r["tool"] == "floor" and r["round"] == rnd)
    edit = next(r for r in recs if r["tool"] == "edit" and r["round"] == rnd)
    rt.append(length / wall)
    cpu_ratio.append(stages["render"][1] / floor)
    print(f"round {rnd}: analysis {wall:.1f} s wall for {length:.0f} s of footage "
          f"({', '.join(f'{s} {stages[s][0]:.1f}' for s in analysis)}); "
          f"render {stages['render'][0]:.1f} s wall, {stages['render'][1]:.1f} s CPU; "
          f"x264 floor {floor:.1f} s CPU; whole edit {edit['wall_s']:.1f} s, peak {edit['peak_mib']:.0f} MiB")
verdict = lambda ok: "met" if ok else "NOT MET"
r, c = statistics.median(rt), statistics.median(cpu_ratio)
print(f"\n  analysis realtime   {r:>6.2f}x   goal >= {goal_rt:.1f}x: {verdict(r >= goal_rt)}")
print(f"  render/floor CPU    {c:>6.2f}x   goal <= {goal_cpu:.2f}x: {verdict(c <= goal_cpu)}")
PY
