#include "core/internal/member_table.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <tuple>
#include <utility>

#include "core/check.h"
#include "core/cover.h"
#include "core/limits.h"
#include "core/rng.h"

#include "absl/hash/hash.h"

namespace swim::internal {

namespace {

// CompactNode's packed attributes (see member_table.h).
constexpr size_t kVsnBytes = std::tuple_size_v<VersionVector>;

}  // namespace

std::string_view CompactNode::attrs() const {
  SWIM_DCHECK(attrs_ != nullptr && attrs_->view().size() >= kVsnBytes + 3);
  return attrs_->view().substr(kVsnBytes);
}

VersionVector CompactNode::vsn() const {
  VersionVector v{};
  if (attrs_ == nullptr) return v;  // a freed record
  const std::string_view a = attrs_->view();
  SWIM_DCHECK(a.size() >= kVsnBytes + 3);
  for (size_t i = 0; i < kVsnBytes; ++i) v[i] = static_cast<uint8_t>(a[i]);
  return v;
}

IpAddress CompactNode::addr() const {
  const std::string_view a = attrs();
  const size_t len = static_cast<uint8_t>(a[0]);
  SWIM_DCHECK(a.size() >= 1 + len + 2);
  if (len == 0) return IpAddress();
  std::optional<IpAddress> ip = IpAddress::FromBytes(
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(a.data()) + 1, len));
  SWIM_DCHECK(ip.has_value());
  return *ip;
}

uint16_t CompactNode::port() const {
  const std::string_view a = attrs();
  const size_t at = 1 + static_cast<uint8_t>(a[0]);
  SWIM_DCHECK(a.size() >= at + 2);
  return static_cast<uint16_t>(static_cast<uint8_t>(a[at]) << 8 |
                               static_cast<uint8_t>(a[at + 1]));
}

std::string_view CompactNode::meta() const {
  const std::string_view a = attrs();
  const size_t at = 1 + static_cast<uint8_t>(a[0]) + 2;
  SWIM_DCHECK(a.size() >= at);
  return a.substr(at);
}

namespace {

// The packed form, built on the stack: a record's attributes are set on
// every accepted alive, and most of the time they are already interned.
class PackedAttrs {
 public:
  PackedAttrs(const VersionVector& vsn, const IpAddress& addr, uint16_t port,
              std::string_view meta) {
    SWIM_CHECK(meta.size() <= limits::kMetaMaxSize);  // fits buf_
    SWIM_DCHECK(addr.size() <= 16);
    for (uint8_t b : vsn) Put(static_cast<char>(b));
    Put(static_cast<char>(addr.size()));
    for (uint8_t b : addr.bytes()) Put(static_cast<char>(b));
    Put(static_cast<char>(port >> 8));
    Put(static_cast<char>(port & 0xff));
    if (!meta.empty()) std::memcpy(buf_ + len_, meta.data(), meta.size());
    len_ += meta.size();
    SWIM_DCHECK(len_ == kVsnBytes + 1 + addr.size() + 2 + meta.size());
  }
  std::string_view view() const { return {buf_, len_}; }

 private:
  void Put(char c) { buf_[len_++] = c; }

  char buf_[kVsnBytes + 1 + 16 + 2 + limits::kMetaMaxSize];
  size_t len_ = 0;
};

}  // namespace

MemberTable::MemberTable(Env* env)
    : env_(env), interners_(env->SharedInterners()) {
  SWIM_CHECK(env_ != nullptr);
  if (interners_ == nullptr) interners_ = std::make_shared<Interners>();
  SWIM_DCHECK(interners_ != nullptr);
}

MemberTable::~MemberTable() {
  SWIM_DCHECK(order_.size() == num_indexed_);
  for (NodeRecord* r : order_) Free(r);
  SWIM_DCHECK(num_indexed_ == 0);
}

NodeRecord* MemberTable::Find(std::string_view name) {
  return const_cast<NodeRecord*>(std::as_const(*this).Find(name));
}

const NodeRecord* MemberTable::Find(std::string_view name) const {
  SWIM_DCHECK(num_indexed_ <= slab_.size());
  const InternedString* e = interners_->names.Find(name);
  if (e == nullptr || e->id() >= by_name_id_.size()) return nullptr;
  const uint32_t slot = by_name_id_[e->id()];
  SWIM_DCHECK(slot == 0 || slab_[slot - 1].node.name_ == e);
  return slot == 0 ? nullptr : &slab_[slot - 1];
}

