// Same scenario + seed + binary -> byte-identical trace. Every scenario in
// scenarios/ except the slow churn_1000 runs twice (once with a text sink,
// once without: the sink must not change the hash) and the traces match.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/runner.h"
#include "sim/scenario.h"

namespace sim {
namespace {

class ScenarioDeterminism : public ::testing::TestWithParam<const char*> {};

TEST_P(ScenarioDeterminism, SameSeedSameTrace) {
  absl::StatusOr<Scenario> sc = LoadScenario(GetParam());
  ASSERT_TRUE(sc.ok()) << sc.status();
  if (sc->name == "mass_join") sc->size = 60;  // keep the default suite fast
  std::string text1;
  RunOptions with_sink;
  with_sink.trace_sink = [&text1](std::string_view line) {
    text1.append(line.data(), line.size());
    text1.push_back('\n');
  };
  absl::StatusOr<RunResult> a = RunScenario(*sc, 42, with_sink);
  ASSERT_TRUE(a.ok()) << a.status();
  std::string text2;
  RunOptions sink2;
  sink2.trace_sink = [&text2](std::string_view line) {
    text2.append(line.data(), line.size());
    text2.push_back('\n');
  };
  absl::StatusOr<RunResult> b = RunScenario(*sc, 42, sink2);
  ASSERT_TRUE(b.ok()) << b.status();
  absl::StatusOr<RunResult> c = RunScenario(*sc, 42);  // no sink
  ASSERT_TRUE(c.ok()) << c.status();
  // Core logs and membership events in the text (--log debug) never change
  // the hash.
  std::string verbose;
  RunOptions debug;
  debug.log_level = swim::LogLevel::kDebug;
  debug.trace_sink = [&verbose](std::string_view line) {
    verbose.append(line.data(), line.size());
    verbose.push_back('\n');
  };
  absl::StatusOr<RunResult> v = RunScenario(*sc, 42, debug);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(a->trace_hash, b->trace_hash);
  EXPECT_EQ(a->trace_hash, c->trace_hash);
  EXPECT_EQ(a->trace_hash, v->trace_hash);
  EXPECT_GT(verbose.size(), text1.size());
  EXPECT_NE(verbose.find(" event join "), std::string::npos);
  EXPECT_GT(text1.size(), 1000u);
  EXPECT_TRUE(text1 == text2) << "trace text differs between identical runs";
  EXPECT_EQ(a->samples, c->samples);
  // And the seed matters.
  absl::StatusOr<RunResult> d = RunScenario(*sc, 43);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_NE(a->trace_hash, d->trace_hash);
}

INSTANTIATE_TEST_SUITE_P(
    AllScenarios, ScenarioDeterminism,
    ::testing::Values(
        "scenarios/quickstart.toml", "scenarios/crash_detection.toml",
        "scenarios/refute_slow_node.toml", "scenarios/lossy_links.toml",
        "scenarios/asymmetric_partition.toml", "scenarios/pause_storm.toml",
        "scenarios/mass_join.toml"));

}  // namespace
}  // namespace sim
