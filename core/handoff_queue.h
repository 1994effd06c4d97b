// HandoffQueues: a model of Go memberlist 0.2.2's handoff between its
// packet reader and its packet handler (net.go handleCommand,
// getNextMessage), used when Config::handoff is HandoffMode::kGoLifo.
//
// Go hands alive, suspect, dead and user messages (and the fork's weights)
// from the goroutine that reads datagrams to one handler goroutine through
// two lists: alive messages go to the high-priority one, the rest to the
// low-priority one. Each holds at most handoff_queue_depth messages; when
// a list is full the NEW message is dropped. The handler always takes the
// most recently queued message (Back()) of the high list, and of the low
// list only when the high one is empty: last in, first out, alives first.
//
// Plain data, no Env: the Messenger owns one and schedules the drain.
#ifndef SWIM_CORE_HANDOFF_QUEUE_H_
#define SWIM_CORE_HANDOFF_QUEUE_H_

#include <cstddef>
#include <deque>
#include <optional>

#include "core/address.h"
#include "core/bytes.h"

namespace swim {

class HandoffQueues {
 public:
  // One queued message: the leaf message (type byte first) and its sender.
  struct Message {
    Bytes msg;
    Address from;
  };

  // REQUIRES: depth >= 1 (the bound on each queue).
  explicit HandoffQueues(size_t depth);

  // Queues `m` on the high-priority queue if `high`, else the low one.
  // Returns false, queuing nothing, if that queue already holds `depth`
  // messages (Go drops the newest).
  bool Push(bool high, Message m);
  // The next message to handle: the newest of the high queue, else the
  // newest of the low queue; nullopt when both are empty.
  std::optional<Message> Pop();

  bool empty() const { return high_.empty() && low_.empty(); }
  size_t size() const { return high_.size() + low_.size(); }
  size_t depth() const { return depth_; }
  // Drops everything queued (Go loses its queues at shutdown).
  void Clear();

 private:
  size_t depth_;
  std::deque<Message> high_;
  std::deque<Message> low_;
};

}  // namespace swim

#endif  // SWIM_CORE_HANDOFF_QUEUE_H_
