// Prober: failure detection (protocol.md §6.2-6.4, §6.9).
//
// Every ProbeInterval one member is probed, round-robin over the table's
// probe order: a ping; after ProbeTimeout without an ack, indirect pings
// through IndirectChecks members and, in parallel, a TCP ping; at the
// awareness-scaled deadline, a suspicion. The Prober also answers pings and
// indirect pings, keeps the ack handlers (by sequence number), serves
// Memberlist::Ping, and runs the gossip tick.
#ifndef SWIM_CORE_INTERNAL_PROBER_H_
#define SWIM_CORE_INTERNAL_PROBER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/internal/node_context.h"
#include "core/wire/messages.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace swim::internal {

class Prober {
 public:
  explicit Prober(NodeContext& ctx);
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // The probe loop's tick: probes the next member in the probe order
  // (reaping and reshuffling at each wrap).
  void ProbeTick();
  // The gossip loop's tick: broadcasts to GossipNodes random members.
  void GossipTick();
  // Memberlist::Ping.
  void Ping(const std::string& node, const Address& addr,
            std::function<void(absl::StatusOr<absl::Duration>)> done);

  // Inbound ping, indirect ping, ack and nack (message bodies).
  void HandlePing(ByteSpan body, const Address& from);
  void HandleIndirectPing(ByteSpan body, const Address& from);
  void HandleAck(ByteSpan body, Instant received);
  void HandleNack(ByteSpan body);

  // Drops every handler and the probe in flight (Shutdown).
  void Clear();
  size_t num_ack_handlers() const { return ack_handlers_.size(); }

  // A probe in flight is waited on by an ack handler until its deadline.
  void CheckInvariants() const;

 private:
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
    // The target as it was when the probe started: Go probes a copy of
    // the node (state.go:237-255) and reads only that copy afterwards.
    uint32_t target_inc = 0;
    Address target_addr;  // with the name
    uint8_t target_pmax = 0;
    std::optional<Node> target_node;  // for the PingDelegate, if any
    uint32_t seq_no = 0;
    Instant sent;
    absl::Duration interval;  // awareness-scaled ProbeInterval (T)
    int expected_nacks = 0;
    int nacks = 0;
    bool tcp_pending = false;
    bool tcp_contacted = false;
    bool deadline_passed = false;
    bool tcp_grace_started = false;
    // ProbeTimeout has passed: an ack now completes the probe without the
    // PingDelegate (Go calls it only in probeNode's first select).
    bool timeout_reached = false;
    TimerId probe_timeout_timer = 0;
  };

  uint32_t NextSeqNo() { return ++seq_no_; }
  wire::Ping MakePing(uint32_t seq_no, const std::string& node) const;
  void SetAckHandler(uint32_t seq, AckHandler handler, absl::Duration timeout);
  void RemoveAckHandler(uint32_t seq);
  bool IsCurrent(uint64_t probe_id) const {
    return probe_.has_value() && probe_->id == probe_id;
  }

  void StartProbe(NodeRecord* node);
  void SendProbePing(NodeRecord* node);
  void ProbeTimeoutReached(uint64_t probe_id);
  void SendIndirectProbes();
  void StartTcpFallback();
  void OnTcpFallbackReply(uint64_t probe_id, uint32_t seq,
                          const absl::StatusOr<Bytes>& reply);
  void ProbeDeadline(uint64_t probe_id);
  void ProbeAcked(uint64_t probe_id, Instant received,
                  const std::optional<std::string>& payload);
  void ProbeFinish(uint64_t probe_id, bool success, int awareness_delta);

  NodeContext& ctx_;
  absl::flat_hash_map<uint32_t, AckHandler> ack_handlers_;
  uint32_t seq_no_ = 0;
  size_t probe_index_ = 0;
  std::optional<Probe> probe_;
  uint64_t next_probe_id_ = 0;
  bool probe_tick_pending_ = false;
};

}  // namespace swim::internal

#endif  // SWIM_CORE_INTERNAL_PROBER_H_
