// A small msgpack writer and reader for memberlist's dialect.
//
// go-msgpack 0.5.x with a zero-valued MsgpackHandle (protocol.md §3.1):
// maps with keys in the order the caller writes them (memberlist: sorted),
// minimal unsigned integers, non-negative signed integers written as
// unsigned, old-spec raw strings (fixstr / da u16 / db u32, never d9, never
// bin) for both strings and byte slices, nil c0, bools c2/c3.
//
// The reader accepts what Go 0.2.2's decoder accepts (§3.2): any integer
// marker (signed or unsigned) with overflow and sign checks, nil for any
// field, str8/16/32/fixstr and bin8/16/32 for byte fields (bin is an error
// for string fields), bool as c2/c3 or fixint 0/1, an array of small ints
// for a byte field, and a positional array in place of a struct map. It is
// bounded: every length is checked against the input before anything is
// copied, and skipping an unknown value is iterative with a nesting limit.
//
// Written by hand because core/ builds with -fno-exceptions and
// msgpack-c++ throws.
#ifndef SWIM_CORE_WIRE_MSGPACK_H_
#define SWIM_CORE_WIRE_MSGPACK_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace swim::wire::msgpack {

// Deepest nesting of maps/arrays accepted inside a skipped value.
inline constexpr int kMaxNesting = 32;

// Appends go-msgpack 0.5.x encodings to a byte vector.
class Writer {
 public:
  // `out` must outlive the writer; bytes are appended.
  explicit Writer(Bytes* out) : out_(out) {}

