// Cluster-size scaling formulas of memberlist 0.2.2 (util.go), computed
// exactly as Go computes them so that timings match a Go cluster's.
//
// All functions are pure and thread-compatible.
#ifndef SWIM_CORE_UTIL_H_
#define SWIM_CORE_UTIL_H_

#include "absl/time/time.h"

namespace swim {

// How many times a broadcast is gossiped: mult * ceil(log10(n + 1))
// (protocol.md §6.9). n = 0 gives 0; n = 1..9 gives mult; n = 10..99 gives
// 2 * mult. A negative n is treated as 0.
int RetransmitLimit(int retransmit_mult, int n);

// The minimum suspicion timeout (protocol.md §6.4):
//   mult * floor(1000 * max(1, log10(max(1, n)))) * interval / 1000
// in integer nanoseconds, so the scale factor is truncated to thousandths
// (as Go's time.Duration arithmetic does).
absl::Duration SuspicionTimeout(int suspicion_mult, int n,
                                absl::Duration interval);

// The push/pull period for a cluster of n (protocol.md §6.9): `interval`
// for n <= 32, else (ceil(log2 n - log2 32) + 1) * interval. So n = 33..64
// gives 2 * interval, 65..128 gives 3 * interval.
absl::Duration PushPullScale(absl::Duration interval, int n);

}  // namespace swim

#endif  // SWIM_CORE_UTIL_H_
