// latency: the latency model of the links touching `nodes` (or of every
// link).
#include "sim/actions/action.h"
#include "sim/faults.h"

namespace sim {

namespace {

class Latency final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kLatency; }
  std::vector<std::string_view> keys() const override {
    return {"nodes", "node", "latency"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    LatencyParams p;
    SWIM_TOML_ASSIGN(p.nodes, OptionalNodes(r, t));
    const toml::node* v = t.get("latency");
    if (v == nullptr)
      return r.Err(t, "latency needs \"latency\" (a model table)");
    SWIM_TOML_ASSIGN(p.latency, ParseLatencyModel(r, *v));
    return p;
  }
  bool timed() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<LatencyParams>(e.params);
    const LatencyModel m = p.latency;
    const FaultSet::FaultId id = ctx.faults().AddLinkEdit(
        p.nodes, [m](LinkParams& l) { l.latency = m; },
        FaultSet::Cause::kLatency);
    if (e.duration) ctx.AtEnd([&ctx, id] { ctx.faults().End(id); });
  }
};

}  // namespace

const ActionSpec& LatencyAction() {
  static const Latency* spec = new Latency();
  return *spec;
}

}  // namespace sim
