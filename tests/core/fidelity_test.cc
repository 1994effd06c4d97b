// Issue 16: behaviours where core::Memberlist used to differ from Go
// memberlist 0.2.2 (Debian golang-github-hashicorp-memberlist-dev, cited as
// file:line) or from the go-doudou fork, one node at a time on FakeEnv.
// docs/plans/fidelity-go-0.2.2.md gives the spec of every item. Each test
// failed before its fix.
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/broadcast_queue.h"
#include "core/memberlist.h"
#include "core/metric_names.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/core/fake_env.h"

namespace swim {
namespace {

const VersionVector kVsn = {1, 5, 2, 0, 0, 0};
const IpAddress kSelfIp = IpAddress::V4(10, 0, 0, 1);
const IpAddress kPeerIp = IpAddress::V4(10, 0, 0, 2);
const IpAddress kSenderIp = IpAddress::V4(10, 0, 0, 99);

struct ConflictCounter : public ConflictDelegate {
  int calls = 0;
  void NotifyConflict(const Node&, const Node&) override { ++calls; }
};

struct PingRecorder : public PingDelegate {
  int calls = 0;
  absl::Duration last_rtt;
  std::string AckPayload() override { return "p"; }
  void NotifyPingComplete(const Node&, absl::Duration rtt,
                          std::string_view) override {
    ++calls;
    last_rtt = rtt;
  }
};

struct MergeRecorder : public MergeDelegate {
  std::vector<uint16_t> ports;
  absl::Status NotifyMerge(const std::vector<Node>& peers) override {
    for (const Node& n : peers) ports.push_back(n.port);
    return absl::OkStatus();
  }
};

struct UserDelegate : public DelegateBase {
  std::vector<std::string> to_send;
  std::vector<std::string> received;
  void NotifyMsg(std::string_view m) override { received.emplace_back(m); }
  std::vector<std::string> GetBroadcasts(size_t, size_t) override {
    return std::exchange(to_send, {});
  }
};

// Every leaf message of a datagram we sent: [type][body], with compression
// and compound messages unwrapped.
[[maybe_unused]] std::vector<Bytes> Leaves(const Bytes& packet) {
  std::vector<Bytes> out;
  absl::StatusOr<Bytes> m = wire::DecodePacket(packet, nullptr, true);
  if (!m.ok() || m->empty()) return out;
  if ((*m)[0] == static_cast<uint8_t>(wire::MessageType::kCompress)) {
    m = wire::DecompressMessage(ByteSpan(*m).subspan(1));
    if (!m.ok() || m->empty()) return out;
  }
  if ((*m)[0] == static_cast<uint8_t>(wire::MessageType::kCompound)) {
    absl::StatusOr<wire::CompoundParts> parts =
        wire::DecodeCompound(ByteSpan(*m).subspan(1));
    if (!parts.ok()) return out;
    for (ByteSpan p : parts->parts) out.emplace_back(p.begin(), p.end());
    return out;
  }
  out.push_back(*std::move(m));
  return out;
}

[[maybe_unused]] bool IsType(const Bytes& leaf, wire::MessageType t) {
  return !leaf.empty() && leaf[0] == static_cast<uint8_t>(t);
}

// The message type a stream request we started carries.
[[maybe_unused]] std::optional<wire::MessageType> StreamType(
    const Bytes& request) {
  absl::StatusOr<Bytes> m = wire::DecodeStream(request, nullptr, true);
  if (!m.ok() || m->empty()) return std::nullopt;
  return static_cast<wire::MessageType>((*m)[0]);
}

class FidelityTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(DefaultLANConfig()); }

  void Build(Config c, const std::string& name = "self") {
    ml_.reset();
    c.name = name;
    c.conflict = &conflicts_;
    c.probe_interval = absl::Seconds(1);
    c.bind_port = 7946;
    auto ml = Memberlist::Create(c, &env_, Address{kSelfIp, 7946, ""});
    ASSERT_TRUE(ml.ok()) << ml.status();
    ml_ = std::move(*ml);
    ASSERT_TRUE(ml_->Start().ok());
  }

