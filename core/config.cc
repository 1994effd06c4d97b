#include "core/config.h"

#include <limits>

#include "core/check.h"
#include "core/limits.h"
#include "core/security/keyring.h"
#include "core/status_macros.h"

#include "absl/strings/str_cat.h"

namespace swim {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("config: ", field, " ", why));
}

// The fields between BEGIN and END DEPARTURES (config.h).
absl::Status ValidateDepartures(const Config& c) {
  if (c.handoff_service_time < absl::ZeroDuration()) {
    return Bad("handoff_service_time", "must be >= 0");
  }
  if (c.push_pull_reply_max_age < absl::ZeroDuration()) {
    return Bad("push_pull_reply_max_age", "must be >= 0");
  }
  if (c.refutation_transmit_scale < 1) {
    return Bad("refutation_transmit_scale", "must be >= 1");
  }
  if (c.unconfirmed_member_timeout < absl::ZeroDuration()) {
    return Bad("unconfirmed_member_timeout", "must be >= 0");
  }
  if (c.tcp_fallback_grace < absl::ZeroDuration()) {
    return Bad("tcp_fallback_grace", "must be >= 0");
  }
  if (c.max_packet_decompressed_bytes < 1 ||
      c.max_packet_decompressed_bytes > limits::kMaxDecompressedBytes) {
    return Bad("max_packet_decompressed_bytes", "must be in [1, 20 MiB]");
  }
  if (!c.accept_snappy && c.enable_compression &&
      c.compression_algo == CompressionAlgo::kSnappy) {
    return Bad("compression_algo",
               "snappy needs accept_snappy (Go peers cannot read it)");
  }
  return absl::OkStatus();
}

}  // namespace

Config DefaultLANConfig() { return Config{}; }

Config DefaultWANConfig() {
  Config c = DefaultLANConfig();
  c.tcp_timeout = absl::Seconds(30);
  c.suspicion_mult = 6;
  c.push_pull_interval = absl::Seconds(60);
  c.probe_timeout = absl::Seconds(3);
  c.probe_interval = absl::Seconds(5);
  c.gossip_nodes = 4;
  c.gossip_interval = absl::Milliseconds(500);
  c.gossip_to_the_dead_time = absl::Seconds(60);
  // Go's WAN defaults pass Validate once a name is set.
  SWIM_DCHECK(c.probe_timeout > absl::ZeroDuration() &&
              c.probe_timeout < c.probe_interval);
  SWIM_DCHECK(c.suspicion_mult >= 1 && c.gossip_nodes >= 1);
  return c;
}

Config DefaultLocalConfig() {
  Config c = DefaultLANConfig();
  c.tcp_timeout = absl::Seconds(1);
  c.indirect_checks = 1;
  c.retransmit_mult = 2;
  c.suspicion_mult = 3;
  c.push_pull_interval = absl::Seconds(15);
  c.probe_timeout = absl::Milliseconds(200);
  c.gossip_interval = absl::Milliseconds(100);
  c.gossip_to_the_dead_time = absl::Seconds(15);
  // Go's local defaults pass Validate once a name is set.
  SWIM_DCHECK(c.probe_timeout > absl::ZeroDuration() &&
              c.probe_timeout < c.probe_interval);
  SWIM_DCHECK(c.suspicion_mult >= 1 && c.indirect_checks >= 1);
  return c;
}

namespace {

// Validate's first part: who we are and where we listen.
absl::Status ValidateIdentity(const Config& c) {
  if (c.name.empty()) return Bad("name", "must not be empty");
  if (c.name.size() > limits::kMaxNodeNameLength)
    return Bad("name", "is too long");
  if (c.protocol_version < limits::kProtocolVersionMin) {
    return Bad("protocol_version",
               absl::StrCat(c.protocol_version, " too low. Must be in range: [",
                            limits::kProtocolVersionMin, ", ",
                            limits::kProtocolVersionMax, "]"));
  }
  if (c.protocol_version > limits::kProtocolVersionMax) {
    return Bad(
        "protocol_version",
        absl::StrCat(c.protocol_version, " too high. Must be in range: [",
                     limits::kProtocolVersionMin, ", ",
                     limits::kProtocolVersionMax, "]"));
  }
  if (c.bind_port < 0 || c.bind_port > 65535)
    return Bad("bind_port", "out of range");
  if (c.advertise_port < 0 || c.advertise_port > 65535) {
    return Bad("advertise_port", "out of range");
  }
  if (!c.advertise_addr.empty() && !IpAddress::Parse(c.advertise_addr)) {
    return Bad("advertise_addr",
               absl::StrCat("'", c.advertise_addr, "' is not an IP address"));
  }
  SWIM_DCHECK(!c.name.empty());
  return absl::OkStatus();
}

}  // namespace

