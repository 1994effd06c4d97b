// core::Memberlist: the SWIM + Lifeguard state machine of one node.
//
// This is the object both homes run: sim/ drives it inside a deterministic
// World, net/ drives it on real sockets. It speaks memberlist 0.2.2's wire
// protocol and follows its state machine (protocol.md §6), plus the
// go-doudou fork's weights and suspect-state events (§8).
//
// THREADING. None. A Memberlist lives on its Env's thread: every method,
// every inbound delivery and every callback runs there (env.h). Delegates
// are called synchronously from inside handlers. net/ wraps this class in a
// thread-safe API that posts calls onto the Env's thread.
//
// LIFETIME. Create() builds the node and registers nothing with the Env;
// Start() installs our own alive record and starts the probe, gossip,
// push/pull and weight loops. Shutdown() cancels every timer the node owns
// and makes every later call fail; the object may then be destroyed. The
// Env and every delegate in the Config must outlive the Memberlist.
//
// ERRORS. Operations report failure with absl::Status. Hostile or malformed
// input from the network never fails an operation: it is dropped and
// counted in metrics() ("memberlist.malformed.*", "memberlist.dropped.*").
#ifndef SWIM_CORE_MEMBERLIST_H_
#define SWIM_CORE_MEMBERLIST_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/awareness.h"
#include "core/broadcast_queue.h"
#include "core/config.h"
#include "core/env.h"
#include "core/metrics.h"
#include "core/node.h"
#include "core/reaped_names.h"
#include "core/rng.h"
#include "core/suspicion.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"

namespace swim {

// Deliberately planted bugs, for the simulator's negative scenarios: the
// checkers must catch each of them. They exist only in binaries built from
// //core:memberlist_planted_bugs (SWIM_PLANTED_BUGS defined); the production
// library ignores Config::planted_bugs entirely.
enum PlantedBug : uint32_t {
  kBugNone = 0,
  kBugIgnoreRefute = 1u << 0,      // never refute suspicion/death of self
  kBugSkipSuspicion = 1u << 1,     // failed probe marks dead at once
  kBugAcceptStaleAlive = 1u << 2,  // alive with equal incarnation resurrects
};

class Memberlist {
 public:
  // Validates `config`, installs `secret_key` into the keyring, and builds a
  // node that advertises `advertise` (the address peers reach us on: net/
  // resolves it from bind/advertise settings, sim/ assigns it).
  // *env must outlive the result. Nothing is sent until Start().
  static absl::StatusOr<std::unique_ptr<Memberlist>> Create(
      Config config, Env* env, const Address& advertise);

  ~Memberlist();
  Memberlist(const Memberlist&) = delete;
  Memberlist& operator=(const Memberlist&) = delete;

  // Adds ourselves (incarnation 1) and starts the periodic loops, each after
  // a random stagger within its interval.
  absl::Status Start();

  // --- inbound (called by the Env's owner) ---------------------------------
  // One datagram from `from`, received at `received`.
  void HandlePacket(const Address& from, ByteSpan packet, Instant received);
  // One complete inbound stream message (found with wire::StreamMessageSize).
  // Returns the reply to write back, or nullopt to close without a reply.
  std::optional<Bytes> HandleStream(const Address& from, ByteSpan stream);

  // --- operations (callbacks run on the Env's thread, exactly once) -------
  // Push/pull (join = true) with every address in `seeds` ("[name/]host[:port]";
  // names are resolved through the Env). Reports how many exchanges
  // succeeded; the status is OK if at least one did, else it lists every
  // failure.
  using JoinCallback = std::function<void(int contacted, absl::Status)>;
  void Join(const std::vector<std::string>& seeds, JoinCallback done);

  // Broadcasts our departure and waits until it has been transmitted (or
  // `timeout` passes: then DeadlineExceeded). With no other live members it
  // completes at once. Pings are still answered afterwards.
  using StatusCallback = std::function<void(absl::Status)>;
  void Leave(absl::Duration timeout, StatusCallback done);

  // Re-reads Delegate::NodeMeta, bumps our incarnation and broadcasts the new
  // alive; waits like Leave. Meta over limits::kMetaMaxSize is an error.
  void UpdateNode(absl::Duration timeout, StatusCallback done);

  // Stops every loop and timer. Sends nothing (peers will detect us as
  // failed). Idempotent. Every later operation fails with FailedPrecondition.
  void Shutdown();

