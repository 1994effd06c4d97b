// The simulator's answers match what happened (issue 15, "wrong answers"):
// metrics and checkers agree, false deaths name slow links as causes, a
// left node that is restarted really comes back, joins can be retried and
// a node that never joined is reported as such, and a shrunk scenario
// fails exactly as its header says.
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/shrink.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Scenario Parse(const std::string& text) {
  absl::StatusOr<Scenario> sc = ParseScenario(text, "t.toml");
  EXPECT_TRUE(sc.ok()) << sc.status();
  return sc.ok() ? *sc : Scenario();
}

// The setup of most tests here: `size` nodes running for `duration`, then
// `rest` (more [cluster] keys, [network], [[event]]s, [checkers]).
Scenario ClusterScenario(int size, const std::string& duration,
                         const std::string& rest = "") {
  return Parse(absl::StrCat("[cluster]\nsize = ", size, "\nduration = \"",
                            duration, "\"\n", rest));
}

RunResult RunSeed(const Scenario& sc, uint64_t seed,
                  const RunOptions& opt = {}) {
  absl::StatusOr<RunResult> r = RunScenario(sc, seed, opt);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : RunResult();
}

const CheckerOutcome& CheckerNamed(const RunResult& r, const std::string& n) {
  for (const CheckerOutcome& c : r.checkers) {
    if (c.result.name == n) return c;
  }
  ADD_FAILURE() << "no checker " << n;
  static const CheckerOutcome none;
  return none;
}

// A crash restarted before anyone could detect it is not "undetected" to
// the metric if it is not to the checker.
TEST(Honesty, UndetectedCrashesMetricAgreesWithChecker) {
  const Scenario sc = ClusterScenario(6, "40s", R"(
[[event]]
at = "5s"
action = "crash"
nodes = [3]
[[event]]
at = "5500ms"
action = "restart"
nodes = [3]
)");
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const RunResult r = RunSeed(sc, seed);
    const uint64_t violations =
        CheckerNamed(r, "crash_detection").result.violations;
    ASSERT_EQ(r.samples.at("undetected_crashes").size(), 1u);
    EXPECT_EQ(r.samples.at("undetected_crashes")[0],
              static_cast<double>(violations))
        << "seed " << seed;
    EXPECT_EQ(MetricValue("undetected_crashes", {&r}),
              static_cast<double>(violations));
  }
}

// One node's links at 5 s: its false deaths are explained by latency.
TEST(Honesty, LatencyIsACauseOfFalseDeaths) {
  const Scenario sc = ClusterScenario(8, "60s", R"(
[[event]]
at = "10s"
action = "latency"
nodes = [5]
latency = "5s"
duration = "40s"
[checkers]
disable = ["false_positives", "convergence", "suspicion_bounds"]
)");
  int explained = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const RunResult r = RunSeed(sc, seed);
    for (const FalsePositive& fp : r.false_positives) {
      EXPECT_THAT(fp.causes, Not(HasSubstr("unexplained")))
          << "seed " << seed << ": " << fp.causes;
      EXPECT_THAT(fp.causes, HasSubstr("latency")) << "seed " << seed;
      ++explained;
    }
  }
  EXPECT_GT(explained, 0) << "5 s links should cost node-5 its life";
}

// A node that left and is restarted comes back as a new process with a
// higher incarnation (it refutes its own "left"), as in Go.
TEST(Honesty, RestartOfALeftNodeRejoinsWithAHigherIncarnation) {
  const Scenario sc = ClusterScenario(5, "40s", R"(
[[event]]
at = "5s"
action = "leave"
nodes = [2]
[[event]]
at = "15s"
action = "restart"
nodes = [2]
)");
  std::vector<std::string> lines;
  RunOptions opt;
  opt.log_level = swim::LogLevel::kDebug;
  opt.trace_sink = [&lines](std::string_view l) {
    if (l.find(" event ") != std::string_view::npos &&
        l.find(" node-2 alive/") != std::string_view::npos)
      lines.emplace_back(l);
  };
  const RunResult r = RunSeed(sc, 1, opt);
  EXPECT_TRUE(r.passed) << absl::StrJoin(r.problems, "\n");
  std::set<int> observers_after;
  for (const std::string& l : lines) {
    std::vector<std::string> f = absl::StrSplit(l, ' ');
    double t = 0;
    ASSERT_TRUE(absl::SimpleAtod(f[0], &t));
    const std::string inc = l.substr(l.rfind('/') + 1);
    int n = 0;
    ASSERT_TRUE(absl::SimpleAtoi(inc, &n));
    if (t > 15 && n >= 2 && f[1] != "n2")
      observers_after.insert(std::stoi(f[1].substr(1)));
  }
  EXPECT_EQ(observers_after.size(), 4u)
      << "every other node should see node-2 alive again with incarnation "
         ">= 2 after its restart";
}

