// sim::World: a deterministic discrete-event world of simulated nodes.
//
// One thread, one virtual clock (swim::Instant, integer nanoseconds, starts
// at 0), one event queue, one master seed. Nodes are added with AddNode; each
// gets a SimEnv (its swim::Env) and an address, and the harness registers a
// Host (the node's inbound side, e.g. an adapter around core::Memberlist)
// with SetHost. Datagrams and stream exchanges between nodes go through the
// network model (sim/network.h) as opaque byte buffers: the World never
// parses a message.
//
// Driving: Step() runs one event; RunFor/RunUntil run every event due up to a
// time and then set the clock to that time; RunUntilIdle runs until nothing
// is pending; RunUntil(pred, deadline) stops as soon as pred() holds.
// Events with equal deadlines run in the order they were scheduled.
//
// Determinism: every random decision comes from the World's Rng (network
// sampling) or a node's Rng (SimEnv::Random), all derived from the seed, and
// nothing iterates a hash-ordered container. Every delivered or dropped
// packet, stream step, timer firing and fault is folded into trace_hash(), a
// rolling 64-bit hash of the trace record's fields (the same whether or not
// a text sink is set); with a sink each record is also written as one text
// line. Log lines from SimEnv::Log go to the sink only (not the hash, so the
// log level does not change it). Same seed and same binary -> same hash.
//
// Datagrams: the sender's egress queue (bandwidth), partitions and loss are
// decided when a packet is sent (one already in flight when a partition
// starts still arrives); the receiver's state is checked on arrival (crashed
// -> dropped, paused -> held until resume). Every drop is counted per node
// and cause and, optionally, logged with its cause (drop_log()).
//
// Streams (SimEnv::StreamExchange) are modelled as whole messages, never
// parsed or framed: the request reaches the server's Host::HandleStream one
// one-way latency (+ transfer time at the sender's bandwidth) after the
// call; with kMessage the reply reaches the client one more one-way latency
// later (so one RTT + transfer); with kNone the client completes when the
// request is delivered. Failures: destination unknown or partitioned in
// either direction -> kUnavailable at min(connect_timeout, timeout);
// destination crashed -> kUnavailable after one RTT ("refused"); server
// crashed before the request arrives, link reset (LinkParams::stream_reset)
// or server returning nullopt -> kAborted; reply lost to a partition or a
// paused server -> kDeadlineExceeded at the timeout. The callback runs
// exactly once, on the client's side of the event loop, unless the client
// crashes first (then it is dropped, as a destroyed Env would drop it).
// Streams do not use the egress packet queue and are not subject to loss.
//
// No process-wide state: many Worlds may exist in one process (each used
// from one thread at a time).
//
// Ownership: the World owns the SimEnvs and the network; the harness owns
// Hosts and must keep each registered Host alive until it is replaced
// (SetHost), or the node crashes, or the World is destroyed.
#ifndef SWIM_SIM_WORLD_H_
#define SWIM_SIM_WORLD_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/address.h"
#include "core/env.h"
#include "core/interner.h"
#include "core/rng.h"
#include "core/time.h"

#include "sim/event_queue.h"
#include "sim/host.h"
#include "sim/network.h"
#include "sim/sim_env.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace sim {

enum class DropCause : uint8_t {
  kLoss,       // random loss on the link
  kPartition,  // partition, isolation or one-way block
  kCrash,      // receiver crashed (or had no host) when the packet arrived
  kQueue,      // sender's egress queue full (bandwidth limit)
  kNoRoute,    // no node has the destination address
};
inline constexpr size_t kNumDropCauses = 5;
std::string_view DropCauseName(DropCause cause);

enum class NodeState : uint8_t { kUp, kPaused, kCrashed };

// Per-node accounting. Packets count datagrams; streams count exchanges.
struct NodeStats {
  uint64_t packets_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t packets_received = 0;
  uint64_t bytes_received = 0;
  uint64_t streams_opened = 0;    // as client
  uint64_t streams_accepted = 0;  // as server (request delivered)
  uint64_t streams_failed = 0;    // as client, done ran with an error
  uint64_t stream_bytes_sent = 0;
  uint64_t stream_bytes_received = 0;
  uint64_t timers_fired = 0;
  // Packets this node sent that were dropped, by cause.
  std::array<uint64_t, kNumDropCauses> drops_out{};
  // Packets addressed to this node that were dropped, by cause.
  std::array<uint64_t, kNumDropCauses> drops_in{};
};

