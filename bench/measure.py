#!/usr/bin/env python3
"""Time one benchmark run, and summarise many.

usage: measure.py run RESULTS TOOL ROUND LOG -- CMD [ARG...]
           run CMD with stdout and stderr to LOG; append one JSON line to RESULTS
           {tool, round, rc, wall_s, cpu_s, user_s, sys_s, peak_mib}; exit with CMD's status
       measure.py report RESULTS
           medians per tool, reel's ratios to the floor and to ffmpeg, and the goals

CPU and peak come from wait4()'s rusage of the child: user+sys include every descendant the
child waited for (wrapper scripts, exec'd ffmpeg, GStreamer's threads), and ru_maxrss is the
largest resident set of any process in that tree (not a sum; each tool here is one process
doing the work, behind at most an exec'ing wrapper). The child starts as a copy of this Python
process, so no peak reads below its ~15 MiB; the tools measured here use hundreds.
"""
import json
import os
import statistics
import subprocess
import sys
import time

# The goals for reel on this job.
GOAL_CPU_VS_FLOOR = 1.05    # reel CPU s <= 1.05 x the x264 encode floor's
GOAL_WALL_VS_FFMPEG = 1.0   # reel wall s <= ffmpeg filtergraph's
GOAL_PEAK_MIB = 300.0       # reel peak RSS <= 300 MiB
GOAL_LONG_GROWTH = 0.10     # a 10-minute render's peak within 10% of ref-28s's


def run(results, tool, rnd, log, cmd):
    with open(log, "wb") as out:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    p.returncode = rc = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    rec = {"tool": tool, "round": int(rnd), "rc": rc, "wall_s": round(wall, 3),
           "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
           "user_s": round(ru.ru_utime, 3), "sys_s": round(ru.ru_stime, 3),
           "peak_mib": round(ru.ru_maxrss / 1024, 1)}  # ru_maxrss is KiB on Linux
    with open(results, "a") as f:
        f.write(json.dumps(rec) + "\n")
    state = "ok" if rc == 0 else f"FAILED (exit {rc}, log {log})"
    print(f"  round {rnd}  {tool:<7} wall {wall:7.2f} s  cpu {rec['cpu_s']:7.2f} s "
          f"(user {rec['user_s']:.2f} + sys {rec['sys_s']:.2f})  peak {rec['peak_mib']:7.1f} MiB  {state}",
          flush=True)
    return rc


def report(results):
    with open(results) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    ok = [r for r in recs if r["rc"] == 0]
    tools = list(dict.fromkeys(r["tool"] for r in recs))  # in the order they ran

    print(f"{'tool':<8} {'runs':>4} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9}   (medians)")
    med = {}
    for t in tools:
        rs = [r for r in ok if r["tool"] == t]
        if not rs:
            print(f"{t:<8} {0:>4} {'-':>8} {'-':>8} {'-':>9}   all runs failed")
            continue
        med[t] = {k: statistics.median(r[k] for r in rs) for k in ("wall_s", "cpu_s", "peak_mib")}
        m = med[t]
        print(f"{t:<8} {len(rs):>4} {m['wall_s']:>8.2f} {m['cpu_s']:>8.2f} {m['peak_mib']:>9.1f}")

    # Absolute times drift on a shared machine, so ratios pair the runs of the same round
    # (run back to back) and the median of those per-round ratios is quoted.
    by_round = {}
    for r in ok:
        by_round.setdefault(r["round"], {})[r["tool"]] = r

    def ratio(key, other):
        rs = [rd["reel"][key] / rd[other][key] for rd in by_round.values()
              if "reel" in rd and other in rd and rd[other][key] > 0]
        return (statistics.median(rs), len(rs)) if rs else (None, 0)

    def verdict(value, limit):
        return "met" if value <= limit else "NOT MET"

    print("\nreel vs the references (median of per-round ratios):")
    rows = [("reel/floor CPU", ratio("cpu_s", "floor"), f"<= {GOAL_CPU_VS_FLOOR:.2f}", GOAL_CPU_VS_FLOOR),
            ("reel/floor wall", ratio("wall_s", "floor"), "", None),
            ("reel/ffmpeg CPU", ratio("cpu_s", "ffmpeg"), "", None),
            ("reel/ffmpeg wall", ratio("wall_s", "ffmpeg"), f"<= {GOAL_WALL_VS_FFMPEG:.2f}", GOAL_WALL_VS_FFMPEG)]
    for name, (value, n), goal_text, goal in rows:
        if value is None:
            print(f"  {name:<17} {'-':>8}   no round with both tools ok" + (f"   goal {goal_text}" if goal else ""))
            continue
        line = f"  {name:<17} {value:>7.2f}x  ({n} rounds)"
        if goal is not None:
            line += f"   goal {goal_text}: {verdict(value, goal)}"
        print(line)
    if "reel" in med:
        peak = med["reel"]["peak_mib"]
        print(f"  {'reel peak':<17} {peak:>6.0f} MiB             goal <= {GOAL_PEAK_MIB:.0f} MiB: "
              f"{verdict(peak, GOAL_PEAK_MIB)}")
    else:
        print(f"  {'reel peak':<17} {'-':>8}   no successful reel run   goal <= {GOAL_PEAK_MIB:.0f} MiB")
    if "reel" in med and "reel-10min" in med:
        short, long = med["reel"]["peak_mib"], med["reel-10min"]["peak_mib"]
        growth = long / short - 1
        print(f"  {'10-minute peak':<17} {long:>6.0f} MiB ({growth:+.0%})     goal within "
              f"{GOAL_LONG_GROWTH:.0%} of ref-28s's: {verdict(growth, GOAL_LONG_GROWTH)}")


def main():
    a = sys.argv[1:]
    if len(a) >= 7 and a[0] == "run" and a[5] == "--":
        rc = run(a[1], a[2], a[3], a[4], a[6:])
        sys.exit(rc if rc >= 0 else 128 - rc)  # killed by a signal: the shell's 128+N
    if len(a) == 2 and a[0] == "report":
        return report(a[1])
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
