// Configuration of one memberlist node.
//
// Field names are Go memberlist's, in snake_case, so a Go user recognises
// every knob (ProbeInterval -> probe_interval). Durations are absl::Duration.
// Start from DefaultLANConfig(), DefaultWANConfig() or DefaultLocalConfig();
// their values are exactly Go 0.2.2's (tests/core/config_test.cc lists them).
//
// Delegates and the keyring are not owned by the Config: they must outlive
// every node created from it.
#ifndef SWIM_CORE_CONFIG_H_
#define SWIM_CORE_CONFIG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/address.h"
#include "core/delegate.h"
#include "core/limits.h"

namespace swim {

namespace security {
class Keyring;
}

// How addresses are written inside messages (alive.Addr, ping.SourceAddr,
// indirect ping Target/SourceAddr, push/pull Addr). One mode per cluster:
// the two cannot share a cluster (protocol.md §8.2).
enum class AddressMode : uint8_t {
  kBinary,  // upstream memberlist: raw 4/16-byte IP
  kText,    // go-doudou fork: the textual IP ("10.0.0.1")
};

// Compression algorithm for outgoing messages when enable_compression is on.
enum class CompressionAlgo : uint8_t {
  kLzw = 0,     // memberlist's only algorithm; what Go nodes understand
  kSnappy = 1,  // C++-only clusters; a Go node must never receive it
};

struct Config {
  // --- identity and addresses -------------------------------------------
  std::string name;                 // unique in the cluster
  std::string bind_addr = "0.0.0.0";
  int bind_port = 7946;             // 0: let the transport pick one
  std::string advertise_addr;       // "" = derive from the bind address
  int advertise_port = 7946;        // used only with advertise_addr

  // --- protocol -----------------------------------------------------------
  uint8_t protocol_version = 2;     // ProtocolVersion2Compatible
  absl::Duration tcp_timeout = absl::Seconds(10);
  int indirect_checks = 3;
  int retransmit_mult = 4;
  int suspicion_mult = 4;
  int suspicion_max_timeout_mult = 6;
  absl::Duration push_pull_interval = absl::Seconds(30);  // 0 = off
  absl::Duration probe_interval = absl::Seconds(1);
  absl::Duration probe_timeout = absl::Milliseconds(500);
  bool disable_tcp_pings = false;
  std::function<bool(const std::string& node)> disable_tcp_pings_for_node;
  int awareness_max_multiplier = 8;
  absl::Duration gossip_interval = absl::Milliseconds(200);
  int gossip_nodes = 3;
  absl::Duration gossip_to_the_dead_time = absl::Seconds(30);
  bool gossip_verify_incoming = true;
  bool gossip_verify_outgoing = true;
  bool enable_compression = true;

  // --- encryption -----------------------------------------------------------
  // secret_key, when set, is installed as the primary key of `keyring`
  // (creating one if needed), as Go does. 16, 24 or 32 bytes.
  std::string secret_key;
  std::shared_ptr<security::Keyring> keyring;

  // --- delegates (not owned) --------------------------------------------------
  Delegate* delegate = nullptr;
  uint8_t delegate_protocol_version = 0;
  uint8_t delegate_protocol_min = 0;
  uint8_t delegate_protocol_max = 0;
  EventDelegate* events = nullptr;
  ConflictDelegate* conflict = nullptr;
  MergeDelegate* merge = nullptr;
  PingDelegate* ping = nullptr;
  AliveDelegate* alive = nullptr;

  // --- environment ------------------------------------------------------------
  std::string dns_config_path = "/etc/resolv.conf";
  int handoff_queue_depth = 1024;
  int udp_buffer_size = 1400;
  absl::Duration dead_node_reclaim_time = absl::ZeroDuration();  // 0 = never
  bool require_node_names = false;
  std::vector<IpNetwork> cidrs_allowed;  // empty = allow all

  // --- go-doudou fork ---------------------------------------------------------
  // Period of the weight computation and gossip; 0 disables it.
  absl::Duration weight_interval = absl::ZeroDuration();
  AddressMode address_mode = AddressMode::kBinary;
  // Weight messages (type 14) are unknown to upstream Go nodes (they log and
  // drop them). They are sent only when gossip_weights is true AND the
  // peer advertises DMax >= max(1, weight_min_delegate_version). Fork nodes
  // therefore set delegate_protocol_max >= 1 and keep
  // delegate_protocol_version at a value every node's [DMin, DMax] admits
  // (0 in a cluster with upstream nodes): Go's push/pull merge check rejects
  // a DCur outside any node's range. Weights are still computed (and shown
  // in LocalNode) when gossip is off.
  bool gossip_weights = false;
  uint8_t weight_min_delegate_version = 0;

  // --- this implementation ----------------------------------------------------
  CompressionAlgo compression_algo = CompressionAlgo::kLzw;
  // After a successful Join, run one more (non-join) push/pull with a seed
  // that answered, after a random delay in [0.5, 1] x probe_interval. When
  // many nodes join at once, the seed has meanwhile learned all of them, so
  // this second exchange hands every joiner the whole table: a mass join
  // converges in about one probe interval instead of waiting for gossip's
  // limited retransmits and the periodic push/pull. Costs one stream per
  // join; Go peers see an ordinary anti-entropy exchange.
  bool join_sync = true;
  // Most entries the member table holds, in any state, ourselves included
  // (issue 14 item 6). An alive about an unknown node is dropped while the
  // table is full (memberlist.dropped.table_full); known members are
  // updated as usual, and dead entries leave at the usual reaping. Go has
  // no such cap: SWIM adds whatever name an alive claims, so a peer could
  // otherwise fill memory with made-up members. The default is far above
  // any cluster this implementation is tested at (10,000 simulated nodes)
  // and bounds a flood of made-up members with the 512-byte meta limit to
  // roughly 64k x (name + meta + ~100 bytes).
  size_t max_members = limits::kDefaultMaxMembers;

  // Simulator negative scenarios only: a PlantedBug bit mask (see
  // core/memberlist.h). Ignored unless the binary was built from
  // //core:memberlist_planted_bugs.
  uint32_t planted_bugs = 0;

  // Checks every field and combination; returns InvalidArgument naming the
  // first problem found.
  absl::Status Validate() const;

  // memberlist's IPMustBeChecked / IPAllowed.
  bool IPMustBeChecked() const { return !cidrs_allowed.empty(); }
  absl::Status IPAllowed(const IpAddress& ip) const;

  // True when a keyring with at least one key is configured.
  bool EncryptionEnabled() const;
};

// Go's DefaultLANConfig (name defaults to "" here: the core has no hostname;
// net/ fills it in from the OS).
Config DefaultLANConfig();
Config DefaultWANConfig();
Config DefaultLocalConfig();

}  // namespace swim

#endif  // SWIM_CORE_CONFIG_H_