  void Deliver(const Bytes& msg) {
    ml_->HandlePacket(Address{kSenderIp, 7946, ""}, msg, env_.Now());
  }
  void Alive(const std::string& node, uint32_t inc, IpAddress ip = kPeerIp,
             VersionVector vsn = kVsn) {
    wire::Alive a;
    a.node = node;
    a.incarnation = inc;
    a.addr = ip;
    a.port = 7946;
    a.vsn = vsn;
    Bytes b;
    wire::Encode(a, AddressMode::kBinary, &b);
    Deliver(b);
  }
  std::optional<NodeState> StateOf(const std::string& n) {
    return ml_->StateOf(n);
  }
  uint32_t IncOf(const std::string& n) { return ml_->GetNode(n)->incarnation; }
  uint64_t Counter(std::string_view name) const {
    return ml_->metrics().Counter(name);
  }

  // The first ping we sent to `ip` among the packets recorded so far.
  std::optional<wire::Ping> PingTo(const IpAddress& ip, Instant* at = nullptr) {
    for (const FakeEnv::SentPacket& p : env_.packets()) {
      if (!(p.to.ip == ip)) continue;
      for (const Bytes& leaf : Leaves(p.packet)) {
        if (!IsType(leaf, wire::MessageType::kPing)) continue;
        auto ping =
            wire::DecodePing(ByteSpan(leaf).subspan(1), AddressMode::kBinary);
        if (!ping.ok()) continue;
        if (at != nullptr) *at = p.at;
        return *ping;
      }
    }
    return std::nullopt;
  }
  // Advances in 1 ms steps until the node has pinged `ip`.
  wire::Ping AwaitPingTo(const IpAddress& ip) {
    for (int i = 0; i < 5000; ++i) {
      if (std::optional<wire::Ping> p = PingTo(ip)) return *p;
      env_.Advance(absl::Milliseconds(1));
    }
    ADD_FAILURE() << "no ping to " << ip.ToString();
    return {};
  }
  // Fails every stream the node has started.
  void FailStreams() {
    auto calls = std::move(env_.streams());
    env_.streams().clear();
    for (auto& call : calls)
      call.done(absl::UnavailableError("connection refused"));
  }
  // Acks every ping the node sent since the last call, as a healthy peer.
  void AnswerPings() {
    auto packets = std::move(env_.packets());
    env_.packets().clear();
    for (auto& p : packets) {
      for (const Bytes& leaf : Leaves(p.packet)) {
        if (!IsType(leaf, wire::MessageType::kPing)) continue;
        auto ping =
            wire::DecodePing(ByteSpan(leaf).subspan(1), AddressMode::kBinary);
        ASSERT_TRUE(ping.ok());
        Bytes ack;
        wire::Encode(wire::AckResp{ping->seq_no, std::nullopt}, &ack);
        Deliver(ack);
      }
    }
  }

  FakeEnv env_{42};
  ConflictCounter conflicts_;
  std::unique_ptr<Memberlist> ml_;
};

// Go probe (state.go:237-255) copies the node when the probe starts;
// probeNode suspects at that copy's incarnation (state.go:495-496), and
// suspectNode drops it as stale (state.go:1144-1147) once a fresher alive
// arrived during the probe.
TEST_F(FidelityTest, FailedProbeSuspectsAtTheIncarnationSeenWhenItStarted) {
  Alive("b", 1);
  AwaitPingTo(kPeerIp);
  Alive("b", 2);  // b refuted something meanwhile
  // No ack: this probe's deadline (1 s) passes; the next probe's does not.
  for (int i = 0; i < 104; ++i) {
    env_.Advance(absl::Milliseconds(10));
    FailStreams();
  }
  EXPECT_EQ(StateOf("b"), NodeState::kAlive);
  EXPECT_EQ(IncOf("b"), 2u);
}

