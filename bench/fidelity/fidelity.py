#!/usr/bin/env python3
"""The simulator as a predictor (issue 16): one scenario, measured four ways.

    N nodes, local profile, every node joins node-0, and once they agree one
    member (the last) is SIGKILLed at KILL_S (real runs: at KILL_S or at
    convergence, whichever is later); the window ends END_S - KILL_S after
    the kill.

  sim      swimsim, the default core (one run per seed)
  sim-go   swimsim with `compat = "go"` (skipped, with the reason, if this
           swimsim rejects the key)
  cpp      N real `swimd` processes on 127.0.0.1, one SIGKILL
  go       N real Go memberlist 0.2.2 processes (bench/go/loopback's
           `-mode member`: one member per process, bytes counted in its
           transport)

Measured per trial, then p50 / p99 (nearest rank) over trials:
  join     start of the joins -> every node lists N members (for real
           processes from spawning the first joiner, so it includes
           starting N-1 processes)
  join-up  real processes: the same from the moment the last member was up
           (its first event line); the simulator's value is its join
  first    kill -> the first survivor declares the victim dead
  all      kill -> every survivor has ("dead to all"; inf if not by the cap)
  false    members other than the victim declared dead (sum over trials)
  B/m/s    bytes sent per survivor per second over the window (UDP + TCP
           payload: swimd's memberlist.{udp,tcp}.sent, the Go member's
           counting transport; the simulator's bytes_per_node_per_sec)

Real-process times are taken by this script when it reads each process's
event line (a few ms of pipe and scheduling delay, more on a loaded
machine); the join time starts when the first joiner is spawned, so it
includes starting N-1 processes. Called by bench/fidelity/run.sh.
"""
import argparse
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

T0 = time.time()
INF = float("inf")


def log(msg):
    print(f"[{time.time() - T0:6.0f}s] {msg}", file=sys.stderr, flush=True)


def pct(values, q):
    """Nearest-rank percentile; inf counts as the largest value."""
    v = sorted(values)
    if not v:
        return math.nan
    k = max(0, min(len(v) - 1, math.ceil(q * len(v)) - 1))
    return v[k]


# --- simulator -----------------------------------------------------------------

SCENARIO = """\
name = "fidelity_{n}"
description = "bench/fidelity: {n} nodes, local profile, join, one crash"
[cluster]
size = {n}
profile = "local"
seeds = "1..{seeds}"
duration = "{end}s"
{compat}
[network]
# loopback: tens of microseconds one way (the real runs are on 127.0.0.1)
latency = {{ kind = "lognormal", floor = "20us", median = "60us", sigma = 0.5 }}
[[event]]
at = "{kill}s"
action = "crash"
nodes = [{victim}]
"""


def sim_trials(args, n, seeds, compat):
    """(trials, None), or (None, why) if swimsim rejected the scenario."""
    text = SCENARIO.format(n=n, seeds=seeds, end=args.end, kill=args.kill,
                           victim=n - 1,
                           compat='compat = "go"' if compat else "")
    trials, why = sim_run(args, n, text)
    if trials is None and compat:
        # The key may live at the top level rather than in [cluster].
        top = 'compat = "go"\n' + text.replace('compat = "go"\n', "")
        trials2, _ = sim_run(args, n, top)
        if trials2 is not None:
            return trials2, None
    return trials, why


def sim_run(args, n, text):
    with tempfile.TemporaryDirectory() as d:
        scn, out = os.path.join(d, f"fidelity_{n}.toml"), os.path.join(d, "r.json")
        with open(scn, "w") as f:
            f.write(text)
        cmd = ["nice", "-n", "10", args.swimsim, "--scenario", scn, "--json", out,
               "--quiet", "--jobs", str(args.sim_jobs)]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=1800)
        if p.returncode == 2:
            why = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "exit 2"
            return None, re.sub(r"^swimsim: \S+\.toml:\d+:\d+: ", "", why)
        with open(out) as f:
            rep = json.load(f)
    trials = []
    for r in rep["runs"]:
        s = r["samples"]
        val = lambda k: INF if s.get(k, [None])[0] is None else s[k][0]
        trials.append({"join": val("initial_convergence"),
                       "first": val("first_detection"),
                       "all": val("detection"),
                       "false": s.get("false_positives", [0])[0] or 0,
                       "bps": val("bytes_per_node_per_sec"),
                       "events_per_node_s": r["events_processed"] / r["virtual_s"] / n,
                       "wall_s": r["wall_s"]})
    ev = sorted(t["events_per_node_s"] for t in trials)
    if ev:
        log(f"  simulator: {pct(ev, 0.5):.1f} World events per node per virtual s, "
            f"{pct(sorted(t['wall_s'] for t in trials), 0.5):.2f} s wall per seed (median)")
    return trials, None


# --- real processes -------------------------------------------------------------

