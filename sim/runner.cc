#include "sim/runner.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

#include "core/check.h"

#include "sim/actions/action.h"
#include "sim/cluster.h"
#include "sim/faults.h"
#include "sim/hostile.h"
#include "sim/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace sim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double Sec(absl::Duration d) { return absl::ToDoubleSeconds(d); }
double Sec(const std::optional<absl::Duration>& d) {
  return d ? Sec(*d) : kInf;
}

void AddSample(RunResult& r, std::string_view name, double v) {
  r.samples[std::string(name)].push_back(v);
}

// One run of a scenario with one seed. Implements the ActionContext the
// actions (sim/actions/) act through.
class Run final : public ActionContext {
 public:
  Run(const Scenario& sc, uint64_t seed, const RunOptions& opt)
      : sc_(sc),
        seed_(seed),
        opt_(opt),
        bounds_(MakeBounds(sc)),
        cluster_(Options(seed, opt.log_level),
                 [this](int) { return sc_.config; }),
        mon_(&cluster_, sc.config, sc.max_nodes(), bounds_, opt.track_views),
        faults_(&cluster_) {
    mon_.set_faults(&faults_);
    const CheckerContext ctx{&cluster_, &mon_};
    for (const CheckerDef& d : CheckerRegistry()) {
      if (d.applies(sc_)) checkers_.emplace_back(&d, d.make(ctx, d.name));
    }
  }

  static Bounds MakeBounds(const Scenario& sc) {
    Bounds b = Bounds::From(sc.config, sc.max_nodes());
    // A node restarted at a new address gets its name back only once its
    // old entry is dead for dead_node_reclaim_time, or reaped after
    // gossip_to_the_dead_time when the name is never reclaimable. Before
    // that the old entry has to die: a holder that missed the move (paused
    // through it) suspects the old address only when its probe round comes
    // to it, up to one probe interval per member later.
    for (const ScheduledEvent& e : sc.events) {
      const auto* p = std::get_if<RejoinParams>(&e.params);
      if (e.action != ActionKind::kRestart || p == nullptr || !p->new_address)
        continue;
      const absl::Duration reclaim = sc.config.dead_node_reclaim_time;
      b.convergence +=
          (reclaim > absl::ZeroDuration()
               ? std::min(reclaim, sc.config.gossip_to_the_dead_time)
               : sc.config.gossip_to_the_dead_time) +
          sc.max_nodes() * sc.config.probe_interval;
      break;
    }
    if (sc.convergence_bound) b.convergence = *sc.convergence_bound;
    if (sc.crash_detection_bound) b.crash_detection = *sc.crash_detection_bound;
    return b;
  }

