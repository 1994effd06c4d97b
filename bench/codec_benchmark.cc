// Wire codec micro benchmarks: encode/decode per message type, compound
// packing, LZW and Snappy, AES-GCM seal/open. bench/go/codec_bench_test.go
// measures the same operations on the same inputs in Go memberlist 0.2.2;
// bench/codec_compare.sh prints the two side by side.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/security/aead.h"
#include "core/security/keyring.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"

namespace swim::wire {
namespace {

constexpr AddressMode kB = AddressMode::kBinary;

Ping BenchPing() {
  return Ping{.seq_no = 300,
              .node = "node-b",
              .source_addr = IpAddress::V4(10, 0, 0, 1),
              .source_port = 7946,
              .source_node = "node-a"};
}

Alive BenchAlive() {
  return Alive{.incarnation = 1,
               .node = "node-a",
               .addr = IpAddress::V4(10, 0, 0, 1),
               .port = 7946,
               .meta = std::string(32, 'm'),
               .vsn = VersionVector{1, 5, 2, 0, 0, 0}};
}

PushPull BenchPushPull() {
  PushPull pp;
  pp.join = true;
  for (int i = 0; i < 100; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "node-%03d", i);
    pp.nodes.push_back(
        PushNodeState{.name = name,
                      .addr = IpAddress::V4(10, 0, 0, static_cast<uint8_t>(i)),
                      .port = 7946,
                      .incarnation = 1,
                      .state = 0,
                      .vsn = VersionVector{1, 5, 2, 0, 0, 0}});
  }
  return pp;
}

template <typename M>
Bytes Encoded(const M& m) {
  Bytes out;
  Encode(m, kB, &out);
  return out;
}

void BM_EncodePing(benchmark::State& state) {
  const Ping p = BenchPing();
  for (auto _ : state) {
    Bytes out;
    Encode(p, kB, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_EncodePing);

void BM_DecodePing(benchmark::State& state) {
  const Bytes b = Encoded(BenchPing());
  for (auto _ : state) {
    auto d = DecodePing(ByteSpan(b).subspan(1), kB);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DecodePing);

void BM_EncodeAlive(benchmark::State& state) {
  const Alive a = BenchAlive();
  for (auto _ : state) {
    Bytes out;
    Encode(a, kB, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_EncodeAlive);

void BM_DecodeAlive(benchmark::State& state) {
  const Bytes b = Encoded(BenchAlive());
  for (auto _ : state) {
    auto d = DecodeAlive(ByteSpan(b).subspan(1), kB);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DecodeAlive);

void BM_EncodePushPull100(benchmark::State& state) {
  const PushPull pp = BenchPushPull();
  for (auto _ : state) {
    Bytes out;
    Encode(pp, kB, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_EncodePushPull100);

void BM_DecodePushPull100(benchmark::State& state) {
  const Bytes b = Encoded(BenchPushPull());
  for (auto _ : state) {
    auto d = DecodePushPull(ByteSpan(b).subspan(1), kB);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DecodePushPull100);

std::vector<Bytes> CompoundParts() {
  return std::vector<Bytes>(20, Encoded(BenchAlive()));
}

void BM_MakeCompound20(benchmark::State& state) {
  const std::vector<Bytes> parts = CompoundParts();
  for (auto _ : state) {
    Bytes c = MakeCompound(parts);
    benchmark::DoNotOptimize(c.data());
  }
}
BENCHMARK(BM_MakeCompound20);

void BM_DecodeCompound20(benchmark::State& state) {
  const Bytes c = MakeCompound(CompoundParts());
  for (auto _ : state) {
    auto d = DecodeCompound(ByteSpan(c).subspan(1));
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DecodeCompound20);

void BM_CompressLzwPushPull100(benchmark::State& state) {
  const Bytes b = Encoded(BenchPushPull());
  for (auto _ : state) {
    Bytes c = CompressMessage(b, CompressionAlgo::kLzw);
    benchmark::DoNotOptimize(c.data());
  }
  state.SetBytesProcessed(state.iterations() * b.size());
}
BENCHMARK(BM_CompressLzwPushPull100);

// What a seed sends each joiner of a 1,000-member loopback mass join:
// distinct names, kernel-chosen ports, incarnations that differ.
Bytes LoopbackPushPull1000() {
  PushPull pp;
  pp.join = true;
  for (int i = 0; i < 1000; ++i) {
    pp.nodes.push_back(PushNodeState{
        .name = "node-" + std::to_string(i * 7919 % 1000),
        .addr = IpAddress::V4(127, 0, 0, 1),
        .port = static_cast<uint16_t>(32768 + (i * 48271) % 28000),
        .incarnation = static_cast<uint32_t>(1 + i % 3),
        .state = 0,
        .vsn = VersionVector{1, 5, 2, 0, 0, 0}});
  }
  return Encoded(pp);
}

void BM_CompressLzwLoopbackPushPull1000(benchmark::State& state) {
  const Bytes b = LoopbackPushPull1000();
  for (auto _ : state) {
    Bytes c = CompressMessage(b, CompressionAlgo::kLzw);
    benchmark::DoNotOptimize(c.data());
  }
  state.SetBytesProcessed(state.iterations() * b.size());
  state.counters["ratio"] = static_cast<double>(b.size()) /
                            CompressMessage(b, CompressionAlgo::kLzw).size();
}
BENCHMARK(BM_CompressLzwLoopbackPushPull1000);

void BM_DecompressLzwPushPull100(benchmark::State& state) {
  const Bytes b = Encoded(BenchPushPull());
  const Bytes c = CompressMessage(b, CompressionAlgo::kLzw);
  for (auto _ : state) {
    auto d = DecompressMessage(ByteSpan(c).subspan(1));
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() * b.size());
}
BENCHMARK(BM_DecompressLzwPushPull100);

// A gossip-sized packet: a compound of 5 alive messages (~370 bytes), what
// the simulator and net/ compress most often.
Bytes SmallCompound() {
  return MakeCompound(std::vector<Bytes>(5, Encoded(BenchAlive())));
}

void BM_CompressLzwCompound5(benchmark::State& state) {
  const Bytes b = SmallCompound();
  for (auto _ : state) {
    Bytes c = CompressMessage(b, CompressionAlgo::kLzw);
    benchmark::DoNotOptimize(c.data());
  }
  state.SetBytesProcessed(state.iterations() * b.size());
}
BENCHMARK(BM_CompressLzwCompound5);

void BM_DecompressLzwCompound5(benchmark::State& state) {
  const Bytes b = SmallCompound();
  const Bytes c = CompressMessage(b, CompressionAlgo::kLzw);
  for (auto _ : state) {
    auto d = DecompressMessage(ByteSpan(c).subspan(1));
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() * b.size());
}
BENCHMARK(BM_DecompressLzwCompound5);

void BM_CompressSnappyPushPull100(benchmark::State& state) {
  const Bytes b = Encoded(BenchPushPull());
  for (auto _ : state) {
    Bytes c = CompressMessage(b, CompressionAlgo::kSnappy);
    benchmark::DoNotOptimize(c.data());
  }
  state.SetBytesProcessed(state.iterations() * b.size());
}
BENCHMARK(BM_CompressSnappyPushPull100);

void BM_DecompressSnappyPushPull100(benchmark::State& state) {
  const Bytes b = Encoded(BenchPushPull());
  const Bytes c = CompressMessage(b, CompressionAlgo::kSnappy);
  for (auto _ : state) {
    auto d = DecompressMessage(ByteSpan(c).subspan(1));
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() * b.size());
}
BENCHMARK(BM_DecompressSnappyPushPull100);

const std::string kKey = "0123456789abcdef";

void BM_AesGcmSeal1K(benchmark::State& state) {
  const Bytes msg(1024, 0x5a);
  uint8_t counter = 0;
  for (auto _ : state) {
    Bytes nonce(security::kNonceSize, ++counter);  // Go draws from crypto/rand
    Bytes out;
    auto st = security::EncryptPayload(1, kKey, nonce, msg, ByteSpan(), &out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * msg.size());
}
BENCHMARK(BM_AesGcmSeal1K);

void BM_AesGcmOpen1K(benchmark::State& state) {
  const Bytes msg(1024, 0x5a);
  Bytes blob;
  (void)security::EncryptPayload(1, kKey, Bytes(12, 1), msg, ByteSpan(), &blob);
  const auto ring = *security::Keyring::Create({}, kKey);
  for (auto _ : state) {
    auto d = security::DecryptPayload(ring, blob, ByteSpan());
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() * msg.size());
}
BENCHMARK(BM_AesGcmOpen1K);

}  // namespace
}  // namespace swim::wire

BENCHMARK_MAIN();
