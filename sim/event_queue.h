// The simulator's event queue: a 4-ary min-heap of pending events keyed by
// (deadline, sequence number), so events with equal deadlines run in the
// order they were pushed. Push, Cancel and PopEarliest are O(log n)
// (Cancel is O(1): lazy deletion, the stale heap entry is skipped later; the
// heap is rebuilt when stale entries dominate, which keeps memory bounded).
//
// Events live in a slab of slots that is reused, so steady-state operation
// allocates nothing beyond what the event's own payload (a std::function
// capture, a byte buffer) needs. An EventId names a slot and a generation;
// ids are never 0 and a stale id (the event ran or was cancelled) is
// recognised as such even after its slot was reused.
//
// An event popped from the heap is not destroyed at once: it is "parked"
// until the caller Take()s it (to run it), Cancel()s it, or Requeue()s it
// with a new deadline (the World parks the events of a paused node and
// requeues them on resume).
//
// Thread-safety: none; one World thread owns the queue.
#ifndef SWIM_SIM_EVENT_QUEUE_H_
#define SWIM_SIM_EVENT_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "core/env.h"
#include "core/time.h"

namespace sim {

using EventId = uint64_t;

// Who an event belongs to: a node index, or kWorldOwner for the World's own
// events (scenario actions, test callbacks).
inline constexpr uint32_t kWorldOwner = 0xFFFFFFFFu;

// What the World does with an event. The queue itself only stores it.
enum class EventKind : uint8_t {
  kCall,           // run `fn` (world event or a node's timer/callback)
  kPacket,         // deliver `data` from node `from` to node `owner`
  kStreamRequest,  // deliver a stream request (`aux` = stream slot)
  kStreamReply,    // complete a client's exchange (`aux`); `from` holds the
                   // absl::StatusCode of the outcome, `data` the reply
};

struct Event {
  EventKind kind = EventKind::kCall;
  uint8_t flags = 0;  // kind-specific (stream reply mode)
  uint32_t owner = kWorldOwner;
  // For node-owned kCall events: the node incarnation ("epoch") that
  // scheduled it; a crash bumps the epoch and so drops the node's timers.
  uint32_t epoch = 0;
  uint32_t from = 0;
  uint64_t aux = 0;
  std::string_view label;  // must outlive the event (string literals)
  std::function<void()> fn;
  swim::Bytes data;
};

class EventQueue {
 public:
  EventQueue() = default;
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Adds an event due at `deadline`. Returns its id (never 0).
  EventId Push(swim::Instant deadline, Event event);

  // Destroys a pending or parked event. Returns true if it was pending or
  // parked, false if the id is unknown, already ran or was cancelled.
  bool Cancel(EventId id);

  // True if `id` names a pending or parked event.
  bool Contains(EventId id) const;

  // Removes the earliest pending event from the heap and parks it. Returns
  // its id and sets *deadline, or returns 0 if nothing is pending.
  EventId PopEarliest(swim::Instant* deadline);

  // Deadline of the earliest pending event, or Instant::Max() when none.
  swim::Instant PeekDeadline();

  // The parked or pending event `id`. REQUIRES: Contains(id).
  Event& Get(EventId id);

  // Moves the parked event out and frees its slot. REQUIRES: `id` parked.
  Event Take(EventId id);

  // Puts a parked event back into the heap at `deadline` (with a fresh
  // sequence number, so it runs after events already due then). No-op if
  // `id` is no longer parked (cancelled meanwhile). Returns true if queued.
  bool Requeue(EventId id, swim::Instant deadline);

  // Pending plus parked events.
  size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  // Heap entries including stale ones (for tests of compaction).
  size_t heap_entries() const { return heap_.size(); }

 private:
  struct Slot {
    Event event;
    uint32_t gen = 1;
    bool live = false;
    bool in_heap = false;
  };
  struct Entry {
    int64_t deadline;
    uint64_t seq;
    uint32_t slot;
    uint32_t gen;
  };
  static bool Earlier(const Entry& a, const Entry& b) {
    if (a.deadline != b.deadline) return a.deadline < b.deadline;
    return a.seq < b.seq;
  }
  void SiftUp(size_t i);
  void SiftDown(size_t i);
  void PopTop();
  static uint32_t SlotOf(EventId id) { return static_cast<uint32_t>(id); }
  static uint32_t GenOf(EventId id) { return static_cast<uint32_t>(id >> 32); }
  bool EntryLive(const Entry& e) const {
    const Slot& s = slots_[e.slot];
    return s.live && s.in_heap && s.gen == e.gen;
  }
  void FreeSlot(uint32_t slot);
  void PushEntry(int64_t deadline, uint32_t slot);
  void DropStaleTop();
  void MaybeCompact();

  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  std::vector<Entry> heap_;
  uint64_t next_seq_ = 1;
  size_t live_ = 0;
  size_t stale_ = 0;  // heap entries whose event was cancelled
};

}  // namespace sim

#endif  // SWIM_SIM_EVENT_QUEUE_H_
