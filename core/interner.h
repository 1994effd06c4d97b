// Interner: one shared, reference-counted copy of each distinct byte string.
//
// A simulated world of N nodes holds N member tables of N records each, and
// every record of a given member carries the same name, address and meta.
// Interned, those bytes exist once per process (or per World) and a record
// holds an 8-byte handle instead of a 32-byte std::string plus heap.
//
// A handle (InternedRef) points at an immutable entry; its text stays valid
// and at the same address for as long as some holder keeps a reference. The
// interner never decides anything: it is a lookup structure only, never
// iterated, so it cannot leak hash order into behaviour. Entries also carry
// a small dense id (reused after the entry is freed), so a table can index
// its records by it.
//
// Who provides one: Env::Interners() (sim's World shares one set between all
// its nodes); when the Env has none, each Memberlist owns a private set.
//
// Thread-safety: none. Every user of one interner must run on one thread
// (the World's thread; one loop thread in net/).
#ifndef SWIM_CORE_INTERNER_H_
#define SWIM_CORE_INTERNER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace swim {

class Interner;

// An interned string: a header and its bytes in one allocation.
class InternedString {
 public:
  std::string_view view() const { return {data(), len_}; }
  // Dense id, unique among the interner's live entries (>= 1).
  uint32_t id() const { return id_; }
  uint32_t refs() const { return refs_; }

 private:
  friend class Interner;
  friend class InternedRef;
  InternedString(Interner* owner, uint32_t id, uint32_t len, size_t hash)
      : owner_(owner), hash_(hash), id_(id), len_(len) {}
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  char* data() { return reinterpret_cast<char*>(this + 1); }

  Interner* owner_;
  size_t hash_;
  uint32_t id_;
  uint32_t len_;
  uint32_t refs_ = 0;
};

class Interner {
 public:
  Interner() = default;
  // REQUIRES: every reference released (checked).
  ~Interner();
  Interner(const Interner&) = delete;
  Interner& operator=(const Interner&) = delete;

  // The entry for `s` with one more reference (created if new).
  const InternedString* Acquire(std::string_view s);
  // One more reference to an entry of this interner.
  void AddRef(const InternedString* e);
  // One reference fewer; the entry is freed at zero. Null is ignored.
  void Release(const InternedString* e);
  // The live entry for `s`, or null; takes no reference.
  const InternedString* Find(std::string_view s) const;

  // Live entries, and one past the largest id handed out.
  size_t size() const { return index_.size(); }
  uint32_t id_limit() const { return static_cast<uint32_t>(by_id_.size()); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
    size_t operator()(const InternedString* e) const { return e->hash_; }
  };
  struct Eq {
    using is_transparent = void;
    static std::string_view View(std::string_view s) { return s; }
    static std::string_view View(const InternedString* e) { return e->view(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return View(a) == View(b);
    }
  };

  absl::flat_hash_set<InternedString*, Hash, Eq> index_;
  std::vector<InternedString*> by_id_;  // [id] -> entry, null when free
  std::vector<uint32_t> free_ids_;
};

// An owning handle: one reference to an interned string, released when the
// handle goes (the entry knows its interner). Empty handles view "".
class InternedRef {
 public:
  InternedRef() = default;
  InternedRef(Interner* in, std::string_view s) : e_(in->Acquire(s)) {}
  InternedRef(const InternedRef& o) : e_(o.e_) {
    if (e_ != nullptr) e_->owner_->AddRef(e_);
  }
  InternedRef(InternedRef&& o) noexcept : e_(o.e_) { o.e_ = nullptr; }
  InternedRef& operator=(InternedRef o) noexcept {
    std::swap(e_, o.e_);
    return *this;
  }
  ~InternedRef() {
    if (e_ != nullptr) e_->owner_->Release(e_);
  }
  std::string_view view() const {
    return e_ == nullptr ? std::string_view() : e_->view();
  }
  const InternedString* get() const { return e_; }

 private:
  const InternedString* e_ = nullptr;
};

// The interners a node's core uses: member names, each member's (version
// vector, address, port, meta) packed together, and the alive/suspect/dead
// broadcasts its queue holds (each the node's name with the encoded
// message, packed together; see core/internal/memberlist_broadcast.cc).
struct Interners {
  Interner names;
  Interner attrs;
  Interner messages;
};

}  // namespace swim

#endif  // SWIM_CORE_INTERNER_H_
