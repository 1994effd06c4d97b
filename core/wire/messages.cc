#include "core/wire/messages.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "core/check.h"
#include "core/status_macros.h"
#include "core/wire/lzw.h"
#include "core/wire/msgpack.h"

#include "absl/strings/str_cat.h"
#include "snappy.h"

namespace swim::wire {

namespace {

using msgpack::DecodeStruct;
using msgpack::Reader;
using msgpack::Writer;

// --- helpers -----------------------------------------------------------------

template <typename T>
absl::StatusOr<T> Finish(const Reader& r, T value) {
  if (!r.ok()) return r.status();
  return value;
}

bool ReadU32(Reader& r, uint32_t* v) {
  SWIM_DCHECK(v != nullptr);
  uint64_t u = 0;
  if (!r.ReadUint(0xffffffffu, &u)) return false;
  *v = static_cast<uint32_t>(u);
  SWIM_DCHECK(u <= 0xffffffffu && r.ok());
  return true;
}

bool ReadU16(Reader& r, uint16_t* v) {
  SWIM_DCHECK(v != nullptr);
  uint64_t u = 0;
  if (!r.ReadUint(0xffff, &u)) return false;
  *v = static_cast<uint16_t>(u);
  SWIM_DCHECK(u <= 0xffff && r.ok());
  return true;
}

bool ReadVsn(Reader& r, std::optional<VersionVector>* vsn) {
  SWIM_DCHECK(vsn != nullptr);
  std::optional<std::string> raw;
  if (!r.ReadBytes(&raw)) return false;
  if (!raw || raw->empty()) {
    vsn->reset();
    return true;
  }
  // Go 0.2.2 indexes Vsn[0..5] unchecked: any other length would crash it
  // (protocol.md §6.13), so such a message is malformed here.
  if (raw->size() != 6) return r.Fail("Vsn must be 0 or 6 bytes");
  SWIM_DCHECK(raw.has_value() && raw->size() == VersionVector().size());
  VersionVector v;
  std::memcpy(v.data(), raw->data(), 6);
  *vsn = v;
  return true;
}

void WriteVsn(Writer& w, const std::optional<VersionVector>& vsn) {
  SWIM_DCHECK(!vsn.has_value() || vsn->size() == 6);
  if (vsn) {
    w.Raw(ByteSpan(vsn->data(), vsn->size()));
  } else {
    w.Nil();
  }
}

bool ReadAddr(Reader& r, AddressMode mode, IpAddress* ip) {
  SWIM_DCHECK(ip != nullptr);
  SWIM_DCHECK(mode == AddressMode::kBinary || mode == AddressMode::kText);
  if (mode == AddressMode::kBinary) {
    std::optional<std::string> raw;
    if (!r.ReadBytes(&raw)) return false;
    if (!raw || raw->empty()) {
      *ip = IpAddress();
      return true;
    }
    auto parsed = IpAddress::FromBytes(
        ByteSpan(reinterpret_cast<const uint8_t*>(raw->data()), raw->size()));
    if (!parsed) return r.Fail("address must be 4 or 16 bytes");
    *ip = *parsed;
    return true;
  }
  std::string text;
  if (!r.ReadString(&text)) return false;
  if (text.empty()) {
    *ip = IpAddress();
    return true;
  }
  SWIM_DCHECK(mode == AddressMode::kText && r.ok());
  auto parsed = IpAddress::Parse(text);
  if (!parsed) return r.Fail("address is not a textual IP");
  *ip = *parsed;
  return true;
}

void WriteAddr(Writer& w, AddressMode mode, const IpAddress& ip) {
  SWIM_DCHECK(mode == AddressMode::kBinary || mode == AddressMode::kText);
  SWIM_DCHECK(ip.empty() || ip.size() == 4 || ip.size() == 16);
  if (mode == AddressMode::kBinary) {
    if (ip.empty()) {
      w.Nil();  // Go: a nil net.IP
    } else {
      w.Raw(ip.bytes());
    }
  } else {
    w.Raw(ip.ToString());  // Go fork: a string field ("" when empty)
  }
}

ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// ping's and indirect ping's omitempty Source* fields: how many are present,
// and writing them (their keys sort together, in this order, in both).
size_t SourceFieldCount(const IpAddress& addr, uint16_t port,
                        const std::string& node) {
  return (addr.empty() ? 0 : 1) + (port == 0 ? 0 : 1) + (node.empty() ? 0 : 1);
}

void WriteSourceFields(Writer& w, AddressMode mode, const IpAddress& addr,
                       uint16_t port, const std::string& node) {
  SWIM_DCHECK(addr.empty() || addr.size() == 4 || addr.size() == 16);
  if (!addr.empty()) {
    w.Raw("SourceAddr");
    WriteAddr(w, mode, addr);
  }
  if (!node.empty()) {
    w.Raw("SourceNode");
    w.Raw(node);
  }
  if (port != 0) {
    w.Raw("SourcePort");
    w.Uint(port);
  }
}

}  // namespace

// --- single messages
// --------------------------------------------------------------

void Encode(const Ping& m, AddressMode mode, Bytes* out) {
  SWIM_DCHECK(out != nullptr);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(MessageType::kPing));
  Writer w(out);
  w.MapHeader(2 +
              SourceFieldCount(m.source_addr, m.source_port, m.source_node));
  w.Raw("Node");
  w.Raw(m.node);
  w.Raw("SeqNo");
  w.Uint(m.seq_no);
  WriteSourceFields(w, mode, m.source_addr, m.source_port, m.source_node);
  // One message: its type byte, then a non-empty msgpack body.
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] == static_cast<uint8_t>(MessageType::kPing));
}

