#include "net/asio_env.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <malloc.h>
#include <openssl/rand.h>

#include "core/check.h"
#include "core/interner.h"
#include "core/limits.h"
#include "core/strings.h"
#include "core/wire/framing.h"

#include "net/cpu_idle.h"
#include "net/runtime.h"

#include "absl/container/btree_map.h"
#include "absl/strings/str_cat.h"

namespace swim::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

// Go's NetTransport retries a kernel-picked port this many times when the
// UDP bind fails on the port TCP got.
constexpr int kPortZeroBindAttempts = 10;
// Due timers run per wakeup before the loop goes back to I/O.
constexpr int kMaxTimersPerWakeup = 64;
// Datagrams read per readiness event before the loop goes back to others.
constexpr int kMaxDatagramsPerWakeup = 32;
// Bytes asked for per stream read.
constexpr size_t kStreamReadChunk = 64 * 1024;
// A stream prefix this long that the framing function still calls
// incomplete is refused: no valid message is longer (plus a header).
constexpr size_t kMaxStreamPrefix = limits::kMaxStreamBytes + 64;
// An inbound stream buffer this large is returned to the OS when done.
constexpr size_t kTrimAfterStreamBytes = 1 << 20;
// Accept error backoff, as Go's NetTransport.tcpListen.
constexpr absl::Duration kAcceptBackoffMin = absl::Milliseconds(5);
constexpr absl::Duration kAcceptBackoffMax = absl::Seconds(1);
// Connections one accept completion takes from the backlog at most.
constexpr int kAcceptBurst = 64;

asio::ip::address ToAsio(const IpAddress& ip) {
  if (ip.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::copy(ip.bytes().begin(), ip.bytes().end(), b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b{};
  if (ip.is_v6()) std::copy(ip.bytes().begin(), ip.bytes().end(), b.begin());
  return asio::ip::address_v6(b);
}

IpAddress FromAsio(const asio::ip::address& a) {
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    return IpAddress::V4(b[0], b[1], b[2], b[3]);
  }
  const auto b = a.to_v6().to_bytes();
  return *IpAddress::FromBytes(absl::MakeConstSpan(b.data(), b.size()));
}

// The destination as the socket's family can reach it: IPv4 targets from an
// IPv6 socket go v4-mapped; v4-mapped targets from an IPv4 socket unmapped.
std::optional<asio::ip::address> ForFamily(const IpAddress& ip,
                                           bool socket_is_v6) {
  if (ip.empty()) return std::nullopt;
  if (socket_is_v6) {
    if (ip.is_v4()) {
      return asio::ip::make_address_v6(asio::ip::v4_mapped, ToAsio(ip).to_v4());
    }
    return ToAsio(ip);
  }
  if (ip.IsV4OrMapped()) return ToAsio(ip.Unmapped());
  return std::nullopt;
}

std::string EcText(const error_code& ec) {
  return absl::StrCat(ec.message(), " (", ec.value(), ")");
}

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::time_point ToTimePoint(int64_t ns) {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
}

void DefaultSink(LogLevel level, std::string_view message) {
  const std::string_view name = LogLevelName(level);
  std::fprintf(stderr, "[%.*s] %.*s\n", static_cast<int>(name.size()),
               name.data(), static_cast<int>(message.size()), message.data());
}

struct AtomicCounters {
  std::atomic<uint64_t> udp_packets_received{0};
  std::atomic<uint64_t> udp_bytes_received{0};
  std::atomic<uint64_t> udp_receive_errors{0};
  std::atomic<uint64_t> udp_packets_sent{0};
  std::atomic<uint64_t> udp_bytes_sent{0};
  std::atomic<uint64_t> udp_send_errors{0};
  std::atomic<uint64_t> tcp_accepted{0};
  std::atomic<uint64_t> tcp_accept_wakeups{0};
  std::atomic<uint64_t> tcp_accept_errors{0};
  std::atomic<uint64_t> tcp_rejected{0};
  std::atomic<uint64_t> tcp_inbound_messages{0};
  std::atomic<uint64_t> tcp_inbound_errors{0};
  std::atomic<uint64_t> tcp_inbound_over_budget{0};
  std::atomic<uint64_t> stream_exchanges_ok{0};
  std::atomic<uint64_t> stream_exchanges_failed{0};
  std::atomic<uint64_t> timers_fired{0};
  std::atomic<uint64_t> resolve_errors{0};
};

void Bump(std::atomic<uint64_t>& c, uint64_t by = 1) {
  c.fetch_add(by, std::memory_order_relaxed);
}

// The loop timer queue's hook, run before a timer's function: the owning
// Env forgets the timer (defined after AsioEnv::Impl).
void OnEnvTimerFired(void* owner, TimerId id);

}  // namespace

// One TCP connection, inbound (read a message, answer, close) or outbound
// (connect, write, maybe read a reply). Owned by the handlers of its pending
// operations through shared_ptr; the Impl keeps only a weak registry entry so
// Stop() can close it. Runs on the loop thread only.
class StreamConn : public std::enable_shared_from_this<StreamConn> {
 public:
  StreamConn(std::shared_ptr<AsioEnv::Impl> impl, uint64_t id,
             tcp::socket socket)
      : impl_(std::move(impl)),
        id_(id),
        socket_(std::move(socket)),
        deadline_(socket_.get_executor()) {}

  // A large stream buffer (a push/pull of up to 20 MiB) would stay with the
  // allocator: hand its pages back to the OS, or one burst of big
  // push/pulls keeps the node's RSS high for good.
  ~StreamConn() {
    if (in_.capacity() < kTrimAfterStreamBytes) return;
    Bytes().swap(in_);
    malloc_trim(0);
  }

  uint64_t id() const { return id_; }

  // Inbound: reads one message under `timeout`, hands it to the handler,
  // writes the reply if any, closes.
  void StartInbound(Address from, absl::Duration timeout);

  // Outbound: connect, write, then close or read one reply; `done` runs
  // once unless Stop() drops it.
  void StartOutbound(tcp::endpoint to, Bytes request, StreamReply reply,
                     absl::Duration timeout, Env::StreamCallback done);

  // Closes the socket without running any callback (Stop()).
  void Abandon() {
    finished_ = true;
    done_ = nullptr;
    CloseSocket();
  }

