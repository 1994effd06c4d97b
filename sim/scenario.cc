#include "sim/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "core/internal/planted_bugs.h"
#include "core/memberlist.h"
#include "core/status_macros.h"
#include "core/strings.h"

#include "sim/actions/action.h"
#include "sim/checkers.h"
#include "sim/metrics.h"
#include "sim/scenario_toml.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sim {

std::string_view ExpectationOpName(Expectation::Op op) {
  switch (op) {
    case Expectation::Op::kLe:
      return "<=";
    case Expectation::Op::kLt:
      return "<";
    case Expectation::Op::kGe:
      return ">=";
    case Expectation::Op::kGt:
      return ">";
    case Expectation::Op::kEq:
      return "=";
  }
  return "?";
}

const std::vector<std::string>& KnownMetrics() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>();
    for (const MetricDef& m : Metrics()) v->emplace_back(m.name);
    return v;
  }();
  return *names;
}

int Scenario::max_nodes() const {
  int n = size;
  for (const ScheduledEvent& e : events) {
    n += Action(e.action).adds_nodes(e.params);
  }
  return n;
}

absl::StatusOr<absl::Duration> ParseDurationText(const std::string& text) {
  std::string t(absl::StripAsciiWhitespace(text));
  absl::Duration d;
  // absl spells minutes "m" already; accept "min" too.
  std::string u = t;
  if (absl::EndsWith(u, "min")) u = u.substr(0, u.size() - 3) + "m";
  if (u.empty() || !absl::ParseDuration(u, &d) ||
      d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad duration \"", t,
                     "\" (want e.g. \"500ms\", \"2s\", \"1m30s\", \"250us\")"));
  }
  if (d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative duration \"", t, "\""));
  }
  return d;
}

absl::StatusOr<std::vector<uint64_t>> ParseSeedRange(const std::string& text) {
  std::vector<uint64_t> out;
  for (absl::string_view part :
       absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    std::vector<std::string> ab = absl::StrSplit(part, "..");
    uint64_t a = 0, b = 0;
    if (ab.size() == 1 && absl::SimpleAtoi(ab[0], &a)) {
      out.push_back(a);
    } else if (ab.size() == 2 && absl::SimpleAtoi(ab[0], &a) &&
               absl::SimpleAtoi(ab[1], &b) && a <= b && b - a < 10'000'000) {
      for (uint64_t s = a; s <= b; ++s) out.push_back(s);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("bad seed range \"", text,
                       "\" (want \"7\", \"1..100\" or \"1,5,9\")"));
    }
  }
  if (out.empty()) return absl::InvalidArgumentError("empty seed range");
  return out;
}

absl::StatusOr<uint32_t> ParsePlantedBugs(const std::string& text) {
  uint32_t mask = 0;
  for (absl::string_view p :
       absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    p = absl::StripAsciiWhitespace(p);
    if (p == "ignore_refute") {
      mask |= swim::kBugIgnoreRefute;
    } else if (p == "skip_suspicion") {
      mask |= swim::kBugSkipSuspicion;
    } else if (p == "accept_stale_alive") {
      mask |= swim::kBugAcceptStaleAlive;
    } else if (p == "none" || p.empty()) {
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown planted bug \"", std::string(p),
          "\" (known: ignore_refute, skip_suspicion, accept_stale_alive)"));
    }
  }
  return mask;
}

