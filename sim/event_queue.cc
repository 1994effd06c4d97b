#include "sim/event_queue.h"

#include <algorithm>
#include <utility>

#include "core/check.h"

namespace sim {

EventId EventQueue::Push(swim::Instant deadline, Event event) {
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    SWIM_CHECK(slots_.size() < 0xFFFFFFFFu);
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.event = std::move(event);
  s.live = true;
  ++live_;
  PushEntry(deadline.nanos(), slot);
  return (static_cast<uint64_t>(s.gen) << 32) | slot;
}

void EventQueue::PushEntry(int64_t deadline, uint32_t slot) {
  Slot& s = slots_[slot];
  s.in_heap = true;
  heap_.push_back(Entry{deadline, next_seq_++, slot, s.gen});
  SiftUp(heap_.size() - 1);
}

// A 4-ary heap: shallower than a binary one, and the four children share a
// cache line or two, which matters with 10^5 pending events.
void EventQueue::SiftUp(size_t i) {
  const Entry e = heap_[i];
  while (i > 0) {
    const size_t parent = (i - 1) / 4;
    if (!Earlier(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void EventQueue::SiftDown(size_t i) {
  const size_t n = heap_.size();
  const Entry e = heap_[i];
  while (true) {
    const size_t first = 4 * i + 1;
    if (first >= n) break;
    size_t best = first;
    const size_t end = std::min(first + 4, n);
    for (size_t c = first + 1; c < end; ++c) {
      if (Earlier(heap_[c], heap_[best])) best = c;
    }
    if (!Earlier(heap_[best], e)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

void EventQueue::PopTop() {
  heap_.front() = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) SiftDown(0);
}

bool EventQueue::Contains(EventId id) const {
  const uint32_t slot = SlotOf(id);
  if (slot >= slots_.size()) return false;
  const Slot& s = slots_[slot];
  return s.live && s.gen == GenOf(id);
}

void EventQueue::FreeSlot(uint32_t slot) {
  Slot& s = slots_[slot];
  s.event.fn = nullptr;
  if (s.event.data.capacity() != 0) swim::Bytes().swap(s.event.data);
  s.live = false;
  s.in_heap = false;
  if (++s.gen == 0) s.gen = 1;
  --live_;
  free_.push_back(slot);
}

bool EventQueue::Cancel(EventId id) {
  if (!Contains(id)) return false;
  const uint32_t slot = SlotOf(id);
  if (slots_[slot].in_heap) ++stale_;
  FreeSlot(slot);
  MaybeCompact();
  return true;
}

void EventQueue::DropStaleTop() {
  while (!heap_.empty() && !EntryLive(heap_.front())) {
    PopTop();
    --stale_;
  }
}

void EventQueue::MaybeCompact() {
  if (stale_ < 1024 || stale_ * 2 < heap_.size()) return;
  size_t out = 0;
  for (size_t i = 0; i < heap_.size(); ++i) {
    if (EntryLive(heap_[i])) heap_[out++] = heap_[i];
  }
  heap_.resize(out);
  if (out > 1) {
    for (size_t i = (out - 2) / 4 + 1; i-- > 0;) SiftDown(i);
  }
  stale_ = 0;
}

EventId EventQueue::PopEarliest(swim::Instant* deadline) {
  DropStaleTop();
  if (heap_.empty()) return 0;
  const Entry top = heap_.front();
  PopTop();
  slots_[top.slot].in_heap = false;
  *deadline = swim::Instant::FromNanos(top.deadline);
  return (static_cast<uint64_t>(top.gen) << 32) | top.slot;
}

swim::Instant EventQueue::PeekDeadline() {
  DropStaleTop();
  if (heap_.empty()) return swim::Instant::Max();
  return swim::Instant::FromNanos(heap_.front().deadline);
}

Event& EventQueue::Get(EventId id) {
  SWIM_CHECK(Contains(id));
  return slots_[SlotOf(id)].event;
}

Event EventQueue::Take(EventId id) {
  SWIM_CHECK(Contains(id) && !slots_[SlotOf(id)].in_heap);
  Event ev = std::move(slots_[SlotOf(id)].event);
  FreeSlot(SlotOf(id));
  return ev;
}

bool EventQueue::Requeue(EventId id, swim::Instant deadline) {
  if (!Contains(id)) return false;
  const uint32_t slot = SlotOf(id);
  if (slots_[slot].in_heap) return false;
  PushEntry(deadline.nanos(), slot);
  return true;
}

}  // namespace sim
