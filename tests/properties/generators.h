// rapidcheck generators for memberlist state-merge message sets.
//
// A Msg is one alive / suspect / dead / left-as-dead-from-self about a node
// from a small pool (the node under test's own name included), with a small
// incarnation (0..5), so that collisions (same node, same incarnation,
// different claims) are frequent. A Delivery is how messages reach a node:
// one gossip packet, one compound packet, or one push/pull stream (whose
// entries are mapped as protocol.md §6.8 says: alive -> alive, left -> dead
// from=self, dead/suspect -> suspect from=us).
//
// Reusable by anyone who drives a core::Memberlist with generated gossip
// (the simulator included): nothing here depends on Memberlist itself.
// Encoding into wire bytes is in EncodeDelivery(); Arbitrary<> gives the
// unrestricted space, GenMsg/GenDelivery take a MsgSpace to narrow it.
//
// Thread-safety: none needed (pure functions, values).
#ifndef SWIM_TESTS_PROPERTIES_GENERATORS_H_
#define SWIM_TESTS_PROPERTIES_GENERATORS_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include "core/address.h"
#include "core/node.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"

namespace swim::props {

// The name of the node under test in every generated scenario.
inline const std::string kSelf = "self";

// Names messages are about, the node's own name included. rapidcheck shrinks
// elementOf towards the front, so counterexamples prefer "a".
inline const std::vector<std::string>& NamePool() {
  static const std::vector<std::string> pool = {"a", "b", kSelf, "c", "d"};
  return pool;
}
// Senders of suspect/dead messages: the pool plus an outsider.
inline const std::vector<std::string>& FromPool() {
  static const std::vector<std::string> pool = {"x", "a", "b", kSelf, "c", "d"};
  return pool;
}

// Version vector every generated message carries: what a default-configured
// core::Memberlist advertises (protocol 1..5, current 2, no delegate).
inline constexpr VersionVector kVsn = {1, 5, 2, 0, 0, 0};

// Index of a name in NamePool(), or 200 for names outside it.
inline uint8_t NameIndex(const std::string& name) {
  const auto& pool = NamePool();
  for (size_t i = 0; i < pool.size(); ++i) {
    if (pool[i] == name) return static_cast<uint8_t>(i);
  }
  return 200;
}

// Address variant 0 is the name's home address 10.0.0.(i+1):7946 (for kSelf
// this is 10.0.0.3:7946: the harness gives the node under test exactly that
// address). Variant 1 moves the IP, variant 2 the port: either one is a
// different address for the conflict/reclaim rules (§6.7).
inline Address AddressOf(const std::string& name, uint8_t variant = 0) {
  const uint8_t host = static_cast<uint8_t>(NameIndex(name) + 1);
  switch (variant) {
    case 1:
      return Address{IpAddress::V4(10, 0, 1, host), 7946, ""};
    case 2:
      return Address{IpAddress::V4(10, 0, 0, host), 7947, ""};
    default:
      return Address{IpAddress::V4(10, 0, 0, host), 7946, ""};
  }
}

// The meta a "well-behaved" cluster would carry: a function of (node,
// incarnation), as when every incarnation is announced by one process.
inline std::string CanonicalMeta(const std::string& name, uint32_t inc) {
  return "m-" + name + "-" + std::to_string(inc);
}

enum class MsgKind : uint8_t { kAlive, kSuspect, kDead, kLeft };

struct Msg {
  MsgKind kind = MsgKind::kAlive;
  std::string node;
  uint32_t incarnation = 0;
  std::string from;                 // suspect/dead; == node for kLeft
  std::optional<std::string> meta;  // alive only (nullopt encodes as nil)
  uint8_t addr = 0;                 // alive only: AddressOf(node, addr)

