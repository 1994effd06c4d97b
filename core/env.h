// Env: the one seam between the protocol core and the outside world.
//
// The core (core::Memberlist and everything below it) never opens a socket,
// reads a clock, starts a thread or draws from a global random source. All of
// that comes through an Env, and everything the core decides leaves through
// it. (What arrives unasked, packets and streams, comes in through the other
// half of the seam, Inbound in core/inbound.h.) Two implementations exist:
//
//   sim::SimEnv   binds a node to a sim::World: a virtual clock, an event
//                 queue, a simulated network with faults. Deterministic.
//   net::AsioEnv  runs on a Boost.Asio io_context with real UDP/TCP sockets,
//                 the steady clock and the system resolver.
//
// THREADING. An Env and the core object using it live on one logical thread:
// every Env call is made from that thread, and every callback the Env
// invokes (timer handlers, stream completions, resolve completions, inbound
// packets and streams delivered to the core) is invoked on that same thread,
// never re-entrantly from inside an Env call. So a callback may call back
// into the Env and into the core freely, and the core needs no locks. (In
// net/ the "thread" is the io_context thread; the public API posts onto it.)
//
// OWNERSHIP. The Env is not owned by the core: "*env must outlive the core
// object". Buffers passed to the Env are copied or moved in; the caller keeps
// nothing alive on the Env's behalf. Callbacks are owned by the Env until they
// run or are dropped; an Env that is destroyed with callbacks pending drops
// them without running them.
//
// FAILURE. Nothing here throws. Sending a packet never reports an error to
// the caller (UDP is best effort; the Env logs and counts local send errors).
// Stream exchanges and resolution report failures through their callbacks as
// absl::Status.
#ifndef SWIM_CORE_ENV_H_
#define SWIM_CORE_ENV_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/bytes.h"
#include "core/time.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace swim {

struct Interners;  // core/interner.h

enum class LogLevel : uint8_t { kDebug, kInfo, kWarn, kError };

inline std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

// Identifies a scheduled timer. 0 is never a valid id.
using TimerId = uint64_t;

// What a stream exchange expects back.
enum class StreamReply : uint8_t {
  kNone,     // send one message and close (SendReliable)
  kMessage,  // send one message, then read exactly one message back
};

class Env {
 public:
  virtual ~Env() = default;

  // Monotonic time in nanoseconds. Never goes backwards between two calls.
  virtual Instant Now() = 0;

  // Runs `fn` once, `delay` from now (delay <= 0 means "as soon as
  // possible", but still later, never inside this call). `label` names the
  // timer in traces and logs ("probe", "suspicion", ...); it must point to
  // storage that outlives the timer (use string literals).
  //
  // Returns an id for Cancel. Timers with equal deadlines fire in the order
  // they were scheduled.
  virtual TimerId Schedule(absl::Duration delay, std::string_view label,
                           std::function<void()> fn) = 0;

  // Cancels a pending timer. Returns true if it had not fired yet (its
  // callback will then never run), false if it already ran, was already
  // cancelled, or is unknown. A cancel can race with a timer that is
  // already due: handlers must re-check their own state (a token, an
  // incarnation) and never assume a cancel succeeded.
  virtual bool Cancel(TimerId id) = 0;

  // Sends one datagram, best effort. The source port must be the node's
  // bound port (peers answer to the packet's source). Errors are counted and
  // logged by the Env, never reported.
  virtual void SendPacket(const Address& to, Bytes packet) = 0;

  // One reliable exchange, as memberlist does over TCP: connect to `to`,
  // write `request` (one complete stream message), then either close
  // (kNone) or read exactly one stream message back (kMessage), all within
  // `timeout` from now. The message boundary of the reply is found with
  // wire::StreamMessageSize. `done` runs exactly once with the reply bytes
  // (empty for kNone) or an error: kUnavailable for "could not connect",
  // kDeadlineExceeded for timeouts, kAborted for resets and early EOF.
  using StreamCallback = std::function<void(absl::StatusOr<Bytes>)>;
  virtual void StreamExchange(const Address& to, Bytes request,
                              StreamReply reply, absl::Duration timeout,
                              StreamCallback done) = 0;

  // Resolves a host name to addresses (DNS in net/, a table in sim/). IP
  // literals never reach this: the core parses them itself. `done` runs
  // exactly once.
  using ResolveCallback =
      std::function<void(absl::StatusOr<std::vector<IpAddress>>)>;
  virtual void Resolve(const std::string& host, ResolveCallback done) = 0;

  // The node's own deterministic random stream (seeded per node in sim/).
  virtual uint64_t Random() = 0;

  // Bytes for encryption nonces. In net/ from a cryptographic source; in
  // sim/ from the node's seeded stream so runs replay exactly.
  virtual void SecureRandom(absl::Span<uint8_t> out) = 0;

  // Percentage of CPU time idle since the previous call (0..100), for the
  // fork's node weights. nullopt when unknown (the weight tick is skipped).
  virtual std::optional<double> CpuIdlePercent() { return std::nullopt; }

  // Wall-clock Unix time in milliseconds. Only the fork's weight messages
  // carry it (WeightAt); nothing in the core schedules by it.
  virtual int64_t UnixMillis() = 0;

  // Logging sink. `message` is one line without a trailing newline.
  virtual void Log(LogLevel level, std::string_view message) = 0;

  // Interners (core/interner.h) to share with every core object whose Env
  // returns the same set, so a member's name, address and meta are stored
  // once, not once per member table. Every user of one set must run on one
  // thread (sim: the World's). Null (the default): each Memberlist keeps
  // its own. Only memory depends on this, never behaviour.
  virtual std::shared_ptr<Interners> SharedInterners() { return nullptr; }
};

}  // namespace swim

#endif  // SWIM_CORE_ENV_H_
