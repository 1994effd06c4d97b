#include "sim/hostile.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/check.h"
#include "core/limits.h"
#include "core/wire/framing.h"
#include "core/wire/lzw.h"
#include "core/wire/msgpack.h"

#include "absl/strings/str_cat.h"

namespace sim {

using swim::Address;
using swim::Bytes;
using swim::ByteSpan;
namespace wire = swim::wire;

std::string_view AttackName(Attack a) {
  switch (a) {
    case Attack::kRandomBytes:
      return "random_bytes";
    case Attack::kTruncated:
      return "truncated";
    case Attack::kOversized:
      return "oversized";
    case Attack::kCompoundAbuse:
      return "compound_abuse";
    case Attack::kDecompressionBomb:
      return "decompression_bomb";
    case Attack::kImpersonate:
      return "impersonate";
    case Attack::kSuspectFlood:
      return "suspect_flood";
    case Attack::kDeadFlood:
      return "dead_flood";
    case Attack::kReplay:
      return "replay";
    case Attack::kWrongKey:
      return "wrong_key";
    case Attack::kUnencrypted:
      return "unencrypted";
    case Attack::kPushPullAbsurd:
      return "push_pull_absurd";
    case Attack::kSlowLoris:
      return "slow_loris";
    case Attack::kWeightFlood:
      return "weight_flood";
    case Attack::kFakeMembers:
      return "fake_members";
  }
  return "?";
}

namespace {

constexpr swim::VersionVector kVsn = {swim::limits::kProtocolVersionMin,
                                      swim::limits::kProtocolVersionMax,
                                      2,
                                      0,
                                      0,
                                      0};
constexpr absl::Duration kStreamTimeout = absl::Seconds(5);
constexpr absl::Duration kRefreshEvery = absl::Seconds(2);
// Bombs expand past the core's 20 MiB decompression limit.
constexpr size_t kBombBytes = swim::limits::kMaxDecompressedBytes + (1 << 20);

ByteSpan Span(const Bytes& b) { return ByteSpan(b.data(), b.size()); }

void PutU16(Bytes* out, size_t v) {
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v));
}
void PutU32(Bytes* out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<uint8_t>(v >> s));
}

// [9]{Algo, Buf} around raw compressed bytes (any bytes: may lie).
Bytes CompressWrapper(uint64_t algo, ByteSpan buf) {
  Bytes out;
  out.push_back(static_cast<uint8_t>(wire::MessageType::kCompress));
  wire::msgpack::Writer w(&out);
  w.MapHeader(2);
  w.Raw("Algo");
  w.Uint(algo);
  w.Raw("Buf");
  w.Raw(buf);
  return out;
}

// A push/pull message whose header says whatever we like.
Bytes PushPullWithHeader(int64_t nodes, int64_t user_state_len,
                         const std::vector<wire::PushNodeState>& states,
                         swim::AddressMode mode) {
  // Encode the real states through the codec, then swap the header.
  wire::PushPull pp;
  pp.nodes = states;
  Bytes real;
  wire::Encode(pp, mode, &real);
  Bytes hdr;
  hdr.push_back(static_cast<uint8_t>(wire::MessageType::kPushPull));
  wire::msgpack::Writer w(&hdr);
  w.MapHeader(3);
  w.Raw("Join");
  w.Bool(false);
  w.Raw("Nodes");
  w.Int(nodes);
  w.Raw("UserStateLen");
  w.Int(user_state_len);
  Bytes honest_hdr;
  honest_hdr.push_back(static_cast<uint8_t>(wire::MessageType::kPushPull));
  wire::msgpack::Writer hw(&honest_hdr);
  hw.MapHeader(3);
  hw.Raw("Join");
  hw.Bool(false);
  hw.Raw("Nodes");
  hw.Uint(states.size());
  hw.Raw("UserStateLen");
  hw.Uint(0);
  SWIM_CHECK(real.size() >= honest_hdr.size());
  hdr.insert(hdr.end(), real.begin() + honest_hdr.size(), real.end());
  return hdr;
}

// LZW and Snappy bombs are expensive to build; build each once per process.
const Bytes& LzwBomb() {
  static const Bytes* bomb = [] {
    Bytes zeros(kBombBytes, 0);
    Bytes buf;
    wire::LzwCompress(Span(zeros), &buf);
    return new Bytes(CompressWrapper(0, Span(buf)));
  }();
  return *bomb;
}
const Bytes& SnappyBomb() {
  static const Bytes* bomb = [] {
    Bytes zeros(kBombBytes, 0);
    return new Bytes(
        wire::CompressMessage(Span(zeros), swim::CompressionAlgo::kSnappy));
  }();
  return *bomb;
}

}  // namespace

HostilePeer::HostilePeer(World* world, NodeId self, HostileOptions options)
    : world_(world),
      self_(self),
      self_addr_(world->address(self)),
      options_(std::move(options)),
      rng_(world->env(self).Random()) {
  SWIM_CHECK(!options_.victims.empty());
  self_addr_.name = options_.name;
  absl::StatusOr<swim::security::Keyring> wrong =
      swim::security::Keyring::Create({"0123456789abcdef"}, "");
  SWIM_CHECK(wrong.ok());
  wrong_ring_ = std::make_shared<swim::security::Keyring>(std::move(*wrong));
  world_->SetHost(self_, this);
}