absl::StatusOr<Ping> DecodePing(ByteSpan body, AddressMode mode) {
  static constexpr std::array<std::string_view, 5> kDecl = {
      "SeqNo", "Node", "SourceAddr", "SourcePort", "SourceNode"};
  Reader r(body);
  Ping m;
  DecodeStruct(r, kDecl, [&](size_t i) {
    switch (i) {
      case 0:
        return ReadU32(r, &m.seq_no);
      case 1:
        return r.ReadString(&m.node);
      case 2:
        return ReadAddr(r, mode, &m.source_addr);
      case 3:
        return ReadU16(r, &m.source_port);
      default:
        return r.ReadString(&m.source_node);
    }
  });
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  SWIM_DCHECK(!r.ok() || m.source_addr.empty() || m.source_addr.size() == 4 ||
              m.source_addr.size() == 16);
  return Finish(r, std::move(m));
}

void Encode(const IndirectPingReq& m, AddressMode mode, Bytes* out) {
  SWIM_DCHECK(out != nullptr);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(MessageType::kIndirectPing));
  Writer w(out);
  w.MapHeader(5 +
              SourceFieldCount(m.source_addr, m.source_port, m.source_node));
  w.Raw("Nack");
  w.Bool(m.nack);
  w.Raw("Node");
  w.Raw(m.node);
  w.Raw("Port");
  w.Uint(m.port);
  w.Raw("SeqNo");
  w.Uint(m.seq_no);
  WriteSourceFields(w, mode, m.source_addr, m.source_port, m.source_node);
  w.Raw("Target");
  WriteAddr(w, mode, m.target);
  // One message: its type byte, then a non-empty msgpack body.
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] ==
                  static_cast<uint8_t>(MessageType::kIndirectPing));
}

absl::StatusOr<IndirectPingReq> DecodeIndirectPing(ByteSpan body,
                                                   AddressMode mode) {
  static constexpr std::array<std::string_view, 8> kDecl = {
      "SeqNo", "Target",     "Port",       "Node",
      "Nack",  "SourceAddr", "SourcePort", "SourceNode"};
  Reader r(body);
  IndirectPingReq m;
  DecodeStruct(r, kDecl, [&](size_t i) {
    switch (i) {
      case 0:
        return ReadU32(r, &m.seq_no);
      case 1:
        return ReadAddr(r, mode, &m.target);
      case 2:
        return ReadU16(r, &m.port);
      case 3:
        return r.ReadString(&m.node);
      case 4:
        return r.ReadBool(&m.nack);
      case 5:
        return ReadAddr(r, mode, &m.source_addr);
      case 6:
        return ReadU16(r, &m.source_port);
      default:
        return r.ReadString(&m.source_node);
    }
  });
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  SWIM_DCHECK(!r.ok() || m.target.empty() || m.target.size() == 4 ||
              m.target.size() == 16);
  return Finish(r, std::move(m));
}