 private:
  void ArmDeadline(absl::Duration timeout);
  void OnDeadline(const error_code& ec);
  void OnConnect(const error_code& ec);
  void DoWrite(Bytes bytes);
  void OnWrite(const error_code& ec);
  void DoRead();
  void OnRead(const error_code& ec, size_t n);
  void OnMessage(size_t size);
  // Ends the connection: runs the outbound callback or counts the inbound
  // outcome, closes the socket, leaves the registry. Only the first call
  // has an effect.
  void Finish(absl::StatusOr<Bytes> result);
  // Go's net package turns Nagle off on every TCP connection; so do we.
  void SetNoDelay() {
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
  }
  void CloseSocket() {
    error_code ignored;
    deadline_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  const std::shared_ptr<AsioEnv::Impl> impl_;  // alive while we are
  const uint64_t id_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  bool inbound_ = false;
  bool finished_ = false;
  StreamReply reply_ = StreamReply::kNone;
  Address peer_;
  Bytes out_;  // bytes being written; alive until the write completes
  Bytes in_;   // stream prefix read so far (in_[0..filled_))
  size_t filled_ = 0;
  // Memberlist framing, resumed on every read (options().framing unset).
  wire::StreamFramer framer_;
  size_t reserved_ = 0;  // inbound: bytes of in_ counted against the budget
  Env::StreamCallback done_;
};

// One io_context, the thread that runs it and the timer queue of every Env
// on it. An Env without a Runtime has a Loop of its own (slack 0: timers
// wake exactly at their deadline, as before runtimes existed); a Runtime's
// loops are shared by many Envs, whose timers then share one steady_timer
// and one wakeup per slack window.
class RuntimeLoop {
 public:
  explicit RuntimeLoop(absl::Duration timer_slack)
      : slack_ns_(std::max<int64_t>(0, absl::ToInt64Nanoseconds(timer_slack))),
        work_(asio::make_work_guard(io_)),
        wakeup_(io_) {}
  ~RuntimeLoop() { Join(); }

  asio::io_context& io() { return io_; }

  void StartThread() {
    std::lock_guard<std::mutex> lock(thread_mu_);
    if (thread_.joinable()) return;
    thread_ = std::thread([this] {
      thread_id_.store(std::this_thread::get_id());
      tl_current_loop = this;
      // Handlers never throw (error_code overloads only), so neither does
      // run().
      io_.run();
      tl_current_loop = nullptr;
    });
    thread_id_.store(thread_.get_id());
  }

  // Lets run() return once every pending handler ran, and joins. Not from
  // the loop thread.
  void Join() {
    std::lock_guard<std::mutex> lock(thread_mu_);
    if (!thread_.joinable()) {
      work_.reset();
      return;
    }
    SWIM_CHECK(!InThread());
    asio::post(io_, [this] {
      // Every Env is gone: nothing may keep run() from returning.
      trim_interval_ns_ = 0;
      trim_timer_.cancel();
      timers_.clear();
      ++wakeup_generation_;
      wakeup_armed_ = false;
      wakeup_.cancel();
      work_.reset();
    });
    thread_.join();
  }

  bool started() const { return thread_id_.load() != std::thread::id(); }
  bool InThread() const {
    return thread_id_.load() == std::this_thread::get_id();
  }
  // The loop (of any Env or Runtime) running on the calling thread, if any.
  static const RuntimeLoop* Current() { return tl_current_loop; }

  // Envs attached (runtime loops pick the least loaded). Any thread.
  std::atomic<int>& envs() { return envs_; }

  // The interners every core on this loop shares (core/interner.h): a
  // member's name, address and meta are stored once per loop instead of
  // once per member table. Used only on the loop thread, as the interner's
  // single-thread rule requires: net::Memberlist destroys its core there
  // too (AsioEnv::Stop's last_on_loop).
  const std::shared_ptr<Interners>& interners() const { return interners_; }

  // The datagram buffer every Env on this loop reads into: a datagram is
  // handled before the next one is read (see Impl::OnReadable).
  absl::Span<uint8_t> packet_buffer() {
    return absl::MakeSpan(packet_buf_.data(), packet_buf_.size());
  }

  // Hands the allocator's free pages back to the OS every `interval`
  // (malloc_trim). A join storm of N members queues O(N^2) broadcasts for
  // a minute; once they are sent, glibc keeps the freed pages (fragmented,
  // in each loop thread's arena), and a 1,000-member process would hold
  // twice the memory its members use for good. Call before StartThread.
  void TrimEvery(absl::Duration interval) {
    trim_interval_ns_ = absl::ToInt64Nanoseconds(interval);
    if (trim_interval_ns_ > 0) ArmTrim();
  }

  // ---- timers (loop thread; or before the loop thread starts) -----------

  TimerId AddTimer(int64_t deadline, void* owner, std::function<void()> fn) {
    const TimerId id = next_timer_id_++;
    timers_.emplace(std::make_pair(deadline, id),
                    TimerEntry{owner, std::move(fn)});
    ArmWakeup();
    return id;
  }
  void RemoveTimer(int64_t deadline, TimerId id) {
    timers_.erase(std::make_pair(deadline, id));
    // A wakeup armed for this timer finds nothing due and re-arms.
  }

 private:
  struct TimerEntry {
    void* owner;
    std::function<void()> fn;
  };

  // A wakeup at the earliest deadline rounded up to the slack grid: timers
  // of many Envs that fall in one window run in one wakeup. Never early.
  void ArmWakeup() {
    if (timers_.empty()) return;
    int64_t at = timers_.begin()->first.first;
    if (slack_ns_ > 0 && at < std::numeric_limits<int64_t>::max() - slack_ns_) {
      at = (at / slack_ns_ + 1) * slack_ns_;
    }
    if (wakeup_armed_ && wakeup_deadline_ <= at) return;
    const uint64_t generation = ++wakeup_generation_;
    wakeup_armed_ = true;
    wakeup_deadline_ = at;
    // Re-arming cancels the previous wait; its handler sees an old
    // generation and does nothing.
    wakeup_.expires_at(ToTimePoint(at));
    wakeup_.async_wait([this, generation](const error_code& ec) {
      if (generation != wakeup_generation_) return;
      wakeup_armed_ = false;
      if (ec) return;
      OnWakeup();
    });
  }

