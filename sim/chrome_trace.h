// The Chrome trace-event format (the JSON that Perfetto's UI and
// chrome://tracing open) for one recorded run (sim/timeline.h).
//
// One process ("swimsim <scenario> seed N"), one thread track per node
// (tid = node index, named "node-<i>"). Virtual time in microseconds.
//   probes      "X" slices on the prober's track: "probe node-7"
//               (args: target, result "ack" / "no ack"), cat "probe"
//   push/pulls  "X" slices on the client's track: "push/pull node-3",
//               cat "push_pull"
//   suspicions  async spans ("b"/"e", cat "suspicion", one id each) on the
//               observer's track: "suspects node-7", ending "refuted",
//               "dead", ...
//   faults      instant events ("i"): on the node's track (crash, pause,
//               ...; scope "t") or cluster-wide (partition, heal; scope
//               "g"); the scenario's actions are global instants too.
#ifndef SWIM_SIM_CHROME_TRACE_H_
#define SWIM_SIM_CHROME_TRACE_H_

#include <nlohmann/json.hpp>

#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/timeline.h"

namespace sim {

nlohmann::json ChromeTrace(const Scenario& sc, const RunResult& run,
                           const Timeline& tl);

}  // namespace sim

#endif  // SWIM_SIM_CHROME_TRACE_H_
