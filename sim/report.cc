#include "sim/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "sim/actions/action.h"
#include "sim/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace sim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> Pool(const std::string& sample,
                         const std::vector<const RunResult*>& runs) {
  std::vector<double> v;
  for (const RunResult* r : runs) {
    auto it = r->samples.find(sample);
    if (it != r->samples.end())
      v.insert(v.end(), it->second.begin(), it->second.end());
  }
  return v;
}

double Max(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  return *std::max_element(v.begin(), v.end());
}
double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

bool IsDurationMetric(const std::string& m) {
  const MetricDef* d = FindMetric(m);
  return d == nullptr || d->is_duration;
}

std::string Fmt(double v, bool duration) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return duration ? "never" : "inf";
  if (!duration) {
    if (v == std::floor(v) && std::fabs(v) < 1e15)
      return absl::StrFormat("%.0f", v);
    return absl::StrFormat("%.1f", v);
  }
  if (v < 1) return absl::StrFormat("%.0fms", v * 1000);
  return absl::StrFormat("%.2fs", v);
}

std::string Pct(const std::vector<double>& v, bool duration = true) {
  if (v.empty()) return "-";
  return absl::StrCat(Fmt(Percentile(v, 0.5), duration), " / ",
                      Fmt(Percentile(v, 0.99), duration), " / ",
                      Fmt(Max(v), duration));
}

std::vector<const RunResult*> Ptrs(const std::vector<RunResult>& runs) {
  std::vector<const RunResult*> p;
  for (const RunResult& r : runs) p.push_back(&r);
  return p;
}

bool Holds(const Expectation& e, double v) {
  if (std::isnan(v)) return false;
  switch (e.op) {
    case Expectation::Op::kLe:
      return v <= e.value;
    case Expectation::Op::kLt:
      return v < e.value;
    case Expectation::Op::kGe:
      return v >= e.value;
    case Expectation::Op::kGt:
      return v > e.value;
    case Expectation::Op::kEq:
      return v == e.value;
  }
  return false;
}

std::string XmlEscape(const std::string& s) {
  return absl::StrReplaceAll(
      s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

}  // namespace

std::string RealTimeRatio(double virtual_seconds, double wall_seconds) {
  if (wall_seconds <= 0) return "no wall time measured";
  const double r = virtual_seconds / wall_seconds;
  if (r >= 10) return absl::StrFormat("%.0fx real time", r);
  if (r >= 1) return absl::StrFormat("%.1fx real time", r);
  if (r <= 0) return "0x real time";
  return absl::StrFormat("%.3gx real time, %.3gx slower than real time", r,
                         1 / r);
}

std::string SafeFileName(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * v.size()));
  if (rank == 0) rank = 1;
  return v[std::min(rank, v.size()) - 1];
}

double MetricValue(const std::string& m,
                   const std::vector<const RunResult*>& runs) {
  const MetricDef* d = FindMetric(m);
  if (d == nullptr) return Max(Pool(m, runs));  // a raw sample name
  const std::vector<double> v = Pool(std::string(d->sample), runs);
  switch (d->aggregate) {
    case Aggregate::kP50:
      return Percentile(v, 0.5);
    case Aggregate::kP99:
      return Percentile(v, 0.99);
    case Aggregate::kMax:
      return Max(v);
    case Aggregate::kSum:
      return v.empty() ? kNaN : Sum(v);
    case Aggregate::kMeanPerRun:
      return v.empty() ? kNaN : Sum(v) / v.size();
  }
  return kNaN;
}

std::vector<ExpectationOutcome> EvaluateExpectations(
    const Scenario& sc, const std::vector<RunResult>& runs) {
  std::vector<ExpectationOutcome> out;
  const std::vector<const RunResult*> all = Ptrs(runs);
  for (const Expectation& e : sc.expectations) {
    ExpectationOutcome o;
    o.expectation = e;
    o.value = MetricValue(e.metric, all);
    o.held = Holds(e, o.value);
    // The seed that did worst on its own.
    double worst = -std::numeric_limits<double>::infinity();
    for (const RunResult& r : runs) {
      double v = MetricValue(e.metric, {&r});
      if (std::isnan(v)) continue;
      const bool lower_is_better = e.op == Expectation::Op::kLe ||
                                   e.op == Expectation::Op::kLt ||
                                   e.op == Expectation::Op::kEq;
      double badness = lower_is_better ? v : -v;
      if (badness > worst) {
        worst = badness;
        o.worst_seed = r.seed;
      }
    }
    if (runs.size() == 1) o.worst_seed = runs[0].seed;
    out.push_back(o);
  }
  return out;
}

