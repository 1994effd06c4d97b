// The layers around a message: compression, CRC and encryption for packets
// (protocol.md §2.1-2.2) and for streams (§2.6), and stream message
// boundaries.
//
// Packet out:  msg -> [9 compress, only if strictly shorter] -> [12 crc, if
//              the peer's PMax >= 5] -> [encrypt: vsn|nonce|ct|tag, no type
//              byte, no AAD].
// Stream out:  msg -> [9 compress, always when on] -> [10][u32be L][vsn|nonce
//              |ct|tag] with the 5 header bytes as AAD.
#ifndef SWIM_CORE_WIRE_FRAMING_H_
#define SWIM_CORE_WIRE_FRAMING_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "core/bytes.h"
#include "core/security/keyring.h"
#include "core/wire/msgpack.h"
#include "core/wire/options.h"

#include "absl/status/statusor.h"

namespace swim::wire {

// Fills a buffer with nonce bytes (Env::SecureRandom in the core).
using NonceSource = std::function<void(absl::Span<uint8_t>)>;

struct OutgoingOptions {
  bool compress = false;
  CompressionAlgo algo = CompressionAlgo::kLzw;
  bool crc = false;  // packets only
  // Encrypt with the primary key when non-null and non-empty.
  const security::Keyring* keyring = nullptr;
  // 0 (PKCS#7 padded) when our protocol version is 1, else 1.
  uint8_t encryption_version = 1;
};

Bytes EncodePacket(ByteSpan msg, const OutgoingOptions& opts,
                   const NonceSource& nonce);

// Undoes encryption and CRC. Returns the message (which may still be a
// compress or compound message: dispatch handles those). With a keyring:
// tries every key; if none authenticates, the packet is rejected unless
// verify_incoming is false, in which case the raw bytes are taken as
// plaintext (memberlist's upgrade path). Errors: empty packet, bad CRC,
// no key could decrypt, empty plaintext.
absl::StatusOr<Bytes> DecodePacket(ByteSpan packet,
                                   const security::Keyring* keyring,
                                   bool verify_incoming);

Bytes EncodeStream(ByteSpan msg, const OutgoingOptions& opts,
                   const NonceSource& nonce);

// One whole stream message -> the plain message, starting with its type
// byte (decrypted, decompressed). Errors: encrypted stream without keyring,
// plaintext stream when a keyring is set and verify_incoming is true,
// length over limits::kMaxStreamBytes, bad key, corrupt compression,
// Snappy when !accept_snappy (Go knows only LZW).
absl::StatusOr<Bytes> DecodeStream(ByteSpan stream,
                                   const security::Keyring* keyring,
                                   bool verify_incoming,
                                   bool accept_snappy = true);

// DecodeStream without the copy of a plaintext, uncompressed stream: the
// result views `stream` itself, or `*storage` (which receives the
// decrypted or decompressed message). Keeps a 20 MiB inbound push/pull
// from being held twice while it is handled (issue 14 item 6).
absl::StatusOr<ByteSpan> OpenStreamInPlace(ByteSpan stream,
                                           const security::Keyring* keyring,
                                           bool verify_incoming,
                                           bool accept_snappy, Bytes* storage);

// Where the first stream message in `prefix` ends: 0 if more bytes are
// needed, n if prefix[0..n) is one complete message, an error if the bytes
// can never form a valid message (unknown type, size over limits).
// Works on the raw stream (before decryption/decompression).
absl::StatusOr<size_t> StreamMessageSize(ByteSpan prefix);

// StreamMessageSize for a prefix that grows as a stream is read: each Next()
// resumes where the previous call stopped, so a message that arrives a few
// bytes at a time costs work linear in its size (the stateless function
// rescans the whole prefix on every call: quadratic for a slow sender).
// Give it prefixes of ONE stream, each extending the previous one; same
// results as StreamMessageSize(prefix). After an error, Next() repeats it.
class StreamFramer {
 public:
  absl::StatusOr<size_t> Next(ByteSpan prefix);
  // Header bytes examined so far, over every call (tests check that it
  // stays within a constant factor of the message size).
  uint64_t examined() const { return examined_ + skipper_.examined(); }

 private:
  enum class Stage : uint8_t { kType, kHeader, kNodes, kSized, kError };
  absl::StatusOr<size_t> Fail(absl::Status s);
  // The steps of Next(). Each returns the answer Next() gives, or nullopt
  // when framing goes on with the next stage.
  std::optional<absl::StatusOr<size_t>> StartType(ByteSpan prefix);
  std::optional<absl::StatusOr<size_t>> Feed(ByteSpan prefix);
  std::optional<absl::StatusOr<size_t>> AfterHeader(ByteSpan prefix);
  // Raw bytes follow the msgpack part: the message ends at end + raw.
  absl::StatusOr<size_t> WithRaw(ByteSpan prefix, size_t end, int64_t raw);
  // The message is complete at `total` bytes.
  absl::StatusOr<size_t> Sized(ByteSpan prefix, size_t total);

  Stage stage_ = Stage::kType;
  uint8_t type_ = 0;
  msgpack::ValueSkipper skipper_;
  size_t header_end_ = 0;   // end of the msgpack header value
  int64_t nodes_left_ = 0;  // push/pull node states still to frame
  int64_t user_state_len_ = 0;
  size_t total_ = 0;  // kSized: the whole message's length
  uint64_t examined_ = 0;
  absl::Status error_;
};

}  // namespace swim::wire

#endif  // SWIM_CORE_WIRE_FRAMING_H_