namespace {

using Parser = TomlReader;
#define SWIM_ASSIGN SWIM_TOML_ASSIGN

using ConfigSetter = std::function<absl::Status(
    const Parser&, const toml::node&, swim::Config&)>;

template <typename T>
ConfigSetter IntField(T swim::Config::*field, const char* name) {
  return [field, name](const Parser& p, const toml::node& n,
                       swim::Config& c) -> absl::Status {
    // The field's own range: a value that would wrap is an error, not a
    // different number.
    int64_t v = 0;
    SWIM_ASSIGN(v, p.IntIn(n, name, std::numeric_limits<T>::min(),
                           std::numeric_limits<T>::max()));
    c.*field = static_cast<T>(v);
    return absl::OkStatus();
  };
}
// `positive`: the scenario needs it > 0 (probe_interval = 0 turns probing
// off, and every checker bound derives from it).
ConfigSetter DurField(absl::Duration swim::Config::*field, const char* name,
                      bool positive = false) {
  return [field, name, positive](const Parser& p, const toml::node& n,
                                 swim::Config& c) -> absl::Status {
    SWIM_ASSIGN(c.*field, p.Dur(n, name));
    if (positive && c.*field <= absl::ZeroDuration())
      return p.Err(n, absl::StrCat("\"", name, "\" must be > 0"));
    if (c.*field > kMaxRunDuration) {
      return p.Err(n, absl::StrCat("\"", name, "\" must be at most ",
                                   absl::FormatDuration(kMaxRunDuration)));
    }
    return absl::OkStatus();
  };
}
ConfigSetter BoolField(bool swim::Config::*field, const char* name) {
  return [field, name](const Parser& p, const toml::node& n,
                       swim::Config& c) -> absl::Status {
    SWIM_ASSIGN(c.*field, p.Bool(n, name));
    return absl::OkStatus();
  };
}

const std::map<std::string, ConfigSetter>& ConfigFields() {
  static const auto* m = new std::map<std::string, ConfigSetter>{
      {"tcp_timeout",
       DurField(&swim::Config::tcp_timeout, "tcp_timeout", true)},
      {"indirect_checks",
       IntField(&swim::Config::indirect_checks, "indirect_checks")},
      {"retransmit_mult",
       IntField(&swim::Config::retransmit_mult, "retransmit_mult")},
      {"suspicion_mult",
       IntField(&swim::Config::suspicion_mult, "suspicion_mult")},
      {"suspicion_max_timeout_mult",
       IntField(&swim::Config::suspicion_max_timeout_mult,
                "suspicion_max_timeout_mult")},
      {"push_pull_interval",
       DurField(&swim::Config::push_pull_interval, "push_pull_interval")},
      {"probe_interval",
       DurField(&swim::Config::probe_interval, "probe_interval", true)},
      {"probe_timeout",
       DurField(&swim::Config::probe_timeout, "probe_timeout", true)},
      {"disable_tcp_pings",
       BoolField(&swim::Config::disable_tcp_pings, "disable_tcp_pings")},
      {"awareness_max_multiplier",
       IntField(&swim::Config::awareness_max_multiplier,
                "awareness_max_multiplier")},
      {"gossip_interval",
       DurField(&swim::Config::gossip_interval, "gossip_interval")},
      {"gossip_nodes", IntField(&swim::Config::gossip_nodes, "gossip_nodes")},
      {"gossip_to_the_dead_time",
       DurField(&swim::Config::gossip_to_the_dead_time,
                "gossip_to_the_dead_time")},
      {"gossip_verify_incoming",
       BoolField(&swim::Config::gossip_verify_incoming,
                 "gossip_verify_incoming")},
      {"gossip_verify_outgoing",
       BoolField(&swim::Config::gossip_verify_outgoing,
                 "gossip_verify_outgoing")},
      {"enable_compression",
       BoolField(&swim::Config::enable_compression, "enable_compression")},
      {"handoff_queue_depth",
       IntField(&swim::Config::handoff_queue_depth, "handoff_queue_depth")},
      {"udp_buffer_size",
       IntField(&swim::Config::udp_buffer_size, "udp_buffer_size")},
      {"dead_node_reclaim_time", DurField(&swim::Config::dead_node_reclaim_time,
                                          "dead_node_reclaim_time")},
      {"require_node_names",
       BoolField(&swim::Config::require_node_names, "require_node_names")},
      {"weight_interval",
       DurField(&swim::Config::weight_interval, "weight_interval")},
      {"gossip_weights",
       BoolField(&swim::Config::gossip_weights, "gossip_weights")},
      {"join_sync", BoolField(&swim::Config::join_sync, "join_sync")},
      {"push_pull_reply_max_age",
       DurField(&swim::Config::push_pull_reply_max_age,
                "push_pull_reply_max_age")},
      // Departures from Go 0.2.2 one by one (compat = "go" sets them all).
      {"join_concurrent",
       BoolField(&swim::Config::join_concurrent, "join_concurrent")},
      {"join_gossip_now",
       BoolField(&swim::Config::join_gossip_now, "join_gossip_now")},
      {"refutation_transmit_scale",
       IntField(&swim::Config::refutation_transmit_scale,
                "refutation_transmit_scale")},
      {"refute_at_max_incarnation",
       BoolField(&swim::Config::refute_at_max_incarnation,
                 "refute_at_max_incarnation")},
      {"accept_snappy",
       BoolField(&swim::Config::accept_snappy, "accept_snappy")},
      {"drop_implausible_incarnations",
       BoolField(&swim::Config::drop_implausible_incarnations,
                 "drop_implausible_incarnations")},
      {"reaped_come_back_dead", BoolField(&swim::Config::reaped_come_back_dead,
                                          "reaped_come_back_dead")},
      {"staggered_ticks",
       BoolField(&swim::Config::staggered_ticks, "staggered_ticks")},
      {"handoff_service_time",
       DurField(&swim::Config::handoff_service_time, "handoff_service_time")},
      {"handoff",
       [](const Parser& p, const toml::node& n,
          swim::Config& c) -> absl::Status {
         std::string s;
         SWIM_ASSIGN(s, p.Str(n, "handoff"));
         if (s == "inline") {
           c.handoff = swim::HandoffMode::kInline;
         } else if (s == "go_lifo") {
           c.handoff = swim::HandoffMode::kGoLifo;
         } else {
           return p.Err(n, "handoff must be \"inline\" or \"go_lifo\"");
         }
         return absl::OkStatus();
       }},
      {"protocol_version",
       IntField(&swim::Config::protocol_version, "protocol_version")},
      {"secret_key",
       [](const Parser& p, const toml::node& n,
          swim::Config& c) -> absl::Status {
         SWIM_ASSIGN(c.secret_key, p.Str(n, "secret_key"));
         return absl::OkStatus();
       }},
      {"compression_algo",
       [](const Parser& p, const toml::node& n,
          swim::Config& c) -> absl::Status {
         std::string s;
         SWIM_ASSIGN(s, p.Str(n, "compression_algo"));
         if (s == "lzw") {
           c.compression_algo = swim::CompressionAlgo::kLzw;
         } else if (s == "snappy") {
           c.compression_algo = swim::CompressionAlgo::kSnappy;
         } else {
           return p.Err(n, "compression_algo must be \"lzw\" or \"snappy\"");
         }
         return absl::OkStatus();
       }},
      {"address_mode",
       [](const Parser& p, const toml::node& n,
          swim::Config& c) -> absl::Status {
         std::string s;
         SWIM_ASSIGN(s, p.Str(n, "address_mode"));
         if (s == "binary") {
           c.address_mode = swim::AddressMode::kBinary;
         } else if (s == "text") {
           c.address_mode = swim::AddressMode::kText;
         } else {
           return p.Err(n, "address_mode must be \"binary\" or \"text\"");
         }
         return absl::OkStatus();
       }},
  };
  return *m;
}

absl::StatusOr<const ActionSpec*> ParseAction(const Parser& p,
                                              const toml::node& n) {
  std::string s;
  SWIM_ASSIGN(s, p.Str(n, "action"));
  const ActionSpec* spec = FindAction(s);
  if (spec == nullptr) {
    return p.Err(n, absl::StrCat("unknown action \"", s,
                                 "\" (known: ", ActionNames(), ")"));
  }
  return spec;
}

// Keys any action reads (a key no action knows is a typo).
bool AnyActionReads(const std::string& key) {
  for (const ActionSpec* a : AllActions()) {
    for (std::string_view k : a->keys()) {
      if (k == key) return true;
    }
  }
  return false;
}

std::string EventKeyNames() {
  std::vector<std::string> keys = {"at", "action", "duration"};
  for (const ActionSpec* a : AllActions()) {
    for (std::string_view k : a->keys()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        keys.emplace_back(k);
    }
  }
  return absl::StrJoin(keys, ", ");
}

std::string TimedActionNames() {
  std::vector<std::string> names;
  for (const ActionSpec* a : AllActions()) {
    if (a->timed()) names.emplace_back(a->name());
  }
  return absl::StrJoin(names, ", ");
}

// The generic part of an [[event]] (at, action, duration); the action
// parses the rest.
absl::StatusOr<ScheduledEvent> ParseEvent(const Parser& p,
                                          const toml::table& t) {
  ScheduledEvent e;
  e.line = static_cast<int>(t.source().begin.line);
  const toml::node* at = t.get("at");
  const toml::node* action = t.get("action");
  if (at == nullptr)
    return p.Err(t, "[[event]] needs \"at\" (e.g. at = \"10s\")");
  if (action == nullptr) return p.Err(t, "[[event]] needs \"action\"");
  SWIM_ASSIGN(e.at, p.Dur(*at, "at"));
  const ActionSpec* spec = nullptr;
  SWIM_ASSIGN(spec, ParseAction(p, *action));
  e.action = spec->kind();
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    if (key == "at" || key == "action") continue;
    if (key == "duration") {
      absl::Duration d;
      SWIM_ASSIGN(d, p.Dur(v, key));
      e.duration = d;
    } else if (!AnyActionReads(key)) {
      return p.Err(k.source(),
                   absl::StrCat("unknown [[event]] key \"", key,
                                "\" (known: ", EventKeyNames(), ")"));
    } else if (key == "address" && e.action != ActionKind::kRestart) {
      // Not silently ignored: a running process keeps its address.
      return p.Err(k.source(),
                   absl::StrCat(std::string(spec->name()),
                                " does not take \"address\" (only restart "
                                "does: a new process may bind a new one)"));
    }
  }
  if (e.duration && !spec->timed()) {
    return p.Err(*t.get("duration"),
                 absl::StrCat(std::string(spec->name()),
                              " does not take \"duration\" (only actions "
                              "that undo themselves do: ",
                              TimedActionNames(), ")"));
  }
  SWIM_ASSIGN(e.params, spec->Parse(p, t));
  return e;
}

