#include "sim/checkers.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/util.h"

#include "sim/faults.h"
#include "sim/scenario.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace sim {
namespace {

constexpr size_t kMaxExamples = 8;

std::string Secs(absl::Duration d) {
  return absl::StrCat(absl::ToDoubleMilliseconds(d) / 1000.0, "s");
}
std::string At(swim::Instant t) {
  return absl::StrCat("t=", Secs(t - swim::Instant()));
}

}  // namespace

Bounds Bounds::From(const swim::Config& c, int n) {
  Bounds b;
  b.suspicion_min_floor = c.suspicion_mult * c.probe_interval;
  const absl::Duration min_n = swim::SuspicionTimeout(
      c.suspicion_mult, std::max(n, 1), c.probe_interval);
  b.suspicion_min = min_n;
  b.suspicion_max = c.suspicion_max_timeout_mult * min_n;
  const absl::Duration pp = c.push_pull_interval > absl::ZeroDuration()
                                ? swim::PushPullScale(c.push_pull_interval, n)
                                : c.gossip_to_the_dead_time;
  b.convergence = b.suspicion_max + 2 * pp + 10 * c.probe_interval;
  b.crash_detection = 12 * c.probe_interval + b.suspicion_max;
  // A death at t ends a suspicion begun at most suspicion_max earlier,
  // which began when a probe ran out; Lifeguard stretches a probe of an
  // unhealthy node to awareness_max_multiplier probe intervals. The
  // packets whose loss started it can be that much older.
  b.cause_window =
      b.suspicion_max + (c.awareness_max_multiplier + 5) * c.probe_interval;
  return b;
}

Monitor::Monitor(Cluster* cluster, const swim::Config& config, int max_nodes,
                 const Bounds& bounds, bool track_views)
    : cluster_(cluster),
      config_(config),
      max_nodes_(max_nodes),
      bounds_(bounds),
      track_(track_views) {
  if (track_) cells_.resize(static_cast<size_t>(max_nodes) * max_nodes);
  up_.assign(max_nodes, false);
  exists_.assign(max_nodes, false);
  row_mismatch_.assign(max_nodes, 0);
  started_at_.assign(max_nodes, swim::Instant());
  addresses_.resize(max_nodes);
  moved_at_.assign(max_nodes, swim::Instant());
  episodes_.resize(max_nodes);
  suspected_incs_.resize(max_nodes);
  for (std::string_view name : kMonitorCheckers) {
    results_[std::string(name)].name = std::string(name);
  }
  subscription_ =
      cluster_->Subscribe([this](const ClusterEvent& e) { OnEvent(e); },
                          [this](const TruthEvent& t) { OnTruth(t); });
}

Monitor::~Monitor() { cluster_->Unsubscribe(subscription_); }

void Monitor::OnTruth(const TruthEvent& t) {
  switch (t.kind) {
    case TruthEvent::Kind::kStarted:
      NodeStarted(t.node);
      break;
    case TruthEvent::Kind::kCrashed:
      NodeCrashed(t.node);
      break;
    case TruthEvent::Kind::kLeft:
      NodeLeft(t.node);
      break;
  }
}

int Monitor::IndexOf(const std::string& name) {
  if (name.size() < 6 || name.compare(0, 5, "node-") != 0) return -1;
  int i = 0;
  if (!absl::SimpleAtoi(name.substr(5), &i)) return -1;
  return i;
}

bool Monitor::Mismatch(int o, int s) const {
  if (!up_[o] || o == s) return false;
  const Cell& c = cell(o, s);
  if (up_[s]) {
    return c.view != View::kAlive || !IsCurrentGen(s, c.gen);
  }
  return c.view == View::kAlive || c.view == View::kSuspect;
}

bool Monitor::IsCurrentGen(int s, uint16_t gen) const {
  // A node that never moved has one address, generation 0.
  return gen + size_t{1} == std::max<size_t>(addresses_[s].size(), 1);
}

uint16_t Monitor::AddressGen(int s, const swim::IpAddress& ip,
                             uint16_t port) const {
  const std::vector<swim::Address>& a = addresses_[s];
  if (a.size() <= 1) return 0;  // never moved: no need to compare
  for (size_t g = a.size(); g-- > 0;) {
    if (a[g].ip == ip && a[g].port == port) return static_cast<uint16_t>(g);
  }
  return kNoGen;
}

