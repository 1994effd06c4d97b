// What the wire codec needs to know of a node's configuration, and nothing
// more: how addresses are written, compression, the encryption format and
// whether unencrypted input is accepted. The codec never sees a Config
// (core/config.h); the Messenger (core/internal/messenger.h) derives these
// options from it once.
//
// The keyring is not an option: keys change at run time and are passed to
// each call (core/security/keyring.h).
#ifndef SWIM_CORE_WIRE_OPTIONS_H_
#define SWIM_CORE_WIRE_OPTIONS_H_

#include <cstdint>

namespace swim {

// How addresses are written inside messages (alive.Addr, ping.SourceAddr,
// indirect ping Target/SourceAddr, push/pull Addr). One mode per cluster:
// the two cannot share a cluster (protocol.md §8.2).
enum class AddressMode : uint8_t {
  kBinary,  // upstream memberlist: raw 4/16-byte IP
  kText,    // go-doudou fork: the textual IP ("10.0.0.1")
};

// Compression algorithm for outgoing messages when compression is on.
enum class CompressionAlgo : uint8_t {
  kLzw = 0,     // memberlist's only algorithm; what Go nodes understand
  kSnappy = 1,  // C++-only clusters; a Go node must never receive it
};

namespace wire {

// One node's codec settings (Config's address_mode, enable_compression,
// compression_algo, protocol_version, gossip_verify_incoming/outgoing).
struct WireOptions {
  AddressMode address_mode = AddressMode::kBinary;
  bool compress = false;
  CompressionAlgo algo = CompressionAlgo::kLzw;
  // 0 (PKCS#7 padded) when the node speaks protocol version 1, else 1.
  uint8_t encryption_version = 1;
  // With keys installed: refuse unencrypted input.
  bool verify_incoming = true;
  // With keys installed: encrypt what is sent.
  bool encrypt_outgoing = true;
};

}  // namespace wire
}  // namespace swim

#endif  // SWIM_CORE_WIRE_OPTIONS_H_
