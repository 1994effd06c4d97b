// The Chrome trace-event format (the JSON that Perfetto's UI and
// chrome://tracing open) for one recorded run (sim/timeline.h).
//
// One process per node ("node-<i>", pid i+1, sorted by index) with a
// "probes" thread and a "push/pull" thread (more if exchanges overlap), and
// a "cluster" process (pid 0) for the scenario. Virtual time in
// microseconds.
//   probes      "X" slices: "probe node-7" (args: target, result "ack" /
//               "no ack"), cat "probe"
//   push/pulls  "X" slices on the client: "push/pull node-3", cat
//               "push_pull"
//   suspicions  async spans ("b"/"e", cat "suspicion", one id each) on the
//               observer: "suspects node-7", args.ended "refuted", "dead",
//               "left", "gone" (observer crashed) or "open"
//   faults      instant events ("i"): a node's crash/pause/... on its
//               process (scope "p"), partitions and heals global ("g"); the
//               scenario's actions are global instants; a false death is an
//               instant on the accuser.
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
