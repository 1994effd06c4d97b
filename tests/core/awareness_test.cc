#include "core/awareness.h"

#include <limits>

#include "gtest/gtest.h"

namespace swim {
namespace {

// Go's TestAwareness: multiplier 8, deltas applied in sequence.
TEST(Awareness, ScoreClampsAndScalesTimeout) {
  struct Case {
    int delta;
    int score;
    absl::Duration timeout;
  };
  const Case cases[] = {
      {0, 0, absl::Seconds(1)},   {-1, 0, absl::Seconds(1)},
      {-10, 0, absl::Seconds(1)}, {1, 1, absl::Seconds(2)},
      {-1, 0, absl::Seconds(1)},  {10, 7, absl::Seconds(8)},
      {-1, 6, absl::Seconds(7)},  {-1, 5, absl::Seconds(6)},
      {-1, 4, absl::Seconds(5)},  {-1, 3, absl::Seconds(4)},
      {-1, 2, absl::Seconds(3)},  {-1, 1, absl::Seconds(2)},
      {-1, 0, absl::Seconds(1)},  {-1, 0, absl::Seconds(1)},
  };
  Awareness a(8);
  int i = 0;
  for (const Case& c : cases) {
    a.ApplyDelta(c.delta);
    EXPECT_EQ(a.GetHealthScore(), c.score) << "case " << i;
    EXPECT_EQ(a.ScaleTimeout(absl::Seconds(1)), c.timeout) << "case " << i;
    ++i;
  }
}

TEST(Awareness, ExtremeDeltasDoNotOverflow) {
  Awareness a(8);
  a.ApplyDelta(std::numeric_limits<int>::max());
  EXPECT_EQ(a.GetHealthScore(), 7);
  a.ApplyDelta(std::numeric_limits<int>::min());
  EXPECT_EQ(a.GetHealthScore(), 0);
}

TEST(Awareness, MultiplierOneNeverScales) {
  Awareness a(1);
  a.ApplyDelta(5);
  EXPECT_EQ(a.GetHealthScore(), 0);
  EXPECT_EQ(a.ScaleTimeout(absl::Milliseconds(500)), absl::Milliseconds(500));
}

TEST(Awareness, GaugeSetOnlyOnChange) {
  Metrics metrics;
  Awareness a(3, &metrics);
  a.ApplyDelta(-1);  // railed at 0: no change, no gauge
  EXPECT_EQ(metrics.gauges().count("memberlist.health.score"), 0u);
  a.ApplyDelta(5);
  EXPECT_EQ(metrics.gauges().at("memberlist.health.score"), 2);
}

}  // namespace
}  // namespace swim
