// core::Memberlist's state machine, one node at a time: Go 0.2.2's
// state_test.go behaviours, with messages injected through the real wire
// path (HandlePacket) and time driven by FakeEnv.
#include <gtest/gtest.h>

#include "core/memberlist.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/core/fake_env.h"

namespace swim {
namespace {

struct Recorder : public EventDelegate {
  std::vector<std::string> log;
  void NotifyJoin(const Node& n) override { log.push_back("join " + n.name); }
  void NotifyLeave(const Node& n) override { log.push_back("leave " + n.name); }
  void NotifyUpdate(const Node& n) override {
    log.push_back("update " + n.name);
  }
  void NotifyWeight(const Node& n) override {
    log.push_back("weight " + n.name);
  }
  void NotifySuspectSateChange(const Node& n) override {
    log.push_back(absl::StrCat(
        n.state == NodeState::kSuspect ? "suspect " : "unsuspect ", n.name));
  }
};

struct ConflictRecorder : public ConflictDelegate {
  int calls = 0;
  void NotifyConflict(const Node&, const Node&) override { ++calls; }
};

const VersionVector kVsn = {1, 5, 2, 0, 0, 0};

class StateTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(DefaultLANConfig()); }

  void Build(Config c) {
    ml_.reset();
    c.name = "self";
    c.events = &events_;
    c.conflict = &conflicts_;
    c.probe_interval = probe_interval_;
    c.bind_port = 7946;
    auto ml = Memberlist::Create(c, &env_,
                                 Address{IpAddress::V4(10, 0, 0, 1), 7946, ""});
    ASSERT_TRUE(ml.ok()) << ml.status();
    ml_ = std::move(*ml);
    ASSERT_TRUE(ml_->Start().ok());
  }

