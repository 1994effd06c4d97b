#include "tests/core/fake_env.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace swim {
namespace {

absl::Duration Ms(int64_t ms) { return absl::Milliseconds(ms); }

TEST(FakeEnv, TimersFireInDeadlineThenSchedulingOrder) {
  FakeEnv env;
  std::vector<std::string> order;
  env.Schedule(Ms(20), "b", [&] { order.push_back("b@20"); });
  env.Schedule(Ms(10), "a", [&] { order.push_back("a@10"); });
  env.Schedule(Ms(20), "c", [&] { order.push_back("c@20"); });
  EXPECT_EQ(env.Advance(Ms(15)), 1);
  EXPECT_EQ(env.Now(), Instant::Zero() + Ms(15));
  EXPECT_EQ(env.Advance(Ms(5)), 2);
  EXPECT_EQ(order, (std::vector<std::string>{"a@10", "b@20", "c@20"}));
}

TEST(FakeEnv, NowIsTheDeadlineInsideCallbacks) {
  FakeEnv env;
  Instant seen;
  env.Schedule(Ms(7), "t", [&] { seen = env.Now(); });
  env.Advance(Ms(100));
  EXPECT_EQ(seen, Instant::Zero() + Ms(7));
  EXPECT_EQ(env.Now(), Instant::Zero() + Ms(100));
}

TEST(FakeEnv, ZeroDelayNeverRunsInsideSchedule) {
  FakeEnv env;
  bool ran = false;
  env.Schedule(absl::ZeroDuration(), "now", [&] { ran = true; });
  env.Schedule(Ms(-5), "past", [] {});
  EXPECT_FALSE(ran);
  EXPECT_EQ(env.RunDue(), 2);
  EXPECT_TRUE(ran);
  EXPECT_EQ(env.Now(), Instant::Zero());
}

TEST(FakeEnv, TimersScheduledByCallbacksRunInTheSameAdvance) {
  FakeEnv env;
  int fired = 0;
  std::function<void()> tick = [&] {
    ++fired;
    env.Schedule(Ms(10), "tick", tick);
  };
  env.Schedule(Ms(10), "tick", tick);
  env.Advance(Ms(55));
  EXPECT_EQ(fired, 5);
  EXPECT_EQ(env.PendingTimers(), 1u);
  EXPECT_EQ(env.NextDeadline(), Instant::Zero() + Ms(60));
}

TEST(FakeEnv, CancelReportsWhetherTheTimerWasPending) {
  FakeEnv env;
  bool ran = false;
  TimerId id = env.Schedule(Ms(10), "t", [&] { ran = true; });
  TimerId other = env.Schedule(Ms(10), "u", [] {});
  EXPECT_NE(id, 0u);
  EXPECT_TRUE(env.Cancel(id));
  EXPECT_FALSE(env.Cancel(id));
  EXPECT_FALSE(env.Cancel(12345));
  env.Advance(Ms(10));
  EXPECT_FALSE(ran);
  EXPECT_FALSE(env.Cancel(other));  // already ran
  EXPECT_EQ(env.cancelled_count(), 1u);
}

TEST(FakeEnv, RecordsOutputsAndIsDeterministic) {
  FakeEnv a(42), b(42), c(43);
  EXPECT_EQ(a.Random(), b.Random());
  EXPECT_NE(a.Random(), c.Random());
  Address to{IpAddress::V4(127, 0, 0, 1), 7946, ""};
  a.SendPacket(to, Bytes{1, 2, 3});
  ASSERT_EQ(a.packets().size(), 1u);
  EXPECT_EQ(a.packets()[0].to, to);
  EXPECT_EQ(a.packets()[0].packet, (Bytes{1, 2, 3}));
  bool done = false;
  a.StreamExchange(to, Bytes{9}, StreamReply::kMessage, Ms(10),
                   [&](absl::StatusOr<Bytes> r) { done = r.ok(); });
  ASSERT_EQ(a.streams().size(), 1u);
  a.streams()[0].done(Bytes{});
  EXPECT_TRUE(done);
  a.Log(LogLevel::kWarn, "hello");
  ASSERT_EQ(a.logs().size(), 1u);
  EXPECT_EQ(a.logs()[0].message, "hello");
  EXPECT_EQ(a.CpuIdlePercent(), std::nullopt);
  a.set_cpu_idle(55.0);
  EXPECT_EQ(a.CpuIdlePercent(), 55.0);
}

TEST(FakeEnv, RunAllDrainsAndRunNextJumps) {
  FakeEnv env;
  int n = 0;
  env.Schedule(absl::Seconds(5), "x", [&] { ++n; });
  env.Schedule(absl::Seconds(9), "y", [&] { ++n; });
  EXPECT_TRUE(env.RunNext());
  EXPECT_EQ(n, 1);
  EXPECT_EQ(env.Now(), Instant::Zero() + absl::Seconds(5));
  EXPECT_EQ(env.RunAll(), 1);
  EXPECT_EQ(env.Now(), Instant::Zero() + absl::Seconds(9));
  EXPECT_FALSE(env.RunNext());
}

}  // namespace
}  // namespace swim
