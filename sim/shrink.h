// sim::Shrink: reduces a failing scenario (for one seed) to a smaller one
// that still fails with that seed.
//
// Greedy, on the TOML document: drop [[event]] entries one at a time (last
// first), then renumber the nodes the events name to the lowest indexes and
// shrink [cluster] size (halving, then one by one), then
// network loss (to 0, else halved), latency (to the default), duplication
// and reordering, and the run's duration (halved while every event still
// fits). A candidate is kept when it still parses and RunScenario with the
// same seed still shows at least one of the original failures (a checker
// not as expected, or an [expect] line measured and not held on that seed;
// an expectation left without samples — say detection_p99 once the crash
// is gone — is not the same failure), and when its run ends within its
// stated duration. Each candidate costs one run. The result's description
// is rewritten, and its header names exactly what the written file fails
// when run again (measured on it).
//
// Single-threaded.
#ifndef SWIM_SIM_SHRINK_H_
#define SWIM_SIM_SHRINK_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "sim/scenario.h"

#include "absl/status/statusor.h"

namespace sim {

struct ShrinkResult {
  std::string toml;  // the minimal scenario, seed pinned
  int runs = 0;      // candidates tried
  int removed_events = 0;
  int size_before = 0, size_after = 0;
  std::string failures;  // what the shrunk file fails: "checker:x, expect:y"
  std::string original_failures;  // what the original failed
};

// What fails when `sc` runs with `seed`: "checker:<name>" and
// "expect:<metric>" (measured values only). Empty: it passes.
// `virtual_time`, if given, receives the run's length.
absl::StatusOr<std::set<std::string>> FailuresWithSeed(
    const Scenario& sc, uint64_t seed, absl::Duration* virtual_time = nullptr);

// FailedPrecondition if the original does not fail with `seed`.
absl::StatusOr<ShrinkResult> Shrink(
    const Scenario& sc, uint64_t seed,
    const std::function<void(const std::string&)>& progress);

}  // namespace sim

#endif  // SWIM_SIM_SHRINK_H_