void Encode(const AckResp& m, Bytes* out) {
  SWIM_DCHECK(out != nullptr);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(MessageType::kAck));
  Writer w(out);
  w.MapHeader(2);
  w.Raw("Payload");
  w.OptionalRaw(m.payload);
  w.Raw("SeqNo");
  w.Uint(m.seq_no);
  // One message: its type byte, then a non-empty msgpack body.
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] == static_cast<uint8_t>(MessageType::kAck));
}

absl::StatusOr<AckResp> DecodeAck(ByteSpan body) {
  static constexpr std::array<std::string_view, 2> kDecl = {"SeqNo", "Payload"};
  Reader r(body);
  AckResp m;
  DecodeStruct(r, kDecl, [&](size_t i) {
    return i == 0 ? ReadU32(r, &m.seq_no) : r.ReadBytes(&m.payload);
  });
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  SWIM_DCHECK(!r.ok() || !m.payload.has_value() ||
              m.payload->size() <= body.size());
  return Finish(r, std::move(m));
}

void Encode(const NackResp& m, Bytes* out) {
  SWIM_DCHECK(out != nullptr);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(MessageType::kNack));
  Writer w(out);
  w.MapHeader(1);
  w.Raw("SeqNo");
  w.Uint(m.seq_no);
  // One message: its type byte, then a non-empty msgpack body.
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] == static_cast<uint8_t>(MessageType::kNack));
}

absl::StatusOr<NackResp> DecodeNack(ByteSpan body) {
  static constexpr std::array<std::string_view, 1> kDecl = {"SeqNo"};
  Reader r(body);
  NackResp m;
  DecodeStruct(r, kDecl, [&](size_t) { return ReadU32(r, &m.seq_no); });
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  return Finish(r, std::move(m));
}

void Encode(const ErrResp& m, Bytes* out) {
  SWIM_DCHECK(out != nullptr);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(MessageType::kErr));
  Writer w(out);
  w.MapHeader(1);
  w.Raw("Error");
  w.Raw(m.error);
  // One message: its type byte, then a non-empty msgpack body.
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] == static_cast<uint8_t>(MessageType::kErr));
}

absl::StatusOr<ErrResp> DecodeErr(ByteSpan body) {
  static constexpr std::array<std::string_view, 1> kDecl = {"Error"};
  Reader r(body);
  ErrResp m;
  DecodeStruct(r, kDecl, [&](size_t) { return r.ReadString(&m.error); });
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  SWIM_DCHECK(!r.ok() || m.error.size() <= body.size());
  return Finish(r, std::move(m));
}

namespace {

// suspect and dead share a shape: {Incarnation, Node, From}.
void EncodeAccusation(MessageType type, uint32_t incarnation,
                      const std::string& node, const std::string& from,
                      Bytes* out) {
  SWIM_DCHECK(type == MessageType::kSuspect || type == MessageType::kDead);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(type));
  Writer w(out);
  w.MapHeader(3);
  w.Raw("From");
  w.Raw(from);
  w.Raw("Incarnation");
  w.Uint(incarnation);
  w.Raw("Node");
  w.Raw(node);
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] == static_cast<uint8_t>(type));
}

template <typename T>
absl::StatusOr<T> DecodeAccusation(ByteSpan body) {
  static constexpr std::array<std::string_view, 3> kDecl = {"Incarnation",
                                                            "Node", "From"};
  Reader r(body);
  T m;
  DecodeStruct(r, kDecl, [&](size_t i) {
    switch (i) {
      case 0:
        return ReadU32(r, &m.incarnation);
      case 1:
        return r.ReadString(&m.node);
      default:
        return r.ReadString(&m.from);
    }
  });
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  SWIM_DCHECK(!r.ok() || m.node.size() + m.from.size() <= body.size());
  return Finish(r, std::move(m));
}

}  // namespace