// The TCP fallback gate reads the copy's PMax too (state.go:442): a node
// that spoke protocol 2 when the probe started gets no TCP ping, even if it
// announced protocol 5 during the probe.
TEST_F(FidelityTest, TcpFallbackGateUsesTheVersionsSeenWhenTheProbeStarted) {
  Alive("b", 1, kPeerIp, VersionVector{1, 2, 2, 0, 0, 0});
  AwaitPingTo(kPeerIp);
  Alive("b", 2, kPeerIp, kVsn);
  env_.Advance(absl::Milliseconds(600));  // past ProbeTimeout
  for (const auto& call : env_.streams()) {
    EXPECT_NE(StreamType(call.request), wire::MessageType::kPing)
        << "TCP fallback ping to a node that was protocol 2 at probe start";
  }
}

// Go calls NotifyPingComplete only in probeNode's first select, for a
// direct ack before ProbeTimeout (state.go:369-376). A late ack (and a
// relay's forwarded one) completes the probe without it (state.go:460-465).
TEST_F(FidelityTest, PingDelegateIsNotCalledForAnAckAfterProbeTimeout) {
  PingRecorder ping;
  Config c = DefaultLANConfig();
  c.ping = &ping;
  c.disable_tcp_pings = true;
  Build(c);
  Alive("b", 1);
  const wire::Ping p = AwaitPingTo(kPeerIp);
  env_.Advance(c.probe_timeout + absl::Milliseconds(10));
  Bytes ack;
  wire::Encode(wire::AckResp{p.seq_no, std::string("x")}, &ack);
  Deliver(ack);
  EXPECT_EQ(ping.calls, 0);
  EXPECT_EQ(Counter(metric::kProbeSuccess.str),
            1u);  // the probe still succeeded
  EXPECT_EQ(StateOf("b"), NodeState::kAlive);
}

TEST_F(FidelityTest, PingDelegateIsCalledForADirectAckBeforeProbeTimeout) {
  PingRecorder ping;
  Config c = DefaultLANConfig();
  c.ping = &ping;
  Build(c);
  Alive("b", 1);
  const wire::Ping p = AwaitPingTo(kPeerIp);
  Instant sent;
  ASSERT_TRUE(PingTo(kPeerIp, &sent).has_value());
  env_.AdvanceTo(sent + absl::Milliseconds(5));
  Bytes ack;
  wire::Encode(wire::AckResp{p.seq_no, std::string("x")}, &ack);
  Deliver(ack);
  EXPECT_EQ(ping.calls, 1);
  EXPECT_EQ(ping.last_rtt, absl::Milliseconds(5));
}

// The fork (toolkit memberlist/net.go) also checks the SourceAddr of pings
// (handlePing, and handleConn's TCP ping), of indirect pings
// (handleIndirectPing) and nodes[0].Addr of a join push/pull (handleConn),
// besides the packet/stream source.
class CidrFidelityTest : public FidelityTest {
 protected:
  void SetUp() override {
    Config c = DefaultLANConfig();
    absl::StatusOr<IpNetwork> net = ParseCIDR("10.0.0.0/8");
    ASSERT_TRUE(net.ok());
    c.cidrs_allowed = {*net};
    Build(c);
    env_.packets().clear();
  }
  const IpAddress kOutside = IpAddress::V4(192, 168, 1, 5);
};

TEST_F(CidrFidelityTest, PingWithDisallowedSourceAddrIsNotAnswered) {
  wire::Ping p;
  p.seq_no = 7;
  p.node = "self";
  p.source_addr = kOutside;
  p.source_port = 7946;
  p.source_node = "x";
  Bytes b;
  wire::Encode(p, AddressMode::kBinary, &b);
  Deliver(b);
  EXPECT_TRUE(env_.packets().empty());
  EXPECT_EQ(Counter(metric::kDroppedCidr.str), 1u);
}

