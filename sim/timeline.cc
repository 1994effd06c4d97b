#include "sim/timeline.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sim {
namespace {

constexpr int64_t kSec = 1000000000;

// (absl's string helpers take absl::string_view, which is not
// std::string_view in Debian's build.)
template <typename T>
bool ToInt(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits on ' ' into at most `max` fields (the last keeps the rest).
std::vector<std::string_view> Fields(std::string_view s, size_t max) {
  std::vector<std::string_view> f;
  while (f.size() + 1 < max) {
    const size_t p = s.find(' ');
    if (p == std::string_view::npos) break;
    f.push_back(s.substr(0, p));
    s.remove_prefix(p + 1);
  }
  f.push_back(s);
  return f;
}

double S(int64_t ns) { return static_cast<double>(ns) / kSec; }

// "12.000585646" -> ns; false if not a trace time.
bool ParseTime(std::string_view s, int64_t* ns) {
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos || s.size() - dot - 1 != 9) return false;
  int64_t sec = 0, frac = 0;
  if (!ToInt(s.substr(0, dot), &sec) || !ToInt(s.substr(dot + 1), &frac)) {
    return false;
  }
  *ns = sec * kSec + frac;
  return true;
}

// "n12" -> 12, "-" -> -1.
int ParseNode(std::string_view s) {
  int v = -1;
  if (s.size() >= 2 && s[0] == 'n' && ToInt(s.substr(1), &v)) return v;
  return -1;
}

uint8_t StateOf(swim::NodeState s) {
  switch (s) {
    case swim::NodeState::kAlive:
      return Timeline::kAlive;
    case swim::NodeState::kSuspect:
      return Timeline::kSuspect;
    case swim::NodeState::kDead:
      return Timeline::kDead;
    case swim::NodeState::kLeft:
      return Timeline::kLeft;
  }
  return Timeline::kUnknown;
}

// How alarming a view is: a column shows each observer's worst view.
int Severity(uint8_t s) {
  switch (s) {
    case Timeline::kDead:
      return 4;
    case Timeline::kSuspect:
      return 3;
    case Timeline::kLeft:
      return 2;
    case Timeline::kUnknown:
      return 1;
    default:
      return 0;
  }
}

const char* kStateNames[] = {"alive", "suspect", "dead", "left", "unknown"};

}  // namespace

int TimelineNodeIndex(std::string_view name) {
  int v = -1;
  if (name.substr(0, 5) != "node-") return -1;
  if (!ToInt(name.substr(5), &v)) return -1;
  return v;
}

TimelineRecorder::TimelineRecorder(Options options) : opt_(options) {}

void TimelineRecorder::EnsureNode(int i) {
  if (i < 0) return;
  if (i > max_node_) max_node_ = i;
  if (static_cast<size_t>(i) >= probe_.size()) {
    probe_.resize(i + 1);
    streams_.resize(i + 1);
  }
}

World::TraceSink TimelineRecorder::Tap(World::TraceSink user) {
  const swim::LogLevel level = opt_.user_log_level;
  return [this, user = std::move(user), level](std::string_view line) {
    OnLine(line);
    if (!user) return;
    // " log INFO " etc.: drop log lines the user did not ask for.
    const size_t p = line.find(" log ");
    if (p != std::string_view::npos && p < 24) {
      std::string_view lv = line.substr(p + 5);
      swim::LogLevel l = swim::LogLevel::kError;
      if (lv.substr(0, 5) == "DEBUG") {
        l = swim::LogLevel::kDebug;
      } else if (lv.substr(0, 4) == "INFO") {
        l = swim::LogLevel::kInfo;
      } else if (lv.substr(0, 4) == "WARN") {
        l = swim::LogLevel::kWarn;
      }
      if (l < level) return;
    }
    user(line);
  };
}

void TimelineRecorder::CloseProbe(int node, int64_t t, const char* what) {
  Pending& p = probe_[node];
  if (!p.active) return;
  if (p.target >= 0) {
    probes_.push_back(Timeline::Span{node, p.target, S(p.t0), S(t), what});
  }
  p = Pending();
}

