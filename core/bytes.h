// Byte buffers, as every layer passes them: owned (Bytes) or borrowed
// (ByteSpan). Its own header so the codec (core/wire/) needs nothing of
// the Env.
#ifndef SWIM_CORE_BYTES_H_
#define SWIM_CORE_BYTES_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace swim {

using Bytes = std::vector<uint8_t>;
using ByteSpan = absl::Span<const uint8_t>;

}  // namespace swim

#endif  // SWIM_CORE_BYTES_H_