// Ground truth for "why did this message not arrive".
struct DropRecord {
  swim::Instant at;
  NodeId from;
  NodeId to;  // kWorldOwner for kNoRoute
  DropCause cause;
  bool stream;  // a stream leg rather than a datagram
  uint32_t bytes;
};

enum class FaultKind : uint8_t {
  kCrash,
  kRestart,
  kPause,
  kResume,
  kClock,      // drift change or clock step
  kPartition,  // any partition / isolation / one-way block
  kHeal,
  kLinkChange,
};
std::string_view FaultKindName(FaultKind kind);

struct FaultRecord {
  swim::Instant at;
  FaultKind kind;
  NodeId node;  // kWorldOwner for network-wide faults
};

struct WorldOptions {
  uint64_t seed = 1;
  // UnixMillis() of every node at virtual time 0 (plus its clock offset).
  int64_t unix_epoch_ms = 1'700'000'000'000;
  // How long a stream connect to an unreachable address takes to fail.
  absl::Duration connect_timeout = absl::Seconds(10);
  // Delay of a Resolve answer.
  absl::Duration resolve_delay = absl::ZeroDuration();
  // SimEnv::Log lines below this level are discarded.
  swim::LogLevel log_level = swim::LogLevel::kInfo;
  // Keep the DropRecord log (costs memory in long lossy runs).
  bool record_drops = true;
  // Datagrams a paused node can hold (its socket receive buffer), in bytes;
  // datagrams beyond it are dropped (DropCause::kQueue). 0: unlimited.
  uint64_t paused_rx_buffer_bytes = 0;
};

class World {
 public:
  explicit World(uint64_t seed);
  explicit World(const WorldOptions& options);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  uint64_t seed() const { return options_.seed; }
  const WorldOptions& options() const { return options_; }

  // ---------------- Nodes ----------------

  // Adds a node with an allocated address 10.b.c.d:7946 (distinct per
  // index). Returns its index (0, 1, 2, ...).
  NodeId AddNode();
  // Adds a node at `address`. REQUIRES: no other node has that ip:port.
  NodeId AddNode(const swim::Address& address);
  size_t num_nodes() const { return nodes_.size(); }

  SimEnv& env(NodeId node) { return *nodes_[node].env; }
  const swim::Address& address(NodeId node) const {
    return nodes_[node].address;
  }
  // The node bound to ip:port (name ignored), if any.
  std::optional<NodeId> FindNode(const swim::Address& address) const;
  // Registers the inbound side of `node` (nullptr: node receives nothing;
  // packets to it count as kCrash drops).
  void SetHost(NodeId node, Host* host) { nodes_[node].host = host; }
  Host* host(NodeId node) const { return nodes_[node].host; }
  NodeState state(NodeId node) const { return nodes_[node].state; }
  const NodeStats& stats(NodeId node) const { return nodes_[node].stats; }
  // Sum of every node's stats (e.g. for msgs/bytes per node per second).
  NodeStats TotalStats() const;

  // Name table for SimEnv::Resolve.
  void AddName(const std::string& host, std::vector<swim::IpAddress> ips);

  // ---------------- Clock and driving ----------------

  swim::Instant Now() const { return now_; }

  // World-level events (scenario actions, test hooks). Run on the World
  // thread; never deferred by node pauses.
  EventId At(swim::Instant when, std::string_view label,
             std::function<void()> fn);
  EventId After(absl::Duration delay, std::string_view label,
                std::function<void()> fn);
  bool CancelEvent(EventId id) { return queue_.Cancel(id); }

  // Runs the earliest pending event (advancing the clock to its deadline).
  // Returns false if nothing is pending.
  bool Step();
  // Runs every event due at or before Now() + d, then sets Now() to that.
  void RunFor(absl::Duration d);
  // Runs every event due at or before `t`, then sets Now() to max(Now(), t).
  void RunUntil(swim::Instant t);
  // Runs until no event is pending (events parked by paused nodes do not
  // count) or `max_events` ran. Returns the number of events run.
  uint64_t RunUntilIdle(uint64_t max_events = UINT64_MAX);
  // Runs events until pred() is true (checked before the first and after
  // every event) or the next event is after `deadline` (then Now() becomes
  // `deadline`). Returns the final value of pred().
  bool RunUntil(const std::function<bool()>& pred, swim::Instant deadline);

