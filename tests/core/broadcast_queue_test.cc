#include "core/broadcast_queue.h"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/util.h"

#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

namespace swim {
namespace {

Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
std::string ToString(const Bytes& b) { return std::string(b.begin(), b.end()); }

// A broadcast that records its retirement in a shared log.
struct FinishLog {
  std::vector<std::string> finished;  // labels, in order
  std::map<std::string, int> count;
};

class TestBroadcast : public Broadcast {
 public:
  TestBroadcast(std::string label, std::string name, std::string message,
                FinishLog* log, bool unique = false)
      : label_(std::move(label)),
        name_(std::move(name)),
        message_(ToBytes(message)),
        log_(log),
        unique_(unique) {}
  ByteSpan Message() const override { return message_; }
  std::string_view Name() const override { return name_; }
  bool IsUnique() const override { return unique_; }
  void Finished() override {
    if (log_ == nullptr) return;
    log_->finished.push_back(label_);
    ++log_->count[label_];
  }
  bool Invalidates(const Broadcast& other) const override {
    // Unnamed test broadcasts invalidate others with the same message
    // prefix before ':' (a stand-in for "same subject").
    auto* o = dynamic_cast<const TestBroadcast*>(&other);
    if (o == nullptr || invalidate_key_.empty()) return false;
    return o->invalidate_key_ == invalidate_key_;
  }
  const std::string& label() const { return label_; }
  void set_invalidate_key(std::string k) { invalidate_key_ = std::move(k); }

