#include "sim/network.h"

#include <algorithm>
#include <cmath>
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

// A world of `n` recording nodes.
struct Cluster {
  explicit Cluster(int n, uint64_t seed = 1) : w(seed) {
    for (int i = 0; i < n; ++i) {
      const NodeId id = w.AddNode();
      hosts.push_back(std::make_unique<RecordingHost>(&w));
      w.SetHost(id, hosts.back().get());
    }
  }
  void Send(NodeId from, NodeId to, const std::string& s) {
    w.env(from).SendPacket(w.address(to), B(s));
  }
  size_t Got(NodeId n) const { return hosts[n]->packets.size(); }
  World w;
  std::vector<std::unique_ptr<RecordingHost>> hosts;
};

TEST(LatencyModel, FixedAndUniformStayInBounds) {
  swim::Rng rng(3);
  EXPECT_EQ(LatencyModel::Fixed(absl::Milliseconds(7)).Sample(rng),
            absl::Milliseconds(7));
  const LatencyModel u =
      LatencyModel::Uniform(absl::Milliseconds(2), absl::Milliseconds(4));
  absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
  for (int i = 0; i < 10000; ++i) {
    const absl::Duration d = u.Sample(rng);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_GE(lo, absl::Milliseconds(2));
  EXPECT_LE(hi, absl::Milliseconds(4));
  EXPECT_LT(lo, absl::Microseconds(2100));  // the range is actually used
  EXPECT_GT(hi, absl::Microseconds(3900));
}

TEST(LatencyModel, NormalHasItsMeanAndRespectsTheFloor) {
  swim::Rng rng(4);
  const LatencyModel m = LatencyModel::Normal(
      absl::Milliseconds(10), absl::Milliseconds(3), absl::Milliseconds(5));
  double sum = 0;
  absl::Duration lo = absl::InfiniteDuration();
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const absl::Duration d = m.Sample(rng);
    lo = std::min(lo, d);
    sum += absl::ToDoubleMilliseconds(d);
  }
  EXPECT_EQ(lo, absl::Milliseconds(5));  // clamped samples exist
  EXPECT_NEAR(sum / n, 10.0, 0.2);       // the floor lifts the mean a little
}

TEST(LatencyModel, LongTailsHaveFloorsMediansAndTails) {
  swim::Rng rng(5);
  const LatencyModel ln = LatencyModel::LogNormal(absl::Milliseconds(1),
                                                  absl::Milliseconds(4), 1.0);
  const LatencyModel pa =
      LatencyModel::Pareto(absl::Milliseconds(1), absl::Milliseconds(2), 1.5);
  for (const LatencyModel* m : {&ln, &pa}) {
    std::vector<double> v;
    for (int i = 0; i < 20001; ++i) {
      v.push_back(absl::ToDoubleMilliseconds(m->Sample(rng)));
    }
    std::sort(v.begin(), v.end());
    EXPECT_GE(v.front(), 1.0);
    const double median = v[v.size() / 2];
    const double p999 = v[v.size() * 999 / 1000];
    EXPECT_GT(p999, 8 * (median - 1.0));  // heavy tail
    if (m == &ln) {
      EXPECT_NEAR(median, 5.0, 0.3);
    }
    if (m == &pa) {
      EXPECT_NEAR(median, 1.0 + 2.0 * std::pow(2.0, 1 / 1.5), 0.1);
    }
  }
}

TEST(Network, FixedLatencyDeliversAfterOneWayDelay) {
  Cluster c(2);
  LinkParams link;
  link.latency = LatencyModel::Fixed(absl::Milliseconds(25));
  c.w.network().SetDefaultLink(link);
  c.Send(0, 1, "hello");
  c.w.RunFor(absl::Milliseconds(24));
  EXPECT_EQ(c.Got(1), 0u);
  c.w.RunFor(absl::Milliseconds(1));
  ASSERT_EQ(c.Got(1), 1u);
  EXPECT_EQ(c.hosts[1]->packets[0].data, "hello");
  EXPECT_EQ(c.hosts[1]->packets[0].from, c.w.address(0));
  EXPECT_EQ(c.w.stats(0).packets_sent, 1u);
  EXPECT_EQ(c.w.stats(0).bytes_sent, 5u);
  EXPECT_EQ(c.w.stats(1).packets_received, 1u);
  EXPECT_EQ(c.w.stats(1).bytes_received, 5u);
}

