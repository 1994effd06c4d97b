// net::Memberlist: posts every call onto the AsioEnv loop thread where the
// core lives, and turns the core's completion callbacks into blocking calls.
//
// Blocking calls wait on a Waiter that the core's callback completes. The
// core may never call back once it is shut down (its pending stream and
// timer callbacks are dropped with the Env's loop), so Shutdown() completes
// every outstanding Waiter itself with FailedPrecondition: no caller can be
// left waiting forever.
#include "net/memberlist.h"

#include <algorithm>
#include <set>
#include <utility>

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include "core/memberlist.h"
#include "core/security/keyring.h"
#include "core/status_macros.h"

#include "absl/strings/str_cat.h"

namespace swim::net {

namespace {

absl::Status ShutDownError() {
  return absl::FailedPreconditionError("memberlist is shut down");
}

bool IsPrivateV4(const IpAddress& ip) {
  if (!ip.is_v4()) return false;
  const auto b = ip.bytes();
  if (b[0] == 10) return true;                          // 10/8
  if (b[0] == 172 && (b[1] & 0xf0) == 16) return true;  // 172.16/12
  if (b[0] == 192 && b[1] == 168) return true;          // 192.168/16
  if (b[0] == 100 && (b[1] & 0xc0) == 64) return true;  // 100.64/10
  return false;
}

}  // namespace

std::optional<IpAddress> FirstPrivateIPv4() {
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<IpAddress> found;
  for (struct ifaddrs* it = list; it != nullptr && !found; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    if ((it->ifa_flags & IFF_UP) == 0 || (it->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    const auto* sin = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    const auto* p = reinterpret_cast<const uint8_t*>(&sin->sin_addr.s_addr);
    IpAddress ip = IpAddress::V4(p[0], p[1], p[2], p[3]);
    if (IsPrivateV4(ip)) found = ip;
  }
  freeifaddrs(list);
  return found;
}

absl::StatusOr<Address> ResolveAdvertiseAddress(const Config& config,
                                                uint16_t bound_port) {
  Address out;
  out.name = config.name;
  if (!config.advertise_addr.empty()) {
    std::optional<IpAddress> ip = IpAddress::Parse(config.advertise_addr);
    if (!ip) {
      return absl::InvalidArgumentError(
          absl::StrCat("failed to parse advertise address \"",
                       config.advertise_addr, "\": must be an IP literal"));
    }
    if (config.advertise_port < 0 || config.advertise_port > 65535) {
      return absl::InvalidArgumentError("advertise_port out of range");
    }
    out.ip = ip->Unmapped();
    out.port = config.advertise_port > 0
                   ? static_cast<uint16_t>(config.advertise_port)
                   : bound_port;
    return out;
  }
  std::optional<IpAddress> bind = IpAddress::Parse(config.bind_addr);
  if (!bind) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bind address \"", config.bind_addr, "\" is not an IP literal"));
  }
  if (bind->IsUnspecified()) {
    out.ip = FirstPrivateIPv4().value_or(IpAddress::V4(127, 0, 0, 1));
  } else {
    out.ip = bind->Unmapped();
  }
  out.port = bound_port;
  return out;
}

// One blocked caller. Completed once, under Memberlist::mu_.
struct Memberlist::Waiter {
  std::optional<absl::Status> status;
};

namespace {
// Names taken from the hostname by members of this process that are alive.
std::mutex g_hostname_names_mu;
std::set<std::string>& HostnameNames() {
  static auto* names = new std::set<std::string>();
  return *names;
}
}  // namespace

