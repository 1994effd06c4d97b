// IP addresses and node addresses.
//
// IpAddress keeps the raw bytes exactly as they arrived (4 bytes for IPv4,
// 16 for IPv6 or IPv4-mapped IPv6), because Go memberlist compares stored
// addresses byte for byte: 127.0.0.1 in 4-byte and in 16-byte form are
// different addresses to it, and a node that switches forms is a conflict.
#ifndef SWIM_CORE_ADDRESS_H_
#define SWIM_CORE_ADDRESS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace swim {

class IpAddress {
 public:
  IpAddress() = default;

  static IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    IpAddress ip;
    ip.len_ = 4;
    ip.bytes_ = {a, b, c, d};
    return ip;
  }
  // From raw bytes as carried in an alive message: 4 or 16 bytes.
  static std::optional<IpAddress> FromBytes(absl::Span<const uint8_t> bytes);
  // Parses "1.2.3.4", "::1", "[::1]" or "::ffff:1.2.3.4". IPv4 text gives the
  // 4-byte form.
  static std::optional<IpAddress> Parse(std::string_view text);

  bool empty() const { return len_ == 0; }
  bool is_v4() const { return len_ == 4; }
  bool is_v6() const { return len_ == 16; }
  // True for 4-byte addresses and for ::ffff:a.b.c.d.
  bool IsV4OrMapped() const;
  // The 4-byte form of an IPv4 or IPv4-mapped address; otherwise *this.
  IpAddress Unmapped() const;
  bool IsLoopback() const;
  bool IsUnspecified() const;

  absl::Span<const uint8_t> bytes() const { return {bytes_.data(), len_}; }
  size_t size() const { return len_; }

  // "1.2.3.4" or RFC 5952 IPv6 text ("::1"). Empty string for no address.
  std::string ToString() const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.len_ == b.len_ && a.bytes_ == b.bytes_;
  }
  friend auto operator<=>(const IpAddress& a, const IpAddress& b) {
    if (a.len_ != b.len_) return a.len_ <=> b.len_;
    return a.bytes_ <=> b.bytes_;
  }
  template <typename H>
  friend H AbslHashValue(H h, const IpAddress& ip) {
    return H::combine(std::move(h), ip.len_, ip.bytes_);
  }

 private:
  uint8_t len_ = 0;
  std::array<uint8_t, 16> bytes_{};
};

// Where to send: an IP and a port. `name` is the intended node's name when
// known (memberlist's Address.Name); it is informative only.
struct Address {
  IpAddress ip;
  uint16_t port = 0;
  std::string name;

  // "1.2.3.4:7946" or "[::1]:7946".
  std::string ToString() const;

  friend bool operator==(const Address& a, const Address& b) {
    return a.ip == b.ip && a.port == b.port;
  }
  friend auto operator<=>(const Address& a, const Address& b) {
    if (auto c = a.ip <=> b.ip; c != 0) return c;
    return a.port <=> b.port;
  }
};

// A CIDR network, e.g. 10.0.0.0/8 or ::1/128.
struct IpNetwork {
  IpAddress base;  // masked
  int prefix_len = 0;

  bool Contains(const IpAddress& ip) const;
  std::string ToString() const;
};

// Parses one CIDR ("10.0.0.0/8"). Surrounding white space is trimmed.
absl::StatusOr<IpNetwork> ParseCIDR(std::string_view text);

// memberlist's ParseCIDRs: parses every entry, returns the valid ones in
// `out`, and an error naming every invalid entry (OK if all parsed).
absl::Status ParseCIDRs(const std::vector<std::string>& texts,
                        std::vector<IpNetwork>* out);

// A join target after parsing "[name/]host[:port]": host is an IP literal or
// a name that still has to be resolved through the Env.
struct JoinTarget {
  std::string node_name;  // optional, from "name/"
  std::string host;       // without brackets
  uint16_t port = 0;
};

// Parses memberlist's join address syntax. `default_port` is used when the
// string has no port. Errors: empty name before '/', bad or >65535 port,
// empty host.
absl::StatusOr<JoinTarget> ParseJoinAddress(std::string_view text,
                                            uint16_t default_port);

}  // namespace swim

#endif  // SWIM_CORE_ADDRESS_H_
