// The SWIM + Lifeguard state machine.
//
// HOW A NODE WORKS (memberlist 0.2.2 semantics, event-driven)
//
// Failure detection. Every ProbeInterval the node probes one member, walking
// its table round-robin; at each wrap it reaps long-dead entries and
// reshuffles the order (so every member is probed once per round, in an
// order nobody can predict). A probe sends a ping and waits ProbeTimeout for
// an ack. Without one, it asks IndirectChecks random alive members to ping
// the target for it (they answer with an ack, or a nack if they got nothing:
// Lifeguard's way of telling "the target is dead" from "I am the slow one"),
// and in parallel tries a TCP ping. If nothing came back when the probe's
// deadline T passes, the target becomes Suspect.
//
// Lifeguard, part 1: local health awareness. A score in [0, M-1] rises when
// our probes fail without nacks (we may be the problem) and when we have to
// refute, falls on every successful probe. T = ProbeInterval x (score + 1):
// a node that suspects it is slow probes less often and waits longer, so it
// accuses others less.
//
// Lifeguard, part 2: suspicion with confirmations. A suspect is declared dead
// when its suspicion timer fires. The timer starts at max = SuspicionMaxTimeoutMult
// x min and shrinks towards min = SuspicionMult x log10(n) x ProbeInterval
// as independent members confirm the suspicion (k = SuspicionMult - 2 of
// them suffice), so a real failure is declared fast and a lone accuser,
// slowly.
//
// Lifeguard, part 3: the buddy system. A probe of a suspect node carries the
// suspicion with the ping, so the suspect learns it is suspected at once and
// can refute.
//
// Refutation. Each node owns its incarnation number. Hearing a suspicion or a
// death of itself at an incarnation >= its own, a live node bumps the
// incarnation past it and broadcasts alive; an alive at a higher incarnation
// overrides suspect and dead everywhere.
//
// Dissemination. State changes are queued as broadcasts and piggybacked on
// pings and acks, and every GossipInterval sent to GossipNodes random members
// (including the recently dead, who thus get a chance to refute). Each is
// sent RetransmitMult x ceil(log10(n+1)) times. Push/pull anti-entropy every
// PushPullInterval (scaled with n) exchanges whole tables over a stream.
//
// DEPARTURES FROM GO 0.2.2 (the wire and the rules above are unchanged)
//
// * No handoff queues. Go hands alive/suspect/dead/user messages to a worker
//   goroutine through two bounded LIFO queues; here every message is handled
//   at once, in arrival order, on the node's thread. Nothing is dropped for
//   queue overflow and the order is deterministic.
// * CIDR allow-list (CIDRsAllowed): as the fork's latest version, every
//   inbound packet and stream from a disallowed source is dropped (0.2.2
//   checked only alive messages), besides the alive/address checks Go does.
//   So a node outside the allowed networks can no longer join either.
// * Refutations are retransmitted 3x the usual limit (kRefutationTransmitScale),
//   so a node rarely misses every copy and declares a live node dead.
// * Join contacts all seeds concurrently instead of one after another.
// * After a successful Join, a joining node gossips its own alive
//   immediately (instead of waiting up to one GossipInterval), and runs one
//   more push/pull with its seed about one probe interval later
//   (Config::join_sync): this is what makes a mass join converge in about a
//   second instead of a minute.
// * Weight messages (fork) use their own queue and go only to peers known to
//   read them (Config::gossip_weights + delegate version), never to upstream
//   Go nodes, which would log and drop them.
#include "core/memberlist.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/check.h"
#include "core/limits.h"
#include "core/security/keyring.h"
#include "core/status_macros.h"
#include "core/strings.h"
#include "core/util.h"
#include "core/wire/unpack.h"

namespace swim {

namespace {

// A broadcast of memberlist's own (alive/suspect/dead), named by node so a
// newer one about the same node replaces it.
class MemberlistBroadcast final : public Broadcast {
 public:
  MemberlistBroadcast(std::string name, Bytes msg, std::function<void()> notify,
                      int transmit_scale)
      : name_(std::move(name)),
        msg_(std::move(msg)),
        notify_(std::move(notify)),
        transmit_scale_(transmit_scale) {}
  ByteSpan Message() const override { return msg_; }
  std::string_view Name() const override { return name_; }
  int TransmitScale() const override { return transmit_scale_; }
  void Finished() override {
    if (notify_) {
      auto n = std::move(notify_);
      notify_ = nullptr;
      n();
    }
  }

 private:
  std::string name_;
  Bytes msg_;
  std::function<void()> notify_;
  int transmit_scale_;
};

// The fork's weight broadcast: replaces only older weights of the same node.
class WeightBroadcast final : public Broadcast {
 public:
  WeightBroadcast(std::string node, Bytes msg)
      : node_(std::move(node)), msg_(std::move(msg)) {}
  ByteSpan Message() const override { return msg_; }
  bool Invalidates(const Broadcast& other) const override {
    const auto* w = dynamic_cast<const WeightBroadcast*>(&other);
    return w != nullptr && w->node_ == node_;
  }

 private:
  std::string node_;
  Bytes msg_;
};

// Refutations (our own, and alives that clear a suspicion or death of a
// known node) are retransmitted this many times the usual limit. With
// bounded retransmits a node can miss every copy of a refutation and then
// declare a live node dead when its suspicion timer runs out; the simulator's
// pause-storm sweep showed it in 1.5% of runs with limit x1. Refutations are
// rare, so the extra bytes are few. Wire-compatible: only how often we
// resend changes.
constexpr int kRefutationTransmitScale = 3;

bool DeadOrLeft(NodeState s) {
  return s == NodeState::kDead || s == NodeState::kLeft;
}

}  // namespace

// ---------------------------------------------------------------------------
// Construction and lifetime
// ---------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Memberlist>> Memberlist::Create(
    Config config, Env* env, const Address& advertise) {
  RETURN_IF_ERROR(config.Validate());
  if (env == nullptr) return absl::InvalidArgumentError("env must not be null");
  if (advertise.ip.empty() || advertise.port == 0) {
    return absl::InvalidArgumentError(
        "advertise address must have an IP and a non-zero port");
  }
  if (!config.secret_key.empty()) {
    if (config.keyring == nullptr) {
      config.keyring = std::make_shared<security::Keyring>();
    }
    RETURN_IF_ERROR(config.keyring->AddKey(config.secret_key));
    RETURN_IF_ERROR(config.keyring->UseKey(config.secret_key));
  }
  return std::unique_ptr<Memberlist>(
      new Memberlist(std::move(config), env, advertise));
}

Memberlist::Memberlist(Config config, Env* env, const Address& advertise)
    : config_(std::move(config)),
      env_(env),
      advertise_(advertise),
      awareness_(config_.awareness_max_multiplier),
      broadcasts_([this] { return EstNumNodes(); }, config_.retransmit_mult),
      weight_broadcasts_([this] { return EstNumNodes(); },
                         config_.retransmit_mult),
      encryption_version_(config_.protocol_version == 1 ? 0 : 1) {
  advertise_.name = config_.name;
}

Memberlist::~Memberlist() {
  Shutdown();
  *alive_token_ = false;
}

absl::Status Memberlist::Start() {
  if (shutdown_) return absl::FailedPreconditionError("memberlist is shut down");
  if (started_) return absl::FailedPreconditionError("already started");
  started_ = true;

  std::string meta;
  if (config_.delegate != nullptr) {
    meta = config_.delegate->NodeMeta(limits::kMetaMaxSize);
    if (meta.size() > limits::kMetaMaxSize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "node meta is ", meta.size(), " bytes; the limit is ",
          limits::kMetaMaxSize));
    }
  }
  wire::Alive a;
  a.incarnation = NextIncarnation();
  a.node = config_.name;
  a.addr = advertise_.ip;
  a.port = advertise_.port;
  if (!meta.empty()) a.meta = meta;
  a.vsn = OwnVsn();
  AliveNode(a, nullptr, /*bootstrap=*/true);
  if (Find(config_.name) == nullptr) {
    // Our own alive was refused: the allow-list excludes our advertise
    // address, or the AliveDelegate vetoed it. Go logs and runs on without
    // itself in the table; a node that cannot see itself is misconfigured,
    // so say so to the caller instead.
    Shutdown();
    if (absl::Status s = config_.IPAllowed(advertise_.ip); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "this node's advertise address ", advertise_.ip.ToString(),
          " is outside cidrs_allowed: ", s.message()));
    }
    return absl::InvalidArgumentError(
        "this node's own alive was refused (the AliveDelegate vetoed it)");
  }

  auto stagger = [this](absl::Duration interval) {
    return absl::Nanoseconds(static_cast<int64_t>(
        env_->Random() % static_cast<uint64_t>(
                             std::max<int64_t>(1, absl::ToInt64Nanoseconds(interval)))));
  };
  if (config_.probe_interval > absl::ZeroDuration()) {
    ScheduleLoop(stagger(config_.probe_interval), config_.probe_interval,
                 "probe", &Memberlist::ProbeTick);
  }
  if (config_.gossip_interval > absl::ZeroDuration() && config_.gossip_nodes > 0) {
    ScheduleLoop(stagger(config_.gossip_interval), config_.gossip_interval,
                 "gossip", &Memberlist::GossipTick);
  }
  if (config_.push_pull_interval > absl::ZeroDuration()) {
    SchedulePushPull(stagger(config_.push_pull_interval));
  }
  if (config_.weight_interval > absl::ZeroDuration()) {
    ScheduleLoop(stagger(config_.weight_interval), config_.weight_interval,
                 "weight", &Memberlist::WeightTick);
  }
  CheckInvariants();
  return absl::OkStatus();
}

void Memberlist::Shutdown() {
  if (shutdown_) return;
  shutdown_ = true;
  for (TimerId id : timers_) env_->Cancel(id);
  timers_.clear();
  ack_handlers_.clear();
  suspicions_.clear();
  probe_.reset();
  // Queued broadcasts are dropped; their waiters are released by Finished().
  broadcasts_.Reset();
  weight_broadcasts_.Reset();
}

TimerId Memberlist::After(absl::Duration delay, const char* label,
                          std::function<void()> fn) {
  SWIM_DCHECK(!shutdown_);
  auto id_holder = std::make_shared<TimerId>(0);
  const TimerId id = env_->Schedule(
      delay, label, [this, id_holder, fn = std::move(fn)] {
        timers_.erase(*id_holder);
        if (shutdown_) return;
        fn();
      });
  *id_holder = id;
  timers_.insert(id);
  return id;
}

void Memberlist::CancelTimer(TimerId id) {
  if (id == 0) return;
  if (timers_.erase(id) > 0) env_->Cancel(id);
}

