// A node restarted at a new address (restart with address = "new"): the
// cluster sees its name claimed from a second address. While the old entry
// is alive or suspect that is a conflict; once it is dead for
// dead_node_reclaim_time, or left, the new address reclaims the name, and
// the cluster agrees on the node at its new address.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/check.h"
#include "core/cover.h"

#include "sim/runner.h"
#include "sim/scenario.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sim {
namespace {

using ::testing::HasSubstr;

constexpr int kMoved = 3;

// Crash node-3 and bring it back at a new address 1 s later; dead names may
// be reclaimed after 5 s (the entry is not reaped before: gossip to the dead
// for 2 min).
constexpr char kCrashMoved[] = R"(
name = "crash_moved"
[cluster]
size = 6
duration = "60s"
dead_node_reclaim_time = "5s"
gossip_to_the_dead_time = "120s"
push_pull_interval = "5s"
[[event]]
at = "5s"
action = "crash"
nodes = [3]
[[event]]
at = "6s"
action = "restart"
nodes = [3]
address = "new"
)";

// node-3 leaves and comes back at a new address (no reclaim time needed: a
// left name may always be taken).
constexpr char kLeftMoved[] = R"(
name = "left_moved"
[cluster]
size = 6
duration = "40s"
gossip_to_the_dead_time = "120s"
[[event]]
at = "5s"
action = "leave"
nodes = [3]
[[event]]
at = "10s"
action = "restart"
nodes = [3]
address = "new"
)";

// Records what every node last saw of node-3 (state and address), its first
// death, and the first address conflict logged about it.
class Watch final : public RunObserver {
 public:
  World::TraceSink Tap(World::TraceSink user) override {
    return [this, user](std::string_view view) {
      if (user) user(view);
      const std::string line(view);
      // "<secs>.<nanos> nN log ERROR conflicting address for node-3. ..."
      if (!first_conflict_ &&
          absl::StrContains(line, "conflicting address for node-3.")) {
        double secs = 0;
        if (absl::SimpleAtod(line.substr(0, line.find(' ')), &secs)) {
          first_conflict_ = secs;
        }
      }
    };
  }
  void OnClusterEvent(const ClusterEvent& e) override {
    if (e.subject != "node-3") return;
    last_[static_cast<int>(e.observer)] = e;
    if (e.state == swim::NodeState::kDead && !first_dead_) {
      first_dead_ = (e.at - swim::Instant()) / absl::Seconds(1);
    }
  }
  void OnTruth(const TruthEvent&) override {}
  void OnRunEnd(const World& world) override {
    final_address_ = world.address(kMoved);
    moves_ = world.address_generation(kMoved);
  }

  // "" if every other node holds node-3 alive at its final address.
  std::string Disagreement() const {
    std::string out;
    for (int o = 0; o < 6; ++o) {
      if (o == kMoved) continue;
      auto it = last_.find(o);
      if (it == last_.end()) {
        absl::StrAppend(&out, " node-", o, " never saw node-3;");
        continue;
      }
      const ClusterEvent& e = it->second;
      const swim::Address held{e.addr, e.port, ""};
      if (e.state != swim::NodeState::kAlive || !(held == final_address_)) {
        absl::StrAppend(&out, " node-", o, " holds node-3 ",
                        std::string(swim::NodeStateName(e.state)), " at ",
                        held.ToString(), ";");
      }
    }
    return out;
  }

  std::optional<double> first_conflict_;
  std::optional<double> first_dead_;
  std::map<int, ClusterEvent> last_;
  swim::Address final_address_;
  uint32_t moves_ = 0;
};

uint64_t Hits(std::string_view mark) {
  for (int i = 0; i < swim::cover::kNumMarks; ++i) {
    if (swim::cover::kMarkNames[i] == mark) return swim::cover::Hits(i);
  }
  ADD_FAILURE() << "no mark " << mark;
  return 0;
}

const CheckerOutcome& Checker(const RunResult& r, std::string_view name) {
  for (const CheckerOutcome& c : r.checkers) {
    if (c.result.name == name) return c;
  }
  static const CheckerOutcome none;
  ADD_FAILURE() << "no checker " << name;
  return none;
}

// Runs `text` with seed `seed`; the marks are counted from zero.
RunResult RunMoved(const char* text, uint64_t seed, Watch* watch) {
  absl::StatusOr<Scenario> sc = ParseScenario(text, "moved.toml");
  SWIM_CHECK(sc.ok());
  swim::cover::ResetHits();
  RunOptions o;
  o.observer = watch;
  o.log_level = swim::LogLevel::kError;
  absl::StatusOr<RunResult> r = RunScenario(*sc, seed, o);
  SWIM_CHECK(r.ok());
  return *r;
}

