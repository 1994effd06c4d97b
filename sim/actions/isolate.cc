// isolate: nodes can neither send nor receive.
#include "sim/actions/action.h"
#include "sim/faults.h"

namespace sim {
namespace {

class Isolate final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kIsolate; }
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
        ctx.faults().AddIsolation(std::get<NodesParams>(e.params).nodes);
    if (e.duration) ctx.AtEnd([&ctx, id] { ctx.faults().End(id); });
  }
};

}  // namespace

const ActionSpec& IsolateAction() {
  static const Isolate* spec = new Isolate();
  return *spec;
}

}  // namespace sim