  // User messages. Best effort goes in one packet (no piggyback); reliable
  // over a stream; SendToAddress needs no known node.
  absl::Status SendBestEffort(const std::string& node, std::string_view msg);
  absl::Status SendToAddress(const Address& to, std::string_view msg);
  void SendReliable(const std::string& node, std::string_view msg,
                    StatusCallback done);

  // Pings `node` at `addr` once (UDP); reports the round-trip time, or
  // NotFound "no response" after ProbeTimeout.
  void Ping(const std::string& node, const Address& addr,
            std::function<void(absl::StatusOr<absl::Duration>)> done);

  // --- queries ------------------------------------------------------------------
  // Members that are alive or suspect (not dead, not left), ourselves included.
  std::vector<Node> Members() const;
  int NumMembers() const;
  // Every entry of the table, whatever its state (for tests and the simulator).
  std::vector<Node> AllNodes() const;
  std::optional<Node> GetNode(const std::string& name) const;
  // The state of `name` in our table without copying the node (nullopt if
  // unknown). Cheap: for checkers that poll every table.
  std::optional<NodeState> StateOf(std::string_view name) const;
  Node LocalNode() const;
  int GetHealthScore() const { return awareness_.GetHealthScore(); }
  uint8_t ProtocolVersion() const { return config_.protocol_version; }
  const Address& AdvertiseAddr() const { return advertise_; }
  // memberlist's estNumNodes: table size including dead and left entries.
  int EstNumNodes() const { return static_cast<int>(nodes_.size()); }
  uint32_t Incarnation() const { return incarnation_; }
  bool HasLeft() const { return left_; }
  bool HasShutdown() const { return shutdown_; }
  const Config& config() const { return config_; }
  const Metrics& metrics() const { return metrics_; }
  Metrics& mutable_metrics() { return metrics_; }
  // Broadcasts waiting in our queue.
  size_t NumQueuedBroadcasts() const { return broadcasts_.NumQueued(); }
  // Sizes of the node's growable collections, so tests can check that no
  // input makes them grow without bound (sim/hostile.h).
  struct Usage {
    size_t table = 0;              // member records, any state
    size_t broadcasts = 0;         // queued gossip
    size_t weight_broadcasts = 0;  // queued weight gossip (fork)
    size_t ack_handlers = 0;       // probes and indirect pings in flight
    size_t suspicions = 0;
    size_t weights = 0;
    size_t timers = 0;  // our pending Env timers
  };
  Usage ResourceUsage() const {
    return {nodes_.size(),         broadcasts_.NumQueued(),
            weight_broadcasts_.NumQueued(), ack_handlers_.size(),
            suspicions_.size(),    weights_.size(),
            timers_.size()};
  }

  // Smooth weighted round-robin over alive members by their gossiped
  // weight (go-doudou fork). Members with weight <= 0 count as weight 1.
  // Returns nullopt if there is no alive member.
  std::optional<Node> PickWeighted();

  // Checks internal invariants (cheap ones always in debug builds, the whole
  // table under --config=sim). Called after every handler.
  void CheckInvariants() const;

 private:
  // A member as the table keeps it: compact, because the simulator holds
  // 10,000 tables of 10,000 entries (about 80 bytes each plus 16 of index).
  // The public Node is built from it on demand (ToNode).
  struct CompactNode {
    std::string name;  // names of up to 15 bytes need no heap (SSO)
    IpAddress addr;
    uint16_t port = 0;
    NodeState state = NodeState::kAlive;
    VersionVector vsn{};
    uint32_t incarnation = 0;
    std::unique_ptr<std::string> meta_ptr;  // null when empty

    const std::string& meta() const;
    void set_meta(std::string m) {
      if (m.empty()) {
        meta_ptr.reset();
      } else {
        meta_ptr = std::make_unique<std::string>(std::move(m));
      }
    }
    uint8_t pmin() const { return vsn[0]; }
    uint8_t pmax() const { return vsn[1]; }
    uint8_t pcur() const { return vsn[2]; }
    uint8_t dmin() const { return vsn[3]; }
    uint8_t dmax() const { return vsn[4]; }
    uint8_t dcur() const { return vsn[5]; }
    Address address() const { return Address{addr, port, name}; }
  };
  struct NodeRecord {
    CompactNode node;
    Instant state_change;
  };
  // Fork: weights live beside the table; most clusters never gossip them.
  struct WeightInfo {
    int64_t weight = 0;
    int64_t weight_at = 0;    // WeightAt of the stored weight
    int64_t wrr_current = 0;  // smooth weighted round-robin state
  };
  // node_map_ is a set of record pointers looked up by name.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
    size_t operator()(const NodeRecord* r) const;
  };
  struct NameEq {
    using is_transparent = void;
    bool operator()(const NodeRecord* a, const NodeRecord* b) const {
      return a->node.name == b->node.name;
    }
    bool operator()(const NodeRecord* a, std::string_view b) const {
      return a->node.name == b;
    }
    bool operator()(std::string_view a, const NodeRecord* b) const {
      return a == b->node.name;
    }
  };

