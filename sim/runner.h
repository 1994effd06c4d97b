// sim::RunScenario: plays one Scenario with one seed through a Cluster in a
// World and measures it (sim/checkers.h for the invariants).
//
// One run: build the World (seed), the network model, `size` nodes that all
// join node 0 at t=0 (or staggered), then the [[event]] schedule at its
// virtual times, sampling the fraction of live nodes that agree on the
// membership as it goes; run until `duration` (longer if a convergence or
// crash-detection deadline is still open, so every checker gets its answer).
//
// Samples are in seconds (durations) or plain numbers. Sample names:
//   first_suspicion, first_detection, detection  (per crash; +inf if never)
//   join_agreement        (per join action: time until the next convergence)
//   agreement_after_heal  (last heal/resume/restart-like action -> converged)
//   initial_convergence   (t=0 -> first full convergence)
//   converged_by          (absolute time of the last convergence)
//   false_positives, bytes_per_node_per_sec, msgs_per_node_per_sec,
//   undetected_crashes    (one value per run)
//
// Deterministic: same scenario, seed and binary -> same trace_hash.
// Single-threaded; many runs may go on in parallel threads (no globals).
#ifndef SWIM_SIM_RUNNER_H_
#define SWIM_SIM_RUNNER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/checkers.h"
#include "sim/scenario.h"
#include "sim/world.h"

#include "absl/status/statusor.h"

namespace sim {

// Watches a run without touching it (sim/timeline.h's recorder): the trace,
// and the Cluster's event bus (membership views and ground truth). Not
// owned; must outlive the run.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // Wraps the run's trace sink (`user` may be empty).
  virtual World::TraceSink Tap(World::TraceSink user) = 0;
  virtual void OnClusterEvent(const ClusterEvent& e) = 0;
  virtual void OnTruth(const TruthEvent& t) = 0;
  virtual void OnRunEnd(const World& world) = 0;
};

struct RunOptions {
  // Receives every World trace line (World::SetTraceSink); empty: none.
  World::TraceSink trace_sink;
  // Core log lines at or above this level go to the trace sink too (never
  // into the trace hash).
  swim::LogLevel log_level = swim::LogLevel::kError;
  // How often the agreement fraction is sampled (0: duration / 200).
  absl::Duration sample_interval = absl::ZeroDuration();
  // Keep per-cell views (needed by the incarnation/suspicion/convergence
  // measurements); turn off only for huge benchmark clusters.
  bool track_views = true;
  // Optional observer (nullptr: none, and no cost).
  RunObserver* observer = nullptr;
};

struct CheckerOutcome {
  CheckerResult result;
  bool enabled = true;
  bool expected_to_fail = false;
  // enabled && (failed != expected_to_fail)
  bool problem() const {
    return enabled && (result.failed() != expected_to_fail);
  }
};

struct EventOutcome {
  int index = 0;      // in Scenario::events
  std::string label;  // "crash node-3 @10s"
  ActionKind action;
  absl::Duration at;
  std::optional<absl::Duration> converged_after;
};

struct RunResult {
  uint64_t seed = 0;
  uint64_t trace_hash = 0;
  bool passed = false;  // every enabled checker as expected
  std::vector<std::string> problems;
  // Running nodes whose join failed and that know no other member at the
  // end: "node-5: join failed after 3 attempts: ..." (reported apart from
  // convergence: the cluster may agree without them).
  std::vector<std::string> never_joined;
  std::vector<CheckerOutcome> checkers;
  std::map<std::string, std::vector<double>> samples;
  std::vector<CrashTiming> crashes;
  std::vector<FalsePositive> false_positives;
  std::vector<EventOutcome> events;
  // (virtual seconds, fraction of live nodes agreeing)
  std::vector<std::pair<double, double>> agreement;
  Bounds bounds;
  absl::Duration virtual_time;
  double wall_seconds = 0;
  uint64_t events_processed = 0;
  uint64_t messages = 0;  // packets + streams sent
  uint64_t bytes = 0;
  int nodes = 0;  // largest cluster size
};

// FailedPrecondition if the scenario sets planted_bugs but this binary's
// core ignores them (production //sim:swimsim).
absl::Status CheckScenarioSupported(const Scenario& scenario);
// True in binaries linked with //core:memberlist_planted_bugs.
bool PlantedBugsLinked();

// "crash node-3 @10s", "loss 20% for 1m @10s".
std::string EventLabel(const ScheduledEvent& e);

absl::StatusOr<RunResult> RunScenario(const Scenario& scenario, uint64_t seed,
                                      const RunOptions& options = {});

}  // namespace sim

#endif  // SWIM_SIM_RUNNER_H_
