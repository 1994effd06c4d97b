// Whole-cluster behaviour of core::Memberlist inside the simulator.
// Every test prints its seed on failure; bounds carry a comment on slack.
#include <gtest/gtest.h>

#include "core/memberlist.h"
#include "core/security/keyring.h"

#include "sim/cluster.h"

#include "absl/strings/str_cat.h"

namespace swim {
namespace {

using sim::Cluster;

sim::WorldOptions Opts(uint64_t seed) {
  sim::WorldOptions o;
  o.seed = seed;
  o.log_level = LogLevel::kError;
  return o;
}

Config Local(int) { return DefaultLocalConfig(); }

// Initial convergence after everyone joins node 0: gossip usually does it in
// well under a second, and the periodic push/pull (15 s with the Local
// config) repairs what gossip's limited retransmits miss.
constexpr absl::Duration kJoinBound = absl::Seconds(20);

class ClusterTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ClusterTest, JoinConvergesToFullMembership) {
  const uint64_t seed = GetParam();
  Cluster c(Opts(seed), Local);
  c.CreateAndJoin(8);
  // Join is one push/pull with node 0; gossip spreads the rest in a few
  // GossipIntervals (100 ms). 5 s is generous.
  // Join is one push/pull with node 0; gossip spreads the rest (each alive
  // is retransmitted RetransmitMult*ceil(log10(n+1)) = 2 times per node with
  // the Local config, so a node can miss it), and the periodic push/pull
  // (15 s) repairs whatever gossip missed.
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, absl::Seconds(20)))
      << "seed=" << seed << "\n"
      << c.DebugString();
  for (int i = 1; i < 8; ++i) {
    ASSERT_TRUE(c.join_results()[i].has_value()) << "seed=" << seed;
    EXPECT_TRUE(c.join_results()[i]->ok()) << *c.join_results()[i];
  }
  EXPECT_EQ(c.node(3)->NumMembers(), 8);
  // Healthy cluster: nobody is ever declared dead or even suspected for
  // long in 30 s of lossless operation.
  c.world().RunFor(absl::Seconds(30));
  EXPECT_TRUE(c.Converged()) << "seed=" << seed;
  for (const sim::ClusterEvent& e : c.events()) {
    EXPECT_NE(e.kind, sim::ClusterEvent::Kind::kLeave)
        << "seed=" << seed << " " << e.subject << " declared dead by node "
        << e.observer;
  }
}

TEST_P(ClusterTest, CrashIsDetectedByEveryone) {
  const uint64_t seed = GetParam();
  Cluster c(Opts(seed), Local);
  c.CreateAndJoin(6);
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, kJoinBound))
      << c.DebugString();
  const Instant crash_at = c.world().Now();
  c.Crash(4);
  // Local config: probe 1 s, suspicion min = 3 * log10(6)->1 * 1 s = 3 s,
  // max = 6 * 3 s = 18 s; with confirmations from others it shrinks
  // towards min. Each node probes the dead one within a round (5 s) too.
  ASSERT_TRUE(c.RunUntil([&] { return c.AllSee(4, NodeState::kDead); },
                         absl::Seconds(30)))
      << "seed=" << seed << "\n"
      << c.DebugString();
  EXPECT_LT(c.world().Now() - crash_at, absl::Seconds(30));
  EXPECT_TRUE(c.Converged()) << "seed=" << seed;
}

TEST_P(ClusterTest, LeaveIsSeenAsLeft) {
  const uint64_t seed = GetParam();
  Cluster c(Opts(seed), Local);
  c.CreateAndJoin(5);
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, kJoinBound))
      << c.DebugString();
  bool left = false;
  absl::Status status = absl::UnknownError("not called");
  c.node(2)->Leave(absl::Seconds(5), [&](absl::Status s) {
    left = true;
    status = s;
  });
  ASSERT_TRUE(c.RunUntil([&] { return left; }, absl::Seconds(6)));
  EXPECT_TRUE(status.ok()) << status;
  // Gossip usually delivers the leave at once; a node that misses it hears
  // it in the next push/pull (15 s).
  ASSERT_TRUE(c.RunUntil([&] { return c.AllSee(2, NodeState::kLeft, false); },
                         kJoinBound))
      << "seed=" << seed;
  EXPECT_EQ(c.node(0)->NumMembers(), 4);
}

