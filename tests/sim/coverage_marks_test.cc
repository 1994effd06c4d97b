// Every SWIM_COVER mark (core/cover.h) is reached by a shipped scenario or
// by one of the targeted worlds below. A mark nobody reaches fails the test
// by name: either add a scenario or targeted world that reaches it, or the
// path is dead and the mark (and maybe the path) should go.
//
// The targeted worlds are the paths no shipped scenario takes (a name
// claimed from a second address: only a restart with address = "new"
// does that, see address_change_test) or that the shipped scenarios take
// only in some seeds: a reaped name handed back by a push/pull, a suspicion
// confirmed by a peer we suspect ourselves, accusations of our own death. They
// drive one core::Memberlist through FakeEnv with messages on the real wire
// path.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/check.h"
#include "core/cover.h"
#include "core/memberlist.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"

#include "sim/runner.h"
#include "sim/scenario.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/core/fake_env.h"

namespace swim {
namespace {

const VersionVector kVsn = {1, 5, 2, 0, 0, 0};

// One node ("self" at 10.0.0.1) fed messages by hand.
class OneNode {
 public:
  explicit OneNode(Config c) {
    c.name = "self";
    c.bind_port = 7946;
    auto ml = Memberlist::Create(c, &env_,
                                 Address{IpAddress::V4(10, 0, 0, 1), 7946, ""});
    SWIM_CHECK(ml.ok());
    ml_ = std::move(*ml);
    SWIM_CHECK(ml_->Start().ok());
  }
  void Deliver(const Bytes& msg) {
    ml_->HandlePacket(Address{IpAddress::V4(10, 0, 0, 99), 7946, ""}, msg,
                      env_.Now());
  }
  void Alive(const std::string& node, uint32_t inc, uint8_t last_octet) {
    wire::Alive a;
    a.node = node;
    a.incarnation = inc;
    a.addr = IpAddress::V4(10, 0, 0, last_octet);
    a.port = 7946;
    a.vsn = kVsn;
    Bytes b;
    wire::Encode(a, AddressMode::kBinary, &b);
    Deliver(b);
  }
  void Suspect(const std::string& node, uint32_t inc, const std::string& from) {
    Bytes b;
    wire::Encode(wire::Suspect{inc, node, from}, &b);
    Deliver(b);
  }
  void Dead(const std::string& node, uint32_t inc, const std::string& from) {
    Bytes b;
    wire::Encode(wire::Dead{inc, node, from}, &b);
    Deliver(b);
  }
  // A periodic push/pull from a peer listing `name` alive.
  void PushPullNaming(const std::string& name, uint32_t inc,
                      uint8_t last_octet) {
    wire::PushPull pp;
    pp.join = false;
    wire::PushNodeState n;
    n.name = name;
    n.incarnation = inc;
    n.state = static_cast<int64_t>(NodeState::kAlive);
    n.addr = IpAddress::V4(10, 0, 0, last_octet);
    n.port = 7946;
    n.vsn = kVsn;
    pp.nodes.push_back(n);
    Bytes msg;
    wire::Encode(pp, AddressMode::kBinary, &msg);
    ml_->HandleStream(Address{IpAddress::V4(10, 0, 0, 98), 7946, ""},
                      wire::EncodeStream(msg, {}, nullptr));
  }
  // Moves time on, failing every TCP exchange and dropping every packet
  // (nobody answers).
  void Silence(absl::Duration d) {
    const Instant end = env_.Now() + d;
    while (env_.Now() < end) {
      env_.Advance(absl::Milliseconds(50));
      auto calls = std::move(env_.streams());
      env_.streams().clear();
      for (auto& call : calls) call.done(absl::UnavailableError("refused"));
      env_.packets().clear();
    }
  }
  std::optional<NodeState> StateOf(const std::string& n) const {
    return ml_->StateOf(n);
  }