std::string TerminalReport(const Scenario& sc,
                           const std::vector<RunResult>& runs,
                           const std::vector<ExpectationOutcome>& outcomes,
                           const std::string& replay_prefix) {
  std::string o;
  const std::vector<const RunResult*> all = Ptrs(runs);
  std::string seeds = runs.size() == 1 ? absl::StrCat("seed ", runs[0].seed)
                                       : absl::StrCat(runs.size(), " seeds (",
                                                      runs.front().seed, "..",
                                                      runs.back().seed, ")");
  int nodes = runs.empty() ? sc.size : runs[0].nodes;
  absl::StrAppend(&o, "== swimsim: ", sc.name, " ==\n");
  if (!sc.description.empty()) absl::StrAppend(&o, sc.description, "\n");
  absl::StrAppend(
      &o, nodes, " nodes, ", sc.profile, " profile (probe every ",
      absl::FormatDuration(sc.config.probe_interval), ", gossip every ",
      absl::FormatDuration(sc.config.gossip_interval), " to ",
      sc.config.gossip_nodes, " peers), ", absl::FormatDuration(sc.duration),
      " virtual per run, ", seeds, "\n");
  if (!runs.empty()) {
    const Bounds& b = runs[0].bounds;
    absl::StrAppend(&o, "Checker bounds: convergence ",
                    absl::FormatDuration(b.convergence), ", crash detection ",
                    absl::FormatDuration(b.crash_detection),
                    " (sim/checkers.h)\n");
  }
  if (!runs.empty()) {
    const swim::Config& c = sc.config;
    const Bounds& b = runs[0].bounds;
    absl::StrAppend(
        &o, "How it works: every ", absl::FormatDuration(c.probe_interval),
        " each node pings one member (SWIM). No ack within ",
        absl::FormatDuration(c.probe_timeout), ": it asks ", c.indirect_checks,
        " others\n  to ping it too; still nothing by the end of "
        "the interval: \"suspect\". The suspect can refute with a higher\n  "
        "incarnation until "
        "Lifeguard's suspicion timer (",
        absl::FormatDuration(b.suspicion_min), "..",
        absl::FormatDuration(b.suspicion_max),
        " here, shorter as more peers confirm)\n  runs out; "
        "then it is \"dead\". News spreads by gossip every ",
        absl::FormatDuration(c.gossip_interval), " to ", c.gossip_nodes,
        " random peers,\n  and by a full-state push/pull every ",
        absl::FormatDuration(c.push_pull_interval), " (scaled with n).\n");
  }
  absl::StrAppend(
      &o, "\nTimeline (times are virtual, p50 / p99 / max over seeds):\n");
  absl::StrAppend(&o, absl::StrFormat("  %-8s %-44s %s\n", "at", "action",
                                      "what the cluster did"));
  for (const TimelineRow& row : TimelineTable(sc, runs)) {
    absl::StrAppend(
        &o, absl::StrFormat("  %-8s %-44s %s\n", row.at, row.action, row.what));
  }
  // False positives.
  const double fp = MetricValue("false_positives", all);
  absl::StrAppend(
      &o, "\nFalse positives (a live node declared dead): ", Fmt(fp, false));
  if (fp > 0) {
    std::map<std::string, int> causes;
    for (const RunResult& r : runs) {
      for (const FalsePositive& f : r.false_positives)
        ++causes[f.causes.substr(0, 90)];
    }
    absl::StrAppend(&o, ", why:\n");
    int shown = 0;
    for (auto& [c, n] : causes) {
      if (++shown > 4) break;
      absl::StrAppend(&o, "    ", n, "x ", c, "\n");
    }
  } else {
    absl::StrAppend(&o, "\n");
  }
  absl::StrAppend(&o, "Traffic per node: ",
                  Fmt(MetricValue("msgs_per_node_per_sec", all), false),
                  " msgs/s, ",
                  Fmt(MetricValue("bytes_per_node_per_sec", all), false),
                  " bytes/s (worst seed; UDP + TCP)\n");
  // Joins that never happened (not the same thing as "did not converge").
  for (const RunResult& r : runs) {
    if (r.never_joined.empty()) continue;
    absl::StrAppend(&o, "Never joined (seed ", r.seed,
                    "): ", absl::StrJoin(r.never_joined, "; "), "\n");
  }
  // Checkers.
  absl::StrAppend(&o, "\nInvariant checkers (every seed):\n");
  if (!runs.empty()) {
    for (size_t c = 0; c < runs[0].checkers.size(); ++c) {
      const CheckerOutcome& first = runs[0].checkers[c];
      uint64_t viol = 0;
      int bad_seeds = 0;
      uint64_t bad_seed = 0;
      std::string example;
      for (const RunResult& r : runs) {
        const CheckerOutcome& co = r.checkers[c];
        viol += co.result.violations;
        if (co.problem()) {
          if (bad_seeds++ == 0) bad_seed = r.seed;
        }
        if (example.empty() && !co.result.examples.empty())
          example = co.result.examples[0];
      }
      std::string status;
      if (!first.enabled) {
        status = "off";
      } else if (first.expected_to_fail) {
        status = bad_seeds == 0
                     ? "FAILED AS EXPECTED (planted bug caught)"
                     : absl::StrCat("HELD in ", bad_seeds,
                                    " seed(s) but was expected to fail");
      } else {
        status = bad_seeds == 0
                     ? "ok"
                     : absl::StrCat("FAILED in ", bad_seeds, " seed(s)");
      }
      absl::StrAppend(&o,
                      absl::StrFormat("  %-17s %-7s %s\n", first.result.name,
                                      absl::StrCat(viol, " viol."), status));
      if (viol > 0 && !example.empty())
        absl::StrAppend(&o, "      e.g. ", example, "\n");
      if (bad_seeds > 0) {
        absl::StrAppend(&o, "      replay: ", replay_prefix, " --seed ",
                        bad_seed, " --trace t.txt\n");
      }
    }
  }
  if (!outcomes.empty()) {
    absl::StrAppend(&o, "\nExpectations:\n");
    for (const ExpectationOutcome& e : outcomes) {
      absl::StrAppend(
          &o,
          absl::StrFormat("  %-28s %-10s %-10s %s\n", e.expectation.metric,
                          e.expectation.text,
                          Fmt(e.value, IsDurationMetric(e.expectation.metric)),
                          e.held ? "ok" : "FAILED"));
      if (!e.held) {
        absl::StrAppend(&o, "      worst seed ", e.worst_seed,
                        ", replay: ", replay_prefix, " --seed ", e.worst_seed,
                        " --trace t.txt\n");
      }
    }
  }
  double vsec = 0, wsec = 0;
  uint64_t evs = 0;
  for (const RunResult& r : runs) {
    vsec += absl::ToDoubleSeconds(r.virtual_time);
    wsec += r.wall_seconds;
    evs += r.events_processed;
  }
  absl::StrAppend(
      &o, absl::StrFormat("\nSimulated %.0fs of cluster time in %.2fs wall "
                          "(%s, %.2fM events)\n",
                          vsec, wsec, RealTimeRatio(vsec, wsec), evs / 1e6));
  bool pass = true;
  for (const RunResult& r : runs) pass = pass && r.passed;
  for (const ExpectationOutcome& e : outcomes) pass = pass && e.held;
  absl::StrAppend(&o, "RESULT: ", pass ? "PASS" : "FAIL", "\n");
  return o;
}