TEST_P(ClusterTest, PausedNodeRefutesSuspicion) {
  const uint64_t seed = GetParam();
  // LAN config: the refutation is retransmitted 4 times per node, so every
  // node hears it long before its suspicion timer (min 4 s, k = 2) can fire.
  // (With the Local config's 2 retransmits a node can miss the refutation
  // and declare the node dead at 3 s, exactly as Go would.)
  Cluster c(Opts(seed), [](int) { return DefaultLANConfig(); });
  c.CreateAndJoin(6);
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, absl::Seconds(30)));
  const uint32_t inc_before = c.node(3)->Incarnation();
  // A 3 s stall: long enough for probes of node 3 to fail (timeout 500 ms,
  // probe interval 1 s), shorter than the suspicion timeout.
  const Instant pause_at = c.world().Now();
  c.world().Pause(c.world_id(3));
  c.world().RunFor(absl::Milliseconds(3000));
  c.world().Resume(c.world_id(3));
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, absl::Seconds(10)))
      << "seed=" << seed;
  bool suspected = false;
  for (const auto& e : c.events()) {
    if (e.subject == "node-3") {
      if (e.kind == sim::ClusterEvent::Kind::kLeave) {
        std::string log;
        for (const auto& x : c.events()) {
          absl::StrAppend(&log, absl::FormatDuration(x.at - Instant()),
                          " obs=", x.observer, " ",
                          std::string(sim::ClusterEventKindName(x.kind)), " ",
                          x.subject, "/", x.incarnation, "\n");
        }
        FAIL() << "seed=" << seed << ": node-3 was declared dead; paused at "
               << absl::FormatDuration(pause_at - Instant()) << "\n"
               << log;
      }
      suspected |= e.kind == sim::ClusterEvent::Kind::kSuspect;
    }
  }
  if (suspected) {
    EXPECT_GT(c.node(3)->Incarnation(), inc_before) << "seed=" << seed;
  }
}

TEST_P(ClusterTest, RestartedNodeRejoinsWithHigherIncarnation) {
  const uint64_t seed = GetParam();
  Cluster c(Opts(seed), Local);
  c.CreateAndJoin(5);
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, kJoinBound))
      << c.DebugString();
  c.Crash(2);
  ASSERT_TRUE(c.RunUntil([&] { return c.AllSee(2, NodeState::kDead); },
                         absl::Seconds(30)));
  c.Restart(2);
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, absl::Seconds(20)))
      << "seed=" << seed;
  EXPECT_GT(c.node(2)->Incarnation(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ClusterTest, ::testing::Range<uint64_t>(1, 25));

class MetaDelegate : public Delegate {
 public:
  std::string meta = "v1";
  std::vector<std::string> received;
  std::string NodeMeta(size_t) override { return meta; }
  void NotifyMsg(std::string_view m) override { received.emplace_back(m); }
  std::vector<std::string> GetBroadcasts(size_t, size_t) override { return {}; }
  std::string LocalState(bool) override { return ""; }
  void MergeRemoteState(std::string_view, bool) override {}
};

TEST(Cluster, MetaUpdatePropagates) {
  std::vector<std::unique_ptr<MetaDelegate>> delegates;
  for (int i = 0; i < 4; ++i)
    delegates.push_back(std::make_unique<MetaDelegate>());
  Cluster c(Opts(7), [&](int i) {
    Config cfg = DefaultLocalConfig();
    cfg.delegate = delegates[i].get();
    return cfg;
  });
  c.CreateAndJoin(4);
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, kJoinBound))
      << c.DebugString();
  EXPECT_EQ(c.node(0)->GetNode("node-2")->meta, "v1");
  delegates[2]->meta = "v2";
  bool done = false;
  c.node(2)->UpdateNode(absl::Seconds(5), [&](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    done = true;
  });
  ASSERT_TRUE(c.RunUntil(
      [&] {
        for (int i = 0; i < 4; ++i) {
          if (c.node(i)->GetNode("node-2")->meta != "v2") return false;
        }
        return done;
      },
      absl::Seconds(5)));
  int updates = 0;
  for (const auto& e : c.events()) {
    if (e.kind == sim::ClusterEvent::Kind::kUpdate && e.subject == "node-2")
      ++updates;
  }
  // Once per other node, and once on node-2 itself (Go notifies the local
  // update too).
  EXPECT_EQ(updates, 4);
}

