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
// when its suspicion timer fires. The timer starts at max =
// SuspicionMaxTimeoutMult x min and shrinks towards min = SuspicionMult x
// log10(n) x ProbeInterval as independent members confirm the suspicion (k =
// SuspicionMult - 2 of them suffice), so a real failure is declared fast and a
// lone accuser, slowly.
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
// DEPARTURES FROM GO 0.2.2 (the wire and the rules above are unchanged).
// Each is a Config field (config.h, between BEGIN and END DEPARTURES) that
// defaults to our behaviour; Config::ApplyGoCompat() turns every one to
// Go's. docs/departures.md lists them with what Go does, why we differ and
// the scenario that measures the difference.
#include "core/memberlist.h"

#include <algorithm>
#include <utility>

#include "core/check.h"
#include "core/internal/join.h"
#include "core/internal/member_table.h"
#include "core/internal/messenger.h"
#include "core/internal/node_context.h"
#include "core/internal/prober.h"
#include "core/internal/state_rules.h"
#include "core/internal/weights.h"
#include "core/limits.h"
#include "core/metric_names.h"
#include "core/security/keyring.h"
#include "core/status_macros.h"

#include "absl/strings/str_cat.h"

namespace swim {

namespace internal {

// The parts of one node, in construction order (core/internal/node_context.h).
struct NodeParts {
  NodeParts(Config config, Env* env, const Address& advertise)
      : ctx(std::move(config), env, advertise),
        state(ctx),
        weights(ctx),
        messenger(ctx),
        prober(ctx) {
    ctx.state = &state;
    ctx.weights = &weights;
    ctx.messenger = &messenger;
    ctx.prober = &prober;
    // Create registers nothing with the Env, and the table starts empty.
    SWIM_DCHECK(ctx.num_timers() == 0);
    SWIM_DCHECK(ctx.table.size() == 0);
  }
  NodeContext ctx;
  StateRules state;
  Weights weights;
  Messenger messenger;
  Prober prober;
};

}  // namespace internal

namespace {

using internal::NodeContext;
using internal::NodeParts;
using internal::NodeRecord;

absl::Status ShutDownError() {
  return absl::FailedPreconditionError("memberlist is shut down");
}

// A periodic loop: reschedules first so the period does not drift with the
// work done.
void ScheduleLoop(NodeContext& ctx, absl::Duration first, absl::Duration every,
                  const char* label, std::function<void()> tick) {
  SWIM_DCHECK(every > absl::ZeroDuration());
  SWIM_DCHECK(first >= absl::ZeroDuration() && first <= every);
  SWIM_DCHECK(tick != nullptr);
  ctx.After(first, label, [&ctx, every, label, tick] {
    ScheduleLoop(ctx, every, every, label, tick);
    tick();
  });
}

// A random delay in [0, interval): loops start staggered.
absl::Duration Stagger(Env* env, absl::Duration interval) {
  SWIM_DCHECK(env != nullptr);
  SWIM_DCHECK(interval > absl::ZeroDuration());
  const uint64_t span = static_cast<uint64_t>(
      std::max<int64_t>(1, absl::ToInt64Nanoseconds(interval)));
  return absl::Nanoseconds(static_cast<int64_t>(env->Random() % span));
}

// The first tick of a ticker loop: a random stagger, or (staggered_ticks
// off) one whole interval, where Go's ticker fires first: Go creates it
// before its stagger wait, so the stagger changes nothing (state.go:120,132
// vs 146-161).
absl::Duration FirstTick(NodeContext& ctx, absl::Duration interval) {
  if (!ctx.config.staggered_ticks) return interval;
  return Stagger(ctx.env, interval);
}

void StartLoops(NodeParts& p) {
  SWIM_DCHECK(p.ctx.started && !p.ctx.shutdown);
  SWIM_DCHECK(p.ctx.Self() != nullptr);
  NodeContext& ctx = p.ctx;
  const Config& c = ctx.config;
  if (c.probe_interval > absl::ZeroDuration()) {
    ScheduleLoop(ctx, FirstTick(ctx, c.probe_interval), c.probe_interval,
                 "probe", [&p] { p.prober.ProbeTick(); });
  }
  if (c.gossip_interval > absl::ZeroDuration() && c.gossip_nodes > 0) {
    ScheduleLoop(ctx, FirstTick(ctx, c.gossip_interval), c.gossip_interval,
                 "gossip", [&p] { p.prober.GossipTick(); });
  }
  if (c.push_pull_interval > absl::ZeroDuration()) {
    p.messenger.StartPushPull(Stagger(ctx.env, c.push_pull_interval));
  }
  if (c.weight_interval > absl::ZeroDuration()) {
    ScheduleLoop(ctx, FirstTick(ctx, c.weight_interval), c.weight_interval,
                 "weight", [&p] { p.weights.Tick(); });
  }
}

// Leave/UpdateNode: `queue(notify)` queues a broadcast whose Finished()
// calls notify; `done` then gets OK, or DeadlineExceeded after `timeout`.
// With no other live member there is nobody to wait for: done at once.
void BroadcastAndWait(NodeContext& ctx, absl::Duration timeout,
                      const char* what, Memberlist::StatusCallback done,
                      const std::function<void(std::function<void()>)>& queue) {
  SWIM_DCHECK(!ctx.shutdown && ctx.Self() != nullptr);
  SWIM_DCHECK(done != nullptr && queue != nullptr);
  auto shared_done =
      std::make_shared<Memberlist::StatusCallback>(std::move(done));
  auto timer = std::make_shared<TimerId>(0);
  std::erase_if(
      ctx.broadcast_waiters,
      [](const NodeContext::BroadcastWaiter& w) { return w.done.expired(); });
  ctx.broadcast_waiters.push_back({shared_done, what});
  // Wait only if someone is there to hear it (Go's anyAlive).
  const bool wait = ctx.table.AnyAliveExcept(ctx.config.name);
  std::function<void()> notify;
  if (wait) {
    notify = [&ctx, shared_done, timer] {
      ctx.CancelTimer(*timer);
      if (*shared_done) std::exchange(*shared_done, nullptr)(absl::OkStatus());
    };
  }
  queue(std::move(notify));
  // Only the retirement of the broadcast just queued calls notify.
  SWIM_DCHECK(!wait || *shared_done);
  if (!wait) {
    (*shared_done)(absl::OkStatus());
    return;
  }
  if (timeout > absl::ZeroDuration() && *shared_done) {
    *timer = ctx.After(timeout, "broadcast_wait_timeout", [shared_done, what] {
      if (*shared_done) {
        std::exchange(*shared_done, nullptr)(absl::DeadlineExceededError(
            absl::StrCat("timeout waiting for ", what, " broadcast")));
      }
    });
  }
  if (ctx.check_invariants) ctx.check_invariants();
}

}  // namespace

// ---------------------------------------------------------------------------
// Construction and lifetime
// ---------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Memberlist>> Memberlist::Create(
    Config config, Env* env, const Address& advertise) {
  SWIM_RETURN_IF_ERROR(config.Validate());
  SWIM_DCHECK(!config.name.empty());
  if (env == nullptr) return absl::InvalidArgumentError("env must not be null");
  if (advertise.ip.empty() || advertise.port == 0) {
    return absl::InvalidArgumentError(
        "advertise address must have an IP and a non-zero port");
  }
  if (!config.secret_key.empty()) {
    if (config.keyring == nullptr) {
      config.keyring = std::make_shared<security::Keyring>();
    }
    SWIM_RETURN_IF_ERROR(config.keyring->AddKey(config.secret_key));
    SWIM_RETURN_IF_ERROR(config.keyring->UseKey(config.secret_key));
  }
  SWIM_DCHECK(config.secret_key.empty() || config.EncryptionEnabled());
  return std::unique_ptr<Memberlist>(new Memberlist(
      std::make_unique<NodeParts>(std::move(config), env, advertise)));
}

