// net::Memberlist: the thread-safe public API of one cluster member on real
// UDP/TCP sockets, mirroring Go memberlist's *Memberlist (and the go-doudou
// fork's IMemberlist).
//
//   swim::Config c = swim::DefaultLANConfig();
//   c.name = "node-1";
//   c.bind_port = 0;                       // let the kernel pick a port
//   auto ml = swim::net::Memberlist::Create(std::move(c));
//   if (!ml.ok()) ...;
//   absl::StatusOr<int> n = (*ml)->Join({"10.0.0.7:7946"});
//   for (const swim::Node& m : (*ml)->Members()) ...;
//   (*ml)->Leave(absl::Seconds(5));
//   (*ml)->Shutdown();
//
// THREADING. Each instance owns one net::AsioEnv and therefore ONE loop
// thread (its own, or with NetOptions::runtime one shared with other
// members, net/runtime.h), on which the protocol core (core::Memberlist)
// lives. Every public
// method may be called from any thread other than that loop thread: it posts
// the call onto the loop and BLOCKS until the loop has done it (and, for
// Join/Leave/UpdateNode/SendReliable/Ping, until the operation completed),
// as Go's API blocks.
//
// !!! DELEGATES RUN ON THE LOOP THREAD. Every hook in the Config (Delegate,
// !!! EventDelegate, ConflictDelegate, MergeDelegate, PingDelegate,
// !!! AliveDelegate) is called on this instance's loop thread, synchronously
// !!! from inside protocol handlers. A hook that blocks stalls failure
// !!! detection for this node. A hook must not call the blocking methods of
// !!! this class (Join, Leave, UpdateNode, SendReliable, Ping, key
// !!! operations): they would wait for the very thread they run on, so they
// !!! fail at once with FailedPrecondition instead. Queries (Members,
// !!! LocalNode, NumMembers, ...) made from a hook run inline. To react to
// !!! events from your own threads, use ChannelEventDelegate below.
// !!! With NetOptions::runtime, a hook runs on a loop thread shared with
// !!! other members: it must not call blocking methods of ANY member of
// !!! that Runtime (FailedPrecondition), queries of members on another
// !!! loop are refused (they return empty values), and it must not call
// !!! Shutdown() of a member on another loop.
//
// LIFETIME. Create() binds the sockets, starts the loop thread and the
// protocol. Shutdown() (also run by the destructor) stops the protocol
// WITHOUT telling anyone (peers will detect a failure: call Leave() first
// for a graceful exit), closes the sockets and joins the loop thread. It is
// idempotent and may be called from any thread except the loop thread; calls
// blocked in other threads return FailedPrecondition. Every call after
// Shutdown() fails with FailedPrecondition (queries return empty values).
// Several instances per process are independent.
//
// Delegates and the keyring in the Config are not owned and must outlive
// the instance (until Shutdown() has returned).
#ifndef SWIM_NET_MEMBERLIST_H_
#define SWIM_NET_MEMBERLIST_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/config.h"
#include "core/delegate.h"
#include "core/env.h"
#include "core/metrics.h"
#include "core/node.h"

#include "net/asio_env.h"
#include "net/log_limiter.h"

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace swim {
class Memberlist;
}

