#!/usr/bin/env bash
# Benchmark reel on the reference job ref-28s (shared/bench) against the ffmpeg filtergraph and
# the x264 encode floor, run in turn (reel ffmpeg floor, reel ffmpeg floor, ...). See README.md.
#
# usage: bench/run.sh          (or: make bench)
# env:   BENCH_RUNS   rounds, at least 3 (default 3)
#        BENCH_TOOLS  which tools to run (default "reel ffmpeg floor")
#        BENCH_RAW    where the floor's raw frames go (default /dev/shm/reel-bench-PID.yuv, 2.7 GB)
#        REEL_SHARED  the shared folder holding bench/ (default: ../shared beside the repository)
#        REEL         the reel binary to time; when set, it is not built
#        PYTHON       the Python that creates the venv (default python3)
#        BENCH_LONG   1 (default) also renders ref-28s repeated to 10 minutes once, to compare
#                     its peak memory with ref-28s's; 0 skips it
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"  # every path below is relative to the repository root
REF=${REEL_SHARED:-$ROOT/../shared}/bench
WORK=bench/scratch
VENV=$WORK/venv
INPUTS=$WORK/inputs
OUT=$WORK/out
LOGS=$WORK/logs
SPEC=$WORK/ref-28s.json
RESULTS=$WORK/results.jsonl
REEL_CACHE=$WORK/reel-cache
RUNS=${BENCH_RUNS:-3}
read -ra TOOLS <<<"${BENCH_TOOLS:-reel ffmpeg floor}"
RAW=${BENCH_RAW:-/dev/shm/reel-bench-$$.yuv}
MEASURE=(python3 bench/measure.py)

die() { echo "bench: $*" >&2; exit 1; }
has_tool() { [[ " ${TOOLS[*]} " == *" $1 "* ]]; }

# Fewer than 3 rounds gives no meaningful median.
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 3 ]] || die "BENCH_RUNS must be an integer >= 3 (got '$RUNS')"
for t in "${TOOLS[@]}"; do
  [[ $t == reel || $t == ffmpeg || $t == floor ]] || die "unknown tool '$t' in BENCH_TOOLS"
done
[[ -f $REF/spec.json ]] || die "no reference job at $REF (set REEL_SHARED to the shared folder)"
for cmd in python3 ffmpeg ffprobe espeak-ng sha256sum; do
  command -v "$cmd" >/dev/null || die "$cmd not found (run make setup)"
done
mkdir -p "$WORK" "$OUT" "$LOGS"

# --- 1. inputs: venv with numpy + Pillow, then the job's deterministic stills, speech and music ---
if ! "$VENV/bin/python" -c 'import numpy, PIL' 2>/dev/null; then
  echo "bench: creating $VENV (numpy, Pillow)"
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check numpy Pillow
fi
# Regenerate when the files no longer match their checksums or the job's definition changed.
stamp=$(cat "$REF/spec.json" "$REF/make_inputs.py" | sha256sum | cut -d' ' -f1)
if [[ -f $INPUTS/SHA256SUMS && "$(cat "$WORK/inputs.stamp" 2>/dev/null)" == "$stamp" ]] &&
   (cd "$INPUTS" && sha256sum --status -c SHA256SUMS); then
  echo "bench: inputs in $INPUTS verified"
else
  rm -rf "$INPUTS" "$WORK/inputs.stamp"
  "$VENV/bin/python" "$REF/make_inputs.py" "$INPUTS" "$REF/spec.json"
  echo "$stamp" >"$WORK/inputs.stamp"
fi

# --- 2. the job as reel's edit spec ---
python3 bench/spec_to_reel.py "$REF/spec.json" "$INPUTS" "$SPEC"

# --- 3. reel itself (cargo is a no-op when the build is fresh) ---
if has_tool reel; then
  if [[ -n ${REEL:-} ]]; then
    [[ -x $REEL ]] || die "REEL=$REEL is not an executable"
  else
    REEL=${CARGO_TARGET_DIR:-target}/release/reel
    echo "bench: cargo build --release"
    cargo build --release --quiet || die "cargo build --release failed"
  fi
fi

tool_cmd() {  # the timed command of tool $1, in the array CMD
  case $1 in
    # reel caches its audio mix and speech by content: an empty cache per run makes every run
    # do the whole job, as ffmpeg does.
    reel)   rm -rf "$REEL_CACHE"
            CMD=(env REEL_CACHE_DIR="$REEL_CACHE" "$REEL" render "$SPEC" -o "$OUT/reel.mp4" --profile youtube-1080p) ;;
    ffmpeg) CMD=("$REF/run_ffmpeg.sh" "$INPUTS" "$OUT/ffmpeg.mp4") ;;
    floor)  CMD=("$REF/floor_x264.sh" "$RAW" "$OUT/floor.mp4") ;;
  esac
}