absl::Status Config::Validate() const {
  SWIM_RETURN_IF_ERROR(ValidateIdentity(*this));
  if (tcp_timeout <= absl::ZeroDuration())
    return Bad("tcp_timeout", "must be > 0");
  if (indirect_checks < 0 ||
      indirect_checks > static_cast<int>(limits::kMaxIndirectChecks)) {
    return Bad("indirect_checks", "must be in [0, 64]");
  }
  if (retransmit_mult < 0) return Bad("retransmit_mult", "must be >= 0");
  if (suspicion_mult < 1) return Bad("suspicion_mult", "must be >= 1");
  if (suspicion_max_timeout_mult < 1) {
    return Bad("suspicion_max_timeout_mult", "must be >= 1");
  }
  // Zero intervals switch a loop off, as in Go; negative ones are errors.
  if (push_pull_interval < absl::ZeroDuration())
    return Bad("push_pull_interval", "must be >= 0");
  if (probe_interval < absl::ZeroDuration())
    return Bad("probe_interval", "must be >= 0");
  if (gossip_interval < absl::ZeroDuration())
    return Bad("gossip_interval", "must be >= 0");
  if (probe_interval > absl::ZeroDuration() &&
      probe_timeout <= absl::ZeroDuration()) {
    return Bad("probe_timeout", "must be > 0 when probing is on");
  }
  // strict_validate = false keeps only the checks Go's Create makes and
  // those memory safety needs; the API-level ones below are ours (Go runs
  // such a config: a probe_timeout past probe_interval just fails every
  // probe at the interval).
  if (strict_validate && probe_interval > absl::ZeroDuration() &&
      probe_timeout > probe_interval) {
    return Bad("probe_timeout", "must not exceed probe_interval");
  }
  if (awareness_max_multiplier < 1)
    return Bad("awareness_max_multiplier", "must be >= 1");
  if (gossip_nodes < 0) return Bad("gossip_nodes", "must be >= 0");
  if (gossip_to_the_dead_time < absl::ZeroDuration()) {
    return Bad("gossip_to_the_dead_time", "must be >= 0");
  }
  if (!secret_key.empty()) {
    absl::Status s = security::Keyring::ValidateKey(secret_key);
    if (!s.ok()) return Bad("secret_key", s.message());
  }
  if (delegate_protocol_min > delegate_protocol_max) {
    return Bad("delegate_protocol_min", "exceeds delegate_protocol_max");
  }
  if (strict_validate && delegate_protocol_max != 0 &&
      (delegate_protocol_version < delegate_protocol_min ||
       delegate_protocol_version > delegate_protocol_max)) {
    return Bad("delegate_protocol_version", "outside [min, max]");
  }
  if (handoff_queue_depth < 1)
    return Bad("handoff_queue_depth", "must be >= 1");
  if (max_members < 1) return Bad("max_members", "must be >= 1");
  SWIM_RETURN_IF_ERROR(ValidateDepartures(*this));
  // Room for a compound header plus a ping; at most one IPv4 UDP payload.
  if (udp_buffer_size < 128 || udp_buffer_size > 65507) {
    return Bad("udp_buffer_size", "must be in [128, 65507]");
  }
  if (dead_node_reclaim_time < absl::ZeroDuration()) {
    return Bad("dead_node_reclaim_time", "must be >= 0");
  }
  if (weight_interval < absl::ZeroDuration())
    return Bad("weight_interval", "must be >= 0");
  // Every invariant the core assumes of a validated config.
  SWIM_DCHECK(!name.empty() && udp_buffer_size >= 128 && max_members >= 1);
  SWIM_DCHECK(probe_interval <= absl::ZeroDuration() ||
              (probe_timeout > absl::ZeroDuration() &&
               (!strict_validate || probe_timeout <= probe_interval)));
  return absl::OkStatus();
}

Config& Config::ApplyGoCompat() {
  // One line per field between BEGIN and END DEPARTURES in config.h.
  handoff = HandoffMode::kGoLifo;
  handoff_service_time = absl::ZeroDuration();
  join_concurrent = false;
  join_gossip_now = false;
  join_sync = false;
  push_pull_reply_max_age = absl::ZeroDuration();
  refutation_transmit_scale = 1;
  cidr_scope = CidrScope::kAliveOnly;
  tcp_fallback_grace = absl::InfiniteDuration();
  refute_at_max_incarnation = true;
  accept_snappy = false;
  strict_validate = false;
  drop_implausible_incarnations = false;
  reaped_come_back_dead = false;
  max_requests_per_datagram = 0;
  max_packet_decompressed_bytes = limits::kMaxDecompressedBytes;
  max_members = std::numeric_limits<size_t>::max();
  staggered_ticks = false;
  SWIM_DCHECK(handoff == HandoffMode::kGoLifo && !join_sync);
  return *this;
}

Config Config::GoCompat(Config base) {
  base.ApplyGoCompat();
  return base;
}

Config Config::GoCompat() { return GoCompat(DefaultLANConfig()); }

absl::Status Config::IPAllowed(const IpAddress& ip) const {
  if (!IPMustBeChecked()) return absl::OkStatus();
  SWIM_DCHECK(!cidrs_allowed.empty());
  for (const IpNetwork& net : cidrs_allowed) {
    if (net.Contains(ip)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat(ip.ToString(), " is not allowed"));
}

bool Config::EncryptionEnabled() const {
  return keyring != nullptr && !keyring->empty();
}

}  // namespace swim
