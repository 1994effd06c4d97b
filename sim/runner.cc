#include "sim/runner.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "sim/cluster.h"

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

// "node-0..9,node-12": consecutive indexes collapse into ranges.
std::string NodeList(const std::vector<int>& v) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (j >= i + 2) {
      parts.push_back(absl::StrCat(Cluster::NodeName(v[i]), "..", v[j]));
    } else {
      for (size_t k = i; k <= j; ++k) parts.push_back(Cluster::NodeName(v[k]));
    }
    i = j + 1;
  }
  return absl::StrJoin(parts, ",");
}

std::string EventLabel(const ScheduledEvent& e) {
  std::string s(ActionKindName(e.action));
  switch (e.action) {
    case ActionKind::kJoin:
      absl::StrAppend(&s, " +", e.count);
      break;
    case ActionKind::kPartition:
      if (e.split_brain) {
        absl::StrAppend(&s, " split-brain");
      } else {
        for (const auto& g : e.groups)
          absl::StrAppend(&s, " [", NodeList(g), "]");
      }
      break;
    case ActionKind::kOneWay:
      absl::StrAppend(&s, " ", NodeList(e.from), "->", NodeList(e.to));
      break;
    case ActionKind::kLoss:
      absl::StrAppend(&s, " ", e.value * 100, "%");
      if (!e.nodes.empty()) absl::StrAppend(&s, " ", NodeList(e.nodes));
      break;
    case ActionKind::kHeal:
      break;
    default:
      if (!e.nodes.empty()) absl::StrAppend(&s, " ", NodeList(e.nodes));
  }
  if (e.duration)
    absl::StrAppend(&s, " for ", absl::FormatDuration(*e.duration));
  absl::StrAppend(&s, " @", absl::FormatDuration(e.at));
  return s;
}

// Actions after which the cluster should settle again (their convergence
// time is measured).
bool Settles(ActionKind a) {
  switch (a) {
    case ActionKind::kJoin:
    case ActionKind::kLeave:
    case ActionKind::kRestart:
    case ActionKind::kResume:
    case ActionKind::kHeal:
    case ActionKind::kMetaUpdate:
    case ActionKind::kRejoin:
      return true;
    default:
      return false;
  }
}

class Run {
 public:
  Run(const Scenario& sc, uint64_t seed, const RunOptions& opt)
      : sc_(sc),
        seed_(seed),
        opt_(opt),
        bounds_(MakeBounds(sc)),
        cluster_(Options(seed, opt.log_level),
                 [this](int) { return sc_.config; }),
        mon_(&cluster_, sc.config, sc.max_nodes(), bounds_, opt.track_views) {}

  static Bounds MakeBounds(const Scenario& sc) {
    Bounds b = Bounds::From(sc.config, sc.max_nodes());
    if (sc.convergence_bound) b.convergence = *sc.convergence_bound;
    if (sc.crash_detection_bound) b.crash_detection = *sc.crash_detection_bound;
    return b;
  }

