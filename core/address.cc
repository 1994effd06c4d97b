#include "core/address.h"

#include <algorithm>
#include <cstdio>

#include "core/check.h"
#include "core/strings.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace swim {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0,    0,
                                                     0, 0, 0, 0, 0xff, 0xff};

std::optional<std::array<uint8_t, 4>> ParseV4(std::string_view text) {
  std::array<uint8_t, 4> out{};
  std::vector<std::string_view> parts = SplitString(text, '.');
  if (parts.size() != 4) return std::nullopt;
  for (size_t i = 0; i < 4; ++i) {
    const std::string_view p = parts[i];
    if (p.empty() || p.size() > 3) return std::nullopt;
    if (p.size() > 1 && p[0] == '0') return std::nullopt;  // no octal forms
    int v = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    if (v > 255) return std::nullopt;
    out[i] = static_cast<uint8_t>(v);
  }
  return out;
}

std::optional<std::array<uint8_t, 16>> ParseV6(std::string_view text) {
  std::array<uint8_t, 16> out{};
  if (text.empty()) return std::nullopt;
  // Split at "::" (at most once).
  const size_t dc = text.find("::");
  if (dc != std::string_view::npos &&
      text.find("::", dc + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto parse_groups = [](std::string_view s,
                         std::vector<uint8_t>* bytes) -> bool {
    if (s.empty()) return true;
    std::vector<std::string_view> groups = SplitString(s, ':');
    for (size_t i = 0; i < groups.size(); ++i) {
      std::string_view g = groups[i];
      if (i + 1 == groups.size() && g.find('.') != std::string_view::npos) {
        auto v4 = ParseV4(g);
        if (!v4) return false;
        bytes->insert(bytes->end(), v4->begin(), v4->end());
        continue;
      }
      if (g.empty() || g.size() > 4) return false;
      uint32_t v = 0;
      for (char c : g) {
        int d;
        if (c >= '0' && c <= '9')
          d = c - '0';
        else if (c >= 'a' && c <= 'f')
          d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
          d = c - 'A' + 10;
        else
          return false;
        v = v * 16 + static_cast<uint32_t>(d);
      }
      bytes->push_back(static_cast<uint8_t>(v >> 8));
      bytes->push_back(static_cast<uint8_t>(v & 0xff));
    }
    return true;
  };
  std::vector<uint8_t> head, tail;
  if (dc == std::string_view::npos) {
    if (!parse_groups(text, &head) || head.size() != 16) return std::nullopt;
    std::copy(head.begin(), head.end(), out.begin());
    return out;
  }
  if (!parse_groups(text.substr(0, dc), &head)) return std::nullopt;
  if (!parse_groups(text.substr(dc + 2), &tail)) return std::nullopt;
  if (head.size() + tail.size() > 14) return std::nullopt;
  std::copy(head.begin(), head.end(), out.begin());
  std::copy(tail.begin(), tail.end(), out.end() - tail.size());
  return out;
}

}  // namespace

std::optional<IpAddress> IpAddress::FromBytes(absl::Span<const uint8_t> b) {
  if (b.size() != 4 && b.size() != 16) return std::nullopt;
  IpAddress ip;
  ip.len_ = static_cast<uint8_t>(b.size());
  std::copy(b.begin(), b.end(), ip.bytes_.begin());
  SWIM_DCHECK(ip.is_v4() == (b.size() == 4) && ip.is_v6() == (b.size() == 16));
  return ip;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  text = StripSpace(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.find(':') == std::string_view::npos) {
    auto v4 = ParseV4(text);
    if (!v4) return std::nullopt;
    return IpAddress::V4((*v4)[0], (*v4)[1], (*v4)[2], (*v4)[3]);
  }
  // Zone identifiers ("fe80::1%eth0") are not carried on the wire.
  if (text.find('%') != std::string_view::npos) return std::nullopt;
  auto v6 = ParseV6(text);
  if (!v6) return std::nullopt;
  IpAddress ip;
  ip.len_ = 16;
  ip.bytes_ = *v6;
  SWIM_DCHECK(ip.is_v6() && !ip.empty());
  return ip;
}

bool IpAddress::IsV4OrMapped() const {
  if (len_ == 4) return true;
  return len_ == 16 && std::equal(kV4MappedPrefix.begin(),
                                  kV4MappedPrefix.end(), bytes_.begin());
}

IpAddress IpAddress::Unmapped() const {
  if (len_ == 16 && IsV4OrMapped()) {
    return V4(bytes_[12], bytes_[13], bytes_[14], bytes_[15]);
  }
  return *this;
}

bool IpAddress::IsLoopback() const {
  const IpAddress u = Unmapped();
  if (u.len_ == 4) return u.bytes_[0] == 127;
  if (u.len_ == 16) {
    for (int i = 0; i < 15; ++i)
      if (u.bytes_[i] != 0) return false;
    return u.bytes_[15] == 1;
  }
  return false;
}

bool IpAddress::IsUnspecified() const {
  if (len_ == 0) return false;
  for (size_t i = 0; i < len_; ++i)
    if (bytes_[i] != 0) return false;
  return true;
}

std::string IpAddress::ToString() const {
  if (len_ == 0) return "";
  if (IsV4OrMapped()) {
    // Go prints IPv4-mapped addresses in dotted form as well.
    const size_t o = len_ == 4 ? 0 : 12;
    return absl::StrFormat("%d.%d.%d.%d", bytes_[o], bytes_[o + 1],
                           bytes_[o + 2], bytes_[o + 3]);
  }
  uint16_t g[8];
  for (int i = 0; i < 8; ++i)
    g[i] = static_cast<uint16_t>(bytes_[2 * i] << 8 | bytes_[2 * i + 1]);
  // Longest run of zero groups (length >= 2) becomes "::".
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best = -1;
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    absl::StrAppend(&out, absl::Hex(g[i]));
  }
  return out;
}

