#include "core/internal/state_rules.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/check.h"
#include "core/cover.h"
#include "core/internal/messenger.h"
#include "core/limits.h"
#include "core/metric_names.h"
#include "core/status_macros.h"
#include "core/util.h"

#include "absl/strings/str_cat.h"

namespace swim::internal {

namespace {

Node PeerFromAlive(const wire::Alive& a) {
  // Only called after AliveAdmissible's vsn and meta checks (step 3).
  SWIM_DCHECK(a.vsn.has_value());
  SWIM_DCHECK(!a.meta.has_value() || a.meta->size() <= limits::kMetaMaxSize);
  Node peer;
  peer.name = a.node;
  peer.addr = a.addr;
  peer.port = a.port;
  peer.meta = a.meta.value_or("");
  if (a.vsn.has_value()) peer.vsn = *a.vsn;
  SWIM_DCHECK(peer.meta.size() <= limits::kMetaMaxSize);
  peer.incarnation = a.incarnation;
  return peer;
}

}  // namespace

StateRules::StateRules(NodeContext& ctx)
    : ctx_(ctx), reaped_(ctx.config.max_members) {}

bool StateRules::Bug(PlantedBug b) const {
  SWIM_DCHECK(b != kBugNone);
  SWIM_DCHECK((b & (b - 1)) == 0);  // one bug per question
#if defined(SWIM_PLANTED_BUGS) && SWIM_PLANTED_BUGS
  return (ctx_.config.planted_bugs & b) != 0;
#else
  (void)b;
  return false;
#endif
}

void StateRules::NotifySuspect(const NodeRecord& r) {
  // We never suspect ourselves (a claim about us is refuted instead).
  SWIM_DCHECK(!ctx_.IsSelf(r.node.name()));
  SWIM_DCHECK(DeadOrLeft(r.node.state) || r.node.state == NodeState::kSuspect);
  if (ctx_.config.events != nullptr) {
    ctx_.config.events->NotifySuspectSateChange(ctx_.ToNode(r));
  }
}

// ---------------------------------------------------------------------------
// Our own alive
// ---------------------------------------------------------------------------

wire::Alive StateRules::SelfAlive(uint32_t incarnation,
                                  const std::string& meta) const {
  // Our own alives carry an incarnation our counter has handed out (Go's
  // wrapping refute, refute_at_max_incarnation, can hand out 0).
  SWIM_DCHECK(incarnation >= 1 || ctx_.config.refute_at_max_incarnation);
  SWIM_DCHECK(incarnation <= incarnation_);
  SWIM_DCHECK(!ctx_.config.name.empty());
  SWIM_DCHECK(meta.size() <= limits::kMetaMaxSize);
  wire::Alive a;
  a.incarnation = incarnation;
  a.node = ctx_.config.name;
  a.addr = ctx_.advertise.ip;
  a.port = ctx_.advertise.port;
  if (!meta.empty()) a.meta = meta;
  SWIM_DCHECK(a.port != 0 && !a.addr.empty());
  a.vsn = ctx_.OwnVsn();
  return a;
}

absl::StatusOr<std::string> StateRules::ReadOwnMeta() const {
  SWIM_DCHECK(!ctx_.shutdown);
  if (ctx_.config.delegate == nullptr) return std::string();
  std::string meta = ctx_.config.delegate->NodeMeta(limits::kMetaMaxSize);
  if (meta.size() > limits::kMetaMaxSize) {
    return absl::InvalidArgumentError(absl::StrCat("node meta is ", meta.size(),
                                                   " bytes; the limit is ",
                                                   limits::kMetaMaxSize));
  }
  SWIM_DCHECK(meta.size() <= limits::kMetaMaxSize);
  return meta;
}

// ---------------------------------------------------------------------------
// Alive (§6.5)
// ---------------------------------------------------------------------------

void StateRules::AliveNode(const wire::Alive& a, std::function<void()> notify,
                           bool bootstrap) {
  const bool is_local = ctx_.IsSelf(a.node);
  // Only our own alives (Start, UpdateNode) are bootstrap alives.
  SWIM_DCHECK(!bootstrap || is_local);
  SWIM_DCHECK(!bootstrap || a.incarnation <= incarnation_);
  NodeRecord* state = ctx_.table.Find(a.node);
  if (!AliveAdmissible(a, state, is_local)) return;  // steps 1-3

  bool updates_node = false;
  bool created = false;
  if (state == nullptr) {
    state = AddNewNode(a);  // step 4
    SWIM_DCHECK(state == nullptr || state->node.state == NodeState::kDead);
    if (state == nullptr) return;
    created = true;
  } else if (!(state->node.addr() == a.addr) || state->node.port() != a.port) {
    if (!AddressChangeAllowed(*state, a)) return;  // step 5
    updates_node = true;
  }
  if (AliveIsStale(*state, a, is_local, updates_node)) return;  // step 6
  SWIM_DCHECK(state->node.name() == a.node);
  SWIM_DCHECK(!(created && updates_node));

  // 7. An accepted alive ends any suspicion.
  if (!suspicions_.empty()) {
    suspicions_.erase(std::string_view(state->node.name()));
  }

  SWIM_DCHECK(!suspicions_.contains(std::string_view(state->node.name())));
  const NodeState old_state = state->node.state;
  const std::string old_meta(state->node.meta());
  const std::string meta = a.meta.value_or("");
  if (!bootstrap && is_local) {
    AliveAboutSelf(state, a, meta);  // step 8
  } else {
    AcceptAlive(state, a, std::move(notify), created, is_local,
                meta);  // step 9
  }
  // Whatever the step, a node other than us is alive now.
  SWIM_DCHECK(is_local || state->node.state == NodeState::kAlive);
  SWIM_DCHECK(state == ctx_.table.Find(a.node));
  ctx_.metrics.Incr(metric::kMsgAlive);
  NotifyAliveEvents(*state, old_state, old_meta);  // step 10
}

bool StateRules::AliveAdmissible(const wire::Alive& a, const NodeRecord* known,
                                 bool is_local) {
  SWIM_DCHECK(is_local == ctx_.IsSelf(a.node));
  SWIM_DCHECK(known == nullptr || known->node.name() == a.node);
  // 1. After Leave we ignore alives about ourselves.
  if (ctx_.left && is_local) return false;
  if (JumpsTooFar(known, a.incarnation)) return false;  // issue 14 item 5

  // 2. Protocol versions must be sane.
  if (a.vsn.has_value()) {
    const VersionVector& v = *a.vsn;
    if (v[0] == 0 || v[1] == 0 || v[0] > v[1]) {
      ctx_.metrics.Incr(metric::kDroppedAliveBadVsn);
      ctx_.Log(LogLevel::kWarn, absl::StrCat("ignoring alive for '", a.node,
                                             "': protocol versions are wrong"));
      return false;
    }
  }

  // 2b. Meta is bounded on every path that reaches here (alive packets,
  //     push/pull entries, joins). Go's own nodes never send more than
  //     MetaMaxSize (its setAlive refuses it), so nothing honest is lost.
  //     The decoders pass an over-limit meta over without copying it and
  //     give its length instead (Alive::meta_dropped).
  const size_t meta_size =
      a.meta_dropped > 0 ? a.meta_dropped : (a.meta ? a.meta->size() : 0);
  if (meta_size > limits::kMetaMaxSize) {
    ctx_.metrics.Incr(metric::kMalformedAliveMeta);
    ctx_.Log(
        LogLevel::kWarn,
        absl::StrCat("ignoring alive for '", a.node, "': meta is ", meta_size,
                     " bytes, over the ", limits::kMetaMaxSize, "-byte limit"));
    return false;
  }

  SWIM_DCHECK(!a.meta.has_value() || a.meta->size() <= limits::kMetaMaxSize);
  // 3. The AliveDelegate may veto (and needs the version vector).
  if (ctx_.config.alive != nullptr) {
    if (!a.vsn.has_value()) {
      ctx_.metrics.Incr(metric::kDroppedAliveNoVsn);
      return false;
    }
    absl::Status veto = ctx_.config.alive->NotifyAlive(PeerFromAlive(a));
    if (!veto.ok()) {
      ctx_.metrics.Incr(metric::kDroppedAliveVetoed);
      ctx_.Log(LogLevel::kWarn,
               absl::StrCat("ignoring alive for '", a.node,
                            "': ", std::string(veto.message())));
      return false;
    }
  }
  // What the later steps rely on: sane versions and bounded meta.
  SWIM_DCHECK(!a.vsn.has_value() ||
              ((*a.vsn)[0] != 0 && (*a.vsn)[0] <= (*a.vsn)[1]));
  SWIM_DCHECK(ctx_.config.alive == nullptr || a.vsn.has_value());
  return true;
}

NodeRecord* StateRules::AddNewNode(const wire::Alive& a) {
  SWIM_DCHECK(ctx_.table.Find(a.node) == nullptr);
  SWIM_DCHECK(ctx_.table.size() <= ctx_.config.max_members);
  // 4. A new node: checked against the allow-list, added as a Dead stub so
  //    the update below fires NotifyJoin.
  if (absl::Status s = ctx_.config.IPAllowed(a.addr); !s.ok()) {
    ctx_.metrics.Incr(metric::kDroppedCidr);
    ctx_.Log(LogLevel::kWarn, absl::StrCat("rejected node ", a.node, ": ",
                                           std::string(s.message())));
    return nullptr;
  }
  if (a.node.empty() || a.node.size() > limits::kMaxNodeNameLength) {
    ctx_.metrics.Incr(metric::kMalformedAliveName);
    return nullptr;
  }
  if (ctx_.table.size() >= ctx_.config.max_members) {  // issue 14 item 6
    ctx_.metrics.Incr(metric::kDroppedTableFull);
    ctx_.Log(LogLevel::kDebug,
             absl::StrCat("member table full, not adding ", a.node,
                          " (memberlist.dropped.table_full)"));
    return nullptr;
  }
  NodeRecord* r =
      ctx_.table.Insert(a.node, a.addr, a.port, a.meta.value_or(""), a.vsn);
  SWIM_DCHECK(r != nullptr && ctx_.table.Find(a.node) == r);
  SWIM_DCHECK(ctx_.table.size() <= ctx_.config.max_members);
  // Go's new nodeState leaves StateChange at the zero time
  // (state.go:978-986). If this alive is stale (incarnation 0) the stub
  // stays so: never gossiped to, reaped at the next wrap, its name
  // reclaimable at once. An accepted alive stamps it below.
  r->state_change = NodeRecord::kNeverChanged;
  SWIM_DCHECK(r->node.state == NodeState::kDead && r->node.incarnation == 0);
  if (ctx_.config.unconfirmed_member_timeout > absl::ZeroDuration() &&
      !ctx_.IsSelf(a.node)) {
    WatchUnconfirmed(a.node);
  }
  return r;
}

// ---------------------------------------------------------------------------
// Unconfirmed members (Config::unconfirmed_member_timeout)
// ---------------------------------------------------------------------------

void StateRules::WatchUnconfirmed(const std::string& name) {
  SWIM_DCHECK(ctx_.config.unconfirmed_member_timeout > absl::ZeroDuration());
  const Instant deadline =
      ctx_.env->Now() + ctx_.config.unconfirmed_member_timeout;
  unconfirmed_[name] = deadline;
  unconfirmed_order_.emplace_back(deadline, name);
  if (!unconfirmed_armed_) {
    unconfirmed_armed_ = true;
    ctx_.After(ctx_.config.unconfirmed_member_timeout, "unconfirmed",
               [this] { ExpireUnconfirmed(); });
  }
}

void StateRules::Confirm(std::string_view name) {
  if (unconfirmed_.empty()) return;
  if (auto it = unconfirmed_.find(absl::string_view(name.data(), name.size()));
      it != unconfirmed_.end()) {
    unconfirmed_.erase(it);
  }
}

void StateRules::ExpireUnconfirmed() {
  unconfirmed_armed_ = false;
  const Instant now = ctx_.env->Now();
  while (!unconfirmed_order_.empty() &&
         unconfirmed_order_.front().first <= now) {
    auto [deadline, name] = std::move(unconfirmed_order_.front());
    unconfirmed_order_.pop_front();
    auto it = unconfirmed_.find(name);
    if (it == unconfirmed_.end() || it->second != deadline) continue;
    unconfirmed_.erase(it);
    NodeRecord* r = ctx_.table.Find(name);
    if (r == nullptr || DeadOrLeft(r->node.state)) continue;
    // Never heard from: dead here only (no broadcast, nobody else is
    // told), so the usual reaping removes it.
    suspicions_.erase(std::string_view(r->node.name()));
    ctx_.table.SetState(r, NodeState::kDead);
    r->state_change = now;
    ctx_.metrics.Incr(metric::kDroppedUnconfirmed);
    if (ctx_.config.events != nullptr) {
      ctx_.config.events->NotifyLeave(ctx_.ToNode(*r));
    }
  }
  if (!unconfirmed_order_.empty()) {
    unconfirmed_armed_ = true;
    ctx_.After(unconfirmed_order_.front().first - now, "unconfirmed",
               [this] { ExpireUnconfirmed(); });
  }
  SWIM_DCHECK(unconfirmed_armed_ == !unconfirmed_order_.empty());
  SWIM_DCHECK(unconfirmed_.size() <= unconfirmed_order_.size());
}

bool StateRules::AddressChangeAllowed(const NodeRecord& r,
                                      const wire::Alive& a) {
  SWIM_DCHECK(r.node.name() == a.node);
  SWIM_DCHECK(!(r.node.addr() == a.addr) || r.node.port() != a.port);
  // 5. Same name, different address: a reclaim of a left (or long dead)
  //    name, or a conflict.
  if (absl::Status s = ctx_.config.IPAllowed(a.addr); !s.ok()) {
    ctx_.metrics.Incr(metric::kDroppedCidr);
    return false;
  }
  const Config& c = ctx_.config;
  const bool can_reclaim =
      c.dead_node_reclaim_time > absl::ZeroDuration() &&
      r.SinceChange(ctx_.env->Now()) > c.dead_node_reclaim_time;
  const Address theirs{a.addr, a.port, ""};
  if (r.node.state == NodeState::kLeft ||
      (r.node.state == NodeState::kDead && can_reclaim)) {
    SWIM_COVER_IF(r.node.state == NodeState::kDead, "reclaim_dead_name");
    SWIM_COVER_IF(r.node.state == NodeState::kLeft, "reclaim_left_name");
    ctx_.Log(LogLevel::kInfo,
             absl::StrCat("updating address for left or failed node ", a.node,
                          " to ", theirs.ToString()));
    return true;
  }
  ctx_.metrics.Incr(metric::kConflict);
  SWIM_COVER("address_conflict");
  ctx_.Log(
      LogLevel::kError,
      absl::StrCat("conflicting address for ", a.node, ". Mine: ",
                   r.node.address().ToString(), " Theirs: ", theirs.ToString(),
                   " Old state: ", std::string(NodeStateName(r.node.state))));
  if (c.conflict != nullptr) {
    Node other;
    other.name = a.node;
    other.addr = a.addr;
    other.port = a.port;
    other.meta = a.meta.value_or("");
    c.conflict->NotifyConflict(ctx_.ToNode(r), other);
  }
  return false;
}

bool StateRules::AliveIsStale(const NodeRecord& r, const wire::Alive& a,
                              bool is_local, bool updates_node) const {
  SWIM_DCHECK(r.node.name() == a.node);
  SWIM_DCHECK(is_local == ctx_.IsSelf(r.node.name()));
  // 6. Incarnation checks.
  if (!is_local && !updates_node) {
    return Bug(kBugAcceptStaleAlive) ? a.incarnation < r.node.incarnation
                                     : a.incarnation <= r.node.incarnation;
  }
  return is_local && a.incarnation < r.node.incarnation;
}

void StateRules::AliveAboutSelf(NodeRecord* me, const wire::Alive& a,
                                const std::string& meta) {
  // 8. About ourselves: refute unless it is exactly what we said.
  SWIM_DCHECK(ctx_.IsSelf(me->node.name()));
  SWIM_DCHECK(!ctx_.left);  // step 1 drops alives about us after Leave
  SWIM_DCHECK(me == ctx_.Self() && me->node.name() == a.node);
  const VersionVector mine = me->node.vsn();
  if (a.incarnation == me->node.incarnation && meta == me->node.meta() &&
      a.vsn.has_value() && *a.vsn == mine) {
    return;
  }
  SWIM_COVER("refute_alive");
  if (!Bug(kBugIgnoreRefute)) Refute(me, a.incarnation);
  ctx_.Log(LogLevel::kWarn,
           absl::StrCat("refuting an alive message for '", a.node, "'"));
}

void StateRules::AcceptAlive(NodeRecord* r, const wire::Alive& a,
                             std::function<void()> notify, bool created,
                             bool is_local, const std::string& meta) {
  // 9. Accept: re-broadcast and update the record.
  SWIM_DCHECK(r->node.name() == a.node);
  SWIM_DCHECK(meta.size() <= limits::kMetaMaxSize);
  SWIM_DCHECK(!is_local || a.incarnation >= r->node.incarnation);
  SWIM_DCHECK(!suspicions_.contains(std::string_view(r->node.name())));
  alive_scratch_.clear();
  wire::Encode(a, ctx_.config.address_mode, &alive_scratch_);
  // An alive that clears a suspicion or a death of a node we already knew
  // is a refutation: spread it harder (RefutationScale()).
  const bool refutes = !created && (r->node.state == NodeState::kSuspect ||
                                    r->node.state == NodeState::kDead);
  SWIM_COVER_IF(refutes && r->node.state == NodeState::kSuspect,
                "alive_clears_suspicion");
  SWIM_COVER_IF(refutes && r->node.state == NodeState::kDead,
                "alive_revives_dead");
  ctx_.messenger->QueueBroadcast(a.node, alive_scratch_, std::move(notify),
                                 refutes ? RefutationScale() : 1);
  r->node.incarnation = a.incarnation;
  if (is_local) {
    SWIM_CHECK(a.incarnation <= incarnation_);
  }
  // A record created for this alive (AddNewNode) already holds its
  // address, port, meta and versions.
  if (!created) ctx_.table.SetAttrs(r, a.addr, a.port, meta, a.vsn);
  SWIM_DCHECK(r->node.port() == a.port && r->node.meta() == meta);
  if (r->node.state != NodeState::kAlive) {
    ctx_.table.SetState(r, NodeState::kAlive);
    r->state_change = ctx_.env->Now();
  }
  SWIM_DCHECK(r->node.state == NodeState::kAlive &&
              r->node.incarnation == a.incarnation);
}

void StateRules::NotifyAliveEvents(const NodeRecord& r, NodeState old_state,
                                   const std::string& old_meta) {
  // 10. Events. The fork adds suspect -> alive as its own event, which then
  //     replaces NotifyUpdate.
  SWIM_DCHECK(old_state <= NodeState::kLeft &&
              r.node.state <= NodeState::kLeft);
  SWIM_DCHECK(ctx_.IsSelf(r.node.name()) || r.node.state == NodeState::kAlive);
  EventDelegate* events = ctx_.config.events;
  if (events == nullptr) return;
  if (old_state == NodeState::kDead || old_state == NodeState::kLeft) {
    events->NotifyJoin(ctx_.ToNode(r));
  } else if (old_state == NodeState::kSuspect &&
             r.node.state == NodeState::kAlive) {
    events->NotifySuspectSateChange(ctx_.ToNode(r));
  } else if (old_meta != r.node.meta()) {
    events->NotifyUpdate(ctx_.ToNode(r));
  }
}

// ---------------------------------------------------------------------------
// Refutation (§6.7)
// ---------------------------------------------------------------------------

void StateRules::Refute(NodeRecord* me, uint32_t accused_inc) {
  SWIM_DCHECK(ctx_.IsSelf(me->node.name()) && !ctx_.left);
  SWIM_DCHECK(me == ctx_.Self());
  SWIM_DCHECK(me->node.incarnation <= incarnation_);
  // An accusation at (or our own incarnation already at) 2^32-1 cannot be
  // outbid: the next incarnation would wrap to 0 and lose everywhere (Go
  // wraps and broadcasts that losing alive). Count it and keep our state;
  // one hostile packet must not be able to trip the check below.
  const bool exhausted = accused_inc == std::numeric_limits<uint32_t>::max() ||
                         incarnation_ == std::numeric_limits<uint32_t>::max();
  if (exhausted && ctx_.config.refute_at_max_incarnation) {
    RefuteWrapping(me, accused_inc);
    return;
  }
  if (exhausted) {
    ctx_.metrics.Incr(metric::kRefuteExhausted);
    ctx_.Log(
        LogLevel::kError,
        "cannot refute: incarnation space exhausted (accused at 4294967295)");
    return;
  }
  uint32_t inc = NextIncarnation();
  if (accused_inc >= inc) {
    incarnation_ = accused_inc + 1;
    SWIM_COVER("refute_stale_incarnation");
    inc = incarnation_;
  }
  SWIM_CHECK(inc > me->node.incarnation);  // our incarnation only grows
  SWIM_CHECK(inc > accused_inc);           // and outbids the accusation
  SWIM_CHECK(inc == incarnation_);         // the counter is the source
  me->node.incarnation = inc;
  ctx_.awareness.ApplyDelta(1);
  SWIM_DCHECK(ctx_.awareness.GetHealthScore() <
              ctx_.config.awareness_max_multiplier);
  ctx_.metrics.Incr(metric::kRefute);

  // Our record always holds our own version vector (only bootstrap alives
  // install it), so the alive built from scratch is the one Go rebuilds.
  SWIM_DCHECK(me->node.vsn() == ctx_.OwnVsn());
  Bytes msg;
  wire::Encode(SelfAlive(inc, std::string(me->node.meta())),
               ctx_.config.address_mode, &msg);
  // Go keys the refutation by me.Addr.String(), the bare IP (state.go:912),
  // not by our name: it replaces a queued broadcast about us only when we
  // are named after our IP (as Go's own tests name nodes).
  ctx_.messenger->QueueBroadcast(me->node.addr().ToString(), msg, nullptr,
                                 RefutationScale());
}

int StateRules::RefutationScale() const {
  // Config::refutation_transmit_scale: with bounded retransmits a node can
  // miss every copy of a refutation and then declare a live node dead when
  // its suspicion timer runs out; the simulator's pause-storm sweep showed
  // it in 1.5% of runs with x1 (Go's). Refutations are rare, so the extra
  // bytes are few. Wire-compatible: only how often we resend changes.
  SWIM_DCHECK(ctx_.config.refutation_transmit_scale >= 1);
  return ctx_.config.refutation_transmit_scale;
}

void StateRules::RefuteWrapping(NodeRecord* me, uint32_t accused_inc) {
  // Go's refute (state.go): nextIncarnation, then skipIncarnation past the
  // accusation, in uint32 arithmetic that wraps. The alive it broadcasts
  // carries a low incarnation and loses everywhere.
  SWIM_DCHECK(ctx_.IsSelf(me->node.name()) &&
              ctx_.config.refute_at_max_incarnation);
  uint32_t inc = ++incarnation_;  // may wrap to 0
  if (accused_inc >= inc) {
    incarnation_ += accused_inc - inc + 1;
    inc = incarnation_;
  }
  me->node.incarnation = inc;
  ctx_.awareness.ApplyDelta(1);
  ctx_.metrics.Incr(metric::kRefute);
  ctx_.metrics.Incr(metric::kRefuteExhausted);
  Bytes msg;
  wire::Encode(SelfAlive(inc, std::string(me->node.meta())),
               ctx_.config.address_mode, &msg);
  ctx_.messenger->QueueBroadcast(me->node.addr().ToString(), msg, nullptr,
                                 RefutationScale());
}

bool StateRules::JumpsTooFar(const NodeRecord* known, uint32_t claimed) {
  SWIM_DCHECK(known == nullptr || !known->node.name().empty());
  if (!ctx_.config.drop_implausible_incarnations || known == nullptr ||
      !limits::ImplausibleIncarnationJump(known->node.incarnation, claimed)) {
    return false;
  }
  SWIM_DCHECK(claimed > known->node.incarnation);
  SWIM_DCHECK(claimed - known->node.incarnation > limits::kMaxIncarnationJump);
  ctx_.metrics.Incr(metric::kDroppedIncarnationJump);
  ctx_.Log(
      LogLevel::kWarn,
      absl::StrCat("dropping a claim about ", std::string(known->node.name()),
                   " at incarnation ", claimed, ", implausibly far past the ",
                   known->node.incarnation,
                   " we hold (memberlist.dropped.incarnation_jump)"));
  return true;
}

// ---------------------------------------------------------------------------
// Suspect and dead (§6.6)
// ---------------------------------------------------------------------------

void StateRules::SuspectNode(const wire::Suspect& s) {
  NodeRecord* state = ctx_.table.Find(s.node);
  if (state == nullptr) return;
  if (JumpsTooFar(state, s.incarnation)) return;  // issue 14 item 5
  if (s.incarnation < state->node.incarnation) return;
  SWIM_DCHECK(state->node.name() == s.node);

  if (auto it = suspicions_.find(std::string_view(state->node.name()));
      it != suspicions_.end()) {
    SWIM_DCHECK(state->node.state == NodeState::kSuspect);
    if (it->second->Confirm(s.from)) {
      SWIM_COVER_IF(
          ctx_.table.Find(s.from) != nullptr &&
              ctx_.table.Find(s.from)->node.state == NodeState::kSuspect,
          "suspicion_confirmed_by_suspect");
      SWIM_COVER("suspicion_confirmed");
      Bytes msg;
      wire::Encode(s, &msg);
      ctx_.messenger->QueueBroadcast(s.node, msg, nullptr);
    }
    return;
  }

  if (state->node.state != NodeState::kAlive) return;

  if (ctx_.IsSelf(state->node.name())) {
    if (Bug(kBugIgnoreRefute)) return;
    SWIM_COVER("refute_suspect");
    Refute(state, s.incarnation);
    ctx_.Log(LogLevel::kWarn,
             absl::StrCat("refuting a suspect message (from: ", s.from, ")"));
    return;
  }
  SWIM_DCHECK(!suspicions_.contains(std::string_view(state->node.name())));
  StartSuspicion(state, s);
}

void StateRules::StartSuspicion(NodeRecord* state, const wire::Suspect& s) {
  SWIM_DCHECK(state->node.state == NodeState::kAlive);
  SWIM_DCHECK(!ctx_.IsSelf(state->node.name()));
  SWIM_DCHECK(!suspicions_.contains(std::string_view(state->node.name())));
  SWIM_DCHECK(s.incarnation >= state->node.incarnation);
  {
    Bytes msg;
    wire::Encode(s, &msg);
    ctx_.messenger->QueueBroadcast(s.node, msg, nullptr);
  }
  ctx_.metrics.Incr(metric::kMsgSuspect);

  state->node.incarnation = s.incarnation;
  ctx_.table.SetState(state, NodeState::kSuspect);
  const Instant change_time = ctx_.env->Now();
  state->state_change = change_time;

  const Config& c = ctx_.config;
  const int n = static_cast<int>(ctx_.table.size());
  int k = c.suspicion_mult - 2;
  if (n - 2 < k) k = 0;
  const absl::Duration min =
      SuspicionTimeout(c.suspicion_mult, n, c.probe_interval);
  const absl::Duration max = c.suspicion_max_timeout_mult * min;
  // k < 0 (suspicion_mult 1) is allowed: Suspicion then starts at min.
  SWIM_DCHECK(n >= 1 && k <= c.suspicion_mult - 2 && k >= -1);
  SWIM_DCHECK(min <= max);

  if (Bug(kBugSkipSuspicion)) {
    NotifySuspect(*state);
    DeadNode(wire::Dead{state->node.incarnation,
                        std::string(state->node.name()), c.name});
    return;
  }

  const std::string name(state->node.name());
  std::string_view key(state->node.name());
  SWIM_DCHECK(!suspicions_.contains(key));
  suspicions_[key] = std::make_unique<Suspicion>(
      ctx_.env, s.from, k, min, max,
      [this, name, change_time, k](int confirmations) {
        OnSuspicionTimeout(name, change_time, k, confirmations);
      });
  // Every suspect has its suspicion timer.
  SWIM_DCHECK(suspicions_.contains(key));
  SWIM_DCHECK(state->node.state == NodeState::kSuspect);
  NotifySuspect(*state);
}

void StateRules::OnSuspicionTimeout(const std::string& name,
                                    Instant change_time, int k,
                                    int confirmations) {
  SWIM_DCHECK(k >= -1 && confirmations >= 0);
  if (ctx_.shutdown) return;
  NodeRecord* state = ctx_.table.Find(name);
  if (state == nullptr || state->node.state != NodeState::kSuspect ||
      state->state_change != change_time) {
    return;
  }
  // The timer that fired belongs to the suspicion still running for it.
  SWIM_DCHECK(suspicions_.contains(std::string_view(state->node.name())));
  SWIM_DCHECK(!ctx_.IsSelf(name));
  if (k > 0 && confirmations < k) ctx_.metrics.Incr(metric::kDegradedTimeout);
  SWIM_COVER_IF(k > 0 && confirmations >= k, "suspicion_timeout_accelerated");
  SWIM_COVER("suspicion_timeout_dead");
  ctx_.Log(
      LogLevel::kInfo,
      absl::StrCat("marking ", name, " as failed, suspect timeout reached (",
                   confirmations, " peer confirmations)"));
  DeadNode(wire::Dead{state->node.incarnation, std::string(state->node.name()),
                      ctx_.config.name});
  SWIM_DCHECK(DeadOrLeft(state->node.state));
  if (ctx_.check_invariants) ctx_.check_invariants();
}

void StateRules::DeadNode(const wire::Dead& d) {
  NodeRecord* state = ctx_.table.Find(d.node);
  if (state == nullptr) return;
  if (JumpsTooFar(state, d.incarnation)) return;  // issue 14 item 5
  if (d.incarnation < state->node.incarnation) return;
  SWIM_DCHECK(state->node.name() == d.node);

  // The suspicion ends whatever happens next. Erasing destroys the timer; if
  // we are inside its callback, Suspicion tolerates that (it copies what it
  // needs before calling us).
  suspicions_.erase(std::string_view(state->node.name()));

  SWIM_DCHECK(!suspicions_.contains(std::string_view(state->node.name())));
  if (DeadOrLeft(state->node.state)) return;

  std::function<void()> notify;
  if (ctx_.IsSelf(state->node.name())) {
    if (!ctx_.left) {
      if (Bug(kBugIgnoreRefute)) return;
      SWIM_COVER("refute_dead");
      Refute(state, d.incarnation);
      ctx_.Log(LogLevel::kWarn,
               absl::StrCat("refuting a dead message (from: ", d.from, ")"));
      return;
    }
    notify = std::move(leave_notify_);
    leave_notify_ = nullptr;
  }
  Bytes msg;
  wire::Encode(d, &msg);
  ctx_.messenger->QueueBroadcast(d.node, msg, std::move(notify));
  // Only our own departure declares us dead; otherwise we refuted above.
  SWIM_DCHECK(!ctx_.IsSelf(state->node.name()) || ctx_.left);

  ctx_.metrics.Incr(metric::kMsgDead);
  SWIM_COVER_IF(d.node == d.from && !ctx_.IsSelf(d.node), "leave_accepted");
  state->node.incarnation = d.incarnation;
  ctx_.table.SetState(state,
                      d.node == d.from ? NodeState::kLeft : NodeState::kDead);
  SWIM_DCHECK(DeadOrLeft(state->node.state));
  SWIM_DCHECK(state->node.incarnation == d.incarnation);
  state->state_change = ctx_.env->Now();
  if (ctx_.config.events != nullptr)
    ctx_.config.events->NotifyLeave(ctx_.ToNode(*state));
}

void StateRules::AnnounceLeave(std::function<void()> notify) {
  SWIM_DCHECK(ctx_.left);
  const NodeRecord* me = ctx_.Self();
  SWIM_CHECK(me != nullptr);
  SWIM_DCHECK(leave_notify_ == nullptr);
  SWIM_DCHECK(me->node.incarnation <= incarnation_);
  const wire::Dead d{me->node.incarnation, std::string(me->node.name()),
                     std::string(me->node.name())};
  leave_notify_ = std::move(notify);
  DeadNode(d);
  SWIM_DCHECK(DeadOrLeft(me->node.state));
  leave_notify_ = nullptr;
}

void StateRules::CheckInvariants() const {
  SWIM_DCHECK(suspicions_.size() <= ctx_.table.size());
  SWIM_DCHECK(leave_notify_ == nullptr);  // set only inside AnnounceLeave
  if (const NodeRecord* me = ctx_.Self(); me != nullptr) {
    // Our own incarnation in the table never runs ahead of our counter.
    SWIM_CHECK(me->node.incarnation <= incarnation_);
    SWIM_DCHECK(!suspicions_.contains(std::string_view(me->node.name())));
    SWIM_DCHECK(me->node.state != NodeState::kSuspect);
  }
#if SWIM_SIM_ASSERTS_ENABLED
  for (const NodeRecord* r : ctx_.table.order()) {
    if (r->node.state != NodeState::kSuspect) {
      SWIM_SIM_ASSERT(!suspicions_.contains(std::string_view(r->node.name())));
    }
  }
  for (const auto& [name, s] : suspicions_) {
    const NodeRecord* r = ctx_.table.Find(name);
    SWIM_SIM_ASSERT(r != nullptr && r->node.state == NodeState::kSuspect);
    SWIM_SIM_ASSERT(name.data() ==
                    r->node.name().data());  // the view is the record's
  }
#endif
}

}  // namespace swim::internal
