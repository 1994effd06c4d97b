// sim::Cluster: core::Memberlist nodes living in a sim::World.
//
// The glue between the protocol core and the simulator: each cluster member
// is a World node whose Host is a Memberlist (core::Memberlist implements
// swim::Inbound) running on that node's SimEnv. Tests and the scenario runner
// build on it.
//
// Node i is named "node-<i>" and lives at 10.<i/250>.<i%250+1>... as the
// World assigns. Crash drops the Memberlist on the floor (its timers die with
// the World's crash semantics); Restart builds a fresh Memberlist with the
// same name (incarnation starts again at 1, as a restarted Go process does),
// at the same address or, when asked, at a fresh one (World::MoveAddress: a
// rescheduled container with a new IP), and re-joins it through the
// configured seeds. The cluster index stays the node's identity either way.
//
// Single-threaded, like the World.
#ifndef SWIM_SIM_CLUSTER_H_
#define SWIM_SIM_CLUSTER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/memberlist.h"

#include "sim/world.h"

namespace sim {

// A membership event seen by one node, stamped with the World's time.
struct ClusterEvent {
  enum class Kind : uint8_t {
    kJoin,
    kLeave,
    kUpdate,
    kSuspect,
    kAlive,
    kWeight
  };
  swim::Instant at;
  NodeId observer;
  Kind kind;
  std::string subject;  // node name
  swim::NodeState state;
  uint32_t incarnation;
  // The address the observer holds for the subject (after the event).
  swim::IpAddress addr;
  uint16_t port = 0;
};
std::string_view ClusterEventKindName(ClusterEvent::Kind kind);

// Ground truth: what the harness did to a node (not what any node thinks).
struct TruthEvent {
  enum class Kind : uint8_t { kStarted, kCrashed, kLeft };
  swim::Instant at;
  int node = 0;  // cluster index
  Kind kind;
};

class Cluster {
 public:
  // Builds the Config of node i (name is filled in by the cluster).
  using ConfigFn = std::function<swim::Config(int index)>;

  Cluster(const WorldOptions& options, ConfigFn config_fn);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Adds a node (World node + Memberlist), not started. Returns its index.
  int AddNode();
  // Adds n nodes, starts them all, and has each join node 0 (node 0 joins
  // nobody). Joins are issued at `stagger` intervals of virtual time.
  void CreateAndJoin(int n, absl::Duration stagger = absl::ZeroDuration());

  absl::Status Start(int i);
  // Joins node i to the given seed nodes; the result is recorded in
  // join_results() and passed to `done` (if any).
  void Join(int i, const std::vector<int>& seeds,
            std::function<void(absl::Status)> done = {});

  World& world() { return world_; }
  int size() const { return static_cast<int>(members_.size()); }
  // nullptr while the node is crashed.
  swim::Memberlist* node(int i);
  const swim::Memberlist* node(int i) const;
  static std::string NodeName(int i);
  NodeId world_id(int i) const;
  bool is_up(int i) const;

  // Faults that involve the Memberlist object (network faults are World's).
  void Crash(int i);
  // Rebuilds node i after a crash, or after it left (a fresh Memberlist:
  // it comes back at incarnation 1 and refutes its own "left" with a
  // higher one, as a restarted Go process does), and joins it to `seeds`
  // (default: node 0, or node 1 when i == 0). With `new_address` the new
  // process binds a fresh address and the old one stops answering
  // (World::MoveAddress): its peers see the same name from a second
  // address (a conflict, or a reclaim once the name is dead or left).
  void Restart(int i, std::vector<int> seeds = {},
               std::function<void(absl::Status)> join_done = {},
               bool new_address = false);
  // The address node i has now (its latest, after a restart elsewhere).
  const swim::Address& address(int i) const;
  // True if observer o holds subject s at s's current address (or does
  // not know s at all).
  bool HoldsCurrentAddress(int o, int s) const;
  void Leave(int i, absl::Duration timeout);

  // --- observations --------------------------------------------------------
  // State of `subject` in node `observer`'s table (nullopt if unknown).
  std::optional<swim::NodeState> StateOf(int observer, int subject) const;
  // True if every up node sees exactly the up nodes as alive members (at
  // their current address) and the others (crashed or left) as absent,
  // dead or left.
  bool Converged() const;
  // True if every up node sees `subject` in `state` (dead counts for left
  // too when state is kDead and accept_left is true; for kDead and kLeft,
  // an entry already reaped counts as well).
  bool AllSee(int subject, swim::NodeState state,
              bool accept_left = true) const;
  // Runs until pred() or `timeout` of virtual time; returns pred(). The
  // predicate is polled every check_interval() of virtual time (default
  // 1 ms), so times measured with it are exact to that quantum.
  absl::Duration check_interval() const { return check_interval_; }
  bool RunUntil(const std::function<bool()>& pred, absl::Duration timeout);

  // Every node's view of every other, one line per observer, for failure
  // messages: "node-0: node-1=alive/3 node-2=suspect/1 ...".
  std::string DebugString() const;

  const std::vector<ClusterEvent>& events() const { return events_; }
  void set_record_events(bool on) { record_events_ = on; }
  // Join outcome per node index (last Join call).
  const std::vector<std::optional<absl::Status>>& join_results() const {
    return join_results_;
  }
  // The event bus: every subscriber sees every membership event (after
  // recording) and every ground-truth change (a node started or restarted,
  // crashed, or was told to leave), in subscription order. Monitors
  // (sim/checkers.h, sim/hostile.h) subscribe; several may watch one run.
  using Subscription = uint64_t;
  Subscription Subscribe(std::function<void(const ClusterEvent&)> on_event,
                         std::function<void(const TruthEvent&)> on_truth = {});
  void Unsubscribe(Subscription id);

 private:
  struct Member;
  struct Subscriber {
    Subscription id;
    std::function<void(const ClusterEvent&)> on_event;
    std::function<void(const TruthEvent&)> on_truth;
  };
  void Record(NodeId observer, ClusterEvent::Kind kind, const swim::Node& n);
  void PublishTruth(int i, TruthEvent::Kind kind);
  void Build(int i);

  World world_;
  ConfigFn config_fn_;
  std::vector<std::unique_ptr<Member>> members_;
  std::vector<ClusterEvent> events_;
  std::vector<std::optional<absl::Status>> join_results_;
  std::vector<Subscriber> subscribers_;
  bool any_moved_ = false;  // some node restarted at a new address
  Subscription next_subscription_ = 1;
  bool record_events_ = true;
  absl::Duration check_interval_ = absl::Milliseconds(1);
};

}  // namespace sim

#endif  // SWIM_SIM_CLUSTER_H_
