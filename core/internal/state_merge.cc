// StateRules, part two: the push/pull merge (Go's state.go mergeState and
// net.go verifyProtocol). Split from state_rules.cc only to keep each file
// of core/ readable in one sitting (tools/check_core_size.sh); the class and
// its invariants are in state_rules.h.
#include <utility>

#include "core/check.h"
#include "core/cover.h"
#include "core/internal/messenger.h"
#include "core/internal/state_rules.h"
#include "core/limits.h"
#include "core/metric_names.h"
#include "core/status_macros.h"
#include "core/util.h"

#include "absl/strings/str_cat.h"

namespace swim::internal {

// ---------------------------------------------------------------------------
// Push/pull merge (§6.8, §6.10)
// ---------------------------------------------------------------------------

absl::Status StateRules::VerifyProtocol(
    const std::vector<wire::PushNodeState>& remote) const {
  SWIM_DCHECK(remote.size() <= limits::kMaxPushPullNodes);
  uint8_t max_pmin = 0, min_pmax = 255, max_dmin = 0, min_dmax = 255;
  for (const auto& rn : remote) {
    if (rn.state != static_cast<int64_t>(NodeState::kAlive) || !rn.vsn)
      continue;
    const VersionVector& v = *rn.vsn;
    max_pmin = std::max(max_pmin, v[0]);
    min_pmax = std::min(min_pmax, v[1]);
    max_dmin = std::max(max_dmin, v[3]);
    min_dmax = std::min(min_dmax, v[4]);
  }
  // Go's verifyProtocol runs over the whole table on every push/pull; the
  // table counts the distinct version vectors its records hold (usually one
  // or two), so the same ranges come from those. The per-record check
  // below runs only if the range does not fit (to name the first record
  // that fails, as Go's loop does).
  uint8_t lo_pcur = 255, hi_pcur = 0, lo_dcur = 255, hi_dcur = 0;
  for (const auto& [v, count] : ctx_.table.versions()) {
    SWIM_DCHECK(count.records > 0 && count.alive <= count.records);
    lo_pcur = std::min(lo_pcur, v[2]);
    hi_pcur = std::max(hi_pcur, v[2]);
    lo_dcur = std::min(lo_dcur, v[5]);
    hi_dcur = std::max(hi_dcur, v[5]);
    if (count.alive == 0) continue;
    max_pmin = std::max(max_pmin, v[0]);
    min_pmax = std::min(min_pmax, v[1]);
    max_dmin = std::max(max_dmin, v[3]);
    min_dmax = std::min(min_dmax, v[4]);
  }
  auto check = [&](std::string_view name, uint8_t pcur,
                   uint8_t dcur) -> absl::Status {
    if (pcur < max_pmin || pcur > min_pmax) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Node '", std::string(name), "' protocol version (", pcur,
          ") is incompatible: [", max_pmin, ", ", min_pmax, "]"));
    }
    if (dcur < max_dmin || dcur > min_dmax) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Node '", std::string(name), "' delegate protocol version (", dcur,
          ") is incompatible: [", max_dmin, ", ", min_dmax, "]"));
    }
    return absl::OkStatus();
  };
  for (const auto& rn : remote) {
    const uint8_t pcur = rn.vsn ? (*rn.vsn)[2] : 0;
    const uint8_t dcur = rn.vsn ? (*rn.vsn)[5] : 0;
    SWIM_RETURN_IF_ERROR(check(rn.name, pcur, dcur));
  }
  SWIM_DCHECK(!ctx_.table.order().empty());  // we are in it
  if (lo_pcur >= max_pmin && hi_pcur <= min_pmax && lo_dcur >= max_dmin &&
      hi_dcur <= min_dmax) {
    return absl::OkStatus();  // every record's versions are in range
  }
  for (const NodeRecord* r : ctx_.table.order()) {
    const VersionVector v = r->node.vsn();
    SWIM_RETURN_IF_ERROR(check(r->node.name(), v[2], v[5]));
  }
  SWIM_DCHECK(false && "some record was out of range");
  return absl::OkStatus();
}

absl::Status StateRules::AskMergeDelegate(const wire::PushPull& pp) {
  SWIM_DCHECK(ctx_.config.merge != nullptr);
  SWIM_DCHECK(pp.nodes.size() <= limits::kMaxPushPullNodes);
  std::vector<Node> peers;
  peers.reserve(pp.nodes.size());
  for (const auto& rn : pp.nodes) {
    Node n;
    n.name = rn.name;
    n.addr = rn.addr;
    n.port = rn.port;
    n.meta = rn.meta.value_or("");
    n.incarnation = rn.incarnation;
    if (rn.state >= 0 && rn.state <= 3)
      n.state = static_cast<NodeState>(rn.state);
    if (rn.vsn) n.vsn = *rn.vsn;
    peers.push_back(std::move(n));
  }
  SWIM_DCHECK(peers.size() == pp.nodes.size());
  absl::Status veto = ctx_.config.merge->NotifyMerge(peers);
  if (!veto.ok()) ctx_.metrics.Incr(metric::kDroppedMergeVetoed);
  return veto;
}