void TimelineRecorder::OnLine(std::string_view line) {
  // "<t> <kind> <a> <b> <x> <label>" or "<t> n<i> log <LEVEL> <message>".
  std::vector<std::string_view> f = Fields(line, 6);
  if (f.size() < 3) return;
  int64_t t = 0;
  if (!ParseTime(f[0], &t)) return;
  if (t > end_ns_) end_ns_ = t;
  if (f[2] == "log") {
    const int n = ParseNode(f[1]);
    EnsureNode(n);
    if (opt_.keep_excerpts) lines_.push_back(Line{t, n, -1, std::string(line)});
    return;
  }
  if (f.size() < 5) return;
  const std::string_view kind = f[1];
  const int a = ParseNode(f[2]);
  const int b = ParseNode(f[3]);
  EnsureNode(a);
  EnsureNode(b);
  const std::string_view label = f.size() > 5 ? f[5] : std::string_view();
  bool keep = true;
  if (kind == "timer") {
    if (label == "gossip") keep = false;
    if (a >= 0 && label == "probe") {
      CloseProbe(a, t, "no ack");
      probe_[a] = Pending{true, t, -1};
    } else if (a >= 0 && label == "ack_timeout" && probe_[a].active &&
               probe_[a].target >= 0) {
      CloseProbe(a, t, "no ack");
    }
  } else if (kind == "deliver" || kind == "drop") {
    if (a >= 0 && b >= 0) {
      if (probe_[a].active && probe_[a].target < 0) {
        probe_[a].target = b;
      } else if (kind == "deliver" && probe_[b].active &&
                 probe_[b].target == a) {
        CloseProbe(b, t, "ack");
      }
    }
  } else if (kind == "stream-open") {
    if (a >= 0 && b >= 0) streams_[a].emplace_back(b, t);
  } else if (kind == "stream-done") {
    // a = server, b = client.
    if (a >= 0 && b >= 0) {
      auto& v = streams_[b];
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i].first != a) continue;
        push_pulls_.push_back(Timeline::Span{b, a, S(v[i].second), S(t),
                                             label == "ok" ? "ok" : "failed"});
        v.erase(v.begin() + static_cast<long>(i));
        break;
      }
    }
  } else if (kind == "fault") {
    faults_.push_back(Timeline::Mark{a, S(t), std::string(label)});
    if (a >= 0) {
      if (label == "pause") paused_.push_back({t, {a, true}});
      if (label == "resume") paused_.push_back({t, {a, false}});
    }
  }
  if (keep && opt_.keep_excerpts)
    lines_.push_back(Line{t, a, b, std::string(line)});
}

void TimelineRecorder::OnClusterEvent(const ClusterEvent& e) {
  const int s = TimelineNodeIndex(e.subject);
  if (s < 0) return;
  const int o = static_cast<int>(e.observer);
  EnsureNode(o);
  EnsureNode(s);
  const int64_t t = (e.at - swim::Instant()) / absl::Nanoseconds(1);
  if (t > end_ns_) end_ns_ = t;
  const uint8_t st = StateOf(e.state);
  evs_.push_back(Ev{t, o, s, st, e.incarnation});
  if (opt_.keep_excerpts && o != s) {
    lines_.push_back(
        Line{t, o, s,
             absl::StrFormat("%d.%09d n%d view %s %s/%d", t / kSec, t % kSec, o,
                             e.subject, kStateNames[st], e.incarnation)});
  }
}

void TimelineRecorder::OnTruth(const TruthEvent& x) {
  const int64_t t = (x.at - swim::Instant()) / absl::Nanoseconds(1);
  EnsureNode(x.node);
  truth_.push_back(Truth{t, x.node, x.kind});
}

void TimelineRecorder::OnRunEnd(const World& world) {
  const int64_t now = (world.Now() - swim::Instant()) / absl::Nanoseconds(1);
  end_ns_ = std::max(end_ns_, now);
  traffic_.assign(world.num_nodes(), Timeline::Traffic());
  for (size_t i = 0; i < world.num_nodes(); ++i) {
    const NodeStats& st = world.stats(static_cast<NodeId>(i));
    Timeline::Traffic& tr = traffic_[i];
    tr.packets_sent = st.packets_sent;
    tr.bytes_sent = st.bytes_sent;
    tr.packets_received = st.packets_received;
    tr.bytes_received = st.bytes_received;
    tr.streams_opened = st.streams_opened;
    tr.stream_bytes_sent = st.stream_bytes_sent;
  }
  EnsureNode(static_cast<int>(world.num_nodes()) - 1);
}