  uint64_t events_processed() const { return events_processed_; }
  size_t pending_events() const { return queue_.size(); }

  // ---------------- Faults ----------------

  // The node stops: it receives nothing (in-flight packets to it are dropped
  // on arrival, stream requests to it fail), its timers and pending
  // callbacks are dropped, anything it sends is discarded. The harness may
  // destroy its Host after this returns.
  void Crash(NodeId node);
  // Moves a crashed node to a fresh address (172.16.0.1:7946, 172.16.0.2,
  // ..., skipping any address in use) and returns it. From now on its old
  // address has no route: packets and streams sent to it are kNoRoute
  // drops, and those already in flight to it are dropped on arrival (as
  // kNoRoute) instead of reaching the node's next process. Traced as a note.
  // REQUIRES: the node is crashed.
  const swim::Address& MoveAddress(NodeId node);
  // How often `node` has moved (0: it still has its first address).
  uint32_t address_generation(NodeId node) const {
    return nodes_[node].addr_gen;
  }
  // Brings a crashed node back: state kUp, then calls the restart hook,
  // which is expected to create a new core on env(node) and SetHost it.
  using RestartHook = std::function<void(NodeId)>;
  void SetRestartHook(RestartHook hook) { restart_hook_ = std::move(hook); }
  void Restart(NodeId node);
  // A paused node runs nothing: its due timers, deliveries and callbacks
  // wait and run on Resume (late, in their original order), like a long GC
  // pause. Senders see nothing unusual (stream requests to it may time out).
  void Pause(NodeId node);
  void Resume(NodeId node);
  // Sets the node clock's rate error in parts per million (e.g. +100 runs
  // fast). Takes effect from now on; the clock stays continuous.
  void SetClockDrift(NodeId node, int64_t ppm);
  // Steps the node's clock forward by `jump` (>= 0; monotonic clocks never
  // go back).
  void StepClock(NodeId node, absl::Duration jump);
  // What the node's CpuIdlePercent() returns from now on.
  void SetCpuIdle(NodeId node, std::optional<double> percent);
  // While on, streams served by `node` stall after their request is
  // delivered: its Host still sees the request, but no reply (or reset)
  // ever goes back, so a client that asked for a reply times out. Models a
  // peer that accepts connections and then never answers (slow-loris
  // server). Not a fault record; traced as a note.
  void SetStreamStall(NodeId node, bool stall);
  bool stream_stall(NodeId node) const { return nodes_[node].stall_streams; }

  // Partitions (see Network for semantics); recorded as faults.
  void Partition(const std::vector<std::vector<NodeId>>& groups);
  void SplitBrain();
  void Isolate(NodeId node);
  void Unisolate(NodeId node);
  void BlockOneWay(const std::vector<NodeId>& from,
                   const std::vector<NodeId>& to);
  void Heal();

  // Link parameters and bandwidth (direct access; changes are not traced
  // unless made through NoteLinkChange).
  Network& network() { return network_; }
  void NoteLinkChange() { RecordFault(FaultKind::kLinkChange, kWorldOwner); }

  // ---------------- Trace and accounting ----------------

  // Receives every trace line (no trailing newline). Empty: no text.
  using TraceSink = std::function<void(std::string_view line)>;
  void SetTraceSink(TraceSink sink) { sink_ = std::move(sink); }
  uint64_t trace_hash() const { return trace_hash_; }
  // Adds a harness-defined record to the trace (and the hash).
  void TraceNote(std::string_view text);

  // Every drop in time order (when WorldOptions::record_drops).
  const std::vector<DropRecord>& drop_log() const { return drops_; }
  // The drops with `node` as sender or receiver in [since, until].
  std::vector<DropRecord> DropsInvolving(NodeId node, swim::Instant since,
                                         swim::Instant until) const;
  const std::vector<FaultRecord>& fault_log() const { return faults_; }

  // The World's own random stream (network sampling). Harnesses may draw
  // from it for scenario choices; that changes later network draws.
  swim::Rng& rng() { return rng_; }