void Memberlist::ScheduleLoop(absl::Duration first, absl::Duration every,
                              const char* label, void (Memberlist::*tick)()) {
  After(first, label, [this, every, label, tick] {
    // Reschedule first so the period does not drift with the work done.
    ScheduleLoop(every, every, label, tick);
    (this->*tick)();
  });
}

void Memberlist::Log(LogLevel level, std::string_view msg) {
  env_->Log(level, msg);
}

bool Memberlist::Bug(PlantedBug b) const {
#if defined(SWIM_PLANTED_BUGS) && SWIM_PLANTED_BUGS
  return (config_.planted_bugs & b) != 0;
#else
  (void)b;
  return false;
#endif
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

const std::string& Memberlist::CompactNode::meta() const {
  static const std::string* const kEmpty = new std::string();
  return meta_ptr ? *meta_ptr : *kEmpty;
}

size_t Memberlist::NameHash::operator()(std::string_view s) const {
  return absl::Hash<std::string_view>{}(s);
}
size_t Memberlist::NameHash::operator()(const NodeRecord* r) const {
  return (*this)(std::string_view(r->node.name));
}

Memberlist::NodeRecord* Memberlist::Find(std::string_view name) {
  auto it = node_map_.find(name);
  return it == node_map_.end() ? nullptr : *it;
}

const Memberlist::NodeRecord* Memberlist::Find(std::string_view name) const {
  auto it = node_map_.find(name);
  return it == node_map_.end() ? nullptr : *it;
}

Node Memberlist::ToNode(const NodeRecord& r) const {
  Node n;
  n.name = r.node.name;
  n.addr = r.node.addr;
  n.port = r.node.port;
  n.meta = r.node.meta();
  n.state = r.node.state;
  n.incarnation = r.node.incarnation;
  n.vsn = r.node.vsn;
  if (!weights_.empty()) {
    auto it = weights_.find(r.node.name);
    if (it != weights_.end()) n.weight = it->second.weight;
  }
  return n;
}

Memberlist::NodeRecord* Memberlist::InsertNode(const std::string& name) {
  NodeRecord* rec;
  if (!free_records_.empty()) {
    rec = free_records_.back();
    free_records_.pop_back();
  } else {
    rec = &slab_.emplace_back();
  }
  rec->node = CompactNode{};
  rec->node.name = name;
  rec->node.state = NodeState::kDead;
  rec->state_change = env_->Now();
  // Append, then swap with a random position (memberlist does the same), so
  // a new node does not always wait for the end of the probe round.
  const size_t n = nodes_.size();
  const size_t offset = static_cast<size_t>(Rng(env_->Random()).Uniform(n + 1));
  nodes_.push_back(rec);
  if (offset < n) std::swap(nodes_[offset], nodes_[n]);
  node_map_.insert(rec);
  return rec;
}

VersionVector Memberlist::OwnVsn() const {
  return {limits::kProtocolVersionMin, limits::kProtocolVersionMax,
          config_.protocol_version, config_.delegate_protocol_min,
          config_.delegate_protocol_max, config_.delegate_protocol_version};
}

bool Memberlist::AnyAlive() const {
  for (const auto& r : nodes_) {
    if (!DeadOrLeft(r->node.state) && r->node.name != config_.name) return true;
  }
  return false;
}

void Memberlist::ResetNodes() {
  // Move dead nodes past GossipToTheDeadTime to the end and drop them (Go's
  // moveDeadNodes: swap-with-last, so the order of the rest is disturbed
  // exactly as Go disturbs it; the shuffle below hides it anyway).
  const Instant now = env_->Now();
  size_t n = nodes_.size();
  size_t num_dead = 0;
  for (size_t i = 0; i + num_dead < n; ++i) {
    const NodeRecord& r = *nodes_[i];
    if (r.node.state != NodeState::kDead) continue;
    if (now - r.state_change <= config_.gossip_to_the_dead_time) continue;
    std::swap(nodes_[i], nodes_[n - num_dead - 1]);
    ++num_dead;
    --i;  // re-examine the node swapped in (wraps to SIZE_MAX then ++)
  }
  const size_t keep = n - num_dead;
  for (size_t i = keep; i < n; ++i) {
    NodeRecord* rec = nodes_[i];
    reaped_.Add(rec->node.name, rec->node.incarnation,
                now + config_.gossip_to_the_dead_time);
    suspicions_.erase(std::string_view(rec->node.name));
    node_map_.erase(rec);
    weights_.erase(rec->node.name);
    rec->node = CompactNode{};  // frees the name and meta heap, if any
    free_records_.push_back(rec);
    metrics_.Incr("memberlist.reaped");
  }
  nodes_.resize(keep);
  Rng rng(env_->Random());
  rng.Shuffle(absl::MakeSpan(nodes_));
}

std::vector<Memberlist::NodeRecord*> Memberlist::KRandomNodes(
    int k, const std::function<bool(const NodeRecord&)>& exclude) {
  std::vector<NodeRecord*> out;
  const size_t n = nodes_.size();
  if (k <= 0 || n == 0) return out;
  out.reserve(static_cast<size_t>(k));
  Rng rng(env_->Random());
  for (size_t i = 0; i < 3 * n && out.size() < static_cast<size_t>(k); ++i) {
    NodeRecord* cand = nodes_[static_cast<size_t>(rng.Uniform(n))];
    if (exclude(*cand)) continue;
    if (std::find(out.begin(), out.end(), cand) != out.end()) continue;
    out.push_back(cand);
  }
  return out;
}

std::vector<Node> Memberlist::Members() const {
  std::vector<Node> out;
  for (const auto& r : nodes_) {
    if (!DeadOrLeft(r->node.state)) out.push_back(ToNode(*r));
  }
  return out;
}

int Memberlist::NumMembers() const {
  int n = 0;
  for (const auto& r : nodes_) {
    if (!DeadOrLeft(r->node.state)) ++n;
  }
  return n;
}

std::vector<Node> Memberlist::AllNodes() const {
  std::vector<Node> out;
  out.reserve(nodes_.size());
  for (const NodeRecord* r : nodes_) out.push_back(ToNode(*r));
  return out;
}

std::optional<Node> Memberlist::GetNode(const std::string& name) const {
  const NodeRecord* r = Find(name);
  if (r == nullptr) return std::nullopt;
  return ToNode(*r);
}

std::optional<NodeState> Memberlist::StateOf(std::string_view name) const {
  const NodeRecord* r = Find(name);
  if (r == nullptr) return std::nullopt;
  return r->node.state;
}

Node Memberlist::LocalNode() const {
  const NodeRecord* r = Find(config_.name);
  if (r != nullptr) return ToNode(*r);
  Node n;
  n.name = config_.name;
  n.addr = advertise_.ip;
  n.port = advertise_.port;
  n.vsn = OwnVsn();
  return n;
}

void Memberlist::CheckInvariants() const {
  SWIM_DCHECK(nodes_.size() == node_map_.size());
  SWIM_DCHECK(!started_ || shutdown_ || Find(config_.name) != nullptr);
  if (const NodeRecord* me = Find(config_.name); me != nullptr) {
    // Our own incarnation in the table never runs ahead of our counter.
    SWIM_CHECK(me->node.incarnation <= incarnation_);
    SWIM_DCHECK(left_ || me->node.state == NodeState::kAlive);
  }
#if SWIM_SIM_ASSERTS_ENABLED
  for (const auto& r : nodes_) {
    auto it = node_map_.find(std::string_view(r->node.name));
    SWIM_SIM_ASSERT(it != node_map_.end() && *it == r);
    if (r->node.state != NodeState::kSuspect) {
      SWIM_SIM_ASSERT(!suspicions_.contains(std::string_view(r->node.name)));
    }
    SWIM_SIM_ASSERT(r->node.meta().size() <= limits::kMetaMaxSize);
  }
  for (const auto& [name, s] : suspicions_) {
    const NodeRecord* r = Find(name);
    SWIM_SIM_ASSERT(r != nullptr && r->node.state == NodeState::kSuspect);
  }
  if (probe_.has_value()) SWIM_SIM_ASSERT(ack_handlers_.size() >= 1 || probe_->deadline_passed);
#endif
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

void Memberlist::NotifyJoin(const Node& n) {
  if (config_.events != nullptr) config_.events->NotifyJoin(n);
}
void Memberlist::NotifyLeave(const Node& n) {
  if (config_.events != nullptr) config_.events->NotifyLeave(n);
}
void Memberlist::NotifyUpdate(const Node& n) {
  if (config_.events != nullptr) config_.events->NotifyUpdate(n);
}
void Memberlist::NotifySuspect(const Node& n) {
  if (config_.events != nullptr) config_.events->NotifySuspectSateChange(n);
}

// ---------------------------------------------------------------------------
// State machine: alive, suspect, dead (protocol.md §6.5-6.6)
// ---------------------------------------------------------------------------

void Memberlist::AliveNode(const wire::Alive& a, std::function<void()> notify,
                           bool bootstrap) {
  NodeRecord* state = Find(a.node);
  const bool is_local = a.node == config_.name;

  // 1. After Leave we ignore alives about ourselves.
  if (left_ && is_local) return;
  if (JumpsTooFar(state, a.incarnation)) return;  // issue 14 item 5

  // 2. Protocol versions must be sane.
  if (a.vsn.has_value()) {
    const VersionVector& v = *a.vsn;
    if (v[0] == 0 || v[1] == 0 || v[0] > v[1]) {
      metrics_.Incr("memberlist.dropped.alive_bad_vsn");
      Log(LogLevel::kWarn, absl::StrCat("ignoring alive for '", a.node,
                                        "': protocol versions are wrong"));
      return;
    }
  }

  // 2b. Meta is bounded on every path that reaches here (alive packets,
  //     push/pull entries, joins). Go's own nodes never send more than
  //     MetaMaxSize (its setAlive refuses it), so nothing honest is lost.
  if (a.meta.has_value() && a.meta->size() > limits::kMetaMaxSize) {
    metrics_.Incr("memberlist.malformed.alive_meta");
    Log(LogLevel::kWarn,
        absl::StrCat("ignoring alive for '", a.node, "': meta is ",
                     a.meta->size(), " bytes, over the ",
                     limits::kMetaMaxSize, "-byte limit"));
    return;
  }

  // 3. The AliveDelegate may veto (and needs the version vector).
  if (config_.alive != nullptr) {
    if (!a.vsn.has_value()) {
      metrics_.Incr("memberlist.dropped.alive_no_vsn");
      return;
    }
    Node peer;
    peer.name = a.node;
    peer.addr = a.addr;
    peer.port = a.port;
    peer.meta = a.meta.value_or("");
    peer.vsn = *a.vsn;
    peer.incarnation = a.incarnation;
    absl::Status veto = config_.alive->NotifyAlive(peer);
    if (!veto.ok()) {
      metrics_.Incr("memberlist.dropped.alive_vetoed");
      Log(LogLevel::kWarn, absl::StrCat("ignoring alive for '", a.node,
                                        "': ", std::string(veto.message())));
      return;
    }
  }

  bool updates_node = false;
  bool created = false;
  if (state == nullptr) {
    // 4. A new node: checked against the allow-list, added as a Dead stub
    //    so the update below fires NotifyJoin.
    if (absl::Status s = config_.IPAllowed(a.addr); !s.ok()) {
      metrics_.Incr("memberlist.dropped.cidr");
      Log(LogLevel::kWarn, absl::StrCat("rejected node ", a.node, ": ",
                                        std::string(s.message())));
      return;
    }
    if (a.node.empty() || a.node.size() > limits::kMaxNodeNameLength) {
      metrics_.Incr("memberlist.malformed.alive_name");
      return;
    }
    if (nodes_.size() >= config_.max_members) {  // issue 14 item 6
      metrics_.Incr("memberlist.dropped.table_full");
      Log(LogLevel::kDebug, absl::StrCat("member table full, not adding ", a.node,
                                         " (memberlist.dropped.table_full)"));
      return;
    }
    state = InsertNode(a.node);
    created = true;
    state->node.addr = a.addr;
    state->node.port = a.port;
    state->node.set_meta(a.meta.value_or(""));
    if (a.vsn.has_value()) state->node.vsn = *a.vsn;
  } else if (!(state->node.addr == a.addr) || state->node.port != a.port) {
    // 5. Same name, different address: a reclaim of a left (or long dead)
    //    name, or a conflict.
    if (absl::Status s = config_.IPAllowed(a.addr); !s.ok()) {
      metrics_.Incr("memberlist.dropped.cidr");
      return;
    }
    const bool can_reclaim =
        config_.dead_node_reclaim_time > absl::ZeroDuration() &&
        env_->Now() - state->state_change > config_.dead_node_reclaim_time;
    if (state->node.state == NodeState::kLeft ||
        (state->node.state == NodeState::kDead && can_reclaim)) {
      Log(LogLevel::kInfo,
          absl::StrCat("updating address for left or failed node ", a.node,
                       " to ", Address{a.addr, a.port, ""}.ToString()));
      updates_node = true;
    } else {
      metrics_.Incr("memberlist.conflict");
      Log(LogLevel::kError,
          absl::StrCat("conflicting address for ", a.node, ". Mine: ",
                       state->node.address().ToString(), " Theirs: ",
                       Address{a.addr, a.port, ""}.ToString(), " Old state: ",
                       std::string(NodeStateName(state->node.state))));
      if (config_.conflict != nullptr) {
        Node other;
        other.name = a.node;
        other.addr = a.addr;
        other.port = a.port;
        other.meta = a.meta.value_or("");
        config_.conflict->NotifyConflict(ToNode(*state), other);
      }
      return;
    }
  }

  // 6. Incarnation checks.
  if (!is_local && !updates_node) {
    const bool stale = Bug(kBugAcceptStaleAlive)
                           ? a.incarnation < state->node.incarnation
                           : a.incarnation <= state->node.incarnation;
    if (stale) return;
  }
  if (is_local && a.incarnation < state->node.incarnation) return;

  // 7. An accepted alive ends any suspicion.
  suspicions_.erase(std::string_view(state->node.name));

  const NodeState old_state = state->node.state;
  const std::string old_meta = state->node.meta();
  const std::string meta = a.meta.value_or("");

  if (!bootstrap && is_local) {
    // 8. About ourselves: refute unless it is exactly what we said.
    const VersionVector mine = state->node.vsn;
    if (a.incarnation == state->node.incarnation && meta == state->node.meta() &&
        a.vsn.has_value() && *a.vsn == mine) {
      return;
    }
    if (!Bug(kBugIgnoreRefute)) Refute(state, a.incarnation);
    Log(LogLevel::kWarn, absl::StrCat("refuting an alive message for '", a.node, "'"));
  } else {
    // 9. Accept: re-broadcast and update the record.
    Bytes msg;
    wire::Encode(a, config_.address_mode, &msg);
    // An alive that clears a suspicion or a death of a node we already knew
    // is a refutation: spread it harder (see kRefutationTransmitScale).
    const bool refutes = !created && (state->node.state == NodeState::kSuspect ||
                                      state->node.state == NodeState::kDead);
    QueueBroadcast(a.node, std::move(msg), std::move(notify),
                   refutes ? kRefutationTransmitScale : 1);
    if (a.vsn.has_value()) state->node.vsn = *a.vsn;
    state->node.incarnation = a.incarnation;
    if (is_local) {
      SWIM_CHECK(a.incarnation <= incarnation_);
    }
    state->node.set_meta(meta);
    state->node.addr = a.addr;
    state->node.port = a.port;
    if (state->node.state != NodeState::kAlive) {
      state->node.state = NodeState::kAlive;
      state->state_change = env_->Now();
    }
  }

  metrics_.Incr("memberlist.msg.alive");

  // 10. Events. The fork adds suspect -> alive as its own event, which then
  //     replaces NotifyUpdate.
  if (old_state == NodeState::kDead || old_state == NodeState::kLeft) {
    NotifyJoin(ToNode(*state));
  } else if (old_state == NodeState::kSuspect &&
             state->node.state == NodeState::kAlive) {
    NotifySuspect(ToNode(*state));
  } else if (old_meta != state->node.meta()) {
    NotifyUpdate(ToNode(*state));
  }
}

bool Memberlist::JumpsTooFar(const NodeRecord* known, uint32_t claimed) {
  if (known == nullptr ||
      !limits::ImplausibleIncarnationJump(known->node.incarnation, claimed)) {
    return false;
  }
  metrics_.Incr("memberlist.dropped.incarnation_jump");
  Log(LogLevel::kWarn,
      absl::StrCat("dropping a claim about ", known->node.name, " at incarnation ",
                   claimed, ", implausibly far past the ", known->node.incarnation,
                   " we hold (memberlist.dropped.incarnation_jump)"));
  return true;
}

void Memberlist::Refute(NodeRecord* me, uint32_t accused_inc) {
  // An accusation at (or our own incarnation already at) 2^32-1 cannot be
  // outbid: the next incarnation would wrap to 0 and lose everywhere (Go
  // wraps and broadcasts that losing alive). Count it and keep our state;
  // one hostile packet must not be able to trip the check below.
  if (accused_inc == std::numeric_limits<uint32_t>::max() ||
      incarnation_ == std::numeric_limits<uint32_t>::max()) {
    metrics_.Incr("memberlist.refute_exhausted");
    Log(LogLevel::kError,
        "cannot refute: incarnation space exhausted (accused at 4294967295)");
    return;
  }
  uint32_t inc = NextIncarnation();
  if (accused_inc >= inc) {
    incarnation_ = accused_inc + 1;
    inc = incarnation_;
  }
  SWIM_CHECK(inc > me->node.incarnation);  // our incarnation only grows
  me->node.incarnation = inc;
  awareness_.ApplyDelta(1);
  metrics_.Incr("memberlist.refute");

  wire::Alive a;
  a.incarnation = inc;
  a.node = me->node.name;
  a.addr = me->node.addr;
  a.port = me->node.port;
  if (!me->node.meta().empty()) a.meta = me->node.meta();
  a.vsn = me->node.vsn;
  Bytes msg;
  wire::Encode(a, config_.address_mode, &msg);
  // Go keys the refutation by our address string, not our name (a quirk:
  // it then does not replace a queued alive about us). Kept for fidelity.
  QueueBroadcast(me->node.address().ToString(), std::move(msg), nullptr,
                 kRefutationTransmitScale);
}

void Memberlist::SuspectNode(const wire::Suspect& s) {
  NodeRecord* state = Find(s.node);
  if (state == nullptr) return;
  if (JumpsTooFar(state, s.incarnation)) return;  // issue 14 item 5
  if (s.incarnation < state->node.incarnation) return;

  if (auto it = suspicions_.find(std::string_view(state->node.name));
      it != suspicions_.end()) {
    if (it->second->Confirm(s.from)) {
      Bytes msg;
      wire::Encode(s, &msg);
      QueueBroadcast(s.node, std::move(msg), nullptr);
    }
    return;
  }

  if (state->node.state != NodeState::kAlive) return;

  if (state->node.name == config_.name) {
    if (Bug(kBugIgnoreRefute)) return;
    Refute(state, s.incarnation);
    Log(LogLevel::kWarn, absl::StrCat("refuting a suspect message (from: ", s.from, ")"));
    return;
  }

  {
    Bytes msg;
    wire::Encode(s, &msg);
    QueueBroadcast(s.node, std::move(msg), nullptr);
  }
  metrics_.Incr("memberlist.msg.suspect");

  state->node.incarnation = s.incarnation;
  state->node.state = NodeState::kSuspect;
  const Instant change_time = env_->Now();
  state->state_change = change_time;

  const int n = EstNumNodes();
  int k = config_.suspicion_mult - 2;
  if (n - 2 < k) k = 0;
  const absl::Duration min =
      SuspicionTimeout(config_.suspicion_mult, n, config_.probe_interval);
  const absl::Duration max = config_.suspicion_max_timeout_mult * min;

  if (Bug(kBugSkipSuspicion)) {
    NotifySuspect(ToNode(*state));
    wire::Dead d{state->node.incarnation, state->node.name, config_.name};
    DeadNode(d);
    return;
  }

  const std::string name = state->node.name;
  std::string_view key(state->node.name);
  suspicions_[key] = std::make_unique<Suspicion>(
      env_, s.from, k, min, max,
      [this, name, change_time, k](int confirmations) {
        OnSuspicionTimeout(name, change_time, k, confirmations);
      });
  NotifySuspect(ToNode(*state));
}

void Memberlist::OnSuspicionTimeout(const std::string& name, Instant change_time,
                                    int k, int confirmations) {
  if (shutdown_) return;
  NodeRecord* state = Find(name);
  if (state == nullptr || state->node.state != NodeState::kSuspect ||
      state->state_change != change_time) {
    return;
  }
  if (k > 0 && confirmations < k) metrics_.Incr("memberlist.degraded.timeout");
  Log(LogLevel::kInfo,
      absl::StrCat("marking ", name, " as failed, suspect timeout reached (",
                   confirmations, " peer confirmations)"));
  wire::Dead d{state->node.incarnation, state->node.name, config_.name};
  DeadNode(d);
  CheckInvariants();
}

void Memberlist::DeadNode(const wire::Dead& d) {
  NodeRecord* state = Find(d.node);
  if (state == nullptr) return;
  if (JumpsTooFar(state, d.incarnation)) return;  // issue 14 item 5
  if (d.incarnation < state->node.incarnation) return;

  // The suspicion ends whatever happens next. Erasing destroys the timer; if
  // we are inside its callback, Suspicion tolerates that (it copies what it
  // needs before calling us).
  suspicions_.erase(std::string_view(state->node.name));

  if (DeadOrLeft(state->node.state)) return;

  if (state->node.name == config_.name) {
    if (!left_) {
      if (Bug(kBugIgnoreRefute)) return;
      Refute(state, d.incarnation);
      Log(LogLevel::kWarn, absl::StrCat("refuting a dead message (from: ", d.from, ")"));
      return;
    }
    Bytes msg;
    wire::Encode(d, &msg);
    QueueBroadcast(d.node, std::move(msg), std::move(leave_notify_));
    leave_notify_ = nullptr;
  } else {
    Bytes msg;
    wire::Encode(d, &msg);
    QueueBroadcast(d.node, std::move(msg), nullptr);
  }

  metrics_.Incr("memberlist.msg.dead");
  state->node.incarnation = d.incarnation;
  state->node.state = d.node == d.from ? NodeState::kLeft : NodeState::kDead;
  state->state_change = env_->Now();
  NotifyLeave(ToNode(*state));
}

// ---------------------------------------------------------------------------
// Push/pull merge (§6.8, §6.10)
// ---------------------------------------------------------------------------

absl::Status Memberlist::VerifyProtocol(
    const std::vector<wire::PushNodeState>& remote) const {
  uint8_t max_pmin = 0, min_pmax = 255, max_dmin = 0, min_dmax = 255;
  for (const auto& rn : remote) {
    if (rn.state != static_cast<int64_t>(NodeState::kAlive) || !rn.vsn) continue;
    const VersionVector& v = *rn.vsn;
    max_pmin = std::max(max_pmin, v[0]);
    min_pmax = std::min(min_pmax, v[1]);
    max_dmin = std::max(max_dmin, v[3]);
    min_dmax = std::min(min_dmax, v[4]);
  }
  for (const auto& r : nodes_) {
    if (r->node.state != NodeState::kAlive) continue;
    max_pmin = std::max(max_pmin, r->node.pmin());
    min_pmax = std::min(min_pmax, r->node.pmax());
    max_dmin = std::max(max_dmin, r->node.dmin());
    min_dmax = std::min(min_dmax, r->node.dmax());
  }
  auto check = [&](const std::string& name, uint8_t pcur,
                   uint8_t dcur) -> absl::Status {
    if (pcur < max_pmin || pcur > min_pmax) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Node '", name, "' protocol version (", pcur, ") is incompatible: [",
          max_pmin, ", ", min_pmax, "]"));
    }
    if (dcur < max_dmin || dcur > min_dmax) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Node '", name, "' delegate protocol version (", dcur,
          ") is incompatible: [", max_dmin, ", ", min_dmax, "]"));
    }
    return absl::OkStatus();
  };
  for (const auto& rn : remote) {
    const uint8_t pcur = rn.vsn ? (*rn.vsn)[2] : 0;
    const uint8_t dcur = rn.vsn ? (*rn.vsn)[5] : 0;
    RETURN_IF_ERROR(check(rn.name, pcur, dcur));
  }
  for (const auto& r : nodes_) {
    RETURN_IF_ERROR(check(r->node.name, r->node.pcur(), r->node.dcur()));
  }
  return absl::OkStatus();
}

