#include "core/suspicion.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/util.h"

#include "gtest/gtest.h"
#include "tests/core/fake_env.h"

namespace swim {
namespace {

absl::Duration Ms(int64_t ms) { return absl::Milliseconds(ms); }

// Go's TestSuspicion_remainingSuspicionTime.
TEST(RemainingSuspicionTime, FollowsLogCurveMinusElapsed) {
  struct Case {
    int n, k;
    absl::Duration elapsed, min, max, expected;
  };
  const absl::Duration s2 = absl::Seconds(2), s30 = absl::Seconds(30);
  const Case cases[] = {
      {0, 3, absl::ZeroDuration(), s2, s30, absl::Seconds(30)},
      {1, 3, absl::Seconds(2), s2, s30, absl::Seconds(14)},
      {2, 3, absl::Seconds(3), s2, s30, Ms(4810)},
      {3, 3, absl::Seconds(4), s2, s30, absl::Seconds(-2)},
      {4, 3, absl::Seconds(5), s2, s30, absl::Seconds(-3)},
      {5, 3, absl::Seconds(10), s2, s30, absl::Seconds(-8)},
  };
  int i = 0;
  for (const Case& c : cases) {
    EXPECT_EQ(RemainingSuspicionTime(c.n, c.k, c.elapsed, c.min, c.max),
              c.expected)
        << "case " << i++;
  }
}

TEST(RemainingSuspicionTime, ZeroKUsesMin) {
  EXPECT_EQ(RemainingSuspicionTime(0, 0, Ms(10), Ms(500), Ms(2000)), Ms(490));
  EXPECT_EQ(RemainingSuspicionTime(3, 0, Ms(0), Ms(500), Ms(2000)), Ms(500));
}

TEST(RemainingSuspicionTime, FloorsToWholeMilliseconds) {
  // k=3, n=2, min 500 ms, max 1 s: 1000 - 500*ln3/ln4 = 603.76 ms -> 603 ms.
  EXPECT_EQ(
      RemainingSuspicionTime(2, 3, absl::ZeroDuration(), Ms(500), Ms(1000)),
      Ms(603));
}

struct Recorder {
  std::vector<std::pair<Instant, int>> fired;
  std::function<void(int)> Callback(FakeEnv* env) {
    return [this, env](int c) { fired.emplace_back(env->Now(), c); };
  }
};

// Go's TestSuspicion_Timer, on a manual clock: k=3, min 500 ms, max 2 s.
// Confirmations arrive 25 ms apart; the timer must fire exactly at the
// total timeout (counted from the start), exactly once, with the count.
TEST(Suspicion, ConfirmationsShortenTimerAlongCurve) {
  constexpr int kK = 3;
  const absl::Duration kMin = Ms(500), kMax = Ms(2000);
  struct Pair {
    std::string from;
    bool new_info;
  };
  struct Case {
    int num_confirmations;
    std::vector<Pair> confirmations;
    absl::Duration expected;
  };
  const std::vector<Case> cases = {
      {0, {}, kMax},
      {1, {{"me", false}, {"foo", true}}, Ms(1250)},
      {1,
       {{"me", false}, {"foo", true}, {"foo", false}, {"foo", false}},
       Ms(1250)},
      // Go's table says 810 ms with +-25 ms slack; the formula (and Go's
      // remainingSuspicionTime, checked) gives floor(811.28) = 811 ms.
      {2, {{"me", false}, {"foo", true}, {"bar", true}}, Ms(811)},
      {3, {{"me", false}, {"foo", true}, {"bar", true}, {"baz", true}}, kMin},
      {3,
       {{"me", false},
        {"foo", true},
        {"bar", true},
        {"baz", true},
        {"zoo", false}},
       kMin},
  };
  const absl::Duration fudge = Ms(25);
  int i = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(i++);
    FakeEnv env;
    Recorder rec;
    const Instant start = env.Now();
    Suspicion s(&env, "me", kK, kMin, kMax, rec.Callback(&env));
    EXPECT_EQ(s.start(), start);
    for (const Pair& p : c.confirmations) {
      env.Advance(fudge);
      EXPECT_EQ(s.Confirm(p.from), p.new_info) << p.from;
    }
    EXPECT_EQ(s.confirmations(), c.num_confirmations);
    // Right before the timeout: not yet.
    env.AdvanceTo(start + c.expected - absl::Nanoseconds(1));
    EXPECT_TRUE(rec.fired.empty());
    // At the timeout: fired once, with the confirmation count.
    env.AdvanceTo(start + c.expected);
    ASSERT_EQ(rec.fired.size(), 1u);
    EXPECT_EQ(rec.fired[0].first, start + c.expected);
    EXPECT_EQ(rec.fired[0].second, c.num_confirmations);
    // A late confirmation (negative remaining time) never fires again.
    s.Confirm("late");
    env.Advance(c.expected + 2 * fudge);
    EXPECT_EQ(rec.fired.size(), 1u);
    EXPECT_EQ(env.PendingTimers(), 0u);
  }
}

// Go's TestSuspicion_Timer_ZeroK.
TEST(Suspicion, ZeroKStartsAtMinAndIgnoresConfirmations) {
  FakeEnv env;
  Recorder rec;
  Suspicion s(&env, "me", 0, Ms(25), absl::Seconds(30), rec.Callback(&env));
  EXPECT_FALSE(s.Confirm("foo"));
  EXPECT_EQ(s.confirmations(), 0);
  env.Advance(Ms(24));
  EXPECT_TRUE(rec.fired.empty());
  env.Advance(Ms(1));
  ASSERT_EQ(rec.fired.size(), 1u);
  EXPECT_EQ(rec.fired[0].first, Instant::Zero() + Ms(25));
  EXPECT_EQ(rec.fired[0].second, 0);
}

// Go's TestSuspicion_Timer_Immediate: a confirmation whose target total is
// already past fires at once -- from a timer, not inside Confirm().
TEST(Suspicion, LateConfirmationFiresImmediatelyButNotInsideConfirm) {
  FakeEnv env;
  Recorder rec;
  Suspicion s(&env, "me", 1, Ms(100), absl::Seconds(30), rec.Callback(&env));
  env.Advance(Ms(200));
  EXPECT_TRUE(s.Confirm("foo"));
  EXPECT_TRUE(rec.fired.empty());  // not re-entrant
  env.RunDue();
  ASSERT_EQ(rec.fired.size(), 1u);
  EXPECT_EQ(rec.fired[0].first, Instant::Zero() + Ms(200));
  EXPECT_EQ(rec.fired[0].second, 1);
  env.Advance(absl::Seconds(60));
  EXPECT_EQ(rec.fired.size(), 1u);
}

TEST(Suspicion, DestructionCancelsTimer) {
  FakeEnv env;
  Recorder rec;
  auto s = std::make_unique<Suspicion>(&env, "me", 3, Ms(500), Ms(2000),
                                       rec.Callback(&env));
  s->Confirm("a");
  EXPECT_EQ(env.PendingTimers(), 1u);
  s.reset();
  EXPECT_EQ(env.PendingTimers(), 0u);
  env.Advance(absl::Seconds(10));
  EXPECT_TRUE(rec.fired.empty());
}

// An Env whose Cancel always loses the race (the callback was already
// queued): the stale callbacks must find nothing to do.
class LosingCancelEnv : public FakeEnv {
 public:
  bool Cancel(TimerId) override { return false; }
};

TEST(Suspicion, CallbackRacingCancelAfterDestructionDoesNothing) {
  LosingCancelEnv env;
  Recorder rec;
  auto s = std::make_unique<Suspicion>(&env, "me", 3, Ms(500), Ms(2000),
                                       rec.Callback(&env));
  s.reset();
  EXPECT_EQ(env.PendingTimers(), 1u);  // the stale callback is still queued
  env.Advance(absl::Seconds(10));
  EXPECT_TRUE(rec.fired.empty());
}

TEST(Suspicion, ReplacedTimerThatLostCancelRaceDoesNotFire) {
  LosingCancelEnv env;
  Recorder rec;
  Suspicion s(&env, "me", 3, Ms(500), Ms(2000), rec.Callback(&env));
  env.Advance(Ms(100));
  EXPECT_TRUE(
      s.Confirm("a"));  // new deadline 1250 ms; old 2000 ms stays queued
  env.Advance(absl::Seconds(10));
  ASSERT_EQ(rec.fired.size(), 1u);
  EXPECT_EQ(rec.fired[0].first, Instant::Zero() + Ms(1250));
}

TEST(Suspicion, CallbackMayDestroyTheSuspicion) {
  FakeEnv env;
  std::unique_ptr<Suspicion> s;
  int calls = 0;
  s = std::make_unique<Suspicion>(&env, "me", 0, Ms(10), Ms(10), [&](int) {
    ++calls;
    s.reset();
  });
  env.Advance(Ms(10));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s, nullptr);
}

