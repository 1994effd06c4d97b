// pause: nodes stop running (a GC pause); with `duration`, resumed after it.
#include "sim/actions/action.h"
#include "sim/faults.h"

namespace sim {
namespace {

class Pause final : public NodesAction<> {
 public:
  ActionKind kind() const override { return ActionKind::kPause; }
  bool timed() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const FaultSet::FaultId id = ctx.faults().AddPause(Params(e).nodes);
    if (e.duration) ctx.AtEnd([&ctx, id] { ctx.faults().End(id); });
  }
};

}  // namespace

const ActionSpec& PauseAction() {
  static const Pause* spec = new Pause();
  return *spec;
}

}  // namespace sim
