// net::Memberlist on loopback: several real nodes in one process, each with
// its own loop thread and sockets on 127.0.0.1.
#include "net/memberlist.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/net/test_util.h"

namespace swim::net {
namespace {

using testing::FastLocalConfig;
using testing::RecordingDelegate;
using testing::WaitFor;

// One node under test. Delegates are declared first so they outlive ml.
struct TestNode {
  RecordingDelegate delegate;
  ChannelEventDelegate events{4096};
  std::unique_ptr<Memberlist> ml;

  std::string seed() const { return ml->AdvertiseAddress().ToString(); }
  // Pops events until one of `type` about `name` arrives.
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
};

std::unique_ptr<TestNode> StartNode(Config c) {
  auto n = std::make_unique<TestNode>();
  c.delegate = &n->delegate;
  c.events = &n->events;
  absl::StatusOr<std::unique_ptr<Memberlist>> ml =
      Memberlist::Create(std::move(c));
  EXPECT_TRUE(ml.ok()) << ml.status();
  if (!ml.ok()) return nullptr;
  n->ml = std::move(*ml);
  return n;
}

std::vector<std::unique_ptr<TestNode>> StartCluster(
    int n, const std::string& key = "") {
  std::vector<std::unique_ptr<TestNode>> nodes;
  for (int i = 0; i < n; ++i) {
    Config c = FastLocalConfig(absl::StrCat("node-", i));
    c.secret_key = key;
    nodes.push_back(StartNode(std::move(c)));
    if (nodes.back() == nullptr) return {};
  }
  for (int i = 1; i < n; ++i) {
    absl::StatusOr<int> joined = nodes[i]->ml->Join({nodes[0]->seed()});
    EXPECT_TRUE(joined.ok()) << joined.status();
    EXPECT_EQ(joined.value_or(0), 1);
  }
  return nodes;
}

bool AllSee(const std::vector<std::unique_ptr<TestNode>>& nodes, int n) {
  for (const auto& node : nodes) {
    if (node->ml->NumMembers() != n) return false;
  }
  return true;
}

TEST(NetMemberlist, TenNodesConvergeOnLoopback) {
  const absl::Time start = absl::Now();
  auto nodes = StartCluster(10);
  ASSERT_EQ(nodes.size(), 10u);
  ASSERT_TRUE(WaitFor([&] { return AllSee(nodes, 10); }, absl::Seconds(15)));
  std::printf("10 nodes converged in %.0f ms\n",
              absl::ToDoubleMilliseconds(absl::Now() - start));
  // Every node lists the same names, with the advertised 4-byte address.
  for (const auto& node : nodes) {
    std::vector<Node> members = node->ml->Members();
    ASSERT_EQ(members.size(), 10u);
    for (const Node& m : members) {
      EXPECT_EQ(m.addr, IpAddress::V4(127, 0, 0, 1));
      EXPECT_NE(m.port, 0);
    }
  }
}

TEST(NetMemberlist, CrashIsDetected) {
  auto nodes = StartCluster(4);
  ASSERT_EQ(nodes.size(), 4u);
  ASSERT_TRUE(WaitFor([&] { return AllSee(nodes, 4); }, absl::Seconds(10)));
  nodes[3]->ml->Shutdown();  // no Leave: a crash
  std::optional<NodeEvent> e =
      nodes[0]->WaitEvent(NodeEventType::kLeave, "node-3", absl::Seconds(20));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->node.state, NodeState::kDead);
  nodes.pop_back();
  EXPECT_TRUE(WaitFor([&] { return AllSee(nodes, 3); }, absl::Seconds(15)));
}

TEST(NetMemberlist, LeaveIsSeenAsLeft) {
  auto nodes = StartCluster(3);
  ASSERT_EQ(nodes.size(), 3u);
  ASSERT_TRUE(WaitFor([&] { return AllSee(nodes, 3); }, absl::Seconds(10)));
  EXPECT_TRUE(nodes[2]->ml->Leave(absl::Seconds(5)).ok());
  std::optional<NodeEvent> e =
      nodes[0]->WaitEvent(NodeEventType::kLeave, "node-2", absl::Seconds(5));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->node.state, NodeState::kLeft);
  nodes[2]->ml->Shutdown();
  nodes.pop_back();
  EXPECT_TRUE(WaitFor([&] { return AllSee(nodes, 2); }, absl::Seconds(5)));
}