void MemberTable::SetAttrs(NodeRecord* rec, const IpAddress& addr,
                           uint16_t port, std::string_view meta,
                           const std::optional<VersionVector>& vsn) {
  SWIM_DCHECK(rec != nullptr && rec->node.name_ != nullptr);
  SWIM_DCHECK(meta.size() <= limits::kMetaMaxSize);
  const InternedString* old = rec->node.attrs_;
  const VersionVector old_vsn = rec->node.vsn();
  const PackedAttrs packed(vsn.value_or(old_vsn), addr, port, meta);
  // An accepted alive usually repeats what the record holds: no interner
  // round trip.
  if (old != nullptr && old->view() == packed.view()) return;
  if (vsn.has_value() && *vsn != old_vsn) {
    const bool alive = rec->node.state == NodeState::kAlive;
    CountVersion(old_vsn, -1, alive);
    CountVersion(*vsn, 1, alive);
  }
  rec->node.attrs_ = interners_->attrs.Acquire(packed.view());
  interners_->attrs.Release(old);
}

void MemberTable::Free(NodeRecord* rec) {
  SWIM_DCHECK(rec != nullptr && rec->node.name_ != nullptr);
  // Only the dead are reaped; the destructor frees whatever is left.
  if (!DeadOrLeft(rec->node.state)) --num_live_;
  CountVersion(rec->node.vsn(), -1, rec->node.state == NodeState::kAlive);
  const uint32_t id = rec->node.name_->id();
  SWIM_DCHECK(id < by_name_id_.size() && by_name_id_[id] != 0);
  free_slots_.push_back(by_name_id_[id] - 1);
  by_name_id_[id] = 0;
  --num_indexed_;
  interners_->names.Release(rec->node.name_);
  interners_->attrs.Release(rec->node.attrs_);
  rec->node.name_ = nullptr;
  rec->node.attrs_ = nullptr;
  rec->node.incarnation = 0;
  rec->node.state = NodeState::kAlive;
  rec->state_change = Instant();
}

NodeRecord* MemberTable::Insert(std::string_view name, const IpAddress& addr,
                                uint16_t port, std::string_view meta,
                                const std::optional<VersionVector>& vsn) {
  SWIM_DCHECK(!name.empty());
  SWIM_DCHECK(Find(name) == nullptr);
  NodeRecord* rec;
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    rec = &slab_[slot];
    SWIM_DCHECK(rec->node.name_ == nullptr);  // freed records hold no name
  } else {
    SWIM_CHECK(slab_.size() < std::numeric_limits<uint32_t>::max());
    slot = static_cast<uint32_t>(slab_.size());
    rec = &slab_.emplace_back();
  }
  const VersionVector v = vsn.value_or(VersionVector{});
  rec->node.name_ = interners_->names.Acquire(name);
  rec->node.attrs_ =
      interners_->attrs.Acquire(PackedAttrs(v, addr, port, meta).view());
  rec->node.state = NodeState::kDead;
  rec->state_change = env_->Now();
  ++inserts_;
  CountVersion(v, 1, /*alive=*/false);
  SWIM_DCHECK(rec->node.vsn() == v);
  const uint32_t id = rec->node.name_->id();
  if (id >= by_name_id_.size()) by_name_id_.resize(id + 1, 0);
  by_name_id_[id] = slot + 1;
  ++num_indexed_;
  SWIM_DCHECK(rec->node.incarnation == 0 && rec->node.meta() == meta);
  // Append, then swap with an existing slot in [0, n), as memberlist does
  // (state.go:1003-1008, randomOffset in util.go:55-60), so a new node
  // does not always wait for the end of the probe round.
  const size_t n = order_.size();
  Rng rng(env_->Random());  // drawn for n == 0 too
  const size_t offset = n == 0 ? 0 : static_cast<size_t>(rng.Uniform(n));
  order_.push_back(rec);
  std::swap(order_[offset], order_[n]);
  SWIM_DCHECK((n == 0 || offset < n) && order_.size() == n + 1);
  SWIM_DCHECK(order_.size() == num_indexed_);
  SWIM_DCHECK(Find(name) == rec);
  SWIM_DCHECK(slab_.size() == order_.size() + free_slots_.size());
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
  SWIM_DCHECK(n == num_indexed_);
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
    Free(rec);  // releases the name and attributes
  }
  order_.resize(keep);
  Rng rng(env_->Random());
  rng.Shuffle(absl::MakeSpan(order_));
  SWIM_DCHECK(order_.size() == keep);
  SWIM_DCHECK(slab_.size() == order_.size() + free_slots_.size());
  SWIM_DCHECK(order_.size() == num_indexed_);
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
    SWIM_DCHECK(cand != nullptr && !cand->node.name().empty());
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
  SWIM_DCHECK(order_.size() == num_indexed_);
  for (const NodeRecord* r : order_) {
    if (!DeadOrLeft(r->node.state) && r->node.name() != self) return true;
  }
  return false;
}

