#!/usr/bin/env bash
# Benchmark re-rendering after an edit: the demo project (examples/demo.txt) rendered whole at
# 1080p30 with its speech cached but no segments, against the render that follows changing one
# line of scene 2 (a new line each round, so its speech and its segments are new). Prints both
# CPU times and their ratio against the goal (the edit's re-render <= 25% of a full render).
# See README.md.
#
# usage: bench/edit.sh      (make bench runs it)
# env:   EDIT_RUNS  rounds (default 3)
#        REEL       the reel binary to time; when set, it is not built
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WORK=bench/scratch/edit
RUNS=${EDIT_RUNS:-3}
MEASURE=(python3 bench/measure.py)
GOAL=0.25   # the edit's re-render CPU <= 0.25 x a full render's

die() { echo "bench edit: $*" >&2; exit 1; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 3 ]] || die "EDIT_RUNS must be an integer >= 3"
rm -rf "$WORK"
mkdir -p "$WORK/logs" "$WORK/out" "$WORK/project"
if [[ -z ${REEL:-} ]]; then
  REEL=${CARGO_TARGET_DIR:-target}/release/reel
  cargo build --release --quiet || die "cargo build --release failed"
fi
REEL=$(realpath "$REEL")
cp -r examples/images "$WORK/project/"
export REEL_CACHE_DIR=$ROOT/$WORK/cache
line="She polished the lens until it caught the first rays of the sun."
grep -qF "$line" examples/demo.txt || die "examples/demo.txt no longer has the line this edits"

# --- 1. untimed: speak every line once ---
cp examples/demo.txt "$WORK/project/demo.txt"
"$REEL" render "$WORK/project/demo.txt" -q -o "$WORK/out/demo.mp4" >/dev/null || die "the first render failed"
length=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$WORK/out/demo.mp4")

# --- 2. timed rounds: a whole render (no segments kept), then one line changed ---
echo
echo "edit and re-render: the demo (${length%.*} s at 1080p30), $RUNS rounds, $(nproc) CPUs," \
     "load $(cut -d' ' -f1-3 /proc/loadavg); reel $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
results=$WORK/results.jsonl
for ((round = 1; round <= RUNS; round++)); do
  cp examples/demo.txt "$WORK/project/demo.txt"
  rm -rf "$REEL_CACHE_DIR/segments"
  "${MEASURE[@]}" run "$results" full "$round" "$WORK/logs/full-$round.log" -- \
    "$REEL" render "$WORK/project/demo.txt" -o "$WORK/out/demo.mp4" ||
    die "the full render failed (log $WORK/logs/full-$round.log)"
  sed -i "s/$line/She polished the lens until it shone, time number $round./" "$WORK/project/demo.txt"
  "${MEASURE[@]}" run "$results" edit "$round" "$WORK/logs/edit-$round.log" -- \
    "$REEL" render "$WORK/project/demo.txt" -o "$WORK/out/demo.mp4" ||
    die "the re-render failed (log $WORK/logs/edit-$round.log)"
  grep -h "segments:" "$WORK/logs/edit-$round.log" | sed 's/^ */  round '"$round"' /'
done

# --- 3. summary ---
python3 - "$results" "$GOAL" <<'PY'
import json, statistics, sys
results, goal = sys.argv[1], float(sys.argv[2])
recs = [json.loads(l) for l in open(results) if l.strip()]
med = lambda kind, key: statistics.median(r[key] for r in recs if r["tool"] == kind)
for kind in ("full", "edit"):
    print(f"  {kind:5} wall {med(kind, 'wall_s'):6.1f} s  CPU {med(kind, 'cpu_s'):6.1f} s  "
          f"peak {med(kind, 'peak_mib'):5.0f} MiB")
ratio = med("edit", "cpu_s") / med("full", "cpu_s")
verdict = "met" if ratio <= goal else "NOT MET"
print(f"\n  re-render/full CPU  {ratio:>6.2f}x   goal <= {goal:.2f}x: {verdict}")
PY
