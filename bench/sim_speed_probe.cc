// Simulator speed probe: N nodes (LAN config) converge, then run for V
// virtual seconds; prints virtual seconds per wall second and peak RSS.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <sys/resource.h>

#include "sim/cluster.h"

int main(int argc, char** argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 1000;
  const int virt = argc > 2 ? atoi(argv[2]) : 60;
  sim::WorldOptions o;
  o.seed = 1;
  o.log_level = swim::LogLevel::kError;
  o.record_drops = false;
  sim::Cluster c(o, [](int) { return swim::DefaultLANConfig(); });
  c.set_record_events(false);
  auto t0 = std::chrono::steady_clock::now();
  c.CreateAndJoin(n);
  bool ok = c.RunUntil([&] { return c.Converged(); }, absl::Seconds(60));
  const int warmup = argc > 3 ? atoi(argv[3]) : 0;
  c.world().RunFor(absl::Seconds(warmup));
  auto t1 = std::chrono::steady_clock::now();
  c.world().RunFor(absl::Seconds(virt));
  auto t2 = std::chrono::steady_clock::now();
  const double join_wall = std::chrono::duration<double>(t1 - t0).count();
  const double run_wall = std::chrono::duration<double>(t2 - t1).count();
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf(
      "n=%d converged=%d join_wall=%.2fs steady: %d virtual s in %.2f wall s = "
      "%.1fx real time, events=%llu, peak RSS=%.1f MiB\n",
      n, ok, join_wall, virt, run_wall, virt / run_wall,
      (unsigned long long)c.world().events_processed(), ru.ru_maxrss / 1024.0);
  if (getenv("SWIM_PROBE_METRICS")) {
    for (const auto& [name, v] : c.node(1)->metrics().counters()) {
      printf("  node-1 %s = %llu\n", name.c_str(), (unsigned long long)v);
    }
  }
  return 0;
}