 private:
  std::string label_;
  std::string name_;
  Bytes message_;
  FinishLog* log_;
  bool unique_;
  std::string invalidate_key_;
};

std::unique_ptr<TestBroadcast> Named(const std::string& name,
                                     const std::string& msg,
                                     FinishLog* log = nullptr) {
  return std::make_unique<TestBroadcast>(name, name, msg, log);
}

std::string LabelOf(const TransmitLimitedQueue::EntryView& v) {
  return static_cast<const TestBroadcast*>(v.broadcast)->label();
}

// Go's TestLimitedBroadcastLess.
TEST(TransmitLimitedQueue, OrderIsTransmitsThenLongestThenNewest) {
  using Q = TransmitLimitedQueue;
  // diff-transmits
  EXPECT_TRUE(Q::KeyLess(0, 10, 100, 1, 10, 100));
  EXPECT_FALSE(Q::KeyLess(1, 10, 100, 0, 10, 100));
  // same transmits, different length: longer first
  EXPECT_TRUE(Q::KeyLess(0, 12, 100, 0, 10, 100));
  EXPECT_FALSE(Q::KeyLess(0, 10, 100, 0, 12, 100));
  // same transmits and length, different id: newer first
  EXPECT_TRUE(Q::KeyLess(0, 12, 100, 0, 12, 90));
  EXPECT_FALSE(Q::KeyLess(0, 12, 90, 0, 12, 100));
  // irreflexive
  EXPECT_FALSE(Q::KeyLess(0, 12, 100, 0, 12, 100));

  // And the queue itself keeps that order: min and max of two entries.
  TransmitLimitedQueue q([] { return 10; }, 1);
  q.QueueBroadcastAt(Named("b", std::string(10, 'x')), 1);
  q.QueueBroadcastAt(Named("a", std::string(10, 'x')), 0);
  auto view = q.OrderedView();
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(LabelOf(view.front()), "a");
  EXPECT_EQ(LabelOf(view.back()), "b");
}

// Go's TestTransmitLimited_Queue.
TEST(TransmitLimitedQueue, NamedBroadcastReplacesSameName) {
  FinishLog log;
  TransmitLimitedQueue q([] { return 1; }, 1);
  q.QueueBroadcast(std::make_unique<TestBroadcast>("test#1", "test", "", &log));
  q.QueueBroadcast(Named("foo", "", &log));
  q.QueueBroadcast(Named("bar", "", &log));
  ASSERT_EQ(q.NumQueued(), 3u);
  auto dump = q.OrderedView(/*reverse=*/true);
  EXPECT_EQ(LabelOf(dump[0]), "test#1");
  EXPECT_EQ(LabelOf(dump[1]), "foo");
  EXPECT_EQ(LabelOf(dump[2]), "bar");

  // Should invalidate the previous message, calling Finished on it.
  q.QueueBroadcast(std::make_unique<TestBroadcast>("test#2", "test", "", &log));
  ASSERT_EQ(q.NumQueued(), 3u);
  EXPECT_EQ(log.finished, std::vector<std::string>{"test#1"});
  dump = q.OrderedView(true);
  EXPECT_EQ(LabelOf(dump[0]), "foo");
  EXPECT_EQ(LabelOf(dump[1]), "bar");
  EXPECT_EQ(LabelOf(dump[2]), "test#2");
}

// Go's TestTransmitLimited_GetBroadcasts.
TEST(TransmitLimitedQueue, GetBroadcastsRespectsByteBudget) {
  TransmitLimitedQueue q([] { return 10; }, 3);
  // 18 bytes per message.
  q.QueueBroadcast(Named("test", "1. this is a test."));
  q.QueueBroadcast(Named("foo", "2. this is a test."));
  q.QueueBroadcast(Named("bar", "3. this is a test."));
  q.QueueBroadcast(Named("baz", "4. this is a test."));

  // 2 bytes overhead: 4 * 20 = 80 fits exactly.
  EXPECT_EQ(q.GetBroadcasts(2, 80).size(), 4u);
  // 3 bytes overhead: only 3 * 21 = 63 fit.
  EXPECT_EQ(q.GetBroadcasts(3, 80).size(), 3u);
}

// Go's TestTransmitLimited_GetBroadcasts_Limit.
TEST(TransmitLimitedQueue, RetiresAtTransmitLimitAndResetsIds) {
  FinishLog log;
  TransmitLimitedQueue q([] { return 10; }, 1);
  EXPECT_EQ(q.id_generator(), 0);
  ASSERT_EQ(RetransmitLimit(1, 10), 2);
  q.QueueBroadcast(Named("test", "1. this is a test.", &log));
  q.QueueBroadcast(Named("foo", "2. this is a test.", &log));
  q.QueueBroadcast(Named("bar", "3. this is a test.", &log));
  q.QueueBroadcast(Named("baz", "4. this is a test.", &log));
  EXPECT_EQ(q.id_generator(), 4);

  EXPECT_EQ(q.GetBroadcasts(3, 80).size(), 3u);
  EXPECT_EQ(q.id_generator(), 4) << "doesn't reset until empty";
  EXPECT_TRUE(log.finished.empty());

  EXPECT_EQ(q.GetBroadcasts(3, 80).size(), 3u);
  EXPECT_EQ(q.id_generator(), 4) << "doesn't reset until empty";
  EXPECT_EQ(log.finished.size(), 2u);

  // Only two not expired.
  EXPECT_EQ(q.GetBroadcasts(3, 80).size(), 2u);
  EXPECT_EQ(q.id_generator(), 0) << "resets on empty";
  EXPECT_EQ(log.finished.size(), 4u);
  for (const char* name : {"test", "foo", "bar", "baz"}) {
    EXPECT_EQ(log.count[name], 1) << name;
  }

  EXPECT_TRUE(q.GetBroadcasts(3, 80).empty());
  EXPECT_EQ(q.id_generator(), 0);
}

// Go's TestTransmitLimited_Prune.
TEST(TransmitLimitedQueue, PruneKeepsFreshestAndFinishesTheRest) {
  FinishLog log;
  TransmitLimitedQueue q([] { return 10; }, 1);
  q.QueueBroadcast(Named("test", "1. this is a test.", &log));
  q.QueueBroadcast(Named("foo", "2. this is a test.", &log));
  q.QueueBroadcast(Named("bar", "3. this is a test.", &log));
  q.QueueBroadcast(Named("baz", "4. this is a test.", &log));

  q.Prune(2);
  EXPECT_EQ(q.NumQueued(), 2u);
  EXPECT_EQ(log.finished, (std::vector<std::string>{"test", "foo"}));
  auto dump = q.OrderedView(true);
  EXPECT_EQ(LabelOf(dump[0]), "bar");
  EXPECT_EQ(LabelOf(dump[1]), "baz");

  q.Prune(5);  // fewer than the limit: no-op
  EXPECT_EQ(q.NumQueued(), 2u);
  q.Prune(0);
  EXPECT_EQ(q.NumQueued(), 0u);
  EXPECT_EQ(q.id_generator(), 0);
}

// Go's TestTransmitLimited_ordering.
TEST(TransmitLimitedQueue, OrderedByTransmitTier) {
  TransmitLimitedQueue q([] { return 10; }, 1);
  const std::pair<const char*, int> inserts[] = {
      {"node0", 0}, {"node1", 10}, {"node2", 3}, {"node3", 4}, {"node4", 7}};
  for (auto [name, transmits] : inserts) {
    q.QueueBroadcastAt(Named(name, name), transmits);
  }
  auto dump = q.OrderedView(true);
  ASSERT_EQ(dump.size(), 5u);
  const int expected[] = {10, 7, 4, 3, 0};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(dump[i].transmits, expected[i]) << i;
}

TEST(TransmitLimitedQueue, NamedReplacementWorksAcrossKindsAndTiers) {
  FinishLog log;
  TransmitLimitedQueue q([] { return 100; }, 4);
  // An "alive" message about n1 that has already been sent twice...
  q.QueueBroadcastAt(
      std::make_unique<TestBroadcast>("alive-n1", "n1", "alive", &log), 2);
  // ...is replaced by a "dead" message about n1 with a different length.
  q.QueueBroadcast(
      std::make_unique<TestBroadcast>("dead-n1", "n1", "dead!!", &log));
  EXPECT_EQ(log.finished, std::vector<std::string>{"alive-n1"});
  auto dump = q.OrderedView();
  ASSERT_EQ(dump.size(), 1u);
  EXPECT_EQ(LabelOf(dump[0]), "dead-n1");
  EXPECT_EQ(dump[0].transmits, 0);
  // The old one is no longer reachable by name: a third replaces only the
  // second.
  q.QueueBroadcast(
      std::make_unique<TestBroadcast>("alive-n1b", "n1", "x", &log));
  EXPECT_EQ(log.finished, (std::vector<std::string>{"alive-n1", "dead-n1"}));
  EXPECT_EQ(q.NumQueued(), 1u);
}

TEST(TransmitLimitedQueue, UnnamedInvalidatesOnlyUnnamedNonUnique) {
  FinishLog log;
  TransmitLimitedQueue q([] { return 100; }, 4);
  auto make = [&](const std::string& label, const std::string& name,
                  bool unique) {
    auto b = std::make_unique<TestBroadcast>(label, name, label, &log, unique);
    b->set_invalidate_key("k");
    return b;
  };
  q.QueueBroadcast(make("plain1", "", false));
  q.QueueBroadcast(make("named", "k", false));
  q.QueueBroadcast(make("unique", "", true));
  EXPECT_TRUE(log.finished.empty());
  EXPECT_EQ(q.NumQueued(), 3u);

  // A new plain one with the same key replaces plain1 only.
  q.QueueBroadcast(make("plain2", "", false));
  EXPECT_EQ(log.finished, std::vector<std::string>{"plain1"});
  EXPECT_EQ(q.NumQueued(), 3u);

  // A unique broadcast with the same key invalidates nothing.
  q.QueueBroadcast(make("unique2", "", true));
  EXPECT_EQ(log.finished, std::vector<std::string>{"plain1"});
  EXPECT_EQ(q.NumQueued(), 4u);
}

TEST(TransmitLimitedQueue, UniqueBroadcastsAreNeverReplaced) {
  FinishLog log;
  TransmitLimitedQueue q([] { return 100; }, 4);
  for (int i = 0; i < 5; ++i) {
    q.QueueBroadcast(
        std::make_unique<TestBroadcast>("u", "", "same", &log, true));
  }
  EXPECT_EQ(q.NumQueued(), 5u);
  EXPECT_TRUE(log.finished.empty());
}

TEST(TransmitLimitedQueue, WalkPicksLongestFittingPerTierAndNeverTwice) {
  TransmitLimitedQueue q([] { return 1000; }, 3);  // limit 9
  q.QueueBroadcast(Named("a", std::string(30, 'a')));
  q.QueueBroadcast(Named("b", std::string(10, 'b')));
  q.QueueBroadcast(Named("c", std::string(20, 'c')));
  // Budget 35: a (30) fits, then nothing else fits in 5 bytes.
  auto out = q.GetBroadcasts(0, 35);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 30u);
  // Tier 0 now holds c(20), b(10); tier 1 holds a(30). Budget 100: c and b
  // from tier 0, then a from tier 1; nothing is picked twice even though
  // c and b move up to tier 1 during the walk.
  out = q.GetBroadcasts(0, 100);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(ToString(out[0]), std::string(20, 'c'));
  EXPECT_EQ(ToString(out[1]), std::string(10, 'b'));
  EXPECT_EQ(ToString(out[2]), std::string(30, 'a'));
  auto view = q.OrderedView();
  ASSERT_EQ(view.size(), 3u);
  EXPECT_EQ(view[0].transmits, 1);
  EXPECT_EQ(view[2].transmits, 2);
}

TEST(TransmitLimitedQueue, OverheadLargerThanLimitSendsNothing) {
  TransmitLimitedQueue q([] { return 10; }, 3);
  q.QueueBroadcast(Named("a", "x"));
  EXPECT_TRUE(q.GetBroadcasts(10, 10).empty());
  EXPECT_TRUE(q.GetBroadcasts(100, 10).empty());
  EXPECT_EQ(q.GetBroadcasts(1, 2).size(), 1u);
}

TEST(TransmitLimitedQueue, ZeroNodesRetiresAfterOneSend) {
  // RetransmitLimit(mult, 0) = 0: every broadcast still goes out once.
  FinishLog log;
  TransmitLimitedQueue q([] { return 0; }, 4);
  q.QueueBroadcast(Named("a", "x", &log));
  EXPECT_EQ(q.GetBroadcasts(0, 100).size(), 1u);
  EXPECT_EQ(log.count["a"], 1);
  EXPECT_EQ(q.NumQueued(), 0u);
}

TEST(TransmitLimitedQueue, ResetAndDestructionFinishEverything) {
  FinishLog log;
  {
    TransmitLimitedQueue q([] { return 10; }, 3);
    q.QueueBroadcast(Named("a", "1", &log));
    q.QueueBroadcast(Named("b", "22", &log));
    q.Reset();
    EXPECT_EQ(q.NumQueued(), 0u);
    EXPECT_EQ(q.id_generator(), 0);
    // Queue order: longest first.
    EXPECT_EQ(log.finished, (std::vector<std::string>{"b", "a"}));
    q.QueueBroadcast(Named("c", "3", &log));
    q.QueueBroadcast(Named("d", "4", &log));
  }
  EXPECT_EQ(log.finished, (std::vector<std::string>{"b", "a", "d", "c"}));
}

TEST(TransmitLimitedQueue, NumNodesIsReadOnEveryCall) {
  int n = 1;
  FinishLog log;
  TransmitLimitedQueue q([&n] { return n; }, 1);  // limit 1 at n=1
  q.QueueBroadcast(Named("a", "x", &log));
  n = 1000;  // limit 4 now
  q.GetBroadcasts(0, 100);
  EXPECT_EQ(q.NumQueued(), 1u);
  n = 1;  // limit 1: retired on the next send
  q.GetBroadcasts(0, 100);
  EXPECT_EQ(q.NumQueued(), 0u);
  EXPECT_EQ(log.count["a"], 1);
}

TEST(TransmitLimitedQueue, IdsRestartAfterEmptyingButOrderStaysConsistent) {
  // Go resets the id counter when the tree empties, even mid-walk while
  // moved entries wait to be re-inserted. The re-used ids must not lose
  // entries.
  FinishLog log;
  TransmitLimitedQueue q([] { return 1000; }, 3);
  q.QueueBroadcast(Named("a", "same", &log));  // id 1
  q.GetBroadcasts(0, 100);  // a moves to tier 1; tree empty mid-walk -> 0
  EXPECT_EQ(q.id_generator(), 0);
  q.QueueBroadcastAt(Named("b", "same", &log), 1);  // id 1 again, tier 1
  EXPECT_EQ(q.NumQueued(), 2u);
  auto view = q.OrderedView();
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(view[0].id, 1);
  EXPECT_EQ(view[1].id, 1);
  EXPECT_EQ(LabelOf(view[0]), "b");  // newer first
  q.Reset();
  EXPECT_EQ(log.count["a"], 1);
  EXPECT_EQ(log.count["b"], 1);
}

// Property: random sequences of queue / get / prune / reset. Every
// broadcast is Finished exactly once by the end (after the queue is
// destroyed), GetBroadcasts never exceeds the byte limit, and no broadcast
// is sent more times than the retransmit limit.
RC_GTEST_PROP(TransmitLimitedQueueProperty, FinishedOnceBudgetAndLimitHold,
              ()) {
  const int mult = *rc::gen::inRange(1, 5);
  const int nodes = *rc::gen::inRange(0, 200);
  const int transmit_limit = std::max(1, RetransmitLimit(mult, nodes));
  struct Tracker {
    std::map<int, int> finished;  // broadcast id -> Finished calls
    std::map<int, int> sent;      // broadcast id -> sends
  } tracker;

  class Tracked : public Broadcast {
   public:
    Tracked(int id, std::string name, Bytes msg, bool unique, int inval_key,
            Tracker* t)
        : id_(id),
          name_(std::move(name)),
          msg_(std::move(msg)),
          unique_(unique),
          inval_key_(inval_key),
          t_(t) {}
    ByteSpan Message() const override { return msg_; }
    std::string_view Name() const override { return name_; }
    bool IsUnique() const override { return unique_; }
    bool Invalidates(const Broadcast& other) const override {
      auto* o = dynamic_cast<const Tracked*>(&other);
      return o != nullptr && inval_key_ >= 0 && o->inval_key_ == inval_key_;
    }
    void Finished() override { ++t_->finished[id_]; }

   private:
    int id_;
    std::string name_;
    Bytes msg_;
    bool unique_;
    int inval_key_;
    Tracker* t_;
  };

  int next_id = 0;
  {
    TransmitLimitedQueue q([nodes] { return nodes; }, mult);
    const int steps = *rc::gen::inRange(1, 120);
    for (int step = 0; step < steps; ++step) {
      const int op = *rc::gen::inRange(0, 10);
      if (op < 6) {
        const int id = next_id++;
        const int kind = *rc::gen::inRange(0, 3);  // named/plain/unique
        const int len = *rc::gen::inRange(0, 40);
        // The message starts with the id so sends can be attributed.
        Bytes msg(static_cast<size_t>(len) + 4, 'x');
        msg[0] = static_cast<uint8_t>(id);
        msg[1] = static_cast<uint8_t>(id >> 8);
        msg[2] = static_cast<uint8_t>(id >> 16);
        msg[3] = static_cast<uint8_t>(id >> 24);
        std::string name =
            kind == 0 ? "n" + std::to_string(*rc::gen::inRange(0, 6)) : "";
        q.QueueBroadcast(std::make_unique<Tracked>(
            id, name, std::move(msg), kind == 2,
            kind == 1 ? *rc::gen::inRange(-1, 4) : -1, &tracker));
      } else if (op < 9) {
        const size_t overhead = *rc::gen::inRange(0, 5);
        const size_t limit = *rc::gen::inRange(0, 200);
        auto out = q.GetBroadcasts(overhead, limit);
        size_t used = 0;
        for (const Bytes& m : out) {
          used += overhead + m.size();
          RC_ASSERT(m.size() >= 4u);
          const int id = m[0] | (m[1] << 8) | (m[2] << 16) | (m[3] << 24);
          ++tracker.sent[id];
        }
        RC_ASSERT(used <= limit);
      } else {
        if (*rc::gen::inRange(0, 4) == 0) {
          q.Reset();
          RC_ASSERT(q.NumQueued() == 0u);
        } else {
          const size_t keep = *rc::gen::inRange(0, 10);
          q.Prune(keep);
          RC_ASSERT(q.NumQueued() <= keep);
        }
      }
      for (auto& [id, n] : tracker.sent) RC_ASSERT(n <= transmit_limit);
    }
  }
  for (int id = 0; id < next_id; ++id) {
    RC_ASSERT(tracker.finished[id] == 1);
  }
}

// Go's getBroadcasts written the slow, obvious way over a sorted vector:
// after every pick the tier is searched again from its start with the new
// budget. The queue walks each tier once; the two must pick the same
// messages in the same order and leave the same queue behind, whatever
// the mix of lengths, budgets, scales and name replacements.
struct ModelEntry {
  int transmits;
  int64_t len;
  int64_t id;
  uint64_t seq;
  std::string name;
  std::string msg;
  int scale;
};

class ScaledBroadcast : public Broadcast {
 public:
  ScaledBroadcast(std::string name, std::string msg, int scale)
      : name_(std::move(name)), msg_(ToBytes(msg)), scale_(scale) {}
  ByteSpan Message() const override { return msg_; }
  std::string_view Name() const override { return name_; }
  int TransmitScale() const override { return scale_; }

