// The simulated network between nodes: latency distributions, loss,
// duplication, reordering, per-node egress bandwidth, and partitions.
//
// The Network holds configuration and partition state only; the World asks
// it "may a packet go from a to b", "how long does it take", and draws every
// random number from the Rng the World passes in (the World's own seeded
// stream), so the same seed gives the same network behaviour. Sampling uses
// our own code (no <random> distributions), see LatencyModel::Sample.
//
// Nodes are identified by their index in the World (NodeId).
//
// Thread-safety: none; owned and used by one World.
#ifndef SWIM_SIM_NETWORK_H_
#define SWIM_SIM_NETWORK_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/rng.h"

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace sim {

using NodeId = uint32_t;

// One-way delay distribution.
struct LatencyModel {
  enum class Kind : uint8_t {
    kFixed,      // always `base`
    kUniform,    // uniform in [base, base + spread]
    kNormal,     // normal(mean = base, sd = spread), clamped below at floor
    kLogNormal,  // floor + exp(normal(ln(base), sigma)); median floor + base
    kPareto,     // floor + base * U^(-1/alpha): heavy tail, minimum floor+base
  };
  Kind kind = Kind::kFixed;
  absl::Duration base = absl::Milliseconds(1);
  absl::Duration spread = absl::ZeroDuration();
  absl::Duration floor = absl::ZeroDuration();
  double shape = 1.0;  // sigma for kLogNormal, alpha for kPareto
  // Upper clamp for the heavy-tailed kinds, so one sample cannot stall a
  // run for hours.
  absl::Duration cap = absl::Seconds(10);

  static LatencyModel Fixed(absl::Duration d);
  static LatencyModel Uniform(absl::Duration lo, absl::Duration hi);
  static LatencyModel Normal(absl::Duration mean, absl::Duration sd,
                             absl::Duration floor);
  static LatencyModel LogNormal(absl::Duration floor, absl::Duration median,
                                double sigma);
  static LatencyModel Pareto(absl::Duration floor, absl::Duration scale,
                             double alpha);

  // Draws one delay (>= 0) from `rng`. Fixed draws nothing.
  absl::Duration Sample(swim::Rng& rng) const;
};

// Behaviour of packets and streams on a directed link.
struct LinkParams {
  LatencyModel latency;
  double loss = 0;       // probability a packet is dropped
  double duplicate = 0;  // probability a delivered packet arrives twice
  // Probability that a packet gets an extra delay uniform in
  // [0, reorder_delay], so later packets can overtake it.
  double reorder = 0;
  absl::Duration reorder_delay = absl::Milliseconds(20);
  // Probability that a stream exchange is reset (kAborted).
  double stream_reset = 0;
};

// Egress limit of one node: packets leave at `bytes_per_second`; a packet
// that would make the backlog exceed `max_queue_bytes` is tail-dropped.
// bytes_per_second == 0 means unlimited.
struct BandwidthLimit {
  uint64_t bytes_per_second = 0;
  uint64_t max_queue_bytes = 64 * 1024;
};

class Network {
 public:
  Network() = default;

  // Called by the World when a node is added.
  void AddNode();
  size_t num_nodes() const { return group_.size(); }

  // ---- Link parameters ----
  void SetDefaultLink(const LinkParams& p) { default_link_ = p; }
  const LinkParams& default_link() const { return default_link_; }
  // Overrides the parameters of the directed link from -> to.
  void SetLink(NodeId from, NodeId to, const LinkParams& p);
  // Both directions.
  void SetLinkBoth(NodeId a, NodeId b, const LinkParams& p);
  void ClearLinkOverrides() { links_.clear(); }
  const LinkParams& Link(NodeId from, NodeId to) const {
    if (links_.empty()) return default_link_;
    auto it = links_.find(Key(from, to));
    return it == links_.end() ? default_link_ : it->second;
  }

  // ---- Bandwidth ----
  void SetBandwidth(NodeId node, const BandwidthLimit& limit);
  const BandwidthLimit& bandwidth(NodeId node) const { return bw_[node]; }

  // ---- Partitions. All of these compose; Heal() removes every one. ----
  // Splits the nodes into groups that cannot reach each other (both
  // directions). Nodes not listed in any group form one more group together.
  void Partition(const std::vector<std::vector<NodeId>>& groups);
  // Split-brain: nodes [0, n/2) versus [n/2, n).
  void SplitBrain();
  // `node` can neither send nor receive.
  void Isolate(NodeId node);
  void Unisolate(NodeId node);
  // Packets and stream legs from any node in `from` to any node in `to` are
  // dropped; the reverse direction is unaffected.
  void BlockOneWay(const std::vector<NodeId>& from,
                   const std::vector<NodeId>& to);
  // Removes all partitions, isolations and one-way blocks.
  void Heal();

  // True if a packet from `from` to `to` is blocked by a partition.
  bool Blocked(NodeId from, NodeId to) const {
    if (!any_partition_) return false;
    if (isolated_[from] || isolated_[to]) return true;
    if (group_[from] != group_[to]) return true;
    for (const OneWay& r : one_way_) {
      if (r.from[from] && r.to[to]) return true;
    }
    return false;
  }

 private:
  struct OneWay {
    std::vector<bool> from;
    std::vector<bool> to;
  };
  static uint64_t Key(NodeId a, NodeId b) {
    return (static_cast<uint64_t>(a) << 32) | b;
  }
  void Recompute();

  LinkParams default_link_;
  absl::flat_hash_map<uint64_t, LinkParams> links_;
  std::vector<BandwidthLimit> bw_;
  std::vector<uint32_t> group_;
  std::vector<bool> isolated_;
  std::vector<OneWay> one_way_;
  bool any_partition_ = false;
};

}  // namespace sim

#endif  // SWIM_SIM_NETWORK_H_
