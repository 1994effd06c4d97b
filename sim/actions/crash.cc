// crash: nodes stop silently (their Memberlist is dropped).
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class Crash final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kCrash; }
  std::vector<std::string_view> keys() const override {
    return {"nodes", "node"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    NodesParams p;
    SWIM_TOML_ASSIGN(p.nodes, RequiredNodes(r, t, name()));
    return p;
  }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    for (int i : std::get<NodesParams>(e.params).nodes) {
      if (ctx.cluster().node(i) == nullptr) continue;
      ctx.cluster().Crash(i);
    }
  }
};

}  // namespace

const ActionSpec& CrashAction() {
  static const Crash* spec = new Crash();
  return *spec;
}

}  // namespace sim
