// Inbound: the other half of the Env seam (env.h): what the outside world
// delivers to a node. Env carries everything the core sends and asks for;
// Inbound carries what arrives unasked, packets and streams. Both homes
// deliver through it: sim::World calls the Inbound registered for a node,
// net::AsioEnv the one its owner installed. core::Memberlist implements it.
//
// THREADING. As for Env: every call is made on the Env's thread, never
// re-entrantly from inside an Env call.
#ifndef SWIM_CORE_INBOUND_H_
#define SWIM_CORE_INBOUND_H_

#include <optional>

#include "core/address.h"
#include "core/bytes.h"
#include "core/time.h"

namespace swim {

class Inbound {
 public:
  virtual ~Inbound() = default;

  // One datagram from `from` (the sender's bound address). `packet` is valid
  // only during the call; `received` is the node's Env::Now() at arrival.
  virtual void HandlePacket(const Address& from, ByteSpan packet,
                            Instant received) = 0;

  // One inbound stream exchange: `stream` is one complete stream message
  // (its end found with wire::StreamMessageSize). Returns the reply to
  // write back (ignored when the client expects none), or nullopt to close
  // without replying.
  virtual std::optional<Bytes> HandleStream(const Address& from,
                                            ByteSpan stream) = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_INBOUND_H_
