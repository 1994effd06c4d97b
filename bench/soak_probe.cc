// Real-socket soak (issue 19): N members (default 1,000) on loopback in one
// process, sharing a net::Runtime, for a bounded time with random crashes
// and restarts of a fraction of them (default 1 %), then a summary of what
// the cluster saw:
//
//   false deaths    an observer declared a member dead while it was up
//                   (no crash of it in the 60 s before)
//   crash -> dead   per (crash, observer up throughout): seconds until the
//                   observer declared the crashed member dead (p50/p99)
//   restart -> alive  per (restart, observer): seconds until the observer
//                   listed the restarted member again (NotifyJoin; p50/p99)
//   CPU             process CPU ms per wall second per member over the soak
//
// The schedule: every ROUND seconds the members crashed in the previous
// round restart (a new process: same name and port, incarnation 1, joins
// node 0) and FRAC x N other members (never node 0) crash without leaving,
// chosen by a fixed-seed generator. --print-scenario FILE writes the same
// schedule as a swimsim scenario (the cluster joins at t = 0 and the
// schedule starts at 30 s), so the simulator can play the identical run.
//
//   soak_probe [--n N] [--seconds S] [--round R] [--frac F] [--threads T]
//              [--profile lan|local] [--base-port P] [--print-scenario FILE]
//
// Members bind 127.0.0.1:P+i (default P = 21000, below Linux's ephemeral
// range, so a crashed member's port is still free when it restarts). Needs
// about 3 file descriptors per member (ulimit -n).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/delegate.h"

#include "net/memberlist.h"
#include "net/runtime.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/probe_util.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  int n = 1000;
  double seconds = 300;
  double round = 30;
  double frac = 0.01;
  int threads = 0;
  std::string profile = "lan";
  int base_port = 21000;
  std::string print_scenario;
};

enum class Kind { kJoin, kDead, kLeft };

struct Ev {
  double t;
  int observer;
  int subject;
  Kind kind;
};

Clock::time_point g_t0;
std::mutex g_mu;
std::vector<Ev> g_events;  // guarded by g_mu

double Now() {
  return std::chrono::duration<double>(Clock::now() - g_t0).count();
}

int SubjectIndex(const std::string& name) {
  const size_t dash = name.rfind('-');
  return dash == std::string::npos ? -1 : atoi(name.c_str() + dash + 1);
}

// Records what one member sees (runs on its loop thread: short).
class Recorder final : public swim::EventDelegate {
 public:
  explicit Recorder(int self) : self_(self) {}
  void NotifyJoin(const swim::Node& n) override { Add(n, Kind::kJoin); }
  void NotifyLeave(const swim::Node& n) override {
    Add(n, n.state == swim::NodeState::kDead ? Kind::kDead : Kind::kLeft);
  }
  void NotifyUpdate(const swim::Node&) override {}

 private:
  void Add(const swim::Node& n, Kind k) {
    const int s = SubjectIndex(n.name);
    if (s < 0 || s == self_) return;
    const double t = Now();
    std::lock_guard<std::mutex> l(g_mu);
    g_events.push_back({t, self_, s, k});
  }
  const int self_;
};

// One round of the schedule: who restarts, then who crashes.
struct Round {
  double at;
  std::vector<int> restart;
  std::vector<int> crash;
};

std::vector<Round> Schedule(const Args& a) {
  uint64_t x = 0x9e3779b97f4a7c15ull;  // fixed seed: same schedule each run
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const int per_round = std::max(1, static_cast<int>(a.n * a.frac + 0.5));
  std::vector<Round> rounds;
  std::vector<int> down;
  for (double at = 0; at < a.seconds; at += a.round) {
    Round r{at, down, {}};
    // Other members than the ones restarting now: one drawn twice would
    // die before anyone heard it was back (the 2026-11-30 soak drew
    // node-865 so, and its 990 + 988 observations came out "missed").
    const std::set<int> restarting(down.begin(), down.end());
    std::set<int> chosen;
    while (static_cast<int>(chosen.size()) < per_round) {
      const int pick = 1 + static_cast<int>(next() % (a.n - 1));
      if (restarting.count(pick) == 0) chosen.insert(pick);
    }
    r.crash.assign(chosen.begin(), chosen.end());
    down = r.crash;
    rounds.push_back(r);
  }
  rounds.push_back(Round{a.seconds, down, {}});  // the last restarts
  return rounds;
}

