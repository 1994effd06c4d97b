// LZW exactly as Go's compress/lzw with LSB bit order and literal width 8
// (what memberlist's compressPayload / decompressBuffer use; protocol.md §5).
// A line-for-line port of Go 1.19's reader.go and writer.go, so the writer's
// output is byte-identical and the reader accepts and rejects the same
// streams.
#ifndef SWIM_CORE_WIRE_LZW_H_
#define SWIM_CORE_WIRE_LZW_H_

#include <cstddef>

#include "core/bytes.h"

#include "absl/status/status.h"

namespace swim::wire {

// Appends the LZW stream for `in` to *out: CLEAR first, codes widening at
// 2^width up to 12 bits, CLEAR when the next code would be 4095, then the
// pending code, EOF, and a zero-padded final byte.
void LzwCompress(ByteSpan in, Bytes* out);

// Appends the decompressed bytes to *out. Errors: a stream without an EOF
// code ("unexpected EOF"), an invalid code, or more than `max_out` bytes of
// output (checked as the output grows, so a bomb stops there). On error *out
// holds a partial result.
absl::Status LzwDecompress(ByteSpan in, size_t max_out, Bytes* out);

}  // namespace swim::wire

#endif  // SWIM_CORE_WIRE_LZW_H_