 private:
  FakeEnv env_{7};
  std::unique_ptr<Memberlist> ml_;
};

void ConflictAndReclaim() {
  Config c = DefaultLANConfig();
  c.dead_node_reclaim_time = absl::Seconds(10);
  OneNode n(c);
  n.Alive("a", 1, 2);
  n.Alive("a", 2, 3);  // address_conflict: "a" is alive at .2
  n.Dead("a", 2, "x");
  n.Silence(absl::Seconds(11));
  n.Alive("a", 1, 3);  // reclaim_dead_name
  EXPECT_TRUE(n.StateOf("a") == NodeState::kAlive);
  n.Alive("b", 1, 4);
  n.Dead("b", 1, "b");  // leave_accepted
  n.Alive("b", 1, 5);   // reclaim_left_name
  EXPECT_TRUE(n.StateOf("b") == NodeState::kAlive);
}

void ConfirmedBySuspect() {
  OneNode n(DefaultLANConfig());
  for (uint8_t i = 2; i < 8; ++i) n.Alive(absl::StrCat("p", i), 1, i);
  n.Suspect("p2", 1, "p3");  // we suspect p2
  n.Suspect("p4", 1, "p5");  // and p4
  n.Suspect("p4", 1, "p2");  // p2, itself suspect, confirms p4
  EXPECT_TRUE(n.StateOf("p4") == NodeState::kSuspect);
}

void ReapedNameHandedBack() {
  Config c = DefaultLANConfig();
  c.gossip_to_the_dead_time = absl::Seconds(2);
  OneNode n(c);
  n.Alive("a", 1, 2);
  n.Alive("b", 1, 3);
  n.Dead("a", 1, "x");
  // Probe rounds wrap and reap "a" once it has been dead 2 s.
  for (int i = 0; i < 400 && n.StateOf("a").has_value(); ++i) {
    n.Silence(absl::Milliseconds(50));
  }
  EXPECT_FALSE(n.StateOf("a").has_value());
  n.PushPullNaming("a", 1, 2);  // a stale peer still lists "a" alive
  EXPECT_TRUE(n.StateOf("a") == NodeState::kDead);
}

void AccusationsAboutSelf() {
  OneNode n(DefaultLANConfig());
  n.Dead("self", 1, "x");  // refute_dead
  n.Alive("self", 7, 1);   // refute_alive, past our counter: stale
}

std::vector<std::string> ShippedScenarios() {
  return {
      "asymmetric_partition", "crash_detection", "lossy_links",     "mass_join",
      "pause_storm",          "quickstart",      "refute_slow_node"};
}

// Extra scenario worlds for paths the shipped scenarios reach only in some
// seeds: a restart (stale-incarnation refute, revived dead), a graceful
// leave, and a join whose only seed is down.
const char* kTargetedWorld = R"(
name = "coverage_restart_leave"
[cluster]
size = 6
seed = 3
duration = "60s"
gossip_to_the_dead_time = "5s"
[[event]]
at = "2s"
action = "crash"
nodes = [5]
[[event]]
at = "5s"
action = "meta_update"
nodes = [1]
[[event]]
at = "12s"
action = "restart"
nodes = [5]
seeds = [1]
[[event]]
at = "20s"
action = "leave"
nodes = [4]
[[event]]
at = "22s"
action = "crash"
nodes = [3]
[[event]]
at = "24s"
action = "restart"
nodes = [4]
seeds = [3]
)";

// A periodic push/pull to a peer that crashed and is not yet declared dead:
// the only peer of a two-node cluster, with a 1 s push/pull interval.
const char* kPushPullToCrashedPeer = R"(
name = "coverage_push_pull_failed"
[cluster]
size = 2
seed = 1
duration = "30s"
push_pull_interval = "1s"
[[event]]
at = "3s"
action = "crash"
nodes = [1]
)";

// A member joins while an earlier joiner is between its catch-up checks (2
// to 6 probe intervals after its join): that joiner learns it by gossip
// and pulls once more.
const char* kLateJoiner = R"(
name = "coverage_join_catch_up"
[cluster]
size = 2
seed = 1
duration = "10s"
[[event]]
at = "2.6s"
action = "join"
count = 1
)";

TEST(CoverageMarks, EveryMarkIsReachedBySomeScenarioOrTargetedWorld) {
  cover::ResetHits();
  for (const std::string& name : ShippedScenarios()) {
    absl::StatusOr<sim::Scenario> sc =
        sim::LoadScenario("scenarios/" + name + ".toml");
    ASSERT_TRUE(sc.ok()) << sc.status();
    ASSERT_TRUE(sim::RunScenario(*sc, sc->seeds[0]).ok()) << name;
  }
  absl::StatusOr<sim::Scenario> sc =
      sim::ParseScenario(kTargetedWorld, "coverage.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  ASSERT_TRUE(sim::RunScenario(*sc, sc->seeds[0]).ok());
  absl::StatusOr<sim::Scenario> pp =
      sim::ParseScenario(kPushPullToCrashedPeer, "coverage_pp.toml");
  ASSERT_TRUE(pp.ok()) << pp.status();
  ASSERT_TRUE(sim::RunScenario(*pp, pp->seeds[0]).ok());
  absl::StatusOr<sim::Scenario> late =
      sim::ParseScenario(kLateJoiner, "coverage_late.toml");
  ASSERT_TRUE(late.ok()) << late.status();
  ASSERT_TRUE(sim::RunScenario(*late, late->seeds[0]).ok());
  ConflictAndReclaim();
  ConfirmedBySuspect();
  ReapedNameHandedBack();
  AccusationsAboutSelf();

  std::vector<std::string> missing;
  for (int i = 0; i < cover::kNumMarks; ++i) {
    if (cover::Hits(i) == 0) missing.emplace_back(cover::kMarkNames[i]);
  }
  EXPECT_TRUE(missing.empty())
      << "SWIM_COVER marks nobody reached: " << absl::StrJoin(missing, ", ");
}

TEST(CoverageMarks, RegistryNamesAreUniqueAndDescribed) {
  std::set<std::string_view> seen;
  for (int i = 0; i < cover::kNumMarks; ++i) {
    EXPECT_TRUE(seen.insert(cover::kMarkNames[i]).second)
        << "duplicate mark " << cover::kMarkNames[i];
    EXPECT_FALSE(cover::kMarkDescriptions[i].empty()) << cover::kMarkNames[i];
  }
  static_assert(cover::MarkIndex("refute_alive") == 0);
}

TEST(CoverageMarks, HitCountsAndResets) {
  cover::ResetHits();
  constexpr int kNack = cover::MarkIndex("nack_sent");
  EXPECT_EQ(cover::Hits(kNack), 0u);
  SWIM_COVER("nack_sent");
  SWIM_COVER("nack_sent");
  EXPECT_EQ(cover::Hits(kNack), 2u);
  cover::ResetHits();
  EXPECT_EQ(cover::Hits(kNack), 0u);
}

}  // namespace
}  // namespace swim
