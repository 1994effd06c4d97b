// System-wide CPU idle percentage from /proc/stat, for the fork's node
// weights (protocol.md §8.3; AsioEnv::CpuIdlePercent).
//
// The fork asks gopsutil's cpu.Percent(0, false) for the busy percentage
// since the previous call; this is the same computation over the aggregate
// "cpu" line of /proc/stat:
//   busy = user + nice + system + iowait + irq + softirq + steal
//   all  = busy + idle            (guest time is already inside user/nice)
//   busy% = (busy2 - busy1) / (all2 - all1) * 100, clamped to [0, 100]
//   (no busy growth -> 0 %; busy grew but all did not -> 100 %)
// and returns idle% = 100 - busy%.
//
// Thread-safety: none. One sampler per caller (AsioEnv keeps one and uses
// it from its io_context thread).
#ifndef SWIM_NET_CPU_IDLE_H_
#define SWIM_NET_CPU_IDLE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace swim::net {

// Jiffies from the aggregate "cpu" line.
struct CpuTimes {
  uint64_t busy = 0;  // user+nice+system+iowait+irq+softirq+steal
  uint64_t idle = 0;
};

// Parses the first line of /proc/stat contents that starts with "cpu "
// (the all-CPU line). Needs at least the four fields user nice system idle;
// later fields are optional (old kernels), guest/guest_nice are ignored.
// Returns nullopt if the line is missing or malformed.
std::optional<CpuTimes> ParseProcStat(std::string_view contents);

// Reads a whole file such as /proc/stat. nullopt on any error.
std::optional<std::string> ReadProcFile(const std::string& path);

class CpuIdleSampler {
 public:
  // Returns the current /proc/stat contents, or nullopt on error.
  using Reader = std::function<std::optional<std::string>()>;

  // Samples /proc/stat.
  CpuIdleSampler();
  // Samples whatever `reader` returns (tests feed synthetic contents).
  explicit CpuIdleSampler(Reader reader);

  // The idle percentage (0..100) since the previous successful sample.
  // nullopt on the first successful sample and whenever reading or parsing
  // fails (a failed sample does not replace the previous one).
  std::optional<double> Sample();

 private:
  Reader reader_;
  std::optional<CpuTimes> last_;
};

}  // namespace swim::net

#endif  // SWIM_NET_CPU_IDLE_H_
