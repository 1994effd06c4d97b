// leave: running nodes leave gracefully (Memberlist::Leave with `timeout`).
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class Leave final : public NodesTimeoutAction {
 public:
  ActionKind kind() const override { return ActionKind::kLeave; }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const TimedNodesParams& p = Params(e);
    for (int i : p.nodes) {
      if (!ctx.cluster().is_up(i)) continue;
      ctx.cluster().Leave(i, p.timeout);
    }
  }
};

}  // namespace

const ActionSpec& LeaveAction() {
  static const Leave* spec = new Leave();
  return *spec;
}

}  // namespace sim