TEST_F(CidrFidelityTest, IndirectPingWithDisallowedSourceAddrIsIgnored) {
  wire::IndirectPingReq ind;
  ind.seq_no = 7;
  ind.target = kPeerIp;
  ind.port = 7946;
  ind.node = "b";
  ind.nack = true;
  ind.source_addr = kOutside;
  ind.source_port = 7946;
  ind.source_node = "x";
  Bytes b;
  wire::Encode(ind, AddressMode::kBinary, &b);
  Deliver(b);
  env_.Advance(absl::Seconds(1));  // no nack either
  for (const auto& p : env_.packets()) {
    for (const Bytes& leaf : Leaves(p.packet)) {
      EXPECT_FALSE(IsType(leaf, wire::MessageType::kPing));
      EXPECT_FALSE(IsType(leaf, wire::MessageType::kNack));
      EXPECT_FALSE(IsType(leaf, wire::MessageType::kAck));
    }
  }
  EXPECT_EQ(Counter(metric::kDroppedCidr.str), 1u);
}

TEST_F(CidrFidelityTest, TcpPingWithDisallowedSourceAddrGetsNoAck) {
  wire::Ping p;
  p.seq_no = 7;
  p.node = "self";
  p.source_addr = kOutside;
  p.source_port = 7946;
  Bytes b;
  wire::Encode(p, AddressMode::kBinary, &b);
  EXPECT_FALSE(ml_->HandleStream(Address{kSenderIp, 7946, ""}, b).has_value());
}

TEST_F(CidrFidelityTest, JoinPushPullFromDisallowedFirstNodeIsDropped) {
  wire::PushPull pp;
  pp.join = true;
  wire::PushNodeState s;
  s.name = "joiner";
  s.addr = kOutside;
  s.port = 7946;
  s.incarnation = 1;
  s.state = static_cast<int64_t>(NodeState::kAlive);
  s.vsn = kVsn;
  pp.nodes.push_back(s);
  Bytes b;
  wire::Encode(pp, AddressMode::kBinary, &b);
  EXPECT_FALSE(ml_->HandleStream(Address{kSenderIp, 7946, ""}, b).has_value());
  EXPECT_FALSE(StateOf("joiner").has_value());
}

TEST_F(CidrFidelityTest, AllowedSourceAddrIsStillAnswered) {
  wire::Ping p;
  p.seq_no = 7;
  p.node = "self";
  p.source_addr = kPeerIp;
  p.source_port = 7946;
  p.source_node = "b";
  Bytes b;
  wire::Encode(p, AddressMode::kBinary, &b);
  Deliver(b);
  ASSERT_EQ(env_.packets().size(), 1u);
  EXPECT_EQ(env_.packets()[0].to.ip, kPeerIp);
}

// Go's errNodeNamesAreRequired (memberlist.go:35): rawSendMsgPacket
// (net.go:748-750), sendUserMsg, sendAndReceiveState (net.go:876-878) and
// sendPingAndWaitForAck refuse an address without a name.
class RequireNamesTest : public FidelityTest {
 protected:
  void SetUp() override {
    Config c = DefaultLANConfig();
    c.require_node_names = true;
    Build(c);
    env_.packets().clear();
  }
};

TEST_F(RequireNamesTest, JoinWithoutNodeNameFails) {
  std::optional<absl::Status> got;
  int n = -1;
  ml_->Join({"10.0.0.2:7946"}, [&](int c, absl::Status s) {
    n = c;
    got = s;
  });
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->ok());
  EXPECT_TRUE(absl::StrContains(got->message(), "node names are required"))
      << got->message();
  EXPECT_EQ(n, 0);
  EXPECT_TRUE(env_.streams().empty());
}

TEST_F(RequireNamesTest, JoinWithNodeNameStartsAnExchange) {
  ml_->Join({"b/10.0.0.2:7946"}, [](int, absl::Status) {});
  EXPECT_EQ(env_.streams().size(), 1u);
}

