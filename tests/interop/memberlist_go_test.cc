// net::Memberlist in one cluster with unmodified Go memberlist 0.2.2 nodes
// (tests/interop/go/peer as child processes), all on 127.0.0.1: joins in
// both directions, identical member lists, crash and leave detection, meta
// updates and user messages both ways, under protocol versions 2 and 5,
// compression on and off, encryption and a live key rotation.
//
// Usage: memberlist_go_test PATH_TO_GO_PEER [gtest flags]
// If PATH_TO_GO_PEER is the stub the build writes when `go` is missing,
// every test is skipped with that reason.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/wire/messages.h"

#include "net/memberlist.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/interop/go_peer.h"
#include "tests/net/test_util.h"

namespace swim::interop {
namespace {

using net::ChannelEventDelegate;
using net::NodeEvent;
using net::NodeEventType;
using net::testing::RecordingDelegate;
using net::testing::WaitFor;
using std::chrono::seconds;

std::string g_peer_path;
std::string g_skip_reason;

// Timings for both sides: Local-ish, fast enough for a short suite, slack
// enough for a loaded 2-core machine.
constexpr absl::Duration kProbeInterval = absl::Milliseconds(300);
constexpr absl::Duration kProbeTimeout = absl::Milliseconds(200);
constexpr absl::Duration kGossipInterval = absl::Milliseconds(100);
constexpr absl::Duration kPushPull = absl::Seconds(5);
constexpr auto kLong = seconds(30);

struct Variant {
  uint8_t protocol_version;
  bool compression;
  bool encrypted;
};

std::string VariantName(const ::testing::TestParamInfo<Variant>& info) {
  return absl::StrCat("pv", info.param.protocol_version,
                      info.param.compression ? "_lzw" : "_plain",
                      info.param.encrypted ? "_aes" : "_clear");
}

const std::string kKeyA = std::string("0123456789abcdef");  // AES-128
const std::string kKeyB = std::string(32, 'B');             // AES-256

struct CppNode {
  RecordingDelegate delegate;
  ChannelEventDelegate events{8192};
  std::unique_ptr<net::Memberlist> ml;

  std::string seed() const { return ml->AdvertiseAddress().ToString(); }
  std::optional<NodeEvent> WaitEvent(NodeEventType type,
                                     const std::string& name,
                                     absl::Duration timeout) {
    const absl::Time end = absl::Now() + timeout;
    while (absl::Now() < end) {
      std::optional<NodeEvent> e = events.Pop(end - absl::Now());
      if (e && e->type == type && e->node.name == name) return e;
    }
    return std::nullopt;
  }
  std::vector<std::string> MemberNames() const {
    std::vector<std::string> names;
    for (const Node& n : ml->Members()) names.push_back(n.name);
    std::sort(names.begin(), names.end());
    return names;
  }
};

class Interop : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    if (!g_skip_reason.empty()) GTEST_SKIP() << g_skip_reason;
  }

  Variant variant() const {
    if (!::testing::UnitTest::GetInstance()
             ->current_test_info()
             ->value_param()) {
      return Variant{2, true, false};
    }
    return GetParam();
  }

  std::unique_ptr<GoPeer> StartGo(const std::string& name,
                                  const std::string& join = "",
                                  const std::string& key = "",
                                  const std::string& log_path = "") {
    const Variant v = variant();
    std::vector<std::string> args = {
        "-config",
        "local",
        "-protocol-version",
        std::to_string(v.protocol_version),
        absl::StrCat("-compression=", v.compression ? "true" : "false"),
        "-probe-interval",
        absl::FormatDuration(kProbeInterval),
        "-probe-timeout",
        absl::FormatDuration(kProbeTimeout),
        "-gossip-interval",
        absl::FormatDuration(kGossipInterval),
        "-push-pull-interval",
        absl::FormatDuration(kPushPull),
    };
    const std::string k = !key.empty() ? key : (v.encrypted ? kKeyA : "");
    if (!k.empty()) {
      args.push_back("-key");
      args.push_back(absl::BytesToHexString(k));
    }
    if (!join.empty()) {
      args.push_back("-join");
      args.push_back(join);
    }
    return GoPeer::Start(g_peer_path, name, args, log_path);
  }

