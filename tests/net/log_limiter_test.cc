// net::LogLimiter: a flood of similar lines is cut to a few per window plus
// one summary with the count (hardening issue 14, item 11: one compound of
// 255 empty parts wrote 255 warning lines).
#include "net/log_limiter.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace swim::net {
namespace {

struct Capture {
  std::vector<std::string> lines;
  LogSink sink() {
    return [this](LogLevel, std::string_view m) { lines.emplace_back(m); };
  }
};

TEST(LogLimiter, FloodOfSimilarLinesIsCutAndCounted) {
  Capture c;
  absl::Time now = absl::UnixEpoch();
  LogLimiter l(c.sink(), LogLimits{}, [&] { return now; });
  for (int i = 0; i < 255; ++i) {
    l.Log(LogLevel::kWarn, absl::StrCat("memberlist: compound part ", i,
                                        " from 127.0.0.1:9 is empty"));
  }
  EXPECT_EQ(c.lines.size(), 5u);
  EXPECT_EQ(l.suppressed(), 250u);
  now += absl::Milliseconds(1100);
  l.Log(LogLevel::kWarn, "something else");
  ASSERT_EQ(c.lines.size(), 7u);
  EXPECT_NE(c.lines[5].find("250 similar lines suppressed"), std::string::npos)
      << c.lines[5];
  EXPECT_EQ(c.lines[6], "something else");
}

TEST(LogLimiter, DistinctLinesAreCappedOverall) {
  Capture c;
  absl::Time now = absl::UnixEpoch();
  LogLimiter l(c.sink(), LogLimits{}, [&] { return now; });
  for (char a = 'a'; a <= 'z'; ++a) {
    for (char b = 'a'; b <= 'z'; ++b) {
      l.Log(LogLevel::kWarn, std::string("distinct ") + a + b);
    }
  }
  EXPECT_EQ(c.lines.size(), 50u);
  l.Flush(true);
  EXPECT_GT(c.lines.size(), 50u);  // summaries
}

TEST(LogLimiter, FlushWaitsForTheWindowUnlessForced) {
  Capture c;
  absl::Time now = absl::UnixEpoch();
  LogLimiter l(c.sink(), LogLimits{}, [&] { return now; });
  for (int i = 0; i < 10; ++i) l.Log(LogLevel::kWarn, "same");
  EXPECT_EQ(c.lines.size(), 5u);
  l.Flush();
  EXPECT_EQ(c.lines.size(), 5u);
  now += absl::Seconds(2);
  l.Flush();
  ASSERT_EQ(c.lines.size(), 6u);
  EXPECT_NE(c.lines[5].find("5 similar lines suppressed"), std::string::npos);
}

TEST(LogLimiter, DisabledPassesEverything) {
  Capture c;
  LogLimits off;
  off.enabled = false;
  LogLimiter l(c.sink(), off);
  for (int i = 0; i < 100; ++i) l.Log(LogLevel::kWarn, "same");
  EXPECT_EQ(c.lines.size(), 100u);
}

}  // namespace
}  // namespace swim::net
