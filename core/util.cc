#include "core/util.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/check.h"

namespace swim {

namespace {
// memberlist's pushPullScaleThreshold.
constexpr int kPushPullScaleThreshold = 32;
}  // namespace

int RetransmitLimit(int retransmit_mult, int n) {
  if (n < 0) n = 0;
  SWIM_DCHECK(retransmit_mult >= 0);
  const double node_scale = std::ceil(std::log10(static_cast<double>(n) + 1));
  SWIM_DCHECK(node_scale >= 0);
  return retransmit_mult * static_cast<int>(node_scale);
}

absl::Duration SuspicionTimeout(int suspicion_mult, int n,
                                absl::Duration interval) {
  SWIM_DCHECK(suspicion_mult >= 1 && interval >= absl::ZeroDuration());
  const double node_scale =
      std::max(1.0, std::log10(std::max(1.0, static_cast<double>(n))));
  // Go: Duration(mult) * Duration(nodeScale*1000) * interval / 1000, all in
  // int64 nanoseconds, evaluated left to right.
  const int64_t scale_thousandths = static_cast<int64_t>(node_scale * 1000);
  SWIM_DCHECK(scale_thousandths >= 1000);  // the node scale is at least 1
  const int64_t ns = static_cast<int64_t>(suspicion_mult) * scale_thousandths *
                     absl::ToInt64Nanoseconds(interval) / 1000;
  return absl::Nanoseconds(ns);
}

absl::Duration PushPullScale(absl::Duration interval, int n) {
  SWIM_DCHECK(interval >= absl::ZeroDuration());
  if (n <= kPushPullScaleThreshold) return interval;
  const double multiplier =
      std::ceil(std::log2(static_cast<double>(n)) -
                std::log2(static_cast<double>(kPushPullScaleThreshold))) +
      1.0;
  SWIM_DCHECK(multiplier >= 2);  // past the threshold, the period grows
  return interval * static_cast<int64_t>(multiplier);
}

}  // namespace swim
