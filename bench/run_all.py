#!/usr/bin/env python3
"""Runs every benchmark (C++ and Go memberlist 0.2.2, same invocation) and
writes docs/performance.md plus docs/perf/*.svg and docs/perf/results.json.

Called by bench/run_all.sh after it built the binaries; see that script.
Every child process has a wall-clock bound, so the whole run is bounded.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
T0 = time.time()
MIB = 1024.0 * 1024.0


def log(msg):
    print(f"[{time.time() - T0:6.0f}s] {msg}", file=sys.stderr, flush=True)


def run(cmd, timeout, env=None):
    """Runs cmd with a wall bound under /usr/bin/time; returns
    (stdout, peak_rss_bytes, timed_out, wall_seconds)."""
    full = ["/usr/bin/time", "-f", "MAXRSS_KB %M", "timeout", "--kill-after=10",
            str(int(timeout))] + cmd
    t = time.time()
    p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env)
    wall = time.time() - t
    m = re.search(r"MAXRSS_KB (\d+)", p.stderr)
    rss = int(m.group(1)) * 1024 if m else 0
    timed_out = p.returncode in (124, 137)
    if p.returncode != 0 and not timed_out:
        log(f"  ! {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-300:]}")
    return p.stdout, rss, timed_out, wall


def run_watched(cmd, timeout, rss_limit):
    """Runs cmd, sampling its VmRSS twice a second; kills it at `timeout`
    s or when its RSS passes rss_limit bytes (so a run that cannot fit does
    not push the shared machine into swap). Returns (stdout, peak_rss,
    stop_reason or None, wall, rss_samples[(s, bytes)])."""
    t = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak, samples, reason, last_log = 0, [], None, 0
    while p.poll() is None:
        el = time.time() - t
        try:
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) * 1024
                        peak = max(peak, rss)
                        samples.append((round(el, 1), rss))
        except OSError:
            pass
        if el - last_log >= 30:
            last_log = el
            log(f"  ... {el:.0f} s, RSS {peak / MIB:,.0f} MiB")
        if peak > rss_limit:
            reason = f"RSS passed {rss_limit / 2**30:.0f} GiB after {el:.0f} s"
        elif el > timeout:
            reason = f"still running at the {timeout} s bound"
        if reason:
            p.kill()
            break
        time.sleep(0.5)
    out, _ = p.communicate()
    return out, peak, reason, time.time() - t, samples[::max(1, len(samples) // 100)]


def json_lines(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


# --- measurements ------------------------------------------------------------

def codec(args, res):
    log("codec: C++ vs Go micro benchmarks (bench/codec_compare.sh)")
    tsv = os.path.join(args.work, "codec.tsv")
    env = dict(os.environ, GOCACHE=args.gocache)
    subprocess.run([os.path.join(ROOT, "bench/codec_compare.sh"),
                    "0.05" if args.quick else "0.4", tsv],
                   cwd=ROOT, env=env, check=True, stdout=sys.stderr,
                   timeout=600)
    rows = []
    for line in open(tsv):
        name, cpp, go = line.rstrip("\n").split("\t")
        rows.append({"name": name, "cpp_ns": float(cpp),
                     "go_ns": float(go) if go else None})
    res["codec"] = rows


def sim_speed(args, res):
    ns = [100, 1000] if not args.quick else [100, 300]
    cfgs = {100: (120, 10, 120), 300: (30, 20, 60), 1000: (120, 60, 300),
            10000: (5, 0, args.sim10k_cap)}
    if not args.quick:
        ns.append(10000)
    out = []
    for n in ns:
        virt, warm, cap = cfgs[n]
        log(f"simulator speed: {n} nodes (LAN config; {warm} virtual s warm-up, "
            f"{virt} virtual s measured; bound {cap} s wall)")
        text, rss, reason, wall, samples = run_watched(
            [os.path.join(args.bin, "bench/sim_speed_probe"), str(n), str(virt), str(warm)],
            cap, 16 * 2**30)
        to = reason is not None
        m = re.search(r"converged=(\d) join_wall=([\d.]+)s steady: (\d+) virtual s in "
                      r"([\d.]+) wall s = ([\d.]+)x", text)
        row = {"n": n, "peak_rss": rss, "timed_out": to, "stop_reason": reason, "wall": wall,
               "cap": cap, "virt": virt, "warmup": warm, "rss_samples": samples}
        if m:
            row.update(converged=m.group(1) == "1", join_wall=float(m.group(2)),
                       speed=float(m.group(5)))
        # The probe's own getrusage peak catches runs shorter than a sample.
        pr = re.search(r"peak RSS=([\d.]+) MiB", text)
        if pr:
            row["peak_rss"] = max(rss, int(float(pr.group(1)) * MIB))
            rss = row["peak_rss"]
        log(f"  -> {row.get('speed', 'n/a')}x real time, peak RSS {rss / MIB:.0f} MiB"
            f"{' (STOPPED: ' + reason + ')' if to else ''}")
        out.append(row)
    res["sim_speed"] = out


def sim_massjoin(args, res):
    ns = [50, 100, 200, 500, 1000] if not args.quick else [50, 100, 200]
    out = []
    for n in ns:
        log(f"simulated mass join: {n} nodes (Local config, all join node 0 at t=0)")
        text, rss, to, wall = run([os.path.join(args.bin, "bench/massjoin_probe"), str(n)],
                                  120)
        m = re.search(r"converged=(\d) t=(\S+)", text)
        row = {"n": n, "wall": wall, "timed_out": to}
        if m:
            row["converged"] = m.group(1) == "1"
            row["seconds"] = parse_go_duration(m.group(2))
        b = re.search(r"total bytes=(\d+) packets=(\d+)", text)
        if b:
            row["bytes"] = int(b.group(1))
            row["packets"] = int(b.group(2))
        log(f"  -> {row.get('seconds', 'n/a')} virtual s ({wall:.1f} s wall)")
        out.append(row)
    res["sim_massjoin"] = out


def parse_go_duration(s):
    total = 0.0
    for num, unit in re.findall(r"([\d.]+)(ms|us|ns|s|m|h)", s):
        total += float(num) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6,
                               "ns": 1e-9}[unit]
    return total


def cpp_cmd(args, *a):
    return [os.path.join(args.bin, "bench/loopback_probe")] + [str(x) for x in a]


def go_cmd(args, mode, **kw):
    return [args.go_loopback, "-mode", mode] + [f"-{k}={v}" for k, v in kw.items()]


def loop_massjoin(args, res):
    ns = [10, 50, 100, 200] if not args.quick else [10, 50]
    cap = 10 if args.quick else args.go_cap
    out = []
    for n in ns:
        for impl in ("cpp", "go"):
            log(f"loopback mass join: {impl}, {n} nodes (cap {cap} s)")
            cmd = cpp_cmd(args, "massjoin", n, cap) if impl == "cpp" else \
                go_cmd(args, "massjoin", n=n, cap=f"{cap}s")
            text, rss, to, wall = run(cmd, cap + 60)
            rows = json_lines(text)
            if rows:
                out.append(rows[0])
                r = rows[0]
                log(f"  -> {r['seconds']:.2f} s" + ("" if r["converged"] else " (NOT converged: cap)"))
            else:
                out.append({"impl": impl, "n": n, "converged": False, "seconds": None,
                            "cap": cap, "failed": True})
    res["loop_massjoin"] = out


def loop_detect(args, res):
    n = 10
    crashes = 1 if args.quick else 8
    out = []
    for impl in ("cpp", "go"):
        log(f"crash detection: {impl}, {n} nodes, {crashes} crashes, one after another")
        cmd = cpp_cmd(args, "detect", n, crashes) if impl == "cpp" else \
            go_cmd(args, "detect", n=n, crashes=crashes)
        text, rss, to, wall = run(cmd, 60 + crashes * 25)
        rows = json_lines(text)
        out.extend(rows)
        if rows:
            log(f"  -> first detection median {statistics.median(r['first'] for r in rows):.2f} s, "
                f"all agree median {statistics.median(r['all'] for r in rows):.2f} s")
    res["detect"] = out
    res["detect_n"] = n


def loop_idle(args, res):
    n = 20
    # Settle past one push/pull interval (LAN: 30 s): Go's first periodic
    # push/pull comes a whole interval after its random stagger, ours at the
    # stagger, so a window that starts earlier counts one more exchange for
    # C++ than Go's steady state would (measured: TCP 36 vs 19 B/s per node
    # with a 5 s settle, 36.4 vs 36.9 with 65 s).
    window, settle = (5, 2) if args.quick else (60, 65)
    out = []
    for impl in ("cpp", "go"):
        log(f"idle cost: {impl}, {n} nodes (LAN config), {settle} s settle, {window} s window")
        cmd = cpp_cmd(args, "idle", n, window, settle) if impl == "cpp" else \
            go_cmd(args, "idle", n=n, t=f"{window}s", settle=f"{settle}s")
        text, rss, to, wall = run(cmd, window + settle + 90)
        rows = json_lines(text)
        out.extend(rows)
        for r in rows:
            log(f"  -> CPU {r['cpu_per_node'] * 1e3:.2f} ms/s, {r['bytes_per_node']:.0f} B/s, "
                f"{r['packets_per_node']:.2f} pkt/s, RSS {r['rss_per_node'] / MIB:.3f} MiB per node")
    res["idle"] = out
    res["idle_n"] = n


# --- SVG ---------------------------------------------------------------------

COLORS = {"cpp": "#1f77b4", "go": "#d62728", "sim": "#2ca02c", "goal": "#7f7f7f"}


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Plot:
    """A minimal x/y chart written as SVG text."""

    def __init__(self, title, xlabel, ylabel, xlog=False, ylog=False, w=760, h=400):
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.xlog, self.ylog, self.w, self.h = xlog, ylog, w, h
        self.series = []   # (label, color, points, dashed, markers_only)
        self.hlines = []   # (y, label, color)
        self.notes = []
        self.xcats = None  # categorical x axis labels

    def add(self, label, color, pts, dashed=False, markers_only=False, no_markers=False):
        self.series.append(dict(label=label, color=color,
                                pts=[p for p in pts if p[1] is not None], dashed=dashed,
                                markers_only=markers_only, no_markers=no_markers))

    def _range(self, vals, log_):
        vals = [v for v in vals if v is not None and (v > 0 or not log_)]
        if not vals:
            return (0, 1)
        lo, hi = min(vals), max(vals)
        if log_:
            lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
            return (lo, hi if hi > lo else lo * 10)
        lo = min(0, lo)
        span = hi - lo or 1
        step = 10 ** math.floor(math.log10(span))
        while span / step > 8:
            step *= 2
        return (lo, math.ceil(hi / step) * step + (step if hi % step == 0 else 0) * 0)

    def svg(self):
        L, R, T, B = 70, 250, 40, 50
        pw, ph = self.w - L - R, self.h - T - B
        xs = [p[0] for s in self.series for p in s["pts"]]
        ys = [p[1] for s in self.series for p in s["pts"]] + [h[0] for h in self.hlines]
        x0, x1 = self._range(xs, self.xlog) if self.xcats is None else (-0.5, len(self.xcats) - 0.5)
        y0, y1 = self._range(ys, self.ylog)
        if not self.xlog and self.xcats is None:
            x0 = 0

        def fx(x):
            if self.xlog:
                return L + pw * (math.log10(x) - math.log10(x0)) / (math.log10(x1) - math.log10(x0))
            return L + pw * (x - x0) / ((x1 - x0) or 1)

        def fy(y):
            if self.ylog:
                y = max(y, y0)
                return T + ph - ph * (math.log10(y) - math.log10(y0)) / (math.log10(y1) - math.log10(y0))
            return T + ph - ph * (y - y0) / ((y1 - y0) or 1)

        o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{self.w}" height="{self.h}" fill="white"/>',
             f'<text x="{self.w / 2 - R / 2 + L / 2}" y="22" text-anchor="middle" font-size="15">{esc(self.title)}</text>',
             f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>']
        for v in self._ticks(y0, y1, self.ylog):
            y = fy(v)
            o.append(f'<line x1="{L}" y1="{y:.1f}" x2="{L + pw}" y2="{y:.1f}" stroke="#ddd"/>')
            o.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{self._fmt(v)}</text>')
        if self.xcats is not None:
            for i, c in enumerate(self.xcats):
                o.append(f'<text x="{fx(i):.1f}" y="{T + ph + 18}" text-anchor="middle">{esc(c)}</text>')
        else:
            for v in self._ticks(x0, x1, self.xlog):
                x = fx(v)
                o.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{T + ph}" stroke="#eee"/>')
                o.append(f'<text x="{x:.1f}" y="{T + ph + 18}" text-anchor="middle">{self._fmt(v)}</text>')
        o.append(f'<text x="{L + pw / 2}" y="{self.h - 10}" text-anchor="middle">{esc(self.xlabel)}</text>')
        o.append(f'<text transform="translate(16,{T + ph / 2}) rotate(-90)" text-anchor="middle">{esc(self.ylabel)}</text>')
        ly = T + 10
        for y, label, color in self.hlines:
            yy = fy(y)
            o.append(f'<line x1="{L}" y1="{yy:.1f}" x2="{L + pw}" y2="{yy:.1f}" stroke="{color}" stroke-dasharray="6,4"/>')
            o.append(f'<line x1="{L + pw + 10}" y1="{ly}" x2="{L + pw + 30}" y2="{ly}" stroke="{color}" stroke-dasharray="6,4"/>')
            o.append(f'<text x="{L + pw + 35}" y="{ly + 4}">{esc(label)}</text>')
            ly += 18
        for s in self.series:
            label, color, pts, dashed = s["label"], s["color"], s["pts"], s["dashed"]
            if len(pts) > 1 and not s["markers_only"]:
                path = " ".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y, *_ in pts)
                dash = ' stroke-dasharray="4,3"' if dashed else ""
                o.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
            for p in ([] if s["no_markers"] else pts):
                x, y = fx(p[0]), fy(p[1])
                hollow = len(p) > 2 and p[2]
                o.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{"white" if hollow else color}" stroke="{color}" stroke-width="1.5"/>')
                if hollow:
                    o.append(f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" fill="{color}">&gt; cap</text>')
            if not label:
                continue
            if not s["markers_only"]:
                o.append(f'<line x1="{L + pw + 10}" y1="{ly}" x2="{L + pw + 30}" y2="{ly}" stroke="{color}" stroke-width="2"/>')
            o.append(f'<circle cx="{L + pw + 20}" cy="{ly}" r="3" fill="{color}"/>')
            o.append(f'<text x="{L + pw + 35}" y="{ly + 4}">{esc(label)}</text>')
            ly += 18
        for note in self.notes:
            ly += 4
            o.append(f'<text x="{L + pw + 10}" y="{ly + 4}" font-size="10" fill="#555">{esc(note)}</text>')
            ly += 14
        o.append("</svg>")
        return "\n".join(o) + "\n"

    @staticmethod
    def _fmt(v):
        if v == 0:
            return "0"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 1:
            return f"{v:g}"
        return f"{v:.3g}"

    @staticmethod
    def _ticks(lo, hi, log_):
        if log_:
            out, v = [], lo
            while v <= hi * 1.0001:
                out.append(v)
                v *= 10
            return out
        span = hi - lo or 1
        step = 10 ** math.floor(math.log10(span))
        while span / step > 8:
            step *= 2
        while span / step < 4:
            step /= 2
        out, v = [], math.ceil(lo / step) * step
        while v <= hi + 1e-9:
            out.append(round(v, 10))
            v += step
        return out


def plots(res, outdir):
    os.makedirs(outdir, exist_ok=True)
    # Mass join convergence vs N.
    p = Plot("Mass join: time until every node sees all N", "nodes (N)",
             "seconds (log)", ylog=True)
    for impl, label in (("cpp", "C++ loopback"), ("go", "Go memberlist loopback")):
        pts = []
        for r in res.get("loop_massjoin", []):
            if r.get("impl") == impl and r.get("seconds") is not None:
                pts.append((r["n"], r["seconds"], not r["converged"]))
        p.add(label, COLORS[impl], pts)
    p.add("C++ simulated (virtual s)", COLORS["sim"],
          [(r["n"], r.get("seconds")) for r in res.get("sim_massjoin", [])], dashed=True)
    p.hlines.append((2.0, "goal at N=200: 2 s", COLORS["goal"]))
    p.notes.append("hollow = did not converge")
    p.notes.append("before the cap")
    open(os.path.join(outdir, "massjoin.svg"), "w").write(p.svg())

    # Detection times distribution (strip chart).
    d = Plot(f"Crash detection, {res.get('detect_n', 10)} nodes on loopback", "",
             "seconds after the crash")
    d.xcats = ["C++ first", "C++ all", "Go first", "Go all"]
    for i, (impl, key) in enumerate((("cpp", "first"), ("cpp", "all"), ("go", "first"),
                                     ("go", "all"))):
        vals = [r[key] for r in res.get("detect", []) if r["impl"] == impl and r.get("agreed")]
        pts = [(i + ((j % 5) - 2) * 0.06, v) for j, v in enumerate(sorted(vals))]
        d.add("C++: one crash per dot" if i == 0 else ("Go: one crash per dot" if i == 2 else ""),
              COLORS[impl], pts, markers_only=True)
        if vals:
            med = statistics.median(vals)
            d.add("median" if i == 0 else "", "#000", [(i - 0.25, med), (i + 0.25, med)],
                  no_markers=True)
    d.notes.append("first: first survivor drops it;")
    d.notes.append("all: every survivor has")
    svg = d.svg()
    open(os.path.join(outdir, "detection.svg"), "w").write(svg)

    # Simulator speed vs N.
    s = Plot("Simulator speed (LAN config, steady state)", "nodes (N, log)",
             "virtual s per wall s (log)", xlog=True, ylog=True)
    s.add("C++ simulator", COLORS["sim"],
          [(r["n"], r.get("speed")) for r in res.get("sim_speed", []) if r.get("speed")])
    s.hlines.append((50, "goal at 1,000 nodes: 50x", COLORS["goal"]))
    s.hlines.append((1, "real time", "#bbbbbb"))
    for r in res.get("sim_speed", []):
        s.notes.append(f"N={r['n']:,}: peak RSS {r['peak_rss'] / MIB:,.0f} MiB"
                       + (" (stopped:" if r["timed_out"] else ""))
        if r["timed_out"]:
            s.notes.append("  " + (r.get("stop_reason") or "bound") + ")")
    open(os.path.join(outdir, "sim_speed.svg"), "w").write(s.svg())


# --- the page ----------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=30).stdout.strip()
    except Exception:  # noqa: BLE001 - informational only
        return "?"


def machine():
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = sh("grep MemTotal /proc/meminfo | awk '{printf \"%.0f GiB\", $2/1048576}'")
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
        "kernel": platform.release(),
        "compiler": sh("${CC:-gcc} --version | head -1"),
        "go": sh("go version"),
        "bazel": "Bazel " + sh("dpkg-query -W -f='${Version}' bazel-bootstrap 2>/dev/null"),
        "commit": sh("cd %s && git rev-parse --short HEAD" % ROOT),
        "dirty": bool(sh("cd %s && git status --porcelain -- core net sim bench" % ROOT)),
    }


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt(v, unit="", digits=3):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if abs(v) >= 100:
        return f"{v:,.0f}{unit}"
    return f"{v:.{digits}g}{unit}"


def page(res, args, wall):
    m = res["machine"]
    rows = []  # (metric, cpp, go, ratio, goal, met)

    def met(ok):
        return "—" if ok is None else ("**yes**" if ok else "**no**")

    codec = [r for r in res.get("codec", []) if r["go_ns"]]
    if codec:
        gc = geomean([r["cpp_ns"] for r in codec])
        gg = geomean([r["go_ns"] for r in codec])
        ratio = geomean([r["cpp_ns"] / r["go_ns"] for r in codec])
        worst = max(codec, key=lambda r: r["cpp_ns"] / r["go_ns"])
        rows.append((f"Codec: time per operation, geometric mean of {len(codec)} benchmarks",
                     fmt(gc, " ns"), fmt(gg, " ns"), f"{ratio:.3f} ({1 / ratio:.1f}× faster)",
                     "≤ 0.2 (≥ 5× faster)", met(ratio <= 0.2)))
        rows.append((f"Codec: slowest relative benchmark ({worst['name']})",
                     fmt(worst["cpp_ns"], " ns"), fmt(worst["go_ns"], " ns"),
                     f"{worst['cpp_ns'] / worst['go_ns']:.3f}", "—", "—"))

    def lm(impl, n):
        for r in res.get("loop_massjoin", []):
            if r["impl"] == impl and r["n"] == n:
                return r
        return None

    for n in sorted({r["n"] for r in res.get("loop_massjoin", [])}):
        c, g = lm("cpp", n), lm("go", n)

        def cell(r):
            if r is None or r.get("seconds") is None:
                return "failed"
            return fmt(r["seconds"], " s") if r["converged"] else f"> {r['cap']:.0f} s (cap)"
        ratio = None
        if c and g and c.get("seconds") and g.get("seconds"):
            ratio = c["seconds"] / g["seconds"]
            rtxt = f"{ratio:.3f}" if g["converged"] else f"< {ratio:.3f}"
        else:
            rtxt = "—"
        goal = "≤ 2 s" if n == 200 else "—"
        ok = (c is not None and c.get("converged") and c["seconds"] <= 2.0) if n == 200 else None
        rows.append((f"Mass join on loopback, N = {n} (s until all see N)", cell(c), cell(g), rtxt,
                     goal, met(ok)))
    for r in res.get("sim_massjoin", []):
        if r["n"] in (200, 1000):
            rows.append((f"Mass join in the simulator, N = {r['n']} (virtual s)",
                         fmt(r.get("seconds"), " s"), "—", "—", "—", "—"))

    det = res.get("detect", [])
    for key, label in (("first", "first node declares it dead"), ("all", "every node agrees")):
        c = [r[key] for r in det if r["impl"] == "cpp" and r.get("agreed")]
        g = [r[key] for r in det if r["impl"] == "go" and r.get("agreed")]
        if c or g:
            mc = statistics.median(c) if c else None
            mg = statistics.median(g) if g else None
            rows.append((f"Crash → {label}, median of {max(len(c), len(g))}, N = {res.get('detect_n')}",
                         fmt(mc, " s"), fmt(mg, " s"),
                         fmt(mc / mg if mc and mg else None), "—", "—"))

    idle = {r["impl"]: r for r in res.get("idle", [])}
    if idle:
        c, g = idle.get("cpp"), idle.get("go")

        def irow(label, key, scale, unit, goal, test):
            cv = c[key] * scale if c else None
            gv = g[key] * scale if g else None
            ratio = cv / gv if cv is not None and gv else None
            rows.append((label, fmt(cv, unit), fmt(gv, unit), fmt(ratio),
                         goal, met(test(cv, gv, ratio) if cv is not None else None)))
        n = res.get("idle_n")
        irow(f"Idle CPU per node (N = {n}, LAN config)", "cpu_per_node", 1e3, " ms/s",
             "≤ 0.25", lambda cv, gv, r: r is not None and r <= 0.25)
        irow(f"Idle bytes sent per node (N = {n})", "bytes_per_node", 1, " B/s", "≤ 1",
             lambda cv, gv, r: r is not None and r <= 1.0)
        irow(f"Idle packets sent per node (N = {n})", "packets_per_node", 1, " /s", "—",
             lambda cv, gv, r: None)
        irow(f"RSS per node (N = {n}, one process)", "rss_per_node", 1 / MIB, " MiB",
             "≤ 0.1 MiB (C++)", lambda cv, gv, r: cv <= 0.1)

    for r in res.get("sim_speed", []):
        if r["n"] == 10000:
            txt = (f"{fmt(r.get('speed'), '×')} real time" if r.get("speed") else
                   f"stopped: {r.get('stop_reason') or 'bound'}")
            rows.append((f"Simulator, 10,000 nodes: peak RSS ({txt})",
                         f"{r['peak_rss'] / 2**30:.2f} GiB", "—", "—", "≤ 16 GiB",
                         met(bool(r.get("speed")) and r["peak_rss"] <= 16 * 2**30)))
        else:
            goal = "≥ 50×" if r["n"] == 1000 else "—"
            ok = (r.get("speed") or 0) >= 50 if r["n"] == 1000 else None
            rows.append((f"Simulator, {r['n']:,} nodes: virtual s per wall s",
                         fmt(r.get("speed"), "×") if r.get("speed") else
                         f"stopped at {r['cap']} s", "—", "—", goal, met(ok)))

    out = []
    out.append("# Performance\n")
    out.append(f"Generated by `bench/run_all.sh{' --quick' if args.quick else ''}` on "
               f"{res['date']} (commit `{m['commit']}`{', with local changes' if m['dirty'] else ''}; "
               f"the whole run took {wall / 60:.1f} min). C++ and Go memberlist 0.2.2 were measured "
               "in the same run, one after the other, on the machine described at the end. "
               "Ratios are C++ ÷ Go: below 1 means C++ needs less (time, CPU, bytes).\n")
    if args.quick:
        out.append("> **Quick mode**: short windows and small N; numbers are indicative only.\n")
    out.append("| Measurement | C++ | Go | C++ ÷ Go | Goal | Met? |")
    out.append("|---|---|---|---|---|---|")
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    out.append("")
    out.append("![mass join](perf/massjoin.svg)\n")
    out.append("![crash detection](perf/detection.svg)\n")
    out.append("![simulator speed](perf/sim_speed.svg)\n")
    # Hand-measured sections (minutes to hours of runs each, not part of
    # this invocation) live in their own files so regenerating the page
    # keeps them.
    out.append(hand_section("bench/runtime_results.md"))

    if res.get("codec"):
        out.append("## Codec micro benchmarks\n")
        out.append("| Benchmark | C++ ns/op | Go ns/op | C++ ÷ Go |")
        out.append("|---|---|---|---|")
        for r in res["codec"]:
            out.append(f"| {r['name']} | {r['cpp_ns']:.0f} | "
                       f"{'%.0f' % r['go_ns'] if r['go_ns'] else '(C++ only)'} | "
                       f"{'%.3f' % (r['cpp_ns'] / r['go_ns']) if r['go_ns'] else '—'} |")
        out.append("")
    if res.get("sim_speed") or res.get("sim_massjoin"):
        out.append("## Simulator runs\n")
        out.append("| N | virtual s per wall s | peak RSS | join + warm-up, wall s | note |")
        out.append("|---|---|---|---|---|")
        for r in res.get("sim_speed", []):
            note = (f"stopped: {r.get('stop_reason') or 'wall bound'}" if r["timed_out"] else
                    f"{r['warmup']} virtual s warm-up, {r['virt']} measured")
            out.append(f"| {r['n']:,} | {fmt(r.get('speed'), '×')} | {r['peak_rss'] / MIB:,.0f} MiB | "
                       f"{fmt(r.get('join_wall'))} | {note} |")
        out.append("")
        out.append("| N (simulated mass join) | virtual s to converge | wall s | bytes sent | packets |")
        out.append("|---|---|---|---|---|")
        for r in res.get("sim_massjoin", []):
            out.append(f"| {r['n']:,} | {fmt(r.get('seconds'))} | {r['wall']:.1f} | "
                       f"{r.get('bytes', '—'):,} | {r.get('packets', '—'):,} |"
                       if r.get("bytes") is not None else
                       f"| {r['n']:,} | {fmt(r.get('seconds'))} | {r['wall']:.1f} | — | — |")
        out.append("")

    out.append(hand_section("bench/performance_notes.md"))
    # Issue 17's scale table: measured by hand with bench/scale/scale_sweep.sh
    # (hours on a shared 2-core machine, so not part of this run).
    out.append(hand_section("bench/scale/scale_results.md"))
    out.append(hand_section("bench/fidelity/fidelity_results.md"))
    out.append("## Machine\n")
    out.append(f"- CPU: {m['cpu']}, {m['cores']} cores visible; memory {m['memory']}")
    out.append(f"- Kernel: Linux {m['kernel']}")
    out.append(f"- C++: {m['compiler']}, `--config=opt` ({m['bazel']})")
    out.append(f"- Go: {m['go']}, memberlist 0.2.2 from Debian's source package (GOPATH mode)")
    out.append(f"- Date: {res['date']}. Load average (1/5/15 min) at the start "
               f"{' '.join(res.get('loadavg_start', []))}, at the end "
               f"{' '.join(res.get('loadavg_end', []))}: the machine is shared with other "
               "work, which is why C++ and Go run back to back in one invocation and the codec "
               "takes the fastest of 3 repetitions on each side.")
    out.append("")
    return "\n".join(out)


def hand_section(path):
    """A section of the page that is measured by hand, copied verbatim."""
    with open(os.path.join(ROOT, path)) as f:
        return f.read().rstrip() + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--bin", help="bazel-bin of --config=opt")
    ap.add_argument("--go-loopback")
    ap.add_argument("--gocache")
    ap.add_argument("--work")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs"))
    ap.add_argument("--go-cap", type=int, default=90)
    ap.add_argument("--sim10k-cap", type=int, default=180)
    ap.add_argument("--only", default="", help="comma list of steps (debugging)")
    ap.add_argument("--page-only", action="store_true",
                    help="rewrite the page and plots from OUT/perf/results.json (no runs)")
    args = ap.parse_args()
    if args.page_only:
        perf = os.path.join(args.out, "perf")
        res = json.load(open(os.path.join(perf, "results.json")))
        args.quick = res.get("quick", False)
        plots(res, perf)
        with open(os.path.join(args.out, "performance.md"), "w") as f:
            f.write(page(res, args, res.get("wall", 0)))
        return
    res = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
           "quick": args.quick, "machine": machine(),
           "loadavg_start": open("/proc/loadavg").read().split()[:3]}
    steps = [("codec", codec), ("sim_speed", sim_speed), ("sim_massjoin", sim_massjoin),
             ("loop_massjoin", loop_massjoin), ("detect", loop_detect), ("idle", loop_idle)]
    only = set(filter(None, args.only.split(",")))
    for i, (name, fn) in enumerate(steps):
        if only and name not in only:
            continue
        log(f"== step {i + 1}/{len(steps)}: {name}")
        try:
            fn(args, res)
        except Exception as e:  # noqa: BLE001 - one failed step must not lose the rest
            log(f"  ! step {name} failed: {e}")
            res.setdefault("failed_steps", []).append(name)
    res["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    wall = time.time() - T0
    res["wall"] = wall
    perf = os.path.join(args.out, "perf")
    os.makedirs(perf, exist_ok=True)
    plots(res, perf)
    with open(os.path.join(perf, "results.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    with open(os.path.join(args.out, "performance.md"), "w") as f:
        f.write(page(res, args, wall))
    log(f"wrote {os.path.join(args.out, 'performance.md')} and {perf}/*.svg in {wall / 60:.1f} min")


if __name__ == "__main__":
    main()
