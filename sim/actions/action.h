// sim::ActionSpec: one scenario action ([[event]] action = "...") in one
// place: the keys it reads, how it parses them, its label, whether the
// cluster should settle after it, and what it does to a run.
//
// Each action lives in its own file, sim/actions/<name>.cc, defining
//   const ActionSpec& <Name>Action();
// and is listed once in sim/actions/registry.inc. That list also generates
// the ActionKind enum (sim/scenario.h), so adding an action is one new file
// plus one registry line (scenarios/README.md walks through it).
//
// Actions act on a run only through ActionContext (implemented by the
// runner): the cluster, the World, the set of active network faults
// (sim/faults.h), an undo at the end of the event's `duration`, and the
// run's hostile peers. Ground truth (starts, crashes, leaves) flows from
// Cluster to every monitor over its event bus; actions never feed monitors.
//
// Specs are stateless singletons; Apply runs on the World's thread.
#ifndef SWIM_SIM_ACTIONS_ACTION_H_
#define SWIM_SIM_ACTIONS_ACTION_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "sim/actions/params.h"
#include "sim/scenario.h"
#include "sim/scenario_toml.h"

#include "absl/status/statusor.h"

namespace sim {

class Cluster;
class FaultSet;
class HostilePeer;
class World;

// What an action may do to a run.
class ActionContext {
 public:
  virtual ~ActionContext() = default;
  virtual Cluster& cluster() = 0;
  World& world();
  virtual const Scenario& scenario() const = 0;
  // The network faults in force (partitions, isolations, link changes).
  virtual FaultSet& faults() = 0;
  // Runs `undo` when the current event's `duration` has passed (only
  // called for events with a duration); the runner traces the end and
  // measures convergence from it.
  virtual void AtEnd(std::function<void()> undo) = 0;
  // Keeps a hostile peer alive for the rest of the run (its monitor is the
  // hostile_hurt checker).
  virtual void AddHostile(std::unique_ptr<HostilePeer> peer) = 0;
};

class ActionSpec {
 public:
  virtual ~ActionSpec() = default;
  virtual ActionKind kind() const = 0;
  std::string_view name() const;

  // The [[event]] keys it reads besides at, action and duration.
  virtual std::vector<std::string_view> keys() const = 0;
  // Reads those keys of `t` into its parameters; errors name the value.
  virtual absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                             const toml::table& t) const = 0;
  // Label text after the action name, e.g. " node-3..5" (default: the
  // `nodes` list, if any).
  virtual std::string Describe(const ActionParams& p) const;
  // The cluster should settle after it: its convergence time is measured.
  virtual bool settles() const { return false; }
  // `duration` means something: the action undoes itself at the end.
  virtual bool timed() const { return false; }
  // New cluster nodes it adds (join).
  virtual int adds_nodes(const ActionParams&) const { return 0; }
  // Carries out `e` (whose params are this action's).
  virtual void Apply(ActionContext& ctx, const ScheduledEvent& e) const = 0;
};

// The registry (sim/actions/registry.inc).
const ActionSpec& Action(ActionKind kind);
const ActionSpec* FindAction(std::string_view name);
const std::vector<const ActionSpec*>& AllActions();
// "join, leave, ..." for error messages.
std::string ActionNames();

// ---- helpers for action files ----
// "node-0..9,node-12": consecutive indexes collapse into ranges.
std::string NodeList(const std::vector<int>& v);
// `nodes` (or `node`), required: "<action> needs \"nodes\"" otherwise.
absl::StatusOr<std::vector<int>> RequiredNodes(const TomlReader& r,
                                               const toml::table& t,
                                               std::string_view action);
// `nodes` (or `node`) if present, else empty.
absl::StatusOr<std::vector<int>> OptionalNodes(const TomlReader& r,
                                               const toml::table& t);
// `key` as a node list if present, else `fallback`.
absl::StatusOr<std::vector<int>> NodesOr(const TomlReader& r,
                                         const toml::table& t,
                                         const std::string& key,
                                         std::vector<int> fallback);
// `retry = { interval = "1s", attempts = 5 }` if present.
absl::StatusOr<JoinRetry> ParseRetry(const TomlReader& r, const toml::table& t);
// The same table as a value.
absl::StatusOr<JoinRetry> ParseRetryValue(const TomlReader& r,
                                          const toml::node& n);
// Joins node i to `seeds`, trying again every retry.interval while it
// fails, up to retry.attempts tries in all (while the node stays the same
// running process).
void JoinWithRetry(ActionContext& ctx, int i, const std::vector<int>& seeds,
                   const JoinRetry& retry);
// The retry part alone: after a first attempt that ended with `first`.
void RetryJoin(ActionContext& ctx, int i, const std::vector<int>& seeds,
               const JoinRetry& retry, const absl::Status& first);

// The base of the actions that act on a list of nodes (`nodes`, or `node`,
// required) with parameters P (a params.h struct with a `nodes` field).
// It owns keys() and Parse(); an action adds kind() and Apply(), and, when
// it reads more keys, more_keys() and ParseMore().
template <class P = NodesParams>
class NodesAction : public ActionSpec {
 public:
  std::vector<std::string_view> keys() const final {
    std::vector<std::string_view> k = {"nodes", "node"};
    for (std::string_view more : more_keys()) k.push_back(more);
    return k;
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const final {
    P p;
    SWIM_TOML_ASSIGN(p.nodes, RequiredNodes(r, t, name()));
    if (absl::Status s = ParseMore(r, t, p); !s.ok()) return s;
    return p;
  }

 protected:
  // The keys read besides nodes/node, and how (after the nodes).
  virtual std::vector<std::string_view> more_keys() const { return {}; }
  virtual absl::Status ParseMore(const TomlReader&, const toml::table&,
                                 P&) const {
    return absl::OkStatus();
  }
  static const P& Params(const ScheduledEvent& e) {
    return std::get<P>(e.params);
  }
};

// Nodes and an optional `timeout` (leave, meta_update).
class NodesTimeoutAction : public NodesAction<TimedNodesParams> {
 protected:
  std::vector<std::string_view> more_keys() const final { return {"timeout"}; }
  absl::Status ParseMore(const TomlReader& r, const toml::table& t,
                         TimedNodesParams& p) const final;
};

}  // namespace sim

#endif  // SWIM_SIM_ACTIONS_ACTION_H_
