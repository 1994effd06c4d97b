// C++ side of bench/run_all.sh's loopback measurements: one process hosts N
// net::Memberlist instances on 127.0.0.1 (kernel-chosen ports) and prints
// one JSON object per measurement on stdout. bench/go/loopback/main.go is
// the Go memberlist side and measures the same things the same way:
//
//   loopback_probe massjoin N CAP_S   every node joins node 0 at once (one
//       thread each); time from the first Join until every node lists N.
//       Local config, as the Go side; SWIM_PROBE_LAN=1: LAN config.
//   loopback_probe detect N CRASHES   after convergence, CRASHES times: shut
//       one node down without leaving; time until the first / every other
//       node drops it from Members().
//   loopback_probe idle N WINDOW_S [SETTLE_S]   join one after another and
//       converge (LAN config),
//       settle, then CPU seconds / payload bytes / packets sent per node per
//       second over the window, and RSS growth per node.
//
// --runtime[=T] (anywhere): the members share the T loop threads of one
// net::Runtime (T = 0 or absent: one per core) instead of a thread each.
// The JSON then carries "runtime": T ("runtime": 0 means a thread each).
//
// Bytes are the core's "memberlist.udp.sent" + "memberlist.tcp.sent"
// (payload bytes, as Go's transport sees them); packets are the transport's
// "net.udp.packets_sent".
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>

#include "core/config.h"

#include "net/memberlist.h"
#include "net/runtime.h"

#include "absl/strings/str_cat.h"
#include "bench/probe_util.h"

namespace {

using Clock = std::chrono::steady_clock;
using Nodes = std::vector<std::unique_ptr<swim::net::Memberlist>>;

// --runtime: created with the first node (so RSS growth counts it), and
// destroyed after every node (main's nodes are destroyed first).
bool g_use_runtime = false;
int g_runtime_threads = 0;
std::unique_ptr<swim::net::Runtime> g_runtime;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void SleepS(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

Nodes NewNodes(int n, bool lan) {
  Nodes nodes;
  for (int i = 0; i < n; ++i) {
    swim::Config c =
        lan ? swim::DefaultLANConfig() : swim::DefaultLocalConfig();
    c.name = absl::StrCat("node-", i);
    c.bind_addr = "127.0.0.1";
    c.bind_port = 0;
    if (getenv("SWIM_PROBE_NO_JOIN_SYNC") != nullptr) c.join_sync = false;
    // SWIM_PROBE_REPLY_AGE_MS: Config::push_pull_reply_max_age (0: off).
    if (const char* t = getenv("SWIM_PROBE_REPLY_AGE_MS")) {
      c.push_pull_reply_max_age = absl::Milliseconds(atof(t));
    }
    swim::net::NetOptions o;
    o.log_level = getenv("SWIM_PROBE_WARN") != nullptr ? swim::LogLevel::kWarn
                                                       : swim::LogLevel::kError;
    if (g_use_runtime) {
      if (!g_runtime) {
        swim::net::RuntimeOptions ro{.threads = g_runtime_threads};
        // SWIM_PROBE_TRIM_S: the Runtime's malloc_trim interval (0: off).
        if (const char* t = getenv("SWIM_PROBE_TRIM_S")) {
          ro.trim_interval = absl::Seconds(atof(t));
        }
        // SWIM_PROBE_SLACK_MS: the Runtime's timer coalescing window.
        if (const char* t = getenv("SWIM_PROBE_SLACK_MS")) {
          ro.timer_slack = absl::Milliseconds(atof(t));
        }
        g_runtime = std::make_unique<swim::net::Runtime>(ro);
      }
      o.runtime = g_runtime.get();
    }
    auto m = swim::net::Memberlist::Create(std::move(c), o);
    if (!m.ok()) {
      fprintf(stderr, "create node %d: %s\n", i, m.status().ToString().c_str());
      exit(1);
    }
    nodes.push_back(*std::move(m));
  }
  return nodes;
}

using swim::bench::CpuSeconds;
using swim::bench::JoinWithRetry;

// Joins that have returned (for SWIM_PROBE_TRACE).
std::atomic<int> g_joins_done{0};

// Every node but node 0 joins node 0, each from its own thread, all at
// once (JoinWithRetry); the failed attempts are printed.
void JoinAll(Nodes& nodes) {
  const std::string seed = nodes[0]->AdvertiseAddress().ToString();
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (size_t i = 1; i < nodes.size(); ++i) {
    ts.emplace_back([&, i] {
      failures += JoinWithRetry(*nodes[i], seed);
      ++g_joins_done;
    });
  }
  for (auto& t : ts) t.join();
  if (failures > 0) {
    fprintf(stderr, "%d joins failed and were retried\n", failures.load());
  }
}

bool Converged(const Nodes& nodes, int want) {
  for (const auto& m : nodes) {
    if (m->NumMembers() != want) return false;
  }
  return true;
}

// SWIM_PROBE_TRACE=1: every 250 ms, on stderr, the joins returned, the
// fewest / median / most members any node lists, and the process's CPU
// seconds: where a mass join spends its time.
void MaybeTrace(const Nodes& nodes, Clock::time_point start,
                double* next_trace) {
  static const bool on = getenv("SWIM_PROBE_TRACE") != nullptr;
  if (!on || Since(start) < *next_trace) return;
  *next_trace += 0.25;
  std::vector<int> seen;
  seen.reserve(nodes.size());
  for (const auto& m : nodes) seen.push_back(m->NumMembers());
  std::sort(seen.begin(), seen.end());
  const size_t at_n = static_cast<size_t>(
      std::count(seen.begin(), seen.end(), static_cast<int>(nodes.size())));
  fprintf(stderr,
          "trace t=%.2f joins=%d min=%d p50=%d max=%d complete=%zu cpu=%.2f\n",
          Since(start), g_joins_done.load(), seen.front(),
          seen[seen.size() / 2], seen.back(), at_n, CpuSeconds());
}

// Polls every 20 ms (as the Go side): seconds taken, and whether converged.
std::pair<double, bool> WaitConverged(const Nodes& nodes, int want,
                                      Clock::time_point start, double cap) {
  double next_trace = 0;
  while (true) {
    MaybeTrace(nodes, start, &next_trace);
    if (Converged(nodes, want)) return {Since(start), true};
    if (Since(start) > cap) return {Since(start), false};
    SleepS(0.02);
  }
}

void ShutdownAll(Nodes& nodes) {
  std::vector<std::thread> ts;
  for (auto& m : nodes) {
    if (m) ts.emplace_back([&m] { m->Shutdown(); });
  }
  for (auto& t : ts) t.join();
}

double RssBytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return atof(line.c_str() + 6) * 1024;
  }
  return 0;
}

