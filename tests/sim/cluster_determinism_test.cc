// The real protocol core inside the World replays exactly: same seed, same
// trace hash and same final random draws; a different seed, a different run.
// (Catches nondeterminism anywhere in core/ or sim/: hash-ordered iteration,
// uninitialised state, a stray clock or global random source.)
#include <string>
#include <utility>
#include <vector>

#include "sim/cluster.h"

#include "gtest/gtest.h"

namespace sim {
namespace {

struct RunResult {
  uint64_t trace_hash;
  std::vector<uint64_t> final_draws;
  uint64_t events;
  bool operator==(const RunResult&) const = default;
};

RunResult RunScenario(uint64_t seed, std::vector<std::string>* text) {
  WorldOptions o;
  o.seed = seed;
  o.log_level = swim::LogLevel::kError;
  Cluster c(o, [](int) { return swim::DefaultLocalConfig(); });
  World& w = c.world();
  LinkParams link;
  link.latency = LatencyModel::Normal(
      absl::Milliseconds(2), absl::Milliseconds(1), absl::Microseconds(200));
  link.loss = 0.02;
  link.reorder = 0.02;
  w.network().SetDefaultLink(link);
  if (text)
    w.SetTraceSink([text](std::string_view l) { text->emplace_back(l); });
  c.CreateAndJoin(8, absl::Milliseconds(50));
  w.RunFor(absl::Seconds(5));
  w.Pause(2);
  w.RunFor(absl::Seconds(3));
  w.Resume(2);
  c.Crash(5);
  w.Partition({{0, 1, 2}, {3, 4, 6, 7}});
  w.RunFor(absl::Seconds(10));
  w.Heal();
  c.Restart(5);
  w.RunFor(absl::Seconds(20));
  RunResult r;
  r.trace_hash = w.trace_hash();
  for (NodeId i = 0; i < w.num_nodes(); ++i) {
    r.final_draws.push_back(w.env(i).Random());
  }
  r.final_draws.push_back(w.rng().Next());
  r.events = w.events_processed();
  return r;
}

TEST(ClusterDeterminism, SameSeedReplaysExactly) {
  std::vector<std::string> t1, t2;
  const RunResult a = RunScenario(2024, &t1);
  const RunResult b = RunScenario(2024, &t2);
  ASSERT_EQ(t1.size(), t2.size());
  for (size_t i = 0; i < t1.size(); ++i) {
    ASSERT_EQ(t1[i], t2[i]) << "first divergence at trace line " << i;
  }
  EXPECT_TRUE(a == b);
  EXPECT_GT(a.events, 2000u);  // a real run, not an empty one
}

TEST(ClusterDeterminism, DifferentSeedDiverges) {
  const RunResult a = RunScenario(2024, nullptr);
  const RunResult b = RunScenario(2025, nullptr);
  EXPECT_NE(a.trace_hash, b.trace_hash);
  EXPECT_NE(a.final_draws, b.final_draws);
}

}  // namespace
}  // namespace sim
