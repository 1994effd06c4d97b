#include "sim/metrics.h"

namespace sim {

const std::vector<MetricDef>& Metrics() {
  using A = Aggregate;
  static const auto* table = new std::vector<MetricDef>{
      {"first_detection_p50", kSampleFirstDetection, A::kP50, true,
       "crash -> the first node declares it dead"},
      {"first_detection_p99", kSampleFirstDetection, A::kP99, true, ""},
      {"first_detection_max", kSampleFirstDetection, A::kMax, true, ""},
      {"detection_p50", kSampleDetection, A::kP50, true,
       "crash -> every live node sees it dead"},
      {"detection_p99", kSampleDetection, A::kP99, true, ""},
      {"detection_max", kSampleDetection, A::kMax, true, ""},
      {"first_suspicion_p50", kSampleFirstSuspicion, A::kP50, true,
       "crash -> the first suspicion"},
      {"first_suspicion_p99", kSampleFirstSuspicion, A::kP99, true, ""},
      {"first_suspicion_max", kSampleFirstSuspicion, A::kMax, true, ""},
      {"agreement_after_heal", kSampleAgreementAfterHeal, A::kMax, true,
       "end of the last disturbance -> every live node agrees (worst seed)"},
      {"agreement_after_heal_p99", kSampleAgreementAfterHeal, A::kP99, true,
       ""},
      {"join_agreement_p99", kSampleJoinAgreement, A::kP99, true,
       "join -> every live node agrees"},
      {"join_agreement_max", kSampleJoinAgreement, A::kMax, true, ""},
      {"initial_convergence", kSampleInitialConvergence, A::kMax, true,
       "t=0 -> first full convergence of the initial cluster"},
      {"mass_join_converged_within", kSampleInitialConvergence, A::kMax, true,
       "same as initial_convergence"},
      {"converged_by", kSampleConvergedBy, A::kMax, true,
       "absolute time of the last convergence (worst seed)"},
      {"false_positives", kSampleFalsePositives, A::kSum, false,
       "live nodes declared dead, summed over seeds"},
      {"false_positives_per_seed", kSampleFalsePositives, A::kMeanPerRun, false,
       "false_positives / seeds"},
      {"bytes_per_node_per_sec", kSampleBytesPerNodePerSec, A::kMax, false,
       "bytes sent per node per virtual second (worst seed)"},
      {"msgs_per_node_per_sec", kSampleMsgsPerNodePerSec, A::kMax, false,
       "packets + streams per node per virtual second (worst seed)"},
      {"never_joined", kSampleNeverJoined, A::kSum, false,
       "running nodes whose join failed and that know no other member at "
       "the end, summed over seeds"},
      {"undetected_crashes", kSampleUndetectedCrashes, A::kSum, false,
       "crashes the crash_detection checker holds against the protocol "
       "(Monitor::CrashMissed: the same rule)"},
  };
  return *table;
}

const MetricDef* FindMetric(std::string_view name) {
  for (const MetricDef& m : Metrics()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace sim
