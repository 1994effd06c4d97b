// Micro benchmarks of the gossip broadcast queue at cluster sizes 10..10k.
//
//   ./bazelw run --config=opt //bench:broadcast_queue_benchmark
//
// BM_QueueAndGet: a steady state where every gossip tick queues a few
// named broadcasts (node updates) and drains one packet's worth; the queue
// holds about as many entries as the cluster churns.
// BM_QueueNamedReplace: queueing into a queue of n named entries where each
// new one replaces an old one (the common alive/suspect/dead case).
// BM_GetBroadcastsFull: one GetBroadcasts over a queue of n entries.
#include <memory>
#include <string>
#include <vector>

#include "core/broadcast_queue.h"

#include "benchmark/benchmark.h"

namespace swim {
namespace {

std::unique_ptr<Broadcast> Make(int i, size_t len) {
  return std::make_unique<SimpleBroadcast>("node-" + std::to_string(i),
                                           Bytes(len, static_cast<uint8_t>(i)));
}

void BM_QueueAndGet(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  TransmitLimitedQueue q([n] { return n; }, 4);
  for (int i = 0; i < n; ++i) q.QueueBroadcast(Make(i, 40 + i % 60));
  int next = 0;
  for (auto _ : state) {
    for (int j = 0; j < 3; ++j) {
      q.QueueBroadcast(Make(next % n, 40 + next % 60));
      ++next;
    }
    auto out = q.GetBroadcasts(2, 1400);
    benchmark::DoNotOptimize(out);
  }
  state.counters["queued"] = static_cast<double>(q.NumQueued());
}
BENCHMARK(BM_QueueAndGet)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

void BM_QueueNamedReplace(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  TransmitLimitedQueue q([n] { return n; }, 4);
  for (int i = 0; i < n; ++i) q.QueueBroadcast(Make(i, 50));
  int next = 0;
  for (auto _ : state) {
    q.QueueBroadcast(Make(next++ % n, 50));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QueueNamedReplace)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

void BM_GetBroadcastsFull(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto q = std::make_unique<TransmitLimitedQueue>([n] { return n; }, 4);
    for (int i = 0; i < n; ++i) q->QueueBroadcast(Make(i, 40 + i % 60));
    state.ResumeTiming();
    auto out = q->GetBroadcasts(2, 1400);
    benchmark::DoNotOptimize(out);
    state.PauseTiming();
    q.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_GetBroadcastsFull)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

void BM_EmptyQueueFootprint(benchmark::State& state) {
  for (auto _ : state) {
    TransmitLimitedQueue q([] { return 1; }, 4);
    benchmark::DoNotOptimize(q.GetBroadcasts(2, 1400));
  }
  state.counters["sizeof_bytes"] = sizeof(TransmitLimitedQueue);
}
BENCHMARK(BM_EmptyQueueFootprint);

}  // namespace
}  // namespace swim

BENCHMARK_MAIN();
