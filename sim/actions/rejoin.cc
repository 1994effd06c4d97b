// rejoin: running nodes Join `seeds` again (as Serf's reconnect does).
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class Rejoin final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kRejoin; }
  std::vector<std::string_view> keys() const override {
    return {"nodes", "node", "seeds", "retry"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    RejoinParams p;
    SWIM_TOML_ASSIGN(p.nodes, RequiredNodes(r, t, name()));
    SWIM_TOML_ASSIGN(p.seeds, NodesOr(r, t, "seeds", {0}));
    if (p.seeds.empty()) p.seeds = {0};
    SWIM_TOML_ASSIGN(p.retry, ParseRetry(r, t));
    return p;
  }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<RejoinParams>(e.params);
    for (int i : p.nodes) {
      if (ctx.cluster().is_up(i)) JoinWithRetry(ctx, i, p.seeds, p.retry);
    }
  }
};

}  // namespace

const ActionSpec& RejoinAction() {
  static const Rejoin* spec = new Rejoin();
  return *spec;
}

}  // namespace sim
