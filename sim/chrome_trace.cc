#include "sim/chrome_trace.h"

#include <cmath>
#include <string>

#include "sim/cluster.h"

#include "absl/strings/str_cat.h"

namespace sim {
namespace {

// Virtual seconds -> trace microseconds (whole ns kept as a fraction).
double Us(double s) { return std::round(s * 1e9) / 1e3; }

}  // namespace

nlohmann::json ChromeTrace(const Scenario& sc, const RunResult& run,
                           const Timeline& tl) {
  using nlohmann::json;
  json ev = json::array();
  const int pid = 1;
  ev.push_back(
      {{"name", "process_name"},
       {"ph", "M"},
       {"ts", 0},
       {"pid", pid},
       {"tid", 0},
       {"args",
        {{"name", absl::StrCat("swimsim ", sc.name, " seed ", run.seed)}}}});
  for (int i = 0; i < tl.nodes; ++i) {
    ev.push_back({{"name", "thread_name"},
                  {"ph", "M"},
                  {"ts", 0},
                  {"pid", pid},
                  {"tid", i},
                  {"args", {{"name", Cluster::NodeName(i)}}}});
    ev.push_back({{"name", "thread_sort_index"},
                  {"ph", "M"},
                  {"ts", 0},
                  {"pid", pid},
                  {"tid", i},
                  {"args", {{"sort_index", i}}}});
  }
  auto slice = [&](const Timeline::Span& s, const std::string& name,
                   const char* cat, const char* peer_key) {
    ev.push_back(
        {{"name", name},
         {"cat", cat},
         {"ph", "X"},
         {"ts", Us(s.t0)},
         {"dur", std::max(0.0, Us(s.t1) - Us(s.t0))},
         {"pid", pid},
         {"tid", s.node},
         {"args",
          {{peer_key, Cluster::NodeName(s.peer)}, {"result", s.what}}}});
  };
  for (const Timeline::Span& s : tl.probes)
    slice(s, absl::StrCat("probe ", Cluster::NodeName(s.peer)), "probe",
          "target");
  for (const Timeline::Span& s : tl.push_pulls)
    slice(s, absl::StrCat("push/pull ", Cluster::NodeName(s.peer)), "push_pull",
          "server");
  int id = 0;
  for (const Timeline::Span& s : tl.suspicions) {
    const std::string name =
        absl::StrCat("suspects ", Cluster::NodeName(s.peer));
    ++id;
    ev.push_back({{"name", name},
                  {"cat", "suspicion"},
                  {"ph", "b"},
                  {"id", id},
                  {"ts", Us(s.t0)},
                  {"pid", pid},
                  {"tid", s.node},
                  {"args", {{"subject", Cluster::NodeName(s.peer)}}}});
    ev.push_back({{"name", name},
                  {"cat", "suspicion"},
                  {"ph", "e"},
                  {"id", id},
                  {"ts", Us(s.t1)},
                  {"pid", pid},
                  {"tid", s.node},
                  {"args", {{"ended", s.what}}}});
  }
  for (const Timeline::Mark& m : tl.faults) {
    ev.push_back({{"name", m.what},
                  {"cat", "fault"},
                  {"ph", "i"},
                  {"s", m.node >= 0 ? "t" : "g"},
                  {"ts", Us(m.t)},
                  {"pid", pid},
                  {"tid", std::max(0, m.node)}});
  }
  for (const EventOutcome& e : run.events) {
    ev.push_back({{"name", absl::StrCat("scenario: ", e.label)},
                  {"cat", "scenario"},
                  {"ph", "i"},
                  {"s", "g"},
                  {"ts", Us(absl::ToDoubleSeconds(e.at))},
                  {"pid", pid},
                  {"tid", 0}});
  }
  for (const Timeline::Death& d : tl.deaths) {
    ev.push_back(
        {{"name",
          absl::StrCat("false death: ", Cluster::NodeName(d.accuser),
                       " declares ", Cluster::NodeName(d.victim), " dead")},
         {"cat", "false_death"},
         {"ph", "i"},
         {"s", "t"},
         {"ts", Us(d.at)},
         {"pid", pid},
         {"tid", d.accuser},
         {"args", {{"causes", d.causes}}}});
  }
  json out;
  out["traceEvents"] = std::move(ev);
  out["displayTimeUnit"] = "ms";
  out["otherData"] = {
      {"scenario", sc.name}, {"seed", run.seed}, {"virtual_seconds", tl.end_s}};
  return out;
}

}  // namespace sim