TEST(NetMemberlist, MetaUpdatePropagates) {
  auto nodes = StartCluster(3);
  ASSERT_EQ(nodes.size(), 3u);
  ASSERT_TRUE(WaitFor([&] { return AllSee(nodes, 3); }, absl::Seconds(10)));
  nodes[1]->delegate.SetMeta("role=db");
  ASSERT_TRUE(nodes[1]->ml->UpdateNode(absl::Seconds(5)).ok());
  EXPECT_EQ(nodes[1]->ml->LocalNode().meta, "role=db");
  std::optional<NodeEvent> e =
      nodes[2]->WaitEvent(NodeEventType::kUpdate, "node-1", absl::Seconds(10));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->node.meta, "role=db");
  EXPECT_TRUE(WaitFor(
      [&] {
        for (const Node& m : nodes[0]->ml->Members()) {
          if (m.name == "node-1") return m.meta == "role=db";
        }
        return false;
      },
      absl::Seconds(10)));
}

TEST(NetMemberlist, UserMessagesBestEffortReliableAndToAddress) {
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  ASSERT_TRUE(WaitFor([&] { return AllSee(nodes, 2); }, absl::Seconds(10)));
  EXPECT_TRUE(nodes[0]->ml->SendReliable("node-1", "reliable-1").ok());
  EXPECT_TRUE(nodes[1]->ml->SendBestEffort("node-0", "best-effort-1").ok());
  EXPECT_TRUE(
      nodes[0]
          ->ml->SendToAddress(nodes[1]->ml->AdvertiseAddress(), "to-addr-1")
          .ok());
  EXPECT_TRUE(
      WaitFor([&] { return nodes[1]->delegate.HasMessage("reliable-1"); },
              absl::Seconds(5)));
  EXPECT_TRUE(
      WaitFor([&] { return nodes[0]->delegate.HasMessage("best-effort-1"); },
              absl::Seconds(5)));
  EXPECT_TRUE(
      WaitFor([&] { return nodes[1]->delegate.HasMessage("to-addr-1"); },
              absl::Seconds(5)));
  EXPECT_EQ(nodes[0]->ml->SendReliable("nobody", "x").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(nodes[0]->ml->SendBestEffort("nobody", "x").code(),
            absl::StatusCode::kNotFound);
}

TEST(NetMemberlist, PingMeasuresRoundTrip) {
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  absl::StatusOr<absl::Duration> rtt =
      nodes[0]->ml->Ping("node-1", nodes[1]->ml->AdvertiseAddress());
  ASSERT_TRUE(rtt.ok()) << rtt.status();
  EXPECT_GT(*rtt, absl::ZeroDuration());
  EXPECT_LT(*rtt, absl::Seconds(1));
}

TEST(NetMemberlist, EncryptedClusterConvergesAndRejectsWrongKey) {
  const std::string key(16, 'k');
  auto nodes = StartCluster(3, key);
  ASSERT_EQ(nodes.size(), 3u);
  ASSERT_TRUE(WaitFor([&] { return AllSee(nodes, 3); }, absl::Seconds(10)));
  absl::StatusOr<std::vector<std::string>> keys = nodes[0]->ml->GetKeys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, std::vector<std::string>{key});

  Config c = FastLocalConfig("intruder");
  c.secret_key = std::string(16, 'x');
  auto intruder = StartNode(std::move(c));
  ASSERT_NE(intruder, nullptr);
  EXPECT_FALSE(intruder->ml->Join({nodes[0]->seed()}).ok());
  EXPECT_EQ(nodes[0]->ml->NumMembers(), 3);

  // Rotation: add a new key everywhere, switch primary, remove the old one.
  const std::string key2(32, 'n');
  for (auto& n : nodes) ASSERT_TRUE(n->ml->AddKey(key2).ok());
  for (auto& n : nodes) ASSERT_TRUE(n->ml->UseKey(key2).ok());
  for (auto& n : nodes) ASSERT_TRUE(n->ml->RemoveKey(key).ok());
  EXPECT_TRUE(nodes[0]->ml->SendReliable("node-2", "after-rotation").ok());
  EXPECT_TRUE(
      WaitFor([&] { return nodes[2]->delegate.HasMessage("after-rotation"); },
              absl::Seconds(5)));
  // Still converged a few probe rounds later.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_TRUE(AllSee(nodes, 3));
  EXPECT_FALSE(nodes[0]->ml->AddKey("short").ok());
}