Memberlist::Memberlist(std::unique_ptr<NodeParts> parts)
    : p_(std::move(parts)) {
  SWIM_CHECK(p_ != nullptr);
  p_->ctx.check_invariants = [this] { CheckInvariants(); };
}

Memberlist::~Memberlist() {
  Shutdown();
  *p_->ctx.alive_token = false;
}

absl::Status Memberlist::Start() {
  NodeContext& ctx = p_->ctx;
  if (ctx.shutdown) return ShutDownError();
  if (ctx.started) return absl::FailedPreconditionError("already started");
  ctx.started = true;

  SWIM_ASSIGN_OR_RETURN(const std::string meta, p_->state.ReadOwnMeta());
  p_->state.AliveNode(p_->state.SelfAlive(p_->state.NextIncarnation(), meta),
                      nullptr,
                      /*bootstrap=*/true);
  if (ctx.Self() == nullptr) {
    // Our own alive was refused: the allow-list excludes our advertise
    // address, or the AliveDelegate vetoed it. Go logs and runs on without
    // itself in the table; a node that cannot see itself is misconfigured,
    // so say so to the caller instead.
    Shutdown();
    if (absl::Status s = ctx.config.IPAllowed(ctx.advertise.ip); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "this node's advertise address ", ctx.advertise.ip.ToString(),
          " is outside cidrs_allowed: ", s.message()));
    }
    return absl::InvalidArgumentError(
        "this node's own alive was refused (the AliveDelegate vetoed it)");
  }
  SWIM_DCHECK(ctx.started && !ctx.shutdown && !ctx.left);
  SWIM_DCHECK(ctx.Self()->node.incarnation <= p_->state.incarnation());
  StartLoops(*p_);
  CheckInvariants();
  return absl::OkStatus();
}

