#include "core/wire/framing.h"

#include <array>
#include <optional>

#include "core/check.h"
#include "core/limits.h"
#include "core/security/aead.h"
#include "core/status_macros.h"
#include "core/wire/messages.h"
#include "core/wire/msgpack.h"

#include "absl/strings/str_cat.h"

namespace swim::wire {

namespace {

constexpr size_t kStreamHeaderSize = 5;  // [10][u32be L]

bool Encrypting(const OutgoingOptions& opts) {
  return opts.keyring != nullptr && !opts.keyring->empty();
}

Bytes Encrypt(ByteSpan msg, const OutgoingOptions& opts,
              const NonceSource& nonce, ByteSpan aad, Bytes out) {
  SWIM_DCHECK(Encrypting(opts) && nonce != nullptr);
  SWIM_DCHECK(opts.encryption_version <= 1);
  std::array<uint8_t, security::kNonceSize> n{};
  nonce(absl::MakeSpan(n));
  absl::Status st = security::EncryptPayload(opts.encryption_version,
                                             opts.keyring->GetPrimaryKey(), n,
                                             msg, aad, &out);
  // The keyring only holds validated keys and the version is 0 or 1.
  SWIM_CHECK(st.ok());
  return out;
}

uint32_t ReadU32BE(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

}  // namespace

Bytes EncodePacket(ByteSpan msg, const OutgoingOptions& opts,
                   const NonceSource& nonce) {
  // Go 0.2.2 indexes buf[0] of whatever it receives: never send nothing.
  SWIM_CHECK(!msg.empty());
  Bytes body(msg.begin(), msg.end());
  if (opts.compress) {
    Bytes c = CompressMessage(msg, opts.algo);
    if (c.size() < body.size()) body = std::move(c);
  }
  if (opts.crc) body = AddCrc(body);
  SWIM_DCHECK(!body.empty());
  if (!Encrypting(opts)) return body;
  Bytes out;
  out.reserve(security::EncryptedLength(opts.encryption_version, body.size()));
  return Encrypt(body, opts, nonce, ByteSpan(), std::move(out));
}

absl::StatusOr<Bytes> DecodePacket(ByteSpan packet,
                                   const security::Keyring* keyring,
                                   bool verify_incoming) {
  if (packet.empty()) return absl::InvalidArgumentError("packet too short");
  Bytes plain;
  ByteSpan buf = packet;
  if (keyring != nullptr && !keyring->empty()) {
    absl::StatusOr<Bytes> dec =
        security::DecryptPayload(*keyring, packet, ByteSpan());
    if (dec.ok()) {
      plain = *std::move(dec);
      buf = plain;
    } else if (verify_incoming) {
      return absl::InvalidArgumentError(
          absl::StrCat("Decrypt packet failed: ", dec.status().message()));
    }
  }
  if (buf.size() >= 5 && buf[0] == static_cast<uint8_t>(MessageType::kHasCrc)) {
    const uint32_t expected = ReadU32BE(buf.data() + 1);
    const uint32_t crc = Crc32(buf.subspan(5));
    if (crc != expected) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid checksum: ", absl::Hex(crc), " != ", absl::Hex(expected)));
    }
    buf.remove_prefix(5);
    SWIM_DCHECK(buf.size() + 5 <= packet.size() || !plain.empty());
  }
  if (buf.empty())
    return absl::InvalidArgumentError("missing message type byte");
  if (buf.data() == plain.data()) return plain;  // whole plaintext, no copy
  return Bytes(buf.begin(), buf.end());
}

Bytes EncodeStream(ByteSpan msg, const OutgoingOptions& opts,
                   const NonceSource& nonce) {
  SWIM_CHECK(!msg.empty());
  Bytes body;
  if (opts.compress) {
    body = CompressMessage(msg, opts.algo);  // always, as Go does on streams
  } else {
    body.assign(msg.begin(), msg.end());
  }
  if (!Encrypting(opts)) return body;
  const size_t blob_len =
      security::EncryptedLength(opts.encryption_version, body.size());
  SWIM_CHECK(blob_len <= 0xffffffffu);
  SWIM_DCHECK(blob_len > body.size());  // the nonce and tag come on top
  Bytes out;
  out.reserve(kStreamHeaderSize + blob_len);
  out.push_back(static_cast<uint8_t>(MessageType::kEncrypt));
  for (int i = 3; i >= 0; --i)
    out.push_back(static_cast<uint8_t>(blob_len >> (8 * i)));
  const Bytes aad(out.begin(), out.end());
  return Encrypt(body, opts, nonce, aad, std::move(out));
}

absl::StatusOr<Bytes> DecodeStream(ByteSpan stream,
                                   const security::Keyring* keyring,
                                   bool verify_incoming, bool accept_snappy) {
  if (stream.empty()) return absl::InvalidArgumentError("empty stream message");
  const bool encryption = keyring != nullptr && !keyring->empty();
  Bytes msg;
  if (stream[0] == static_cast<uint8_t>(MessageType::kEncrypt)) {
    if (!encryption) {
      return absl::FailedPreconditionError(
          "Remote state is encrypted and encryption is not configured");
    }
    if (stream.size() < kStreamHeaderSize) {
      return absl::InvalidArgumentError("truncated encrypted stream header");
    }
    const uint32_t len = ReadU32BE(stream.data() + 1);
    if (len > limits::kMaxStreamBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("Remote node state is larger than limit (", len, ")"));
    }
    if (stream.size() - kStreamHeaderSize < len) {
      return absl::InvalidArgumentError("truncated encrypted stream");
    }
    SWIM_ASSIGN_OR_RETURN(
        msg, security::DecryptPayload(*keyring,
                                      stream.subspan(kStreamHeaderSize, len),
                                      stream.first(kStreamHeaderSize)));
    if (msg.empty())
      return absl::InvalidArgumentError("decrypted stream message is empty");
  } else {
    if (encryption && verify_incoming) {
      return absl::FailedPreconditionError(
          "Encryption is configured but remote state is not encrypted");
    }
    if (stream.size() > limits::kMaxStreamBytes) {
      return absl::InvalidArgumentError("stream message larger than the limit");
    }
    msg.assign(stream.begin(), stream.end());
    SWIM_DCHECK(!msg.empty() && msg.size() <= limits::kMaxStreamBytes);
  }
  SWIM_DCHECK(!msg.empty() && msg.size() <= limits::kMaxStreamBytes);
  if (msg[0] == static_cast<uint8_t>(MessageType::kCompress)) {
    SWIM_ASSIGN_OR_RETURN(
        Bytes inner,
        DecompressMessage(ByteSpan(msg).subspan(1),
                          limits::kMaxDecompressedBytes, accept_snappy));
    // Go compresses a stream once (rawSendMsgStream); never inflate twice.
    if (inner[0] == static_cast<uint8_t>(MessageType::kCompress)) {
      return absl::InvalidArgumentError("compression inside compression");
    }
    return inner;
  }
  return msg;
}

