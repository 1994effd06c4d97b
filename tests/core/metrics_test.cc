#include "core/metrics.h"

#include <string>

#include "core/metric_names.h"

#include "gtest/gtest.h"

namespace swim {
namespace {

// Incr(MetricName) finds counters through a small cache keyed by the name's
// address; these pin what the cache must not change.

TEST(Metrics, TypedAndStringIncrementsCountTheSameCounter) {
  Metrics m;
  m.Incr(metric::kUdpSent, 10);
  m.Incr(std::string("memberlist.udp.sent"), 5);  // another address
  m.Incr(metric::kUdpSent);
  EXPECT_EQ(m.Counter(metric::kUdpSent), 16u);
  EXPECT_EQ(m.counters().size(), 1u);
}

TEST(Metrics, ManyNamesSharingCacheSlotsKeepSeparateCounts) {
  // More names than cache slots, interleaved, so slots are evicted and
  // refilled; a name with the same bytes at another address (a copy) and a
  // prefix of a constant (same address, shorter) are different keys.
  const std::string a = "test.a";
  const std::string a_copy = a;
  Metrics m;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 40; ++i) {
      const std::string name = "test.counter." + std::to_string(i);
      m.Incr(name, i);
    }
    m.Incr(MetricName{a});
    m.Incr(MetricName{a_copy});
    m.Incr(MetricName{std::string_view(a).substr(0, 4)});  // "test"
    m.Incr(metric::kUdpSent, 2);
    m.Incr(metric::kUdpReceived, 3);
  }
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(m.Counter("test.counter." + std::to_string(i)),
              static_cast<uint64_t>(3 * i));
  }
  EXPECT_EQ(m.Counter("test.a"), 6u);
  EXPECT_EQ(m.Counter("test"), 3u);
  EXPECT_EQ(m.Counter(metric::kUdpSent), 6u);
  EXPECT_EQ(m.Counter(metric::kUdpReceived), 9u);
}

TEST(Metrics, CopiesCountIndependently) {
  Metrics a;
  a.Incr(metric::kUdpSent, 1);
  Metrics b = a;  // copy-constructed: a cache pointing into `a` would be wrong
  b.Incr(metric::kUdpSent, 10);
  a.Incr(metric::kUdpSent, 100);
  EXPECT_EQ(a.Counter(metric::kUdpSent), 101u);
  EXPECT_EQ(b.Counter(metric::kUdpSent), 11u);

  Metrics c;
  c.Incr(metric::kUdpSent, 7);  // fills c's cache
  c = a;                        // assigned: c's old cache entries are gone
  c.Incr(metric::kUdpSent, 1000);
  EXPECT_EQ(c.Counter(metric::kUdpSent), 1101u);
  EXPECT_EQ(a.Counter(metric::kUdpSent), 101u);
}

}  // namespace
}  // namespace swim