absl::Status Memberlist::MergeRemoteState(const wire::PushPull& pp, bool join) {
  RETURN_IF_ERROR(VerifyProtocol(pp.nodes));
  if (join && config_.merge != nullptr) {
    std::vector<Node> peers;
    peers.reserve(pp.nodes.size());
    for (const auto& rn : pp.nodes) {
      Node n;
      n.name = rn.name;
      n.addr = rn.addr;
      n.port = rn.port;
      n.meta = rn.meta.value_or("");
      n.incarnation = rn.incarnation;
      if (rn.state >= 0 && rn.state <= 3) n.state = static_cast<NodeState>(rn.state);
      if (rn.vsn) n.vsn = *rn.vsn;
      peers.push_back(std::move(n));
    }
    absl::Status veto = config_.merge->NotifyMerge(peers);
    if (!veto.ok()) {
      metrics_.Incr("memberlist.dropped.merge_vetoed");
      return veto;
    }
  }
  MergeState(pp.nodes, join);
  if (!pp.user_state.empty() && config_.delegate != nullptr) {
    config_.delegate->MergeRemoteState(pp.user_state, join);
  }
  return absl::OkStatus();
}

void Memberlist::MergeState(const std::vector<wire::PushNodeState>& remote,
                            bool join) {
  for (const auto& r : remote) {
    switch (r.state) {
      case static_cast<int64_t>(NodeState::kAlive): {
        if (!join && reaped_.Blocks(r.name, r.incarnation, env_->Now()) &&
            Find(r.name) == nullptr) {  // see core/reaped_names.h
          ReAddAsDead(r);
          break;
        }
        wire::Alive a;
        a.incarnation = r.incarnation;
        a.node = r.name;
        a.addr = r.addr;
        a.port = r.port;
        a.meta = r.meta;
        a.vsn = r.vsn;
        if (config_.protocol_version < 2 || a.port == 0) {
          a.port = static_cast<uint16_t>(config_.bind_port);
        }
        AliveNode(a, nullptr, false);
        break;
      }
      case static_cast<int64_t>(NodeState::kLeft):
        DeadNode(wire::Dead{r.incarnation, r.name, r.name});
        break;
      case static_cast<int64_t>(NodeState::kDead):
      case static_cast<int64_t>(NodeState::kSuspect):
        // A remote death is only a suspicion here: we check for ourselves.
        SuspectNode(wire::Suspect{r.incarnation, r.name, config_.name});
        break;
      default:
        metrics_.Incr("memberlist.dropped.unknown_state");
        break;
    }
  }
}

