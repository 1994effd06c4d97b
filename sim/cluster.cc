#include "sim/cluster.h"

#include "core/check.h"

#include "absl/strings/str_cat.h"

namespace sim {

std::string_view ClusterEventKindName(ClusterEvent::Kind kind) {
  switch (kind) {
    case ClusterEvent::Kind::kJoin:
      return "join";
    case ClusterEvent::Kind::kLeave:
      return "leave";
    case ClusterEvent::Kind::kUpdate:
      return "update";
    case ClusterEvent::Kind::kSuspect:
      return "suspect";
    case ClusterEvent::Kind::kAlive:
      return "alive";
    case ClusterEvent::Kind::kWeight:
      return "weight";
  }
  return "?";
}

// One cluster member: its Memberlist (which is the World's Host for node
// `id` itself: core::Memberlist implements swim::Inbound) and its
// EventDelegate, recording into the cluster.
struct Cluster::Member final : public swim::EventDelegate {
  Cluster* cluster = nullptr;
  NodeId id = 0;
  std::string name;
  int index = 0;
  std::unique_ptr<swim::Memberlist> ml;

  void NotifyJoin(const swim::Node& n) override {
    cluster->Record(id, ClusterEvent::Kind::kJoin, n);
  }
  void NotifyLeave(const swim::Node& n) override {
    cluster->Record(id, ClusterEvent::Kind::kLeave, n);
  }
  void NotifyUpdate(const swim::Node& n) override {
    cluster->Record(id, ClusterEvent::Kind::kUpdate, n);
  }
  void NotifyWeight(const swim::Node& n) override {
    cluster->Record(id, ClusterEvent::Kind::kWeight, n);
  }
  void NotifySuspectSateChange(const swim::Node& n) override {
    cluster->Record(id,
                    n.state == swim::NodeState::kSuspect
                        ? ClusterEvent::Kind::kSuspect
                        : ClusterEvent::Kind::kAlive,
                    n);
  }
};

Cluster::Cluster(const WorldOptions& options, ConfigFn config_fn)
    : world_(options), config_fn_(std::move(config_fn)) {
  world_.SetRestartHook([this](NodeId id) {
    for (auto& m : members_) {
      if (m->id == id) Build(m->index);
    }
  });
}

Cluster::~Cluster() {
  // Memberlists first: their destructors cancel timers on the World's envs.
  for (auto& m : members_) m->ml.reset();
}

swim::Memberlist* Cluster::node(int i) { return members_[i]->ml.get(); }
const swim::Memberlist* Cluster::node(int i) const {
  return members_[i]->ml.get();
}
NodeId Cluster::world_id(int i) const { return members_[i]->id; }
const swim::Address& Cluster::address(int i) const {
  return world_.address(members_[i]->id);
}

std::string Cluster::NodeName(int i) { return absl::StrCat("node-", i); }

void Cluster::Record(NodeId observer, ClusterEvent::Kind kind,
                     const swim::Node& n) {
  ClusterEvent e{world_.Now(), observer,      kind,   n.name,
                 n.state,      n.incarnation, n.addr, n.port};
  if (record_events_) events_.push_back(e);
  // By index: a callback may subscribe (appends) or unsubscribe (clears).
  for (size_t k = 0; k < subscribers_.size(); ++k) {
    if (subscribers_[k].on_event) subscribers_[k].on_event(e);
  }
}

void Cluster::PublishTruth(int i, TruthEvent::Kind kind) {
  const TruthEvent t{world_.Now(), i, kind};
  for (size_t k = 0; k < subscribers_.size(); ++k) {
    if (subscribers_[k].on_truth) subscribers_[k].on_truth(t);
  }
}

Cluster::Subscription Cluster::Subscribe(
    std::function<void(const ClusterEvent&)> on_event,
    std::function<void(const TruthEvent&)> on_truth) {
  const Subscription id = next_subscription_++;
  subscribers_.push_back({id, std::move(on_event), std::move(on_truth)});
  return id;
}

void Cluster::Unsubscribe(Subscription id) {
  for (Subscriber& s : subscribers_) {
    if (s.id == id) {
      s.on_event = nullptr;
      s.on_truth = nullptr;
    }
  }
}

void Cluster::Build(int i) {
  Member& m = *members_[i];
  world_.SetHost(m.id, nullptr);
  m.ml.reset();
  swim::Config c = config_fn_(i);
  c.name = NodeName(i);
  c.events = &m;
  c.bind_port = world_.address(m.id).port;
  absl::StatusOr<std::unique_ptr<swim::Memberlist>> ml =
      swim::Memberlist::Create(std::move(c), &world_.env(m.id),
                               world_.address(m.id));
  SWIM_CHECK(ml.ok());
  m.ml = std::move(*ml);
  world_.SetHost(m.id, m.ml.get());
}

int Cluster::AddNode() {
  auto m = std::make_unique<Member>();
  m->cluster = this;
  m->index = static_cast<int>(members_.size());
  m->id = world_.AddNode();
  m->name = NodeName(m->index);
  members_.push_back(std::move(m));
  join_results_.emplace_back();
  Build(static_cast<int>(members_.size()) - 1);
  return static_cast<int>(members_.size()) - 1;
}

absl::Status Cluster::Start(int i) {
  absl::Status s = members_[i]->ml->Start();
  if (s.ok()) PublishTruth(i, TruthEvent::Kind::kStarted);
  return s;
}

void Cluster::Join(int i, const std::vector<int>& seeds,
                   std::function<void(absl::Status)> done) {
  std::vector<std::string> addrs;
  for (int s : seeds)
    addrs.push_back(world_.address(members_[s]->id).ToString());
  join_results_[i].reset();
  swim::Memberlist* ml = members_[i]->ml.get();
  if (ml == nullptr) return;
  ml->Join(addrs, [this, i, done = std::move(done)](int, absl::Status s) {
    join_results_[i] = s;
    if (done) done(s);
  });
}

void Cluster::CreateAndJoin(int n, absl::Duration stagger) {
  const int first = size();
  for (int k = 0; k < n; ++k) AddNode();
  for (int k = first; k < first + n; ++k) SWIM_CHECK(Start(k).ok());
  for (int k = first; k < first + n; ++k) {
    if (k == 0) continue;
    if (stagger > absl::ZeroDuration()) {
      world_.After(stagger * (k - first), "join", [this, k] { Join(k, {0}); });
    } else {
      Join(k, {0});
    }
  }
}

bool Cluster::is_up(int i) const {
  return members_[i]->ml != nullptr &&
         world_.state(members_[i]->id) != NodeState::kCrashed &&
         !members_[i]->ml->HasLeft();
}

void Cluster::Crash(int i) {
  world_.Crash(members_[i]->id);
  world_.SetHost(members_[i]->id, nullptr);
  members_[i]->ml.reset();
  PublishTruth(i, TruthEvent::Kind::kCrashed);
}

void Cluster::Restart(int i, std::vector<int> seeds,
                      std::function<void(absl::Status)> join_done,
                      bool new_address) {
  if (members_[i]->ml != nullptr && members_[i]->ml->HasLeft()) {
    // A node that left still runs its old process: stop it first (the
    // World drops its pending callbacks), then start a new one.
    world_.Crash(members_[i]->id);
    members_[i]->ml.reset();
  }
  if (new_address) {
    world_.MoveAddress(members_[i]->id);
    any_moved_ = true;
  }
  world_.Restart(members_[i]->id);  // calls Build through the hook
  if (members_[i]->ml == nullptr) Build(i);
  SWIM_CHECK(Start(i).ok());
  if (seeds.empty()) seeds.push_back(i == 0 ? 1 : 0);
  Join(i, seeds, std::move(join_done));
}

void Cluster::Leave(int i, absl::Duration timeout) {
  if (!members_[i]->ml) return;
  members_[i]->ml->Leave(timeout, [](absl::Status) {});
  PublishTruth(i, TruthEvent::Kind::kLeft);
}

std::optional<swim::NodeState> Cluster::StateOf(int observer,
                                                int subject) const {
  const swim::Memberlist* ml = members_[observer]->ml.get();
  if (ml == nullptr) return std::nullopt;
  return ml->StateOf(members_[subject]->name);
}

bool Cluster::HoldsCurrentAddress(int o, int s) const {
  const swim::Memberlist* ml = members_[o]->ml.get();
  if (ml == nullptr) return true;
  const std::optional<swim::Node> n = ml->GetNode(members_[s]->name);
  if (!n.has_value()) return true;
  const swim::Address& now = address(s);
  return n->addr == now.ip && n->port == now.port;
}

bool Cluster::Converged() const {
  for (int o = 0; o < size(); ++o) {
    if (!is_up(o)) continue;
    for (int s = 0; s < size(); ++s) {
      std::optional<swim::NodeState> st = StateOf(o, s);
      if (is_up(s)) {
        if (st != swim::NodeState::kAlive) return false;
        // Alive at an address it left is not agreement (only checked once
        // some node moved: GetNode copies the entry).
        if (any_moved_ && o != s &&
            world_.address_generation(members_[s]->id) > 0 &&
            !HoldsCurrentAddress(o, s)) {
          return false;
        }
      } else if (st == swim::NodeState::kAlive ||
                 st == swim::NodeState::kSuspect) {
        return false;
      }
    }
  }
  return true;
}

bool Cluster::AllSee(int subject, swim::NodeState state,
                     bool accept_left) const {
  for (int o = 0; o < size(); ++o) {
    if (!is_up(o) || o == subject) continue;
    std::optional<swim::NodeState> st = StateOf(o, subject);
    if (st == state) continue;
    if (accept_left && state == swim::NodeState::kDead &&
        st == swim::NodeState::kLeft) {
      continue;
    }
    // A dead (or left) node is reaped after GossipToTheDeadTime: absence
    // after having been declared dead is still "dead".
    if (!st.has_value() &&
        (state == swim::NodeState::kDead || state == swim::NodeState::kLeft) &&
        members_[o]->ml != nullptr) {
      continue;
    }
    return false;
  }
  return true;
}

std::string Cluster::DebugString() const {
  std::string out;
  for (int o = 0; o < size(); ++o) {
    absl::StrAppend(&out, NodeName(o), is_up(o) ? "" : " (down)", ":");
    const swim::Memberlist* ml = node(o);
    if (ml != nullptr) {
      for (const swim::Node& n : ml->AllNodes()) {
        absl::StrAppend(&out, " ", n.name, "=",
                        std::string(swim::NodeStateName(n.state)), "/",
                        n.incarnation);
      }
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

bool Cluster::RunUntil(const std::function<bool()>& pred,
                       absl::Duration timeout) {
  // Checking after every event costs O(events x pred); whole-cluster
  // predicates are O(n^2), so poll once per check_interval_ of virtual time.
  const swim::Instant deadline = world_.Now() + timeout;
  while (true) {
    if (pred()) return true;
    if (world_.Now() >= deadline) return false;
    swim::Instant next = world_.Now() + check_interval_;
    if (next > deadline) next = deadline;
    world_.RunUntil(next);
  }
}

}  // namespace sim
