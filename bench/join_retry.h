// The loopback benchmarks' join: what an operator's retry_join does.
#ifndef SWIM_BENCH_JOIN_RETRY_H_
#define SWIM_BENCH_JOIN_RETRY_H_

#include <string>

#include "net/memberlist.h"

namespace swim::bench {

// Joins `seed`, retrying a failed join at once, up to `attempts` in all: a
// seed refuses streams over its max_inbound_streams (128) rather than queue
// them, a push/pull can time out on a busy machine, and a member whose join
// failed would miss the members that joined before it until its next
// push/pull, or stay alone for good. Returns the failed attempts (==
// attempts: it never joined).
inline int JoinWithRetry(net::Memberlist& m, const std::string& seed,
                         int attempts = 3) {
  int failures = 0;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (m.Join({seed}).ok()) break;
    ++failures;
  }
  return failures;
}

}  // namespace swim::bench

#endif  // SWIM_BENCH_JOIN_RETRY_H_
