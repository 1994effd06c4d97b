// hostile: a misbehaving peer (sim/hostile.h) joins as a member (or stays
// an outsider) and attacks `victims` (default: every node present) with
// `attacks` (default: all), one action every `interval`, `burst` messages
// each, for `duration` (default: to the end of the run). Its damage is
// judged by the hostile_hurt checker.
#include "sim/hostile.h"

#include "sim/actions/action.h"
#include "sim/cluster.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sim {
namespace {

absl::StatusOr<Attack> AttackByName(const TomlReader& r, const toml::node& n,
                                    const std::string& s) {
  std::vector<std::string> names;
  for (Attack a : kAllAttacks) {
    if (AttackName(a) == s) return a;
    names.emplace_back(AttackName(a));
  }
  return r.Err(n, absl::StrCat("unknown attack \"", s,
                               "\" (known: ", absl::StrJoin(names, ", "), ")"));
}

class Hostile final : public ActionSpec {
 public:
  ActionKind kind() const override { return ActionKind::kHostile; }
  std::vector<std::string_view> keys() const override {
    return {"attacks", "victims", "interval", "burst", "act_as_member"};
  }
  absl::StatusOr<ActionParams> Parse(const TomlReader& r,
                                     const toml::table& t) const override {
    HostileParams p;
    if (const toml::node* v = t.get("attacks")) {
      const toml::array* a = v->as_array();
      if (a == nullptr)
        return r.Err(*v, "\"attacks\" must be a list of attack names");
      for (const toml::node& e : *a) {
        std::string s;
        SWIM_TOML_ASSIGN(s, r.Str(e, "attacks"));
        absl::StatusOr<Attack> known = AttackByName(r, e, s);
        if (!known.ok()) return known.status();
        p.attacks.push_back(s);
      }
    }
    SWIM_TOML_ASSIGN(p.victims, NodesOr(r, t, "victims", {}));
    if (const toml::node* v = t.get("interval")) {
      SWIM_TOML_ASSIGN(p.interval, r.Dur(*v, "interval"));
      if (p.interval < absl::Milliseconds(1))
        return r.Err(*v, "\"interval\" must be at least 1ms");
    }
    if (const toml::node* v = t.get("burst")) {
      int64_t b = 0;
      SWIM_TOML_ASSIGN(b, r.IntIn(*v, "burst", 1, 1000));
      p.burst = static_cast<int>(b);
    }
    if (const toml::node* v = t.get("act_as_member"))
      SWIM_TOML_ASSIGN(p.act_as_member, r.Bool(*v, "act_as_member"));
    return p;
  }
  std::string Describe(const ActionParams& params) const override {
    const auto& p = std::get<HostileParams>(params);
    return absl::StrCat(
        " ", p.attacks.empty() ? "all attacks" : absl::StrJoin(p.attacks, ","),
        p.victims.empty() ? "" : absl::StrCat(" on ", NodeList(p.victims)));
  }
  bool timed() const override { return true; }
  void Apply(ActionContext& ctx, const ScheduledEvent& e) const override {
    const auto& p = std::get<HostileParams>(e.params);
    Cluster& c = ctx.cluster();
    HostileOptions o;
    o.name = absl::StrCat("mallory-", e.line);
    std::vector<int> victims = p.victims;
    if (victims.empty()) {
      for (int i = 0; i < c.size(); ++i) victims.push_back(i);
    }
    for (int i : victims) {
      swim::Address a = c.world().address(c.world_id(i));
      a.name = Cluster::NodeName(i);
      o.victims.push_back(a);
    }
    const swim::Config& config = ctx.scenario().config;
    o.address_mode = config.address_mode;
    o.cluster_encrypted = !config.secret_key.empty();
    if (o.cluster_encrypted) {
      // An insider holds the cluster's key.
      absl::StatusOr<swim::security::Keyring> ring =
          swim::security::Keyring::Create({}, config.secret_key);
      if (ring.ok()) {
        o.keyring = std::make_shared<swim::security::Keyring>(std::move(*ring));
      }
    }
    o.interval = p.interval;
    o.burst = p.burst;
    o.act_as_member = p.act_as_member;
    std::vector<Attack> attacks;
    for (const std::string& s : p.attacks) {
      for (Attack a : kAllAttacks) {
        if (AttackName(a) == s) attacks.push_back(a);
      }
    }
    if (attacks.empty()) attacks.assign(kAllAttacks.begin(), kAllAttacks.end());
    const NodeId self = c.world().AddNode();
    auto peer = std::make_unique<HostilePeer>(&c.world(), self, o);
    if (p.act_as_member) peer->Join();
    const absl::Duration run_for =
        e.duration.value_or(ctx.scenario().duration - e.at);
    peer->Start(std::move(attacks), run_for);
    HostilePeer* raw = peer.get();
    ctx.AddHostile(std::move(peer));
    if (e.duration) ctx.AtEnd([raw] { raw->Stop(); });
  }
};

}  // namespace

const ActionSpec& HostileAction() {
  static const Hostile* spec = new Hostile();
  return *spec;
}

}  // namespace sim
