// FakeEnv: a manual-clock swim::Env for unit tests of the protocol core.
//
// Time stands still until the test moves it: Advance(d) / AdvanceTo(t) run
// every timer that falls due on the way, in deadline order (equal deadlines
// in scheduling order), with Now() equal to each timer's deadline while it
// runs. Timers scheduled from inside a callback run in the same Advance if
// they fall due before its end. Nothing ever runs inside an Env call.
//
// Everything else the core sends out is recorded for the test to inspect:
// packets, stream exchanges (whose callbacks the test completes by hand),
// resolutions and log lines. Randomness comes from a seeded swim::Rng, so a
// test is deterministic.
//
// Thread-safety: none (like the core).
#ifndef SWIM_TESTS_CORE_FAKE_ENV_H_
#define SWIM_TESTS_CORE_FAKE_ENV_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/rng.h"

#include "absl/container/flat_hash_map.h"

namespace swim {

class FakeEnv : public Env {
 public:
  struct SentPacket {
    Address to;
    Bytes packet;
    Instant at;
  };
  struct StreamCall {
    Address to;
    Bytes request;
    StreamReply reply;
    absl::Duration timeout;
    StreamCallback done;  // the test calls this to complete the exchange
    Instant at;
  };
  struct ResolveCall {
    std::string host;
    ResolveCallback done;
  };
  struct LogLine {
    LogLevel level;
    std::string message;
  };
  struct TimerInfo {
    TimerId id;
    Instant deadline;
    std::string_view label;
  };

  explicit FakeEnv(uint64_t seed = 1, Instant start = Instant::Zero())
      : now_(start), rng_(seed) {}

  // --- Env ---
  Instant Now() override { return now_; }
  TimerId Schedule(absl::Duration delay, std::string_view label,
                   std::function<void()> fn) override;
  bool Cancel(TimerId id) override;
  void SendPacket(const Address& to, Bytes packet) override {
    packets_.push_back({to, std::move(packet), now_});
  }
  void StreamExchange(const Address& to, Bytes request, StreamReply reply,
                      absl::Duration timeout, StreamCallback done) override {
    streams_.push_back(
        {to, std::move(request), reply, timeout, std::move(done), now_});
  }
  void Resolve(const std::string& host, ResolveCallback done) override {
    resolves_.push_back({host, std::move(done)});
  }
  uint64_t Random() override { return rng_.Next(); }
  void SecureRandom(absl::Span<uint8_t> out) override {
    for (uint8_t& b : out) b = static_cast<uint8_t>(rng_.Next());
  }
  std::optional<double> CpuIdlePercent() override { return cpu_idle_; }
  int64_t UnixMillis() override {
    return unix_millis_at_zero_ + now_.nanos() / 1000000;
  }
  void Log(LogLevel level, std::string_view message) override {
    logs_.push_back({level, std::string(message)});
  }

  // --- Clock control ---
  // Runs every timer due at or before now + d (d >= 0), then leaves the
  // clock at now + d. Returns the number of callbacks run.
  int Advance(absl::Duration d) { return AdvanceTo(now_ + d); }
  // Same, to an absolute instant (no-op for the clock if t <= Now()).
  int AdvanceTo(Instant t);
  // Runs the timers due now (including delay <= 0 ones). Same as Advance(0).
  int RunDue() { return AdvanceTo(now_); }
  // Jumps to the next pending timer and runs everything due then. Returns
  // false if no timer is pending.
  bool RunNext();
  // Keeps running timers until none is pending or `limit` callbacks ran.
  // Returns the number of callbacks run.
  int RunAll(int limit = 1000000);

  // --- Inspection ---
  size_t PendingTimers() const { return timers_.size(); }
  // Pending timers in firing order.
  std::vector<TimerInfo> Timers() const;
  // Deadline of the first pending timer, if any.
  std::optional<Instant> NextDeadline() const;
  // Number of timers ever scheduled / cancelled successfully.
  uint64_t scheduled_count() const { return next_id_ - 1; }
  uint64_t cancelled_count() const { return cancelled_; }

  std::vector<SentPacket>& packets() { return packets_; }
  std::vector<StreamCall>& streams() { return streams_; }
  std::vector<ResolveCall>& resolves() { return resolves_; }
  std::vector<LogLine>& logs() { return logs_; }

  void set_cpu_idle(std::optional<double> v) { cpu_idle_ = v; }
  void set_unix_millis_at_zero(int64_t ms) { unix_millis_at_zero_ = ms; }
  Rng& rng() { return rng_; }

 private:
  struct Timer {
    TimerId id;
    std::string_view label;
    std::function<void()> fn;
  };
  // (deadline, sequence) -> timer. The sequence keeps equal deadlines in
  // scheduling order.
  using Key = std::pair<int64_t, uint64_t>;

  Instant now_;
  Rng rng_;
  uint64_t next_id_ = 1;
  uint64_t cancelled_ = 0;
  std::map<Key, Timer> timers_;
  absl::flat_hash_map<TimerId, Key> by_id_;  // lookup only

  std::vector<SentPacket> packets_;
  std::vector<StreamCall> streams_;
  std::vector<ResolveCall> resolves_;
  std::vector<LogLine> logs_;
  std::optional<double> cpu_idle_;
  int64_t unix_millis_at_zero_ = 1700000000000;
};

}  // namespace swim

#endif  // SWIM_TESTS_CORE_FAKE_ENV_H_
