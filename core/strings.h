// Small string helpers over std::string_view.
//
// Debian's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW = 0, so
// absl::string_view is a different type from std::string_view and absl's
// string functions (StrCat, StrSplit, SimpleAtoi, ...) do not accept a
// std::string_view. Our code uses std::string_view; these helpers cover the
// few operations we need, and AV() converts for the rest.
#ifndef SWIM_CORE_STRINGS_H_
#define SWIM_CORE_STRINGS_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace swim {

inline absl::string_view AV(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view SV(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

inline std::vector<std::string_view> SplitString(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

inline std::string_view StripSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Decimal digits only (no sign, no spaces), value <= max.
inline std::optional<uint64_t> ParseDecimal(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace swim

#endif  // SWIM_CORE_STRINGS_H_
