#include "sim/world.h"

#include <memory>
#include <string>
#include <vector>

#include "sim/testing/toy_host.h"

#include "gtest/gtest.h"
#include "tests/sim/recording_host.h"

namespace sim {
namespace {

using swim::Instant;
using testing::B;
using testing::PingHost;
using testing::RecordingHost;

Instant Ms(int64_t ms) { return Instant::FromNanos(ms * 1000000); }

TEST(World, RunForRunsEventsUpToAndIncludingTheEnd) {
  World w(1);
  std::vector<int> ran;
  w.At(Ms(10), "a", [&] { ran.push_back(10); });
  w.At(Ms(20), "b", [&] { ran.push_back(20); });
  w.At(Ms(21), "c", [&] { ran.push_back(21); });
  w.RunFor(absl::Milliseconds(20));
  EXPECT_EQ(ran, (std::vector<int>{10, 20}));
  EXPECT_EQ(w.Now(), Ms(20));
  w.RunFor(absl::Milliseconds(5));
  EXPECT_EQ(ran, (std::vector<int>{10, 20, 21}));
  EXPECT_EQ(w.Now(), Ms(25));
}

TEST(World, RunUntilNeverMovesTheClockBack) {
  World w(1);
  w.RunUntil(Ms(100));
  EXPECT_EQ(w.Now(), Ms(100));
  w.RunUntil(Ms(50));
  EXPECT_EQ(w.Now(), Ms(100));
}

TEST(World, StepRunsOneEventAndJumpsTheClock) {
  World w(1);
  int n = 0;
  w.At(Ms(7), "x", [&] { ++n; });
  w.At(Ms(9), "y", [&] { ++n; });
  EXPECT_TRUE(w.Step());
  EXPECT_EQ(n, 1);
  EXPECT_EQ(w.Now(), Ms(7));
  EXPECT_TRUE(w.Step());
  EXPECT_FALSE(w.Step());
  EXPECT_EQ(w.Now(), Ms(9));
}

TEST(World, RunUntilIdleRunsChainedEvents) {
  World w(1);
  int n = 0;
  std::function<void()> chain = [&] {
    if (++n < 5) w.After(absl::Seconds(1), "chain", chain);
  };
  w.After(absl::Seconds(1), "chain", chain);
  EXPECT_EQ(w.RunUntilIdle(), 5u);
  EXPECT_EQ(w.Now(), Ms(5000));
}

TEST(World, RunUntilPredicateStopsAsSoonAsItHolds) {
  World w(1);
  int n = 0;
  for (int i = 1; i <= 10; ++i) w.At(Ms(i), "inc", [&] { ++n; });
  EXPECT_TRUE(w.RunUntil([&] { return n == 3; }, Ms(100)));
  EXPECT_EQ(w.Now(), Ms(3));
  EXPECT_FALSE(w.RunUntil([&] { return n == 42; }, Ms(50)));
  EXPECT_EQ(n, 10);
  EXPECT_EQ(w.Now(), Ms(50));
}

TEST(World, CancelledWorldEventDoesNotRun) {
  World w(1);
  bool ran = false;
  const EventId id = w.After(absl::Seconds(1), "x", [&] { ran = true; });
  EXPECT_TRUE(w.CancelEvent(id));
  w.RunFor(absl::Seconds(2));
  EXPECT_FALSE(ran);
}

TEST(SimEnv, ScheduleNeverRunsInsideTheCall) {
  World w(1);
  const NodeId a = w.AddNode();
  SimEnv& env = w.env(a);
  std::vector<std::string> order;
  w.At(Ms(1), "outer", [&] {
    env.Schedule(absl::ZeroDuration(), "zero",
                 [&] { order.push_back("zero"); });
    env.Schedule(absl::Milliseconds(-5), "neg",
                 [&] { order.push_back("neg"); });
    order.push_back("after-schedule");
  });
  w.RunFor(absl::Milliseconds(1));
  EXPECT_EQ(order, (std::vector<std::string>{"after-schedule", "zero", "neg"}));
}

TEST(SimEnv, TimersWithEqualDeadlinesFireInScheduleOrder) {
  World w(1);
  const NodeId a = w.AddNode();
  std::string order;
  for (char c : std::string("abcdef")) {
    w.env(a).Schedule(absl::Seconds(1), "t", [&order, c] { order += c; });
  }
  w.RunFor(absl::Seconds(1));
  EXPECT_EQ(order, "abcdef");
}

TEST(SimEnv, CancelReportsWhetherTheTimerWasPending) {
  World w(1);
  const NodeId a = w.AddNode();
  const NodeId b = w.AddNode();
  bool fired = false;
  const swim::TimerId t =
      w.env(a).Schedule(absl::Seconds(1), "t", [&] { fired = true; });
  EXPECT_FALSE(w.env(b).Cancel(t));  // not b's timer
  EXPECT_TRUE(w.env(a).Cancel(t));
  EXPECT_FALSE(w.env(a).Cancel(t));
  const swim::TimerId u = w.env(a).Schedule(absl::Seconds(1), "u", [] {});
  w.RunFor(absl::Seconds(2));
  EXPECT_FALSE(fired);
  EXPECT_FALSE(w.env(a).Cancel(u));  // already ran
  EXPECT_EQ(w.stats(a).timers_fired, 1u);
}

TEST(SimEnv, ClockDriftStretchesTimersAndNow) {
  World w(1);
  const NodeId fast = w.AddNode();
  const NodeId slow = w.AddNode();
  w.SetClockDrift(fast, 100000);   // +10%
  w.SetClockDrift(slow, -100000);  // -10%
  Instant fast_fired, slow_fired;
  w.env(fast).Schedule(absl::Milliseconds(1100), "t",
                       [&] { fast_fired = w.Now(); });
  w.env(slow).Schedule(absl::Milliseconds(900), "t",
                       [&] { slow_fired = w.Now(); });
  w.RunFor(absl::Seconds(1));
  EXPECT_EQ(w.env(fast).Now(), Ms(1100));
  EXPECT_EQ(w.env(slow).Now(), Ms(900));
  EXPECT_EQ(fast_fired, Ms(1000));
  EXPECT_EQ(slow_fired, Ms(1000));
}

TEST(SimEnv, ClockStepIsForwardAndContinuous) {
  World w(1);
  const NodeId a = w.AddNode();
  w.RunFor(absl::Seconds(1));
  w.StepClock(a, absl::Seconds(5));
  EXPECT_EQ(w.env(a).Now(), Ms(6000));
  w.SetClockDrift(a, 500000);  // +50% from here on
  w.RunFor(absl::Seconds(2));
  EXPECT_EQ(w.env(a).Now(), Ms(9000));
  EXPECT_EQ(w.env(a).UnixMillis(), w.options().unix_epoch_ms + 9000);
}

TEST(SimEnv, RandomStreamsArePerNodeAndSeeded) {
  World w1(42), w2(42), w3(43);
  for (World* w : {&w1, &w2, &w3}) {
    w->AddNode();
    w->AddNode();
  }
  const uint64_t a = w1.env(0).Random();
  EXPECT_EQ(a, w2.env(0).Random());
  EXPECT_NE(a, w3.env(0).Random());
  EXPECT_NE(w1.env(1).Random(), w2.env(0).Random());
  EXPECT_EQ(swim::Rng(swim::DeriveSeed(42, 1)).Next(), w2.env(1).Random());
  std::vector<uint8_t> x(13), y(13);
  w1.env(1).SecureRandom(absl::MakeSpan(x));
  w2.env(1).SecureRandom(absl::MakeSpan(y));
  EXPECT_EQ(x, y);
}

TEST(SimEnv, ResolveUsesTheNameTableAsynchronously) {
  World w(1);
  const NodeId a = w.AddNode();
  w.AddName("seed.example", {swim::IpAddress::V4(10, 0, 0, 2)});
  std::vector<std::string> got;
  w.env(a).Resolve("seed.example", [&](auto r) {
    ASSERT_TRUE(r.ok());
    got.push_back(r->at(0).ToString());
  });
  w.env(a).Resolve("nope.example", [&](auto r) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
    got.push_back("notfound");
  });
  EXPECT_TRUE(got.empty());
  w.RunFor(absl::Milliseconds(1));
  EXPECT_EQ(got, (std::vector<std::string>{"10.0.0.2", "notfound"}));
}

TEST(SimEnv, LogIsLevelFilteredIntoTheSink) {
  WorldOptions o;
  o.log_level = swim::LogLevel::kWarn;
  World w(o);
  const NodeId a = w.AddNode();
  std::vector<std::string> lines;
  w.SetTraceSink([&](std::string_view l) { lines.emplace_back(l); });
  w.env(a).Log(swim::LogLevel::kInfo, "quiet");
  w.env(a).Log(swim::LogLevel::kError, "loud");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("ERROR loud"), std::string::npos);
}

