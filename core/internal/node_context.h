// NodeContext: what the parts of one node share.
//
// A Memberlist is built from five parts (memberlist.cc wires them):
//
//   MemberTable  member_table.h  the table: records, name index, probe order
//   StateRules   state_rules.h   alive / suspect / dead / refute / merge
//   Messenger    messenger.h     encoding, sending, dispatch, streams,
//                                push/pull, the broadcast queue
//   Prober       prober.h        probes, indirect probes, TCP fallback,
//                                ack handlers, the gossip tick
//   Weights      weights.h       the go-doudou fork's node weights
//
// Each part keeps its own state and checks its own invariants; they reach
// each other through this context, which also holds the configuration, the
// Env, the metrics, the health score, the lifecycle flags and the node's
// timers. Everything runs on the Env's thread (env.h): no locks.
#ifndef SWIM_CORE_INTERNAL_NODE_CONTEXT_H_
#define SWIM_CORE_INTERNAL_NODE_CONTEXT_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/awareness.h"
#include "core/config.h"
#include "core/env.h"
#include "core/internal/member_table.h"
#include "core/metrics.h"
#include "core/node.h"

#include "absl/container/btree_set.h"

namespace swim::internal {

class StateRules;
class Messenger;
class Prober;
class Weights;

class NodeContext {
 public:
  // REQUIRES: config validated, env non-null and outliving the context.
  NodeContext(Config config, Env* env, const Address& advertise);
  NodeContext(const NodeContext&) = delete;
  NodeContext& operator=(const NodeContext&) = delete;

  Config config;
  Env* const env;
  Address advertise;  // named after config.name
  Metrics metrics;
  Awareness awareness;  // sets the "memberlist.health.score" gauge on change
  MemberTable table;

  bool started = false;
  bool left = false;
  bool shutdown = false;
  // Liveness token for callbacks that may outlive the node (stream
  // completions in an Env that does not drop them).
  std::shared_ptr<bool> alive_token = std::make_shared<bool>(true);

  // Callers of Leave / UpdateNode still waiting for their broadcast (what:
  // "leave" / "update"). Shutdown fails them: Go's Shutdown never reports
  // a queued broadcast as sent, its Leave times out.
  struct BroadcastWaiter {
    std::weak_ptr<std::function<void(absl::Status)>> done;
    const char* what;
  };
  std::vector<BroadcastWaiter> broadcast_waiters;

  // The other parts, owned by the Memberlist; set once at construction.
  StateRules* state = nullptr;
  Messenger* messenger = nullptr;
  Prober* prober = nullptr;
  Weights* weights = nullptr;
  // The whole node's invariant check (every part's CheckInvariants), run
  // after every timer callback in simulator builds (--config=sim).
  std::function<void()> check_invariants;

  // Schedules fn on the Env, tracked so Shutdown can cancel it, skipped
  // after Shutdown, and followed by the node's invariant check in sim
  // builds. REQUIRES: not shut down.
  TimerId After(absl::Duration delay, const char* label,
                std::function<void()> fn);
  void CancelTimer(TimerId id);
  // Cancels every timer we own, in id order (deterministic).
  void CancelAllTimers();
  size_t num_timers() const { return timers_.size(); }

  void Log(LogLevel level, std::string_view msg) { env->Log(level, msg); }

  // The fork's check of an address a message names as its sender (a
  // ping's or indirect ping's SourceAddr, a join's first node): true, after
  // counting memberlist.dropped.cidr, if the allow-list is set and `ip` is
  // outside it. An empty address is not checked (as the fork).
  bool NamedSourceDisallowed(const IpAddress& ip, std::string_view what);

  // Our own record (null before Start and if our alive was refused).
  NodeRecord* Self() { return table.Find(config.name); }
  const NodeRecord* Self() const { return table.Find(config.name); }
  bool IsSelf(std::string_view name) const { return name == config.name; }
  // One alive member other than us, at random (Go's push/pull peer), or
  // null if there is none.
  NodeRecord* RandomAlivePeer();

  // The public view of a record: the record plus its fork weight.
  Node ToNode(const NodeRecord& r) const;

  // This node's version vector [PMin, PMax, PCur, DMin, DMax, DCur].
  VersionVector OwnVsn() const;

  // Timer bookkeeping and our own record agree with the lifecycle flags.
  void CheckInvariants() const;

 private:
  // Every pending timer we own, cancelled at Shutdown. Ordered, so the
  // cancels happen in a deterministic order. A b-tree rather than std::set:
  // one insert and one erase per timer, the most frequent events of an idle
  // node (a std::set node allocation and rebalance each: 4.7 % of an idle
  // 200-member net::Runtime's CPU).
  absl::btree_set<TimerId> timers_;
};

}  // namespace swim::internal

#endif  // SWIM_CORE_INTERNAL_NODE_CONTEXT_H_
