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
  SWIM_DCHECK(index_.size() <= slab_.size());
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : *it;
}

const NodeRecord* MemberTable::Find(std::string_view name) const {
  SWIM_DCHECK(index_.size() <= slab_.size());
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
    SWIM_DCHECK(rec->node.name.empty());  // freed records hold no name
  } else {
    rec = &slab_.emplace_back();
  }
  rec->node = CompactNode{};
  rec->node.name = name;
  rec->node.state = NodeState::kDead;
  rec->state_change = env_->Now();
  SWIM_DCHECK(rec->node.incarnation == 0 && rec->node.meta().empty());
  // Append, then swap with an existing slot in [0, n), as memberlist does
  // (state.go:1003-1008, randomOffset in util.go:55-60), so a new node
  // does not always wait for the end of the probe round.
  const size_t n = order_.size();
  Rng rng(env_->Random());  // drawn for n == 0 too
  const size_t offset = n == 0 ? 0 : static_cast<size_t>(rng.Uniform(n));
  order_.push_back(rec);
  std::swap(order_[offset], order_[n]);
  SWIM_DCHECK((n == 0 || offset < n) && order_.size() == n + 1);
  index_.insert(rec);
  SWIM_DCHECK(order_.size() == index_.size());
  SWIM_DCHECK(Find(name) == rec);
  SWIM_DCHECK(slab_.size() == order_.size() + free_records_.size());
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
  SWIM_DCHECK(dead_time >= absl::ZeroDuration());
  SWIM_DCHECK(n == index_.size());
  for (size_t i = 0; i + num_dead < n; ++i) {
    const NodeRecord& r = *order_[i];
    if (r.node.state != NodeState::kDead) continue;
    if (r.SinceChange(now) <= dead_time) continue;
    std::swap(order_[i], order_[n - num_dead - 1]);
    ++num_dead;
    --i;  // re-examine the node swapped in (wraps to SIZE_MAX then ++)
  }
  const size_t keep = n - num_dead;
  SWIM_DCHECK(num_dead <= n);
  for (size_t i = keep; i < n; ++i) {
    NodeRecord* rec = order_[i];
    SWIM_DCHECK(rec->node.state == NodeState::kDead);
    SWIM_DCHECK(rec->SinceChange(now) > dead_time);
    SWIM_COVER("reap_dead_member");
    on_reap(*rec);
    index_.erase(rec);
    rec->node = CompactNode{};  // frees the name and meta heap, if any
    free_records_.push_back(rec);
  }
  order_.resize(keep);
  Rng rng(env_->Random());
  rng.Shuffle(absl::MakeSpan(order_));
  SWIM_DCHECK(order_.size() == keep);
  SWIM_DCHECK(slab_.size() == order_.size() + free_records_.size());
  SWIM_DCHECK(order_.size() == index_.size());
  return num_dead;
}

std::vector<NodeRecord*> MemberTable::KRandom(
    int k, const std::function<bool(const NodeRecord&)>& exclude) {
  std::vector<NodeRecord*> out;
  const size_t n = order_.size();
  if (k <= 0 || n == 0) return out;
  SWIM_DCHECK(exclude != nullptr);
  out.reserve(static_cast<size_t>(k));
  Rng rng(env_->Random());
  for (size_t i = 0; i < 3 * n && out.size() < static_cast<size_t>(k); ++i) {
    NodeRecord* cand = order_[static_cast<size_t>(rng.Uniform(n))];
    SWIM_DCHECK(cand != nullptr && !cand->node.name.empty());
    if (exclude(*cand)) continue;
    if (std::find(out.begin(), out.end(), cand) != out.end()) continue;
    out.push_back(cand);
  }
  SWIM_DCHECK(out.size() <= static_cast<size_t>(k));
  SWIM_DCHECK(out.size() <= n);
  return out;
}

bool MemberTable::AnyAliveExcept(std::string_view self) const {
  SWIM_DCHECK(!self.empty());
  SWIM_DCHECK(order_.size() == index_.size());
  for (const NodeRecord* r : order_) {
    if (!DeadOrLeft(r->node.state) && r->node.name != self) return true;
  }
  return false;
}

int MemberTable::NumLive() const {
  SWIM_DCHECK(order_.size() == index_.size());
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
  SWIM_DCHECK(env_ != nullptr);
#if SWIM_SIM_ASSERTS_ENABLED
  for (const NodeRecord* r : order_) {
    auto it = index_.find(std::string_view(r->node.name));
    SWIM_SIM_ASSERT(it != index_.end() && *it == r);
    SWIM_SIM_ASSERT(!r->node.name.empty());
    SWIM_SIM_ASSERT(r->node.meta().size() <= limits::kMetaMaxSize);
    SWIM_SIM_ASSERT(r->node.state <= NodeState::kLeft);
    SWIM_SIM_ASSERT(r->node.name.size() <= limits::kMaxNodeNameLength);
    SWIM_SIM_ASSERT(r->node.meta_ptr == nullptr || !r->node.meta_ptr->empty());
    SWIM_SIM_ASSERT(r->state_change <= env_->Now());
  }
  for (const NodeRecord* r : free_records_) {
    SWIM_SIM_ASSERT(r->node.name.empty());
    SWIM_SIM_ASSERT(r->node.meta_ptr == nullptr);
    SWIM_SIM_ASSERT(!index_.contains(r));
  }
#endif
}

}  // namespace swim::internal
