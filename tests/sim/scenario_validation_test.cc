// Bad scenario input is rejected before anything runs, with the file,
// line and column of the offending value (issue 15's list, one test each).
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/report.h"
#include "sim/scenario.h"

namespace sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<Scenario> sc = ParseScenario(text, "x.toml");
  if (sc.ok()) return "OK";
  EXPECT_EQ(sc.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(sc.status().message());
}

constexpr char kCrash[] = "[cluster]\nsize = 4\n[[event]]\nat = \"1s\"\n";

TEST(ScenarioValidation, NodeIndexesBeyondIntRangeAreErrorsAtTheValue) {
  EXPECT_THAT(ErrorOf(std::string(kCrash) +
                      "action = \"crash\"\nnodes = [1, 2147483648]\n"),
              HasSubstr("x.toml:6:13: node index 2147483648 in \"nodes\" is "
                        "out of range"));
  // 2^32 + 1 used to wrap to node-1.
  EXPECT_THAT(ErrorOf(std::string(kCrash) +
                      "action = \"crash\"\nnodes = [4294967297]\n"),
              HasSubstr("x.toml:6:10: node index 4294967297"));
  EXPECT_THAT(ErrorOf("[cluster]\nsize = 4\n[[event]]\nat = \"1s\"\naction = "
                      "\"partition\"\ngroups = [[0], [4294967297]]\n"),
              HasSubstr("x.toml:6:17: node index 4294967297"));
}

TEST(ScenarioValidation, ConfigIntegersDoNotWrap) {
  EXPECT_THAT(ErrorOf("[cluster]\nretransmit_mult = 4294967297\n"),
              HasSubstr("x.toml:2:19: \"retransmit_mult\" must be in ["));
}

TEST(ScenarioValidation, OutOfRangeIndexPointsAtTheValue) {
  EXPECT_THAT(
      ErrorOf(std::string(kCrash) + "action = \"crash\"\nnodes = [0, 4]\n"),
      HasSubstr("x.toml:6:13: crash at 1s: node index 4 out of range"));
}

TEST(ScenarioValidation, ClockDriftOutOfRange) {
  EXPECT_THAT(
      ErrorOf(std::string(kCrash) +
              "action = \"clock_drift\"\nnodes = [1]\nppm = -1000000\n"),
      HasSubstr("x.toml:7:7: \"ppm\" must be in [-100000, 100000]"));
  EXPECT_THAT(
      ErrorOf(std::string(kCrash) +
              "action = \"clock_drift\"\nnodes = [1]\nppm = 1000000000000\n"),
      HasSubstr("x.toml:7:7: \"ppm\" must be in"));
  EXPECT_EQ(ErrorOf(std::string(kCrash) +
                    "action = \"clock_drift\"\nnodes = [1]\nppm = -500\n"),
            "OK");
}

TEST(ScenarioValidation, ClustersThatCannotFitAreRejected) {
  EXPECT_THAT(ErrorOf("[cluster]\nsize = 100000\n"),
              HasSubstr("x.toml:2:8: the cluster would reach 100000 nodes"));
  EXPECT_THAT(ErrorOf("[cluster]\nsize = 10\n[[event]]\nat = \"1s\"\naction = "
                      "\"join\"\ncount = 100000\n"),
              HasSubstr("x.toml:6:9: the cluster would reach 100010 nodes"));
  EXPECT_EQ(ErrorOf("[cluster]\nsize = 1000\n"), "OK");
}

TEST(ScenarioValidation, EventsMustEndWithinTheRun) {
  EXPECT_THAT(ErrorOf("[cluster]\nduration = \"20s\"\n[[event]]\nat = \"5s\"\n"
                      "action = \"partition\"\nsplit_brain = true\n"
                      "duration = \"2h\"\n"),
              HasSubstr("x.toml:7:12: partition at 5s for 2h ends after the "
                        "end of the run"));
  EXPECT_THAT(ErrorOf("[cluster]\nduration = \"20s\"\n[[event]]\nat = \"30s\"\n"
                      "action = \"join\"\ncount = 1\n"),
              HasSubstr("x.toml:4:6: join at 30s is after the end of the run"));
  EXPECT_THAT(ErrorOf("[cluster]\nduration = \"1000000h\"\n"),
              HasSubstr("x.toml:2:12: \"duration\" must be in (0, 24h]"));
}

TEST(ScenarioValidation, DurationOnlyOnActionsThatUndoThemselves) {
  EXPECT_THAT(ErrorOf(std::string(kCrash) +
                      "action = \"crash\"\nnodes = [1]\nduration = \"2s\"\n"),
              HasSubstr("x.toml:7:12: crash does not take \"duration\""));
}

