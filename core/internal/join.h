// Join: push/pull with every seed, concurrently (memberlist's Join, with
// this implementation's join_sync; see Config::join_sync).
#ifndef SWIM_CORE_INTERNAL_JOIN_H_
#define SWIM_CORE_INTERNAL_JOIN_H_

#include <functional>
#include <string>
#include <vector>

#include "core/internal/node_context.h"

#include "absl/status/status.h"

namespace swim::internal {

using JoinCallback = std::function<void(int contacted, absl::Status)>;

// Resolves every seed ("[name/]host[:port]"), push/pulls (join = true) with
// every address found, and reports once all are done: the number that
// succeeded, and OK if any did (or if there were no seeds), else every
// failure. After a success, our
// own alive is gossiped at once and (join_sync) one more push/pull with
// the first seed that answered follows. REQUIRES: not shut down.
void JoinCluster(NodeContext& ctx, const std::vector<std::string>& seeds,
                 JoinCallback done);

}  // namespace swim::internal

#endif  // SWIM_CORE_INTERNAL_JOIN_H_