  struct AckHandler {
    std::function<void(const wire::AckResp&, Instant)> on_ack;
    std::function<void()> on_nack;
    std::function<void()> on_timeout;
    TimerId timer = 0;
  };

  // One probe in flight (memberlist's probeNode, as a state machine).
  struct Probe {
    uint64_t id = 0;
    std::string target;
    uint32_t seq_no = 0;
    Instant sent;
    absl::Duration interval;  // awareness-scaled ProbeInterval (T)
    int expected_nacks = 0;
    int nacks = 0;
    bool tcp_pending = false;
    bool tcp_contacted = false;
    bool deadline_passed = false;
    bool tcp_grace_started = false;
    TimerId probe_timeout_timer = 0;
  };

  Memberlist(Config config, Env* env, const Address& advertise);

  // --- table -------------------------------------------------------------------
  NodeRecord* Find(std::string_view name);
  const NodeRecord* Find(std::string_view name) const;
  NodeRecord* InsertNode(const std::string& name);  // random position, kDead
  Node ToNode(const NodeRecord& r) const;
  VersionVector OwnVsn() const;
  bool AnyAlive() const;
  void ResetNodes();  // reap old dead nodes, shuffle
  std::vector<NodeRecord*> KRandomNodes(
      int k, const std::function<bool(const NodeRecord&)>& exclude);

  // --- state machine (protocol.md §6.5-6.8) ---------------------------------------
  void AliveNode(const wire::Alive& a, std::function<void()> notify,
                 bool bootstrap);
  void SuspectNode(const wire::Suspect& s);
  void DeadNode(const wire::Dead& d);
  void Refute(NodeRecord* me, uint32_t accused_inc);
  // True (and counted) if `claimed` is implausibly far past the incarnation
  // we hold for `known` (limits::kMaxIncarnationJump); false if unknown.
  bool JumpsTooFar(const NodeRecord* known, uint32_t claimed);
  void OnSuspicionTimeout(const std::string& name, Instant change_time, int k,
                          int confirmations);
  absl::Status VerifyProtocol(const std::vector<wire::PushNodeState>& remote) const;
  // `join` is the exchange's join flag as this side knows it: the remote's
  // for an inbound push/pull, our own for one we started (as Go does).
  absl::Status MergeRemoteState(const wire::PushPull& pp, bool join);
  void MergeState(const std::vector<wire::PushNodeState>& remote, bool join);
  // A member we reaped, handed back alive by anti-entropy at the incarnation
  // it died with: back in the table as dead (core/reaped_names.h).
  void ReAddAsDead(const wire::PushNodeState& r);
  void WeightNode(const wire::Weight& w);

  // --- broadcasts ------------------------------------------------------------------
  void QueueBroadcast(std::string name, Bytes msg, std::function<void()> notify,
                      int transmit_scale = 1);
  std::vector<Bytes> GetBroadcasts(size_t overhead, size_t limit,
                                   const NodeRecord* to);
  bool PeerAcceptsWeights(const NodeRecord* peer) const;

  // --- sending ----------------------------------------------------------------------
  wire::OutgoingOptions PacketOptions(const NodeRecord* to) const;
  // `node`, when given, decides the CRC header (its PMax >= 5).
  void RawSendPacket(const Address& to, const NodeRecord* node, ByteSpan msg);
  // Sends msg with piggybacked broadcasts (memberlist's sendMsg).
  void SendMsg(const Address& to, const NodeRecord* node, Bytes msg);
  Bytes EncodeStreamMsg(ByteSpan msg) const;
  void CountSent(const char* kind, size_t bytes);

