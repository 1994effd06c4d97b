// Node faults (pause, crash, restart) and stream exchanges.
#include <memory>
#include <string>
#include <vector>

#include "sim/world.h"

#include "gtest/gtest.h"
#include "tests/sim/recording_host.h"

namespace sim {
namespace {

using swim::Instant;
using testing::B;
using testing::RecordingHost;

Instant Ms(int64_t ms) { return Instant::FromNanos(ms * 1000000); }

struct Cluster {
  explicit Cluster(int n) : w(1) {
    LinkParams link;
    link.latency = LatencyModel::Fixed(absl::Milliseconds(10));
    w.network().SetDefaultLink(link);
    for (int i = 0; i < n; ++i) {
      const NodeId id = w.AddNode();
      hosts.push_back(std::make_unique<RecordingHost>(&w));
      w.SetHost(id, hosts.back().get());
    }
  }
  void Send(NodeId from, NodeId to, const std::string& s) {
    w.env(from).SendPacket(w.address(to), B(s));
  }
  // Starts a stream exchange from -> to; the outcome lands in *out and the
  // completion time in *at.
  void Stream(NodeId from, NodeId to, const std::string& req,
              swim::StreamReply reply, absl::Duration timeout,
              absl::StatusOr<swim::Bytes>* out, Instant* at) {
    w.env(from).StreamExchange(w.address(to), B(req), reply, timeout,
                               [this, out, at](absl::StatusOr<swim::Bytes> r) {
                                 *out = std::move(r);
                                 *at = w.Now();
                                 ++completions;
                               });
  }
  World w;
  std::vector<std::unique_ptr<RecordingHost>> hosts;
  int completions = 0;
};

std::string Str(const swim::Bytes& b) {
  return std::string(b.begin(), b.end());
}

TEST(Pause, TimersFireLateOnResumeInOriginalOrder) {
  Cluster c(1);
  std::vector<std::pair<std::string, Instant>> fired;
  auto rec = [&](const char* name) {
    return [&fired, &c, name] { fired.push_back({name, c.w.Now()}); };
  };
  c.w.env(0).Schedule(absl::Milliseconds(100), "a", rec("a"));
  c.w.env(0).Schedule(absl::Milliseconds(200), "b", rec("b"));
  c.w.env(0).Schedule(absl::Milliseconds(400), "c", rec("c"));
  c.w.At(Ms(50), "pause", [&] { c.w.Pause(0); });
  c.w.At(Ms(300), "resume", [&] { c.w.Resume(0); });
  c.w.RunFor(absl::Seconds(1));
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0], std::make_pair(std::string("a"), Ms(300)));
  EXPECT_EQ(fired[1], std::make_pair(std::string("b"), Ms(300)));
  EXPECT_EQ(fired[2], std::make_pair(std::string("c"), Ms(400)));
}

TEST(Pause, DeliveriesQueueUpUntilResume) {
  Cluster c(2);
  c.w.Pause(1);
  c.Send(0, 1, "one");
  c.Send(0, 1, "two");
  c.w.RunFor(absl::Milliseconds(500));
  EXPECT_TRUE(c.hosts[1]->packets.empty());
  c.w.Resume(1);
  c.w.RunFor(absl::Milliseconds(1));
  ASSERT_EQ(c.hosts[1]->packets.size(), 2u);
  EXPECT_EQ(c.hosts[1]->packets[0].data, "one");
  EXPECT_EQ(c.hosts[1]->packets[1].data, "two");
  EXPECT_EQ(c.hosts[1]->packets[0].at, Ms(500));
}

TEST(Pause, ReceiveBufferOverflowDropsWhilePaused) {
  WorldOptions o;
  o.paused_rx_buffer_bytes = 250;
  World w(o);
  RecordingHost a(&w), b(&w);
  w.SetHost(w.AddNode(), &a);
  w.SetHost(w.AddNode(), &b);
  w.Pause(1);
  for (int i = 0; i < 5; ++i) {
    w.env(0).SendPacket(w.address(1), swim::Bytes(100, 'x'));
  }
  w.RunFor(absl::Seconds(1));
  w.Resume(1);
  w.RunFor(absl::Seconds(1));
  EXPECT_EQ(b.packets.size(), 2u);
  EXPECT_EQ(w.stats(1).drops_in[static_cast<size_t>(DropCause::kQueue)], 3u);
  // After the resume the buffer is empty again.
  w.env(0).SendPacket(w.address(1), swim::Bytes(100, 'x'));
  w.RunFor(absl::Seconds(1));
  EXPECT_EQ(b.packets.size(), 3u);
}

TEST(Pause, CancelStillWorksOnADeferredTimer) {
  Cluster c(1);
  bool fired = false;
  const swim::TimerId t =
      c.w.env(0).Schedule(absl::Milliseconds(10), "t", [&] { fired = true; });
  c.w.Pause(0);
  c.w.RunFor(absl::Milliseconds(100));  // due, but deferred
  EXPECT_TRUE(c.w.env(0).Cancel(t));
  c.w.Resume(0);
  c.w.RunFor(absl::Milliseconds(100));
  EXPECT_FALSE(fired);
}

