#include "sim/event_queue.h"

#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace sim {
namespace {

using swim::Instant;

Event Tagged(uint64_t tag) {
  Event ev;
  ev.aux = tag;
  return ev;
}

// Pops everything, returning the aux tags in pop order.
std::vector<uint64_t> Drain(EventQueue& q) {
  std::vector<uint64_t> out;
  Instant t;
  while (EventId id = q.PopEarliest(&t)) out.push_back(q.Take(id).aux);
  return out;
}

TEST(EventQueue, OrdersByDeadlineThenPushOrder) {
  EventQueue q;
  q.Push(Instant::FromNanos(30), Tagged(1));
  q.Push(Instant::FromNanos(10), Tagged(2));
  q.Push(Instant::FromNanos(20), Tagged(3));
  q.Push(Instant::FromNanos(10), Tagged(4));
  q.Push(Instant::FromNanos(10), Tagged(5));
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{2, 4, 5, 3, 1}));
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, ManyEqualDeadlinesKeepFifoOrder) {
  EventQueue q;
  for (uint64_t i = 0; i < 1000; ++i) {
    q.Push(Instant::FromNanos(static_cast<int64_t>(i % 3)), Tagged(i));
  }
  std::vector<uint64_t> got = Drain(q);
  ASSERT_EQ(got.size(), 1000u);
  for (size_t i = 1; i < got.size(); ++i) {
    const uint64_t a = got[i - 1], b = got[i];
    if (a % 3 == b % 3) {
      EXPECT_LT(a, b);
    }
    EXPECT_LE(a % 3, b % 3);
  }
}

TEST(EventQueue, CancelledEventNeverPops) {
  EventQueue q;
  q.Push(Instant::FromNanos(1), Tagged(1));
  const EventId b = q.Push(Instant::FromNanos(2), Tagged(2));
  q.Push(Instant::FromNanos(3), Tagged(3));
  EXPECT_TRUE(q.Cancel(b));
  EXPECT_FALSE(q.Cancel(b));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{1, 3}));
}

TEST(EventQueue, StaleIdDoesNotCancelReusedSlot) {
  EventQueue q;
  const EventId a = q.Push(Instant::FromNanos(1), Tagged(1));
  EXPECT_NE(a, 0u);
  EXPECT_TRUE(q.Cancel(a));
  const EventId b = q.Push(Instant::FromNanos(1), Tagged(2));
  EXPECT_NE(a, b);
  EXPECT_FALSE(q.Cancel(a));
  EXPECT_TRUE(q.Contains(b));
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{2}));
  EXPECT_FALSE(q.Cancel(b));  // already ran
}

TEST(EventQueue, CompactsWhenCancelledEntriesDominate) {
  EventQueue q;
  std::vector<EventId> ids;
  for (int i = 0; i < 10000; ++i) {
    ids.push_back(q.Push(Instant::FromNanos(i), Tagged(i)));
  }
  for (int i = 0; i < 10000; ++i) {
    if (i % 100 != 0) q.Cancel(ids[i]);
  }
  EXPECT_EQ(q.size(), 100u);
  EXPECT_LE(q.heap_entries(), 2100u);  // bounded by compaction
  std::vector<uint64_t> got = Drain(q);
  ASSERT_EQ(got.size(), 100u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], i * 100);
}

TEST(EventQueue, ParkedEventCanBeRequeuedOrCancelled) {
  EventQueue q;
  q.Push(Instant::FromNanos(5), Tagged(1));
  q.Push(Instant::FromNanos(6), Tagged(2));
  Instant t;
  const EventId first = q.PopEarliest(&t);
  EXPECT_EQ(t, Instant::FromNanos(5));
  const EventId second = q.PopEarliest(&t);
  EXPECT_EQ(q.size(), 2u);  // parked events still count
  EXPECT_TRUE(q.Requeue(first, Instant::FromNanos(100)));
  EXPECT_FALSE(q.Requeue(first, Instant::FromNanos(100)));  // already queued
  EXPECT_TRUE(q.Cancel(second));
  EXPECT_FALSE(q.Requeue(second, Instant::FromNanos(1)));
  EXPECT_EQ(q.PeekDeadline(), Instant::FromNanos(100));
  EXPECT_EQ(Drain(q), (std::vector<uint64_t>{1}));
  EXPECT_EQ(q.PeekDeadline(), Instant::Max());
}

}  // namespace
}  // namespace sim

namespace sim {
namespace {

// Random push / cancel / pop / park-requeue sequences against a simple
// ordered model: the queue must pop exactly what the model says.
RC_GTEST_PROP(EventQueueProperty, MatchesAnOrderedModel,
              (const std::vector<std::pair<uint8_t, uint16_t>>& ops)) {
  EventQueue q;
  // model: (deadline, order) -> (id, tag); order increases per push/requeue.
  std::map<std::pair<int64_t, uint64_t>, std::pair<EventId, uint64_t>> model;
  std::vector<EventId> ids;
  uint64_t order = 0, tag = 0;
  int64_t now = 0;
  for (const auto& [op, arg] : ops) {
    switch (op % 4) {
      case 0:
      case 1: {  // push
        const int64_t deadline = now + arg % 50;
        const EventId id =
            q.Push(swim::Instant::FromNanos(deadline), Tagged(++tag));
        model[{deadline, ++order}] = {id, tag};
        ids.push_back(id);
        break;
      }
      case 2: {  // cancel some earlier id (maybe already gone)
        if (ids.empty()) break;
        const EventId id = ids[arg % ids.size()];
        bool in_model = false;
        for (auto it = model.begin(); it != model.end(); ++it) {
          if (it->second.first == id) {
            model.erase(it);
            in_model = true;
            break;
          }
        }
        RC_ASSERT(q.Cancel(id) == in_model);
        break;
      }
      case 3: {  // pop; every other pop parks and requeues later
        swim::Instant t;
        const EventId id = q.PopEarliest(&t);
        if (model.empty()) {
          RC_ASSERT(id == 0u);
          break;
        }
        const auto first = model.begin();
        RC_ASSERT(id == first->second.first);
        RC_ASSERT(t.nanos() == first->first.first);
        now = t.nanos();
        const auto entry = first->second;
        model.erase(first);
        if (arg % 2 == 0) {
          RC_ASSERT(q.Take(id).aux == entry.second);
        } else {
          const int64_t later = now + arg % 7;
          RC_ASSERT(q.Requeue(id, swim::Instant::FromNanos(later)));
          model[{later, ++order}] = entry;
        }
        break;
      }
    }
    RC_ASSERT(q.size() == model.size());
  }
}

}  // namespace
}  // namespace sim
