// loss: packet loss probability `value` on the links touching `nodes` (or on
// every link).
#include "sim/actions/action.h"
#include "sim/faults.h"

#include "absl/strings/str_cat.h"

namespace sim {
namespace {

class Loss final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kLoss; }
  std::vector<std::string_view> keys() const override {
    return {"nodes", "node", "value", "loss"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    LossParams p;
    SWIM_TOML_ASSIGN(p.nodes, OptionalNodes(r, t));
    bool have = false;
    for (const char* key : {"value", "loss"}) {
      if (const toml::node* v = t.get(key)) {
        SWIM_TOML_ASSIGN(p.value, r.Prob(*v, key));
        have = true;
      }
    }
    if (!have) return r.Err(t, "loss needs \"value\" (a probability)");
    return p;
  }
  std::string Describe(const ActionParams& params) const override {
    const auto& p = std::get<LossParams>(params);
    std::string s = absl::StrCat(" ", p.value * 100, "%");
    if (!p.nodes.empty()) absl::StrAppend(&s, " ", NodeList(p.nodes));
    return s;
  }
  bool timed() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<LossParams>(e.params);
    const double v = p.value;
    const FaultSet::FaultId id = ctx.faults().AddLinkEdit(
        p.nodes, [v](LinkParams& l) { l.loss = v; }, FaultSet::Cause::kLoss);
    if (e.duration) ctx.AtEnd([&ctx, id] { ctx.faults().End(id); });
  }
};

}  // namespace

const ActionSpec& LossAction() {
  static const Loss* spec = new Loss();
  return *spec;
}

}  // namespace sim