swim::Config MemberConfig(const Args& a, int i, Recorder* rec) {
  swim::Config c = a.profile == "local" ? swim::DefaultLocalConfig()
                                        : swim::DefaultLANConfig();
  c.name = absl::StrCat("soak-", i);
  c.bind_addr = "127.0.0.1";
  c.bind_port = a.base_port + i;
  c.events = rec;
  return c;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t k = static_cast<size_t>(p * v.size() + 0.999999);
  if (k < 1) k = 1;
  if (k > v.size()) k = v.size();
  return v[k - 1];
}

void WriteScenario(const Args& a, const std::vector<Round>& rounds) {
  std::ofstream f(a.print_scenario);
  const double lead = 30;  // the cluster joins and settles first
  f << "# Generated by bench/soak_probe --print-scenario: the real-socket\n"
       "# soak's schedule (issue 19) played in the simulator. Every "
    << a.round
    << " s the\n# members crashed in the previous round restart "
       "and "
    << a.frac * 100 << " % of the cluster\n# crashes. Slow: manual.\n";
  f << "name = \"soak_" << a.n << "\"\n";
  f << "description = \"" << a.n << " nodes (" << a.profile << "), "
    << a.frac * 100 << " % crash and restart every " << a.round << " s for "
    << a.seconds << " s\"\n\n";
  f << "[cluster]\nsize = " << a.n << "\nprofile = \"" << a.profile
    << "\"\nseed = 1\nduration = \""
    << static_cast<int>(lead + a.seconds + a.round)
    << "s\"\njoin_stagger = \"5ms\"\n";
  for (const Round& r : rounds) {
    const int at = static_cast<int>(lead + r.at);
    if (!r.restart.empty()) {
      f << "\n[[event]]\nat = \"" << at
        << "s\"\naction = \"restart\"\nnodes = ["
        << absl::StrJoin(r.restart, ", ") << "]\n";
    }
    if (!r.crash.empty()) {
      f << "\n[[event]]\nat = \"" << at << "s\"\naction = \"crash\"\nnodes = ["
        << absl::StrJoin(r.crash, ", ") << "]\n";
    }
  }
  f << "\n[expect]\nfalse_positives = 0\n";
}