  void Deliver(const Bytes& msg) {
    ml_->HandlePacket(Address{IpAddress::V4(10, 0, 0, 99), 7946, ""}, msg,
                      env_.Now());
  }
  void Alive(const std::string& node, uint32_t inc,
             IpAddress ip = IpAddress::V4(10, 0, 0, 2),
             std::optional<std::string> meta = std::nullopt,
             uint16_t port = 7946, VersionVector vsn = kVsn) {
    wire::Alive a;
    a.node = node;
    a.incarnation = inc;
    a.addr = ip;
    a.port = port;
    a.meta = meta;
    a.vsn = vsn;
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
  // Advances time in small steps, failing every TCP exchange the node starts
  // (nobody listens in these tests), as a real Env would on its deadline.
  void AdvanceFailingStreams(absl::Duration d) {
    const Instant end = env_.Now() + d;
    while (env_.Now() < end) {
      env_.Advance(absl::Milliseconds(50));
      auto calls = std::move(env_.streams());
      env_.streams().clear();
      for (auto& call : calls)
        call.done(absl::UnavailableError("connection refused"));
    }
  }
  // Answers every ping the node sent since the last call with an ack, as a
  // healthy peer would.
  void AnswerPings() {
    auto packets = std::move(env_.packets());
    env_.packets().clear();
    for (auto& p : packets) {
      absl::StatusOr<Bytes> m = wire::DecodePacket(p.packet, nullptr, true);
      if (!m.ok() || m->empty()) continue;
      if ((*m)[0] == static_cast<uint8_t>(wire::MessageType::kCompress)) {
        m = wire::DecompressMessage(ByteSpan(*m).subspan(1));
        ASSERT_TRUE(m.ok());
      }
      ByteSpan msg = *m;
      if (msg[0] == static_cast<uint8_t>(wire::MessageType::kCompound)) {
        msg = wire::DecodeCompound(msg.subspan(1))->parts[0];
      }
      if (msg[0] != static_cast<uint8_t>(wire::MessageType::kPing)) continue;
      auto ping = wire::DecodePing(msg.subspan(1), AddressMode::kBinary);
      ASSERT_TRUE(ping.ok());
      Bytes ack;
      wire::Encode(wire::AckResp{ping->seq_no, std::nullopt}, &ack);
      Deliver(ack);
    }
  }
  NodeState StateOf(const std::string& n) { return ml_->GetNode(n)->state; }
  uint32_t IncOf(const std::string& n) { return ml_->GetNode(n)->incarnation; }

  absl::Duration probe_interval_ = absl::Seconds(1);
  FakeEnv env_{42};
  Recorder events_;
  ConflictRecorder conflicts_;
  std::unique_ptr<Memberlist> ml_;
};

TEST_F(StateTest, AliveNewNodeIsAddedWithJoinEventAndBroadcast) {
  const size_t queued = ml_->NumQueuedBroadcasts();
  Alive("a", 1);
  ASSERT_TRUE(ml_->GetNode("a").has_value());
  EXPECT_EQ(StateOf("a"), NodeState::kAlive);
  EXPECT_EQ(IncOf("a"), 1u);
  EXPECT_EQ(events_.log.back(), "join a");
  EXPECT_EQ(ml_->NumQueuedBroadcasts(), queued + 1);
  EXPECT_EQ(ml_->EstNumNodes(), 2);
}

TEST_F(StateTest, AliveOldIncarnationIgnoredNewerRevivesSuspect) {
  Alive("a", 5);
  Suspect("a", 5, "x");
  ASSERT_EQ(StateOf("a"), NodeState::kSuspect);
  Alive("a", 4);
  EXPECT_EQ(StateOf("a"), NodeState::kSuspect);
  Alive("a", 6);
  EXPECT_EQ(StateOf("a"), NodeState::kAlive);
  // Suspect -> alive: the fork's event, not a join.
  EXPECT_EQ(events_.log.back(), "unsuspect a");
}

TEST_F(StateTest, AliveIsIdempotent) {
  Alive("a", 1);
  const size_t n = events_.log.size();
  Alive("a", 1);
  EXPECT_EQ(events_.log.size(), n);
}

TEST_F(StateTest, AliveMetaChangeFiresUpdate) {
  Alive("a", 1, IpAddress::V4(10, 0, 0, 2), std::string("m1"));
  Alive("a", 2, IpAddress::V4(10, 0, 0, 2), std::string("m2"));
  EXPECT_EQ(events_.log.back(), "update a");
  EXPECT_EQ(ml_->GetNode("a")->meta, "m2");
}

TEST_F(StateTest, AliveAboutSelfWithOtherMetaIsRefuted) {
  const uint32_t before = ml_->Incarnation();
  Alive("self", before, IpAddress::V4(10, 0, 0, 1), std::string("evil"));
  EXPECT_GT(ml_->Incarnation(), before);
  EXPECT_EQ(ml_->LocalNode().meta, "");
  EXPECT_EQ(ml_->GetHealthScore(), 1);
}

TEST_F(StateTest, ConflictingAddressIsRejectedUntilReclaimable) {
  Config c = DefaultLANConfig();
  c.dead_node_reclaim_time = absl::Seconds(10);
  Build(c);
  Alive("a", 1, IpAddress::V4(10, 0, 0, 2));
  Alive("a", 2, IpAddress::V4(10, 0, 0, 3));
  EXPECT_EQ(conflicts_.calls, 1);
  EXPECT_EQ(ml_->GetNode("a")->addr, IpAddress::V4(10, 0, 0, 2));
  Dead("a", 2, "x");
  ASSERT_EQ(StateOf("a"), NodeState::kDead);
  Alive("a", 1, IpAddress::V4(10, 0, 0, 3));  // too early to reclaim
  EXPECT_EQ(conflicts_.calls, 2);
  env_.Advance(absl::Seconds(11));
  Alive("a", 1,
        IpAddress::V4(10, 0, 0, 3));  // reclaim skips the incarnation check
  EXPECT_EQ(ml_->GetNode("a")->addr, IpAddress::V4(10, 0, 0, 3));
  EXPECT_EQ(StateOf("a"), NodeState::kAlive);
}

TEST_F(StateTest, SuspectUnknownNodeIgnored) {
  Suspect("ghost", 1, "x");
  EXPECT_FALSE(ml_->GetNode("ghost").has_value());
}

TEST_F(StateTest, SuspectTimesOutToDead) {
  Alive("a", 1);
  Alive("b", 1, IpAddress::V4(10, 0, 0, 3));
  Suspect("a", 1, "b");
  EXPECT_EQ(StateOf("a"), NodeState::kSuspect);
  EXPECT_EQ(events_.log.back(), "suspect a");
  // n = 3, k = SuspicionMult(4) - 2 = 2 > n - 2 = 1 so k = 0: the timeout
  // is min = 4 * 1 s = 4 s.
  env_.Advance(absl::Milliseconds(3990));
  EXPECT_EQ(StateOf("a"), NodeState::kSuspect);
  env_.Advance(absl::Milliseconds(20));
  EXPECT_EQ(StateOf("a"), NodeState::kDead);
  EXPECT_EQ(events_.log.back(), "leave a");
}

TEST_F(StateTest, DoubleSuspectChangesNothing) {
  Alive("a", 1);
  Suspect("a", 1, "b");
  const size_t q = ml_->NumQueuedBroadcasts();
  const size_t n = events_.log.size();
  Suspect("a", 1, "b");
  EXPECT_EQ(ml_->NumQueuedBroadcasts(), q);
  EXPECT_EQ(events_.log.size(), n);
}

TEST_F(StateTest, StaleSuspectIgnored) {
  Alive("a", 5);
  Suspect("a", 4, "b");
  EXPECT_EQ(StateOf("a"), NodeState::kAlive);
}

TEST_F(StateTest, SuspectAboutSelfIsRefuted) {
  Suspect("self", ml_->Incarnation(), "x");
  EXPECT_EQ(ml_->LocalNode().state, NodeState::kAlive);
  EXPECT_EQ(ml_->Incarnation(), 2u);
  EXPECT_EQ(ml_->GetHealthScore(), 1);
}

TEST_F(StateTest, RefutationJumpsPastAccusedIncarnation) {
  Suspect("self", 40, "x");
  EXPECT_EQ(ml_->Incarnation(), 41u);
  Dead("self", 50, "x");
  EXPECT_EQ(ml_->Incarnation(), 51u);
  EXPECT_EQ(ml_->LocalNode().state, NodeState::kAlive);
}

TEST_F(StateTest, DeadFromSelfMeansLeftAndNewAddressIsAccepted) {
  Alive("a", 1);
  Dead("a", 1, "a");
  EXPECT_EQ(StateOf("a"), NodeState::kLeft);
  Alive("a", 1, IpAddress::V4(10, 0, 0, 7));
  EXPECT_EQ(StateOf("a"), NodeState::kAlive);
  EXPECT_EQ(ml_->GetNode("a")->addr, IpAddress::V4(10, 0, 0, 7));
}

TEST_F(StateTest, DeadFiresLeaveOnceAndIgnoresStale) {
  Alive("a", 3);
  Dead("a", 2, "x");
  EXPECT_EQ(StateOf("a"), NodeState::kAlive);
  Dead("a", 3, "x");
  EXPECT_EQ(StateOf("a"), NodeState::kDead);
  Dead("a", 3, "y");
  int leaves = 0;
  for (const auto& l : events_.log) leaves += l == "leave a";
  EXPECT_EQ(leaves, 1);
}

TEST_F(StateTest, AliveReplayAtDeadIncarnationIgnored) {
  Alive("a", 3);
  Dead("a", 3, "x");
  Alive("a", 3);
  EXPECT_EQ(StateOf("a"), NodeState::kDead);
  Alive("a", 4);
  EXPECT_EQ(StateOf("a"), NodeState::kAlive);
}

TEST_F(StateTest, DeadAboutSelfIsRefuted) {
  Dead("self", 1, "x");
  EXPECT_EQ(ml_->LocalNode().state, NodeState::kAlive);
  EXPECT_EQ(ml_->Incarnation(), 2u);
}

TEST_F(StateTest, WrongVsnIsNeverAdded) {
  wire::Alive a;
  a.node = "z";
  a.incarnation = 1;
  a.addr = IpAddress::V4(10, 0, 0, 9);
  a.port = 1;
  a.vsn = VersionVector{0, 0, 0, 0, 0, 0};
  Bytes b;
  wire::Encode(a, AddressMode::kBinary, &b);
  Deliver(b);
  EXPECT_FALSE(ml_->GetNode("z").has_value());
}

TEST_F(StateTest, DeadNodesAreReapedAfterGossipToTheDeadTime) {
  Config c = DefaultLANConfig();
  c.gossip_to_the_dead_time = absl::Seconds(10);
  Build(c);
  Alive("a", 1);
  Alive("b", 1, IpAddress::V4(10, 0, 0, 3));
  Dead("a", 1, "x");
  for (int i = 0; i < 50; ++i) {
    env_.Advance(absl::Milliseconds(100));
    AnswerPings();
  }
  EXPECT_TRUE(ml_->GetNode("a").has_value());
  // "b" answers its probes; probe rounds wrap and reap "a".
  for (int i = 0; i < 200; ++i) {
    env_.Advance(absl::Milliseconds(100));
    AnswerPings();
  }
  EXPECT_FALSE(ml_->GetNode("a").has_value())
      << NodeStateName(ml_->GetNode("a")->state)
      << " probes ok=" << ml_->metrics().Counter("memberlist.probe.success")
      << " failed=" << ml_->metrics().Counter("memberlist.probe.failed");
  EXPECT_TRUE(ml_->GetNode("b").has_value())
      << absl::StrJoin(events_.log, ",")
      << " probes ok=" << ml_->metrics().Counter("memberlist.probe.success")
      << " failed=" << ml_->metrics().Counter("memberlist.probe.failed");
}

TEST_F(StateTest, ProbeOfSilentNodeSuspectsItAndRaisesHealthScore) {
  Alive("a", 1);
  // Only "a" to probe; nobody answers; no relays -> +1 awareness, suspect.
  env_.Advance(absl::Seconds(3));  // the TCP fallback never answers either
  EXPECT_EQ(StateOf("a"), NodeState::kSuspect);
  EXPECT_GE(ml_->GetHealthScore(), 1);
}

TEST_F(StateTest, ProbeOfSuspectCarriesTheSuspicion) {
  Alive("a", 1);
  Suspect("a", 1, "x");
  env_.packets().clear();
  env_.Advance(absl::Seconds(2));
  bool buddy = false;
  for (const auto& p : env_.packets()) {
    absl::StatusOr<Bytes> m = wire::DecodePacket(p.packet, nullptr, true);
    ASSERT_TRUE(m.ok());
    if ((*m)[0] != static_cast<uint8_t>(wire::MessageType::kCompound)) continue;
    auto parts = wire::DecodeCompound(ByteSpan(*m).subspan(1));
    ASSERT_TRUE(parts.ok());
    if (parts->parts.size() == 2 && parts->parts[0][0] == 0 &&
        parts->parts[1][0] == 3) {
      buddy = true;
    }
  }
  EXPECT_TRUE(buddy);
}

TEST_F(StateTest, AckedProbeLowersHealthScore) {
  Suspect("self", 1, "x");  // score 1
  ASSERT_EQ(ml_->GetHealthScore(), 1);
  Alive("a", 1);
  env_.packets().clear();
  for (int i = 0; i < 40 && ml_->GetHealthScore() > 0; ++i) {
    env_.Advance(absl::Milliseconds(100));
    AnswerPings();
  }
  EXPECT_EQ(ml_->GetHealthScore(), 0);
  EXPECT_EQ(StateOf("a"), NodeState::kAlive);
}

TEST_F(StateTest, MergeStateRules) {
  Alive("a", 1);
  Alive("b", 1, IpAddress::V4(10, 0, 0, 3));
  Suspect("b", 1, "x");
  wire::PushPull pp;
  pp.join = false;
  auto state = [](std::string name, uint32_t inc, NodeState s,
                  uint8_t last_octet) {
    wire::PushNodeState n;
    n.name = std::move(name);
    n.incarnation = inc;
    n.state = static_cast<int64_t>(s);
    n.addr = IpAddress::V4(10, 0, 0, last_octet);
    n.port = 7946;
    n.vsn = kVsn;
    return n;
  };
  pp.nodes.push_back(state("a", 1, NodeState::kSuspect, 2));  // -> suspect here
  pp.nodes.push_back(state("b", 2, NodeState::kAlive, 3));  // clears suspicion
  pp.nodes.push_back(state("c", 1, NodeState::kAlive, 4));  // new: one join
  pp.nodes.push_back(state("d", 1, NodeState::kDead, 5));   // unknown: ignored
  Bytes msg;
  wire::Encode(pp, AddressMode::kBinary, &msg);
  auto reply = ml_->HandleStream(Address{IpAddress::V4(10, 0, 0, 3), 7946, ""},
                                 wire::EncodeStream(msg, {}, nullptr));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(StateOf("a"), NodeState::kSuspect);
  EXPECT_EQ(StateOf("b"), NodeState::kAlive);
  EXPECT_EQ(IncOf("b"), 2u);
  EXPECT_EQ(StateOf("c"), NodeState::kAlive);
  EXPECT_FALSE(ml_->GetNode("d").has_value());
  int joins_c = 0;
  for (const auto& l : events_.log) joins_c += l == "join c";
  EXPECT_EQ(joins_c, 1);
  // The reply is our own state, as a push/pull.
  auto plain = wire::DecodeStream(*reply, nullptr, true);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)[0], static_cast<uint8_t>(wire::MessageType::kPushPull));
}

