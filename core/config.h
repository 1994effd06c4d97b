// Configuration of one memberlist node.
//
// Field names are Go memberlist's, in snake_case, so a Go user recognises
// every knob (ProbeInterval -> probe_interval). Durations are absl::Duration.
// Start from DefaultLANConfig(), DefaultWANConfig() or DefaultLocalConfig();
// their values are exactly Go 0.2.2's (tests/core/config_test.cc lists them).
//
// Delegates are not owned by the Config: they must outlive every node
// created from it. The keyring is shared (a shared_ptr): net/ and the node
// hold the same one, so keys installed at run time apply at once.
#ifndef SWIM_CORE_CONFIG_H_
#define SWIM_CORE_CONFIG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/delegate.h"
#include "core/limits.h"
#include "core/wire/options.h"

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace swim {

namespace security {
class Keyring;
}

// How messages that Go queues for its handler goroutine are handled
// (Config::handoff).
enum class HandoffMode : uint8_t {
  kInline,  // at once, in arrival order (this implementation)
  kGoLifo,  // Go 0.2.2's two bounded LIFO handoff queues
};

// Where the CIDR allow-list applies (Config::cidr_scope).
enum class CidrScope : uint8_t {
  kEveryPacket,  // every packet and stream source, and alive addresses
  kAliveOnly,    // Go 0.2.2: alive messages and new/moved members only
};

struct Config {
  // --- identity and addresses -------------------------------------------
  // Every field is documented; a field marked "not read by the core" is kept
  // for Go-compatible configuration files and read only where stated.
  std::string name;  // unique in the cluster
  // The local IP literal net/ binds UDP and TCP on (not read by the core;
  // sim/ assigns addresses itself).
  std::string bind_addr = "0.0.0.0";
  // The bound port; 0 lets the transport pick one. The core reads it as the
  // default port of join addresses and of protocol-1 peers' messages.
  int bind_port = 7946;
  std::string advertise_addr;  // net/: "" = derive from the bind address
  int advertise_port = 7946;   // net/: used only with advertise_addr

  // --- protocol -----------------------------------------------------------
  // The protocol version we speak (1..5; 2 = ProtocolVersion2Compatible).
  // Below 2, ports in messages are ignored and bind_port is assumed; 1 also
  // selects the padded encryption format.
  uint8_t protocol_version = 2;
  // Deadline of every stream exchange (push/pull, reliable user messages).
  absl::Duration tcp_timeout = absl::Seconds(10);
  // Members asked to ping a probe target for us when it missed our ping.
  int indirect_checks = 3;
  // Each broadcast is sent retransmit_mult x ceil(log10(n + 1)) times.
  int retransmit_mult = 4;
  // Suspicion timeout min = suspicion_mult x log10(n) x probe_interval;
  // suspicion_mult - 2 independent confirmations shrink it towards min.
  int suspicion_mult = 4;
  // The suspicion timeout starts at suspicion_max_timeout_mult x min.
  int suspicion_max_timeout_mult = 6;
  // Period of push/pull anti-entropy (scaled up with the cluster size).
  absl::Duration push_pull_interval = absl::Seconds(30);  // 0 = off
  // One member is probed per probe_interval (scaled by the health score).
  absl::Duration probe_interval = absl::Seconds(1);
  // Wait for a direct ack before asking for indirect probes.
  absl::Duration probe_timeout = absl::Milliseconds(500);
  // No TCP fallback ping, for every node or for the nodes the function names.
  bool disable_tcp_pings = false;
  std::function<bool(const std::string& node)> disable_tcp_pings_for_node;
  // Lifeguard: the health score ranges over [0, awareness_max_multiplier).
  int awareness_max_multiplier = 8;
  // Every gossip_interval, queued broadcasts go to gossip_nodes members.
  absl::Duration gossip_interval = absl::Milliseconds(200);
  int gossip_nodes = 3;
  // Dead members still get gossip (a chance to refute) this long, and are
  // reaped from the table after it.
  absl::Duration gossip_to_the_dead_time = absl::Seconds(30);
  // With a keyring: refuse unencrypted input (incoming) and encrypt what we
  // send (outgoing). Turn off only to roll encryption into a cluster.
  bool gossip_verify_incoming = true;
  bool gossip_verify_outgoing = true;
  // Compress outgoing messages (compression_algo) when that makes them shorter.
  bool enable_compression = true;

  // --- encryption -----------------------------------------------------------
  // secret_key, when set, is installed as the primary key of `keyring`
  // (creating one if needed), as Go does. 16, 24 or 32 bytes.
  std::string secret_key;
  // The keys packets and streams are encrypted with (primary first) and
  // tried in turn to decrypt; null or empty = no encryption.
  std::shared_ptr<security::Keyring> keyring;

  // --- delegates (not owned; see delegate.h) -----------------------------
  Delegate* delegate = nullptr;  // meta, user messages, user state
  // The delegate protocol versions we advertise (DCur, DMin, DMax in our
  // version vector); push/pull refuses peers whose ranges exclude them.
  uint8_t delegate_protocol_version = 0;
  uint8_t delegate_protocol_min = 0;
  uint8_t delegate_protocol_max = 0;
  EventDelegate* events = nullptr;       // join / leave / update / suspect
  ConflictDelegate* conflict = nullptr;  // a name claimed by two addresses
  MergeDelegate* merge = nullptr;        // may veto a join's push/pull
  PingDelegate* ping = nullptr;          // ack payloads and round-trip times
  AliveDelegate* alive = nullptr;        // may veto an alive message

  // --- environment ----------------------------------------------------------
  // Go's resolver configuration. Not read: name resolution is the Env's (net/
  // uses the system resolver). Kept for Go-compatible config files.
  std::string dns_config_path = "/etc/resolv.conf";
  // Go's bound on each of its two handoff queues; read only with
  // handoff = HandoffMode::kGoLifo (see below).
  int handoff_queue_depth = 1024;
  // The largest packet we build: piggybacked gossip fills up to it.
  int udp_buffer_size = 1400;
  // A dead member's name may be taken by a new address after this long;
  // 0 = never (a left member's name may always be).
  absl::Duration dead_node_reclaim_time = absl::ZeroDuration();
  // Go's RequireNodeNames: every send to an address without a node name is
  // refused with Go's errNodeNamesAreRequired (counted as
  // memberlist.dropped.no_node_name): a join seed without "name/", an ack
  // to a ping without SourceNode, an indirect ping's ping (no Node) or its
  // ack/nack (no SourceNode), SendToAddress without a name.
  bool require_node_names = false;
  // Only these networks may send to us or be members; empty = allow all.
  std::vector<IpNetwork> cidrs_allowed;

  // --- go-doudou fork -------------------------------------------------------
  // Period of the weight computation and gossip; 0 disables it.
  absl::Duration weight_interval = absl::ZeroDuration();
  // How IPs are written in messages (see AddressMode): one per cluster.
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

  // --- this implementation -------------------------------------------------
  // What enable_compression uses (kSnappy only in C++-only clusters).
  CompressionAlgo compression_algo = CompressionAlgo::kLzw;

  // Issue 14 item 6: a member we learned of second-hand (from a push/pull
  // or an alive relayed by another node) and have not heard from first-hand
  // within this long (an ack to our probe, a ping from it, or its own alive
  // sent from its own address) is marked dead here, without a broadcast,
  // and reaped as usual (memberlist.dropped.unconfirmed). Drains members a
  // peer made up. 0 = off (Go; the default). Honest members are confirmed
  // by our own probes once per probe round, so it must be well above
  // cluster size x probe_interval, or live members of a large cluster are
  // dropped here until they are heard from again: hence off by default.
  absl::Duration unconfirmed_member_timeout = absl::ZeroDuration();

  // --- departures from Go 0.2.2 (docs/departures.md) ----------------------
  // BEGIN DEPARTURES. Every field between BEGIN and END DEPARTURES is one
  // way this implementation departs from Go memberlist 0.2.2 on purpose.
  // Each defaults to our behaviour; ApplyGoCompat() sets each one to Go's,
  // and tests/core/compat_test.cc fails if a field here is not covered
  // there (and in docs/departures.md).

  // How alive/suspect/dead/user/weight messages from packets are handled.
  // kInline: at once, in arrival order. kGoLifo: Go's two bounded LIFO
  // handoff queues (alive high priority, the rest low, each at most
  // handoff_queue_depth, the newest dropped when full and counted as
  // memberlist.dropped.handoff_full), drained by a separate handler.
  HandoffMode handoff = HandoffMode::kInline;
  // Simulator knob for kGoLifo: virtual time the handler takes per message
  // (0: the queues drain in one event right after the datagram). Lets the
  // queues build up across datagrams as on a loaded Go host.
  absl::Duration handoff_service_time = absl::ZeroDuration();
  // Join contacts every seed at once; Go push/pulls them one after another,
  // each blocking up to tcp_timeout.
  bool join_concurrent = true;
  // After a successful Join, gossip at once (our alive reaches the cluster
  // one gossip tick sooner); Go waits for the next tick.
  bool join_gossip_now = true;
  // After a successful Join, run one more (non-join) push/pull with a seed
  // that answered, after a random delay in [0.5, 1] x probe_interval. When
  // many nodes join at once, the seed has meanwhile learned all of them, so
  // this second exchange hands every joiner the whole table: a mass join
  // converges in about one probe interval instead of waiting for gossip's
  // limited retransmits and the periodic push/pull. Costs one stream per
  // join; Go peers see an ordinary anti-entropy exchange. When that seed
  // was the only one the join reached, our half carries only our own entry
  // (the rest came from the seed); otherwise the whole table.
  bool join_sync = true;
  // A push/pull reply may carry our table as we encoded it for another
  // reply up to this long ago, if we have since gained at most 1/32 more
  // members, instead of encoding (and compressing) it again: a seed in a
  // join storm answers hundreds of push/pulls a second while its table
  // grows with each. The reply is then as old as if it had waited this
  // long to be sent, which a loaded Go node also does; our own entry in it
  // is always current (a refutation is never held back).
  // Never with encryption (a fresh nonce per message) or a delegate (Go
  // calls its LocalState once per reply). GoCompat: 0 (a reply is reused
  // only while the table it carries is unchanged, which no peer can tell).
  absl::Duration push_pull_reply_max_age = absl::Milliseconds(50);
  // Refutations (our own, and alives that clear a suspicion or death of a
  // known node) are retransmitted this many times the usual limit; Go: 1.
  int refutation_transmit_scale = 3;
  // Where the allow-list (cidrs_allowed) is checked. kEveryPacket: the
  // source of every packet and stream, plus alive addresses. kAliveOnly:
  // Go 0.2.2's, the source and address of alive messages and of new or
  // moved members only.
  CidrScope cidr_scope = CidrScope::kEveryPacket;
  // How long a failed probe waits past its deadline for the TCP fallback's
  // answer before counting it as no contact. Zero: probe_timeout. Go waits
  // for the fallback however long it takes (InfiniteDuration); it is itself
  // bounded by the stream's deadline, so this matters only when a stream
  // outlives its deadline.
  absl::Duration tcp_fallback_grace = absl::ZeroDuration();
  // An accusation at incarnation 2^32-1 cannot be outbid. false: count it
  // (memberlist.refute_exhausted) and keep our state. true: Go's, wrap the
  // incarnation and broadcast the (losing) alive.
  bool refute_at_max_incarnation = false;
  // Accept Snappy-compressed input (algorithm 1). Go knows only LZW and
  // drops it as an unknown algorithm; off, so do we (and Validate refuses
  // compression_algo = kSnappy, which no peer would then read).
  bool accept_snappy = true;
  // Validate() checks every field; off, it checks only what Go's Create
  // checks plus what memory safety needs (see Config::Validate).
  bool strict_validate = true;
  // Issue 14 item 5: drop alive/suspect/dead claims whose incarnation is
  // more than limits::kMaxIncarnationJump past the one we hold.
  bool drop_implausible_incarnations = true;
  // Issue 14 item 6: a member we reaped, handed back alive by anti-entropy
  // at the incarnation it died with, returns to the table as dead
  // (core/reaped_names.h). Go re-adds it alive.
  bool reaped_come_back_dead = true;
  // Issue 14 item 7: pings and indirect pings honoured per datagram (each
  // makes us send); the rest are dropped (memberlist.dropped.amplification).
  // 0 = no bound (Go).
  size_t max_requests_per_datagram = limits::kMaxPacketRequests;
  // Issue 14 item 4: bytes one datagram may inflate to. Go has no bound;
  // GoCompat raises it to the stream limit (20 MiB) rather than removing
  // it, since an unbounded inflation is a memory hazard (docs/departures.md).
  size_t max_packet_decompressed_bytes = limits::kMaxPacketDecompressedBytes;
  // Departure from Go 0.2.2: the probe, gossip and weight loops start after
  // a random stagger in [0, interval). Go creates its tickers before its
  // stagger wait (state.go:120,132 vs 146-161), so its stagger is a no-op
  // and every tick lands on Start + k x interval; false does exactly that
  // (a simulated cluster then needs its own start spread, or every node
  // probes in lockstep).
  bool staggered_ticks = true;
  // Most entries the member table holds, in any state, ourselves included
  // (issue 14 item 6). An alive about an unknown node is dropped while the
  // table is full (memberlist.dropped.table_full); known members are
  // updated as usual, and dead entries leave at the usual reaping. Go has
  // no such cap: SWIM adds whatever name an alive claims, so a peer could
  // otherwise fill memory with made-up members. The default is far above
  // any cluster this implementation is tested at (10,000 simulated nodes)
  // and bounds a flood of made-up members with the 512-byte meta limit to
  // roughly 64k x (name + meta + ~100 bytes). GoCompat: SIZE_MAX.
  size_t max_members = limits::kDefaultMaxMembers;
  // END DEPARTURES.

  // Sets every departure field above to Go 0.2.2's behaviour (and nothing
  // else): with it, a simulated cluster models a Go memberlist cluster.
  Config& ApplyGoCompat();
  // `base` with ApplyGoCompat() applied.
  static Config GoCompat(Config base);
  static Config GoCompat();

  // Simulator negative scenarios and property tests only: a PlantedBug bit
  // mask (core/internal/planted_bugs.h). Ignored unless the binary was built
  // from the testonly //core:memberlist_planted_bugs.
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