TEST(Network, LossRateMatchesTheConfiguredProbability) {
  Cluster c(2, 99);
  LinkParams link;
  link.loss = 0.2;
  c.w.network().SetDefaultLink(link);
  const int n = 20000;
  for (int i = 0; i < n; ++i) c.Send(0, 1, "x");
  c.w.RunFor(absl::Seconds(1));
  const double delivered = static_cast<double>(c.Got(1)) / n;
  // sd = sqrt(0.2*0.8/20000) ~ 0.0028; allow 5 sd.
  EXPECT_NEAR(delivered, 0.8, 0.015);
  const uint64_t lost =
      c.w.stats(0).drops_out[static_cast<size_t>(DropCause::kLoss)];
  EXPECT_EQ(lost + c.Got(1), static_cast<uint64_t>(n));
  EXPECT_EQ(c.w.stats(1).drops_in[static_cast<size_t>(DropCause::kLoss)], lost);
  ASSERT_EQ(c.w.drop_log().size(), lost);
  const NodeStats total = c.w.TotalStats();
  EXPECT_EQ(total.packets_sent, static_cast<uint64_t>(n));
  EXPECT_EQ(total.packets_received + lost, static_cast<uint64_t>(n));
  EXPECT_EQ(c.w.drop_log()[0].cause, DropCause::kLoss);
  EXPECT_EQ(c.w.drop_log()[0].from, 0u);
  EXPECT_EQ(c.w.drop_log()[0].to, 1u);
}

TEST(Network, PerLinkOverrideAppliesToOneDirectionOnly) {
  Cluster c(2);
  LinkParams lossy;
  lossy.loss = 1.0;
  c.w.network().SetLink(0, 1, lossy);
  c.Send(0, 1, "a");
  c.Send(1, 0, "b");
  c.w.RunFor(absl::Seconds(1));
  EXPECT_EQ(c.Got(1), 0u);
  EXPECT_EQ(c.Got(0), 1u);
}

TEST(Network, DuplicationDeliversTwice) {
  Cluster c(2);
  LinkParams link;
  link.duplicate = 1.0;
  c.w.network().SetDefaultLink(link);
  c.Send(0, 1, "a");
  c.w.RunFor(absl::Seconds(1));
  EXPECT_EQ(c.Got(1), 2u);
}

TEST(Network, JitterLetsLaterPacketsOvertake) {
  Cluster c(2, 5);
  LinkParams link;
  link.latency = LatencyModel::Fixed(absl::Milliseconds(1));
  link.reorder = 0.3;
  link.reorder_delay = absl::Milliseconds(50);
  c.w.network().SetDefaultLink(link);
  for (int i = 0; i < 100; ++i) {
    c.w.At(Ms(i), "send", [&c, i] { c.Send(0, 1, std::to_string(i)); });
  }
  c.w.RunFor(absl::Seconds(1));
  ASSERT_EQ(c.Got(1), 100u);
  int inversions = 0;
  for (size_t i = 1; i < 100; ++i) {
    if (std::stoi(c.hosts[1]->packets[i].data) <
        std::stoi(c.hosts[1]->packets[i - 1].data)) {
      ++inversions;
    }
  }
  EXPECT_GT(inversions, 0);
}

TEST(Network, UnknownAddressIsANoRouteDrop) {
  Cluster c(1);
  swim::Address nowhere{swim::IpAddress::V4(192, 168, 9, 9), 1, ""};
  c.w.env(0).SendPacket(nowhere, B("x"));
  c.w.RunFor(absl::Seconds(1));
  EXPECT_EQ(c.w.stats(0).drops_out[static_cast<size_t>(DropCause::kNoRoute)],
            1u);
}

