#include "core/node.h"

#include "absl/strings/str_cat.h"

namespace swim {

std::string_view NodeStateName(NodeState s) {
  switch (s) {
    case NodeState::kAlive:
      return "alive";
    case NodeState::kSuspect:
      return "suspect";
    case NodeState::kDead:
      return "dead";
    case NodeState::kLeft:
      return "left";
  }
  return "unknown";
}

std::string Node::ToString() const {
  return absl::StrCat(name, " (", address().ToString(), ")");
}

}  // namespace swim