namespace swim::net {

// Knobs of the real-network home that Go keeps outside its Config (its
// Logger / LogOutput).
struct NetOptions {
  // Log lines below this level are dropped.
  LogLevel log_level = LogLevel::kWarn;
  // Default: "[LEVEL] message" on stderr. Called on the loop thread.
  LogSink log_sink;
  // Bytes to ask for as the UDP socket receive buffer.
  int udp_recv_buffer_bytes = 2 * 1024 * 1024;
  // Rate limit in front of log_sink (net/log_limiter.h): repeated lines
  // beyond the limits are counted and summarised, so a hostile peer cannot
  // flood the logs. enabled = false passes every line.
  LogLimits log_limits;
  // Share a loop thread of this Runtime (net/runtime.h) with other members
  // instead of owning a thread. Not owned: it must outlive the member.
  // Null (the default): the member runs on a loop thread of its own.
  Runtime* runtime = nullptr;
};

// What Go's Memberlist.Create does before starting: fills config.name from
// the OS hostname if empty; returns the address to advertise given the
// bound port (see Create). Exposed for tests and swimd.
absl::StatusOr<Address> ResolveAdvertiseAddress(const Config& config,
                                                uint16_t bound_port);
// The first private (RFC 1918 / RFC 6598) IPv4 address of an up, non-
// loopback interface, or nullopt.
std::optional<IpAddress> FirstPrivateIPv4();

class Memberlist {
 public:
  // Builds and starts a node:
  //  * config.name empty -> the OS hostname (as Go). Only one member of a
  //    process may take its name that way: a second unnamed member fails
  //    with InvalidArgument (two members with one name never see each
  //    other, though Join reports success); name them.
  //  * binds UDP and TCP on config.bind_addr (an IP literal) and
  //    config.bind_port (0: the kernel picks a free port for both).
  //  * advertises config.advertise_addr:advertise_port if advertise_addr is
  //    set (advertise_port 0 means the bound port); else the bound address
  //    and port; when bound to 0.0.0.0 / ::, the first private IPv4 of the
  //    machine's interfaces, else 127.0.0.1. IPv4 is always advertised in the
  //    4-byte form, so peers see one consistent address for us.
  // Errors: InvalidArgument for a bad config or bind address, the socket
  // error (e.g. "address in use") if binding fails. Nothing stays open on
  // error.
  static absl::StatusOr<std::unique_ptr<Memberlist>> Create(
      Config config, NetOptions options = {});

  // Runs Shutdown().
  ~Memberlist();
  Memberlist(const Memberlist&) = delete;
  Memberlist& operator=(const Memberlist&) = delete;

  // Push/pull state exchange (join) with each seed ("[name/]host[:port]",
  // default port 7946); blocks until every seed answered or failed.
  // Returns how many seeds were contacted; an error if none was.
  absl::StatusOr<int> Join(const std::vector<std::string>& seeds);

  // Broadcasts our departure and waits until it was sent (at most
  // `timeout`: then DeadlineExceeded; the leave still proceeds). Does not
  // shut down: call Shutdown() afterwards.
  absl::Status Leave(absl::Duration timeout);

  // Stops the protocol, closes sockets, joins the loop thread. Idempotent;
  // concurrent callers return once it is done. Called from a delegate (the
  // loop thread) it stops the protocol at once, and the sockets and thread
  // are released by the destructor.
  void Shutdown();
  bool IsShutdown() const;

  // Alive and suspect members, ourselves included. Empty after Shutdown.
  std::vector<Node> Members() const;
  // Never waits for the loop: the core publishes the count on each change.
  // 0 from Shutdown on.
  int NumMembers() const;
  // Our own node (nullopt-like default Node after Shutdown).
  Node LocalNode() const;
  // Re-reads Delegate::NodeMeta and gossips it; waits like Leave.
  absl::Status UpdateNode(absl::Duration timeout);

  // A user message to a known member: one UDP packet (best effort), or over
  // a TCP stream (blocks until written or failed). NotFound for an unknown
  // member.
  absl::Status SendBestEffort(const std::string& node, std::string_view msg);
  absl::Status SendReliable(const std::string& node, std::string_view msg);
  // A user message in one UDP packet to any address.
  absl::Status SendToAddress(const Address& to, std::string_view msg);

  // One UDP ping of `node` at `addr`; the round-trip time, or NotFound
  // ("no response") after the probe timeout.
  absl::StatusOr<absl::Duration> Ping(const std::string& node,
                                      const Address& addr);

  // Lifeguard's local health score (0 = healthy).
  int GetHealthScore() const;
  uint8_t ProtocolVersion() const;
  // The address peers reach us on (fixed at Create).
  IpAddress AdvertiseAddr() const { return advertise_.ip; }
  uint16_t AdvertisePort() const { return advertise_.port; }
  Address AdvertiseAddress() const { return advertise_; }
  // The locally bound port (differs from AdvertisePort only with an
  // explicit advertise address).
  uint16_t BoundPort() const { return bound_port_; }

  // Keyring operations (memberlist's KeyManager, applied locally), run on
  // the loop thread. FailedPrecondition if the node was created without
  // encryption (no secret_key and no keyring), as Go's keyring is nil then.
  absl::Status AddKey(std::string_view key);
  absl::Status UseKey(std::string_view key);
  absl::Status RemoveKey(std::string_view key);
  // Installed keys, primary first.
  absl::StatusOr<std::vector<std::string>> GetKeys() const;

  // go-doudou fork: smooth weighted round-robin over alive members.
  std::optional<Node> PickWeighted();