HostilePeer::~HostilePeer() {
  ++generation_;
  if (world_->host(self_) == this) world_->SetHost(self_, nullptr);
}

swim::Env& HostilePeer::env() { return world_->env(self_); }

uint32_t HostilePeer::LearntIncarnation(const std::string& name) const {
  auto it = incarnations_.find(name);
  return it == incarnations_.end() ? 0 : it->second;
}

// ---------------------------------------------------------------------------
// Membership
// ---------------------------------------------------------------------------

wire::Alive HostilePeer::SelfAlive() const {
  wire::Alive a;
  a.incarnation = 1;
  a.node = options_.name;
  a.addr = self_addr_.ip;
  a.port = self_addr_.port;
  a.vsn = kVsn;
  return a;
}

wire::PushPull HostilePeer::SelfState(bool join) const {
  wire::PushPull pp;
  pp.join = join;
  wire::PushNodeState s;
  s.name = options_.name;
  s.addr = self_addr_.ip;
  s.port = self_addr_.port;
  s.incarnation = 1;
  s.state = static_cast<int64_t>(swim::NodeState::kAlive);
  s.vsn = kVsn;
  pp.nodes.push_back(std::move(s));
  return pp;
}

void HostilePeer::LearnState(const wire::PushPull& pp) {
  for (const wire::PushNodeState& s : pp.nodes) {
    uint32_t& inc = incarnations_[s.name];
    inc = std::max(inc, s.incarnation);
  }
}

void HostilePeer::Learn(ByteSpan msg, int depth) {
  if (msg.empty() || depth > 4) return;
  const ByteSpan body = msg.subspan(1);
  switch (static_cast<wire::MessageType>(msg[0])) {
    case wire::MessageType::kCompound: {
      absl::StatusOr<wire::CompoundParts> parts = wire::DecodeCompound(body);
      if (!parts.ok()) return;
      for (ByteSpan p : parts->parts) Learn(p, depth + 1);
      return;
    }
    case wire::MessageType::kCompress: {
      absl::StatusOr<Bytes> inner = wire::DecompressMessage(body, 1 << 20);
      if (inner.ok()) Learn(Span(*inner), depth + 1);
      return;
    }
    case wire::MessageType::kAlive: {
      absl::StatusOr<wire::Alive> a =
          wire::DecodeAlive(body, options_.address_mode);
      if (a.ok()) {
        uint32_t& inc = incarnations_[a->node];
        inc = std::max(inc, a->incarnation);
      }
      return;
    }
    case wire::MessageType::kSuspect: {
      absl::StatusOr<wire::Suspect> s = wire::DecodeSuspect(body);
      if (s.ok()) {
        uint32_t& inc = incarnations_[s->node];
        inc = std::max(inc, s->incarnation);
      }
      return;
    }
    case wire::MessageType::kDead: {
      absl::StatusOr<wire::Dead> d = wire::DecodeDead(body);
      if (d.ok()) {
        uint32_t& inc = incarnations_[d->node];
        inc = std::max(inc, d->incarnation);
      }
      return;
    }
    case wire::MessageType::kPing: {
      // A member answers pings, except while stalling (slow-loris): then
      // probes of us fall back to TCP, which stalls too.
      if (!member_ || world_->stream_stall(self_)) return;
      absl::StatusOr<wire::Ping> p =
          wire::DecodePing(body, options_.address_mode);
      if (!p.ok()) return;
      Address to = last_from_;
      if (!p->source_addr.empty() && p->source_port > 0) {
        to = Address{p->source_addr, p->source_port, p->source_node};
      }
      Bytes ack;
      wire::Encode(wire::AckResp{p->seq_no, std::nullopt}, &ack);
      ++stats_.pings_answered;
      env().SendPacket(to, Packet(Span(ack)));
      return;
    }
    default:
      return;
  }
}

void HostilePeer::HandlePacket(const Address& from, ByteSpan data,
                               swim::Instant) {
  ++stats_.packets_received;
  captured_.emplace_back(data.begin(), data.end());
  while (captured_.size() > options_.captured_packets_max)
    captured_.pop_front();
  absl::StatusOr<Bytes> msg = wire::DecodePacket(data, options_.keyring.get(),
                                                 /*verify_incoming=*/true);
  if (!msg.ok()) return;
  last_from_ = from;
  Learn(Span(*msg), 0);
}

std::optional<Bytes> HostilePeer::HandleStream(const Address&,
                                               ByteSpan request) {
  ++stats_.streams_received;
  absl::StatusOr<Bytes> msg = wire::DecodeStream(
      request, options_.keyring.get(), /*verify_incoming=*/true);
  if (!msg.ok() || msg->empty()) return std::nullopt;
  const ByteSpan body = ByteSpan(*msg).subspan(1);
  switch (static_cast<wire::MessageType>((*msg)[0])) {
    case wire::MessageType::kPushPull: {
      absl::StatusOr<wire::PushPull> pp =
          wire::DecodePushPull(body, options_.address_mode);
      if (!pp.ok()) return std::nullopt;
      LearnState(*pp);
      Bytes out;
      wire::Encode(SelfState(false), options_.address_mode, &out);
      return Stream(Span(out));
    }
    case wire::MessageType::kPing: {
      absl::StatusOr<wire::Ping> p =
          wire::DecodePing(body, options_.address_mode);
      if (!p.ok()) return std::nullopt;
      Bytes ack;
      wire::Encode(wire::AckResp{p->seq_no, std::nullopt}, &ack);
      return Stream(Span(ack));
    }
    default:
      return std::nullopt;
  }
}

