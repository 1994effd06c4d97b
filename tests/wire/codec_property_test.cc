// Properties of the wire codec (rapidcheck):
//  * encode -> decode is the identity for every message type, both address
//    modes, and through every framing layer;
//  * decoding arbitrary bytes never crashes and stays within a memory bound;
//  * nothing we emit is one of the inputs that crash a Go 0.2.2 node.
// Failures print rapidcheck's seed; replay with RC_PARAMS="seed=...".
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "core/security/aead.h"
#include "core/security/keyring.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"

#include "tests/wire/go_hazards.h"
#include "tests/wire/reencode.h"

// --- allocation accounting (whole binary) -----------------------------------

namespace {
std::atomic<size_t> g_live{0};
std::atomic<size_t> g_peak{0};
constexpr size_t kHeader = 16;  // keeps alignment for max_align_t
}  // namespace

void* operator new(size_t n) {
  void* p = std::malloc(n + kHeader);
  if (p == nullptr) std::abort();
  *static_cast<size_t*>(p) = n;
  const size_t live = g_live.fetch_add(n) + n;
  size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  return static_cast<char*>(p) + kHeader;
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  char* base = static_cast<char*>(p) - kHeader;
  g_live.fetch_sub(*reinterpret_cast<size_t*>(base));
  std::free(base);
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, size_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t) noexcept { operator delete(p); }