void Monitor::SetCell(int o, int s, View v, uint32_t inc, uint16_t gen) {
  const bool before = Mismatch(o, s);
  Cell& c = cell(o, s);
  if (c.view != v) c.since = cluster_->world().Now();
  c.view = v;
  c.inc = inc;
  c.gen = gen;
  const bool after = Mismatch(o, s);
  if (before != after && up_[o]) {
    const int d = after ? 1 : -1;
    const bool was_ok = row_mismatch_[o] == 0;
    row_mismatch_[o] += d;
    total_mismatch_ += d;
    const bool is_ok = row_mismatch_[o] == 0;
    if (was_ok && !is_ok) --rows_ok_;
    if (!was_ok && is_ok) ++rows_ok_;
  }
}

// Changes the truth about node i (up or not) and updates the mismatch
// counts of column i and row i: O(n).
void Monitor::SetUp(int i, bool up, bool reset_row) {
  if (!track_) {
    if (up_[i] != up) up_count_ += up ? 1 : -1;
    up_[i] = up;
    if (reset_row) ResetRow(i);
    return;
  }
  std::vector<char> before(max_nodes_, 0);
  for (int o = 0; o < max_nodes_; ++o) before[o] = Mismatch(o, i) ? 1 : 0;
  if (up_[i]) {
    total_mismatch_ -= row_mismatch_[i];
    if (row_mismatch_[i] == 0) --rows_ok_;
    --up_count_;
    row_mismatch_[i] = 0;
  }
  up_[i] = up;
  if (reset_row) ResetRow(i);
  for (int o = 0; o < max_nodes_; ++o) {
    if (o == i || !up_[o]) continue;
    const int d = (Mismatch(o, i) ? 1 : 0) - before[o];
    if (d == 0) continue;
    const bool was_ok = row_mismatch_[o] == 0;
    row_mismatch_[o] += d;
    total_mismatch_ += d;
    const bool is_ok = row_mismatch_[o] == 0;
    if (was_ok && !is_ok) --rows_ok_;
    if (!was_ok && is_ok) ++rows_ok_;
  }
  if (up) {
    int m = 0;
    for (int t = 0; t < max_nodes_; ++t) m += Mismatch(i, t) ? 1 : 0;
    row_mismatch_[i] = m;
    total_mismatch_ += m;
    if (m == 0) ++rows_ok_;
    ++up_count_;
  }
}

void Monitor::ResetRow(int o) {
  if (!track_) return;
  for (int s = 0; s < max_nodes_; ++s) cell(o, s) = Cell{};
}

void Monitor::NodeStarted(int i) {
  const swim::Instant now = cluster_->world().Now();
  const bool restart = exists_[i];
  exists_[i] = true;
  started_at_[i] = now;
  if (restart) episodes_[i] = Episode{};
  // A new address (restart with address = "new"): every view of node i is
  // of an address it has left. (Node i is down here, so no mismatch count
  // depends on it yet; SetUp recounts its column.)
  SWIM_CHECK(!up_[i]);
  const swim::Address& addr = cluster_->address(i);
  std::vector<swim::Address>& hist = addresses_[i];
  if (hist.empty() || !(hist.back() == addr)) {
    if (!hist.empty()) moved_at_[i] = now;
    hist.push_back(addr);
    SWIM_CHECK(hist.size() < kNoGen);
  }
  SetUp(i, true, /*reset_row=*/true);
}

void Monitor::NodeCrashed(int i) {
  SetUp(i, false, /*reset_row=*/true);
  CrashTiming c;
  c.node = i;
  c.at = cluster_->world().Now();
  crashes_.push_back(c);
  crash_checked_.push_back(false);
  crash_missed_.push_back(false);
}

void Monitor::NodeLeft(int i) { SetUp(i, false, /*reset_row=*/false); }

double Monitor::AgreementFraction() const {
  if (up_count_ == 0) return 1.0;
  return static_cast<double>(rows_ok_) / up_count_;
}

void Monitor::Violation(const std::string& checker, std::string text) {
  CheckerResult& r = results_[checker];
  ++r.violations;
  if (r.examples.size() < kMaxExamples) r.examples.push_back(std::move(text));
}

