#include "core/internal/prober.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "core/check.h"
#include "core/cover.h"
#include "core/internal/messenger.h"
#include "core/internal/state_rules.h"
#include "core/internal/weights.h"
#include "core/limits.h"
#include "core/metric_names.h"

#include "absl/strings/str_cat.h"

namespace swim::internal {

Prober::Prober(NodeContext& ctx) : ctx_(ctx) {}

wire::Ping Prober::MakePing(uint32_t seq_no, const std::string& node) const {
  SWIM_DCHECK(!ctx_.config.name.empty());
  wire::Ping ping;
  ping.seq_no = seq_no;
  ping.node = node;
  ping.source_addr = ctx_.advertise.ip;
  ping.source_port = ctx_.advertise.port;
  ping.source_node = ctx_.config.name;
  SWIM_DCHECK(!ping.source_addr.empty() && ping.source_port != 0);
  return ping;
}

void Prober::Clear() {
  SWIM_DCHECK(ctx_.shutdown);  // only Shutdown drops the handlers
  ack_handlers_.clear();
  probe_.reset();
  probe_tick_pending_ = false;
  SWIM_DCHECK(ack_handlers_.empty() && !probe_.has_value());
}

// ---------------------------------------------------------------------------
// Ack handlers
// ---------------------------------------------------------------------------

void Prober::SetAckHandler(uint32_t seq, AckHandler handler,
                           absl::Duration timeout) {
  SWIM_DCHECK(handler.timer == 0);
  SWIM_DCHECK(timeout >= absl::ZeroDuration());
  SWIM_DCHECK(handler.on_ack != nullptr);
  RemoveAckHandler(seq);  // a wrapped sequence number replaces a stale one
  handler.timer = ctx_.After(timeout, "ack_timeout", [this, seq] {
    auto it = ack_handlers_.find(seq);
    if (it == ack_handlers_.end()) return;
    AckHandler h = std::move(it->second);
    ack_handlers_.erase(it);
    if (h.on_timeout) h.on_timeout();
    if (ctx_.check_invariants) ctx_.check_invariants();
  });
  ack_handlers_[seq] = std::move(handler);
  SWIM_DCHECK(ack_handlers_.find(seq)->second.timer != 0);
  SWIM_DCHECK(ack_handlers_.contains(seq));
}

void Prober::RemoveAckHandler(uint32_t seq) {
  auto it = ack_handlers_.find(seq);
  if (it == ack_handlers_.end()) return;
  SWIM_DCHECK(it->second.timer != 0);  // every handler has its deadline
  ctx_.CancelTimer(it->second.timer);
  ack_handlers_.erase(it);
}

void Prober::HandleAck(ByteSpan body, Instant received) {
  absl::StatusOr<wire::AckResp> ack = wire::DecodeAck(body);
  if (!ack.ok()) {
    ctx_.messenger->Malformed(metric::kMalformedAck, ack.status(), Address{});
    return;
  }
  auto it = ack_handlers_.find(ack->seq_no);
  if (it == ack_handlers_.end()) {
    ctx_.metrics.Incr(metric::kDroppedAckUnknown);
    SWIM_COVER("ack_after_deadline");
    return;
  }
  AckHandler h = std::move(it->second);
  ack_handlers_.erase(it);
  ctx_.CancelTimer(h.timer);
  SWIM_DCHECK(h.timer != 0);
  SWIM_DCHECK(!ack_handlers_.contains(ack->seq_no));
  if (h.on_ack) h.on_ack(*ack, received);
}

void Prober::HandleNack(ByteSpan body) {
  absl::StatusOr<wire::NackResp> nack = wire::DecodeNack(body);
  if (!nack.ok()) {
    ctx_.messenger->Malformed(metric::kMalformedNack, nack.status(), Address{});
    return;
  }
  auto it = ack_handlers_.find(nack->seq_no);
  if (it == ack_handlers_.end() || !it->second.on_nack) return;
  SWIM_DCHECK(it->second.timer != 0);
  SWIM_COVER("nack_received");
  it->second.on_nack();  // a nack does not consume the handler
}

// ---------------------------------------------------------------------------
// Answering pings
// ---------------------------------------------------------------------------

void Prober::HandlePing(ByteSpan body, const Address& from) {
  absl::StatusOr<wire::Ping> p =
      wire::DecodePing(body, ctx_.config.address_mode);
  if (!p.ok()) {
    ctx_.messenger->Malformed(metric::kMalformedPing, p.status(), from);
    return;
  }
  if (!p->node.empty() && !ctx_.IsSelf(p->node)) {
    ctx_.metrics.Incr(metric::kDroppedPingWrongNode);
    return;
  }
  // The fork's handlePing: no ack towards a disallowed SourceAddr.
  if (ctx_.NamedSourceDisallowed(p->source_addr, "ping")) return;
  wire::AckResp ack;
  ack.seq_no = p->seq_no;
  SWIM_DCHECK(p->node.empty() || ctx_.IsSelf(p->node));
  if (ctx_.config.ping != nullptr) ack.payload = ctx_.config.ping->AckPayload();
  Address to = from;
  if (!p->source_addr.empty() && p->source_port > 0) {
    to = Address{p->source_addr, p->source_port, ""};
  }
  to.name = p->source_node;
  if (const NodeRecord* r = ctx_.table.Find(p->source_node);
      r != nullptr && r->node.addr() == from.ip &&
      r->node.port() == from.port) {
    ctx_.state->Confirm(p->source_node);  // a ping from it, from its address
  }
  Bytes msg;
  wire::Encode(ack, &msg);
  ctx_.messenger->SendMsg(to, nullptr, std::move(msg))
      .IgnoreError();  // refusals are counted and logged
}

void Prober::HandleIndirectPing(ByteSpan body, const Address& from) {
  const Config& c = ctx_.config;
  absl::StatusOr<wire::IndirectPingReq> ind =
      wire::DecodeIndirectPing(body, c.address_mode);
  if (!ind.ok()) {
    ctx_.messenger->Malformed(metric::kMalformedIndirectPing, ind.status(),
                              from);
    return;
  }
  // The fork's handleIndirectPing: no ping, ack or nack for a requester
  // outside the allow-list (the target is not checked).
  if (ctx_.NamedSourceDisallowed(ind->source_addr, "indirect ping")) return;
  if (ind->target.empty()) {
    ctx_.messenger->Malformed(metric::kMalformedIndirectPing,
                              absl::InvalidArgumentError("no target"), from);
    return;
  }
  if (c.protocol_version < 2 || ind->port == 0) {
    ind->port = static_cast<uint16_t>(c.bind_port);
  }
  Address requester = from;
  if (!ind->source_addr.empty() && ind->source_port > 0) {
    requester = Address{ind->source_addr, ind->source_port, ""};
  }
  requester.name = ind->source_node;

  const uint32_t local_seq = NextSeqNo();
  SWIM_DCHECK(local_seq == seq_no_);
  const wire::Ping ping = MakePing(local_seq, ind->node);
  const uint32_t their_seq = ind->seq_no;
  const bool want_nack = ind->nack;
  // The ack forwards the requester's sequence number; after ProbeTimeout
  // without one, a nack tells the requester that we (and so probably the
  // network near us) are fine but the target did not answer.
  AckHandler h;
  h.on_ack = [this, requester, their_seq](const wire::AckResp&, Instant) {
    Bytes msg;
    wire::Encode(wire::AckResp{their_seq, std::nullopt}, &msg);
    ctx_.messenger->SendMsg(requester, nullptr, std::move(msg))
        .IgnoreError();  // refusals are counted and logged
    SWIM_COVER("indirect_probe_relayed");
  };
  h.on_timeout = [this, requester, their_seq, want_nack] {
    if (!want_nack) return;
    SWIM_COVER("nack_sent");
    Bytes msg;
    wire::Encode(wire::NackResp{their_seq}, &msg);
    ctx_.messenger->SendMsg(requester, nullptr, std::move(msg))
        .IgnoreError();  // refusals are counted and logged
  };
  SetAckHandler(local_seq, std::move(h), c.probe_timeout);
  SWIM_DCHECK(ack_handlers_.contains(local_seq));
  SWIM_DCHECK(!ind->target.empty());

  Bytes msg;
  wire::Encode(ping, c.address_mode, &msg);
  ctx_.messenger
      ->SendMsg(Address{ind->target, ind->port, ind->node}, nullptr,
                std::move(msg))
      .IgnoreError();  // refusals are counted and logged
}

void Prober::Ping(const std::string& node, const Address& addr,
                  std::function<void(absl::StatusOr<absl::Duration>)> done) {
  SWIM_DCHECK(done != nullptr);
  const wire::Ping ping = MakePing(NextSeqNo(), node);
  const Instant sent = ctx_.env->Now();
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
  SetAckHandler(ping.seq_no, std::move(h), ctx_.config.probe_timeout);
  SWIM_DCHECK(ack_handlers_.contains(ping.seq_no));
  Bytes msg;
  wire::Encode(ping, ctx_.config.address_mode, &msg);
  Address to = addr;
  to.name = node;
  if (absl::Status s = ctx_.messenger->SendMsg(to, nullptr, std::move(msg));
      !s.ok()) {
    // Go's Ping returns the send error at once (require_node_names).
    RemoveAckHandler(ping.seq_no);
    if (*shared_done) std::exchange(*shared_done, nullptr)(s);
  }
}

// ---------------------------------------------------------------------------
// Probing (§6.2)
// ---------------------------------------------------------------------------

void Prober::ProbeTick() {
  ctx_.messenger->ReleaseIdleReplyMemo(ctx_.env->Now());
  if (probe_.has_value()) {
    // Go's ticker keeps at most one tick while a probe runs long.
    probe_tick_pending_ = true;
    SWIM_COVER("probe_tick_deferred");
    return;
  }
  MemberTable& table = ctx_.table;
  SWIM_DCHECK(!ctx_.shutdown);
  SWIM_DCHECK(!probe_tick_pending_);
  size_t num_check = 0;
  while (true) {
    if (num_check >= table.size()) return;
    if (probe_index_ >= table.size()) {
      table.ReapAndShuffle(ctx_.config.gossip_to_the_dead_time,
                           [this](const NodeRecord& r) {
                             ctx_.state->OnReaped(r);
                             ctx_.weights->Forget(std::string(r.node.name()));
                             ctx_.metrics.Incr(metric::kReaped);
                           });
      probe_index_ = 0;
      ++num_check;
      continue;
    }
    SWIM_DCHECK(probe_index_ < table.size());
    NodeRecord* node = table.at(probe_index_);
    ++probe_index_;
    if (ctx_.IsSelf(node->node.name()) || DeadOrLeft(node->node.state)) {
      ++num_check;
      continue;
    }
    StartProbe(node);
    return;
  }
}

void Prober::StartProbe(NodeRecord* node) {
  SWIM_DCHECK(!probe_.has_value());
  SWIM_DCHECK(!DeadOrLeft(node->node.state) && !ctx_.IsSelf(node->node.name()));
  const absl::Duration interval =
      ctx_.awareness.ScaleTimeout(ctx_.config.probe_interval);
  if (interval > ctx_.config.probe_interval) {
    ctx_.metrics.Incr(metric::kDegradedProbe);
    SWIM_COVER("probe_interval_scaled");
  }
  Probe p;
  p.id = ++next_probe_id_;
  p.target = node->node.name();
  p.target_inc = node->node.incarnation;
  p.target_addr = node->node.address();
  p.target_pmax = node->node.pmax();
  if (ctx_.config.ping != nullptr) p.target_node = ctx_.ToNode(*node);
  p.seq_no = NextSeqNo();
  p.interval = interval;
  p.sent = ctx_.env->Now();
  SWIM_DCHECK(p.interval >= ctx_.config.probe_interval);
  SWIM_DCHECK(!p.target.empty());
  const uint64_t id = p.id;

  AckHandler h;
  h.on_ack = [this, id](const wire::AckResp& ack, Instant received) {
    ProbeAcked(id, received, ack.payload);
  };
  h.on_nack = [this, id] {
    if (IsCurrent(id)) ++probe_->nacks;
  };
  h.on_timeout = [this, id] { ProbeDeadline(id); };
  probe_ = std::move(p);
  SetAckHandler(probe_->seq_no, std::move(h), interval);
  SendProbePing(node);
  probe_->probe_timeout_timer =
      ctx_.After(ctx_.config.probe_timeout, "probe_timeout",
                 [this, id] { ProbeTimeoutReached(id); });
  SWIM_DCHECK(probe_.has_value() && probe_->probe_timeout_timer != 0);
  SWIM_DCHECK(ack_handlers_.contains(probe_->seq_no));
}

void Prober::SendProbePing(NodeRecord* node) {
  SWIM_DCHECK(probe_.has_value() && probe_->target == node->node.name());
  SWIM_DCHECK(!DeadOrLeft(node->node.state));  // alive or suspect
  SWIM_DCHECK(!ctx_.IsSelf(node->node.name()));
  Bytes ping_msg;
  wire::Encode(MakePing(probe_->seq_no, std::string(node->node.name())),
               ctx_.config.address_mode, &ping_msg);
  if (node->node.state == NodeState::kAlive) {
    ctx_.messenger->SendMsg(node->node.address(), node, std::move(ping_msg))
        .IgnoreError();  // refusals are counted and logged
    return;
  }
  // Buddy system: tell a suspect it is suspected, with the ping.
  SWIM_COVER("buddy_suspect_ping");
  Bytes suspect_msg;
  wire::Encode(wire::Suspect{node->node.incarnation,
                             std::string(node->node.name()), ctx_.config.name},
               &suspect_msg);
  std::vector<Bytes> parts;
  parts.push_back(std::move(ping_msg));
  parts.push_back(std::move(suspect_msg));
  Bytes compound = wire::MakeCompound(parts);
  ctx_.messenger->RawSendPacket(node->node.address(), node, compound)
      .IgnoreError();  // refusals are counted and logged
}

void Prober::ProbeAcked(uint64_t probe_id, Instant received,
                        const std::optional<std::string>& payload) {
  if (!IsCurrent(probe_id)) return;
  // HandleAck consumed the handler before calling us.
  SWIM_DCHECK(!ack_handlers_.contains(probe_->seq_no));
  SWIM_DCHECK(!probe_->target.empty());
  // Go (state.go:369-376) reports RTTs only for a direct ack before
  // ProbeTimeout: a late ack, or a relay's forwarded one (whose RTT
  // includes the relay hop and whose payload is empty), completes the
  // probe silently (state.go:460-465).
  if (ctx_.config.ping != nullptr && !probe_->timeout_reached) {
    SWIM_DCHECK(probe_->target_node.has_value());
    // The node as it was when the probe started (state.go:374).
    ctx_.config.ping->NotifyPingComplete(
        *probe_->target_node, received - probe_->sent, payload.value_or(""));
  }
  ctx_.metrics.AddTiming(metric::kProbeNodeTiming,
                         ctx_.env->Now() - probe_->sent);
  ctx_.state->Confirm(probe_->target);
  ProbeFinish(probe_id, /*success=*/true, -1);
}

void Prober::ProbeTimeoutReached(uint64_t probe_id) {
  if (!IsCurrent(probe_id)) return;
  probe_->probe_timeout_timer = 0;
  // The probe timeout comes before the deadline, so nothing has run yet.
  SWIM_DCHECK(!probe_->deadline_passed && !probe_->tcp_pending);
  probe_->timeout_reached = true;
  // From the copy taken at the start, as Go (state.go:407-415, 442-445):
  // the table is reaped only between probes, so the target still exists.
  SendIndirectProbes();
  StartTcpFallback();
}

void Prober::SendIndirectProbes() {
  SWIM_DCHECK(probe_.has_value() && probe_->expected_nacks == 0);
  // Indirect probes through up to IndirectChecks alive members.
  const std::string& target_name = probe_->target;
  std::vector<NodeRecord*> relays =
      ctx_.table.KRandom(ctx_.config.indirect_checks, [&](const NodeRecord& n) {
        return ctx_.IsSelf(n.node.name()) || n.node.name() == target_name ||
               n.node.state != NodeState::kAlive;
      });
  SWIM_DCHECK(relays.size() <=
              static_cast<size_t>(ctx_.config.indirect_checks));
  wire::IndirectPingReq ind;
  ind.seq_no = probe_->seq_no;
  ind.target = probe_->target_addr.ip;
  ind.port = probe_->target_addr.port;
  ind.node = probe_->target;
  ind.source_addr = ctx_.advertise.ip;
  ind.source_port = ctx_.advertise.port;
  ind.source_node = ctx_.config.name;
  for (NodeRecord* relay : relays) {
    ind.nack = relay->node.pmax() >= limits::kProtocolVersionNack;
    if (ind.nack) ++probe_->expected_nacks;
    Bytes msg;
    wire::Encode(ind, ctx_.config.address_mode, &msg);
    ctx_.messenger->SendMsg(relay->node.address(), relay, std::move(msg))
        .IgnoreError();  // refusals are counted and logged
  }
  SWIM_DCHECK(probe_->expected_nacks <= ctx_.config.indirect_checks);
}

void Prober::StartTcpFallback() {
  // TCP fallback, concurrently with the indirect probes, until the deadline.
  SWIM_DCHECK(probe_.has_value() && !probe_->tcp_pending);
  const Config& c = ctx_.config;
  const std::string& target = probe_->target;
  const bool tcp_disabled =
      c.disable_tcp_pings ||
      (c.disable_tcp_pings_for_node && c.disable_tcp_pings_for_node(target));
  if (tcp_disabled || probe_->target_pmax < limits::kProtocolVersionTcpPing)
    return;
  const absl::Duration left = probe_->sent + probe_->interval - ctx_.env->Now();
  if (left <= absl::ZeroDuration()) return;
  SWIM_DCHECK(left <= probe_->interval);
  Bytes msg;
  wire::Encode(MakePing(probe_->seq_no, target), c.address_mode, &msg);
  Bytes stream = ctx_.messenger->EncodeStreamMsg(msg);
  SWIM_COVER("tcp_fallback_ping");
  probe_->tcp_pending = true;
  const uint32_t seq = probe_->seq_no;
  const uint64_t probe_id = probe_->id;
  std::weak_ptr<bool> alive = ctx_.alive_token;
  ctx_.metrics.Incr(metric::kTcpConnect);
  ctx_.env->StreamExchange(
      probe_->target_addr, std::move(stream), StreamReply::kMessage, left,
      [this, alive, probe_id, seq](absl::StatusOr<Bytes> reply) {
        if (alive.expired() || ctx_.shutdown) return;
        OnTcpFallbackReply(probe_id, seq, reply);
      });
}

void Prober::OnTcpFallbackReply(uint64_t probe_id, uint32_t seq,
                                const absl::StatusOr<Bytes>& reply) {
  bool contacted = false;
  if (reply.ok()) {
    absl::StatusOr<Bytes> m = ctx_.messenger->OpenStream(*reply);
    if (m.ok() && !m->empty() &&
        (*m)[0] == static_cast<uint8_t>(wire::MessageType::kAck)) {
      absl::StatusOr<wire::AckResp> ack =
          wire::DecodeAck(ByteSpan(*m).subspan(1));
      contacted = ack.ok() && ack->seq_no == seq;
    }
  }
  if (!IsCurrent(probe_id)) return;
  SWIM_DCHECK(probe_->seq_no == seq);
  probe_->tcp_pending = false;
  probe_->tcp_contacted = contacted;
  if (probe_->deadline_passed) ProbeDeadline(probe_id);
}

void Prober::ProbeDeadline(uint64_t probe_id) {
  if (!IsCurrent(probe_id)) return;
  probe_->deadline_passed = true;
  SWIM_DCHECK(!ctx_.shutdown);
  if (probe_->tcp_pending) {
    // The fallback's own deadline is the probe's, so its completion (which
    // calls us again) is due now. Guard against an Env that never reports
    // it: after Config::tcp_fallback_grace (0: ProbeTimeout), count it as
    // no contact. Infinite: Go's, wait for the fallback however long.
    const absl::Duration grace =
        ctx_.config.tcp_fallback_grace == absl::ZeroDuration()
            ? ctx_.config.probe_timeout
            : ctx_.config.tcp_fallback_grace;
    if (!probe_->tcp_grace_started && grace != absl::InfiniteDuration()) {
      probe_->tcp_grace_started = true;
      ctx_.After(grace, "probe_tcp_grace", [this, probe_id] {
        if (!IsCurrent(probe_id)) return;
        ctx_.metrics.Incr(metric::kProbeTcpFallbackLost);
        probe_->tcp_pending = false;
        ProbeDeadline(probe_id);
      });
    }
    return;
  }
  SWIM_DCHECK(!probe_->tcp_pending && probe_->deadline_passed);
  if (probe_->tcp_contacted) {
    SWIM_COVER("tcp_fallback_rescued");
    ctx_.Log(
        LogLevel::kWarn,
        absl::StrCat("was able to connect to ", probe_->target,
                     " but other probes failed, network may be misconfigured"));
    ProbeFinish(probe_id, /*success=*/true, -1);
    return;
  }
  // Lifeguard: missing nacks mean we may be the slow one.
  int delta = 0;
  if (probe_->expected_nacks > 0) {
    if (probe_->nacks < probe_->expected_nacks) {
      SWIM_COVER("probe_missing_nacks");
      delta += probe_->expected_nacks - probe_->nacks;
    }
  } else {
    delta += 1;
  }
  SWIM_DCHECK(delta >= 0);
  SWIM_DCHECK(delta <= std::max(1, ctx_.config.indirect_checks));
  const std::string target = probe_->target;
  const uint32_t inc = probe_->target_inc;
  ProbeFinish(probe_id, /*success=*/false, delta);
  ctx_.Log(LogLevel::kInfo,
           absl::StrCat("suspect ", target, " has failed, no acks received"));
  // At the incarnation seen when the probe started (state.go:495-496): if
  // the target refuted meanwhile, SuspectNode drops this as stale.
  ctx_.state->SuspectNode(wire::Suspect{inc, target, ctx_.config.name});
}

void Prober::ProbeFinish(uint64_t probe_id, bool success, int awareness_delta) {
  if (!IsCurrent(probe_id)) return;
  RemoveAckHandler(probe_->seq_no);
  SWIM_DCHECK(!success || awareness_delta == -1);
  SWIM_DCHECK(awareness_delta >= -1 &&
              awareness_delta <= std::max(1, ctx_.config.indirect_checks));
  SWIM_DCHECK(!ack_handlers_.contains(probe_->seq_no));
  ctx_.CancelTimer(probe_->probe_timeout_timer);
  probe_.reset();
  ctx_.awareness.ApplyDelta(awareness_delta);
  ctx_.metrics.SetGauge(metric::kHealthScore, ctx_.awareness.GetHealthScore());
  ctx_.metrics.Incr(success ? metric::kProbeSuccess : metric::kProbeFailed);
  if (probe_tick_pending_) {
    probe_tick_pending_ = false;
    ctx_.After(absl::ZeroDuration(), "probe", [this] { ProbeTick(); });
  }
  SWIM_DCHECK(!probe_.has_value() && !probe_tick_pending_);
}

// ---------------------------------------------------------------------------
// Gossip (§6.9)
// ---------------------------------------------------------------------------

void Prober::GossipTick() {
  const Instant now = ctx_.env->Now();
  ctx_.messenger->ReleaseIdleReplyMemo(now);
  const Config& c = ctx_.config;
  std::vector<NodeRecord*> targets =
      ctx_.table.KRandom(c.gossip_nodes, [&](const NodeRecord& n) {
        if (ctx_.IsSelf(n.node.name())) return true;
        switch (n.node.state) {
          case NodeState::kAlive:
          case NodeState::kSuspect:
            return false;
          case NodeState::kDead:
            return n.SinceChange(now) > c.gossip_to_the_dead_time;
          default:
            return true;
        }
      });
  size_t avail =
      static_cast<size_t>(c.udp_buffer_size) - limits::kCompoundHeaderOverhead;
  if (c.EncryptionEnabled()) avail -= ctx_.messenger->EncryptionOverhead();
  SWIM_DCHECK(targets.size() <=
              static_cast<size_t>(std::max(0, c.gossip_nodes)));
  SWIM_DCHECK(avail < static_cast<size_t>(c.udp_buffer_size));
  for (NodeRecord* node : targets) {
    std::vector<Bytes> msgs = ctx_.messenger->GetBroadcasts(
        limits::kCompoundPartOverhead, avail, node);
    if (msgs.empty()) return;
    SWIM_DCHECK(!ctx_.IsSelf(node->node.name()));
    SWIM_DCHECK(msgs.size() < limits::kMaxCompoundParts);
    ctx_.metrics.Incr(metric::kGossip);
    if (msgs.size() == 1) {
      ctx_.messenger->RawSendPacket(node->node.address(), node, msgs[0])
          .IgnoreError();  // refusals are counted and logged
    } else {
      Bytes compound = wire::MakeCompound(msgs);
      ctx_.messenger->RawSendPacket(node->node.address(), node, compound)
          .IgnoreError();  // refusals are counted and logged
    }
  }
}

void Prober::CheckInvariants() const {
  SWIM_DCHECK(!probe_tick_pending_ || probe_.has_value());
  if (probe_.has_value()) {
    SWIM_DCHECK(ack_handlers_.contains(probe_->seq_no) ||
                probe_->deadline_passed);
    SWIM_DCHECK(probe_->id == next_probe_id_);
    SWIM_DCHECK(probe_->nacks >= 0 && probe_->expected_nacks >= 0);
    SWIM_DCHECK(!probe_->target.empty() && !ctx_.IsSelf(probe_->target));
    SWIM_DCHECK(probe_->interval >= ctx_.config.probe_interval);
    SWIM_DCHECK(!probe_->tcp_grace_started || probe_->deadline_passed);
    SWIM_DCHECK(!probe_->tcp_contacted || !probe_->tcp_pending);
    SWIM_DCHECK(!probe_->deadline_passed || probe_->probe_timeout_timer == 0);
    SWIM_DCHECK(probe_->expected_nacks <= ctx_.config.indirect_checks);
  }
}

}  // namespace swim::internal