// Sends one packet along every directed pair and returns which arrived.
std::vector<std::vector<bool>> Reachability(Cluster& c) {
  const size_t n = c.hosts.size();
  std::vector<size_t> before(n);
  for (size_t i = 0; i < n; ++i) before[i] = c.Got(i);
  for (NodeId a = 0; a < n; ++a) {
    for (NodeId b = 0; b < n; ++b) {
      if (a != b) c.Send(a, b, std::to_string(a));
    }
  }
  c.w.RunFor(absl::Seconds(1));
  std::vector<std::vector<bool>> r(n, std::vector<bool>(n, false));
  for (NodeId b = 0; b < n; ++b) {
    for (size_t k = before[b]; k < c.Got(b); ++k) {
      r[std::stoi(c.hosts[b]->packets[k].data)][b] = true;
    }
  }
  return r;
}

TEST(Partition, OneWayBlocksExactlyOneDirection) {
  Cluster c(3);
  c.w.BlockOneWay({0}, {1});
  const auto r = Reachability(c);
  EXPECT_FALSE(r[0][1]);
  EXPECT_TRUE(r[1][0]);
  EXPECT_TRUE(r[0][2]);
  EXPECT_TRUE(r[2][0]);
  EXPECT_TRUE(r[1][2]);
  EXPECT_TRUE(r[2][1]);
  EXPECT_EQ(c.w.stats(0).drops_out[static_cast<size_t>(DropCause::kPartition)],
            1u);
}

TEST(Partition, SymmetricGroupsBlockBothDirectionsBetweenGroups) {
  Cluster c(5);
  c.w.Partition({{0, 1}, {2, 3}});  // 4 is unlisted: a group of its own
  const auto r = Reachability(c);
  auto group = [](int n) { return n < 2 ? 0 : n < 4 ? 1 : 2; };
  for (int a = 0; a < 5; ++a) {
    for (int b = 0; b < 5; ++b) {
      if (a == b) continue;
      EXPECT_EQ(r[a][b], group(a) == group(b)) << a << "->" << b;
    }
  }
}

TEST(Partition, SplitBrainIsolateAndHeal) {
  Cluster c(4);
  c.w.SplitBrain();
  auto r = Reachability(c);
  EXPECT_TRUE(r[0][1]);
  EXPECT_TRUE(r[2][3]);
  EXPECT_FALSE(r[1][2]);
  EXPECT_FALSE(r[3][0]);
  c.w.Heal();
  c.w.Isolate(2);
  r = Reachability(c);
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      if (a != b) {
        EXPECT_EQ(r[a][b], a != 2 && b != 2) << a << "->" << b;
      }
    }
  }
  c.w.Unisolate(2);
  r = Reachability(c);
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      if (a != b) {
        EXPECT_TRUE(r[a][b]);
      }
    }
  }
  ASSERT_EQ(c.w.fault_log().size(), 4u);
  EXPECT_EQ(c.w.fault_log()[3].kind, FaultKind::kHeal);
  EXPECT_EQ(c.w.fault_log()[3].node, 2u);
  EXPECT_EQ(c.w.fault_log()[1].kind, FaultKind::kHeal);
}

TEST(Bandwidth, QueueOverflowTailDrops) {
  Cluster c(2);
  LinkParams link;
  link.latency = LatencyModel::Fixed(absl::Milliseconds(10));
  c.w.network().SetDefaultLink(link);
  c.w.network().SetBandwidth(0, BandwidthLimit{1000, 3000});
  for (int i = 0; i < 10; ++i) c.Send(0, 1, std::string(1000, 'x'));
  c.w.RunFor(absl::Seconds(10));
  // 3000 bytes of queue: three packets fit, the rest are tail-dropped.
  ASSERT_EQ(c.Got(1), 3u);
  EXPECT_EQ(c.w.stats(0).drops_out[static_cast<size_t>(DropCause::kQueue)], 7u);
  // Serialised at 1000 B/s, then 10 ms on the wire.
  EXPECT_EQ(c.hosts[1]->packets[0].at, Ms(1010));
  EXPECT_EQ(c.hosts[1]->packets[1].at, Ms(2010));
  EXPECT_EQ(c.hosts[1]->packets[2].at, Ms(3010));
  // Once the queue drained, sending works again.
  c.Send(0, 1, "y");
  c.w.RunFor(absl::Seconds(1));
  EXPECT_EQ(c.Got(1), 4u);
}

}  // namespace
}  // namespace sim