absl::StatusOr<Expectation> ParseExpectation(const Parser& p,
                                             const std::string& key,
                                             const toml::node& v) {
  const auto& known = KnownMetrics();
  if (std::find(known.begin(), known.end(), key) == known.end()) {
    return p.Err(v, absl::StrCat("unknown expectation \"", key, "\" (known: ",
                                 absl::StrJoin(known, ", "), ")"));
  }
  Expectation e;
  e.metric = key;
  e.line = static_cast<int>(v.source().begin.line);
  // Duration-valued metrics default to "<=", counts to "<=" as well except
  // a bare 0 which reads as "= 0" (same thing for counts).
  std::string text;
  if (auto i = v.value_exact<int64_t>()) {
    e.value = static_cast<double>(*i);
    e.op = Expectation::Op::kLe;
    e.text = absl::StrCat("<= ", *i);
    return e;
  }
  if (auto d = v.value_exact<double>()) {
    e.value = *d;
    e.op = Expectation::Op::kLe;
    e.text = absl::StrCat("<= ", *d);
    return e;
  }
  auto s = v.value_exact<std::string>();
  if (!s)
    return p.Err(
        v, absl::StrCat("\"", key,
                        "\" must be a number or a string like \"<= 5s\""));
  std::string rest(absl::StripAsciiWhitespace(*s));
  struct OpName {
    const char* text;
    Expectation::Op op;
  };
  static const OpName kOps[] = {
      {"<=", Expectation::Op::kLe}, {">=", Expectation::Op::kGe},
      {"==", Expectation::Op::kEq}, {"<", Expectation::Op::kLt},
      {">", Expectation::Op::kGt},  {"=", Expectation::Op::kEq}};
  e.op = Expectation::Op::kLe;
  for (const OpName& o : kOps) {
    if (absl::StartsWith(rest, o.text)) {
      e.op = o.op;
      rest = rest.substr(strlen(o.text));
      break;
    }
  }
  std::string num(absl::StripAsciiWhitespace(rest));
  double x = 0;
  if (absl::SimpleAtod(num, &x)) {
    e.value = x;
  } else {
    absl::StatusOr<absl::Duration> d = ParseDurationText(num);
    if (!d.ok()) {
      return p.Err(v, absl::StrCat("\"", key, "\": cannot read \"", *s,
                                   "\" (want e.g. \"<= 5s\", \">= 0.9\", 0)"));
    }
    e.value = absl::ToDoubleSeconds(*d);
    e.is_duration = true;
  }
  e.text = absl::StrCat(std::string(ExpectationOpName(e.op)), " ", num);
  return e;
}