absl::StatusOr<std::unique_ptr<Memberlist>> Memberlist::Create(
    Config config, NetOptions options) {
  std::string hostname_claim;
  if (config.name.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
      return absl::InvalidArgumentError(
          "config.name is empty and the hostname is unavailable");
    }
    config.name = host;
    hostname_claim = config.name;
  }
  SWIM_RETURN_IF_ERROR(config.Validate());
  std::optional<IpAddress> bind_ip = IpAddress::Parse(config.bind_addr);
  if (!bind_ip) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bind address \"", config.bind_addr, "\" is not an IP literal"));
  }
  if (config.bind_port < 0 || config.bind_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bind port ", config.bind_port, " out of range"));
  }

  if (!hostname_claim.empty()) {
    // Two unnamed members in one process would both be called after the
    // host: each would take the other's messages as its own and neither
    // would ever list the other, while Join reports success.
    std::lock_guard<std::mutex> l(g_hostname_names_mu);
    if (!HostnameNames().insert(hostname_claim).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config.name is empty and another member of this process already "
          "took the hostname \"",
          hostname_claim,
          "\" as its name; give each member its own config.name"));
    }
  }
  auto ml = std::unique_ptr<Memberlist>(new Memberlist());
  ml->hostname_claim_ = hostname_claim;  // released by the destructor
  AsioEnvOptions eo;
  eo.bind_ip = *bind_ip;
  eo.bind_port = static_cast<uint16_t>(config.bind_port);
  eo.tcp_timeout = config.tcp_timeout;
  // The level is applied by the limiter, so SetLogLevel can change it.
  eo.min_log_level = LogLevel::kDebug;
  ml->log_limiter_ =
      std::make_shared<LogLimiter>(options.log_sink, options.log_limits);
  ml->log_limiter_->SetMinLevel(options.log_level);
  eo.log_sink = [limiter = ml->log_limiter_](LogLevel level,
                                             std::string_view message) {
    limiter->Log(level, message);
  };
  eo.udp_recv_buffer_bytes = options.udp_recv_buffer_bytes;
  eo.runtime = options.runtime;
  ml->runtime_ = options.runtime;
  ml->env_ = std::make_unique<AsioEnv>(std::move(eo));
  Memberlist* self = ml.get();
  if (absl::Status s = ml->env_->Start(); !s.ok()) {
    ml->env_->Stop();
    return absl::Status(s.code(),
                        absl::StrCat("cannot bind ", config.bind_addr, ":",
                                     config.bind_port, ": ", s.message()));
  }
  ml->bound_port_ = ml->env_->port();
  if (config.bind_port == 0) {
    // Go's newMemberlist stores the port it bound as both BindPort and
    // AdvertisePort (memberlist.go:175-180): the default port of a join
    // address, the push/pull and alive port fix-ups and an explicit
    // advertise_addr all use it.
    config.bind_port = ml->bound_port_;
    config.advertise_port = ml->bound_port_;
  }
  absl::StatusOr<Address> adv =
      ResolveAdvertiseAddress(config, ml->bound_port_);
  if (!adv.ok()) {
    ml->env_->Stop();
    return adv.status();
  }
  ml->advertise_ = *adv;
  ml->config_copy_ = config;

  absl::Status started;
  ml->env_->RunSync([&] {
    absl::StatusOr<std::unique_ptr<swim::Memberlist>> core =
        swim::Memberlist::Create(std::move(config), self->env_.get(),
                                 self->advertise_);
    if (!core.ok()) {
      started = core.status();
      return;
    }
    // What health checks read without waiting for the loop.
    (*core)->SetNumMembersObserver(
        [self](int n) { self->Publish(&self->num_members_, n); });
    (*core)->SetHealthScoreObserver(
        [self](int score) { self->Publish(&self->health_score_, score); });
    started = (*core)->Start();
    if (!started.ok()) return;
    self->core_ = std::move(*core);
    // Inbound traffic goes to the core from now on (until Shutdown);
    // before, the Env dropped it.
    self->env_->SetInbound(self->core_.get());
  });
  if (!started.ok()) {
    ml->env_->Stop();
    return started;
  }
  return ml;
}

Memberlist::~Memberlist() {
  Shutdown();
  if (!hostname_claim_.empty()) {
    std::lock_guard<std::mutex> l(g_hostname_names_mu);
    HostnameNames().erase(hostname_claim_);
  }
}

bool Memberlist::IsShutdown() const {
  std::lock_guard<std::mutex> l(mu_);
  return shutdown_ || shutting_down_;
}

void Memberlist::SetLogLevel(LogLevel level) {
  if (log_limiter_ != nullptr) log_limiter_->SetMinLevel(level);
}

void Memberlist::FlushLogs() {
  if (log_limiter_ != nullptr) log_limiter_->Flush();
}

uint64_t Memberlist::log_lines_suppressed() const {
  return log_limiter_ != nullptr ? log_limiter_->suppressed() : 0;
}