void HostilePeer::Join() {
  Bytes msg;
  wire::Encode(SelfState(true), options_.address_mode, &msg);
  const uint64_t gen = generation_;
  env().StreamExchange(
      options_.victims[0], Stream(Span(msg)), swim::StreamReply::kMessage,
      kStreamTimeout,
      [this, gen,
       alive = std::weak_ptr<bool>(alive_)](absl::StatusOr<Bytes> reply) {
        if (alive.expired() || gen != generation_) return;
        if (!reply.ok()) {
          stats_.join_result = reply.status();
          return;
        }
        absl::StatusOr<Bytes> m =
            wire::DecodeStream(Span(*reply), options_.keyring.get(), true);
        if (!m.ok() || m->empty() ||
            (*m)[0] != static_cast<uint8_t>(wire::MessageType::kPushPull)) {
          stats_.join_result = absl::DataLossError("bad push/pull reply");
          return;
        }
        absl::StatusOr<wire::PushPull> pp = wire::DecodePushPull(
            ByteSpan(*m).subspan(1), options_.address_mode);
        if (!pp.ok()) {
          stats_.join_result = pp.status();
          return;
        }
        LearnState(*pp);
        stats_.join_result = absl::OkStatus();
        if (!member_) {
          member_ = true;
          env().Schedule(kRefreshEvery, "hostile-refresh",
                         [this, gen, alive = std::weak_ptr<bool>(alive_)] {
                           if (!alive.expired() && gen == generation_)
                             Refresh();
                         });
        }
      });
}

void HostilePeer::Refresh() {
  const uint64_t gen = generation_;
  Bytes msg;
  wire::Encode(SelfState(false), options_.address_mode, &msg);
  env().StreamExchange(
      RandomVictim(), Stream(Span(msg)), swim::StreamReply::kMessage,
      kStreamTimeout,
      [this, gen,
       alive = std::weak_ptr<bool>(alive_)](absl::StatusOr<Bytes> reply) {
        if (alive.expired() || gen != generation_ || !reply.ok()) return;
        absl::StatusOr<Bytes> m =
            wire::DecodeStream(Span(*reply), options_.keyring.get(), true);
        if (!m.ok() || m->empty()) return;
        absl::StatusOr<wire::PushPull> pp = wire::DecodePushPull(
            ByteSpan(*m).subspan(1), options_.address_mode);
        if (pp.ok()) LearnState(*pp);
      });
  env().Schedule(kRefreshEvery, "hostile-refresh",
                 [this, gen, alive = std::weak_ptr<bool>(alive_)] {
                   if (!alive.expired() && gen == generation_) Refresh();
                 });
}

// ---------------------------------------------------------------------------
// Driving
// ---------------------------------------------------------------------------

void HostilePeer::Start(std::vector<Attack> attacks, absl::Duration duration) {
  SWIM_CHECK(!attacks.empty());
  attacks_ = std::move(attacks);
  next_attack_ = 0;
  running_ = true;
  stop_at_ = env().Now() + duration;
  const uint64_t gen = ++tick_gen_;
  env().Schedule(absl::ZeroDuration(), "hostile-tick",
                 [this, gen, alive = std::weak_ptr<bool>(alive_)] {
                   if (!alive.expired() && gen == tick_gen_) Tick();
                 });
}

void HostilePeer::Stop() {
  running_ = false;
  ++tick_gen_;
  world_->SetStreamStall(self_, false);
}

void HostilePeer::Tick() {
  if (!running_) return;
  if (env().Now() >= stop_at_) {
    Stop();
    return;
  }
  ActOnce(attacks_[next_attack_++ % attacks_.size()]);
  const uint64_t gen = tick_gen_;
  env().Schedule(options_.interval, "hostile-tick",
                 [this, gen, alive = std::weak_ptr<bool>(alive_)] {
                   if (!alive.expired() && gen == tick_gen_) Tick();
                 });
}

void HostilePeer::ActOnce(Attack attack) {
  for (int i = 0; i < std::max(1, options_.burst); ++i) {
    switch (attack) {
      case Attack::kRandomBytes:
        RandomBytes();
        break;
      case Attack::kTruncated:
        Truncated();
        break;
      case Attack::kOversized:
        Oversized();
        break;
      case Attack::kCompoundAbuse:
        CompoundAbuse();
        break;
      case Attack::kDecompressionBomb:
        DecompressionBomb();
        break;
      case Attack::kImpersonate:
        Impersonate();
        break;
      case Attack::kSuspectFlood:
        SuspectFlood();
        break;
      case Attack::kDeadFlood:
        DeadFlood();
        break;
      case Attack::kReplay:
        Replay();
        break;
      case Attack::kWrongKey:
        WrongKey();
        break;
      case Attack::kUnencrypted:
        Unencrypted();
        break;
      case Attack::kPushPullAbsurd:
        PushPullAbsurd();
        break;
      case Attack::kSlowLoris:
        SlowLoris();
        break;
      case Attack::kWeightFlood:
        WeightFlood();
        break;
      case Attack::kFakeMembers:
        FakeMembers();
        break;
    }
  }
}