TEST_F(RequireNamesTest, PingWithoutSourceNodeIsNotAcked) {
  wire::Ping p;
  p.seq_no = 7;
  p.node = "self";
  Bytes b;
  wire::Encode(p, AddressMode::kBinary, &b);
  Deliver(b);
  EXPECT_TRUE(env_.packets().empty());
  EXPECT_EQ(Counter(metric::kDroppedNoNodeName.str), 1u);
}

TEST_F(RequireNamesTest, SendToAddressWithoutNameIsRefused) {
  absl::Status s = ml_->SendToAddress(Address{kPeerIp, 7946, ""}, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_TRUE(env_.packets().empty());
  EXPECT_TRUE(ml_->SendToAddress(Address{kPeerIp, 7946, "b"}, "x").ok());
}

TEST_F(RequireNamesTest, IndirectPingWithoutTargetNameSendsNoPing) {
  wire::IndirectPingReq ind;
  ind.seq_no = 7;
  ind.target = kPeerIp;
  ind.port = 7946;
  ind.source_addr = IpAddress::V4(10, 0, 0, 3);
  ind.source_port = 7946;
  ind.source_node = "c";
  Bytes b;
  wire::Encode(ind, AddressMode::kBinary, &b);
  Deliver(b);
  EXPECT_TRUE(env_.packets().empty());
}

// Go's aliveNode creates the stub with StateChange left at the zero time
// (state.go:978-986); an alive at incarnation 0 leaves it there. So it is
// reaped at the next wrap (util.go:110), never gossiped to (state.go:581)
// and its name may be reclaimed at once (state.go:1021-1022).
TEST_F(FidelityTest, StubFromAliveAtIncarnationZeroIsReapedAtTheNextWrap) {
  Alive("z", 0);
  ASSERT_EQ(StateOf("z"), NodeState::kDead);
  env_.Advance(absl::Seconds(3));
  EXPECT_FALSE(StateOf("z").has_value());
}

TEST_F(FidelityTest, StubFromAliveAtIncarnationZeroIsNeverGossipedTo) {
  Alive("z", 0);
  env_.packets().clear();
  env_.Advance(absl::Milliseconds(900));
  for (const auto& p : env_.packets()) EXPECT_FALSE(p.to.ip == kPeerIp);
}

TEST_F(FidelityTest, StubFromAliveAtIncarnationZeroCanBeReclaimedAtOnce) {
  Config c = DefaultLANConfig();
  c.dead_node_reclaim_time = absl::Hours(1);
  Build(c);
  Alive("z", 0, kPeerIp);
  Alive("z", 0, IpAddress::V4(10, 0, 0, 3));
  EXPECT_EQ(conflicts_.calls, 0);
  ASSERT_TRUE(StateOf("z").has_value());
  EXPECT_EQ(ml_->GetNode("z")->addr, IpAddress::V4(10, 0, 0, 3));
}

// Go's refute queues the alive under me.Addr.String(), the bare IP
// (state.go:912): for a node named by its IP it replaces the queued
// broadcast about the node.
TEST_F(FidelityTest, RefutationIsKeyedByTheBareIp) {
  Build(DefaultLANConfig(), "10.0.0.1");
  ASSERT_EQ(ml_->NumQueuedBroadcasts(), 1u);  // our own alive
  Bytes b;
  wire::Encode(wire::Suspect{ml_->Incarnation(), "10.0.0.1", "x"}, &b);
  Deliver(b);
  EXPECT_EQ(ml_->NumQueuedBroadcasts(), 1u);
  EXPECT_EQ(ml_->Incarnation(), 2u);
}

// Go's Shutdown (memberlist.go:709-729) leaves the broadcast queue alone:
// a pending Leave or UpdateNode is never told its broadcast went out; it
// times out (memberlist.go:657-668, 519-529).
TEST_F(FidelityTest, ShutdownFailsAPendingLeave) {
  Alive("a", 1);
  std::optional<absl::Status> got;
  ml_->Leave(absl::Seconds(5), [&](absl::Status s) { got = s; });
  ASSERT_FALSE(got.has_value());
  ml_->Shutdown();
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->ok());
}

