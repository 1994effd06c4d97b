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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/config.h"
#include "core/env.h"
#include "core/inbound.h"
#include "core/metrics.h"
#include "core/node.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace swim {

namespace internal {
struct NodeParts;
}  // namespace internal

class Memberlist final : public Inbound {
 public:
  // Validates `config`, installs `secret_key` into the keyring, and builds a
  // node that advertises `advertise` (the address peers reach us on: net/
  // resolves it from bind/advertise settings, sim/ assigns it).
  // *env must outlive the result. Nothing is sent until Start().
  static absl::StatusOr<std::unique_ptr<Memberlist>> Create(
      Config config, Env* env, const Address& advertise);

  ~Memberlist() override;
  Memberlist(const Memberlist&) = delete;
  Memberlist& operator=(const Memberlist&) = delete;

  // Adds ourselves (incarnation 1) and starts the periodic loops, each after
  // a random stagger within its interval.
  absl::Status Start();

  // --- Inbound (inbound.h; called by the Env's owner) ----------------------
  // One datagram from `from`, received at `received`.
  void HandlePacket(const Address& from, ByteSpan packet,
                    Instant received) override;
  // One complete inbound stream message (found with wire::StreamMessageSize).
  // Returns the reply to write back, or nullopt to close without a reply.
  std::optional<Bytes> HandleStream(const Address& from,
                                    ByteSpan stream) override;

  // --- operations (callbacks run on the Env's thread, exactly once) -------
  // Push/pull (join = true) with every address in `seeds`
  // ("[name/]host[:port]"; names are resolved through the Env). Reports how
  // many exchanges succeeded; the status is OK if at least one did (or
  // `seeds` is empty, as in Go), else it lists every failure.
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

  // --- queries
  // ------------------------------------------------------------------ Members
  // that are alive or suspect (not dead, not left), ourselves included.
  std::vector<Node> Members() const;
  // O(1): the table counts its live records as their states change.
  int NumMembers() const;
  // Called with NumMembers() now and again on every change, on the Env's
  // thread, before anything else sees the change (a Join's callback, an
  // event delegate). net/ keeps the value for NumMembers() on any thread.
  void SetNumMembersObserver(std::function<void(int)> observer);
  // The same for GetHealthScore().
  void SetHealthScoreObserver(std::function<void(int)> observer);
  // Every entry of the table, whatever its state (for tests and the simulator).
  std::vector<Node> AllNodes() const;
  std::optional<Node> GetNode(const std::string& name) const;
  // The state of `name` in our table without copying the node (nullopt if
  // unknown). Cheap: for checkers that poll every table.
  std::optional<NodeState> StateOf(std::string_view name) const;
  Node LocalNode() const;
  int GetHealthScore() const;
  uint8_t ProtocolVersion() const;
  const Address& AdvertiseAddr() const;
  // memberlist's estNumNodes: table size including dead and left entries.
  int EstNumNodes() const;
  uint32_t Incarnation() const;
  bool HasLeft() const;
  const Config& config() const;
  const Metrics& metrics() const;
  // Broadcasts waiting in our queue.
  size_t NumQueuedBroadcasts() const;
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
  Usage ResourceUsage() const;

  // Smooth weighted round-robin over alive members by their gossiped
  // weight (go-doudou fork). Members with weight <= 0 count as weight 1.
  // Returns nullopt if there is no alive member.
  std::optional<Node> PickWeighted();

  // Checks every part's invariants (cheap ones in debug builds, whole-table
  // ones under --config=sim). Runs after every inbound packet and stream,
  // every operation, and (under --config=sim) every timer callback.
  void CheckInvariants() const;

 private:
  explicit Memberlist(std::unique_ptr<internal::NodeParts> parts);

  // The node's parts (core/internal/): table, state rules, messenger,
  // prober, weights, and the context they share.
  std::unique_ptr<internal::NodeParts> p_;
};

}  // namespace swim

#endif  // SWIM_CORE_MEMBERLIST_H_
