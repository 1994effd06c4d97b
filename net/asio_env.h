// AsioEnv: the production swim::Env, on real UDP/TCP sockets.
//
// One AsioEnv is one node's window on the network: a UDP socket and a TCP
// acceptor bound to the same port, a timer queue on the steady clock, the
// system resolver, an OS-seeded random stream and BoringSSL's RAND_bytes.
//
// THREADING. By default the AsioEnv owns a boost::asio::io_context and runs
// it on ONE thread that it starts in Start() and joins in Stop(). Given a
// net::Runtime (AsioEnvOptions::runtime, net/runtime.h) it runs instead on
// one of the Runtime's shared loop threads, pinned to it for life, beside
// other Envs. Either way everything the Env calls back (timers, inbound
// packets, inbound streams, stream and resolve completions) runs on that
// one thread, and the swim::Env methods (Now, Schedule, Cancel, SendPacket,
// StreamExchange, Resolve, Random, SecureRandom, Log) must be called from it
// too (debug builds check this once the loop runs). Without a Runtime,
// calls made before Start() are allowed and take effect when the loop
// starts; on a Runtime the loop already runs, so make them through
// RunSync() or Post().
// Timers are queued per loop, ordered by (deadline, schedule order), and
// woken by one steady_timer (on a Runtime, rounded up to its timer slack),
// so Cancel() is exact: true means the callback will never run.
// Other threads reach the loop with Post() and RunSync(), which are the only
// thread-safe members besides counters(), port() and Stop().
//
// ERRORS. No Asio call throws here: every call uses the error_code overload.
// Local failures (a send that the kernel refuses, an accept error, a stream
// that times out) are logged through the Log sink and counted in
// AsioEnvCounters. Stream exchanges report to their callback as env.h says:
// kUnavailable when the connection cannot be made, kDeadlineExceeded when the
// timeout passes, kAborted for resets and early EOF; a framing error is
// passed through with its own code.
//
// SHUTDOWN. Stop() (also run by the destructor) closes the sockets, drops
// every pending timer, stream and resolve callback WITHOUT running it, lets
// the loop drain and joins the thread (on a Runtime: waits until the loop
// has done this). After Stop() returns, no callback of any kind runs again.
#ifndef SWIM_NET_ASIO_ENV_H_
#define SWIM_NET_ASIO_ENV_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/address.h"
#include "core/env.h"
#include "core/inbound.h"
#include "core/time.h"

#include "net/runtime.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace swim::net {

// Where the first stream message in a prefix of a TCP stream ends: 0 if more
// bytes are needed, n if prefix[0..n) is one complete message, an error if
// the bytes can never form one. wire::StreamMessageSize has this shape.
using FramingFn = std::function<absl::StatusOr<size_t>(ByteSpan prefix)>;

// Receives every log line at or above the configured level. Called on the
// thread that logs (the loop thread, except for Start/Stop messages).
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

struct AsioEnvOptions {
  // Local address for both sockets. 0.0.0.0 / :: listen everywhere (:: is
  // dual-stack where the OS allows it). Must be an IP literal.
  IpAddress bind_ip = IpAddress::V4(0, 0, 0, 0);
  // 0: the kernel picks a port that is free for TCP, and UDP binds the same
  // one; this is retried up to 10 times (as Go's NetTransport setup does).
  uint16_t bind_port = 0;
  // Deadline for reading one inbound stream message and writing the reply
  // (memberlist's TCPTimeout).
  absl::Duration tcp_timeout = absl::Seconds(10);
  // Message boundaries on streams, for inbound streams and for replies to
  // StreamExchange(kMessage). Unset means wire::StreamMessageSize (memberlist
  // framing); tests inject simpler ones.
  FramingFn framing;
  // Concurrent inbound stream connections; more are closed at once
  // (memberlist's maxPushPulls).
  size_t max_inbound_streams = 128;
  // Bytes all inbound stream buffers together may hold (issue 14 item 6:
  // 128 parallel 20 MiB push/pulls held 1.0 GB). A read that would go over
  // it ends its connection (counted in tcp_inbound_over_budget). 32 MiB
  // leaves room for one maximal (20 MiB) push/pull and the decoded copy of
  // what it carries within the 64 MiB RSS goal (at 64 MiB, floods of
  // parallel push/pulls peaked at 65-68 MiB); a 10,000-node table is
  // about 1 MB.
  size_t max_inbound_stream_bytes = 32 * 1024 * 1024;
  // Socket receive buffer to ask for; halved until the kernel accepts it.
  int udp_recv_buffer_bytes = 2 * 1024 * 1024;
  // Log lines below this level are dropped before the sink.
  LogLevel min_log_level = LogLevel::kInfo;
  // Default: one line "[LEVEL] message" on stderr.
  LogSink log_sink;
  // Run on one of this Runtime's shared loops (net/runtime.h), which must
  // outlive the Env; null: on a loop thread of the Env's own.
  Runtime* runtime = nullptr;
};