class Proc:
    """One member process; a thread stamps each JSON line on arrival."""

    def __init__(self, cmd, name):
        self.name = name
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL, text=True)
        self.events = []  # (monotonic, dict)
        self.cv = threading.Condition()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            now = time.monotonic()
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            with self.cv:
                self.events.append((now, ev))
                self.cv.notify_all()

    def wait_event(self, kind, timeout):
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                for t, ev in self.events:
                    if ev.get("event") == kind:
                        return ev
                left = end - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    return None
                self.cv.wait(left)

    def snapshot(self):
        with self.cv:
            return list(self.events)

    def kill(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
        self.p.wait()


def member_cmd(args, impl, i, seed_port):
    name = f"node-{i}"
    if impl == "cpp":
        cmd = [args.swimd, "--name", name, "--bind", "127.0.0.1:0", "--profile",
               "local", "--metrics-port", "0", "--log-level", "error"]
        if seed_port:
            cmd += ["--join", f"127.0.0.1:{seed_port}"]
    else:
        cmd = [args.go_member, "-mode", "member", "-i", str(i)]
        if seed_port:
            cmd += ["-join", f"127.0.0.1:{seed_port}"]
    return cmd, name


def ready_port(impl, ev):
    return ev.get("bind_port") if impl == "cpp" else ev.get("port")


def scrape_bytes(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as r:
            text = r.read().decode()
    except OSError:
        return None
    total = 0
    for name in ("swim_memberlist_udp_sent_total", "swim_memberlist_tcp_sent_total"):
        m = re.search(rf"^{name} (\S+)$", text, re.M)
        if m:
            total += float(m.group(1))
    return total


def real_trial(args, impl, n):
    procs = []
    try:
        cmd, name = member_cmd(args, impl, 0, None)
        procs.append(Proc(cmd, name))
        ev = procs[0].wait_event("ready", 10)
        if ev is None:
            raise RuntimeError(f"{impl} node-0 never became ready")
        seed_port = ready_port(impl, ev)
        start = time.monotonic()
        for i in range(1, n):
            cmd, name = member_cmd(args, impl, i, seed_port)
            procs.append(Proc(cmd, name))
        names = {p.name for p in procs}
        victim = procs[-1]

        def seen(p, upto=None):
            s = set()
            last = None
            for t, e in p.snapshot():
                if upto is not None and t > upto:
                    break
                if e.get("event") == "join" and e.get("name") in names:
                    if e["name"] not in s:
                        s.add(e["name"])
                        last = t
            return s, last

        join = join_last = INF
        # Kill at --kill s, or once every member lists N members if that
        # is later (at most --join-cap s after the start: the kill then
        # happens anyway and the join counts as inf).
        kill_at = start + args.kill
        while True:
            now = time.monotonic()
            full = [seen(p) for p in procs]
            converged = all(len(s) == n for s, _ in full)
            if converged and join == INF:
                join = max(t for _, t in full) - start
                # The same, from the moment the last member was up (its
                # first event line): without the time it takes to start
                # N-1 processes.
                readies = [next((t for t, e in p.snapshot()
                                 if e.get("event") == "ready"), None)
                           for p in procs]
                if all(r is not None for r in readies):
                    join_last = max(0.0, max(t for _, t in full) - max(readies))
            if (converged and now >= kill_at) or now >= start + args.join_cap:
                break
            time.sleep(0.05)
        ports = []
        if impl == "cpp":
            for p in procs:
                ev = p.wait_event("ready", 1)
                ports.append(ev.get("metrics_port") if ev else None)
        t_kill = time.monotonic()
        victim.kill()
        survivors = procs[:-1]
        end = t_kill + (args.end - args.kill)
        while True:
            now = time.monotonic()
            dead = [any(e.get("event") == "leave" and e.get("name") == victim.name
                        for _, e in p.snapshot()) for p in survivors]
            if now >= end and (all(dead) or now >= t_kill + args.cap):
                break
            time.sleep(0.05)
        window = time.monotonic() - start
        bps = None
        if impl == "cpp":
            vals = [scrape_bytes(port) for port in ports[:-1] if port]
        else:
            vals = [max([e["bytes"] for _, e in p.snapshot()
                         if e.get("event") == "stats"], default=None)
                    for p in survivors]
        vals = [v for v in vals if v is not None]
        if vals:
            bps = sum(vals) / len(vals) / window
        first, alls, false = INF, [], 0
        for p in survivors:
            got = None
            for t, e in p.snapshot():
                if e.get("event") != "leave":
                    continue
                if e.get("name") == victim.name:
                    if got is None:
                        got = t - t_kill
                elif e.get("name") != p.name:
                    false += 1
            if got is not None:
                first = min(first, got)
            alls.append(INF if got is None else got)
        return {"join": join, "join_up": join_last, "first": first, "all": max(alls), "false": false,
                "bps": bps if bps is not None else math.nan}
    finally:
        for p in procs:
            p.kill()


def real_trials(args, impl, n, trials):
    out = []
    for k in range(trials):
        r = real_trial(args, impl, n)
        log(f"  {impl} n={n} trial {k + 1}/{trials}: join {r['join']:.2f} s "
            f"({r['join_up']:.2f} s after the last member was up), "
            f"first {r['first']:.2f} s, all {r['all']:.2f} s, false {r['false']}"
            + (f", {r['bps']:.0f} B/m/s" if not math.isnan(r['bps']) else ""))
        out.append(r)
        time.sleep(1)  # let the kernel recycle the ports
    return out


# --- table ------------------------------------------------------------------------

def summarize(trials):
    if not trials:
        return None
    s = {}
    for k in ("join", "join_up", "first", "all"):
        vals = [t.get(k, t["join"]) for t in trials]
        s[k] = (pct(vals, 0.5), pct(vals, 0.99))
    s["false"] = sum(t["false"] for t in trials)
    b = [t["bps"] for t in trials if not math.isnan(t["bps"])]
    s["bps"] = pct(b, 0.5) if b else math.nan
    s["trials"] = len(trials)
    return s


def fmt(v, d=2):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if v == INF:
        return "inf"
    return f"{v:.{d}f}"


def ratio(a, b):
    if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0 or \
            a == INF or b == INF:
        return math.nan
    return a / b


def table(results, n):
    lines = []
    head = ("| model | trials | join p50 / p99 s | join after last up p50 / p99 s | "
            "first det. p50 / p99 s | "
            "dead-to-all p50 / p99 s | false deaths | B/member/s |")
    lines += [head, "|---|---|---|---|---|---|---|---|"]
    for impl in ("sim", "cpp", "sim-go", "go"):
        s = results.get(impl)
        if s is None:
            continue
        if isinstance(s, str):
            lines.append(f"| {impl} | skipped: {s} | | | | | | |")
            continue
        lines.append(
            f"| {impl} | {s['trials']} | {fmt(s['join'][0])} / {fmt(s['join'][1])} | "
            f"{fmt(s['join_up'][0])} / {fmt(s['join_up'][1])} | "
            f"{fmt(s['first'][0])} / {fmt(s['first'][1])} | "
            f"{fmt(s['all'][0])} / {fmt(s['all'][1])} | {s['false']} | "
            f"{fmt(s['bps'], 0)} |")
    lines.append("")
    lines.append("| comparison | join p50 | join p99 | join-up p50 | join-up p99 | "
                 "first p50 | first p99 | all p50 | all p99 | B/m/s | within goal |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for sim, real in (("sim", "cpp"), ("sim-go", "go")):
        a, b = results.get(sim), results.get(real)
        if not isinstance(a, dict) or not isinstance(b, dict):
            continue
        cells, ok = [], True
        for k in ("join", "join_up", "first", "all"):
            for q, goal in ((0, 0.15), (1, 0.30)):
                r = ratio(a[k][q], b[k][q])
                cells.append(fmt(r))
                if not math.isnan(r) and abs(r - 1) > goal:
                    ok = False
        rb = ratio(a["bps"], b["bps"])
        cells.append(fmt(rb))
        if not math.isnan(rb) and abs(rb - 1) > 0.15:
            ok = False
        lines.append(f"| {sim} / {real} | " + " | ".join(cells) +
                     f" | {'yes' if ok else 'no'} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--swimsim", required=True)
    ap.add_argument("--swimd", required=True)
    ap.add_argument("--go-member", required=True,
                    help="bench/go/loopback binary (-mode member)")
    ap.add_argument("--sizes", default="10,50,200")
    ap.add_argument("--seeds", default="20,20,10", help="sim seeds per size")
    ap.add_argument("--trials", default="5,3,2", help="real trials per size")
    ap.add_argument("--kill", type=float, default=5.0, help="kill at (s)")
    ap.add_argument("--end", type=float, default=15.0, help="window end (s)")
    ap.add_argument("--join-cap", type=float, default=30.0,
                    help="real runs: kill even if not converged after (s)")
    ap.add_argument("--cap", type=float, default=25.0,
                    help="wait at most this long after the kill (s)")
    ap.add_argument("--sim-jobs", type=int, default=1)
    ap.add_argument("--only", default="sim,sim-go,cpp,go")
    ap.add_argument("--json", help="write every trial to FILE")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    seeds = [int(x) for x in args.seeds.split(",")]
    trials = [int(x) for x in args.trials.split(",")]
    only = set(args.only.split(","))
    everything = {}
    for i, n in enumerate(sizes):
        ns = seeds[min(i, len(seeds) - 1)]
        nt = trials[min(i, len(trials) - 1)]
        load = os.getloadavg()
        log(f"N = {n}: load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        res, raw = {}, {}
        for impl, compat in (("sim", False), ("sim-go", True)):
            if impl not in only:
                continue
            log(f"  {impl} n={n}: {ns} seeds")
            t, why = sim_trials(args, n, ns, compat)
            if t is None:
                log(f"  {impl} skipped: {why}")
                res[impl] = why
            else:
                res[impl] = summarize(t)
                raw[impl] = t
        for impl in ("cpp", "go"):
            if impl in only:
                raw[impl] = real_trials(args, impl, n, nt)
                res[impl] = summarize(raw[impl])
        load_after = os.getloadavg()
        print(f"\n### N = {n} (load average {load[0]:.2f} before, "
              f"{load_after[0]:.2f} after)\n")
        print(table(res, n))
        sys.stdout.flush()
        everything[n] = {"raw": raw, "load": [load, load_after]}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1, default=str)


if __name__ == "__main__":
    main()
