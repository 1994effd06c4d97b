// The optimised LZW writer and reader behave exactly as the straightforward
// port (tests/wire/lzw_reference.h), which the golden vectors tie to Go:
// same compressed bytes; same decompressed bytes, errors and partial output.
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

struct Decoded {
  absl::StatusCode code;
  Bytes out;
  bool operator==(const Decoded&) const = default;
};

Decoded FastDecode(const Bytes& in, size_t max_out) {
  Bytes out = {0x55};
  absl::Status st = LzwDecompress(in, max_out, &out);
  return {st.code(), out};
}

Decoded ReferenceDecode(const Bytes& in, size_t max_out) {
  Bytes out = {0x55};
  absl::Status st = reference::LzwDecompress(in, max_out, &out);
  return {st.code(), out};
}

TEST(LzwEquivalence, DecoderMatchesReferenceOnValidAndDamagedStreams) {
  for (size_t n : {1, 5, 300, 5000, 70000}) {
    for (uint32_t alphabet : {1u, 3u, 256u}) {
      Bytes c;
      LzwCompress(Pattern(n, alphabet, 7), &c);
      ASSERT_EQ(FastDecode(c, 1 << 20), ReferenceDecode(c, 1 << 20));
      ASSERT_EQ(FastDecode(c, n / 2),
                ReferenceDecode(c, n / 2));  // over the limit
      // Damage: flip bytes at a few positions, truncate.
      for (size_t pos = 0; pos < c.size(); pos += 1 + c.size() / 17) {
        Bytes d = c;
        d[pos] ^= 0x5a;
        ASSERT_EQ(FastDecode(d, 1 << 20), ReferenceDecode(d, 1 << 20))
            << "flip at " << pos;
        d.resize(pos);
        ASSERT_EQ(FastDecode(d, 1 << 20), ReferenceDecode(d, 1 << 20))
            << "cut at " << pos;
      }
    }
  }
}

// A stream no Go writer makes: no CLEAR when the codes run out, so the
// reader's table fills at 12 bits and freezes (Go stops adding entries and
// forgets `last`). Codes that name the last entry, 4095, and literals must
// decode as the reference does.
TEST(LzwEquivalence, DecoderMatchesReferenceWhenTheTableIsFull) {
  Bytes c;
  uint64_t acc = 0;
  int nacc = 0;
  auto put = [&](uint32_t code, int width) {
    acc |= static_cast<uint64_t>(code) << nacc;
    nacc += width;
    while (nacc >= 8) {
      c.push_back(static_cast<uint8_t>(acc));
      acc >>= 8;
      nacc -= 8;
    }
  };
  int width = 9;
  uint32_t hi = 257;
  put(256, width);  // CLEAR
  // Literals, then each new entry once, until the table is full.
  for (int i = 0; hi < 4095; ++i) {
    const uint32_t code = i % 3 == 2 && hi > 258 ? hi - 1 : (i * 7) % 256;
    put(code, width);
    ++hi;
    if (hi == (1u << width) && width < 12) ++width;
  }
  for (uint32_t code : {4095u, 65u, 4095u, 4000u, 300u, 4095u}) put(code, 12);
  put(257, 12);  // EOF
  if (nacc > 0) c.push_back(static_cast<uint8_t>(acc));
  const Decoded want = ReferenceDecode(c, 1 << 24);
  ASSERT_EQ(want.code, absl::StatusCode::kOk);
  ASSERT_GT(want.out.size(), 4096u);
  EXPECT_EQ(FastDecode(c, 1 << 24), want);
  EXPECT_EQ(FastDecode(c, 5000), ReferenceDecode(c, 5000));
}

TEST(LzwEquivalence, DecoderMatchesReferenceOnArbitraryBytes) {
  EXPECT_TRUE(rc::check(
      "fast decode == reference decode", [](const std::vector<uint8_t>& v) {
        const Bytes in(v.begin(), v.end());
        RC_ASSERT(FastDecode(in, 1 << 16) == ReferenceDecode(in, 1 << 16));
      }));
  // Arbitrary bytes rarely pass the first codes; start from a valid stream
  // and overwrite a stretch of it.
  EXPECT_TRUE(
      rc::check("damaged valid stream", [](const std::vector<uint8_t>& junk) {
        const auto n = *rc::gen::inRange<size_t>(1, 20000);
        const auto alphabet = *rc::gen::inRange<uint32_t>(1, 257);
        Bytes c;
        LzwCompress(Pattern(n, alphabet, static_cast<uint32_t>(n)), &c);
        const auto at = *rc::gen::inRange<size_t>(0, c.size());
        for (size_t i = 0; i < junk.size() && at + i < c.size(); ++i)
          c[at + i] = junk[i];
        RC_ASSERT(FastDecode(c, 1 << 20) == ReferenceDecode(c, 1 << 20));
      }));
}

}  // namespace
}  // namespace swim::wire
