// net::Runtime: many Envs and Memberlists on a few shared loop threads.
#include "net/runtime.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/interner.h"

#include "net/asio_env.h"
#include "net/memberlist.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/net/fn_inbound.h"
#include "tests/net/test_util.h"

namespace swim::net {
namespace {

constexpr auto kWait = std::chrono::seconds(10);

AsioEnvOptions OnRuntime(Runtime* runtime) {
  AsioEnvOptions o;
  o.bind_ip = *IpAddress::Parse("127.0.0.1");
  o.bind_port = 0;
  o.min_log_level = LogLevel::kError;
  o.runtime = runtime;
  return o;
}

std::vector<std::unique_ptr<AsioEnv>> StartedEnvs(Runtime* runtime, int n) {
  std::vector<std::unique_ptr<AsioEnv>> envs;
  for (int i = 0; i < n; ++i) {
    envs.push_back(std::make_unique<AsioEnv>(OnRuntime(runtime)));
    absl::Status s = envs.back()->Start();
    EXPECT_TRUE(s.ok()) << s;
  }
  return envs;
}

TEST(Runtime, EnvsArePinnedToTheLeastLoadedLoop) {
  Runtime runtime(RuntimeOptions{.threads = 2});
  ASSERT_EQ(runtime.threads(), 2);
  auto envs = StartedEnvs(&runtime, 5);
  std::vector<int> per_loop = runtime.EnvsPerLoop();
  std::sort(per_loop.begin(), per_loop.end());
  EXPECT_EQ(per_loop, (std::vector<int>{2, 3}));
  // Each Env has one loop thread for its whole life; two Envs of one loop
  // share it.
  std::set<std::thread::id> threads;
  for (auto& env : envs) {
    std::thread::id first, second;
    env->RunSync([&] { first = std::this_thread::get_id(); });
    env->RunSync([&] { second = std::this_thread::get_id(); });
    EXPECT_EQ(first, second);
    EXPECT_NE(first, std::this_thread::get_id());
    threads.insert(first);
  }
  EXPECT_EQ(threads.size(), 2u);
  for (auto& env : envs) env->Stop();
  EXPECT_EQ(runtime.EnvsPerLoop(), (std::vector<int>{0, 0}));
}

TEST(Runtime, DatagramsCrossEnvsOnOneLoopAndAcrossLoops) {
  Runtime runtime(RuntimeOptions{.threads = 2});
  auto envs = StartedEnvs(&runtime, 4);  // loops hold envs 0,2 and 1,3
  constexpr int kPerPair = 50;
  std::mutex mu;
  std::vector<std::vector<std::string>> got(envs.size());
  for (size_t i = 0; i < envs.size(); ++i) {
    envs[i]->SetInbound(
        testing::InboundFrom([&, i](const Address&, ByteSpan data, Instant) {
          std::lock_guard<std::mutex> l(mu);
          got[i].emplace_back(data.begin(), data.end());
        }));
  }
  for (size_t from = 0; from < envs.size(); ++from) {
    for (size_t to = 0; to < envs.size(); ++to) {
      if (from == to) continue;
      const Address dest = envs[to]->local_address();
      envs[from]->Post([&, from, dest] {
        for (int k = 0; k < kPerPair; ++k) {
          const std::string msg = absl::StrCat(from, ":", k);
          envs[from]->SendPacket(dest, Bytes(msg.begin(), msg.end()));
        }
      });
    }
  }
  const auto end = std::chrono::steady_clock::now() + kWait;
  auto all_in = [&] {
    std::lock_guard<std::mutex> l(mu);
    for (const auto& g : got) {
      if (g.size() < kPerPair * (envs.size() - 1)) return false;
    }
    return true;
  };
  while (!all_in() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(all_in());
  for (auto& env : envs) env->Stop();
  // One shared read buffer per loop: every datagram arrived intact.
  for (size_t i = 0; i < got.size(); ++i) {
    std::set<std::string> distinct(got[i].begin(), got[i].end());
    EXPECT_EQ(distinct.size(), kPerPair * (envs.size() - 1)) << "env " << i;
    for (const std::string& m : got[i]) {
      EXPECT_NE(m.find(':'), std::string::npos) << m;
    }
  }
}

// Timer slack lets a loop wake once for many Envs' timers; it never lets a
// timer fire early, and one Env's timers keep their order.
TEST(Runtime, CoalescedTimersNeverFireEarlyAndKeepTheirOrder) {
  Runtime runtime(
      RuntimeOptions{.threads = 1, .timer_slack = absl::Milliseconds(20)});
  auto envs = StartedEnvs(&runtime, 3);
  std::mutex mu;
  std::vector<std::vector<int>> order(envs.size());
  std::atomic<int> early{0}, fired{0};
  for (size_t e = 0; e < envs.size(); ++e) {
    AsioEnv* env = envs[e].get();
    env->RunSync([&, e, env] {
      for (int k = 0; k < 10; ++k) {
        const absl::Duration delay = absl::Milliseconds(3 * (10 - k));
        const Instant due = env->Now() + delay;
        env->Schedule(delay, "test", [&, e, k, env, due] {
          if (env->Now() < due) ++early;
          std::lock_guard<std::mutex> l(mu);
          order[e].push_back(k);
          ++fired;
        });
      }
    });
  }
  const auto end = std::chrono::steady_clock::now() + kWait;
  while (fired.load() < 30 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& env : envs) env->Stop();
  EXPECT_EQ(fired.load(), 30);
  EXPECT_EQ(early.load(), 0);
  for (const auto& o : order) {
    EXPECT_EQ(o, (std::vector<int>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  }
}

TEST(Runtime, StoppingOneEnvDropsOnlyItsTimers) {
  Runtime runtime(RuntimeOptions{.threads = 1});
  auto envs = StartedEnvs(&runtime, 2);
  std::atomic<int> a_fired{0}, b_fired{0};
  envs[0]->RunSync([&] {
    envs[0]->Schedule(absl::Milliseconds(100), "a", [&] { ++a_fired; });
  });
  envs[1]->RunSync([&] {
    envs[1]->Schedule(absl::Milliseconds(100), "b", [&] { ++b_fired; });
  });
  envs[0]->Stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(a_fired.load(), 0);
  EXPECT_EQ(b_fired.load(), 1);
  EXPECT_FALSE(envs[0]->RunSync([] {}));
  EXPECT_TRUE(envs[1]->RunSync([] {}));
  envs[1]->Stop();
}

TEST(Runtime, EnvsOfOneLoopShareInternersAndEnvsOfTheirOwnKeepPrivateOnes) {
  Runtime runtime(RuntimeOptions{.threads = 2});
  auto envs = StartedEnvs(&runtime, 4);
  std::map<std::thread::id, Interners*> per_loop;
  for (auto& env : envs) {
    std::thread::id loop;
    env->RunSync([&] { loop = std::this_thread::get_id(); });
    std::shared_ptr<Interners> in = env->SharedInterners();
    ASSERT_NE(in, nullptr);
    auto [it, fresh] = per_loop.emplace(loop, in.get());
    // One set per loop: every Env pinned to a loop gets that loop's.
    EXPECT_EQ(it->second, in.get());
  }
  ASSERT_EQ(per_loop.size(), 2u);
  EXPECT_NE(per_loop.begin()->second, std::next(per_loop.begin())->second);
  AsioEnv own(OnRuntime(nullptr));
  ASSERT_TRUE(own.Start().ok());
  EXPECT_EQ(own.SharedInterners(), nullptr);
  own.Stop();
  for (auto& env : envs) env->Stop();
}

// A delegate that, on the first NotifyJoin after `other` is set, runs `act`
// on that other member from its own loop thread and hands over the result.
class ActsOnOtherMember : public EventDelegate {
 public:
  explicit ActsOnOtherMember(std::function<absl::Status(Memberlist&)> act)
      : act_(std::move(act)) {}
  std::atomic<Memberlist*> other{nullptr};
  std::promise<absl::Status> result;
  void NotifyJoin(const Node&) override {
    if (other == nullptr || done_.exchange(true)) return;
    result.set_value(act_(*other.load()));
  }
  void NotifyLeave(const Node&) override {}
  void NotifyUpdate(const Node&) override {}

 private:
  std::function<absl::Status(Memberlist&)> act_;
  std::atomic<bool> done_{false};
};

NetOptions QuietOn(Runtime* runtime) {
  NetOptions o;
  o.log_level = LogLevel::kError;
  o.runtime = runtime;
  return o;
}

// A member shut down by a delegate running on another loop (its RunSync is
// refused there) still has its core; destroying the member later, from any
// thread, must destroy that core on the member's own loop, where the other
// members share its interners and keep running.
TEST(Runtime, CoreOfAMemberShutDownFromAnotherLoopIsDestroyedOnItsOwnLoop) {
  Runtime runtime(RuntimeOptions{.threads = 2});
  const NetOptions o = QuietOn(&runtime);
  std::vector<std::unique_ptr<Memberlist>> nodes;  // loops 0, 1, 0, 1
  ActsOnOtherMember hook([](Memberlist& m) {
    m.Shutdown();
    return absl::OkStatus();
  });
  for (int i = 0; i < 4; ++i) {
    Config c = testing::FastLocalConfig(absl::StrCat("x-", i));
    if (i == 1) c.events = &hook;
    auto m = Memberlist::Create(std::move(c), o);
    ASSERT_TRUE(m.ok()) << m.status();
    nodes.push_back(*std::move(m));
  }
  const std::string seed = nodes[0]->AdvertiseAddress().ToString();
  ASSERT_TRUE(nodes[2]->Join({seed}).ok());
  ASSERT_TRUE(nodes[3]->Join({seed}).ok());
  hook.other = nodes[2].get();
  auto called = hook.result.get_future();
  // node 1's delegate (its loop) shuts node 2 down (the other loop) when
  // node 1 hears of a member.
  ASSERT_TRUE(nodes[1]->Join({seed}).ok());
  ASSERT_EQ(called.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(nodes[2]->IsShutdown());
  nodes[2].reset();  // from this thread, while node 0 runs on that loop
  const auto end = std::chrono::steady_clock::now() + kWait * 2;
  auto sees = [&](int i, int want) { return nodes[i]->NumMembers() == want; };
  while (!(sees(0, 3) && sees(1, 3) && sees(3, 3)) &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(sees(0, 3) && sees(1, 3) && sees(3, 3))
      << nodes[0]->NumMembers() << " " << nodes[1]->NumMembers() << " "
      << nodes[3]->NumMembers();
  nodes.clear();  // before the runtime
}

TEST(Runtime, MembersOnSharedLoopsConvergeAndDetectACrash) {
  Runtime runtime(RuntimeOptions{.threads = 2});
  const NetOptions o = QuietOn(&runtime);
  std::vector<std::unique_ptr<Memberlist>> nodes;
  for (int i = 0; i < 12; ++i) {
    auto m =
        Memberlist::Create(testing::FastLocalConfig(absl::StrCat("rt-", i)), o);
    ASSERT_TRUE(m.ok()) << m.status();
    nodes.push_back(*std::move(m));
  }
  const std::string seed = nodes[0]->AdvertiseAddress().ToString();
  for (size_t i = 1; i < nodes.size(); ++i) {
    ASSERT_TRUE(nodes[i]->Join({seed}).ok());
  }
  auto all_see = [&](int want) {
    for (const auto& m : nodes) {
      if (m && !m->IsShutdown() && m->NumMembers() != want) return false;
    }
    return true;
  };
  const auto end = std::chrono::steady_clock::now() + kWait;
  while (!all_see(12) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(all_see(12));
  nodes[5]->Shutdown();
  nodes[5].reset();
  const auto end2 = std::chrono::steady_clock::now() + kWait * 2;
  while (!all_see(11) && std::chrono::steady_clock::now() < end2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(all_see(11));
  nodes.clear();  // before the runtime
}

// A delegate on a shared loop must not wait for any member of the Runtime:
// the call fails at once instead of deadlocking the loops.
TEST(Runtime, BlockingCallFromADelegateOnAnyLoopFails) {
  Runtime runtime(RuntimeOptions{.threads = 2});
  const NetOptions o = QuietOn(&runtime);
  ActsOnOtherMember hook(
      [](Memberlist& m) { return m.UpdateNode(absl::Seconds(1)); });
  Config ca = testing::FastLocalConfig("caller");
  ca.events = &hook;
  auto a = Memberlist::Create(std::move(ca), o);
  auto b = Memberlist::Create(testing::FastLocalConfig("other"), o);
  ASSERT_TRUE(a.ok() && b.ok());
  hook.other = b->get();
  auto f = hook.result.get_future();
  ASSERT_TRUE((*b)->Join({(*a)->AdvertiseAddress().ToString()}).ok());
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f.get().code(), absl::StatusCode::kFailedPrecondition);
  a->reset();
  b->reset();
}

}  // namespace
}  // namespace swim::net
