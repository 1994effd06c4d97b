// Issue 16: compat = "go" changes the outcome of a scenario where Go
// 0.2.2's behaviour should: in pause_storm, seed 30, a live node is declared
// dead under compat = "go" (refutations sent once, LIFO handoff, Go's tick
// phase); the same seed is clean by default. (bench/compat/sweep.sh measures
// the rates: docs/departures.md.)
#include <string>

#include <gtest/gtest.h>

#include "sim/runner.h"
#include "sim/scenario.h"

namespace sim {
namespace {

size_t FalseDeaths(const std::string& compat, uint64_t seed) {
  absl::StatusOr<Scenario> sc = LoadScenario("scenarios/pause_storm.toml");
  EXPECT_TRUE(sc.ok()) << sc.status();
  if (!sc.ok()) return 0;
  if (compat == "go") {
    sc->compat = "go";
    sc->config.ApplyGoCompat();
  }
  absl::StatusOr<RunResult> r = RunScenario(*sc, seed);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->false_positives.size() : 0;
}

TEST(CompatOutcome, PauseStormFalseDeathUnderGoCompatOnly) {
  // Seed 30: of pause_storm seeds 1..60, the only one with a false death
  // under compat = "go" (after the fidelity fixes and staggered_ticks
  // joined the switch); none has one by default.
  EXPECT_EQ(FalseDeaths("default", 30), 0u) << "seed 30";
  EXPECT_GE(FalseDeaths("go", 30), 1u) << "seed 30";
}

}  // namespace
}  // namespace sim
