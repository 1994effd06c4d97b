// TransmitLimitedQueue: memberlist's gossip broadcast queue (queue.go,
// protocol.md §6.9).
//
// Messages waiting to be piggybacked on gossip and probe packets. Each is
// sent a limited number of times (RetransmitLimit(mult, NumNodes())), and
// fresher messages go first. Entries are ordered by
//   (transmits ascending, message length descending, insertion id descending)
// and GetBroadcasts walks that order tier by tier (a tier is one transmit
// count), taking the first message of each tier that still fits, until the
// byte budget is spent.
//
// Replacement rules (what makes the queue small in practice):
//   * A broadcast with a non-empty Name() replaces the queued broadcast with
//     the same name, whatever its kind (memberlist names alive/suspect/dead
//     messages by node, so a newer message about a node replaces the older).
//   * An unnamed, non-unique broadcast is asked Invalidates(other) for every
//     queued unnamed, non-unique entry (a linear scan, like Go).
//   * IsUnique() broadcasts skip the scan altogether.
// Every broadcast that enters the queue is retired exactly once with
// Finished(): transmit limit reached, replaced, pruned, reset, or the queue
// destroyed; Clear() drops entries without it.
//
// Storage: an ordered B-tree of entries plus a name index used for lookups
// only, so iteration order (and thus behaviour) is deterministic. An empty
// queue allocates nothing. A simulated cluster holds N queues of up to N
// entries each after a mass join, so an entry is kept small: the name index
// holds entry pointers and reads names through Broadcast::Name() (no copy),
// and an entry stays in the index while GetBroadcasts raises its count.
// Operations are O(log n), except QueueBroadcast of an unnamed non-unique
// broadcast (O(n)).
//
// Thread-safety: none; core thread only. Broadcast::Finished() may call
// back into the queue (a Leave/UpdateNode waiter's callback can queue
// another update): it runs only once the retired entry is out of the queue
// and the queue is consistent (Go holds a non-reentrant lock there, so a
// re-entrant Finished would deadlock). Invalidates() must not.
#ifndef SWIM_CORE_BROADCAST_QUEUE_H_
#define SWIM_CORE_BROADCAST_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.h"

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_set.h"

namespace swim {

class Broadcast {
 public:
  virtual ~Broadcast() = default;
  // Called for unnamed, non-unique broadcasts when this one is queued: true
  // if this one replaces `other` (which is then Finished and dropped).
  virtual bool Invalidates(const Broadcast& other) const { return false; }
  // The message bytes. Must not change while queued (its length is a key).
  virtual ByteSpan Message() const = 0;
  // Called exactly once when the broadcast is retired: transmit limit
  // reached, invalidated by a newer one, pruned, or the queue is
  // reset/destroyed.
  virtual void Finished() {}
  // Go's NamedBroadcast: non-empty name -> a newer broadcast with the same
  // name replaces this one. Must return the same bytes while queued (the
  // queue's name index reads it instead of keeping a copy).
  virtual std::string_view Name() const { return {}; }
  // Go's UniqueBroadcast: never invalidated by, nor invalidates, others.
  virtual bool IsUnique() const { return false; }
  // How many times the queue's retransmit limit this broadcast is sent
  // (>= 1). Memberlist uses 1 except for refutations; see memberlist.cc.
  virtual int TransmitScale() const { return 1; }

 private:
  friend class TransmitLimitedQueue;
  // The queue's bookkeeping for this broadcast, kept in it so that a queued
  // message is one allocation, not an entry plus the broadcast: a mass join
  // queues N broadcasts in each of N queues. 24 bytes; meaningful only
  // while queued (a broadcast is in at most one queue: it owns it).
  struct QueueHook {
    int32_t transmits = 0;
    uint32_t msg_len = 0;  // messages are checked to fit at queueing
    int64_t id = 0;
    // Never-reset insertion sequence. Breaks ties Go cannot have in a
    // consistent way: Go resets ids when the queue empties, so a re-used id
    // can collide with an entry that was out of the tree during a
    // GetBroadcasts walk; Go's B-tree then silently drops one of them. We
    // keep both, ordered newest first.
    uint64_t seq : 62 = 0;
    uint64_t named : 1 = 0;   // Name() is non-empty
    uint64_t unique : 1 = 0;  // unnamed and IsUnique()
  };
  QueueHook queue_{};
};

// A Broadcast over owned bytes with an optional name and a completion
// callback (for memberlist's own alive/suspect/dead messages and tests).
class SimpleBroadcast : public Broadcast {
 public:
  SimpleBroadcast(std::string name, Bytes message,
                  std::function<void()> on_finished = nullptr)
      : name_(std::move(name)),
        message_(std::move(message)),
        on_finished_(std::move(on_finished)) {}
  ByteSpan Message() const override { return message_; }
  std::string_view Name() const override { return name_; }
  void Finished() override {
    if (on_finished_) on_finished_();
  }

