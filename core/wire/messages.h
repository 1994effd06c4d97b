// Memberlist's messages as plain structs, and their wire codec.
//
// Every message on the wire is a type byte followed by a body. The bodies of
// the protocol messages are msgpack maps in go-msgpack 0.5.x's dialect (keys
// sorted, old-spec raw strings, minimal unsigned integers); see
// docs/protocol.md §1-§3. Encode* functions emit exactly the bytes
// Go 0.2.2 emits; Decode* functions accept everything Go 0.2.2 accepts (any
// key order, unknown keys, str8/bin, signed markers, nil) and return an
// InvalidArgument status for anything else. Decoders never crash, never
// assert on input, and never allocate more than a small multiple of their
// input size.
//
// Addresses: in AddressMode::kBinary an address field holds the raw 4/16 IP
// bytes (upstream); in kText it holds the textual IP (go-doudou fork).
// An empty IpAddress encodes as nil in kBinary (Go's nil net.IP) and as ""
// in kText (the fork's empty string field); nil and "" decode to an empty
// IpAddress in both modes. Other lengths (kBinary) and non-IP text such as
// hostnames (kText) are decode errors. kText writes IPv4-mapped addresses
// in dotted form, so they decode as 4-byte addresses.
//
// Decoders read one value and ignore trailing bytes, as Go does. A Vsn of
// any length but 0 or 6 is an error (it would crash a Go node, §6.13).
#ifndef SWIM_CORE_WIRE_MESSAGES_H_
#define SWIM_CORE_WIRE_MESSAGES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/bytes.h"
#include "core/limits.h"
#include "core/node.h"
#include "core/wire/options.h"

#include "absl/status/statusor.h"

