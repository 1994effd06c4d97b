#include "core/internal/member_table.h"

#include <algorithm>
#include <utility>

#include "core/check.h"
#include "core/cover.h"
#include "core/limits.h"
#include "core/rng.h"

#include "absl/hash/hash.h"

namespace swim::internal {

const std::string& CompactNode::meta() const {
  static const std::string* const kEmpty = new std::string();
  return meta_ptr ? *meta_ptr : *kEmpty;
}

size_t MemberTable::NameHash::operator()(std::string_view s) const {
  return absl::Hash<std::string_view>{}(s);
}
size_t MemberTable::NameHash::operator()(const NodeRecord* r) const {
  return (*this)(std::string_view(r->node.name));
}

NodeRecord* MemberTable::Find(std::string_view name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : *it;
}

const NodeRecord* MemberTable::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : *it;
}

NodeRecord* MemberTable::Insert(const std::string& name) {
  SWIM_DCHECK(!name.empty());
  SWIM_DCHECK(Find(name) == nullptr);
  NodeRecord* rec;
  if (!free_records_.empty()) {
    rec = free_records_.back();
    free_records_.pop_back();
  } else {
    rec = &slab_.emplace_back();
  }
  rec->node = CompactNode{};
  rec->node.name = name;
  rec->node.state = NodeState::kDead;
  rec->state_change = env_->Now();
  // Append, then swap with a random position (memberlist does the same), so
  // a new node does not always wait for the end of the probe round.
  const size_t n = order_.size();
  const size_t offset = static_cast<size_t>(Rng(env_->Random()).Uniform(n + 1));
  order_.push_back(rec);
  if (offset < n) std::swap(order_[offset], order_[n]);
  index_.insert(rec);
  SWIM_DCHECK(order_.size() == index_.size());
  return rec;
}

size_t MemberTable::ReapAndShuffle(
    absl::Duration dead_time,
    const std::function<void(const NodeRecord&)>& on_reap) {
  // Move dead nodes past `dead_time` to the end and drop them (Go's
  // moveDeadNodes: swap-with-last, so the order of the rest is disturbed
  // exactly as Go disturbs it; the shuffle below hides it anyway).
  const Instant now = env_->Now();
  const size_t n = order_.size();
  size_t num_dead = 0;
  for (size_t i = 0; i + num_dead < n; ++i) {
    const NodeRecord& r = *order_[i];
    if (r.node.state != NodeState::kDead) continue;
    if (now - r.state_change <= dead_time) continue;
    std::swap(order_[i], order_[n - num_dead - 1]);
    ++num_dead;
    --i;  // re-examine the node swapped in (wraps to SIZE_MAX then ++)
  }
  const size_t keep = n - num_dead;
  for (size_t i = keep; i < n; ++i) {
    NodeRecord* rec = order_[i];
    SWIM_DCHECK(rec->node.state == NodeState::kDead);
    SWIM_COVER("reap_dead_member");
    on_reap(*rec);
    index_.erase(rec);
    rec->node = CompactNode{};  // frees the name and meta heap, if any
    free_records_.push_back(rec);
  }
  order_.resize(keep);
  Rng rng(env_->Random());
  rng.Shuffle(absl::MakeSpan(order_));
  SWIM_DCHECK(order_.size() == index_.size());
  return num_dead;
}

std::vector<NodeRecord*> MemberTable::KRandom(
    int k, const std::function<bool(const NodeRecord&)>& exclude) {
  std::vector<NodeRecord*> out;
  const size_t n = order_.size();
  if (k <= 0 || n == 0) return out;
  out.reserve(static_cast<size_t>(k));
  Rng rng(env_->Random());
  for (size_t i = 0; i < 3 * n && out.size() < static_cast<size_t>(k); ++i) {
    NodeRecord* cand = order_[static_cast<size_t>(rng.Uniform(n))];
    if (exclude(*cand)) continue;
    if (std::find(out.begin(), out.end(), cand) != out.end()) continue;
    out.push_back(cand);
  }
  SWIM_DCHECK(out.size() <= static_cast<size_t>(k));
  return out;
}

bool MemberTable::AnyAliveExcept(std::string_view self) const {
  for (const NodeRecord* r : order_) {
    if (!DeadOrLeft(r->node.state) && r->node.name != self) return true;
  }
  return false;
}

int MemberTable::NumLive() const {
  int n = 0;
  for (const NodeRecord* r : order_) {
    if (!DeadOrLeft(r->node.state)) ++n;
  }
  SWIM_DCHECK(n >= 0 && static_cast<size_t>(n) <= order_.size());
  return n;
}

void MemberTable::CheckInvariants() const {
  SWIM_DCHECK(order_.size() == index_.size());
  SWIM_DCHECK(slab_.size() == order_.size() + free_records_.size());
#if SWIM_SIM_ASSERTS_ENABLED
  for (const NodeRecord* r : order_) {
    auto it = index_.find(std::string_view(r->node.name));
    SWIM_SIM_ASSERT(it != index_.end() && *it == r);
    SWIM_SIM_ASSERT(!r->node.name.empty());
    SWIM_SIM_ASSERT(r->node.meta().size() <= limits::kMetaMaxSize);
  }
  for (const NodeRecord* r : free_records_) {
    SWIM_SIM_ASSERT(r->node.name.empty());
  }
#endif
}

}  // namespace swim::internal
