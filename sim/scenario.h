// sim::Scenario: a simulator run described in TOML (scenarios/*.toml).
//
// A scenario names a cluster (size, config profile and overrides), a network
// model, a timed schedule of actions (joins, crashes, pauses, partitions,
// loss changes, ...) and expectations about the outcome. The runner
// (sim/runner.h) plays it against the real core inside a World; the CLI is
// //sim:swimsim. See scenarios/README.md for the full format; in short:
//
//   name = "quickstart"
//   [cluster]
//   size = 20                 # nodes that all join node 0 at t=0
//   profile = "lan"           # lan | wan | local
//   compat = "go"             # default | go: Config::ApplyGoCompat()
//   seeds = "1..20"           # or seed = 7
//   duration = "60s"          # virtual time of one run
//   probe_interval = "500ms"  # any swim::Config field by snake_case name
//   [network]
//   latency = { kind = "lognormal", floor = "200us", median = "300us", sigma =
//   0.5 } loss = 0.01
//   [[event]]
//   at = "10s"
//   action = "crash"
//   nodes = [3]
//   [expect]
//   detection_p99 = "<= 5s"
//   false_positives = 0
//
// Errors: every problem is reported as "file:line:col: message" (TOML
// syntax, unknown keys, wrong types, bad durations, node indexes out of
// range, unknown actions), as absl::InvalidArgumentError.
//
// Thread-compatible plain data.
#ifndef SWIM_SIM_SCENARIO_H_
#define SWIM_SIM_SCENARIO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"

#include "sim/actions/params.h"
#include "sim/network.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sim {

// One value per action in sim/actions/registry.inc (kJoin, kCrash, ...);
// each action's behaviour lives in sim/actions/<name>.cc.
enum class ActionKind : uint8_t {
#define SWIM_ACTION(kind, name, spec) kind,
#include "sim/actions/registry.inc"
#undef SWIM_ACTION
};
std::string_view ActionKindName(ActionKind kind);

struct ScheduledEvent {
  absl::Duration at;
  ActionKind action;
  std::optional<absl::Duration> duration;  // auto-undo after this long
  ActionParams params;  // the alternative its action parses (actions/*.cc)
  int line = 0;         // source line, for messages
  // The `nodes` the action targets (empty for shapes without `nodes`).
  const std::vector<int>& nodes() const { return TargetNodes(params); }
};

// A comparison in [expect]: metric OP value.
struct Expectation {
  enum class Op : uint8_t { kLe, kLt, kGe, kGt, kEq };
  std::string metric;
  Op op = Op::kLe;
  double value = 0;  // seconds for durations, else plain number
  bool is_duration = false;
  std::string text;  // as written, for the report
  int line = 0;
};
std::string_view ExpectationOpName(Expectation::Op op);

// Every metric name [expect] accepts (the table in sim/metrics.h).
const std::vector<std::string>& KnownMetrics();
// Checker names for expect_fail / disable (the registry in sim/checkers.h).
const std::vector<std::string>& KnownCheckers();

struct Scenario {
  std::string name;  // from `name`, else the file's stem
  std::string description;
  std::string path;    // file it came from ("" for strings)
  std::string source;  // the TOML text (for shrinking)

  // [cluster]
  int size = 3;
  std::string profile = "lan";
  // "default" or "go": Config::ApplyGoCompat() on the profile, before the
  // Config overrides (docs/departures.md).
  std::string compat = "default";
  std::vector<uint64_t> seeds = {1};
  absl::Duration duration = absl::Seconds(60);
  absl::Duration join_stagger = absl::ZeroDuration();
  JoinRetry join_retry;  // for the initial joins ([cluster] join_retry)
  swim::Config config;   // the profile with overrides applied
  uint32_t planted_bugs = 0;

  // [network]
  LinkParams link;
  uint64_t bandwidth_bytes_per_sec = 0;

  std::vector<ScheduledEvent> events;  // sorted by `at` (stable)

  // [expect]
  std::vector<Expectation> expectations;
  std::vector<std::string> expect_fail;  // checkers that must fail
  std::vector<std::string> disabled_checkers;
  // Explicit bounds overriding the config-derived ones (checkers.h).
  std::optional<absl::Duration> convergence_bound;
  std::optional<absl::Duration> crash_detection_bound;

  // Largest node count ever present (size + every join's count).
  int max_nodes() const;
};

// Parses TOML text. `path` is used in error messages and for the default name.
absl::StatusOr<Scenario> ParseScenario(const std::string& text,
                                       const std::string& path);
// Reads and parses a file.
absl::StatusOr<Scenario> LoadScenario(const std::string& path);

// "1..100" or "7" or "1,5,9" -> seeds. InvalidArgument on garbage.
absl::StatusOr<std::vector<uint64_t>> ParseSeedRange(const std::string& text);
// "500ms", "2s", "1m30s", "250us" -> duration (absl::ParseDuration plus "m"
// for minutes). InvalidArgument on garbage or negative values.
absl::StatusOr<absl::Duration> ParseDurationText(const std::string& text);
// "ignore_refute,skip_suspicion" -> PlantedBug mask.
absl::StatusOr<uint32_t> ParsePlantedBugs(const std::string& text);

}  // namespace sim

#endif  // SWIM_SIM_SCENARIO_H_
