// CRC-32 (IEEE) for memberlist's hasCrc wrapper (protocol.md, CRC):
// Crc32 and AddCrc from messages.h, slicing-by-8. Split from messages.cc to
// keep each file of core/ readable in one sitting.
#include <cstdint>

#include "core/check.h"
#include "core/wire/messages.h"

namespace swim::wire {

namespace {

// --- CRC-32 (IEEE), slicing-by-8
// ------------------------------------------------

struct CrcTables {
  uint32_t t[8][256];
};

constexpr CrcTables MakeCrcTables() {
  CrcTables tables{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    tables.t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int s = 1; s < 8; ++s) {
      const uint32_t prev = tables.t[s - 1][i];
      tables.t[s][i] = (prev >> 8) ^ tables.t[0][prev & 0xff];
    }
  }
  return tables;
}

constexpr CrcTables kCrc = MakeCrcTables();

}  // namespace

uint32_t Crc32(ByteSpan data) {
  SWIM_DCHECK(data.data() != nullptr || data.empty());
  uint32_t crc = 0xffffffffu;
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n >= 8) {
    const uint32_t lo =
        crc ^
        (static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24);
    crc = kCrc.t[7][lo & 0xff] ^ kCrc.t[6][(lo >> 8) & 0xff] ^
          kCrc.t[5][(lo >> 16) & 0xff] ^ kCrc.t[4][lo >> 24] ^ kCrc.t[3][p[4]] ^
          kCrc.t[2][p[5]] ^ kCrc.t[1][p[6]] ^ kCrc.t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = kCrc.t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  SWIM_DCHECK(p == data.data() + data.size());  // every byte, once
  return crc ^ 0xffffffffu;
}

Bytes AddCrc(ByteSpan msg) {
  const uint32_t crc = Crc32(msg);
  Bytes out;
  out.reserve(msg.size() + 5);
  out.push_back(static_cast<uint8_t>(MessageType::kHasCrc));
  out.push_back(static_cast<uint8_t>(crc >> 24));
  out.push_back(static_cast<uint8_t>(crc >> 16));
  out.push_back(static_cast<uint8_t>(crc >> 8));
  out.push_back(static_cast<uint8_t>(crc));
  out.insert(out.end(), msg.begin(), msg.end());
  SWIM_DCHECK(out.size() == msg.size() + 5 &&
              out[0] == static_cast<uint8_t>(MessageType::kHasCrc));
  return out;
}

}  // namespace swim::wire