  std::unique_ptr<CppNode> StartCpp(const std::string& name,
                                    const std::string& key = "") {
    const Variant v = variant();
    auto n = std::make_unique<CppNode>();
    Config c = DefaultLocalConfig();
    c.name = name;
    c.bind_addr = "127.0.0.1";
    c.bind_port = 0;
    c.protocol_version = v.protocol_version;
    c.enable_compression = v.compression;
    c.probe_interval = kProbeInterval;
    c.probe_timeout = kProbeTimeout;
    c.gossip_interval = kGossipInterval;
    c.push_pull_interval = kPushPull;
    c.secret_key = !key.empty() ? key : (v.encrypted ? kKeyA : "");
    c.delegate = &n->delegate;
    c.events = &n->events;
    net::NetOptions o;
    o.log_level = LogLevel::kError;
    auto ml = net::Memberlist::Create(std::move(c), o);
    EXPECT_TRUE(ml.ok()) << ml.status();
    if (!ml.ok()) return nullptr;
    n->ml = std::move(*ml);
    return n;
  }

  // Polls until the Go node lists exactly `want` (sorted).
  static bool GoSees(GoPeer& go, std::vector<std::string> want) {
    std::sort(want.begin(), want.end());
    return WaitFor([&] { return go.MemberNames() == want; }, absl::Seconds(30));
  }
  static bool CppSees(CppNode& n, std::vector<std::string> want) {
    std::sort(want.begin(), want.end());
    return WaitFor([&] { return n.MemberNames() == want; }, absl::Seconds(30));
  }
};

// The main scenario, under every variant: C++ joins a Go cluster; both sides
// agree; meta and user messages cross both ways; leaves are seen as such.
TEST_P(Interop, MixedClusterAgreesAndTalks) {
  auto go1 = StartGo("go1");
  ASSERT_TRUE(go1);
  auto go2 = StartGo("go2", go1->seed());
  ASSERT_TRUE(go2);
  auto c1 = StartCpp("cpp1");
  ASSERT_TRUE(c1);
  absl::StatusOr<int> joined = c1->ml->Join({go1->seed()});
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(*joined, 1);
  auto c2 = StartCpp("cpp2");
  ASSERT_TRUE(c2);
  ASSERT_TRUE(c2->ml->Join({go2->seed()}).ok());

  const std::vector<std::string> all = {"cpp1", "cpp2", "go1", "go2"};
  EXPECT_TRUE(CppSees(*c1, all)) << absl::StrJoin(c1->MemberNames(), ",");
  EXPECT_TRUE(CppSees(*c2, all));
  EXPECT_TRUE(GoSees(*go1, all));
  EXPECT_TRUE(GoSees(*go2, all));

  // Go sees our advertised address (4-byte IPv4) and versions.
  std::optional<Json> seen = go1->Member("cpp1");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->value("addr", ""), "127.0.0.1");
  EXPECT_EQ(seen->value("port", 0), c1->ml->AdvertisePort());
  EXPECT_EQ(seen->value("pcur", 0), variant().protocol_version);
  // And we see Go's.
  for (const Node& n : c1->ml->Members()) {
    if (n.name == "go1") {
      EXPECT_EQ(n.addr, IpAddress::V4(127, 0, 0, 1));
      EXPECT_EQ(n.port, go1->port());
      EXPECT_EQ(n.pcur(), variant().protocol_version);
    }
  }

  // Meta, C++ -> Go and Go -> C++.
  c1->delegate.SetMeta("cpp-meta-1");
  ASSERT_TRUE(c1->ml->UpdateNode(absl::Seconds(5)).ok());
  EXPECT_TRUE(go2->WaitSeen(
      [](const Json& j) {
        return j.value("event", "") == "update" &&
               j.value("name", "") == "cpp1" &&
               j.value("meta", "") == "cpp-meta-1";
      },
      kLong));
  ASSERT_TRUE(go1->Call("update-meta go-meta-1", "meta_updated"));
  std::optional<NodeEvent> up =
      c2->WaitEvent(NodeEventType::kUpdate, "go1", absl::Seconds(30));
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->node.meta, "go-meta-1");

  // User messages, both ways, reliable and best effort.
  EXPECT_TRUE(c1->ml->SendReliable("go1", "reliable c->g").ok());
  EXPECT_TRUE(c1->ml->SendBestEffort("go2", "best-effort c->g").ok());
  EXPECT_TRUE(go1->WaitUserMessage("reliable c->g", kLong));
  EXPECT_TRUE(go2->WaitUserMessage("best-effort c->g", kLong));
  ASSERT_TRUE(go1->Call("send cpp1 reliable g->c", "sent"));
  ASSERT_TRUE(go2->Call("send-best-effort cpp2 best-effort g->c", "sent"));
  EXPECT_TRUE(WaitFor([&] { return c1->delegate.HasMessage("reliable g->c"); },
                      absl::Seconds(10)));
  EXPECT_TRUE(
      WaitFor([&] { return c2->delegate.HasMessage("best-effort g->c"); },
              absl::Seconds(10)));

  // Leave, C++ -> Go: Go reports the departure long before a failure could
  // have been detected.
  ASSERT_TRUE(c2->ml->Leave(absl::Seconds(5)).ok());
  EXPECT_TRUE(go1->WaitEvent("leave", "cpp2", seconds(10)));
  c2->ml->Shutdown();
  EXPECT_TRUE(GoSees(*go1, {"cpp1", "go1", "go2"}));
  // Leave, Go -> C++: seen as left, not dead.
  ASSERT_TRUE(go2->Call("leave 5s", "left"));
  std::optional<NodeEvent> left =
      c1->WaitEvent(NodeEventType::kLeave, "go2", absl::Seconds(10));
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ(left->node.state, NodeState::kLeft);
  EXPECT_TRUE(CppSees(*c1, {"cpp1", "go1"}));
}

