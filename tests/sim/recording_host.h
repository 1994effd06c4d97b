// A sim::Host for tests that records what it receives.
#ifndef SWIM_TESTS_SIM_RECORDING_HOST_H_
#define SWIM_TESTS_SIM_RECORDING_HOST_H_

#include <optional>
#include <string>
#include <vector>

#include "sim/host.h"
#include "sim/world.h"

namespace sim::testing {

struct Received {
  swim::Address from;
  std::string data;
  swim::Instant at;  // world time of delivery
};

class RecordingHost : public Host {
 public:
  explicit RecordingHost(World* world) : world_(world) {}

  void HandlePacket(const swim::Address& from, swim::ByteSpan data,
                    swim::Instant received) override {
    packets.push_back(
        {from, std::string(data.begin(), data.end()), world_->Now()});
  }
  std::optional<swim::Bytes> HandleStream(const swim::Address& from,
                                          swim::ByteSpan request) override {
    streams.push_back(
        {from, std::string(request.begin(), request.end()), world_->Now()});
    if (!reply_to_streams) return std::nullopt;
    std::string r = "re:" + streams.back().data;
    return swim::Bytes(r.begin(), r.end());
  }

  std::vector<Received> packets;
  std::vector<Received> streams;
  bool reply_to_streams = true;

 private:
  World* world_;
};

inline swim::Bytes B(const std::string& s) {
  return swim::Bytes(s.begin(), s.end());
}

}  // namespace sim::testing

#endif  // SWIM_TESTS_SIM_RECORDING_HOST_H_