TEST_F(FidelityTest, ShutdownFailsAPendingUpdateNode) {
  Alive("a", 1);
  std::optional<absl::Status> got;
  ml_->UpdateNode(absl::Seconds(5), [&](absl::Status s) { got = s; });
  ASSERT_FALSE(got.has_value());
  ml_->Shutdown();
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->ok());
}

// Go's readRemoteState rewrites port 0 (and every port below protocol 2)
// for every entry (net.go:1129-1135), before verifyProtocol and
// NotifyMerge (net.go:1147-1166).
TEST_F(FidelityTest, MergeDelegateSeesFixedUpPorts) {
  MergeRecorder merge;
  Config c = DefaultLANConfig();
  c.merge = &merge;
  Build(c);
  wire::PushPull pp;
  pp.join = true;
  wire::PushNodeState s;
  s.name = "p";
  s.addr = IpAddress::V4(10, 0, 0, 5);
  s.port = 0;
  s.incarnation = 1;
  s.state = static_cast<int64_t>(NodeState::kAlive);
  s.vsn = kVsn;
  pp.nodes.push_back(s);
  s.name = "q";
  s.state = static_cast<int64_t>(NodeState::kDead);
  pp.nodes.push_back(s);
  Bytes b;
  wire::Encode(pp, AddressMode::kBinary, &b);
  ASSERT_TRUE(ml_->HandleStream(Address{kSenderIp, 7946, ""}, b).has_value());
  EXPECT_EQ(merge.ports, (std::vector<uint16_t>{7946, 7946}));
  EXPECT_EQ(ml_->GetNode("p")->port, 7946);
}

// Go's aliveNode swaps the new node with nodes[randomOffset(n)], an
// existing slot in [0, n) (state.go:1003-1008, util.go:55-60): with one
// node in the table the newcomer always goes first.
TEST(FidelityInsert, NewNodeTakesAnExistingSlot) {
  for (uint64_t seed = 1; seed <= 32; ++seed) {
    FakeEnv env(seed);
    Config c = DefaultLANConfig();
    c.name = "self";
    auto ml = Memberlist::Create(c, &env, Address{kSelfIp, 7946, ""});
    ASSERT_TRUE(ml.ok());
    ASSERT_TRUE((*ml)->Start().ok());
    wire::Alive a;
    a.node = "a";
    a.incarnation = 1;
    a.addr = kPeerIp;
    a.port = 7946;
    a.vsn = kVsn;
    Bytes b;
    wire::Encode(a, AddressMode::kBinary, &b);
    (*ml)->HandlePacket(Address{kSenderIp, 7946, ""}, b, env.Now());
    EXPECT_EQ((*ml)->AllNodes()[0].name, "a") << "seed " << seed;
  }
}

// Go's pushPullTrigger (state.go:168-189) waits the stagger, then a whole
// scaled interval before the first exchange, and starts each next interval
// only when pushPull() returned (the exchange blocks the goroutine).
TEST_F(FidelityTest, FirstPushPullComesAFullIntervalAfterTheStagger) {
  Alive("a", 1);
  std::optional<Instant> first;
  size_t seen = 0;
  while (env_.Now() < Instant::Zero() + absl::Seconds(60) && !first) {
    env_.Advance(absl::Milliseconds(10));
    AnswerPings();
    for (; seen < env_.streams().size(); ++seen) {
      if (StreamType(env_.streams()[seen].request) ==
          wire::MessageType::kPushPull) {
        first = env_.streams()[seen].at;
      }
    }
  }
  ASSERT_TRUE(first.has_value());
  EXPECT_GE(*first, Instant::Zero() + absl::Seconds(30));
}

