#include <cstdio>

#include "sim/cluster.h"
int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200;
  uint64_t seed = argc > 2 ? atoll(argv[2]) : 1;
  sim::WorldOptions o;
  o.seed = seed;
  o.log_level = swim::LogLevel::kError;
  sim::Cluster c(o, [](int) { return swim::DefaultLocalConfig(); });
  c.CreateAndJoin(n);
  swim::Instant start = c.world().Now();
  bool ok = c.RunUntil([&] { return c.Converged(); }, absl::Seconds(120));
  printf("n=%d seed=%llu converged=%d t=%s\n", n, (unsigned long long)seed, ok,
         absl::FormatDuration(c.world().Now() - start).c_str());
  uint64_t bytes = 0, pkts = 0;
  for (int i = 0; i < n; ++i) {
    bytes += c.world().stats(c.world_id(i)).bytes_sent +
             c.world().stats(c.world_id(i)).stream_bytes_sent;
    pkts += c.world().stats(c.world_id(i)).packets_sent;
  }
  printf("total bytes=%llu packets=%llu\n", (unsigned long long)bytes,
         (unsigned long long)pkts);
}