bool Monitor::PausedDuring(int node, swim::Instant a, swim::Instant b) const {
  bool paused = false;
  for (const FaultRecord& f : cluster_->world().fault_log()) {
    if (f.node != static_cast<NodeId>(node)) continue;
    if (f.at > b) break;
    if (f.kind == FaultKind::kPause) {
      if (f.at >= a) return true;
      paused = true;
    } else if (f.kind == FaultKind::kResume) {
      if (f.at >= a && paused) return true;
      paused = false;
    }
  }
  return paused;
}

bool Monitor::PartitionDuring(swim::Instant a, swim::Instant b) const {
  bool active = false;
  for (const FaultRecord& f : cluster_->world().fault_log()) {
    if (f.at > b) break;
    if (f.kind == FaultKind::kPartition) {
      if (f.at >= a) return true;
      active = true;
    } else if (f.kind == FaultKind::kHeal) {
      if (f.at >= a && active) return true;
      active = false;
    }
  }
  return active;
}

bool Monitor::DriftOn(int node) const {
  for (const FaultRecord& f : cluster_->world().fault_log()) {
    if (f.kind == FaultKind::kClock && f.node == static_cast<NodeId>(node))
      return true;
  }
  return false;
}

namespace {

// The chance that one sample of `m` exceeds `limit` (from 2000 draws of a
// private generator: deterministic, and the World's streams are untouched).
double TailAbove(const LatencyModel& m, absl::Duration limit) {
  if (m.kind == LatencyModel::Kind::kFixed) return m.base > limit ? 1.0 : 0.0;
  swim::Rng rng(0x5eed);
  int over = 0;
  constexpr int kDraws = 2000;
  for (int k = 0; k < kDraws; ++k) over += m.Sample(rng) > limit ? 1 : 0;
  return static_cast<double>(over) / kDraws;
}

}  // namespace

// Slow links: latency faults on the subject's or the accuser's links in the
// window, a [network] latency whose tail passes half the probe timeout (a
// ping and its ack), and egress queueing behind a bandwidth limit.
std::vector<std::string> Monitor::LinkCauses(int observer, int subject,
                                             swim::Instant a,
                                             swim::Instant t) const {
  std::vector<std::string> out;
  auto touches = [&](const std::vector<int>& nodes) {
    return nodes.empty() ||
           std::find(nodes.begin(), nodes.end(), subject) != nodes.end() ||
           std::find(nodes.begin(), nodes.end(), observer) != nodes.end();
  };
  if (faults_ != nullptr) {
    for (const FaultSet::Span& s : faults_->history()) {
      if (s.kind != FaultSet::Kind::kLink) continue;
      if (s.cause == FaultSet::Cause::kLoss) continue;  // drops say it
      if (s.start > t || (s.end && *s.end < a) || !touches(s.nodes)) continue;
      out.push_back(absl::StrCat(
          s.what, s.nodes.empty() ? " on every link" : " on links of ",
          s.nodes.empty() ? ""
                          : absl::StrJoin(s.nodes, ",",
                                          [](std::string* o, int i) {
                                            absl::StrAppend(
                                                o, Cluster::NodeName(i));
                                          }),
          " from ", At(s.start),
          s.end ? absl::StrCat(" to ", At(*s.end)) : ""));
    }
  }
  Network& net = cluster_->world().network();
  const absl::Duration half = config_.probe_timeout / 2;
  const NodeId so = cluster_->world_id(subject),
               ob = cluster_->world_id(observer);
  for (const LinkParams* l : {&net.Link(so, ob), &net.Link(ob, so)}) {
    const double tail = TailAbove(l->latency, half);
    if (tail >= 0.001) {
      out.push_back(absl::StrFormat(
          "link latency: %.1f%% of one-way delays over probe_timeout/2 (%s)",
          100 * tail, absl::FormatDuration(half)));
      break;
    }
  }
  for (int n : {subject, observer}) {
    const uint64_t bps = net.bandwidth(cluster_->world_id(n)).bytes_per_second;
    if (bps > 0) {
      out.push_back(absl::StrCat("bandwidth limit on ", Cluster::NodeName(n),
                                 ": ", bps, " B/s (queueing delay)"));
    }
  }
  return out;
}

