// `swimsim merge`: the reports of shards that each ran part of a seed sweep
// merge into the report of one run over all the seeds (sim/merge.h), and
// reports that do not belong together are refused with a reason.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/merge.h"
#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"

namespace sim {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// Small but eventful: a join, a crash that is detected, a partition that
// heals (false deaths and suspicions possible), an expectation to evaluate.
constexpr char kScenario[] = R"(
name = "merge_probe"
[cluster]
size = 8
profile = "local"
duration = "25s"
[network]
loss = 0.05
[[event]]
at = "3s"
action = "crash"
nodes = [5]
[[event]]
at = "8s"
action = "partition"
groups = [[0, 1, 2], [3, 4, 5, 6, 7]]
duration = "4s"
[[event]]
at = "15s"
action = "join"
count = 2
[expect]
detection_p99 = "<= 20s"
)";

Scenario Load(const std::string& text = kScenario) {
  absl::StatusOr<Scenario> sc = ParseScenario(text, "merge_probe.toml");
  EXPECT_TRUE(sc.ok()) << sc.status();
  return *sc;
}

std::vector<RunResult> RunSeeds(const Scenario& sc,
                                std::vector<uint64_t> seeds) {
  std::vector<RunResult> runs;
  for (uint64_t s : seeds) {
    absl::StatusOr<RunResult> r = RunScenario(sc, s);
    EXPECT_TRUE(r.ok()) << "seed " << s << ": " << r.status();
    runs.push_back(*r);
  }
  return runs;
}

json Report(const Scenario& sc, const std::vector<RunResult>& runs,
            const std::string& binary = "b1") {
  json j = JsonReport(sc, runs, EvaluateExpectations(sc, runs));
  j["binary"] = binary;
  return j;
}

class ReportMerge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sc_ = new Scenario(Load());
    runs_ = new std::vector<RunResult>(RunSeeds(*sc_, {1, 2, 3, 4, 5, 6}));
  }
  static void TearDownTestSuite() {
    delete sc_;
    delete runs_;
  }
  static std::vector<RunResult> Slice(std::vector<size_t> idx) {
    std::vector<RunResult> out;
    for (size_t i : idx) out.push_back((*runs_)[i]);
    return out;
  }
  static Scenario* sc_;
  static std::vector<RunResult>* runs_;
};
Scenario* ReportMerge::sc_ = nullptr;
std::vector<RunResult>* ReportMerge::runs_ = nullptr;

TEST_F(ReportMerge, RunRoundTripsThroughJson) {
  const json full = Report(*sc_, *runs_);
  for (const json& run : full["runs"]) {
    absl::StatusOr<RunResult> r = RunFromJson(run);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(Report(*sc_, {*r})["runs"][0].dump(), run.dump())
        << "seed " << run["seed"];
  }
}

TEST_F(ReportMerge, TwoHalvesGiveTheFullRunsReport) {
  const json full = Report(*sc_, *runs_);
  // Striped shards, given in either order: the merge orders runs by seed.
  const json a = Report(*sc_, Slice({0, 2, 4}));
  const json b = Report(*sc_, Slice({1, 3, 5}));
  for (const auto& inputs :
       {std::vector<json>{a, b}, std::vector<json>{b, a}}) {
    absl::StatusOr<MergedReport> m = MergeReports(inputs, {"a.json", "b.json"});
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_EQ(m->runs.size(), runs_->size());
    const auto outcomes = EvaluateExpectations(m->scenario, m->runs);
    json merged = JsonReport(m->scenario, m->runs, outcomes);
    merged["binary"] = m->binary;
    EXPECT_EQ(merged.dump(2), full.dump(2));
    EXPECT_EQ(TerminalReport(m->scenario, m->runs, outcomes, "replay"),
              TerminalReport(*sc_, *runs_, EvaluateExpectations(*sc_, *runs_),
                             "replay"));
  }
}

TEST_F(ReportMerge, RefusesAReportOfAnotherScenario) {
  std::string other = kScenario;
  other.replace(other.find("loss = 0.05"), 11, "loss = 0.06");
  const Scenario sc2 = Load(other);
  const json a = Report(*sc_, Slice({0}));
  const json b = Report(sc2, RunSeeds(sc2, {2}));
  absl::StatusOr<MergedReport> m = MergeReports({a, b}, {"a.json", "b.json"});
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("b.json ran a different scenario than a.json"));
}

TEST_F(ReportMerge, RefusesAReportOfAnotherBinary) {
  const json a = Report(*sc_, Slice({0}), "1111");
  const json b = Report(*sc_, Slice({1}), "2222");
  absl::StatusOr<MergedReport> m = MergeReports({a, b}, {"a.json", "b.json"});
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("different swimsim binary"));
}

TEST_F(ReportMerge, RefusesASeedInTwoReports) {
  const json a = Report(*sc_, Slice({0, 1}));
  const json b = Report(*sc_, Slice({1, 2}));
  absl::StatusOr<MergedReport> m = MergeReports({a, b}, {"a.json", "b.json"});
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("seed 2 is in both a.json and b.json"));
}

TEST_F(ReportMerge, RefusesSomethingElseWithItsName) {
  absl::StatusOr<MergedReport> m =
      MergeReports({Report(*sc_, Slice({0})), json{{"x", 1}}}, {"a", "c.json"});
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("c.json is not a swimsim JSON report"));
}

TEST_F(ReportMerge, ATruncatedRunNamesTheMissingField) {
  json a = Report(*sc_, Slice({0}));
  a["runs"][0].erase("crashes");
  absl::StatusOr<MergedReport> m = MergeReports({a}, {"a.json"});
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("missing field \"crashes\""));
}

}  // namespace
}  // namespace sim