TEST_F(FidelityTest, NextPushPullPeriodStartsWhenTheExchangeEnds) {
  Alive("a", 1);
  auto push_pulls = [&] {
    std::vector<size_t> out;
    for (size_t i = 0; i < env_.streams().size(); ++i) {
      if (StreamType(env_.streams()[i].request) == wire::MessageType::kPushPull)
        out.push_back(i);
    }
    return out;
  };
  while (push_pulls().empty()) {
    env_.Advance(absl::Milliseconds(10));
    AnswerPings();
  }
  // Keep it pending for two intervals: no second exchange starts.
  for (int i = 0; i < 6000; ++i) {
    env_.Advance(absl::Milliseconds(10));
    AnswerPings();
  }
  ASSERT_EQ(push_pulls().size(), 1u);
  const Instant finished = env_.Now();
  env_.streams()[push_pulls()[0]].done(absl::DeadlineExceededError("slow"));
  while (push_pulls().size() < 2 && env_.Now() < finished + absl::Seconds(40)) {
    env_.Advance(absl::Milliseconds(10));
    AnswerPings();
  }
  ASSERT_EQ(push_pulls().size(), 2u);
  EXPECT_GE(env_.streams()[push_pulls()[1]].at, finished + absl::Seconds(30));
}

// Go creates the probe and gossip tickers before the stagger wait
// (state.go:120,132 vs 146-161), so its ticks land on Create + k x interval.
// staggered_ticks = false reproduces that (departure kept by default).
TEST_F(FidelityTest, UnstaggeredTicksLandOnWholeIntervals) {
  Config c = DefaultLANConfig();
  c.staggered_ticks = false;
  Build(c);
  Alive("b", 1);
  env_.packets().clear();
  env_.Advance(absl::Milliseconds(999));
  EXPECT_FALSE(PingTo(kPeerIp).has_value());
  env_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(PingTo(kPeerIp).has_value());
}

// Go's handleConn only logs and closes on a body decode error (net.go:266-
// 270, 283-286, 252-254); it replies with an error only when readStream
// fails (not at EOF).
TEST_F(FidelityTest, UndecodableStreamBodiesGetNoErrorReply) {
  const Address from{kSenderIp, 7946, ""};
  EXPECT_FALSE(ml_->HandleStream(from, Bytes{0x00, 0xc1}).has_value());
  EXPECT_EQ(Counter(metric::kMalformedTcpPing.str), 1u);
  EXPECT_FALSE(ml_->HandleStream(from, Bytes{0x06, 0xc1}).has_value());
  EXPECT_EQ(Counter(metric::kMalformedPushPull.str), 1u);
  EXPECT_FALSE(ml_->HandleStream(from, Bytes{0x08, 0xc1}).has_value());
  EXPECT_EQ(Counter(metric::kMalformedUserStream.str), 1u);
  EXPECT_FALSE(ml_->HandleStream(from, Bytes{}).has_value());  // EOF
}

TEST_F(FidelityTest, UnreadableStreamStillGetsAnErrorReply) {
  Config c = DefaultLANConfig();
  c.secret_key = std::string(16, 'k');
  Build(c);
  wire::Ping p;
  p.seq_no = 1;
  Bytes b;
  wire::Encode(p, AddressMode::kBinary, &b);
  // Plaintext to a node that requires encryption: readStream fails.
  std::optional<Bytes> reply =
      ml_->HandleStream(Address{kSenderIp, 7946, ""}, b);
  EXPECT_TRUE(reply.has_value());
}

// Go frames every delegate broadcast, an empty one too, as [userMsg]+msg
// (broadcast.go:93-101), and handleUser delivers any length (net.go:686-
// 691).
TEST_F(FidelityTest, EmptyUserBroadcastIsSentAndDelivered) {
  UserDelegate user;
  Config c = DefaultLANConfig();
  c.delegate = &user;
  Build(c);
  Alive("b", 1);
  user.to_send = {""};
  env_.packets().clear();
  bool found = false;
  for (int i = 0; i < 100 && !found; ++i) {
    env_.Advance(absl::Milliseconds(10));
    for (const auto& p : env_.packets()) {
      for (const Bytes& leaf : Leaves(p.packet)) {
        if (leaf == Bytes{0x08}) found = true;
      }
    }
    if (user.to_send.empty() && !found) user.to_send = {""};
  }
  EXPECT_TRUE(found);
  Deliver(Bytes{0x08});
  EXPECT_EQ(user.received, std::vector<std::string>{""});
}