bool Monitor::IsolationOf(const FaultRecord& f, int node,
                          swim::Instant a) const {
  return f.kind == FaultKind::kPartition &&
         f.node == static_cast<NodeId>(node) &&
         f.at >= a - bounds_.cause_window;
}

std::vector<std::string> Monitor::AccuserCauses(int observer, int subject,
                                                swim::Instant a,
                                                swim::Instant t) const {
  std::vector<std::string> out;
  if (!track_) return out;
  for (int o = 0; o < max_nodes_ && out.size() < 3; ++o) {
    if (o == observer || o == subject) continue;
    const Cell& c = cell(o, subject);
    // suspect_since is the start of o's latest suspicion of the subject
    // (the zero instant: it never suspected it).
    if (c.suspect_since == swim::Instant() || c.suspect_since < a ||
        c.suspect_since > t) {
      continue;
    }
    std::vector<std::string> why;
    if (PausedDuring(o, a, t)) why.push_back("it was paused");
    for (const FaultRecord& f : cluster_->world().fault_log()) {
      if (f.at > t) break;
      if (IsolationOf(f, o, a))
        why.push_back(absl::StrCat("it was isolated at ", At(f.at)));
    }
    if (DriftOn(o)) why.push_back("clock drift on it");
    for (std::string& l : LinkCauses(o, subject, a, t))
      why.push_back(std::move(l));
    if (why.empty()) continue;
    out.push_back(absl::StrCat("suspected at ", At(c.suspect_since), " by ",
                               Cluster::NodeName(o), ": ",
                               absl::StrJoin(why, ", ")));
  }
  return out;
}

