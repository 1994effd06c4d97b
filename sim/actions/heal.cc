// heal: every partition, isolation and one-way block ends.
#include "sim/actions/action.h"
#include "sim/faults.h"

namespace sim {
namespace {

class Heal final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kHeal; }
  std::vector<std::string_view> keys() const override { return {}; }
  absl::StatusOr<ActionParams> Parse(const TomlReader&,
                                     const toml::table&) const override {
    return NoParams{};
  }
  bool settles() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent&) const override {
    ctx.faults().HealPartitions();
  }
};

}  // namespace

const ActionSpec& HealAction() {
  static const Heal* spec = new Heal();
  return *spec;
}

}  // namespace sim
