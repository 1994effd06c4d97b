// The merge laws of core::Memberlist as rapidcheck property bodies.
//
// Header-only on purpose: the same bodies are compiled once against
// //core:memberlist (merge_laws_test) and once against
// //core:memberlist_planted_bugs (planted_bugs_*), which define the same
// symbols and so cannot share a binary. Each Law* function takes the
// Config::planted_bugs mask to run with and the generated input, and fails
// through RC_FAIL with a message naming the broken law. The laws, and why
// some are weaker than "order does not matter", are in docs/merge-laws.md.
//
// Every law drives real nodes through their wire entry points
// (HandlePacket / HandleStream) with virtual time frozen: no timer ever
// fires, so suspicions never time out and dead nodes are never reaped.
#ifndef SWIM_TESTS_PROPERTIES_LAWS_H_
#define SWIM_TESTS_PROPERTIES_LAWS_H_

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <rapidcheck.h>

#include "core/config.h"
#include "core/internal/planted_bugs.h"
#include "core/memberlist.h"

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/core/fake_env.h"
#include "tests/properties/generators.h"

namespace swim::props {

// --- one node under test
// ------------------------------------------------------

// What the laws compare about one table entry.
struct Entry {
  NodeState state = NodeState::kAlive;
  uint32_t incarnation = 0;
  std::string meta;
  Address addr;
  friend bool operator==(const Entry&, const Entry&) = default;
};
using Table = std::map<std::string, Entry>;

inline std::string ToString(const Entry& e) {
  return std::string(NodeStateName(e.state)) + "@" +
         std::to_string(e.incarnation) + " meta=\"" + e.meta +
         "\" addr=" + e.addr.ToString();
}
inline std::string ToString(const Table& t) {
  std::string s = "{";
  for (const auto& [name, e] : t) s += " " + name + ": " + ToString(e) + ";";
  return s + " }";
}
inline std::string ToString(const std::vector<Delivery>& ds) {
  std::string s;
  for (const Delivery& d : ds) s += "\n    " + ToString(d);
  return s;
}

// Precedence within one incarnation (protocol.md §6.5-6.6).
inline int Precedence(NodeState s) {
  switch (s) {
    case NodeState::kAlive:
      return 0;
    case NodeState::kSuspect:
      return 1;
    case NodeState::kDead:
    case NodeState::kLeft:
      return 2;
  }
  return 3;
}
inline std::pair<uint32_t, int> Rank(const Entry& e) {
  return {e.incarnation, Precedence(e.state)};
}

inline void Require(bool ok, const std::string& what) {
  if (!ok) RC_FAIL(what);
}

// A started node with a frozen FakeEnv; deliveries go through the wire path.
class Replica {
 public:
  Replica(std::string name, uint32_t bugs, uint64_t seed) : env_(seed) {
    Config c = DefaultLANConfig();
    c.name = name;
    c.bind_port = 7946;
    c.planted_bugs = bugs;
    auto ml = Memberlist::Create(c, &env_, AddressOf(name));
    RC_ASSERT(ml.ok());
    ml_ = std::move(*ml);
    RC_ASSERT(ml_->Start().ok());
  }

  void Deliver(const Delivery& d) {
    const Bytes bytes = EncodeDelivery(d);
    if (d.via == Via::kPushPull) {
      std::optional<Bytes> reply = ml_->HandleStream(kPeer, bytes);
      Require(reply.has_value(), "push/pull got no reply");
    } else {
      ml_->HandlePacket(kPeer, bytes, env_.Now());
    }
  }
  void DeliverAll(const std::vector<Delivery>& ds) {
    for (const Delivery& d : ds) Deliver(d);
  }
  void DeliverInOrder(const std::vector<Delivery>& ds,
                      const std::vector<size_t>& order) {
    for (size_t i : order) Deliver(ds[i]);
  }
  // Lets d of virtual time pass in 100 ms steps, failing every stream the
  // node opens (nobody listens) and dropping every packet it sends, as a
  // real Env would for unreachable peers.
  void AdvanceFailingStreams(absl::Duration d) {
    const Instant end = env_.Now() + d;
    while (env_.Now() < end) {
      env_.AdvanceTo(std::min(end, env_.Now() + absl::Milliseconds(100)));
      auto calls = std::move(env_.streams());
      env_.streams().clear();
      for (auto& call : calls) {
        call.done(absl::UnavailableError("connection refused"));
      }
      env_.packets().clear();
    }
  }
  // Raw stream bytes (e.g. another node's push/pull reply).
  std::optional<Bytes> DeliverStream(ByteSpan stream) {
    return ml_->HandleStream(kPeer, stream);
  }