TEST(Crash, DropsTimersAndInboundPackets) {
  Cluster c(2);
  bool fired = false;
  c.w.env(1).Schedule(absl::Milliseconds(100), "t", [&] { fired = true; });
  c.Send(0, 1, "in-flight");
  c.w.Crash(1);
  c.w.RunFor(absl::Seconds(1));
  EXPECT_FALSE(fired);
  EXPECT_TRUE(c.hosts[1]->packets.empty());
  EXPECT_EQ(c.w.stats(1).drops_in[static_cast<size_t>(DropCause::kCrash)], 1u);
  ASSERT_EQ(c.w.drop_log().size(), 1u);
  EXPECT_EQ(c.w.drop_log()[0].cause, DropCause::kCrash);
  EXPECT_EQ(c.w.DropsInvolving(1, Ms(0), Ms(1000)).size(), 1u);
  EXPECT_EQ(c.w.DropsInvolving(0, Ms(0), Ms(5)).size(), 0u);  // dropped at 10
  EXPECT_EQ(c.w.DropsInvolving(0, Ms(5), Ms(1000)).size(), 1u);
  // Whatever a crashed node still "sends" goes nowhere.
  c.Send(1, 0, "ghost");
  c.w.RunFor(absl::Seconds(1));
  EXPECT_TRUE(c.hosts[0]->packets.empty());
}

TEST(Crash, CrashWhilePausedDropsDeferredWork) {
  Cluster c(2);
  bool fired = false;
  c.w.env(1).Schedule(absl::Milliseconds(10), "t", [&] { fired = true; });
  c.w.Pause(1);
  c.Send(0, 1, "x");
  c.w.RunFor(absl::Milliseconds(100));
  c.w.Crash(1);
  c.w.RunFor(absl::Milliseconds(100));
  EXPECT_FALSE(fired);
  EXPECT_TRUE(c.hosts[1]->packets.empty());
  EXPECT_EQ(c.w.stats(1).drops_in[static_cast<size_t>(DropCause::kCrash)], 1u);
}

TEST(Crash, RestartCallsTheHookAndOnlyNewTimersRun) {
  Cluster c(2);
  std::vector<std::string> fired;
  c.w.env(1).Schedule(absl::Milliseconds(300), "old",
                      [&] { fired.push_back("old"); });
  auto fresh = std::make_unique<RecordingHost>(&c.w);
  int hook_calls = 0;
  c.w.SetRestartHook([&](NodeId n) {
    ++hook_calls;
    EXPECT_EQ(n, 1u);
    c.w.SetHost(n, fresh.get());
    c.w.env(n).Schedule(absl::Milliseconds(300), "new",
                        [&] { fired.push_back("new"); });
  });
  c.w.At(Ms(100), "crash", [&] { c.w.Crash(1); });
  c.w.At(Ms(200), "restart", [&] { c.w.Restart(1); });
  c.w.RunFor(absl::Seconds(1));
  EXPECT_EQ(hook_calls, 1);
  EXPECT_EQ(fired, (std::vector<std::string>{"new"}));
  c.Send(0, 1, "hi");
  c.w.RunFor(absl::Seconds(1));
  EXPECT_EQ(fresh->packets.size(), 1u);
  EXPECT_EQ(c.w.state(1), NodeState::kUp);
  ASSERT_EQ(c.w.fault_log().size(), 2u);
  EXPECT_EQ(c.w.fault_log()[0].kind, FaultKind::kCrash);
  EXPECT_EQ(c.w.fault_log()[1].kind, FaultKind::kRestart);
}

TEST(Stream, ExchangeTakesOneRoundTrip) {
  Cluster c(2);
  absl::StatusOr<swim::Bytes> out;
  Instant at;
  c.Stream(0, 1, "push", swim::StreamReply::kMessage, absl::Seconds(5), &out,
           &at);
  c.w.RunFor(absl::Seconds(10));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Str(*out), "re:push");
  EXPECT_EQ(at, Ms(20));
  ASSERT_EQ(c.hosts[1]->streams.size(), 1u);
  EXPECT_EQ(c.hosts[1]->streams[0].from, c.w.address(0));
  EXPECT_EQ(c.completions, 1);
  EXPECT_EQ(c.w.stats(0).streams_opened, 1u);
  EXPECT_EQ(c.w.stats(1).streams_accepted, 1u);
  EXPECT_EQ(c.w.stats(0).stream_bytes_received, 7u);
}

