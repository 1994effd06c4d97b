// Every fast scenario in scenarios/ over many seeds: every checker holds
// (or fails exactly where the scenario says it must) and every [expect]
// line holds over the seeds this part ran.
//
// Sharded: (scenario, seed) pairs are dealt round-robin over kDeals test
// instances (SweepPart/0..7), which gtest spreads over Bazel's shards;
// SWIM_SWEEP_SEEDS sets the seeds per scenario (the manual large variant
// sets it high). Seeds start at 1000 so the sweep does not just repeat the
// scenarios' own default seeds.
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sim {
namespace {

int EnvInt(const char* name, int def) {
  const char* v = std::getenv(name);
  int x = 0;
  return v != nullptr && absl::SimpleAtoi(v, &x) ? x : def;
}

struct Entry {
  const char* file;
  int seeds_div;  // slow scenarios run seeds / seeds_div seeds
};

// Fast scenarios (churn_1000 is manual-only: see the large sweep target).
constexpr Entry kScenarios[] = {
    {"scenarios/quickstart.toml", 1},
    {"scenarios/crash_detection.toml", 1},
    {"scenarios/refute_slow_node.toml", 1},
    {"scenarios/lossy_links.toml", 1},
    {"scenarios/asymmetric_partition.toml", 1},
    {"scenarios/pause_storm.toml", 1},
    {"scenarios/mass_join.toml", 12},
};

constexpr int kDeals = 8;

class ScenarioSweep : public ::testing::TestWithParam<int> {};

TEST_P(ScenarioSweep, EveryScenarioHoldsOverManySeeds) {
  const int part = GetParam();
  const bool large = std::getenv("SWIM_SWEEP_LARGE") != nullptr;
  const int seeds = EnvInt("SWIM_SWEEP_SEEDS", 24);
  int k = 0, ran = 0;
  std::vector<const char*> files;
  for (const Entry& e : kScenarios) files.push_back(e.file);
  if (large) files.push_back("scenarios/churn_1000.toml");
  for (size_t fi = 0; fi < files.size(); ++fi) {
    absl::StatusOr<Scenario> sc = LoadScenario(files[fi]);
    ASSERT_TRUE(sc.ok()) << sc.status();
    const int div =
        fi < std::size(kScenarios) ? kScenarios[fi].seeds_div : seeds;
    const int n = std::max(1, seeds / div);
    std::vector<RunResult> runs;
    for (int s = 0; s < n; ++s, ++k) {
      if (k % kDeals != part) continue;
      const uint64_t seed = 1000 + s;
      absl::StatusOr<RunResult> r = RunScenario(*sc, seed);
      ASSERT_TRUE(r.ok()) << r.status();
      ++ran;
      EXPECT_TRUE(r->passed)
          << sc->name << " seed " << seed << ": "
          << (r->problems.empty() ? "" : r->problems[0])
          << "\n  replay: ./bazelw run //sim:swimsim -- --scenario "
          << files[fi] << " --seed " << seed << " --trace t.txt";
      runs.push_back(std::move(*r));
    }
    if (runs.empty()) continue;
    for (const ExpectationOutcome& e : EvaluateExpectations(*sc, runs)) {
      EXPECT_TRUE(e.held) << sc->name << ": " << e.expectation.metric << " "
                          << e.expectation.text << " but was " << e.value
                          << " (worst seed " << e.worst_seed << ")";
    }
  }
  EXPECT_GT(ran, 0);
  std::printf("part %d/%d ran %d scenario runs\n", part, kDeals, ran);
}

INSTANTIATE_TEST_SUITE_P(SweepPart, ScenarioSweep, ::testing::Range(0, kDeals));

}  // namespace
}  // namespace sim