Timeline TimelineRecorder::Finish(const RunResult& result) {
  Timeline tl;
  tl.seed = result.seed;
  const int n = std::max(result.nodes, max_node_ + 1);
  tl.nodes = n;
  const int64_t end =
      std::max(end_ns_, result.virtual_time / absl::Nanoseconds(1));
  tl.end_s = S(end);

  // Ground truth, as the Cluster published it (in time order): a node
  // exists from its first start; a later start is a restart (a new
  // process, after a crash or a leave).
  using Kind = TruthEvent::Kind;
  const std::vector<Truth>& truth = truth_;

  // Down intervals (for drawing).
  {
    std::vector<int64_t> crashed(n, -1), left(n, -1), paused(n, -1);
    std::vector<char> started(n, 0);
    for (const Truth& x : truth) {
      if (x.node >= n) continue;
      switch (x.kind) {
        case Kind::kStarted:
          if (!started[x.node] && x.t > 0)
            tl.down.push_back({x.node, 0, S(x.t), "not started"});
          started[x.node] = 1;
          if (crashed[x.node] >= 0) {
            tl.down.push_back({x.node, S(crashed[x.node]), S(x.t), "crashed"});
            crashed[x.node] = -1;
          }
          if (left[x.node] >= 0) {
            tl.down.push_back({x.node, S(left[x.node]), S(x.t), "left"});
            left[x.node] = -1;
          }
          break;
        case Kind::kCrashed:
          crashed[x.node] = x.t;
          break;
        case Kind::kLeft:
          left[x.node] = x.t;
          break;
      }
    }
    for (auto& [t, np] : paused_) {
      const int i = np.first;
      if (i >= n) continue;
      if (np.second) {
        paused[i] = t;
      } else if (paused[i] >= 0) {
        tl.down.push_back({i, S(paused[i]), S(t), "paused"});
        paused[i] = -1;
      }
    }
    for (int i = 0; i < n; ++i) {
      if (crashed[i] >= 0)
        tl.down.push_back({i, S(crashed[i]), S(end), "crashed"});
      if (left[i] >= 0) tl.down.push_back({i, S(left[i]), S(end), "left"});
      if (paused[i] >= 0)
        tl.down.push_back({i, S(paused[i]), S(end), "paused"});
    }
  }

  // The grid: replay view changes and truth changes in time order.
  const int64_t budget = 20000000;  // cells x observers touched
  int cols = opt_.max_columns;
  if (static_cast<int64_t>(n) * n * cols > budget)
    cols = std::max<int64_t>(50, budget / (static_cast<int64_t>(n) * n));
  int64_t col_ns = std::max<int64_t>(10000000, (end + cols - 1) / cols);
  cols = static_cast<int>((end + col_ns - 1) / col_ns);
  if (cols < 1) cols = 1;
  tl.columns = cols;
  tl.column_s = S(col_ns);
  tl.counts.assign(static_cast<size_t>(n) * cols * Timeline::kStates, 0);

  std::vector<uint8_t> cur(static_cast<size_t>(n) * n, Timeline::kUnknown);
  std::vector<uint8_t> worst(cur.size());
  std::vector<char> up(n, 0);
  std::vector<int64_t> susp_t0(cur.size(), -1);
  auto close_susp = [&](int o, int s, int64_t t, const char* what) {
    const size_t k = static_cast<size_t>(o) * n + s;
    if (susp_t0[k] < 0) return;
    tl.suspicions.push_back({o, s, S(susp_t0[k]), S(t), what});
    susp_t0[k] = -1;
  };
  size_t ei = 0, ti = 0;
  for (int col = 0; col < cols; ++col) {
    const int64_t col_end = static_cast<int64_t>(col + 1) * col_ns;
    worst = cur;
    while (true) {
      const bool have_e = ei < evs_.size() && evs_[ei].t < col_end;
      const bool have_t = ti < truth.size() && truth[ti].t < col_end;
      if (!have_e && !have_t) break;
      if (have_t && (!have_e || truth[ti].t <= evs_[ei].t)) {
        const Truth& x = truth[ti++];
        if (x.node >= n) continue;
        up[x.node] = x.kind == Kind::kStarted;
        if (x.kind != Kind::kLeft) {
          // A crash takes the node's table with it; a (re)start begins
          // with an empty one (a left node's old process stops then).
          for (int s = 0; s < n; ++s) {
            close_susp(x.node, s, x.t, "gone");
            cur[static_cast<size_t>(x.node) * n + s] = Timeline::kUnknown;
          }
        }
        continue;
      }
      const Ev& e = evs_[ei++];
      if (e.observer >= n || e.subject >= n) continue;
      const size_t k = static_cast<size_t>(e.observer) * n + e.subject;
      if (e.state == Timeline::kSuspect) {
        if (susp_t0[k] < 0) susp_t0[k] = e.t;
      } else {
        close_susp(e.observer, e.subject, e.t,
                   e.state == Timeline::kAlive  ? "refuted"
                   : e.state == Timeline::kDead ? "dead"
                                                : "left");
      }
      cur[k] = e.state;
      if (Severity(e.state) > Severity(worst[k])) worst[k] = e.state;
    }
    for (int o = 0; o < n; ++o) {
      if (!up[o]) continue;
      for (int s = 0; s < n; ++s) {
        if (s == o) continue;
        const uint8_t v = worst[static_cast<size_t>(o) * n + s];
        ++tl.counts[(static_cast<size_t>(s) * cols + col) * Timeline::kStates +
                    v];
      }
    }
  }
  for (int o = 0; o < n; ++o) {
    for (int s = 0; s < n; ++s) close_susp(o, s, end, "open");
  }

  // Probes still open at the end, push/pulls, faults, traffic.
  for (size_t i = 0; i < probe_.size(); ++i)
    CloseProbe(static_cast<int>(i), end, "open");
  tl.probes = std::move(probes_);
  tl.push_pulls = std::move(push_pulls_);
  tl.faults = std::move(faults_);
  tl.traffic = std::move(traffic_);
  tl.traffic.resize(n);

  // False deaths.
  const int64_t window = result.bounds.cause_window / absl::Nanoseconds(1);
  for (const FalsePositive& fp : result.false_positives) {
    Timeline::Death d;
    const int64_t at = (fp.at - swim::Instant()) / absl::Nanoseconds(1);
    d.at = S(at);
    d.accuser = fp.observer;
    d.victim = fp.subject;
    d.incarnation = fp.incarnation;
    d.causes = fp.causes;
    const std::string vname = Cluster::NodeName(fp.subject);
    const std::string suspect_msg =
        absl::StrCat("suspect ", vname, " has failed");
    const std::string marking_msg =
        absl::StrCat("marking ", vname, " as failed");
    int64_t first = at;
    for (const Line& l : lines_) {
      if (l.t > at) break;
      if (l.t < at - window) continue;
      if (l.text.find(" log ") == std::string::npos) continue;
      if (l.text.find(suspect_msg) != std::string::npos) {
        bool seen = false;
        for (auto& [who, when] : d.suspected_by) seen = seen || who == l.a;
        if (!seen) d.suspected_by.push_back({l.a, S(l.t)});
        first = std::min(first, l.t);
      }
      if (l.a == fp.observer && l.text.find(marking_msg) != std::string::npos) {
        const size_t p = l.text.rfind('(');
        int c = -1;
        if (p != std::string::npos &&
            ToInt(std::string_view(l.text).substr(p + 1,
                                                  l.text.find(' ', p) - p - 1),
                  &c)) {
          d.confirmations = c;
        }
      }
    }
    // If the log lines were not recorded, fall back on the view changes.
    for (const Ev& e : evs_) {
      if (e.t > at) break;
      if (e.subject == fp.subject && e.state == Timeline::kSuspect &&
          e.inc == fp.incarnation && e.t >= at - window) {
        first = std::min(first, e.t);
        if (d.suspected_by.empty())
          d.suspected_by.push_back({e.observer, S(e.t)});
      }
    }
    for (const Ev& e : evs_) {
      if (e.t < first) continue;
      if (e.subject != fp.subject) continue;
      if (e.state == Timeline::kDead && e.inc == fp.incarnation &&
          e.observer != fp.observer && d.also_dead_by.size() < 40) {
        d.also_dead_by.push_back({e.observer, S(e.t)});
      }
      if (e.state == Timeline::kAlive && e.inc > fp.incarnation &&
          d.refuted_seen < 0) {
        d.refuted_seen = S(e.t);
      }
    }
    for (const Line& l : lines_) {
      if (l.t < first) continue;
      if (l.a != fp.subject || l.text.find(" log ") == std::string::npos)
        continue;
      const size_t p = l.text.find("refuting a ");
      if (p == std::string::npos) continue;
      d.victim_heard = S(l.t);
      d.victim_heard_what = l.text.substr(p);
      break;
    }
    // The excerpt: accuser's and victim's lines (plus faults and notes)
    // from shortly before the first suspicion to shortly after the death.
    const int64_t from = first - kSec, to = at + kSec;
    std::vector<const Line*> before, after;
    for (const Line& l : lines_) {
      if (l.t < from) continue;
      if (l.t > to) break;
      const bool mine = l.a == fp.observer || l.a == fp.subject ||
                        l.b == fp.observer || l.b == fp.subject ||
                        (l.a < 0 && l.b < 0);
      if (!mine) continue;
      (l.t <= at ? before : after).push_back(&l);
    }
    const size_t kBefore = 160, kAfter = 40;
    if (before.size() > kBefore) {
      d.excerpt.push_back(absl::StrCat("... ", before.size() - kBefore,
                                       " earlier lines omitted"));
      before.erase(before.begin(), before.end() - static_cast<long>(kBefore));
    }
    for (const Line* l : before) d.excerpt.push_back(l->text);
    for (size_t i = 0; i < after.size() && i < kAfter; ++i)
      d.excerpt.push_back(after[i]->text);
    tl.deaths.push_back(std::move(d));
  }

  // Ready for the next run.
  evs_.clear();
  lines_.clear();
  probe_.clear();
  streams_.clear();
  probes_.clear();
  push_pulls_.clear();
  faults_.clear();
  truth_.clear();
  paused_.clear();
  traffic_.clear();
  end_ns_ = 0;
  max_node_ = -1;
  return tl;
}

}  // namespace sim
