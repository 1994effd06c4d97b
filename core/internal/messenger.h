// Messenger: everything between a decided message and the Env (Go's
// net.go): outgoing options and the one keyring choice, packets with
// piggybacked broadcasts, compound messages, the broadcast queue, inbound
// dispatch of packets and streams, user messages, and push/pull.
//
// It decides nothing about membership: inbound alive/suspect/dead go to
// StateRules, ping/ack/nack to the Prober, weights to Weights.
#ifndef SWIM_CORE_INTERNAL_MESSENGER_H_
#define SWIM_CORE_INTERNAL_MESSENGER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/broadcast_queue.h"
#include "core/handoff_queue.h"
#include "core/internal/node_context.h"
#include "core/metric_names.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"
#include "core/wire/unpack.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace swim::internal {

class Messenger {
 public:
  explicit Messenger(NodeContext& ctx);
  Messenger(const Messenger&) = delete;
  Messenger& operator=(const Messenger&) = delete;

  // --- broadcasts -----------------------------------------------------------
  // Queues one of memberlist's own broadcasts (alive/suspect/dead), named so
  // a newer one about the same node replaces it; `notify` runs when it is
  // retired; it is sent transmit_scale times the usual limit.
  // The queue keeps its own (interned) copy of name and msg.
  void QueueBroadcast(std::string_view name, ByteSpan msg,
                      std::function<void()> notify, int transmit_scale = 1);
  // Messages to piggyback towards `to`: ours, then weights (if `to` reads
  // them), then the delegate's; each costs overhead, all fit in limit.
  std::vector<Bytes> GetBroadcasts(size_t overhead, size_t limit,
                                   const NodeRecord* to);
  size_t NumQueued() const { return broadcasts_.NumQueued(); }
  // Drops every queued broadcast without retiring it (Shutdown: nothing
  // was sent, so no waiter is told it was), and every message in the
  // handoff queues (Go's handler goroutine returns: queued work is lost).
  void Clear() {
    broadcasts_.Clear();
    handoff_.Clear();
  }

  // --- sending --------------------------------------------------------------
  // `node`, when given, decides the CRC header (its PMax >= 5). With
  // require_node_names, an address without a name is refused (counted,
  // FailedPrecondition), as Go's rawSendMsgPacket does.
  absl::Status RawSendPacket(const Address& to, const NodeRecord* node,
                             ByteSpan msg);
  // Sends msg with piggybacked broadcasts (memberlist's sendMsg). As in Go,
  // the broadcasts are taken (and counted as transmitted) before a send
  // without a required name is refused.
  absl::Status SendMsg(const Address& to, const NodeRecord* node, Bytes msg);
  // require_node_names and `to` has no name: counts, logs and returns Go's
  // errNodeNamesAreRequired; else OK.
  absl::Status CheckNodeName(const Address& to, std::string_view what);
  Bytes EncodeStreamMsg(ByteSpan msg) const;
  // Decrypts and decompresses one stream message (a reply we asked for).
  absl::StatusOr<Bytes> OpenStream(ByteSpan stream) const;
  // Bytes an encrypted packet adds to its message.
  size_t EncryptionOverhead() const {
    return wire_.encryption_version == 0 ? 45u : 29u;
  }

  // --- inbound --------------------------------------------------------------
  void HandlePacket(const Address& from, ByteSpan packet, Instant received);
  std::optional<Bytes> HandleStream(const Address& from, ByteSpan stream);
  // Counts and logs a message we could not read.
  void Malformed(MetricName counter, const absl::Status& status,
                 const Address& from);

  // --- user messages --------------------------------------------------------
  absl::Status SendBestEffort(const std::string& node, std::string_view msg);
  absl::Status SendToAddress(const Address& to, std::string_view msg);
  void SendReliable(const std::string& node, std::string_view msg,
                    std::function<void(absl::Status)> done);

