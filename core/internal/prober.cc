#include "core/internal/prober.h"

#include <memory>
#include <utility>
#include <vector>

#include "core/check.h"
#include "core/internal/messenger.h"
#include "core/internal/state_rules.h"
#include "core/internal/weights.h"
#include "core/limits.h"
#include "core/metric_names.h"

#include "absl/strings/str_cat.h"

namespace swim::internal {

Prober::Prober(NodeContext& ctx) : ctx_(ctx) {}

wire::Ping Prober::MakePing(uint32_t seq_no, const std::string& node) const {
  wire::Ping ping;
  ping.seq_no = seq_no;
  ping.node = node;
  ping.source_addr = ctx_.advertise.ip;
  ping.source_port = ctx_.advertise.port;
  ping.source_node = ctx_.config.name;
  return ping;
}

void Prober::Clear() {
  ack_handlers_.clear();
  probe_.reset();
  probe_tick_pending_ = false;
}

// ---------------------------------------------------------------------------
// Ack handlers
// ---------------------------------------------------------------------------

void Prober::SetAckHandler(uint32_t seq, AckHandler handler,
                           absl::Duration timeout) {
  SWIM_DCHECK(handler.timer == 0);
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
  SWIM_DCHECK(ack_handlers_.contains(seq));
}

void Prober::RemoveAckHandler(uint32_t seq) {
  auto it = ack_handlers_.find(seq);
  if (it == ack_handlers_.end()) return;
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
    return;
  }
  AckHandler h = std::move(it->second);
  ack_handlers_.erase(it);
  ctx_.CancelTimer(h.timer);
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
  wire::AckResp ack;
  ack.seq_no = p->seq_no;
  if (ctx_.config.ping != nullptr) ack.payload = ctx_.config.ping->AckPayload();
  Address to = from;
  if (!p->source_addr.empty() && p->source_port > 0) {
    to = Address{p->source_addr, p->source_port, ""};
  }
  to.name = p->source_node;
  if (const NodeRecord* r = ctx_.table.Find(p->source_node);
      r != nullptr && r->node.addr == from.ip && r->node.port == from.port) {
    ctx_.state->Confirm(p->source_node);  // a ping from it, from its address
  }
  Bytes msg;
  wire::Encode(ack, &msg);
  ctx_.messenger->SendMsg(to, nullptr, std::move(msg));
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
    ctx_.messenger->SendMsg(requester, nullptr, std::move(msg));
  };
  h.on_timeout = [this, requester, their_seq, want_nack] {
    if (!want_nack) return;
    Bytes msg;
    wire::Encode(wire::NackResp{their_seq}, &msg);
    ctx_.messenger->SendMsg(requester, nullptr, std::move(msg));
  };
  SetAckHandler(local_seq, std::move(h), c.probe_timeout);

  Bytes msg;
  wire::Encode(ping, c.address_mode, &msg);
  ctx_.messenger->SendMsg(Address{ind->target, ind->port, ind->node}, nullptr,
                          std::move(msg));
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
  Bytes msg;
  wire::Encode(ping, ctx_.config.address_mode, &msg);
  Address to = addr;
  to.name = node;
  ctx_.messenger->SendMsg(to, nullptr, std::move(msg));
}

// ---------------------------------------------------------------------------
// Probing (§6.2)
// ---------------------------------------------------------------------------

void Prober::ProbeTick() {
  if (probe_.has_value()) {
    // Go's ticker keeps at most one tick while a probe runs long.
    probe_tick_pending_ = true;
    return;
  }
  MemberTable& table = ctx_.table;
  size_t num_check = 0;
  while (true) {
    if (num_check >= table.size()) return;
    if (probe_index_ >= table.size()) {
      table.ReapAndShuffle(ctx_.config.gossip_to_the_dead_time,
                           [this](const NodeRecord& r) {
                             ctx_.state->OnReaped(r);
                             ctx_.weights->Forget(r.node.name);
                             ctx_.metrics.Incr(metric::kReaped);
                           });
      probe_index_ = 0;
      ++num_check;
      continue;
    }
    NodeRecord* node = table.at(probe_index_);
    ++probe_index_;
    if (ctx_.IsSelf(node->node.name) || DeadOrLeft(node->node.state)) {
      ++num_check;
      continue;
    }
    StartProbe(node);
    return;
  }
}