const Address& HostilePeer::RandomVictim() {
  return options_.victims[rng_.Uniform(options_.victims.size())];
}

const Address& HostilePeer::OtherVictim(const Address& not_this) {
  if (options_.victims.size() < 2) return options_.victims[0];
  for (;;) {
    const Address& a = RandomVictim();
    if (a.name != not_this.name) return a;
  }
}

Bytes HostilePeer::Packet(ByteSpan msg,
                          const swim::security::Keyring* ring) const {
  wire::OutgoingOptions o;
  o.keyring = ring;
  World* w = world_;
  const NodeId self = self_;
  return wire::EncodePacket(msg, o, [w, self](absl::Span<uint8_t> out) {
    w->env(self).SecureRandom(out);
  });
}

Bytes HostilePeer::Stream(ByteSpan msg,
                          const swim::security::Keyring* ring) const {
  wire::OutgoingOptions o;
  o.keyring = ring;
  World* w = world_;
  const NodeId self = self_;
  return wire::EncodeStream(msg, o, [w, self](absl::Span<uint8_t> out) {
    w->env(self).SecureRandom(out);
  });
}

void HostilePeer::Tally(Attack a, const Address& to, size_t bytes, Verdict v,
                        bool stream) {
  VictimTally& t = stats_.by_victim[to.name];
  (stream ? t.streams : t.packets) += 1;
  t.bytes += bytes;
  switch (v) {
    case Verdict::kMalformed:
      ++t.malformed;
      break;
    case Verdict::kValid:
      ++t.valid;
      break;
    case Verdict::kMaybe:
      ++t.maybe;
      break;
  }
  ++stats_.messages_by_attack[static_cast<size_t>(a)];
}

void HostilePeer::SendPacket(Attack a, const Address& to, Bytes bytes,
                             Verdict v) {
  Tally(a, to, bytes.size(), v, false);
  env().SendPacket(to, std::move(bytes));
}

void HostilePeer::SendStream(Attack a, const Address& to, Bytes bytes,
                             Verdict v) {
  Tally(a, to, bytes.size(), v, true);
  env().StreamExchange(to, std::move(bytes), swim::StreamReply::kMessage,
                       kStreamTimeout, [](absl::StatusOr<Bytes>) {});
}

void HostilePeer::Claim(const std::string& subject, swim::NodeState what,
                        uint32_t inc) {
  SubjectClaims& c = stats_.claims[subject];
  switch (what) {
    case swim::NodeState::kSuspect:
      ++c.suspect;
      break;
    case swim::NodeState::kDead:
      ++c.dead;
      break;
    default:
      ++c.alive;
      break;
  }
  c.max_incarnation = std::max(c.max_incarnation, inc);
  c.last = env().Now();
}

Bytes HostilePeer::AnyValidMessage() {
  const Address& v = RandomVictim();
  Bytes msg;
  switch (rng_.Uniform(6)) {
    case 0: {
      wire::Ping p;
      p.seq_no = ++seq_;
      p.node = v.name;
      p.source_addr = self_addr_.ip;
      p.source_port = self_addr_.port;
      p.source_node = options_.name;
      wire::Encode(p, options_.address_mode, &msg);
      break;
    }
    case 1:
      wire::Encode(SelfAlive(), options_.address_mode, &msg);
      break;
    case 2:
      wire::Encode(
          wire::Suspect{LearntIncarnation(v.name), v.name, options_.name},
          &msg);
      break;
    case 3:
      wire::Encode(wire::Dead{LearntIncarnation(v.name), v.name, options_.name},
                   &msg);
      break;
    case 4:
      wire::Encode(wire::AckResp{++seq_, std::string("payload")}, &msg);
      break;
    default: {
      Bytes a, b;
      wire::Encode(SelfAlive(), options_.address_mode, &a);
      wire::Encode(wire::NackResp{++seq_}, &b);
      msg = wire::MakeCompound({a, b});
      break;
    }
  }
  return msg;
}

// ---------------------------------------------------------------------------
// The attacks
// ---------------------------------------------------------------------------

void HostilePeer::RandomBytes() {
  const Address& to = RandomVictim();
  Bytes b(1 + rng_.Uniform(1400));
  for (uint8_t& x : b) x = static_cast<uint8_t>(rng_.Next());
  if (rng_.Uniform(8) == 0) {
    SendStream(Attack::kRandomBytes, to, std::move(b), Verdict::kMaybe);
  } else {
    SendPacket(Attack::kRandomBytes, to, std::move(b), Verdict::kMaybe);
  }
}