std::vector<TimelineRow> TimelineTable(const Scenario& sc,
                                       const std::vector<RunResult>& runs) {
  const std::vector<const RunResult*> all = Ptrs(runs);
  std::vector<TimelineRow> rows;
  rows.push_back({"0s",
                  absl::StrCat("start ", sc.size, " nodes, all join node-0"),
                  absl::StrCat("everyone knows everyone after ",
                               Pct(Pool("initial_convergence", all)))});
  if (!runs.empty()) {
    size_t crash_k = 0;
    for (size_t k = 0; k < runs[0].events.size(); ++k) {
      const EventOutcome& ev = runs[0].events[k];
      std::string what;
      if (ev.action == ActionKind::kCrash) {
        const size_t n = sc.events[ev.index].nodes().size();
        std::vector<double> fs, fd, full;
        for (const RunResult& r : runs) {
          for (size_t j = crash_k; j < crash_k + n && j < r.crashes.size();
               ++j) {
            const CrashTiming& c = r.crashes[j];
            auto sec = [](const std::optional<absl::Duration>& d) {
              return d ? absl::ToDoubleSeconds(*d)
                       : std::numeric_limits<double>::infinity();
            };
            fs.push_back(sec(c.first_suspicion));
            fd.push_back(sec(c.first_detection));
            full.push_back(sec(c.full_detection));
          }
        }
        crash_k += n;
        what = absl::StrCat("suspected ", Fmt(Percentile(fs, 0.5), true),
                            ", first dead ", Fmt(Percentile(fd, 0.5), true),
                            ", dead to all ", Pct(full));
      } else {
        std::vector<double> conv;
        bool any = false;
        for (const RunResult& r : runs) {
          if (k < r.events.size() && (r.events[k].converged_after.has_value() ||
                                      r.events[k].action == ev.action)) {
            const auto& c = r.events[k].converged_after;
            if (c.has_value()) any = true;
            conv.push_back(c ? absl::ToDoubleSeconds(*c)
                             : std::numeric_limits<double>::infinity());
          }
        }
        const ScheduledEvent& se = sc.events[ev.index];
        const bool measured =
            se.duration.has_value() || Action(ev.action).settles();
        if (measured && (any || !conv.empty())) {
          what =
              absl::StrCat(se.duration ? "after it ended, all agree again in "
                                       : "all agree again in ",
                           Pct(conv));
        }
      }
      rows.push_back({absl::FormatDuration(ev.at),
                      ev.label.substr(0, ev.label.rfind(" @")), what});
    }
  }
  return rows;
}