 private:
  std::string name_;
  Bytes message_;
  std::function<void()> on_finished_;
};

class TransmitLimitedQueue {
 public:
  // num_nodes: the current cluster size estimate (memberlist's NumNodes),
  // called once per GetBroadcasts. retransmit_mult: memberlist's
  // RetransmitMult.
  TransmitLimitedQueue(std::function<int()> num_nodes, int retransmit_mult);
  // Calls Finished() on everything still queued, in queue order.
  ~TransmitLimitedQueue();

  TransmitLimitedQueue(const TransmitLimitedQueue&) = delete;
  TransmitLimitedQueue& operator=(const TransmitLimitedQueue&) = delete;

  // Queues `b` at transmit count 0, first retiring what it replaces (see
  // the file comment). REQUIRES: b != nullptr.
  void QueueBroadcast(std::unique_ptr<Broadcast> b) {
    QueueBroadcastAt(std::move(b), 0);
  }

  // Messages to piggyback: each costs overhead + size, and the total stays
  // <= limit. Returns copies of the bytes, in the order they were picked.
  // Each picked broadcast has its transmit count raised, or is retired
  // (Finished) when transmits + 1 >= RetransmitLimit(mult, num_nodes()).
  std::vector<Bytes> GetBroadcasts(size_t overhead, size_t limit);

  size_t NumQueued() const { return set_.size(); }

  // Keeps the first max_retain entries in queue order (the freshest) and
  // retires the rest, last first.
  void Prune(size_t max_retain);

  // Retires everything, in queue order.
  void Reset();

  // Drops everything without calling Finished() (nothing was sent).
  void Clear();

  int retransmit_mult() const { return retransmit_mult_; }

  // ---- For tests (Go's queueBroadcast / orderedView / idGen). ----

  // Queues with a given initial transmit count.
  void QueueBroadcastAt(std::unique_ptr<Broadcast> b, int initial_transmits);

  struct EntryView {
    int transmits;
    int64_t msg_len;
    int64_t id;
    const Broadcast* broadcast;
  };
  // Entries in queue order (first = sent first), or reversed.
  std::vector<EntryView> OrderedView(bool reverse = false) const;
  // The last id handed out; 0 after the queue emptied.
  int64_t id_generator() const { return id_gen_; }

  // The queue order: true if an entry keyed (transmits, msg_len, id) goes
  // before one keyed (o_transmits, o_msg_len, o_id). Go's
  // limitedBroadcast.Less.
  static bool KeyLess(int transmits, int64_t msg_len, int64_t id,
                      int o_transmits, int64_t o_msg_len, int64_t o_id);

 private:
  // The queue's elements are the broadcasts themselves (Broadcast::queue_
  // holds their keys); the set owns them.
  using Entry = Broadcast;
  static Broadcast::QueueHook& Hook(Entry* e) { return e->queue_; }
  static const Broadcast::QueueHook& Hook(const Entry* e) { return e->queue_; }
  struct Less {
    bool operator()(const Entry* a, const Entry* b) const;
  };
  // The name index: entries hashed and compared by Name().
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
    size_t operator()(const Entry* e) const { return (*this)(e->Name()); }
  };
  struct NameEq {
    using is_transparent = void;
    static std::string_view View(std::string_view s) { return s; }
    static std::string_view View(const Entry* e) { return e->Name(); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return View(a) == View(b);
    }
  };

  // Removes `e` from the set and the name index; resets the id generator
  // when the set becomes empty. Ownership passes to the caller.
  std::unique_ptr<Entry> Remove(Entry* e);
  // Removes `e` from the name index only (a drained index gives a large
  // table back).
  void Unindex(Entry* e);
  void Insert(std::unique_ptr<Entry> e);
  // Removes `e` from the set only (it keeps its place in the name index);
  // resets the id generator when the set becomes empty.
  void EraseFromSet(Entry* e);
  // Empties the queue (set, name index, id generator) and hands back every
  // entry it held, in queue order: Reset and Clear differ only in whether
  // the entries are told Finished() before they go.
  std::vector<std::unique_ptr<Entry>> TakeAll();

  // The largest name-index table a drained queue keeps (a queue that
  // empties and refills every gossip round reuses it).
  static constexpr size_t kKeptIndexCapacity = 127;

  std::function<int()> num_nodes_;
  int retransmit_mult_;
  int64_t id_gen_ = 0;
  uint64_t seq_ = 0;
  absl::btree_set<Entry*, Less> set_;                      // owns its entries
  absl::flat_hash_set<Entry*, NameHash, NameEq> by_name_;  // lookup only
};

}  // namespace swim

#endif  // SWIM_CORE_BROADCAST_QUEUE_H_