# --- 4. the floor's input: the ffmpeg graph's 855 frames, raw, in RAM (untimed, once) ---
trap 'rm -rf "$RAW" "$REEL_CACHE"' EXIT  # the raw frames hold 2.7 GB of RAM
if has_tool floor; then
  echo "bench: rendering the floor's raw frames to $RAW"
  "$REF/floor_x264.sh" prep "$INPUTS" "$RAW" >"$LOGS/floor-prep.log" 2>&1 ||
    { tail -n 20 "$LOGS/floor-prep.log" >&2; die "floor_x264.sh prep failed"; }
fi

# --- 5. the timed rounds ---
echo
echo "ref-28s: ${TOOLS[*]}, $RUNS rounds, $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reel $(git rev-parse --short HEAD 2>/dev/null || echo '(no commit)')$(git diff --quiet HEAD 2>/dev/null || echo ' + local changes');" \
     "$("${FFMPEG:-ffmpeg}" -hide_banner -version | head -1 | cut -d' ' -f1-3)"
rm -f "$RESULTS" "$OUT"/*.mp4  # fresh outputs, so the checks below see this run's files
declare -A failed=()
for ((round = 1; round <= RUNS; round++)); do
  for t in "${TOOLS[@]}"; do
    [[ -z ${failed[$t]:-} ]] || continue  # a tool that failed once is not retried
    tool_cmd "$t"
    log=$LOGS/$t-$round.log
    if ! "${MEASURE[@]}" run "$RESULTS" "$t" "$round" "$log" -- "${CMD[@]}"; then
      failed[$t]=1
      echo "    $ ${CMD[*]}"
      tail -n 20 "$log" | sed 's/^/    | /'
    fi
  done
done

# --- 5b. memory against length: ref-28s's clips, captions and voices repeated to 10 minutes ---
if has_tool reel && [[ ${BENCH_LONG:-1} == 1 ]]; then
  LONG=$WORK/ref-10min.json
  python3 - "$SPEC" "$LONG" <<'PY'
import copy, json, sys
spec = json.load(open(sys.argv[1]))
clips, captions, voice = spec["clips"], spec["captions"], spec["audio"]["voice"]
overlap = clips[1].get("transition", {}).get("duration", 0.0)
period = sum(c["duration"] for c in clips) - overlap * (len(clips) - 1) - overlap
long = copy.deepcopy(spec)
long["name"] = "ref-10min"
long["clips"], long["captions"], long["audio"]["voice"] = [], [], []
for k in range(22):  # 22 x 28 s: just over 10 minutes
    repeat = copy.deepcopy(clips)
    if k:
        repeat[0]["transition"] = copy.deepcopy(clips[1]["transition"])
    long["clips"] += repeat
    long["captions"] += [dict(c, start=c["start"] + k * period, end=c["end"] + k * period)
                         for c in captions]
    long["audio"]["voice"] += [dict(v, start=v["start"] + k * period) for v in voice]
json.dump(long, open(sys.argv[2], "w"), indent=1)
PY
  rm -rf "$REEL_CACHE"
  "${MEASURE[@]}" run "$RESULTS" reel-10min 1 "$LOGS/reel-10min.log" -- \
    env REEL_CACHE_DIR="$REEL_CACHE" "$REEL" render "$LONG" -o "$OUT/reel-10min.mp4" --profile youtube-1080p ||
    failed[reel-10min]=1
fi

# --- 6. summary ---
echo
"${MEASURE[@]}" report "$RESULTS"

# --- 7. are the outputs the job's? (informative: a failing check does not fail the bench) ---
echo
for t in reel ffmpeg; do
  has_tool "$t" || continue
  if [[ ! -s $OUT/$t.mp4 ]]; then echo "check $t: no output"; continue; fi
  if "$REF/check_output.sh" "$OUT/$t.mp4" "$WORK/frames" >"$LOGS/check-$t.log" 2>&1; then
    echo "check $t: PASS"
  else
    echo "check $t: FAIL"
  fi
  sed 's/^/  /' "$LOGS/check-$t.log"
done

if ((${#failed[@]})); then
  die "failed to run: ${!failed[*]} (logs in $LOGS)"
fi
