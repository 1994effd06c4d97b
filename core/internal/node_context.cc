#include "core/internal/node_context.h"

#include <utility>
#include <vector>

#include "core/check.h"
#include "core/internal/weights.h"
#include "core/limits.h"
#include "core/metric_names.h"

#include "absl/strings/str_cat.h"

namespace swim::internal {

NodeContext::NodeContext(Config config_in, Env* env_in,
                         const Address& advertise_in)
    : config(std::move(config_in)),
      env(env_in),
      advertise(advertise_in),
      awareness(config.awareness_max_multiplier, &metrics),
      table(env_in) {
  SWIM_CHECK(env != nullptr);
  advertise.name = config.name;
  SWIM_DCHECK(config.Validate().ok());
  SWIM_DCHECK(!advertise.ip.empty() && advertise.port != 0);
}

bool NodeContext::NamedSourceDisallowed(const IpAddress& ip,
                                        std::string_view what) {
  if (!config.IPMustBeChecked() || ip.empty()) return false;
  // The fork's SourceAddr checks; Go 0.2.2 (CidrScope::kAliveOnly) has none.
  if (config.cidr_scope == CidrScope::kAliveOnly) return false;
  const absl::Status s = config.IPAllowed(ip);
  if (s.ok()) return false;
  metrics.Incr(metric::kDroppedCidr);
  Log(LogLevel::kDebug,
      absl::StrCat("dropping ", std::string(what), " naming ", ip.ToString(),
                   ": ", std::string(s.message())));
  return true;
}

TimerId NodeContext::After(absl::Duration delay, const char* label,
                           std::function<void()> fn) {
  SWIM_DCHECK(!shutdown);
  SWIM_DCHECK(fn != nullptr);
  SWIM_DCHECK(delay >= absl::ZeroDuration());
  SWIM_DCHECK(label != nullptr);
  auto id_holder = std::make_shared<TimerId>(0);
  const TimerId id =
      env->Schedule(delay, label, [this, id_holder, fn = std::move(fn)] {
        timers_.erase(*id_holder);
        if (shutdown) return;
        fn();
#if SWIM_SIM_ASSERTS_ENABLED
        if (!shutdown && check_invariants) check_invariants();
#endif
      });
  SWIM_CHECK(id != 0);  // env.h: 0 is never a valid id
  *id_holder = id;
  timers_.insert(id);
  SWIM_DCHECK(timers_.count(id) == 1);
  return id;
}

void NodeContext::CancelTimer(TimerId id) {
  if (id == 0) return;
  if (timers_.erase(id) > 0) env->Cancel(id);
}

void NodeContext::CancelAllTimers() {
  for (TimerId id : timers_) env->Cancel(id);
  timers_.clear();
}

NodeRecord* NodeContext::RandomAlivePeer() {
  std::vector<NodeRecord*> peer = table.KRandom(1, [this](const NodeRecord& n) {
    return IsSelf(n.node.name()) || n.node.state != NodeState::kAlive;
  });
  SWIM_DCHECK(peer.size() <= 1);
  SWIM_DCHECK(peer.empty() || (!IsSelf(peer[0]->node.name()) &&
                               peer[0]->node.state == NodeState::kAlive));
  return peer.empty() ? nullptr : peer[0];
}

Node NodeContext::ToNode(const NodeRecord& r) const {
  Node n;
  n.name = r.node.name();
  n.addr = r.node.addr();
  n.port = r.node.port();
  n.meta = r.node.meta();
  n.state = r.node.state;
  n.incarnation = r.node.incarnation;
  n.vsn = r.node.vsn();
  if (weights != nullptr)
    n.weight = weights->WeightOf(std::string(r.node.name()));
  SWIM_DCHECK(n.meta.size() <= limits::kMetaMaxSize);
  SWIM_DCHECK(n.state <= NodeState::kLeft);
  return n;
}

VersionVector NodeContext::OwnVsn() const {
  SWIM_DCHECK(config.protocol_version >= limits::kProtocolVersionMin &&
              config.protocol_version <= limits::kProtocolVersionMax);
  SWIM_DCHECK(config.delegate_protocol_min <= config.delegate_protocol_max);
  return {limits::kProtocolVersionMin,  limits::kProtocolVersionMax,
          config.protocol_version,      config.delegate_protocol_min,
          config.delegate_protocol_max, config.delegate_protocol_version};
}

void NodeContext::CheckInvariants() const {
  SWIM_DCHECK(!shutdown || timers_.empty());
  SWIM_DCHECK(timers_.count(0) == 0);
  SWIM_DCHECK(advertise.name == config.name);
  SWIM_DCHECK(awareness.GetHealthScore() >= 0 &&
              awareness.GetHealthScore() < config.awareness_max_multiplier);
  SWIM_DCHECK(state != nullptr && messenger != nullptr && prober != nullptr &&
              weights != nullptr);
  SWIM_DCHECK(!started || shutdown || Self() != nullptr);
  if (const NodeRecord* me = Self(); me != nullptr) {
    SWIM_DCHECK(left || me->node.state == NodeState::kAlive);
    // Our record always carries our advertise address: an alive about us
    // from elsewhere is a conflict or a refutation, never an address change.
    SWIM_DCHECK(me->node.addr() == advertise.ip &&
                me->node.port() == advertise.port);
  }
}

}  // namespace swim::internal
