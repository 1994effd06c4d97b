// The action registry and the helpers action files share.
#include <algorithm>

#include "sim/actions/action.h"
#include "sim/cluster.h"
#include "sim/world.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sim {

#define SWIM_ACTION(kind, name, spec) const ActionSpec& spec();
#include "sim/actions/registry.inc"
#undef SWIM_ACTION

const std::vector<const ActionSpec*>& AllActions() {
  static const auto* all = new std::vector<const ActionSpec*>{
#define SWIM_ACTION(kind, name, spec) &spec(),
#include "sim/actions/registry.inc"
#undef SWIM_ACTION
  };
  return *all;
}

std::string_view ActionKindName(ActionKind kind) {
  switch (kind) {
#define SWIM_ACTION(k, name, spec) \
  case ActionKind::k:              \
    return name;
#include "sim/actions/registry.inc"
#undef SWIM_ACTION
  }
  return "?";
}

const ActionSpec& Action(ActionKind kind) {
  return *AllActions()[static_cast<size_t>(kind)];
}

const ActionSpec* FindAction(std::string_view name) {
  for (const ActionSpec* a : AllActions()) {
    if (a->name() == name) return a;
  }
  return nullptr;
}

std::string ActionNames() {
  std::vector<std::string> names;
  for (const ActionSpec* a : AllActions()) names.emplace_back(a->name());
  return absl::StrJoin(names, ", ");
}

std::string_view ActionSpec::name() const { return ActionKindName(kind()); }

std::string ActionSpec::Describe(const ActionParams& p) const {
  const std::vector<int>& nodes = TargetNodes(p);
  return nodes.empty() ? "" : absl::StrCat(" ", NodeList(nodes));
}

World& ActionContext::world() { return cluster().world(); }

absl::Status NodesTimeoutAction::ParseMore(const TomlReader& r,
                                           const toml::table& t,
                                           TimedNodesParams& p) const {
  if (const toml::node* n = t.get("timeout"))
    SWIM_TOML_ASSIGN(p.timeout, r.Dur(*n, "timeout"));
  return absl::OkStatus();
}

namespace {
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;
}  // namespace

std::vector<int> NodeRefs(const ActionParams& params) {
  std::vector<int> out;
  auto add = [&out](const std::vector<int>& v) {
    out.insert(out.end(), v.begin(), v.end());
  };
  std::visit(Overloaded{
                 [](const NoParams&) {},
                 [&](const NodesParams& p) { add(p.nodes); },
                 [&](const TimedNodesParams& p) { add(p.nodes); },
                 [&](const JoinParams& p) { add(p.seeds); },
                 [&](const RejoinParams& p) {
                   add(p.nodes);
                   add(p.seeds);
                 },
                 [&](const PartitionParams& p) {
                   for (const auto& g : p.groups) add(g);
                 },
                 [&](const OneWayParams& p) {
                   add(p.from);
                   add(p.to);
                 },
                 [&](const LossParams& p) { add(p.nodes); },
                 [&](const LatencyParams& p) { add(p.nodes); },
                 [&](const DriftParams& p) { add(p.nodes); },
                 [&](const HostileParams& p) { add(p.victims); },
             },
             params);
  return out;
}

const std::vector<int>& NoNodes() {
  static const auto* none = new std::vector<int>();
  return *none;
}

const std::vector<int>& TargetNodes(const ActionParams& params) {
  return std::visit(
      Overloaded{
          [](const NodesParams& p) -> const std::vector<int>& {
            return p.nodes;
          },
          [](const TimedNodesParams& p) -> const std::vector<int>& {
            return p.nodes;
          },
          [](const RejoinParams& p) -> const std::vector<int>& {
            return p.nodes;
          },
          [](const LossParams& p) -> const std::vector<int>& {
            return p.nodes;
          },
          [](const LatencyParams& p) -> const std::vector<int>& {
            return p.nodes;
          },
          [](const DriftParams& p) -> const std::vector<int>& {
            return p.nodes;
          },
          [](const auto&) -> const std::vector<int>& { return NoNodes(); },
      },
      params);
}

std::string NodeList(const std::vector<int>& v) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (j >= i + 2) {
      parts.push_back(absl::StrCat(Cluster::NodeName(v[i]), "..", v[j]));
    } else {
      for (size_t k = i; k <= j; ++k) parts.push_back(Cluster::NodeName(v[k]));
    }
    i = j + 1;
  }
  return absl::StrJoin(parts, ",");
}

