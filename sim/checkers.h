// sim::Monitor: watches a sim::Cluster during a scenario run, keeps every
// node's view of every other (from the membership events), measures
// detection and agreement times, and runs the invariant checkers.
//
// The checkers (names as used in a scenario's expect_fail / disable):
//
//  false_positives  A node declares a live node dead (a NotifyLeave with
//                   state dead whose subject is not crashed and has not
//                   left). Each one is recorded with the ground truth of
//                   why, from the World's drop and fault logs in the window
//                   [t - W, t], W = max suspicion timeout + 5 probe
//                   intervals: packets lost on the subject's links (by
//                   cause and peer), partitions, pauses of the subject or
//                   the accuser, clock drift, slow links (latency faults
//                   on the subject's or accuser's links, a [network]
//                   latency whose tail passes probe_timeout / 2, a
//                   bandwidth limit's queueing). The cause labels are
//                   listed in scenarios/README.md; "unexplained" means no
//                   fault could have caused it: a protocol problem worth a
//                   bug report. A paused node counts as live:
//                   declaring it dead is a false positive explained by the
//                   pause. So does a node restarted at a new address
//                   (restart with address = "new"): an accuser that still
//                   held its old address, which no longer answers, declares
//                   it dead, explained as "subject moved".
//                   Views are per address: a live node is agreed on only by
//                   an observer that holds it alive at its current address.
//  convergence      After the schedule's last action (the last heal, resume,
//                   restart, ...), every live node agrees on the membership
//                   (Cluster::Converged) within
//                     bound = SuspicionMax(n) + 2 * PushPullScale(pp, n)
//                             + 10 * probe_interval
//                   where SuspicionMax(n) = suspicion_max_timeout_mult *
//                   suspicion_mult * max(1, log10 n) * probe_interval: an
//                   outstanding suspicion has to run out, and a side that
//                   declared the other dead re-learns it through a push/pull
//                   (at most one scaled interval away, twice for the refute
//                   to come back), plus slack for probing and gossip.
//                   When the schedule restarts a node at a new address,
//                   the bound grows by dead_node_reclaim_time (or, when
//                   that is 0, gossip_to_the_dead_time: the dead entry
//                   must be reaped before the name can come back).
//                   [expect] convergence_bound overrides it.
//  incarnation      Per (observer, subject), the incarnation never goes
//                   down, and a suspect or dead subject becomes alive again
//                   only with a strictly higher incarnation (memberlist's
//                   aliveNode rule). Exceptions: the observer restarted (its
//                   table is new), the subject was dead/left for at least
//                   gossip_to_the_dead_time (the entry may have been reaped),
//                   or the name now comes from another address (a left or
//                   dead name reclaimed by a new process starts again at
//                   its own incarnation).
//  suspicion_bounds Lifeguard's timer: for each (subject, incarnation) the
//                   first dead declaration comes at least
//                   suspicion_mult * probe_interval (the smallest possible
//                   min timeout, n <= 10) after the first suspicion of that
//                   incarnation, minus 1% for clock drift, and never without
//                   a suspicion; and per observer, suspect -> dead takes at
//                   most SuspicionMax(n) + 2 probe intervals unless the
//                   observer was paused meanwhile.
//  crash_detection  Every crashed node is seen dead (or left, or reaped) by
//                   every live node within
//                     bound = 10 * probe_interval + SuspicionMax(n)
//                             + 2 * probe_interval
//                   (ten probe intervals: the chance that no node probes it
//                   in one interval is about 1/e, so ~e^-10 for ten; then
//                   the longest suspicion, then gossip), unless it restarted
//                   first or a partition was in force; [expect]
//                   crash_detection_bound overrides it.
//
//  hostile_hurt     (only in scenarios with a `hostile` action) Every honest,
//                   running node declared dead while a hostile peer was
//                   about, with the peer's forged claims about it
//                   (sim/hostile.h, HurtMonitor).
//
// Checkers are objects registered by name (CheckerRegistry below); the
// first five share the Monitor's per-cell views, others keep their own
// state and watch the cluster's event bus themselves.
//
// Single-threaded, on the World's thread.
#ifndef SWIM_SIM_CHECKERS_H_
#define SWIM_SIM_CHECKERS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/time.h"

#include "sim/cluster.h"

#include "absl/time/time.h"