TEST(Stream, SendOnlyCompletesWhenDelivered) {
  Cluster c(2);
  absl::StatusOr<swim::Bytes> out;
  Instant at;
  c.Stream(0, 1, "user-msg", swim::StreamReply::kNone, absl::Seconds(5), &out,
           &at);
  c.w.RunFor(absl::Seconds(10));
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->empty());
  EXPECT_EQ(at, Ms(10));
  EXPECT_EQ(c.hosts[1]->streams.size(), 1u);
  EXPECT_EQ(c.completions, 1);
}

TEST(Stream, PausedServerMakesTheClientTimeOut) {
  Cluster c(2);
  c.w.Pause(1);
  absl::StatusOr<swim::Bytes> out;
  Instant at;
  c.Stream(0, 1, "push", swim::StreamReply::kMessage, absl::Seconds(2), &out,
           &at);
  c.w.RunFor(absl::Seconds(5));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(at, Ms(2000));
  // The server still gets the request when it wakes, but its late reply is
  // discarded: the callback ran exactly once.
  c.w.Resume(1);
  c.w.RunFor(absl::Seconds(5));
  EXPECT_EQ(c.hosts[1]->streams.size(), 1u);
  EXPECT_EQ(c.completions, 1);
  EXPECT_EQ(c.w.stats(0).streams_failed, 1u);
}

TEST(Stream, PartitionFailsToConnectAfterTheConnectTimeout) {
  Cluster c(2);
  c.w.BlockOneWay({1}, {0});  // TCP needs both directions
  absl::StatusOr<swim::Bytes> out, out2;
  Instant at, at2;
  c.Stream(0, 1, "push", swim::StreamReply::kMessage, absl::Seconds(30), &out,
           &at);
  c.Stream(0, 1, "push", swim::StreamReply::kMessage, absl::Seconds(2), &out2,
           &at2);
  c.w.RunFor(absl::Seconds(60));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(at, Ms(10000));  // default connect timeout
  EXPECT_EQ(out2.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(at2, Ms(2000));  // bounded by the exchange's own timeout
  EXPECT_TRUE(c.hosts[1]->streams.empty());
  EXPECT_EQ(c.completions, 2);
}

TEST(Stream, CrashedServerRefusesAfterOneRoundTrip) {
  Cluster c(2);
  c.w.Crash(1);
  absl::StatusOr<swim::Bytes> out;
  Instant at;
  c.Stream(0, 1, "push", swim::StreamReply::kMessage, absl::Seconds(5), &out,
           &at);
  c.w.RunFor(absl::Seconds(10));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(at, Ms(20));
}

TEST(Stream, ServerCrashingMidExchangeAbortsIt) {
  Cluster c(2);
  absl::StatusOr<swim::Bytes> out;
  Instant at;
  c.Stream(0, 1, "push", swim::StreamReply::kMessage, absl::Seconds(5), &out,
           &at);
  c.w.At(Ms(5), "crash", [&] { c.w.Crash(1); });
  c.w.RunFor(absl::Seconds(10));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(at, Ms(20));
  EXPECT_EQ(c.completions, 1);
}

TEST(Stream, ResetsAndClosesWithoutReplyAbort) {
  Cluster c(3);
  LinkParams resetting;
  resetting.latency = LatencyModel::Fixed(absl::Milliseconds(10));
  resetting.stream_reset = 1.0;
  c.w.network().SetLink(0, 1, resetting);
  c.hosts[2]->reply_to_streams = false;
  absl::StatusOr<swim::Bytes> out1, out2;
  Instant at1, at2;
  c.Stream(0, 1, "a", swim::StreamReply::kMessage, absl::Seconds(5), &out1,
           &at1);
  c.Stream(0, 2, "b", swim::StreamReply::kMessage, absl::Seconds(5), &out2,
           &at2);
  c.w.RunFor(absl::Seconds(10));
  EXPECT_EQ(out1.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(out2.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(at2, Ms(20));
  EXPECT_EQ(c.hosts[2]->streams.size(), 1u);
}

TEST(Stream, ClientCrashDropsItsCallback) {
  Cluster c(2);
  absl::StatusOr<swim::Bytes> out;
  Instant at;
  c.Stream(0, 1, "push", swim::StreamReply::kMessage, absl::Seconds(5), &out,
           &at);
  c.w.At(Ms(15), "crash", [&] { c.w.Crash(0); });
  c.w.RunFor(absl::Seconds(10));
  EXPECT_EQ(c.completions, 0);
  EXPECT_EQ(c.hosts[1]->streams.size(), 1u);
}

TEST(Stream, ReplyBlockedByOneWayPartitionTimesOut) {
  Cluster c(2);
  absl::StatusOr<swim::Bytes> out;
  Instant at;
  c.Stream(0, 1, "push", swim::StreamReply::kMessage, absl::Seconds(1), &out,
           &at);
  c.w.At(Ms(5), "block", [&] { c.w.BlockOneWay({1}, {0}); });
  c.w.RunFor(absl::Seconds(10));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(at, Ms(1000));
  EXPECT_EQ(c.hosts[1]->streams.size(), 1u);
}

}  // namespace
}  // namespace sim
