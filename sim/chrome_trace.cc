#include "sim/chrome_trace.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sim/cluster.h"

#include "absl/strings/str_cat.h"

namespace sim {
namespace {

// Virtual seconds -> trace microseconds (whole ns kept as a fraction).
double Us(double s) { return std::round(s * 1e9) / 1e3; }

constexpr int kClusterPid = 0;
constexpr int kProbeTid = 1;
constexpr int kPushPullTid = 2;  // and up, one per concurrent exchange

int Pid(int node) { return node + 1; }

}  // namespace

nlohmann::json ChromeTrace(const Scenario& sc, const RunResult& run,
                           const Timeline& tl) {
  using nlohmann::json;
  json ev = json::array();
  auto meta = [&ev](const char* name, int pid, int tid, json args) {
    ev.push_back({{"name", name},
                  {"ph", "M"},
                  {"ts", 0},
                  {"pid", pid},
                  {"tid", tid},
                  {"args", std::move(args)}});
  };
  meta("process_name", kClusterPid, 0,
       {{"name", absl::StrCat("cluster: ", sc.name, " seed ", run.seed)}});
  meta("process_sort_index", kClusterPid, 0, {{"sort_index", -1}});
  meta("thread_name", kClusterPid, 0, {{"name", "scenario"}});

  // Push/pulls of one node may overlap (a join_sync next to the periodic
  // one): each gets the first lane free at its start, so slices nest.
  std::vector<std::vector<double>> lanes(tl.nodes);
  std::vector<int> pp_lane(tl.push_pulls.size(), 0);
  {
    std::vector<size_t> order(tl.push_pulls.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return tl.push_pulls[a].t0 < tl.push_pulls[b].t0;
    });
    for (size_t k : order) {
      const Timeline::Span& s = tl.push_pulls[k];
      if (s.node < 0 || s.node >= tl.nodes) continue;
      std::vector<double>& l = lanes[s.node];
      size_t i = 0;
      while (i < l.size() && l[i] > s.t0) ++i;
      if (i == l.size()) l.push_back(0);
      l[i] = s.t1;
      pp_lane[k] = static_cast<int>(i);
    }
  }
  for (int i = 0; i < tl.nodes; ++i) {
    meta("process_name", Pid(i), 0, {{"name", Cluster::NodeName(i)}});
    meta("process_sort_index", Pid(i), 0, {{"sort_index", i}});
    meta("thread_name", Pid(i), kProbeTid, {{"name", "probes"}});
    const size_t n_lanes = std::max<size_t>(1, lanes[i].size());
    for (size_t k = 0; k < n_lanes; ++k) {
      meta("thread_name", Pid(i), kPushPullTid + static_cast<int>(k),
           {{"name", k == 0 ? std::string("push/pull")
                            : absl::StrCat("push/pull (concurrent ", k, ")")}});
    }
  }
  auto slice = [&](const Timeline::Span& s, const std::string& name,
                   const char* cat, int tid, const char* peer_key) {
    ev.push_back(
        {{"name", name},
         {"cat", cat},
         {"ph", "X"},
         {"ts", Us(s.t0)},
         {"dur", std::max(0.0, Us(s.t1) - Us(s.t0))},
         {"pid", Pid(s.node)},
         {"tid", tid},
         {"args",
          {{peer_key, Cluster::NodeName(s.peer)}, {"result", s.what}}}});
  };
  for (const Timeline::Span& s : tl.probes)
    slice(s, absl::StrCat("probe ", Cluster::NodeName(s.peer)), "probe",
          kProbeTid, "target");
  for (size_t k = 0; k < tl.push_pulls.size(); ++k) {
    const Timeline::Span& s = tl.push_pulls[k];
    slice(s, absl::StrCat("push/pull ", Cluster::NodeName(s.peer)), "push_pull",
          kPushPullTid + pp_lane[k], "server");
  }
  // Suspicions: async spans on the observer (one track per suspect name).
  int id = 0;
  for (const Timeline::Span& s : tl.suspicions) {
    const std::string name =
        absl::StrCat("suspects ", Cluster::NodeName(s.peer));
    ++id;
    for (const char* ph : {"b", "e"}) {
      const bool begin = ph[0] == 'b';
      ev.push_back(
          {{"name", name},
           {"cat", "suspicion"},
           {"ph", ph},
           {"id", id},
           {"ts", Us(begin ? s.t0 : s.t1)},
           {"pid", Pid(s.node)},
           {"tid", kProbeTid},
           {"args", begin ? json{{"subject", Cluster::NodeName(s.peer)}}
                          : json{{"ended", s.what}}}});
    }
  }
  // Faults: a node's own on its process, cluster-wide ones global.
  for (const Timeline::Mark& m : tl.faults) {
    ev.push_back({{"name", m.what},
                  {"cat", "fault"},
                  {"ph", "i"},
                  {"s", m.node >= 0 ? "p" : "g"},
                  {"ts", Us(m.t)},
                  {"pid", m.node >= 0 ? Pid(m.node) : kClusterPid},
                  {"tid", m.node >= 0 ? kProbeTid : 0}});
  }
  for (const EventOutcome& e : run.events) {
    ev.push_back({{"name", absl::StrCat("scenario: ", e.label)},
                  {"cat", "scenario"},
                  {"ph", "i"},
                  {"s", "g"},
                  {"ts", Us(absl::ToDoubleSeconds(e.at))},
                  {"pid", kClusterPid},
                  {"tid", 0}});
  }
  for (const Timeline::Death& d : tl.deaths) {
    ev.push_back({{"name", absl::StrCat("false death: declares ",
                                        Cluster::NodeName(d.victim), " dead")},
                  {"cat", "false_death"},
                  {"ph", "i"},
                  {"s", "p"},
                  {"ts", Us(d.at)},
                  {"pid", Pid(d.accuser)},
                  {"tid", kProbeTid},
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