void Memberlist::ReAddAsDead(const wire::PushNodeState& r) {
  metrics_.Incr("memberlist.dropped.reaped_readd");
  Log(LogLevel::kDebug, absl::StrCat("reaped member ", r.name, " handed back at ",
                                     "incarnation ", r.incarnation,
                                     ": kept dead (memberlist.dropped.reaped_readd)"));
  if (nodes_.size() >= config_.max_members) return;
  NodeRecord* rec = InsertNode(r.name);  // a dead stub, stamped now
  rec->node.addr = r.addr;
  rec->node.port = r.port;
  rec->node.incarnation = r.incarnation;
  if (r.vsn) rec->node.vsn = *r.vsn;
}

// ---------------------------------------------------------------------------
// Fork: weights (§8.3) and weighted round-robin
// ---------------------------------------------------------------------------

void Memberlist::WeightTick() {
  std::optional<double> idle = env_->CpuIdlePercent();
  if (!idle.has_value()) return;  // the fork skips the tick when sampling fails
  const int m = config_.awareness_max_multiplier;
  const int h = awareness_.GetHealthScore();
  const double raw = (m - h) * 0.6 + m * (*idle / 100.0) * 0.4;
  const int64_t weight = static_cast<int64_t>(std::round(raw));  // half away from zero
  if (Find(config_.name) == nullptr) return;
  WeightInfo& mine = weights_[config_.name];
  mine.weight = weight;
  mine.weight_at = env_->UnixMillis();
  metrics_.SetGauge("memberlist.weight", static_cast<double>(weight));
  if (!config_.gossip_weights) return;
  wire::Weight w{incarnation_, config_.name, config_.name, weight, mine.weight_at};
  Bytes msg;
  wire::Encode(w, &msg);
  weight_broadcasts_.QueueBroadcast(
      std::make_unique<WeightBroadcast>(config_.name, std::move(msg)));
}

void Memberlist::WeightNode(const wire::Weight& w) {
  NodeRecord* state = Find(w.node);
  if (state == nullptr || w.incarnation < state->node.incarnation ||
      state->node.state != NodeState::kAlive || w.node == config_.name) {
    metrics_.Incr("memberlist.dropped.weight_stale");
    return;
  }
  if (w.weight_at > env_->UnixMillis() &&
      w.weight_at - env_->UnixMillis() > limits::kMaxWeightFutureMillis) {
    metrics_.Incr("memberlist.dropped.weight_future");  // issue 14 item 12
    Log(LogLevel::kDebug, absl::StrCat("weight of ", w.node, " stamped in the future",
                                       " (memberlist.dropped.weight_future)"));
    return;
  }
  WeightInfo& info = weights_[state->node.name];
  if (w.weight_at <= info.weight_at) {
    metrics_.Incr("memberlist.dropped.weight_stale");
    return;
  }
  // go-doudou: re-gossip unchanged (only to peers that read weights).
  Bytes msg;
  wire::Encode(w, &msg);
  weight_broadcasts_.QueueBroadcast(
      std::make_unique<WeightBroadcast>(w.node, std::move(msg)));
  info.weight_at = w.weight_at;
  metrics_.Incr("memberlist.msg.weight");
  if (info.weight != w.weight) {
    info.weight = w.weight;
    if (config_.events != nullptr) config_.events->NotifyWeight(ToNode(*state));
  }
}

std::optional<Node> Memberlist::PickWeighted() {
  // Nginx's smooth weighted round-robin: every pick adds each member's
  // weight to its current value, takes the largest, and subtracts the total
  // from the winner. Ties go to the first in name order, so the sequence is
  // a function of the member list alone (not of the probe order).
  std::vector<NodeRecord*> alive;
  for (NodeRecord* r : nodes_) {
    if (r->node.state == NodeState::kAlive) alive.push_back(r);
  }
  if (alive.empty()) return std::nullopt;
  std::sort(alive.begin(), alive.end(), [](const NodeRecord* a, const NodeRecord* b) {
    return a->node.name < b->node.name;
  });
  // Create missing entries first: inserting may rehash and move entries.
  for (NodeRecord* r : alive) weights_.try_emplace(r->node.name);
  int64_t total = 0;
  WeightInfo* best = nullptr;
  NodeRecord* best_rec = nullptr;
  for (NodeRecord* r : alive) {
    WeightInfo& info = weights_.find(r->node.name)->second;
    const int64_t w = info.weight > 0 ? info.weight : 1;
    info.wrr_current += w;
    total += w;
    if (best == nullptr || info.wrr_current > best->wrr_current) {
      best = &info;
      best_rec = r;
    }
  }
  best->wrr_current -= total;
  return ToNode(*best_rec);
}

// ---------------------------------------------------------------------------
// Broadcasts and sending
// ---------------------------------------------------------------------------

void Memberlist::QueueBroadcast(std::string name, Bytes msg,
                                std::function<void()> notify,
                                int transmit_scale) {
  broadcasts_.QueueBroadcast(std::make_unique<MemberlistBroadcast>(
      std::move(name), std::move(msg), std::move(notify), transmit_scale));
}

bool Memberlist::PeerAcceptsWeights(const NodeRecord* peer) const {
  return config_.gossip_weights && peer != nullptr &&
         peer->node.dmax() >= config_.weight_min_delegate_version &&
         peer->node.dmax() > 0;
}

