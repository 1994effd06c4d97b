// Shrinking keeps the original failure while removing what does not matter;
// the report's numbers, JSON and SVG come from the runs.
#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/shrink.h"

namespace sim {
namespace {

using ::testing::HasSubstr;

constexpr char kFailing[] = R"(
name = "too_strict"
[cluster]
size = 12
profile = "lan"
duration = "40s"
[network]
loss = 0.01
[[event]]
at = "5s"
action = "pause"
nodes = [2]
duration = "1s"
[[event]]
at = "10s"
action = "crash"
nodes = [9]
[[event]]
at = "20s"
action = "partition"
groups = [[0, 1, 2], [3, 4, 5, 6, 7, 8, 10, 11]]
duration = "2s"
[expect]
detection_p99 = "<= 3s"   # impossible: the suspicion timeout alone is >= 4s
)";

TEST(Shrink, KeepsTheFailureAndDropsTheRest) {
  absl::StatusOr<Scenario> sc = ParseScenario(kFailing, "too_strict.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  absl::StatusOr<std::set<std::string>> f = FailuresWithSeed(*sc, 5);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, (std::set<std::string>{"expect:detection_p99"}));
  absl::StatusOr<ShrinkResult> r = Shrink(*sc, 5, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->removed_events, 2);  // the pause and the partition
  EXPECT_LT(r->size_after, 12);
  // Node 9 is renumbered (to node 1), so it no longer pins the size.
  EXPECT_LE(r->size_after, 9);
  absl::StatusOr<Scenario> small = ParseScenario(r->toml, "shrunk.toml");
  ASSERT_TRUE(small.ok()) << small.status() << "\n" << r->toml;
  ASSERT_EQ(small->events.size(), 1u);
  EXPECT_EQ(small->events[0].action, ActionKind::kCrash);
  EXPECT_EQ(small->seeds, std::vector<uint64_t>{5});
  EXPECT_DOUBLE_EQ(small->link.loss, 0.0);
  absl::StatusOr<std::set<std::string>> again = FailuresWithSeed(*small, 5);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->count("expect:detection_p99"), 1u);
}

TEST(Shrink, RefusesAPassingSeed) {
  absl::StatusOr<Scenario> sc =
      ParseScenario("[cluster]\nsize = 3\nduration = \"5s\"\n", "fine.toml");
  ASSERT_TRUE(sc.ok());
  EXPECT_EQ(Shrink(*sc, 1, nullptr).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Report, PercentilesAreNearestRank) {
  EXPECT_DOUBLE_EQ(Percentile({5, 1, 3, 2, 4}, 0.5), 3);
  EXPECT_DOUBLE_EQ(Percentile({5, 1, 3, 2, 4}, 0.99), 5);
  EXPECT_DOUBLE_EQ(Percentile({7}, 0.01), 7);
  EXPECT_TRUE(std::isnan(Percentile({}, 0.5)));
}

TEST(Report, NumbersJsonAndSvgComeFromTheRuns) {
  absl::StatusOr<Scenario> sc = ParseScenario(R"(
name = "r"
[cluster]
size = 8
duration = "30s"
[[event]]
at = "5s"
action = "crash"
nodes = [3]
[expect]
detection_max = "<= 20s"
false_positives = 0
undetected_crashes = 0
)",
                                              "r.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  std::vector<RunResult> runs;
  for (uint64_t seed : {1, 2, 3}) {
    absl::StatusOr<RunResult> r = RunScenario(*sc, seed);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->crashes.size(), 1u);
    ASSERT_TRUE(r->crashes[0].full_detection.has_value());
    // Everyone knows at or after the first declaration, which follows the
    // first suspicion.
    EXPECT_LE(*r->crashes[0].first_suspicion, *r->crashes[0].first_detection);
    EXPECT_LE(*r->crashes[0].first_detection, *r->crashes[0].full_detection);
    runs.push_back(std::move(*r));
  }
  double worst = 0;
  for (const RunResult& r : runs) {
    worst =
        std::max(worst, absl::ToDoubleSeconds(*r.crashes[0].full_detection));
  }
  std::vector<const RunResult*> ptrs = {&runs[0], &runs[1], &runs[2]};
  EXPECT_DOUBLE_EQ(MetricValue("detection_max", ptrs), worst);
  std::vector<ExpectationOutcome> ex = EvaluateExpectations(*sc, runs);
  ASSERT_EQ(ex.size(), 3u);
  for (const ExpectationOutcome& e : ex)
    EXPECT_TRUE(e.held) << e.expectation.metric;

  const nlohmann::json j = JsonReport(*sc, runs, ex);
  EXPECT_EQ(j["runs"].size(), 3u);
  EXPECT_TRUE(j["passed"].get<bool>());
  EXPECT_DOUBLE_EQ(j["metrics"]["detection_max"].get<double>(), worst);
  EXPECT_EQ(j["runs"][0]["trace_hash"].get<std::string>().size(), 16u);

  const std::string text =
      TerminalReport(*sc, runs, ex, "./swimsim --scenario r.toml");
  EXPECT_THAT(text, HasSubstr("crash node-3"));
  EXPECT_THAT(text, HasSubstr("RESULT: PASS"));

  const std::string svg = AgreementSvg(*sc, runs);
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 10, true);
  EXPECT_THAT(DetectionSvg(*sc, runs), HasSubstr("(3 samples)"));
}

TEST(Report, FailedExpectationNamesWorstSeedAndReplayCommand) {
  absl::StatusOr<Scenario> sc = ParseScenario(R"(
[cluster]
size = 6
duration = "20s"
[[event]]
at = "3s"
action = "crash"
nodes = [1]
[expect]
first_detection_p50 = "<= 1s"
)",
                                              "strict.toml");
  ASSERT_TRUE(sc.ok());
  std::vector<RunResult> runs;
  for (uint64_t seed : {4, 5}) runs.push_back(*RunScenario(*sc, seed));
  std::vector<ExpectationOutcome> ex = EvaluateExpectations(*sc, runs);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_FALSE(ex[0].held);
  const uint64_t worst =
      *runs[0].crashes[0].first_detection >= *runs[1].crashes[0].first_detection
          ? 4
          : 5;
  EXPECT_EQ(ex[0].worst_seed, worst);
  const std::string text = TerminalReport(*sc, runs, ex, "X");
  EXPECT_THAT(text,
              HasSubstr(absl::StrCat("X --seed ", worst, " --trace t.txt")));
  EXPECT_THAT(text, HasSubstr("RESULT: FAIL"));
}

}  // namespace
}  // namespace sim