namespace sim {

class FaultSet;

struct CheckerResult {
  std::string name;
  bool enabled = true;
  uint64_t violations = 0;
  std::vector<std::string> examples;  // the first few, human-readable
  bool failed() const { return violations > 0; }
};

struct FalsePositive {
  swim::Instant at;
  int observer = 0;
  int subject = 0;
  uint32_t incarnation = 0;
  std::string causes;  // "subject paused 4.1s; loss: 12 pkts (node-3 9, ...)"
};

// Bounds derived from a config and cluster size (see the header comment).
struct Bounds {
  absl::Duration suspicion_min_floor;  // suspicion_mult * probe_interval
  absl::Duration suspicion_min;        // for the largest n
  absl::Duration suspicion_max;        // for the largest n
  absl::Duration convergence;
  absl::Duration crash_detection;
  absl::Duration cause_window;
  static Bounds From(const swim::Config& c, int n);
};

// Per-crash measurements (virtual time from the crash).
struct CrashTiming {
  int node = 0;
  swim::Instant at;
  std::optional<absl::Duration> first_suspicion;
  std::optional<absl::Duration> first_detection;  // first dead declaration
  std::optional<absl::Duration> full_detection;   // every live node agrees
};

class Monitor {
 public:
  // `max_nodes`: every node index that will ever exist is below it.
  // Subscribes to the cluster's event bus (membership and ground truth).
  Monitor(Cluster* cluster, const swim::Config& config, int max_nodes,
          const Bounds& bounds, bool track_views = true);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // The scenario's fault history (for explanations of false deaths).
  void set_faults(const FaultSet* faults) { faults_ = faults; }

  // The bus feeds these.
  void OnEvent(const ClusterEvent& e);
  void OnTruth(const TruthEvent& t);
  void NodeStarted(int i);  // added+started, or restarted
  void NodeCrashed(int i);
  void NodeLeft(int i);  // after Leave was called
  // An action ended the disturbance: start a convergence measurement for
  // scheduled event `event_index` now.
  void WatchConvergence(int event_index);
  // The schedule is over at `t`: the convergence checker's clock starts.
  void ScheduleQuiet(swim::Instant t);

  // Cheap: fraction of live nodes whose view matches the truth.
  double AgreementFraction() const;
  // Call periodically (and after ground-truth changes): notices convergence.
  void Poll();

  // Deadline checks (the runner schedules them as World events).
  void CheckCrashDeadline(size_t crash_index);
  void CheckConvergenceDeadline();

  // Ends the run: pending deadlines that never came are evaluated as of now.
  void Finish();

  const std::vector<FalsePositive>& false_positives() const { return fps_; }
  const std::vector<CrashTiming>& crashes() const { return crashes_; }
  // Time from the start to the first full convergence (nullopt: never).
  std::optional<absl::Duration> initial_convergence() const { return initial_; }
  // Per scheduled event index: time until the next full convergence.
  const std::map<int, std::optional<absl::Duration>>& convergence_after()
      const {
    return conv_after_;
  }
  std::optional<absl::Duration> agreement_after_quiet() const {
    return quiet_agree_;
  }
  const Bounds& bounds() const { return bounds_; }
  // The Monitor's checkers (kMonitorCheckers), in that order.
  std::vector<CheckerResult> Results() const;
  const CheckerResult& Result(const std::string& name) const {
    return results_.at(name);
  }
  // A crash the crash_detection checker holds against the protocol: not
  // seen dead by every live node by its deadline, although it was neither
  // restarted first nor hidden by a partition in force. The
  // undetected_crashes metric counts exactly these (one definition).
  bool CrashMissed(size_t crash_index) const {
    return crash_index < crash_missed_.size() && crash_missed_[crash_index];
  }

 private:
  enum class View : uint8_t { kUnknown, kAlive, kSuspect, kDead, kLeft };
  struct Cell {
    View view = View::kUnknown;
    // Which of the subject's addresses the observer holds (0: its first;
    // see addresses_); kNoGen: none of them.
    uint16_t gen = 0;
    uint32_t inc = 0;
    swim::Instant since;          // when `view` began
    swim::Instant suspect_since;  // start of the current suspicion
  };
  struct Episode {  // per subject: the current incarnation's suspicion story
    uint32_t inc = 0;
    bool suspected = false;
    swim::Instant first_suspect;
    bool dead_declared = false;
  };

