// resume: paused nodes continue.
#include "sim/actions/action.h"
#include "sim/faults.h"

namespace sim {
namespace {

class Resume final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kResume; }
  std::vector<std::string_view> keys() const override {
    return {"nodes", "node"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    NodesParams p;
    SWIM_TOML_ASSIGN(p.nodes, RequiredNodes(r, t, name()));
    return p;
  }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    ctx.faults().ResumeNodes(std::get<NodesParams>(e.params).nodes);
  }
};

}  // namespace

const ActionSpec& ResumeAction() {
  static const Resume* spec = new Resume();
  return *spec;
}

}  // namespace sim