void Encode(const Suspect& m, Bytes* out) {
  EncodeAccusation(MessageType::kSuspect, m.incarnation, m.node, m.from, out);
}

absl::StatusOr<Suspect> DecodeSuspect(ByteSpan body) {
  return DecodeAccusation<Suspect>(body);
}

void Encode(const Dead& m, Bytes* out) {
  EncodeAccusation(MessageType::kDead, m.incarnation, m.node, m.from, out);
}

absl::StatusOr<Dead> DecodeDead(ByteSpan body) {
  return DecodeAccusation<Dead>(body);
}

void Encode(const Alive& m, AddressMode mode, Bytes* out) {
  SWIM_DCHECK(out != nullptr);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(MessageType::kAlive));
  Writer w(out);
  w.MapHeader(6);
  w.Raw("Addr");
  WriteAddr(w, mode, m.addr);
  w.Raw("Incarnation");
  w.Uint(m.incarnation);
  w.Raw("Meta");
  w.OptionalRaw(m.meta);
  w.Raw("Node");
  w.Raw(m.node);
  w.Raw("Port");
  w.Uint(m.port);
  w.Raw("Vsn");
  WriteVsn(w, m.vsn);
  // One message: its type byte, then a non-empty msgpack body.
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] == static_cast<uint8_t>(MessageType::kAlive));
}

absl::StatusOr<Alive> DecodeAlive(ByteSpan body, AddressMode mode) {
  static constexpr std::array<std::string_view, 6> kDecl = {
      "Incarnation", "Node", "Addr", "Port", "Meta", "Vsn"};
  Reader r(body);
  Alive m;
  DecodeStruct(r, kDecl, [&](size_t i) {
    switch (i) {
      case 0:
        return ReadU32(r, &m.incarnation);
      case 1:
        return r.ReadString(&m.node);
      case 2:
        return ReadAddr(r, mode, &m.addr);
      case 3:
        return ReadU16(r, &m.port);
      case 4:
        return r.ReadBytes(&m.meta, limits::kMetaMaxSize, &m.meta_dropped);
      default:
        return ReadVsn(r, &m.vsn);
    }
  });
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  SWIM_DCHECK(!r.ok() || !m.meta.has_value() || m.meta->size() <= body.size());
  return Finish(r, std::move(m));
}

void Encode(const Weight& m, Bytes* out) {
  SWIM_DCHECK(out != nullptr);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(MessageType::kWeight));
  Writer w(out);
  w.MapHeader(5);
  w.Raw("From");
  w.Raw(m.from);
  w.Raw("Incarnation");
  w.Uint(m.incarnation);
  w.Raw("Node");
  w.Raw(m.node);
  w.Raw("Weight");
  w.Int(m.weight);
  w.Raw("WeightAt");
  w.Int(m.weight_at);
  // One message: its type byte, then a non-empty msgpack body.
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] == static_cast<uint8_t>(MessageType::kWeight));
}

absl::StatusOr<Weight> DecodeWeight(ByteSpan body) {
  // Declaration order of the fork's struct is assumed to follow suspect's;
  // only the positional-array form depends on it.
  static constexpr std::array<std::string_view, 5> kDecl = {
      "Incarnation", "Node", "From", "Weight", "WeightAt"};
  Reader r(body);
  Weight m;
  DecodeStruct(r, kDecl, [&](size_t i) {
    switch (i) {
      case 0:
        return ReadU32(r, &m.incarnation);
      case 1:
        return r.ReadString(&m.node);
      case 2:
        return r.ReadString(&m.from);
      case 3:
        return r.ReadInt(&m.weight);
      default:
        return r.ReadInt(&m.weight_at);
    }
  });
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  SWIM_DCHECK(!r.ok() || m.node.size() + m.from.size() <= body.size());
  return Finish(r, std::move(m));
}

// --- push/pull
// ------------------------------------------------------------------