// The name becomes part of output file names (--svg): no paths.
absl::Status CheckName(const Parser& p, const toml::node& v,
                       const std::string& name) {
  bool ok = !name.empty() && name.size() <= 128 && name[0] != '.';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.');
  }
  if (!ok) {
    return p.Err(v,
                 "\"name\" must be 1-128 characters of [A-Za-z0-9_.-], not "
                 "starting with '.' (it names output files)");
  }
  return absl::OkStatus();
}

// The top-level tables of a scenario file.
struct Sections {
  const toml::node* cluster = nullptr;
  const toml::node* network = nullptr;
  const toml::node* expect = nullptr;
  const toml::node* events = nullptr;
  const toml::node* checkers = nullptr;
};

absl::StatusOr<Sections> ReadTopLevel(const Parser& p, const toml::table& root,
                                      Scenario& sc) {
  Sections s;
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key == "name") {
      SWIM_ASSIGN(sc.name, p.Str(v, key));
      SWIM_RETURN_IF_ERROR(CheckName(p, v, sc.name));
    } else if (key == "description") {
      SWIM_ASSIGN(sc.description, p.Str(v, key));
    } else if (key == "cluster") {
      s.cluster = &v;
    } else if (key == "network") {
      s.network = &v;
    } else if (key == "expect") {
      s.expect = &v;
    } else if (key == "event") {
      s.events = &v;
    } else if (key == "checkers") {
      s.checkers = &v;
    } else {
      return p.Err(k.source(),
                   absl::StrCat("unknown top-level key \"", key,
                                "\" (known: name, description, [cluster], "
                                "[network], [[event]], [expect], [checkers])"));
    }
  }
  return s;
}

