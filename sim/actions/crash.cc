// crash: nodes stop silently (their Memberlist is dropped).
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class Crash final : public NodesAction<> {
 public:
  ActionKind kind() const override { return ActionKind::kCrash; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    for (int i : Params(e).nodes) {
      if (ctx.cluster().node(i) == nullptr) continue;
      ctx.cluster().Crash(i);
    }
  }
};

}  // namespace

const ActionSpec& CrashAction() {
  static const Crash* spec = new Crash();
  return *spec;
}

}  // namespace sim
