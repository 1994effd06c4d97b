#include "core/wire/msgpack.h"

#include <limits>

#include "core/check.h"

#include "absl/strings/str_cat.h"

namespace swim::wire::msgpack {

namespace {

void PutBE(Bytes* out, uint64_t v, int n) {
  SWIM_DCHECK(n == 1 || n == 2 || n == 4 || n == 8);
  SWIM_DCHECK(out != nullptr);
  for (int i = n - 1; i >= 0; --i)
    out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void ContainerHeader(Bytes* out, uint8_t fix, uint8_t b16, uint8_t b32,
                     uint32_t n) {
  SWIM_DCHECK((fix == 0x80 && b16 == 0xde && b32 == 0xdf) ||
              (fix == 0x90 && b16 == 0xdc && b32 == 0xdd));
  const size_t start = out->size();  // for the postcondition
  if (n < 16) {
    out->push_back(static_cast<uint8_t>(fix | n));
  } else if (n <= 0xffff) {
    out->push_back(b16);
    PutBE(out, n, 2);
  } else {
    out->push_back(b32);
    PutBE(out, n, 4);
  }
  SWIM_DCHECK(out->size() - start == (n < 16 ? 1u : n <= 0xffff ? 3u : 5u));
}

enum class SkipResult { kOk, kNeedMore, kError };

// Skips one value starting at in[*pos]. On kOk, *pos is just past it. A
// value that cannot end within max_size bytes of the buffer start is an
// error; one that ends past in.size() but could fit is kNeedMore.
SkipResult SkipValue(ByteSpan in, size_t* pos, size_t max_size,
                     const char** err) {
  SWIM_DCHECK(pos != nullptr && err != nullptr);
  SWIM_DCHECK(*pos <= in.size());
  ValueSkipper s;
  s.Reset(*pos, max_size);
  switch (s.Feed(in, err)) {
    case ValueSkipper::kDone:
      *pos = s.end();
      SWIM_DCHECK(*pos <= in.size() && *pos <= max_size);
      return SkipResult::kOk;
    case ValueSkipper::kNeedMore:
      return SkipResult::kNeedMore;
    case ValueSkipper::kError:
      break;
  }
  return SkipResult::kError;
}

}  // namespace

// --- Writer -----------------------------------------------------------------

void Writer::MapHeader(uint32_t n) {
  ContainerHeader(out_, 0x80, 0xde, 0xdf, n);
}

void Writer::ArrayHeader(uint32_t n) {
  ContainerHeader(out_, 0x90, 0xdc, 0xdd, n);
}

void Writer::Uint(uint64_t v) {
  const size_t start = out_->size();  // for the postcondition
  if (v <= 0x7f) {
    out_->push_back(static_cast<uint8_t>(v));
  } else if (v <= 0xff) {
    out_->push_back(0xcc);
    out_->push_back(static_cast<uint8_t>(v));
  } else if (v <= 0xffff) {
    out_->push_back(0xcd);
    PutBE(out_, v, 2);
  } else if (v <= 0xffffffffu) {
    out_->push_back(0xce);
    PutBE(out_, v, 4);
  } else {
    out_->push_back(0xcf);
    PutBE(out_, v, 8);
  }
  // Minimal encoding: one byte for a fixint, else a marker and 1-8 bytes.
  SWIM_DCHECK(out_->size() - start == (v <= 0x7f          ? 1u
                                       : v <= 0xff        ? 2u
                                       : v <= 0xffff      ? 3u
                                       : v <= 0xffffffffu ? 5u
                                                          : 9u));
}

void Writer::Int(int64_t v) {
  const size_t start = out_->size();  // for the postcondition
  if (v >= 0) {
    Uint(static_cast<uint64_t>(v));
  } else if (v >= -32) {
    out_->push_back(static_cast<uint8_t>(v));
  } else if (v >= std::numeric_limits<int8_t>::min()) {
    out_->push_back(0xd0);
    out_->push_back(static_cast<uint8_t>(v));
  } else if (v >= std::numeric_limits<int16_t>::min()) {
    out_->push_back(0xd1);
    PutBE(out_, static_cast<uint64_t>(v), 2);
  } else if (v >= std::numeric_limits<int32_t>::min()) {
    out_->push_back(0xd2);
    PutBE(out_, static_cast<uint64_t>(v), 4);
  } else {
    out_->push_back(0xd3);
    PutBE(out_, static_cast<uint64_t>(v), 8);
  }
  SWIM_DCHECK(out_->size() - start >= 1 && out_->size() - start <= 9);
  SWIM_DCHECK(v >= 0 || v < -32 ||
              out_->size() - start == 1);  // negative fixint
}

void Writer::RawHeader(size_t n) {
  SWIM_DCHECK(n <= 0xffffffffu);      // the old spec's longest raw string
  const size_t start = out_->size();  // for the postcondition
  if (n < 32) {
    out_->push_back(static_cast<uint8_t>(0xa0 | n));
  } else if (n <= 0xffff) {
    out_->push_back(0xda);  // old spec: no str8
    PutBE(out_, n, 2);
  } else {
    out_->push_back(0xdb);
    PutBE(out_, n, 4);
  }
  SWIM_DCHECK(out_->size() - start == (n < 32 ? 1u : n <= 0xffff ? 3u : 5u));
}

void Writer::Raw(std::string_view s) {
  RawHeader(s.size());
  // Through uint8_t pointers: a char range into a vector<uint8_t> is copied
  // element by element, not by memmove (3.5 % of a mass join's CPU).
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  out_->insert(out_->end(), p, p + s.size());
}

// --- Reader -----------------------------------------------------------------

absl::Status Reader::status() const {
  SWIM_DCHECK(pos_ <= in_.size());
  if (error_ == nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("msgpack decode error at byte ", pos_, ": ", error_));
}

uint64_t Reader::BigEndian(size_t n) {
  // Callers checked Need(n) first.
  SWIM_DCHECK(n >= 1 && n <= 8);
  SWIM_DCHECK(in_.size() - pos_ >= n);
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v << 8 | in_[pos_ + i];
  pos_ += n;
  return v;
}

bool Reader::RawPayload(size_t n, std::string_view* out) {
  SWIM_DCHECK(out != nullptr && pos_ <= in_.size());
  if (!Need(n)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(in_.data() + pos_), n);
  SWIM_DCHECK(pos_ + n <= in_.size());
  pos_ += n;
  return true;
}

bool Reader::ReadStructHeader(StructHeader* h) {
  SWIM_DCHECK(h != nullptr && pos_ <= in_.size());
  if (!ok() || !Need(1)) return false;
  const uint8_t b = Byte();
  uint64_t n = 0;
  if (b >= 0x80 && b <= 0x8f) {
    h->kind = StructHeader::kMap;
    n = b & 0x0f;
  } else if (b >= 0x90 && b <= 0x9f) {
    h->kind = StructHeader::kArray;
    n = b & 0x0f;
  } else if (b == 0xde || b == 0xdc) {
    if (!Need(2)) return false;
    h->kind = b == 0xde ? StructHeader::kMap : StructHeader::kArray;
    n = BigEndian(2);
  } else if (b == 0xdf || b == 0xdd) {
    if (!Need(4)) return false;
    h->kind = b == 0xdf ? StructHeader::kMap : StructHeader::kArray;
    n = BigEndian(4);
  } else if (b == 0xc0) {
    h->kind = StructHeader::kNil;
    n = 0;
  } else {
    --pos_;
    return Fail("expected a msgpack map or array for a struct");
  }
  // Each entry takes at least one (array) or two (map) bytes: reject
  // impossible counts before anyone loops over them.
  const uint64_t min_bytes = h->kind == StructHeader::kMap ? 2 * n : n;
  if (min_bytes > in_.size() - pos_) return Fail("truncated msgpack container");
  h->count = static_cast<uint32_t>(n);
  SWIM_DCHECK(n <= 0xffffffffu && pos_ <= in_.size());
  return true;
}

bool Reader::ReadKey(std::string_view* key) {
  SWIM_DCHECK(key != nullptr && pos_ <= in_.size());
  if (!ok() || !Need(1)) return false;
  const uint8_t b = Byte();
  size_t n = 0;
  if (b >= 0xa0 && b <= 0xbf) {
    n = b & 0x1f;
  } else if (b == 0xd9 || b == 0xda || b == 0xdb) {
    const size_t w = b == 0xd9 ? 1 : b == 0xda ? 2 : 4;
    if (!Need(w)) return false;
    n = BigEndian(w);
  } else if (b == 0xc0) {
    *key = {};
    return true;
  } else {
    --pos_;
    return Fail("expected a string map key");
  }
  SWIM_DCHECK(n <= 0xffffffffu && ok());
  return RawPayload(n, key);
}

bool Reader::ReadUint(uint64_t max, uint64_t* v) {
  SWIM_DCHECK(v != nullptr && max > 0);
  if (!ok() || !Need(1)) return false;
  const uint8_t b = Byte();
  uint64_t u = 0;
  if (b <= 0x7f) {
    u = b;
  } else if (b >= 0xe0) {
    return Fail("negative value for an unsigned field");
  } else if (b == 0xc0) {
    u = 0;
  } else if (b >= 0xcc && b <= 0xcf) {
    const size_t n = size_t{1} << (b - 0xcc);
    if (!Need(n)) return false;
    u = BigEndian(n);
  } else if (b >= 0xd0 && b <= 0xd3) {
    const size_t n = size_t{1} << (b - 0xd0);
    if (!Need(n)) return false;
    const uint64_t raw = BigEndian(n);
    if ((raw >> (8 * n - 1)) & 1)
      return Fail("negative value for an unsigned field");
    u = raw;
  } else {
    --pos_;
    return Fail("expected an integer");
  }
  if (u > max) return Fail("integer overflows its field");
  SWIM_DCHECK(u <= max && pos_ <= in_.size());
  *v = u;
  return true;
}

bool Reader::ReadInt(int64_t* v) {
  SWIM_DCHECK(v != nullptr && pos_ <= in_.size());
  if (!ok() || !Need(1)) return false;
  const uint8_t b = Byte();
  int64_t i = 0;
  if (b <= 0x7f) {
    i = b;
  } else if (b >= 0xe0) {
    i = static_cast<int8_t>(b);
  } else if (b == 0xc0) {
    i = 0;
  } else if (b >= 0xcc && b <= 0xcf) {
    const size_t n = size_t{1} << (b - 0xcc);
    if (!Need(n)) return false;
    const uint64_t u = BigEndian(n);
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Fail("integer overflows its field");
    }
    i = static_cast<int64_t>(u);
  } else if (b >= 0xd0 && b <= 0xd3) {
    const size_t n = size_t{1} << (b - 0xd0);
    if (!Need(n)) return false;
    const uint64_t raw = BigEndian(n);
    switch (n) {
      case 1:
        i = static_cast<int8_t>(raw);
        break;
      case 2:
        i = static_cast<int16_t>(raw);
        break;
      case 4:
        i = static_cast<int32_t>(raw);
        break;
      default:
        i = static_cast<int64_t>(raw);
        break;
    }
  } else {
    --pos_;
    return Fail("expected an integer");
  }
  *v = i;
  SWIM_DCHECK(pos_ <= in_.size() && ok());
  return true;
}

bool Reader::ReadBool(bool* v) {
  SWIM_DCHECK(v != nullptr && pos_ <= in_.size());
  if (!ok() || !Need(1)) return false;
  const uint8_t b = Byte();
  switch (b) {
    case 0xc2:
    case 0x00:
    case 0xc0:
      *v = false;
      return true;
    case 0xc3:
    case 0x01:
      *v = true;
      return true;
    default:
      --pos_;
      return Fail("expected a bool");
  }
}

bool Reader::ReadString(std::string* v) {
  SWIM_DCHECK(v != nullptr && pos_ <= in_.size());
  if (!ok() || !Need(1)) return false;
  const uint8_t b = in_[pos_];
  if (b == 0xc0) {
    ++pos_;
    v->clear();
    return true;
  }
  if (!(b >= 0xa0 && b <= 0xbf) && b != 0xd9 && b != 0xda && b != 0xdb) {
    return Fail("expected a string");
  }
  std::string_view s;
  if (!ReadKey(&s)) return false;
  v->assign(s.data(), s.size());
  SWIM_DCHECK(v->size() <= in_.size() && pos_ <= in_.size());
  return true;
}

bool Reader::ReadBytes(std::optional<std::string>* v) {
  size_t dropped = 0;
  const bool ok = ReadBytes(v, std::numeric_limits<size_t>::max(), &dropped);
  SWIM_DCHECK(dropped == 0);
  return ok;
}

bool Reader::ReadBytes(std::optional<std::string>* v, size_t max,
                       size_t* dropped) {
  SWIM_DCHECK(v != nullptr && pos_ <= in_.size());
  SWIM_DCHECK(dropped != nullptr);
  *dropped = 0;
  if (!ok() || !Need(1)) return false;
  const uint8_t b = Byte();
  size_t n = 0;
  if (b == 0xc0) {
    v->reset();
    return true;
  }
  if (b >= 0xa0 && b <= 0xbf) {
    n = b & 0x1f;
  } else if (b == 0xd9 || b == 0xc4) {
    if (!Need(1)) return false;
    n = BigEndian(1);
  } else if (b == 0xda || b == 0xc5) {
    if (!Need(2)) return false;
    n = BigEndian(2);
  } else if (b == 0xdb || b == 0xc6) {
    if (!Need(4)) return false;
    n = BigEndian(4);
  } else if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) {
    // []byte from an array of small integers (Go's kSlice).
    --pos_;
    StructHeader h;
    if (!ReadStructHeader(&h)) return false;
    const bool keep = h.count <= max;
    std::string out;
    if (keep) out.reserve(h.count);  // bounded: ReadStructHeader checked it
    for (uint32_t i = 0; i < h.count; ++i) {
      uint64_t e = 0;
      if (!ReadUint(0xff, &e)) return false;
      if (keep) out.push_back(static_cast<char>(e));
    }
    if (!keep) {
      v->reset();
      *dropped = h.count;
      return true;
    }
    *v = std::move(out);
    SWIM_DCHECK((*v)->size() == h.count && pos_ <= in_.size());
    return true;
  } else {
    --pos_;
    return Fail("expected bytes");
  }
  std::string_view s;
  if (!RawPayload(n, &s)) return false;
  if (n > max) {  // checked and passed over, never copied
    v->reset();
    *dropped = n;
    return true;
  }
  v->emplace(s.data(), s.size());
  SWIM_DCHECK((*v)->size() == n && pos_ <= in_.size());
  return true;
}

