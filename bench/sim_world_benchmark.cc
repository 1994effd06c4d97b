// Simulator throughput: events per second of wall time for a cluster of toy
// ping hosts (timers + packets + acks, no protocol core), and the raw event
// queue. Run with:
//   ./bazelw run --config=opt //bench:sim_world_benchmark
#include <memory>
#include <vector>

#include "sim/event_queue.h"
#include "sim/testing/toy_host.h"
#include "sim/world.h"

#include "absl/time/time.h"
#include "benchmark/benchmark.h"

namespace {

// N nodes each pinging a random peer every 200 ms over a 1-5 ms link with
// 1% loss, for 10 virtual seconds per iteration.
void BM_PingCluster(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  uint64_t events = 0;
  double virtual_seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sim::WorldOptions o;
    o.seed = 1;
    o.record_drops = false;
    auto world = std::make_unique<sim::World>(o);
    sim::LinkParams link;
    link.latency = sim::LatencyModel::Uniform(absl::Milliseconds(1),
                                              absl::Milliseconds(5));
    link.loss = 0.01;
    world->network().SetDefaultLink(link);
    std::vector<std::unique_ptr<sim::testing::PingHost>> hosts;
    for (int i = 0; i < n; ++i) {
      const sim::NodeId id = world->AddNode();
      hosts.push_back(std::make_unique<sim::testing::PingHost>(
          world.get(), id, absl::Milliseconds(200)));
      world->SetHost(id, hosts.back().get());
      hosts.back()->Start();
    }
    state.ResumeTiming();
    world->RunFor(absl::Seconds(10));
    events += world->events_processed();
    virtual_seconds += 10;
    state.PauseTiming();
    world.reset();
    hosts.clear();
    state.ResumeTiming();
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events),
                                                  benchmark::Counter::kIsRate);
  state.counters["virtual_s/s"] =
      benchmark::Counter(virtual_seconds, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PingCluster)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

// Push/pop with a steady backlog of `range` events.
void BM_EventQueuePushPop(benchmark::State& state) {
  sim::EventQueue q;
  const int64_t backlog = state.range(0);
  uint64_t x = 1;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<int64_t>(x % 1000000);
  };
  int64_t now = 0;
  for (int64_t i = 0; i < backlog; ++i) {
    q.Push(swim::Instant::FromNanos(next()), sim::Event());
  }
  for (auto _ : state) {
    swim::Instant t;
    const sim::EventId id = q.PopEarliest(&t);
    benchmark::DoNotOptimize(q.Take(id));
    now = t.nanos();
    q.Push(swim::Instant::FromNanos(now + next()), sim::Event());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventQueuePushPop)->Arg(1000)->Arg(100000);

}  // namespace

BENCHMARK_MAIN();