absl::StatusOr<ByteSpan> OpenStreamInPlace(ByteSpan stream,
                                           const security::Keyring* keyring,
                                           bool verify_incoming,
                                           bool accept_snappy, Bytes* storage) {
  const bool encryption = keyring != nullptr && !keyring->empty();
  if (!stream.empty() &&
      stream[0] != static_cast<uint8_t>(MessageType::kEncrypt) &&
      stream[0] != static_cast<uint8_t>(MessageType::kCompress) &&
      !(encryption && verify_incoming) &&
      stream.size() <= limits::kMaxStreamBytes) {
    return stream;  // what DecodeStream would copy unchanged
  }
  SWIM_ASSIGN_OR_RETURN(
      *storage, DecodeStream(stream, keyring, verify_incoming, accept_snappy));
  return ByteSpan(*storage);
}

absl::StatusOr<size_t> StreamMessageSize(ByteSpan prefix) {
  StreamFramer framer;
  return framer.Next(prefix);
}

absl::StatusOr<size_t> StreamFramer::Fail(absl::Status s) {
  stage_ = Stage::kError;
  SWIM_DCHECK(!s.ok());
  error_ = s;
  return s;
}

absl::StatusOr<size_t> StreamFramer::Sized(ByteSpan prefix, size_t total) {
  stage_ = Stage::kSized;
  total_ = total;
  SWIM_DCHECK(total_ >= 1 &&
              total_ <= kStreamHeaderSize + limits::kMaxStreamBytes);
  return prefix.size() >= total_ ? total_ : size_t{0};
}

absl::StatusOr<size_t> StreamFramer::WithRaw(ByteSpan prefix, size_t end,
                                             int64_t raw) {
  // Raw bytes after the msgpack part: complete at `end` + raw.
  const size_t limit = limits::kMaxStreamBytes;
  const uint64_t n =
      raw > 0 ? static_cast<uint64_t>(raw) : 0;  // Go ignores <= 0
  SWIM_DCHECK(end >= 1 && end <= limit);
  if (n > limit - end) {
    return Fail(
        absl::InvalidArgumentError("stream message larger than the limit"));
  }
  return Sized(prefix, end + static_cast<size_t>(n));
}