TEST(AddressChange, CrashedNodeBackAtNewAddressConflictsThenReclaimsItsName) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Watch w;
    const RunResult r = RunMoved(kCrashMoved, seed, &w);
    EXPECT_EQ(w.moves_, 1u);
    EXPECT_TRUE(absl::StartsWith(w.final_address_.ToString(), "172.16."))
        << w.final_address_.ToString();
    // (a) While its old entry lives, the others refuse the new address.
    EXPECT_GT(Hits("address_conflict"), 0u);
    ASSERT_TRUE(w.first_conflict_.has_value());
    ASSERT_TRUE(w.first_dead_.has_value());
    EXPECT_LT(*w.first_conflict_, *w.first_dead_);
    // The old address is declared dead: false deaths, each explained by
    // the move.
    ASSERT_FALSE(r.false_positives.empty());
    for (const FalsePositive& fp : r.false_positives) {
      EXPECT_EQ(fp.subject, kMoved);
      EXPECT_THAT(fp.causes, HasSubstr("subject node-3 moved to 172.16."));
      EXPECT_FALSE(absl::StrContains(fp.causes, "unexplained"));
    }
    // (b) After dead_node_reclaim_time the new address takes the name, and
    // everyone agrees on node-3 alive there.
    EXPECT_GT(Hits("reclaim_dead_name"), 0u);
    EXPECT_EQ(w.Disagreement(), "");
    EXPECT_FALSE(Checker(r, "convergence").result.failed())
        << Checker(r, "convergence").result.examples.front();
    EXPECT_FALSE(Checker(r, "incarnation").result.failed())
        << Checker(r, "incarnation").result.examples.front();
    EXPECT_FALSE(Checker(r, "suspicion_bounds").result.failed())
        << Checker(r, "suspicion_bounds").result.examples.front();
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[1].label.rfind("restart node-3 at a new address", 0), 0u)
        << r.events[1].label;
    EXPECT_TRUE(r.events[1].converged_after.has_value());
  }
}

TEST(AddressChange, WithoutReclaimTimeTheDeadNameWaitsUntilItIsReaped) {
  // Same world, dead names never reclaimable and reaped 40 s after the
  // death: the others keep node-3 dead at its old address, however often
  // the new process refutes, until they forget it; only then do they learn
  // it afresh at the new address.
  std::string text = kCrashMoved;
  text.replace(text.find("dead_node_reclaim_time = \"5s\"\n"), 30, "");
  text.replace(text.find("gossip_to_the_dead_time = \"120s\""), 32,
               "gossip_to_the_dead_time = \"40s\"");
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Watch w;
    const RunResult r = RunMoved(text.c_str(), seed, &w);
    EXPECT_GT(Hits("address_conflict"), 0u);
    EXPECT_EQ(Hits("reclaim_dead_name"), 0u);
    ASSERT_EQ(r.events.size(), 2u);
    ASSERT_TRUE(r.events[1].converged_after.has_value());
    EXPECT_GE(*r.events[1].converged_after, absl::Seconds(40));
    EXPECT_EQ(w.Disagreement(), "");
    EXPECT_FALSE(Checker(r, "convergence").result.failed())
        << Checker(r, "convergence").result.examples.front();
  }
}

TEST(AddressChange, LeftNodeBackAtNewAddressReclaimsItsName) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Watch w;
    const RunResult r = RunMoved(kLeftMoved, seed, &w);
    EXPECT_EQ(w.moves_, 1u);
    EXPECT_GT(Hits("leave_accepted"), 0u);
    EXPECT_GT(Hits("reclaim_left_name"), 0u);
    EXPECT_EQ(w.Disagreement(), "");
    EXPECT_TRUE(r.passed) << absl::StrJoin(r.problems, "; ");
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_TRUE(r.events[1].converged_after.has_value());
  }
}

TEST(AddressChange, AddressKeyIsSameOrNewAndOnlyOnRestart) {
  const std::string head =
      "[cluster]\nsize = 4\n[[event]]\nat = \"1s\"\naction = \"crash\"\n"
      "nodes = [1]\n[[event]]\nat = \"2s\"\n";
  absl::StatusOr<Scenario> bad = ParseScenario(
      head + "action = \"restart\"\nnodes = [1]\naddress = \"elsewhere\"\n",
      "x.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("x.toml:11:11: \"address\" must be \"same\" or "
                        "\"new\", not \"elsewhere\""));
  absl::StatusOr<Scenario> not_text = ParseScenario(
      head + "action = \"restart\"\nnodes = [1]\naddress = 7\n", "x.toml");
  ASSERT_FALSE(not_text.ok());
  EXPECT_THAT(std::string(not_text.status().message()),
              HasSubstr("x.toml:11:11:"));
  // A running process does not change its address: rejoin has no such key.
  absl::StatusOr<Scenario> rejoin = ParseScenario(
      "[cluster]\nsize = 4\n[[event]]\nat = \"1s\"\naction = \"rejoin\"\n"
      "nodes = [1]\naddress = \"new\"\n",
      "x.toml");
  ASSERT_FALSE(rejoin.ok());
  EXPECT_THAT(std::string(rejoin.status().message()),
              HasSubstr("x.toml:7:1: rejoin does not take \"address\""));
  EXPECT_TRUE(ParseScenario(head +
                                "action = \"restart\"\nnodes = [1]\naddress = "
                                "\"same\"\n",
                            "x.toml")
                  .ok());
}

}  // namespace
}  // namespace sim