  void OnWakeup() {
    const int64_t now = SteadyNanos();
    for (int i = 0; i < kMaxTimersPerWakeup && !timers_.empty(); ++i) {
      auto it = timers_.begin();
      if (it->first.first > now) break;
      const TimerId id = it->first.second;
      void* owner = it->second.owner;
      std::function<void()> fn = std::move(it->second.fn);
      timers_.erase(it);
      OnEnvTimerFired(owner, id);
      fn();
    }
    ArmWakeup();
  }

  void ArmTrim() {
    trim_timer_.expires_after(std::chrono::nanoseconds(trim_interval_ns_));
    trim_timer_.async_wait([this](const error_code& ec) {
      if (ec || trim_interval_ns_ <= 0) return;
      malloc_trim(0);
      ArmTrim();
    });
  }

  static thread_local const RuntimeLoop* tl_current_loop;

  const int64_t slack_ns_;
  // Declared first among the Asio objects so it is destroyed last.
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::mutex thread_mu_;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  std::atomic<int> envs_{0};
  const std::shared_ptr<Interners> interners_ = std::make_shared<Interners>();

  // Loop thread only from here on.
  std::array<uint8_t, limits::kMaxPacketSize> packet_buf_;
  // Ordered by (deadline, id): ids grow, so equal deadlines fire in
  // scheduling order.
  // A b-tree: no node allocation and rebalancing per timer (a member's
  // gossip and probe ticks re-arm 6 times a second).
  absl::btree_map<std::pair<int64_t, TimerId>, TimerEntry> timers_;
  TimerId next_timer_id_ = 1;
  asio::steady_timer wakeup_;
  bool wakeup_armed_ = false;
  int64_t wakeup_deadline_ = 0;
  uint64_t wakeup_generation_ = 0;
  asio::steady_timer trim_timer_{io_};
  int64_t trim_interval_ns_ = 0;  // 0: never
};

thread_local const RuntimeLoop* RuntimeLoop::tl_current_loop = nullptr;

class AsioEnv::Impl : public std::enable_shared_from_this<AsioEnv::Impl> {
 public:
  explicit Impl(AsioEnvOptions options)
      : options_(std::move(options)),
        shared_(options_.runtime != nullptr),
        loop_(shared_ ? options_.runtime->PickLoop()
                      : std::make_shared<RuntimeLoop>(absl::ZeroDuration())),
        udp_(loop_->io()),
        acceptor_(loop_->io()),
        accept_backoff_timer_(loop_->io()) {
    if (!options_.log_sink) options_.log_sink = DefaultSink;
    ++loop_->envs();
    // No framing function: each connection frames memberlist messages with
    // its own incremental wire::StreamFramer (see StreamConn::OnRead).
    std::random_device rd;
    const uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    rng_.seed(seed);
  }

  // The owning AsioEnv stopped us; the last queued handler may release us
  // on the loop thread.
  ~Impl() { Detach(); }

  // ---- lifecycle -------------------------------------------------------