std::optional<absl::StatusOr<size_t>> StreamFramer::Feed(ByteSpan prefix) {
  const char* err = "";
  switch (skipper_.Feed(prefix, &err)) {
    case msgpack::ValueSkipper::kDone:
      SWIM_DCHECK(skipper_.end() <= prefix.size());
      return std::nullopt;
    case msgpack::ValueSkipper::kNeedMore:
      return absl::StatusOr<size_t>(size_t{0});
    case msgpack::ValueSkipper::kError:
      break;
  }
  return Fail(absl::InvalidArgumentError(err));
}

std::optional<absl::StatusOr<size_t>> StreamFramer::StartType(ByteSpan prefix) {
  SWIM_DCHECK(stage_ == Stage::kType);
  const size_t limit = limits::kMaxStreamBytes;
  if (prefix.empty()) return absl::StatusOr<size_t>(size_t{0});
  type_ = prefix[0];
  ++examined_;
  if (type_ == static_cast<uint8_t>(MessageType::kEncrypt)) {
    if (prefix.size() < kStreamHeaderSize)
      return absl::StatusOr<size_t>(size_t{0});
    examined_ += 4;
    const uint32_t len = ReadU32BE(prefix.data() + 1);
    if (len > limit) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("Remote node state is larger than limit (", len, ")")));
    }
    return Sized(prefix, kStreamHeaderSize + len);
  }
  switch (static_cast<MessageType>(type_)) {
    case MessageType::kPing:
    case MessageType::kAck:
    case MessageType::kErr:
    case MessageType::kCompress:
    case MessageType::kUser:
    case MessageType::kPushPull:
      break;
    default:
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("invalid stream message type ", type_)));
  }
  skipper_.Reset(1, limit);
  stage_ = Stage::kHeader;
  return std::nullopt;
}

std::optional<absl::StatusOr<size_t>> StreamFramer::AfterHeader(
    ByteSpan prefix) {
  SWIM_DCHECK(stage_ == Stage::kHeader);
  header_end_ = skipper_.end();
  SWIM_DCHECK(header_end_ >= 1 && header_end_ <= prefix.size());
  const ByteSpan header = prefix.subspan(1, header_end_ - 1);
  switch (static_cast<MessageType>(type_)) {
    case MessageType::kUser: {
      absl::StatusOr<UserMsgHeader> h = DecodeUserMsgHeader(header);
      if (!h.ok()) return Fail(h.status());
      return WithRaw(prefix, header_end_, h->user_msg_len);
    }
    case MessageType::kPushPull: {
      absl::StatusOr<PushPullHeader> h = DecodePushPullHeader(header);
      if (!h.ok()) return Fail(h.status());
      const int64_t nodes = h->nodes;
      if (nodes < 0 ||
          static_cast<uint64_t>(nodes) > limits::kMaxPushPullNodes) {
        return Fail(absl::InvalidArgumentError(
            absl::StrCat("push/pull: bad node count ", nodes)));
      }
      nodes_left_ = nodes;
      SWIM_DCHECK(nodes_left_ >= 0);
      user_state_len_ = h->user_state_len;
      if (nodes_left_ > 0) skipper_.Reset(header_end_, limits::kMaxStreamBytes);
      stage_ = Stage::kNodes;
      return std::nullopt;
    }
    default:  // ping, ack, err, compress: the value is the message
      return Sized(prefix, header_end_);
  }
}

absl::StatusOr<size_t> StreamFramer::Next(ByteSpan prefix) {
  SWIM_DCHECK(stage_ == Stage::kError || stage_ == Stage::kSized ||
              stage_ == Stage::kType || stage_ == Stage::kHeader ||
              stage_ == Stage::kNodes);
  switch (stage_) {
    case Stage::kError:
      return error_;
    case Stage::kSized:
      return prefix.size() >= total_ ? total_ : size_t{0};
    case Stage::kType:
      if (auto answer = StartType(prefix)) return *answer;
      [[fallthrough]];
    case Stage::kHeader:
      if (auto answer = Feed(prefix)) return *answer;
      if (auto answer = AfterHeader(prefix)) return *answer;
      [[fallthrough]];
    case Stage::kNodes:
      // The skipper's end is the header's, then each node state's.
      while (nodes_left_ > 0) {
        if (auto answer = Feed(prefix)) return *answer;
        SWIM_DCHECK(stage_ == Stage::kNodes && nodes_left_ > 0);
        if (--nodes_left_ > 0)
          skipper_.Reset(skipper_.end(), limits::kMaxStreamBytes);
      }
      return WithRaw(prefix, skipper_.end(), user_state_len_);
  }
  return size_t{0};
}

}  // namespace swim::wire
