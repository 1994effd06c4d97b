// Hex helpers for wire tests: FromHex ignores spaces, '|' and newlines.
#ifndef SWIM_TESTS_WIRE_HEX_H_
#define SWIM_TESTS_WIRE_HEX_H_

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/env.h"

namespace swim::testing {

inline Bytes FromHex(std::string_view hex) {
  Bytes out;
  int hi = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;
    }
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) std::abort();  // odd number of digits: a typo in a test
  return out;
}

inline std::string ToHex(ByteSpan b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * b.size());
  for (uint8_t x : b) {
    s.push_back(kDigits[x >> 4]);
    s.push_back(kDigits[x & 15]);
  }
  return s;
}

inline ByteSpan Span(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

inline ByteSpan Body(const Bytes& msg) { return ByteSpan(msg).subspan(1); }

}  // namespace swim::testing

#endif  // SWIM_TESTS_WIRE_HEX_H_
