// restart: crashed or left nodes come back (a new Memberlist, incarnation 1)
// and join `seeds` (default node 0, or node 1 for node 0). `address` says
// where the new process listens: "same" (the default: the node's address so
// far) or "new" (a fresh address, the old one stops answering: the cluster
// sees the name claimed from a second address, a conflict while the old
// entry lives, a reclaim once it is left or dead for
// dead_node_reclaim_time).
#include "sim/actions/action.h"
#include "sim/cluster.h"

#include "absl/strings/str_cat.h"

namespace sim {
namespace {

class Restart final : public NodesAction<RejoinParams> {
 public:
  ActionKind kind() const override { return ActionKind::kRestart; }
  std::vector<std::string_view> more_keys() const override {
    return {"seeds", "retry", "address"};
  }
  absl::Status ParseMore(const TomlReader& r, const toml::table& t,
                         RejoinParams& p) const override {
    SWIM_TOML_ASSIGN(p.seeds, NodesOr(r, t, "seeds", {}));
    SWIM_TOML_ASSIGN(p.retry, ParseRetry(r, t));
    if (const toml::node* v = t.get("address")) {
      std::string where;
      SWIM_TOML_ASSIGN(where, r.Str(*v, "address"));
      if (where == "new") {
        p.new_address = true;
      } else if (where != "same") {
        return r.Err(*v, absl::StrCat("\"address\" must be \"same\" or "
                                      "\"new\", not \"",
                                      where, "\""));
      }
    }
    return absl::OkStatus();
  }
  std::string Describe(const ActionParams& params) const override {
    const auto& p = std::get<RejoinParams>(params);
    return absl::StrCat(" ", NodeList(p.nodes),
                        p.new_address ? " at a new address" : "");
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
              : std::function<void(absl::Status)>(),
          p.new_address);
    }
  }
};

}  // namespace

const ActionSpec& RestartAction() {
  static const Restart* spec = new Restart();
  return *spec;
}

}  // namespace sim
