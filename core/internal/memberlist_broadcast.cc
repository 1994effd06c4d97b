#include "core/internal/memberlist_broadcast.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "core/check.h"

namespace swim::internal {

namespace {

class MemberlistBroadcast final : public Broadcast {
 public:
  static std::unique_ptr<Broadcast> Make(std::string_view name, ByteSpan msg,
                                         std::function<void()> notify,
                                         int transmit_scale) {
    SWIM_CHECK(msg.size() <= std::numeric_limits<uint32_t>::max());
    SWIM_CHECK(name.size() <= std::numeric_limits<uint32_t>::max());
    SWIM_CHECK(transmit_scale >= 1 && transmit_scale <= 255);
    void* mem =
        ::operator new(sizeof(MemberlistBroadcast) + msg.size() + name.size());
    auto* b = new (mem)
        MemberlistBroadcast(name, msg, std::move(notify), transmit_scale);
    return std::unique_ptr<Broadcast>(b);
  }

  // Allocated by Make with trailing bytes: release the whole block.
  static void operator delete(void* p) { ::operator delete(p); }

  ByteSpan Message() const override { return ByteSpan(bytes(), msg_len_); }
  std::string_view Name() const override {
    return std::string_view(reinterpret_cast<const char*>(bytes()) + msg_len_,
                            name_len_);
  }
  int TransmitScale() const override { return transmit_scale_; }
  void Finished() override {
    if (notify_ != nullptr) {
      std::unique_ptr<std::function<void()>> n = std::move(notify_);
      (*n)();
    }
  }

 private:
  MemberlistBroadcast(std::string_view name, ByteSpan msg,
                      std::function<void()> notify, int transmit_scale)
      : msg_len_(static_cast<uint32_t>(msg.size())),
        name_len_(static_cast<uint32_t>(name.size())),
        transmit_scale_(static_cast<uint8_t>(transmit_scale)) {
    if (notify) {
      notify_ = std::make_unique<std::function<void()>>(std::move(notify));
    }
    std::memcpy(bytes(), msg.data(), msg.size());
    if (!name.empty())
      std::memcpy(bytes() + msg.size(), name.data(), name.size());
  }

  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this + 1); }
  const uint8_t* bytes() const {
    return reinterpret_cast<const uint8_t*>(this + 1);
  }

  std::unique_ptr<std::function<void()>> notify_;  // null when none
  uint32_t msg_len_;
  uint32_t name_len_;
  uint8_t transmit_scale_;
};

}  // namespace

std::unique_ptr<Broadcast> MakeMemberlistBroadcast(std::string_view name,
                                                   ByteSpan msg,
                                                   std::function<void()> notify,
                                                   int transmit_scale) {
  return MemberlistBroadcast::Make(name, msg, std::move(notify),
                                   transmit_scale);
}

}  // namespace swim::internal