  // Member names and attributes interned once for every node of the world
  // (SimEnv::SharedInterners): memory only, never behaviour.
  const std::shared_ptr<swim::Interners>& interners() const {
    return interners_;
  }

 private:
  friend class SimEnv;

  struct Node {
    swim::Address address;
    Host* host = nullptr;
    std::unique_ptr<SimEnv> env;
    NodeState state = NodeState::kUp;
    uint32_t epoch = 1;
    // Bumped by MoveAddress; packets and stream requests carry the
    // generation they were addressed to (in Event::epoch).
    uint32_t addr_gen = 0;
    bool stall_streams = false;
    std::vector<EventId> parked;    // events deferred while paused
    uint64_t parked_rx_bytes = 0;   // datagram bytes among them
    int64_t egress_busy_until = 0;  // ns, bandwidth model
    NodeStats stats;
  };
  struct Stream {
    swim::Env::StreamCallback done;
    EventId timeout = 0;
    NodeId client = 0;
    NodeId server = 0;
    uint32_t client_epoch = 0;
    uint32_t gen = 1;
    bool active = false;
  };
  enum class TraceKind : uint8_t {
    kDeliver,
    kDrop,
    kDuplicate,
    kTimer,
    kTimerDrop,
    kCall,
    kStreamOpen,
    kStreamRequest,
    kStreamDone,
    kFault,
    kNote,
  };

  // Node-facing operations (called by SimEnv).
  EventId ScheduleFor(NodeId node, absl::Duration world_delay,
                      std::string_view label, std::function<void()> fn);
  bool CancelFor(NodeId node, EventId id);
  void Send(NodeId from, const swim::Address& to, swim::Bytes data);
  void OpenStream(NodeId from, const swim::Address& to, swim::Bytes request,
                  swim::StreamReply reply, absl::Duration timeout,
                  swim::Env::StreamCallback done);
  void ResolveFor(NodeId node, const std::string& host,
                  swim::Env::ResolveCallback done);
  void LogFor(NodeId node, swim::LogLevel level, std::string_view message);

  void Dispatch(EventId id);
  void DeliverPacket(Event& ev);
  void DeliverStreamRequest(Event& ev);
  void CompleteStream(Event& ev);
  // Schedules the client-side outcome of stream `handle` at `when`:
  // code kOk with `data`, or an error code.
  EventId PostStreamOutcome(uint64_t handle, swim::Instant when,
                            absl::StatusCode code, swim::Bytes data);
  absl::Duration SampleLatency(NodeId from, NodeId to);
  void ConnectFailed(uint64_t handle, swim::Instant when);
  Stream* FindStream(uint64_t handle);
  void FreeStream(uint64_t handle);
  int64_t TransferNanos(NodeId sender, size_t bytes) const;
  void RecordDrop(NodeId from, NodeId to, DropCause cause, size_t bytes,
                  bool stream);
  void RecordFault(FaultKind kind, NodeId node);
  void Trace(TraceKind kind, uint32_t a, uint32_t b, uint64_t x,
             std::string_view label);

  static uint64_t V4Key(const swim::Address& a);
  // Adds or removes an address in the index FindNode reads.
  void IndexAddress(const swim::Address& address, NodeId id);
  void UnindexAddress(const swim::Address& address);

  WorldOptions options_;
  std::shared_ptr<swim::Interners> interners_ =
      std::make_shared<swim::Interners>();
  swim::Rng rng_;
  swim::Instant now_;
  EventQueue queue_;
  Network network_;
  std::vector<Node> nodes_;
  uint32_t moved_addresses_ = 0;  // MoveAddress's allocation counter
  absl::flat_hash_map<uint64_t, NodeId> v4_index_;
  absl::flat_hash_map<std::pair<swim::IpAddress, uint16_t>, NodeId>
      other_index_;
  absl::flat_hash_map<std::string, std::vector<swim::IpAddress>> names_;
  std::vector<Stream> streams_;
  std::vector<uint32_t> free_streams_;
  RestartHook restart_hook_;
  TraceSink sink_;
  uint64_t trace_hash_ = 0xcbf29ce484222325ULL;
  uint64_t events_processed_ = 0;
  std::vector<DropRecord> drops_;
  std::vector<FaultRecord> faults_;
};

}  // namespace sim

#endif  // SWIM_SIM_WORLD_H_