void HostilePeer::Truncated() {
  const Address& to = RandomVictim();
  switch (rng_.Uniform(3)) {
    case 0: {  // a packet message cut short, then framed
      Bytes msg = AnyValidMessage();
      msg.resize(1 + rng_.Uniform(msg.size() - 1));
      SendPacket(Attack::kTruncated, to, Packet(Span(msg)),
                 Verdict::kMalformed);
      break;
    }
    case 1: {  // a push/pull cut short, then framed
      Bytes msg;
      wire::Encode(SelfState(false), options_.address_mode, &msg);
      msg.resize(1 + rng_.Uniform(msg.size() - 1));
      SendStream(Attack::kTruncated, to, Stream(Span(msg)),
                 Verdict::kMalformed);
      break;
    }
    default: {  // a framed stream cut short (an encrypted one loses its tag)
      Bytes msg;
      wire::Encode(SelfState(false), options_.address_mode, &msg);
      Bytes framed = Stream(Span(msg));
      framed.resize(1 + rng_.Uniform(framed.size() - 1));
      SendStream(Attack::kTruncated, to, std::move(framed),
                 Verdict::kMalformed);
      break;
    }
  }
}

void HostilePeer::Oversized() {
  const Address& to = RandomVictim();
  switch (rng_.Uniform(6)) {
    case 0: {  // random datagram over 64 KiB
      Bytes b(swim::limits::kMaxPacketSize + 1 + rng_.Uniform(16 * 1024));
      for (uint8_t& x : b) x = static_cast<uint8_t>(rng_.Next());
      SendPacket(Attack::kOversized, to, std::move(b), Verdict::kMaybe);
      break;
    }
    case 1: {  // a well-formed 70 KB user message in one datagram
      Bytes msg;
      wire::EncodeUserPacket(std::string(70000, 'u'), &msg);
      SendPacket(Attack::kOversized, to, Packet(Span(msg)), Verdict::kValid);
      break;
    }
    case 2: {  // compound of three 65535-byte parts, only one present
      Bytes msg = {static_cast<uint8_t>(wire::MessageType::kCompound), 3};
      for (int i = 0; i < 3; ++i) PutU16(&msg, 0xffff);
      msg.resize(msg.size() + 0xffff + 2, 0);  // part 0: a zero "ping" body
      SendPacket(Attack::kOversized, to, Packet(Span(msg)),
                 Verdict::kMalformed);
      break;
    }
    case 3: {  // encrypted stream header claiming 20 MiB + 1
      Bytes s = {static_cast<uint8_t>(wire::MessageType::kEncrypt)};
      PutU32(&s, static_cast<uint32_t>(swim::limits::kMaxStreamBytes + 1));
      s.resize(s.size() + 64, 0xab);
      SendStream(Attack::kOversized, to, std::move(s), Verdict::kMalformed);
      break;
    }
    case 4: {  // push/pull claiming 21 MiB of user state
      Bytes msg = PushPullWithHeader(1, 21 << 20, SelfState(false).nodes,
                                     options_.address_mode);
      SendStream(Attack::kOversized, to, Stream(Span(msg)),
                 Verdict::kMalformed);
      break;
    }
    default: {  // user stream claiming 2^31 bytes
      Bytes msg = {static_cast<uint8_t>(wire::MessageType::kUser)};
      wire::msgpack::Writer w(&msg);
      w.MapHeader(1);
      w.Raw("UserMsgLen");
      w.Int(int64_t{1} << 31);
      msg.push_back('x');
      SendStream(Attack::kOversized, to, Stream(Span(msg)),
                 Verdict::kMalformed);
      break;
    }
  }
}

void HostilePeer::CompoundAbuse() {
  const Address& to = RandomVictim();
  switch (rng_.Uniform(5)) {
    case 0: {  // 255 zero-length parts
      Bytes msg = {static_cast<uint8_t>(wire::MessageType::kCompound), 255};
      msg.resize(msg.size() + 2 * 255, 0);
      SendPacket(Attack::kCompoundAbuse, to, Packet(Span(msg)),
                 Verdict::kMalformed);
      break;
    }
    case 1: {  // 200 parts declared, 3 bytes of lengths
      Bytes msg = {static_cast<uint8_t>(wire::MessageType::kCompound), 200, 0,
                   1, 0};
      SendPacket(Attack::kCompoundAbuse, to, Packet(Span(msg)),
                 Verdict::kMalformed);
      break;
    }
    case 2: {  // compounds nested 10 deep around a ping
      Bytes msg;
      wire::Encode(wire::Ping{++seq_, to.name, {}, 0, {}},
                   options_.address_mode, &msg);
      for (int i = 0; i < 10; ++i) {
        Bytes outer = {static_cast<uint8_t>(wire::MessageType::kCompound), 1};
        PutU16(&outer, msg.size());
        outer.insert(outer.end(), msg.begin(), msg.end());
        msg = std::move(outer);
      }
      SendPacket(Attack::kCompoundAbuse, to, Packet(Span(msg)),
                 Verdict::kMalformed);
      break;
    }
    case 3: {  // compress nested 6 deep
      Bytes msg;
      wire::Encode(wire::Ping{++seq_, to.name, {}, 0, {}},
                   options_.address_mode, &msg);
      for (int i = 0; i < 6; ++i)
        msg = CompressWrapper(0, [&] {
          Bytes buf;
          wire::LzwCompress(Span(msg), &buf);
          return buf;
        }());
      SendPacket(Attack::kCompoundAbuse, to, Packet(Span(msg)),
                 Verdict::kMalformed);
      break;
    }
    default: {  // 127 pings whose acks go to another honest node
      const Address& reflect = OtherVictim(to);
      std::vector<Bytes> parts;
      for (size_t i = 0; i < swim::limits::kMaxCompoundParts; ++i) {
        wire::Ping p;
        p.seq_no = ++seq_;
        p.node = to.name;
        p.source_addr = reflect.ip;
        p.source_port = reflect.port;
        p.source_node = reflect.name;
        Bytes m;
        wire::Encode(p, options_.address_mode, &m);
        parts.push_back(std::move(m));
      }
      Bytes msg = wire::MakeCompound(parts);
      SendPacket(Attack::kCompoundAbuse, to, Packet(Span(msg)),
                 Verdict::kValid);
      break;
    }
  }
}