  Table Snapshot() const {
    Table t;
    for (const Node& n : ml_->AllNodes()) {
      t[n.name] =
          Entry{n.state, n.incarnation, n.meta, Address{n.addr, n.port, ""}};
    }
    return t;
  }
  Memberlist& ml() { return *ml_; }

 private:
  const Address kPeer{IpAddress::V4(10, 0, 9, 9), 7946, ""};
  FakeEnv env_;
  std::unique_ptr<Memberlist> ml_;
};

// Every message in ds, as gossip (push/pull entries mapped per §6.8 for a
// receiver named self_name), with the delivery it came in.
inline std::vector<std::pair<Msg, Via>> Flatten(const std::vector<Delivery>& ds,
                                                const std::string& self_name) {
  std::vector<std::pair<Msg, Via>> out;
  for (const Delivery& d : ds) {
    for (const Msg& m : d.msgs) {
      out.emplace_back(
          d.via == Via::kPushPull ? PushPullAsGossip(m, self_name) : m, d.via);
    }
  }
  return out;
}

// Draws (inside a property) a delivery order for n deliveries: every index
// at least once, some twice or more (duplicates), in any order.
inline std::vector<size_t> DrawOrderWithDuplicates(size_t n) {
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  if (n > 0) {
    const auto extra = *rc::gen::resize(
        30, rc::gen::container<std::vector<size_t>>(
                rc::gen::resize(kFullSize, rc::gen::inRange<size_t>(0, n))));
    idx.insert(idx.end(), extra.begin(), extra.end());
  }
  const auto perm = *GenPermutation(idx.size());
  std::vector<size_t> order;
  for (size_t p : perm) order.push_back(idx[p]);
  return order;
}

// --- A1: agreement on consistent histories
// -------------------------------------
//
// Two nodes given the same prelude and then the same deliveries in two
// different orders (the second with duplicates) end with the same (state,
// incarnation, address) for every other member, and the same meta for alive
// members. Both equal the model: with A the newest alive and J the accusation
// incarnation, Alive@A if A > J, else Dead@J if a gossiped death arrived,
// Left@J if a leave did, Suspect@J otherwise.
inline void LawAgreementConsistent(uint32_t bugs, const ConsistentScenario& c) {
  const auto order = DrawOrderWithDuplicates(c.deliveries.size());
  Replica r1(kSelf, bugs, 1), r2(kSelf, bugs, 2);
  r1.DeliverAll(c.prelude);
  r2.DeliverAll(c.prelude);
  r1.DeliverAll(c.deliveries);
  r2.DeliverInOrder(c.deliveries, order);
  const Table t1 = r1.Snapshot(), t2 = r2.Snapshot();
  const auto msgs = Flatten(c.deliveries, kSelf);
  int accused = 0;
  for (const std::string& name : NamePool()) {
    if (name == kSelf) continue;
    Require(t1.count(name) && t2.count(name), "member " + name + " missing");
    const Entry& e1 = t1.at(name);
    const Entry& e2 = t2.at(name);
    // The model.
    uint32_t a = 1;
    std::optional<uint32_t> j;
    bool gossip_dead = false, left = false;
    for (const auto& [m, via] : msgs) {
      if (m.node != name) continue;
      if (m.kind == MsgKind::kAlive) a = std::max(a, m.incarnation);
      if (m.IsAccusation()) j = m.incarnation;
      gossip_dead |= m.kind == MsgKind::kDead;
      left |= m.kind == MsgKind::kLeft;
    }
    Entry want;
    want.addr = AddressOf(name);
    if (!j.has_value() || a > *j) {
      want.state = NodeState::kAlive;
      want.incarnation = a;
      want.meta = CanonicalMeta(name, a);
    } else {
      want.state = gossip_dead ? NodeState::kDead
                   : left      ? NodeState::kLeft
                               : NodeState::kSuspect;
      want.incarnation = *j;
    }
    const std::string ctx = "\n  member " + name + ": in order " +
                            ToString(e1) + ", permuted " + ToString(e2) +
                            ", model " + ToString(want) +
                            "\n  table in order: " + ToString(t1) +
                            "\n  table permuted: " + ToString(t2);
    Require(e1.state == e2.state && e1.incarnation == e2.incarnation &&
                e1.addr == e2.addr,
            "A1 agreement: (state, incarnation, address) differ" + ctx);
    if (e1.state == NodeState::kAlive) {
      Require(e1.meta == e2.meta,
              "A1 agreement: meta of an alive member differs" + ctx);
    }
    Require(e1.state == want.state && e1.incarnation == want.incarnation &&
                e1.addr == want.addr,
            "A1 agreement: differs from the model" + ctx);
    if (want.state == NodeState::kAlive) {
      Require(e1.meta == want.meta,
              "A1 agreement: alive meta differs from the model" + ctx);
    }
    accused += want.state != NodeState::kAlive;
  }
  RC_CLASSIFY(accused > 0, "A1: some member ends accused");
  RC_CLASSIFY(accused == 0, "A1: every member ends alive");
}

// --- A2: agreement where the newest alive dominates
// ---------------------------------
//
// For ANY deliveries in any two orders, duplicates included (no prelude): a
// member whose alives all carry its home address, whose newest alive A >= 1 is
// newer than every accusation about it, and whose alives at A agree on meta,
// ends Alive@A with that meta on both nodes.
inline void LawAgreementAliveDominant(uint32_t bugs,
                                      const std::vector<Delivery>& ds) {
  const auto order = DrawOrderWithDuplicates(ds.size());
  Replica r1(kSelf, bugs, 1), r2(kSelf, bugs, 2);
  r1.DeliverAll(ds);
  r2.DeliverInOrder(ds, order);
  const Table t1 = r1.Snapshot(), t2 = r2.Snapshot();
  const auto msgs = Flatten(ds, kSelf);
  int checked = 0, contested = 0;
  for (const std::string& name : NamePool()) {
    if (name == kSelf) continue;
    uint32_t a = 0, j_max = 0;
    bool any_accusation = false, home = true;
    for (const auto& [m, via] : msgs) {
      if (m.node != name) continue;
      if (m.kind == MsgKind::kAlive) {
        a = std::max(a, m.incarnation);
        home &= m.addr == 0;
      } else {
        any_accusation = true;
        j_max = std::max(j_max, m.incarnation);
      }
    }
    if (a == 0 || !home || (any_accusation && j_max >= a)) continue;
    std::optional<std::string> meta;
    bool metas_agree = true;
    for (const auto& [m, via] : msgs) {
      if (m.node != name || m.kind != MsgKind::kAlive || m.incarnation != a)
        continue;
      const std::string mm = m.meta.value_or("");
      if (meta.has_value() && *meta != mm) metas_agree = false;
      meta = mm;
    }
    if (!metas_agree) continue;
    const Entry want{NodeState::kAlive, a, *meta, AddressOf(name)};
    const std::string ctx = "\n  member " + name + " should be " +
                            ToString(want) + "\n  deliveries:" + ToString(ds) +
                            "\n  table in order: " + ToString(t1) +
                            "\n  table permuted: " + ToString(t2);
    Require(t1.count(name) && t1.at(name) == want,
            "A2 alive-dominant agreement broken (in order)" + ctx);
    Require(t2.count(name) && t2.at(name) == want,
            "A2 alive-dominant agreement broken (permuted)" + ctx);
    ++checked;
    contested += any_accusation;
  }
  RC_CLASSIFY(checked > 0, "A2: checked a member");
  RC_CLASSIFY(contested > 0, "A2: checked a member that was also accused");
}

// --- P: provenance
// --------------------------------------------------------------------
//
// For any deliveries: every entry about another member was said by some
// delivered message (state and incarnation by one message, meta and address
// by some alive about it); the only invented entry is memberlist's Dead@0
// stub left by an alive at incarnation 0 about an unknown node.
inline void LawProvenance(uint32_t bugs, const std::vector<Delivery>& ds) {
  Replica r(kSelf, bugs, 3);
  r.DeliverAll(ds);
  const Table t = r.Snapshot();
  const auto msgs = Flatten(ds, kSelf);
  for (const auto& [name, e] : t) {
    const std::string ctx = "\n  entry " + name + ": " + ToString(e) +
                            "\n  deliveries:" + ToString(ds);
    if (name == kSelf) {
      Require(
          e.state == NodeState::kAlive && e.incarnation == r.ml().Incarnation(),
          "P provenance: own entry is not Alive at our incarnation" + ctx);
      continue;
    }
    bool state_said = false, meta_addr_said = false;
    for (const auto& [m, via] : msgs) {
      if (m.node != name) continue;
      if (m.kind == MsgKind::kAlive) {
        if (m.meta.value_or("") == e.meta &&
            AddressOf(name, m.addr) == e.addr) {
          meta_addr_said = true;
          if (e.state == NodeState::kAlive && e.incarnation == m.incarnation) {
            state_said = true;
          }
          if (e.state == NodeState::kDead && e.incarnation == 0 &&
              m.incarnation == 0) {
            state_said = true;  // the stub
          }
        }
        continue;
      }
      if (m.incarnation != e.incarnation) continue;
      if ((m.kind == MsgKind::kSuspect && e.state == NodeState::kSuspect) ||
          (m.kind == MsgKind::kDead && e.state == NodeState::kDead) ||
          (m.kind == MsgKind::kLeft && e.state == NodeState::kLeft)) {
        state_said = true;
      }
    }
    Require(meta_addr_said,
            "P provenance: meta/address said by no alive" + ctx);
    Require(state_said,
            "P provenance: state@incarnation said by no message" + ctx);
  }
}

// --- I: idempotence
// ------------------------------------------------------------------------
//
// Delivering a packet, or a push/pull, a second time right after the first
// changes nothing: not the table, not our incarnation, not the broadcast
// queue. (A compound with two messages about one member is a sequence, not
// a message, and is exempt: see docs/merge-laws.md.)
inline void LawIdempotence(uint32_t bugs, const std::vector<Delivery>& ds) {
  Replica r(kSelf, bugs, 4);
  int effective = 0;
  for (size_t i = 0; i < ds.size(); ++i) {
    const Delivery& d = ds[i];
    const Table first_before = r.Snapshot();
    r.Deliver(d);
    effective += !(first_before == r.Snapshot());
    std::set<std::string> nodes;
    for (const Msg& m : d.msgs) nodes.insert(m.node);
    if (nodes.size() != d.msgs.size()) continue;  // a sequence
    const Table before = r.Snapshot();
    const uint32_t inc = r.ml().Incarnation();
    const size_t queued = r.ml().NumQueuedBroadcasts();
    r.Deliver(d);
    const Table after = r.Snapshot();
    const std::string ctx =
        "\n  repeated " + ToString(d) + " after" +
        ToString(std::vector<Delivery>(ds.begin(), ds.begin() + i)) +
        "\n  before: " + ToString(before) + "\n  after:  " + ToString(after);
    Require(before == after, "I idempotence: the table changed" + ctx);
    Require(inc == r.ml().Incarnation(),
            "I idempotence: our incarnation changed" + ctx);
    Require(queued == r.ml().NumQueuedBroadcasts(),
            "I idempotence: something new was queued for broadcast" + ctx);
  }
  RC_CLASSIFY(effective >= 3,
              "I: >= 3 deliveries changed the table the first time");
}

// --- M: monotonicity
// -----------------------------------------------------------------------
//
// Between any two deliveries, for every member already known:
//  * it stays in the table -- with time frozen; when time runs (pauses_ms
//    non-empty: the node probes, nobody answers, suspicions time out) a
//    member that was Dead, or Suspect and timed out, may be reaped in a
//    pause after GossipToTheDeadTime, and if it comes back its history
//    restarts (as in Go: moveDeadNodes reaps only Dead, never Left);
//  * unless it was Left (before or during the delivery: a compound can
//    carry the leave too) and an alive moved it to a new address (a
//    reclaim: a new process took the name), its address is unchanged, its
//    (incarnation, precedence) never goes backwards, an equal rank means an
//    unchanged entry, and Dead/Left -> Alive needs a strictly higher
//    incarnation;
//  * a reclaim by a lone alive leaves it Alive (any incarnation);
//  * our own incarnation never decreases and our own entry stays Alive at it.
// The same holds across each pause (timers only move members forward:
// alive -> suspect by a failed probe, suspect -> dead by the timeout).
inline void LawMonotonicity(uint32_t bugs, const std::vector<Delivery>& ds,
                            const std::vector<int>& pauses_ms = {}) {
  Replica r(kSelf, bugs, 5);
  Table before = r.Snapshot();
  uint32_t own = r.ml().Incarnation();
  bool revived = false, reclaimed = false, refuted = false, reaped = false,
       timed_out = false;
  // Checks one step; `d` is the delivery of the step, or null for a pause.
  auto check = [&](const Table& after, const Delivery* d,
                   const std::string& ctx) {
    for (const auto& [name, b] : before) {
      // Reaped: Dead before the pause, or Suspect and timed out in it.
      if (!after.count(name) && d == nullptr &&
          (b.state == NodeState::kDead || b.state == NodeState::kSuspect)) {
        reaped = true;
        continue;
      }
      Require(after.count(name), "M monotonicity: " + name + " vanished" + ctx);
      const Entry& a = after.at(name);
      const std::string who =
          " (" + name + ": " + ToString(b) + " -> " + ToString(a) + ")";
      if (name == kSelf) continue;
      // A leave and the reclaim may both be inside this one delivery.
      bool left_now = b.state == NodeState::kLeft;
      if (d != nullptr) {
        for (const Msg& m : d->msgs) {
          left_now |= m.node == name && m.kind == MsgKind::kLeft;
        }
      }
      if (left_now && !(a.addr == b.addr)) {
        // A new process took the name: its history starts afresh (later
        // messages in the same compound may already accuse it).
        if (d != nullptr && d->msgs.size() == 1) {
          Require(a.state == NodeState::kAlive,
                  "M monotonicity: a reclaimed name is not alive" + who + ctx);
        }
        reclaimed = true;
        continue;
      }
      Require(a.addr == b.addr,
              "M monotonicity: address changed without a reclaim" + who + ctx);
      Require(
          Rank(a) >= Rank(b),
          "M monotonicity: (incarnation, state) went backwards" + who + ctx);
      Require(Rank(a) != Rank(b) || a == b,
              "M monotonicity: entry changed at equal rank" + who + ctx);
      if (Precedence(b.state) == 2 && a.state == NodeState::kAlive) {
        Require(a.incarnation > b.incarnation,
                "M monotonicity: dead member alive again without a higher "
                "incarnation" +
                    who + ctx);
        revived = true;
      }
      timed_out |= d == nullptr && b.state == NodeState::kSuspect &&
                   a.state == NodeState::kDead;
    }
    const uint32_t now_own = r.ml().Incarnation();
    Require(now_own >= own, "M monotonicity: our incarnation decreased" + ctx);
    refuted |= now_own > own;
    Require(
        after.count(kSelf) && after.at(kSelf).state == NodeState::kAlive &&
            after.at(kSelf).incarnation == now_own,
        "M monotonicity: our own entry is not Alive at our incarnation" + ctx);
    own = now_own;
    before = after;
  };
  std::string history;
  for (size_t i = 0; i < ds.size(); ++i) {
    r.Deliver(ds[i]);
    history += "\n    " + ToString(ds[i]);
    Table after = r.Snapshot();
    check(after, &ds[i],
          "\n  after" + history + "\n  before: " + ToString(before) +
              "\n  after:  " + ToString(after));
    if (i < pauses_ms.size() && pauses_ms[i] > 0) {
      r.AdvanceFailingStreams(absl::Milliseconds(pauses_ms[i]));
      history += "\n    (" + std::to_string(pauses_ms[i]) + " ms pass)";
      after = r.Snapshot();
      check(after, nullptr,
            "\n  after" + history + "\n  before: " + ToString(before) +
                "\n  after:  " + ToString(after));
    }
  }
  RC_CLASSIFY(revived, "M: a dead/left member came back");
  RC_CLASSIFY(reclaimed, "M: a left name was reclaimed at a new address");
  RC_CLASSIFY(refuted, "M: we refuted");
  if (!pauses_ms.empty()) {
    RC_CLASSIFY(timed_out, "M: a suspicion timed out");
    RC_CLASSIFY(reaped, "M: a dead member was reaped");
  }
}

// --- R: refutation
// ------------------------------------------------------------------------------
//
// A live node X that hears any suspicion or death about itself (among any
// other deliveries) ends Alive with an incarnation above every accusation
// it heard. An observer Y that heard the same deliveries (in another order,
// with duplicates, after knowing X as alive at 1) takes X's refutation: both as
// an alive gossiped from X's own record and as X's real push/pull reply, Y ends
// with X Alive at X's incarnation and meta -- unless some alive claimed X's
// name from another address (then a leave about X lets the impostor reclaim the
// name at Y, and X's alive is a conflict there: Go's §6.7).
inline void LawRefutation(uint32_t bugs, const std::vector<Delivery>& ds) {
  const auto order = DrawOrderWithDuplicates(ds.size());
  uint32_t accused = 0;
  bool any = false;
  for (const auto& [m, via] : Flatten(ds, kSelf)) {
    if (m.node == kSelf && m.IsAccusation()) {
      any = true;
      accused = std::max(accused, m.incarnation);
    }
  }
  RC_PRE(any);
  Replica x(kSelf, bugs, 6);
  x.DeliverAll(ds);
  const Node me = x.ml().LocalNode();
  const std::string ctx =
      "\n  X (" + kSelf + ") heard:" + ToString(ds) +
      "\n  X's table: " + ToString(x.Snapshot()) +
      "\n  highest accusation about X: " + std::to_string(accused);
  Require(me.state == NodeState::kAlive, "R refutation: X is not alive" + ctx);
  Require(me.incarnation == x.ml().Incarnation(),
          "R refutation: X's record and counter disagree" + ctx);
  Require(x.ml().Incarnation() > accused,
          "R refutation: X's incarnation is not above the accusation" + ctx);
  // The observer half needs X's name to be X's: an alive about X from
  // another address can take the name at Y after a leave about X (reclaim,
  // §6.7), and then X's own alive is a conflict at Y, as in Go.
  bool impostor = false, leave = false;
  for (const auto& [m, via] : Flatten(ds, kSelf)) {
    impostor |= m.node == kSelf && m.kind == MsgKind::kAlive && m.addr != 0;
    leave |= m.node == kSelf && m.kind == MsgKind::kLeft;
  }
  RC_CLASSIFY(impostor && leave,
              "R: impostor may reclaim X's name (observer half skipped)");
  if (impostor && leave) return;

  Delivery intro;
  Msg hello;
  hello.kind = MsgKind::kAlive;
  hello.node = kSelf;
  hello.incarnation = 1;
  hello.meta = std::string("");
  intro.msgs.push_back(hello);
  const Entry want{NodeState::kAlive, me.incarnation, me.meta,
                   AddressOf(kSelf)};

  // Y1: X's alive as gossip.
  {
    Replica y("observer", bugs, 7);
    y.Deliver(intro);
    y.DeliverInOrder(ds, order);
    const Table held = y.Snapshot();
    wire::Alive a;
    a.incarnation = me.incarnation;
    a.node = me.name;
    a.addr = me.addr;
    a.port = me.port;
    if (!me.meta.empty()) a.meta = me.meta;
    a.vsn = me.vsn;
    Bytes msg;
    wire::Encode(a, AddressMode::kBinary, &msg);
    y.ml().HandlePacket(AddressOf(kSelf), wire::EncodePacket(msg, {}, nullptr),
                        Instant::Zero());
    const Table t = y.Snapshot();
    Require(t.count(kSelf) && t.at(kSelf) == want,
            "R refutation: X's alive did not win at Y (gossip)" + ctx +
                "\n  Y held: " + ToString(held) + "\n  Y now: " + ToString(t) +
                "\n  want " + ToString(want));
  }
  // Y2: X's push/pull reply.
  {
    Replica y("observer", bugs, 8);
    y.Deliver(intro);
    y.DeliverInOrder(ds, order);
    Delivery ask;
    ask.via = Via::kPushPull;
    std::optional<Bytes> reply =
        x.ml().HandleStream(AddressOf("observer"), EncodeDelivery(ask));
    Require(reply.has_value(), "R refutation: X sent no push/pull reply");
    y.DeliverStream(*reply);
    const Table t = y.Snapshot();
    Require(t.count(kSelf) && t.at(kSelf) == want,
            "R refutation: X's alive did not win at Y (push/pull)" + ctx +
                "\n  Y now: " + ToString(t) + "\n  want " + ToString(want));
  }
}

// Draws (inside a property) any deliveries with one accusation about X
// (kSelf) inserted at a random place, as a packet or in a push/pull.
inline std::vector<Delivery> DrawAccusedHistory() {
  std::vector<Delivery> ds = *GenDeliveries();
  Delivery d;
  d.via = *rc::gen::element(Via::kPacket, Via::kPushPull);
  d.msgs.push_back(*GenAccusation(kSelf));
  const size_t at = *rc::gen::inRange<size_t>(0, ds.size() + 1);
  ds.insert(ds.begin() + static_cast<std::ptrdiff_t>(at), d);
  return ds;
}

// Draws deliveries for A2: half the time with home addresses only and/or
// canonical meta, so that many members qualify for the law.
inline std::vector<Delivery> DrawAliveDominantHistory() {
  MsgSpace s;
  s.other_addresses = *rc::gen::arbitrary<bool>();
  s.free_meta = *rc::gen::arbitrary<bool>();
  return *GenDeliveries(s);
}

// --- S: push/pull is sequential gossip
// ---------------------------------------------------------
//
// After any history, merging a push/pull leaves exactly the state (table,
// our incarnation, broadcast queue length) that gossiping its entries one
// by one, in order, mapped per §6.8, leaves.
inline void LawPushPullIsSequential(uint32_t bugs,
                                    const std::vector<Delivery>& prefix,
                                    const Delivery& pp) {
  Replica merged(kSelf, bugs, 9), gossiped(kSelf, bugs, 9);
  merged.DeliverAll(prefix);
  gossiped.DeliverAll(prefix);
  const Table merged_before = merged.Snapshot();
  merged.Deliver(pp);
  for (const Msg& m : pp.msgs) {
    Delivery g;
    g.msgs.push_back(PushPullAsGossip(m, kSelf));
    gossiped.Deliver(g);
  }
  const Table tm = merged.Snapshot(), tg = gossiped.Snapshot();
  const std::string ctx = "\n  after" + ToString(prefix) + "\n  merging " +
                          ToString(pp) + "\n  merged:   " + ToString(tm) +
                          "\n  gossiped: " + ToString(tg);
  RC_CLASSIFY(!(tm == merged_before), "S: the merge changed the table");
  Require(tm == tg, "S push/pull: table differs from one-by-one gossip" + ctx);
  Require(merged.ml().Incarnation() == gossiped.ml().Incarnation(),
          "S push/pull: our incarnation differs" + ctx);
  Require(
      merged.ml().NumQueuedBroadcasts() == gossiped.ml().NumQueuedBroadcasts(),
      "S push/pull: broadcast queues differ" + ctx);
}

}  // namespace swim::props

#endif  // SWIM_TESTS_PROPERTIES_LAWS_H_
