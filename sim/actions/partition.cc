// partition: `groups` cannot reach each other (nodes in no group form one
// more group), or split_brain = true: the first half against the second.
#include "sim/actions/action.h"
#include "sim/faults.h"

#include "absl/strings/str_cat.h"

namespace sim {
namespace {

class Partition final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kPartition; }
  std::vector<std::string_view> keys() const override {
    return {"groups", "split_brain"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    PartitionParams p;
    if (const toml::node* v = t.get("groups")) {
      const toml::array* a = v->as_array();
      if (a == nullptr)
        return r.Err(*v, "\"groups\" must be a list of lists of node indexes");
      for (const toml::node& g : *a) {
        std::vector<int> group;
        SWIM_TOML_ASSIGN(group, r.IntList(g, "groups"));
        p.groups.push_back(std::move(group));
      }
    }
    if (const toml::node* v = t.get("split_brain"))
      SWIM_TOML_ASSIGN(p.split_brain, r.Bool(*v, "split_brain"));
    // A node in two groups would silently land in the last one.
    if (const toml::node* v = t.get("groups")) {
      std::vector<bool> seen(kMaxNodeIndex + 1, false);
      for (const toml::node& g : *v->as_array()) {
        auto check = [&](const toml::node& x) -> absl::Status {
          const int64_t i = *x.value_exact<int64_t>();
          if (seen[i]) {
            return r.Err(
                x, absl::StrCat("node ", i, " is in two partition groups"));
          }
          seen[i] = true;
          return absl::OkStatus();
        };
        if (const toml::array* ga = g.as_array()) {
          for (const toml::node& x : *ga) {
            absl::Status s = check(x);
            if (!s.ok()) return s;
          }
        } else {
          absl::Status s = check(g);
          if (!s.ok()) return s;
        }
      }
    }
    if (p.groups.empty() && !p.split_brain)
      return r.Err(t, "partition needs \"groups\" or split_brain = true");
    return p;
  }
  std::string Describe(const ActionParams& params) const override {
    const auto& p = std::get<PartitionParams>(params);
    if (p.split_brain) return " split-brain";
    std::string s;
    for (const auto& g : p.groups) absl::StrAppend(&s, " [", NodeList(g), "]");
    return s;
  }
  bool timed() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<PartitionParams>(e.params);
    const FaultSet::FaultId id = p.split_brain
                                     ? ctx.faults().AddSplitBrain()
                                     : ctx.faults().AddPartition(p.groups);
    if (e.duration) ctx.AtEnd([&ctx, id] { ctx.faults().End(id); });
  }
};

}  // namespace

const ActionSpec& PartitionAction() {
  static const Partition* spec = new Partition();
  return *spec;
}

}  // namespace sim
