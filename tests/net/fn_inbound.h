// FnInbound: a swim::Inbound made of two functions, for AsioEnv tests that
// answer packets and streams with lambdas instead of a core::Memberlist.
//
// The Env does not own its Inbound; tests capture locals by reference and
// stop the Env before those go away, so InboundFrom() keeps each FnInbound
// alive until the process exits.
#ifndef SWIM_TESTS_NET_FN_INBOUND_H_
#define SWIM_TESTS_NET_FN_INBOUND_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "core/inbound.h"

namespace swim::net::testing {

using PacketFn =
    std::function<void(const Address& from, ByteSpan data, Instant received)>;
using StreamFn =
    std::function<std::optional<Bytes>(const Address& from, ByteSpan msg)>;

class FnInbound final : public Inbound {
 public:
  FnInbound(PacketFn packet, StreamFn stream)
      : packet_(std::move(packet)), stream_(std::move(stream)) {}

  void HandlePacket(const Address& from, ByteSpan packet,
                    Instant received) override {
    if (packet_) packet_(from, packet, received);
  }
  std::optional<Bytes> HandleStream(const Address& from,
                                    ByteSpan stream) override {
    if (!stream_) return std::nullopt;
    return stream_(from, stream);
  }

 private:
  PacketFn packet_;
  StreamFn stream_;
};

// An Inbound that lives until exit (see above).
inline Inbound* InboundFrom(PacketFn packet, StreamFn stream = nullptr) {
  static std::mutex mu;
  static auto* kept = new std::vector<std::unique_ptr<FnInbound>>();
  std::lock_guard<std::mutex> l(mu);
  kept->push_back(
      std::make_unique<FnInbound>(std::move(packet), std::move(stream)));
  return kept->back().get();
}

inline Inbound* StreamInbound(StreamFn stream) {
  return InboundFrom(nullptr, std::move(stream));
}

}  // namespace swim::net::testing

#endif  // SWIM_TESTS_NET_FN_INBOUND_H_
