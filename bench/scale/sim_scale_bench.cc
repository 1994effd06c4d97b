// Simulator scale benchmark: N LAN nodes all join node-0 at t=0, then the
// cluster runs for M virtual minutes. Prints, per 60 s of virtual time, how
// many times faster than real time the simulator ran (so the expensive join
// aftermath and the steady state show separately), when every node knew
// every other, and the peak RSS.
//
//   ./bazelw run --config=opt //bench/scale:sim_scale_bench -- 1000 10
//   ./bazelw run --config=opt //bench/scale:sim_scale_bench -- 10000 10
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <sys/resource.h>

#include "sim/cluster.h"

namespace {

double PeakRssMiB() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int minutes = argc > 2 ? std::atoi(argv[2]) : 10;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  sim::WorldOptions o;
  o.seed = seed;
  o.log_level = swim::LogLevel::kError;
  o.record_drops = false;
  sim::Cluster c(o, [](int) { return swim::DefaultLANConfig(); });
  c.set_record_events(false);
  const auto w0 = std::chrono::steady_clock::now();
  c.CreateAndJoin(n);
  std::printf("n=%d seed=%llu: %d virtual minutes, LAN config\n", n,
              static_cast<unsigned long long>(seed), minutes);
  // Everyone knows everyone: cheap O(n) check once per virtual second.
  auto all_know = [&] {
    for (int i = 0; i < n; ++i) {
      if (c.node(i)->NumMembers() != n) return false;
    }
    return true;
  };
  double converged_at = -1;
  double total_wall = 0;
  for (int m = 0; m < minutes; ++m) {
    const auto a = std::chrono::steady_clock::now();
    for (int s = 0; s < 60; ++s) {
      c.world().RunFor(absl::Seconds(1));
      if (converged_at < 0 && all_know()) {
        converged_at = absl::ToDoubleSeconds(c.world().Now() - swim::Instant());
      }
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - a)
            .count();
    total_wall += wall;
    std::printf(
        "  minute %2d: %6.2f s wall = %7.1fx real time  (events so far %.1fM, "
        "RSS %.0f MiB)\n",
        m + 1, wall, 60 / wall, c.world().events_processed() / 1e6,
        PeakRssMiB());
    std::fflush(stdout);
  }
  const double all_wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - w0)
          .count();
  const sim::NodeStats t = c.world().TotalStats();
  std::printf("everyone knew everyone at t=%.1fs virtual%s\n", converged_at,
              converged_at < 0 ? " (never)" : "");
  std::printf(
      "total: %d virtual s in %.1f s wall = %.1fx real time; peak RSS %.0f "
      "MiB; "
      "%.2f msgs and %.0f bytes per node per second\n",
      minutes * 60, all_wall, minutes * 60 / total_wall, PeakRssMiB(),
      (t.packets_sent + t.streams_opened) / (60.0 * minutes) / n,
      (t.bytes_sent + t.stream_bytes_sent) / (60.0 * minutes) / n);
  return 0;
}
