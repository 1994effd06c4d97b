#!/usr/bin/env python3
"""Plots issue 17's scale sweep: N against wall/CPU time and against memory.

Reads the markdown table that bench/scale/scale_sweep.sh prints (one row per
N; rows that say "stopped" are drawn as hollow points at what they reached)
and writes two SVG charts with bench/run_all.py's Plot:

  bench/scale/plot_scale.py bench/scale/sweep_results.md docs/perf

  docs/perf/sim_scale_time.svg    N vs wall and CPU seconds (log-log)
  docs/perf/sim_scale_memory.svg  N vs peak RSS (MiB) and heap bytes per pair
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from run_all import COLORS, Plot  # noqa: E402  (bench/run_all.py)


def number(cell):
    m = re.match(r"\s*([0-9][0-9,]*(?:\.[0-9]+)?)", cell)
    return float(m.group(1).replace(",", "")) if m else None


def read_rows(path):
    """Rows of the sweep table as dicts keyed by the header's cells."""
    header, rows = None, []
    for line in open(path):
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(cells[0]) <= set("-: "):
            continue  # the separator row
        rows.append(dict(zip(header, cells)))
    if header is None:
        sys.exit(f"plot_scale: no table in {path}")
    return rows


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = read_rows(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)

    t = Plot("Simulator scale: N LAN nodes join, 60 virtual s, 1 % crash",
             "nodes (N, log)", "seconds (log)", xlog=True, ylog=True)
    wall = [(number(r["N"]), number(r["wall s"])) for r in rows]
    cpu = [(number(r["N"]), number(r["CPU s"])) for r in rows]
    t.add("wall s", COLORS["sim"], [p for p in wall if p[1] is not None])
    t.add("CPU s", COLORS["cpp"], [p for p in cpu if p[1] is not None], dashed=True)
    t.hlines.append((5, "goal, 1,000: 5 s wall", COLORS["goal"]))
    t.hlines.append((600, "goal, 10,000 (600 virtual s)", COLORS["goal"]))
    t.notes.append("one run per N, one core")
    open(os.path.join(out, "sim_scale_time.svg"), "w").write(t.svg())

    m = Plot("Simulator scale: memory", "nodes (N, log)", "MiB, bytes (log)",
             xlog=True, ylog=True)
    m.add("peak RSS, MiB", COLORS["sim"],
          [(number(r["N"]), number(r["peak RSS MiB"])) for r in rows])
    m.add("heap B per pair at the end", COLORS["cpp"],
          [(number(r["N"]), number(r["heap B/pair at end"])) for r in rows],
          dashed=True)
    m.hlines.append((150, "goal, 1,000: 150 MiB", COLORS["goal"]))
    m.hlines.append((8192, "goal, 10,000: 8 GiB", COLORS["goal"]))
    m.hlines.append((64, "goal: 64 B per pair", "#bbbbbb"))
    m.notes.append("from 2,000 on the queues")
    m.notes.append("had not drained at 60 s:")
    m.notes.append("B per pair is the join peak's")
    open(os.path.join(out, "sim_scale_memory.svg"), "w").write(m.svg())


if __name__ == "__main__":
    main()
