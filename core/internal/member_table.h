// MemberTable: one node's table of members (Go's nodes / nodeMap).
//
// Records live in a slab (stable addresses, freed slots reused); the probe
// order is a vector of record pointers, shuffled each round; a name index
// finds a record by its interned name's id (lookup only: never iterated for
// behaviour, so hash order cannot leak into what the node does).
//
// The table knows nothing of the protocol's rules: StateRules decides what
// a record becomes, the Prober walks the probe order and asks for reaping.
#ifndef SWIM_CORE_INTERNAL_MEMBER_TABLE_H_
#define SWIM_CORE_INTERNAL_MEMBER_TABLE_H_

#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/env.h"
#include "core/interner.h"
#include "core/node.h"
#include "core/time.h"

#include "absl/container/btree_map.h"
#include "absl/time/time.h"

namespace swim::internal {

// A member as the table keeps it: compact, because the simulator holds
// 10,000 tables of 10,000 entries. The name and the (address, port, meta)
// are interned (core/interner.h): the record holds two handles to bytes
// that exist once per World (or per table when the Env shares none). The
// table sets them (Insert, SetAttrs); the rest of the record is plain data.
// The public Node is built from it on demand (NodeContext::ToNode).
class CompactNode {
 public:
  CompactNode() = default;
  CompactNode(const CompactNode&) = delete;
  CompactNode& operator=(const CompactNode&) = delete;

  std::string_view name() const {
    return name_ == nullptr ? std::string_view() : name_->view();
  }
  IpAddress addr() const;
  uint16_t port() const;
  std::string_view meta() const;

  // The version vector (zero until an alive or push/pull brings one).
  VersionVector vsn() const;
  uint8_t pmin() const { return vsn()[0]; }
  uint8_t pmax() const { return vsn()[1]; }
  uint8_t pcur() const { return vsn()[2]; }
  uint8_t dmin() const { return vsn()[3]; }
  uint8_t dmax() const { return vsn()[4]; }
  uint8_t dcur() const { return vsn()[5]; }
  Address address() const {
    return Address{addr(), port(), std::string(name())};
  }

  uint32_t incarnation = 0;
  NodeState state = NodeState::kAlive;

 private:
  friend class MemberTable;
  // Packed (version vector, address, port, meta): [vsn, 6 bytes][ip
  // length][ip bytes][port, big endian][meta]. The version vector changes
  // only with the address (an alive or a push/pull entry), so it is
  // interned with it rather than kept in every record: 8 bytes a pair less
  // (a record is 32 bytes). Null only in a freed record.
  std::string_view attrs() const;

  const InternedString* name_ = nullptr;
  const InternedString* attrs_ = nullptr;
};

struct NodeRecord {
  CompactNode node;
  // When the state last changed; kNeverChanged for a stub that no alive
  // ever brought to life (Go leaves its StateChange at the zero time).
  Instant state_change;
  static constexpr Instant kNeverChanged =
      Instant::FromNanos(std::numeric_limits<int64_t>::min());

  // Time since the last state change: infinite for kNeverChanged (Go's
  // time.Since(time.Time{}) is beyond every timeout). Never subtract
  // state_change directly: the sentinel would overflow.
  absl::Duration SinceChange(Instant now) const {
    if (state_change == kNeverChanged) return absl::InfiniteDuration();
    return now - state_change;
  }
};

// N tables of N records: every byte here is N² bytes of a world.
static_assert(sizeof(NodeRecord) <= 32, "a member record grew");

inline bool DeadOrLeft(NodeState s) {
  return s == NodeState::kDead || s == NodeState::kLeft;
}

// The records of one table, in blocks of kBlock that never move (a record's
// address is stable for its life, as a deque's would be). The blocks are
// bigger than a deque's 512 bytes on purpose: a join storm allocates and
// frees O(N) small broadcast-queue objects per member while the N records
// arrive, and records scattered among them in small blocks pin those pages
// after the queue drains (a 1,000-member process held twice the heap it
// used). Memory layout only: nothing iterates blocks.
class RecordSlab {
 public:
  NodeRecord& operator[](size_t i) { return blocks_[i / kBlock][i % kBlock]; }
  const NodeRecord& operator[](size_t i) const {
    return blocks_[i / kBlock][i % kBlock];
  }
  size_t size() const { return size_; }
  NodeRecord& emplace_back() {
    if (size_ == blocks_.size() * kBlock) {
      blocks_.push_back(std::make_unique<NodeRecord[]>(kBlock));
    }
    return (*this)[size_++];
  }