namespace {

void EncodePushNodeState(Writer& w, const PushNodeState& s, AddressMode mode) {
  SWIM_DCHECK(s.addr.empty() || s.addr.size() == 4 || s.addr.size() == 16);
  // Raw strings carry a u32 length (RawHeader).
  SWIM_DCHECK(!s.meta.has_value() || s.meta->size() <= 0xffffffffu);
  w.MapHeader(7);
  w.Raw("Addr");
  WriteAddr(w, mode, s.addr);
  w.Raw("Incarnation");
  w.Uint(s.incarnation);
  w.Raw("Meta");
  w.OptionalRaw(s.meta);
  w.Raw("Name");
  w.Raw(s.name);
  w.Raw("Port");
  w.Uint(s.port);
  w.Raw("State");
  w.Int(s.state);
  w.Raw("Vsn");
  WriteVsn(w, s.vsn);
}

bool DecodePushNodeState(Reader& r, AddressMode mode, PushNodeState* s) {
  SWIM_DCHECK(s != nullptr && r.ok());
  SWIM_DCHECK(s->name.empty() && !s->meta.has_value());  // a fresh entry
  static constexpr std::array<std::string_view, 7> kDecl = {
      "Name", "Addr", "Port", "Meta", "Incarnation", "State", "Vsn"};
  return DecodeStruct(r, kDecl, [&](size_t i) {
    switch (i) {
      case 0:
        return r.ReadString(&s->name);
      case 1:
        return ReadAddr(r, mode, &s->addr);
      case 2:
        return ReadU16(r, &s->port);
      case 3:
        return r.ReadBytes(&s->meta, limits::kMetaMaxSize, &s->meta_dropped);
      case 4:
        return ReadU32(r, &s->incarnation);
      case 5:
        return r.ReadInt(&s->state);
      default:
        return ReadVsn(r, &s->vsn);
    }
  });
}

}  // namespace

void Encode(const PushPull& m, AddressMode mode, Bytes* out) {
  SWIM_DCHECK(out != nullptr);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(MessageType::kPushPull));
  Writer w(out);
  w.MapHeader(3);
  w.Raw("Join");
  w.Bool(m.join);
  w.Raw("Nodes");
  w.Uint(m.nodes.size());
  w.Raw("UserStateLen");
  w.Uint(m.user_state.size());
  for (const PushNodeState& s : m.nodes) EncodePushNodeState(w, s, mode);
  out->insert(out->end(), m.user_state.begin(), m.user_state.end());
  // One message: its type byte, then a non-empty msgpack body.
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] == static_cast<uint8_t>(MessageType::kPushPull));
}

absl::StatusOr<PushPullHeader> DecodePushPullHeader(ByteSpan body) {
  static constexpr std::array<std::string_view, 3> kDecl = {
      "Nodes", "UserStateLen", "Join"};
  Reader r(body);
  PushPullHeader h;
  DecodeStruct(r, kDecl, [&](size_t i) {
    switch (i) {
      case 0:
        return r.ReadInt(&h.nodes);
      case 1:
        return r.ReadInt(&h.user_state_len);
      default:
        return r.ReadBool(&h.join);
    }
  });
  if (!r.ok()) return r.status();
  h.consumed = r.pos();
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  return h;
}