std::vector<Bytes> Memberlist::GetBroadcasts(size_t overhead, size_t limit,
                                             const NodeRecord* to) {
  std::vector<Bytes> out = broadcasts_.GetBroadcasts(overhead, limit);
  size_t used = 0;
  for (const Bytes& m : out) used += m.size() + overhead;
  if (PeerAcceptsWeights(to) && limit > used + overhead) {
    std::vector<Bytes> w = weight_broadcasts_.GetBroadcasts(overhead, limit - used);
    for (Bytes& m : w) {
      used += m.size() + overhead;
      out.push_back(std::move(m));
    }
  }
  if (config_.delegate != nullptr && limit > used &&
      limit - used > overhead + limits::kUserMsgOverhead) {
    std::vector<std::string> user = config_.delegate->GetBroadcasts(
        overhead + limits::kUserMsgOverhead, limit - used);
    for (const std::string& u : user) {
      if (u.empty()) continue;  // an empty part would crash a Go receiver
      Bytes framed;
      wire::EncodeUserPacket(u, &framed);
      out.push_back(std::move(framed));
    }
  }
  // A compound holds at most 127 parts (primary included, so 126 extras
  // when piggybacking): Go 0.2.2 misreads more.
  if (out.size() > limits::kMaxCompoundParts - 1) {
    metrics_.Incr("memberlist.dropped.compound_parts", out.size() - (limits::kMaxCompoundParts - 1));
    out.resize(limits::kMaxCompoundParts - 1);
  }
  return out;
}

wire::OutgoingOptions Memberlist::PacketOptions(const NodeRecord* to) const {
  wire::OutgoingOptions o;
  o.compress = config_.enable_compression;
  o.algo = config_.compression_algo;
  o.crc = to != nullptr && to->node.pmax() >= limits::kProtocolVersionCrc;
  if (config_.EncryptionEnabled() && config_.gossip_verify_outgoing) {
    o.keyring = config_.keyring.get();
  }
  o.encryption_version = encryption_version_;
  return o;
}

void Memberlist::CountSent(const char* kind, size_t bytes) {
  metrics_.Incr(kind, bytes);
}

void Memberlist::RawSendPacket(const Address& to, const NodeRecord* node,
                               ByteSpan msg) {
  SWIM_DCHECK(!msg.empty());
  // `node` is set exactly where Go passes one (gossip, the suspect probe,
  // SendBestEffort): only those packets get the CRC header. Go's other
  // sends look the node up by IP string, which finds nothing unless a
  // node is named after its IP; we send those without CRC, as Go does in
  // practice (5 bytes a packet less on every ping and ack).
  Bytes packet = wire::EncodePacket(
      msg, PacketOptions(node),
      [this](absl::Span<uint8_t> out) { env_->SecureRandom(out); });
  CountSent("memberlist.udp.sent", packet.size());
  metrics_.Incr("memberlist.udp.packets_sent");
  env_->SendPacket(to, std::move(packet));
}

void Memberlist::SendMsg(const Address& to, const NodeRecord* node, Bytes msg) {
  if (node == nullptr && !to.name.empty()) node = Find(to.name);
  size_t avail = static_cast<size_t>(config_.udp_buffer_size);
  const size_t used = msg.size() + limits::kCompoundHeaderOverhead +
                      (config_.EncryptionEnabled() && config_.gossip_verify_outgoing
                           ? (encryption_version_ == 0 ? 45u : 29u)
                           : 0u);
  std::vector<Bytes> extra;
  if (avail > used) {
    avail -= used;
    extra = GetBroadcasts(limits::kCompoundPartOverhead, avail, node);
  }
  if (extra.empty()) {
    RawSendPacket(to, nullptr, msg);
    return;
  }
  std::vector<Bytes> parts;
  parts.reserve(extra.size() + 1);
  parts.push_back(std::move(msg));
  for (Bytes& e : extra) parts.push_back(std::move(e));
  Bytes compound = wire::MakeCompound(parts);
  RawSendPacket(to, nullptr, compound);
}

Bytes Memberlist::EncodeStreamMsg(ByteSpan msg) const {
  wire::OutgoingOptions o = PacketOptions(nullptr);
  o.crc = false;
  return wire::EncodeStream(
      msg, o, [this](absl::Span<uint8_t> out) { env_->SecureRandom(out); });
}

absl::Status Memberlist::SendBestEffort(const std::string& node,
                                        std::string_view msg) {
  if (shutdown_) return absl::FailedPreconditionError("memberlist is shut down");
  const NodeRecord* r = Find(node);
  if (r == nullptr) return absl::NotFoundError(absl::StrCat("unknown node ", node));
  if (msg.size() + 1 > limits::kMaxPacketSize - 100) {
    return absl::InvalidArgumentError("message too large for a packet");
  }
  Bytes buf;
  wire::EncodeUserPacket(msg, &buf);
  RawSendPacket(r->node.address(), r, buf);
  return absl::OkStatus();
}

absl::Status Memberlist::SendToAddress(const Address& to, std::string_view msg) {
  if (shutdown_) return absl::FailedPreconditionError("memberlist is shut down");
  if (to.ip.empty() || to.port == 0) {
    return absl::InvalidArgumentError("address needs an IP and a port");
  }
  if (msg.size() + 1 > limits::kMaxPacketSize - 100) {
    return absl::InvalidArgumentError("message too large for a packet");
  }
  Bytes buf;
  wire::EncodeUserPacket(msg, &buf);
  RawSendPacket(to, nullptr, buf);
  return absl::OkStatus();
}

void Memberlist::SendReliable(const std::string& node, std::string_view msg,
                              StatusCallback done) {
  if (shutdown_) {
    done(absl::FailedPreconditionError("memberlist is shut down"));
    return;
  }
  const NodeRecord* r = Find(node);
  if (r == nullptr) {
    done(absl::NotFoundError(absl::StrCat("unknown node ", node)));
    return;
  }
  Bytes buf;
  wire::EncodeUserStream(msg, &buf);
  Bytes stream = EncodeStreamMsg(buf);
  CountSent("memberlist.tcp.sent", stream.size());
  std::weak_ptr<bool> alive = alive_token_;
  env_->StreamExchange(r->node.address(), std::move(stream), StreamReply::kNone,
                       config_.tcp_timeout,
                       [done = std::move(done), alive](absl::StatusOr<Bytes> reply) {
                         if (alive.expired()) return;
                         done(reply.ok() ? absl::OkStatus() : reply.status());
                       });
}

// ---------------------------------------------------------------------------
// Inbound packets
// ---------------------------------------------------------------------------

void Memberlist::Malformed(std::string_view what, const absl::Status& status,
                           const Address& from) {
  metrics_.Incr(absl::StrCat("memberlist.malformed.", std::string(what)));
  Log(LogLevel::kWarn, absl::StrCat("dropping malformed ", std::string(what),
                                    " from ", from.ToString(), ": ",
                                    std::string(status.message())));
}

void Memberlist::HandlePacket(const Address& from, ByteSpan packet,
                              Instant received) {
  if (shutdown_) return;
  metrics_.Incr("memberlist.udp.received", packet.size());
  metrics_.Incr("memberlist.udp.packets_received");
  if (config_.IPMustBeChecked() && !config_.IPAllowed(from.ip).ok()) {
    metrics_.Incr("memberlist.dropped.cidr");
    return;
  }
  const security::Keyring* ring =
      config_.EncryptionEnabled() ? config_.keyring.get() : nullptr;
  absl::StatusOr<Bytes> msg =
      wire::DecodePacket(packet, ring, config_.gossip_verify_incoming);
  if (!msg.ok()) {
    Malformed("packet", msg.status(), from);
    return;
  }
  // Issue 14 items 4 and 7: Go's shape only, within the per-datagram budget.
  const wire::UnpackedPacket unpacked = wire::UnpackPacket(*msg);
  for (const wire::UnpackedPacket::Problem& p : unpacked.problems) {
    metrics_.Incr(p.counter, p.count);
    Log(LogLevel::kWarn, absl::StrCat("dropping ", p.count, " from ", from.ToString(),
                                      " (", p.counter, "): ", p.status.message()));
  }
  for (ByteSpan leaf : unpacked.leaves) HandleCommand(leaf, from, received);
  CheckInvariants();
}

void Memberlist::HandleCommand(ByteSpan buf, const Address& from,
                               Instant received) {
  const auto type = static_cast<wire::MessageType>(buf[0]);
  const ByteSpan body = buf.subspan(1);
  switch (type) {
    case wire::MessageType::kPing:
      HandlePing(body, from);
      return;
    case wire::MessageType::kIndirectPing:
      HandleIndirectPing(body, from);
      return;
    case wire::MessageType::kAck:
      HandleAck(body, received);
      return;
    case wire::MessageType::kNack:
      HandleNack(body);
      return;
    case wire::MessageType::kAlive:
      HandleAlive(body, from);
      return;
    case wire::MessageType::kSuspect:
      HandleSuspect(body);
      return;
    case wire::MessageType::kDead:
      HandleDead(body);
      return;
    case wire::MessageType::kUser:
      HandleUser(body);
      return;
    case wire::MessageType::kWeight:
      HandleWeight(body);
      return;
    default:
      metrics_.Incr("memberlist.dropped.unknown_type");
      Log(LogLevel::kWarn, absl::StrCat("message type (", static_cast<int>(buf[0]),
                                        ") not supported from ", from.ToString()));
      return;
  }
}

void Memberlist::HandlePing(ByteSpan body, const Address& from) {
  absl::StatusOr<wire::Ping> p = wire::DecodePing(body, config_.address_mode);
  if (!p.ok()) {
    Malformed("ping", p.status(), from);
    return;
  }
  if (!p->node.empty() && p->node != config_.name) {
    metrics_.Incr("memberlist.dropped.ping_wrong_node");
    return;
  }
  wire::AckResp ack;
  ack.seq_no = p->seq_no;
  if (config_.ping != nullptr) ack.payload = config_.ping->AckPayload();
  Address to = from;
  if (!p->source_addr.empty() && p->source_port > 0) {
    to = Address{p->source_addr, p->source_port, ""};
  }
  to.name = p->source_node;
  Bytes msg;
  wire::Encode(ack, &msg);
  SendMsg(to, nullptr, std::move(msg));
}

