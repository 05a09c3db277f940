#!/usr/bin/env bash
# Benchmark re-rendering after an edit, as acceptance describes it: render the demo project
# (examples/demo.txt, 1080p30), change one line of scene 2, render again.
#
# Over D-Bus (the goal is checked here): a `reel daemon` on a private bus, with a fresh cache
# each round. Each round submits the demo as a new project (`first`: every line spoken, every
# segment encoded), renders it again with its speech cached but no segments kept (`full`),
# changes one line (`reel projects edit`, a new line each round, so its speech and its segments
# are new) and renders once more (`edit`). A job's CPU is the daemon's own (user + system of all
# its threads and children, from /proc), read before and after it; the daemon is idle
# otherwise. The voice model stays loaded between jobs, as it does in the service.
#
# In one process (for comparison): `reel render` of the demo with its speech cached but no
# segments (`cli-full`), then of the edited script (`cli-edit`); each run loads the voice.
#
# Prints the medians, which segments each edit encoded, and edit/first (the goal: <= 0.25x)
# and edit/full CPU. See README.md.
#
# usage: bench/edit.sh      (make bench runs it)
# env:   EDIT_RUNS  rounds (default 3)
#        REEL       the reel binary to time; when set, it is not built
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WORK=$ROOT/bench/scratch/edit
RUNS=${EDIT_RUNS:-3}
MEASURE=(python3 bench/measure.py)
GOAL=0.25   # the edit's re-render CPU <= 0.25 x the project's render

die() { echo "bench edit: $*" >&2; exit 1; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 3 ]] || die "EDIT_RUNS must be an integer >= 3"
rm -rf "$WORK"
mkdir -p "$WORK/logs" "$WORK/out" "$WORK/project" "$WORK/state"
if [[ -z ${REEL:-} ]]; then
  REEL=${CARGO_TARGET_DIR:-target}/release/reel
  cargo build --release --quiet || die "cargo build --release failed"
fi
REEL=$(realpath "$REEL")
cp -r examples/images "$WORK/project/"
line="She polished the lens until it caught the first rays of the sun."
grep -qF "$line" examples/demo.txt || die "examples/demo.txt no longer has the line this edits"
results=$WORK/results.jsonl