void Prober::StartProbe(NodeRecord* node) {
  SWIM_DCHECK(!probe_.has_value());
  SWIM_DCHECK(!DeadOrLeft(node->node.state) && !ctx_.IsSelf(node->node.name));
  const absl::Duration interval =
      ctx_.awareness.ScaleTimeout(ctx_.config.probe_interval);
  if (interval > ctx_.config.probe_interval) {
    ctx_.metrics.Incr(metric::kDegradedProbe);
  }
  Probe p;
  p.id = ++next_probe_id_;
  p.target = node->node.name;
  p.seq_no = NextSeqNo();
  p.interval = interval;
  p.sent = ctx_.env->Now();
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
}

void Prober::SendProbePing(NodeRecord* node) {
  SWIM_DCHECK(probe_.has_value() && probe_->target == node->node.name);
  Bytes ping_msg;
  wire::Encode(MakePing(probe_->seq_no, node->node.name),
               ctx_.config.address_mode, &ping_msg);
  if (node->node.state == NodeState::kAlive) {
    ctx_.messenger->SendMsg(node->node.address(), node, std::move(ping_msg));
    return;
  }
  // Buddy system: tell a suspect it is suspected, with the ping.
  Bytes suspect_msg;
  wire::Encode(
      wire::Suspect{node->node.incarnation, node->node.name, ctx_.config.name},
      &suspect_msg);
  std::vector<Bytes> parts;
  parts.push_back(std::move(ping_msg));
  parts.push_back(std::move(suspect_msg));
  Bytes compound = wire::MakeCompound(parts);
  ctx_.messenger->RawSendPacket(node->node.address(), node, compound);
}

void Prober::ProbeAcked(uint64_t probe_id, Instant received,
                        const std::optional<std::string>& payload) {
  if (!IsCurrent(probe_id)) return;
  if (ctx_.config.ping != nullptr) {
    if (const NodeRecord* r = ctx_.table.Find(probe_->target); r != nullptr) {
      ctx_.config.ping->NotifyPingComplete(
          ctx_.ToNode(*r), received - probe_->sent, payload.value_or(""));
    }
  }
  ctx_.metrics.AddTiming(metric::kProbeNodeTiming,
                         ctx_.env->Now() - probe_->sent);
  ctx_.state->Confirm(probe_->target);
  ProbeFinish(probe_id, /*success=*/true, -1);
}

void Prober::ProbeTimeoutReached(uint64_t probe_id) {
  if (!IsCurrent(probe_id)) return;
  probe_->probe_timeout_timer = 0;
  const NodeRecord* target = ctx_.table.Find(probe_->target);
  if (target == nullptr) {
    // Reaped meanwhile: nothing to suspect.
    RemoveAckHandler(probe_->seq_no);
    ProbeFinish(probe_id, /*success=*/false, 0);
    return;
  }
  SendIndirectProbes(*target);
  StartTcpFallback(*target);
}

void Prober::SendIndirectProbes(const NodeRecord& target) {
  SWIM_DCHECK(probe_.has_value() && probe_->expected_nacks == 0);
  // Indirect probes through up to IndirectChecks alive members.
  const std::string& target_name = target.node.name;
  std::vector<NodeRecord*> relays =
      ctx_.table.KRandom(ctx_.config.indirect_checks, [&](const NodeRecord& n) {
        return ctx_.IsSelf(n.node.name) || n.node.name == target_name ||
               n.node.state != NodeState::kAlive;
      });
  wire::IndirectPingReq ind;
  ind.seq_no = probe_->seq_no;
  ind.target = target.node.addr;
  ind.port = target.node.port;
  ind.node = target.node.name;
  ind.source_addr = ctx_.advertise.ip;
  ind.source_port = ctx_.advertise.port;
  ind.source_node = ctx_.config.name;
  for (NodeRecord* relay : relays) {
    ind.nack = relay->node.pmax() >= limits::kProtocolVersionNack;
    if (ind.nack) ++probe_->expected_nacks;
    Bytes msg;
    wire::Encode(ind, ctx_.config.address_mode, &msg);
    ctx_.messenger->SendMsg(relay->node.address(), relay, std::move(msg));
  }
  SWIM_DCHECK(probe_->expected_nacks <= ctx_.config.indirect_checks);
}