TEST(Cluster, UserMessagesArriveBestEffortAndReliable) {
  std::vector<std::unique_ptr<MetaDelegate>> delegates;
  for (int i = 0; i < 3; ++i)
    delegates.push_back(std::make_unique<MetaDelegate>());
  Cluster c(Opts(8), [&](int i) {
    Config cfg = DefaultLocalConfig();
    cfg.delegate = delegates[i].get();
    return cfg;
  });
  c.CreateAndJoin(3);
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, kJoinBound))
      << c.DebugString();
  ASSERT_TRUE(c.node(0)->SendBestEffort("node-1", "hello").ok());
  bool reliable_done = false;
  c.node(0)->SendReliable("node-2", "world", [&](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    reliable_done = true;
  });
  ASSERT_TRUE(
      c.node(1)->SendToAddress(c.node(2)->AdvertiseAddr(), "direct").ok());
  c.world().RunFor(absl::Seconds(1));
  EXPECT_TRUE(reliable_done);
  EXPECT_EQ(delegates[1]->received, std::vector<std::string>{"hello"});
  EXPECT_EQ(delegates[2]->received,
            (std::vector<std::string>{"world", "direct"}));
  EXPECT_FALSE(c.node(0)->SendBestEffort("nobody", "x").ok());
}

TEST(Cluster, EncryptedClusterWorksAndOutsiderIsRejected) {
  const std::string key = "0123456789abcdef";
  Cluster c(Opts(9), [&](int i) {
    Config cfg = DefaultLocalConfig();
    // Node 3 has the wrong key: it can never join.
    cfg.secret_key = i == 3 ? std::string("fedcba9876543210") : key;
    return cfg;
  });
  c.CreateAndJoin(3);
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, kJoinBound))
      << c.DebugString();
  c.AddNode();
  ASSERT_TRUE(c.Start(3).ok());
  c.Join(3, {0});
  c.world().RunFor(absl::Seconds(3));
  ASSERT_TRUE(c.join_results()[3].has_value());
  EXPECT_FALSE(c.join_results()[3]->ok());
  EXPECT_EQ(c.node(0)->NumMembers(), 3);
  EXPECT_EQ(c.node(3)->NumMembers(), 1);
  EXPECT_GT(c.node(0)->metrics().Counter("memberlist.malformed.stream") +
                c.node(0)->metrics().Counter("memberlist.malformed.packet"),
            0u);
}

}  // namespace
}  // namespace swim

