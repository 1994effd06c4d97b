// The LZW writer as first ported (a 16K-entry table cleared per call,
// one byte pushed at a time): kept as the reference that the optimised
// core/wire/lzw.cc must match byte for byte.
#ifndef SWIM_TESTS_WIRE_LZW_REFERENCE_H_
#define SWIM_TESTS_WIRE_LZW_REFERENCE_H_

#include <array>
#include <cstdint>
#include <memory>

#include "core/env.h"

namespace swim::wire::reference {

namespace internal {

inline constexpr uint32_t kLitWidth = 8;
inline constexpr uint32_t kClear = 1u << kLitWidth;  // 256
inline constexpr uint32_t kEof = kClear + 1;         // 257
inline constexpr uint32_t kMaxWidth = 12;

// --- writer (Go's writer.go)
// --------------------------------------------------

inline constexpr uint32_t kMaxCode = (1u << 12) - 1;
inline constexpr uint32_t kInvalidCode = 0xffffffffu;
inline constexpr uint32_t kTableSize = 4 * (1u << 12);
inline constexpr uint32_t kTableMask = kTableSize - 1;
inline constexpr uint32_t kInvalidEntry = 0;

class LzwWriter {
 public:
  explicit LzwWriter(Bytes* out) : out_(out) { table_.fill(kInvalidEntry); }

  void Write(ByteSpan p) {
    if (p.empty()) return;
    uint32_t code = saved_code_;
    size_t i = 0;
    if (code == kInvalidCode) {
      Emit(kClear);
      code = p[0];
      i = 1;
    }
    for (; i < p.size(); ++i) {
      const uint32_t literal = p[i];
      const uint32_t key = code << 8 | literal;
      uint32_t hash = (key >> 12 ^ key) & kTableMask;
      bool found = false;
      for (uint32_t h = hash, t = table_[hash]; t != kInvalidEntry;) {
        if (key == t >> 12) {
          code = t & kMaxCode;
          found = true;
          break;
        }
        h = (h + 1) & kTableMask;
        t = table_[h];
      }
      if (found) continue;
      Emit(code);
      code = literal;
      if (IncHi()) continue;  // out of codes: table was cleared
      while (true) {
        if (table_[hash] == kInvalidEntry) {
          table_[hash] = (key << 12) | hi_;
          break;
        }
        hash = (hash + 1) & kTableMask;
      }
    }
    saved_code_ = code;
  }

  void Close() {
    if (saved_code_ != kInvalidCode) {
      Emit(saved_code_);
      IncHi();
    } else {
      Emit(kClear);
    }
    Emit(kEof);
    if (n_bits_ > 0) out_->push_back(static_cast<uint8_t>(bits_));
  }

 private:
  void Emit(uint32_t c) {
    bits_ |= c << n_bits_;
    n_bits_ += width_;
    while (n_bits_ >= 8) {
      out_->push_back(static_cast<uint8_t>(bits_));
      bits_ >>= 8;
      n_bits_ -= 8;
    }
  }

  // Returns true for Go's errOutOfCodes (a CLEAR was written).
  bool IncHi() {
    ++hi_;
    if (hi_ == overflow_) {
      ++width_;
      overflow_ <<= 1;
    }
    if (hi_ == kMaxCode) {
      Emit(kClear);
      width_ = kLitWidth + 1;
      hi_ = kClear + 1;
      overflow_ = kClear << 1;
      table_.fill(kInvalidEntry);
      return true;
    }
    return false;
  }

  Bytes* out_;
  uint32_t bits_ = 0;
  uint32_t n_bits_ = 0;
  uint32_t width_ = kLitWidth + 1;
  uint32_t hi_ = kClear + 1;
  uint32_t overflow_ = 1u << (kLitWidth + 1);
  uint32_t saved_code_ = kInvalidCode;
  std::array<uint32_t, kTableSize> table_;
};

}  // namespace internal

inline void LzwCompress(ByteSpan in, Bytes* out) {
  auto w = std::make_unique<internal::LzwWriter>(out);
  w->Write(in);
  w->Close();
}

}  // namespace swim::wire::reference

#endif  // SWIM_TESTS_WIRE_LZW_REFERENCE_H_