  absl::Status Start() {
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      if (state_ != State::kNew) {
        return absl::FailedPreconditionError("AsioEnv already started");
      }
    }
    absl::Status bound = Bind();
    if (!bound.ok()) {
      std::lock_guard<std::mutex> lock(state_mu_);
      state_ = State::kStopped;
      if (!shared_) loop_->Join();
      Detach();
      return bound;
    }
    cpu_idle_.Sample();  // so the first CpuIdlePercent() has a baseline
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      state_ = State::kRunning;
      if (shared_) {
        // The loop already runs other Envs: start reading on it.
        asio::post(loop_->io(), [self = shared_from_this()] {
          if (self->stopping_) return;
          self->DoReceive();
          self->DoAccept();
        });
      } else {
        DoReceive();
        DoAccept();
        loop_->StartThread();
      }
    }
    Log(LogLevel::kInfo,
        absl::StrCat("net: listening on ", local_address().ToString(),
                     " (udp+tcp)"));
    return absl::OkStatus();
  }

  void Stop(const std::function<void()>& last_on_loop) {
    bool never_started = false;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      never_started = state_ == State::kNew && !shared_;
    }
    // No loop thread ever ran: the caller's thread is the only one (and
    // last_on_loop may call RunSync, which runs inline now).
    if (never_started && last_on_loop) last_on_loop();
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      if (state_ == State::kNew && !shared_) {
        // Never started: nothing runs; drop what was queued.
        state_ = State::kStopped;
        stopping_ = true;
        DropEverything();
        loop_->io().restart();
        loop_->io().poll();  // posted functions see stopping_ and skip
        loop_->Join();
        Detach();
        return;
      }
      if (state_ != State::kRunning && state_ != State::kNew) return;
      SWIM_CHECK(!InLoopThread());
      state_ = State::kStopping;
    }
    // Queued behind every Post/RunSync accepted so far, so those are all
    // drained (and skipped) before the Env counts as stopped.
    bool dropped = false;
    std::mutex mu;
    std::condition_variable cv;
    asio::post(loop_->io(), [&, self = shared_from_this()] {
      if (last_on_loop) last_on_loop();
      self->stopping_ = true;
      self->DropEverything();
      std::lock_guard<std::mutex> l(mu);
      dropped = true;
      cv.notify_all();
    });
    if (shared_) {
      // Handlers of this Env still queued on the shared loop keep it alive
      // (shared_from_this) and see stopping_.
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return dropped; });
    } else {
      loop_->Join();
    }
    std::lock_guard<std::mutex> lock(state_mu_);
    state_ = State::kStopped;
    Detach();
  }

  void Post(std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (state_ != State::kNew && state_ != State::kRunning) return;
    asio::post(loop_->io(), [self = shared_from_this(), fn = std::move(fn)] {
      if (!self->stopping_) fn();
    });
  }

  bool RunSync(std::function<void()> fn) {
    struct Sync {
      std::mutex mu;
      std::condition_variable cv;
      bool finished = false;
      bool ran = false;
    };
    auto sync = std::make_shared<Sync>();
    enum class Mode { kInline, kRefuse, kPost } mode = Mode::kPost;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      if (state_ == State::kNew && !shared_) {
        mode = Mode::kInline;
      } else if (state_ != State::kRunning && state_ != State::kNew) {
        mode = Mode::kRefuse;
      } else if (InLoopThread()) {
        mode = stopping_ ? Mode::kRefuse : Mode::kInline;
      } else if (shared_ && RuntimeLoop::Current() != nullptr) {
        // Another loop thread waiting for this one could deadlock two
        // loops that wait for each other.
        mode = Mode::kRefuse;
      } else {
        asio::post(loop_->io(),
                   [self = shared_from_this(), sync, fn = std::move(fn)] {
                     const bool run = !self->stopping_;
                     if (run) fn();
                     std::lock_guard<std::mutex> l(sync->mu);
                     sync->ran = run;
                     sync->finished = true;
                     sync->cv.notify_all();
                   });
      }
    }
    if (mode == Mode::kInline) {
      fn();
      return true;
    }
    if (mode == Mode::kRefuse) return false;
    std::unique_lock<std::mutex> lock(sync->mu);
    sync->cv.wait(lock, [&] { return sync->finished; });
    return sync->ran;
  }

  bool InLoopThread() const { return loop_->InThread(); }

  uint16_t port() const { return port_.load(); }
  Address local_address() const {
    return Address{options_.bind_ip, port(), ""};
  }

  void SetInbound(Inbound* inbound) {
    RunSync([&] { inbound_ = inbound; });
  }

  AsioEnvCounters counters() const {
    AsioEnvCounters c;
    c.udp_packets_received = counters_.udp_packets_received.load();
    c.udp_bytes_received = counters_.udp_bytes_received.load();
    c.udp_receive_errors = counters_.udp_receive_errors.load();
    c.udp_packets_sent = counters_.udp_packets_sent.load();
    c.udp_bytes_sent = counters_.udp_bytes_sent.load();
    c.udp_send_errors = counters_.udp_send_errors.load();
    c.tcp_accepted = counters_.tcp_accepted.load();
    c.tcp_accept_wakeups = counters_.tcp_accept_wakeups.load();
    c.tcp_accept_errors = counters_.tcp_accept_errors.load();
    c.tcp_rejected = counters_.tcp_rejected.load();
    c.tcp_inbound_messages = counters_.tcp_inbound_messages.load();
    c.tcp_inbound_errors = counters_.tcp_inbound_errors.load();
    c.tcp_inbound_over_budget = counters_.tcp_inbound_over_budget.load();
    c.stream_exchanges_ok = counters_.stream_exchanges_ok.load();
    c.stream_exchanges_failed = counters_.stream_exchanges_failed.load();
    c.timers_fired = counters_.timers_fired.load();
    c.resolve_errors = counters_.resolve_errors.load();
    return c;
  }

  // ---- swim::Env ----------------------------------------------------------

  Instant Now() { return Instant::FromNanos(SteadyNanos()); }

  TimerId Schedule(absl::Duration delay, std::string_view label,
                   std::function<void()> fn) {
    AssertLoopThread();
    // Dropped (it could never run): an id no live timer has.
    if (stopping_) return (uint64_t{1} << 63) | next_dropped_timer_id_++;
    const int64_t now = Now().nanos();
    int64_t delta = 0;
    if (delay > absl::ZeroDuration()) {
      delta = absl::ToInt64Nanoseconds(delay);  // saturates
    }
    const int64_t deadline = delta > std::numeric_limits<int64_t>::max() - now
                                 ? std::numeric_limits<int64_t>::max()
                                 : now + delta;
    const TimerId id = loop_->AddTimer(deadline, this, std::move(fn));
    timer_deadlines_.emplace(id, deadline);
    return id;
  }

  bool Cancel(TimerId id) {
    AssertLoopThread();
    auto it = timer_deadlines_.find(id);
    if (it == timer_deadlines_.end()) return false;
    loop_->RemoveTimer(it->second, id);
    timer_deadlines_.erase(it);
    return true;
  }

  // The loop is about to run timer `id` of this Env.
  void TimerFired(TimerId id) {
    timer_deadlines_.erase(id);
    Bump(counters_.timers_fired);
  }

  void SendPacket(const Address& to, Bytes packet) {
    AssertLoopThread();
    if (stopping_ || !udp_.is_open()) return;
    const std::optional<asio::ip::address> dest = ForFamily(to.ip, udp_is_v6_);
    if (!dest) {
      Bump(counters_.udp_send_errors);
      Log(LogLevel::kWarn, absl::StrCat("net: cannot send UDP to ",
                                        to.ToString(), " from this socket"));
      return;
    }
    const udp::endpoint dest_ep(*dest, to.port);
    // The socket is non-blocking: the datagram leaves in this call unless
    // the kernel's send buffer is full, and only then waits on the loop.
    error_code ec;
    const size_t n = udp_.send_to(asio::buffer(packet), dest_ep, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      auto buf = std::make_shared<Bytes>(std::move(packet));
      udp_.async_send_to(
          asio::buffer(*buf), dest_ep,
          [self = shared_from_this(), buf, to](const error_code& ec2,
                                               size_t n2) {
            if (ec2 == asio::error::operation_aborted || self->stopping_) {
              return;
            }
            self->CountSend(to, ec2, n2);
          });
      return;
    }
    CountSend(to, ec, n);
  }

  void CountSend(const Address& to, const error_code& ec, size_t n) {
    if (ec) {
      Bump(counters_.udp_send_errors);
      Log(LogLevel::kWarn,
          absl::StrCat("net: UDP send to ", to.ToString(), ": ", EcText(ec)));
      return;
    }
    Bump(counters_.udp_packets_sent);
    Bump(counters_.udp_bytes_sent, n);
  }

  void StreamExchange(const Address& to, Bytes request, StreamReply reply,
                      absl::Duration timeout, Env::StreamCallback done) {
    AssertLoopThread();
    if (stopping_) return;
    if (to.ip.empty()) {
      FailLater(std::move(done),
                absl::InvalidArgumentError("stream to an empty address"));
      return;
    }
    const uint64_t id = next_conn_id_++;
    auto conn = std::make_shared<StreamConn>(shared_from_this(), id,
                                             tcp::socket(loop_->io()));
    conns_.emplace(id, conn);
    conn->StartOutbound(tcp::endpoint(ToAsio(to.ip), to.port),
                        std::move(request), reply, timeout, std::move(done));
  }

  void Resolve(const std::string& host, Env::ResolveCallback done) {
    AssertLoopThread();
    if (stopping_) return;
    const uint64_t id = next_resolver_id_++;
    auto resolver = std::make_shared<tcp::resolver>(loop_->io());
    resolvers_.emplace(id, PendingResolve{resolver, std::move(done)});
    resolver->async_resolve(
        host, "",
        [self = shared_from_this(), id, host](
            const error_code& ec, tcp::resolver::results_type results) {
          self->OnResolved(id, host, ec, results);
        });
  }

  void OnResolved(uint64_t id, const std::string& host, const error_code& ec,
                  const tcp::resolver::results_type& results) {
    auto it = resolvers_.find(id);
    if (it == resolvers_.end()) return;  // dropped by Stop()
    Env::ResolveCallback cb = std::move(it->second.done);
    resolvers_.erase(it);
    if (stopping_) return;
    if (ec) {
      Bump(counters_.resolve_errors);
      cb(absl::NotFoundError(absl::StrCat("resolve ", host, ": ", EcText(ec))));
      return;
    }
    std::vector<IpAddress> ips;
    for (const auto& entry : results) {
      IpAddress ip = FromAsio(entry.endpoint().address());
      bool seen = false;
      for (const IpAddress& have : ips) seen = seen || have == ip;
      if (!seen) ips.push_back(ip);
    }
    if (ips.empty()) {
      Bump(counters_.resolve_errors);
      cb(absl::NotFoundError(absl::StrCat("no addresses for ", host)));
      return;
    }
    cb(std::move(ips));
  }

  uint64_t Random() { return rng_(); }

  // On a Runtime, the loop's set; an Env of its own keeps the core's
  // private one (null), as before.
  std::shared_ptr<Interners> SharedInterners() {
    return shared_ ? loop_->interners() : nullptr;
  }

  std::optional<double> CpuIdlePercent() {
    AssertLoopThread();
    return cpu_idle_.Sample();
  }

  void SecureRandom(absl::Span<uint8_t> out) {
    if (out.empty()) return;
    SWIM_CHECK(RAND_bytes(out.data(), out.size()) == 1);
  }

  int64_t UnixMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  void Log(LogLevel level, std::string_view message) {
    if (level < options_.min_log_level) return;
    options_.log_sink(level, message);
  }

  // ---- used by StreamConn
  // ---------------------------------------------------------

  const AsioEnvOptions& options() const { return options_; }
  AtomicCounters& mutable_counters() { return counters_; }
  bool stopping() const { return stopping_; }
  // The inbound stream byte budget (AsioEnvOptions::max_inbound_stream_bytes).
  bool ReserveInbound(size_t n) {
    if (n > options_.max_inbound_stream_bytes - inbound_bytes_) return false;
    inbound_bytes_ += n;
    return true;
  }
  void ReleaseInbound(size_t n) {
    inbound_bytes_ -= std::min(n, inbound_bytes_);
  }

  void ForgetConn(uint64_t id, bool inbound) {
    if (conns_.erase(id) > 0 && inbound) --inbound_active_;
  }
  std::optional<Bytes> HandleStream(const Address& from, ByteSpan msg) {
    if (inbound_ == nullptr) return std::nullopt;
    return inbound_->HandleStream(from, msg);
  }

 private:
  enum class State { kNew, kRunning, kStopping, kStopped };

  struct PendingResolve {
    std::shared_ptr<tcp::resolver> resolver;
    Env::ResolveCallback done;
  };

  // The loop no longer counts us (a Runtime checks that every Env on it
  // stopped before it stops its loops). Once.
  void Detach() {
    if (!detached_.exchange(true)) --loop_->envs();
  }

  void AssertLoopThread() const {
    SWIM_DCHECK(!loop_->started() || InLoopThread());
  }

  // Runs on the loop thread during Stop() (or on the caller when never
  // started): everything pending is closed or dropped unrun.
  void DropEverything() {
    error_code ignored;
    acceptor_.close(ignored);
    udp_.close(ignored);
    accept_backoff_timer_.cancel();
    for (const auto& [id, deadline] : timer_deadlines_) {
      loop_->RemoveTimer(deadline, id);
    }
    timer_deadlines_.clear();
    auto conns = std::move(conns_);
    conns_.clear();
    for (auto& [id, weak] : conns) {
      if (auto conn = weak.lock()) conn->Abandon();
    }
    inbound_active_ = 0;
    inbound_bytes_ = 0;
    auto resolvers = std::move(resolvers_);
    resolvers_.clear();
    for (auto& [id, pending] : resolvers) pending.resolver->cancel();
    inbound_ = nullptr;
  }

  void FailLater(Env::StreamCallback done, absl::Status status) {
    Bump(counters_.stream_exchanges_failed);
    asio::post(loop_->io(), [self = shared_from_this(), done = std::move(done),
                             status]() mutable {
      if (!self->stopping_) done(status);
    });
  }

  // ---- binding --------------------------------------------------------------

  absl::Status Bind() {
    if (options_.bind_ip.empty()) {
      return absl::InvalidArgumentError("bind_ip is empty");
    }
    const asio::ip::address addr = ToAsio(options_.bind_ip);
    const int attempts = options_.bind_port == 0 ? kPortZeroBindAttempts : 1;
    absl::Status last;
    for (int i = 0; i < attempts; ++i) {
      last = TryBind(addr, options_.bind_port);
      if (last.ok()) return last;
      error_code ignored;
      acceptor_.close(ignored);
      udp_.close(ignored);
    }
    return last;
  }

  absl::Status TryBind(const asio::ip::address& addr, uint16_t want_port) {
    error_code ec;
    const tcp::endpoint tcp_ep(addr, want_port);
    if (acceptor_.open(tcp_ep.protocol(), ec); ec) {
      return absl::UnavailableError(absl::StrCat("tcp open: ", EcText(ec)));
    }
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (acceptor_.bind(tcp_ep, ec); ec) {
      return absl::UnavailableError(
          absl::StrCat("tcp bind ", tcp_ep.address().to_string(), ":",
                       want_port, ": ", EcText(ec)));
    }
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return absl::UnavailableError(absl::StrCat("tcp listen: ", EcText(ec)));
    }
    // OnAccept drains the backlog with synchronous accepts that must not
    // block (async_accept is unaffected).
    if (acceptor_.non_blocking(true, ec); ec) {
      return absl::UnavailableError(
          absl::StrCat("tcp non-blocking: ", EcText(ec)));
    }
    const tcp::endpoint bound = acceptor_.local_endpoint(ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("tcp local: ", EcText(ec)));
    }
    const udp::endpoint udp_ep(addr, bound.port());
    if (udp_.open(udp_ep.protocol(), ec); ec) {
      return absl::UnavailableError(absl::StrCat("udp open: ", EcText(ec)));
    }
    if (udp_.bind(udp_ep, ec); ec) {
      return absl::UnavailableError(
          absl::StrCat("udp bind ", udp_ep.address().to_string(), ":",
                       bound.port(), ": ", EcText(ec)));
    }
    SetReceiveBuffer();
    // Datagrams are sent and read in place (SendPacket, OnReadable).
    if (udp_.non_blocking(true, ec); ec) {
      return absl::UnavailableError(
          absl::StrCat("udp non-blocking: ", EcText(ec)));
    }
    udp_is_v6_ = addr.is_v6();
    port_.store(bound.port());
    return absl::OkStatus();
  }

  void SetReceiveBuffer() {
    for (int size = options_.udp_recv_buffer_bytes; size > 0; size /= 2) {
      error_code ec;
      udp_.set_option(asio::socket_base::receive_buffer_size(size), ec);
      if (!ec) return;
    }
    Log(LogLevel::kWarn, "net: could not set any UDP receive buffer size");
  }

  // ---- UDP ------------------------------------------------------------------

  // Waits for the socket to become readable, then reads what is queued
  // into the loop's one datagram buffer: many Envs share a loop, and a
  // datagram is handled before the next read, so one buffer serves them all
  // (an armed async_receive_from per socket would need one buffer each).
  void DoReceive() {
    udp_.async_wait(udp::socket::wait_read,
                    [self = shared_from_this()](const error_code& ec) {
                      self->OnReadable(ec);
                    });
  }

  void OnReadable(const error_code& ec) {
    if (stopping_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      Bump(counters_.udp_receive_errors);
      Log(LogLevel::kWarn, absl::StrCat("net: UDP receive: ", EcText(ec)));
    }
    bool drained = ec.value() != 0;
    for (int i = 0; i < kMaxDatagramsPerWakeup && !drained && !stopping_; ++i) {
      const absl::Span<uint8_t> buf = loop_->packet_buffer();
      udp::endpoint sender;
      error_code rec;
      const size_t n = udp_.receive_from(asio::buffer(buf.data(), buf.size()),
                                         sender, 0, rec);
      if (rec == asio::error::would_block || rec == asio::error::try_again) {
        drained = true;
        break;
      }
      const Instant received = Now();
      if (rec) {
        Bump(counters_.udp_receive_errors);
        Log(LogLevel::kWarn, absl::StrCat("net: UDP receive: ", EcText(rec)));
      } else if (n == 0) {
        Bump(counters_.udp_receive_errors);
        Log(LogLevel::kWarn, "net: empty UDP packet");
      } else {
        Bump(counters_.udp_packets_received);
        Bump(counters_.udp_bytes_received, n);
        if (inbound_ != nullptr) {
          const Address from{FromAsio(sender.address()), sender.port(), ""};
          inbound_->HandlePacket(from, ByteSpan(buf.data(), n), received);
        }
      }
    }
    if (stopping_) return;
    if (drained) {
      DoReceive();
    } else {
      // Datagrams are still queued: the readiness wait would not report
      // them again until another one arrives (edge-triggered), so read on
      // after the loop's other work.
      asio::post(loop_->io(), [self = shared_from_this()] {
        self->OnReadable(error_code());
      });
    }
  }

  // ---- TCP accept -----------------------------------------------------------

  void DoAccept() {
    acceptor_.async_accept(
        [self = shared_from_this()](const error_code& ec, tcp::socket socket) {
          self->OnAccept(ec, std::move(socket));
        });
  }

  void OnAccept(const error_code& ec, tcp::socket socket) {
    if (stopping_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      Bump(counters_.tcp_accept_errors);
      accept_backoff_ = accept_backoff_ == absl::ZeroDuration()
                            ? kAcceptBackoffMin
                            : std::min(accept_backoff_ * 2, kAcceptBackoffMax);
      Log(LogLevel::kError,
          absl::StrCat("net: TCP accept: ", EcText(ec), "; retrying in ",
                       absl::FormatDuration(accept_backoff_)));
      accept_backoff_timer_.expires_after(
          std::chrono::nanoseconds(absl::ToInt64Nanoseconds(accept_backoff_)));
      accept_backoff_timer_.async_wait(
          [self = shared_from_this()](const error_code& wait_ec) {
            if (self->stopping_ || wait_ec) return;
            self->DoAccept();
          });
      return;
    }
    accept_backoff_ = absl::ZeroDuration();
    Bump(counters_.tcp_accept_wakeups);
    TakeConnection(std::move(socket));
    // Drain the backlog now. A loop that many members share runs one
    // completion per ready socket per round, so one accept per completion
    // served a burst of N connections in N rounds: 999 members joining one
    // member of a busy loop at once all timed out their push/pulls. Never
    // past the inbound-stream limit: what stays in the backlog is taken by
    // the next completion, under the same rule.
    for (int i = 0;
         i < kAcceptBurst && inbound_active_ < options_.max_inbound_streams;
         ++i) {
      tcp::socket next(loop_->io());
      error_code next_ec;
      acceptor_.accept(next, next_ec);
      if (next_ec) break;  // would_block; a real error recurs in async_accept
      TakeConnection(std::move(next));
    }
    DoAccept();
  }

  // An accepted connection: served as an inbound stream, or closed when
  // over the limit or already gone.
  void TakeConnection(tcp::socket socket) {
    Bump(counters_.tcp_accepted);
    error_code peer_ec;
    const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    if (peer_ec || inbound_active_ >= options_.max_inbound_streams) {
      Bump(counters_.tcp_rejected);
      Log(LogLevel::kWarn,
          peer_ec ? absl::StrCat("net: TCP peer gone: ", EcText(peer_ec))
                  : absl::StrCat("net: over ", options_.max_inbound_streams,
                                 " inbound streams; closing ",
                                 peer.address().to_string()));
      error_code ignored;
      socket.close(ignored);
    } else {
      const uint64_t id = next_conn_id_++;
      auto conn = std::make_shared<StreamConn>(shared_from_this(), id,
                                               std::move(socket));
      conns_.emplace(id, conn);
      ++inbound_active_;
      conn->StartInbound(Address{FromAsio(peer.address()), peer.port(), ""},
                         options_.tcp_timeout);
    }
  }

  AsioEnvOptions options_;
  const bool shared_;  // on a Runtime's loop (else on a loop of our own)
  // Declared before the sockets, so they are destroyed first.
  const std::shared_ptr<RuntimeLoop> loop_;

  std::mutex state_mu_;
  State state_ = State::kNew;  // guarded by state_mu_
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> detached_{false};
  AtomicCounters counters_;

  // Loop thread only from here on.
  bool stopping_ = false;
  std::mt19937_64 rng_;
  CpuIdleSampler cpu_idle_;
  Inbound* inbound_ = nullptr;

  udp::socket udp_;
  bool udp_is_v6_ = false;

  tcp::acceptor acceptor_;
  absl::Duration accept_backoff_ = absl::ZeroDuration();
  size_t inbound_active_ = 0;
  size_t inbound_bytes_ = 0;  // held by inbound stream buffers
  uint64_t next_conn_id_ = 1;
  std::map<uint64_t, std::weak_ptr<StreamConn>> conns_;

  uint64_t next_resolver_id_ = 1;
  std::map<uint64_t, PendingResolve> resolvers_;

  // This Env's pending timers (id -> deadline); the loop holds the queue.
  absl::btree_map<TimerId, int64_t> timer_deadlines_;
  uint64_t next_dropped_timer_id_ = 1;
  asio::steady_timer accept_backoff_timer_;
};

