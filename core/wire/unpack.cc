#include "core/wire/unpack.h"

#include <algorithm>
#include <utility>

#include "core/check.h"
#include "core/metric_names.h"
#include "core/wire/messages.h"

#include "absl/strings/str_cat.h"

namespace swim::wire {

namespace {

bool IsRequest(uint8_t type) {
  return type == static_cast<uint8_t>(MessageType::kPing) ||
         type == static_cast<uint8_t>(MessageType::kIndirectPing);
}

bool IsWrapper(uint8_t type) {
  return type == static_cast<uint8_t>(MessageType::kCompound) ||
         type == static_cast<uint8_t>(MessageType::kCompress);
}

class Unpacker {
 public:
  Unpacker(const PacketBudget& budget, UnpackedPacket* out)
      : budget_(budget), out_(out) {}

  void Top(ByteSpan msg) {
    SWIM_DCHECK(!msg.empty());  // UnpackPacket refuses an empty message
    SWIM_DCHECK(leaves_ == 0 && requests_ == 0 && out_->leaves.empty());
    if (msg[0] == static_cast<uint8_t>(MessageType::kCompress)) {
      absl::StatusOr<Bytes> inner = DecompressMessage(
          msg.subspan(1), budget_.decompressed_bytes, budget_.accept_snappy);
      if (!inner.ok()) {
        Problem(inner.status().code() == absl::StatusCode::kResourceExhausted
                    ? std::string(metric::kDroppedPacketBudget.str)
                    : std::string(metric::kMalformedCompress.str),
                inner.status());
        return;
      }
      out_->storage = *std::move(inner);
      const ByteSpan payload = out_->storage;
      SWIM_DCHECK(!payload.empty());  // DecompressMessage never returns nothing
      SWIM_DCHECK(payload.size() <= budget_.decompressed_bytes);
      if (payload[0] == static_cast<uint8_t>(MessageType::kCompress)) {
        Problem(std::string(metric::kMalformedNested.str),
                absl::InvalidArgumentError("compression inside compression"));
        return;
      }
      Body(payload);
      return;
    }
    Body(msg);
  }

 private:
  // A compound or a leaf.
  void Body(ByteSpan msg) {
    SWIM_DCHECK(!msg.empty());
    SWIM_DCHECK(msg[0] != static_cast<uint8_t>(MessageType::kCompress));
    if (msg[0] != static_cast<uint8_t>(MessageType::kCompound)) {
      Leaf(msg);
      return;
    }
    absl::StatusOr<CompoundParts> parts = DecodeCompound(msg.subspan(1));
    if (!parts.ok()) {
      Problem(std::string(metric::kMalformedCompound.str), parts.status());
      return;
    }
    if (parts->truncated > 0) {
      Problem(std::string(metric::kMalformedCompoundTruncated.str),
              absl::InvalidArgumentError("compound parts missing"),
              parts->truncated);
    }
    for (ByteSpan part : parts->parts) {
      if (part.empty()) {
        Problem(std::string(metric::kMalformedMessage.str),
                absl::InvalidArgumentError("missing message type byte"));
      } else if (IsWrapper(part[0])) {
        Problem(std::string(metric::kMalformedNested.str),
                absl::InvalidArgumentError(absl::StrCat(
                    "message type ", part[0], " inside a compound")));
      } else {
        Leaf(part);
      }
    }
  }

  void Leaf(ByteSpan msg) {
    SWIM_DCHECK(!msg.empty() && !IsWrapper(msg[0]));
    SWIM_DCHECK(leaves_ <= budget_.leaves && requests_ <= budget_.requests);
    if (leaves_ == budget_.leaves) {
      Problem(std::string(metric::kDroppedPacketBudget.str),
              absl::ResourceExhaustedError("too many messages in one packet"));
      return;
    }
    ++leaves_;
    if (IsRequest(msg[0])) {
      if (requests_ == budget_.requests) {
        Problem(std::string(metric::kDroppedAmplification.str),
                absl::ResourceExhaustedError(
                    "more than one ping or indirect ping in one packet"));
        return;
      }
      ++requests_;
    }
    out_->leaves.push_back(msg);
  }

  void Problem(std::string counter, absl::Status status, uint64_t count = 1) {
    SWIM_DCHECK(!counter.empty() && count >= 1);
    SWIM_DCHECK(!status.ok());
    // Repeats of one kind are merged (one log line per kind and packet).
    for (UnpackedPacket::Problem& p : out_->problems) {
      if (p.counter == counter) {
        p.count += count;
        return;
      }
    }
    out_->problems.push_back({std::move(counter), count, std::move(status)});
  }

  const PacketBudget& budget_;
  UnpackedPacket* out_;
  size_t leaves_ = 0;
  size_t requests_ = 0;
};

}  // namespace

UnpackedPacket UnpackPacket(ByteSpan msg, const PacketBudget& budget) {
  UnpackedPacket out;
  if (msg.empty()) {
    out.problems.push_back(
        {std::string(metric::kMalformedMessage.str), 1,
         absl::InvalidArgumentError("missing message type byte")});
    return out;
  }
  Unpacker(budget, &out).Top(msg);
  // Within the budget, every leaf a plain, non-empty message.
  SWIM_DCHECK(out.leaves.size() <= budget.leaves);
  SWIM_DCHECK(std::all_of(out.leaves.begin(), out.leaves.end(), [](ByteSpan l) {
    return !l.empty() && !IsWrapper(l[0]);
  }));
  return out;
}

}  // namespace swim::wire