namespace swim::wire {
namespace {

using ::swim::testing::GoHazard;
using ::swim::testing::Reencode;

// --- generators
// -----------------------------------------------------------------

// Short strings mostly, sometimes past the fixstr (32) and str16 (65536)
// boundaries.
rc::Gen<std::string> GenString() {
  return rc::gen::oneOf(
      rc::gen::arbitrary<std::string>(),
      rc::gen::mapcat(rc::gen::inRange<size_t>(30, 34),
                      [](size_t n) {
                        return rc::gen::container<std::string>(
                            n, rc::gen::arbitrary<char>());
                      }),
      rc::gen::map(rc::gen::inRange<size_t>(65530, 65540),
                   [](size_t n) { return std::string(n, 'x'); }));
}

rc::Gen<std::optional<std::string>> GenOptString() {
  return rc::gen::oneOf(rc::gen::just(std::optional<std::string>()),
                        rc::gen::map(GenString(), [](std::string s) {
                          return std::optional<std::string>(std::move(s));
                        }));
}

rc::Gen<IpAddress> GenIp(AddressMode mode) {
  return rc::gen::exec([mode] {
    const int kind = *rc::gen::inRange(0, 4);
    if (kind == 0) return IpAddress();
    if (kind == 1) {
      auto b = *rc::gen::container<std::vector<uint8_t>>(
          4, rc::gen::arbitrary<uint8_t>());
      return *IpAddress::FromBytes(b);
    }
    auto b = *rc::gen::container<std::vector<uint8_t>>(
        16, rc::gen::arbitrary<uint8_t>());
    if (kind == 3 &&
        mode == AddressMode::kBinary) {  // IPv4-mapped, binary only
      std::fill(b.begin(), b.begin() + 10, 0);
      b[10] = b[11] = 0xff;
    }
    if (mode == AddressMode::kText && b[0] == 0 && b[10] == 0xff &&
        b[11] == 0xff) {
      b[0] = 0x20;  // text form of a mapped address decodes as 4 bytes
    }
    return *IpAddress::FromBytes(b);
  });
}

rc::Gen<std::optional<VersionVector>> GenVsn() {
  return rc::gen::oneOf(rc::gen::just(std::optional<VersionVector>()),
                        rc::gen::exec([] {
                          VersionVector v;
                          for (auto& x : v) x = *rc::gen::arbitrary<uint8_t>();
                          return std::optional<VersionVector>(v);
                        }));
}

rc::Gen<AddressMode> GenMode() {
  return rc::gen::element(AddressMode::kBinary, AddressMode::kText);
}

Ping MakePing(AddressMode mode) {
  Ping m;
  m.seq_no = *rc::gen::arbitrary<uint32_t>();
  m.node = *GenString();
  m.source_addr = *GenIp(mode);
  m.source_port = *rc::gen::arbitrary<uint16_t>();
  m.source_node = *GenString();
  return m;
}

IndirectPingReq MakeIndirect(AddressMode mode) {
  IndirectPingReq m;
  m.seq_no = *rc::gen::arbitrary<uint32_t>();
  m.target = *GenIp(mode);
  m.port = *rc::gen::arbitrary<uint16_t>();
  m.node = *GenString();
  m.nack = *rc::gen::arbitrary<bool>();
  m.source_addr = *GenIp(mode);
  m.source_port = *rc::gen::arbitrary<uint16_t>();
  m.source_node = *GenString();
  return m;
}

Alive MakeAlive(AddressMode mode) {
  Alive m;
  m.incarnation = *rc::gen::arbitrary<uint32_t>();
  m.node = *GenString();
  m.addr = *GenIp(mode);
  m.port = *rc::gen::arbitrary<uint16_t>();
  m.meta = *GenOptString();
  m.vsn = *GenVsn();
  return m;
}

PushNodeState MakeState(AddressMode mode) {
  PushNodeState s;
  s.name = *rc::gen::arbitrary<std::string>();
  s.addr = *GenIp(mode);
  s.port = *rc::gen::arbitrary<uint16_t>();
  s.meta = *rc::gen::oneOf(
      rc::gen::just(std::optional<std::string>()),
      rc::gen::map(rc::gen::arbitrary<std::string>(), [](std::string x) {
        return std::optional<std::string>(std::move(x));
      }));
  s.incarnation = *rc::gen::arbitrary<uint32_t>();
  s.state = *rc::gen::arbitrary<int64_t>();
  s.vsn = *GenVsn();
  return s;
}

PushPull MakePushPull(AddressMode mode) {
  PushPull m;
  m.join = *rc::gen::arbitrary<bool>();
  const int n = *rc::gen::inRange(0, 20);
  for (int i = 0; i < n; ++i) m.nodes.push_back(MakeState(mode));
  m.user_state = *rc::gen::arbitrary<std::string>();
  return m;
}

Weight MakeWeight() {
  Weight m;
  m.incarnation = *rc::gen::arbitrary<uint32_t>();
  m.node = *GenString();
  m.from = *GenString();
  m.weight = *rc::gen::arbitrary<int64_t>();
  m.weight_at = *rc::gen::arbitrary<int64_t>();
  return m;
}

// One encoded message of any type (packet forms unless `stream`).
Bytes MakeAnyMessage(AddressMode mode, bool stream) {
  Bytes out;
  switch (*rc::gen::inRange(0, stream ? 13 : 12)) {
    case 0:
      Encode(MakePing(mode), mode, &out);
      break;
    case 1:
      Encode(MakeIndirect(mode), mode, &out);
      break;
    case 2:
      Encode(AckResp{*rc::gen::arbitrary<uint32_t>(), *GenOptString()}, &out);
      break;
    case 3:
      Encode(NackResp{*rc::gen::arbitrary<uint32_t>()}, &out);
      break;
    case 4:
      Encode(ErrResp{*GenString()}, &out);
      break;
    case 5:
      Encode(
          Suspect{*rc::gen::arbitrary<uint32_t>(), *GenString(), *GenString()},
          &out);
      break;
    case 6:
      Encode(Dead{*rc::gen::arbitrary<uint32_t>(), *GenString(), *GenString()},
             &out);
      break;
    case 7:
      Encode(MakeAlive(mode), mode, &out);
      break;
    case 8:
      Encode(MakeWeight(), &out);
      break;
    case 9:
    case 10:
    case 11:
      if (stream) {
        EncodeUserStream(*rc::gen::arbitrary<std::string>(), &out);
      } else {
        EncodeUserPacket(*rc::gen::arbitrary<std::string>(), &out);
      }
      break;
    default:
      Encode(MakePushPull(mode), mode, &out);
      break;
  }
  return out;
}

// --- round trips
// ---------------------------------------------------------------

RC_GTEST_PROP(CodecRoundTrip, Ping, ()) {
  const AddressMode mode = *GenMode();
  const Ping m = MakePing(mode);
  Bytes out;
  Encode(m, mode, &out);
  auto d = DecodePing(ByteSpan(out).subspan(1), mode);
  RC_ASSERT(d.ok());
  RC_ASSERT(*d == m);
}

RC_GTEST_PROP(CodecRoundTrip, IndirectPing, ()) {
  const AddressMode mode = *GenMode();
  const IndirectPingReq m = MakeIndirect(mode);
  Bytes out;
  Encode(m, mode, &out);
  auto d = DecodeIndirectPing(ByteSpan(out).subspan(1), mode);
  RC_ASSERT(d.ok());
  RC_ASSERT(*d == m);
}

RC_GTEST_PROP(CodecRoundTrip, AckNackErr, (uint32_t seq)) {
  const AckResp ack{seq, *GenOptString()};
  Bytes out;
  Encode(ack, &out);
  auto a = DecodeAck(ByteSpan(out).subspan(1));
  RC_ASSERT(a.ok() && *a == ack);
  out.clear();
  Encode(NackResp{seq}, &out);
  auto n = DecodeNack(ByteSpan(out).subspan(1));
  RC_ASSERT(n.ok() && n->seq_no == seq);
  const ErrResp err{*GenString()};
  out.clear();
  Encode(err, &out);
  auto e = DecodeErr(ByteSpan(out).subspan(1));
  RC_ASSERT(e.ok() && *e == err);
}

RC_GTEST_PROP(CodecRoundTrip, SuspectDeadWeight, (uint32_t inc)) {
  const Suspect s{inc, *GenString(), *GenString()};
  Bytes out;
  Encode(s, &out);
  auto ds = DecodeSuspect(ByteSpan(out).subspan(1));
  RC_ASSERT(ds.ok() && *ds == s);
  const Dead d{inc, *GenString(), *GenString()};
  out.clear();
  Encode(d, &out);
  auto dd = DecodeDead(ByteSpan(out).subspan(1));
  RC_ASSERT(dd.ok() && *dd == d);
  const Weight w = MakeWeight();
  out.clear();
  Encode(w, &out);
  auto dw = DecodeWeight(ByteSpan(out).subspan(1));
  RC_ASSERT(dw.ok() && *dw == w);
}

// What the decoders give back for `m`: a Meta over limits::kMetaMaxSize is
// passed over, its length recorded (issue 14 item 6); all else round-trips.
template <typename T>
T AsDecoded(T m) {
  if (m.meta.has_value() && m.meta->size() > limits::kMetaMaxSize) {
    m.meta_dropped = m.meta->size();
    m.meta.reset();
  }
  return m;
}

RC_GTEST_PROP(CodecRoundTrip, Alive, ()) {
  const AddressMode mode = *GenMode();
  const Alive m = MakeAlive(mode);
  Bytes out;
  Encode(m, mode, &out);
  auto d = DecodeAlive(ByteSpan(out).subspan(1), mode);
  RC_ASSERT(d.ok());
  RC_ASSERT(*d == AsDecoded(m));
}

RC_GTEST_PROP(CodecRoundTrip, PushPull, ()) {
  const AddressMode mode = *GenMode();
  const PushPull m = MakePushPull(mode);
  Bytes out;
  Encode(m, mode, &out);
  auto d = DecodePushPull(ByteSpan(out).subspan(1), mode);
  RC_ASSERT(d.ok());
  PushPull want = m;
  for (PushNodeState& s : want.nodes) s = AsDecoded(s);
  RC_ASSERT(*d == want);
  auto size = StreamMessageSize(out);
  RC_ASSERT(size.ok() && *size == out.size());
  auto early = StreamMessageSize(ByteSpan(out).first(out.size() - 1));
  RC_ASSERT(early.ok() && *early == 0u);
}

RC_GTEST_PROP(CodecRoundTrip, UserMessages, (const std::string& msg)) {
  Bytes out;
  EncodeUserStream(msg, &out);
  auto d = DecodeUserStream(ByteSpan(out).subspan(1));
  RC_ASSERT(d.ok() && *d == msg);
  auto size = StreamMessageSize(out);
  RC_ASSERT(size.ok() && *size == out.size());
}

RC_GTEST_PROP(CodecRoundTrip, Compound, ()) {
  const int n = *rc::gen::inRange(1, 128);
  std::vector<Bytes> parts;
  for (int i = 0; i < n; ++i) {
    parts.push_back(*rc::gen::container<Bytes>(*rc::gen::inRange<size_t>(1, 40),
                                               rc::gen::arbitrary<uint8_t>()));
  }
  const Bytes c = MakeCompound(parts);
  auto d = DecodeCompound(ByteSpan(c).subspan(1));
  RC_ASSERT(d.ok());
  RC_ASSERT(d->truncated == 0u);
  RC_ASSERT(d->parts.size() == parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    RC_ASSERT(Bytes(d->parts[i].begin(), d->parts[i].end()) == parts[i]);
  }
}

RC_GTEST_PROP(CodecRoundTrip, Compression, ()) {
  const auto algo =
      *rc::gen::element(CompressionAlgo::kLzw, CompressionAlgo::kSnappy);
  // Long low-entropy inputs exercise LZW's width growth and table resets.
  const Bytes msg = *rc::gen::oneOf(
      rc::gen::nonEmpty(rc::gen::arbitrary<Bytes>()),
      rc::gen::mapcat(rc::gen::inRange<size_t>(1, 20000), [](size_t n) {
        return rc::gen::container<Bytes>(n, rc::gen::inRange<uint8_t>(0, 4));
      }));
  const Bytes c = CompressMessage(msg, algo);
  auto d = DecompressMessage(ByteSpan(c).subspan(1));
  RC_ASSERT(d.ok());
  RC_ASSERT(*d == msg);
  auto bounded = DecompressMessage(ByteSpan(c).subspan(1), msg.size() - 1);
  RC_ASSERT(!bounded.ok());
}

std::string GenKey() {
  const size_t len = *rc::gen::element<size_t>(16, 24, 32);
  return *rc::gen::container<std::string>(len, rc::gen::arbitrary<char>());
}

RC_GTEST_PROP(Framing, PacketRoundTrip, ()) {
  const AddressMode mode = *GenMode();
  const Bytes msg = MakeAnyMessage(mode, false);
  OutgoingOptions opts;
  opts.compress = *rc::gen::arbitrary<bool>();
  opts.algo =
      *rc::gen::element(CompressionAlgo::kLzw, CompressionAlgo::kSnappy);
  opts.crc = *rc::gen::arbitrary<bool>();
  opts.encryption_version = *rc::gen::inRange<uint8_t>(0, 2);
  auto ring = security::Keyring::Create({GenKey()}, GenKey());
  RC_ASSERT(ring.ok());
  const bool encrypt = *rc::gen::arbitrary<bool>();
  if (encrypt) opts.keyring = &*ring;
  const Bytes packet = EncodePacket(msg, opts, [](absl::Span<uint8_t> n) {
    for (auto& b : n) b = 7;
  });
  auto d = DecodePacket(packet, encrypt ? &*ring : nullptr, true);
  RC_ASSERT(d.ok());
  if ((*d)[0] == static_cast<uint8_t>(MessageType::kCompress)) {
    auto inner = DecompressMessage(ByteSpan(*d).subspan(1));
    RC_ASSERT(inner.ok());
    RC_ASSERT(*inner == msg);
  } else {
    RC_ASSERT(*d == msg);
  }
  if (opts.algo == CompressionAlgo::kLzw) {
    RC_ASSERT(GoHazard(*d, mode, false).empty());
  }
}

RC_GTEST_PROP(Framing, StreamRoundTrip, ()) {
  const AddressMode mode = *GenMode();
  const Bytes msg = MakeAnyMessage(mode, true);
  OutgoingOptions opts;
  opts.compress = *rc::gen::arbitrary<bool>();
  opts.algo =
      *rc::gen::element(CompressionAlgo::kLzw, CompressionAlgo::kSnappy);
  opts.encryption_version = *rc::gen::inRange<uint8_t>(0, 2);
  auto ring = security::Keyring::Create({}, GenKey());
  const bool encrypt = *rc::gen::arbitrary<bool>();
  if (encrypt) opts.keyring = &*ring;
  const Bytes stream = EncodeStream(msg, opts, [](absl::Span<uint8_t> n) {
    for (auto& b : n) b = 9;
  });
  auto d = DecodeStream(stream, encrypt ? &*ring : nullptr, true);
  RC_ASSERT(d.ok());
  RC_ASSERT(*d == msg);
  // Every stream form we send has a findable end.
  const uint8_t type = msg[0];
  const bool sized = opts.compress || encrypt || type == 0 || type == 2 ||
                     type == 6 || type == 8 || type == 13;
  if (sized) {
    Bytes twice = stream;
    twice.insert(twice.end(), stream.begin(), stream.end());
    auto n = StreamMessageSize(twice);
    RC_ASSERT(n.ok());
    RC_ASSERT(*n == stream.size());
  }
}

// --- arbitrary input
// ------------------------------------------------------------------

// Peak heap growth while decoding `input` with every decoder.
size_t PeakWhileDecoding(const Bytes& input, const security::Keyring& ring) {
  const size_t base = g_live.load();
  g_peak.store(base);
  for (AddressMode mode : {AddressMode::kBinary, AddressMode::kText}) {
    (void)DecodePing(input, mode);
    (void)DecodeIndirectPing(input, mode);
    (void)DecodeAlive(input, mode);
    (void)DecodePushPull(input, mode);
    (void)Reencode(input, mode, false);
    (void)Reencode(input, mode, true);
  }
  (void)DecodeAck(input);
  (void)DecodeNack(input);
  (void)DecodeErr(input);
  (void)DecodeSuspect(input);
  (void)DecodeDead(input);
  (void)DecodeWeight(input);
  (void)DecodeUserStream(input);
  (void)DecodeCompound(input);
  (void)DecompressMessage(input, 1 << 20);
  (void)DecodePacket(input, &ring, true);
  (void)DecodePacket(input, &ring, false);
  (void)DecodeStream(input, &ring, false);
  (void)StreamMessageSize(input);
  return g_peak.load() - base;
}

// Bound: the decoded structs (a push/pull node state is ~150 bytes and can
// come from a single nil byte), plus LZW's fixed tables and its bounded
// output (1 MiB here), plus a constant.
constexpr size_t kPerInputByte = 256;
constexpr size_t kConstant = (1 << 20) + (256 << 10);

RC_GTEST_PROP(Decoders, ArbitraryBytesAreSafe, (const Bytes& input)) {
  static const auto* ring = new security::Keyring(*security::Keyring::Create(
      {"0123456789abcdef0123456789abcdef"}, "0123456789abcdef"));
  const size_t peak = PeakWhileDecoding(input, *ring);
  RC_ASSERT(peak <= kPerInputByte * input.size() + kConstant);
}

// Arbitrary bytes behind a valid type byte and msgpack-ish prefixes reach
// deeper into the decoders than uniform noise.
RC_GTEST_PROP(Decoders, StructuredGarbageIsSafe, ()) {
  const uint8_t type = *rc::gen::inRange<uint8_t>(0, 15);
  const uint8_t header = *rc::gen::element<uint8_t>(
      0x80, 0x81, 0x83, 0x87, 0x90, 0x93, 0xde, 0xdc, 0xc0, 0x0a);
  Bytes input{type, header};
  const Bytes tail = *rc::gen::arbitrary<Bytes>();
  input.insert(input.end(), tail.begin(), tail.end());
  static const auto* ring =
      new security::Keyring(*security::Keyring::Create({}, "0123456789abcdef"));
  const size_t peak = PeakWhileDecoding(input, *ring);
  RC_ASSERT(peak <= kPerInputByte * input.size() + kConstant);
  // Whatever decodes re-encodes to a fixed point.
  for (bool stream : {false, true}) {
    auto once = Reencode(input, AddressMode::kBinary, stream);
    if (!once.ok()) continue;
    auto twice = Reencode(*once, AddressMode::kBinary, stream);
    RC_ASSERT(twice.ok());
    RC_ASSERT(*twice == *once);
  }
}

TEST(Decoders, NilStatesBoundedByCount) {
  // The worst ratio: a push/pull of nil node states, one byte each.
  Bytes input = {0x81, 0xa5, 'N', 'o', 'd', 'e', 's', 0xcd, 0x27, 0x10};
  input.resize(input.size() + 10000, 0xc0);
  const size_t base = g_live.load();
  g_peak.store(base);
  auto d = DecodePushPull(input, AddressMode::kBinary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->nodes.size(), 10000u);
  EXPECT_LE(g_peak.load() - base, kPerInputByte * input.size());
}

// --- never emit Go-crashing inputs
// -------------------------------------------------------

RC_GTEST_PROP(GoSafety, EncodersNeverEmitHazards, ()) {
  const AddressMode mode = *GenMode();
  const int n = *rc::gen::inRange(1, 6);
  std::vector<Bytes> parts;
  for (int i = 0; i < n; ++i) parts.push_back(MakeAnyMessage(mode, false));
  Bytes msg = n == 1 ? parts[0] : Bytes();
  if (n > 1) {
    for (const Bytes& p : parts) {
      if (p.size() > 0xffff) return;  // the caller keeps parts small
    }
    msg = MakeCompound(parts);
  }
  OutgoingOptions opts;
  opts.compress = *rc::gen::arbitrary<bool>();
  opts.crc = *rc::gen::arbitrary<bool>();
  const Bytes packet = EncodePacket(msg, opts, nullptr);
  const std::string hazard = GoHazard(packet, mode, false);
  RC_ASSERT(hazard.empty());
}

RC_GTEST_PROP(GoSafety, VsnIsAlwaysZeroOrSixBytes, ()) {
  const AddressMode mode = *GenMode();
  const Alive a = MakeAlive(mode);
  Bytes out;
  Encode(a, mode, &out);
  // Find the Vsn value: the key "Vsn" (a3 56 73 6e) is the last one.
  const Bytes key = {0xa3, 'V', 's', 'n'};
  auto it = std::search(out.rbegin(), out.rend(), key.rbegin(), key.rend());
  RC_ASSERT(it != out.rend());
  const size_t value_at = out.size() - (it - out.rbegin());
  RC_ASSERT(value_at < out.size());
  const uint8_t marker = out[value_at];
  RC_ASSERT(marker == 0xc0 || (marker == 0xa6 && out.size() - value_at == 7));
}

}  // namespace
}  // namespace swim::wire
