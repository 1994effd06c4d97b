// join: `count` new nodes start and join `seeds` (default node 0).
#include "sim/actions/action.h"
#include "sim/cluster.h"

#include "absl/strings/str_cat.h"

namespace sim {
namespace {

class Join final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kJoin; }
  std::vector<std::string_view> keys() const override {
    return {"count", "seeds", "retry"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    JoinParams p;
    const toml::node* count = t.get("count");
    if (count == nullptr)
      return r.Err(t, "join needs \"count\" (new nodes to add)");
    int64_t c = 0;
    SWIM_TOML_ASSIGN(c, r.IntIn(*count, "count", 1, 100000));
    p.count = static_cast<int>(c);
    SWIM_TOML_ASSIGN(p.seeds, NodesOr(r, t, "seeds", {0}));
    if (p.seeds.empty()) p.seeds = {0};
    SWIM_TOML_ASSIGN(p.retry, ParseRetry(r, t));
    return p;
  }
  std::string Describe(const ActionParams& p) const override {
    return absl::StrCat(" +", std::get<JoinParams>(p).count);
  }
  bool settles() const override { return true; }
  int adds_nodes(const ActionParams& p) const override {
    return std::get<JoinParams>(p).count;
  }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<JoinParams>(e.params);
    Cluster& c = ctx.cluster();
    for (int k = 0; k < p.count; ++k) {
      const int i = c.AddNode();
      (void)c.Start(i);
      JoinWithRetry(ctx, i, p.seeds, p.retry);
    }
  }
};

}  // namespace

const ActionSpec& JoinAction() {
  static const Join* spec = new Join();
  return *spec;
}

}  // namespace sim
