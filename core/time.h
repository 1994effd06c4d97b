// Points in time for the protocol core.
//
// The core never reads a clock: every Instant comes from Env::Now(). An
// Instant is a count of nanoseconds on the Env's monotonic clock; its zero is
// whatever the Env chose (the simulator starts at 0, the Asio Env at the
// steady clock's epoch). Intervals are absl::Duration, whose arithmetic is
// exact in integer ticks, so no floating point enters a schedule.
#ifndef SWIM_CORE_TIME_H_
#define SWIM_CORE_TIME_H_

#include <cstdint>
#include <limits>

#include "absl/time/time.h"

namespace swim {

class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant FromNanos(int64_t ns) { return Instant(ns); }
  static constexpr Instant Zero() { return Instant(0); }
  static constexpr Instant Max() {
    return Instant(std::numeric_limits<int64_t>::max());
  }

  constexpr int64_t nanos() const { return ns_; }

  friend Instant operator+(Instant t, absl::Duration d) {
    return Instant(t.ns_ + absl::ToInt64Nanoseconds(d));
  }
  friend Instant operator-(Instant t, absl::Duration d) {
    return Instant(t.ns_ - absl::ToInt64Nanoseconds(d));
  }
  friend absl::Duration operator-(Instant a, Instant b) {
    return absl::Nanoseconds(a.ns_ - b.ns_);
  }
  Instant& operator+=(absl::Duration d) { return *this = *this + d; }
  friend constexpr auto operator<=>(Instant, Instant) = default;

 private:
  constexpr explicit Instant(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_TIME_H_
