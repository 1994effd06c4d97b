// The scenario format: what parses, and that every mistake is reported with
// its file:line:col.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/runner.h"
#include "sim/scenario.h"

namespace sim {
namespace {

using ::testing::HasSubstr;

absl::Status ErrorOf(const std::string& text) {
  absl::StatusOr<Scenario> sc = ParseScenario(text, "x.toml");
  return sc.status();
}

TEST(ScenarioParse, FullScenarioAppliesProfileOverridesAndSchedule) {
  absl::StatusOr<Scenario> sc = ParseScenario(R"(
name = "demo"
[cluster]
size = 5
profile = "local"
seeds = "3..6"
duration = "45s"
probe_interval = "700ms"
suspicion_mult = 5
enable_compression = false
[network]
latency = { kind = "uniform", min = "1ms", max = "3ms" }
loss = 0.05
bandwidth = 100000
[[event]]
at = "20s"
action = "crash"
nodes = [2]
[[event]]
at = "10s"
action = "join"
count = 2
[[event]]
at = "30s"
action = "partition"
groups = [[0, 1], [2, 3, 4, 5, 6]]
duration = "5s"
[expect]
detection_p99 = "<= 5s"
false_positives = 0
bytes_per_node_per_sec = "<= 2000"
)",
                                              "demo.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  EXPECT_EQ(sc->name, "demo");
  EXPECT_EQ(sc->size, 5);
  EXPECT_EQ(sc->seeds, (std::vector<uint64_t>{3, 4, 5, 6}));
  EXPECT_EQ(sc->duration, absl::Seconds(45));
  EXPECT_EQ(sc->config.probe_interval, absl::Milliseconds(700));
  EXPECT_EQ(sc->config.suspicion_mult, 5);
  EXPECT_FALSE(sc->config.enable_compression);
  // Local profile value kept where not overridden.
  EXPECT_EQ(sc->config.gossip_interval,
            swim::DefaultLocalConfig().gossip_interval);
  EXPECT_EQ(sc->link.latency.kind, LatencyModel::Kind::kUniform);
  EXPECT_EQ(sc->link.latency.spread, absl::Milliseconds(2));
  EXPECT_DOUBLE_EQ(sc->link.loss, 0.05);
  EXPECT_EQ(sc->bandwidth_bytes_per_sec, 100000u);
  // Sorted by time; the join made nodes 5 and 6 exist for the partition.
  ASSERT_EQ(sc->events.size(), 3u);
  EXPECT_EQ(sc->events[0].action, ActionKind::kJoin);
  EXPECT_EQ(sc->events[1].action, ActionKind::kCrash);
  EXPECT_EQ(sc->events[2].duration, absl::Seconds(5));
  EXPECT_EQ(sc->max_nodes(), 7);
  ASSERT_EQ(sc->expectations.size(), 3u);
  // [expect] keys come back in the table's (sorted) order.
  EXPECT_EQ(sc->expectations[1].metric, "detection_p99");
  EXPECT_TRUE(sc->expectations[1].is_duration);
  EXPECT_DOUBLE_EQ(sc->expectations[1].value, 5.0);
}

TEST(ScenarioParse, TomlSyntaxErrorHasLineAndColumn) {
  absl::Status s = ErrorOf("[cluster]\nsize = 3\nprofile = \"lan\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("x.toml:3:"));
}

TEST(ScenarioParse, UnknownKeyNamesLine) {
  absl::Status s = ErrorOf("[cluster]\nsize = 3\nprobe_intervall = \"1s\"\n");
  EXPECT_THAT(
      std::string(s.message()),
      HasSubstr("x.toml:3:1: unknown [cluster] key \"probe_intervall\""));
  s = ErrorOf("[network]\nlos = 0.1\n");
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("x.toml:2:1: unknown [network] key"));
  s = ErrorOf(
      "[[event]]\nat = \"1s\"\naction = \"crash\"\nnodes = [1]\nnode_list = "
      "3\n");
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("x.toml:5:1: unknown [[event]] key"));
  s = ErrorOf("[expect]\ndetection_p98 = \"<= 1s\"\n");
  EXPECT_THAT(std::string(s.message()), HasSubstr("x.toml:2:"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("unknown expectation \"detection_p98\""));
}

// Issue 16's switch: compat = "go" applies Config::ApplyGoCompat() to the
// profile; [cluster] config keys after it still win.
TEST(ScenarioParse, CompatGoAppliesGoCompatBeforeOverrides) {
  absl::StatusOr<Scenario> sc = ParseScenario(R"(
[cluster]
size = 3
profile = "local"
compat = "go"
join_sync = true
)",
                                              "x.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  EXPECT_EQ(sc->compat, "go");
  swim::Config want = swim::Config::GoCompat(swim::DefaultLocalConfig());
  EXPECT_EQ(sc->config.handoff, want.handoff);
  EXPECT_EQ(sc->config.refutation_transmit_scale, 1);
  EXPECT_FALSE(sc->config.join_concurrent);
  EXPECT_FALSE(sc->config.accept_snappy);
  EXPECT_TRUE(sc->config.join_sync);  // the override after compat
  EXPECT_EQ(sc->config.probe_timeout, want.probe_timeout);

  sc = ParseScenario("[cluster]\nsize = 3\ncompat = \"default\"\n", "x.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  EXPECT_EQ(sc->config.handoff, swim::HandoffMode::kInline);
  EXPECT_EQ(sc->config.refutation_transmit_scale, 3);
}

// staggered_ticks is a Config field like any other, so a scenario can run a
// Go cluster with our staggered loops (or ours in Go's lockstep) to tell the
// tick phase's effect apart from the other departures.
TEST(ScenarioParse, StaggeredTicksIsAConfigKey) {
  absl::StatusOr<Scenario> sc = ParseScenario(
      "[cluster]\nsize = 3\ncompat = \"go\"\nstaggered_ticks = true\n",
      "x.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  EXPECT_TRUE(sc->config.staggered_ticks);  // the override after compat
  EXPECT_FALSE(sc->config.join_sync);       // the rest stays Go's

  sc =
      ParseScenario("[cluster]\nsize = 3\nstaggered_ticks = false\n", "x.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  EXPECT_FALSE(sc->config.staggered_ticks);
}

TEST(ScenarioParse, CompatRejectsOtherValuesWithPosition) {
  absl::Status s = ErrorOf("[cluster]\nsize = 3\ncompat = \"golang\"\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("x.toml:3:10: \"compat\" must be \"default\" or "
                        "\"go\""));
  s = ErrorOf("[cluster]\nsize = 3\ncompat = 1\n");
  EXPECT_THAT(std::string(s.message()), HasSubstr("x.toml:3:"));
  // Go reads only LZW: snappy with compat = "go" does not validate.
  s = ErrorOf(
      "[cluster]\nsize = 3\ncompat = \"go\"\ncompression_algo = "
      "\"snappy\"\n");
  EXPECT_THAT(std::string(s.message()), HasSubstr("snappy"));
}

TEST(ScenarioParse, BadTypesAndDurations) {
  absl::Status s = ErrorOf("[cluster]\nsize = \"ten\"\n");
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("x.toml:2:8: \"size\" must be an integer"));
  s = ErrorOf("[cluster]\nprobe_interval = \"fast\"\n");
  EXPECT_THAT(std::string(s.message()), HasSubstr("x.toml:2:"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("bad duration \"fast\""));
  s = ErrorOf("[cluster]\nprobe_interval = 500\n");
  EXPECT_THAT(std::string(s.message()), HasSubstr("must be a duration string"));
  s = ErrorOf("[network]\nloss = 1.5\n");
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("x.toml:2:8: \"loss\" must be a probability"));
  s = ErrorOf("[[event]]\nat = \"-3s\"\naction = \"heal\"\n");
  EXPECT_THAT(std::string(s.message()), HasSubstr("x.toml:2:"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("negative duration"));
}

TEST(ScenarioParse, NodeIndexOutOfRangeNamesTheIndex) {
  absl::Status s = ErrorOf(
      "[cluster]\nsize = 4\n\n[[event]]\nat = \"1s\"\naction = "
      "\"crash\"\nnodes = [4]\n");
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("x.toml:7:10: crash at 1s: node index 4 out of range"));
  // A join makes the index valid from then on, not before.
  EXPECT_TRUE(
      ErrorOf("[cluster]\nsize = 4\n[[event]]\nat = \"1s\"\naction = "
              "\"join\"\ncount = 1\n"
              "[[event]]\nat = \"2s\"\naction = \"crash\"\nnodes = [4]\n")
          .ok());
  s = ErrorOf(
      "[cluster]\nsize = 4\n[[event]]\nat = \"3s\"\naction = \"join\"\ncount = "
      "1\n"
      "[[event]]\nat = \"2s\"\naction = \"crash\"\nnodes = [4]\n");
  EXPECT_THAT(std::string(s.message()), HasSubstr("x.toml:10:10: crash at 2s"));
}

TEST(ScenarioParse, UnknownActionAndMissingArguments) {
  absl::Status s = ErrorOf("[[event]]\nat = \"1s\"\naction = \"explode\"\n");
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("x.toml:3:10: unknown action \"explode\""));
  s = ErrorOf("[[event]]\nat = \"1s\"\naction = \"pause\"\n");
  EXPECT_THAT(std::string(s.message()), HasSubstr("pause needs \"nodes\""));
  s = ErrorOf("[[event]]\naction = \"heal\"\n");
  EXPECT_THAT(std::string(s.message()), HasSubstr("needs \"at\""));
}

TEST(ScenarioParse, CheckerNamesAreValidated) {
  absl::Status s = ErrorOf("[checkers]\nexpect_fail = [\"false_positive\"]\n");
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("x.toml:2:16: unknown checker \"false_positive\""));
}

TEST(ScenarioParse, SeedRangesAndDurations) {
  EXPECT_EQ(*ParseSeedRange("1..3"), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(*ParseSeedRange("7"), (std::vector<uint64_t>{7}));
  EXPECT_EQ(*ParseSeedRange("1,5..6"), (std::vector<uint64_t>{1, 5, 6}));
  EXPECT_FALSE(ParseSeedRange("5..1").ok());
  EXPECT_FALSE(ParseSeedRange("x").ok());
  EXPECT_EQ(*ParseDurationText("1m30s"), absl::Seconds(90));
  EXPECT_EQ(*ParseDurationText("2min"), absl::Minutes(2));
  EXPECT_EQ(*ParseDurationText("250us"), absl::Microseconds(250));
  EXPECT_FALSE(ParseDurationText("5 seconds").ok());
}

TEST(ScenarioParse, ProductionBinaryRefusesPlantedBugs) {
  absl::StatusOr<Scenario> sc = ParseScenario(
      "[cluster]\nsize = 3\nplanted_bugs = \"ignore_refute\"\n", "neg.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  EXPECT_NE(sc->config.planted_bugs, 0u);
  ASSERT_FALSE(PlantedBugsLinked());
  absl::StatusOr<RunResult> r = RunScenario(*sc, 1);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("//sim:swimsim_planted_bugs"));
  EXPECT_FALSE(
      ParseScenario("[cluster]\nplanted_bugs = \"typo\"\n", "n.toml").ok());
}

}  // namespace
}  // namespace sim

namespace sim {
namespace {

// Every scenario shipped in the repository parses (including the slow and
// the negative ones, which the default suite does not run).
TEST(ScenarioFiles, AllShippedScenariosParse) {
  for (const char* f :
       {"scenarios/quickstart.toml", "scenarios/crash_detection.toml",
        "scenarios/refute_slow_node.toml", "scenarios/lossy_links.toml",
        "scenarios/asymmetric_partition.toml", "scenarios/pause_storm.toml",
        "scenarios/mass_join.toml", "scenarios/churn_1000.toml",
        "scenarios/negative/ignore_refute.toml",
        "scenarios/negative/skip_suspicion.toml",
        "scenarios/negative/accept_stale_alive.toml"}) {
    absl::StatusOr<Scenario> sc = LoadScenario(f);
    EXPECT_TRUE(sc.ok()) << f << ": " << sc.status();
  }
}

}  // namespace
}  // namespace sim