absl::Status ReadSeeds(const Parser& p, const toml::node& v,
                       const std::string& key, Scenario& sc) {
  if (auto i = v.value_exact<int64_t>()) {
    if (*i < 0) return p.Err(v, "seed must be >= 0");
    sc.seeds = {static_cast<uint64_t>(*i)};
    return absl::OkStatus();
  }
  std::string s;
  SWIM_ASSIGN(s, p.Str(v, key));
  absl::StatusOr<std::vector<uint64_t>> r = ParseSeedRange(s);
  if (!r.ok()) return p.Err(v, std::string(r.status().message()));
  sc.seeds = *r;
  return absl::OkStatus();
}

absl::Status ReadPlantedBugs(const Parser& p, const toml::node& v,
                             const std::string& key, Scenario& sc) {
  std::string s;
  if (const toml::array* a = v.as_array()) {
    std::vector<std::string> names;
    for (const toml::node& e : *a) {
      std::string one;
      SWIM_ASSIGN(one, p.Str(e, key));
      names.push_back(one);
    }
    s = absl::StrJoin(names, ",");
  } else {
    SWIM_ASSIGN(s, p.Str(v, key));
  }
  absl::StatusOr<uint32_t> mask = ParsePlantedBugs(s);
  if (!mask.ok()) return p.Err(v, std::string(mask.status().message()));
  sc.planted_bugs = *mask;
  return absl::OkStatus();
}

using Overrides = std::vector<std::pair<const toml::key*, const toml::node*>>;

// [cluster]: everything but the swim::Config overrides, which are returned
// to apply after the profile.
absl::StatusOr<Overrides> ReadCluster(const Parser& p, const toml::node& node,
                                      Scenario& sc) {
  Overrides overrides;
  const toml::table* t = node.as_table();
  if (t == nullptr) return p.Err(node, "[cluster] must be a table");
  bool have_seed = false;
  for (auto&& [k, v] : *t) {
    const std::string key(k.str());
    if (key == "size") {
      int64_t n = 0;
      SWIM_ASSIGN(n, p.Int(v, key));
      if (n < 1 || n > 100000)
        return p.Err(v, "\"size\" must be in [1, 100000]");
      sc.size = static_cast<int>(n);
    } else if (key == "profile") {
      SWIM_ASSIGN(sc.profile, p.Str(v, key));
      if (sc.profile != "lan" && sc.profile != "wan" && sc.profile != "local") {
        return p.Err(v, "\"profile\" must be \"lan\", \"wan\" or \"local\"");
      }
    } else if (key == "compat") {
      SWIM_ASSIGN(sc.compat, p.Str(v, key));
      if (sc.compat != "default" && sc.compat != "go") {
        return p.Err(v, "\"compat\" must be \"default\" or \"go\"");
      }
    } else if (key == "seed" || key == "seeds") {
      if (have_seed)
        return p.Err(v, "give either \"seed\" or \"seeds\", not both");
      have_seed = true;
      SWIM_RETURN_IF_ERROR(ReadSeeds(p, v, key, sc));
    } else if (key == "duration") {
      SWIM_ASSIGN(sc.duration, p.Dur(v, key));
      if (sc.duration <= absl::ZeroDuration() ||
          sc.duration > kMaxRunDuration) {
        return p.Err(v,
                     absl::StrCat("\"duration\" must be in (0, ",
                                  absl::FormatDuration(kMaxRunDuration), "]"));
      }
    } else if (key == "join_retry") {
      SWIM_ASSIGN(sc.join_retry, ParseRetryValue(p, v));
    } else if (key == "join_stagger") {
      SWIM_ASSIGN(sc.join_stagger, p.Dur(v, key));
    } else if (key == "planted_bugs") {
      SWIM_RETURN_IF_ERROR(ReadPlantedBugs(p, v, key, sc));
    } else if (ConfigFields().count(key) > 0) {
      overrides.emplace_back(&k, &v);
    } else {
      return p.Err(
          k.source(),
          absl::StrCat("unknown [cluster] key \"", key,
                       "\" (known: size, profile, compat, seed, seeds, "
                       "duration, join_stagger, join_retry, planted_bugs, or a "
                       "swim::Config field such as probe_interval)"));
    }
  }
  return overrides;
}

