// StateRules: how one node's view of the others changes (Go's state.go;
// protocol.md §6.5-6.8, §6.10).
//
// alive, suspect and dead messages (from packets, push/pull merges and our
// own probes) go through AliveNode / SuspectNode / DeadNode, which apply
// memberlist's rules: incarnation numbers order the claims, a suspicion
// runs a Lifeguard timer (Suspicion) that confirmations shorten, and a
// claim about ourselves is refuted with a higher incarnation. The rules
// own our incarnation number and the running suspicions.
#ifndef SWIM_CORE_INTERNAL_STATE_RULES_H_
#define SWIM_CORE_INTERNAL_STATE_RULES_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/check.h"
#include "core/internal/node_context.h"
#include "core/internal/planted_bugs.h"
#include "core/reaped_names.h"
#include "core/suspicion.h"
#include "core/wire/messages.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace swim::internal {

class StateRules {
 public:
  explicit StateRules(NodeContext& ctx);
  StateRules(const StateRules&) = delete;
  StateRules& operator=(const StateRules&) = delete;

  // memberlist's aliveNode. `notify` runs when the re-broadcast of an
  // accepted alive is retired; `bootstrap` marks our own alive (Start,
  // UpdateNode), which is installed instead of refuted.
  void AliveNode(const wire::Alive& a, std::function<void()> notify,
                 bool bootstrap);
  void SuspectNode(const wire::Suspect& s);
  void DeadNode(const wire::Dead& d);
  // Our own departure: the dead-about-ourselves whose broadcast runs
  // `notify` when retired. REQUIRES: ctx.left, our record exists.
  void AnnounceLeave(std::function<void()> notify);

  // A push/pull from a peer: version check, MergeDelegate, then every entry.
  // `join` is the exchange's join flag as this side knows it: the remote's
  // for an inbound push/pull, our own for one we started (as Go does).
  absl::Status MergeRemoteState(const wire::PushPull& pp, bool join);

  // Our own alive at `incarnation` (the one place it is built).
  wire::Alive SelfAlive(uint32_t incarnation, const std::string& meta) const;
  // Delegate::NodeMeta, checked against limits::kMetaMaxSize.
  absl::StatusOr<std::string> ReadOwnMeta() const;

  uint32_t incarnation() const { return incarnation_; }
  uint32_t NextIncarnation() { return ++incarnation_; }

  // A member is being reaped: its suspicion ends, and anti-entropy may not
  // hand it back at the incarnation it died with (core/reaped_names.h).
  void OnReaped(const NodeRecord& r);
  // Config::unconfirmed_member_timeout: we heard from `name` first-hand.
  void Confirm(std::string_view name);
  size_t num_unconfirmed() const { return unconfirmed_.size(); }

  // Cancels every suspicion timer (Shutdown).
  void Clear() { suspicions_.clear(); }
  size_t num_suspicions() const { return suspicions_.size(); }

  // A suspicion runs exactly for each suspect member; our own record never
  // runs ahead of our incarnation counter.
  void CheckInvariants() const;

 private:
  // AliveNode, step by step (the numbers are the steps in the .cc).
  bool AliveAdmissible(const wire::Alive& a, const NodeRecord* known,
                       bool is_local);                                   // 1-3
  NodeRecord* AddNewNode(const wire::Alive& a);                          // 4
  bool AddressChangeAllowed(const NodeRecord& r, const wire::Alive& a);  // 5
  bool AliveIsStale(const NodeRecord& r, const wire::Alive& a, bool is_local,
                    bool updates_node) const;  // 6
  void AliveAboutSelf(NodeRecord* me, const wire::Alive& a,
                      const std::string& meta);  // 8
  void AcceptAlive(NodeRecord* r, const wire::Alive& a,
                   std::function<void()> notify, bool created, bool is_local,
                   const std::string& meta);  // 9
  void NotifyAliveEvents(const NodeRecord& r, NodeState old_state,
                         const std::string& old_meta);  // 10

  void Refute(NodeRecord* me, uint32_t accused_inc);
  // Config::refute_at_max_incarnation: Go's refute, wrapping at 2^32-1.
  void RefuteWrapping(NodeRecord* me, uint32_t accused_inc);
  // How many times the usual limit a refutation is retransmitted.
  int RefutationScale() const;
  // True (and counted) if `claimed` is implausibly far past the incarnation
  // we hold for `known` (limits::kMaxIncarnationJump); false if unknown.
  bool JumpsTooFar(const NodeRecord* known, uint32_t claimed);
  void StartSuspicion(NodeRecord* r, const wire::Suspect& s);
  void OnSuspicionTimeout(const std::string& name, Instant change_time, int k,
                          int confirmations);
  absl::Status VerifyProtocol(
      const std::vector<wire::PushNodeState>& remote) const;
  absl::Status AskMergeDelegate(const wire::PushPull& pp);
  void MergeState(const std::vector<wire::PushNodeState>& remote, bool join);
  // A member we reaped, handed back alive by anti-entropy at the incarnation
  // it died with: back in the table as dead (core/reaped_names.h).
  void ReAddAsDead(const wire::PushNodeState& r);

  // Config::unconfirmed_member_timeout: remember a member learned
  // second-hand; mark those never confirmed dead when their time is up.
  void WatchUnconfirmed(const std::string& name);
  void ExpireUnconfirmed();

  bool Bug(PlantedBug b) const;
  void NotifySuspect(const NodeRecord& r);

  NodeContext& ctx_;
  uint32_t incarnation_ = 0;
  // The broadcast waiter of our own departure, while AnnounceLeave runs.
  std::function<void()> leave_notify_;
  // Keyed by the record's name (the view lives as long as the record: a
  // record is reaped only when dead, and death ends its suspicion).
  absl::flat_hash_map<std::string_view, std::unique_ptr<Suspicion>> suspicions_;
  // Members reaped lately, not re-added by anti-entropy (issue 14 item 6).
  ReapedNames reaped_;
  // Unconfirmed members (only with unconfirmed_member_timeout > 0): name ->
  // deadline (lookup only), and the same in deadline order.
  absl::flat_hash_map<std::string, Instant> unconfirmed_;
  std::deque<std::pair<Instant, std::string>> unconfirmed_order_;
  bool unconfirmed_armed_ = false;
  // AcceptAlive encodes each accepted alive here, for the broadcast queue
  // to intern a copy of: a mass join accepts N alives on each of N nodes.
  // Free again once QueueBroadcast has returned (a Finished callback that
  // re-enters AcceptAlive runs after the copy is made).
  Bytes alive_scratch_;
};

}  // namespace swim::internal

#endif  // SWIM_CORE_INTERNAL_STATE_RULES_H_
