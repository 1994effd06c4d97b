// broadcast: nodes send a best-effort user message to every member.
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class Broadcast final : public NodesAction<> {
 public:
  ActionKind kind() const override { return ActionKind::kBroadcast; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    for (int i : Params(e).nodes) {
      swim::Memberlist* ml = ctx.cluster().node(i);
      if (ml == nullptr) continue;
      for (const swim::Node& n : ml->Members()) {
        if (n.name == ml->LocalNode().name) continue;
        (void)ml->SendBestEffort(n.name, "swimsim broadcast");
      }
    }
  }
};

}  // namespace

const ActionSpec& BroadcastAction() {
  static const Broadcast* spec = new Broadcast();
  return *spec;
}

}  // namespace sim