TEST_F(StateTest, PushPullWithIncompatibleVersionIsRefused) {
  wire::PushPull pp;
  wire::PushNodeState n;
  n.name = "old";
  n.addr = IpAddress::V4(10, 0, 0, 8);
  n.port = 1;
  n.incarnation = 1;
  n.vsn = VersionVector{1, 1, 1, 0, 0, 0};  // speaks only protocol 1
  pp.nodes.push_back(n);
  Bytes msg;
  wire::Encode(pp, AddressMode::kBinary, &msg);
  ml_->HandleStream(Address{IpAddress::V4(10, 0, 0, 8), 1, ""},
                    wire::EncodeStream(msg, {}, nullptr));
  EXPECT_FALSE(ml_->GetNode("old").has_value());
  EXPECT_EQ(ml_->metrics().Counter("memberlist.push_pull.merge_failed"), 1u);
  // "old" caps the range at protocol 1; our own record speaks 2 and is the
  // one named (Go's wording).
  bool named = false;
  for (const auto& l : env_.logs()) {
    named |= absl::StrContains(
        l.message, "Node 'self' protocol version (2) is incompatible: [1, 1]");
  }
  EXPECT_TRUE(named);
}

// The version ranges a push/pull is checked against come from counts the
// table keeps as records change (MemberTable::versions), not from a scan: a
// member that moves to other versions, or dies, moves the range with it.
TEST_F(StateTest, VersionRangeFollowsMembersChangingVersionsAndDying) {
  auto alive = [&](uint32_t inc, VersionVector v) {
    Alive("mover", inc, IpAddress::V4(10, 0, 0, 5), std::nullopt, 7946, v);
  };
  // Whether a push/pull listing `name`, which speaks only protocol 1, is
  // merged.
  auto merged = [&](const std::string& name) {
    wire::PushPull pp;
    wire::PushNodeState n;
    n.name = name;
    n.addr = IpAddress::V4(10, 0, 0, 8);
    n.port = 7946;
    n.incarnation = 1;
    n.vsn = VersionVector{1, 5, 1, 0, 0, 0};
    pp.nodes.push_back(n);
    Bytes msg;
    wire::Encode(pp, AddressMode::kBinary, &msg);
    ml_->HandleStream(Address{IpAddress::V4(10, 0, 0, 8), 7946, ""},
                      wire::EncodeStream(msg, {}, nullptr));
    return ml_->GetNode(name).has_value();
  };
  alive(1, {2, 5, 2, 0, 0, 0});  // an alive member needs protocol >= 2
  EXPECT_FALSE(merged("p1"));
  alive(2, {1, 5, 2, 0, 0, 0});  // it reads protocol 1 again
  EXPECT_TRUE(merged("p2"));
  alive(3, {2, 5, 2, 0, 0, 0});
  EXPECT_FALSE(merged("p3"));
  Dead("mover", 3, "someone");  // the dead set no lower bound
  ASSERT_EQ(ml_->GetNode("mover")->state, NodeState::kDead);
  EXPECT_TRUE(merged("p4"));
  EXPECT_EQ(ml_->metrics().Counter("memberlist.push_pull.merge_failed"), 2u);
}

