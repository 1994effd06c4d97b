// Counters, gauges and timing samples, named as Go memberlist emits them
// (e.g. "memberlist.msg.suspect", "memberlist.degraded.probe").
//
// The core writes to a Metrics object it owns, naming every metric with a
// constant from core/metric_names.h; net/ and sim/ read it. Names are kept
// in ordered maps so dumps are deterministic.
#ifndef SWIM_CORE_METRICS_H_
#define SWIM_CORE_METRICS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/check.h"
#include "core/metric_names.h"

#include "absl/time/time.h"

namespace swim {

struct TimingStats {
  uint64_t count = 0;
  double sum_ms = 0;
  double max_ms = 0;
};

class Metrics {
 public:
  Metrics() = default;
  // A copy has its own counters: the look-up cache (pointers into the
  // maps) is not copied.
  Metrics(const Metrics& o)
      : counters_(o.counters_), gauges_(o.gauges_), timings_(o.timings_) {}
  Metrics& operator=(const Metrics& o) {
    if (this != &o) {
      counters_ = o.counters_;
      gauges_ = o.gauges_;
      timings_ = o.timings_;
      cache_ = {};
    }
    return *this;
  }

  // The core's own metrics, by their typed names (core/metric_names.h).
  // Those names are string constants, so their address and length identify
  // them: a small direct-mapped cache finds a counter without a map search
  // (each packet counts several; the search was 2-5 % of a 1,000-node
  // simulation). Counters are never erased, so a cached pointer stays valid.
  void Incr(MetricName name, uint64_t by = 1) {
    const char* key = name.str.data();
    CacheSlot& c =
        cache_[(reinterpret_cast<uintptr_t>(key) >> 3) % kCacheSlots];
    if (c.key != key || c.len != name.str.size()) {
      c.key = key;
      c.len = name.str.size();
      c.value = &CounterRef(name.str);
    }
    SWIM_DCHECK(c.value != nullptr);
    *c.value += by;
  }
  void SetGauge(MetricName name, double value) { SetGauge(name.str, value); }
  void AddTiming(MetricName name, absl::Duration d) { AddTiming(name.str, d); }
  uint64_t Counter(MetricName name) const { return Counter(name.str); }

  // Any name (net/ and sim/ count their own).
  void Incr(std::string_view name, uint64_t by = 1) { CounterRef(name) += by; }
  void SetGauge(std::string_view name, double value) {
    gauges_[std::string(name)] = value;
  }
  void AddTiming(std::string_view name, absl::Duration d) {
    auto it = timings_.find(name);
    if (it == timings_.end()) it = timings_.emplace(name, TimingStats{}).first;
    TimingStats& t = it->second;
    const double ms = absl::ToDoubleMilliseconds(d);
    ++t.count;
    t.sum_ms += ms;
    if (ms > t.max_ms) t.max_ms = ms;
    SWIM_DCHECK(t.count >= 1 && t.max_ms >= ms);
  }
  uint64_t Counter(std::string_view name) const {
    auto it = counters_.find(std::string(name));
    return it == counters_.end() ? 0 : it->second;
  }
  const std::map<std::string, uint64_t, std::less<>>& counters() const {
    return counters_;
  }
  const std::map<std::string, double, std::less<>>& gauges() const {
    return gauges_;
  }
  const std::map<std::string, TimingStats, std::less<>>& timings() const {
    return timings_;
  }

 private:
  // The counter named `name`, created at zero if new.
  uint64_t& CounterRef(std::string_view name) {
    SWIM_DCHECK(!name.empty());
    auto it = counters_.find(name);  // no allocation on the hot path
    if (it == counters_.end()) it = counters_.emplace(name, 0).first;
    return it->second;
  }

  std::map<std::string, uint64_t, std::less<>> counters_;
  std::map<std::string, double, std::less<>> gauges_;
  std::map<std::string, TimingStats, std::less<>> timings_;

  struct CacheSlot {
    const char* key = nullptr;
    size_t len = 0;
    uint64_t* value = nullptr;
  };
  static constexpr size_t kCacheSlots = 16;
  std::array<CacheSlot, kCacheSlots> cache_{};
};

}  // namespace swim

#endif  // SWIM_CORE_METRICS_H_