TEST(NetMemberlist, KeyOperationsNeedEncryption) {
  auto nodes = StartCluster(1);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0]->ml->AddKey(std::string(16, 'a')).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(NetMemberlist, CallsAfterShutdownFail) {
  auto nodes = StartCluster(2);
  ASSERT_EQ(nodes.size(), 2u);
  Memberlist& ml = *nodes[0]->ml;
  // Concurrent, repeated Shutdown is fine.
  std::thread t([&] { ml.Shutdown(); });
  ml.Shutdown();
  t.join();
  ml.Shutdown();
  EXPECT_TRUE(ml.IsShutdown());
  EXPECT_EQ(ml.Join({nodes[1]->seed()}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ml.Leave(absl::Seconds(1)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ml.UpdateNode(absl::Seconds(1)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ml.SendBestEffort("node-1", "x").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ml.SendReliable("node-1", "x").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(ml.Members().empty());
  EXPECT_EQ(ml.NumMembers(), 0);
}

TEST(NetMemberlist, BusyPortIsAnError) {
  auto nodes = StartCluster(1);
  ASSERT_EQ(nodes.size(), 1u);
  Config c = FastLocalConfig("second");
  c.bind_port = nodes[0]->ml->BoundPort();
  absl::StatusOr<std::unique_ptr<Memberlist>> ml = Memberlist::Create(c);
  ASSERT_FALSE(ml.ok());
  EXPECT_NE(ml.status().message().find("cannot bind"), std::string_view::npos)
      << ml.status();
}

// Issue 16 item 9: with bind_port 0, Go stores the bound port as BindPort
// and AdvertisePort (memberlist.go:175-180).
TEST(NetMemberlist, AutoBoundPortIsAdvertisedAndIsTheJoinDefault) {
  Config c = FastLocalConfig("auto");
  c.advertise_addr = "127.0.0.1";  // advertise_port left at 7946
  absl::StatusOr<std::unique_ptr<Memberlist>> ml = Memberlist::Create(c);
  ASSERT_TRUE(ml.ok()) << ml.status();
  const uint16_t port = (*ml)->BoundPort();
  ASSERT_NE(port, 0);
  EXPECT_EQ((*ml)->LocalNode().port, port);
  // A seed without a port means our own (bound) port, as in Go.
  absl::StatusOr<int> joined = (*ml)->Join({"127.0.0.1"});
  EXPECT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined.value_or(0), 1);
}

TEST(NetMemberlist, BadBindAddressIsAnError) {
  Config c = FastLocalConfig("x");
  c.bind_addr = "not-an-ip";
  EXPECT_EQ(Memberlist::Create(c).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NetMemberlist, EmptyNameBecomesHostname) {
  Config c = FastLocalConfig("");
  absl::StatusOr<std::unique_ptr<Memberlist>> ml = Memberlist::Create(c);
  ASSERT_TRUE(ml.ok()) << ml.status();
  EXPECT_FALSE((*ml)->LocalNode().name.empty());
}

TEST(AdvertiseAddress, ExplicitAdvertiseWins) {
  Config c = FastLocalConfig("a");
  c.advertise_addr = "10.1.2.3";
  c.advertise_port = 9000;
  absl::StatusOr<Address> a = ResolveAdvertiseAddress(c, 1234);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ToString(), "10.1.2.3:9000");
  c.advertise_port = 0;
  EXPECT_EQ(ResolveAdvertiseAddress(c, 1234)->port, 1234);
}

TEST(AdvertiseAddress, MappedIPv4IsAdvertisedInFourByteForm) {
  Config c = FastLocalConfig("a");
  c.advertise_addr = "::ffff:10.0.0.9";
  absl::StatusOr<Address> a = ResolveAdvertiseAddress(c, 1);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->ip.is_v4());
  c.advertise_addr = "";
  c.bind_addr = "::ffff:127.0.0.1";
  EXPECT_TRUE(ResolveAdvertiseAddress(c, 1)->ip.is_v4());
}

TEST(AdvertiseAddress, WildcardBindUsesPrivateIpOrLoopback) {
  Config c = FastLocalConfig("a");
  c.bind_addr = "0.0.0.0";
  absl::StatusOr<Address> a = ResolveAdvertiseAddress(c, 7000);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ip, FirstPrivateIPv4().value_or(IpAddress::V4(127, 0, 0, 1)));
  EXPECT_EQ(a->port, 7000);
  c.advertise_addr = "nonsense";
  EXPECT_FALSE(ResolveAdvertiseAddress(c, 7000).ok());
}

TEST(ChannelEventDelegate, DropsOldestWhenFullAndCounts) {
  ChannelEventDelegate ch(3);
  for (int i = 0; i < 5; ++i) {
    Node n;
    n.name = absl::StrCat("n", i);
    ch.NotifyJoin(n);
  }
  EXPECT_EQ(ch.size(), 3u);
  EXPECT_EQ(ch.dropped(), 2u);
  EXPECT_EQ(ch.TryPop()->node.name, "n2");
  EXPECT_EQ(ch.TryPop()->node.name, "n3");
  std::optional<NodeEvent> last = ch.TryPop();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->node.name, "n4");
  EXPECT_EQ(last->type, NodeEventType::kJoin);
  EXPECT_FALSE(ch.TryPop().has_value());
}

