// sim::MetricDef: the one table of metrics a scenario's [expect] may name.
//
// A metric reads one sample series of the runs (RunResult::samples, filled
// by the runner under the sample names below) and aggregates it over the
// seeds. The table says, per metric: its name, the sample it reads, how it
// aggregates, whether it is a duration, and what it means. The parser
// (known names), the report (values, units) and the docs read this table;
// adding a metric is one row here (plus the sample, if new, in runner.cc).
#ifndef SWIM_SIM_METRICS_H_
#define SWIM_SIM_METRICS_H_

#include <string>
#include <string_view>
#include <vector>

namespace sim {

// Sample series the runner records (seconds for durations; +inf: never).
inline constexpr std::string_view kSampleFirstSuspicion = "first_suspicion";
inline constexpr std::string_view kSampleFirstDetection = "first_detection";
inline constexpr std::string_view kSampleDetection = "detection";
inline constexpr std::string_view kSampleJoinAgreement = "join_agreement";
inline constexpr std::string_view kSampleAgreementAfterHeal =
    "agreement_after_heal";
inline constexpr std::string_view kSampleInitialConvergence =
    "initial_convergence";
inline constexpr std::string_view kSampleConvergedBy = "converged_by";
inline constexpr std::string_view kSampleFalsePositives = "false_positives";
inline constexpr std::string_view kSampleBytesPerNodePerSec =
    "bytes_per_node_per_sec";
inline constexpr std::string_view kSampleMsgsPerNodePerSec =
    "msgs_per_node_per_sec";
inline constexpr std::string_view kSampleUndetectedCrashes =
    "undetected_crashes";
inline constexpr std::string_view kSampleNeverJoined = "never_joined";

enum class Aggregate : uint8_t {
  kP50,  // nearest-rank percentiles of the pooled samples
  kP99,
  kMax,         // the largest pooled sample (the worst seed)
  kSum,         // counts summed over seeds
  kMeanPerRun,  // sum / number of runs
};

struct MetricDef {
  std::string_view name;
  std::string_view sample;
  Aggregate aggregate;
  bool is_duration;
  std::string_view meaning;
};

const std::vector<MetricDef>& Metrics();
// nullptr if unknown.
const MetricDef* FindMetric(std::string_view name);

}  // namespace sim

#endif  // SWIM_SIM_METRICS_H_