bool Reader::Skip() {
  if (!ok()) return false;
  const char* err = "truncated msgpack value";
  size_t p = pos_;
  switch (SkipValue(in_, &p, in_.size(), &err)) {
    case SkipResult::kOk:
      pos_ = p;
      SWIM_DCHECK(pos_ <= in_.size());
      return true;
    case SkipResult::kNeedMore:
      return Fail("truncated msgpack value");
    case SkipResult::kError:
      return Fail(err);
  }
  return Fail(err);
}

absl::StatusOr<size_t> ValueSize(ByteSpan prefix, size_t max_size) {
  size_t p = 0;
  const char* err = "";
  switch (SkipValue(prefix, &p, max_size, &err)) {
    case SkipResult::kOk:
      SWIM_DCHECK(p > 0 && p <= prefix.size() && p <= max_size);
      return p;
    case SkipResult::kNeedMore:
      return size_t{0};
    case SkipResult::kError:
      break;
  }
  return absl::InvalidArgumentError(err);
}

// --- ValueSkipper
// -------------------------------------------------------------

namespace {

// What one msgpack type byte announces: a fixed payload, a container with
// a known number of children, or a length of len_bytes bytes to read next.
struct ElementShape {
  uint64_t payload = 0;
  uint64_t children = 0;
  size_t len_bytes = 0;
  bool container = false;
  bool valid = true;
};

ElementShape ClassifyTypeByte(uint8_t b) {
  ElementShape e;
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
    return e;  // single byte
  }
  if (b >= 0x80 && b <= 0x8f) {
    e.container = true;
    e.children = 2 * static_cast<uint64_t>(b & 0x0f);
    return e;
  }
  if (b >= 0x90 && b <= 0x9f) {
    e.container = true;
    e.children = b & 0x0f;
    return e;
  }
  if (b >= 0xa0 && b <= 0xbf) {
    e.payload = b & 0x1f;
    return e;
  }
  switch (b) {
    case 0xcc:
    case 0xd0:
      e.payload = 1;
      break;
    case 0xcd:
    case 0xd1:
      e.payload = 2;
      break;
    case 0xce:
    case 0xd2:
    case 0xca:
      e.payload = 4;
      break;
    case 0xcf:
    case 0xd3:
    case 0xcb:
      e.payload = 8;
      break;
    case 0xd4:
      e.payload = 2;
      break;
    case 0xd5:
      e.payload = 3;
      break;
    case 0xd6:
      e.payload = 5;
      break;
    case 0xd7:
      e.payload = 9;
      break;
    case 0xd8:
      e.payload = 17;
      break;
    case 0xc4:
    case 0xd9:
    case 0xc7:
      e.len_bytes = 1;
      break;
    case 0xc5:
    case 0xda:
    case 0xc8:
    case 0xdc:
    case 0xde:
      e.len_bytes = 2;
      break;
    case 0xc6:
    case 0xdb:
    case 0xc9:
    case 0xdd:
    case 0xdf:
      e.len_bytes = 4;
      break;
    default:
      e.valid = false;
      break;
  }
  return e;
}

}  // namespace