  // A copy of the protocol's counters/gauges/timings (Go's metric names),
  // with the transport's counters added as "net.*" counters.
  Metrics GetMetrics() const;
  AsioEnvCounters TransportCounters() const;
  // Writes the log limiter's summaries of suppressed lines for a window
  // that is over (they are otherwise written before the next log line, and
  // at Shutdown). Lines suppressed so far: log_lines_suppressed().
  void FlushLogs();
  // Changes NetOptions::log_level at runtime. Thread-safe.
  void SetLogLevel(LogLevel level);
  uint64_t log_lines_suppressed() const;

 private:
  struct Waiter;
  Memberlist() = default;

  // Runs fn on the loop with the core; false if shut down.
  bool OnLoop(const std::function<void(swim::Memberlist&)>& fn) const;
  // Blocking-operation plumbing: starts `op` on the loop and waits for the
  // status it reports (or for Shutdown).
  absl::Status Await(
      const std::function<void(swim::Memberlist&,
                               std::function<void(absl::Status)>)>& op);
  absl::Status CheckCallable() const;
  // Loop thread: stops the core (if any) and destroys it.
  void DestroyCore();
  // Stores a value the core reports (loop thread), unless shutting down.
  void Publish(std::atomic<int>* cell, int value);

  std::shared_ptr<LogLimiter> log_limiter_;  // shared with env_'s sink
  std::string hostname_claim_;  // our name, when it came from the hostname
  std::unique_ptr<AsioEnv> env_;
  Runtime* runtime_ = nullptr;  // not owned; null: env_ has its own thread
  // Loop thread only; null after Shutdown.
  std::unique_ptr<swim::Memberlist> core_;
  Address advertise_;
  uint16_t bound_port_ = 0;
  Config config_copy_;  // for ProtocolVersion etc. without the loop

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_env_ ABSL_GUARDED_BY(mu_) = false;
  bool env_stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<Waiter>> waiters_ ABSL_GUARDED_BY(mu_);
  // The core's NumMembers() and GetHealthScore(), published by its
  // observers (loop thread) through Publish.
  std::atomic<int> num_members_{0};
  std::atomic<int> health_score_{0};
};

// The kinds of event a ChannelEventDelegate delivers.
enum class NodeEventType : uint8_t {
  kJoin,
  kLeave,
  kUpdate,
  kWeight,   // fork: gossiped weight changed
  kSuspect,  // fork: alive -> suspect or suspect -> alive (see node.state)
};
std::string_view NodeEventTypeName(NodeEventType t);

struct NodeEvent {
  NodeEventType type;
  Node node;  // a copy, taken when the event happened
};

// The fork's ChannelEventDelegate: membership events go into a bounded,
// thread-safe queue that other threads Pop() from. Put its address in
// Config::events.
//
// WHEN FULL, THE OLDEST EVENT IS DROPPED (and counted in dropped()): the
// protocol's loop thread must never block on a slow consumer (Go's channel
// version blocks memberlist itself), and the newest events carry the most
// recent state of each node. A consumer that sees dropped() grow should
// resynchronise from Members().
class ChannelEventDelegate final : public EventDelegate {
 public:
  explicit ChannelEventDelegate(size_t capacity = 1024);

  // Waits up to `timeout` for an event; nullopt on timeout or after Close()
  // once the queue is empty.
  std::optional<NodeEvent> Pop(absl::Duration timeout);
  std::optional<NodeEvent> TryPop();
  // Wakes every waiter; later events are still queued but Pop no longer
  // waits.
  void Close();

  size_t size() const;
  size_t capacity() const { return capacity_; }
  uint64_t dropped() const;

  // EventDelegate (called on the loop thread).
  void NotifyJoin(const Node& node) override {
    Push(NodeEventType::kJoin, node);
  }
  void NotifyLeave(const Node& node) override {
    Push(NodeEventType::kLeave, node);
  }
  void NotifyUpdate(const Node& node) override {
    Push(NodeEventType::kUpdate, node);
  }
  void NotifyWeight(const Node& node) override {
    Push(NodeEventType::kWeight, node);
  }
  void NotifySuspectSateChange(const Node& node) override {
    Push(NodeEventType::kSuspect, node);
  }

 private:
  void Push(NodeEventType type, const Node& node);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<NodeEvent> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace swim::net

#endif  // SWIM_NET_MEMBERLIST_H_