// A snapshot of the Env's counters; safe to read from any thread.
struct AsioEnvCounters {
  uint64_t udp_packets_received = 0;
  uint64_t udp_bytes_received = 0;
  uint64_t udp_receive_errors = 0;  // includes empty datagrams
  uint64_t udp_packets_sent = 0;
  uint64_t udp_bytes_sent = 0;
  uint64_t udp_send_errors = 0;
  uint64_t tcp_accepted = 0;
  // Accept completions that took at least one connection; a burst that
  // waited in the backlog is taken in one (tcp_accepted counts each).
  uint64_t tcp_accept_wakeups = 0;
  uint64_t tcp_accept_errors = 0;
  uint64_t tcp_rejected = 0;  // over max_inbound_streams
  uint64_t tcp_inbound_messages = 0;
  uint64_t tcp_inbound_errors = 0;  // read/write/framing failures, timeouts
  uint64_t tcp_inbound_over_budget = 0;  // over max_inbound_stream_bytes
  uint64_t stream_exchanges_ok = 0;
  uint64_t stream_exchanges_failed = 0;
  uint64_t timers_fired = 0;
  uint64_t resolve_errors = 0;
};

// True on any Env's loop thread (its own, or a Runtime's).
bool OnNetLoopThread();

class AsioEnv : public Env {
 public:
  explicit AsioEnv(AsioEnvOptions options);
  // Runs Stop().
  ~AsioEnv() override;

  AsioEnv(const AsioEnv&) = delete;
  AsioEnv& operator=(const AsioEnv&) = delete;

  // Binds the TCP acceptor and the UDP socket, starts receiving and starts
  // the loop thread. On error nothing is left open and the Env cannot be
  // started again. Call once, not from the loop thread.
  absl::Status Start();

  // Closes the sockets, drops pending callbacks unrun, drains and joins the
  // loop thread. Idempotent. REQUIRES: not called from the loop thread.
  // `last_on_loop`, if given, runs on the loop thread once every Post and
  // RunSync accepted before has run, and before anything is dropped (on
  // the calling thread if no loop thread ever ran; not at all if the Env
  // was already stopped).
  // The owner of loop-bound state (a core Memberlist that uses the loop's
  // shared interners) destroys it there.
  void Stop(const std::function<void()>& last_on_loop = nullptr);

  // The bound port (the same for UDP and TCP); 0 before a successful Start.
  uint16_t port() const;
  // The bound address: bind_ip with port().
  Address local_address() const;

  // Where inbound datagrams and stream messages go (core/inbound.h: the
  // core's Memberlist), called on the loop thread: HandlePacket for every
  // non-empty datagram, with Now() right after the read; HandleStream with
  // every whole inbound stream message, whose reply, if any, is written
  // back before the connection is closed. Not owned: it must stay valid
  // until it is replaced or Stop() returned. Thread-safe: swapped on the
  // loop thread (through RunSync); ignored once Stop() has begun. Without
  // one (nullptr), datagrams are counted and dropped and streams are closed
  // after reading.
  void SetInbound(Inbound* inbound);

  // Queues `fn` to run on the loop thread. Before Start() it runs once the
  // loop starts (on a Runtime: at once); once Stop() has begun it is
  // dropped. Thread-safe.
  void Post(std::function<void()> fn);

  // Runs `fn` on the loop thread and waits for it. Runs it inline when
  // called from the loop thread itself or (without a Runtime) before
  // Start(). Returns false, without running `fn`, once Stop() has begun,
  // and on a Runtime when called from another loop thread (waiting there
  // could deadlock two loops). Thread-safe.
  bool RunSync(std::function<void()> fn);

  // True on the loop thread.
  bool InLoopThread() const;

  AsioEnvCounters counters() const;

  // swim::Env. Loop thread only (see THREADING above).
  Instant Now() override;
  TimerId Schedule(absl::Duration delay, std::string_view label,
                   std::function<void()> fn) override;
  bool Cancel(TimerId id) override;
  void SendPacket(const Address& to, Bytes packet) override;
  void StreamExchange(const Address& to, Bytes request, StreamReply reply,
                      absl::Duration timeout, StreamCallback done) override;
  void Resolve(const std::string& host, ResolveCallback done) override;
  uint64_t Random() override;
  // On a Runtime: the interners of the Env's loop, shared by every core on
  // it (so their destruction belongs on that loop too: see Stop). Without
  // one: null, each core keeps its own.
  std::shared_ptr<Interners> SharedInterners() override;
  // System-wide idle % since the previous call (the first call: since
  // Start()), from /proc/stat via CpuIdleSampler. nullopt if unreadable.
  std::optional<double> CpuIdlePercent() override;
  void SecureRandom(absl::Span<uint8_t> out) override;
  int64_t UnixMillis() override;
  void Log(LogLevel level, std::string_view message) override;

  class Impl;

 private:
  // Shared with the Impl's own pending handlers: on a Runtime's loop they
  // may still be queued (and skip) after Stop() returned.
  std::shared_ptr<Impl> impl_;
};

}  // namespace swim::net

#endif  // SWIM_NET_ASIO_ENV_H_
