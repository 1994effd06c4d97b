// sim::FaultSet: the network and scheduling faults a scenario has in force
// (partitions, isolations, one-way blocks, link changes, pauses), applied
// to a Cluster's World.
//
// Faults compose. Each Add* returns a FaultId and End(id) ends that fault
// and nothing else: the World's state is always what the set of active
// faults says it is.
//   - Blocks (partitions, isolations, one-way blocks): a packet is dropped
//     if any active block drops it. Two partitions together split the
//     cluster into the intersections of their groups.
//   - Link edits (loss, latency): the link parameters are the [network]
//     defaults with every active edit applied in the order they began (so
//     a later edit of the same field wins while both are active, and the
//     earlier one shows again when the later one ends).
//   - Pauses: a node runs again when no active pause holds it.
// The `heal` action ends every block; `resume` ends every pause of its
// nodes. Edits without a duration stay active to the end of the run.
//
// It also keeps the history of every fault (start, end, what, where) for
// the explanations of false deaths (sim/checkers.h).
//
// Single-threaded, on the World's thread.
#ifndef SWIM_SIM_FAULTS_H_
#define SWIM_SIM_FAULTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

#include "sim/network.h"

namespace sim {

class Cluster;

class FaultSet {
 public:
  using FaultId = uint64_t;
  using LinkEdit = std::function<void(LinkParams&)>;
  enum class Kind : uint8_t { kPartition, kIsolation, kOneWay, kLink, kPause };
  // What a link edit changes (for explanations of false deaths).
  enum class Cause : uint8_t { kLoss, kLatency, kOther };

  // One fault's life, for explanations.
  struct Span {
    Kind kind;
    Cause cause = Cause::kOther;
    std::vector<int> nodes;  // cluster indexes it touches; empty: all
    swim::Instant start;
    std::optional<swim::Instant> end;
    std::string what;  // "latency fixed 2s", "loss 20%"
  };

  explicit FaultSet(Cluster* cluster);

  // Groups (cluster node indexes) cannot reach each other; nodes in no
  // group form one more group.
  FaultId AddPartition(const std::vector<std::vector<int>>& groups);
  // Nodes [0, n/2) versus [n/2, n) of the World's nodes now.
  FaultId AddSplitBrain();
  FaultId AddIsolation(const std::vector<int>& nodes);
  FaultId AddOneWay(const std::vector<int>& from, const std::vector<int>& to);
  // `edit` applies to every link (nodes empty) or to both directions of
  // every link between a node in `nodes` and a cluster node existing now.
  FaultId AddLinkEdit(const std::vector<int>& nodes, LinkEdit edit, Cause cause,
                      std::string what = "");
  FaultId AddPause(const std::vector<int>& nodes);
  // The resume action: every pause of these nodes ends.
  void ResumeNodes(const std::vector<int>& nodes);
  // The heal action: every partition, isolation and one-way block ends.
  void HealPartitions();

  // Ends one fault (no-op if already ended).
  void End(FaultId id);

  const std::vector<Span>& history() const { return history_; }

 private:
  struct Fault {
    Kind kind;
    std::vector<std::vector<NodeId>> groups;  // kPartition (World ids)
    std::vector<int> nodes;  // isolation, link, pause; one-way `from`
    std::vector<int> to;     // kOneWay
    LinkEdit edit;           // kLink
    int cluster_size = 0;    // kLink: the links that existed
    size_t span = 0;         // index in history_
  };
  FaultId Add(Fault f, Span span);
  bool AnyActive(Kind kind) const;
  bool AnyBlockActive() const;
  int ActiveHolding(Kind kind, int node) const;
  // Product of the active partitions' groupings (World ids).
  std::vector<std::vector<NodeId>> CombinedGroups() const;
  // After a block ended while others remain: heal, then re-apply them.
  void ReapplyBlocks();
  void RecomputeLinks();
  void ApplyLinkEdit(const Fault& f);
  void Close(const Fault& f);

  Cluster* cluster_;
  LinkParams base_link_;  // the [network] default before any edit
  bool have_base_ = false;
  FaultId next_ = 1;
  std::map<FaultId, Fault> active_;  // in start order
  std::vector<Span> history_;
};

std::string_view FaultCauseName(FaultSet::Cause c);

}  // namespace sim

#endif  // SWIM_SIM_FAULTS_H_