// Joins retried while half the TCP exchanges are reset all get through;
// without retry, nodes whose only join failed are reported as never joined.
TEST(Honesty, JoinRetryAndNeverJoined) {
  const Scenario lossy = ClusterScenario(8, "30s", R"(
join_retry = { interval = "1s", attempts = 20 }
[network]
stream_reset = 0.5
[checkers]
disable = ["convergence"]
)");
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const RunResult r = RunSeed(lossy, seed);
    EXPECT_TRUE(r.never_joined.empty())
        << "seed " << seed << ": " << absl::StrJoin(r.never_joined, "; ");
  }
  const Scenario dead_tcp = ClusterScenario(4, "20s", R"(
[network]
stream_reset = 1.0
[checkers]
disable = ["convergence"]
)");
  const RunResult r = RunSeed(dead_tcp, 1);
  EXPECT_EQ(r.never_joined.size(), 3u);
  EXPECT_EQ(MetricValue("never_joined", {&r}), 3);
  const std::string report = TerminalReport(dead_tcp, {r}, {}, "replay");
  EXPECT_THAT(report, HasSubstr("Never joined (seed 1): node-1"));
}

// The join action takes `retry` too: with it every joiner (nodes 3..7)
// gets in although half the TCP exchanges are reset; without it some never
// do. (The initial nodes join without retry here; they are not counted.)
TEST(Honesty, JoinActionRetries) {
  const std::string events = R"(
[network]
stream_reset = 0.5
[[event]]
at = "2s"
action = "join"
count = 5
)";
  auto joiners_left_out = [](const RunResult& r) {
    int n = 0;
    for (const std::string& s : r.never_joined) {
      int i = 0;
      const std::string idx = s.substr(5, s.find(':') - 5);
      if (absl::SimpleAtoi(idx, &i) && i >= 3) ++n;
    }
    return n;
  };
  const Scenario with = ClusterScenario(
      3, "30s", events + "retry = { interval = \"500ms\", attempts = 30 }\n");
  const Scenario without = ClusterScenario(3, "30s", events);
  int left_out_without = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    EXPECT_EQ(joiners_left_out(RunSeed(with, seed)), 0) << "seed " << seed;
    left_out_without += joiners_left_out(RunSeed(without, seed));
  }
  EXPECT_GT(left_out_without, 0);
}

// A shrunk scenario: nodes renumbered so the size can shrink, its own
// description and duration, and a header naming exactly what it fails.
TEST(Honesty, ShrunkScenarioFailsExactlyAsItsHeaderSays) {
  const Scenario sc = Parse(R"(
name = "big"
description = "12 nodes (LAN): a crash of node-9"
[cluster]
size = 12
seed = 1
duration = "40s"
[[event]]
at = "3s"
action = "pause"
nodes = [10]
duration = "1s"
[[event]]
at = "5s"
action = "crash"
nodes = [9]
[expect]
detection_max = "<= 1ms"
)");
  absl::StatusOr<ShrinkResult> s = Shrink(sc, 1, nullptr);
  ASSERT_TRUE(s.ok()) << s.status();
  absl::StatusOr<Scenario> small = ParseScenario(s->toml, "shrunk.toml");
  ASSERT_TRUE(small.ok()) << small.status() << "\n" << s->toml;
  EXPECT_LT(small->size, 10) << "node-9 must not pin the size:\n" << s->toml;
  EXPECT_THAT(small->description, Not(HasSubstr("12 nodes")));
  absl::Duration ran;
  absl::StatusOr<std::set<std::string>> fails =
      FailuresWithSeed(*small, 1, &ran);
  ASSERT_TRUE(fails.ok());
  std::string claimed;
  for (const std::string& f : *fails)
    absl::StrAppend(&claimed, claimed.empty() ? "" : ", ", f);
  EXPECT_THAT(s->toml, HasSubstr("# Fails with this seed: " + claimed + "\n"));
  EXPECT_EQ(s->failures, claimed);
  EXPECT_LE(ran, small->duration) << "the file's duration must cover its run";
}

// The hostile peer as a scenario workload, judged by the hostile_hurt
// checker (which only scenarios with a hostile action carry).
TEST(Workloads, HostileActionIsJudgedByHostileHurt) {
  const Scenario quiet = ClusterScenario(6, "20s");
  const Scenario attacked = ClusterScenario(6, "20s", R"(
[[event]]
at = "3s"
action = "hostile"
attacks = ["dead_flood"]
interval = "50ms"
duration = "5s"
[checkers]
disable = ["false_positives", "incarnation", "suspicion_bounds"]
)");
  const RunResult q = RunSeed(quiet, 1);
  const RunResult a = RunSeed(attacked, 1);
  for (const CheckerOutcome& c : q.checkers) {
    EXPECT_NE(c.result.name, "hostile_hurt");
  }
  const CheckerOutcome& hurt = CheckerNamed(a, "hostile_hurt");
  EXPECT_EQ(hurt.result.name, "hostile_hurt");
  EXPECT_GT(a.messages, q.messages) << "the peer sent nothing";
  // Forged deaths of live nodes are what hostile_hurt counts.
  if (hurt.result.violations > 0) {
    EXPECT_FALSE(a.false_positives.empty());
  }
}

}  // namespace
}  // namespace sim
