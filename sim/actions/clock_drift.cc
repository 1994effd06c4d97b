// clock_drift: the nodes' clocks run fast (ppm > 0) or slow by `ppm`.
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class ClockDrift final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kClockDrift; }
  std::vector<std::string_view> keys() const override {
    return {"nodes", "node", "ppm"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    DriftParams p;
    SWIM_TOML_ASSIGN(p.nodes, RequiredNodes(r, t, name()));
    if (const toml::node* n = t.get("ppm"))
      SWIM_TOML_ASSIGN(p.ppm, r.IntIn(*n, "ppm", -100000, 100000));
    return p;
  }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<DriftParams>(e.params);
    for (int i : p.nodes) {
      ctx.world().SetClockDrift(ctx.cluster().world_id(i), p.ppm);
    }
  }
};

}  // namespace

const ActionSpec& ClockDriftAction() {
  static const ClockDrift* spec = new ClockDrift();
  return *spec;
}

}  // namespace sim
