// Probe: after a quiet period, node-0 bumps its incarnation; who learns it
// when?
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "sim/cluster.h"
int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 128;
  uint64_t seed = argc > 2 ? atoll(argv[2]) : 1;
  sim::WorldOptions o;
  o.seed = seed;
  o.log_level = swim::LogLevel::kError;
  sim::Cluster c(o, [](int) { return swim::DefaultLANConfig(); });
  c.CreateAndJoin(n);
  c.RunUntil([&] { return c.Converged(); }, absl::Seconds(60));
  c.world().RunFor(absl::Seconds(60));
  uint32_t before = c.node(0)->Incarnation();
  c.node(0)->UpdateNode(absl::Seconds(5), [](absl::Status) {});
  uint32_t after = c.node(0)->Incarnation();
  swim::Instant t0 = c.world().Now();
  std::vector<uint64_t> rx0(n);
  for (int i = 0; i < n; ++i)
    rx0[i] = c.world().stats(c.world_id(i)).packets_received;
  std::vector<double> learned(n, -1);
  for (int step = 0; step < 3000; ++step) {
    c.world().RunFor(absl::Milliseconds(10));
    for (int i = 1; i < n; ++i) {
      if (learned[i] >= 0) continue;
      auto node = c.node(i)->GetNode("node-0");
      if (node && node->incarnation >= after)
        learned[i] = absl::ToDoubleSeconds(c.world().Now() - t0);
    }
  }
  {
    std::vector<std::pair<uint64_t, int>> v;
    for (int i = 0; i < n; ++i)
      v.push_back(
          {c.world().stats(c.world_id(i)).packets_received - rx0[i], i});
    std::sort(v.begin(), v.end());
    printf("packets received in 30 s after the update, lowest: ");
    for (int k = 0; k < 5; ++k)
      printf("node-%d:%llu ", v[k].second, (unsigned long long)v[k].first);
    printf(" highest: node-%d:%llu\n", v.back().second,
           (unsigned long long)v.back().first);
  }
  int missing = 0;
  for (int i = 1; i < n; ++i)
    if (learned[i] < 0) {
      ++missing;
      printf("node-%d never learned (inc %u->%u)\n", i, before, after);
      // how do others see node i?
      int alive = 0;
      for (int j = 0; j < n; ++j) {
        auto s = c.StateOf(j, i);
        if (s == swim::NodeState::kAlive) ++alive;
      }
      auto me = c.node(i)->LocalNode();
      auto v = c.node(i)->GetNode("node-0");
      printf("  its view of node-0: %s inc=%u addr=%s\n",
             v ? std::string(swim::NodeStateName(v->state)).c_str() : "none",
             v ? v->incarnation : 0, v ? v->address().ToString().c_str() : "");
      for (const auto& [k, val] : c.node(i)->metrics().counters())
        printf("    %s=%llu\n", k.c_str(), (unsigned long long)val);
      printf(
          "  %d observers see it alive; its addr %s; node-0 sees addr %s; "
          "received pkts=%llu\n",
          alive, me.address().ToString().c_str(),
          c.node(0)->GetNode(me.name)->address().ToString().c_str(),
          (unsigned long long)c.world().stats(c.world_id(i)).packets_received);
    }
  double mx = 0;
  for (int i = 1; i < n; ++i)
    if (learned[i] > mx) mx = learned[i];
  printf("n=%d missing=%d max=%.2fs\n", n, missing, mx);
}