TEST(World, AllocatedAddressesAreDistinctAndFindable) {
  World w(1);
  for (int i = 0; i < 1000; ++i) w.AddNode();
  for (NodeId i = 0; i < 1000; ++i) {
    ASSERT_EQ(w.FindNode(w.address(i)), i);
  }
  swim::Address other = w.address(3);
  other.port = 1;
  EXPECT_FALSE(w.FindNode(other).has_value());
  const NodeId v6 =
      w.AddNode(swim::Address{*swim::IpAddress::Parse("fd00::1"), 7946, "six"});
  EXPECT_EQ(
      w.FindNode(swim::Address{*swim::IpAddress::Parse("fd00::1"), 7946, ""}),
      v6);
}

// Runs a cluster of ping hosts with some loss and jitter; returns the trace
// hash and one final draw from node 0's stream.
std::pair<uint64_t, uint64_t> RunPingCluster(uint64_t seed,
                                             std::vector<std::string>* text) {
  World w(seed);
  LinkParams link;
  link.latency =
      LatencyModel::Uniform(absl::Milliseconds(1), absl::Milliseconds(5));
  link.loss = 0.05;
  link.duplicate = 0.01;
  link.reorder = 0.05;
  w.network().SetDefaultLink(link);
  if (text)
    w.SetTraceSink([text](std::string_view l) { text->emplace_back(l); });
  std::vector<std::unique_ptr<PingHost>> hosts;
  for (int i = 0; i < 20; ++i) {
    const NodeId id = w.AddNode();
    hosts.push_back(
        std::make_unique<PingHost>(&w, id, absl::Milliseconds(100)));
    w.SetHost(id, hosts.back().get());
    hosts.back()->Start();
  }
  w.At(Ms(500), "pause", [&] { w.Pause(3); });
  w.At(Ms(900), "resume", [&] { w.Resume(3); });
  w.At(Ms(1200), "crash", [&] { w.Crash(5); });
  w.RunFor(absl::Seconds(2));
  EXPECT_GT(hosts[0]->acks_received, 0u);
  return {w.trace_hash(), w.env(0).Random()};
}

