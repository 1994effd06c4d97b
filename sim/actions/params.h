// The parameters of a scheduled action, one struct per shape.
//
// ScheduledEvent::params (sim/scenario.h) is a std::variant of these. Several
// actions share a shape (crash, pause, resume, isolate and broadcast all take
// just `nodes`); an action with new parameters adds its struct here and to
// ActionParams.
//
// Plain data.
#ifndef SWIM_SIM_ACTIONS_PARAMS_H_
#define SWIM_SIM_ACTIONS_PARAMS_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "sim/network.h"

#include "absl/time/time.h"

namespace sim {

// heal
struct NoParams {};

// crash, pause, resume, isolate, broadcast
struct NodesParams {
  std::vector<int> nodes;
};

// leave, meta_update: `timeout` bounds the core's own operation.
struct TimedNodesParams {
  std::vector<int> nodes;
  absl::Duration timeout = absl::Seconds(5);
};

// How often a join is tried again while it fails (join, restart, rejoin).
// attempts = 1: no retry (the default, like memberlist's Join).
struct JoinRetry {
  int attempts = 1;
  absl::Duration interval = absl::Seconds(1);
};

// join: `count` new nodes join `seeds`.
struct JoinParams {
  int count = 0;
  std::vector<int> seeds;  // default {0}
  JoinRetry retry;
};

// restart, rejoin: `nodes` (re)join `seeds`.
struct RejoinParams {
  std::vector<int> nodes;
  std::vector<int> seeds;  // restart: default node 0 (1 for node 0)
  JoinRetry retry;
  // restart only (`address = "new"`): the new process binds a fresh
  // address and the old one stops answering (Cluster::Restart).
  bool new_address = false;
};

// partition
struct PartitionParams {
  std::vector<std::vector<int>> groups;
  bool split_brain = false;
};

// one_way
struct OneWayParams {
  std::vector<int> from, to;
};

// loss: probability on the links touching `nodes` (all links if empty).
struct LossParams {
  std::vector<int> nodes;
  double value = 0;
};

// latency: model on the links touching `nodes` (all links if empty).
struct LatencyParams {
  std::vector<int> nodes;
  LatencyModel latency;
};

// clock_drift
struct DriftParams {
  std::vector<int> nodes;
  int64_t ppm = 0;
};

// hostile: a misbehaving peer (sim/hostile.h) attacks the cluster.
struct HostileParams {
  std::vector<std::string> attacks;  // AttackName()s; empty: every attack
  std::vector<int> victims;          // empty: every node present at `at`
  absl::Duration interval = absl::Milliseconds(20);
  int burst = 1;
  bool act_as_member = true;
};

using ActionParams =
    std::variant<NoParams, NodesParams, TimedNodesParams, JoinParams,
                 RejoinParams, PartitionParams, OneWayParams, LossParams,
                 LatencyParams, DriftParams, HostileParams>;

// Every node index an action's parameters name (for range checks and
// reports), in the order written.
std::vector<int> NodeRefs(const ActionParams& p);
// The indexes listed under `nodes` (empty for shapes without it).
const std::vector<int>& TargetNodes(const ActionParams& p);

}  // namespace sim

#endif  // SWIM_SIM_ACTIONS_PARAMS_H_
