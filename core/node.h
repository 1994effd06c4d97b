// A member of the cluster as the public API shows it.
#ifndef SWIM_CORE_NODE_H_
#define SWIM_CORE_NODE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/address.h"

namespace swim {

// Wire values of memberlist's NodeStateType.
enum class NodeState : uint8_t {
  kAlive = 0,
  kSuspect = 1,
  kDead = 2,
  kLeft = 3,
};

std::string_view NodeStateName(NodeState s);

// [PMin, PMax, PCur, DMin, DMax, DCur], as carried in alive messages.
using VersionVector = std::array<uint8_t, 6>;

struct Node {
  std::string name;
  IpAddress addr;
  uint16_t port = 0;
  std::string meta;  // opaque bytes, at most limits::kMetaMaxSize
  NodeState state = NodeState::kAlive;
  uint32_t incarnation = 0;
  VersionVector vsn{};  // all zero when unknown
  // go-doudou fork: the node's last gossiped weight (0 until one arrives).
  int64_t weight = 0;

  uint8_t pmin() const { return vsn[0]; }
  uint8_t pmax() const { return vsn[1]; }
  uint8_t pcur() const { return vsn[2]; }
  uint8_t dmin() const { return vsn[3]; }
  uint8_t dmax() const { return vsn[4]; }
  uint8_t dcur() const { return vsn[5]; }

  Address address() const { return Address{addr, port, name}; }
  // "name (1.2.3.4:7946)" for logs.
  std::string ToString() const;
};

}  // namespace swim

#endif  // SWIM_CORE_NODE_H_
