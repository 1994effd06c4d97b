// pause: nodes stop running (a GC pause); with `duration`, resumed after it.
#include "sim/actions/action.h"
#include "sim/faults.h"

namespace sim {
namespace {

class Pause final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kPause; }
  std::vector<std::string_view> keys() const override {
    return {"nodes", "node"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    NodesParams p;
    SWIM_TOML_ASSIGN(p.nodes, RequiredNodes(r, t, name()));
    return p;
  }
  bool timed() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const FaultSet::FaultId id =
        ctx.faults().AddPause(std::get<NodesParams>(e.params).nodes);
    if (e.duration) ctx.AtEnd([&ctx, id] { ctx.faults().End(id); });
  }
};

}  // namespace

const ActionSpec& PauseAction() {
  static const Pause* spec = new Pause();
  return *spec;
}

}  // namespace sim