TEST_F(StateTest, MalformedInputIsCountedNotFatal) {
  Deliver(Bytes{});
  Deliver(Bytes{0xff, 0x01});
  Deliver(Bytes{7, 200});                   // compound too short
  Deliver(Bytes{4, 0x81, 0xa4, 'N', 'o'});  // truncated alive
  Deliver(Bytes{9, 0x82, 0xa4});            // truncated compress
  EXPECT_GE(ml_->metrics().Counter("memberlist.malformed.packet") +
                ml_->metrics().Counter("memberlist.malformed.compound") +
                ml_->metrics().Counter("memberlist.malformed.alive") +
                ml_->metrics().Counter("memberlist.malformed.compress") +
                ml_->metrics().Counter("memberlist.dropped.unknown_type"),
            4u);
  EXPECT_EQ(ml_->NumMembers(), 1);
}

TEST_F(StateTest, LeaveWithNoPeersCompletesAtOnceAndIgnoresSelfAlive) {
  bool done = false;
  ml_->Leave(absl::Seconds(1), [&](absl::Status s) {
    EXPECT_TRUE(s.ok());
    done = true;
  });
  EXPECT_TRUE(done);
  EXPECT_TRUE(ml_->HasLeft());
  EXPECT_EQ(ml_->LocalNode().state, NodeState::kLeft);
  Alive("self", 99, IpAddress::V4(10, 0, 0, 1));
  EXPECT_EQ(ml_->LocalNode().state, NodeState::kLeft);
}

