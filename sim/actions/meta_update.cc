// meta_update: nodes bump their incarnation (Memberlist::UpdateNode).
#include "sim/actions/action.h"
#include "sim/cluster.h"

namespace sim {
namespace {

class MetaUpdate final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kMetaUpdate; }
  std::vector<std::string_view> keys() const override {
    return {"nodes", "node", "timeout"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    TimedNodesParams p;
    SWIM_TOML_ASSIGN(p.nodes, RequiredNodes(r, t, name()));
    if (const toml::node* n = t.get("timeout"))
      SWIM_TOML_ASSIGN(p.timeout, r.Dur(*n, "timeout"));
    return p;
  }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<TimedNodesParams>(e.params);
    for (int i : p.nodes) {
      if (swim::Memberlist* ml = ctx.cluster().node(i)) {
        ml->UpdateNode(p.timeout, [](absl::Status) {});
      }
    }
  }
};

}  // namespace

const ActionSpec& MetaUpdateAction() {
  static const MetaUpdate* spec = new MetaUpdate();
  return *spec;
}

}  // namespace sim
