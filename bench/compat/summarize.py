#!/usr/bin/env python3
"""Summarizes swimsim --json outputs of bench/compat/sweep.sh as one
Markdown table: convergence, false deaths per 1,000 seeds, bytes."""
import json
import sys


def pct(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main(paths):
    print("| scenario | mode | seeds | convergence p50 / p99 / max (s) "
          "| not converged | false deaths / 1,000 seeds | seeds with a false "
          "death | bytes / node / s (mean) |")
    print("|---|---|---|---|---|---|---|---|")
    for path in paths:
        j = json.load(open(path))
        name = path.rsplit("/", 1)[-1][:-5]
        sc, mode = name.rsplit("_", 1)
        runs = j["runs"]
        key = ("initial_convergence" if sc == "mass_join"
               else "agreement_after_heal")
        conv, missing, fds, fd_seeds, bps = [], 0, 0, 0, []
        for r in runs:
            vals = [x for x in r["samples"].get(key, []) if x is not None]
            if vals:
                conv.append(max(vals))
            else:
                missing += 1
            n = len(r["false_positives"])
            fds += n
            fd_seeds += 1 if n else 0
            bps.append(r["bytes"] / j["size"] / r["virtual_s"])
        s = len(runs)
        print("| %s | %s | %d | %.2f / %.2f / %.2f | %d | %.1f | %d | %.0f |" % (
            sc, mode, s, pct(conv, 50), pct(conv, 99), max(conv or [0]),
            missing, 1000.0 * fds / s, fd_seeds, sum(bps) / s))


if __name__ == "__main__":
    main(sys.argv[1:])