INSTANTIATE_TEST_SUITE_P(Variants, Interop,
                         ::testing::Values(Variant{2, true, false},
                                           Variant{2, false, true},
                                           Variant{5, true, true},
                                           Variant{5, false, false}),
                         VariantName);

class InteropOnce : public Interop {};

// A Go node joins a C++-only cluster.
TEST_F(InteropOnce, GoJoinsCppCluster) {
  auto c1 = StartCpp("cpp1");
  ASSERT_TRUE(c1);
  auto c2 = StartCpp("cpp2");
  ASSERT_TRUE(c2);
  ASSERT_TRUE(c2->ml->Join({c1->seed()}).ok());
  auto go1 = StartGo("go1", c2->seed());
  ASSERT_TRUE(go1);
  EXPECT_TRUE(go1->WaitSeen(
      [](const Json& j) { return j.value("event", "") == "joined"; }, kLong));
  const std::vector<std::string> all = {"cpp1", "cpp2", "go1"};
  EXPECT_TRUE(GoSees(*go1, all));
  EXPECT_TRUE(CppSees(*c1, all));
  EXPECT_TRUE(CppSees(*c2, all));
}

// A crash of either kind of node is detected by the other kind.
TEST_F(InteropOnce, CrashOfEitherKindIsDetected) {
  auto go1 = StartGo("go1");
  ASSERT_TRUE(go1);
  auto go2 = StartGo("go2", go1->seed());
  ASSERT_TRUE(go2);
  auto c1 = StartCpp("cpp1");
  ASSERT_TRUE(c1);
  ASSERT_TRUE(c1->ml->Join({go1->seed()}).ok());
  auto c2 = StartCpp("cpp2");
  ASSERT_TRUE(c2);
  ASSERT_TRUE(c2->ml->Join({go1->seed()}).ok());
  const std::vector<std::string> all = {"cpp1", "cpp2", "go1", "go2"};
  ASSERT_TRUE(GoSees(*go1, all));
  ASSERT_TRUE(CppSees(*c1, all));

  go2->Kill();  // Go node crashes
  std::optional<NodeEvent> dead =
      c1->WaitEvent(NodeEventType::kLeave, "go2", absl::Seconds(30));
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(dead->node.state, NodeState::kDead);
  EXPECT_TRUE(GoSees(*go1, {"cpp1", "cpp2", "go1"}));

  c2->ml->Shutdown();  // C++ node crashes (no Leave)
  EXPECT_TRUE(go1->WaitEvent("leave", "cpp2", kLong));
  EXPECT_TRUE(GoSees(*go1, {"cpp1", "go1"}));
  std::optional<NodeEvent> dead2 =
      c1->WaitEvent(NodeEventType::kLeave, "cpp2", absl::Seconds(30));
  ASSERT_TRUE(dead2.has_value());
  EXPECT_EQ(dead2->node.state, NodeState::kDead);
}

