// Hooks a user plugs into the core, as memberlist's delegate interfaces.
//
// All hooks are called on the core's thread (see env.h), synchronously from
// inside protocol handlers: they must be quick and must not call back into
// the Memberlist (post work elsewhere instead). A hook that is null in the
// Config is simply not called. Delegates are not owned by the core and must
// outlive it.
#ifndef SWIM_CORE_DELEGATE_H_
#define SWIM_CORE_DELEGATE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/node.h"

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace swim {

// memberlist's Delegate: user data carried by the protocol.
class Delegate {
 public:
  virtual ~Delegate() = default;
  // Metadata for our alive messages; must be at most `limit` bytes
  // (longer metadata is refused, not truncated).
  virtual std::string NodeMeta(size_t limit) = 0;
  // A user message arrived (packet or stream). `msg` is only valid during
  // the call.
  virtual void NotifyMsg(std::string_view msg) = 0;
  // User broadcasts to piggyback: each element costs `overhead` bytes plus
  // its size, and the total must stay within `limit`.
  virtual std::vector<std::string> GetBroadcasts(size_t overhead,
                                                 size_t limit) = 0;
  // State sent in push/pull (`join` is true for Join()).
  virtual std::string LocalState(bool join) = 0;
  // State received in push/pull.
  virtual void MergeRemoteState(std::string_view buf, bool join) = 0;
};

// A Delegate with do-nothing defaults (no meta, no broadcasts, empty
// push/pull state, user messages ignored): derive from it and override only
// the hooks you need, e.g.
//
//   struct Printer : swim::DelegateBase {
//     void NotifyMsg(std::string_view m) override { ... }
//   };
class DelegateBase : public Delegate {
 public:
  std::string NodeMeta(size_t limit) override { return ""; }
  void NotifyMsg(std::string_view msg) override {}
  std::vector<std::string> GetBroadcasts(size_t overhead,
                                         size_t limit) override {
    return {};
  }
  std::string LocalState(bool join) override { return ""; }
  void MergeRemoteState(std::string_view buf, bool join) override {}
};

// Membership events. The Node is a copy; it may be kept.
class EventDelegate {
 public:
  virtual ~EventDelegate() = default;
  virtual void NotifyJoin(const Node& node) = 0;
  virtual void NotifyLeave(const Node& node) = 0;
  virtual void NotifyUpdate(const Node& node) = 0;
  // go-doudou fork: a node's gossiped weight changed.
  virtual void NotifyWeight(const Node& node) {}
  // go-doudou fork (spelling is the fork's): alive -> suspect or
  // suspect -> alive; node.state tells which.
  virtual void NotifySuspectSateChange(const Node& node) {}
};

// Two nodes claim the same name with different addresses.
class ConflictDelegate {
 public:
  virtual ~ConflictDelegate() = default;
  virtual void NotifyConflict(const Node& existing, const Node& other) = 0;
};

// May veto a join or push/pull merge: a non-OK status cancels the merge.
class MergeDelegate {
 public:
  virtual ~MergeDelegate() = default;
  virtual absl::Status NotifyMerge(const std::vector<Node>& peers) = 0;
};

// May veto an alive message: a non-OK status drops it.
class AliveDelegate {
 public:
  virtual ~AliveDelegate() = default;
  virtual absl::Status NotifyAlive(const Node& peer) = 0;
};

// Ack payloads and round-trip times.
class PingDelegate {
 public:
  virtual ~PingDelegate() = default;
  virtual std::string AckPayload() = 0;
  virtual void NotifyPingComplete(const Node& other, absl::Duration rtt,
                                  std::string_view payload) = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_DELEGATE_H_