namespace swim::wire {

enum class MessageType : uint8_t {
  kPing = 0,
  kIndirectPing = 1,
  kAck = 2,
  kSuspect = 3,
  kAlive = 4,
  kDead = 5,
  kPushPull = 6,
  kCompound = 7,
  kUser = 8,
  kCompress = 9,
  kEncrypt = 10,
  kNack = 11,
  kHasCrc = 12,
  kErr = 13,
  kWeight = 14,     // go-doudou fork only
  kHasLabel = 244,  // memberlist >= 0.3.0 only; never sent by us
};

struct Ping {
  uint32_t seq_no = 0;
  std::string node;  // intended recipient; "" = anyone
  // Optional (omitempty): where to send the ack.
  IpAddress source_addr;
  uint16_t source_port = 0;
  std::string source_node;
  friend bool operator==(const Ping&, const Ping&) = default;
};

struct IndirectPingReq {
  uint32_t seq_no = 0;
  IpAddress target;
  uint16_t port = 0;
  std::string node;
  bool nack = false;
  IpAddress source_addr;
  uint16_t source_port = 0;
  std::string source_node;
  friend bool operator==(const IndirectPingReq&,
                         const IndirectPingReq&) = default;
};

struct AckResp {
  uint32_t seq_no = 0;
  std::optional<std::string> payload;  // nullopt encodes as nil (c0)
  friend bool operator==(const AckResp&, const AckResp&) = default;
};

struct NackResp {
  uint32_t seq_no = 0;
  friend bool operator==(const NackResp&, const NackResp&) = default;
};

struct ErrResp {
  std::string error;
  friend bool operator==(const ErrResp&, const ErrResp&) = default;
};

struct Suspect {
  uint32_t incarnation = 0;
  std::string node;
  std::string from;
  friend bool operator==(const Suspect&, const Suspect&) = default;
};

struct Dead {
  uint32_t incarnation = 0;
  std::string node;
  std::string from;  // == node for a voluntary leave
  friend bool operator==(const Dead&, const Dead&) = default;
};

struct Alive {
  uint32_t incarnation = 0;
  std::string node;
  IpAddress addr;
  uint16_t port = 0;
  std::optional<std::string> meta;   // nullopt encodes as nil
  std::optional<VersionVector> vsn;  // nullopt encodes as nil; else 6 bytes
  // Decoding only: the length of a Meta over limits::kMetaMaxSize, which the
  // decoder passed over without copying (meta is then nullopt); else 0. The
  // state rules drop such an alive (memberlist.malformed.alive_meta).
  size_t meta_dropped = 0;
  friend bool operator==(const Alive&, const Alive&) = default;
};

// go-doudou fork, type 14.
struct Weight {
  uint32_t incarnation = 0;
  std::string node;
  std::string from;
  int64_t weight = 0;
  int64_t weight_at = 0;  // Unix milliseconds
  friend bool operator==(const Weight&, const Weight&) = default;
};

struct PushNodeState {
  std::string name;
  IpAddress addr;
  uint16_t port = 0;
  std::optional<std::string> meta;
  uint32_t incarnation = 0;
  // Raw NodeStateType. 0..3 are NodeState values; other values decode fine
  // and are ignored by the merge (as Go's switch ignores them).
  int64_t state = 0;
  std::optional<VersionVector> vsn;
  size_t meta_dropped = 0;  // as Alive::meta_dropped
  friend bool operator==(const PushNodeState&, const PushNodeState&) = default;
};

// A whole push/pull stream message: header, node states, user state.
struct PushPull {
  bool join = false;
  std::vector<PushNodeState> nodes;
  std::string user_state;
  friend bool operator==(const PushPull&, const PushPull&) = default;
};

// --- single messages: Encode appends [type byte][body] to *out -------------
void Encode(const Ping& m, AddressMode mode, Bytes* out);
void Encode(const IndirectPingReq& m, AddressMode mode, Bytes* out);
void Encode(const AckResp& m, Bytes* out);
void Encode(const NackResp& m, Bytes* out);
void Encode(const ErrResp& m, Bytes* out);
void Encode(const Suspect& m, Bytes* out);
void Encode(const Dead& m, Bytes* out);
void Encode(const Alive& m, AddressMode mode, Bytes* out);
void Encode(const Weight& m, Bytes* out);
// Stream form [6][header][states][user state].
void Encode(const PushPull& m, AddressMode mode, Bytes* out);
// Packet user message: [8][raw bytes].
void EncodeUserPacket(std::string_view msg, Bytes* out);
// Stream user message: [8][{UserMsgLen}][raw bytes].
void EncodeUserStream(std::string_view msg, Bytes* out);

// Decoders take the body only (the bytes after the type byte).
absl::StatusOr<Ping> DecodePing(ByteSpan body, AddressMode mode);
absl::StatusOr<IndirectPingReq> DecodeIndirectPing(ByteSpan body,
                                                   AddressMode mode);
absl::StatusOr<AckResp> DecodeAck(ByteSpan body);
absl::StatusOr<NackResp> DecodeNack(ByteSpan body);
absl::StatusOr<ErrResp> DecodeErr(ByteSpan body);
absl::StatusOr<Suspect> DecodeSuspect(ByteSpan body);
absl::StatusOr<Dead> DecodeDead(ByteSpan body);
absl::StatusOr<Alive> DecodeAlive(ByteSpan body, AddressMode mode);
absl::StatusOr<Weight> DecodeWeight(ByteSpan body);
// Push/pull body; requires the whole message (user state included).
// Rejects negative or absurd counts (> limits::kMaxPushPullNodes) and
// user state lengths beyond the input.
absl::StatusOr<PushPull> DecodePushPull(ByteSpan body, AddressMode mode);
// Stream user message body -> the raw message.
absl::StatusOr<std::string> DecodeUserStream(ByteSpan body);

// The msgpack headers in front of raw stream bytes, raw as on the wire (Go
// treats lengths <= 0 as "none"; a negative node count would panic it).
// `consumed` is the header's size in `body`. Used by DecodePushPull,
// DecodeUserStream and StreamMessageSize.
struct PushPullHeader {
  bool join = false;
  int64_t nodes = 0;
  int64_t user_state_len = 0;
  size_t consumed = 0;
};
absl::StatusOr<PushPullHeader> DecodePushPullHeader(ByteSpan body);
struct UserMsgHeader {
  int64_t user_msg_len = 0;
  size_t consumed = 0;
};
absl::StatusOr<UserMsgHeader> DecodeUserMsgHeader(ByteSpan body);

// --- compound (type 7) -----------------------------------------------------
// Builds [7][n][len_1..len_n][msg_1..msg_n].
// REQUIRES: 1 <= parts.size() <= limits::kMaxCompoundParts, every part
// non-empty and shorter than 65536 bytes (SWIM_CHECKed: these would crash a
// Go 0.2.2 receiver).
Bytes MakeCompound(absl::Span<const Bytes> parts);

struct CompoundParts {
  std::vector<ByteSpan> parts;  // views into the input
  size_t truncated = 0;         // declared parts whose bytes were missing
};
// Body after the type byte. Error if shorter than 1 + 2n.
absl::StatusOr<CompoundParts> DecodeCompound(ByteSpan body);

// --- compression (type 9)
// ------------------------------------------------------ [9][{Algo, Buf}]
// around a whole message. kLzw is Go's compress/lzw (LSB, literal width 8);
// kSnappy uses algo id 1 (C++ clusters only).
Bytes CompressMessage(ByteSpan msg, CompressionAlgo algo);
// Body after the type byte -> the decompressed message. Errors: unknown
// algo, corrupt data, missing LZW EOF, output over `max_out` bytes (a
// decompression bomb is stopped there), empty output. Without
// `accept_snappy`, algorithm 1 is an unknown algorithm (Go's answer).
absl::StatusOr<Bytes> DecompressMessage(
    ByteSpan body, size_t max_out = limits::kMaxDecompressedBytes,
    bool accept_snappy = true);

// --- CRC (type 12) ---------------------------------------------------------
// [12][crc32 u32be][msg], CRC-32/IEEE of msg.
Bytes AddCrc(ByteSpan msg);
uint32_t Crc32(ByteSpan data);

}  // namespace swim::wire

#endif  // SWIM_CORE_WIRE_MESSAGES_H_
