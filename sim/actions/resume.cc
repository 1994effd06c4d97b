// resume: paused nodes continue.
#include "sim/actions/action.h"
#include "sim/faults.h"

namespace sim {
namespace {

class Resume final : public NodesAction<> {
 public:
  ActionKind kind() const override { return ActionKind::kResume; }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    ctx.faults().ResumeNodes(Params(e).nodes);
  }
};

}  // namespace

const ActionSpec& ResumeAction() {
  static const Resume* spec = new Resume();
  return *spec;
}

}  // namespace sim