  // --- push/pull ------------------------------------------------------------
  // Go's pushPullTrigger (state.go:168-189): after `stagger`, waits a
  // scaled interval, exchanges with one random alive member, and waits the
  // next interval only once that exchange has ended (it blocks Go's
  // goroutine for up to TCPTimeout).
  void StartPushPull(absl::Duration stagger);
  // What our half of an exchange carries: the whole table, as Go always
  // sends, or only our own entry (Config::join_sync's pull, see join.cc;
  // the wire format is the same, with one node).
  enum class Push { kWholeTable, kSelfOnly };
  void PushPullWith(const Address& addr, bool join, Push push,
                    std::function<void(absl::Status)> done);

  // Gives back the reply memos (see StreamPushPull) once unused for a
  // second; the probe and gossip ticks call it.
  void ReleaseIdleReplyMemo(Instant now);

  // The queue holds only what we queued; options agree with the config.
  void CheckInvariants() const;

 private:
  // The keyring inbound messages are opened with (null: no encryption).
  const security::Keyring* InboundKeyring() const;
  wire::OutgoingOptions PacketOptions(const NodeRecord* to) const;
  void CountSent(MetricName kind, size_t bytes);

  // One leaf message of a datagram (wire::UnpackPacket): non-empty, never a
  // compound or compression.
  void HandleCommand(ByteSpan msg, const Address& from, Instant received);
  // Handles one leaf now (HandleCommand, or the handoff drain).
  void Dispatch(ByteSpan msg, const Address& from, Instant received);
  // Config::handoff = kGoLifo: the types Go queues, the queueing, and the
  // drain (core/handoff_queue.h).
  static bool GoQueues(wire::MessageType type);
  void HandOff(ByteSpan msg, const Address& from);
  void DrainHandoff();
  // Config::cidr_scope = kEveryPacket and `from` is not allowed (counted).
  bool CidrRefuses(const Address& from);
  wire::PacketBudget PacketBudgetFromConfig() const;
  void HandleAlive(ByteSpan body, const Address& from);
  void HandleSuspect(ByteSpan body);
  void HandleDead(ByteSpan body);
  void HandleUser(ByteSpan body);
  void HandleWeight(ByteSpan body);

  Bytes ErrorReply(const absl::Status& s) const;
  absl::StatusOr<std::optional<Bytes>> StreamPing(ByteSpan body,
                                                  const Address& from);
  absl::StatusOr<std::optional<Bytes>> StreamPushPull(ByteSpan body,
                                                      const Address& from);
  absl::StatusOr<std::optional<Bytes>> StreamUser(ByteSpan body,
                                                  const Address& from);

  void ArmPushPull();
  // One periodic exchange; `then` runs when it has ended (at once if there
  // is nobody to exchange with).
  void PushPullTick(std::function<void()> then);
  wire::PushPull LocalState(bool join, Push push) const;
  // The stream that answers a push/pull with this join flag: our table,
  // through the memo below.
  Bytes Reply(bool join);
  absl::Status OnPushPullReply(absl::StatusOr<Bytes> reply, bool join);

  NodeContext& ctx_;
  // Where queued broadcasts intern their bytes; declared before the queue
  // so it outlives every broadcast that holds a reference into it.
  const std::shared_ptr<Interners> interners_;
  TransmitLimitedQueue broadcasts_;
  // The codec's view of the config, derived once (core/wire/options.h).
  const wire::WireOptions wire_;
  HandoffQueues handoff_;
  bool handoff_armed_ = false;  // a DrainHandoff is scheduled

  // The last push/pull reply we encoded, one per join flag (the reply
  // carries the request's): the plain message and the stream bytes it
  // became. A reply whose plain bytes are the same is the same stream
  // (compression is deterministic), so it is copied instead of compressed
  // again; never with encryption, whose every message takes a fresh
  // nonce. A seed answering a join storm's syncs sends one unchanged table
  // hundreds of times once the joins are in. `encoded`: when `plain` was
  // last our table, that table's size and our own record's incarnation
  // and state in it (Config::push_pull_reply_max_age).
  struct ReplyMemo {
    Bytes plain;
    Bytes stream;
    Instant encoded;
    Instant used;
    size_t table_size = 0;
    uint32_t self_incarnation = 0;
    NodeState self_state = NodeState::kDead;
  };
  ReplyMemo reply_memo_[2];
};

}  // namespace swim::internal

#endif  // SWIM_CORE_INTERNAL_MESSENGER_H_
