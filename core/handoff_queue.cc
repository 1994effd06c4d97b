#include "core/handoff_queue.h"

#include <utility>

#include "core/check.h"

namespace swim {

HandoffQueues::HandoffQueues(size_t depth) : depth_(depth) {
  SWIM_CHECK(depth >= 1);
}

bool HandoffQueues::Push(bool high, Message m) {
  std::deque<Message>& q = high ? high_ : low_;
  if (q.size() >= depth_) return false;
  q.push_back(std::move(m));
  SWIM_DCHECK(q.size() <= depth_);
  return true;
}

std::optional<HandoffQueues::Message> HandoffQueues::Pop() {
  std::deque<Message>& q = high_.empty() ? low_ : high_;
  if (q.empty()) return std::nullopt;
  Message m = std::move(q.back());
  q.pop_back();
  SWIM_DCHECK(high_.size() <= depth_ && low_.size() <= depth_);
  return m;
}

void HandoffQueues::Clear() {
  high_.clear();
  low_.clear();
}

}  // namespace swim