 private:
  std::string name_;
  Bytes msg_;
  int scale_;
};

struct QueueModel {
  std::vector<ModelEntry> entries;
  int64_t id_gen = 0;
  uint64_t seq = 0;

  static bool Before(const ModelEntry& a, const ModelEntry& b) {
    if (a.transmits != b.transmits) return a.transmits < b.transmits;
    if (a.len != b.len) return a.len > b.len;
    if (a.id != b.id) return a.id > b.id;
    return a.seq > b.seq;
  }
  void Sort() { std::sort(entries.begin(), entries.end(), Before); }

  void Queue(const std::string& name, const std::string& msg, int scale) {
    id_gen = id_gen == std::numeric_limits<int64_t>::max() ? 1 : id_gen + 1;
    // Go's deleteItem resets the generator when the tree empties, even
    // here, just before the replacement goes in (which keeps its id).
    const size_t replaced = std::erase_if(
        entries, [&](const ModelEntry& e) { return e.name == name; });
    const int64_t id = id_gen;
    if (replaced > 0 && entries.empty()) id_gen = 0;
    entries.push_back(ModelEntry{0, static_cast<int64_t>(msg.size()), id, ++seq,
                                 name, msg, scale});
    Sort();
  }

  std::vector<std::string> Get(int64_t overhead, int64_t limit,
                               int transmit_limit) {
    std::vector<std::string> out;
    if (entries.empty()) return out;
    Sort();
    const int min_tr = entries.front().transmits;
    const int max_tr = entries.back().transmits;
    int64_t used = 0;
    std::vector<ModelEntry> reinsert;
    for (int t = min_tr; t <= max_tr;) {
      const int64_t free = limit - used - overhead;
      if (free <= 0) break;
      auto it = std::find_if(entries.begin(), entries.end(),
                             [&](const ModelEntry& e) {
                               return e.transmits == t && e.len <= free;
                             });
      if (it == entries.end()) {
        ++t;
        continue;
      }
      used += overhead + it->len;
      out.push_back(it->msg);
      ModelEntry e = *it;
      entries.erase(it);
      if (entries.empty()) id_gen = 0;
      if (e.transmits + 1 < transmit_limit * e.scale) {
        ++e.transmits;
        reinsert.push_back(e);
      }
    }
    for (auto& e : reinsert) entries.push_back(e);
    Sort();
    return out;
  }
};

RC_GTEST_PROP(TransmitLimitedQueueProperty, WalkMatchesGoSearchAfterEachPick,
              ()) {
  const int mult = *rc::gen::inRange(1, 4);
  const int nodes = *rc::gen::inRange(1, 60);
  const int transmit_limit = RetransmitLimit(mult, nodes);
  TransmitLimitedQueue q([nodes] { return nodes; }, mult);
  QueueModel model;
  const int steps = *rc::gen::inRange(1, 200);
  for (int step = 0; step < steps; ++step) {
    if (*rc::gen::inRange(0, 3) != 0) {
      const std::string name = "n" + std::to_string(*rc::gen::inRange(0, 25));
      // Few distinct lengths, so tiers hold runs of equal length as after a
      // mass join, plus outliers that a small budget must skip.
      const int len = *rc::gen::element(1, 5, 5, 5, 9, 30, 61);
      const std::string msg =
          name + ":" + std::to_string(step) + std::string(len, 'x');
      const int scale = *rc::gen::element(1, 1, 1, 3);
      q.QueueBroadcast(std::make_unique<ScaledBroadcast>(name, msg, scale));
      model.Queue(name, msg, scale);
    } else {
      const int64_t overhead = *rc::gen::inRange(0, 4);
      const int64_t limit = *rc::gen::inRange(0, 260);
      std::vector<Bytes> got = q.GetBroadcasts(static_cast<size_t>(overhead),
                                               static_cast<size_t>(limit));
      std::vector<std::string> want =
          model.Get(overhead, limit, transmit_limit);
      std::vector<std::string> got_s;
      for (const Bytes& b : got) got_s.push_back(ToString(b));
      RC_ASSERT(got_s == want);
    }
    const auto view = q.OrderedView();
    RC_ASSERT(view.size() == model.entries.size());
    for (size_t i = 0; i < view.size(); ++i) {
      RC_ASSERT(view[i].transmits == model.entries[i].transmits);
      RC_ASSERT(view[i].id == model.entries[i].id);
      RC_ASSERT(ToString(Bytes(view[i].broadcast->Message().begin(),
                               view[i].broadcast->Message().end())) ==
                model.entries[i].msg);
    }
    RC_ASSERT(q.id_generator() == model.id_gen);
  }
}

}  // namespace
}  // namespace swim
