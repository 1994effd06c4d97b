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
inline constexpr uint8_t kProtocolVersionTcpPing = 3;   // TCP fallback ping
inline constexpr uint8_t kProtocolVersionNack = 4;      // nack on indirect
inline constexpr uint8_t kProtocolVersionCrc = 5;       // CRC packet header

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
// Nesting of compound/compress layers accepted in one packet.
inline constexpr int kMaxMessageNesting = 4;

static_assert(kMaxCompoundParts < 128, "Go 0.2.2 cannot read >= 128 parts");
static_assert(kMaxDecompressedBytes <= kMaxStreamBytes);
static_assert(kMetaMaxSize < kMaxPacketSize);

}  // namespace swim::limits

#endif  // SWIM_CORE_LIMITS_H_
