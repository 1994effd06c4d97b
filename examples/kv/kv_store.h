// A tiny replicated key-value store on top of swim::net::Memberlist: an
// example of what a user builds with the public API.
//
// Every node holds the whole map. Set() stamps the entry with a Lamport
// version and pushes it to every live member with SendReliable (fast path).
// Anti-entropy repairs whatever that missed (a node that was down or joined
// later, a send that failed): the store is also the memberlist Delegate, so
// its LocalState travels in every push/pull exchange and MergeRemoteState
// keeps, per key, the entry with the higher (version, writer) pair. Last
// writer wins; deletes are tombstones.
//
// THREADING. Set/Get/Dump may be called from any thread. The Delegate hooks
// run on the memberlist's loop thread; everything shares one mutex, never
// held while calling into the memberlist.
#ifndef SWIM_EXAMPLES_KV_KV_STORE_H_
#define SWIM_EXAMPLES_KV_KV_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/memberlist.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kv {

struct Entry {
  std::string value;
  uint64_t version = 0;
  std::string writer;  // node name; breaks version ties
  bool deleted = false;
};

class Store : public swim::Delegate {
 public:
  // Creates the store and its memberlist node from `config` (its delegate
  // is set to the store).
  static absl::StatusOr<std::unique_ptr<Store>> Create(swim::Config config);
  ~Store() override;

  absl::StatusOr<int> Join(const std::vector<std::string>& seeds) {
    return ml_->Join(seeds);
  }
  // Stores locally, then pushes to every other member. Returns how many
  // members were reached (the rest catch up by anti-entropy).
  int Set(const std::string& key, const std::string& value);
  int Delete(const std::string& key);
  std::optional<std::string> Get(const std::string& key) const;
  std::map<std::string, std::string> Dump() const;
  swim::net::Memberlist& memberlist() { return *ml_; }

  // swim::Delegate (loop thread).
  std::string NodeMeta(size_t limit) override { return ""; }
  void NotifyMsg(std::string_view msg) override;
  std::vector<std::string> GetBroadcasts(size_t, size_t) override { return {}; }
  std::string LocalState(bool join) override;
  void MergeRemoteState(std::string_view buf, bool join) override;

 private:
  Store() = default;
  int Publish(const std::string& key, Entry e);
  // Keeps `e` if it beats what we have. REQUIRES mu_ held.
  void MergeLocked(const std::string& key, const Entry& e);
  void MergeEncoded(std::string_view buf);

  std::string name_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> data_;
  uint64_t clock_ = 0;  // Lamport clock
  std::unique_ptr<swim::net::Memberlist> ml_;
};

}  // namespace kv

#endif  // SWIM_EXAMPLES_KV_KV_STORE_H_