namespace {
void OnEnvTimerFired(void* owner, TimerId id) {
  static_cast<AsioEnv::Impl*>(owner)->TimerFired(id);
}
}  // namespace

// ---- StreamConn
// -------------------------------------------------------------------

void StreamConn::StartInbound(Address from, absl::Duration timeout) {
  inbound_ = true;
  SetNoDelay();
  peer_ = std::move(from);
  ArmDeadline(timeout);
  DoRead();
}

void StreamConn::StartOutbound(tcp::endpoint to, Bytes request,
                               StreamReply reply, absl::Duration timeout,
                               Env::StreamCallback done) {
  inbound_ = false;
  reply_ = reply;
  done_ = std::move(done);
  peer_ = Address{FromAsio(to.address()), to.port(), ""};
  out_ = std::move(request);
  ArmDeadline(timeout);
  socket_.async_connect(to, [self = shared_from_this()](const error_code& ec) {
    self->OnConnect(ec);
  });
}

void StreamConn::ArmDeadline(absl::Duration timeout) {
  if (timeout < absl::ZeroDuration()) timeout = absl::ZeroDuration();
  deadline_.expires_after(
      std::chrono::nanoseconds(absl::ToInt64Nanoseconds(timeout)));
  deadline_.async_wait([self = shared_from_this()](const error_code& ec) {
    self->OnDeadline(ec);
  });
}

