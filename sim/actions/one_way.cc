// one_way: packets and stream legs from `from` to `to` are dropped; the
// reverse direction works.
#include "sim/actions/action.h"
#include "sim/faults.h"

#include "absl/strings/str_cat.h"

namespace sim {
namespace {

class OneWay final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kOneWay; }
  std::vector<std::string_view> keys() const override { return {"from", "to"}; }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    OneWayParams p;
    SWIM_TOML_ASSIGN(p.from, NodesOr(r, t, "from", {}));
    SWIM_TOML_ASSIGN(p.to, NodesOr(r, t, "to", {}));
    if (p.from.empty() || p.to.empty())
      return r.Err(t, "one_way needs \"from\" and \"to\" node lists");
    return p;
  }
  std::string Describe(const ActionParams& params) const override {
    const auto& p = std::get<OneWayParams>(params);
    return absl::StrCat(" ", NodeList(p.from), "->", NodeList(p.to));
  }
  bool timed() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<OneWayParams>(e.params);
    const FaultSet::FaultId id = ctx.faults().AddOneWay(p.from, p.to);
    if (e.duration) ctx.AtEnd([&ctx, id] { ctx.faults().End(id); });
  }
};

}  // namespace

const ActionSpec& OneWayAction() {
  static const OneWay* spec = new OneWay();
  return *spec;
}

}  // namespace sim
