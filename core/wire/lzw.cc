#include "core/wire/lzw.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "core/check.h"

namespace swim::wire {

namespace {

constexpr uint32_t kLitWidth = 8;
constexpr uint32_t kClear = 1u << kLitWidth;  // 256
constexpr uint32_t kEof = kClear + 1;         // 257
constexpr uint32_t kMaxWidth = 12;

// --- writer (behaviour of Go's writer.go)
// -------------------------------------
//
// The dictionary maps (prefix code, next byte) -> code exactly as Go's does;
// only its hash table differs (sized to the input and hashed
// multiplicatively), which changes no output byte: a lookup either finds the
// one entry for a key or finds none.

constexpr uint32_t kMaxCode = (1u << kMaxWidth) - 1;
// Never more than kMaxCode - kEof live entries; the table is at most half
// full at its largest size.
constexpr uint32_t kMaxTableBits = 13;
constexpr uint32_t kMinTableBits = 9;
constexpr uint32_t kInvalidEntry = 0;  // a stored entry has a code >= 258

// Appends LSB-first codes to a buffer that was sized for the worst case.
class BitSink {
 public:
  explicit BitSink(uint8_t* dst) : dst_(dst) {}
  void Put(uint32_t code, uint32_t width) {
    SWIM_DCHECK(width >= kLitWidth + 1 && width <= kMaxWidth);
    SWIM_DCHECK(code < (1u << width) && n_bits_ < 32);
    bits_ |= static_cast<uint64_t>(code) << n_bits_;
    n_bits_ += width;
    if (n_bits_ >= 32) {
      const uint32_t w = static_cast<uint32_t>(bits_);
      dst_[0] = static_cast<uint8_t>(w);
      dst_[1] = static_cast<uint8_t>(w >> 8);
      dst_[2] = static_cast<uint8_t>(w >> 16);
      dst_[3] = static_cast<uint8_t>(w >> 24);
      dst_ += 4;
      bits_ >>= 32;
      n_bits_ -= 32;
      SWIM_DCHECK(n_bits_ < 32);
    }
  }
  // Writes the remaining bits, the last byte zero-padded. Returns the end.
  uint8_t* Finish() {
    SWIM_DCHECK(n_bits_ < 32);
    while (n_bits_ > 0) {
      *dst_++ = static_cast<uint8_t>(bits_);
      bits_ >>= 8;
      n_bits_ = n_bits_ > 8 ? n_bits_ - 8 : 0;
    }
    SWIM_DCHECK(n_bits_ == 0);
    return dst_;
  }

