// The optimised LZW writer emits exactly the bytes of the straightforward
// port (tests/wire/lzw_reference.h), which the golden vectors tie to Go.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "core/wire/lzw.h"

#include "tests/wire/lzw_reference.h"

namespace swim::wire {
namespace {

Bytes Fast(const Bytes& in) {
  Bytes out = {0xaa};  // appends after existing bytes
  LzwCompress(in, &out);
  return out;
}

Bytes Reference(const Bytes& in) {
  Bytes out = {0xaa};
  reference::LzwCompress(in, &out);
  return out;
}

// Deterministic inputs with a chosen alphabet size: small alphabets make
// long dictionary chains, large ones run the codes out quickly (CLEARs).
Bytes Pattern(size_t n, uint32_t alphabet, uint32_t seed) {
  Bytes b(n);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b[i] = static_cast<uint8_t>(x % alphabet);
  }
  return b;
}

TEST(LzwEquivalence, MatchesReferenceAcrossSizesAndAlphabets) {
  for (size_t n :
       {0, 1, 2, 3, 17, 64, 255, 1000, 1400, 4096, 5000, 20000, 70000}) {
    for (uint32_t alphabet : {1u, 2u, 4u, 26u, 256u}) {
      const Bytes in =
          Pattern(n, alphabet, static_cast<uint32_t>(n + alphabet));
      ASSERT_EQ(Fast(in), Reference(in))
          << "n=" << n << " alphabet=" << alphabet;
    }
  }
}

TEST(LzwEquivalence, RoundTripsAfterReusingDecoderState) {
  // The decoder keeps per-thread tables between calls; a big stream then a
  // small one must both decode exactly.
  for (size_t n : {70000, 3, 5000, 1, 20000}) {
    const Bytes in = Pattern(n, 7, 99);
    Bytes c;
    LzwCompress(in, &c);
    Bytes back;
    ASSERT_TRUE(LzwDecompress(c, 1 << 20, &back).ok());
    EXPECT_EQ(back, in);
  }
}

TEST(LzwEquivalence, ArbitraryInputMatchesReference) {
  EXPECT_TRUE(rc::check("fast == reference", [](const std::vector<uint8_t>& v) {
    const Bytes in(v.begin(), v.end());
    RC_ASSERT(Fast(in) == Reference(in));
  }));
}

}  // namespace
}  // namespace swim::wire