TEST(Suspicion, StartIsEnvNowAtConstruction) {
  FakeEnv env(1, Instant::FromNanos(123456789));
  Recorder rec;
  Suspicion s(&env, "x", 2, Ms(100), Ms(300), rec.Callback(&env));
  EXPECT_EQ(s.start(), Instant::FromNanos(123456789));
  env.Advance(Ms(300));
  ASSERT_EQ(rec.fired.size(), 1u);
  EXPECT_EQ(rec.fired[0].first, Instant::FromNanos(123456789) + Ms(300));
}

// The dogpile table of protocol.md §6.4 (Go's
// TestMemberList_ProbeNode_Suspect_Dogpile): ProbeInterval 100 ms,
// SuspicionMult 5, SuspicionMaxTimeoutMult 2, n = cluster size. The state
// machine derives k/min/max as below; confirmations arrive at the start.
TEST(Suspicion, DogpileTable) {
  struct Case {
    int num_peers;
    int confirmations;
    absl::Duration expected;
  };
  const Case cases[] = {
      {1, 0, Ms(500)},  {2, 0, Ms(500)},  {3, 0, Ms(500)},
      {4, 0, Ms(1000)}, {5, 0, Ms(1000)}, {5, 1, Ms(750)},
      {5, 2, Ms(603)},  {5, 3, Ms(500)},  {5, 4, Ms(500)},
  };
  const int kSuspicionMult = 5, kMaxTimeoutMult = 2;
  const absl::Duration kProbeInterval = Ms(100);
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "peers=" << c.num_peers
                                      << " confirmations=" << c.confirmations);
    const int n = c.num_peers + 1;
    int k = kSuspicionMult - 2;
    if (n - 2 < k) k = 0;
    const absl::Duration min =
        SuspicionTimeout(kSuspicionMult, n, kProbeInterval);
    const absl::Duration max = kMaxTimeoutMult * min;
    FakeEnv env;
    Recorder rec;
    Suspicion s(&env, "accuser", k, min, max, rec.Callback(&env));
    for (int j = 0; j < c.confirmations; ++j) {
      s.Confirm("peer" + std::to_string(j));
    }
    env.Advance(absl::Seconds(5));
    ASSERT_EQ(rec.fired.size(), 1u);
    EXPECT_EQ(rec.fired[0].first - Instant::Zero(), c.expected);
  }
}

}  // namespace
}  // namespace swim
