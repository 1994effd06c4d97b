// rejoin: running nodes Join `seeds` again (as Serf's reconnect does).
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class Rejoin final : public NodesAction<RejoinParams> {
 public:
  ActionKind kind() const override { return ActionKind::kRejoin; }
  std::vector<std::string_view> more_keys() const override {
    return {"seeds", "retry"};
  }
  absl::Status ParseMore(const TomlReader& r, const toml::table& t,
                         RejoinParams& p) const override {
    SWIM_TOML_ASSIGN(p.seeds, NodesOr(r, t, "seeds", {0}));
    if (p.seeds.empty()) p.seeds = {0};
    SWIM_TOML_ASSIGN(p.retry, ParseRetry(r, t));
    return absl::OkStatus();
  }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const RejoinParams& p = Params(e);
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
