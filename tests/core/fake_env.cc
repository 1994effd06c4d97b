#include "tests/core/fake_env.h"

#include <algorithm>

namespace swim {

TimerId FakeEnv::Schedule(absl::Duration delay, std::string_view label,
                          std::function<void()> fn) {
  const TimerId id = next_id_++;
  const Instant deadline = delay > absl::ZeroDuration() ? now_ + delay : now_;
  const Key key{deadline.nanos(), id};
  timers_.emplace(key, Timer{id, label, std::move(fn)});
  by_id_.emplace(id, key);
  return id;
}

bool FakeEnv::Cancel(TimerId id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  timers_.erase(it->second);
  by_id_.erase(it);
  ++cancelled_;
  return true;
}

int FakeEnv::AdvanceTo(Instant t) {
  int ran = 0;
  while (!timers_.empty() && timers_.begin()->first.first <= t.nanos()) {
    auto node = timers_.extract(timers_.begin());
    by_id_.erase(node.mapped().id);
    now_ = std::max(now_, Instant::FromNanos(node.key().first));
    node.mapped().fn();
    ++ran;
  }
  now_ = std::max(now_, t);
  return ran;
}

bool FakeEnv::RunNext() {
  if (timers_.empty()) return false;
  AdvanceTo(Instant::FromNanos(timers_.begin()->first.first));
  return true;
}

int FakeEnv::RunAll(int limit) {
  int ran = 0;
  while (!timers_.empty() && ran < limit) {
    auto node = timers_.extract(timers_.begin());
    by_id_.erase(node.mapped().id);
    now_ = std::max(now_, Instant::FromNanos(node.key().first));
    node.mapped().fn();
    ++ran;
  }
  return ran;
}

std::vector<FakeEnv::TimerInfo> FakeEnv::Timers() const {
  std::vector<TimerInfo> out;
  out.reserve(timers_.size());
  for (const auto& [key, timer] : timers_) {
    out.push_back({timer.id, Instant::FromNanos(key.first), timer.label});
  }
  return out;
}

std::optional<Instant> FakeEnv::NextDeadline() const {
  if (timers_.empty()) return std::nullopt;
  return Instant::FromNanos(timers_.begin()->first.first);
}

}  // namespace swim