namespace swim {
namespace {

// Go's TestMemberlist_JoinDifferentNetworksUniqueMask / MultiMasks, with the
// fork's stricter rule (every packet and stream is filtered): a node outside
// the allowed networks is refused, and nobody lists it.
TEST(Cluster, CidrAllowListKeepsOutsidersOut) {
  Cluster c(Opts(11), [](int i) {
    Config cfg = DefaultLocalConfig();
    // The World puts node i at 10.0.0.(i+1); nodes 0-2 allow only
    // 10.0.0.0/30 (10.0.0.0-3): node 3 at 10.0.0.4 is outside.
    if (i < 3) {
      EXPECT_TRUE(ParseCIDRs({"10.0.0.0/30"}, &cfg.cidrs_allowed).ok());
    }
    return cfg;
  });
  for (int i = 0; i < 4; ++i) c.AddNode();
  ASSERT_EQ(c.node(3)->AdvertiseAddr().ip.ToString(), "10.0.0.4");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.Start(i).ok());
  c.Join(1, {0});
  c.Join(2, {0});
  c.Join(3, {0});
  c.world().RunFor(absl::Seconds(20));
  EXPECT_EQ(c.node(0)->NumMembers(), 3);
  EXPECT_FALSE(c.node(0)->GetNode("node-3").has_value());
  ASSERT_TRUE(c.join_results()[3].has_value());
  EXPECT_FALSE(c.join_results()[3]->ok());
  EXPECT_GT(c.node(0)->metrics().Counter("memberlist.dropped.cidr"), 0u);
}

// Fork: NotifySuspectSateChange fires on alive -> suspect and back, for a
// node that stalls briefly and refutes.
TEST(Cluster, SuspectStateEventsForAPausedNode) {
  int total_suspect = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    Cluster c(Opts(seed), [](int) { return DefaultLANConfig(); });
    c.CreateAndJoin(5);
    ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, absl::Seconds(40)));
    // 3.5 s: long enough to be probed (each peer probes one of 4 others per
    // second) and suspected, shorter than the 4 s minimum suspicion timeout.
    c.world().Pause(c.world_id(2));
    c.world().RunFor(absl::Milliseconds(3500));
    c.world().Resume(c.world_id(2));
    ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, absl::Seconds(20)))
        << "seed=" << seed;
    int suspect = 0, unsuspect = 0;
    for (const auto& e : c.events()) {
      if (e.subject != "node-2") continue;
      suspect += e.kind == sim::ClusterEvent::Kind::kSuspect;
      unsuspect += e.kind == sim::ClusterEvent::Kind::kAlive;
      EXPECT_NE(e.kind, sim::ClusterEvent::Kind::kLeave) << "seed=" << seed;
    }
    // Every observer that suspected node-2 saw it come back.
    EXPECT_EQ(suspect, unsuspect) << "seed=" << seed;
    total_suspect += suspect;
  }
  EXPECT_GT(total_suspect, 0);  // the pause did cause suspicions
}

// Fork weights go only to peers that can read them: a node that does not
// advertise the fork's delegate version (like an upstream Go node) never
// receives a weight message.
TEST(Cluster, WeightsNeverReachPeersThatCannotReadThem) {
  Cluster c(Opts(12), [](int i) {
    Config cfg = DefaultLocalConfig();
    cfg.weight_interval = absl::Milliseconds(500);
    if (i != 2) {
      cfg.gossip_weights = true;
      // Advertise the capability in DMax only: Go's merge check needs every
      // DCur within every node's [DMin, DMax], so DCur stays 0.
      cfg.delegate_protocol_max = 1;
      cfg.delegate_protocol_version = 0;
      cfg.weight_min_delegate_version = 1;
    }
    // Node 2 advertises delegate versions [0, 0], as upstream nodes do.
    return cfg;
  });
  for (int i = 0; i < 4; ++i) {
    c.AddNode();
    c.world().SetCpuIdle(c.world_id(i), 50.0 + 10 * i);
  }
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.Start(i).ok());
  for (int i = 1; i < 4; ++i) c.Join(i, {0});
  c.world().RunFor(absl::Seconds(20));
  ASSERT_EQ(c.node(2)->NumMembers(), 4) << c.DebugString();
  EXPECT_EQ(c.node(2)->metrics().Counter("memberlist.msg.weight"), 0u);
  EXPECT_EQ(c.node(2)->metrics().Counter("memberlist.dropped.weight_stale"),
            0u);
  // The others did exchange weights.
  EXPECT_GT(c.node(1)->metrics().Counter("memberlist.msg.weight"), 0u);
  EXPECT_GT(c.node(1)->GetNode("node-3")->weight, 0);
}

}  // namespace
}  // namespace swim