TEST(ChannelEventDelegate, PopWaitsForAnotherThreadAndCloseWakes) {
  ChannelEventDelegate ch(8);
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Node n;
    n.name = "late";
    n.state = NodeState::kSuspect;
    ch.NotifySuspectSateChange(n);
  });
  std::optional<NodeEvent> e = ch.Pop(absl::Seconds(5));
  producer.join();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type, NodeEventType::kSuspect);
  EXPECT_EQ(e->node.state, NodeState::kSuspect);

  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ch.Close();
  });
  const absl::Time t0 = absl::Now();
  EXPECT_FALSE(ch.Pop(absl::Seconds(10)).has_value());
  EXPECT_LT(absl::Now() - t0, absl::Seconds(5));
  closer.join();
}

// Delegates run on the loop thread; a blocking call from there must fail
// rather than deadlock.
class ReentrantEvents : public EventDelegate {
 public:
  Memberlist* ml = nullptr;
  std::atomic<int> failed_precondition{0};
  void NotifyJoin(const Node& n) override {
    if (ml != nullptr && n.name != "r-0" &&
        ml->Leave(absl::Seconds(1)).code() ==
            absl::StatusCode::kFailedPrecondition) {
      ++failed_precondition;
    }
  }
  void NotifyLeave(const Node&) override {}
  void NotifyUpdate(const Node&) override {}
};

// Two members, PREFIX-0 with `events` as its event delegate and PREFIX-1;
// nulls (and a test failure) if either cannot start.
std::pair<std::unique_ptr<Memberlist>, std::unique_ptr<Memberlist>>
PairWithEvents(EventDelegate* events, const std::string& prefix) {
  Config c0 = FastLocalConfig(prefix + "-0");
  c0.events = events;
  auto a = Memberlist::Create(c0);
  auto b = Memberlist::Create(FastLocalConfig(prefix + "-1"));
  EXPECT_TRUE(a.ok() && b.ok());
  if (!a.ok() || !b.ok()) return {};
  return {*std::move(a), *std::move(b)};
}

TEST(NetMemberlist, BlockingCallFromDelegateFailsInsteadOfDeadlocking) {
  ReentrantEvents events;
  auto [a, b] = PairWithEvents(&events, "r");
  ASSERT_TRUE(a != nullptr);
  events.ml = a.get();
  ASSERT_TRUE(b->Join({a->AdvertiseAddress().ToString()}).ok());
  EXPECT_TRUE(WaitFor([&] { return events.failed_precondition.load() > 0; },
                      absl::Seconds(5)));
  a->Shutdown();
  events.ml = nullptr;
}

// Blocks the loop in NotifyJoin (bounded) until released.
class BlockingJoinEvents : public EventDelegate {
 public:
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  void NotifyJoin(const Node& n) override {
    if (n.name != "busy-1") return;
    entered = true;
    const absl::Time end = absl::Now() + absl::Seconds(20);
    while (!release.load() && absl::Now() < end)
      absl::SleepFor(absl::Milliseconds(1));
  }
  void NotifyLeave(const Node&) override {}
  void NotifyUpdate(const Node&) override {}
};

