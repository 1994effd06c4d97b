#include "sim/faults.h"

#include <algorithm>

#include "core/check.h"

#include "sim/cluster.h"

namespace sim {

std::string_view FaultCauseName(FaultSet::Cause c) {
  switch (c) {
    case FaultSet::Cause::kLoss:
      return "loss";
    case FaultSet::Cause::kLatency:
      return "latency";
    case FaultSet::Cause::kOther:
      return "link change";
  }
  return "?";
}

FaultSet::FaultSet(Cluster* cluster) : cluster_(cluster) {}

namespace {
std::vector<NodeId> Ids(const Cluster& c, const std::vector<int>& v) {
  std::vector<NodeId> out;
  out.reserve(v.size());
  for (int i : v) out.push_back(c.world_id(i));
  return out;
}
}  // namespace

FaultSet::FaultId FaultSet::Add(Fault f, Span span) {
  span.start = cluster_->world().Now();
  f.span = history_.size();
  history_.push_back(std::move(span));
  const FaultId id = next_++;
  active_.emplace(id, std::move(f));
  return id;
}

bool FaultSet::AnyActive(Kind kind) const {
  for (const auto& [id, f] : active_) {
    if (f.kind == kind) return true;
  }
  return false;
}

bool FaultSet::AnyBlockActive() const {
  return AnyActive(Kind::kPartition) || AnyActive(Kind::kIsolation) ||
         AnyActive(Kind::kOneWay);
}

int FaultSet::ActiveHolding(Kind kind, int node) const {
  int n = 0;
  for (const auto& [id, f] : active_) {
    if (f.kind != kind) continue;
    n += static_cast<int>(std::count(f.nodes.begin(), f.nodes.end(), node));
  }
  return n;
}

std::vector<std::vector<NodeId>> FaultSet::CombinedGroups() const {
  // Each node's key: its group in every active partition (0 = unlisted).
  const size_t n = cluster_->world().num_nodes();
  std::vector<std::vector<uint32_t>> key(n);
  for (const auto& [id, f] : active_) {
    if (f.kind != Kind::kPartition) continue;
    std::vector<uint32_t> g(n, 0);
    for (size_t k = 0; k < f.groups.size(); ++k) {
      for (NodeId x : f.groups[k]) {
        if (x < n) g[x] = static_cast<uint32_t>(k + 1);
      }
    }
    for (size_t x = 0; x < n; ++x) key[x].push_back(g[x]);
  }
  std::map<std::vector<uint32_t>, std::vector<NodeId>> by_key;
  for (size_t x = 0; x < n; ++x)
    by_key[key[x]].push_back(static_cast<NodeId>(x));
  std::vector<std::vector<NodeId>> groups;
  for (auto& [k, members] : by_key) groups.push_back(std::move(members));
  return groups;
}

FaultSet::FaultId FaultSet::AddPartition(
    const std::vector<std::vector<int>>& groups) {
  Fault f{Kind::kPartition};
  for (const auto& g : groups) f.groups.push_back(Ids(*cluster_, g));
  const bool alone = !AnyActive(Kind::kPartition);
  Span span{Kind::kPartition};
  span.what = "partition";
  const FaultId id = Add(f, std::move(span));
  // Alone: exactly these groups; else the intersections with the others.
  cluster_->world().Partition(alone ? f.groups : CombinedGroups());
  return id;
}

FaultSet::FaultId FaultSet::AddSplitBrain() {
  Fault f{Kind::kPartition};
  const size_t n = cluster_->world().num_nodes();
  f.groups.resize(2);
  for (size_t i = 0; i < n; ++i)
    f.groups[i < n / 2 ? 0 : 1].push_back(static_cast<NodeId>(i));
  const bool alone = !AnyActive(Kind::kPartition);
  Span span{Kind::kPartition};
  span.what = "split brain";
  const FaultId id = Add(f, std::move(span));
  if (alone) {
    cluster_->world().SplitBrain();
  } else {
    cluster_->world().Partition(CombinedGroups());
  }
  return id;
}

FaultSet::FaultId FaultSet::AddIsolation(const std::vector<int>& nodes) {
  for (NodeId id : Ids(*cluster_, nodes)) cluster_->world().Isolate(id);
  Fault f{Kind::kIsolation};
  f.nodes = nodes;
  Span span{Kind::kIsolation};
  span.nodes = nodes;
  span.what = "isolation";
  return Add(std::move(f), std::move(span));
}

FaultSet::FaultId FaultSet::AddOneWay(const std::vector<int>& from,
                                      const std::vector<int>& to) {
  cluster_->world().BlockOneWay(Ids(*cluster_, from), Ids(*cluster_, to));
  Fault f{Kind::kOneWay};
  f.nodes = from;
  f.to = to;
  Span span{Kind::kOneWay};
  span.nodes = from;
  span.nodes.insert(span.nodes.end(), to.begin(), to.end());
  span.what = "one-way block";
  return Add(std::move(f), std::move(span));
}

FaultSet::FaultId FaultSet::AddLinkEdit(const std::vector<int>& nodes,
                                        LinkEdit edit, Cause cause,
                                        std::string what) {
  Network& net = cluster_->world().network();
  if (!have_base_) {
    base_link_ = net.default_link();
    have_base_ = true;
  }
  Fault f{Kind::kLink};
  f.nodes = nodes;
  f.edit = std::move(edit);
  f.cluster_size = cluster_->size();
  Span span{Kind::kLink};
  span.cause = cause;
  span.nodes = nodes;
  span.what = what.empty() ? std::string(FaultCauseName(cause)) : what;
  const FaultId id = Add(std::move(f), std::move(span));
  // Every active edit again, in order: a global edit reaches the links a
  // per-node edit overrides, too.
  RecomputeLinks();
  cluster_->world().NoteLinkChange();
  return id;
}

FaultSet::FaultId FaultSet::AddPause(const std::vector<int>& nodes) {
  for (NodeId id : Ids(*cluster_, nodes)) cluster_->world().Pause(id);
  Fault f{Kind::kPause};
  f.nodes = nodes;
  Span span{Kind::kPause};
  span.nodes = nodes;
  span.what = "pause";
  return Add(std::move(f), std::move(span));
}

void FaultSet::ApplyLinkEdit(const Fault& f) {
  Network& net = cluster_->world().network();
  if (f.nodes.empty()) {
    LinkParams p = net.default_link();
    f.edit(p);
    net.SetDefaultLink(p);
    return;
  }
  for (int i : f.nodes) {
    for (int j = 0; j < f.cluster_size; ++j) {
      if (j == i) continue;
      const NodeId a = cluster_->world_id(i), b = cluster_->world_id(j);
      LinkParams p = net.Link(a, b);
      f.edit(p);
      net.SetLinkBoth(a, b, p);
    }
  }
}

void FaultSet::RecomputeLinks() {
  Network& net = cluster_->world().network();
  LinkParams def = base_link_;
  for (const auto& [id, f] : active_) {
    if (f.kind == Kind::kLink && f.nodes.empty()) f.edit(def);
  }
  net.SetDefaultLink(def);
  net.ClearLinkOverrides();
  for (const auto& [id, f] : active_) {
    if (f.kind == Kind::kLink && !f.nodes.empty()) ApplyLinkEdit(f);
  }
}

void FaultSet::ReapplyBlocks() {
  World& w = cluster_->world();
  w.Heal();
  if (AnyActive(Kind::kPartition)) w.Partition(CombinedGroups());
  for (const auto& [id, f] : active_) {
    if (f.kind == Kind::kIsolation) {
      for (NodeId n : Ids(*cluster_, f.nodes)) w.Isolate(n);
    } else if (f.kind == Kind::kOneWay) {
      w.BlockOneWay(Ids(*cluster_, f.nodes), Ids(*cluster_, f.to));
    }
  }
}

void FaultSet::Close(const Fault& f) {
  history_[f.span].end = cluster_->world().Now();
}

void FaultSet::End(FaultId id) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  const Fault f = std::move(it->second);
  active_.erase(it);
  Close(f);
  World& w = cluster_->world();
  switch (f.kind) {
    case Kind::kPartition:
    case Kind::kOneWay:
      if (AnyBlockActive()) {
        ReapplyBlocks();
      } else {
        w.Heal();
      }
      break;
    case Kind::kIsolation:
      for (int i : f.nodes) {
        if (ActiveHolding(Kind::kIsolation, i) == 0)
          w.Unisolate(cluster_->world_id(i));
      }
      break;
    case Kind::kLink:
      RecomputeLinks();
      w.NoteLinkChange();
      break;
    case Kind::kPause:
      for (int i : f.nodes) {
        if (ActiveHolding(Kind::kPause, i) == 0)
          w.Resume(cluster_->world_id(i));
      }
      break;
  }
}

void FaultSet::ResumeNodes(const std::vector<int>& nodes) {
  for (auto it = active_.begin(); it != active_.end();) {
    Fault& f = it->second;
    if (f.kind == Kind::kPause) {
      for (int i : nodes)
        f.nodes.erase(std::remove(f.nodes.begin(), f.nodes.end(), i),
                      f.nodes.end());
      if (f.nodes.empty()) {
        Close(f);
        it = active_.erase(it);
        continue;
      }
    }
    ++it;
  }
  for (NodeId id : Ids(*cluster_, nodes)) cluster_->world().Resume(id);
}

void FaultSet::HealPartitions() {
  for (auto it = active_.begin(); it != active_.end();) {
    const Kind k = it->second.kind;
    if (k == Kind::kPartition || k == Kind::kIsolation || k == Kind::kOneWay) {
      Close(it->second);
      it = active_.erase(it);
    } else {
      ++it;
    }
  }
  cluster_->world().Heal();
}

}  // namespace sim