  // --- inbound ----------------------------------------------------------------------
  // One leaf message of a datagram (wire::UnpackPacket): non-empty, never a
  // compound or compression.
  void HandleCommand(ByteSpan msg, const Address& from, Instant received);
  void HandlePing(ByteSpan body, const Address& from);
  void HandleIndirectPing(ByteSpan body, const Address& from);
  void HandleAck(ByteSpan body, Instant received);
  void HandleNack(ByteSpan body);
  void HandleAlive(ByteSpan body, const Address& from);
  void HandleSuspect(ByteSpan body);
  void HandleDead(ByteSpan body);
  void HandleUser(ByteSpan body);
  void HandleWeight(ByteSpan body);
  void Malformed(std::string_view what, const absl::Status& status,
                 const Address& from);

  // --- ack handlers -------------------------------------------------------------------
  void SetAckHandler(uint32_t seq, AckHandler handler, absl::Duration timeout);
  void RemoveAckHandler(uint32_t seq);

  // --- loops --------------------------------------------------------------------------
  void ScheduleLoop(absl::Duration first, absl::Duration every,
                    const char* label, void (Memberlist::*tick)());
  void ProbeTick();
  void StartProbe(NodeRecord* node);
  void ProbeTimeoutReached(uint64_t probe_id);
  void ProbeDeadline(uint64_t probe_id);
  void ProbeAcked(uint64_t probe_id, Instant received,
                  const std::optional<std::string>& payload);
  void ProbeFinish(uint64_t probe_id, bool success, int awareness_delta);
  void GossipTick();
  void PushPullTick();
  void SchedulePushPull(absl::Duration delay);
  void WeightTick();
  void PushPullWith(const Address& addr, bool join,
                    std::function<void(absl::Status)> done);
  wire::PushPull LocalState(bool join) const;
  // Leave/UpdateNode: `queue(notify)` queues a broadcast whose Finished()
  // calls notify; `done` then gets OK, or DeadlineExceeded after `timeout`.
  // With no other live member there is nobody to wait for: done at once.
  void BroadcastAndWait(absl::Duration timeout, const char* what,
                        StatusCallback done,
                        const std::function<void(std::function<void()>)>& queue);

  // --- helpers ------------------------------------------------------------------------------
  // Schedules fn on the Env, tracked in timers_ and skipped after Shutdown.
  TimerId After(absl::Duration delay, const char* label, std::function<void()> fn);
  void CancelTimer(TimerId id);
  uint32_t NextSeqNo() { return ++seq_no_; }
  uint32_t NextIncarnation() { return ++incarnation_; }
  void Log(LogLevel level, std::string_view msg);
  bool Bug(PlantedBug b) const;
  void NotifyJoin(const Node& n);
  void NotifyLeave(const Node& n);
  void NotifyUpdate(const Node& n);
  void NotifySuspect(const Node& n);
  std::string EventNodeName(const NodeRecord& r) const;

  Config config_;
  Env* const env_;
  Address advertise_;
  Metrics metrics_;
  Awareness awareness_;
  TransmitLimitedQueue broadcasts_;
  TransmitLimitedQueue weight_broadcasts_;
  uint8_t encryption_version_;

  // The table: records live in slab_ (stable addresses, freed slots
  // reused); nodes_ is the probe order (shuffled each round); node_map_
  // indexes it by name (lookup only, never iterated for behaviour).
  std::deque<NodeRecord> slab_;
  std::vector<NodeRecord*> free_records_;
  std::vector<NodeRecord*> nodes_;
  absl::flat_hash_set<NodeRecord*, NameHash, NameEq> node_map_;
  absl::flat_hash_map<std::string, WeightInfo> weights_;
  absl::flat_hash_map<std::string_view, std::unique_ptr<Suspicion>> suspicions_;
  absl::flat_hash_map<uint32_t, AckHandler> ack_handlers_;
  // Members reaped lately, not re-added by anti-entropy (issue 14 item 6).
  ReapedNames reaped_{config_.max_members};

  uint32_t seq_no_ = 0;
  uint32_t incarnation_ = 0;
  size_t probe_index_ = 0;
  std::optional<Probe> probe_;
  uint64_t next_probe_id_ = 0;
  bool probe_tick_pending_ = false;

  bool started_ = false;
  bool left_ = false;
  bool shutdown_ = false;
  std::function<void()> leave_notify_;
  // Every pending timer we own, cancelled at Shutdown. Ordered, so the
  // cancels happen in a deterministic order.
  std::set<TimerId> timers_;
  int inbound_push_pulls_ = 0;
  // Liveness token for callbacks that may outlive us (stream completions in
  // an Env that does not drop them).
  std::shared_ptr<bool> alive_token_ = std::make_shared<bool>(true);
};

}  // namespace swim

#endif  // SWIM_CORE_MEMBERLIST_H_
