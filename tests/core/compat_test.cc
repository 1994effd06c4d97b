// Issue 16, the switch: every departure from Go memberlist 0.2.2 is a
// Config field (core/config.h, between BEGIN and END DEPARTURES) that
// defaults to our behaviour, and Config::ApplyGoCompat() turns each one to
// Go's. These tests check that the switch covers every field (a new field
// that is not covered here and in docs/departures.md fails the build's
// tests), and that each departure changes what a node does.
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/config.h"
#include "core/limits.h"
#include "core/memberlist.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"

#include "tests/core/fake_env.h"

namespace swim {
namespace {

// One departure: how to tell our behaviour from Go's in a Config.
struct Departure {
  std::function<bool(const Config&)> ours;
  std::function<bool(const Config&)> go;
};

// Every departure field by name. Adding a field between BEGIN and END
// DEPARTURES in config.h without adding it here fails
// EveryDepartureFieldIsCovered.
const std::map<std::string, Departure>& Departures() {
  static const auto* m = new std::map<std::string, Departure>{
      {"handoff",
       {[](const Config& c) { return c.handoff == HandoffMode::kInline; },
        [](const Config& c) { return c.handoff == HandoffMode::kGoLifo; }}},
      {"handoff_service_time",
       // A simulator knob of the Go model: zero both ways.
       {[](const Config& c) {
          return c.handoff_service_time == absl::ZeroDuration();
        },
        [](const Config& c) {
          return c.handoff_service_time == absl::ZeroDuration();
        }}},
      {"join_concurrent",
       {[](const Config& c) { return c.join_concurrent; },
        [](const Config& c) { return !c.join_concurrent; }}},
      {"join_gossip_now",
       {[](const Config& c) { return c.join_gossip_now; },
        [](const Config& c) { return !c.join_gossip_now; }}},
      {"join_sync",
       {[](const Config& c) { return c.join_sync; },
        [](const Config& c) { return !c.join_sync; }}},
      {"push_pull_reply_max_age",
       {[](const Config& c) {
          return c.push_pull_reply_max_age > absl::ZeroDuration();
        },
        [](const Config& c) {
          return c.push_pull_reply_max_age == absl::ZeroDuration();
        }}},
      {"refutation_transmit_scale",
       {[](const Config& c) { return c.refutation_transmit_scale == 3; },
        [](const Config& c) { return c.refutation_transmit_scale == 1; }}},
      {"cidr_scope",
       {[](const Config& c) { return c.cidr_scope == CidrScope::kEveryPacket; },
        [](const Config& c) { return c.cidr_scope == CidrScope::kAliveOnly; }}},
      {"tcp_fallback_grace",
       {[](const Config& c) {
          return c.tcp_fallback_grace == absl::ZeroDuration();
        },
        [](const Config& c) {
          return c.tcp_fallback_grace == absl::InfiniteDuration();
        }}},
      {"refute_at_max_incarnation",
       {[](const Config& c) { return !c.refute_at_max_incarnation; },
        [](const Config& c) { return c.refute_at_max_incarnation; }}},
      {"accept_snappy",
       {[](const Config& c) { return c.accept_snappy; },
        [](const Config& c) { return !c.accept_snappy; }}},
      {"strict_validate",
       {[](const Config& c) { return c.strict_validate; },
        [](const Config& c) { return !c.strict_validate; }}},
      {"drop_implausible_incarnations",
       {[](const Config& c) { return c.drop_implausible_incarnations; },
        [](const Config& c) { return !c.drop_implausible_incarnations; }}},
      {"reaped_come_back_dead",
       {[](const Config& c) { return c.reaped_come_back_dead; },
        [](const Config& c) { return !c.reaped_come_back_dead; }}},
      {"max_requests_per_datagram",
       {[](const Config& c) {
          return c.max_requests_per_datagram == limits::kMaxPacketRequests;
        },
        [](const Config& c) { return c.max_requests_per_datagram == 0; }}},
      {"max_packet_decompressed_bytes",
       {[](const Config& c) {
          return c.max_packet_decompressed_bytes ==
                 limits::kMaxPacketDecompressedBytes;
        },
        [](const Config& c) {
          return c.max_packet_decompressed_bytes ==
                 limits::kMaxDecompressedBytes;
        }}},
      {"max_members",
       {[](const Config& c) {
          return c.max_members == limits::kDefaultMaxMembers;
        },
        [](const Config& c) {
          return c.max_members == std::numeric_limits<size_t>::max();
        }}},
      {"staggered_ticks",
       {[](const Config& c) { return c.staggered_ticks; },
        [](const Config& c) { return !c.staggered_ticks; }}},
  };
  return *m;
}

std::string ReadRunfile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The field names declared between BEGIN and END DEPARTURES in config.h.
std::set<std::string> DeclaredDepartureFields() {
  const std::string h = ReadRunfile("core/config.h");
  const size_t begin = h.find("// BEGIN DEPARTURES.");
  const size_t end = h.find("// END DEPARTURES.");
  EXPECT_NE(begin, std::string::npos);
  EXPECT_NE(end, std::string::npos);
  std::set<std::string> out;
  if (begin == std::string::npos || end == std::string::npos) return out;
  const std::string section = h.substr(begin, end - begin);
  // "  Type name = value;" (comments start with //, so they never match).
  static const std::regex kField(R"(\n  [A-Za-z_:<>]+ ([a-z_]+) = [^\n]*;)");
  for (std::sregex_iterator it(section.begin(), section.end(), kField), e;
       it != e; ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

TEST(GoCompat, EveryDepartureFieldIsCovered) {
  const std::set<std::string> declared = DeclaredDepartureFields();
  EXPECT_GE(declared.size(), 16u) << "the field pattern stopped matching";
  for (const std::string& f : declared) {
    EXPECT_TRUE(Departures().count(f) == 1)
        << "Config::" << f
        << " is a departure (config.h) but compat_test does not check it; "
           "add it to Departures() and to Config::ApplyGoCompat()";
  }
  for (const auto& [name, d] : Departures()) {
    EXPECT_TRUE(declared.count(name) == 1)
        << name << " is checked here but not declared as a departure";
  }
}

TEST(GoCompat, EveryDepartureFieldIsDocumented) {
  const std::string doc = ReadRunfile("docs/departures.md");
  ASSERT_FALSE(doc.empty()) << "docs/departures.md missing from runfiles";
  for (const std::string& f : DeclaredDepartureFields()) {
    EXPECT_NE(doc.find("`" + f + "`"), std::string::npos)
        << "docs/departures.md does not mention `" << f << "`";
  }
}

TEST(GoCompat, DefaultsAreOursAndGoCompatSetsEveryFieldToGo) {
  for (const Config& base :
       {DefaultLANConfig(), DefaultWANConfig(), DefaultLocalConfig()}) {
    const Config go = Config::GoCompat(base);
    for (const auto& [name, d] : Departures()) {
      EXPECT_TRUE(d.ours(base)) << name << " default is not ours";
      EXPECT_TRUE(d.go(go)) << name << " is not Go's after GoCompat()";
    }
  }
}

TEST(GoCompat, LeavesGoOwnFieldsAlone) {
  const Config base = DefaultLocalConfig();
  const Config go = Config::GoCompat(base);
  EXPECT_EQ(go.probe_interval, base.probe_interval);
  EXPECT_EQ(go.gossip_interval, base.gossip_interval);
  EXPECT_EQ(go.suspicion_mult, base.suspicion_mult);
  EXPECT_EQ(go.retransmit_mult, base.retransmit_mult);
  EXPECT_EQ(go.push_pull_interval, base.push_pull_interval);
  EXPECT_EQ(go.handoff_queue_depth, 1024);
  EXPECT_EQ(Config::GoCompat().probe_interval,
            DefaultLANConfig().probe_interval);
}

TEST(GoCompat, ValidateRelaxesOnlyApiChecksAndRefusesSnappy) {
  Config c = DefaultLANConfig();
  c.name = "n";
  c.probe_timeout = absl::Seconds(2);  // past probe_interval: Go runs it
  EXPECT_FALSE(c.Validate().ok());
  c.ApplyGoCompat();
  EXPECT_TRUE(c.Validate().ok());
  c.udp_buffer_size = 16;  // memory safety stays checked
  EXPECT_FALSE(c.Validate().ok());
  c.udp_buffer_size = 1400;
  c.compression_algo = CompressionAlgo::kSnappy;
  absl::Status s = c.Validate();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("snappy"));
}

// --- behaviour: each departure changes what one node does ------------------

const VersionVector kVsn = {1, 5, 2, 0, 0, 0};
const Address kPeer{IpAddress::V4(10, 0, 0, 99), 7946, ""};

struct Recorder : public Delegate, public EventDelegate {
  std::vector<std::string> order;
  std::string NodeMeta(size_t) override { return ""; }
  void NotifyMsg(std::string_view m) override {
    order.push_back("8:" + std::string(m));
  }
  std::vector<std::string> GetBroadcasts(size_t, size_t) override { return {}; }
  std::string LocalState(bool) override { return ""; }
  void MergeRemoteState(std::string_view, bool) override {}
  void NotifyJoin(const Node& n) override {
    if (n.name != "self") order.push_back("4:" + n.name);
  }
  void NotifyLeave(const Node& n) override { order.push_back("5:" + n.name); }
  void NotifyUpdate(const Node&) override {}
  void NotifySuspectSateChange(const Node& n) override {
    order.push_back("3:" + n.name);
  }
};

class CompatNode : public ::testing::Test {
 protected:
  void Build(Config c) {
    ml_.reset();
    c.name = "self";
    c.bind_port = 7946;
    c.delegate = &rec_;
    c.events = &rec_;
    auto ml = Memberlist::Create(c, &env_,
                                 Address{IpAddress::V4(10, 0, 0, 1), 7946, ""});
    ASSERT_TRUE(ml.ok()) << ml.status();
    ml_ = std::move(*ml);
    ASSERT_TRUE(ml_->Start().ok());
  }
  void Deliver(const Bytes& msg, const Address& from = kPeer) {
    ml_->HandlePacket(from, msg, env_.Now());
  }
  static Bytes Alive(const std::string& node, uint32_t inc) {
    wire::Alive a;
    a.node = node;
    a.incarnation = inc;
    a.addr = IpAddress::V4(10, 0, 0, 2);
    a.port = 7946;
    a.vsn = kVsn;
    Bytes b;
    wire::Encode(a, AddressMode::kBinary, &b);
    return b;
  }
  static Bytes Suspect(const std::string& node, uint32_t inc) {
    Bytes b;
    wire::Encode(wire::Suspect{inc, node, "peer"}, &b);
    return b;
  }
  static Bytes User(const std::string& m) {
    Bytes b;
    wire::EncodeUserPacket(m, &b);
    return b;
  }
  static Bytes Ping(uint32_t seq) {
    wire::Ping p;
    p.seq_no = seq;
    p.node = "self";
    Bytes b;
    wire::Encode(p, AddressMode::kBinary, &b);
    return b;
  }
  uint64_t Counter(std::string_view name) const {
    return ml_->metrics().Counter(name);
  }
  // Packets we sent to `to` since the last call.
  size_t TakeSentTo(const Address& to) {
    size_t n = 0;
    for (const auto& p : env_.packets()) {
      if (p.to.ip == to.ip && p.to.port == to.port) ++n;
    }
    env_.packets().clear();
    return n;
  }

  FakeEnv env_{7};
  Recorder rec_;
  std::unique_ptr<Memberlist> ml_;
};

// Go's handleCommand queues alive/suspect/dead/user for its handler, which
// takes the newest alive first, then the newest of the rest (research note
// H1: a compound [user 1, alive X, user 2, suspect Y] is handled as
// alive X, suspect Y, user 2, user 1).
TEST_F(CompatNode, GoLifoHandlesAliveFirstThenNewestFirst) {
  Config c = DefaultLANConfig();
  c.handoff = HandoffMode::kGoLifo;
  Build(c);
  Deliver(Alive("y", 1));
  env_.RunDue();
  rec_.order.clear();
  Deliver(wire::MakeCompound(
      {User("1"), Alive("x", 1), User("2"), Suspect("y", 1)}));
  EXPECT_TRUE(rec_.order.empty()) << "queued work ran before the handler";
  env_.RunDue();
  EXPECT_THAT(rec_.order, ::testing::ElementsAre("4:x", "3:y", "8:2", "8:1"));
}

TEST_F(CompatNode, InlineHandlesACompoundInOrder) {
  Build(DefaultLANConfig());
  Deliver(Alive("y", 1));
  rec_.order.clear();
  Deliver(wire::MakeCompound(
      {User("1"), Alive("x", 1), User("2"), Suspect("y", 1)}));
  EXPECT_THAT(rec_.order, ::testing::ElementsAre("8:1", "4:x", "8:2", "3:y"));
}

// H2: depth 2, a compound of users 1, 2, 3: the third is dropped (Go drops
// the newest when full) and counted; the two kept run newest first.
TEST_F(CompatNode, GoLifoDropsTheNewestWhenFullAndCountsIt) {
  Config c = DefaultLANConfig();
  c.handoff = HandoffMode::kGoLifo;
  c.handoff_queue_depth = 2;
  Build(c);
  Deliver(wire::MakeCompound({User("1"), User("2"), User("3")}));
  env_.RunDue();
  EXPECT_THAT(rec_.order, ::testing::ElementsAre("8:2", "8:1"));
  EXPECT_EQ(Counter("memberlist.dropped.handoff_full"), 1u);
}

// With a service time the queue builds across datagrams: what arrived
// while the handler was busy runs newest first.
TEST_F(CompatNode, GoLifoServiceTimeLetsTheQueueBuildAcrossDatagrams) {
  Config c = DefaultLANConfig();
  c.handoff = HandoffMode::kGoLifo;
  c.handoff_service_time = absl::Milliseconds(10);
  Build(c);
  Deliver(User("a"));
  Deliver(User("b"));
  env_.RunDue();  // handles "b", then is busy for 10 ms
  Deliver(User("c"));
  Deliver(User("d"));
  env_.Advance(absl::Milliseconds(100));
  EXPECT_THAT(rec_.order, ::testing::ElementsAre("8:b", "8:d", "8:c", "8:a"));
}

TEST_F(CompatNode, ShutdownLosesQueuedHandoffWork) {
  Config c = DefaultLANConfig();
  c.handoff = HandoffMode::kGoLifo;
  Build(c);
  Deliver(User("lost"));
  ml_->Shutdown();
  env_.RunAll();
  EXPECT_TRUE(rec_.order.empty());
}

// Pings and acks are not queued in Go: a ping is answered at once.
TEST_F(CompatNode, GoLifoAnswersPingsInline) {
  Config c = DefaultLANConfig();
  c.handoff = HandoffMode::kGoLifo;
  Build(c);
  env_.packets().clear();
  Deliver(Ping(5));
  EXPECT_EQ(TakeSentTo(kPeer), 1u);
}

TEST_F(CompatNode, RequestsPerDatagramBoundedByDefaultNotInGoCompat) {
  Build(DefaultLANConfig());
  env_.packets().clear();
  Deliver(wire::MakeCompound({Ping(1), Ping(2), Ping(3)}));
  EXPECT_EQ(TakeSentTo(kPeer), 1u);
  EXPECT_EQ(Counter("memberlist.dropped.amplification"), 2u);

  Build(Config::GoCompat());
  env_.packets().clear();
  Deliver(wire::MakeCompound({Ping(1), Ping(2), Ping(3)}));
  EXPECT_EQ(TakeSentTo(kPeer), 3u);
}

TEST_F(CompatNode, CidrOnEveryPacketByDefaultOnlyAlivesInGoCompat) {
  Config c = DefaultLANConfig();
  c.cidrs_allowed = {*ParseCIDR("10.0.0.0/30")};  // not kPeer (.99)
  Build(c);
  env_.packets().clear();
  Deliver(Ping(1));
  EXPECT_EQ(TakeSentTo(kPeer), 0u);
  EXPECT_EQ(Counter("memberlist.dropped.cidr"), 1u);

  c.ApplyGoCompat();
  Build(c);
  env_.packets().clear();
  Deliver(Ping(1));
  EXPECT_EQ(TakeSentTo(kPeer), 1u);  // Go 0.2.2 answers it
  Deliver(Alive("x", 1));            // ...but refuses the alive
  EXPECT_FALSE(ml_->GetNode("x").has_value());
}

TEST_F(CompatNode, SnappyAcceptedByDefaultDroppedInGoCompat) {
  const Bytes packet =
      wire::CompressMessage(Alive("x", 1), CompressionAlgo::kSnappy);
  Build(DefaultLANConfig());
  Deliver(packet);
  EXPECT_TRUE(ml_->GetNode("x").has_value());

  Build(Config::GoCompat());
  Deliver(packet);
  env_.RunDue();
  EXPECT_FALSE(ml_->GetNode("x").has_value());
  EXPECT_EQ(Counter("memberlist.malformed.compress"), 1u);
}

// Issue 14 item 5 against Go's refute: an accusation at 2^32-1 is dropped
// by default; in Go compat it is refuted and the incarnation wraps to 0.
TEST_F(CompatNode, MaxIncarnationAccusationDroppedByDefaultWrapsInGoCompat) {
  Build(DefaultLANConfig());
  const uint32_t before = ml_->Incarnation();
  Deliver(Suspect("self", std::numeric_limits<uint32_t>::max()));
  EXPECT_EQ(ml_->Incarnation(), before);
  EXPECT_EQ(Counter("memberlist.dropped.incarnation_jump"), 1u);

  Build(Config::GoCompat());
  Deliver(Suspect("self", std::numeric_limits<uint32_t>::max()));
  env_.RunDue();
  EXPECT_EQ(ml_->Incarnation(), 0u);
  EXPECT_EQ(Counter("memberlist.refute_exhausted"), 1u);
}

TEST_F(CompatNode, JoinContactsSeedsAtOnceByDefaultOneByOneInGoCompat) {
  Build(DefaultLANConfig());
  ml_->Join({"10.0.0.5:7946", "10.0.0.6:7946"}, [](int, absl::Status) {});
  EXPECT_EQ(env_.streams().size(), 2u);

  Build(Config::GoCompat());
  env_.streams().clear();
  int contacted = -1;
  ml_->Join({"10.0.0.5:7946", "10.0.0.6:7946"},
            [&](int n, absl::Status) { contacted = n; });
  ASSERT_EQ(env_.streams().size(), 1u);
  EXPECT_EQ(env_.streams()[0].to.ip, IpAddress::V4(10, 0, 0, 5));
  auto first = std::move(env_.streams()[0]);
  env_.streams().clear();
  first.done(absl::UnavailableError("refused"));
  ASSERT_EQ(env_.streams().size(), 1u);  // only now the second seed
  EXPECT_EQ(env_.streams()[0].to.ip, IpAddress::V4(10, 0, 0, 6));
  auto second = std::move(env_.streams()[0]);
  env_.streams().clear();
  second.done(absl::UnavailableError("refused"));
  EXPECT_EQ(contacted, 0);
}

}  // namespace
}  // namespace swim
