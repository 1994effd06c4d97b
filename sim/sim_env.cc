#include "sim/sim_env.h"

#include <algorithm>
#include <utility>

#include "sim/world.h"

namespace sim {

SimEnv::SimEnv(World* world, NodeId id, uint64_t seed)
    : world_(world), id_(id), rng_(seed) {}

const swim::Address& SimEnv::address() const { return world_->address(id_); }

swim::Instant SimEnv::LocalAt(swim::Instant world_now) const {
  const int64_t elapsed = world_now.nanos() - world_anchor_.nanos();
  if (drift_ppm_ == 0) {
    return swim::Instant::FromNanos(local_anchor_.nanos() + elapsed);
  }
  const __int128 adjust = static_cast<__int128>(elapsed) * drift_ppm_ / 1000000;
  return swim::Instant::FromNanos(local_anchor_.nanos() + elapsed +
                                  static_cast<int64_t>(adjust));
}

absl::Duration SimEnv::ToWorldDelay(absl::Duration local) const {
  const int64_t ns = absl::ToInt64Nanoseconds(local);
  if (ns <= 0) return absl::ZeroDuration();
  if (drift_ppm_ == 0) return local;
  const __int128 w = static_cast<__int128>(ns) * 1000000 /
                     (1000000 + static_cast<__int128>(drift_ppm_));
  return absl::Nanoseconds(static_cast<int64_t>(w));
}

void SimEnv::Reanchor(swim::Instant world_now) {
  local_anchor_ = std::max(LocalAt(world_now), last_now_);
  world_anchor_ = world_now;
}

swim::Instant SimEnv::Now() {
  const swim::Instant t = std::max(LocalAt(world_->Now()), last_now_);
  last_now_ = t;
  return t;
}

swim::TimerId SimEnv::Schedule(absl::Duration delay, std::string_view label,
                               std::function<void()> fn) {
  return world_->ScheduleFor(id_, ToWorldDelay(delay), label, std::move(fn));
}

bool SimEnv::Cancel(swim::TimerId id) { return world_->CancelFor(id_, id); }

void SimEnv::SendPacket(const swim::Address& to, swim::Bytes packet) {
  world_->Send(id_, to, std::move(packet));
}

void SimEnv::StreamExchange(const swim::Address& to, swim::Bytes request,
                            swim::StreamReply reply, absl::Duration timeout,
                            StreamCallback done) {
  world_->OpenStream(id_, to, std::move(request), reply, timeout,
                     std::move(done));
}

void SimEnv::Resolve(const std::string& host, ResolveCallback done) {
  world_->ResolveFor(id_, host, std::move(done));
}

void SimEnv::SecureRandom(absl::Span<uint8_t> out) {
  size_t i = 0;
  while (i < out.size()) {
    uint64_t word = rng_.Next();
    for (int k = 0; k < 8 && i < out.size(); ++k, word >>= 8) {
      out[i++] = static_cast<uint8_t>(word);
    }
  }
}

int64_t SimEnv::UnixMillis() {
  return world_->options().unix_epoch_ms + Now().nanos() / 1000000;
}

void SimEnv::Log(swim::LogLevel level, std::string_view message) {
  world_->LogFor(id_, level, message);
}

std::shared_ptr<swim::Interners> SimEnv::SharedInterners() {
  return world_->interners();
}

}  // namespace sim
