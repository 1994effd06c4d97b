// HandoffQueues, the model of Go 0.2.2's handoff queues (net.go
// handleCommand / getNextMessage): LIFO, alive first, drop the newest.
#include "core/handoff_queue.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace swim {
namespace {

HandoffQueues::Message Msg(uint8_t tag) { return {Bytes{tag}, Address{}}; }

std::vector<int> Drain(HandoffQueues& q) {
  std::vector<int> out;
  while (auto m = q.Pop()) out.push_back(m->msg[0]);
  return out;
}

TEST(HandoffQueues, PopsTheNewestFirst) {
  HandoffQueues q(16);
  for (uint8_t i = 1; i <= 4; ++i) ASSERT_TRUE(q.Push(false, Msg(i)));
  EXPECT_EQ(Drain(q), (std::vector<int>{4, 3, 2, 1}));
  EXPECT_TRUE(q.empty());
}

TEST(HandoffQueues, HighPriorityQueueEmptiesBeforeTheLowOne) {
  HandoffQueues q(16);
  ASSERT_TRUE(q.Push(false, Msg(1)));
  ASSERT_TRUE(q.Push(true, Msg(2)));
  ASSERT_TRUE(q.Push(false, Msg(3)));
  ASSERT_TRUE(q.Push(true, Msg(4)));
  EXPECT_EQ(Drain(q), (std::vector<int>{4, 2, 3, 1}));
}

TEST(HandoffQueues, FullQueueRefusesTheNewestAndKeepsTheOthers) {
  HandoffQueues q(2);
  EXPECT_TRUE(q.Push(false, Msg(1)));
  EXPECT_TRUE(q.Push(false, Msg(2)));
  EXPECT_FALSE(q.Push(false, Msg(3)));  // dropped
  // The depth is per queue: the high one still has room.
  EXPECT_TRUE(q.Push(true, Msg(9)));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(Drain(q), (std::vector<int>{9, 2, 1}));
}

TEST(HandoffQueues, ClearDropsEverything) {
  HandoffQueues q(4);
  q.Push(true, Msg(1));
  q.Push(false, Msg(2));
  q.Clear();
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.Pop().has_value());
}

}  // namespace
}  // namespace swim
