// The hostile_hurt checker: a HurtMonitor (sim/hostile.h) per hostile peer
// of the run; every honest running node declared dead is a violation.
#include <memory>

#include "sim/checkers.h"
#include "sim/hostile.h"
#include "sim/scenario.h"

#include "absl/strings/str_cat.h"

namespace sim {
namespace {

class HostileHurtChecker final : public Checker {
 public:
  HostileHurtChecker(Cluster* cluster, std::string_view name)
      : cluster_(cluster), name_(name) {}
  void OnHostilePeer(const HostilePeer* peer) override {
    monitors_.push_back(std::make_unique<HurtMonitor>(cluster_, peer));
  }
  CheckerResult Result() const override {
    CheckerResult r;
    r.name = name_;
    for (const auto& m : monitors_) {
      for (const Hurt& h : m->deaths()) {
        ++r.violations;
        if (r.examples.size() < 8) {
          r.examples.push_back(
              absl::StrCat(Cluster::NodeName(h.subject), " declared dead by ",
                           Cluster::NodeName(h.observer), " at ",
                           absl::FormatDuration(h.at - swim::Instant()),
                           " (inc ", h.incarnation, "): ", h.cause));
        }
      }
    }
    return r;
  }

 private:
  Cluster* cluster_;
  std::string name_;
  std::vector<std::unique_ptr<HurtMonitor>> monitors_;
};

}  // namespace

bool ScenarioHasHostile(const Scenario& sc) {
  for (const ScheduledEvent& e : sc.events) {
    if (e.action == ActionKind::kHostile) return true;
  }
  return false;
}

std::unique_ptr<Checker> MakeHostileHurtChecker(const CheckerContext& ctx,
                                                std::string_view name) {
  return std::make_unique<HostileHurtChecker>(ctx.cluster, name);
}

}  // namespace sim