void StreamConn::OnDeadline(const error_code& ec) {
  if (ec || finished_ || impl_->stopping()) return;
  Finish(absl::DeadlineExceededError(
      absl::StrCat(inbound_ ? "inbound stream from " : "stream to ",
                   peer_.ToString(), ": timed out")));
}

void StreamConn::OnConnect(const error_code& ec) {
  if (finished_ || impl_->stopping()) return;
  if (ec) {
    Finish(absl::UnavailableError(
        absl::StrCat("connect to ", peer_.ToString(), ": ", EcText(ec))));
    return;
  }
  SetNoDelay();
  DoWrite(std::move(out_));
}

void StreamConn::DoWrite(Bytes bytes) {
  out_ = std::move(bytes);
  asio::async_write(socket_, asio::buffer(out_),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      self->OnWrite(ec);
                    });
}

void StreamConn::OnWrite(const error_code& ec) {
  if (finished_ || impl_->stopping()) return;
  if (ec) {
    Finish(absl::AbortedError(
        absl::StrCat("write to ", peer_.ToString(), ": ", EcText(ec))));
    return;
  }
  if (inbound_ || reply_ == StreamReply::kNone) {
    Finish(Bytes());
    return;
  }
  DoRead();
}

void StreamConn::DoRead() {
  const size_t want = std::min(kStreamReadChunk, kMaxStreamPrefix - filled_);
  if (in_.size() < filled_ + want) {
    const size_t grow = filled_ + want - in_.size();
    if (inbound_) {
      if (!impl_->ReserveInbound(grow)) {
        Bump(impl_->mutable_counters().tcp_inbound_over_budget);
        Finish(absl::ResourceExhaustedError(absl::StrCat(
            "stream from ", peer_.ToString(), ": inbound streams hold over ",
            impl_->options().max_inbound_stream_bytes, " bytes")));
        return;
      }
      reserved_ += grow;
    }
    in_.resize(filled_ + want);
  }
  socket_.async_read_some(
      asio::buffer(in_.data() + filled_, want),
      [self = shared_from_this()](const error_code& ec, size_t n) {
        self->OnRead(ec, n);
      });
}

