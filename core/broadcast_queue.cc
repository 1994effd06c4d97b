#include "core/broadcast_queue.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/check.h"
#include "core/util.h"

namespace swim {

namespace {

// GetBroadcasts' search key: a broadcast that is never queued.
class ProbeBroadcast final : public Broadcast {
 public:
  ByteSpan Message() const override { return {}; }
};

}  // namespace

bool TransmitLimitedQueue::KeyLess(int transmits, int64_t msg_len, int64_t id,
                                   int o_transmits, int64_t o_msg_len,
                                   int64_t o_id) {
  if (transmits != o_transmits) return transmits < o_transmits;
  if (msg_len != o_msg_len) return msg_len > o_msg_len;
  return id > o_id;
}

bool TransmitLimitedQueue::Less::operator()(const Entry* a,
                                            const Entry* b) const {
  const Broadcast::QueueHook& x = Hook(a);
  const Broadcast::QueueHook& y = Hook(b);
  SWIM_DCHECK(a == b || x.seq != y.seq);  // seq is unique: a total order
  if (x.transmits != y.transmits) return x.transmits < y.transmits;
  if (x.msg_len != y.msg_len) return x.msg_len > y.msg_len;
  if (x.id != y.id) return x.id > y.id;
  return x.seq > y.seq;
}

TransmitLimitedQueue::TransmitLimitedQueue(std::function<int()> num_nodes,
                                           int retransmit_mult)
    : num_nodes_(std::move(num_nodes)), retransmit_mult_(retransmit_mult) {}

TransmitLimitedQueue::~TransmitLimitedQueue() { Reset(); }

size_t TransmitLimitedQueue::NameHash::operator()(std::string_view s) const {
  return absl::Hash<std::string_view>{}(s);
}

void TransmitLimitedQueue::EraseFromSet(Entry* e) {
  SWIM_DCHECK(e != nullptr);
  set_.erase(e);
  // At idle there is no reason to let the id generator keep going (Go
  // resets it whenever the tree empties, even in the middle of a
  // GetBroadcasts walk).
  if (set_.empty()) id_gen_ = 0;
}

std::unique_ptr<TransmitLimitedQueue::Entry> TransmitLimitedQueue::Remove(
    Entry* e) {
  EraseFromSet(e);
  Unindex(e);
  return std::unique_ptr<Entry>(e);
}

void TransmitLimitedQueue::Unindex(Entry* e) {
  SWIM_DCHECK(e != nullptr);
  if (Hook(e).named) {
    by_name_.erase(e);
    // absl's tables never shrink on erase: after a mass join each of N
    // queues would keep a table sized for N names (18 KB at N = 1,000)
    // long after it drained. A drained index gives a large table back.
    if (by_name_.empty() && by_name_.capacity() > kKeptIndexCapacity) {
      decltype(by_name_)().swap(by_name_);
    }
  }
}

void TransmitLimitedQueue::Insert(std::unique_ptr<Entry> e) {
  Entry* raw = e.release();
  SWIM_DCHECK(raw != nullptr);
  set_.insert(raw);
  if (Hook(raw).named) by_name_.insert(raw);
  SWIM_DCHECK(by_name_.size() <= set_.size());
}

void TransmitLimitedQueue::QueueBroadcastAt(std::unique_ptr<Broadcast> b,
                                            int initial_transmits) {
  SWIM_CHECK(b != nullptr);
  id_gen_ = id_gen_ == std::numeric_limits<int64_t>::max() ? 1 : id_gen_ + 1;

  std::unique_ptr<Entry> e = std::move(b);
  Broadcast::QueueHook& h = Hook(e.get());
  h.transmits = initial_transmits;
  SWIM_CHECK(e->Message().size() <= std::numeric_limits<uint32_t>::max());
  h.msg_len = static_cast<uint32_t>(e->Message().size());
  h.id = id_gen_;
  h.seq = ++seq_;
  SWIM_CHECK(h.seq == seq_);  // 2^62 broadcasts: never in practice
  h.named = !e->Name().empty();
  // Go: a named broadcast is never treated as unique.
  h.unique = !h.named && e->IsUnique();

  if (h.named) {
    auto it = by_name_.find(e->Name());
    if (it != by_name_.end()) {
      // Go calls Finished() first, then deletes; Finished() may re-enter
      // the queue here (a user callback), so the queue is made whole
      // first and Finished() runs last.
      std::unique_ptr<Entry> old = Remove(*it);
      Insert(std::move(e));
      old->Finished();
      return;
    }
  } else if (!h.unique) {
    // Slow path: ask the new broadcast about every unnamed, non-unique
    // entry, in queue order; remove them, then Finished in that order.
    std::vector<Entry*> invalidated;
    for (Entry* cur : set_) {
      if (Hook(cur).named || Hook(cur).unique) continue;
      if (e->Invalidates(*cur)) invalidated.push_back(cur);
    }
    std::vector<std::unique_ptr<Entry>> retired;
    retired.reserve(invalidated.size());
    for (Entry* cur : invalidated) retired.push_back(Remove(cur));
    Insert(std::move(e));
    for (auto& r : retired) r->Finished();
    return;
  }
  // What it replaces is gone: the name is free.
  SWIM_DCHECK(!h.named || by_name_.find(e->Name()) == by_name_.end());
  SWIM_DCHECK(h.id >= 1 && h.seq == seq_);
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

  const int min_tr = Hook(*set_.begin()).transmits;
  const int max_tr = Hook(*set_.rbegin()).transmits;
  SWIM_DCHECK(min_tr <= max_tr);
  // A search key: sorts before every entry of its (transmits, length).
  ProbeBroadcast probe;
  Hook(&probe).id = std::numeric_limits<int64_t>::max();
  Hook(&probe).seq = (uint64_t{1} << 62) - 1;
  for (int transmits = min_tr; transmits <= max_tr; ++transmits) {
    int64_t free = limit64 - bytes_used - overhead64;
    if (free <= 0) break;

    // The first entry of this tier whose length is <= free: with the
    // longest-first order that is the lower bound of (tier, free, +inf id).
    Hook(&probe).transmits = transmits;
    // Every length fits 32 bits, so a larger budget admits them all.
    Hook(&probe).msg_len = static_cast<uint32_t>(
        std::min<int64_t>(free, std::numeric_limits<uint32_t>::max()));
    auto it = set_.lower_bound(&probe);
    // Go searches the tier again after each pick, with the smaller budget.
    // The walk goes on from the pick instead while the next entry fits:
    // what precedes it in the tier is longer than the old budget, so that
    // search would land right here. Same picks, and a mass join's runs of
    // equal-length alives cost one search per tier instead of three per
    // message (the erase and the re-insert searched too).
    while (it != set_.end() && Hook(*it).transmits == transmits) {
      if (static_cast<int64_t>(Hook(*it).msg_len) > free) {
        // Longer than what is left: search, as Go does, rather than step
        // over what may be the rest of the tier.
        Hook(&probe).msg_len = static_cast<uint32_t>(free);
        it = set_.lower_bound(&probe);
        continue;
      }
      // A message whose length changed while queued would break the order;
      // skip it like Go does rather than overrun the budget.
      const ByteSpan msg = (*it)->Message();
      if (static_cast<int64_t>(msg.size()) > free) {
        ++it;
        continue;
      }
      Entry* keep = *it;
      bytes_used += overhead64 + static_cast<int64_t>(msg.size());
      to_send.emplace_back(msg.begin(), msg.end());
      SWIM_DCHECK(bytes_used <= limit64);

      it = set_.erase(it);
      // Go resets its id generator whenever the tree empties, even here.
      if (set_.empty()) id_gen_ = 0;
      if (Hook(keep).transmits + 1 >= transmit_limit * keep->TransmitScale()) {
        Unindex(keep);
        retired.emplace_back(keep);  // Finished() after the walk
      } else {
        // Moving up a tier is in the direction of the walk, so re-insert
        // only after it, or the message could be picked twice.
        ++Hook(keep).transmits;
        reinsert.push_back(keep);
      }
      free = limit64 - bytes_used - overhead64;
      if (free <= 0) break;
    }
  }
  for (Entry* e : reinsert) set_.insert(e);
  SWIM_DCHECK(bytes_used <= limit64);
  SWIM_DCHECK(by_name_.size() <= set_.size());
  // Last, as Finished() may re-enter the queue; in the order picked.
  for (auto& e : retired) e->Finished();
  return to_send;
}

void TransmitLimitedQueue::Prune(size_t max_retain) {
  while (set_.size() > max_retain) {
    std::unique_ptr<Entry> last = Remove(*set_.rbegin());
    last->Finished();  // may queue more: the loop prunes it too
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
  for (auto& e : TakeAll()) e->Finished();
}

void TransmitLimitedQueue::Clear() { TakeAll(); }

std::vector<TransmitLimitedQueue::EntryView> TransmitLimitedQueue::OrderedView(
    bool reverse) const {
  std::vector<EntryView> out;
  out.reserve(set_.size());
  for (const Entry* e : set_) {
    out.push_back({Hook(e).transmits, Hook(e).msg_len, Hook(e).id, e});
  }
  SWIM_DCHECK(out.size() == set_.size());
  if (reverse) std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace swim
