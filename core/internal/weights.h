// Weights: the go-doudou fork's node weights (protocol.md §8.3).
//
// Every weight_interval the node computes its own weight from its health
// score and the CPU idle time, and (with gossip_weights) gossips it on its
// own queue, to peers known to read weight messages only. Weights of other
// members arrive as weight messages and are kept beside the table (most
// clusters never gossip them). PickWeighted is a smooth weighted
// round-robin over the alive members.
#ifndef SWIM_CORE_INTERNAL_WEIGHTS_H_
#define SWIM_CORE_INTERNAL_WEIGHTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/broadcast_queue.h"
#include "core/internal/node_context.h"
#include "core/node.h"
#include "core/wire/messages.h"

#include "absl/container/flat_hash_map.h"

namespace swim::internal {

class Weights {
 public:
  explicit Weights(NodeContext& ctx);
  Weights(const Weights&) = delete;
  Weights& operator=(const Weights&) = delete;

  // The weight loop's tick: computes, stores and (maybe) gossips our weight.
  void Tick();
  // An inbound weight message (already decoded).
  void HandleWeight(const wire::Weight& w);
  // Smooth weighted round-robin over alive members; nullopt if none.
  std::optional<Node> PickWeighted();

  // The last weight known for `name` (0 if none).
  int64_t WeightOf(const std::string& name) const;
  // Drops what we know of a reaped member.
  void Forget(const std::string& name) { weights_.erase(name); }

  // True if `peer` is known to read weight messages.
  bool PeerAccepts(const NodeRecord* peer) const;
  TransmitLimitedQueue& queue() { return queue_; }
  const TransmitLimitedQueue& queue() const { return queue_; }
  size_t size() const { return weights_.size(); }

  // Every weight belongs to a member in the table.
  void CheckInvariants() const;

 private:
  struct WeightInfo {
    int64_t weight = 0;
    int64_t weight_at = 0;    // WeightAt of the stored weight
    int64_t wrr_current = 0;  // smooth weighted round-robin state
  };

  void Queue(const std::string& node, const wire::Weight& w);

  NodeContext& ctx_;
  TransmitLimitedQueue queue_;
  absl::flat_hash_map<std::string, WeightInfo> weights_;
};

}  // namespace swim::internal

#endif  // SWIM_CORE_INTERNAL_WEIGHTS_H_
