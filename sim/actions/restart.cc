// restart: crashed or left nodes come back (a new Memberlist, incarnation 1)
// and join `seeds` (default node 0, or node 1 for node 0).
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class Restart final : public NodesAction<RejoinParams> {
 public:
  ActionKind kind() const override { return ActionKind::kRestart; }
  std::vector<std::string_view> more_keys() const override {
    return {"seeds", "retry"};
  }
  absl::Status ParseMore(const TomlReader& r, const toml::table& t,
                         RejoinParams& p) const override {
    SWIM_TOML_ASSIGN(p.seeds, NodesOr(r, t, "seeds", {}));
    SWIM_TOML_ASSIGN(p.retry, ParseRetry(r, t));
    return absl::OkStatus();
  }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const RejoinParams& p = Params(e);
    Cluster& c = ctx.cluster();
    for (int i : p.nodes) {
      // Crashed, or left (the validator rejects restarting a running node).
      if (c.is_up(i)) continue;
      c.Restart(
          i, p.seeds,
          p.retry.attempts > 1
              ? [&ctx, i,
                 p](absl::Status s) { RetryJoin(ctx, i, p.seeds, p.retry, s); }
              : std::function<void(absl::Status)>());
    }
  }
};

}  // namespace

const ActionSpec& RestartAction() {
  static const Restart* spec = new Restart();
  return *spec;
}

}  // namespace sim
