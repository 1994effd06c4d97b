#include "net/cpu_idle.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "core/strings.h"

namespace swim::net {

namespace {

constexpr uint64_t kMaxCounter = UINT64_MAX / 16;  // room to sum 8 fields

// Splits on runs of spaces/tabs ("cpu  123 45 ...").
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsAsciiSpace(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !IsAsciiSpace(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<CpuTimes> ParseProcStat(std::string_view contents) {
  for (std::string_view line : SplitString(contents, '\n')) {
    if (line.substr(0, 4) != "cpu " && line.substr(0, 4) != "cpu\t") continue;
    const std::vector<std::string_view> f = Fields(line);
    // f[0] = "cpu", then user nice system idle [iowait irq softirq steal
    // [guest [guest_nice]]].
    if (f.size() < 5) return std::nullopt;
    uint64_t v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const size_t n = std::min<size_t>(f.size() - 1, 8);
    for (size_t i = 0; i < n; ++i) {
      std::optional<uint64_t> x = ParseDecimal(f[i + 1], kMaxCounter);
      if (!x) return std::nullopt;
      v[i] = *x;
    }
    for (size_t i = n; i < f.size() - 1; ++i) {  // guest fields: validate only
      if (!ParseDecimal(f[i + 1], kMaxCounter)) return std::nullopt;
    }
    CpuTimes t;
    t.idle = v[3];
    t.busy = v[0] + v[1] + v[2] + v[4] + v[5] + v[6] + v[7];
    return t;
  }
  return std::nullopt;
}

std::optional<std::string> ReadProcFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

CpuIdleSampler::CpuIdleSampler()
    : CpuIdleSampler([] { return ReadProcFile("/proc/stat"); }) {}

CpuIdleSampler::CpuIdleSampler(Reader reader) : reader_(std::move(reader)) {}

std::optional<double> CpuIdleSampler::Sample() {
  std::optional<std::string> contents = reader_();
  if (!contents) return std::nullopt;
  std::optional<CpuTimes> now = ParseProcStat(*contents);
  if (!now) return std::nullopt;
  const std::optional<CpuTimes> prev = std::exchange(last_, now);
  if (!prev) return std::nullopt;

  // As gopsutil's calculateBusy, in floating point so counters that step
  // backwards (iowait can) give a clamped result rather than a wrap.
  const double busy1 = static_cast<double>(prev->busy);
  const double busy2 = static_cast<double>(now->busy);
  const double all1 = busy1 + static_cast<double>(prev->idle);
  const double all2 = busy2 + static_cast<double>(now->idle);
  double busy_pct;
  if (busy2 <= busy1) {
    busy_pct = 0;
  } else if (all2 <= all1) {
    busy_pct = 100;
  } else {
    busy_pct = std::clamp((busy2 - busy1) / (all2 - all1) * 100.0, 0.0, 100.0);
  }
  return 100.0 - busy_pct;
}

}  // namespace swim::net