void StreamConn::OnRead(const error_code& ec, size_t n) {
  if (finished_ || impl_->stopping()) return;
  if (ec) {
    Finish(absl::AbortedError(absl::StrCat(
        "read from ", peer_.ToString(), " after ", filled_, " bytes: ",
        ec == asio::error::eof ? std::string("early EOF") : EcText(ec))));
    return;
  }
  filled_ += n;
  const ByteSpan prefix(in_.data(), filled_);
  absl::StatusOr<size_t> size = impl_->options().framing
                                    ? impl_->options().framing(prefix)
                                    : framer_.Next(prefix);
  if (!size.ok()) {
    Finish(absl::Status(size.status().code(),
                        absl::StrCat("stream from ", peer_.ToString(), ": ",
                                     size.status().message())));
    return;
  }
  if (*size > 0 && *size <= filled_) {
    OnMessage(*size);
    return;
  }
  if (filled_ >= kMaxStreamPrefix) {
    Finish(absl::ResourceExhaustedError(
        absl::StrCat("stream from ", peer_.ToString(), ": no message in ",
                     filled_, " bytes")));
    return;
  }
  DoRead();
}

void StreamConn::OnMessage(size_t size) {
  in_.resize(size);
  if (!inbound_) {
    Finish(std::move(in_));
    return;
  }
  Bump(impl_->mutable_counters().tcp_inbound_messages);
  std::optional<Bytes> reply = impl_->HandleStream(peer_, ByteSpan(in_));
  if (finished_ || impl_->stopping()) return;  // the handler stopped us
  // Handled: give the message's bytes back (memory and budget) now rather
  // than after the reply is written, which a slow reader can drag out to
  // tcp_timeout while new push/pulls arrive (issue 14 item 6).
  const bool big = in_.capacity() >= kTrimAfterStreamBytes;
  Bytes().swap(in_);
  filled_ = 0;
  impl_->ReleaseInbound(reserved_);
  reserved_ = 0;
  if (big) malloc_trim(0);
  if (!reply || reply->empty()) {
    Finish(Bytes());
    return;
  }
  DoWrite(std::move(*reply));
}

