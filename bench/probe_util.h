// What the loopback probes (loopback_probe, soak_probe) share: the join an
// operator's retry_join makes, and the process's CPU time.
#ifndef SWIM_BENCH_PROBE_UTIL_H_
#define SWIM_BENCH_PROBE_UTIL_H_

#include <string>

#include <time.h>

#include "net/memberlist.h"

namespace swim::bench {

// How many times JoinWithRetry tries.
inline constexpr int kJoinAttempts = 3;

// Joins `seed`, retrying a failed join at once, up to `attempts` in all: a
// seed refuses streams over its max_inbound_streams (128) rather than queue
// them, a push/pull can time out on a busy machine, and a member whose join
// failed would miss the members that joined before it until its next
// push/pull, or stay alone for good. Returns the failed attempts (==
// attempts: it never joined).
inline int JoinWithRetry(net::Memberlist& m, const std::string& seed,
                         int attempts = kJoinAttempts) {
  int failures = 0;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (m.Join({seed}).ok()) break;
    ++failures;
  }
  return failures;
}

// The process's user + system CPU seconds, all threads.
inline double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace swim::bench

#endif  // SWIM_BENCH_PROBE_UTIL_H_
