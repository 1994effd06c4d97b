#include "core/broadcast_queue.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/check.h"
#include "core/util.h"

namespace swim {

bool TransmitLimitedQueue::KeyLess(int transmits, int64_t msg_len, int64_t id,
                                   int o_transmits, int64_t o_msg_len,
                                   int64_t o_id) {
  if (transmits != o_transmits) return transmits < o_transmits;
  if (msg_len != o_msg_len) return msg_len > o_msg_len;
  return id > o_id;
}

bool TransmitLimitedQueue::Less::operator()(const Entry* a,
                                            const Entry* b) const {
  SWIM_DCHECK(a == b || a->seq != b->seq);  // seq is unique: a total order
  if (a->transmits != b->transmits) return a->transmits < b->transmits;
  if (a->msg_len != b->msg_len) return a->msg_len > b->msg_len;
  if (a->id != b->id) return a->id > b->id;
  return a->seq > b->seq;
}

TransmitLimitedQueue::TransmitLimitedQueue(std::function<int()> num_nodes,
                                           int retransmit_mult)
    : num_nodes_(std::move(num_nodes)), retransmit_mult_(retransmit_mult) {}

TransmitLimitedQueue::~TransmitLimitedQueue() { Reset(); }

size_t TransmitLimitedQueue::NameHash::operator()(std::string_view s) const {
  return absl::Hash<std::string_view>{}(s);
}

void TransmitLimitedQueue::EraseFromSet(Entry* e) {
  SWIM_DCHECK(e != nullptr && e->b != nullptr);
  set_.erase(e);
  // At idle there is no reason to let the id generator keep going (Go
  // resets it whenever the tree empties, even in the middle of a
  // GetBroadcasts walk).
  if (set_.empty()) id_gen_ = 0;
}

std::unique_ptr<TransmitLimitedQueue::Entry> TransmitLimitedQueue::Remove(
    Entry* e) {
  EraseFromSet(e);
  if (e->named) by_name_.erase(e);
  return std::unique_ptr<Entry>(e);
}

void TransmitLimitedQueue::Insert(std::unique_ptr<Entry> e) {
  Entry* raw = e.release();
  SWIM_DCHECK(raw != nullptr && raw->b != nullptr);
  set_.insert(raw);
  if (raw->named) by_name_.insert(raw);
  SWIM_DCHECK(by_name_.size() <= set_.size());
}

void TransmitLimitedQueue::QueueBroadcastAt(std::unique_ptr<Broadcast> b,
                                            int initial_transmits) {
  SWIM_CHECK(b != nullptr);
  id_gen_ = id_gen_ == std::numeric_limits<int64_t>::max() ? 1 : id_gen_ + 1;

  auto e = std::make_unique<Entry>();
  e->transmits = initial_transmits;
  SWIM_CHECK(b->Message().size() <= std::numeric_limits<uint32_t>::max());
  e->msg_len = static_cast<uint32_t>(b->Message().size());
  e->id = id_gen_;
  e->seq = ++seq_;
  e->named = !b->Name().empty();
  // Go: a named broadcast is never treated as unique.
  e->unique = !e->named && b->IsUnique();
  e->b = std::move(b);

  if (e->named) {
    auto it = by_name_.find(e->name());
    if (it != by_name_.end()) {
      // Go calls Finished() first, then deletes; Finished() may re-enter
      // the queue here (a user callback), so the queue is made whole
      // first and Finished() runs last.
      std::unique_ptr<Entry> old = Remove(*it);
      Insert(std::move(e));
      old->b->Finished();
      return;
    }
  } else if (!e->unique) {
    // Slow path: ask the new broadcast about every unnamed, non-unique
    // entry, in queue order; remove them, then Finished in that order.
    std::vector<Entry*> invalidated;
    for (Entry* cur : set_) {
      if (cur->named || cur->unique) continue;
      if (e->b->Invalidates(*cur->b)) invalidated.push_back(cur);
    }
    std::vector<std::unique_ptr<Entry>> retired;
    retired.reserve(invalidated.size());
    for (Entry* cur : invalidated) retired.push_back(Remove(cur));
    Insert(std::move(e));
    for (auto& r : retired) r->b->Finished();
    return;
  }
  // What it replaces is gone: the name is free.
  SWIM_DCHECK(!e->named || by_name_.find(e->name()) == by_name_.end());
  SWIM_DCHECK(e->id >= 1 && e->seq == seq_);
  Insert(std::move(e));
}

std::vector<Bytes> TransmitLimitedQueue::GetBroadcasts(size_t overhead,
                                                       size_t limit) {
  std::vector<Bytes> to_send;
  if (set_.empty()) return to_send;

  const int transmit_limit = RetransmitLimit(retransmit_mult_, num_nodes_());
  const int64_t overhead64 = static_cast<int64_t>(
      std::min<size_t>(overhead, std::numeric_limits<int64_t>::max() / 4));
  const int64_t limit64 = static_cast<int64_t>(
      std::min<size_t>(limit, std::numeric_limits<int64_t>::max() / 4));
  int64_t bytes_used = 0;
  std::vector<Entry*> reinsert;  // out of the set, still in the name index
  std::vector<std::unique_ptr<Entry>> retired;

  const int min_tr = (*set_.begin())->transmits;
  const int max_tr = (*set_.rbegin())->transmits;
  SWIM_DCHECK(min_tr <= max_tr);
  Entry probe;
  probe.id = std::numeric_limits<int64_t>::max();
  probe.seq = std::numeric_limits<uint64_t>::max();
  for (int transmits = min_tr; transmits <= max_tr;) {
    const int64_t free = limit64 - bytes_used - overhead64;
    if (free <= 0) break;

    // The first entry of this tier whose length is <= free: with the
    // longest-first order that is the lower bound of (tier, free, +inf id).
    probe.transmits = transmits;
    // Every length fits 32 bits, so a larger budget admits them all.
    probe.msg_len = static_cast<uint32_t>(
        std::min<int64_t>(free, std::numeric_limits<uint32_t>::max()));
    Entry* keep = nullptr;
    for (auto it = set_.lower_bound(&probe);
         it != set_.end() && (*it)->transmits == transmits; ++it) {
      // A message whose length changed while queued would break the order;
      // skip it like Go does rather than overrun the budget.
      if (static_cast<int64_t>((*it)->b->Message().size()) > free) continue;
      keep = *it;
      break;
    }
    if (keep == nullptr) {
      ++transmits;  // nothing more of a fitting size in this tier
      continue;
    }

    const ByteSpan msg = keep->b->Message();
    bytes_used += overhead64 + static_cast<int64_t>(msg.size());
    to_send.emplace_back(msg.begin(), msg.end());
    SWIM_DCHECK(bytes_used <= limit64);

    if (keep->transmits + 1 >= transmit_limit * keep->b->TransmitScale()) {
      retired.push_back(Remove(keep));  // Finished() after the walk
    } else {
      // Moving up a tier is in the direction of the walk, so re-insert
      // only after it, or the message could be picked twice.
      EraseFromSet(keep);
      ++keep->transmits;
      reinsert.push_back(keep);
    }
  }
  for (Entry* e : reinsert) set_.insert(e);
  SWIM_DCHECK(bytes_used <= limit64);
  SWIM_DCHECK(by_name_.size() <= set_.size());
  // Last, as Finished() may re-enter the queue; in the order picked.
  for (auto& e : retired) e->b->Finished();
  return to_send;
}

void TransmitLimitedQueue::Prune(size_t max_retain) {
  while (set_.size() > max_retain) {
    std::unique_ptr<Entry> last = Remove(*set_.rbegin());
    last->b->Finished();  // may queue more: the loop prunes it too
  }
  SWIM_DCHECK(set_.size() <= max_retain);
}

std::vector<std::unique_ptr<TransmitLimitedQueue::Entry>>
TransmitLimitedQueue::TakeAll() {
  SWIM_DCHECK(by_name_.size() <= set_.size());
  std::vector<std::unique_ptr<Entry>> all;
  all.reserve(set_.size());
  for (Entry* e : set_) all.emplace_back(e);
  set_.clear();
  by_name_.clear();
  id_gen_ = 0;
  SWIM_DCHECK(set_.empty() && by_name_.empty());
  return all;
}

void TransmitLimitedQueue::Reset() {
  // Empty the queue first: a Finished() that queues something finds an
  // empty queue, and what it queues stays.
  for (auto& e : TakeAll()) e->b->Finished();
}

void TransmitLimitedQueue::Clear() { TakeAll(); }

std::vector<TransmitLimitedQueue::EntryView> TransmitLimitedQueue::OrderedView(
    bool reverse) const {
  std::vector<EntryView> out;
  out.reserve(set_.size());
  for (const Entry* e : set_) {
    out.push_back({e->transmits, e->msg_len, e->id, e->b.get()});
  }
  SWIM_DCHECK(out.size() == set_.size());
  if (reverse) std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace swim
