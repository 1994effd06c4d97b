// clock_drift: the nodes' clocks run fast (ppm > 0) or slow by `ppm`.
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class ClockDrift final : public NodesAction<DriftParams> {
 public:
  ActionKind kind() const override { return ActionKind::kClockDrift; }
  std::vector<std::string_view> more_keys() const override { return {"ppm"}; }
  absl::Status ParseMore(const TomlReader& r, const toml::table& t,
                         DriftParams& p) const override {
    if (const toml::node* n = t.get("ppm"))
      SWIM_TOML_ASSIGN(p.ppm, r.IntIn(*n, "ppm", -100000, 100000));
    return absl::OkStatus();
  }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const DriftParams& p = Params(e);
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