std::string Monitor::Explain(int observer, int subject, swim::Instant t) const {
  const swim::Instant a = t - bounds_.cause_window;
  std::vector<std::string> parts;
  if (PausedDuring(subject, a, t)) {
    parts.push_back(
        absl::StrCat("subject ", Cluster::NodeName(subject), " was paused"));
  }
  if (PausedDuring(observer, a, t)) {
    parts.push_back(
        absl::StrCat("accuser ", Cluster::NodeName(observer), " was paused"));
  }
  bool isolated = false;
  for (const FaultRecord& f : cluster_->world().fault_log()) {
    if (f.at > t) break;
    if (IsolationOf(f, subject, a)) {
      parts.push_back(absl::StrCat("subject ", Cluster::NodeName(subject),
                                   " was isolated at ", At(f.at)));
      isolated = true;
    }
    if (IsolationOf(f, observer, a)) {
      parts.push_back(absl::StrCat("accuser ", Cluster::NodeName(observer),
                                   " was isolated at ", At(f.at)));
      isolated = true;
    }
  }
  if (!isolated && PartitionDuring(a, t))
    parts.push_back("a partition was in force");
  if (DriftOn(subject) || DriftOn(observer))
    parts.push_back("clock drift on subject/accuser");
  const std::vector<DropRecord> drops =
      cluster_->world().DropsInvolving(static_cast<NodeId>(subject), a, t);
  if (!drops.empty()) {
    std::array<uint64_t, kNumDropCauses> by_cause{};
    std::map<NodeId, uint64_t> by_peer;
    for (const DropRecord& d : drops) {
      ++by_cause[static_cast<size_t>(d.cause)];
      ++by_peer[d.from == static_cast<NodeId>(subject) ? d.to : d.from];
    }
    std::vector<std::pair<uint64_t, NodeId>> peers;
    for (auto& [p, n] : by_peer) peers.emplace_back(n, p);
    std::sort(peers.begin(), peers.end(), [](auto& x, auto& y) {
      return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    std::string s =
        absl::StrCat(drops.size(), " packets to/from the subject dropped (");
    bool first = true;
    for (size_t c = 0; c < kNumDropCauses; ++c) {
      if (by_cause[c] == 0) continue;
      absl::StrAppend(&s, first ? "" : ", ",
                      std::string(DropCauseName(static_cast<DropCause>(c))),
                      " ", by_cause[c]);
      first = false;
    }
    absl::StrAppend(&s, "; links:");
    for (size_t k = 0; k < peers.size() && k < 3; ++k) {
      absl::StrAppend(&s, " ",
                      Cluster::NodeName(static_cast<int>(peers[k].second)),
                      " x", peers[k].first);
    }
    absl::StrAppend(&s, ")");
    parts.push_back(s);
  }
  for (std::string& c : LinkCauses(observer, subject, a, t))
    parts.push_back(std::move(c));
  // Nothing on the accuser's or the subject's side: the observer may have
  // declared the death on a suspicion it only heard of (gossip, push/pull),
  // started by another node whose own links were slow or which was paused.
  // Name those first-hand accusers' faults; "unexplained" is left for
  // deaths no fault anywhere near the subject accounts for.
  if (parts.empty()) parts = AccuserCauses(observer, subject, a, t);
  if (parts.empty()) return "no fault in the window: unexplained";
  return absl::StrJoin(parts, "; ");
}

void Monitor::OnEvent(const ClusterEvent& e) {
  const int o = static_cast<int>(e.observer);
  const int s = IndexOf(e.subject);
  if (o < 0 || o >= max_nodes_ || s < 0 || s >= max_nodes_ || o == s) return;
  const swim::Instant now = e.at;
  View v = View::kAlive;
  switch (e.state) {
    case swim::NodeState::kAlive:
      v = View::kAlive;
      break;
    case swim::NodeState::kSuspect:
      v = View::kSuspect;
      break;
    case swim::NodeState::kDead:
      v = View::kDead;
      break;
    case swim::NodeState::kLeft:
      v = View::kLeft;
      break;
  }
  const char* kInc = "incarnation";
  const char* kSusp = "suspicion_bounds";
  // Which of the subject's addresses the observer now holds.
  const uint16_t gen = AddressGen(s, e.addr, e.port);
  const bool at_old_address = !IsCurrentGen(s, gen);

  // (c) incarnations, against this observer's previous view (of the same
  // address: a name taken over by a new address starts a new story).
  if (track_) {
    const Cell& c = cell(o, s);
    if (c.view != View::kUnknown && c.gen == gen) {
      const bool gone = c.view == View::kDead || c.view == View::kLeft;
      const bool reaped_ok =
          gone && now - c.since >= config_.gossip_to_the_dead_time;
      if (e.incarnation < c.inc && !reaped_ok) {
        Violation(kInc,
                  absl::StrCat(At(now), ": ", Cluster::NodeName(o), " saw ",
                               e.subject, "'s incarnation go down ", c.inc,
                               " -> ", e.incarnation));
      } else if (v == View::kAlive && c.view != View::kAlive &&
                 e.incarnation <= c.inc && !reaped_ok) {
        Violation(kInc, absl::StrCat(
                            At(now), ": ", Cluster::NodeName(o), " brought ",
                            e.subject, " back from ",
                            c.view == View::kSuspect ? "suspect" : "dead/left",
                            " to alive at the same incarnation ", e.incarnation,
                            " (needs a higher one)"));
      }
    }
  }

  // (d) suspicion timing.
  Episode& ep = episodes_[s];
  if (e.incarnation > ep.inc) ep = Episode{e.incarnation};
  if (v == View::kSuspect && e.incarnation == ep.inc && !ep.suspected) {
    ep.suspected = true;
    ep.first_suspect = now;
  }
  if (v == View::kSuspect) suspected_incs_[s].emplace(e.incarnation, now);
  if (v == View::kDead) {
    if (e.incarnation == ep.inc && !ep.dead_declared) {
      ep.dead_declared = true;
      // The first suspicion at this incarnation may be of the process
      // before a restart (then it is earlier than this episode's).
      if (auto it = suspected_incs_[s].find(e.incarnation);
          it != suspected_incs_[s].end()) {
        ep.suspected = true;
        ep.first_suspect = it->second;
      }
      if (!ep.suspected) {
        Violation(kSusp,
                  absl::StrCat(At(now), ": ", e.subject,
                               " declared dead (incarnation ", e.incarnation,
                               ", by ", Cluster::NodeName(o),
                               ") without any node suspecting it first"));
      } else if (now - ep.first_suspect < bounds_.suspicion_min_floor * 0.99) {
        Violation(kSusp,
                  absl::StrCat(
                      At(now), ": ", e.subject, " declared dead ",
                      Secs(now - ep.first_suspect),
                      " after the first suspicion, below Lifeguard's minimum ",
                      Secs(bounds_.suspicion_min_floor)));
      }
    }
    if (track_) {
      const Cell& c = cell(o, s);
      if (c.view == View::kSuspect) {
        const absl::Duration took = now - c.suspect_since;
        if (took > bounds_.suspicion_max + 2 * config_.probe_interval &&
            !PausedDuring(o, c.suspect_since, now) && !DriftOn(o)) {
          Violation(kSusp,
                    absl::StrCat(At(now), ": ", Cluster::NodeName(o), " took ",
                                 Secs(took), " from suspecting ", e.subject,
                                 " to declaring it dead, above the maximum ",
                                 Secs(bounds_.suspicion_max)));
        }
      }
    }
  }

  // (a) false positives (the accuser must be a member itself: a node that
  // left keeps running but speaks for nobody).
  if (v == View::kDead && up_[s] && up_[o]) {
    FalsePositive fp;
    fp.at = now;
    fp.observer = o;
    fp.subject = s;
    fp.incarnation = e.incarnation;
    fp.causes = Explain(o, s, now);
    if (at_old_address) {
      // The accuser probed an address the subject no longer has.
      fp.causes =
          absl::StrCat("subject ", Cluster::NodeName(s), " moved to ",
                       addresses_[s].back().ToString(), " at ",
                       At(moved_at_[s]), " (the accuser held an old address)",
                       absl::StartsWith(fp.causes, "no fault")
                           ? ""
                           : absl::StrCat("; ", fp.causes));
    }
    Violation("false_positives",
              absl::StrCat(At(now), ": ", Cluster::NodeName(o),
                           " declared live ", e.subject, " dead (incarnation ",
                           e.incarnation, "); why: ", fp.causes));
    fps_.push_back(std::move(fp));
  }

  // Crash timings.
  for (CrashTiming& c : crashes_) {
    if (c.node != s || c.full_detection.has_value()) continue;
    if (v == View::kSuspect && !c.first_suspicion)
      c.first_suspicion = now - c.at;
    if ((v == View::kDead || v == View::kLeft) && !c.first_detection) {
      c.first_detection = now - c.at;
    }
  }

  if (track_) {
    Cell& c = cell(o, s);
    if (v == View::kSuspect && c.view != View::kSuspect) c.suspect_since = now;
    SetCell(o, s, v, e.incarnation, gen);
    if (v == View::kDead || v == View::kLeft) {
      for (CrashTiming& ct : crashes_) {
        if (ct.node != s || ct.full_detection.has_value() || up_[s]) continue;
        bool all = true;
        for (int k = 0; k < max_nodes_ && all; ++k) all = !Mismatch(k, s);
        if (all) ct.full_detection = now - ct.at;
      }
    }
    if (total_mismatch_ == 0) Poll();
  }
}

void Monitor::OnConverged() {
  if (!cluster_->Converged()) return;  // the event view missed something
  const swim::Instant now = cluster_->world().Now();
  if (!initial_) initial_ = now - swim::Instant();
  for (auto& [idx, t0] : conv_pending_) conv_after_[idx] = now - t0;
  conv_pending_.clear();
  if (quiet_at_ && !quiet_agree_ && now >= *quiet_at_)
    quiet_agree_ = now - *quiet_at_;
}

void Monitor::Poll() {
  if (!track_) return;
  if (total_mismatch_ == 0 &&
      (!initial_ || !conv_pending_.empty() || (quiet_at_ && !quiet_agree_))) {
    OnConverged();
  }
}

void Monitor::WatchConvergence(int event_index) {
  conv_after_[event_index] = std::nullopt;
  conv_pending_[event_index] = cluster_->world().Now();
  Poll();
}

void Monitor::ScheduleQuiet(swim::Instant t) {
  quiet_at_ = t;
  Poll();
}

void Monitor::CheckCrashDeadline(size_t ci) {
  if (ci >= crashes_.size() || crash_checked_[ci]) return;
  crash_checked_[ci] = true;
  const CrashTiming& c = crashes_[ci];
  const swim::Instant now = cluster_->world().Now();
  if (started_at_[c.node] > c.at) return;  // restarted before the deadline
  if (PartitionDuring(c.at, now)) return;  // a side could not hear of it
  if (cluster_->AllSee(c.node, swim::NodeState::kDead)) return;
  std::vector<std::string> believers;
  for (int o = 0; o < cluster_->size(); ++o) {
    if (!cluster_->is_up(o) || o == c.node) continue;
    std::optional<swim::NodeState> st = cluster_->StateOf(o, c.node);
    if (st == swim::NodeState::kAlive || st == swim::NodeState::kSuspect) {
      if (believers.size() < 5) {
        believers.push_back(absl::StrCat(
            Cluster::NodeName(o), "=", std::string(swim::NodeStateName(*st))));
      }
    }
  }
  crash_missed_[ci] = true;
  Violation("crash_detection",
            absl::StrCat(Cluster::NodeName(c.node), " crashed at ", At(c.at),
                         " but is not seen dead by every live node within ",
                         Secs(bounds_.crash_detection), " (",
                         absl::StrJoin(believers, " "), ")"));
}

void Monitor::CheckConvergenceDeadline() {
  if (quiet_checked_ || !quiet_at_) return;
  quiet_checked_ = true;
  if (quiet_agree_) return;
  if (cluster_->Converged()) {
    quiet_agree_ = cluster_->world().Now() - *quiet_at_;
    return;
  }
  std::vector<std::string> diffs;
  for (int o = 0; o < cluster_->size() && diffs.size() < 5; ++o) {
    if (!cluster_->is_up(o)) continue;
    for (int s = 0; s < cluster_->size() && diffs.size() < 5; ++s) {
      if (s == o) continue;
      std::optional<swim::NodeState> st = cluster_->StateOf(o, s);
      const bool bad = cluster_->is_up(s) ? st != swim::NodeState::kAlive
                                          : (st == swim::NodeState::kAlive ||
                                             st == swim::NodeState::kSuspect);
      if (bad) {
        diffs.push_back(absl::StrCat(
            Cluster::NodeName(o), " sees ", Cluster::NodeName(s), " ",
            st ? std::string(swim::NodeStateName(*st)) : "absent",
            cluster_->is_up(s) ? " (it is up)" : " (it is down)"));
      }
    }
  }
  Violation("convergence",
            absl::StrCat("after the last action at ", At(*quiet_at_),
                         ", the live nodes did not agree within ",
                         Secs(bounds_.convergence), ": ",
                         absl::StrJoin(diffs, "; ")));
}

void Monitor::Finish() { Poll(); }

std::vector<CheckerResult> Monitor::Results() const {
  std::vector<CheckerResult> out;
  for (std::string_view name : kMonitorCheckers)
    out.push_back(results_.at(std::string(name)));
  return out;
}

namespace {

// One of the Monitor's checkers.
class MonitorChecker final : public Checker {
 public:
  MonitorChecker(const Monitor* m, std::string_view name)
      : monitor_(m), name_(name) {}
  CheckerResult Result() const override { return monitor_->Result(name_); }

 private:
  const Monitor* monitor_;
  std::string name_;
};

bool Always(const Scenario&) { return true; }
std::unique_ptr<Checker> MakeMonitorChecker(const CheckerContext& ctx,
                                            std::string_view name) {
  return std::make_unique<MonitorChecker>(ctx.monitor, name);
}

}  // namespace

// sim/hostile_checker.cc
bool ScenarioHasHostile(const Scenario& sc);
std::unique_ptr<Checker> MakeHostileHurtChecker(const CheckerContext& ctx,
                                                std::string_view name);

const std::vector<CheckerDef>& CheckerRegistry() {
  static const auto* all = new std::vector<CheckerDef>{
      {"false_positives", Always, MakeMonitorChecker},
      {"convergence", Always, MakeMonitorChecker},
      {"incarnation", Always, MakeMonitorChecker},
      {"suspicion_bounds", Always, MakeMonitorChecker},
      {"crash_detection", Always, MakeMonitorChecker},
      {"hostile_hurt", ScenarioHasHostile, MakeHostileHurtChecker},
  };
  return *all;
}

const CheckerDef* FindChecker(std::string_view name) {
  for (const CheckerDef& d : CheckerRegistry()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const std::vector<std::string>& KnownCheckers() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>();
    for (const CheckerDef& d : CheckerRegistry()) v->emplace_back(d.name);
    return v;
  }();
  return *names;
}

}  // namespace sim