TEST_F(StateTest, ShutdownStopsEverything) {
  Alive("a", 1);
  ml_->Shutdown();
  EXPECT_EQ(env_.PendingTimers(), 0u);
  EXPECT_FALSE(ml_->SendBestEffort("a", "x").ok());
  env_.packets().clear();
  env_.Advance(absl::Seconds(10));
  EXPECT_TRUE(env_.packets().empty());
}

TEST_F(StateTest, WeightsAreComputedAndStaleOnesRejected) {
  Config c = DefaultLANConfig();
  c.weight_interval = absl::Seconds(1);
  c.gossip_weights = true;
  Build(c);
  env_.set_cpu_idle(50.0);
  env_.Advance(absl::Seconds(2));
  // (8 - 0) * 0.6 + 8 * 0.5 * 0.4 = 4.8 + 1.6 = 6.4 -> 6
  EXPECT_EQ(ml_->LocalNode().weight, 6);
  Alive("a", 1);
  auto weight = [&](int64_t w, int64_t at, uint32_t inc) {
    Bytes b;
    wire::Encode(wire::Weight{inc, "a", "a", w, at}, &b);
    Deliver(b);
  };
  weight(5, 1000, 1);
  EXPECT_EQ(ml_->GetNode("a")->weight, 5);
  EXPECT_EQ(events_.log.back(), "weight a");
  weight(7, 999, 1);  // older timestamp: stale
  EXPECT_EQ(ml_->GetNode("a")->weight, 5);
  weight(7, 1001, 0);  // older incarnation: stale
  EXPECT_EQ(ml_->GetNode("a")->weight, 5);
  weight(7, 1002, 1);
  EXPECT_EQ(ml_->GetNode("a")->weight, 7);
}

