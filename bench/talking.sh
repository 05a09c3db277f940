#!/usr/bin/env bash
# Benchmark talking heads: one scene of a character speaking for about 30 s, rendered at 1080p30
# with the character's portrait talking (`reellipsync`) and, for comparison, with the same
# picture as the scene's still. Speech, the face's landmarks and the music are cached before
# the timed rounds, so both renders do the same work but the face. Prints the talking render's
# frames per second and its CPU against the still's. See README.md.
#
# usage: bench/talking.sh      (make bench runs it)
# env:   TALKING_RUNS  rounds of each render (default 3)
#        REEL          the reel binary to time; when set, it is not built
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WORK=bench/scratch/talking
RUNS=${TALKING_RUNS:-3}
MEASURE=(python3 bench/measure.py)
GOAL_CPU=1.15   # the talking scene's CPU <= 1.15 x the same scene with a still

die() { echo "bench talking: $*" >&2; exit 1; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 3 ]] || die "TALKING_RUNS must be an integer >= 3"
[[ -f .deps/samples/astronaut.png ]] || die "no sample photograph (run make setup)"
rm -rf "$WORK/out" "$WORK/logs" "$WORK/state"
mkdir -p "$WORK/logs" "$WORK/out"
if [[ -z ${REEL:-} ]]; then
  REEL=${CARGO_TARGET_DIR:-target}/release/reel
  cargo build --release --quiet || die "cargo build --release failed"
fi
REEL=$(realpath "$REEL")

# --- 1. the two scripts: the same lines, a portrait or a still ---
cp .deps/samples/astronaut.png "$WORK/ada.png"
lines="ADA
Good evening. Tonight we follow a probe on its long fall towards the outer planets.

ADA
It left the launch pad eleven years ago, and it has been quiet for most of that time.

ADA
Now its cameras are waking up, one by one, and the first pictures are on their way home.

ADA
Maybe the moons will be as bright as the models promised. We will know before morning."
printf 'Title: Talking\n\n[[portrait: ada.png]]\n\nINT. STUDIO - NIGHT\n\n%s\n' "$lines" >"$WORK/talking.fountain"
printf 'Title: Still\n\nINT. STUDIO - NIGHT [[image: ada.png]]\n\n%s\n' "$lines" >"$WORK/still.fountain"
export XDG_STATE_HOME=$ROOT/$WORK/state REEL_CACHE_DIR=$ROOT/$WORK/cache
"$REEL" consent add "$WORK/ada.png" --person "Eileen Collins" --purpose "benchmark" \
  --signed-by "bench" >/dev/null

# --- 2. untimed: speak the lines, find the face, make the music ---
for kind in talking still; do
  "$REEL" render "$WORK/$kind.fountain" -q -o "$WORK/out/$kind.mp4" >/dev/null ||
    die "the $kind render failed"
done
length=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$WORK/out/talking.mp4")

# --- 3. timed rounds, in turn ---
echo
echo "talking heads: ${length%.*} s at 1080p30, $RUNS rounds, $(nproc) CPUs," \
     "load $(cut -d' ' -f1-3 /proc/loadavg); reel $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
results=$WORK/results.jsonl
rm -f "$results"
for ((round = 1; round <= RUNS; round++)); do
  for kind in talking still; do
    "${MEASURE[@]}" run "$results" "$kind" "$round" "$WORK/logs/$kind-$round.log" -- \
      "$REEL" render "$WORK/$kind.fountain" -q -o "$WORK/out/$kind.mp4" ||
      die "the $kind render failed (log $WORK/logs/$kind-$round.log)"
  done
done

# --- 4. summary ---
python3 - "$results" "$length" "$GOAL_CPU" <<'PY'
import json, statistics, sys
results, length, goal = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
recs = [json.loads(l) for l in open(results) if l.strip()]
med = lambda kind, key: statistics.median(r[key] for r in recs if r["tool"] == kind)
for kind in ("talking", "still"):
    print(f"  {kind:8} wall {med(kind, 'wall_s'):6.1f} s  CPU {med(kind, 'cpu_s'):6.1f} s  "
          f"peak {med(kind, 'peak_mib'):5.0f} MiB  {length * 30 / med(kind, 'wall_s'):5.1f} frames/s")
ratio = med("talking", "cpu_s") / med("still", "cpu_s")
verdict = "met" if ratio <= goal else "NOT MET"
print(f"\n  talking/still CPU   {ratio:>6.2f}x   goal <= {goal:.2f}x: {verdict}")
PY
