// ReapedNames: what a node remembers about members it reaped (issue 14,
// item 6: made-up members must drain).
//
// SWIM adds any name an alive claims. A made-up member (a name at an
// address where nobody answers) is probed, suspected, declared dead and,
// gossip_to_the_dead_time later, reaped. While its dead entry is in the
// table, an alive at the same incarnation is ignored (it is stale). But a
// reaped name is unknown again, and a periodic push/pull with a peer that
// has not killed it yet re-adds it at the very same incarnation; the peers
// keep handing it back and forth, and a flood of made-up members took
// ~25 virtual minutes (8 nodes, 500 names) to drain, 10,000 names in swimd
// were still listed after 60 s. Go 0.2.2 behaves the same.
//
// The rule: after reaping a member at incarnation i we remember (name, i)
// for another gossip_to_the_dead_time; meanwhile an alive entry for that
// name in a non-join push/pull at incarnation <= i comes back into the
// table as DEAD, not alive (memberlist.dropped.reaped_readd). So the peer
// that still lists it alive learns of the death from our next push/pull
// (merged as a suspicion, as Go does) instead of us re-adding and
// re-gossiping it; the dead entry again blocks stale alives until reaped.
// A member that is really alive refutes with a higher incarnation and is
// accepted at once; a restarted member's own join push/pull (join = true)
// and alive gossip are not affected. The memory is bounded by the member
// table's cap (Config::max_members): at most that many names, oldest out.
//
// Deterministic: ordered containers only. Single-threaded (the core's).
#ifndef SWIM_CORE_REAPED_NAMES_H_
#define SWIM_CORE_REAPED_NAMES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "core/check.h"
#include "core/time.h"

namespace swim {

class ReapedNames {
 public:
  explicit ReapedNames(size_t capacity) : capacity_(capacity) {}

  // Remembers `name`, reaped at `incarnation`, until `until`.
  void Add(const std::string& name, uint32_t incarnation, Instant until) {
    auto [it, inserted] =
        names_.insert_or_assign(name, Entry{incarnation, until});
    order_.push_back({it->first, until});
    while ((names_.size() > capacity_ || order_.size() > 2 * capacity_) &&
           !order_.empty()) {
      Pop();
    }
    // Bounded, and every remembered name has its pending deadline.
    SWIM_DCHECK(names_.size() <= capacity_ && order_.size() <= 2 * capacity_);
    SWIM_DCHECK(names_.size() <= order_.size());
  }

  // True if an alive for `name` at `incarnation`, seen at `now`, is a stale
  // re-add of a member we reaped.
  bool Blocks(std::string_view name, uint32_t incarnation, Instant now) {
    Expire(now);
    SWIM_DCHECK(names_.size() <= order_.size());
    SWIM_DCHECK(order_.empty() || order_.front().until > now);
    auto it = names_.find(name);
    return it != names_.end() && incarnation <= it->second.incarnation;
  }

  size_t size() const { return names_.size(); }

 private:
  struct Entry {
    uint32_t incarnation;
    Instant until;
  };
  struct Pending {
    std::string name;
    Instant until;
  };
  // Drops entries whose time has passed (entries are added in time order).
  void Expire(Instant now) {
    while (!order_.empty() && order_.front().until <= now) Pop();
  }
  void Pop() {
    SWIM_DCHECK(!order_.empty());
    const Pending& p = order_.front();
    auto it = names_.find(p.name);
    // A name re-added later has a later deadline: keep that one.
    if (it != names_.end() && it->second.until == p.until) names_.erase(it);
    order_.pop_front();
  }

  size_t capacity_;
  std::map<std::string, Entry, std::less<>> names_;
  std::deque<Pending> order_;
};

}  // namespace swim

#endif  // SWIM_CORE_REAPED_NAMES_H_
