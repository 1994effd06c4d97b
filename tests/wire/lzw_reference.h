// The LZW writer and reader as first ported, line for line from Go (a
// 16K-entry table cleared per call, reversed expansion then a copy): kept
// as the reference that the optimised core/wire/lzw.cc must match byte for
// byte, errors included.
#ifndef SWIM_TESTS_WIRE_LZW_REFERENCE_H_
#define SWIM_TESTS_WIRE_LZW_REFERENCE_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#include "core/env.h"

#include "absl/status/status.h"

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

// --- reader ---
inline constexpr uint16_t kDecoderInvalidCode = 0xffff;
inline constexpr size_t kFlushBuffer = 1u << kMaxWidth;

struct LzwReaderState {
  std::array<uint8_t, 1u << kMaxWidth> suffix{};
  std::array<uint16_t, 1u << kMaxWidth> prefix{};
  std::array<uint8_t, 2 * (1u << kMaxWidth)> output{};
};

}  // namespace internal

inline void LzwCompress(ByteSpan in, Bytes* out) {
  auto w = std::make_unique<internal::LzwWriter>(out);
  w->Write(in);
  w->Close();
}

inline absl::Status LzwDecompress(ByteSpan in, size_t max_out, Bytes* out) {
  auto st = std::make_unique<internal::LzwReaderState>();
  auto& suffix = st->suffix;
  auto& prefix = st->prefix;
  auto& output = st->output;
  size_t in_pos = 0;
  uint32_t bits = 0;
  uint32_t n_bits = 0;
  uint32_t width = internal::kLitWidth + 1;
  const uint16_t clear = internal::kClear;
  const uint16_t eof = internal::kEof;
  uint16_t hi = eof;
  uint16_t overflow = 1u << width;
  uint16_t last = internal::kDecoderInvalidCode;
  size_t o = 0;
  size_t produced = 0;

  auto flush = [&]() -> bool {
    produced += o;
    if (produced > max_out) return false;
    out->insert(out->end(), output.begin(), output.begin() + o);
    o = 0;
    return true;
  };
  const absl::Status too_big =
      absl::ResourceExhaustedError("lzw: decompressed data exceeds the limit");

  while (true) {
    // readLSB
    while (n_bits < width) {
      if (in_pos == in.size()) {
        return absl::InvalidArgumentError("lzw: unexpected EOF");
      }
      bits |= static_cast<uint32_t>(in[in_pos++]) << n_bits;
      n_bits += 8;
    }
    const uint16_t code = static_cast<uint16_t>(bits & ((1u << width) - 1));
    bits >>= width;
    n_bits -= width;

    if (code < clear) {
      output[o++] = static_cast<uint8_t>(code);
      if (last != internal::kDecoderInvalidCode) {
        suffix[hi] = static_cast<uint8_t>(code);
        prefix[hi] = last;
      }
    } else if (code == clear) {
      width = 1 + internal::kLitWidth;
      hi = eof;
      overflow = 1u << width;
      last = internal::kDecoderInvalidCode;
      continue;
    } else if (code == eof) {
      if (!flush()) return too_big;
      return absl::OkStatus();
    } else if (code <= hi) {
      uint16_t c = code;
      size_t i = output.size() - 1;
      if (code == hi && last != internal::kDecoderInvalidCode) {
        // The special case: code == hi means the new entry repeats last's
        // first byte.
        c = last;
        while (c >= clear) c = prefix[c];
        output[i] = static_cast<uint8_t>(c);
        --i;
        c = last;
      }
      while (c >= clear) {
        output[i] = suffix[c];
        --i;
        c = prefix[c];
      }
      output[i] = static_cast<uint8_t>(c);
      const size_t n = output.size() - i;
      std::memmove(output.data() + o, output.data() + i, n);
      o += n;
      if (last != internal::kDecoderInvalidCode) {
        suffix[hi] = static_cast<uint8_t>(c);
        prefix[hi] = last;
      }
    } else {
      return absl::InvalidArgumentError("lzw: invalid code");
    }
    last = code;
    ++hi;
    if (hi >= overflow) {
      if (width == internal::kMaxWidth) {
        last = internal::kDecoderInvalidCode;
        --hi;
      } else {
        ++width;
        overflow = 1u << width;
      }
    }
    if (o >= internal::kFlushBuffer) {
      if (!flush()) return too_big;
    }
  }
}

}  // namespace swim::wire::reference

#endif  // SWIM_TESTS_WIRE_LZW_REFERENCE_H_