  RunResult Go() {
    const auto wall0 = std::chrono::steady_clock::now();
    Setup();
    ScheduleEvents();
    sample_every_ = opt_.sample_interval > absl::ZeroDuration()
                        ? opt_.sample_interval
                        : std::max(sc_.duration / 200, absl::Milliseconds(10));
    Sample();
    RunToEnd();
    RunResult r;
    CollectTotals(r);
    CollectSamples(r);
    CollectCheckers(r);
    CollectNeverJoined(r);
    r.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0)
            .count();
    return r;
  }

  // ActionContext
  Cluster& cluster() override { return cluster_; }
  const Scenario& scenario() const override { return sc_; }
  FaultSet& faults() override { return faults_; }
  void AtEnd(std::function<void()> undo) override {
    const int k = current_;
    const ScheduledEvent& e = sc_.events[k];
    cluster_.world().After(
        *e.duration, "scenario-undo", [this, k, fn = std::move(undo)] {
          fn();
          cluster_.world().TraceNote(
              absl::StrCat("scenario: end of ", outcomes_[k].label));
          mon_.WatchConvergence(k);
        });
  }
  void AddHostile(std::unique_ptr<HostilePeer> peer) override {
    for (auto& [def, c] : checkers_) c->OnHostilePeer(peer.get());
    hostiles_.push_back(std::move(peer));
  }

 private:
  static WorldOptions Options(uint64_t seed, swim::LogLevel level) {
    WorldOptions o;
    o.seed = seed;
    o.log_level = level;
    o.record_drops = true;
    return o;
  }

  // The network, the bus subscriptions, the initial cluster.
  void Setup() {
    World& w = cluster_.world();
    if (opt_.trace_sink) w.SetTraceSink(opt_.trace_sink);
    if (opt_.observer) w.SetTraceSink(opt_.observer->Tap(opt_.trace_sink));
    w.network().SetDefaultLink(sc_.link);
    cluster_.set_record_events(false);
    cluster_.Subscribe([this](const ClusterEvent& e) { TraceEvent(e); },
                       [this](const TruthEvent& t) { OnTruth(t); });
    if (opt_.observer) {
      cluster_.Subscribe(
          [this](const ClusterEvent& e) { opt_.observer->OnClusterEvent(e); },
          [this](const TruthEvent& t) { opt_.observer->OnTruth(t); });
    }
    // As Cluster::CreateAndJoin, with the scenario's join_retry.
    for (int k = 0; k < sc_.size; ++k) cluster_.AddNode();
    for (int k = 0; k < sc_.size; ++k) SWIM_CHECK(cluster_.Start(k).ok());
    for (int k = 1; k < sc_.size; ++k) {
      if (sc_.join_stagger > absl::ZeroDuration()) {
        w.After(sc_.join_stagger * k, "join",
                [this, k] { JoinWithRetry(*this, k, {0}, sc_.join_retry); });
      } else {
        JoinWithRetry(*this, k, {0}, sc_.join_retry);
      }
    }
  }

  // Running nodes that tried to join, failed, and know nobody.
  void CollectNeverJoined(RunResult& r) {
    const auto& joins = cluster_.join_results();
    for (int i = 0; i < cluster_.size(); ++i) {
      if (!cluster_.is_up(i) || !joins[i].has_value() || joins[i]->ok())
        continue;
      if (cluster_.node(i)->NumMembers() > 1) continue;
      r.never_joined.push_back(absl::StrCat(
          Cluster::NodeName(i), ": last join failed: ", joins[i]->message()));
      r.problems.push_back(absl::StrCat(
          Cluster::NodeName(i),
          " never joined (its last join failed: ", joins[i]->message(),
          "); add retry = { interval = \"1s\", attempts = 10 } to retry"));
    }
    AddSample(r, kSampleNeverJoined,
              static_cast<double>(r.never_joined.size()));
  }

  // Membership events go to the text trace at debug level (not into the
  // hash, like log lines).
  void TraceEvent(const ClusterEvent& e) {
    if (!opt_.trace_sink || opt_.log_level != swim::LogLevel::kDebug) return;
    opt_.trace_sink(absl::StrFormat(
        "%.9f n%d event %s %s %s/%d",
        absl::ToDoubleSeconds(e.at - swim::Instant()), e.observer,
        std::string(ClusterEventKindName(e.kind)), e.subject,
        std::string(swim::NodeStateName(e.state)), e.incarnation));
  }

  // The runner's own part of the ground truth: bandwidth of started nodes,
  // deadlines of crashes (after the Monitor recorded them).
  void OnTruth(const TruthEvent& t) {
    World& w = cluster_.world();
    if (t.kind == TruthEvent::Kind::kStarted) {
      next_index_ = std::max(next_index_, t.node + 1);
      SetBandwidth(t.node);
    } else if (t.kind == TruthEvent::Kind::kCrashed) {
      const size_t ci = mon_.crashes().size() - 1;
      crash_deadline_.push_back(w.Now() + bounds_.crash_detection);
      w.After(bounds_.crash_detection, "scenario-crash-check",
              [this, ci] { mon_.CheckCrashDeadline(ci); });
    }
  }

  void ScheduleEvents() {
    World& w = cluster_.world();
    swim::Instant quiet;
    for (size_t k = 0; k < sc_.events.size(); ++k) {
      const ScheduledEvent& e = sc_.events[k];
      EventOutcome out;
      out.index = static_cast<int>(k);
      out.label = EventLabel(e);
      out.action = e.action;
      out.at = e.at;
      outcomes_.push_back(out);
      w.At(swim::Instant() + e.at, "scenario",
           [this, k] { Apply(static_cast<int>(k)); });
      swim::Instant end =
          swim::Instant() + e.at + e.duration.value_or(absl::ZeroDuration());
      if (end > quiet) quiet = end;
    }
    quiet_ = quiet;
    w.At(quiet, "scenario-quiet", [this] { mon_.ScheduleQuiet(quiet_); });
    w.At(quiet + bounds_.convergence, "scenario-converge-check",
         [this] { mon_.CheckConvergenceDeadline(); });
  }

  // Runs to the end of the scenario, then on until every open deadline has
  // its answer.
  void RunToEnd() {
    World& w = cluster_.world();
    const swim::Instant end = swim::Instant() + sc_.duration;
    w.RunUntil(end);
    swim::Instant hard_end = std::max(end, quiet_ + bounds_.convergence);
    for (swim::Instant d : crash_deadline_) hard_end = std::max(hard_end, d);
    if (!Settled()) {
      w.RunUntil([this] { return Settled(); }, hard_end + absl::Nanoseconds(1));
    }
    mon_.Finish();
    if (opt_.observer) opt_.observer->OnRunEnd(w);
  }

  bool Settled() {
    if (!mon_.agreement_after_quiet().has_value() && !conv_checked())
      return false;
    for (size_t i = 0; i < mon_.crashes().size(); ++i) {
      if (!mon_.crashes()[i].full_detection &&
          crash_deadline_[i] > cluster_.world().Now()) {
        return false;
      }
    }
    return true;
  }

  void CollectTotals(RunResult& r) {
    World& w = cluster_.world();
    r.seed = seed_;
    r.trace_hash = w.trace_hash();
    r.bounds = bounds_;
    r.virtual_time = w.Now() - swim::Instant();
    r.events_processed = w.events_processed();
    r.nodes = next_index_;
    const NodeStats tot = w.TotalStats();
    r.messages = tot.packets_sent + tot.streams_opened;
    r.bytes = tot.bytes_sent + tot.stream_bytes_sent;
  }

  void CollectSamples(RunResult& r) {
    const double secs = Sec(r.virtual_time);
    AddSample(r, kSampleBytesPerNodePerSec,
              r.bytes / secs / std::max(1, r.nodes));
    AddSample(r, kSampleMsgsPerNodePerSec,
              r.messages / secs / std::max(1, r.nodes));
    AddSample(r, kSampleFalsePositives,
              static_cast<double>(mon_.false_positives().size()));
    AddSample(r, kSampleInitialConvergence, Sec(mon_.initial_convergence()));
    r.crashes = mon_.crashes();
    int undetected = 0;
    for (size_t i = 0; i < r.crashes.size(); ++i) {
      const CrashTiming& c = r.crashes[i];
      AddSample(r, kSampleFirstSuspicion, Sec(c.first_suspicion));
      AddSample(r, kSampleFirstDetection, Sec(c.first_detection));
      AddSample(r, kSampleDetection, Sec(c.full_detection));
      if (mon_.CrashMissed(i)) ++undetected;
    }
    AddSample(r, kSampleUndetectedCrashes, undetected);
    const auto& conv = mon_.convergence_after();
    for (EventOutcome& o : outcomes_) {
      auto it = conv.find(o.index);
      if (it != conv.end()) o.converged_after = it->second;
      if (o.action == ActionKind::kJoin) {
        AddSample(r, kSampleJoinAgreement, Sec(o.converged_after));
      }
    }
    if (!sc_.events.empty()) {
      AddSample(r, kSampleAgreementAfterHeal,
                Sec(mon_.agreement_after_quiet()));
    }
    if (mon_.agreement_after_quiet()) {
      AddSample(
          r, kSampleConvergedBy,
          Sec(quiet_ - swim::Instant()) + Sec(*mon_.agreement_after_quiet()));
    } else {
      AddSample(r, kSampleConvergedBy, kInf);
    }
    r.events = outcomes_;
    r.false_positives = mon_.false_positives();
    r.agreement = std::move(agreement_);
  }

  void CollectCheckers(RunResult& r) {
    r.passed = true;
    for (const auto& [def, checker] : checkers_) {
      const std::string name(def->name);
      CheckerOutcome o;
      o.result = checker->Result();
      o.enabled =
          std::find(sc_.disabled_checkers.begin(), sc_.disabled_checkers.end(),
                    name) == sc_.disabled_checkers.end();
      o.expected_to_fail =
          std::find(sc_.expect_fail.begin(), sc_.expect_fail.end(), name) !=
          sc_.expect_fail.end();
      if (o.expected_to_fail) o.enabled = true;
      if (o.problem()) {
        r.passed = false;
        if (o.expected_to_fail) {
          r.problems.push_back(
              absl::StrCat("checker ", name,
                           " was expected to fail (expect_fail) but held"));
        } else {
          r.problems.push_back(absl::StrCat(
              "checker ", name, ": ", o.result.violations,
              " violation(s); first: ",
              o.result.examples.empty() ? "" : o.result.examples[0]));
        }
      }
      r.checkers.push_back(std::move(o));
    }
  }

  bool conv_checked() {
    return cluster_.world().Now() >= quiet_ + bounds_.convergence;
  }

  void SetBandwidth(int i) {
    if (sc_.bandwidth_bytes_per_sec == 0) return;
    BandwidthLimit b;
    b.bytes_per_second = sc_.bandwidth_bytes_per_sec;
    cluster_.world().network().SetBandwidth(cluster_.world_id(i), b);
  }

  void Sample() {
    World& w = cluster_.world();
    mon_.Poll();
    agreement_.emplace_back(Sec(w.Now() - swim::Instant()),
                            mon_.AgreementFraction());
    if (w.Now() + sample_every_ <= swim::Instant() + sc_.duration) {
      w.After(sample_every_, "scenario-sample", [this] { Sample(); });
    }
  }

  void Apply(int k) {
    const ScheduledEvent& e = sc_.events[k];
    const ActionSpec& spec = Action(e.action);
    cluster_.world().TraceNote(absl::StrCat("scenario: ", outcomes_[k].label));
    current_ = k;
    spec.Apply(*this, e);
    current_ = -1;
    if (spec.settles()) mon_.WatchConvergence(k);
  }

  const Scenario& sc_;
  uint64_t seed_;
  RunOptions opt_;
  Bounds bounds_;
  Cluster cluster_;
  Monitor mon_;
  FaultSet faults_;
  std::vector<std::pair<const CheckerDef*, std::unique_ptr<Checker>>> checkers_;
  std::vector<std::unique_ptr<HostilePeer>> hostiles_;
  int current_ = -1;  // the event being applied
  int next_index_ = 0;
  swim::Instant quiet_;
  absl::Duration sample_every_;
  std::vector<EventOutcome> outcomes_;
  std::vector<swim::Instant> crash_deadline_;
  std::vector<std::pair<double, double>> agreement_;
};

}  // namespace