nlohmann::json JsonReport(const Scenario& sc,
                          const std::vector<RunResult>& runs,
                          const std::vector<ExpectationOutcome>& outcomes) {
  using nlohmann::json;
  auto num = [](double v) -> json {
    if (std::isnan(v) || std::isinf(v)) return nullptr;
    return v;
  };
  json j;
  j["scenario"] = sc.name;
  j["path"] = sc.path;
  j["profile"] = sc.profile;
  j["compat"] = sc.compat;
  j["size"] = sc.size;
  j["duration_s"] = absl::ToDoubleSeconds(sc.duration);
  // What `swimsim merge` needs to check that reports belong together and to
  // rebuild each run exactly (sim/merge.h): the scenario's text and, per
  // run, integer nanoseconds next to the rounded seconds.
  j["format"] = kJsonReportFormat;
  j["scenario_source"] = sc.source;
  auto ns = [](absl::Duration d) -> json {
    return absl::ToInt64Nanoseconds(d);
  };
  auto opt_ns = [&](const std::optional<absl::Duration>& d) -> json {
    return d ? ns(*d) : json(nullptr);
  };
  bool pass = true;
  json jr = json::array();
  for (const RunResult& r : runs) {
    pass = pass && r.passed;
    json x;
    x["seed"] = r.seed;
    x["passed"] = r.passed;
    x["trace_hash"] = absl::StrFormat("%016x", r.trace_hash);
    x["problems"] = r.problems;
    x["never_joined"] = r.never_joined;
    x["virtual_s"] = absl::ToDoubleSeconds(r.virtual_time);
    x["virtual_ns"] = ns(r.virtual_time);
    x["nodes"] = r.nodes;
    x["wall_s"] = r.wall_seconds;
    x["events_processed"] = r.events_processed;
    x["messages"] = r.messages;
    x["bytes"] = r.bytes;
    json s;
    for (const auto& [k, v] : r.samples) {
      json a = json::array();
      for (double d : v) a.push_back(num(d));
      s[k] = a;
    }
    x["samples"] = s;
    json cs = json::array();
    for (const CheckerOutcome& c : r.checkers) {
      cs.push_back({{"name", c.result.name},
                    {"enabled", c.enabled},
                    {"expected_to_fail", c.expected_to_fail},
                    {"violations", c.result.violations},
                    {"examples", c.result.examples},
                    {"ok", !c.problem()}});
    }
    x["checkers"] = cs;
    json fps = json::array();
    for (const FalsePositive& f : r.false_positives) {
      fps.push_back({{"t_s", (f.at - swim::Instant()) / absl::Seconds(1)},
                     {"observer", f.observer},
                     {"subject", f.subject},
                     {"t_ns", ns(f.at - swim::Instant())},
                     {"incarnation", f.incarnation},
                     {"causes", f.causes}});
    }
    x["false_positives"] = fps;
    json evs = json::array();
    for (const EventOutcome& e : r.events) {
      evs.push_back(
          {{"label", e.label},
           {"index", e.index},
           {"action", std::string(ActionKindName(e.action))},
           {"at_s", absl::ToDoubleSeconds(e.at)},
           {"at_ns", ns(e.at)},
           {"converged_after_ns", opt_ns(e.converged_after)},
           {"converged_after_s",
            e.converged_after ? json(absl::ToDoubleSeconds(*e.converged_after))
                              : json(nullptr)}});
    }
    x["events"] = evs;
    json ag = json::array();
    for (auto& [t, f] : r.agreement) ag.push_back({t, f});
    x["agreement"] = ag;
    json cr = json::array();
    for (const CrashTiming& c : r.crashes) {
      cr.push_back({{"node", c.node},
                    {"at_ns", ns(c.at - swim::Instant())},
                    {"first_suspicion_ns", opt_ns(c.first_suspicion)},
                    {"first_detection_ns", opt_ns(c.first_detection)},
                    {"full_detection_ns", opt_ns(c.full_detection)}});
    }
    x["crashes"] = cr;
    const Bounds& b = r.bounds;
    x["bounds_ns"] = {{"suspicion_min_floor", ns(b.suspicion_min_floor)},
                      {"suspicion_min", ns(b.suspicion_min)},
                      {"suspicion_max", ns(b.suspicion_max)},
                      {"convergence", ns(b.convergence)},
                      {"crash_detection", ns(b.crash_detection)},
                      {"cause_window", ns(b.cause_window)}};
    jr.push_back(x);
  }
  j["runs"] = jr;
  json metrics;
  const std::vector<const RunResult*> all = Ptrs(runs);
  for (const std::string& m : KnownMetrics())
    metrics[m] = num(MetricValue(m, all));
  j["metrics"] = metrics;
  json ex = json::array();
  for (const ExpectationOutcome& e : outcomes) {
    pass = pass && e.held;
    ex.push_back({{"metric", e.expectation.metric},
                  {"want", e.expectation.text},
                  {"value", num(e.value)},
                  {"held", e.held},
                  {"worst_seed", e.worst_seed}});
  }
  j["expectations"] = ex;
  j["passed"] = pass;
  return j;
}

