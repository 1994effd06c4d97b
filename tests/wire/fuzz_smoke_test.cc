// Runs every fuzz entry point over the golden vectors (and their inner
// layers) and a few thousand deterministic mutations of them, with plain
// gcc in the default test suite. A trap or crash fails the test.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fuzz/fuzz_entries.h"
#include "tests/wire/hex.h"

namespace swim::fuzz {
namespace {

std::vector<Bytes> Seeds() {
  std::ifstream in("tests/wire/testdata/golden_vectors.txt");
  std::vector<Bytes> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name, hex;
    ls >> name >> hex;
    Bytes b = ::swim::testing::FromHex(hex);
    if (b.size() > 4096) b.resize(4096);  // keep the smoke test quick
    out.push_back(b);
    if (!b.empty())
      out.push_back(Bytes(b.begin() + 1, b.end()));  // the body alone
  }
  return out;
}

// splitmix64: a fixed mutation stream, the same on every run.
uint64_t Next(uint64_t* s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Bytes Mutate(const std::vector<Bytes>& seeds, uint64_t* rng) {
  Bytes b = seeds[Next(rng) % seeds.size()];
  const int edits = 1 + static_cast<int>(Next(rng) % 4);
  for (int e = 0; e < edits; ++e) {
    const uint64_t r = Next(rng);
    const size_t at = b.empty() ? 0 : Next(rng) % b.size();
    switch (r % 6) {
      case 0:
        if (!b.empty()) b[at] ^= static_cast<uint8_t>(1u << (r >> 8) % 8);
        break;
      case 1:
        if (!b.empty()) b[at] = static_cast<uint8_t>(r >> 16);
        break;
      case 2:
        b.insert(b.begin() + at, static_cast<uint8_t>(r >> 16));
        break;
      case 3:
        if (!b.empty()) b.erase(b.begin() + at);
        break;
      case 4:
        b.resize(at);  // truncate
        break;
      default: {  // splice in part of another seed
        const Bytes& o = seeds[Next(rng) % seeds.size()];
        if (o.empty()) break;
        const size_t from = Next(rng) % o.size();
        const size_t len =
            std::min<size_t>(o.size() - from, 1 + Next(rng) % 32);
        b.insert(b.begin() + at, o.begin() + from, o.begin() + from + len);
        break;
      }
    }
  }
  return b;
}

using Entry = int (*)(const uint8_t*, size_t);

void Drive(Entry entry, uint64_t seed) {
  const std::vector<Bytes> seeds = Seeds();
  ASSERT_GT(seeds.size(), 100u);
  for (const Bytes& s : seeds) entry(s.data(), s.size());
  uint64_t rng = seed;
  for (int i = 0; i < 20000; ++i) {
    const Bytes b = Mutate(seeds, &rng);
    entry(b.data(), b.size());
  }
  entry(nullptr, 0);
}

TEST(FuzzSmoke, Packet) { Drive(FuzzPacket, 1); }
TEST(FuzzSmoke, Compound) { Drive(FuzzCompound, 2); }
TEST(FuzzSmoke, Compressed) { Drive(FuzzCompressed, 3); }
TEST(FuzzSmoke, Encrypted) { Drive(FuzzEncrypted, 4); }
TEST(FuzzSmoke, Stream) { Drive(FuzzStream, 5); }

}  // namespace
}  // namespace swim::fuzz