// The profile, then the overrides; the result must validate.
absl::Status MakeConfig(const Parser& p, const Overrides& overrides,
                        const toml::source_region& where, Scenario& sc) {
  if (sc.profile == "lan") {
    sc.config = swim::DefaultLANConfig();
  } else if (sc.profile == "wan") {
    sc.config = swim::DefaultWANConfig();
  } else {
    sc.config = swim::DefaultLocalConfig();
  }
  if (sc.compat == "go") sc.config.ApplyGoCompat();
  for (auto& [k, v] : overrides) {
    SWIM_RETURN_IF_ERROR(
        ConfigFields().at(std::string(k->str()))(p, *v, sc.config));
  }
  sc.config.planted_bugs = sc.planted_bugs;
  swim::Config probe = sc.config;
  probe.name = "node-0";
  absl::Status s = probe.Validate();
  if (!s.ok())
    return p.Err(where, absl::StrCat("invalid config: ", s.message()));
  return absl::OkStatus();
}

absl::Status ReadNetwork(const Parser& p, const toml::node& node,
                         Scenario& sc) {
  const toml::table* t = node.as_table();
  if (t == nullptr) return p.Err(node, "[network] must be a table");
  for (auto&& [k, v] : *t) {
    const std::string key(k.str());
    if (key == "latency") {
      SWIM_ASSIGN(sc.link.latency, ParseLatencyModel(p, v));
    } else if (key == "loss") {
      SWIM_ASSIGN(sc.link.loss, p.Prob(v, key));
    } else if (key == "duplicate" || key == "duplication") {
      SWIM_ASSIGN(sc.link.duplicate, p.Prob(v, key));
    } else if (key == "reorder") {
      SWIM_ASSIGN(sc.link.reorder, p.Prob(v, key));
    } else if (key == "reorder_delay") {
      SWIM_ASSIGN(sc.link.reorder_delay, p.Dur(v, key));
    } else if (key == "stream_reset") {
      SWIM_ASSIGN(sc.link.stream_reset, p.Prob(v, key));
    } else if (key == "bandwidth") {
      int64_t b = 0;
      SWIM_ASSIGN(b, p.Int(v, key));
      if (b < 0)
        return p.Err(v, "\"bandwidth\" must be >= 0 (bytes per second)");
      sc.bandwidth_bytes_per_sec = static_cast<uint64_t>(b);
    } else {
      return p.Err(k.source(),
                   absl::StrCat("unknown [network] key \"", key,
                                "\" (known: latency, loss, duplicate, "
                                "reorder, reorder_delay, stream_reset, "
                                "bandwidth)"));
    }
  }
  return absl::OkStatus();
}

// Events sorted by time (stable); tables[k] is the source of events[k].
absl::Status ReadEvents(const Parser& p, const toml::node& node, Scenario& sc,
                        std::vector<const toml::table*>& tables) {
  const toml::array* a = node.as_array();
  if (a == nullptr) return p.Err(node, "use [[event]] (an array of tables)");
  std::vector<std::pair<ScheduledEvent, const toml::table*>> parsed;
  for (const toml::node& n : *a) {
    const toml::table* t = n.as_table();
    if (t == nullptr) return p.Err(n, "each [[event]] must be a table");
    ScheduledEvent e;
    SWIM_ASSIGN(e, ParseEvent(p, *t));
    parsed.emplace_back(std::move(e), t);
  }
  std::stable_sort(
      parsed.begin(), parsed.end(),
      [](const auto& a, const auto& b) { return a.first.at < b.first.at; });
  for (auto& [e, t] : parsed) {
    sc.events.push_back(std::move(e));
    tables.push_back(t);
  }
  return absl::OkStatus();
}

// The value node holding node index `idx` in an event's table (for error
// positions); the table itself if none does.
const toml::node& IndexNode(const toml::table& t, int idx) {
  std::function<const toml::node*(const toml::node&)> find =
      [&](const toml::node& n) -> const toml::node* {
    if (const toml::array* a = n.as_array()) {
      for (const toml::node& e : *a) {
        if (const toml::node* hit = find(e)) return hit;
      }
      return nullptr;
    }
    auto v = n.value_exact<int64_t>();
    return v && *v == idx ? &n : nullptr;
  };
  for (const char* key :
       {"nodes", "node", "groups", "from", "to", "seeds", "victims"}) {
    if (const toml::node* n = t.get(key)) {
      if (const toml::node* hit = find(*n)) return *hit;
    }
  }
  return t;
}

const toml::node& KeyOr(const toml::table& t, const char* key) {
  const toml::node* n = t.get(key);
  return n != nullptr ? *n : t;
}

int64_t Footprint(int64_t nodes) { return nodes * nodes * kBytesPerPair; }