  void MapHeader(uint32_t n);
  void ArrayHeader(uint32_t n);
  void Uint(uint64_t v);
  // Non-negative values as Uint; negative as fixint e0-ff or d0-d3.
  void Int(int64_t v);
  // Raw string: fixstr, da u16 or db u32. Used for strings and []byte.
  void Raw(std::string_view s);
  void Raw(ByteSpan b) {
    Raw(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  void Nil() { out_->push_back(0xc0); }
  void Bool(bool b) { out_->push_back(b ? 0xc3 : 0xc2); }
  // A nil slice (nullopt) or a raw string.
  void OptionalRaw(const std::optional<std::string>& s) {
    if (s) {
      Raw(*s);
    } else {
      Nil();
    }
  }

 private:
  void RawHeader(size_t n);
  Bytes* out_;
};

// How a struct arrived: as a map (count = key/value pairs) or as a
// positional array (count = elements, declaration order), or nil.
struct StructHeader {
  enum Kind : uint8_t { kMap, kArray, kNil } kind = kMap;
  uint32_t count = 0;
};

// Reads values from a bounded buffer. Every Read* returns false on a
// malformed or truncated value and records the first error; once an error
// is recorded every later call fails too. Nothing is read past the end.
class Reader {
 public:
  explicit Reader(ByteSpan in) : in_(in) {}

  bool ok() const { return error_ == nullptr; }
  // InvalidArgument naming the first error, or OK.
  absl::Status status() const;
  size_t pos() const { return pos_; }
  ByteSpan rest() const { return in_.subspan(pos_); }

  // A struct: map, positional array, or nil (Go: zero value).
  bool ReadStructHeader(StructHeader* h);
  // A map key (str family or nil, as Go's decodeString).
  bool ReadKey(std::string_view* key);

  // Integers into fields of Go type uintN (max = 2^N - 1): any integer
  // marker; negative values and overflow are errors; nil reads as 0.
  bool ReadUint(uint64_t max, uint64_t* v);
  // Integers into fields of Go type int/int64: any integer marker; a uint64
  // above INT64_MAX is an error; nil reads as 0.
  bool ReadInt(int64_t* v);
  // c2/c3, fixint 0/1, nil (false).
  bool ReadBool(bool* v);
  // Go string field: str family (fixstr, d9, da, db); nil reads as "".
  // bin is an error.
  bool ReadString(std::string* v);
  // Go []byte field: nil -> nullopt; str or bin family -> bytes (empty
  // included); an array of integers 0..255 -> those bytes.
  bool ReadBytes(std::optional<std::string>* v);
  // The same, but a value longer than `max` bytes is checked and passed over
  // without being copied: *v is nullopt and *dropped its length (else 0).
  // Decoders use it for fields with a size limit (Meta, issue 14 item 6),
  // so a 10 KiB meta in a push/pull is never allocated.
  bool ReadBytes(std::optional<std::string>* v, size_t max, size_t* dropped);

  // Skips one value of any type (nested maps/arrays up to kMaxNesting).
  bool Skip();

  // Records an error (for semantic checks by callers); keeps the first.
  bool Fail(const char* what) {
    if (error_ == nullptr) error_ = what;
    return false;
  }

 private:
  bool Need(size_t n) {
    if (in_.size() - pos_ < n) return Fail("truncated msgpack value");
    return true;
  }
  uint8_t Byte() { return in_[pos_++]; }
  uint64_t BigEndian(size_t n);
  // Reads a raw payload of length n as a view into the input.
  bool RawPayload(size_t n, std::string_view* out);

  ByteSpan in_;
  size_t pos_ = 0;
  const char* error_ = nullptr;
};

// Decodes one Go struct: a map (any key order, unknown keys skipped, keys
// case-sensitive), a positional array in declaration order (extra elements
// skipped), or nil (every field stays zero). `decl` lists the Go field names
// in declaration order; `field(i)` reads the value of field i and returns
// false on error. Returns false on error (see r.status()).
template <size_t N, typename F>
bool DecodeStruct(Reader& r, const std::array<std::string_view, N>& decl,
                  F&& field) {
  StructHeader h;
  if (!r.ReadStructHeader(&h)) return false;
  for (uint32_t i = 0; i < h.count; ++i) {
    size_t idx = N;
    if (h.kind == StructHeader::kMap) {
      std::string_view key;
      if (!r.ReadKey(&key)) return false;
      for (size_t k = 0; k < N; ++k) {
        if (decl[k] == key) {
          idx = k;
          break;
        }
      }
    } else {
      idx = i;
    }
    if (idx >= N) {
      if (!r.Skip()) return false;
      continue;
    }
    if (!field(idx)) return false;
  }
  return true;
}

// Finds the end of one msgpack value that arrives in pieces (a TCP stream):
// Feed() it the growing buffer, each call's bytes extending the previous
// call's. Every element header is read once when it is complete, so a value
// dribbled one byte at a time costs linear work, not quadratic. Offsets are
// absolute positions in the fed buffer.
class ValueSkipper {
 public:
  enum Result { kDone, kNeedMore, kError };
  // Starts a value at `start` that must end at or before `limit`.
  void Reset(size_t start, size_t limit);
  // kDone: the value ends at end(). kNeedMore: feed a longer buffer.
  // kError: *err says why the bytes can never form a valid value (same
  // rules as ValueSize).
  Result Feed(ByteSpan in, const char** err);
  size_t end() const { return pos_; }
  // Header bytes read over every call (for tests of the linear bound).
  uint64_t examined() const { return examined_; }

 private:
  // pending_[d]: values still to skip at nesting depth d.
  uint64_t pending_[kMaxNesting + 1] = {1};
  int depth_ = 0;
  size_t pos_ = 0;  // the next element's first byte
  size_t limit_ = 0;
  uint64_t examined_ = 0;
};

// The size of the first complete msgpack value in `prefix`: n > 0 when
// prefix[0..n) holds one whole value, 0 when more bytes are needed, an
// error when the bytes can never form a valid value (reserved byte c1,
// nesting deeper than kMaxNesting, or a value that cannot fit in
// `max_size` bytes).
absl::StatusOr<size_t> ValueSize(ByteSpan prefix, size_t max_size);

}  // namespace swim::wire::msgpack

#endif  // SWIM_CORE_WIRE_MSGPACK_H_