absl::StatusOr<std::vector<int>> OptionalNodes(const TomlReader& r,
                                               const toml::table& t) {
  for (const char* key : {"nodes", "node"}) {
    if (const toml::node* n = t.get(key)) return r.IntList(*n, key);
  }
  return std::vector<int>();
}

absl::StatusOr<std::vector<int>> RequiredNodes(const TomlReader& r,
                                               const toml::table& t,
                                               std::string_view action) {
  absl::StatusOr<std::vector<int>> nodes = OptionalNodes(r, t);
  if (!nodes.ok()) return nodes.status();
  if (nodes->empty()) {
    return r.Err(t, absl::StrCat(std::string(action),
                                 " needs \"nodes\" (e.g. nodes = [3])"));
  }
  return nodes;
}

absl::StatusOr<std::vector<int>> NodesOr(const TomlReader& r,
                                         const toml::table& t,
                                         const std::string& key,
                                         std::vector<int> fallback) {
  if (const toml::node* n = t.get(key)) return r.IntList(*n, key);
  return fallback;
}

absl::StatusOr<JoinRetry> ParseRetry(const TomlReader& r,
                                     const toml::table& t) {
  const toml::node* n = t.get("retry");
  if (n == nullptr) return JoinRetry();
  return ParseRetryValue(r, *n);
}

absl::StatusOr<JoinRetry> ParseRetryValue(const TomlReader& r,
                                          const toml::node& node) {
  JoinRetry retry;
  const toml::node* n = &node;
  const toml::table* rt = n->as_table();
  if (rt == nullptr) {
    return r.Err(*n,
                 "\"retry\" must be a table like { interval = \"1s\", "
                 "attempts = 5 }");
  }
  for (auto&& [k, v] : *rt) {
    const std::string key(k.str());
    if (key == "interval") {
      SWIM_TOML_ASSIGN(retry.interval, r.Dur(v, "retry.interval"));
      if (retry.interval <= absl::ZeroDuration())
        return r.Err(v, "\"retry.interval\" must be > 0");
    } else if (key == "attempts") {
      int64_t a = 0;
      SWIM_TOML_ASSIGN(a, r.IntIn(v, "retry.attempts", 1, 1000));
      retry.attempts = static_cast<int>(a);
    } else {
      return r.Err(k.source(), absl::StrCat("unknown retry key \"", key,
                                            "\" (known: interval, attempts)"));
    }
  }
  return retry;
}

namespace {

// Attempt `n` (1-based) of joining node i; `self` is the Memberlist the
// chain belongs to (a crash and restart starts a new chain).
void Attempt(Cluster& c, int i, std::vector<int> seeds, JoinRetry retry, int n,
             const swim::Memberlist* self);

void After(Cluster& c, int i, std::vector<int> seeds, JoinRetry retry, int n,
           const swim::Memberlist* self, const absl::Status& s) {
  if (s.ok() || n >= retry.attempts) return;
  c.world().After(retry.interval, "join-retry",
                  [&c, i, seeds = std::move(seeds), retry, n, self] {
                    if (!c.is_up(i) || c.node(i) != self) return;
                    Attempt(c, i, seeds, retry, n + 1, self);
                  });
}

void Attempt(Cluster& c, int i, std::vector<int> seeds, JoinRetry retry, int n,
             const swim::Memberlist* self) {
  if (retry.attempts <= 1) {
    c.Join(i, seeds);
    return;
  }
  c.Join(i, seeds, [&c, i, seeds, retry, n, self](absl::Status s) {
    After(c, i, seeds, retry, n, self, s);
  });
}

}  // namespace

void JoinWithRetry(ActionContext& ctx, int i, const std::vector<int>& seeds,
                   const JoinRetry& retry) {
  Cluster& c = ctx.cluster();
  Attempt(c, i, seeds, retry, 1, c.node(i));
}

void RetryJoin(ActionContext& ctx, int i, const std::vector<int>& seeds,
               const JoinRetry& retry, const absl::Status& first) {
  Cluster& c = ctx.cluster();
  After(c, i, seeds, retry, 1, c.node(i), first);
}

}  // namespace sim
