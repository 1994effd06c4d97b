#include "core/internal/memberlist_broadcast.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "core/check.h"

#include "absl/container/inlined_vector.h"

namespace swim::internal {

namespace {

// Packs a broadcast's name and message into one interned string:
// [name length, 4 bytes little endian][name][message]. Every node that
// queues the same news about a member holds the same bytes, so a world
// keeps them once, and a queued broadcast needs one handle, not two. Built
// on the stack: most of the time the interner has these bytes already.
using Packed = absl::InlinedVector<char, 384>;
Packed PackNamed(std::string_view name, ByteSpan msg) {
  SWIM_CHECK(name.size() <= std::numeric_limits<uint32_t>::max());
  const auto n = static_cast<uint32_t>(name.size());
  Packed out(4 + name.size() + msg.size());
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  if (!name.empty()) std::memcpy(out.data() + 4, name.data(), name.size());
  if (!msg.empty()) {
    std::memcpy(out.data() + 4 + name.size(), msg.data(), msg.size());
  }
  return out;
}

std::string_view View(const Packed& p) { return {p.data(), p.size()}; }

// The common case, 40 bytes with the queue's hook: an alive, suspect or
// dead message that nobody waits for, sent RetransmitLimit times.
class MemberlistBroadcast : public Broadcast {
 public:
  MemberlistBroadcast(Interners* in, std::string_view name, ByteSpan msg)
      : packed_(&in->messages, View(PackNamed(name, msg))) {}

  ByteSpan Message() const final {
    const std::string_view m = packed_.view().substr(4 + NameLength());
    return ByteSpan(reinterpret_cast<const uint8_t*>(m.data()), m.size());
  }
  std::string_view Name() const final {
    return packed_.view().substr(4, NameLength());
  }

 private:
  uint32_t NameLength() const {
    const std::string_view p = packed_.view();
    SWIM_DCHECK(p.size() >= 4);
    uint32_t n = 0;
    for (int i = 3; i >= 0; --i) n = n << 8 | static_cast<uint8_t>(p[i]);
    SWIM_DCHECK(p.size() >= 4 + size_t{n});
    return n;
  }

  InternedRef packed_;
};

// A mass join queues N of these in each of N queues.
static_assert(sizeof(MemberlistBroadcast) <= 40, "a queued broadcast grew");

// One with a waiter (Leave, UpdateNode) or a larger transmit scale (a
// refutation): rare, so kept out of the common object.
class NotifyingMemberlistBroadcast final : public MemberlistBroadcast {
 public:
  NotifyingMemberlistBroadcast(Interners* in, std::string_view name,
                               ByteSpan msg, std::function<void()> notify,
                               int transmit_scale)
      : MemberlistBroadcast(in, name, msg),
        notify_(std::move(notify)),
        transmit_scale_(transmit_scale) {}

  int TransmitScale() const override { return transmit_scale_; }
  void Finished() override {
    if (notify_) {
      std::function<void()> n = std::move(notify_);
      notify_ = nullptr;
      n();
    }
  }

 private:
  std::function<void()> notify_;  // empty when none
  int transmit_scale_;
};

}  // namespace

std::unique_ptr<Broadcast> MakeMemberlistBroadcast(Interners* in,
                                                   std::string_view name,
                                                   ByteSpan msg,
                                                   std::function<void()> notify,
                                                   int transmit_scale) {
  SWIM_CHECK(in != nullptr && !msg.empty());
  SWIM_CHECK(transmit_scale >= 1 && transmit_scale <= 255);
  if (!notify && transmit_scale == 1) {
    return std::make_unique<MemberlistBroadcast>(in, name, msg);
  }
  return std::make_unique<NotifyingMemberlistBroadcast>(
      in, name, msg, std::move(notify), transmit_scale);
}

}  // namespace swim::internal