# --- the daemon on a private bus ---
bus=$(dbus-daemon --session --fork --print-address=1 --print-pid=1) || die "dbus-daemon failed"
export DBUS_SESSION_BUS_ADDRESS=${bus%%$'\n'*}
bus_pid=${bus##*$'\n'}
daemon_pid=
stop() {
  [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  kill "$bus_pid" 2>/dev/null || true
}
trap stop EXIT
: > "$WORK/reel.toml"
REEL_LOG=info "$REEL" daemon --config "$WORK/reel.toml" --state-dir "$WORK/state" \
  > "$WORK/logs/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do "$REEL" health >/dev/null 2>&1 && break; sleep 0.1; done
"$REEL" health >/dev/null || die "the daemon did not start (log $WORK/logs/daemon.log)"
cache=$WORK/state/cache
tick=$(getconf CLK_TCK)

# CPU seconds the daemon has used, its children included.
daemon_cpu() { awk -v t="$tick" '{ printf "%.3f", ($14 + $15 + $16 + $17) / t }' "/proc/$daemon_pid/stat"; }

# Runs one daemon job (the command waits for it) and records its CPU and wall time as `kind`.
daemon_job() {
  local kind=$1 round=$2 log=$3; shift 3
  local cpu0 t0 cpu1 t1
  cpu0=$(daemon_cpu); t0=$(date +%s.%N)
  "$@" > "$log" 2>&1 || die "$kind failed (log $log)"
  t1=$(date +%s.%N); cpu1=$(daemon_cpu)
  python3 - "$results" "$kind" "$round" "$cpu0" "$cpu1" "$t0" "$t1" <<'PY'
import json, sys
results, kind, rnd, cpu0, cpu1, t0, t1 = sys.argv[1:]
rec = {"tool": kind, "round": int(rnd), "rc": 0, "cpu_s": round(float(cpu1) - float(cpu0), 3),
       "wall_s": round(float(t1) - float(t0), 3)}
open(results, "a").write(json.dumps(rec) + "\n")
print(f"  round {rnd}  {kind:<8} wall {rec['wall_s']:6.2f} s  CPU {rec['cpu_s']:6.2f} s")
PY
}

# The segments line of a job, from `reel jobs show`.
segments_of() { "$REEL" jobs show "$(awk '$1 == "queued" { print $2 }' "$1")" | grep "^segments"; }

echo
echo "edit and re-render: the demo at 1080p30, $RUNS rounds, $(nproc) CPUs," \
     "load $(cut -d' ' -f1-3 /proc/loadavg); reel $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "over D-Bus (one daemon; CPU is the daemon's per job):"
for ((round = 1; round <= RUNS; round++)); do
  rm -rf "$cache"
  script=$WORK/project/demo-$round.txt
  cp examples/demo.txt "$script"
  daemon_job first "$round" "$WORK/logs/first-$round.log" \
    "$REEL" submit "$script" -o "$WORK/out" --wait -q
  project=$("$REEL" projects | awk -v name="demo-$round" '$NF == name { print $1 }')
  [[ -n $project ]] || die "no project demo-$round after its render"
  rm -rf "$cache/segments"
  daemon_job full "$round" "$WORK/logs/full-$round.log" \
    "$REEL" projects render "$project" --wait -q
  "$REEL" projects edit "$project" line 2 2 \
    "She polished the lens until it shone, time number $round." >/dev/null
  daemon_job edit "$round" "$WORK/logs/edit-$round.log" \
    "$REEL" projects render "$project" --wait -q
  segments_of "$WORK/logs/edit-$round.log" | sed 's/^/    /'
done
peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$daemon_pid/status")

echo "in one process (reel render; each run loads the voice):"
export REEL_CACHE_DIR=$WORK/cli-cache
cp examples/demo.txt "$WORK/project/demo.txt"
"$REEL" render "$WORK/project/demo.txt" -q -o "$WORK/out/demo.mp4" >/dev/null ||
  die "the first in-process render failed"
for ((round = 1; round <= RUNS; round++)); do
  cp examples/demo.txt "$WORK/project/demo.txt"
  rm -rf "$REEL_CACHE_DIR/segments"
  "${MEASURE[@]}" run "$results" cli-full "$round" "$WORK/logs/cli-full-$round.log" -- \
    "$REEL" render "$WORK/project/demo.txt" -o "$WORK/out/demo.mp4" ||
    die "the full render failed (log $WORK/logs/cli-full-$round.log)"
  sed -i "s/$line/She polished the lens until it shone, time number $round./" "$WORK/project/demo.txt"
  "${MEASURE[@]}" run "$results" cli-edit "$round" "$WORK/logs/cli-edit-$round.log" -- \
    "$REEL" render "$WORK/project/demo.txt" -o "$WORK/out/demo.mp4" ||
    die "the re-render failed (log $WORK/logs/cli-edit-$round.log)"
  grep -h "segments:" "$WORK/logs/cli-edit-$round.log" | sed 's/^ */    /'
done

# --- summary ---
python3 - "$results" "$GOAL" "$peak" <<'PY'
import json, statistics, sys
results, goal, peak = sys.argv[1], float(sys.argv[2]), sys.argv[3]
recs = [json.loads(l) for l in open(results) if l.strip()]
med = lambda kind, key: statistics.median(r[key] for r in recs if r["tool"] == kind)
print(f"\n  medians          wall      CPU")
for kind in ("first", "full", "edit", "cli-full", "cli-edit"):
    print(f"  {kind:10} {med(kind, 'wall_s'):8.1f} s {med(kind, 'cpu_s'):6.1f} s")
print(f"  daemon peak RSS over all its jobs: {peak} MiB")
ratio = med("edit", "cpu_s") / med("first", "cpu_s")
verdict = "met" if ratio <= goal else "NOT MET"
print(f"\n  edit/first render CPU      {ratio:5.2f}x   goal <= {goal:.2f}x: {verdict}")
print(f"  edit/full (speech cached)  {med('edit', 'cpu_s') / med('full', 'cpu_s'):5.2f}x")
print(f"  in one process: cli-edit/cli-full  "
      f"{med('cli-edit', 'cpu_s') / med('cli-full', 'cpu_s'):5.2f}x")
PY
