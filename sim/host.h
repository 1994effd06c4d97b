// sim::Host: what a simulated node exposes to the World for inbound traffic.
//
// The harness owns each Host (typically an adapter around core::Memberlist)
// and registers it with World::SetHost. The World calls these methods on the
// World thread, from its event loop, never re-entrantly inside an Env call.
#ifndef SWIM_SIM_HOST_H_
#define SWIM_SIM_HOST_H_

#include <optional>

#include "core/address.h"
#include "core/env.h"
#include "core/time.h"

namespace sim {

class Host {
 public:
  virtual ~Host() = default;

  // One datagram from `from` (the sender's bound address). `data` is valid
  // only during the call. `received` is the node's own clock (SimEnv::Now).
  virtual void OnPacket(const swim::Address& from, swim::ByteSpan data,
                        swim::Instant received) = 0;

  // One inbound stream exchange: `request` is one complete stream message.
  // Return the reply (sent back when the client asked for
  // StreamReply::kMessage; ignored for kNone), or nullopt to close the
  // connection without replying (the client then sees kAborted if it
  // expected a reply).
  virtual std::optional<swim::Bytes> OnStream(const swim::Address& from,
                                              swim::ByteSpan request) = 0;
};

}  // namespace sim

#endif  // SWIM_SIM_HOST_H_