void HostilePeer::DecompressionBomb() {
  const Address& to = RandomVictim();
  switch (rng_.Uniform(4)) {
    case 0:  // LZW: ~20 KB that inflate past 20 MiB
      SendPacket(Attack::kDecompressionBomb, to, Packet(Span(LzwBomb())),
                 Verdict::kMalformed);
      break;
    case 1: {  // Snappy header claiming 4 GiB
      Bytes buf = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
      SendPacket(Attack::kDecompressionBomb, to,
                 Packet(Span(CompressWrapper(1, Span(buf)))),
                 Verdict::kMalformed);
      break;
    }
    case 2: {  // Snappy header claiming exactly the 20 MiB limit, no data
      Bytes buf;
      uint64_t n = swim::limits::kMaxDecompressedBytes;
      while (n >= 0x80) {
        buf.push_back(static_cast<uint8_t>(n | 0x80));
        n >>= 7;
      }
      buf.push_back(static_cast<uint8_t>(n));
      buf.push_back(0x00);
      SendPacket(Attack::kDecompressionBomb, to,
                 Packet(Span(CompressWrapper(1, Span(buf)))),
                 Verdict::kMalformed);
      break;
    }
    default:  // a genuine Snappy bomb (~1 MB) on a stream
      SendStream(Attack::kDecompressionBomb, to, Stream(Span(SnappyBomb())),
                 Verdict::kMalformed);
      break;
  }
}

void HostilePeer::Impersonate() {
  const Address& subject = RandomVictim();
  const Address& to = rng_.Uniform(4) == 0 ? subject : OtherVictim(subject);
  wire::Alive a;
  a.node = subject.name;
  a.addr = subject.ip;
  a.port = subject.port;
  a.meta = std::string("mallory-was-here");
  a.vsn = kVsn;
  const uint32_t known = LearntIncarnation(subject.name);
  switch (rng_.Uniform(3)) {
    case 0:  // just ahead of the truth
      a.incarnation = known + 1;
      break;
    case 1:  // the subject's name at our address
      a.incarnation = known + 10;
      a.addr = self_addr_.ip;
      a.port = self_addr_.port;
      break;
    default:
      a.incarnation = options_.huge_incarnation;
      break;
  }
  if (a.incarnation < known) a.incarnation = known;  // wrapped
  Claim(subject.name, swim::NodeState::kAlive, a.incarnation);
  Bytes msg;
  wire::Encode(a, options_.address_mode, &msg);
  SendPacket(Attack::kImpersonate, to, Packet(Span(msg)), Verdict::kValid);
}

void HostilePeer::SuspectFlood() {
  const Address& subject = RandomVictim();
  const Address& to = rng_.Uniform(4) == 0 ? subject : OtherVictim(subject);
  uint32_t inc = LearntIncarnation(subject.name);
  if (options_.huge_accusations && rng_.Uniform(3) == 0) {
    inc = options_.huge_incarnation;
  }
  Claim(subject.name, swim::NodeState::kSuspect, inc);
  Bytes msg;
  wire::Encode(wire::Suspect{inc, subject.name, OtherVictim(subject).name},
               &msg);
  SendPacket(Attack::kSuspectFlood, to, Packet(Span(msg)), Verdict::kValid);
}

void HostilePeer::DeadFlood() {
  const Address& subject = RandomVictim();
  const Address& to = rng_.Uniform(4) == 0 ? subject : OtherVictim(subject);
  uint32_t inc = LearntIncarnation(subject.name);
  if (options_.huge_accusations && rng_.Uniform(3) == 0) {
    inc = options_.huge_incarnation;
  }
  Claim(subject.name, swim::NodeState::kDead, inc);
  Bytes msg;
  wire::Encode(wire::Dead{inc, subject.name, options_.name}, &msg);
  SendPacket(Attack::kDeadFlood, to, Packet(Span(msg)), Verdict::kValid);
}

void HostilePeer::Replay() {
  if (captured_.empty()) return;
  const Bytes& old = captured_[rng_.Uniform(captured_.size())];
  ++stats_.replays_sent;
  SendPacket(Attack::kReplay, RandomVictim(), old, Verdict::kValid);
}