std::string Hex(const std::string& key) { return absl::BytesToHexString(key); }

// Live key rotation across both kinds: add B everywhere, make B primary
// everywhere, remove A everywhere; the cluster keeps working, a node with
// only B can join, a node with only A cannot.
TEST_F(InteropOnce, KeyRotationAcrossGoAndCpp) {
  auto go1 = StartGo("go1", "", kKeyA);
  ASSERT_TRUE(go1);
  auto go2 = StartGo("go2", go1->seed(), kKeyA);
  ASSERT_TRUE(go2);
  auto c1 = StartCpp("cpp1", kKeyA);
  ASSERT_TRUE(c1);
  ASSERT_TRUE(c1->ml->Join({go1->seed()}).ok());
  ASSERT_TRUE(CppSees(*c1, {"cpp1", "go1", "go2"}));

  for (GoPeer* g : {go1.get(), go2.get()}) {
    ASSERT_TRUE(g->Call("add-key " + Hex(kKeyB), "key_done"));
  }
  ASSERT_TRUE(c1->ml->AddKey(kKeyB).ok());
  for (GoPeer* g : {go1.get(), go2.get()}) {
    ASSERT_TRUE(g->Call("use-key " + Hex(kKeyB), "key_done"));
  }
  ASSERT_TRUE(c1->ml->UseKey(kKeyB).ok());
  for (GoPeer* g : {go1.get(), go2.get()}) {
    ASSERT_TRUE(g->Call("remove-key " + Hex(kKeyA), "key_done"));
  }
  ASSERT_TRUE(c1->ml->RemoveKey(kKeyA).ok());
  EXPECT_EQ(*c1->ml->GetKeys(), std::vector<std::string>{kKeyB});

  EXPECT_TRUE(c1->ml->SendReliable("go2", "after rotation c->g").ok());
  EXPECT_TRUE(go2->WaitUserMessage("after rotation c->g", kLong));
  ASSERT_TRUE(go1->Call("send-best-effort cpp1 after rotation g->c", "sent"));
  EXPECT_TRUE(
      WaitFor([&] { return c1->delegate.HasMessage("after rotation g->c"); },
              absl::Seconds(10)));

  auto only_b = StartCpp("cpp-b", kKeyB);
  ASSERT_TRUE(only_b);
  EXPECT_TRUE(only_b->ml->Join({go2->seed()}).ok());
  EXPECT_TRUE(GoSees(*go1, {"cpp-b", "cpp1", "go1", "go2"}));
  auto only_a = StartCpp("cpp-a", kKeyA);
  ASSERT_TRUE(only_a);
  EXPECT_FALSE(only_a->ml->Join({go1->seed()}).ok());
  // The cluster stays healthy through it all.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(go1->MemberNames(),
            (std::vector<std::string>{"cpp-b", "cpp1", "go1", "go2"}));
  EXPECT_TRUE(CppSees(*c1, {"cpp-b", "cpp1", "go1", "go2"}));
}

}  // namespace
}  // namespace swim::interop

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH_TO_GO_PEER\n", argv[0]);
    return 2;
  }
  swim::interop::g_peer_path = argv[1];
  std::ifstream f(argv[1]);
  std::string first;
  std::getline(f, first);
  if (first.rfind("#!", 0) == 0) {
    std::string reason;
    std::getline(f, reason);
    swim::interop::g_skip_reason =
        "Go peer not built: " +
        (reason.empty() ? std::string("no go") : reason);
    std::fprintf(stderr, "%s\n", swim::interop::g_skip_reason.c_str());
  }
  signal(SIGPIPE, SIG_IGN);
  return RUN_ALL_TESTS();
}