// ---------------------------------------------------------------------------
// SVG
// ---------------------------------------------------------------------------

namespace {

struct Plot {
  double w = 760, h = 360, l = 60, r = 20, t = 40, b = 50;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  double X(double x) const { return l + (x - x0) / (x1 - x0) * (w - l - r); }
  double Y(double y) const {
    return h - b - (y - y0) / (y1 - y0) * (h - t - b);
  }
};

// The smallest 1, 2 or 5 x 10^k at or above x (> 0).
double NiceCeil(double x) {
  if (!(x > 0)) return 1;
  const double e = std::pow(10.0, std::floor(std::log10(x)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * e >= x * 0.999999) return m * e;
  }
  return 10 * e;
}

// Fits an axis to [0, x]: the end and tick count for ticks at a 1, 2 or 5
// x 10^k step, about five to ten of them (60 s -> 0..60 in 10 s steps).
std::pair<double, int> FitAxis(double x) {
  if (!(x > 0) || !std::isfinite(x)) return {1, 5};
  const double step = NiceCeil(x / 10);
  const int ticks = std::max(1, static_cast<int>(std::ceil(x / step - 1e-9)));
  return {ticks * step, ticks};
}

std::string Header(const Plot& p, const std::string& title) {
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
      "height=\"%.0f\" "
      "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%.0f\" y=\"22\" font-size=\"15\" "
      "font-weight=\"bold\">%s</text>\n",
      p.w, p.h, p.w, p.h, p.l, XmlEscape(title));
}

