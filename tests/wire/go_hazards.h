// A model of what a Go 0.2.2 receiver does with a packet or stream message,
// reduced to the question "would this crash or misparse it?" (protocol.md
// §6.13). Used to prove the encoders never emit such bytes.
#ifndef SWIM_TESTS_WIRE_GO_HAZARDS_H_
#define SWIM_TESTS_WIRE_GO_HAZARDS_H_

#include <string>

#include "core/wire/framing.h"
#include "core/wire/messages.h"

#include "absl/strings/str_cat.h"

namespace swim::testing {

// Walks a plaintext message as Go's handleCommand would (compound, compress
// and CRC layers included) and returns the first hazard found, or "".
// Messages are decoded with our decoders, which reject every §6.13 input
// (Vsn of 1-5 bytes, negative node counts); a decode error is a hazard too,
// since Go would at best drop the message.
inline std::string GoHazard(ByteSpan msg, AddressMode mode, bool stream,
                            int depth = 0) {
  using namespace ::swim::wire;
  if (msg.empty()) return "empty message (Go indexes buf[0])";
  if (depth > limits::kMaxMessageNesting) return "nested too deep";
  const ByteSpan body = msg.subspan(1);
  auto fail = [](const absl::Status& s) { return std::string(s.message()); };
  switch (static_cast<MessageType>(msg[0])) {
    case MessageType::kHasCrc: {
      if (depth > 0) return "CRC inside another layer";
      auto inner = DecodePacket(msg, nullptr, true);
      if (!inner.ok()) return fail(inner.status());
      return GoHazard(*inner, mode, stream, depth + 1);
    }
    case MessageType::kCompound: {
      if (body.empty()) return "compound without a count";
      if (body[0] >= 128) return "compound with >= 128 parts";
      auto parts = DecodeCompound(body);
      if (!parts.ok()) return fail(parts.status());
      if (parts->truncated != 0) return "truncated compound";
      for (ByteSpan p : parts->parts) {
        std::string h = GoHazard(p, mode, false, depth + 1);
        if (!h.empty()) return absl::StrCat("compound part: ", h);
      }
      return "";
    }
    case MessageType::kCompress: {
      auto inner = DecompressMessage(body);
      if (!inner.ok()) return fail(inner.status());
      return GoHazard(*inner, mode, stream, depth + 1);
    }
    case MessageType::kPing:
      return DecodePing(body, mode).ok() ? "" : "bad ping";
    case MessageType::kIndirectPing:
      return DecodeIndirectPing(body, mode).ok() ? "" : "bad indirect ping";
    case MessageType::kAck:
      return DecodeAck(body).ok() ? "" : "bad ack";
    case MessageType::kNack:
      return DecodeNack(body).ok() ? "" : "bad nack";
    case MessageType::kErr:
      return DecodeErr(body).ok() ? "" : "bad err";
    case MessageType::kSuspect:
      return DecodeSuspect(body).ok() ? "" : "bad suspect";
    case MessageType::kDead:
      return DecodeDead(body).ok() ? "" : "bad dead";
    case MessageType::kAlive:
      return DecodeAlive(body, mode).ok() ? "" : "bad alive";
    case MessageType::kWeight:
      return DecodeWeight(body).ok() ? "" : "bad weight";
    case MessageType::kPushPull:
      return DecodePushPull(body, mode).ok() ? "" : "bad push/pull";
    case MessageType::kUser:
      return !stream || DecodeUserStream(body).ok() ? "" : "bad user stream";
    default:
      return absl::StrCat("type ", msg[0], " is not understood by Go 0.2.2");
  }
}

}  // namespace swim::testing

#endif  // SWIM_TESTS_WIRE_GO_HAZARDS_H_
