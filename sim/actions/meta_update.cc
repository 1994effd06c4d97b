// meta_update: nodes bump their incarnation (Memberlist::UpdateNode).
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class MetaUpdate final : public NodesTimeoutAction {
 public:
  ActionKind kind() const override { return ActionKind::kMetaUpdate; }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const TimedNodesParams& p = Params(e);
    for (int i : p.nodes) {
      if (swim::Memberlist* ml = ctx.cluster().node(i)) {
        ml->UpdateNode(p.timeout, [](absl::Status) {});
      }
    }
  }
};

}  // namespace

const ActionSpec& MetaUpdateAction() {
  static const MetaUpdate* spec = new MetaUpdate();
  return *spec;
}

}  // namespace sim
