// Decode-then-encode of any wire message, for golden and fuzz tests.
//
// Reencode(msg) decodes a whole message (type byte first) with the codec's
// decoders and encodes the result again with its encoders. Compound, compress
// and CRC layers are undone and redone recursively. For every message Go
// produces, the result must equal the input byte for byte.
#ifndef SWIM_TESTS_WIRE_REENCODE_H_
#define SWIM_TESTS_WIRE_REENCODE_H_

#include "core/wire/framing.h"
#include "core/wire/messages.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace swim::testing {

// `stream` selects the stream forms of push/pull and user messages.
inline absl::StatusOr<Bytes> Reencode(ByteSpan msg, AddressMode mode,
                                      bool stream, int depth = 0) {
  using namespace ::swim::wire;
  if (msg.empty()) return absl::InvalidArgumentError("empty message");
  if (depth > limits::kMaxMessageNesting)
    return absl::InvalidArgumentError("nested too deep");
  const ByteSpan body = msg.subspan(1);
  Bytes out;
#define SWIM_REENCODE(decoder, ...)  \
  {                                  \
    auto m = decoder;                \
    if (!m.ok()) return m.status();  \
    Encode(*m, ##__VA_ARGS__, &out); \
    return out;                      \
  }
  switch (static_cast<MessageType>(msg[0])) {
    case MessageType::kPing:
      SWIM_REENCODE(DecodePing(body, mode), mode)
    case MessageType::kIndirectPing:
      SWIM_REENCODE(DecodeIndirectPing(body, mode), mode)
    case MessageType::kAck:
      SWIM_REENCODE(DecodeAck(body))
    case MessageType::kNack:
      SWIM_REENCODE(DecodeNack(body))
    case MessageType::kErr:
      SWIM_REENCODE(DecodeErr(body))
    case MessageType::kSuspect:
      SWIM_REENCODE(DecodeSuspect(body))
    case MessageType::kDead:
      SWIM_REENCODE(DecodeDead(body))
    case MessageType::kAlive:
      SWIM_REENCODE(DecodeAlive(body, mode), mode)
    case MessageType::kWeight:
      SWIM_REENCODE(DecodeWeight(body))
    case MessageType::kPushPull:
      SWIM_REENCODE(DecodePushPull(body, mode), mode)
    case MessageType::kUser: {
      if (!stream) {
        EncodeUserPacket(
            std::string_view(reinterpret_cast<const char*>(body.data()),
                             body.size()),
            &out);
        return out;
      }
      auto m = DecodeUserStream(body);
      if (!m.ok()) return m.status();
      EncodeUserStream(*m, &out);
      return out;
    }
    case MessageType::kCompound: {
      auto parts = DecodeCompound(body);
      if (!parts.ok()) return parts.status();
      if (parts->truncated != 0)
        return absl::InvalidArgumentError("truncated compound");
      if (parts->parts.empty())
        return absl::InvalidArgumentError("empty compound");
      std::vector<Bytes> again;
      for (ByteSpan p : parts->parts) {
        auto r = Reencode(p, mode, false, depth + 1);
        if (!r.ok()) return r.status();
        again.push_back(*std::move(r));
      }
      return MakeCompound(again);
    }
    case MessageType::kCompress: {
      auto inner = DecompressMessage(body);
      if (!inner.ok()) return inner.status();
      auto r = Reencode(*inner, mode, stream, depth + 1);
      if (!r.ok()) return r.status();
      return CompressMessage(*r, CompressionAlgo::kLzw);
    }
    case MessageType::kHasCrc: {
      auto inner = DecodePacket(msg, nullptr, true);
      if (!inner.ok()) return inner.status();
      auto r = Reencode(*inner, mode, stream, depth + 1);
      if (!r.ok()) return r.status();
      return AddCrc(*r);
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown message type ", msg[0]));
  }
#undef SWIM_REENCODE
}

}  // namespace swim::testing

#endif  // SWIM_TESTS_WIRE_REENCODE_H_