absl::Status CheckFootprint(const Parser& p, const toml::node& where,
                            int64_t nodes) {
  if (Footprint(nodes) <= kMemoryBudget) return absl::OkStatus();
  return p.Err(
      where,
      absl::StrFormat(
          "the cluster would reach %d nodes, which needs about "
          "%.1f GiB (every node keeps every other: ~%d B per pair); "
          "the simulator's budget is %d GiB (about %d nodes)",
          nodes, Footprint(nodes) / double(int64_t{1} << 30), kBytesPerPair,
          kMemoryBudget >> 30,
          static_cast<int>(std::sqrt(double(kMemoryBudget) / kBytesPerPair))));
}

// What the schedule does to each node, checked in time order: restart
// needs a crashed or left node, rejoin a running one.
class Lifecycle {
 public:
  explicit Lifecycle(int n) : state_(n, State::kUp) {}
  absl::Status Apply(const Parser& p, const ScheduledEvent& e,
                     const toml::table& t) {
    const std::vector<int>& nodes = e.nodes();
    switch (e.action) {
      case ActionKind::kCrash:
        for (int i : nodes) state_[i] = State::kCrashed;
        break;
      case ActionKind::kLeave:
        for (int i : nodes) {
          if (state_[i] == State::kUp) state_[i] = State::kLeft;
        }
        break;
      case ActionKind::kRestart:
        for (int i : nodes) {
          if (state_[i] == State::kUp) {
            return p.Err(IndexNode(t, i),
                         absl::StrCat("restart at ", absl::FormatDuration(e.at),
                                      ": node-", i,
                                      " is running (restart brings back a "
                                      "crashed or left node)"));
          }
          state_[i] = State::kUp;
        }
        break;
      case ActionKind::kRejoin:
        for (int i : nodes) {
          if (state_[i] != State::kUp) {
            return p.Err(
                IndexNode(t, i),
                absl::StrCat(
                    "rejoin at ", absl::FormatDuration(e.at), ": node-", i,
                    state_[i] == State::kLeft ? " has left" : " is crashed",
                    " (rejoin is for running nodes; use restart)"));
          }
        }
        break;
      default:
        break;
    }
    const int added = Action(e.action).adds_nodes(e.params);
    state_.insert(state_.end(), added, State::kUp);
    return absl::OkStatus();
  }

 private:
  enum class State : uint8_t { kUp, kCrashed, kLeft };
  std::vector<State> state_;
};