std::string EventLabel(const ScheduledEvent& e) {
  const ActionSpec& spec = Action(e.action);
  std::string s =
      absl::StrCat(std::string(spec.name()), spec.Describe(e.params));
  if (e.duration)
    absl::StrAppend(&s, " for ", absl::FormatDuration(*e.duration));
  absl::StrAppend(&s, " @", absl::FormatDuration(e.at));
  return s;
}

bool PlantedBugsLinked() {
#ifdef SWIM_SIM_PLANTED_BUGS
  return true;
#else
  return false;
#endif
}

absl::Status CheckScenarioSupported(const Scenario& scenario) {
  if (scenario.planted_bugs != 0 && !PlantedBugsLinked()) {
    return absl::FailedPreconditionError(absl::StrCat(
        scenario.path.empty() ? scenario.name : scenario.path,
        ": sets planted_bugs, but this binary's core ignores them; run it with "
        "//sim:swimsim_planted_bugs (./bazelw run //sim:swimsim_planted_bugs "
        "-- --scenario ",
        scenario.path, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RunResult> RunScenario(const Scenario& scenario, uint64_t seed,
                                      const RunOptions& options) {
  absl::Status s = CheckScenarioSupported(scenario);
  if (!s.ok()) return s;
  auto run = std::make_unique<Run>(scenario, seed, options);
  return run->Go();
}

}  // namespace sim