 private:
  uint8_t* dst_;
  uint64_t bits_ = 0;
  uint32_t n_bits_ = 0;
};

// An upper bound on the compressed size of n input bytes: at most one code
// per input byte, plus CLEAR codes (one per kMaxCode - kEof new codes and
// one at the start), the pending code and EOF, all at most 12 bits.
size_t MaxCompressedSize(size_t n) {
  const size_t codes = n + n / (kMaxCode - kEof - 1) + 4;
  return (codes * kMaxWidth + 7) / 8 + 4;
}

// --- reader (behaviour of Go's reader.go)
// -------------------------------------

constexpr uint16_t kDecoderInvalidCode = 0xffff;
constexpr size_t kFlushBuffer = 1u << kMaxWidth;

// Reused across calls on a thread (zeroed once). Every entry a stream reads
// was written earlier in the same stream (entries [258, hi) are always
// set before hi passes them), so stale entries from an earlier call are
// never observed; and every stored prefix is smaller than its own code, so
// even a chain walk cannot loop or leave `output`.
//
// Besides Go's suffix/prefix tables it keeps each code's expansion length
// and first byte, so an expansion is written forwards into place (no
// reversed copy) and the code == hi case needs no chain walk. Lengths only
// ever come from this table (at most one more than an earlier entry's), so
// a write stays inside `output` whatever the input.
struct LzwReaderState {
  LzwReaderState() {
    for (uint32_t c = 0; c < kClear; ++c) {
      length[c] = 1;
      first[c] = static_cast<uint8_t>(c);
      SWIM_DCHECK(length[c] == 1);
    }
  }
  std::array<uint8_t, 1u << kMaxWidth> suffix{};
  std::array<uint16_t, 1u << kMaxWidth> prefix{};
  std::array<uint16_t, 1u << kMaxWidth> length{};
  std::array<uint8_t, 1u << kMaxWidth> first{};
  std::array<uint8_t, 2 * (1u << kMaxWidth) + 2> output{};
};

// Go's decoder adds entry `hi` = the expansion of `last` plus byte `c`.
void AddEntry(LzwReaderState& st, uint16_t hi, uint16_t last, uint8_t c) {
  // Every stored prefix is smaller than its own code, and already known.
  SWIM_DCHECK(last < hi && hi < (1u << kMaxWidth));
  SWIM_DCHECK(st.length[last] >= 1);
  st.suffix[hi] = c;
  st.prefix[hi] = last;
  st.length[hi] = static_cast<uint16_t>(st.length[last] + 1);
  st.first[hi] = st.first[last];
}

// Writes the expansion of `code` (code <= hi) to dst: the table entry, or
// for code == hi (an entry not yet in the table) last's expansion plus
// last's first byte. Returns its length; *head is its first byte.
size_t ExpandCode(const LzwReaderState& st, uint16_t code, uint16_t hi,
                  uint16_t last, uint8_t* dst, uint8_t* head) {
  SWIM_DCHECK(code > kEof && code <= hi && hi < (1u << kMaxWidth));
  SWIM_DCHECK(dst != nullptr && head != nullptr);
  uint16_t c = code;
  size_t n = st.length[code];
  if (n == 0)
    n = 1;  // unreachable (see LzwReaderState); keeps writes in bounds
  if (code == hi && last != kDecoderInvalidCode) {
    n = static_cast<size_t>(st.length[last]) + 1;
    dst[n - 1] = st.first[last];
    c = last;
    for (size_t k = n - 2; k > 0; --k) {
      dst[k] = st.suffix[c];
      c = st.prefix[c];
    }
  } else {
    for (size_t k = n - 1; k > 0; --k) {
      dst[k] = st.suffix[c];
      c = st.prefix[c];
    }
  }
  SWIM_DCHECK(n >= 1 && n <= (1u << kMaxWidth));
  dst[0] = static_cast<uint8_t>(c);
  *head = static_cast<uint8_t>(c);
  return n;
}

}  // namespace

void LzwCompress(ByteSpan in, Bytes* out) {
  const size_t start = out->size();
  out->resize(start + MaxCompressedSize(in.size()));
  BitSink sink(out->data() + start);

  // Distinct keys alive at once: at most one per input byte and at most
  // the codes between two CLEARs.
  const size_t live = std::min<size_t>(in.size(), kMaxCode - kEof);
  uint32_t table_bits = kMinTableBits;
  while ((size_t{1} << table_bits) < 2 * live && table_bits < kMaxTableBits)
    ++table_bits;
  const uint32_t table_size = 1u << table_bits;
  const uint32_t mask = table_size - 1;
  const uint32_t lit_shift = table_bits - 8;
  std::array<uint32_t, 1u << kMaxTableBits> table;  // first table_size used
  std::fill_n(table.begin(), table_size, kInvalidEntry);
  SWIM_DCHECK(table_size >= 2 * live || table_bits == kMaxTableBits);

  uint32_t width = kLitWidth + 1;
  uint32_t hi = kClear + 1;
  uint32_t overflow = 1u << (kLitWidth + 1);

  sink.Put(kClear, width);
  if (in.empty()) {
    sink.Put(kEof, width);
    out->resize(static_cast<size_t>(sink.Finish() - out->data()));
    return;
  }
  // Go's incHi: the next code; true when codes ran out and a CLEAR was
  // written (the table starts over).
  auto inc_hi = [&]() -> bool {
    ++hi;
    if (hi == overflow) {
      ++width;
      overflow <<= 1;
    }
    if (hi == kMaxCode) {
      sink.Put(kClear, width);
      width = kLitWidth + 1;
      hi = kClear + 1;
      overflow = kClear << 1;
      std::fill_n(table.begin(), table_size, kInvalidEntry);
      return true;
    }
    return false;
  };

  const uint8_t* p = in.data();
  const uint8_t* const end = p + in.size();
  uint32_t code = *p++;
  for (; p != end; ++p) {
    const uint32_t literal = *p;
    const uint32_t key = code << 8 | literal;
    uint32_t h = (code ^ (code >> table_bits) ^ (literal << lit_shift)) & mask;
    uint32_t t = table[h];
    bool found = false;
    while (t != kInvalidEntry) {
      if ((t >> 12) == key) {
        code = t & kMaxCode;
        found = true;
        break;
      }
      h = (h + 1) & mask;
      t = table[h];
    }
    if (found) continue;
    // h is now the empty slot where the key belongs.
    sink.Put(code, width);
    code = literal;
    if (inc_hi()) continue;
    table[h] = (key << 12) | hi;
    SWIM_DCHECK(hi > kEof && hi < kMaxCode);
  }
  sink.Put(code, width);
  inc_hi();
  sink.Put(kEof, width);
  out->resize(static_cast<size_t>(sink.Finish() - out->data()));
  SWIM_DCHECK(out->size() > start &&
              out->size() <= start + MaxCompressedSize(in.size()));
}

absl::Status LzwDecompress(ByteSpan in, size_t max_out, Bytes* out) {
  thread_local LzwReaderState st;
  auto& output = st.output;
  size_t in_pos = 0;
  uint32_t bits = 0;
  uint32_t n_bits = 0;
  uint32_t width = kLitWidth + 1;
  const uint16_t clear = kClear;
  const uint16_t eof = kEof;
  uint16_t hi = eof;
  uint16_t overflow = 1u << width;
  uint16_t last = kDecoderInvalidCode;
  size_t o = 0;
  size_t produced = 0;
  // LZW rarely beats 4:1 on our messages; a guess that avoids most regrowth.
  out->reserve(out->size() + std::min(max_out, in.size() * 4));

  auto flush = [&]() -> bool {
    produced += o;
    if (produced > max_out) return false;
    out->insert(out->end(), output.begin(), output.begin() + o);
    o = 0;
    return true;
  };
  const auto too_big = [] {
    return absl::ResourceExhaustedError(
        "lzw: decompressed data exceeds the limit");
  };

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
      if (last != kDecoderInvalidCode) {
        AddEntry(st, hi, last, static_cast<uint8_t>(code));
      }
    } else if (code == clear) {
      width = 1 + kLitWidth;
      hi = eof;
      overflow = 1u << width;
      last = kDecoderInvalidCode;
      continue;
    } else if (code == eof) {
      if (!flush()) return too_big();
      return absl::OkStatus();
    } else if (code <= hi) {
      uint8_t head = 0;
      o += ExpandCode(st, code, hi, last, output.data() + o, &head);
      SWIM_DCHECK(o <= output.size() && width <= kMaxWidth);
      if (last != kDecoderInvalidCode) AddEntry(st, hi, last, head);
    } else {
      return absl::InvalidArgumentError("lzw: invalid code");
    }
    last = code;
    ++hi;
    if (hi >= overflow) {
      if (width == kMaxWidth) {
        last = kDecoderInvalidCode;
        --hi;
      } else {
        ++width;
        overflow = 1u << width;
      }
    }
    if (o >= kFlushBuffer) {
      if (!flush()) return too_big();
    }
  }
}

}  // namespace swim::wire
