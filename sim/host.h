// sim::Host: what a simulated node exposes to the World for inbound traffic
// is the core's own inbound seam, swim::Inbound (core/inbound.h):
// HandlePacket for datagrams, HandleStream for stream exchanges.
//
// The harness owns each Host (a core::Memberlist, or an adapter around one)
// and registers it with World::SetHost. The World calls it on the World
// thread, from its event loop, never re-entrantly inside an Env call;
// `received` is the node's own clock (SimEnv::Now). A stream reply is sent
// back when the client asked for StreamReply::kMessage (ignored for kNone);
// nullopt closes the connection without replying (the client then sees
// kAborted if it expected a reply).
#ifndef SWIM_SIM_HOST_H_
#define SWIM_SIM_HOST_H_

#include "core/inbound.h"

namespace sim {

using Host = swim::Inbound;

}  // namespace sim

#endif  // SWIM_SIM_HOST_H_