  RunResult Go() {
    const auto wall0 = std::chrono::steady_clock::now();
    World& w = cluster_.world();
    if (opt_.trace_sink) w.SetTraceSink(opt_.trace_sink);
    if (opt_.observer) w.SetTraceSink(opt_.observer->Tap(opt_.trace_sink));
    w.network().SetDefaultLink(sc_.link);
    cluster_.set_record_events(false);
    cluster_.set_event_listener([this](const ClusterEvent& e) {
      // Membership events go to the text trace at debug level (not into
      // the hash, like log lines).
      if (opt_.trace_sink && opt_.log_level == swim::LogLevel::kDebug) {
        opt_.trace_sink(absl::StrFormat(
            "%.9f n%d event %s %s %s/%d",
            absl::ToDoubleSeconds(e.at - swim::Instant()), e.observer,
            std::string(ClusterEventKindName(e.kind)), e.subject,
            std::string(swim::NodeStateName(e.state)), e.incarnation));
      }
      mon_.OnEvent(e);
      if (opt_.observer) opt_.observer->OnClusterEvent(e);
    });

    cluster_.CreateAndJoin(sc_.size, sc_.join_stagger);
    for (int i = 0; i < sc_.size; ++i) {
      SetBandwidth(i);
      mon_.NodeStarted(i);
    }
    next_index_ = sc_.size;

    // Schedule the actions.
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

    // Agreement sampling.
    sample_every_ = opt_.sample_interval > absl::ZeroDuration()
                        ? opt_.sample_interval
                        : std::max(sc_.duration / 200, absl::Milliseconds(10));
    Sample();

    const swim::Instant end = swim::Instant() + sc_.duration;
    w.RunUntil(end);
    // Let open deadlines get their answer.
    auto settled = [this] {
      if (!mon_.agreement_after_quiet().has_value() && !conv_checked())
        return false;
      for (size_t i = 0; i < mon_.crashes().size(); ++i) {
        if (!mon_.crashes()[i].full_detection &&
            crash_deadline_[i] > cluster_.world().Now()) {
          return false;
        }
      }
      return true;
    };
    swim::Instant hard_end = std::max(end, quiet + bounds_.convergence);
    for (swim::Instant d : crash_deadline_) hard_end = std::max(hard_end, d);
    if (!settled()) w.RunUntil(settled, hard_end + absl::Nanoseconds(1));
    mon_.Finish();
    if (opt_.observer) opt_.observer->OnRunEnd(w);

    RunResult r;
    r.seed = seed_;
    r.trace_hash = w.trace_hash();
    r.bounds = bounds_;
    r.virtual_time = w.Now() - swim::Instant();
    r.events_processed = w.events_processed();
    r.nodes = next_index_;
    const NodeStats tot = w.TotalStats();
    r.messages = tot.packets_sent + tot.streams_opened;
    r.bytes = tot.bytes_sent + tot.stream_bytes_sent;
    const double secs = Sec(r.virtual_time);
    r.samples["bytes_per_node_per_sec"].push_back(r.bytes / secs /
                                                  std::max(1, r.nodes));
    r.samples["msgs_per_node_per_sec"].push_back(r.messages / secs /
                                                 std::max(1, r.nodes));
    r.samples["false_positives"].push_back(
        static_cast<double>(mon_.false_positives().size()));
    r.samples["initial_convergence"].push_back(Sec(mon_.initial_convergence()));
    r.crashes = mon_.crashes();
    int undetected = 0;
    for (const CrashTiming& c : r.crashes) {
      r.samples["first_suspicion"].push_back(Sec(c.first_suspicion));
      r.samples["first_detection"].push_back(Sec(c.first_detection));
      r.samples["detection"].push_back(Sec(c.full_detection));
      if (!c.full_detection) ++undetected;
    }
    r.samples["undetected_crashes"].push_back(undetected);
    const auto& conv = mon_.convergence_after();
    int last_settle = -1;
    for (EventOutcome& o : outcomes_) {
      auto it = conv.find(o.index);
      if (it != conv.end()) o.converged_after = it->second;
      if (o.action == ActionKind::kJoin) {
        r.samples["join_agreement"].push_back(Sec(o.converged_after));
      }
      if (Settles(o.action) || sc_.events[o.index].duration)
        last_settle = o.index;
    }
    if (last_settle >= 0 || !sc_.events.empty()) {
      r.samples["agreement_after_heal"].push_back(
          Sec(mon_.agreement_after_quiet()));
    }
    if (mon_.agreement_after_quiet()) {
      r.samples["converged_by"].push_back(Sec(quiet_ - swim::Instant()) +
                                          Sec(*mon_.agreement_after_quiet()));
    } else {
      r.samples["converged_by"].push_back(kInf);
    }
    r.events = outcomes_;
    r.false_positives = mon_.false_positives();
    r.agreement = std::move(agreement_);

    r.passed = true;
    for (const CheckerResult& c : mon_.Results()) {
      CheckerOutcome o;
      o.result = c;
      o.enabled =
          std::find(sc_.disabled_checkers.begin(), sc_.disabled_checkers.end(),
                    c.name) == sc_.disabled_checkers.end();
      o.expected_to_fail =
          std::find(sc_.expect_fail.begin(), sc_.expect_fail.end(), c.name) !=
          sc_.expect_fail.end();
      if (o.expected_to_fail) o.enabled = true;
      if (o.problem()) {
        r.passed = false;
        if (o.expected_to_fail) {
          r.problems.push_back(
              absl::StrCat("checker ", c.name,
                           " was expected to fail (expect_fail) but held"));
        } else {
          r.problems.push_back(absl::StrCat(
              "checker ", c.name, ": ", c.violations, " violation(s); first: ",
              c.examples.empty() ? "" : c.examples[0]));
        }
      }
      r.checkers.push_back(std::move(o));
    }
    r.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0)
            .count();
    return r;
  }

 private:
  static WorldOptions Options(uint64_t seed, swim::LogLevel level) {
    WorldOptions o;
    o.seed = seed;
    o.log_level = level;
    o.record_drops = true;
    return o;
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

  std::vector<NodeId> Ids(const std::vector<int>& v) {
    std::vector<NodeId> out;
    for (int i : v) out.push_back(cluster_.world_id(i));
    return out;
  }

  // Applies `edit` to the default link (or every link of e.nodes) and, for
  // an event with a duration, restores the previous links when it ends.
  void LinkChange(int k, const ScheduledEvent& e,
                  const std::function<void(LinkParams&)>& edit) {
    Network& net = cluster_.world().network();
    if (e.duration) {
      Undo(k, [this, before = net.default_link()] {
        cluster_.world().network().SetDefaultLink(before);
        cluster_.world().network().ClearLinkOverrides();
        cluster_.world().NoteLinkChange();
      });
    }
    if (e.nodes.empty()) {
      LinkParams p = net.default_link();
      edit(p);
      net.SetDefaultLink(p);
    } else {
      for (int i : e.nodes) {
        for (int j = 0; j < cluster_.size(); ++j) {
          if (j == i) continue;
          LinkParams p = net.Link(cluster_.world_id(i), cluster_.world_id(j));
          edit(p);
          net.SetLinkBoth(cluster_.world_id(i), cluster_.world_id(j), p);
        }
      }
    }
    cluster_.world().NoteLinkChange();
  }

  void Undo(int k, std::function<void()> fn) {
    const ScheduledEvent& e = sc_.events[k];
    cluster_.world().After(
        *e.duration, "scenario-undo", [this, k, fn = std::move(fn)] {
          fn();
          cluster_.world().TraceNote(
              absl::StrCat("scenario: end of ", outcomes_[k].label));
          mon_.WatchConvergence(k);
        });
  }

  void Apply(int k) {
    const ScheduledEvent& e = sc_.events[k];
    World& w = cluster_.world();
    w.TraceNote(absl::StrCat("scenario: ", outcomes_[k].label));
    switch (e.action) {
      case ActionKind::kJoin:
        for (int c = 0; c < e.count; ++c) {
          const int i = cluster_.AddNode();
          next_index_ = i + 1;
          SetBandwidth(i);
          (void)cluster_.Start(i);
          mon_.NodeStarted(i);
          cluster_.Join(i, e.seeds);
        }
        break;
      case ActionKind::kLeave:
        for (int i : e.nodes) {
          if (!cluster_.is_up(i)) continue;
          cluster_.Leave(i, e.timeout);
          mon_.NodeLeft(i);
        }
        break;
      case ActionKind::kCrash:
        for (int i : e.nodes) {
          if (cluster_.node(i) == nullptr) continue;
          cluster_.Crash(i);
          mon_.NodeCrashed(i);
          const size_t ci = mon_.crashes().size() - 1;
          crash_deadline_.push_back(w.Now() + bounds_.crash_detection);
          w.After(bounds_.crash_detection, "scenario-crash-check",
                  [this, ci] { mon_.CheckCrashDeadline(ci); });
        }
        break;
      case ActionKind::kRestart:
        for (int i : e.nodes) {
          if (cluster_.node(i) != nullptr) continue;
          cluster_.Restart(i, e.seeds);
          SetBandwidth(i);
          mon_.NodeStarted(i);
        }
        break;
      case ActionKind::kPause:
        for (NodeId id : Ids(e.nodes)) w.Pause(id);
        if (e.duration) {
          Undo(k, [this, ids = Ids(e.nodes)] {
            for (NodeId id : ids) cluster_.world().Resume(id);
          });
        }
        break;
      case ActionKind::kResume:
        for (NodeId id : Ids(e.nodes)) w.Resume(id);
        break;
      case ActionKind::kPartition: {
        if (e.split_brain) {
          w.SplitBrain();
        } else {
          std::vector<std::vector<NodeId>> groups;
          for (const auto& g : e.groups) groups.push_back(Ids(g));
          w.Partition(groups);
        }
        if (e.duration) Undo(k, [this] { cluster_.world().Heal(); });
        break;
      }
      case ActionKind::kHeal:
        w.Heal();
        break;
      case ActionKind::kIsolate:
        for (NodeId id : Ids(e.nodes)) w.Isolate(id);
        if (e.duration) {
          Undo(k, [this, ids = Ids(e.nodes)] {
            for (NodeId id : ids) cluster_.world().Unisolate(id);
          });
        }
        break;
      case ActionKind::kOneWay:
        w.BlockOneWay(Ids(e.from), Ids(e.to));
        if (e.duration) Undo(k, [this] { cluster_.world().Heal(); });
        break;
      case ActionKind::kLoss: {
        const double v = e.value;
        LinkChange(k, e, [v](LinkParams& p) { p.loss = v; });
        break;
      }
      case ActionKind::kLatency: {
        const LatencyModel m = e.latency;
        LinkChange(k, e, [m](LinkParams& p) { p.latency = m; });
        break;
      }
      case ActionKind::kMetaUpdate:
        for (int i : e.nodes) {
          if (swim::Memberlist* ml = cluster_.node(i)) {
            ml->UpdateNode(e.timeout, [](absl::Status) {});
          }
        }
        break;
      case ActionKind::kBroadcast:
        for (int i : e.nodes) {
          swim::Memberlist* ml = cluster_.node(i);
          if (ml == nullptr) continue;
          for (const swim::Node& n : ml->Members()) {
            if (n.name == ml->LocalNode().name) continue;
            (void)ml->SendBestEffort(n.name, "swimsim broadcast");
          }
        }
        break;
      case ActionKind::kClockDrift:
        for (NodeId id : Ids(e.nodes)) w.SetClockDrift(id, e.ppm);
        break;
      case ActionKind::kRejoin:
        for (int i : e.nodes) {
          if (cluster_.is_up(i)) cluster_.Join(i, e.seeds);
        }
        break;
    }
    if (Settles(e.action)) mon_.WatchConvergence(k);
  }

  const Scenario& sc_;
  uint64_t seed_;
  RunOptions opt_;
  Bounds bounds_;
  Cluster cluster_;
  Monitor mon_;
  int next_index_ = 0;
  swim::Instant quiet_;
  absl::Duration sample_every_;
  std::vector<EventOutcome> outcomes_;
  std::vector<swim::Instant> crash_deadline_;
  std::vector<std::pair<double, double>> agreement_;
};

}  // namespace

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