// Heap bytes in use (all arenas), as glibc counts them.
double HeapInUse() { return static_cast<double>(mallinfo2().uordblks); }

struct Sent {
  double bytes = 0, packets = 0, tcp_bytes = 0;
};
Sent SentTotals(const Nodes& nodes) {
  Sent s;
  for (const auto& m : nodes) {
    const swim::Metrics met = m->GetMetrics();
    s.bytes +=
        met.Counter("memberlist.udp.sent") + met.Counter("memberlist.tcp.sent");
    s.tcp_bytes += met.Counter("memberlist.tcp.sent");
    s.packets += met.Counter("net.udp.packets_sent");
  }
  return s;
}

// Why a run did not converge: member counts and the transports' failures.
void Diagnose(const Nodes& nodes) {
  int lo = 1 << 30, hi = 0;
  uint64_t rejected = 0, failed = 0, send_errors = 0, recv_errors = 0,
           in_errors = 0;
  for (const auto& m : nodes) {
    const int k = m->NumMembers();
    lo = std::min(lo, k);
    hi = std::max(hi, k);
    const swim::net::AsioEnvCounters c = m->TransportCounters();
    rejected += c.tcp_rejected;
    failed += c.stream_exchanges_failed;
    send_errors += c.udp_send_errors;
    recv_errors += c.udp_receive_errors;
    in_errors += c.tcp_inbound_errors;
  }
  fprintf(stderr,
          "not converged: members per node %d..%d; tcp rejected %llu, stream "
          "exchanges "
          "failed %llu, inbound stream errors %llu, udp send errors %llu, "
          "receive errors %llu\n",
          lo, hi, (unsigned long long)rejected, (unsigned long long)failed,
          (unsigned long long)in_errors, (unsigned long long)send_errors,
          (unsigned long long)recv_errors);
  // Who is missing where, and whether suspicions and deaths were going on
  // (a member declared dead during the storm is missing until it refutes).
  std::set<std::string> all;
  for (const auto& m : nodes) all.insert(m->LocalNode().name);
  std::set<std::string> missing;
  uint64_t suspects = 0, deaths = 0;
  for (const auto& m : nodes) {
    std::set<std::string> seen;
    for (const swim::Node& x : m->Members()) seen.insert(x.name);
    for (const std::string& name : all) {
      if (!seen.contains(name)) missing.insert(name);
    }
    const swim::Metrics met = m->GetMetrics();
    suspects += met.Counter("memberlist.msg.suspect");
    deaths += met.Counter("memberlist.msg.dead");
  }
  // The members that lack others, fewest first: who they miss, and how
  // much they exchanged (a straggler is a member or a missed member).
  std::vector<std::pair<int, size_t>> by_count;
  for (size_t i = 0; i < nodes.size(); ++i) {
    by_count.emplace_back(nodes[i]->NumMembers(), i);
  }
  std::sort(by_count.begin(), by_count.end());
  for (size_t k = 0; k < by_count.size() && k < 8; ++k) {
    if (by_count[k].first >= static_cast<int>(nodes.size())) break;
    const auto& m = nodes[by_count[k].second];
    std::set<std::string> seen;
    for (const swim::Node& x : m->Members()) seen.insert(x.name);
    std::string lacks;
    int shown = 0;
    for (const std::string& name : all) {
      if (seen.contains(name) || ++shown > 6) continue;
      lacks += " " + name;
    }
    const swim::Metrics met = m->GetMetrics();
    fprintf(stderr,
            "  %s lists %d; lacks%s%s; push/pulls out %.0f in %.0f, udp "
            "packets in %.0f\n",
            m->LocalNode().name.c_str(), by_count[k].first, lacks.c_str(),
            shown > 6 ? " ..." : "",
            static_cast<double>(met.Counter("memberlist.tcp.connect")),
            static_cast<double>(met.Counter("memberlist.tcp.push_pull_in")),
            static_cast<double>(met.Counter("net.udp.packets_received")));
  }
  fprintf(stderr,
          "%zu distinct members missing somewhere; suspect messages accepted "
          "%llu, dead messages accepted %llu (all nodes)\n",
          missing.size(), (unsigned long long)suspects,
          (unsigned long long)deaths);
}