void StreamConn::Finish(absl::StatusOr<Bytes> result) {
  if (finished_) return;
  finished_ = true;
  CloseSocket();
  // in_ itself is freed with the connection (a cancelled read may still
  // own it until its handler runs): see ~StreamConn.
  impl_->ReleaseInbound(reserved_);
  reserved_ = 0;
  impl_->ForgetConn(id_, inbound_);
  AtomicCounters& c = impl_->mutable_counters();
  if (inbound_) {
    if (!result.ok()) {
      Bump(c.tcp_inbound_errors);
      impl_->Log(LogLevel::kWarn,
                 absl::StrCat("net: ", result.status().ToString()));
    }
    return;
  }
  Bump(result.ok() ? c.stream_exchanges_ok : c.stream_exchanges_failed);
  Env::StreamCallback done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));
}

// ---- AsioEnv ----------------------------------------------------------------

bool OnNetLoopThread() { return RuntimeLoop::Current() != nullptr; }

AsioEnv::AsioEnv(AsioEnvOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}
AsioEnv::~AsioEnv() { impl_->Stop(nullptr); }

absl::Status AsioEnv::Start() { return impl_->Start(); }
void AsioEnv::Stop(const std::function<void()>& last_on_loop) {
  impl_->Stop(last_on_loop);
}
uint16_t AsioEnv::port() const { return impl_->port(); }
Address AsioEnv::local_address() const { return impl_->local_address(); }
void AsioEnv::SetInbound(Inbound* inbound) { impl_->SetInbound(inbound); }
void AsioEnv::Post(std::function<void()> fn) { impl_->Post(std::move(fn)); }
bool AsioEnv::RunSync(std::function<void()> fn) {
  return impl_->RunSync(std::move(fn));
}
bool AsioEnv::InLoopThread() const { return impl_->InLoopThread(); }
AsioEnvCounters AsioEnv::counters() const { return impl_->counters(); }

Instant AsioEnv::Now() { return impl_->Now(); }
TimerId AsioEnv::Schedule(absl::Duration delay, std::string_view label,
                          std::function<void()> fn) {
  return impl_->Schedule(delay, label, std::move(fn));
}
bool AsioEnv::Cancel(TimerId id) { return impl_->Cancel(id); }
void AsioEnv::SendPacket(const Address& to, Bytes packet) {
  impl_->SendPacket(to, std::move(packet));
}
void AsioEnv::StreamExchange(const Address& to, Bytes request,
                             StreamReply reply, absl::Duration timeout,
                             StreamCallback done) {
  impl_->StreamExchange(to, std::move(request), reply, timeout,
                        std::move(done));
}
void AsioEnv::Resolve(const std::string& host, ResolveCallback done) {
  impl_->Resolve(host, std::move(done));
}
uint64_t AsioEnv::Random() { return impl_->Random(); }
std::shared_ptr<Interners> AsioEnv::SharedInterners() {
  return impl_->SharedInterners();
}
std::optional<double> AsioEnv::CpuIdlePercent() {
  return impl_->CpuIdlePercent();
}
void AsioEnv::SecureRandom(absl::Span<uint8_t> out) {
  impl_->SecureRandom(out);
}
int64_t AsioEnv::UnixMillis() { return impl_->UnixMillis(); }
void AsioEnv::Log(LogLevel level, std::string_view message) {
  impl_->Log(level, message);
}

}  // namespace swim::net

// ---- Runtime ----------------------------------------------------------------

namespace swim::net {

Runtime::Runtime(RuntimeOptions options) {
  int n = options.threads;
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  for (int i = 0; i < n; ++i) {
    loops_.push_back(std::make_shared<RuntimeLoop>(options.timer_slack));
    // One loop trims for the process (malloc_trim covers every arena).
    if (i == 0) loops_.back()->TrimEvery(options.trim_interval);
    loops_.back()->StartThread();
  }
}

Runtime::~Runtime() {
  for (const auto& loop : loops_) {
    // An Env still attached would post to a loop that no longer runs.
    SWIM_CHECK(loop->envs().load() == 0);
  }
  // Drains what stopped Envs left queued (their aborted operations), then
  // joins.
  for (const auto& loop : loops_) loop->Join();
}

std::vector<int> Runtime::EnvsPerLoop() const {
  std::vector<int> out;
  for (const auto& loop : loops_) out.push_back(loop->envs().load());
  return out;
}

std::shared_ptr<RuntimeLoop> Runtime::PickLoop() {
  std::shared_ptr<RuntimeLoop> best = loops_.front();
  for (const auto& loop : loops_) {
    if (loop->envs().load() < best->envs().load()) best = loop;
  }
  return best;
}

}  // namespace swim::net