void Prober::StartTcpFallback(const NodeRecord& target) {
  // TCP fallback, concurrently with the indirect probes, until the deadline.
  const Config& c = ctx_.config;
  const bool tcp_disabled =
      c.disable_tcp_pings || (c.disable_tcp_pings_for_node &&
                              c.disable_tcp_pings_for_node(target.node.name));
  if (tcp_disabled || target.node.pmax() < limits::kProtocolVersionTcpPing)
    return;
  const absl::Duration left = probe_->sent + probe_->interval - ctx_.env->Now();
  if (left <= absl::ZeroDuration()) return;
  Bytes msg;
  wire::Encode(MakePing(probe_->seq_no, target.node.name), c.address_mode,
               &msg);
  Bytes stream = ctx_.messenger->EncodeStreamMsg(msg);
  probe_->tcp_pending = true;
  const uint32_t seq = probe_->seq_no;
  const uint64_t probe_id = probe_->id;
  std::weak_ptr<bool> alive = ctx_.alive_token;
  ctx_.metrics.Incr(metric::kTcpConnect);
  ctx_.env->StreamExchange(
      target.node.address(), std::move(stream), StreamReply::kMessage, left,
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
      ctx_.After(grace, "probe_tcp_grace",
                 [this, probe_id] {
                   if (!IsCurrent(probe_id)) return;
                   ctx_.metrics.Incr(metric::kProbeTcpFallbackLost);
                   probe_->tcp_pending = false;
                   ProbeDeadline(probe_id);
                 });
    }
    return;
  }
  if (probe_->tcp_contacted) {
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
      delta += probe_->expected_nacks - probe_->nacks;
    }
  } else {
    delta += 1;
  }
  SWIM_DCHECK(delta >= 0);
  const std::string target = probe_->target;
  ProbeFinish(probe_id, /*success=*/false, delta);
  NodeRecord* node = ctx_.table.Find(target);
  if (node == nullptr) return;
  ctx_.Log(LogLevel::kInfo,
           absl::StrCat("suspect ", target, " has failed, no acks received"));
  ctx_.state->SuspectNode(
      wire::Suspect{node->node.incarnation, node->node.name, ctx_.config.name});
}

void Prober::ProbeFinish(uint64_t probe_id, bool success, int awareness_delta) {
  if (!IsCurrent(probe_id)) return;
  RemoveAckHandler(probe_->seq_no);
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
  const Config& c = ctx_.config;
  std::vector<NodeRecord*> targets =
      ctx_.table.KRandom(c.gossip_nodes, [&](const NodeRecord& n) {
        if (ctx_.IsSelf(n.node.name)) return true;
        switch (n.node.state) {
          case NodeState::kAlive:
          case NodeState::kSuspect:
            return false;
          case NodeState::kDead:
            return now - n.state_change > c.gossip_to_the_dead_time;
          default:
            return true;
        }
      });
  size_t avail =
      static_cast<size_t>(c.udp_buffer_size) - limits::kCompoundHeaderOverhead;
  if (c.EncryptionEnabled()) avail -= ctx_.messenger->EncryptionOverhead();
  for (NodeRecord* node : targets) {
    std::vector<Bytes> msgs = ctx_.messenger->GetBroadcasts(
        limits::kCompoundPartOverhead, avail, node);
    if (msgs.empty()) return;
    ctx_.metrics.Incr(metric::kGossip);
    if (msgs.size() == 1) {
      ctx_.messenger->RawSendPacket(node->node.address(), node, msgs[0]);
    } else {
      Bytes compound = wire::MakeCompound(msgs);
      ctx_.messenger->RawSendPacket(node->node.address(), node, compound);
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
  }
}

}  // namespace swim::internal
