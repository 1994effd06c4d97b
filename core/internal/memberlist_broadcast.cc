#include "core/internal/memberlist_broadcast.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "core/check.h"

namespace swim::internal {

namespace {

class MemberlistBroadcast final : public Broadcast {
 public:
  MemberlistBroadcast(Interners* in, std::string_view name, ByteSpan msg,
                      std::function<void()> notify, int transmit_scale)
      : msg_(&in->messages,
             std::string_view(reinterpret_cast<const char*>(msg.data()),
                              msg.size())),
        name_(&in->names, name),
        transmit_scale_(static_cast<uint8_t>(transmit_scale)) {
    if (notify) {
      notify_ = std::make_unique<std::function<void()>>(std::move(notify));
    }
  }

  ByteSpan Message() const override {
    const std::string_view m = msg_.view();
    return ByteSpan(reinterpret_cast<const uint8_t*>(m.data()), m.size());
  }
  std::string_view Name() const override { return name_.view(); }
  int TransmitScale() const override { return transmit_scale_; }
  void Finished() override {
    if (notify_ != nullptr) {
      std::unique_ptr<std::function<void()>> n = std::move(notify_);
      (*n)();
    }
  }

 private:
  std::unique_ptr<std::function<void()>> notify_;  // null when none
  InternedRef msg_;
  InternedRef name_;
  uint8_t transmit_scale_;
};

}  // namespace

std::unique_ptr<Broadcast> MakeMemberlistBroadcast(Interners* in,
                                                   std::string_view name,
                                                   ByteSpan msg,
                                                   std::function<void()> notify,
                                                   int transmit_scale) {
  SWIM_CHECK(in != nullptr && !msg.empty());
  SWIM_CHECK(transmit_scale >= 1 && transmit_scale <= 255);
  return std::make_unique<MemberlistBroadcast>(in, name, msg, std::move(notify),
                                               transmit_scale);
}

}  // namespace swim::internal