void Memberlist::Shutdown() {
  NodeContext& ctx = p_->ctx;
  if (ctx.shutdown) return;
  ctx.shutdown = true;
  ctx.CancelAllTimers();
  p_->prober.Clear();
  p_->state.Clear();
  // Go's Shutdown leaves the queue alone, so a pending Leave / UpdateNode
  // never hears its broadcast went out and times out (memberlist.go:
  // 519-529, 657-668). Nothing will be sent now: fail the waiters, then
  // drop the queues without calling Finished().
  for (NodeContext::BroadcastWaiter& w :
       std::exchange(ctx.broadcast_waiters, {})) {
    std::shared_ptr<StatusCallback> done = w.done.lock();
    if (done == nullptr || !*done) continue;
    std::exchange(*done, nullptr)(absl::FailedPreconditionError(absl::StrCat(
        "memberlist shut down before the ", w.what, " broadcast was sent")));
  }
  p_->messenger.Clear();
  p_->weights.queue().Clear();
  SWIM_DCHECK(ctx.num_timers() == 0 && p_->prober.num_ack_handlers() == 0);
  SWIM_DCHECK(p_->state.num_suspicions() == 0);
  SWIM_DCHECK(p_->messenger.NumQueued() == 0 &&
              p_->weights.queue().NumQueued() == 0);
}

void Memberlist::CheckInvariants() const {
  SWIM_DCHECK(p_ != nullptr);
  // After Shutdown nothing is in flight.
  SWIM_DCHECK(!p_->ctx.shutdown || (p_->prober.num_ack_handlers() == 0 &&
                                    p_->state.num_suspicions() == 0));
  p_->ctx.CheckInvariants();
  p_->ctx.table.CheckInvariants();
  p_->state.CheckInvariants();
  p_->messenger.CheckInvariants();
  p_->prober.CheckInvariants();
  p_->weights.CheckInvariants();
}