void MemberTable::SetState(NodeRecord* rec, NodeState s) {
  SWIM_DCHECK(rec != nullptr && rec->node.name_ != nullptr);
  SWIM_DCHECK(s <= NodeState::kLeft);
  const bool was_live = !DeadOrLeft(rec->node.state);
  const bool was_alive = rec->node.state == NodeState::kAlive;
  if (was_alive != (s == NodeState::kAlive)) {
    const VersionVector v = rec->node.vsn();
    CountVersion(v, -1, was_alive);
    CountVersion(v, 1, !was_alive);
  }
  rec->node.state = s;
  const bool live = !DeadOrLeft(s);
  if (was_live == live) return;
  num_live_ += live ? 1 : -1;
  SWIM_DCHECK(num_live_ >= 0 && static_cast<size_t>(num_live_) <= num_indexed_);
  if (live_observer_) live_observer_(num_live_);
}

void MemberTable::CountVersion(const VersionVector& v, int delta, bool alive) {
  SWIM_DCHECK(delta == 1 || delta == -1);
  VersionCount& c = versions_[v];
  c.records += delta;
  if (alive) c.alive += delta;
  SWIM_CHECK(c.records >= 0 && c.alive >= 0 && c.alive <= c.records);
  if (c.records == 0) versions_.erase(v);
}

void MemberTable::CheckInvariants() const {
  SWIM_DCHECK(order_.size() == num_indexed_);
  SWIM_DCHECK(slab_.size() == order_.size() + free_slots_.size());
  SWIM_DCHECK(env_ != nullptr);
#if SWIM_SIM_ASSERTS_ENABLED
  int live = 0;
  for (const NodeRecord* r : order_) {
    if (!DeadOrLeft(r->node.state)) ++live;
    SWIM_SIM_ASSERT(Find(r->node.name()) == r);
    SWIM_SIM_ASSERT(!r->node.name().empty());
    SWIM_SIM_ASSERT(r->node.meta().size() <= limits::kMetaMaxSize);
    SWIM_SIM_ASSERT(r->node.state <= NodeState::kLeft);
    SWIM_SIM_ASSERT(r->node.name().size() <= limits::kMaxNodeNameLength);
    SWIM_SIM_ASSERT(r->node.attrs_ != nullptr);
    SWIM_SIM_ASSERT(r->state_change <= env_->Now());
  }
  SWIM_SIM_ASSERT(live == num_live_);  // every state change was counted
  absl::btree_map<VersionVector, VersionCount> versions;
  for (const NodeRecord* r : order_) {
    VersionCount& c = versions[r->node.vsn()];
    ++c.records;
    if (r->node.state == NodeState::kAlive) ++c.alive;
  }
  SWIM_SIM_ASSERT(versions.size() == versions_.size());
  for (const auto& [v, c] : versions) {
    auto it = versions_.find(v);
    SWIM_SIM_ASSERT(it != versions_.end() && it->second.records == c.records &&
                    it->second.alive == c.alive);
  }
  for (uint32_t slot : free_slots_) {
    SWIM_SIM_ASSERT(slot < slab_.size());
    SWIM_SIM_ASSERT(slab_[slot].node.name_ == nullptr);
    SWIM_SIM_ASSERT(slab_[slot].node.attrs_ == nullptr);
  }
#endif
}

}  // namespace swim::internal