// Node indexes must exist at the time of each event, events must fall in
// the run, the cluster must fit the memory budget, and restarts and rejoins
// must find their nodes crashed/left or running. Errors point at the value.
absl::Status CheckEvents(const Parser& p, const Scenario& sc,
                         const std::vector<const toml::table*>& tables,
                         const toml::node& size_node) {
  SWIM_RETURN_IF_ERROR(CheckFootprint(p, size_node, sc.size));
  int n = sc.size;
  Lifecycle life(n);
  for (size_t k = 0; k < sc.events.size(); ++k) {
    const ScheduledEvent& e = sc.events[k];
    const toml::table& t = *tables[k];
    const std::string act(ActionKindName(e.action));
    for (int i : NodeRefs(e.params)) {
      if (i < n) continue;
      return p.Err(
          IndexNode(t, i),
          absl::StrCat(act, " at ", absl::FormatDuration(e.at), ": node index ",
                       i, " out of range (the cluster has nodes 0..", n - 1,
                       " at that time)"));
    }
    if (e.at > sc.duration) {
      return p.Err(KeyOr(t, "at"),
                   absl::StrCat(act, " at ", absl::FormatDuration(e.at),
                                " is after the end of the run (duration = ",
                                absl::FormatDuration(sc.duration), ")"));
    }
    if (e.duration && e.at + *e.duration > sc.duration) {
      return p.Err(KeyOr(t, "duration"),
                   absl::StrCat(act, " at ", absl::FormatDuration(e.at),
                                " for ", absl::FormatDuration(*e.duration),
                                " ends after the end of the run (duration = ",
                                absl::FormatDuration(sc.duration), ")"));
    }
    SWIM_RETURN_IF_ERROR(life.Apply(p, e, t));
    const int added = Action(e.action).adds_nodes(e.params);
    if (added > 0) {
      n += added;
      SWIM_RETURN_IF_ERROR(CheckFootprint(p, KeyOr(t, "count"), n));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadCheckerNames(const Parser& p, const toml::node& v,
                              const std::string& key,
                              std::vector<std::string>* out) {
  const toml::array* a = v.as_array();
  if (a == nullptr)
    return p.Err(v,
                 absl::StrCat("\"", key, "\" must be a list of checker names"));
  for (const toml::node& e : *a) {
    std::string s;
    SWIM_ASSIGN(s, p.Str(e, key));
    const auto& known = KnownCheckers();
    if (std::find(known.begin(), known.end(), s) == known.end()) {
      return p.Err(e, absl::StrCat("unknown checker \"", s, "\" (known: ",
                                   absl::StrJoin(known, ", "), ")"));
    }
    out->push_back(s);
  }
  return absl::OkStatus();
}

absl::Status ReadExpect(const Parser& p, const toml::node& node, Scenario& sc) {
  const toml::table* t = node.as_table();
  if (t == nullptr) return p.Err(node, "[expect] must be a table");
  for (auto&& [k, v] : *t) {
    const std::string key(k.str());
    if (key == "expect_fail") {
      SWIM_RETURN_IF_ERROR(ReadCheckerNames(p, v, key, &sc.expect_fail));
    } else if (key == "convergence_bound") {
      absl::Duration d;
      SWIM_ASSIGN(d, p.Dur(v, key));
      sc.convergence_bound = d;
    } else if (key == "crash_detection_bound") {
      absl::Duration d;
      SWIM_ASSIGN(d, p.Dur(v, key));
      sc.crash_detection_bound = d;
    } else {
      Expectation e;
      SWIM_ASSIGN(e, ParseExpectation(p, key, v));
      sc.expectations.push_back(std::move(e));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadCheckers(const Parser& p, const toml::node& node,
                          Scenario& sc) {
  const toml::table* t = node.as_table();
  if (t == nullptr) return p.Err(node, "[checkers] must be a table");
  for (auto&& [k, v] : *t) {
    const std::string key(k.str());
    if (key == "disable") {
      SWIM_RETURN_IF_ERROR(ReadCheckerNames(p, v, key, &sc.disabled_checkers));
    } else if (key == "expect_fail") {
      SWIM_RETURN_IF_ERROR(ReadCheckerNames(p, v, key, &sc.expect_fail));
    } else {
      return p.Err(k.source(),
                   absl::StrCat("unknown [checkers] key \"", key,
                                "\" (known: disable, expect_fail)"));
    }
  }
  return absl::OkStatus();
}

std::string DefaultName(const std::string& path) {
  std::string stem = path;
  size_t slash = stem.find_last_of('/');
  if (slash != std::string::npos) stem = stem.substr(slash + 1);
  if (absl::EndsWith(stem, ".toml")) stem.resize(stem.size() - 5);
  return stem.empty() ? "scenario" : stem;
}

absl::StatusOr<Scenario> Build(const Parser& p, const toml::table& root,
                               const std::string& text) {
  Scenario sc;
  sc.path = p.path();
  sc.source = text;
  sc.name = DefaultName(p.path());
  Sections s;
  SWIM_ASSIGN(s, ReadTopLevel(p, root, sc));
  Overrides overrides;
  if (s.cluster != nullptr)
    SWIM_ASSIGN(overrides, ReadCluster(p, *s.cluster, sc));
  SWIM_RETURN_IF_ERROR(MakeConfig(
      p, overrides, s.cluster != nullptr ? s.cluster->source() : root.source(),
      sc));
  if (s.network != nullptr)
    SWIM_RETURN_IF_ERROR(ReadNetwork(p, *s.network, sc));
  std::vector<const toml::table*> tables;
  if (s.events != nullptr)
    SWIM_RETURN_IF_ERROR(ReadEvents(p, *s.events, sc, tables));
  const toml::node* size_node = nullptr;
  if (s.cluster != nullptr && s.cluster->is_table())
    size_node = s.cluster->as_table()->get("size");
  SWIM_RETURN_IF_ERROR(
      CheckEvents(p, sc, tables, size_node != nullptr ? *size_node : root));
  if (s.expect != nullptr) SWIM_RETURN_IF_ERROR(ReadExpect(p, *s.expect, sc));
  if (s.checkers != nullptr)
    SWIM_RETURN_IF_ERROR(ReadCheckers(p, *s.checkers, sc));
  return sc;
}

#undef SWIM_ASSIGN

}  // namespace

absl::StatusOr<Scenario> ParseScenario(const std::string& text,
                                       const std::string& path) {
  Parser p(path);
  // A file with nothing but comments and blank lines would run the default
  // 3-node scenario: almost certainly the wrong file.
  bool empty = true;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty() && line[0] != '#') empty = false;
  }
  if (empty) {
    return absl::InvalidArgumentError(
        absl::StrCat(p.where(),
                     ":1:1: empty scenario (no tables or keys; see "
                     "scenarios/README.md)"));
  }
  try {
    toml::table root = toml::parse(text, path);
    return Build(p, root, text);
  } catch (const toml::parse_error& e) {
    return p.Err(e.source(), std::string(e.description()));
  }
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, not a scenario file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(
        absl::StrCat("cannot read scenario file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read"));
  }
  return ParseScenario(ss.str(), path);
}

}  // namespace sim