#include "net/cpu_idle.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace swim::net {
namespace {

std::string Stat(uint64_t user, uint64_t nice, uint64_t system, uint64_t idle,
                 uint64_t iowait = 0, uint64_t irq = 0, uint64_t softirq = 0,
                 uint64_t steal = 0, uint64_t guest = 0) {
  return "cpu  " + std::to_string(user) + " " + std::to_string(nice) + " " +
         std::to_string(system) + " " + std::to_string(idle) + " " +
         std::to_string(iowait) + " " + std::to_string(irq) + " " +
         std::to_string(softirq) + " " + std::to_string(steal) + " " +
         std::to_string(guest) + " 0\n" +
         "cpu0 1 2 3 4 5 6 7 8 9 10\n"
         "intr 12345 0 0\nctxt 999\nbtime 1700000000\n";
}

// A reader that returns the queued contents in order (nullopt = error).
struct Script {
  std::vector<std::optional<std::string>> items;
  size_t next = 0;
  CpuIdleSampler::Reader Reader() {
    return [this]() -> std::optional<std::string> {
      if (next >= items.size()) return std::nullopt;
      return items[next++];
    };
  }
};

TEST(ParseProcStat, ReadsAggregateLineOnly) {
  auto t = ParseProcStat(Stat(100, 10, 50, 800, 20, 3, 4, 5, 60));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->idle, 800u);
  EXPECT_EQ(t->busy, 100u + 10 + 50 + 20 + 3 + 4 + 5);  // guest excluded
}

TEST(ParseProcStat, AcceptsOldKernelsWithFourFields) {
  auto t = ParseProcStat("cpu 1 2 3 4\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->busy, 6u);
  EXPECT_EQ(t->idle, 4u);
}

TEST(ParseProcStat, RejectsMalformed) {
  EXPECT_FALSE(ParseProcStat("").has_value());
  EXPECT_FALSE(ParseProcStat("cpu0 1 2 3 4\n").has_value());  // no aggregate
  EXPECT_FALSE(ParseProcStat("cpu 1 2 3\n").has_value());
  EXPECT_FALSE(ParseProcStat("cpu 1 2 x 4\n").has_value());
  EXPECT_FALSE(ParseProcStat("cpu 1 2 -3 4\n").has_value());
  EXPECT_FALSE(
      ParseProcStat("cpu 1 2 3 99999999999999999999999999 5\n").has_value());
}

TEST(CpuIdleSampler, FirstSampleIsUnknown) {
  Script s{{Stat(100, 0, 0, 100)}};
  CpuIdleSampler sampler(s.Reader());
  EXPECT_EQ(sampler.Sample(), std::nullopt);
}

TEST(CpuIdleSampler, IdleShareOfTheInterval) {
  // Interval: busy +30 (user 20, system 5, iowait 5), idle +70 -> 70 % idle.
  Script s{{Stat(100, 0, 50, 1000, 10), Stat(120, 0, 55, 1070, 15),
            // Next interval: all busy.
            Stat(220, 0, 55, 1070, 15),
            // Next: nothing moved at all -> busy 0 -> 100 % idle (gopsutil).
            Stat(220, 0, 55, 1070, 15)}};
  CpuIdleSampler sampler(s.Reader());
  EXPECT_EQ(sampler.Sample(), std::nullopt);
  std::optional<double> idle = sampler.Sample();
  ASSERT_TRUE(idle.has_value());
  EXPECT_DOUBLE_EQ(*idle, 70.0);
  idle = sampler.Sample();
  ASSERT_TRUE(idle.has_value());
  EXPECT_DOUBLE_EQ(*idle, 0.0);
  idle = sampler.Sample();
  ASSERT_TRUE(idle.has_value());
  EXPECT_DOUBLE_EQ(*idle, 100.0);
}

TEST(CpuIdleSampler, ReadErrorsReturnNulloptAndKeepPreviousSample) {
  Script s{{Stat(0, 0, 0, 0), std::nullopt, std::string("garbage\n"),
            Stat(25, 0, 0, 75)}};
  CpuIdleSampler sampler(s.Reader());
  EXPECT_EQ(sampler.Sample(), std::nullopt);      // first
  EXPECT_EQ(sampler.Sample(), std::nullopt);      // read error
  EXPECT_EQ(sampler.Sample(), std::nullopt);      // parse error
  std::optional<double> idle = sampler.Sample();  // relative to the first
  ASSERT_TRUE(idle.has_value());
  EXPECT_DOUBLE_EQ(*idle, 75.0);
}

TEST(CpuIdleSampler, CountersGoingBackwardsAreClamped) {
  // iowait may step backwards on some kernels: busy shrinks -> 100 % idle.
  Script s{{Stat(100, 0, 0, 100, 50), Stat(100, 0, 0, 150, 10),
            // Busy grows but idle drops more (all shrinks) -> 0 % idle.
            Stat(110, 0, 0, 100, 10)}};
  CpuIdleSampler sampler(s.Reader());
  sampler.Sample();
  EXPECT_EQ(sampler.Sample(), 100.0);
  EXPECT_EQ(sampler.Sample(), 0.0);
}

TEST(CpuIdleSampler, RealProcStatGivesAPercentage) {
  CpuIdleSampler sampler;
  if (!ReadProcFile("/proc/stat")) GTEST_SKIP() << "no /proc/stat";
  EXPECT_EQ(sampler.Sample(), std::nullopt);
  std::optional<double> idle = sampler.Sample();
  ASSERT_TRUE(idle.has_value());
  EXPECT_GE(*idle, 0.0);
  EXPECT_LE(*idle, 100.0);
}

TEST(ReadProcFile, MissingFileIsNullopt) {
  EXPECT_EQ(ReadProcFile("/nonexistent/definitely/not/here"), std::nullopt);
}

}  // namespace
}  // namespace swim::net