void Memberlist::Shutdown() {
  const bool on_loop = env_ != nullptr && env_->InLoopThread();
  bool first = false;
  {
    std::unique_lock<std::mutex> l(mu_);
    if (!shutting_down_) {
      shutting_down_ = true;
      first = true;
      num_members_.store(0, std::memory_order_release);  // as Members()
      health_score_.store(0, std::memory_order_release);
    } else if (!on_loop) {
      cv_.wait(l, [this] { return shutdown_; });
    }
  }
  if (first) {
    // Stops the protocol; inline if we are the loop thread (a delegate).
    if (env_ != nullptr) env_->RunSync([this] { DestroyCore(); });
    std::lock_guard<std::mutex> l(mu_);
    for (auto& w : waiters_) {
      if (!w->status) w->status = ShutDownError();
    }
    shutdown_ = true;
    cv_.notify_all();
  }
  {
    std::unique_lock<std::mutex> l(mu_);
    // The loop thread cannot join itself: the destructor (or a later call
    // from another thread) stops the Env.
    if (on_loop || env_ == nullptr || env_stopped_) return;
    if (stopping_env_) {
      cv_.wait(l, [this] { return env_stopped_; });
      return;
    }
    stopping_env_ = true;
  }
  // Where RunSync above was refused (a call from another Runtime loop), the
  // core is still here. It must go on its own loop: on a Runtime it shares
  // that loop's interners with the other members there.
  env_->Stop([this] { DestroyCore(); });
  std::lock_guard<std::mutex> l(mu_);
  env_stopped_ = true;
  cv_.notify_all();
}

void Memberlist::DestroyCore() {
  if (core_ == nullptr) return;
  env_->SetInbound(nullptr);
  core_->Shutdown();
  core_.reset();
}

bool Memberlist::OnLoop(
    const std::function<void(swim::Memberlist&)>& fn) const {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (shutting_down_) return false;
  }
  bool ran = false;
  env_->RunSync([&] {
    if (core_ != nullptr) {
      fn(*core_);
      ran = true;
    }
  });
  return ran;
}

absl::Status Memberlist::CheckCallable() const {
  // On a Runtime, a loop thread must not wait for another loop either.
  if (env_->InLoopThread() || (runtime_ != nullptr && OnNetLoopThread())) {
    return absl::FailedPreconditionError(
        "blocking memberlist call from the loop thread (a delegate); post it "
        "to another thread");
  }
  return absl::OkStatus();
}

absl::Status Memberlist::Await(
    const std::function<void(swim::Memberlist&,
                             std::function<void(absl::Status)>)>& op) {
  SWIM_RETURN_IF_ERROR(CheckCallable());
  auto w = std::make_shared<Waiter>();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (shutting_down_) return ShutDownError();
    waiters_.push_back(w);
  }
  auto complete = [this, w](absl::Status s) {
    // The waiting thread gets a Status rep of its own (and takes it out of
    // the Waiter, below): the loop may still hold copies of `s` and the
    // Waiter after the caller has returned, and a shared rep is freed by
    // whichever thread drops it last, through a reference count inside
    // absl that tsan cannot see (Debian's absl is not instrumented):
    // correct, but reported as a race (swimd_test under --config=tsan, 1
    // run in 3 before).
    absl::Status own =
        s.ok() ? absl::OkStatus() : absl::Status(s.code(), s.message());
    std::lock_guard<std::mutex> l(mu_);
    if (!w->status) w->status = std::move(own);
    cv_.notify_all();
  };
  if (!OnLoop([&](swim::Memberlist& core) { op(core, complete); })) {
    complete(ShutDownError());
  }
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return w->status.has_value(); });
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), w));
  // Moved out, not copied: the loop may free the Waiter after we return.
  absl::Status result = std::move(*w->status);
  return result;
}

absl::StatusOr<int> Memberlist::Join(const std::vector<std::string>& seeds) {
  auto count = std::make_shared<int>(0);
  absl::Status s = Await(
      [&](swim::Memberlist& core, std::function<void(absl::Status)> done) {
        core.Join(seeds, [count, done](int contacted, absl::Status st) {
          *count = contacted;
          done(std::move(st));
        });
      });
  // As Go (memberlist.go:274-277): any success clears the per-seed errors,
  // so the error comes only when no seed answered.
  if (!s.ok()) return s;
  return *count;
}

