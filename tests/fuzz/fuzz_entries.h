// libFuzzer entry points for the wire codec, as plain functions so that a
// gcc-built smoke test (fuzz_smoke_test) can drive them too. Each returns 0
// and traps (__builtin_trap) when an invariant breaks; crashes and sanitizer
// reports are the other findings.
#ifndef SWIM_TESTS_FUZZ_FUZZ_ENTRIES_H_
#define SWIM_TESTS_FUZZ_FUZZ_ENTRIES_H_

#include <cstddef>
#include <cstdint>

namespace swim::fuzz {

// An inbound packet: DecodePacket, then every layer and message decoded;
// whatever decodes must re-encode to a fixed point.
int FuzzPacket(const uint8_t* data, size_t size);
// A compound body: every part decoded and re-encoded.
int FuzzCompound(const uint8_t* data, size_t size);
// A compress body (bounded output), raw LZW, and LZW/Snappy round trips.
int FuzzCompressed(const uint8_t* data, size_t size);
// Decryption of arbitrary blobs, and seal/open round trips of the input.
int FuzzEncrypted(const uint8_t* data, size_t size);
// Stream framing: StreamMessageSize, then DecodeStream and the message.
int FuzzStream(const uint8_t* data, size_t size);

}  // namespace swim::fuzz

#endif  // SWIM_TESTS_FUZZ_FUZZ_ENTRIES_H_