TEST(ScenarioValidation, EmptyFileOrDirectoryIsNotAScenario) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("x.toml:1:1: empty scenario"));
  EXPECT_THAT(ErrorOf("# only a comment\n\n"), HasSubstr("empty scenario"));
  const std::string dir = ::testing::TempDir() + "/scenario_dir";
  std::filesystem::create_directories(dir);
  absl::StatusOr<Scenario> sc = LoadScenario(dir);
  ASSERT_FALSE(sc.ok());
  EXPECT_THAT(std::string(sc.status().message()), HasSubstr("is a directory"));
}

TEST(ScenarioValidation, LatencyModelsMustMakeSense) {
  EXPECT_THAT(
      ErrorOf("[network]\nlatency = { kind = \"uniform\", min = \"3ms\", max = "
              "\"1ms\" }\n"),
      HasSubstr("x.toml:2:50: latency \"max\" (1ms) is below \"min\" (3ms)"));
  // The order of the keys does not matter any more.
  EXPECT_EQ(ErrorOf("[network]\nlatency = { kind = \"uniform\", max = \"3ms\", "
                    "min = \"1ms\" }\n"),
            "OK");
  EXPECT_THAT(ErrorOf("[network]\nlatency = { kind = \"pareto\", floor = "
                      "\"1ms\", scale = \"1ms\", alpha = -1.5 }\n"),
              HasSubstr("latency \"alpha\" must be > 0 (got -1.5)"));
  EXPECT_THAT(
      ErrorOf("[network]\nlatency = { kind = \"pareto\", alpha = 0 }\n"),
      HasSubstr("latency \"alpha\" must be > 0"));
}

TEST(ScenarioValidation, PartitionGroupsMustNotOverlap) {
  EXPECT_THAT(ErrorOf(std::string(kCrash) +
                      "action = \"partition\"\ngroups = [[0, 1], [1, 2]]\n"),
              HasSubstr("x.toml:6:20: node 1 is in two partition groups"));
}

TEST(ScenarioValidation, ProbeIntervalMustBePositive) {
  EXPECT_THAT(ErrorOf("[cluster]\nprobe_interval = \"0s\"\n"),
              HasSubstr("x.toml:2:18: \"probe_interval\" must be > 0"));
}

TEST(ScenarioValidation, NamesCannotEscapeOutputDirectories) {
  EXPECT_THAT(ErrorOf("name = \"../x\"\n"),
              HasSubstr("x.toml:1:8: \"name\" must be 1-128 characters"));
  EXPECT_EQ(SafeFileName("../x"), "_.._x");
  EXPECT_EQ(SafeFileName("quick start"), "quick_start");
  // Even a Scenario built by hand writes inside the directory.
  Scenario sc;
  sc.name = "../escaped";
  const std::string dir = ::testing::TempDir() + "/svg_out";
  absl::StatusOr<std::vector<std::string>> w = WriteSvgs(dir, sc, {});
  ASSERT_TRUE(w.ok()) << w.status();
  for (const std::string& p : *w) EXPECT_THAT(p, Not(HasSubstr("/../")));
}

TEST(ScenarioValidation, RestartNeedsADownNodeAndRejoinARunningOne) {
  EXPECT_THAT(
      ErrorOf(std::string(kCrash) + "action = \"restart\"\nnodes = [2]\n"),
      HasSubstr("x.toml:6:10: restart at 1s: node-2 is running"));
  EXPECT_THAT(
      ErrorOf("[cluster]\nsize = 4\n[[event]]\nat = \"1s\"\naction = "
              "\"leave\"\nnodes = [2]\n[[event]]\nat = \"5s\"\naction = "
              "\"rejoin\"\nnodes = [2]\n"),
      HasSubstr("x.toml:10:10: rejoin at 5s: node-2 has left"));
  EXPECT_EQ(ErrorOf("[cluster]\nsize = 4\n[[event]]\nat = \"1s\"\naction = "
                    "\"leave\"\nnodes = [2]\n[[event]]\nat = \"5s\"\naction = "
                    "\"restart\"\nnodes = [2]\n"),
            "OK");
}

TEST(ScenarioValidation, OutputDirectoryCheckedBeforeRunning) {
  EXPECT_TRUE(CheckWritableDir(::testing::TempDir() + "/out_ok").ok());
  EXPECT_FALSE(CheckWritableDir("/proc/swimsim-cannot-write-here").ok());
}

TEST(Report, RealTimeRatioIsHonestWhenSlowerThanRealTime) {
  EXPECT_EQ(RealTimeRatio(120, 1), "120x real time");
  EXPECT_THAT(RealTimeRatio(1, 4), HasSubstr("4x slower than real time"));
  EXPECT_THAT(RealTimeRatio(1, 4), Not(HasSubstr("0x real time")));
}

}  // namespace
}  // namespace sim
