// The schedule fuzzer's decoder and judge (sim/fuzz_world.h), and the
// findings it made, as regression tests.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/fuzz_world.h"
#include "sim/runner.h"
#include "sim/scenario.h"

namespace sim {
namespace {

TEST(FuzzWorld, EveryInputDecodesToAValidSmallScenario) {
  std::mt19937_64 rng(18);
  for (int k = 0; k < 3000; ++k) {
    std::vector<uint8_t> bytes(rng() % 160);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    const std::string toml = DecodeFuzzWorld(bytes.data(), bytes.size());
    absl::StatusOr<Scenario> sc = ParseScenario(toml, "fuzz.toml");
    ASSERT_TRUE(sc.ok()) << "input " << k << ": " << sc.status() << "\n"
                         << toml;
    EXPECT_GE(sc->size, kMinFuzzNodes);
    EXPECT_LE(sc->size, kMaxFuzzNodes);
    EXPECT_LE(sc->events.size(), static_cast<size_t>(kMaxFuzzEvents + 1));
    ASSERT_EQ(sc->seeds.size(), 1u);
  }
}

TEST(FuzzWorld, EmptyInputIsAQuietThreeNodeCluster) {
  const std::string toml = DecodeFuzzWorld(nullptr, 0);
  absl::StatusOr<Scenario> sc = ParseScenario(toml, "fuzz.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  EXPECT_EQ(sc->size, 3);
  // Only the final rejoin.
  ASSERT_EQ(sc->events.size(), 1u);
  EXPECT_EQ(sc->events[0].action, ActionKind::kRejoin);
}

TEST(FuzzWorld, DecodingIsAFunctionOfTheBytes) {
  const uint8_t bytes[] = {9, 1, 2, 0, 3, 2, 0xff, 0, 1, 0xf, 8, 4, 2, 5, 3};
  EXPECT_EQ(DecodeFuzzWorld(bytes, sizeof bytes),
            DecodeFuzzWorld(bytes, sizeof bytes));
  const uint8_t other[] = {9, 1, 2, 0, 3, 2, 0xff, 0, 1, 0xf, 8, 4, 2, 5, 4};
  EXPECT_NE(DecodeFuzzWorld(bytes, sizeof bytes),
            DecodeFuzzWorld(other, sizeof other));
}

CheckerOutcome Failed(const std::string& name) {
  CheckerOutcome c;
  c.result.name = name;
  c.result.violations = 1;
  c.result.examples = {name + " example"};
  return c;
}

TEST(FuzzJudge, ExplainedFalseDeathsAndCrashDetectionAreNotFindings) {
  RunResult r;
  r.checkers.push_back(Failed("false_positives"));
  r.checkers.push_back(Failed("crash_detection"));
  FalsePositive fp;
  fp.observer = 1;
  fp.subject = 2;
  fp.causes = "subject node-2 was paused";
  r.false_positives.push_back(fp);
  EXPECT_TRUE(JudgeFuzzRun(r).empty());
}

TEST(FuzzJudge, UnexplainedDeathsAndInvariantFailuresAreFindings) {
  RunResult r;
  FalsePositive fp;
  fp.causes = "no fault in the window: unexplained";
  r.false_positives.push_back(fp);
  r.checkers.push_back(Failed("incarnation"));
  r.checkers.push_back(Failed("suspicion_bounds"));
  r.checkers.push_back(Failed("convergence"));
  const std::vector<std::string> f = JudgeFuzzRun(r);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_NE(f[0].find("incarnation"), std::string::npos);
  EXPECT_NE(f[3].find("unexplained"), std::string::npos);
}

// The fuzzer's first finding (tests/fuzz/corpus/schedule/
// restart_during_suspicion): node-6 crashes, is suspected, restarts at the
// same incarnation 1 while a partition keeps node-9 from hearing it, and
// node-9's old suspicion runs out. The suspicion_bounds checker forgot the
// suspicion at the restart and reported "declared dead without any node
// suspecting it first". A checker false alarm, fixed in sim/checkers.cc.
TEST(FuzzFindings, SuspicionFromBeforeARestartStillCountsForItsIncarnation) {
  const char* toml = R"(
name = "restart_during_suspicion"
[cluster]
size = 13
profile = "lan"
seed = 42116
duration = "14s"
join_retry = { interval = "1s", attempts = 5 }
probe_interval = "1000ms"
probe_timeout = "200ms"
suspicion_mult = 4
suspicion_max_timeout_mult = 1
retransmit_mult = 4
gossip_nodes = 3
gossip_interval = "200ms"
push_pull_interval = "19s"
disable_tcp_pings = true
[network]
latency = { kind = "pareto", floor = "200us", scale = "300us", alpha = 1.7 }
[[event]]
at = "3800ms"
action = "crash"
nodes = [6]
[[event]]
at = "6000ms"
action = "meta_update"
nodes = [1]
[[event]]
at = "6500ms"
action = "partition"
groups = [[4, 5, 6, 7, 12], [0, 1, 2, 3, 8, 9, 10, 11]]
duration = "4700ms"
[[event]]
at = "7900ms"
action = "restart"
nodes = [6]
seeds = [1]
[[event]]
at = "12200ms"
action = "rejoin"
nodes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
seeds = [0]
retry = { interval = "1s", attempts = 5 }
[checkers]
disable = ["crash_detection"]
)";
  absl::StatusOr<Scenario> sc = ParseScenario(toml, "finding.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  absl::StatusOr<RunResult> r = RunScenario(*sc, 42116);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const CheckerOutcome& c : r->checkers) {
    if (c.result.name == "suspicion_bounds") {
      EXPECT_FALSE(c.result.failed())
          << (c.result.examples.empty() ? "" : c.result.examples[0]);
    }
  }
  EXPECT_TRUE(JudgeFuzzRun(*r).empty());
}

}  // namespace
}  // namespace sim