void ValueSkipper::Reset(size_t start, size_t limit) {
  SWIM_DCHECK(start <= limit);
  pos_ = start;
  limit_ = limit;
  depth_ = 0;
  pending_[0] = 1;
  SWIM_DCHECK(depth_ == 0 && pending_[0] == 1);
}

ValueSkipper::Result ValueSkipper::Feed(ByteSpan in, const char** err) {
  SWIM_DCHECK(err != nullptr);
  SWIM_DCHECK(depth_ >= -1 && depth_ <= kMaxNesting);
  size_t p = pos_;
  auto need = [&](size_t n) -> Result {
    if (n > limit_ || p > limit_ - n) {
      *err = "msgpack value larger than the limit";
      return kError;
    }
    if (n > in.size() || p > in.size() - n) return kNeedMore;
    return kDone;
  };
  auto be = [&](size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = v << 8 | in[p + i];
    p += n;
    return v;
  };
  // Each element (header, then its payload) is taken whole or not at all:
  // on kNeedMore the state points at the element's first byte again, so a
  // later call re-reads at most that element's header (<= 9 bytes).
  while (depth_ >= 0) {
    if (pending_[depth_] == 0) {
      --depth_;
      continue;
    }
    const size_t element = p;
    pos_ = element;
    auto more = [&](Result r) {
      p = element;  // not consumed: retried from its first byte
      return r;
    };
    if (Result r = need(1); r != kDone) return more(r);
    const uint8_t b = in[p++];
    ++examined_;
    const ElementShape shape = ClassifyTypeByte(b);
    SWIM_DCHECK(depth_ >= 0 && depth_ <= kMaxNesting && pending_[depth_] > 0);
    if (!shape.valid) {
      *err = "invalid msgpack type byte";
      return kError;
    }
    uint64_t payload = shape.payload;    // raw bytes to skip
    uint64_t children = shape.children;  // nested values to skip
    bool container = shape.container;
    if (shape.len_bytes > 0) {
      if (Result r = need(shape.len_bytes); r != kDone) return more(r);
      examined_ += shape.len_bytes;
      const uint64_t n = be(shape.len_bytes);
      if (b == 0xdc || b == 0xdd) {
        container = true;
        children = n;
      } else if (b == 0xde || b == 0xdf) {
        container = true;
        children = 2 * n;
      } else {
        payload = n + ((b >= 0xc7 && b <= 0xc9) ? 1 : 0);  // ext type byte
      }
    }
    if (container) {
      // Every nested value takes at least one byte.
      if (Result r = need(children); r == kError) return r;
      if (children > 0 && depth_ + 1 > kMaxNesting) {
        *err = "msgpack nesting too deep";
        return kError;
      }
      --pending_[depth_];
      if (children > 0) pending_[++depth_] = children;
      SWIM_DCHECK(depth_ <= kMaxNesting);
      pos_ = p;
      continue;
    }
    if (Result r = need(payload); r != kDone) return more(r);
    p += payload;
    SWIM_DCHECK(p <= in.size() && p <= limit_);
    --pending_[depth_];
    pos_ = p;
  }
  return kDone;
}

}  // namespace swim::wire::msgpack
