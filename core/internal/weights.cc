#include "core/internal/weights.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "core/check.h"
#include "core/internal/state_rules.h"
#include "core/metric_names.h"

namespace swim::internal {

namespace {

// The fork's weight broadcast: replaces only older weights of the same node.
class WeightBroadcast final : public Broadcast {
 public:
  WeightBroadcast(std::string node, Bytes msg)
      : node_(std::move(node)), msg_(std::move(msg)) {}
  ByteSpan Message() const override { return msg_; }
  bool Invalidates(const Broadcast& other) const override {
    const auto* w = dynamic_cast<const WeightBroadcast*>(&other);
    return w != nullptr && w->node_ == node_;
  }

 private:
  std::string node_;
  Bytes msg_;
};

}  // namespace

Weights::Weights(NodeContext& ctx)
    : ctx_(ctx),
      queue_([&ctx] { return static_cast<int>(ctx.table.size()); },
             ctx.config.retransmit_mult) {}

void Weights::Queue(const std::string& node, const wire::Weight& w) {
  SWIM_DCHECK(!node.empty());
  SWIM_DCHECK(w.node == node);
  Bytes msg;
  wire::Encode(w, &msg);
  queue_.QueueBroadcast(
      std::make_unique<WeightBroadcast>(node, std::move(msg)));
}

void Weights::Tick() {
  std::optional<double> idle = ctx_.env->CpuIdlePercent();
  if (!idle.has_value()) return;  // the fork skips the tick when sampling fails
  const int m = ctx_.config.awareness_max_multiplier;
  const int h = ctx_.awareness.GetHealthScore();
  SWIM_DCHECK(m >= 1);
  SWIM_DCHECK(h >= 0 && h < m);
  const double raw = (m - h) * 0.6 + m * (*idle / 100.0) * 0.4;
  const int64_t weight =
      static_cast<int64_t>(std::round(raw));  // half away from zero
  if (ctx_.Self() == nullptr) return;
  const std::string& self = ctx_.config.name;
  WeightInfo& mine = weights_[self];
  mine.weight = weight;
  mine.weight_at = ctx_.env->UnixMillis();
  // Every weight belongs to a member in the table (we are in it).
  SWIM_DCHECK(weights_.size() <= ctx_.table.size());
  ctx_.metrics.SetGauge(metric::kWeight, static_cast<double>(weight));
  if (!ctx_.config.gossip_weights) return;
  Queue(self, wire::Weight{ctx_.state->incarnation(), self, self, weight,
                           mine.weight_at});
}

void Weights::HandleWeight(const wire::Weight& w) {
  NodeRecord* state = ctx_.table.Find(w.node);
  if (state == nullptr || w.incarnation < state->node.incarnation ||
      state->node.state != NodeState::kAlive || ctx_.IsSelf(w.node)) {
    ctx_.metrics.Incr(metric::kDroppedWeightStale);
    return;
  }
  if (w.weight_at > ctx_.env->UnixMillis() &&
      w.weight_at - ctx_.env->UnixMillis() > limits::kMaxWeightFutureMillis) {
    ctx_.metrics.Incr(metric::kDroppedWeightFuture);  // issue 14 item 12
    ctx_.Log(LogLevel::kDebug,
             absl::StrCat("weight of ", w.node, " stamped in the future",
                          " (memberlist.dropped.weight_future)"));
    return;
  }
  WeightInfo& info = weights_[std::string(state->node.name())];
  // Only weights of members we know alive, at a current incarnation, and
  // never our own, get this far.
  SWIM_DCHECK(state->node.state == NodeState::kAlive && !ctx_.IsSelf(w.node));
  SWIM_DCHECK(weights_.size() <= ctx_.table.size());
  if (w.weight_at <= info.weight_at) {
    ctx_.metrics.Incr(metric::kDroppedWeightStale);
    return;
  }
  // go-doudou: re-gossip unchanged (only to peers that read weights).
  Queue(w.node, w);
  info.weight_at = w.weight_at;
  ctx_.metrics.Incr(metric::kMsgWeight);
  if (info.weight != w.weight) {
    info.weight = w.weight;
    if (ctx_.config.events != nullptr) {
      ctx_.config.events->NotifyWeight(ctx_.ToNode(*state));
    }
  }
  SWIM_DCHECK(
      weights_.find(std::string(state->node.name()))->second.weight_at ==
      w.weight_at);
}

std::optional<Node> Weights::PickWeighted() {
  // Nginx's smooth weighted round-robin: every pick adds each member's
  // weight to its current value, takes the largest, and subtracts the total
  // from the winner. Ties go to the first in name order, so the sequence is
  // a function of the member list alone (not of the probe order).
  std::vector<NodeRecord*> alive;
  for (NodeRecord* r : ctx_.table.order()) {
    if (r->node.state == NodeState::kAlive) alive.push_back(r);
  }
  if (alive.empty()) return std::nullopt;
  std::sort(alive.begin(), alive.end(),
            [](const NodeRecord* a, const NodeRecord* b) {
              return a->node.name() < b->node.name();
            });
  // Create missing entries first: inserting may rehash and move entries.
  for (NodeRecord* r : alive) weights_.try_emplace(std::string(r->node.name()));
  SWIM_DCHECK(weights_.size() <= ctx_.table.size());
  int64_t total = 0;
  WeightInfo* best = nullptr;
  NodeRecord* best_rec = nullptr;
  for (NodeRecord* r : alive) {
    WeightInfo& info = weights_.find(std::string(r->node.name()))->second;
    const int64_t w = info.weight > 0 ? info.weight : 1;
    SWIM_DCHECK(w >= 1 && info.weight_at >= 0);
    info.wrr_current += w;
    total += w;
    if (best == nullptr || info.wrr_current > best->wrr_current) {
      best = &info;
      best_rec = r;
    }
  }
  SWIM_DCHECK(best != nullptr && total >= static_cast<int64_t>(alive.size()));
  best->wrr_current -= total;
  SWIM_DCHECK(best_rec != nullptr && best_rec->node.state == NodeState::kAlive);
  return ctx_.ToNode(*best_rec);
}

int64_t Weights::WeightOf(const std::string& name) const {
  SWIM_DCHECK(weights_.size() <= ctx_.table.size());
  if (weights_.empty()) return 0;
  auto it = weights_.find(name);
  return it == weights_.end() ? 0 : it->second.weight;
}

bool Weights::PeerAccepts(const NodeRecord* peer) const {
  SWIM_DCHECK(peer == nullptr || !peer->node.name().empty());
  return ctx_.config.gossip_weights && peer != nullptr &&
         peer->node.dmax() >= ctx_.config.weight_min_delegate_version &&
         peer->node.dmax() > 0;
}

void Weights::CheckInvariants() const {
  SWIM_DCHECK(weights_.size() <= ctx_.table.size());
  SWIM_DCHECK(queue_.retransmit_mult() == ctx_.config.retransmit_mult);
#if SWIM_SIM_ASSERTS_ENABLED
  for (const auto& [name, info] : weights_) {
    SWIM_SIM_ASSERT(ctx_.table.Find(name) != nullptr);
    SWIM_SIM_ASSERT(!name.empty());
    SWIM_SIM_ASSERT(info.weight_at >= 0);
  }
#endif
}

}  // namespace swim::internal