absl::StatusOr<PushPull> DecodePushPull(ByteSpan body, AddressMode mode) {
  SWIM_ASSIGN_OR_RETURN(const PushPullHeader h, DecodePushPullHeader(body));
  const int64_t nodes = h.nodes;
  const int64_t user_state_len = h.user_state_len;
  Reader r(body.subspan(h.consumed));
  PushPull m;
  m.join = h.join;
  // A negative count panics a Go node; an absurd one exhausts its memory.
  if (nodes < 0)
    return absl::InvalidArgumentError("push/pull: negative node count");
  if (static_cast<uint64_t>(nodes) > limits::kMaxPushPullNodes) {
    return absl::InvalidArgumentError(
        absl::StrCat("push/pull: node count ", nodes, " over the limit"));
  }
  // Every state takes at least one byte (a nil), so a count beyond the
  // input is a lie; and the reservation assumes a realistic state size
  // (>= 16 bytes) so a claimed count never reserves much more than the
  // input backs. Vector growth covers the rest.
  if (static_cast<uint64_t>(nodes) > r.rest().size()) {
    return absl::InvalidArgumentError("push/pull: node count beyond the input");
  }
  m.nodes.reserve(
      std::min<size_t>(static_cast<size_t>(nodes), r.rest().size() / 16));
  SWIM_DCHECK(nodes >= 0 &&
              static_cast<uint64_t>(nodes) <= limits::kMaxPushPullNodes);
  for (int64_t i = 0; i < nodes; ++i) {
    PushNodeState& s = m.nodes.emplace_back();
    if (!DecodePushNodeState(r, mode, &s)) return r.status();
    SWIM_DCHECK(r.ok() && r.pos() <= body.size() - h.consumed);
  }
  // Go reads user state only when UserStateLen > 0.
  if (user_state_len > 0) {
    const ByteSpan rest = r.rest();
    if (static_cast<uint64_t>(user_state_len) > rest.size()) {
      return absl::InvalidArgumentError(
          "push/pull: user state beyond the input");
    }
    m.user_state.assign(reinterpret_cast<const char*>(rest.data()),
                        static_cast<size_t>(user_state_len));
  }
  SWIM_DCHECK(m.nodes.size() == static_cast<size_t>(nodes));
  SWIM_DCHECK(m.user_state.size() <= body.size());
  return m;
}

// --- user messages
// -----------------------------------------------------------------

void EncodeUserPacket(std::string_view msg, Bytes* out) {
  out->push_back(static_cast<uint8_t>(MessageType::kUser));
  out->insert(out->end(), msg.begin(), msg.end());
}

void EncodeUserStream(std::string_view msg, Bytes* out) {
  SWIM_DCHECK(out != nullptr);
  const size_t start = out->size();  // for the postcondition
  out->push_back(static_cast<uint8_t>(MessageType::kUser));
  Writer w(out);
  w.MapHeader(1);
  w.Raw("UserMsgLen");
  w.Uint(msg.size());
  out->insert(out->end(), msg.begin(), msg.end());
  // One message: its type byte, then a non-empty msgpack body.
  SWIM_DCHECK(out->size() > start + 1 &&
              (*out)[start] == static_cast<uint8_t>(MessageType::kUser));
}

absl::StatusOr<UserMsgHeader> DecodeUserMsgHeader(ByteSpan body) {
  static constexpr std::array<std::string_view, 1> kDecl = {"UserMsgLen"};
  Reader r(body);
  UserMsgHeader h;
  DecodeStruct(r, kDecl, [&](size_t) { return r.ReadInt(&h.user_msg_len); });
  if (!r.ok()) return r.status();
  h.consumed = r.pos();
  SWIM_DCHECK(r.pos() <= body.size());  // never read past the input
  return h;
}

absl::StatusOr<std::string> DecodeUserStream(ByteSpan body) {
  SWIM_ASSIGN_OR_RETURN(const UserMsgHeader h, DecodeUserMsgHeader(body));
  const int64_t len = h.user_msg_len;
  if (len <= 0) return std::string();  // Go: no message, no error
  const ByteSpan rest = body.subspan(h.consumed);
  SWIM_DCHECK(len > 0 && h.consumed <= body.size());
  if (static_cast<uint64_t>(len) > rest.size()) {
    return absl::InvalidArgumentError("user message beyond the input");
  }
  return std::string(reinterpret_cast<const char*>(rest.data()),
                     static_cast<size_t>(len));
}

// --- compound
// -------------------------------------------------------------------

