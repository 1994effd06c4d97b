// isolate: nodes can neither send nor receive.
#include "sim/actions/action.h"
#include "sim/faults.h"

namespace sim {
namespace {

class Isolate final : public NodesAction<> {
 public:
  ActionKind kind() const override { return ActionKind::kIsolate; }
  bool timed() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const FaultSet::FaultId id = ctx.faults().AddIsolation(Params(e).nodes);
    if (e.duration) ctx.AtEnd([&ctx, id] { ctx.faults().End(id); });
  }
};

}  // namespace

const ActionSpec& IsolateAction() {
  static const Isolate* spec = new Isolate();
  return *spec;
}

}  // namespace sim
