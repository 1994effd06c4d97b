#include "core/util.h"

#include "gtest/gtest.h"

namespace swim {
namespace {

// Go's TestRetransmitLimit, plus the tier boundaries of protocol.md §6.9.
TEST(RetransmitLimit, GrowsWithDecimalDigitsOfClusterSize) {
  EXPECT_EQ(RetransmitLimit(3, 0), 0);
  EXPECT_EQ(RetransmitLimit(3, 1), 3);
  EXPECT_EQ(RetransmitLimit(3, 9), 3);
  EXPECT_EQ(RetransmitLimit(3, 10), 6);
  EXPECT_EQ(RetransmitLimit(3, 99), 6);
  EXPECT_EQ(RetransmitLimit(3, 100), 9);
  EXPECT_EQ(RetransmitLimit(4, 10000), 20);
}

TEST(RetransmitLimit, NegativeClusterSizeIsZero) {
  EXPECT_EQ(RetransmitLimit(3, -5), 0);
}

// Go's TestSuspicionTimeout: mult 3, interval 1 s, divided by 3.
TEST(SuspicionTimeout, FloorsLog10ScaleToThousandths) {
  struct Case {
    int n;
    absl::Duration expected;
  };
  const Case cases[] = {
      {5, absl::Milliseconds(1000)},   {10, absl::Milliseconds(1000)},
      {50, absl::Milliseconds(1698)},  {100, absl::Milliseconds(2000)},
      {500, absl::Milliseconds(2698)}, {1000, absl::Milliseconds(3000)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SuspicionTimeout(3, c.n, absl::Seconds(1)) / 3, c.expected)
        << "n=" << c.n;
  }
}

TEST(SuspicionTimeout, SmallClustersUseScaleOne) {
  for (int n : {-1, 0, 1, 2, 9, 10}) {
    EXPECT_EQ(SuspicionTimeout(4, n, absl::Milliseconds(200)),
              absl::Milliseconds(800))
        << "n=" << n;
  }
}

TEST(SuspicionTimeout, IntegerNanosecondArithmetic) {
  // n = 50: scale 1.69897 -> 1698 thousandths. 5 * 1698 * 100 ms / 1000.
  EXPECT_EQ(SuspicionTimeout(5, 50, absl::Milliseconds(100)),
            absl::Milliseconds(849));
  // Truncation of the final division happens in nanoseconds.
  EXPECT_EQ(SuspicionTimeout(1, 50, absl::Nanoseconds(7)),
            absl::Nanoseconds(1698 * 7 / 1000));
}

// Go's TestPushPullScale.
TEST(PushPullScale, DoublesPerPowerOfTwoAbove32) {
  const absl::Duration sec = absl::Seconds(1);
  for (int i = 0; i <= 32; ++i) EXPECT_EQ(PushPullScale(sec, i), sec) << i;
  for (int i = 33; i <= 64; ++i) EXPECT_EQ(PushPullScale(sec, i), 2 * sec) << i;
  for (int i = 65; i <= 128; ++i) {
    EXPECT_EQ(PushPullScale(sec, i), 3 * sec) << i;
  }
  EXPECT_EQ(PushPullScale(sec, 129), 4 * sec);
}

}  // namespace
}  // namespace swim