int Usage() {
  fprintf(stderr,
          "usage: loopback_probe [--runtime[=T]] massjoin N CAP_S | detect N "
          "CRASHES | "
          "idle N WINDOW_S [SETTLE_S]\n");
  return 2;
}

}  // namespace

int RuntimeThreads() { return g_runtime ? g_runtime->threads() : 0; }

int main(int argc, char** argv) {
  // Strip --runtime[=T] wherever it is.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runtime" || a.rfind("--runtime=", 0) == 0) {
      g_use_runtime = true;
      if (a.size() > 10) g_runtime_threads = atoi(a.c_str() + 10);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (argc < 4) return Usage();
  const std::string mode = argv[1];
  const int n = atoi(argv[2]);
  if (mode == "massjoin") {
    const double cap = atof(argv[3]);
    Nodes nodes = NewNodes(n, /*lan=*/getenv("SWIM_PROBE_LAN") != nullptr);
    const auto start = Clock::now();
    std::thread joiner([&] { JoinAll(nodes); });
    auto [secs, ok] = WaitConverged(nodes, n, start, cap);
    joiner.join();
    if (!ok) Diagnose(nodes);
    // Push/pulls served, and how many of the replies reused a recent
    // encoding (Config::push_pull_reply_max_age).
    double served = 0, reused = 0;
    for (const auto& m : nodes) {
      const swim::Metrics met = m->GetMetrics();
      served += met.Counter("memberlist.tcp.push_pull_in");
      reused += met.Counter("memberlist.push_pull.reply_reused");
    }
    printf(
        "{\"impl\":\"cpp\",\"kind\":\"massjoin\",\"n\":%d,\"seconds\":%.4f,"
        "\"converged\":%s,"
        "\"cap\":%.0f,\"runtime\":%d,\"config\":\"%s\","
        "\"push_pulls_served\":%.0f,\"replies_reused\":%.0f}\n",
        n, secs, ok ? "true" : "false", cap, RuntimeThreads(),
        getenv("SWIM_PROBE_LAN") != nullptr ? "lan" : "local", served, reused);
    fflush(stdout);
    ShutdownAll(nodes);
  } else if (mode == "detect") {
    const int crashes = atoi(argv[3]);
    Nodes nodes = NewNodes(n, /*lan=*/false);
    const auto start = Clock::now();
    JoinAll(nodes);
    if (!WaitConverged(nodes, n, start, 60).second) {
      fprintf(stderr, "detect: cluster did not converge\n");
      return 1;
    }
    SleepS(2);
    for (int k = 0; k < crashes && nodes.size() > 1; ++k) {
      std::unique_ptr<swim::net::Memberlist> victim = std::move(nodes.back());
      nodes.pop_back();
      const std::string name = victim->LocalNode().name;
      const auto t0 = Clock::now();
      victim->Shutdown();
      std::vector<bool> seen(nodes.size(), false);
      size_t left = nodes.size();
      double first = -1, all = 0;
      while (left > 0 && Since(t0) < 60) {
        for (size_t i = 0; i < nodes.size(); ++i) {
          if (seen[i]) continue;
          bool has = false;
          for (const swim::Node& m : nodes[i]->Members()) {
            if (m.name == name) {
              has = true;
              break;
            }
          }
          if (!has) {
            seen[i] = true;
            --left;
            if (first < 0) first = Since(t0);
          }
        }
        if (left == 0) {
          all = Since(t0);
          break;
        }
        SleepS(0.005);
      }
      printf(
          "{\"impl\":\"cpp\",\"kind\":\"detect\",\"n\":%d,\"crash\":%d,"
          "\"first\":%.4f,"
          "\"all\":%.4f,\"agreed\":%s}\n",
          n, k, first, all, left == 0 ? "true" : "false");
      fflush(stdout);
      SleepS(1);
    }
    ShutdownAll(nodes);
  } else if (mode == "idle") {
    const double window = atof(argv[3]);
    const double settle = argc > 4 ? atof(argv[4]) : 5;
    const double rss0 = RssBytes();
    const double heap0 = HeapInUse();
    Nodes nodes = NewNodes(n, /*lan=*/true);
    const auto start = Clock::now();
    // One join after another, as the Go side (which does not converge from
    // a large join storm within minutes); the cost is measured settled.
    const std::string seed = nodes[0]->AdvertiseAddress().ToString();
    int join_failures = 0;
    for (size_t i = 1; i < nodes.size(); ++i) {
      join_failures += JoinWithRetry(*nodes[i], seed);
    }
    if (join_failures > 0) {
      fprintf(stderr, "idle: %d joins failed and were retried\n",
              join_failures);
    }
    const auto [conv_s, converged] = WaitConverged(nodes, n, start, 180);
    if (!converged) {
      fprintf(stderr, "idle: cluster did not converge in 180 s\n");
      Diagnose(nodes);
      return 1;
    }
    fprintf(stderr, "idle: %d members converged in %.1f s\n", n, conv_s);
    SleepS(settle);
    const Sent s0 = SentTotals(nodes);
    const double c0 = CpuSeconds();
    const auto t0 = Clock::now();
    SleepS(window);
    const double el = Since(t0);
    const double c1 = CpuSeconds();
    const Sent s1 = SentTotals(nodes);
    const double rss1 = RssBytes();
    // heap_per_node: what the members hold; rss_per_node: what the process
    // holds from the OS (heap plus whatever the allocator kept).
    const double heap1 = HeapInUse();
    printf(
        "{\"impl\":\"cpp\",\"kind\":\"idle\",\"n\":%d,\"window\":%.3f,\"cpu_"
        "per_node\":%.6g,"
        "\"bytes_per_node\":%.6g,\"packets_per_node\":%.6g,\"rss_per_node\":%."
        "6g,\"heap_per_node\":%.6g,"
        "\"rss0\":%.0f,\"rss\":%.0f,\"tcp_bytes_per_node\":%.6g,\"runtime\":%d}"
        "\n",
        n, el, (c1 - c0) / el / n, (s1.bytes - s0.bytes) / el / n,
        (s1.packets - s0.packets) / el / n, (rss1 - rss0) / n,
        (heap1 - heap0) / n, rss0, rss1, (s1.tcp_bytes - s0.tcp_bytes) / el / n,
        RuntimeThreads());
    fflush(stdout);
    ShutdownAll(nodes);
  } else {
    return Usage();
  }
  return 0;
}
