// sim::HtmlReport: one self-contained HTML file (inline CSS, JS and SVG; no
// network access, no external scripts or fonts) showing a scenario over its
// seeds:
//   - the node x time view: one row per node, each column stacked by the
//     fraction of observers that held the node alive / suspect / dead /
//     left / unknown, the node's own ground truth (crashed, paused, left)
//     as a strip, and the scenario's actions on the same time axis; a seed
//     selector switches runs;
//   - the terminal report's timeline table, the agreement-over-time and
//     detection plots (report.h's SVGs, axes fitted to the run);
//   - one card per false death (accuser, victim, the checker's causes, the
//     suspicion's path) linking to its trace excerpt;
//   - the configuration used (profile + overrides) and traffic per node.
// The page's script marks <body data-rendered="ok"> when it has drawn
// everything, and lists script errors in #errors (tests/sim's browser test
// reads both).
#ifndef SWIM_SIM_HTML_REPORT_H_
#define SWIM_SIM_HTML_REPORT_H_

#include <string>
#include <vector>

#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/timeline.h"

namespace sim {

// `timelines[k]` belongs to `runs[k]`. `replay_prefix` as for
// TerminalReport.
std::string HtmlReport(const Scenario& sc, const std::vector<RunResult>& runs,
                       const std::vector<ExpectationOutcome>& outcomes,
                       const std::vector<Timeline>& timelines,
                       const std::string& replay_prefix);

}  // namespace sim

#endif  // SWIM_SIM_HTML_REPORT_H_