namespace swim::interop {
namespace {

std::string ReadFile(const std::string& path) {
  std::string out;
  if (FILE* f = fopen(path.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    fclose(f);
  }
  return out;
}

// Issue 6: fork weight messages (type 14) must never reach upstream Go
// nodes. C++ fork nodes gossip weights among themselves in a cluster with a
// Go 0.2.2 node; Go logs every unknown message type it receives, and its
// log must stay free of type 14. A raw weight packet sent straight to the
// Go node first proves that such a line would show up.
TEST_F(InteropOnce, WeightMessagesNeverReachUpstreamGoNodes) {
  const char* tmp = getenv("TEST_TMPDIR");
  const std::string log = std::string(tmp ? tmp : "/tmp") + "/go1_weights.log";
  auto go1 = StartGo("go1", "", "", log);
  ASSERT_TRUE(go1);
  auto start_fork = [&](const std::string& name) {
    auto n = std::make_unique<CppNode>();
    Config c = DefaultLocalConfig();
    c.name = name;
    c.bind_addr = "127.0.0.1";
    c.bind_port = 0;
    c.probe_interval = kProbeInterval;
    c.probe_timeout = kProbeTimeout;
    c.gossip_interval = kGossipInterval;
    c.push_pull_interval = kPushPull;
    c.weight_interval = absl::Milliseconds(100);
    c.gossip_weights = true;
    c.delegate_protocol_max = 1;  // "I read weights"; DCur stays 0
    c.weight_min_delegate_version = 1;
    c.delegate = &n->delegate;
    c.events = &n->events;
    net::NetOptions o;
    o.log_level = LogLevel::kError;
    auto ml = net::Memberlist::Create(std::move(c), o);
    EXPECT_TRUE(ml.ok()) << ml.status();
    if (ml.ok()) n->ml = std::move(*ml);
    return n;
  };
  auto c1 = start_fork("cpp1");
  auto c2 = start_fork("cpp2");
  ASSERT_TRUE(c1->ml && c2->ml);
  ASSERT_TRUE(c1->ml->Join({go1->seed()}).ok());
  ASSERT_TRUE(c2->ml->Join({go1->seed()}).ok());
  ASSERT_TRUE(GoSees(*go1, {"cpp1", "cpp2", "go1"}));
  // Weights flow between the two C++ nodes...
  EXPECT_TRUE(WaitFor(
      [&] { return c1->ml->GetMetrics().Counter("memberlist.msg.weight") > 0; },
      absl::Seconds(20)));
  absl::SleepFor(absl::Seconds(2));
  // ...but none reached Go.
  EXPECT_EQ(ReadFile(log).find("(14) not supported"), std::string::npos)
      << ReadFile(log);

  // Control: a weight packet sent straight to Go is logged as unsupported.
  Bytes w;
  wire::Encode(wire::Weight{1, "cpp1", "cpp1", 5, 1}, &w);
  // (SendToAddress would wrap it as a user message: use a plain socket.)
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(go1->port());
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(sendto(fd, w.data(), w.size(), 0, reinterpret_cast<sockaddr*>(&to),
                   sizeof to),
            static_cast<ssize_t>(w.size()));
  close(fd);
  EXPECT_TRUE(WaitFor(
      [&] {
        return ReadFile(log).find("(14) not supported") != std::string::npos;
      },
      absl::Seconds(10)))
      << ReadFile(log);
}

}  // namespace
}  // namespace swim::interop