 private:
  static constexpr size_t kBlock = 256;  // 8 KiB of 32-byte records
  std::vector<std::unique_ptr<NodeRecord[]>> blocks_;
  size_t size_ = 0;
};

class MemberTable {
 public:
  // *env must outlive the table; it supplies the clock and the randomness
  // of insert positions, shuffles and random picks.
  // The name and attribute interners come from env->SharedInterners(), or
  // are the table's own when the Env shares none.
  explicit MemberTable(Env* env);
  ~MemberTable();
  MemberTable(const MemberTable&) = delete;
  MemberTable& operator=(const MemberTable&) = delete;

  NodeRecord* Find(std::string_view name);
  const NodeRecord* Find(std::string_view name) const;

  // Adds `name` as a kDead stub (so the update that follows counts as a
  // join) at a random position of the probe order, with the given address,
  // port and meta, and version vector (zeros without one).
  // REQUIRES: no record named `name`; meta.size() <= kMetaMaxSize.
  NodeRecord* Insert(std::string_view name, const IpAddress& addr,
                     uint16_t port, std::string_view meta,
                     const std::optional<VersionVector>& vsn);

  // Sets a record's address, port and meta (interned), and its version
  // vector when `vsn` has one (else the record keeps the one it had).
  void SetAttrs(NodeRecord* rec, const IpAddress& addr, uint16_t port,
                std::string_view meta, const std::optional<VersionVector>& vsn);

  // Go's moveDeadNodes + shuffle: drops every dead record whose state is
  // older than `dead_time`, calling on_reap(record) before each is freed,
  // then shuffles the probe order. Returns how many were reaped.
  size_t ReapAndShuffle(absl::Duration dead_time,
                        const std::function<void(const NodeRecord&)>& on_reap);

  // Up to k distinct records not excluded, picked at random (Go's
  // kRandomNodes: at most 3n draws).
  std::vector<NodeRecord*> KRandom(
      int k, const std::function<bool(const NodeRecord&)>& exclude);

  // True if a member other than `self` is alive or suspect.
  bool AnyAliveExcept(std::string_view self) const;
  // Members that are alive or suspect: O(1), counted as states change.
  int NumLive() const { return num_live_; }

  // Every change of a record's state goes through here, so that NumLive
  // stays a count rather than a scan (Go's NumMembers scans; the answer is
  // the same).
  void SetState(NodeRecord* rec, NodeState s);

  // Called on the Env's thread with the new NumLive() each time it
  // changes, before the change is visible to anything else the node does
  // (net/ publishes it for NumMembers() from other threads).
  void SetLiveCountObserver(std::function<void(int)> observer) {
    live_observer_ = std::move(observer);
    if (live_observer_) live_observer_(num_live_);
  }

  // The probe order.
  size_t size() const { return order_.size(); }
  NodeRecord* at(size_t i) { return order_[i]; }
  const std::vector<NodeRecord*>& order() const { return order_; }

  // The version vectors the records hold, each with how many records hold
  // it and how many of those are alive (state kAlive): what Go's
  // verifyProtocol scans the whole table for on every push/pull. Usually
  // one or two entries. Ordered, so reading it is deterministic.
  struct VersionCount {
    int records = 0;
    int alive = 0;
  };
  const absl::btree_map<VersionVector, VersionCount>& versions() const {
    return versions_;
  }

  // Records inserted since the table was made (never decreases).
  uint64_t inserts() const { return inserts_; }

  // The interners the records' names and attributes live in.
  const std::shared_ptr<Interners>& interners() const { return interners_; }

  // Slab, index and order describe the same records.
  void CheckInvariants() const;

 private:
  // Drops the record's interned handles, unindexes it and frees its slot
  // (the probe order is the caller's).
  void Free(NodeRecord* rec);

  Env* const env_;
  std::shared_ptr<Interners> interners_;
  RecordSlab slab_;
  std::vector<uint32_t> free_slots_;  // slots of freed records
  std::vector<NodeRecord*> order_;
  // The name index, by the name's interned id: slot in slab_ + 1, 0 when
  // the name is not in the table. Lookup only, never iterated.
  std::vector<uint32_t> by_name_id_;
  size_t num_indexed_ = 0;
  // Adds `delta` records (alive or not) holding `v` to versions_.
  void CountVersion(const VersionVector& v, int delta, bool alive);

  int num_live_ = 0;  // records not dead or left
  absl::btree_map<VersionVector, VersionCount> versions_;
  uint64_t inserts_ = 0;
  std::function<void(int)> live_observer_;
};

}  // namespace swim::internal

#endif  // SWIM_CORE_INTERNAL_MEMBER_TABLE_H_
