// Simulator scale benchmark (issue 17): N LAN nodes all join node-0 at t=0,
// `crash` of them (every N/crash-th, starting at node 1) stop silently at
// `crash_at` virtual seconds, and the cluster runs for `seconds` virtual
// seconds in all. Prints, per 60 virtual seconds, the wall and CPU time and
// the peak RSS so far, then one summary line (`RESULT ...`) that
// bench/scale/scale_sweep.sh collects:
//   wall and CPU (user+sys) seconds, peak RSS, simulator events and events
//   per CPU second, the heap in use at the end and that divided by the
//   (node, known member) pairs, and the broadcasts still queued.
//
//   ./bazelw build --config=opt //bench/scale:sim_scale_bench
//   bazel-bin/bench/scale/sim_scale_bench 1000 60 1      # the 1k goal run
//   bazel-bin/bench/scale/sim_scale_bench 10000 600 100  # consul_10k's shape
//
// Args: n (1000), seconds (60), crash (1), crash_at (30), seed (1).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <malloc.h>
#include <sys/resource.h>

#include "sim/cluster.h"

namespace {

// Bytes the allocator has handed out and not had back (arenas + mmaps).
size_t HeapInUse() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

double PeakRssMiB() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

double CpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 60;
  const int crash = argc > 3 ? std::atoi(argv[3]) : 1;
  const int crash_at = argc > 4 ? std::atoi(argv[4]) : 30;
  const uint64_t seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1;
  sim::WorldOptions o;
  o.seed = seed;
  o.log_level = swim::LogLevel::kError;
  o.record_drops = false;
  const size_t heap0 = HeapInUse();
  sim::Cluster c(o, [](int) { return swim::DefaultLANConfig(); });
  c.set_record_events(false);
  const auto w0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  c.CreateAndJoin(n);
  std::printf("n=%d seed=%llu: %d virtual s, %d crash at %d s, LAN config\n", n,
              static_cast<unsigned long long>(seed), seconds, crash, crash_at);
  auto all_know = [&] {  // O(n): once per virtual second
    for (int i = 0; i < n; ++i) {
      if (c.is_up(i) && c.node(i)->NumMembers() != n) return false;
    }
    return true;
  };
  double converged_at = -1;
  auto a = std::chrono::steady_clock::now();
  double cpu_a = CpuSeconds();
  for (int s = 0; s < seconds; ++s) {
    if (s == crash_at) {
      const int step = crash > 0 ? std::max(1, n / crash) : n;
      for (int k = 0, i = 1; k < crash && i < n; ++k, i += step) c.Crash(i);
    }
    c.world().RunFor(absl::Seconds(1));
    if (converged_at < 0 && s < crash_at && all_know()) converged_at = s + 1;
    if ((s + 1) % 60 == 0 || s + 1 == seconds) {
      std::printf(
          "  t=%4ds: %7.2f s wall, %7.2f s CPU (events so far %.1fM, peak "
          "RSS %.0f MiB)\n",
          s + 1, Since(a), CpuSeconds() - cpu_a,
          c.world().events_processed() / 1e6, PeakRssMiB());
      std::fflush(stdout);
      a = std::chrono::steady_clock::now();
      cpu_a = CpuSeconds();
    }
  }
  const double wall = Since(w0);
  const double cpu = CpuSeconds() - cpu0;
  size_t pairs = 0;
  size_t queued = 0;
  for (int i = 0; i < n; ++i) {
    if (!c.is_up(i)) continue;
    pairs += c.node(i)->NumMembers();
    queued += c.node(i)->NumQueuedBroadcasts();
  }
  // Crashed nodes some survivor still holds alive or suspect at the end.
  int undetected = 0;
  int crashed = 0;
  for (int j = 0; j < n; ++j) {
    if (c.is_up(j)) continue;
    ++crashed;
    for (int i = 0; i < n; ++i) {
      if (!c.is_up(i)) continue;
      const auto st = c.StateOf(i, j);
      if (st == swim::NodeState::kAlive || st == swim::NodeState::kSuspect) {
        ++undetected;
        break;
      }
    }
  }
  const size_t heap = HeapInUse() - heap0;
  const double events = static_cast<double>(c.world().events_processed());
  std::printf("everyone knew everyone by t=%.0fs virtual%s\n", converged_at,
              converged_at < 0 ? " (never before the crash)" : "");
  std::printf("crashed nodes some survivor still holds alive: %d of %d\n",
              undetected, crashed);
  std::printf(
      "RESULT n=%d virtual_s=%d wall_s=%.1f cpu_s=%.1f peak_rss_mib=%.0f "
      "events=%.0f events_per_cpu_s=%.0f heap_mib=%.0f pairs=%zu "
      "heap_bytes_per_pair=%.0f queued=%zu\n",
      n, seconds, wall, cpu, PeakRssMiB(), events, events / cpu,
      heap / 1048576.0, pairs, pairs ? static_cast<double>(heap) / pairs : 0,
      queued);
  return 0;
}