void Memberlist::HandleIndirectPing(ByteSpan body, const Address& from) {
  absl::StatusOr<wire::IndirectPingReq> ind =
      wire::DecodeIndirectPing(body, config_.address_mode);
  if (!ind.ok()) {
    Malformed("indirect_ping", ind.status(), from);
    return;
  }
  if (ind->target.empty()) {
    Malformed("indirect_ping", absl::InvalidArgumentError("no target"), from);
    return;
  }
  if (config_.protocol_version < 2 || ind->port == 0) {
    ind->port = static_cast<uint16_t>(config_.bind_port);
  }
  Address requester = from;
  if (!ind->source_addr.empty() && ind->source_port > 0) {
    requester = Address{ind->source_addr, ind->source_port, ""};
  }
  requester.name = ind->source_node;

  const uint32_t local_seq = NextSeqNo();
  wire::Ping ping;
  ping.seq_no = local_seq;
  ping.node = ind->node;
  ping.source_addr = advertise_.ip;
  ping.source_port = advertise_.port;
  ping.source_node = config_.name;

  const uint32_t their_seq = ind->seq_no;
  const bool want_nack = ind->nack;
  // The ack forwards the requester's sequence number; after ProbeTimeout
  // without one, a nack tells the requester that we (and so probably the
  // network near us) are fine but the target did not answer.
  AckHandler h;
  h.on_ack = [this, requester, their_seq](const wire::AckResp&, Instant) {
    Bytes msg;
    wire::Encode(wire::AckResp{their_seq, std::nullopt}, &msg);
    SendMsg(requester, nullptr, std::move(msg));
  };
  h.on_timeout = [this, requester, their_seq, want_nack] {
    if (!want_nack) return;
    Bytes msg;
    wire::Encode(wire::NackResp{their_seq}, &msg);
    SendMsg(requester, nullptr, std::move(msg));
  };
  SetAckHandler(local_seq, std::move(h), config_.probe_timeout);

  Bytes msg;
  wire::Encode(ping, config_.address_mode, &msg);
  SendMsg(Address{ind->target, ind->port, ind->node}, nullptr, std::move(msg));
}

void Memberlist::HandleAck(ByteSpan body, Instant received) {
  absl::StatusOr<wire::AckResp> ack = wire::DecodeAck(body);
  if (!ack.ok()) {
    Malformed("ack", ack.status(), Address{});
    return;
  }
  auto it = ack_handlers_.find(ack->seq_no);
  if (it == ack_handlers_.end()) {
    metrics_.Incr("memberlist.dropped.ack_unknown");
    return;
  }
  AckHandler h = std::move(it->second);
  ack_handlers_.erase(it);
  CancelTimer(h.timer);
  if (h.on_ack) h.on_ack(*ack, received);
}

void Memberlist::HandleNack(ByteSpan body) {
  absl::StatusOr<wire::NackResp> nack = wire::DecodeNack(body);
  if (!nack.ok()) {
    Malformed("nack", nack.status(), Address{});
    return;
  }
  auto it = ack_handlers_.find(nack->seq_no);
  if (it == ack_handlers_.end() || !it->second.on_nack) return;
  it->second.on_nack();  // a nack does not consume the handler
}

void Memberlist::HandleAlive(ByteSpan body, const Address& from) {
  if (absl::Status s = config_.IPAllowed(from.ip); !s.ok()) {
    metrics_.Incr("memberlist.dropped.cidr");
    return;
  }
  absl::StatusOr<wire::Alive> a = wire::DecodeAlive(body, config_.address_mode);
  if (!a.ok()) {
    Malformed("alive", a.status(), from);
    return;
  }
  if (a->node.empty()) {
    Malformed("alive", absl::InvalidArgumentError("empty node name"), from);
    return;
  }
  if (a->meta.has_value() && a->meta->size() > limits::kMetaMaxSize) {
    Malformed("alive", absl::InvalidArgumentError("meta over 512 bytes"), from);
    return;
  }
  if (config_.IPMustBeChecked() && !a->addr.empty()) {
    if (absl::Status s = config_.IPAllowed(a->addr); !s.ok()) {
      metrics_.Incr("memberlist.dropped.cidr");
      return;
    }
  }
  if (a->addr.empty()) {
    Malformed("alive", absl::InvalidArgumentError("no address"), from);
    return;
  }
  if (config_.protocol_version < 2 || a->port == 0) {
    a->port = static_cast<uint16_t>(config_.bind_port);
  }
  AliveNode(*a, nullptr, false);
}

void Memberlist::HandleSuspect(ByteSpan body) {
  absl::StatusOr<wire::Suspect> s = wire::DecodeSuspect(body);
  if (!s.ok()) {
    Malformed("suspect", s.status(), Address{});
    return;
  }
  SuspectNode(*s);
}

void Memberlist::HandleDead(ByteSpan body) {
  absl::StatusOr<wire::Dead> d = wire::DecodeDead(body);
  if (!d.ok()) {
    Malformed("dead", d.status(), Address{});
    return;
  }
  DeadNode(*d);
}