absl::Status StateRules::MergeRemoteState(const wire::PushPull& pp, bool join) {
  SWIM_DCHECK(!ctx_.shutdown);
  SWIM_DCHECK(pp.nodes.size() <= limits::kMaxPushPullNodes);
  SWIM_RETURN_IF_ERROR(VerifyProtocol(pp.nodes));
  if (join && ctx_.config.merge != nullptr) {
    SWIM_RETURN_IF_ERROR(AskMergeDelegate(pp));
  }
  MergeState(pp.nodes, join);
  if (!pp.user_state.empty() && ctx_.config.delegate != nullptr) {
    ctx_.config.delegate->MergeRemoteState(pp.user_state, join);
  }
  return absl::OkStatus();
}

void StateRules::MergeState(const std::vector<wire::PushNodeState>& remote,
                            bool join) {
  SWIM_DCHECK(!ctx_.shutdown);
  SWIM_DCHECK(ctx_.table.size() <= ctx_.config.max_members);
  for (const auto& r : remote) {
    switch (r.state) {
      case static_cast<int64_t>(NodeState::kAlive): {
        if (!join && ctx_.config.reaped_come_back_dead &&
            reaped_.Blocks(r.name, r.incarnation, ctx_.env->Now()) &&
            ctx_.table.Find(r.name) == nullptr) {  // see core/reaped_names.h
          ReAddAsDead(r);
          SWIM_DCHECK(ctx_.table.size() <= ctx_.config.max_members);
          break;
        }
        wire::Alive a;
        a.incarnation = r.incarnation;
        a.node = r.name;
        a.addr = r.addr;
        a.port = r.port;
        a.meta = r.meta;
        a.meta_dropped = r.meta_dropped;  // over the limit: AliveNode drops it
        a.vsn = r.vsn;  // ports were fixed up on reading (Messenger)
        AliveNode(a, nullptr, false);
        break;
      }
      case static_cast<int64_t>(NodeState::kLeft):
        DeadNode(wire::Dead{r.incarnation, r.name, r.name});
        break;
      case static_cast<int64_t>(NodeState::kDead):
      case static_cast<int64_t>(NodeState::kSuspect):
        // A remote death is only a suspicion here: we check for ourselves.
        SWIM_COVER("merge_remote_dead_as_suspect");
        SuspectNode(wire::Suspect{r.incarnation, r.name, ctx_.config.name});
        break;
      default:
        ctx_.metrics.Incr(metric::kDroppedUnknownState);
        break;
    }
  }
}

void StateRules::ReAddAsDead(const wire::PushNodeState& r) {
  // Only a name we reaped (and so a valid one) is re-added; it is unknown.
  SWIM_DCHECK(!r.name.empty() && r.name.size() <= limits::kMaxNodeNameLength);
  SWIM_DCHECK(ctx_.table.Find(r.name) == nullptr);
  ctx_.metrics.Incr(metric::kDroppedReapedReadd);
  SWIM_COVER("reaped_name_kept_dead");
  ctx_.Log(LogLevel::kDebug,
           absl::StrCat("reaped member ", r.name, " handed back at ",
                        "incarnation ", r.incarnation,
                        ": kept dead (memberlist.dropped.reaped_readd)"));
  if (ctx_.table.size() >= ctx_.config.max_members) return;
  // A dead stub, stamped now.
  NodeRecord* rec =
      ctx_.table.Insert(r.name, r.addr, r.port, /*meta=*/"", r.vsn);
  rec->node.incarnation = r.incarnation;
  SWIM_DCHECK(rec->node.state == NodeState::kDead);
  SWIM_DCHECK(ctx_.table.Find(r.name) == rec);
  SWIM_DCHECK(!suspicions_.contains(std::string_view(rec->node.name())));
}

void StateRules::OnReaped(const NodeRecord& r) {
  SWIM_DCHECK(r.node.state == NodeState::kDead);
  SWIM_DCHECK(ctx_.table.Find(r.node.name()) == &r);
  reaped_.Add(std::string(r.node.name()), r.node.incarnation,
              ctx_.env->Now() + ctx_.config.gossip_to_the_dead_time);
  suspicions_.erase(std::string_view(r.node.name()));
  SWIM_DCHECK(!suspicions_.contains(std::string_view(r.node.name())));
}

}  // namespace swim::internal
