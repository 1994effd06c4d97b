// restart: crashed nodes come back (a new Memberlist, incarnation 1) and
// join `seeds` (default node 0, or node 1 for node 0).
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class Restart final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kRestart; }
  std::vector<std::string_view> keys() const override {
    return {"nodes", "node", "seeds"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    RejoinParams p;
    SWIM_TOML_ASSIGN(p.nodes, RequiredNodes(r, t, name()));
    SWIM_TOML_ASSIGN(p.seeds, NodesOr(r, t, "seeds", {}));
    return p;
  }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<RejoinParams>(e.params);
    for (int i : p.nodes) {
      if (ctx.cluster().node(i) != nullptr) continue;
      ctx.cluster().Restart(i, p.seeds);
    }
  }
};

}  // namespace

const ActionSpec& RestartAction() {
  static const Restart* spec = new Restart();
  return *spec;
}

}  // namespace sim
