// How fast does the simulator run real Memberlists? Builds an n-node LAN
// cluster (joins staggered 10 ms apart), optionally warms it up, then runs
// `seconds` of virtual time and prints speed (virtual / wall), events/s and
// traffic. Not a test (minutes at 1000 nodes); run it by hand:
//   ./bazelw build --config=opt //tests/sim:cluster_speed
//   bazel-bin/tests/sim/cluster_speed <nodes> <seconds> [warmup_seconds]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "sim/cluster.h"

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int secs = argc > 2 ? std::atoi(argv[2]) : 60;
  const int warm = argc > 3 ? std::atoi(argv[3]) : 0;
  sim::WorldOptions o;
  o.seed = 1;
  o.log_level = swim::LogLevel::kError;
  o.record_drops = false;
  sim::Cluster c(o, [](int) { return swim::DefaultLANConfig(); });
  c.set_record_events(false);
  sim::World& w = c.world();
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  c.CreateAndJoin(n, absl::Milliseconds(10));
  if (warm > 0) w.RunFor(absl::Seconds(warm));
  const auto t1 = Clock::now();
  const sim::NodeStats before = w.TotalStats();
  const uint64_t e0 = w.events_processed();
  w.RunFor(absl::Seconds(secs));
  const double wall = std::chrono::duration<double>(Clock::now() - t1).count();
  const sim::NodeStats after = w.TotalStats();
  const uint64_t events = w.events_processed() - e0;
  const double pkts =
      static_cast<double>(after.packets_sent - before.packets_sent);
  const double bytes =
      static_cast<double>(after.bytes_sent - before.bytes_sent);
  std::printf(
      "nodes=%d warmup=%ds (%.1fs wall) run=%ds wall=%.2fs speed=%.1fx "
      "events=%llu (%.3fM/s) packets/node/s=%.2f bytes/node/s=%.0f "
      "converged=%d\n",
      n, warm, std::chrono::duration<double>(t1 - t0).count(), secs, wall,
      secs / wall, static_cast<unsigned long long>(events), events / wall / 1e6,
      pkts / n / secs, bytes / n / secs, static_cast<int>(c.Converged()));
  return 0;
}