int Usage() {
  fprintf(stderr,
          "usage: soak_probe [--n N] [--seconds S] [--round R] [--frac F] "
          "[--threads T]\n"
          "                  [--profile lan|local] [--base-port P] "
          "[--print-scenario FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) return Usage();
    const char* v = argv[++i];
    if (k == "--n")
      a.n = atoi(v);
    else if (k == "--seconds")
      a.seconds = atof(v);
    else if (k == "--round")
      a.round = atof(v);
    else if (k == "--frac")
      a.frac = atof(v);
    else if (k == "--threads")
      a.threads = atoi(v);
    else if (k == "--profile")
      a.profile = v;
    else if (k == "--base-port")
      a.base_port = atoi(v);
    else if (k == "--print-scenario")
      a.print_scenario = v;
    else
      return Usage();
  }
  if (a.n < 3 || a.round <= 0 || a.seconds <= 0) return Usage();
  // A round's victims are drawn from the members not restarting in it.
  if (a.frac < 0 || 2 * std::max(1.0, a.n * a.frac + 0.5) > a.n - 1) {
    return Usage();
  }
  const std::vector<Round> rounds = Schedule(a);
  if (!a.print_scenario.empty()) {
    WriteScenario(a, rounds);
    return 0;
  }
  g_t0 = Clock::now();
  swim::net::Runtime runtime(swim::net::RuntimeOptions{.threads = a.threads});
  swim::net::NetOptions o;
  o.log_level = swim::LogLevel::kError;
  o.runtime = &runtime;
  std::vector<std::unique_ptr<Recorder>> recs;
  std::vector<std::unique_ptr<swim::net::Memberlist>> nodes(a.n);
  for (int i = 0; i < a.n; ++i) recs.push_back(std::make_unique<Recorder>(i));
  for (int i = 0; i < a.n; ++i) {
    auto m =
        swim::net::Memberlist::Create(MemberConfig(a, i, recs[i].get()), o);
    if (!m.ok()) {
      fprintf(stderr, "create %d: %s\n", i, m.status().ToString().c_str());
      return 1;
    }
    nodes[i] = *std::move(m);
  }
  const std::string seed = nodes[0]->AdvertiseAddress().ToString();
  {
    std::vector<std::thread> ts;
    std::atomic<int> failures{0}, alone{0};
    for (int i = 1; i < a.n; ++i) {
      ts.emplace_back([&, i] {
        const int f = swim::bench::JoinWithRetry(*nodes[i], seed);
        failures += f;
        if (f == swim::bench::kJoinAttempts) ++alone;
      });
    }
    for (auto& t : ts) t.join();
    if (failures > 0) {
      fprintf(stderr,
              "soak: %d joins failed and were retried; %d never joined\n",
              failures.load(), alone.load());
    }
  }
  auto converged = [&] {
    for (const auto& m : nodes) {
      if (m->NumMembers() != a.n) return false;
    }
    return true;
  };
  const double join_start = Now();
  while (!converged()) {
    if (Now() - join_start > 180) {
      fprintf(stderr, "soak: the cluster did not converge in 180 s\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  fprintf(stderr, "soak: %d members converged after %.1f s; settling 10 s\n",
          a.n, Now() - join_start);
  std::this_thread::sleep_for(std::chrono::seconds(10));

  const double start = Now();
  const double cpu0 = swim::bench::CpuSeconds();
  // subject -> [crash time, restart time) intervals
  std::map<int, std::vector<std::pair<double, double>>> down;
  std::vector<std::pair<int, double>> crashes, restarts;
  for (const Round& r : rounds) {
    const double due = start + r.at;
    while (Now() < due)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int s : r.restart) {
      const double t = Now();
      auto m =
          swim::net::Memberlist::Create(MemberConfig(a, s, recs[s].get()), o);
      if (!m.ok()) {
        fprintf(stderr, "restart %d: %s\n", s, m.status().ToString().c_str());
        continue;
      }
      nodes[s] = *std::move(m);
      down[s].back().second = t;
      restarts.push_back({s, t});
      if (swim::bench::JoinWithRetry(*nodes[s], seed) ==
          swim::bench::kJoinAttempts) {
        fprintf(stderr, "soak: restarted member %d could not join\n", s);
      }
    }
    for (int s : r.crash) {
      const double t = Now();
      nodes[s]->Shutdown();  // silent: no leave
      crashes.push_back({s, t});
      down[s].push_back({t, 1e18});
    }
    fprintf(stderr, "soak: t=%.0f s restarted %zu, crashed %zu\n", r.at,
            r.restart.size(), r.crash.size());
  }
  const double end_at = start + a.seconds + a.round;
  while (Now() < end_at)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double cpu1 = swim::bench::CpuSeconds();
  const double wall = Now() - start;
  std::vector<Ev> evs;
  {
    std::lock_guard<std::mutex> l(g_mu);
    evs = g_events;
  }
  for (auto& m : nodes) {
    if (m) m->Shutdown();
  }
  nodes.clear();

  auto is_down = [&](int s, double t) {
    for (const auto& [c, r] : down[s]) {
      if (t >= c && t < r) return true;
    }
    return false;
  };
  auto crashed_within = [&](int s, double t, double window) {
    for (const auto& [c, r] : down[s]) {
      if (c <= t && c >= t - window) return true;
    }
    return false;
  };
  // False deaths.
  int false_deaths = 0;
  for (const Ev& e : evs) {
    if (e.kind != Kind::kDead || e.t < start) continue;
    if (!is_down(e.subject, e.t) && !crashed_within(e.subject, e.t, 60)) {
      ++false_deaths;
      fprintf(stderr, "false death: soak-%d declared soak-%d dead at %.1f s\n",
              e.observer, e.subject, e.t - start);
    }
  }
  // Index: (observer, subject, kind) -> sorted times.
  std::map<std::tuple<int, int, Kind>, std::vector<double>> seen;
  for (const Ev& e : evs) seen[{e.observer, e.subject, e.kind}].push_back(e.t);
  auto first_after = [&](int obs, int subj, Kind k, double t0,
                         double t1) -> double {
    auto it = seen.find({obs, subj, k});
    if (it == seen.end()) return -1;
    for (double t : it->second) {
      if (t >= t0 && t < t1) return t;
    }
    return -1;
  };
  std::vector<double> dead_lat, alive_lat;
  int dead_missed = 0, alive_missed = 0;
  for (const auto& [s, c] : crashes) {
    double restart_at = 1e18;
    for (const auto& [cc, r] : down[s]) {
      if (cc == c) restart_at = r;
    }
    for (int o2 = 0; o2 < a.n; ++o2) {
      if (o2 == s || is_down(o2, c) ||
          is_down(o2, std::min(restart_at, end_at) - 1e-3) ||
          crashed_within(o2, std::min(restart_at, end_at), restart_at - c)) {
        continue;  // the observer was not up throughout
      }
      const double t = first_after(o2, s, Kind::kDead, c, restart_at);
      if (t < 0) {
        ++dead_missed;
      } else {
        dead_lat.push_back(t - c);
      }
    }
  }
  for (const auto& [s, r] : restarts) {
    const double until = std::min(r + a.round, end_at);
    for (int o2 = 0; o2 < a.n; ++o2) {
      if (o2 == s || is_down(o2, r) || crashed_within(o2, until, until - r))
        continue;
      const double t = first_after(o2, s, Kind::kJoin, r, until);
      if (t < 0) {
        ++alive_missed;
      } else {
        alive_lat.push_back(t - r);
      }
    }
  }
  const double cpu_ms = (cpu1 - cpu0) / wall / a.n * 1e3;
  printf(
      "{\"kind\":\"soak\",\"n\":%d,\"seconds\":%.0f,\"profile\":\"%s\","
      "\"threads\":%d,"
      "\"crashes\":%zu,\"restarts\":%zu,\"false_deaths\":%d,"
      "\"crash_to_dead_p50\":%.3f,\"crash_to_dead_p99\":%.3f,\"crash_to_dead_"
      "max\":%.3f,"
      "\"crash_observations\":%zu,\"crash_missed\":%d,"
      "\"restart_to_alive_p50\":%.3f,\"restart_to_alive_p99\":%.3f,"
      "\"restart_to_alive_max\":%.3f,\"restart_observations\":%zu,\"restart_"
      "missed\":%d,"
      "\"cpu_ms_per_s_per_member\":%.4f,\"cpu_cores\":%.3f}\n",
      a.n, wall, a.profile.c_str(), runtime.threads(), crashes.size(),
      restarts.size(), false_deaths, Percentile(dead_lat, 0.5),
      Percentile(dead_lat, 0.99), Percentile(dead_lat, 1.0), dead_lat.size(),
      dead_missed, Percentile(alive_lat, 0.5), Percentile(alive_lat, 0.99),
      Percentile(alive_lat, 1.0), alive_lat.size(), alive_missed, cpu_ms,
      (cpu1 - cpu0) / wall);
  return 0;
}
