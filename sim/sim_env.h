// sim::SimEnv: the swim::Env of one simulated node, bound to a sim::World.
//
// Created and owned by the World (World::AddNode); its address is stable for
// the World's lifetime, so a core object may keep `Env*` across a node crash
// and restart. Every method runs on the World thread. Callbacks (timers,
// stream completions, resolve results) always go through the World's event
// queue, so they never run inside the Env call that created them.
//
// Clock: the node's clock is its own. Now() = offset + elapsed world time *
// (1 + drift_ppm / 1e6); a timer of delay d fires after d / (1 + drift)
// world time, so a fast clock fires its timers early in world time. While
// the node is paused its timers and deliveries wait and run late on resume;
// when it crashes its pending timers and callbacks are dropped.
//
// Randomness: Random() and SecureRandom() draw from a per-node Rng seeded
// with swim::DeriveSeed(world_seed, node_index), so a run replays exactly.
#ifndef SWIM_SIM_SIM_ENV_H_
#define SWIM_SIM_SIM_ENV_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/env.h"
#include "core/rng.h"
#include "core/time.h"

#include "sim/network.h"

namespace sim {

class World;

class SimEnv final : public swim::Env {
 public:
  SimEnv(World* world, NodeId id, uint64_t seed);
  SimEnv(const SimEnv&) = delete;
  SimEnv& operator=(const SimEnv&) = delete;

  // swim::Env
  swim::Instant Now() override;
  swim::TimerId Schedule(absl::Duration delay, std::string_view label,
                         std::function<void()> fn) override;
  bool Cancel(swim::TimerId id) override;
  void SendPacket(const swim::Address& to, swim::Bytes packet) override;
  void StreamExchange(const swim::Address& to, swim::Bytes request,
                      swim::StreamReply reply, absl::Duration timeout,
                      StreamCallback done) override;
  void Resolve(const std::string& host, ResolveCallback done) override;
  uint64_t Random() override { return rng_.Next(); }
  void SecureRandom(absl::Span<uint8_t> out) override;
  std::optional<double> CpuIdlePercent() override { return cpu_idle_; }
  int64_t UnixMillis() override;
  void Log(swim::LogLevel level, std::string_view message) override;
  std::shared_ptr<swim::Interners> SharedInterners() override;

  NodeId id() const { return id_; }
  World& world() { return *world_; }
  // The node's bound address (what peers see as the source of its packets).
  const swim::Address& address() const;
  // The node's random stream (e.g. to compare a final draw between runs).
  swim::Rng& rng() { return rng_; }
  int64_t drift_ppm() const { return drift_ppm_; }

 private:
  friend class World;

  // The node's clock reading at world time `world_now`.
  swim::Instant LocalAt(swim::Instant world_now) const;
  // World-time length of a local-clock delay.
  absl::Duration ToWorldDelay(absl::Duration local) const;
  // Re-anchors the clock at the current world time (before a drift change).
  void Reanchor(swim::Instant world_now);

  World* const world_;
  const NodeId id_;
  swim::Rng rng_;
  int64_t drift_ppm_ = 0;
  swim::Instant world_anchor_;
  swim::Instant local_anchor_;
  swim::Instant last_now_;
  std::optional<double> cpu_idle_;
};

}  // namespace sim

#endif  // SWIM_SIM_SIM_ENV_H_