absl::Status Memberlist::Leave(absl::Duration timeout) {
  return Await(
      [&](swim::Memberlist& core, std::function<void(absl::Status)> done) {
        core.Leave(timeout, std::move(done));
      });
}

absl::Status Memberlist::UpdateNode(absl::Duration timeout) {
  return Await(
      [&](swim::Memberlist& core, std::function<void(absl::Status)> done) {
        core.UpdateNode(timeout, std::move(done));
      });
}

absl::Status Memberlist::SendReliable(const std::string& node,
                                      std::string_view msg) {
  return Await(
      [&](swim::Memberlist& core, std::function<void(absl::Status)> done) {
        core.SendReliable(node, msg, std::move(done));
      });
}

absl::StatusOr<absl::Duration> Memberlist::Ping(const std::string& node,
                                                const Address& addr) {
  auto rtt = std::make_shared<absl::Duration>();
  absl::Status s = Await(
      [&](swim::Memberlist& core, std::function<void(absl::Status)> done) {
        core.Ping(node, addr, [rtt, done](absl::StatusOr<absl::Duration> r) {
          if (r.ok()) *rtt = *r;
          done(r.status());
        });
      });
  if (!s.ok()) return s;
  return *rtt;
}

absl::Status Memberlist::SendBestEffort(const std::string& node,
                                        std::string_view msg) {
  absl::Status s = ShutDownError();
  OnLoop([&](swim::Memberlist& core) { s = core.SendBestEffort(node, msg); });
  return s;
}

absl::Status Memberlist::SendToAddress(const Address& to,
                                       std::string_view msg) {
  absl::Status s = ShutDownError();
  OnLoop([&](swim::Memberlist& core) { s = core.SendToAddress(to, msg); });
  return s;
}

std::vector<Node> Memberlist::Members() const {
  std::vector<Node> out;
  OnLoop([&](swim::Memberlist& core) { out = core.Members(); });
  return out;
}

void Memberlist::Publish(std::atomic<int>* cell, int value) {
  // Shutdown's 0 stands: the core may still change on its way down.
  std::lock_guard<std::mutex> l(mu_);
  if (!shutting_down_) cell->store(value, std::memory_order_release);
}

int Memberlist::NumMembers() const {
  // No loop round trip: a health check polling a busy member must not wait
  // behind its queue (Go's NumMembers takes only a read lock). The core
  // publishes each change before any completion it causes runs, so a call
  // after Join returns sees what the join brought; from Shutdown on, the
  // count is 0, as Members() is empty.
  return num_members_.load(std::memory_order_acquire);
}

Node Memberlist::LocalNode() const {
  Node n;
  OnLoop([&](swim::Memberlist& core) { n = core.LocalNode(); });
  return n;
}

int Memberlist::GetHealthScore() const {
  // As NumMembers: published by the core on each change (swimd's
  // /v1/health must not time out because the loop is busy).
  return health_score_.load(std::memory_order_acquire);
}

uint8_t Memberlist::ProtocolVersion() const {
  return config_copy_.protocol_version;
}

namespace {

// Runs one keyring mutation; the core reads the keyring on every packet, so
// this must happen on the loop thread.
absl::Status WithKeyring(
    swim::Memberlist& core,
    const std::function<absl::Status(security::Keyring&)>& fn) {
  const std::shared_ptr<security::Keyring>& ring = core.config().keyring;
  if (ring == nullptr) {
    return absl::FailedPreconditionError(
        "encryption is not configured (no secret_key / keyring at Create)");
  }
  return fn(*ring);
}

}  // namespace

absl::Status Memberlist::AddKey(std::string_view key) {
  SWIM_RETURN_IF_ERROR(CheckCallable());
  absl::Status s = ShutDownError();
  OnLoop([&](swim::Memberlist& core) {
    s = WithKeyring(core, [&](security::Keyring& r) { return r.AddKey(key); });
  });
  return s;
}