Bytes MakeCompound(absl::Span<const Bytes> parts) {
  SWIM_CHECK(!parts.empty());
  SWIM_CHECK(parts.size() <= limits::kMaxCompoundParts);
  size_t total = 2 + 2 * parts.size();
  for (const Bytes& p : parts) {
    SWIM_CHECK(!p.empty());
    SWIM_CHECK(p.size() <= 0xffff);
    total += p.size();
  }
  Bytes out;
  out.reserve(total);
  out.push_back(static_cast<uint8_t>(MessageType::kCompound));
  out.push_back(static_cast<uint8_t>(parts.size()));
  for (const Bytes& p : parts) {
    out.push_back(static_cast<uint8_t>(p.size() >> 8));
    out.push_back(static_cast<uint8_t>(p.size()));
  }
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

absl::StatusOr<CompoundParts> DecodeCompound(ByteSpan body) {
  if (body.empty())
    return absl::InvalidArgumentError("missing compound length byte");
  const size_t n = body[0];
  body.remove_prefix(1);
  if (body.size() < 2 * n)
    return absl::InvalidArgumentError("truncated len slice");
  CompoundParts out;
  out.parts.reserve(n);
  size_t offset = 2 * n;
  for (size_t i = 0; i < n; ++i) {
    const size_t len = static_cast<size_t>(body[2 * i]) << 8 | body[2 * i + 1];
    if (body.size() - offset < len) {
      out.truncated = n - i;
      break;
    }
    out.parts.push_back(body.subspan(offset, len));
    SWIM_DCHECK(offset + len <= body.size());
    offset += len;
  }
  SWIM_DCHECK(out.parts.size() + out.truncated == n);
  SWIM_DCHECK(offset <= body.size());
  return out;
}

// --- compression
// ------------------------------------------------------------------

Bytes CompressMessage(ByteSpan msg, CompressionAlgo algo) {
  SWIM_DCHECK(algo == CompressionAlgo::kLzw ||
              algo == CompressionAlgo::kSnappy);
  Bytes buf;
  if (algo == CompressionAlgo::kSnappy) {
    buf.resize(snappy::MaxCompressedLength(msg.size()));
    size_t n = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(msg.data()), msg.size(),
                        reinterpret_cast<char*>(buf.data()), &n);
    buf.resize(n);
  } else {
    buf.reserve(msg.size() / 2 + 16);
    LzwCompress(msg, &buf);
  }
  Bytes out;
  out.reserve(buf.size() + 16);
  out.push_back(static_cast<uint8_t>(MessageType::kCompress));
  Writer w(&out);
  w.MapHeader(2);
  w.Raw("Algo");
  w.Uint(static_cast<uint8_t>(algo));
  w.Raw("Buf");
  w.Raw(ByteSpan(buf));
  SWIM_DCHECK(out.size() > buf.size() &&
              out[0] == static_cast<uint8_t>(MessageType::kCompress));
  return out;
}

absl::StatusOr<Bytes> DecompressMessage(ByteSpan body, size_t max_out,
                                        bool accept_snappy) {
  static constexpr std::array<std::string_view, 2> kDecl = {"Algo", "Buf"};
  Reader r(body);
  uint64_t algo = 0;
  std::optional<std::string> buf;
  DecodeStruct(r, kDecl, [&](size_t i) {
    return i == 0 ? r.ReadUint(0xff, &algo) : r.ReadBytes(&buf);
  });
  if (!r.ok()) return r.status();
  SWIM_DCHECK(algo <= 0xff && r.pos() <= body.size());
  const ByteSpan data = buf ? AsBytes(*buf) : ByteSpan();
  Bytes out;
  if (algo == static_cast<uint8_t>(CompressionAlgo::kLzw)) {
    absl::Status st = LzwDecompress(data, max_out, &out);
    if (!st.ok()) return st;
  } else if (accept_snappy &&
             algo == static_cast<uint8_t>(CompressionAlgo::kSnappy)) {
    const char* src = reinterpret_cast<const char*>(data.data());
    size_t n = 0;
    if (!snappy::GetUncompressedLength(src, data.size(), &n)) {
      return absl::InvalidArgumentError("snappy: corrupt header");
    }
    if (n > max_out) {
      return absl::ResourceExhaustedError(
          "snappy: decompressed data exceeds the limit");
    }
    out.resize(n);
    if (!snappy::RawUncompress(src, data.size(),
                               reinterpret_cast<char*>(out.data()))) {
      return absl::InvalidArgumentError("snappy: corrupt data");
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("Cannot decompress unknown algorithm ", algo));
  }
  // An empty message would crash a Go node's dispatch; never pass one on.
  if (out.empty())
    return absl::InvalidArgumentError("decompressed message is empty");
  // Never more than the caller's budget, never empty.
  SWIM_DCHECK(!out.empty() && out.size() <= max_out);
  return out;
}

}  // namespace swim::wire