void HostilePeer::WrongKey() {
  const Address& to = RandomVictim();
  // Without a cluster key the victim reads our ciphertext as plaintext.
  const Verdict v =
      options_.cluster_encrypted ? Verdict::kMalformed : Verdict::kMaybe;
  if (rng_.Uniform(4) == 0) {
    Bytes msg;
    wire::Encode(SelfState(false), options_.address_mode, &msg);
    SendStream(Attack::kWrongKey, to, Stream(Span(msg), wrong_ring_.get()), v);
  } else {
    Bytes msg = AnyValidMessage();
    SendPacket(Attack::kWrongKey, to, Packet(Span(msg), wrong_ring_.get()), v);
  }
}

void HostilePeer::Unencrypted() {
  const Address& to = RandomVictim();
  const Verdict v =
      options_.cluster_encrypted ? Verdict::kMalformed : Verdict::kValid;
  if (rng_.Uniform(4) == 0) {
    Bytes msg;
    wire::Encode(SelfState(false), options_.address_mode, &msg);
    SendStream(Attack::kUnencrypted, to, Stream(Span(msg), nullptr), v);
  } else {
    Bytes msg = AnyValidMessage();
    SendPacket(Attack::kUnencrypted, to, Packet(Span(msg), nullptr), v);
  }
}

void HostilePeer::PushPullAbsurd() {
  const Address& to = RandomVictim();
  const std::vector<wire::PushNodeState> one = SelfState(false).nodes;
  Bytes msg;
  switch (rng_.Uniform(5)) {
    case 0:
      msg = PushPullWithHeader(-1, 0, one, options_.address_mode);
      break;
    case 1:
      msg = PushPullWithHeader(int64_t{1} << 31, 0, one, options_.address_mode);
      break;
    case 2:
      msg = PushPullWithHeader(
          static_cast<int64_t>(swim::limits::kMaxPushPullNodes) + 1, 0, one,
          options_.address_mode);
      break;
    case 3:  // more states claimed than the bytes hold
      msg = PushPullWithHeader(1000, 0, one, options_.address_mode);
      break;
    default: {  // a push/pull in a datagram (streams only)
      wire::Encode(SelfState(false), options_.address_mode, &msg);
      SendPacket(Attack::kPushPullAbsurd, to, Packet(Span(msg)),
                 Verdict::kMalformed);
      return;
    }
  }
  SendStream(Attack::kPushPullAbsurd, to, Stream(Span(msg)),
             Verdict::kMalformed);
}

void HostilePeer::SlowLoris() {
  world_->SetStreamStall(self_, true);
  const Address& to = RandomVictim();
  Bytes msg;
  wire::Encode(SelfState(false), options_.address_mode, &msg);
  Bytes framed = Stream(Span(msg));
  if (rng_.Uniform(2) == 0) {
    // The first half of a stream (what a reader holds when the sender stops).
    framed.resize(framed.size() / 2);
  } else {
    // An encrypted-stream header promising 1000 bytes, 20 delivered.
    framed = {static_cast<uint8_t>(wire::MessageType::kEncrypt)};
    PutU32(&framed, 1000);
    framed.resize(framed.size() + 20, 0x5a);
  }
  SendStream(Attack::kSlowLoris, to, std::move(framed), Verdict::kMalformed);
}

void HostilePeer::WeightFlood() {
  const Address& to = RandomVictim();
  wire::Weight w;
  w.from = options_.name;
  w.weight = static_cast<int64_t>(rng_.Next());
  const int64_t now = env().UnixMillis();
  switch (rng_.Uniform(5)) {
    case 0:
      w.weight_at = 0;
      break;
    case 1:
      w.weight_at = now - 3600 * 1000;
      break;
    case 2:
      w.weight_at = std::numeric_limits<int64_t>::max();
      break;
    case 3:
      w.weight_at = std::numeric_limits<int64_t>::min();
      break;
    default:
      w.weight_at = now + 86400 * 1000;
      break;
  }
  if (rng_.Uniform(4) == 0) {
    w.node = absl::StrCat("ghost-", rng_.Uniform(1 << 20));
  } else {
    const Address& subject = OtherVictim(to);
    w.node = subject.name;
    w.incarnation = LearntIncarnation(subject.name);
  }
  Bytes msg;
  wire::Encode(w, &msg);
  SendPacket(Attack::kWeightFlood, to, Packet(Span(msg)), Verdict::kValid);
}

void HostilePeer::FakeMembers() {
  // A new member per message, at an address in 10.250.0.0/16 where no World
  // node lives: honest nodes add it, probe it, suspect it, declare it dead
  // and reap it. SWIM accepts any alive for an unknown name, so the table
  // grows at the attack's rate minus the rate the cluster can probe them out.
  const uint32_t k = ghosts_++;
  wire::Alive a;
  a.incarnation = 1;
  a.node = absl::StrCat("ghost-", k);
  a.addr = swim::IpAddress::V4(10, 250, static_cast<uint8_t>(k >> 8),
                               static_cast<uint8_t>(k));
  a.port = 7946;
  a.vsn = kVsn;
  Bytes msg;
  wire::Encode(a, options_.address_mode, &msg);
  SendPacket(Attack::kFakeMembers, RandomVictim(), Packet(Span(msg)),
             Verdict::kValid);
}