void Memberlist::HandleUser(ByteSpan body) {
  metrics_.Incr("memberlist.msg.user");
  if (config_.delegate != nullptr && !body.empty()) {
    config_.delegate->NotifyMsg(
        std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  }
}

void Memberlist::HandleWeight(ByteSpan body) {
  absl::StatusOr<wire::Weight> w = wire::DecodeWeight(body);
  if (!w.ok()) {
    Malformed("weight", w.status(), Address{});
    return;
  }
  WeightNode(*w);
}

// ---------------------------------------------------------------------------
// Inbound streams
// ---------------------------------------------------------------------------

std::optional<Bytes> Memberlist::HandleStream(const Address& from,
                                              ByteSpan stream) {
  if (shutdown_) return std::nullopt;
  metrics_.Incr("memberlist.tcp.accept");
  metrics_.Incr("memberlist.tcp.received", stream.size());
  if (config_.IPMustBeChecked() && !config_.IPAllowed(from.ip).ok()) {
    metrics_.Incr("memberlist.dropped.cidr");
    return std::nullopt;
  }
  const security::Keyring* ring =
      config_.EncryptionEnabled() ? config_.keyring.get() : nullptr;
  absl::StatusOr<Bytes> msg =
      wire::DecodeStream(stream, ring, config_.gossip_verify_incoming);
  auto error_reply = [this](const absl::Status& s) {
    Bytes err;
    wire::Encode(wire::ErrResp{std::string(s.message())}, &err);
    return EncodeStreamMsg(err);
  };
  if (!msg.ok()) {
    Malformed("stream", msg.status(), from);
    return error_reply(msg.status());
  }
  if (msg->empty()) {
    Malformed("stream", absl::InvalidArgumentError("empty"), from);
    return std::nullopt;
  }
  const auto type = static_cast<wire::MessageType>((*msg)[0]);
  const ByteSpan body = ByteSpan(*msg).subspan(1);
  std::optional<Bytes> reply;
  switch (type) {
    case wire::MessageType::kPing: {
      absl::StatusOr<wire::Ping> p = wire::DecodePing(body, config_.address_mode);
      if (!p.ok()) {
        Malformed("tcp_ping", p.status(), from);
        return error_reply(p.status());
      }
      if (!p->node.empty() && p->node != config_.name) return std::nullopt;
      Bytes ack;
      wire::Encode(wire::AckResp{p->seq_no, std::nullopt}, &ack);
      reply = EncodeStreamMsg(ack);
      break;
    }
    case wire::MessageType::kPushPull: {
      absl::StatusOr<wire::PushPull> pp =
          wire::DecodePushPull(body, config_.address_mode);
      if (!pp.ok()) {
        Malformed("push_pull", pp.status(), from);
        return error_reply(pp.status());
      }
      metrics_.Incr("memberlist.tcp.push_pull_in");
      // Reply with our state first (as Go does), then merge theirs.
      Bytes local;
      wire::Encode(LocalState(pp->join), config_.address_mode, &local);
      reply = EncodeStreamMsg(local);
      if (absl::Status s = MergeRemoteState(*pp, pp->join); !s.ok()) {
        metrics_.Incr("memberlist.push_pull.merge_failed");
        Log(LogLevel::kWarn, absl::StrCat("failed to merge push/pull from ",
                                          from.ToString(), ": ",
                                          std::string(s.message())));
      }
      break;
    }
    case wire::MessageType::kUser: {
      absl::StatusOr<std::string> u = wire::DecodeUserStream(body);
      if (!u.ok()) {
        Malformed("user_stream", u.status(), from);
        return error_reply(u.status());
      }
      metrics_.Incr("memberlist.msg.user");
      if (config_.delegate != nullptr && !u->empty()) {
        config_.delegate->NotifyMsg(*u);
      }
      break;
    }
    default:
      metrics_.Incr("memberlist.dropped.unknown_stream_type");
      Log(LogLevel::kWarn, absl::StrCat("stream message type (",
                                        static_cast<int>((*msg)[0]),
                                        ") not supported from ", from.ToString()));
      return std::nullopt;
  }
  if (reply) metrics_.Incr("memberlist.tcp.sent", reply->size());
  CheckInvariants();
  return reply;
}

wire::PushPull Memberlist::LocalState(bool join) const {
  wire::PushPull pp;
  pp.join = join;
  pp.nodes.reserve(nodes_.size());
  for (const auto& r : nodes_) {
    wire::PushNodeState s;
    s.name = r->node.name;
    s.addr = r->node.addr;
    s.port = r->node.port;
    if (!r->node.meta().empty()) s.meta = r->node.meta();
    s.incarnation = r->node.incarnation;
    s.state = static_cast<int64_t>(r->node.state);
    s.vsn = r->node.vsn;  // always 6 bytes: a missing Vsn fails Go's merge
    pp.nodes.push_back(std::move(s));
  }
  if (config_.delegate != nullptr) pp.user_state = config_.delegate->LocalState(join);
  return pp;
}

// ---------------------------------------------------------------------------
// Ack handlers
// ---------------------------------------------------------------------------

void Memberlist::SetAckHandler(uint32_t seq, AckHandler handler,
                               absl::Duration timeout) {
  RemoveAckHandler(seq);  // a wrapped sequence number replaces a stale one
  handler.timer = After(timeout, "ack_timeout", [this, seq] {
    auto it = ack_handlers_.find(seq);
    if (it == ack_handlers_.end()) return;
    AckHandler h = std::move(it->second);
    ack_handlers_.erase(it);
    if (h.on_timeout) h.on_timeout();
    CheckInvariants();
  });
  ack_handlers_[seq] = std::move(handler);
}

void Memberlist::RemoveAckHandler(uint32_t seq) {
  auto it = ack_handlers_.find(seq);
  if (it == ack_handlers_.end()) return;
  CancelTimer(it->second.timer);
  ack_handlers_.erase(it);
}

// ---------------------------------------------------------------------------
// Probing (§6.2)
// ---------------------------------------------------------------------------

void Memberlist::ProbeTick() {
  if (probe_.has_value()) {
    // Go's ticker keeps at most one tick while a probe runs long.
    probe_tick_pending_ = true;
    return;
  }
  size_t num_check = 0;
  while (true) {
    if (num_check >= nodes_.size()) return;
    if (probe_index_ >= nodes_.size()) {
      ResetNodes();
      probe_index_ = 0;
      ++num_check;
      continue;
    }
    NodeRecord* node = nodes_[probe_index_];
    ++probe_index_;
    if (node->node.name == config_.name || DeadOrLeft(node->node.state)) {
      ++num_check;
      continue;
    }
    StartProbe(node);
    return;
  }
}

void Memberlist::StartProbe(NodeRecord* node) {
  const absl::Duration interval = awareness_.ScaleTimeout(config_.probe_interval);
  if (interval > config_.probe_interval) metrics_.Incr("memberlist.degraded.probe");

  Probe p;
  p.id = ++next_probe_id_;
  p.target = node->node.name;
  p.seq_no = NextSeqNo();
  p.interval = interval;
  p.sent = env_->Now();
  const uint64_t id = p.id;

  wire::Ping ping;
  ping.seq_no = p.seq_no;
  ping.node = node->node.name;
  ping.source_addr = advertise_.ip;
  ping.source_port = advertise_.port;
  ping.source_node = config_.name;

  AckHandler h;
  h.on_ack = [this, id](const wire::AckResp& ack, Instant received) {
    ProbeAcked(id, received, ack.payload);
  };
  h.on_nack = [this, id] {
    if (probe_.has_value() && probe_->id == id) ++probe_->nacks;
  };
  h.on_timeout = [this, id] { ProbeDeadline(id); };
  probe_ = std::move(p);
  SetAckHandler(probe_->seq_no, std::move(h), interval);

  Bytes ping_msg;
  wire::Encode(ping, config_.address_mode, &ping_msg);
  if (node->node.state == NodeState::kAlive) {
    SendMsg(node->node.address(), node, std::move(ping_msg));
  } else {
    // Buddy system: tell a suspect it is suspected, with the ping.
    Bytes suspect_msg;
    wire::Encode(wire::Suspect{node->node.incarnation, node->node.name, config_.name},
                 &suspect_msg);
    std::vector<Bytes> parts;
    parts.push_back(std::move(ping_msg));
    parts.push_back(std::move(suspect_msg));
    Bytes compound = wire::MakeCompound(parts);
    RawSendPacket(node->node.address(), node, compound);
  }
  probe_->probe_timeout_timer =
      After(config_.probe_timeout, "probe_timeout", [this, id] { ProbeTimeoutReached(id); });
}

void Memberlist::ProbeAcked(uint64_t probe_id, Instant received,
                            const std::optional<std::string>& payload) {
  if (!probe_.has_value() || probe_->id != probe_id) return;
  if (config_.ping != nullptr) {
    if (const NodeRecord* r = Find(probe_->target); r != nullptr) {
      config_.ping->NotifyPingComplete(ToNode(*r), received - probe_->sent,
                                       payload.value_or(""));
    }
  }
  metrics_.AddTiming("memberlist.probeNode", env_->Now() - probe_->sent);
  ProbeFinish(probe_id, /*success=*/true, -1);
}

void Memberlist::ProbeTimeoutReached(uint64_t probe_id) {
  if (!probe_.has_value() || probe_->id != probe_id) return;
  probe_->probe_timeout_timer = 0;
  NodeRecord* target = Find(probe_->target);
  if (target == nullptr) {
    // Reaped meanwhile: nothing to suspect.
    RemoveAckHandler(probe_->seq_no);
    ProbeFinish(probe_id, /*success=*/false, 0);
    return;
  }
  // Indirect probes through up to IndirectChecks alive members.
  const std::string target_name = probe_->target;
  std::vector<NodeRecord*> relays = KRandomNodes(
      config_.indirect_checks, [&](const NodeRecord& n) {
        return n.node.name == config_.name || n.node.name == target_name ||
               n.node.state != NodeState::kAlive;
      });
  wire::IndirectPingReq ind;
  ind.seq_no = probe_->seq_no;
  ind.target = target->node.addr;
  ind.port = target->node.port;
  ind.node = target->node.name;
  ind.source_addr = advertise_.ip;
  ind.source_port = advertise_.port;
  ind.source_node = config_.name;
  for (NodeRecord* relay : relays) {
    ind.nack = relay->node.pmax() >= limits::kProtocolVersionNack;
    if (ind.nack) ++probe_->expected_nacks;
    Bytes msg;
    wire::Encode(ind, config_.address_mode, &msg);
    SendMsg(relay->node.address(), relay, std::move(msg));
  }

  // TCP fallback, concurrently, until the probe deadline.
  const bool tcp_disabled =
      config_.disable_tcp_pings ||
      (config_.disable_tcp_pings_for_node &&
       config_.disable_tcp_pings_for_node(target->node.name));
  if (!tcp_disabled && target->node.pmax() >= limits::kProtocolVersionTcpPing) {
    const absl::Duration left = probe_->sent + probe_->interval - env_->Now();
    if (left > absl::ZeroDuration()) {
      wire::Ping ping;
      ping.seq_no = probe_->seq_no;
      ping.node = target->node.name;
      ping.source_addr = advertise_.ip;
      ping.source_port = advertise_.port;
      ping.source_node = config_.name;
      Bytes msg;
      wire::Encode(ping, config_.address_mode, &msg);
      Bytes stream = EncodeStreamMsg(msg);
      probe_->tcp_pending = true;
      const uint32_t seq = probe_->seq_no;
      std::weak_ptr<bool> alive = alive_token_;
      metrics_.Incr("memberlist.tcp.connect");
      env_->StreamExchange(
          target->node.address(), std::move(stream), StreamReply::kMessage, left,
          [this, alive, probe_id, seq](absl::StatusOr<Bytes> reply) {
            if (alive.expired() || shutdown_) return;
            bool contacted = false;
            if (reply.ok()) {
              const security::Keyring* ring =
                  config_.EncryptionEnabled() ? config_.keyring.get() : nullptr;
              absl::StatusOr<Bytes> m =
                  wire::DecodeStream(*reply, ring, config_.gossip_verify_incoming);
              if (m.ok() && !m->empty() &&
                  (*m)[0] == static_cast<uint8_t>(wire::MessageType::kAck)) {
                absl::StatusOr<wire::AckResp> ack =
                    wire::DecodeAck(ByteSpan(*m).subspan(1));
                contacted = ack.ok() && ack->seq_no == seq;
              }
            }
            if (!probe_.has_value() || probe_->id != probe_id) return;
            probe_->tcp_pending = false;
            probe_->tcp_contacted = contacted;
            if (probe_->deadline_passed) ProbeDeadline(probe_id);
          });
    }
  }
}

void Memberlist::ProbeDeadline(uint64_t probe_id) {
  if (!probe_.has_value() || probe_->id != probe_id) return;
  probe_->deadline_passed = true;
  if (probe_->tcp_pending) {
    // The fallback's own deadline is the probe's, so its completion (which
    // calls us again) is due now. Guard against an Env that never reports
    // it: after a grace of ProbeTimeout, count it as no contact.
    if (!probe_->tcp_grace_started) {
      probe_->tcp_grace_started = true;
      After(config_.probe_timeout, "probe_tcp_grace", [this, probe_id] {
        if (!probe_.has_value() || probe_->id != probe_id) return;
        metrics_.Incr("memberlist.probe.tcp_fallback_lost");
        probe_->tcp_pending = false;
        ProbeDeadline(probe_id);
      });
    }
    return;
  }
  if (probe_->tcp_contacted) {
    Log(LogLevel::kWarn,
        absl::StrCat("was able to connect to ", probe_->target,
                     " but other probes failed, network may be misconfigured"));
    ProbeFinish(probe_id, /*success=*/true, -1);
    return;
  }
  int delta = 0;
  if (probe_->expected_nacks > 0) {
    if (probe_->nacks < probe_->expected_nacks) {
      delta += probe_->expected_nacks - probe_->nacks;
    }
  } else {
    delta += 1;
  }
  const std::string target = probe_->target;
  ProbeFinish(probe_id, /*success=*/false, delta);
  NodeRecord* node = Find(target);
  if (node == nullptr) return;
  Log(LogLevel::kInfo, absl::StrCat("suspect ", target, " has failed, no acks received"));
  SuspectNode(wire::Suspect{node->node.incarnation, node->node.name, config_.name});
}

void Memberlist::ProbeFinish(uint64_t probe_id, bool success, int awareness_delta) {
  if (!probe_.has_value() || probe_->id != probe_id) return;
  RemoveAckHandler(probe_->seq_no);
  CancelTimer(probe_->probe_timeout_timer);
  probe_.reset();
  awareness_.ApplyDelta(awareness_delta);
  metrics_.SetGauge("memberlist.health.score", awareness_.GetHealthScore());
  metrics_.Incr(success ? "memberlist.probe.success" : "memberlist.probe.failed");
  if (probe_tick_pending_) {
    probe_tick_pending_ = false;
    After(absl::ZeroDuration(), "probe", [this] { ProbeTick(); });
  }
}

void Memberlist::Ping(const std::string& node, const Address& addr,
                      std::function<void(absl::StatusOr<absl::Duration>)> done) {
  if (shutdown_) {
    done(absl::FailedPreconditionError("memberlist is shut down"));
    return;
  }
  wire::Ping ping;
  ping.seq_no = NextSeqNo();
  ping.node = node;
  ping.source_addr = advertise_.ip;
  ping.source_port = advertise_.port;
  ping.source_node = config_.name;
  const Instant sent = env_->Now();
  auto shared_done =
      std::make_shared<std::function<void(absl::StatusOr<absl::Duration>)>>(
          std::move(done));
  AckHandler h;
  h.on_ack = [shared_done, sent](const wire::AckResp&, Instant received) {
    if (*shared_done) std::exchange(*shared_done, nullptr)(received - sent);
  };
  h.on_timeout = [shared_done, node] {
    if (*shared_done) {
      std::exchange(*shared_done, nullptr)(
          absl::NotFoundError(absl::StrCat("no response from node ", node)));
    }
  };
  SetAckHandler(ping.seq_no, std::move(h), config_.probe_timeout);
  Bytes msg;
  wire::Encode(ping, config_.address_mode, &msg);
  Address to = addr;
  to.name = node;
  SendMsg(to, nullptr, std::move(msg));
}

// ---------------------------------------------------------------------------
// Gossip (§6.9)
// ---------------------------------------------------------------------------

void Memberlist::GossipTick() {
  const Instant now = env_->Now();
  std::vector<NodeRecord*> targets =
      KRandomNodes(config_.gossip_nodes, [&](const NodeRecord& n) {
        if (n.node.name == config_.name) return true;
        switch (n.node.state) {
          case NodeState::kAlive:
          case NodeState::kSuspect:
            return false;
          case NodeState::kDead:
            return now - n.state_change > config_.gossip_to_the_dead_time;
          default:
            return true;
        }
      });
  size_t avail = static_cast<size_t>(config_.udp_buffer_size) -
                 limits::kCompoundHeaderOverhead;
  if (config_.EncryptionEnabled()) avail -= encryption_version_ == 0 ? 45 : 29;
  for (NodeRecord* node : targets) {
    std::vector<Bytes> msgs =
        GetBroadcasts(limits::kCompoundPartOverhead, avail, node);
    if (msgs.empty()) return;
    metrics_.Incr("memberlist.gossip");
    if (msgs.size() == 1) {
      RawSendPacket(node->node.address(), node, msgs[0]);
    } else {
      Bytes compound = wire::MakeCompound(msgs);
      RawSendPacket(node->node.address(), node, compound);
    }
  }
}

// ---------------------------------------------------------------------------
// Push/pull (§2.7)
// ---------------------------------------------------------------------------

void Memberlist::SchedulePushPull(absl::Duration delay) {
  After(delay, "push_pull", [this] {
    SchedulePushPull(PushPullScale(config_.push_pull_interval, EstNumNodes()));
    PushPullTick();
  });
}

void Memberlist::PushPullTick() {
  std::vector<NodeRecord*> peers = KRandomNodes(1, [&](const NodeRecord& n) {
    return n.node.name == config_.name || n.node.state != NodeState::kAlive;
  });
  if (peers.empty()) return;
  const Instant start = env_->Now();
  PushPullWith(peers[0]->node.address(), /*join=*/false,
               [this, start](absl::Status s) {
                 metrics_.AddTiming("memberlist.pushPullNode", env_->Now() - start);
                 if (!s.ok()) {
                   Log(LogLevel::kWarn, absl::StrCat("push/pull failed: ",
                                                     std::string(s.message())));
                 }
               });
}

void Memberlist::PushPullWith(const Address& addr, bool join,
                              std::function<void(absl::Status)> done) {
  Bytes msg;
  wire::Encode(LocalState(join), config_.address_mode, &msg);
  Bytes stream = EncodeStreamMsg(msg);
  CountSent("memberlist.tcp.sent", stream.size());
  metrics_.Incr("memberlist.tcp.connect");
  std::weak_ptr<bool> alive = alive_token_;
  env_->StreamExchange(
      addr, std::move(stream), StreamReply::kMessage, config_.tcp_timeout,
      [this, alive, join, done = std::move(done)](absl::StatusOr<Bytes> reply) {
        if (alive.expired()) return;
        if (shutdown_) {
          done(absl::FailedPreconditionError("memberlist is shut down"));
          return;
        }
        if (!reply.ok()) {
          done(reply.status());
          return;
        }
        metrics_.Incr("memberlist.tcp.received", reply->size());
        const security::Keyring* ring =
            config_.EncryptionEnabled() ? config_.keyring.get() : nullptr;
        absl::StatusOr<Bytes> m =
            wire::DecodeStream(*reply, ring, config_.gossip_verify_incoming);
        if (!m.ok()) {
          done(m.status());
          return;
        }
        if (m->empty()) {
          done(absl::DataLossError("empty push/pull reply"));
          return;
        }
        const ByteSpan body = ByteSpan(*m).subspan(1);
        if ((*m)[0] == static_cast<uint8_t>(wire::MessageType::kErr)) {
          absl::StatusOr<wire::ErrResp> e = wire::DecodeErr(body);
          done(absl::UnknownError(absl::StrCat(
              "remote error: ", e.ok() ? e->error : std::string("(undecodable)"))));
          return;
        }
        if ((*m)[0] != static_cast<uint8_t>(wire::MessageType::kPushPull)) {
          done(absl::DataLossError(absl::StrCat("unexpected reply type ",
                                                static_cast<int>((*m)[0]))));
          return;
        }
        absl::StatusOr<wire::PushPull> pp =
            wire::DecodePushPull(body, config_.address_mode);
        if (!pp.ok()) {
          metrics_.Incr("memberlist.malformed.push_pull");
          done(pp.status());
          return;
        }
        // Item 9 of issue 14: the initiator merges with its OWN join flag
        // (Go's pushPullNode), so a reply claiming Join=false cannot skip
        // our MergeDelegate's veto on a join.
        absl::Status merged = MergeRemoteState(*pp, join);
        CheckInvariants();
        done(merged);
      });
}

// ---------------------------------------------------------------------------
// Join, leave, update
// ---------------------------------------------------------------------------

void Memberlist::Join(const std::vector<std::string>& seeds, JoinCallback done) {
  if (shutdown_) {
    done(0, absl::FailedPreconditionError("memberlist is shut down"));
    return;
  }
  struct JoinState {
    int pending = 0;
    int contacted = 0;
    std::vector<std::string> errors;
    JoinCallback done;
    bool resolving = true;
  };
  auto st = std::make_shared<JoinState>();
  st->done = std::move(done);
  auto finish_one = [this, st] {
    if (st->pending > 0 || st->resolving) return;
    absl::Status s = absl::OkStatus();
    if (st->contacted == 0) {
      s = absl::UnavailableError(
          st->errors.empty() ? std::string("no join addresses given")
                             : absl::StrJoin(st->errors, "; "));
    } else {
      // Tell the cluster about us right away instead of waiting for the
      // next gossip tick: the seed already knows us, the rest learn it now.
      if (!shutdown_ && config_.gossip_interval > absl::ZeroDuration()) {
        After(absl::ZeroDuration(), "gossip", [this] { GossipTick(); });
      }
    }
    JoinCallback cb = std::move(st->done);
    cb(st->contacted, s);
  };
  auto push_pull = [this, st, finish_one](const Address& addr) {
    ++st->pending;
    PushPullWith(addr, /*join=*/true, [this, st, addr, finish_one](absl::Status s) {
      --st->pending;
      if (s.ok()) {
        ++st->contacted;
        if (st->contacted == 1 && config_.join_sync && !shutdown_ &&
            config_.probe_interval > absl::ZeroDuration()) {
          // See Config::join_sync.
          const int64_t half = absl::ToInt64Nanoseconds(config_.probe_interval) / 2;
          const absl::Duration delay = absl::Nanoseconds(
              half + static_cast<int64_t>(env_->Random() % static_cast<uint64_t>(half + 1)));
          After(delay, "join_sync", [this, addr] {
            metrics_.Incr("memberlist.join_sync");
            PushPullWith(addr, /*join=*/false, [](absl::Status) {});
          });
        }
      } else {
        st->errors.push_back(absl::StrCat("Failed to join ", addr.ToString(), ": ",
                                          std::string(s.message())));
      }
      finish_one();
    });
  };
  for (const std::string& seed : seeds) {
    absl::StatusOr<JoinTarget> t =
        ParseJoinAddress(seed, static_cast<uint16_t>(config_.bind_port));
    if (!t.ok()) {
      st->errors.push_back(absl::StrCat("Failed to resolve ", seed, ": ",
                                        std::string(t.status().message())));
      continue;
    }
    if (std::optional<IpAddress> ip = IpAddress::Parse(t->host); ip.has_value()) {
      push_pull(Address{*ip, t->port, t->node_name});
      continue;
    }
    ++st->pending;
    std::weak_ptr<bool> alive = alive_token_;
    env_->Resolve(t->host, [alive, st, t = *t, seed, push_pull, finish_one](
                               absl::StatusOr<std::vector<IpAddress>> ips) {
      if (alive.expired()) return;
      --st->pending;
      if (!ips.ok() || ips->empty()) {
        st->errors.push_back(absl::StrCat(
            "Failed to resolve ", seed, ": ",
            ips.ok() ? std::string("no addresses") : std::string(ips.status().message())));
      } else {
        for (const IpAddress& ip : *ips) push_pull(Address{ip, t.port, t.node_name});
      }
      finish_one();
    });
  }
  st->resolving = false;
  finish_one();
}

void Memberlist::Leave(absl::Duration timeout, StatusCallback done) {
  if (shutdown_) {
    done(absl::FailedPreconditionError("memberlist is shut down"));
    return;
  }
  if (left_) {
    done(absl::OkStatus());
    return;
  }
  left_ = true;
  NodeRecord* me = Find(config_.name);
  if (me == nullptr) {
    done(absl::OkStatus());
    return;
  }
  const wire::Dead d{me->node.incarnation, me->node.name, me->node.name};
  BroadcastAndWait(timeout, "leave", std::move(done),
                   [this, &d](std::function<void()> notify) {
                     leave_notify_ = std::move(notify);
                     DeadNode(d);
                     leave_notify_ = nullptr;
                   });
}

void Memberlist::BroadcastAndWait(
    absl::Duration timeout, const char* what, StatusCallback done,
    const std::function<void(std::function<void()>)>& queue) {
  auto shared_done = std::make_shared<StatusCallback>(std::move(done));
  auto timer = std::make_shared<TimerId>(0);
  // Wait only if someone is there to hear it (Go's anyAlive).
  const bool wait = AnyAlive();
  std::function<void()> notify;
  if (wait) {
    notify = [this, shared_done, timer] {
      CancelTimer(*timer);
      if (*shared_done) std::exchange(*shared_done, nullptr)(absl::OkStatus());
    };
  }
  queue(std::move(notify));
  if (!wait) {
    (*shared_done)(absl::OkStatus());
    return;
  }
  if (timeout > absl::ZeroDuration() && *shared_done) {
    *timer = After(timeout, "broadcast_wait_timeout", [shared_done, what] {
      if (*shared_done) {
        std::exchange(*shared_done, nullptr)(absl::DeadlineExceededError(
            absl::StrCat("timeout waiting for ", what, " broadcast")));
      }
    });
  }
  CheckInvariants();
}

void Memberlist::UpdateNode(absl::Duration timeout, StatusCallback done) {
  if (shutdown_) {
    done(absl::FailedPreconditionError("memberlist is shut down"));
    return;
  }
  std::string meta;
  if (config_.delegate != nullptr) {
    meta = config_.delegate->NodeMeta(limits::kMetaMaxSize);
    if (meta.size() > limits::kMetaMaxSize) {
      done(absl::InvalidArgumentError(absl::StrCat(
          "node meta is ", meta.size(), " bytes; the limit is ", limits::kMetaMaxSize)));
      return;
    }
  }
  NodeRecord* me = Find(config_.name);
  if (me == nullptr) {
    done(absl::FailedPreconditionError("not started"));
    return;
  }
  wire::Alive a;
  a.incarnation = NextIncarnation();
  a.node = config_.name;
  a.addr = me->node.addr;
  a.port = me->node.port;
  if (!meta.empty()) a.meta = meta;
  a.vsn = OwnVsn();
  BroadcastAndWait(timeout, "update", std::move(done),
                   [this, &a](std::function<void()> notify) {
                     AliveNode(a, std::move(notify), /*bootstrap=*/true);
                   });
}

}  // namespace swim