TEST_F(StateTest, SmoothWeightedRoundRobinSharesExactlyAndSmoothly) {
  Alive("a", 1);
  Alive("b", 1, IpAddress::V4(10, 0, 0, 3));
  Config c = DefaultLANConfig();
  // Weights: self 1 (no weight yet counts as 1), a 5, b 2 via gossip.
  auto weight = [&](const std::string& n, int64_t w) {
    Bytes b;
    wire::Encode(wire::Weight{1, n, n, w, 10}, &b);
    Deliver(b);
  };
  weight("a", 5);
  weight("b", 2);
  std::map<std::string, int> counts;
  std::string seq;
  for (int i = 0; i < 8 * 100; ++i) {
    std::optional<Node> n = ml_->PickWeighted();
    ASSERT_TRUE(n.has_value());
    ++counts[n->name];
    if (i < 8) seq += n->name.substr(0, 1);
  }
  EXPECT_EQ(counts["a"], 500);
  EXPECT_EQ(counts["b"], 200);
  EXPECT_EQ(counts["self"], 100);
  // Nginx's smooth sequence for weights {a:5, b:2, self:1}: "a" never
  // appears more than twice in a row.
  EXPECT_EQ(seq.find("aaa"), std::string::npos) << seq;
}

// Regression (hardening issue, crash 3): a push/pull entry whose meta is over
// the 512-byte limit used to enter the table and then trip the sim build's
// CheckInvariants. The limit holds on every path: the entry is dropped and
// counted, in every build.
TEST_F(StateTest, PushPullEntryWithOversizedMetaIsDroppedAndCounted) {
  wire::PushPull pp;
  wire::PushNodeState big;
  big.name = "big";
  big.addr = IpAddress::V4(10, 0, 0, 9);
  big.port = 7946;
  big.incarnation = 1;
  big.state = static_cast<int64_t>(NodeState::kAlive);
  big.meta = std::string(513, 'm');
  big.vsn = kVsn;
  wire::PushNodeState ok = big;
  ok.name = "ok";
  ok.addr = IpAddress::V4(10, 0, 0, 10);
  ok.meta = std::string(512, 'm');
  pp.nodes.push_back(big);
  pp.nodes.push_back(ok);
  Bytes msg;
  wire::Encode(pp, AddressMode::kBinary, &msg);
  ml_->HandleStream(Address{IpAddress::V4(10, 0, 0, 9), 7946, ""},
                    wire::EncodeStream(msg, {}, nullptr));
  EXPECT_FALSE(ml_->GetNode("big").has_value());
  ASSERT_TRUE(ml_->GetNode("ok").has_value());
  EXPECT_EQ(ml_->GetNode("ok")->meta.size(), 512u);
  EXPECT_EQ(ml_->metrics().Counter("memberlist.malformed.alive_meta"), 1u);
}

