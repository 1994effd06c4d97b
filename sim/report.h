// sim report: what a scenario's runs measured, as a terminal summary, JSON
// and hand-written SVG plots.
//
// Aggregation across seeds pools every seed's samples (runner.h) and reads
// the metric named in [expect]: "*_p50/_p99/_max" are nearest-rank
// percentiles of the pooled samples (a crash never detected counts as +inf),
// counts are summed, rates and one-per-run times take the worst seed. Each
// expectation remembers the seed that did worst on it, so a failure can
// print a replay command for that seed.
#ifndef SWIM_SIM_REPORT_H_
#define SWIM_SIM_REPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/runner.h"
#include "sim/scenario.h"

#include "absl/status/status.h"

namespace sim {

struct ExpectationOutcome {
  Expectation expectation;
  double value = 0;  // aggregated over the seeds
  bool held = false;
  uint64_t worst_seed = 0;
};

// Value of `metric` over the given runs (see above). NaN if no sample.
double MetricValue(const std::string& metric,
                   const std::vector<const RunResult*>& runs);
std::vector<ExpectationOutcome> EvaluateExpectations(
    const Scenario& sc, const std::vector<RunResult>& runs);
// "120x real time", or "0.25x real time, 4x slower than real time".
std::string RealTimeRatio(double virtual_seconds, double wall_seconds);
// `name` with every character outside [A-Za-z0-9._-] replaced by '_' and no
// leading dot: safe as a file name inside an output directory.
std::string SafeFileName(const std::string& name);
// Nearest-rank percentile (q in [0, 1]) of `v`; NaN if empty.
double Percentile(std::vector<double> v, double q);

// The terminal report's timeline table: one row for the start, then one per
// scheduled action, with what the cluster did (p50 / p99 / max over seeds).
struct TimelineRow {
  std::string at, action, what;
};
std::vector<TimelineRow> TimelineTable(const Scenario& sc,
                                       const std::vector<RunResult>& runs);

// One screen for a human: what ran, what happened, the checkers and
// expectations, the verdict. `replay_prefix` is the command a failure line
// suggests ("./bazelw run //sim:swimsim -- --scenario X").
std::string TerminalReport(const Scenario& sc,
                           const std::vector<RunResult>& runs,
                           const std::vector<ExpectationOutcome>& outcomes,
                           const std::string& replay_prefix);

// The JSON report's "format" (bumped when `swimsim merge` could no longer
// read older reports).
inline constexpr char kJsonReportFormat[] = "swimsim-report/2";
nlohmann::json JsonReport(const Scenario& sc,
                          const std::vector<RunResult>& runs,
                          const std::vector<ExpectationOutcome>& outcomes);

// Writes <dir>/<name>.agreement.svg (fraction of live nodes that agree over
// virtual time: one faint line per seed, the median bold, actions marked)
// and <dir>/<name>.detection.svg (histogram and CDF of crash detection
// times, or of convergence times after actions when nothing crashed).
// Creates `dir` if needed. Returns the paths written.
absl::StatusOr<std::vector<std::string>> WriteSvgs(
    const std::string& dir, const Scenario& sc,
    const std::vector<RunResult>& runs);

// Creates `dir` if needed and checks that a file can be written in it.
absl::Status CheckWritableDir(const std::string& dir);

// The SVG texts themselves (for tests).
std::string AgreementSvg(const Scenario& sc,
                         const std::vector<RunResult>& runs);
std::string DetectionSvg(const Scenario& sc,
                         const std::vector<RunResult>& runs);

}  // namespace sim

#endif  // SWIM_SIM_REPORT_H_