  bool IsAccusation() const { return kind != MsgKind::kAlive; }
  friend bool operator==(const Msg&, const Msg&) = default;
};

enum class Via : uint8_t { kPacket, kCompound, kPushPull };

struct Delivery {
  Via via = Via::kPacket;
  bool join = false;      // push/pull only
  std::vector<Msg> msgs;  // packet: exactly 1; compound: 1..4; push/pull:
                          // 0..5 with distinct nodes (a real table)
  friend bool operator==(const Delivery&, const Delivery&) = default;
};

// --- printing (rapidcheck finds showValue by ADL) --------------------------

inline std::string ToString(const Msg& m) {
  const std::string inc = std::to_string(m.incarnation);
  switch (m.kind) {
    case MsgKind::kAlive: {
      std::string s = "alive(" + m.node + ", inc=" + inc;
      s += m.meta.has_value() ? ", meta=\"" + *m.meta + "\"" : ", meta=nil";
      if (m.addr != 0) s += ", addr=" + AddressOf(m.node, m.addr).ToString();
      return s + ")";
    }
    case MsgKind::kSuspect:
      return "suspect(" + m.node + ", inc=" + inc + ", from=" + m.from + ")";
    case MsgKind::kDead:
      return "dead(" + m.node + ", inc=" + inc + ", from=" + m.from + ")";
    case MsgKind::kLeft:
      return "left(" + m.node + ", inc=" + inc + ")";
  }
  return "?";
}

inline std::string ToString(const Delivery& d) {
  std::string s;
  switch (d.via) {
    case Via::kPacket:
      s = "packet[";
      break;
    case Via::kCompound:
      s = "compound[";
      break;
    case Via::kPushPull:
      s = d.join ? "push/pull(join)[" : "push/pull[";
      break;
  }
  for (size_t i = 0; i < d.msgs.size(); ++i) {
    if (i > 0) s += ", ";
    s += ToString(d.msgs[i]);
  }
  return s + "]";
}

inline void showValue(Via v, std::ostream& os) {
  os << (v == Via::kPacket     ? "packet"
         : v == Via::kCompound ? "compound"
                               : "push/pull");
}
inline void showValue(MsgKind k, std::ostream& os) {
  static const char* const names[] = {"alive", "suspect", "dead", "left"};
  os << names[static_cast<int>(k)];
}
inline void showValue(const Msg& m, std::ostream& os) { os << ToString(m); }
inline void showValue(const Delivery& d, std::ostream& os) {
  os << ToString(d);
}

// --- generators --------------------------------------------------------------

// Which part of the message space to draw from.
struct MsgSpace {
  std::vector<std::string> names = NamePool();
  uint32_t max_incarnation = 5;
  // Alives sometimes carry another address than the name's home (conflicts,
  // reclaim of a left name). Off: every alive is at the home address.
  bool other_addresses = true;
  // Meta drawn from a small pool (so two alives at one incarnation can
  // disagree). Off: CanonicalMeta(node, incarnation).
  bool free_meta = true;
};

namespace internal {
inline Msg MakeMsg(const MsgSpace& s, MsgKind kind, std::string node,
                   uint32_t inc, std::string from, int meta_choice,
                   uint8_t addr) {
  Msg m;
  m.kind = kind;
  m.node = std::move(node);
  m.incarnation = inc;
  if (kind == MsgKind::kAlive) {
    if (s.free_meta) {
      static const std::vector<std::optional<std::string>> metas = {
          std::nullopt, std::string(""), std::string("m1"), std::string("m2")};
      m.meta = metas[static_cast<size_t>(meta_choice) % metas.size()];
    } else {
      m.meta = CanonicalMeta(m.node, inc);
    }
    m.addr = s.other_addresses ? addr : 0;
  } else if (kind == MsgKind::kLeft) {
    m.from = m.node;
  } else {
    // dead from == node would be a leave: keep kDead a real death.
    m.from = (kind == MsgKind::kDead && from == m.node) ? "x" : std::move(from);
  }
  return m;
}
}  // namespace internal

inline rc::Gen<MsgKind> GenKind() {
  return rc::gen::weightedElement<MsgKind>({{4, MsgKind::kAlive},
                                            {3, MsgKind::kSuspect},
                                            {2, MsgKind::kDead},
                                            {1, MsgKind::kLeft}});
}

// One message about a node of s.names.
// rapidcheck scales inRange/elementOf by the current size, which at small
// sizes would collapse every field to its first value: fields are drawn at
// full size, and only the number of deliveries grows with the size.
inline constexpr int kFullSize = 100;

inline rc::Gen<Msg> GenMsg(const MsgSpace& s = MsgSpace()) {
  return rc::gen::resize(
      kFullSize,
      rc::gen::apply(
          [s](MsgKind kind, std::string node, uint32_t inc, std::string from,
              int meta, uint8_t addr) {
            return internal::MakeMsg(s, kind, std::move(node), inc,
                                     std::move(from), meta, addr);
          },
          GenKind(), rc::gen::elementOf(s.names),
          rc::gen::inRange<uint32_t>(0, s.max_incarnation + 1),
          rc::gen::elementOf(FromPool()), rc::gen::inRange(0, 4),
          rc::gen::weightedElement<uint8_t>({{8, 0}, {1, 1}, {1, 2}})));
}

// One accusation (suspect, dead or left) about `node`.
inline rc::Gen<Msg> GenAccusation(const std::string& node,
                                  const MsgSpace& s = MsgSpace()) {
  return rc::gen::resize(
      kFullSize,
      rc::gen::apply(
          [s, node](MsgKind kind, uint32_t inc, std::string from) {
            return internal::MakeMsg(s, kind, node, inc, std::move(from), 0, 0);
          },
          rc::gen::element(MsgKind::kSuspect, MsgKind::kDead, MsgKind::kLeft),
          rc::gen::inRange<uint32_t>(0, s.max_incarnation + 1),
          rc::gen::elementOf(FromPool())));
}

// Keeps the first entry per node: a push/pull carries a table.
inline std::vector<Msg> DistinctNodes(std::vector<Msg> msgs) {
  std::set<std::string> seen;
  std::vector<Msg> out;
  for (Msg& m : msgs) {
    if (seen.insert(m.node).second) out.push_back(std::move(m));
  }
  return out;
}

inline rc::Gen<Delivery> GenDelivery(const MsgSpace& s = MsgSpace()) {
  return rc::gen::resize(
      kFullSize,
      rc::gen::mapcat(
          rc::gen::weightedElement<Via>(
              {{6, Via::kPacket}, {2, Via::kCompound}, {2, Via::kPushPull}}),
          [s](Via via) -> rc::Gen<Delivery> {
            size_t lo = 1, hi = 2;
            if (via == Via::kCompound) hi = 5;
            if (via == Via::kPushPull) lo = 0, hi = 6;
            return rc::gen::apply(
                [via](std::vector<Msg> msgs, bool join) {
                  Delivery d;
                  d.via = via;
                  d.join = via == Via::kPushPull && join;
                  d.msgs = via == Via::kPushPull
                               ? DistinctNodes(std::move(msgs))
                               : std::move(msgs);
                  return d;
                },
                rc::gen::mapcat(rc::gen::inRange(lo, hi),
                                [s](size_t n) {
                                  return rc::gen::container<std::vector<Msg>>(
                                      n, GenMsg(s));
                                }),
                rc::gen::arbitrary<bool>());
          }));
}

// About 0..max_len deliveries: the bound grows with rapidcheck's size from
// max_len/6 to max_len. Shrinks by dropping deliveries.
inline rc::Gen<std::vector<Delivery>> GenDeliveries(
    const MsgSpace& s = MsgSpace(), int max_len = 24) {
  // rapidcheck draws a container's length in [0, k*k/100] at size k.
  const int k_max = static_cast<int>(std::sqrt(100.0 * max_len)) + 1;
  return rc::gen::withSize([s, k_max](int size) {
    const int k = k_max * 2 / 5 + (k_max * 3 / 5) * std::min(size, 100) / 100;
    return rc::gen::resize(
        k, rc::gen::container<std::vector<Delivery>>(GenDelivery(s)));
  });
}

// A permutation of 0..n-1, drawn as sort keys (so it shrinks towards the
// identity).
inline rc::Gen<std::vector<size_t>> GenPermutation(size_t n) {
  return rc::gen::map(
      rc::gen::container<std::vector<uint32_t>>(n,
                                                rc::gen::arbitrary<uint32_t>()),
      [](const std::vector<uint32_t>& keys) {
        std::vector<size_t> idx(keys.size());
        for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
        std::stable_sort(idx.begin(), idx.end(),
                         [&](size_t a, size_t b) { return keys[a] < keys[b]; });
        return idx;
      });
}

// --- a "consistent history" scenario -----------------------------------------
//
// The message sets for which Go's merge IS order-independent (see
// docs/merge-laws.md, law A1): every node is first introduced by the same
// alive at incarnation 1 (the prelude), alives are at the home address with
// CanonicalMeta, and all accusations about one node carry one incarnation
// J(node) and never mix a death (from another node) with a leave.
struct ConsistentScenario {
  std::vector<Delivery> prelude;     // delivered first, in this order
  std::vector<Delivery> deliveries;  // delivered in any order
};

inline void showValue(const ConsistentScenario& c, std::ostream& os) {
  os << "prelude: " << c.prelude.size() << " alives at inc 1\n";
  for (const Delivery& d : c.deliveries) os << "  " << ToString(d) << "\n";
}

inline rc::Gen<ConsistentScenario> GenConsistentScenario() {
  MsgSpace s;
  s.other_addresses = false;
  s.free_meta = false;
  // Per node: the accusation incarnation, and whether deaths are deaths (0),
  // leaves (1) or turned into suspicions (2).
  return rc::gen::apply(
      [s](std::vector<uint32_t> j, std::vector<int> death_kind,
          std::vector<Delivery> ds) {
        ConsistentScenario c;
        for (const std::string& name : s.names) {
          Delivery d;
          d.msgs.push_back(
              internal::MakeMsg(s, MsgKind::kAlive, name, 1, "", 0, 0));
          c.prelude.push_back(std::move(d));
        }
        for (Delivery& d : ds) {
          for (Msg& m : d.msgs) {
            if (!m.IsAccusation()) continue;
            const size_t i = NameIndex(m.node);
            m.incarnation = j[i];
            if (m.kind == MsgKind::kSuspect) continue;
            const int k = death_kind[i];
            const MsgKind kind = k == 0   ? MsgKind::kDead
                                 : k == 1 ? MsgKind::kLeft
                                          : MsgKind::kSuspect;
            m = internal::MakeMsg(s, kind, m.node, m.incarnation, m.from, 0, 0);
          }
        }
        c.deliveries = std::move(ds);
        return c;
      },
      rc::gen::resize(
          kFullSize, rc::gen::container<std::vector<uint32_t>>(
                         s.names.size(),
                         rc::gen::inRange<uint32_t>(0, s.max_incarnation + 1))),
      rc::gen::resize(kFullSize, rc::gen::container<std::vector<int>>(
                                     s.names.size(), rc::gen::inRange(0, 3))),
      GenDeliveries(s));
}

// --- encoding
// -------------------------------------------------------------------

inline wire::Alive ToAlive(const Msg& m) {
  const Address a = AddressOf(m.node, m.addr);
  wire::Alive w;
  w.incarnation = m.incarnation;
  w.node = m.node;
  w.addr = a.ip;
  w.port = a.port;
  w.meta = m.meta;
  w.vsn = kVsn;
  return w;
}

// The single wire message (type byte + body) for m as gossip.
inline Bytes EncodeMsg(const Msg& m) {
  Bytes b;
  switch (m.kind) {
    case MsgKind::kAlive:
      wire::Encode(ToAlive(m), AddressMode::kBinary, &b);
      break;
    case MsgKind::kSuspect:
      wire::Encode(wire::Suspect{m.incarnation, m.node, m.from}, &b);
      break;
    case MsgKind::kDead:
    case MsgKind::kLeft:
      wire::Encode(wire::Dead{m.incarnation, m.node, m.from}, &b);
      break;
  }
  return b;
}

// m as a push/pull table entry (state from the kind; no sender survives).
inline wire::PushNodeState ToPushNodeState(const Msg& m) {
  const Address a = AddressOf(m.node, m.kind == MsgKind::kAlive ? m.addr : 0);
  wire::PushNodeState n;
  n.name = m.node;
  n.addr = a.ip;
  n.port = a.port;
  n.meta = m.kind == MsgKind::kAlive ? m.meta : std::nullopt;
  n.incarnation = m.incarnation;
  switch (m.kind) {
    case MsgKind::kAlive:
      n.state = static_cast<int64_t>(NodeState::kAlive);
      break;
    case MsgKind::kSuspect:
      n.state = static_cast<int64_t>(NodeState::kSuspect);
      break;
    case MsgKind::kDead:
      n.state = static_cast<int64_t>(NodeState::kDead);
      break;
    case MsgKind::kLeft:
      n.state = static_cast<int64_t>(NodeState::kLeft);
      break;
  }
  n.vsn = kVsn;
  return n;
}

// The bytes to hand to HandlePacket (packet, compound) or HandleStream
// (push/pull), unencrypted, uncompressed, no CRC.
inline Bytes EncodeDelivery(const Delivery& d) {
  const wire::NonceSource no_nonce = nullptr;
  switch (d.via) {
    case Via::kPacket:
      return wire::EncodePacket(EncodeMsg(d.msgs.at(0)), {}, no_nonce);
    case Via::kCompound: {
      std::vector<Bytes> parts;
      for (const Msg& m : d.msgs) parts.push_back(EncodeMsg(m));
      return wire::EncodePacket(wire::MakeCompound(parts), {}, no_nonce);
    }
    case Via::kPushPull: {
      wire::PushPull pp;
      pp.join = d.join;
      for (const Msg& m : d.msgs) pp.nodes.push_back(ToPushNodeState(m));
      Bytes msg;
      wire::Encode(pp, AddressMode::kBinary, &msg);
      return wire::EncodeStream(msg, {}, no_nonce);
    }
  }
  return {};
}

// What a node named `self_name` does with m when it arrives in a push/pull
// (protocol.md §6.8), as the equivalent gossip message.
inline Msg PushPullAsGossip(const Msg& m, const std::string& self_name) {
  Msg g = m;
  switch (m.kind) {
    case MsgKind::kAlive:
      break;
    case MsgKind::kLeft:
      g.from = m.node;
      break;
    case MsgKind::kDead:
    case MsgKind::kSuspect:
      g.kind = MsgKind::kSuspect;
      g.from = self_name;
      break;
  }
  return g;
}

}  // namespace swim::props

namespace rc {
template <>
struct Arbitrary<swim::props::Msg> {
  static Gen<swim::props::Msg> arbitrary() { return swim::props::GenMsg(); }
};
template <>
struct Arbitrary<swim::props::Delivery> {
  static Gen<swim::props::Delivery> arbitrary() {
    return swim::props::GenDelivery();
  }
};
template <>
struct Arbitrary<swim::props::ConsistentScenario> {
  static Gen<swim::props::ConsistentScenario> arbitrary() {
    return swim::props::GenConsistentScenario();
  }
};
}  // namespace rc

#endif  // SWIM_TESTS_PROPERTIES_GENERATORS_H_