std::string Axes(const Plot& p, const std::string& xlabel,
                 const std::string& ylabel, int xticks, int yticks,
                 bool ypercent) {
  std::string s;
  absl::StrAppend(
      &s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                          "y2=\"%.1f\" stroke=\"black\"/>\n"
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                          "y2=\"%.1f\" stroke=\"black\"/>\n",
                          p.l, p.Y(p.y0), p.w - p.r, p.Y(p.y0), p.l, p.Y(p.y0),
                          p.l, p.t));
  for (int i = 0; i <= xticks; ++i) {
    const double x = p.x0 + (p.x1 - p.x0) * i / xticks;
    absl::StrAppend(
        &s,
        absl::StrFormat(
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#ccc\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
            p.X(x), p.Y(p.y0), p.X(x), p.t, p.X(x), p.Y(p.y0) + 16,
            absl::StrFormat("%.3g", x)));
  }
  for (int i = 0; i <= yticks; ++i) {
    const double y = p.y0 + (p.y1 - p.y0) * i / yticks;
    absl::StrAppend(
        &s, absl::StrFormat(
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#eee\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                p.l, p.Y(y), p.w - p.r, p.Y(y), p.l - 6, p.Y(y) + 4,
                ypercent ? absl::StrFormat("%.0f%%", y * 100)
                         : absl::StrFormat("%.3g", y)));
  }
  absl::StrAppend(
      &s, absl::StrFormat(
              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n"
              "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" "
              "transform=\"rotate(-90 16 %.1f)\">%s</text>\n",
              (p.l + p.w - p.r) / 2, p.h - 12, XmlEscape(xlabel),
              (p.t + p.h - p.b) / 2, (p.t + p.h - p.b) / 2, XmlEscape(ylabel)));
  return s;
}

}  // namespace

std::string AgreementSvg(const Scenario& sc,
                         const std::vector<RunResult>& runs) {
  Plot p;
  // The run's own span (runs may go on past `duration` to settle, but the
  // agreement samples stop at it).
  double span = absl::ToDoubleSeconds(sc.duration);
  for (const RunResult& r : runs) {
    if (!r.agreement.empty()) span = std::max(span, r.agreement.back().first);
  }
  const auto [x_end, x_ticks] = FitAxis(span);
  p.x1 = x_end;
  std::string s = Header(
      p, absl::StrCat(sc.name, ": live nodes whose view is exactly right (",
                      runs.size(), runs.size() == 1 ? " seed" : " seeds", ")"));
  absl::StrAppend(
      &s, Axes(p, "virtual time (s)", "agreeing nodes", x_ticks, 4, true));
  // Actions.
  for (const ScheduledEvent& e : sc.events) {
    const double x = p.X(absl::ToDoubleSeconds(e.at));
    absl::StrAppend(&s,
                    absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                                    "y2=\"%.1f\" stroke=\"#e67\" "
                                    "stroke-dasharray=\"4 3\"/><text "
                                    "x=\"%.1f\" y=\"%.1f\" fill=\"#c35\" "
                                    "font-size=\"10\">%s</text>\n",
                                    x, p.Y(0), x, p.t, x + 3, p.t + 10,
                                    std::string(ActionKindName(e.action))));
  }
  // One faint line per seed (at most 30), then the median.
  size_t shown = 0;
  for (const RunResult& r : runs) {
    if (++shown > 30) break;
    std::string pts;
    for (auto& [t, f] : r.agreement)
      absl::StrAppend(&pts, absl::StrFormat("%.1f,%.1f ", p.X(t), p.Y(f)));
    absl::StrAppend(&s,
                    "<polyline fill=\"none\" stroke=\"#48c\" "
                    "stroke-opacity=\"0.3\" points=\"",
                    pts, "\"/>\n");
  }
  if (!runs.empty()) {
    std::string pts;
    for (size_t i = 0; i < runs[0].agreement.size(); ++i) {
      std::vector<double> v;
      for (const RunResult& r : runs) {
        if (i < r.agreement.size()) v.push_back(r.agreement[i].second);
      }
      absl::StrAppend(
          &pts, absl::StrFormat("%.1f,%.1f ", p.X(runs[0].agreement[i].first),
                                p.Y(Percentile(v, 0.5))));
    }
    absl::StrAppend(
        &s,
        "<polyline fill=\"none\" stroke=\"#136\" stroke-width=\"2\" points=\"",
        pts, "\"/>\n");
  }
  absl::StrAppend(&s, "</svg>\n");
  return s;
}

