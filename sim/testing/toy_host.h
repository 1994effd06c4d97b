// A toy sim::Host for simulator tests and benchmarks: every `interval` it
// pings a random peer (chosen with its SimEnv's Random()), answers pings
// with acks, and echoes stream requests reversed. It exercises timers,
// packets, streams and per-node randomness without the protocol core.
#ifndef SWIM_SIM_TESTING_TOY_HOST_H_
#define SWIM_SIM_TESTING_TOY_HOST_H_

#include <algorithm>
#include <cstdint>
#include <optional>

#include "sim/host.h"
#include "sim/world.h"

#include "absl/time/time.h"

namespace sim::testing {

class PingHost : public Host {
 public:
  PingHost(World* world, NodeId id, absl::Duration interval)
      : world_(world), id_(id), interval_(interval) {}

  // Starts the ping timer (first tick after a random fraction of interval).
  void Start() {
    SimEnv& env = world_->env(id_);
    const int64_t ns = absl::ToInt64Nanoseconds(interval_);
    env.Schedule(absl::Nanoseconds(static_cast<int64_t>(
                     env.Random() % static_cast<uint64_t>(ns > 0 ? ns : 1))),
                 "ping", [this] { Tick(); });
  }

  void HandlePacket(const swim::Address& from, swim::ByteSpan data,
                    swim::Instant received) override {
    if (data.empty()) return;
    if (data[0] == 'P') {
      ++pings_received;
      swim::Bytes ack(data.begin(), data.end());
      ack[0] = 'A';
      world_->env(id_).SendPacket(from, std::move(ack));
    } else if (data[0] == 'A') {
      ++acks_received;
    }
  }

  std::optional<swim::Bytes> HandleStream(const swim::Address& from,
                                          swim::ByteSpan request) override {
    ++streams_served;
    swim::Bytes reply(request.rbegin(), request.rend());
    return reply;
  }

  uint64_t pings_sent = 0;
  uint64_t pings_received = 0;
  uint64_t acks_received = 0;
  uint64_t streams_served = 0;

 private:
  void Tick() {
    SimEnv& env = world_->env(id_);
    const size_t n = world_->num_nodes();
    if (n > 1) {
      NodeId peer = static_cast<NodeId>(env.Random() % (n - 1));
      if (peer >= id_) ++peer;
      swim::Bytes ping(16, 0);
      ping[0] = 'P';
      const uint64_t seq = ++pings_sent;
      for (int i = 0; i < 8; ++i)
        ping[8 + i] = static_cast<uint8_t>(seq >> (8 * i));
      env.SendPacket(world_->address(peer), std::move(ping));
    }
    env.Schedule(interval_, "ping", [this] { Tick(); });
  }

  World* world_;
  NodeId id_;
  absl::Duration interval_;
};

}  // namespace sim::testing

#endif  // SWIM_SIM_TESTING_TOY_HOST_H_