// Go's Join (memberlist.go:249-278) returns (0, nil) for no seeds, and
// words a seed's failure "Failed to join <ip>: ..." (the IP, no port).
TEST_F(FidelityTest, JoinWithNoSeedsSucceeds) {
  std::optional<absl::Status> got;
  int n = -1;
  ml_->Join({}, [&](int c, absl::Status s) {
    n = c;
    got = s;
  });
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->ok()) << *got;
  EXPECT_EQ(n, 0);
}

TEST_F(FidelityTest, JoinErrorNamesTheSeedIpLikeGo) {
  std::optional<absl::Status> got;
  ml_->Join({"10.0.0.2:7946"}, [&](int, absl::Status s) { got = s; });
  FailStreams();
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(absl::StrContains(got->message(), "Failed to join 10.0.0.2: "))
      << got->message();
}

// Go's queue calls Finished() under a non-reentrant mutex; ours has no
// lock, so a Finished() that re-enters the queue must find it consistent.
class ReenteringBroadcast : public Broadcast {
 public:
  ReenteringBroadcast(TransmitLimitedQueue* q, std::string name)
      : q_(q), name_(std::move(name)) {}
  ByteSpan Message() const override { return msg_; }
  std::string_view Name() const override { return name_; }
  void Finished() override {
    if (fired_) return;
    fired_ = true;
    q_->QueueBroadcast(std::make_unique<SimpleBroadcast>(name_, Bytes{2}));
  }

 private:
  TransmitLimitedQueue* q_;
  std::string name_;
  Bytes msg_{1};
  bool fired_ = false;
};

TEST(FidelityQueue, FinishedThatRequeuesTheSameNameKeepsOneEntry) {
  TransmitLimitedQueue q([] { return 10; }, 4);
  q.QueueBroadcast(std::make_unique<ReenteringBroadcast>(&q, "x"));
  q.QueueBroadcast(std::make_unique<SimpleBroadcast>("x", Bytes{3}));
  EXPECT_EQ(q.NumQueued(), 1u);
  std::vector<Bytes> out = q.GetBroadcasts(0, 100);
  ASSERT_EQ(out.size(), 1u);
}

TEST(FidelityQueue, FinishedThatQueuesDuringPruneLeavesAConsistentQueue) {
  TransmitLimitedQueue q([] { return 10; }, 4);
  q.QueueBroadcast(std::make_unique<ReenteringBroadcast>(&q, "y"));
  q.QueueBroadcast(std::make_unique<SimpleBroadcast>("z", Bytes{1, 2}));
  q.Prune(1);  // retires y (the shorter), which queues a new y: pruned too
  EXPECT_EQ(q.NumQueued(), 1u);
  EXPECT_EQ(q.GetBroadcasts(0, 100), std::vector<Bytes>{(Bytes{1, 2})});
}

TEST(FidelityQueue, FinishedThatQueuesDuringResetLeavesOnlyThatEntry) {
  TransmitLimitedQueue q([] { return 10; }, 4);
  q.QueueBroadcast(std::make_unique<ReenteringBroadcast>(&q, "y"));
  q.QueueBroadcast(std::make_unique<SimpleBroadcast>("z", Bytes{1, 2}));
  q.Reset();
  EXPECT_EQ(q.NumQueued(), 1u);
  std::vector<Bytes> out = q.GetBroadcasts(0, 100);
  EXPECT_EQ(out, std::vector<Bytes>{Bytes{2}});
}

}  // namespace
}  // namespace swim