// ---------------------------------------------------------------------------
// HurtMonitor, UsageSampler
// ---------------------------------------------------------------------------

HurtMonitor::HurtMonitor(Cluster* cluster, const HostilePeer* peer)
    : cluster_(cluster), peer_(peer) {
  subscription_ =
      cluster_->Subscribe([this](const ClusterEvent& e) { OnEvent(e); });
}

namespace {
std::optional<int> HonestIndex(const Cluster& c, const std::string& name) {
  for (int i = 0; i < c.size(); ++i) {
    if (Cluster::NodeName(i) == name) return i;
  }
  return std::nullopt;
}
std::optional<int> IndexOfWorldId(const Cluster& c, NodeId id) {
  for (int i = 0; i < c.size(); ++i) {
    if (c.world_id(i) == id) return i;
  }
  return std::nullopt;
}
}  // namespace

HurtMonitor::~HurtMonitor() { cluster_->Unsubscribe(subscription_); }

void HurtMonitor::OnEvent(const ClusterEvent& e) {
  const bool death =
      e.kind == ClusterEvent::Kind::kLeave && e.state == swim::NodeState::kDead;
  const bool suspicion = e.kind == ClusterEvent::Kind::kSuspect;
  if (!death && !suspicion) return;
  const std::optional<int> subject = HonestIndex(*cluster_, e.subject);
  const std::optional<int> observer = IndexOfWorldId(*cluster_, e.observer);
  if (!subject || !observer || !cluster_->is_up(*subject)) return;
  if (suspicion) {
    ++suspicions_;
    return;
  }
  Hurt h;
  h.at = e.at;
  h.observer = *observer;
  h.subject = *subject;
  h.incarnation = e.incarnation;
  std::string cause;
  auto it = peer_->stats().claims.find(e.subject);
  if (it != peer_->stats().claims.end()) {
    const SubjectClaims& c = it->second;
    absl::StrAppend(&cause, "hostile forged ", c.dead, " dead, ", c.suspect,
                    " suspect and ", c.alive,
                    " alive claims about it (max inc ", c.max_incarnation, ")");
  } else {
    absl::StrAppend(&cause, "no forged claims about it");
  }
  if (const swim::Memberlist* m = cluster_->node(*subject); m != nullptr) {
    absl::StrAppend(&cause, "; it refuted ",
                    m->metrics().Counter("memberlist.refute"), " times");
    if (const uint64_t ex = m->metrics().Counter("memberlist.refute_exhausted");
        ex > 0) {
      absl::StrAppend(&cause, ", ", ex,
                      " accusations it could not refute "
                      "(incarnation space exhausted)");
    }
  }
  h.cause = std::move(cause);
  deaths_.push_back(std::move(h));
}

std::string HurtMonitor::Report() const {
  if (deaths_.empty()) {
    return absl::StrCat("no honest node declared dead (", suspicions_,
                        " false suspicions)");
  }
  std::string out = absl::StrCat(deaths_.size(), " false deaths, ", suspicions_,
                                 " false suspicions:\n");
  size_t shown = 0;
  for (const Hurt& h : deaths_) {
    if (++shown > 10) {
      absl::StrAppend(&out, "  ...\n");
      break;
    }
    absl::StrAppend(&out, "  ", Cluster::NodeName(h.subject),
                    " declared dead by ", Cluster::NodeName(h.observer), " at ",
                    absl::FormatDuration(h.at - swim::Instant()), " (inc ",
                    h.incarnation, "): ", h.cause, "\n");
  }
  return out;
}

std::string UsagePeak::ToString() const {
  return absl::StrCat("table=", table, " broadcasts=", broadcasts,
                      " weight_broadcasts=", weight_broadcasts,
                      " ack_handlers=", ack_handlers,
                      " suspicions=", suspicions, " weights=", weights,
                      " timers=", timers, " world_events=", world_events);
}

UsageSampler::UsageSampler(Cluster* cluster, absl::Duration every)
    : cluster_(cluster), every_(every) {
  next_ = cluster_->world().After(every_, "usage-sample", [this] { Sample(); });
}

UsageSampler::~UsageSampler() { cluster_->world().CancelEvent(next_); }

void UsageSampler::Sample() {
  for (int i = 0; i < cluster_->size(); ++i) {
    const swim::Memberlist* m = cluster_->node(i);
    if (m == nullptr) continue;
    const swim::Memberlist::Usage u = m->ResourceUsage();
    peak_.table = std::max(peak_.table, u.table);
    peak_.broadcasts = std::max(peak_.broadcasts, u.broadcasts);
    peak_.weight_broadcasts =
        std::max(peak_.weight_broadcasts, u.weight_broadcasts);
    peak_.ack_handlers = std::max(peak_.ack_handlers, u.ack_handlers);
    peak_.suspicions = std::max(peak_.suspicions, u.suspicions);
    peak_.weights = std::max(peak_.weights, u.weights);
    peak_.timers = std::max(peak_.timers, u.timers);
  }
  peak_.world_events =
      std::max(peak_.world_events, cluster_->world().pending_events());
  cluster_->world().After(every_, "usage-sample", [this] { Sample(); });
}

}  // namespace sim