// NumMembers and GetHealthScore are a health check's calls (swimd's
// /v1/health): they must not queue behind whatever the loop is doing (Go's
// take a read lock). The count is published before the delegate runs, so
// the busy node already counts the joiner.
TEST(NetMemberlist, NumMembersAndHealthScoreAnswerWhileTheLoopIsBusy) {
  BlockingJoinEvents events;
  auto [a, b] = PairWithEvents(&events, "busy");
  ASSERT_TRUE(a != nullptr);
  std::thread joiner(
      [&] { (void)b->Join({a->AdvertiseAddress().ToString()}); });
  ASSERT_TRUE(
      WaitFor([&] { return events.entered.load(); }, absl::Seconds(10)));
  auto count = std::async(std::launch::async, [&] { return a->NumMembers(); });
  auto score =
      std::async(std::launch::async, [&] { return a->GetHealthScore(); });
  const bool answered =
      count.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  const bool scored =
      score.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  events.release = true;
  EXPECT_TRUE(answered) << "NumMembers waited for the busy loop";
  EXPECT_TRUE(scored) << "GetHealthScore waited for the busy loop";
  EXPECT_EQ(count.get(), 2);
  EXPECT_EQ(score.get(), 0);
  joiner.join();
  b->Shutdown();
  a->Shutdown();
  EXPECT_EQ(a->NumMembers(), 0);
  EXPECT_EQ(a->GetHealthScore(), 0);
}

// Many threads use the API at once while nodes join, leave and crash; meant
// for --config=tsan, and must simply finish without errors or hangs.
TEST(NetMemberlist, ConcurrentCallersWhileJoiningAndLeaving) {
  auto nodes = StartCluster(3);
  ASSERT_EQ(nodes.size(), 3u);
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      int i = 0;
      while (!stop.load()) {
        TestNode& n = *nodes[(t + i) % 3];
        switch (i % 5) {
          case 0:
            (void)n.ml->Members();
            break;
          case 1:
            (void)n.ml->SendBestEffort("node-0", "hammer");
            break;
          case 2:
            n.delegate.SetMeta(absl::StrCat("m", i));
            (void)n.ml->UpdateNode(absl::Milliseconds(200));
            break;
          case 3:
            (void)n.ml->Ping("node-1", nodes[1]->ml->AdvertiseAddress());
            break;
          case 4:
            (void)n.ml->GetMetrics();
            (void)n.ml->GetHealthScore();
            break;
        }
        ++i;
        ++calls;
      }
    });
  }
  // Meanwhile: extra nodes join, one leaves, one crashes.
  std::vector<std::unique_ptr<TestNode>> extra;
  for (int i = 0; i < 3; ++i) {
    extra.push_back(StartNode(FastLocalConfig(absl::StrCat("extra-", i))));
    ASSERT_NE(extra.back(), nullptr);
    EXPECT_TRUE(extra.back()->ml->Join({nodes[i]->seed()}).ok());
  }
  EXPECT_TRUE(extra[0]->ml->Leave(absl::Seconds(2)).ok());
  extra[0]->ml->Shutdown();
  extra[1]->ml->Shutdown();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // A node the callers ping and message (extra-2 is a member) goes away.
  extra[2]->ml->Shutdown();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_GT(calls.load(), 10);
  EXPECT_TRUE(WaitFor([&] { return AllSee(nodes, 3); }, absl::Seconds(20)));
}

// Issue 21, item 7: two members of one process that both take the hostname
// as their name would never see each other while Join reports success.
TEST(NetMemberlist, SecondUnnamedMemberInOneProcessIsRefused) {
  Config a = FastLocalConfig("");
  Config b = FastLocalConfig("");
  absl::StatusOr<std::unique_ptr<Memberlist>> first = Memberlist::Create(a);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<Memberlist>> second = Memberlist::Create(b);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(second.status().message().find("config.name"), std::string::npos)
      << second.status();
  // Once the first is gone, the hostname is free again.
  first->reset();
  absl::StatusOr<std::unique_ptr<Memberlist>> third = Memberlist::Create(b);
  EXPECT_TRUE(third.ok()) << third.status();
}

// Issue 21, item 7: DelegateBase lets an embedder write only the hook it
// needs.
TEST(NetMemberlist, DelegateBaseNeedsOnlyTheHooksUsed) {
  struct Inbox : DelegateBase {
    std::mutex mu;
    std::vector<std::string> got;
    void NotifyMsg(std::string_view m) override {
      std::lock_guard<std::mutex> l(mu);
      got.emplace_back(m);
    }
  };
  Inbox inbox;
  Config ca = FastLocalConfig("inbox");
  ca.delegate = &inbox;
  Config cb = FastLocalConfig("sender");
  auto a = Memberlist::Create(ca);
  auto b = Memberlist::Create(cb);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*b)->Join({(*a)->AdvertiseAddress().ToString()}).ok());
  ASSERT_TRUE((*b)->SendReliable("inbox", "hello").ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> l(inbox.mu);
        return !inbox.got.empty() && inbox.got[0] == "hello";
      },
      absl::Seconds(5)));
}

}  // namespace
}  // namespace swim::net