// ---------------------------------------------------------------------------
// Inbound
// ---------------------------------------------------------------------------

void Memberlist::HandlePacket(const Address& from, ByteSpan packet,
                              Instant received) {
  if (p_->ctx.shutdown) return;
  p_->messenger.HandlePacket(from, packet, received);
  SWIM_DCHECK(p_->ctx.check_invariants != nullptr);
  CheckInvariants();
}

std::optional<Bytes> Memberlist::HandleStream(const Address& from,
                                              ByteSpan stream) {
  if (p_->ctx.shutdown) return std::nullopt;
  std::optional<Bytes> reply = p_->messenger.HandleStream(from, stream);
  SWIM_DCHECK(p_->ctx.check_invariants != nullptr);
  CheckInvariants();
  return reply;
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

void Memberlist::Join(const std::vector<std::string>& seeds,
                      JoinCallback done) {
  SWIM_DCHECK(done != nullptr);
  if (p_->ctx.shutdown) {
    done(0, ShutDownError());
    return;
  }
  internal::JoinCluster(p_->ctx, seeds, std::move(done));
}

void Memberlist::Leave(absl::Duration timeout, StatusCallback done) {
  SWIM_DCHECK(done != nullptr);
  NodeContext& ctx = p_->ctx;
  if (ctx.shutdown) {
    done(ShutDownError());
    return;
  }
  if (ctx.left) {
    done(absl::OkStatus());
    return;
  }
  ctx.left = true;
  if (ctx.Self() == nullptr) {
    done(absl::OkStatus());
    return;
  }
  SWIM_DCHECK(ctx.left && ctx.Self() != nullptr);
  BroadcastAndWait(ctx, timeout, "leave", std::move(done),
                   [this](std::function<void()> notify) {
                     p_->state.AnnounceLeave(std::move(notify));
                   });
}

void Memberlist::UpdateNode(absl::Duration timeout, StatusCallback done) {
  SWIM_DCHECK(done != nullptr);
  NodeContext& ctx = p_->ctx;
  if (ctx.shutdown) {
    done(ShutDownError());
    return;
  }
  absl::StatusOr<std::string> meta = p_->state.ReadOwnMeta();
  if (!meta.ok()) {
    done(meta.status());
    return;
  }
  if (ctx.Self() == nullptr) {
    done(absl::FailedPreconditionError("not started"));
    return;
  }
  const wire::Alive a = p_->state.SelfAlive(p_->state.NextIncarnation(), *meta);
  SWIM_DCHECK(a.incarnation == p_->state.incarnation());
  SWIM_DCHECK(!a.meta.has_value() || a.meta->size() <= limits::kMetaMaxSize);
  BroadcastAndWait(ctx, timeout, "update", std::move(done),
                   [this, &a](std::function<void()> notify) {
                     p_->state.AliveNode(a, std::move(notify),
                                         /*bootstrap=*/true);
                   });
}

absl::Status Memberlist::SendBestEffort(const std::string& node,
                                        std::string_view msg) {
  if (p_->ctx.shutdown) return ShutDownError();
  return p_->messenger.SendBestEffort(node, msg);
}

absl::Status Memberlist::SendToAddress(const Address& to,
                                       std::string_view msg) {
  if (p_->ctx.shutdown) return ShutDownError();
  return p_->messenger.SendToAddress(to, msg);
}

void Memberlist::SendReliable(const std::string& node, std::string_view msg,
                              StatusCallback done) {
  SWIM_DCHECK(done != nullptr);
  if (p_->ctx.shutdown) {
    done(ShutDownError());
    return;
  }
  p_->messenger.SendReliable(node, msg, std::move(done));
}

void Memberlist::Ping(
    const std::string& node, const Address& addr,
    std::function<void(absl::StatusOr<absl::Duration>)> done) {
  SWIM_DCHECK(done != nullptr);
  if (p_->ctx.shutdown) {
    done(ShutDownError());
    return;
  }
  p_->prober.Ping(node, addr, std::move(done));
}

std::optional<Node> Memberlist::PickWeighted() {
  return p_->weights.PickWeighted();
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

std::vector<Node> Memberlist::Members() const {
  std::vector<Node> out;
  for (const NodeRecord* r : p_->ctx.table.order()) {
    if (!internal::DeadOrLeft(r->node.state)) out.push_back(p_->ctx.ToNode(*r));
  }
  SWIM_DCHECK(out.size() == static_cast<size_t>(p_->ctx.table.NumLive()));
  return out;
}

int Memberlist::NumMembers() const { return p_->ctx.table.NumLive(); }

void Memberlist::SetNumMembersObserver(std::function<void(int)> observer) {
  p_->ctx.table.SetLiveCountObserver(std::move(observer));
}

void Memberlist::SetHealthScoreObserver(std::function<void(int)> observer) {
  p_->ctx.awareness.SetObserver(std::move(observer));
}

std::vector<Node> Memberlist::AllNodes() const {
  std::vector<Node> out;
  out.reserve(p_->ctx.table.size());
  for (const NodeRecord* r : p_->ctx.table.order())
    out.push_back(p_->ctx.ToNode(*r));
  SWIM_DCHECK(out.size() == p_->ctx.table.size());
  return out;
}

std::optional<Node> Memberlist::GetNode(const std::string& name) const {
  const NodeRecord* r = p_->ctx.table.Find(name);
  if (r == nullptr) return std::nullopt;
  SWIM_DCHECK(r->node.name() == name);
  return p_->ctx.ToNode(*r);
}

std::optional<NodeState> Memberlist::StateOf(std::string_view name) const {
  const NodeRecord* r = p_->ctx.table.Find(name);
  if (r == nullptr) return std::nullopt;
  SWIM_DCHECK(r->node.state <= NodeState::kLeft && r->node.name() == name);
  return r->node.state;
}

Node Memberlist::LocalNode() const {
  const NodeContext& ctx = p_->ctx;
  if (const NodeRecord* r = ctx.Self(); r != nullptr) return ctx.ToNode(*r);
  Node n;
  n.name = ctx.config.name;
  n.addr = ctx.advertise.ip;
  n.port = ctx.advertise.port;
  n.vsn = ctx.OwnVsn();
  SWIM_DCHECK(!n.name.empty() && n.port != 0);
  SWIM_DCHECK(n.vsn[0] <= n.vsn[1]);  // PMin <= PMax
  return n;
}

int Memberlist::GetHealthScore() const {
  return p_->ctx.awareness.GetHealthScore();
}
uint8_t Memberlist::ProtocolVersion() const {
  return p_->ctx.config.protocol_version;
}
const Address& Memberlist::AdvertiseAddr() const { return p_->ctx.advertise; }
int Memberlist::EstNumNodes() const {
  return static_cast<int>(p_->ctx.table.size());
}
uint32_t Memberlist::Incarnation() const { return p_->state.incarnation(); }
bool Memberlist::HasLeft() const { return p_->ctx.left; }
const Config& Memberlist::config() const { return p_->ctx.config; }
const Metrics& Memberlist::metrics() const { return p_->ctx.metrics; }
size_t Memberlist::NumQueuedBroadcasts() const {
  return p_->messenger.NumQueued();
}

Memberlist::Usage Memberlist::ResourceUsage() const {
  SWIM_DCHECK(p_->state.num_suspicions() <= p_->ctx.table.size());
  SWIM_DCHECK(p_->weights.size() <= p_->ctx.table.size());
  return {p_->ctx.table.size(),
          p_->messenger.NumQueued(),
          p_->weights.queue().NumQueued(),
          p_->prober.num_ack_handlers(),
          p_->state.num_suspicions(),
          p_->weights.size(),
          p_->ctx.num_timers()};
}

}  // namespace swim
