// MemberlistBroadcast: a queued alive/suspect/dead message of memberlist's
// own, named by its node so a newer one about the same node replaces it.
//
// After a mass join every node queues one such broadcast per member, so a
// simulated cluster of N nodes holds about N^2 of them at once, and the N
// copies of one node's alive are byte for byte the same. The object is
// therefore small: handles to the message and the name, interned (see
// core/interner.h: shared by every node of a World), and the (rare)
// completion callback out of line.
#ifndef SWIM_CORE_INTERNAL_MEMBERLIST_BROADCAST_H_
#define SWIM_CORE_INTERNAL_MEMBERLIST_BROADCAST_H_

#include <functional>
#include <memory>
#include <string_view>

#include "core/broadcast_queue.h"
#include "core/env.h"
#include "core/interner.h"

namespace swim::internal {

// A broadcast of `msg` named `name`, both interned in `in` (which must
// outlive the broadcast); `notify` (may be empty) runs once when the queue
// retires it. REQUIRES: !msg.empty(), 1 <= transmit_scale <= 255.
std::unique_ptr<Broadcast> MakeMemberlistBroadcast(Interners* in,
                                                   std::string_view name,
                                                   ByteSpan msg,
                                                   std::function<void()> notify,
                                                   int transmit_scale);

}  // namespace swim::internal

#endif  // SWIM_CORE_INTERNAL_MEMBERLIST_BROADCAST_H_