std::string DetectionSvg(const Scenario& sc,
                         const std::vector<RunResult>& runs) {
  std::vector<double> v;
  std::string what = "crash -> every live node sees it dead";
  for (const RunResult& r : runs) {
    for (const CrashTiming& c : r.crashes) {
      if (c.full_detection)
        v.push_back(absl::ToDoubleSeconds(*c.full_detection));
    }
  }
  if (v.empty()) {
    what = "action -> every live node agrees again";
    for (const RunResult& r : runs) {
      for (const EventOutcome& e : r.events) {
        if (e.converged_after)
          v.push_back(absl::ToDoubleSeconds(*e.converged_after));
      }
      if (r.events.empty()) {
        auto it = r.samples.find("initial_convergence");
        if (it != r.samples.end() && !it->second.empty() &&
            std::isfinite(it->second[0])) {
          v.push_back(it->second[0]);
        }
      }
    }
    if (v.empty()) what = "no measurements";
  }
  Plot p;
  std::sort(v.begin(), v.end());
  const auto [x_end, x_ticks] =
      FitAxis(v.empty() ? 1 : std::max(v.back() * 1.02, 0.001));
  p.x1 = x_end;
  const int bins = 30;
  std::vector<int> count(bins, 0);
  for (double x : v)
    count[std::min(bins - 1, static_cast<int>(x / p.x1 * bins))]++;
  const int cmax = std::max(1, *std::max_element(count.begin(), count.end()));
  std::string s =
      Header(p, absl::StrCat(sc.name, ": ", what, " (", v.size(), " samples)"));
  absl::StrAppend(&s, Axes(p, "seconds (virtual)", "fraction (CDF) / histogram",
                           x_ticks, 4, true));
  for (int i = 0; i < bins; ++i) {
    if (count[i] == 0) continue;
    const double x = p.x1 * i / bins, w = p.x1 / bins;
    const double hgt = static_cast<double>(count[i]) / cmax;
    absl::StrAppend(
        &s, absl::StrFormat(
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"#9bd\"><title>%d</title></rect>\n",
                p.X(x), p.Y(hgt), p.X(x + w) - p.X(x) - 1, p.Y(0) - p.Y(hgt),
                count[i]));
  }
  std::string pts = absl::StrFormat("%.1f,%.1f ", p.X(0), p.Y(0));
  for (size_t i = 0; i < v.size(); ++i) {
    absl::StrAppend(
        &pts, absl::StrFormat("%.1f,%.1f %.1f,%.1f ", p.X(v[i]),
                              p.Y(static_cast<double>(i) / v.size()), p.X(v[i]),
                              p.Y(static_cast<double>(i + 1) / v.size())));
  }
  absl::StrAppend(
      &s,
      "<polyline fill=\"none\" stroke=\"#136\" stroke-width=\"2\" points=\"",
      pts, "\"/>\n");
  if (!v.empty()) {
    for (double q : {0.5, 0.99}) {
      const double x = Percentile(v, q);
      absl::StrAppend(
          &s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                              "y2=\"%.1f\" stroke=\"#c35\"/>"
                              "<text x=\"%.1f\" y=\"%.1f\" fill=\"#c35\" "
                              "text-anchor=\"end\">p%.0f %s</text>\n",
                              p.X(x), p.Y(0), p.X(x), p.t, p.X(x) - 3,
                              p.t + 14 + (q > 0.6 ? 14 : 0), q * 100,
                              Fmt(x, true)));
    }
  }
  absl::StrAppend(&s, "</svg>\n");
  return s;
}

absl::Status CheckWritableDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  const std::string probe = absl::StrCat(dir, "/.swimsim-write-test");
  {
    std::ofstream f(probe, std::ios::binary);
    if (!f) return absl::InternalError(absl::StrCat("cannot write in ", dir));
  }
  std::filesystem::remove(probe, ec);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> WriteSvgs(
    const std::string& dir, const Scenario& sc,
    const std::vector<RunResult>& runs) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", ec.message()));
  std::vector<std::string> out;
  for (const auto& [suffix, text] :
       {std::pair<std::string, std::string>{".agreement.svg",
                                            AgreementSvg(sc, runs)},
        {".detection.svg", DetectionSvg(sc, runs)}}) {
    const std::string path =
        absl::StrCat(dir, "/", SafeFileName(sc.name), suffix);
    std::ofstream f(path, std::ios::binary);
    f << text;
    if (!f) return absl::InternalError(absl::StrCat("cannot write ", path));
    out.push_back(path);
  }
  return out;
}

}  // namespace sim
