#include "core/internal/messenger.h"

#include <limits>
#include <memory>
#include <utility>

#include "core/check.h"
#include "core/cover.h"
#include "core/internal/memberlist_broadcast.h"
#include "core/internal/prober.h"
#include "core/internal/state_rules.h"
#include "core/internal/weights.h"
#include "core/limits.h"
#include "core/metric_names.h"
#include "core/security/keyring.h"
#include "core/status_macros.h"
#include "core/util.h"
#include "core/wire/unpack.h"

#include "absl/strings/str_cat.h"

namespace swim::internal {

namespace {

wire::WireOptions WireOptionsOf(const Config& c) {
  wire::WireOptions w;
  w.address_mode = c.address_mode;
  w.compress = c.enable_compression;
  w.algo = c.compression_algo;
  w.encryption_version = c.protocol_version == 1 ? 0 : 1;
  w.verify_incoming = c.gossip_verify_incoming;
  w.encrypt_outgoing = c.gossip_verify_outgoing;
  return w;
}

}  // namespace

Messenger::Messenger(NodeContext& ctx)
    : ctx_(ctx),
      interners_(ctx.table.interners()),
      broadcasts_([&ctx] { return static_cast<int>(ctx.table.size()); },
                  ctx.config.retransmit_mult),
      wire_(WireOptionsOf(ctx.config)),
      handoff_(static_cast<size_t>(ctx.config.handoff_queue_depth)) {}

// ---------------------------------------------------------------------------
// Broadcasts
// ---------------------------------------------------------------------------

void Messenger::QueueBroadcast(std::string_view name, ByteSpan msg,
                               std::function<void()> notify,
                               int transmit_scale) {
  SWIM_DCHECK(!msg.empty());
  SWIM_DCHECK(transmit_scale >= 1);
  // Named by node (or, for our refutation, by our address): never unnamed.
  SWIM_DCHECK(!name.empty());
  broadcasts_.QueueBroadcast(MakeMemberlistBroadcast(
      interners_.get(), name, msg, std::move(notify), transmit_scale));
}

std::vector<Bytes> Messenger::GetBroadcasts(size_t overhead, size_t limit,
                                            const NodeRecord* to) {
  SWIM_DCHECK(overhead == limits::kCompoundPartOverhead);
  SWIM_DCHECK(limit <= static_cast<size_t>(ctx_.config.udp_buffer_size));
  std::vector<Bytes> out = broadcasts_.GetBroadcasts(overhead, limit);
  size_t used = 0;
  for (const Bytes& m : out) used += m.size() + overhead;
  SWIM_DCHECK(used <= limit);
  if (ctx_.weights->PeerAccepts(to) && limit > used + overhead) {
    std::vector<Bytes> w =
        ctx_.weights->queue().GetBroadcasts(overhead, limit - used);
    for (Bytes& m : w) {
      used += m.size() + overhead;
      out.push_back(std::move(m));
    }
  }
  Delegate* delegate = ctx_.config.delegate;
  if (delegate != nullptr && limit > used &&
      limit - used > overhead + limits::kUserMsgOverhead) {
    std::vector<std::string> user = delegate->GetBroadcasts(
        overhead + limits::kUserMsgOverhead, limit - used);
    for (const std::string& u : user) {
      // An empty message is framed as the 1-byte part [userMsg], which Go
      // sends and delivers too (broadcast.go:93-101, net.go:686-691).
      Bytes framed;
      wire::EncodeUserPacket(u, &framed);
      out.push_back(std::move(framed));
    }
  }
  // A compound holds at most 127 parts (primary included, so 126 extras
  // when piggybacking): Go 0.2.2 misreads more.
  constexpr size_t kMaxExtras = limits::kMaxCompoundParts - 1;
  if (out.size() > kMaxExtras) {
    ctx_.metrics.Incr(metric::kDroppedCompoundParts, out.size() - kMaxExtras);
    out.resize(kMaxExtras);
  }
  SWIM_DCHECK(out.size() <= kMaxExtras);
  return out;
}

// ---------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------

const security::Keyring* Messenger::InboundKeyring() const {
  return ctx_.config.EncryptionEnabled() ? ctx_.config.keyring.get() : nullptr;
}

wire::OutgoingOptions Messenger::PacketOptions(const NodeRecord* to) const {
  const Config& c = ctx_.config;
  wire::OutgoingOptions o;
  o.compress = wire_.compress;
  o.algo = wire_.algo;
  o.crc = to != nullptr && to->node.pmax() >= limits::kProtocolVersionCrc;
  if (c.EncryptionEnabled() && wire_.encrypt_outgoing)
    o.keyring = c.keyring.get();
  o.encryption_version = wire_.encryption_version;
  SWIM_DCHECK(o.keyring == nullptr || c.EncryptionEnabled());
  SWIM_DCHECK(!o.crc || to != nullptr);
  return o;
}

void Messenger::CountSent(MetricName kind, size_t bytes) {
  ctx_.metrics.Incr(kind, bytes);
}

absl::Status Messenger::CheckNodeName(const Address& to,
                                      std::string_view what) {
  if (!ctx_.config.require_node_names || !to.name.empty()) {
    return absl::OkStatus();
  }
  ctx_.metrics.Incr(metric::kDroppedNoNodeName);
  ctx_.Log(LogLevel::kDebug,
           absl::StrCat("not sending ", std::string(what), " to ",
                        to.ToString(), ": no node name"));
  // Go's errNodeNamesAreRequired (memberlist.go:35), word for word.
  return absl::FailedPreconditionError(
      "memberlist: node names are required by configuration but one was not "
      "provided");
}

absl::Status Messenger::RawSendPacket(const Address& to, const NodeRecord* node,
                                      ByteSpan msg) {
  SWIM_DCHECK(!msg.empty());
  SWIM_RETURN_IF_ERROR(CheckNodeName(to, "packet"));
  // `node` is set exactly where Go passes one (gossip, the suspect probe,
  // SendBestEffort): only those packets get the CRC header. Go's other
  // sends look the node up by IP string, which finds nothing unless a
  // node is named after its IP; we send those without CRC, as Go does in
  // practice (5 bytes a packet less on every ping and ack).
  Bytes packet = wire::EncodePacket(
      msg, PacketOptions(node),
      [this](absl::Span<uint8_t> out) { ctx_.env->SecureRandom(out); });
  SWIM_DCHECK(!packet.empty());
  SWIM_DCHECK(!packet.empty());
  CountSent(metric::kUdpSent, packet.size());
  ctx_.metrics.Incr(metric::kUdpPacketsSent);
  ctx_.env->SendPacket(to, std::move(packet));
  return absl::OkStatus();
}

absl::Status Messenger::SendMsg(const Address& to, const NodeRecord* node,
                                Bytes msg) {
  SWIM_DCHECK(!msg.empty());
  const Config& c = ctx_.config;
  if (node == nullptr && !to.name.empty()) node = ctx_.table.Find(to.name);
  size_t avail = static_cast<size_t>(c.udp_buffer_size);
  const size_t used =
      msg.size() + limits::kCompoundHeaderOverhead +
      (c.EncryptionEnabled() && c.gossip_verify_outgoing ? EncryptionOverhead()
                                                         : 0u);
  std::vector<Bytes> extra;
  if (avail > used) {
    avail -= used;
    extra = GetBroadcasts(limits::kCompoundPartOverhead, avail, node);
    // Room for our message among them: a compound holds at most 127 parts.
    SWIM_DCHECK(extra.size() < limits::kMaxCompoundParts);
  }
  if (extra.empty()) return RawSendPacket(to, nullptr, msg);
  std::vector<Bytes> parts;
  parts.reserve(extra.size() + 1);
  parts.push_back(std::move(msg));
  for (Bytes& e : extra) parts.push_back(std::move(e));
  SWIM_DCHECK(parts.size() <= limits::kMaxCompoundParts);
  Bytes compound = wire::MakeCompound(parts);
  return RawSendPacket(to, nullptr, compound);
}

Bytes Messenger::EncodeStreamMsg(ByteSpan msg) const {
  SWIM_DCHECK(!msg.empty());
  wire::OutgoingOptions o = PacketOptions(nullptr);
  o.crc = false;
  SWIM_DCHECK(o.encryption_version == wire_.encryption_version);
  return wire::EncodeStream(
      msg, o, [this](absl::Span<uint8_t> out) { ctx_.env->SecureRandom(out); });
}

absl::StatusOr<Bytes> Messenger::OpenStream(ByteSpan stream) const {
  return wire::DecodeStream(stream, InboundKeyring(), wire_.verify_incoming,
                            ctx_.config.accept_snappy);
}

// ---------------------------------------------------------------------------
// User messages
// ---------------------------------------------------------------------------

absl::Status Messenger::SendBestEffort(const std::string& node,
                                       std::string_view msg) {
  const NodeRecord* r = ctx_.table.Find(node);
  if (r == nullptr)
    return absl::NotFoundError(absl::StrCat("unknown node ", node));
  SWIM_DCHECK(r->node.name() == node);
  if (msg.size() + 1 > limits::kMaxPacketSize - 100) {
    return absl::InvalidArgumentError("message too large for a packet");
  }
  Bytes buf;
  wire::EncodeUserPacket(msg, &buf);
  SWIM_DCHECK(buf.size() == msg.size() + limits::kUserMsgOverhead);
  return RawSendPacket(r->node.address(), r, buf);
}

absl::Status Messenger::SendToAddress(const Address& to, std::string_view msg) {
  if (to.ip.empty() || to.port == 0) {
    return absl::InvalidArgumentError("address needs an IP and a port");
  }
  if (msg.size() + 1 > limits::kMaxPacketSize - 100) {
    return absl::InvalidArgumentError("message too large for a packet");
  }
  Bytes buf;
  wire::EncodeUserPacket(msg, &buf);
  SWIM_DCHECK(buf.size() == msg.size() + limits::kUserMsgOverhead);
  SWIM_DCHECK(!to.ip.empty() && to.port != 0);
  return RawSendPacket(to, nullptr, buf);
}

void Messenger::SendReliable(const std::string& node, std::string_view msg,
                             std::function<void(absl::Status)> done) {
  SWIM_DCHECK(done != nullptr);
  const NodeRecord* r = ctx_.table.Find(node);
  if (r == nullptr) {
    done(absl::NotFoundError(absl::StrCat("unknown node ", node)));
    return;
  }
  if (absl::Status s = CheckNodeName(r->node.address(), "user message");
      !s.ok()) {
    done(s);
    return;
  }
  Bytes buf;
  wire::EncodeUserStream(msg, &buf);
  Bytes stream = EncodeStreamMsg(buf);
  SWIM_DCHECK(r->node.name() == node);
  SWIM_DCHECK(!stream.empty());
  CountSent(metric::kTcpSent, stream.size());
  std::weak_ptr<bool> alive = ctx_.alive_token;
  ctx_.env->StreamExchange(
      r->node.address(), std::move(stream), StreamReply::kNone,
      ctx_.config.tcp_timeout,
      [done = std::move(done), alive](absl::StatusOr<Bytes> reply) {
        if (alive.expired()) return;
        done(reply.ok() ? absl::OkStatus() : reply.status());
      });
}

// ---------------------------------------------------------------------------
// Inbound packets
// ---------------------------------------------------------------------------

void Messenger::Malformed(MetricName counter, const absl::Status& status,
                          const Address& from) {
  SWIM_DCHECK(!status.ok());
  // "memberlist.malformed.ping" -> "ping"
  const std::string_view what = counter.str.substr(counter.str.rfind('.') + 1);
  SWIM_DCHECK(!what.empty());
  ctx_.metrics.Incr(counter);
  ctx_.Log(LogLevel::kWarn,
           absl::StrCat("dropping malformed ", std::string(what), " from ",
                        from.ToString(), ": ", std::string(status.message())));
}

void Messenger::HandlePacket(const Address& from, ByteSpan packet,
                             Instant received) {
  SWIM_DCHECK(!ctx_.shutdown);
  ctx_.metrics.Incr(metric::kUdpReceived, packet.size());
  ctx_.metrics.Incr(metric::kUdpPacketsReceived);
  if (CidrRefuses(from)) return;
  absl::StatusOr<Bytes> msg =
      wire::DecodePacket(packet, InboundKeyring(), wire_.verify_incoming);
  if (!msg.ok()) {
    Malformed(metric::kMalformedPacket, msg.status(), from);
    return;
  }
  // Issue 14 items 4 and 7: Go's shape only, within the per-datagram budget.
  const wire::UnpackedPacket unpacked =
      wire::UnpackPacket(*msg, PacketBudgetFromConfig());
  for (const wire::UnpackedPacket::Problem& p : unpacked.problems) {
    ctx_.metrics.Incr(p.counter, p.count);
    ctx_.Log(LogLevel::kWarn,
             absl::StrCat("dropping ", p.count, " from ", from.ToString(), " (",
                          p.counter, "): ", p.status.message()));
  }
  for (ByteSpan leaf : unpacked.leaves) HandleCommand(leaf, from, received);
}

wire::PacketBudget Messenger::PacketBudgetFromConfig() const {
  const Config& c = ctx_.config;
  wire::PacketBudget b;
  b.decompressed_bytes = c.max_packet_decompressed_bytes;
  b.requests = c.max_requests_per_datagram == 0
                   ? std::numeric_limits<size_t>::max()
                   : c.max_requests_per_datagram;
  b.accept_snappy = c.accept_snappy;
  SWIM_DCHECK(b.requests >= 1 && b.decompressed_bytes >= 1);
  return b;
}

bool Messenger::CidrRefuses(const Address& from) {
  // Config::cidr_scope: Go 0.2.2 checks only alive messages' source and
  // address (HandleAlive, StateRules::AddNewNode / AddressChangeAllowed).
  if (ctx_.config.cidr_scope != CidrScope::kEveryPacket) return false;
  if (!ctx_.config.IPMustBeChecked() || ctx_.config.IPAllowed(from.ip).ok()) {
    return false;
  }
  ctx_.metrics.Incr(metric::kDroppedCidr);
  return true;
}

// Go's handleCommand queues these for its handler goroutine; the rest
// (ping, indirect ping, ack, nack) it handles on the reader at once.
bool Messenger::GoQueues(wire::MessageType type) {
  switch (type) {
    case wire::MessageType::kAlive:
    case wire::MessageType::kSuspect:
    case wire::MessageType::kDead:
    case wire::MessageType::kUser:
    case wire::MessageType::kWeight:
      return true;
    default:
      return false;
  }
}

void Messenger::HandOff(ByteSpan buf, const Address& from) {
  SWIM_DCHECK(GoQueues(static_cast<wire::MessageType>(buf[0])));
  const bool high = buf[0] == static_cast<uint8_t>(wire::MessageType::kAlive);
  if (!handoff_.Push(high, {Bytes(buf.begin(), buf.end()), from})) {
    ctx_.metrics.Incr(metric::kDroppedHandoffFull);
    ctx_.Log(LogLevel::kWarn,
             absl::StrCat("handler queue full, dropping message (",
                          static_cast<int>(buf[0]), ") ", from.ToString()));
  }
  // Go's handoffCh: one pending wake-up at most.
  if (!handoff_armed_) {
    handoff_armed_ = true;
    ctx_.After(absl::ZeroDuration(), "handoff", [this] { DrainHandoff(); });
  }
}

void Messenger::DrainHandoff() {
  SWIM_DCHECK(handoff_armed_);
  const absl::Duration service = ctx_.config.handoff_service_time;
  while (std::optional<HandoffQueues::Message> m = handoff_.Pop()) {
    Dispatch(m->msg, m->from, ctx_.env->Now());
    if (ctx_.shutdown) break;  // a callback shut us down: the queues are gone
    if (service > absl::ZeroDuration() && !handoff_.empty()) {
      // The handler is busy for `service` per message: the rest waits, and
      // what arrives meanwhile joins the queues (newest first).
      ctx_.After(service, "handoff", [this] { DrainHandoff(); });
      return;
    }
  }
  handoff_armed_ = false;
}

void Messenger::HandleCommand(ByteSpan buf, const Address& from,
                              Instant received) {
  SWIM_DCHECK(!buf.empty());  // wire::UnpackPacket hands out non-empty leaves
  const auto type = static_cast<wire::MessageType>(buf[0]);
  if (ctx_.config.handoff == HandoffMode::kGoLifo && GoQueues(type)) {
    HandOff(buf, from);
    return;
  }
  Dispatch(buf, from, received);
}

void Messenger::Dispatch(ByteSpan buf, const Address& from, Instant received) {
  SWIM_DCHECK(!buf.empty());
  const auto type = static_cast<wire::MessageType>(buf[0]);
  const ByteSpan body = buf.subspan(1);
  SWIM_DCHECK(ctx_.prober != nullptr && ctx_.state != nullptr);
  Prober& prober = *ctx_.prober;
  switch (type) {
    case wire::MessageType::kPing:
      return prober.HandlePing(body, from);
    case wire::MessageType::kIndirectPing:
      return prober.HandleIndirectPing(body, from);
    case wire::MessageType::kAck:
      return prober.HandleAck(body, received);
    case wire::MessageType::kNack:
      return prober.HandleNack(body);
    case wire::MessageType::kAlive:
      return HandleAlive(body, from);
    case wire::MessageType::kSuspect:
      return HandleSuspect(body);
    case wire::MessageType::kDead:
      return HandleDead(body);
    case wire::MessageType::kUser:
      return HandleUser(body);
    case wire::MessageType::kWeight:
      return HandleWeight(body);
    default:
      ctx_.metrics.Incr(metric::kDroppedUnknownType);
      ctx_.Log(LogLevel::kWarn,
               absl::StrCat("message type (", static_cast<int>(buf[0]),
                            ") not supported from ", from.ToString()));
      return;
  }
}

void Messenger::HandleAlive(ByteSpan body, const Address& from) {
  const Config& c = ctx_.config;
  if (absl::Status s = c.IPAllowed(from.ip); !s.ok()) {
    ctx_.metrics.Incr(metric::kDroppedCidr);
    return;
  }
  absl::StatusOr<wire::Alive> a = wire::DecodeAlive(body, wire_.address_mode);
  if (!a.ok()) {
    Malformed(metric::kMalformedAlive, a.status(), from);
    return;
  }
  if (a->node.empty()) {
    Malformed(metric::kMalformedAlive,
              absl::InvalidArgumentError("empty node name"), from);
    return;
  }
  // The decoder passes an over-limit meta over (Alive::meta_dropped).
  SWIM_DCHECK(!a->meta.has_value() || a->meta->size() <= limits::kMetaMaxSize);
  if (a->meta_dropped > 0) {
    Malformed(metric::kMalformedAlive,
              absl::InvalidArgumentError("meta over 512 bytes"), from);
    return;
  }
  if (c.IPMustBeChecked() && !a->addr.empty()) {
    if (absl::Status s = c.IPAllowed(a->addr); !s.ok()) {
      ctx_.metrics.Incr(metric::kDroppedCidr);
      return;
    }
  }
  if (a->addr.empty()) {
    Malformed(metric::kMalformedAlive, absl::InvalidArgumentError("no address"),
              from);
    return;
  }
  if (c.protocol_version < 2 || a->port == 0) {
    a->port = static_cast<uint16_t>(c.bind_port);
  }
  // What StateRules relies on from a packet: a name, an address, bounded meta.
  SWIM_DCHECK(!a->node.empty() && !a->addr.empty());
  SWIM_DCHECK(!a->meta.has_value() || a->meta->size() <= limits::kMetaMaxSize);
  ctx_.state->AliveNode(*a, nullptr, false);
  // Its own alive from its own address: heard from first-hand.
  if (from.ip == a->addr && from.port == a->port) ctx_.state->Confirm(a->node);
}

void Messenger::HandleSuspect(ByteSpan body) {
  absl::StatusOr<wire::Suspect> s = wire::DecodeSuspect(body);
  if (!s.ok()) {
    Malformed(metric::kMalformedSuspect, s.status(), Address{});
    return;
  }
  SWIM_DCHECK(ctx_.state != nullptr);
  ctx_.state->SuspectNode(*s);
}

void Messenger::HandleDead(ByteSpan body) {
  absl::StatusOr<wire::Dead> d = wire::DecodeDead(body);
  if (!d.ok()) {
    Malformed(metric::kMalformedDead, d.status(), Address{});
    return;
  }
  SWIM_DCHECK(ctx_.state != nullptr);
  ctx_.state->DeadNode(*d);
}

void Messenger::HandleUser(ByteSpan body) {
  ctx_.metrics.Incr(metric::kMsgUser);
  // Any length, an empty one too, as Go's handleUser (net.go:686-691); over
  // a stream an empty body is not delivered (Go's readUserMsg, StreamUser).
  if (ctx_.config.delegate != nullptr) {
    ctx_.config.delegate->NotifyMsg(std::string_view(
        reinterpret_cast<const char*>(body.data()), body.size()));
  }
}

void Messenger::HandleWeight(ByteSpan body) {
  absl::StatusOr<wire::Weight> w = wire::DecodeWeight(body);
  if (!w.ok()) {
    Malformed(metric::kMalformedWeight, w.status(), Address{});
    return;
  }
  SWIM_DCHECK(ctx_.weights != nullptr);
  ctx_.weights->HandleWeight(*w);
}

// ---------------------------------------------------------------------------
// Inbound streams
// ---------------------------------------------------------------------------

Bytes Messenger::ErrorReply(const absl::Status& s) const {
  SWIM_DCHECK(!s.ok());
  Bytes err;
  wire::Encode(wire::ErrResp{std::string(s.message())}, &err);
  SWIM_DCHECK(!err.empty());
  return EncodeStreamMsg(err);
}

std::optional<Bytes> Messenger::HandleStream(const Address& from,
                                             ByteSpan stream) {
  SWIM_DCHECK(!ctx_.shutdown);
  ctx_.metrics.Incr(metric::kTcpAccept);
  ctx_.metrics.Incr(metric::kTcpReceived, stream.size());
  if (CidrRefuses(from)) return std::nullopt;
  // Go's readStream at EOF closes without a reply (net.go:230-248).
  if (stream.empty()) return std::nullopt;
  Bytes storage;  // only if the stream was encrypted or compressed
  absl::StatusOr<ByteSpan> msg =
      wire::OpenStreamInPlace(stream, InboundKeyring(), wire_.verify_incoming,
                              ctx_.config.accept_snappy, &storage);
  if (!msg.ok()) {
    // Framing, decryption, decompression: Go answers with an error.
    Malformed(metric::kMalformedStream, msg.status(), from);
    return ErrorReply(msg.status());
  }
  if (msg->empty()) {
    Malformed(metric::kMalformedStream, absl::InvalidArgumentError("empty"),
              from);
    return std::nullopt;
  }
  const ByteSpan body = msg->subspan(1);
  SWIM_DCHECK(msg->size() <= limits::kMaxStreamBytes);  // the decoder bounds it
  absl::StatusOr<std::optional<Bytes>> reply;
  switch (static_cast<wire::MessageType>((*msg)[0])) {
    case wire::MessageType::kPing:
      reply = StreamPing(body, from);
      break;
    case wire::MessageType::kPushPull:
      reply = StreamPushPull(body, from);
      break;
    case wire::MessageType::kUser:
      reply = StreamUser(body, from);
      break;
    default:
      ctx_.metrics.Incr(metric::kDroppedUnknownStreamType);
      ctx_.Log(
          LogLevel::kWarn,
          absl::StrCat("stream message type (", static_cast<int>((*msg)[0]),
                       ") not supported from ", from.ToString()));
      return std::nullopt;
  }
  // An undecodable body (already counted) is not answered: Go's handleConn
  // only logs and closes (net.go:252-254, 266-270, 283-286).
  if (!reply.ok()) return std::nullopt;
  if (reply->has_value()) ctx_.metrics.Incr(metric::kTcpSent, (*reply)->size());
  return *std::move(reply);
}

// Each stream handler returns the reply (nullopt: close without one), or
// the decode error after counting it (HandleStream closes without a reply).
using StreamResult = absl::StatusOr<std::optional<Bytes>>;

StreamResult Messenger::StreamPing(ByteSpan body, const Address& from) {
  absl::StatusOr<wire::Ping> p = wire::DecodePing(body, wire_.address_mode);
  if (!p.ok()) {
    Malformed(metric::kMalformedTcpPing, p.status(), from);
    return p.status();
  }
  if (!p->node.empty() && !ctx_.IsSelf(p->node)) return std::optional<Bytes>();
  // The fork's handleConn: no ack towards a disallowed SourceAddr.
  if (ctx_.NamedSourceDisallowed(p->source_addr, "TCP ping"))
    return std::optional<Bytes>();
  SWIM_DCHECK(p->node.empty() || ctx_.IsSelf(p->node));
  Bytes ack;
  wire::Encode(wire::AckResp{p->seq_no, std::nullopt}, &ack);
  return std::optional<Bytes>(EncodeStreamMsg(ack));
}

StreamResult Messenger::StreamUser(ByteSpan body, const Address& from) {
  absl::StatusOr<std::string> u = wire::DecodeUserStream(body);
  if (!u.ok()) {
    Malformed(metric::kMalformedUserStream, u.status(), from);
    return u.status();
  }
  ctx_.metrics.Incr(metric::kMsgUser);
  if (ctx_.config.delegate != nullptr && !u->empty()) {
    ctx_.config.delegate->NotifyMsg(*u);
  }
  return std::optional<Bytes>();
}

void Messenger::CheckInvariants() const {
  SWIM_DCHECK(wire_.encryption_version ==
              (ctx_.config.protocol_version == 1 ? 0 : 1));
  SWIM_DCHECK(wire_.address_mode == ctx_.config.address_mode);
  SWIM_DCHECK(broadcasts_.retransmit_mult() == ctx_.config.retransmit_mult);
  SWIM_DCHECK(wire_.encryption_version <= 1);
  SWIM_DCHECK(ctx_.weights == nullptr ||
              ctx_.weights->queue().retransmit_mult() ==
                  ctx_.config.retransmit_mult);
  // Queued handoff work always has a drain scheduled (or is being drained).
  SWIM_DCHECK(handoff_.empty() || handoff_armed_ || ctx_.shutdown);
  SWIM_DCHECK(handoff_.size() <= 2 * handoff_.depth());
}

}  // namespace swim::internal
