// The checkers have teeth: each planted bug (core built from
// //core:memberlist_planted_bugs) makes its scenario's named checker fail in
// every seed, and the same scenario with the bug switched off passes every
// checker — so the failure is the bug's, not the scenario's.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/runner.h"
#include "sim/scenario.h"

namespace sim {
namespace {

class NegativeScenario : public ::testing::TestWithParam<const char*> {};

TEST_P(NegativeScenario, PlantedBugIsCaughtAndControlPasses) {
  ASSERT_TRUE(PlantedBugsLinked());
  absl::StatusOr<Scenario> sc = LoadScenario(GetParam());
  ASSERT_TRUE(sc.ok()) << sc.status();
  ASSERT_NE(sc->planted_bugs, 0u);
  ASSERT_EQ(sc->expect_fail.size(), 1u);
  const std::string checker = sc->expect_fail[0];
  for (uint64_t seed : {11, 13, 14}) {
    absl::StatusOr<RunResult> r = RunScenario(*sc, seed);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->passed) << sc->name << " seed " << seed << ": "
                           << (r->problems.empty() ? "" : r->problems[0]);
    for (const CheckerOutcome& c : r->checkers) {
      if (c.result.name == checker) {
        EXPECT_GT(c.result.violations, 0u)
            << checker << " missed the planted bug, seed " << seed;
      }
    }
  }
  // Control: the same schedule on a correct core.
  Scenario control = *sc;
  control.planted_bugs = 0;
  control.config.planted_bugs = 0;
  control.expect_fail.clear();
  for (uint64_t seed : {11, 13, 14}) {
    absl::StatusOr<RunResult> r = RunScenario(control, seed);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->passed) << sc->name << " control seed " << seed << ": "
                           << (r->problems.empty() ? "" : r->problems[0]);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Bugs, NegativeScenario,
    ::testing::Values("scenarios/negative/ignore_refute.toml",
                      "scenarios/negative/skip_suspicion.toml",
                      "scenarios/negative/accept_stale_alive.toml"));

}  // namespace
}  // namespace sim