TEST(Determinism, SameSeedSameTraceAndFinalDraw) {
  std::vector<std::string> t1, t2;
  const auto a = RunPingCluster(7, &t1);
  const auto b = RunPingCluster(7, &t2);
  EXPECT_EQ(a, b);
  EXPECT_EQ(t1, t2);
  EXPECT_GT(t1.size(), 500u);
  // The hash does not depend on whether text is produced.
  EXPECT_EQ(RunPingCluster(7, nullptr), a);
}

TEST(Determinism, DifferentSeedDifferentTrace) {
  const auto a = RunPingCluster(7, nullptr);
  const auto b = RunPingCluster(8, nullptr);
  EXPECT_NE(a.first, b.first);
  EXPECT_NE(a.second, b.second);
}

TEST(Determinism, InterleavedWorldsDoNotInterfere) {
  const uint64_t alone = RunPingCluster(11, nullptr).first;
  World w1(11), w2(11);
  std::vector<std::unique_ptr<PingHost>> hosts;
  for (World* w : {&w1, &w2}) {
    for (int i = 0; i < 10; ++i) {
      const NodeId id = w->AddNode();
      hosts.push_back(
          std::make_unique<PingHost>(w, id, absl::Milliseconds(50)));
      w->SetHost(id, hosts.back().get());
      hosts.back()->Start();
    }
  }
  for (int i = 0; i < 2000; ++i) {
    w1.Step();
    w2.Step();
    if (i % 2 == 0) w2.Step();
  }
  // ~600 events per virtual second: both are still short of 10 s here.
  EXPECT_LT(w2.Now(), Ms(10000));
  w1.RunUntil(Ms(10000));
  w2.RunUntil(Ms(10000));
  EXPECT_EQ(w1.trace_hash(), w2.trace_hash());
  EXPECT_NE(w1.trace_hash(), alone);
}

}  // namespace
}  // namespace sim