struct VetoEveryone : public AliveDelegate {
  absl::Status NotifyAlive(const Node& peer) override {
    return absl::PermissionDeniedError("nobody gets in: " + peer.name);
  }
};

// Regression (hardening issue, crash 2): Start() aborted on
// SWIM_CHECK(Find(self)) when the node's own alive was refused.
TEST(StartRefusal, AdvertiseAddressOutsideCidrsAllowedIsInvalidArgument) {
  FakeEnv env(1);
  Config c = DefaultLANConfig();
  c.name = "self";
  ASSERT_TRUE(ParseCIDRs({"192.168.0.0/16"}, &c.cidrs_allowed).ok());
  auto ml = Memberlist::Create(c, &env,
                               Address{IpAddress::V4(10, 0, 0, 1), 7946, ""});
  ASSERT_TRUE(ml.ok()) << ml.status();
  absl::Status s = (*ml)->Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("cidrs_allowed"), std::string_view::npos) << s;
  EXPECT_EQ(env.PendingTimers(), 0u) << "a refused node must not keep timers";
}

TEST(StartRefusal, AliveDelegateVetoOfSelfIsInvalidArgument) {
  FakeEnv env(1);
  VetoEveryone veto;
  Config c = DefaultLANConfig();
  c.name = "self";
  c.alive = &veto;
  auto ml = Memberlist::Create(c, &env,
                               Address{IpAddress::V4(10, 0, 0, 1), 7946, ""});
  ASSERT_TRUE(ml.ok()) << ml.status();
  absl::Status s = (*ml)->Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("AliveDelegate"), std::string_view::npos) << s;
}

}  // namespace
}  // namespace swim