std::string Address::ToString() const {
  if (ip.is_v6() && !ip.IsV4OrMapped()) {
    return absl::StrCat("[", ip.ToString(), "]:", port);
  }
  return absl::StrCat(ip.ToString(), ":", port);
}

bool IpNetwork::Contains(const IpAddress& ip_in) const {
  // Go's IPNet.Contains: an IPv4 network matches 4-byte and IPv4-mapped
  // addresses; an IPv6 network matches only true 16-byte addresses.
  IpAddress ip = ip_in;
  if (base.is_v4()) {
    if (!ip.IsV4OrMapped()) return false;
    ip = ip.Unmapped();
  } else if (!ip.is_v6()) {
    return false;
  }
  const auto a = ip.bytes();
  const auto b = base.bytes();
  // Same family by now, and a prefix that fits it (ParseCIDR checked it).
  SWIM_DCHECK(a.size() == b.size());
  SWIM_DCHECK(prefix_len >= 0 &&
              static_cast<size_t>(prefix_len) <= 8 * b.size());
  int bits = prefix_len;
  for (size_t i = 0; i < b.size() && bits > 0; ++i, bits -= 8) {
    const uint8_t mask =
        bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

std::string IpNetwork::ToString() const {
  return absl::StrCat(base.ToString(), "/", prefix_len);
}

absl::StatusOr<IpNetwork> ParseCIDR(std::string_view text) {
  text = StripSpace(text);
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid cidr: ", std::string(text)));
  }
  auto ip = IpAddress::Parse(text.substr(0, slash));
  const auto parsed_bits = ParseDecimal(text.substr(slash + 1), 128);
  const int bits = parsed_bits ? static_cast<int>(*parsed_bits) : -1;
  if (!ip || bits < 0 || bits > static_cast<int>(ip->size() * 8)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid cidr: ", std::string(text)));
  }
  IpNetwork net;
  net.prefix_len = bits;
  std::array<uint8_t, 16> masked{};
  const auto src = ip->bytes();
  int left = bits;
  for (size_t i = 0; i < src.size(); ++i, left -= 8) {
    const uint8_t mask =
        left >= 8 ? 0xff
                  : (left <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - left)));
    masked[i] = src[i] & mask;
  }
  net.base = *IpAddress::FromBytes({masked.data(), src.size()});
  return net;
}

absl::Status ParseCIDRs(const std::vector<std::string>& texts,
                        std::vector<IpNetwork>* out) {
  out->clear();
  std::vector<std::string> bad;
  for (const std::string& t : texts) {
    auto net = ParseCIDR(t);
    if (net.ok()) {
      out->push_back(*net);
    } else {
      bad.push_back(std::string(net.status().message()));
    }
  }
  if (bad.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(bad, "; "));
}

absl::StatusOr<JoinTarget> ParseJoinAddress(std::string_view input,
                                            uint16_t default_port) {
  JoinTarget t;
  const std::string text(input);  // for error messages
  std::string_view rest = input;
  std::string_view rest_trimmed = StripSpace(rest);
  rest = rest_trimmed;
  const size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    t.node_name = std::string(rest.substr(0, slash));
    if (t.node_name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid join address '", text, "': empty node name before '/'"));
    }
    rest = rest.substr(slash + 1);
  }
  std::string_view host = rest;
  std::string_view port_text;
  bool has_port = false;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid join address '", text, "': missing ']'"));
    }
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid join address '", text, "': junk after ']'"));
      }
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const size_t first = rest.find(':');
    const size_t last = rest.rfind(':');
    if (first != std::string_view::npos && first == last) {
      host = rest.substr(0, first);
      port_text = rest.substr(first + 1);
      has_port = true;
    }
    // Several colons without brackets: a bare IPv6 literal, no port.
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid join address '", text, "': missing host"));
  }
  t.host = std::string(host);
  t.port = default_port;
  if (has_port) {
    const auto port = ParseDecimal(port_text, 65535);
    if (!port) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid join address '", text, "': bad port '",
                       std::string(port_text), "'"));
    }
    t.port = static_cast<uint16_t>(*port);
  }
  return t;
}

}  // namespace swim
