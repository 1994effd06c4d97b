#include "core/interner.h"

#include <cstring>
#include <limits>
#include <new>

#include "core/check.h"

#include "absl/hash/hash.h"

namespace swim {

size_t Interner::Hash::operator()(std::string_view s) const {
  return absl::Hash<std::string_view>{}(s);
}

Interner::~Interner() {
  // A leftover reference means a holder outlived its interner.
  SWIM_CHECK(index_.empty());
  SWIM_CHECK(by_id_.size() == free_ids_.size() + (by_id_.empty() ? 0 : 1));
}

const InternedString* Interner::Acquire(std::string_view s) {
  SWIM_CHECK(s.size() <= std::numeric_limits<uint32_t>::max());
  auto it = index_.find(s);
  if (it != index_.end()) {
    ++(*it)->refs_;
    SWIM_DCHECK((*it)->refs_ != 0);  // no wrap
    return *it;
  }
  if (by_id_.empty()) by_id_.push_back(nullptr);  // id 0 is never handed out
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    SWIM_CHECK(by_id_.size() < std::numeric_limits<uint32_t>::max());
    id = static_cast<uint32_t>(by_id_.size());
    by_id_.push_back(nullptr);
  }
  void* mem = ::operator new(sizeof(InternedString) + s.size());
  auto* e = new (mem)
      InternedString(this, id, static_cast<uint32_t>(s.size()), Hash{}(s));
  if (!s.empty()) std::memcpy(e->data(), s.data(), s.size());
  e->refs_ = 1;
  SWIM_DCHECK(by_id_[id] == nullptr);
  by_id_[id] = e;
  index_.insert(e);
  SWIM_DCHECK(index_.size() + free_ids_.size() + 1 == by_id_.size());
  return e;
}

void Interner::AddRef(const InternedString* e) {
  SWIM_DCHECK(e != nullptr && e->id_ < by_id_.size());
  SWIM_DCHECK(by_id_[e->id_] == e && e->refs_ > 0);
  ++by_id_[e->id_]->refs_;
}

void Interner::Release(const InternedString* e) {
  if (e == nullptr) return;
  SWIM_DCHECK(e->id_ < by_id_.size() && by_id_[e->id_] == e);
  SWIM_DCHECK(e->refs_ > 0);
  InternedString* m = by_id_[e->id_];
  if (--m->refs_ > 0) return;
  index_.erase(m);
  by_id_[m->id_] = nullptr;
  free_ids_.push_back(m->id_);
  m->~InternedString();
  ::operator delete(m);
}

const InternedString* Interner::Find(std::string_view s) const {
  SWIM_DCHECK(index_.size() < by_id_.size() || by_id_.empty());
  auto it = index_.find(s);
  SWIM_DCHECK(it == index_.end() || (*it)->refs_ > 0);
  return it == index_.end() ? nullptr : *it;
}

}  // namespace swim
