// Unpacking one datagram into the messages it carries, within a budget
// (issue 14, items 4 and 7).
//
// What Go memberlist 0.2.2 actually sends in a datagram (net.go sendMsg,
// rawSendMsgPacket; state.go probeNode, gossip) is, after decryption and
// the CRC header:
//
//     [compress]? ( [compound] leaf{1..255} | leaf )
//
// compression at most once, around the whole packet; a compound only of
// plain messages (user broadcasts are framed as type-8 leaves). Go's
// receiver accepts any nesting (handleCompound and handleCompressed
// recurse without bound); we accept exactly the shape above and refuse
// the rest as malformed: a compound or a compression inside a compound, a
// compression inside a compression. That turned a 54 KB datagram holding
// five 20 MiB LZW bombs in a compound into one bounded inflation.
//
// The budget (PacketBudget) bounds, per datagram,
//   - the bytes decompression may produce,
//   - the leaf messages handled (the rest are dropped, counted), and
//   - the requests among them that make us send (ping, indirect ping):
//     an honest datagram carries at most one (a ping with piggybacked
//     gossip, or Go's ping + suspect compound), so one inbound datagram
//     makes us send at most 2 packets (an indirect ping: the ping now, the
//     ack or nack later) instead of 127 acks to a spoofed source.
#ifndef SWIM_CORE_WIRE_UNPACK_H_
#define SWIM_CORE_WIRE_UNPACK_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/limits.h"

#include "absl/status/status.h"

namespace swim::wire {

struct PacketBudget {
  size_t decompressed_bytes = limits::kMaxPacketDecompressedBytes;
  size_t leaves = limits::kMaxPacketLeafMessages;
  size_t requests = limits::kMaxPacketRequests;
  // Config::accept_snappy: false refuses algorithm 1 as Go does.
  bool accept_snappy = true;
};

struct UnpackedPacket {
  // The messages to handle, in order; each starts with its type byte and
  // is non-empty. Views into the input or into `storage`.
  std::vector<ByteSpan> leaves;
  // Every refusal, as a counter name ("memberlist.malformed.nested", ...),
  // how many times, and why.
  struct Problem {
    std::string counter;
    uint64_t count = 1;
    absl::Status status;
  };
  std::vector<Problem> problems;
  Bytes storage;  // the decompressed payload, if any
};

// `msg` is DecodePacket's output (decrypted, CRC checked, non-empty).
UnpackedPacket UnpackPacket(ByteSpan msg, const PacketBudget& budget = {});

}  // namespace swim::wire

#endif  // SWIM_CORE_WIRE_UNPACK_H_
