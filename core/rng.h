// A small, fixed pseudo-random generator for the protocol core.
//
// Why not <random>: the standard engines are fixed, but the distributions
// (uniform_int_distribution, shuffle) differ between standard libraries, so
// the same seed would give different runs with libstdc++ and libc++. Every
// random decision the core makes goes through this class, with our own
// uniform and shuffle, so that a seed means the same run everywhere.
//
// The engine is xoshiro256** (Blackman & Vigna), seeded through splitmix64.
// It is not cryptographic; nonces come from Env::SecureRandom.
//
// Thread-safety: none. Each node owns its Rng and uses it from its one thread.
#ifndef SWIM_CORE_RNG_H_
#define SWIM_CORE_RNG_H_

#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/check.h"

#include "absl/types/span.h"

namespace swim {

// splitmix64 step: used to expand seeds and to derive per-node seeds.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Derives an independent seed for stream `index` of a run seeded `seed`
// (e.g. node index within a scenario).
inline uint64_t DeriveSeed(uint64_t seed, uint64_t index) {
  uint64_t s = seed ^ (index * 0xD1B54A32D192ED03ULL);
  SplitMix64(s);
  return SplitMix64(s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { Seed(seed); }

  void Seed(uint64_t seed) {
    uint64_t sm = seed;
    for (auto& word : s_) word = SplitMix64(sm);
    // xoshiro256 must never be all zero (it would stay zero forever).
    SWIM_DCHECK((s_[0] | s_[1] | s_[2] | s_[3]) != 0);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n). Returns 0 for n == 0. Lemire's nearly-divisionless
  // method with rejection, so the result is exactly uniform.
  uint64_t Uniform(uint64_t n) {
    if (n == 0) return 0;
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      SWIM_DCHECK(threshold < n);
      while (low < threshold) {
        m = static_cast<unsigned __int128>(Next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t UniformRange(int64_t lo, int64_t hi) {
    SWIM_DCHECK(lo <= hi);
    const uint64_t span = static_cast<uint64_t>(hi - lo);
    if (span == UINT64_MAX) return static_cast<int64_t>(Next());
    return lo + static_cast<int64_t>(Uniform(span + 1));
  }

  // Uniform double in [0, 1) with 53 random bits.
  double UniformDouble() {
    return static_cast<double>(Next() >> 11) * 0x1.0p-53;
  }

  // True with probability p (p <= 0: never; p >= 1: always).
  bool Bernoulli(double p) {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return UniformDouble() < p;
  }

  // Fisher-Yates, walking down from the end (as Go's rand.Shuffle does).
  template <typename T>
  void Shuffle(absl::Span<T> items) {
    for (size_t i = items.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(Uniform(i));
      SWIM_DCHECK(j < i);
      using std::swap;
      swap(items[i - 1], items[j]);
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace swim

#endif  // SWIM_CORE_RNG_H_
