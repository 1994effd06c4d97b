// Named bounds. Every queue, buffer and count in the core has a limit, and
// the limits that depend on each other are tied together here.
#ifndef SWIM_CORE_LIMITS_H_
#define SWIM_CORE_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace swim::limits {

// memberlist's MetaMaxSize: node metadata carried in alive messages.
inline constexpr size_t kMetaMaxSize = 512;

// Protocol versions understood by this implementation (memberlist 0.2.2).
inline constexpr uint8_t kProtocolVersionMin = 1;
inline constexpr uint8_t kProtocolVersionMax = 5;
// Peers with at least these maximum versions get the feature.
inline constexpr uint8_t kProtocolVersionTcpPing = 3;  // TCP fallback ping
inline constexpr uint8_t kProtocolVersionNack = 4;     // nack on indirect
inline constexpr uint8_t kProtocolVersionCrc = 5;      // CRC packet header

// Largest datagram the transport reads (memberlist's udpPacketBufSize).
inline constexpr size_t kMaxPacketSize = 65536;
// Compound messages: the part count is one byte, and Go 0.2.2 misparses
// counts of 128 or more (uint8 overflow in n*2), so we never send more.
inline constexpr size_t kMaxCompoundParts = 127;
inline constexpr size_t kCompoundHeaderOverhead = 2;  // type byte + count
inline constexpr size_t kCompoundPartOverhead = 2;    // u16 length
inline constexpr size_t kUserMsgOverhead = 1;         // type byte

// Streams: memberlist's maxPushStateBytes (20 MiB) bounds encrypted streams;
// we apply it to every stream and to decompressed output.
inline constexpr size_t kMaxStreamBytes = 20 * 1024 * 1024;
inline constexpr size_t kMaxDecompressedBytes = kMaxStreamBytes;
// Node states in one push/pull. A node state is at least ~60 bytes on the
// wire, so this is far above what 20 MiB could carry legitimately.
inline constexpr size_t kMaxPushPullNodes = 1 << 20;
inline constexpr size_t kMaxNodeNameLength = 64 * 1024;
// Indirect probes in flight for one probe.
inline constexpr size_t kMaxIndirectChecks = 64;
// Nesting of compound/compress layers the test tools (tests/wire) follow.
// The core accepts only Go's own shape, [compress]?[compound]?leaf
// (core/wire/unpack.h), so at most 2 layers.
inline constexpr int kMaxMessageNesting = 4;

// Per-datagram budget (core/wire/unpack.h, issue 14 items 4 and 7).
// Decompressed bytes: a datagram is inflated at most once (compression is
// refused anywhere but around the whole packet) and to at most 1 MiB, 16x
// the largest datagram: our senders never put more than one datagram's
// worth (<= 65507 bytes) into a packet, nor does Go's gossip and probing
// (UDPBufferSize); only a Go user calling SendBestEffort with a message
// that compresses 16:1 into a datagram would be refused. Over budget:
// memberlist.dropped.packet_budget. (A 54 KB LZW datagram used to inflate
// five parts to 20 MiB each: ~0.33 s of loop CPU; now ~3 ms at most.)
inline constexpr size_t kMaxPacketDecompressedBytes = 1 << 20;
// Leaf messages handled from one datagram: a compound's count is one byte,
// so the shape above allows 255; extra ones (a smaller budget) are dropped
// and counted as memberlist.dropped.packet_budget.
inline constexpr size_t kMaxPacketLeafMessages = 255;
// Requests that make us send (ping, indirect ping) honoured per datagram;
// further ones are dropped, memberlist.dropped.amplification. Honest
// datagrams carry one at most, so one datagram in makes at most 2 out.
inline constexpr size_t kMaxPacketRequests = 1;
// Per-stream budget: one stream message is at most kMaxStreamBytes on the
// wire and inflates (once: compression inside compression is refused,
// memberlist.malformed.stream) to at most kMaxDecompressedBytes; its leaf
// messages are the push/pull node states, at most kMaxPushPullNodes.

// Fork weights (go-doudou): a weight's WeightAt (the sender's Unix ms) may
// run ahead of our clock by at most this much. A weight stamped further in
// the future is dropped (memberlist.dropped.weight_future): accepted, it
// would make every honest weight of that node look stale until our clock
// caught up (forever, for a stamp near INT64_MAX). NTP-synchronised hosts
// are within milliseconds of each other; 60 s leaves room for bad clocks.
inline constexpr int64_t kMaxWeightFutureMillis = 60 * 1000;

// Incarnation jumps (issue 14 item 5). A node's incarnation grows by one
// per refutation and per UpdateNode, so what a peer tells us about node X
// is normally at most a few steps past the incarnation we hold for X. An
// alive, suspect or dead message (packet or push/pull entry) about a node
// we know, ourselves included, whose incarnation is more than
// kMaxIncarnationJump past the one we hold is dropped and counted
// (memberlist.dropped.incarnation_jump). Without it one forged suspect or
// dead at 2^32-1 could not be out-bid and got a live node declared dead.
// An honest message trips it only if we missed over 1,024 of X's
// refutations and updates; then we go on probing X ourselves, and the
// state heals when X is refuted again or the stale entry is reaped. Left
// to an insider: raising a node's incarnation by at most this much per
// forged accusation it refutes, 2^22 forgeries to exhaust the space.
inline constexpr uint32_t kMaxIncarnationJump = 1024;
constexpr bool ImplausibleIncarnationJump(uint32_t known, uint32_t claimed) {
  return claimed > known && claimed - known > kMaxIncarnationJump;
}

// Config::max_members by default: the member table's cap (issue 14 item 6).
inline constexpr size_t kDefaultMaxMembers = 1 << 16;

static_assert(kMaxCompoundParts < 128, "Go 0.2.2 cannot read >= 128 parts");
static_assert(kMaxDecompressedBytes <= kMaxStreamBytes);
static_assert(kMetaMaxSize < kMaxPacketSize);
static_assert(kMaxPacketDecompressedBytes <= kMaxDecompressedBytes);
static_assert(kMaxPacketLeafMessages >= 255, "Go's compounds hold up to 255");

}  // namespace swim::limits

#endif  // SWIM_CORE_LIMITS_H_