  Cell& cell(int o, int s) {
    return cells_[static_cast<size_t>(o) * max_nodes_ + s];
  }
  const Cell& cell(int o, int s) const {
    return cells_[static_cast<size_t>(o) * max_nodes_ + s];
  }
  bool Mismatch(int o, int s) const;
  void SetCell(int o, int s, View v, uint32_t inc, uint16_t gen);
  // Which of node s's addresses (addresses_[s]) ip:port is.
  uint16_t AddressGen(int s, const swim::IpAddress& ip, uint16_t port) const;
  // Whether generation `gen` is node s's current address.
  bool IsCurrentGen(int s, uint16_t gen) const;
  static constexpr uint16_t kNoGen = 0xFFFF;
  void SetUp(int i, bool up, bool reset_row);
  void ResetRow(int o);
  void Violation(const std::string& checker, std::string text);
  std::string Explain(int observer, int subject, swim::Instant t) const;
  bool PausedDuring(int node, swim::Instant a, swim::Instant b) const;
  // Whether fault-log record f is a partition fault naming `node` (an
  // isolation), recent enough to explain a death whose window starts at a.
  bool IsolationOf(const FaultRecord& f, int node, swim::Instant a) const;
  bool PartitionDuring(swim::Instant a, swim::Instant b) const;
  bool DriftOn(int node) const;
  void OnConverged();
  static int IndexOf(const std::string& name);

  std::vector<std::string> LinkCauses(int observer, int subject,
                                      swim::Instant a, swim::Instant t) const;
  // Faults of the other nodes that suspected `subject` in [a, t] (see
  // Explain): at most three of them, each with its own faults.
  std::vector<std::string> AccuserCauses(int observer, int subject,
                                         swim::Instant a,
                                         swim::Instant t) const;

  Cluster* cluster_;
  const FaultSet* faults_ = nullptr;
  Cluster::Subscription subscription_ = 0;
  swim::Config config_;
  int max_nodes_;
  Bounds bounds_;
  bool track_;
  std::vector<Cell> cells_;
  std::vector<bool> up_;
  std::vector<bool> exists_;
  std::vector<int> row_mismatch_;
  std::vector<swim::Instant> started_at_;
  // Per node: every address it has had, oldest first (most have one); the
  // last is the one it has now (restart with address = "new" adds one).
  std::vector<std::vector<swim::Address>> addresses_;
  std::vector<swim::Instant> moved_at_;  // when it last moved
  std::vector<Episode> episodes_;
  // Per subject: when each incarnation was first suspected, across
  // restarts. A restarted process starts again at incarnation 1, and a
  // suspicion of the old process at an incarnation it reuses can still run
  // out after the restart (its episode is new, the suspicion is not).
  std::vector<std::map<uint32_t, swim::Instant>> suspected_incs_;
  int64_t total_mismatch_ = 0;
  int up_count_ = 0;
  int rows_ok_ = 0;

  std::vector<FalsePositive> fps_;
  std::vector<CrashTiming> crashes_;
  std::vector<bool> crash_checked_;
  std::vector<bool> crash_missed_;
  std::optional<absl::Duration> initial_;
  std::map<int, std::optional<absl::Duration>> conv_after_;
  std::map<int, swim::Instant> conv_pending_;
  std::optional<swim::Instant> quiet_at_;
  std::optional<absl::Duration> quiet_agree_;
  bool quiet_checked_ = false;
  std::map<std::string, CheckerResult> results_;
};

// The checkers the Monitor computes.
inline constexpr std::string_view kMonitorCheckers[] = {
    "false_positives", "convergence", "incarnation", "suspicion_bounds",
    "crash_detection"};

class HostilePeer;
struct Scenario;

// One checker's view of a run.
class Checker {
 public:
  virtual ~Checker() = default;
  // A hostile peer joined the run (the hostile action).
  virtual void OnHostilePeer(const HostilePeer*) {}
  virtual CheckerResult Result() const = 0;
};

struct CheckerContext {
  Cluster* cluster = nullptr;
  const Monitor* monitor = nullptr;
};

struct CheckerDef {
  std::string_view name;
  // Whether it judges `sc` at all (hostile_hurt: only with a hostile action).
  bool (*applies)(const Scenario& sc) = nullptr;
  std::unique_ptr<Checker> (*make)(const CheckerContext& ctx,
                                   std::string_view name) = nullptr;
};

// Every checker, by name (sim/checkers.cc lists them).
const std::vector<CheckerDef>& CheckerRegistry();
const CheckerDef* FindChecker(std::string_view name);

}  // namespace sim

#endif  // SWIM_SIM_CHECKERS_H_