absl::Status Memberlist::UseKey(std::string_view key) {
  SWIM_RETURN_IF_ERROR(CheckCallable());
  absl::Status s = ShutDownError();
  OnLoop([&](swim::Memberlist& core) {
    s = WithKeyring(core, [&](security::Keyring& r) { return r.UseKey(key); });
  });
  return s;
}

absl::Status Memberlist::RemoveKey(std::string_view key) {
  SWIM_RETURN_IF_ERROR(CheckCallable());
  absl::Status s = ShutDownError();
  OnLoop([&](swim::Memberlist& core) {
    s = WithKeyring(core,
                    [&](security::Keyring& r) { return r.RemoveKey(key); });
  });
  return s;
}

absl::StatusOr<std::vector<std::string>> Memberlist::GetKeys() const {
  absl::StatusOr<std::vector<std::string>> out = ShutDownError();
  OnLoop([&](swim::Memberlist& core) {
    const auto& ring = core.config().keyring;
    if (ring == nullptr) {
      out = absl::FailedPreconditionError("encryption is not configured");
    } else {
      out = ring->GetKeys();
    }
  });
  return out;
}

std::optional<Node> Memberlist::PickWeighted() {
  std::optional<Node> n;
  OnLoop([&](swim::Memberlist& core) { n = core.PickWeighted(); });
  return n;
}

AsioEnvCounters Memberlist::TransportCounters() const {
  return env_->counters();
}

Metrics Memberlist::GetMetrics() const {
  Metrics m;
  OnLoop([&](swim::Memberlist& core) {
    m = core.metrics();
    m.SetGauge("memberlist.health.score", core.GetHealthScore());
    m.SetGauge("memberlist.members", core.NumMembers());
    m.SetGauge("memberlist.est_num_nodes", core.EstNumNodes());
  });
  const AsioEnvCounters c = env_->counters();
  m.Incr("net.udp.packets_received", c.udp_packets_received);
  m.Incr("net.udp.bytes_received", c.udp_bytes_received);
  m.Incr("net.udp.receive_errors", c.udp_receive_errors);
  m.Incr("net.udp.packets_sent", c.udp_packets_sent);
  m.Incr("net.udp.bytes_sent", c.udp_bytes_sent);
  m.Incr("net.udp.send_errors", c.udp_send_errors);
  m.Incr("net.tcp.accepted", c.tcp_accepted);
  m.Incr("net.tcp.accept_errors", c.tcp_accept_errors);
  m.Incr("net.tcp.rejected", c.tcp_rejected);
  m.Incr("net.tcp.inbound_messages", c.tcp_inbound_messages);
  m.Incr("net.tcp.inbound_errors", c.tcp_inbound_errors);
  m.Incr("net.stream.exchanges_ok", c.stream_exchanges_ok);
  m.Incr("net.stream.exchanges_failed", c.stream_exchanges_failed);
  m.Incr("net.timers_fired", c.timers_fired);
  m.Incr("net.resolve_errors", c.resolve_errors);
  return m;
}

// ---------------------------------------------------------------------------
// ChannelEventDelegate
// ---------------------------------------------------------------------------

std::string_view NodeEventTypeName(NodeEventType t) {
  switch (t) {
    case NodeEventType::kJoin:
      return "join";
    case NodeEventType::kLeave:
      return "leave";
    case NodeEventType::kUpdate:
      return "update";
    case NodeEventType::kWeight:
      return "weight";
    case NodeEventType::kSuspect:
      return "suspect";
  }
  return "unknown";
}

ChannelEventDelegate::ChannelEventDelegate(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)) {}

void ChannelEventDelegate::Push(NodeEventType type, const Node& node) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back(NodeEvent{type, node});
  }
  cv_.notify_one();
}

std::optional<NodeEvent> ChannelEventDelegate::Pop(absl::Duration timeout) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(
      l, absl::ToChronoNanoseconds(std::max(timeout, absl::ZeroDuration())),
      [this] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return std::nullopt;
  NodeEvent e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

std::optional<NodeEvent> ChannelEventDelegate::TryPop() {
  return Pop(absl::ZeroDuration());
}

void ChannelEventDelegate::Close() {
  {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

size_t ChannelEventDelegate::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size();
}

uint64_t ChannelEventDelegate::dropped() const {
  std::lock_guard<std::mutex> l(mu_);
  return dropped_;
}

}  // namespace swim::net
