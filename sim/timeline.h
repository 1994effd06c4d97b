// sim::TimelineRecorder: records how the cluster saw each node over one
// scenario run, for the HTML report (sim/html_report.h) and the Chrome
// trace-event export (sim/chrome_trace.h).
//
// A passive observer with four inputs, all of which the run produces
// anyway: the membership events (ClusterEvent) and the ground truth
// (TruthEvent: started, crashed, left) from the Cluster's event bus, as the
// checkers get them; the World's text trace lines; and the World's per-node
// traffic counters at the end. It never
// schedules anything, draws no randomness and writes nothing into the
// World, so a recorded run has the same trace hash as an unrecorded one.
// The runner feeds it only when RunOptions::timeline is set; otherwise it
// costs nothing.
//
// What it reconstructs:
//  - the node x time grid: for each subject node and each column of virtual
//    time, how many observers (running nodes other than the subject) held it
//    alive / suspect / dead / left / unknown. A column shows each observer's
//    most severe view during that column, so a suspicion shorter than a
//    column still shows.
//  - ground truth per node (crashed, paused, left, not yet started): the
//    truth events, and pauses from the trace;
//  - suspicions as spans (observer suspects subject, until refuted,
//    declared dead, or the observer went away);
//  - probes and push/pulls as slices, from the trace: a probe starts when a
//    node's "probe" timer fires; its target is the first node it delivers a
//    packet to afterwards, and it ends at the first packet back from the
//    target (acked) or at the node's next probe (no ack). Push/pulls are the
//    stream-open / stream-done pairs. (The trace carries no message types,
//    so a probe's target is inferred; rare gossip packets in flight at the
//    probe tick can mislabel one.)
//  - for every false death (a checker's FalsePositive): who suspected the
//    victim first, who confirmed, whether and when the victim heard of it
//    (its "refuting" log lines), and the trace lines of accuser and victim
//    around it. The suspicion details need core log lines at INFO level
//    (swimsim asks for them when recording; lines below the user's own
//    --log level do not reach the user's trace file).
//
// Single-threaded; one recorder per run (Begin/End pairs may repeat).
#ifndef SWIM_SIM_TIMELINE_H_
#define SWIM_SIM_TIMELINE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/cluster.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/world.h"

namespace sim {

// What one run looked like (everything in virtual seconds).
struct Timeline {
  enum State : uint8_t { kAlive, kSuspect, kDead, kLeft, kUnknown };
  static constexpr int kStates = 5;

  uint64_t seed = 0;
  int nodes = 0;
  double end_s = 0;
  double column_s = 0;
  int columns = 0;
  // counts[(node * columns + col) * kStates + state]: observers of `node`
  // in that state during column `col`.
  std::vector<uint16_t> counts;
  uint16_t count(int node, int col, State s) const {
    return counts[(static_cast<size_t>(node) * columns + col) * kStates + s];
  }

  struct Interval {  // ground truth: node not running normally
    int node = 0;
    double t0 = 0, t1 = 0;
    std::string what;  // "crashed", "paused", "left", "not started"
  };
  std::vector<Interval> down;

  struct Span {     // a probe, push/pull or suspicion
    int node = 0;   // the prober / client / observer
    int peer = -1;  // target / server / suspected node
    double t0 = 0, t1 = 0;
    std::string what;  // probe: "ack" | "no ack"; push/pull: "ok" | "failed";
                       // suspicion: "refuted" | "dead" | "left" | "gone" |
                       // "open"
  };
  std::vector<Span> probes, push_pulls, suspicions;

  struct Mark {  // a fault from the World's trace (crash, pause, partition...)
    int node = -1;  // -1: cluster-wide
    double t = 0;
    std::string what;
  };
  std::vector<Mark> faults;

  struct Death {  // one false death and the story behind it
    double at = 0;
    int accuser = 0, victim = 0;
    uint32_t incarnation = 0;
    std::string causes;                                // from the checker
    std::vector<std::pair<int, double>> suspected_by;  // independent
                                                       // suspicions, in order
    int confirmations = -1;  // as the accuser's log line counts them
    std::vector<std::pair<int, double>> also_dead_by;  // other observers
    double victim_heard = -1;  // first "refuting" line on the victim
    std::string victim_heard_what;
    double refuted_seen = -1;  // first observer seeing a higher incarnation
    std::vector<std::string> excerpt;  // trace lines of accuser and victim
  };
  std::vector<Death> deaths;

  struct Traffic {
    uint64_t packets_sent = 0, bytes_sent = 0, packets_received = 0,
             bytes_received = 0, streams_opened = 0, stream_bytes_sent = 0;
  };
  std::vector<Traffic> traffic;  // per node
};

class TimelineRecorder final : public RunObserver {
 public:
  struct Options {
    // Columns of the node x time grid (at most; at least 10 ms each).
    int max_columns = 600;
    // Keep trace lines for the false-death excerpts.
    bool keep_excerpts = true;
    // Lines passed through to the user's sink honour this level (the
    // recorder may have asked the World for more).
    swim::LogLevel user_log_level = swim::LogLevel::kError;
  };
  explicit TimelineRecorder(Options options);
  TimelineRecorder() : TimelineRecorder(Options()) {}

  // --- feeds (the runner calls these) ---------------------------------------
  // A trace sink that records every line, then passes it to `user` (if set,
  // and if it is not a log line below the user's level).
  World::TraceSink Tap(World::TraceSink user) override;
  void OnClusterEvent(const ClusterEvent& e) override;
  void OnTruth(const TruthEvent& t) override;
  void OnRunEnd(const World& world) override;

  // Builds the Timeline of the run just ended (uses its false positives)
  // and clears the recorder for the next run.
  Timeline Finish(const RunResult& result);

  // The lowest log level the recorder needs from the World.
  static swim::LogLevel NeededLogLevel() { return swim::LogLevel::kInfo; }

 private:
  struct Ev {   // a view change
    int64_t t;  // ns
    int observer, subject;
    uint8_t state;  // Timeline::State
    uint32_t inc;
  };
  struct Line {
    int64_t t;
    int a, b;  // node indexes or -1
    std::string text;
  };
  struct Truth {  // a ground-truth change
    int64_t t;    // ns
    int node;
    TruthEvent::Kind kind;
  };
  struct Pending {
    bool active = false;
    int64_t t0 = 0;
    int target = -1;
  };
  void OnLine(std::string_view line);
  void EnsureNode(int i);
  void CloseProbe(int node, int64_t t, const char* what);

  Options opt_;
  std::vector<Ev> evs_;
  std::vector<Line> lines_;
  std::vector<Pending> probe_;
  std::vector<std::vector<std::pair<int, int64_t>>> streams_;  // per client
  std::vector<Timeline::Span> probes_, push_pulls_;
  std::vector<Timeline::Mark> faults_;
  std::vector<Truth> truth_;
  std::vector<std::pair<int64_t, std::pair<int, bool>>> paused_;
  std::vector<Timeline::Traffic> traffic_;
  int64_t end_ns_ = 0;
  int max_node_ = -1;
};

// "node-12" -> 12; -1 if not a cluster node name.
int TimelineNodeIndex(std::string_view name);

}  // namespace sim

#endif  // SWIM_SIM_TIMELINE_H_
