#include "sim/scenario.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "core/internal/planted_bugs.h"
#include "core/memberlist.h"
#include "core/status_macros.h"
#include "core/strings.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sim {

std::string_view ActionKindName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kJoin:
      return "join";
    case ActionKind::kLeave:
      return "leave";
    case ActionKind::kCrash:
      return "crash";
    case ActionKind::kRestart:
      return "restart";
    case ActionKind::kPause:
      return "pause";
    case ActionKind::kResume:
      return "resume";
    case ActionKind::kPartition:
      return "partition";
    case ActionKind::kHeal:
      return "heal";
    case ActionKind::kIsolate:
      return "isolate";
    case ActionKind::kOneWay:
      return "one_way";
    case ActionKind::kLoss:
      return "loss";
    case ActionKind::kLatency:
      return "latency";
    case ActionKind::kMetaUpdate:
      return "meta_update";
    case ActionKind::kBroadcast:
      return "broadcast";
    case ActionKind::kClockDrift:
      return "clock_drift";
    case ActionKind::kRejoin:
      return "rejoin";
  }
  return "?";
}

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
  static const auto* m = new std::vector<std::string>{
      // crash -> first node declares it dead / every live node does
      "first_detection_p50",
      "first_detection_p99",
      "first_detection_max",
      "detection_p50",
      "detection_p99",
      "detection_max",
      // crash -> first suspicion
      "first_suspicion_p50",
      "first_suspicion_p99",
      "first_suspicion_max",
      // last heal/resume -> every live node agrees
      "agreement_after_heal",
      "agreement_after_heal_p99",
      // join -> every live node sees the joiner alive
      "join_agreement_p99",
      "join_agreement_max",
      // t=0 -> first full convergence of the initial cluster
      "initial_convergence",
      "mass_join_converged_within",
      // converged at this absolute time (every seed)
      "converged_by",
      "false_positives",
      "false_positives_per_seed",
      "bytes_per_node_per_sec",
      "msgs_per_node_per_sec",
      "undetected_crashes",
  };
  return *m;
}

const std::vector<std::string>& KnownCheckers() {
  static const auto* c = new std::vector<std::string>{
      "false_positives", "convergence", "incarnation", "suspicion_bounds",
      "crash_detection"};
  return *c;
}

int Scenario::max_nodes() const {
  int n = size;
  for (const ScheduledEvent& e : events) {
    if (e.action == ActionKind::kJoin) n += e.count;
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

// Collects the first error with its position.
class Parser {
 public:
  Parser(std::string path) : path_(std::move(path)) {}

  absl::Status Err(const toml::source_region& src,
                   const std::string& msg) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_.empty() ? "<scenario>" : path_, ":", src.begin.line,
                     ":", src.begin.column, ": ", msg));
  }
  absl::Status Err(const toml::node& n, const std::string& msg) const {
    return Err(n.source(), msg);
  }

  absl::StatusOr<int64_t> Int(const toml::node& n,
                              const std::string& key) const {
    if (auto v = n.value_exact<int64_t>()) return *v;
    return Err(n, absl::StrCat("\"", key, "\" must be an integer"));
  }
  absl::StatusOr<double> Num(const toml::node& n,
                             const std::string& key) const {
    if (auto v = n.value_exact<int64_t>()) return static_cast<double>(*v);
    if (auto v = n.value_exact<double>()) return *v;
    return Err(n, absl::StrCat("\"", key, "\" must be a number"));
  }
  absl::StatusOr<bool> Bool(const toml::node& n, const std::string& key) const {
    if (auto v = n.value_exact<bool>()) return *v;
    return Err(n, absl::StrCat("\"", key, "\" must be true or false"));
  }
  absl::StatusOr<std::string> Str(const toml::node& n,
                                  const std::string& key) const {
    if (auto v = n.value_exact<std::string>()) return *v;
    return Err(n, absl::StrCat("\"", key, "\" must be a string"));
  }
  absl::StatusOr<absl::Duration> Dur(const toml::node& n,
                                     const std::string& key) const {
    auto s = n.value_exact<std::string>();
    if (!s) {
      return Err(n,
                 absl::StrCat(
                     "\"", key,
                     "\" must be a duration string like \"500ms\" or \"2s\""));
    }
    absl::StatusOr<absl::Duration> d = ParseDurationText(*s);
    if (!d.ok())
      return Err(n, absl::StrCat("\"", key, "\": ", d.status().message()));
    return *d;
  }
  absl::StatusOr<double> Prob(const toml::node& n,
                              const std::string& key) const {
    absl::StatusOr<double> v = Num(n, key);
    if (!v.ok()) return v;
    if (*v < 0 || *v > 1) {
      return Err(n,
                 absl::StrCat("\"", key, "\" must be a probability in [0, 1]"));
    }
    return v;
  }
  absl::StatusOr<std::vector<int>> IntList(const toml::node& n,
                                           const std::string& key) const {
    const toml::array* a = n.as_array();
    if (a == nullptr) {
      if (auto v = n.value_exact<int64_t>())
        return std::vector<int>{static_cast<int>(*v)};
      return Err(n,
                 absl::StrCat("\"", key, "\" must be a list of node indexes"));
    }
    std::vector<int> out;
    for (const toml::node& e : *a) {
      auto v = e.value_exact<int64_t>();
      if (!v || *v < 0) {
        return Err(e,
                   absl::StrCat("\"", key,
                                "\" must hold node indexes (integers >= 0)"));
      }
      out.push_back(static_cast<int>(*v));
    }
    return out;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

#define SWIM_ASSIGN(lhs, expr)        \
  do {                                \
    auto _r = (expr);                 \
    if (!_r.ok()) return _r.status(); \
    lhs = *_r;                        \
  } while (0)

using ConfigSetter = std::function<absl::Status(
    const Parser&, const toml::node&, swim::Config&)>;

template <typename T>
ConfigSetter IntField(T swim::Config::*field, const char* name) {
  return [field, name](const Parser& p, const toml::node& n,
                       swim::Config& c) -> absl::Status {
    int64_t v = 0;
    SWIM_ASSIGN(v, p.Int(n, name));
    c.*field = static_cast<T>(v);
    return absl::OkStatus();
  };
}
ConfigSetter DurField(absl::Duration swim::Config::*field, const char* name) {
  return [field, name](const Parser& p, const toml::node& n,
                       swim::Config& c) -> absl::Status {
    SWIM_ASSIGN(c.*field, p.Dur(n, name));
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
      {"tcp_timeout", DurField(&swim::Config::tcp_timeout, "tcp_timeout")},
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
       DurField(&swim::Config::probe_interval, "probe_interval")},
      {"probe_timeout",
       DurField(&swim::Config::probe_timeout, "probe_timeout")},
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

absl::StatusOr<LatencyModel> ParseLatency(const Parser& p,
                                          const toml::node& n) {
  const toml::table* t = n.as_table();
  if (t == nullptr) {
    // A plain duration string means fixed latency.
    absl::Duration d;
    SWIM_ASSIGN(d, p.Dur(n, "latency"));
    return LatencyModel::Fixed(d);
  }
  std::string kind = "fixed";
  absl::Duration base = absl::Milliseconds(1), spread = absl::ZeroDuration(),
                 floor = absl::ZeroDuration(), cap = absl::Seconds(10);
  double shape = 1.0;
  for (auto&& [k, v] : *t) {
    const std::string key(k.str());
    if (key == "kind") {
      SWIM_ASSIGN(kind, p.Str(v, key));
    } else if (key == "base" || key == "mean" || key == "median" ||
               key == "min" || key == "scale") {
      SWIM_ASSIGN(base, p.Dur(v, key));
    } else if (key == "spread" || key == "sd") {
      SWIM_ASSIGN(spread, p.Dur(v, key));
    } else if (key == "max") {
      absl::Duration mx;
      SWIM_ASSIGN(mx, p.Dur(v, key));
      spread = mx - base;
    } else if (key == "floor") {
      SWIM_ASSIGN(floor, p.Dur(v, key));
    } else if (key == "cap") {
      SWIM_ASSIGN(cap, p.Dur(v, key));
    } else if (key == "sigma" || key == "alpha" || key == "shape") {
      SWIM_ASSIGN(shape, p.Num(v, key));
    } else {
      return p.Err(k.source(),
                   absl::StrCat("unknown latency key \"", key,
                                "\" (known: kind, base/mean/median/min, "
                                "spread/sd, max, floor, sigma, alpha, cap)"));
    }
  }
  LatencyModel m;
  if (kind == "fixed") {
    m = LatencyModel::Fixed(base);
  } else if (kind == "uniform") {
    m = LatencyModel::Uniform(base, base + spread);
  } else if (kind == "normal") {
    m = LatencyModel::Normal(base, spread, floor);
  } else if (kind == "lognormal") {
    m = LatencyModel::LogNormal(floor, base, shape);
  } else if (kind == "pareto") {
    m = LatencyModel::Pareto(floor, base, shape);
  } else {
    return p.Err(
        n,
        absl::StrCat("unknown latency kind \"", kind,
                     "\" (known: fixed, uniform, normal, lognormal, pareto)"));
  }
  m.cap = cap;
  return m;
}

absl::StatusOr<ActionKind> ParseAction(const Parser& p, const toml::node& n) {
  std::string s;
  SWIM_ASSIGN(s, p.Str(n, "action"));
  static const std::map<std::string, ActionKind> kNames = {
      {"join", ActionKind::kJoin},
      {"leave", ActionKind::kLeave},
      {"crash", ActionKind::kCrash},
      {"restart", ActionKind::kRestart},
      {"pause", ActionKind::kPause},
      {"resume", ActionKind::kResume},
      {"partition", ActionKind::kPartition},
      {"heal", ActionKind::kHeal},
      {"isolate", ActionKind::kIsolate},
      {"one_way", ActionKind::kOneWay},
      {"loss", ActionKind::kLoss},
      {"latency", ActionKind::kLatency},
      {"meta_update", ActionKind::kMetaUpdate},
      {"broadcast", ActionKind::kBroadcast},
      {"clock_drift", ActionKind::kClockDrift},
      {"rejoin", ActionKind::kRejoin},
  };
  auto it = kNames.find(s);
  if (it == kNames.end()) {
    return p.Err(
        n,
        absl::StrCat("unknown action \"", s,
                     "\" (known: join, leave, crash, restart, pause, resume, "
                     "partition, heal, isolate, one_way, loss, latency, "
                     "meta_update, broadcast, clock_drift, rejoin)"));
  }
  return it->second;
}

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
  SWIM_ASSIGN(e.action, ParseAction(p, *action));
  bool have_nodes = false, have_value = false, have_latency = false;
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    if (key == "at" || key == "action") continue;
    if (key == "nodes" || key == "node") {
      SWIM_ASSIGN(e.nodes, p.IntList(v, key));
      have_nodes = true;
    } else if (key == "groups") {
      const toml::array* a = v.as_array();
      if (a == nullptr)
        return p.Err(v, "\"groups\" must be a list of lists of node indexes");
      for (const toml::node& g : *a) {
        std::vector<int> group;
        SWIM_ASSIGN(group, p.IntList(g, "groups"));
        e.groups.push_back(std::move(group));
      }
    } else if (key == "split_brain") {
      SWIM_ASSIGN(e.split_brain, p.Bool(v, key));
    } else if (key == "from") {
      SWIM_ASSIGN(e.from, p.IntList(v, key));
    } else if (key == "to") {
      SWIM_ASSIGN(e.to, p.IntList(v, key));
    } else if (key == "seeds") {
      SWIM_ASSIGN(e.seeds, p.IntList(v, key));
    } else if (key == "count") {
      int64_t c = 0;
      SWIM_ASSIGN(c, p.Int(v, key));
      if (c < 1 || c > 100000)
        return p.Err(v, "\"count\" must be in [1, 100000]");
      e.count = static_cast<int>(c);
    } else if (key == "duration") {
      absl::Duration d;
      SWIM_ASSIGN(d, p.Dur(v, key));
      e.duration = d;
    } else if (key == "timeout") {
      SWIM_ASSIGN(e.timeout, p.Dur(v, key));
    } else if (key == "value" || key == "loss") {
      SWIM_ASSIGN(e.value, p.Prob(v, key));
      have_value = true;
    } else if (key == "latency") {
      SWIM_ASSIGN(e.latency, ParseLatency(p, v));
      have_latency = true;
    } else if (key == "ppm") {
      SWIM_ASSIGN(e.ppm, p.Int(v, key));
    } else {
      return p.Err(
          k.source(),
          absl::StrCat("unknown [[event]] key \"", key,
                       "\" (known: at, action, nodes, groups, "
                       "split_brain, from, to, seeds, count, duration, "
                       "timeout, value, latency, ppm)"));
    }
  }
  const std::string act(ActionKindName(e.action));
  switch (e.action) {
    case ActionKind::kJoin:
      if (e.count == 0)
        return p.Err(t, "join needs \"count\" (new nodes to add)");
      break;
    case ActionKind::kLeave:
    case ActionKind::kCrash:
    case ActionKind::kRestart:
    case ActionKind::kPause:
    case ActionKind::kResume:
    case ActionKind::kIsolate:
    case ActionKind::kMetaUpdate:
    case ActionKind::kBroadcast:
    case ActionKind::kClockDrift:
    case ActionKind::kRejoin:
      if (!have_nodes || e.nodes.empty()) {
        return p.Err(t,
                     absl::StrCat(act, " needs \"nodes\" (e.g. nodes = [3])"));
      }
      break;
    case ActionKind::kPartition:
      if (e.groups.empty() && !e.split_brain) {
        return p.Err(t, "partition needs \"groups\" or split_brain = true");
      }
      break;
    case ActionKind::kOneWay:
      if (e.from.empty() || e.to.empty()) {
        return p.Err(t, "one_way needs \"from\" and \"to\" node lists");
      }
      break;
    case ActionKind::kLoss:
      if (!have_value) return p.Err(t, "loss needs \"value\" (a probability)");
      break;
    case ActionKind::kLatency:
      if (!have_latency)
        return p.Err(t, "latency needs \"latency\" (a model table)");
      break;
    case ActionKind::kHeal:
      break;
  }
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

absl::Status CheckIndex(const Parser& p, const ScheduledEvent& e, int idx,
                        int n) {
  if (idx >= n) {
    return absl::InvalidArgumentError(absl::StrCat(
        p.path().empty() ? "<scenario>" : p.path(), ":", e.line,
        ":1: ", std::string(ActionKindName(e.action)), " at ",
        absl::FormatDuration(e.at), ": node index ", idx,
        " out of range (the cluster has nodes 0..", n - 1, " at that time)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Scenario> Build(const Parser& p, const toml::table& root,
                               const std::string& text) {
  Scenario sc;
  sc.path = p.path();
  sc.source = text;
  {
    std::string stem = p.path();
    size_t slash = stem.find_last_of('/');
    if (slash != std::string::npos) stem = stem.substr(slash + 1);
    if (absl::EndsWith(stem, ".toml")) stem.resize(stem.size() - 5);
    sc.name = stem.empty() ? "scenario" : stem;
  }
  const toml::node* cluster_node = nullptr;
  const toml::node* network_node = nullptr;
  const toml::node* expect_node = nullptr;
  const toml::node* events_node = nullptr;
  const toml::node* checkers_node = nullptr;
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key == "name") {
      SWIM_ASSIGN(sc.name, p.Str(v, key));
    } else if (key == "description") {
      SWIM_ASSIGN(sc.description, p.Str(v, key));
    } else if (key == "cluster") {
      cluster_node = &v;
    } else if (key == "network") {
      network_node = &v;
    } else if (key == "expect") {
      expect_node = &v;
    } else if (key == "event") {
      events_node = &v;
    } else if (key == "checkers") {
      checkers_node = &v;
    } else {
      return p.Err(k.source(),
                   absl::StrCat("unknown top-level key \"", key,
                                "\" (known: name, description, [cluster], "
                                "[network], [[event]], [expect], [checkers])"));
    }
  }
  // [cluster]: the profile first, then overrides.
  std::vector<std::pair<const toml::key*, const toml::node*>> overrides;
  if (cluster_node != nullptr) {
    const toml::table* t = cluster_node->as_table();
    if (t == nullptr) return p.Err(*cluster_node, "[cluster] must be a table");
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
        if (sc.profile != "lan" && sc.profile != "wan" &&
            sc.profile != "local") {
          return p.Err(v, "\"profile\" must be \"lan\", \"wan\" or \"local\"");
        }
      } else if (key == "seed" || key == "seeds") {
        if (have_seed)
          return p.Err(v, "give either \"seed\" or \"seeds\", not both");
        have_seed = true;
        if (auto i = v.value_exact<int64_t>()) {
          if (*i < 0) return p.Err(v, "seed must be >= 0");
          sc.seeds = {static_cast<uint64_t>(*i)};
        } else {
          std::string s;
          SWIM_ASSIGN(s, p.Str(v, key));
          absl::StatusOr<std::vector<uint64_t>> r = ParseSeedRange(s);
          if (!r.ok()) return p.Err(v, std::string(r.status().message()));
          sc.seeds = *r;
        }
      } else if (key == "duration") {
        SWIM_ASSIGN(sc.duration, p.Dur(v, key));
      } else if (key == "join_stagger") {
        SWIM_ASSIGN(sc.join_stagger, p.Dur(v, key));
      } else if (key == "planted_bugs") {
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
      } else if (ConfigFields().count(key) > 0) {
        overrides.emplace_back(&k, &v);
      } else {
        return p.Err(
            k.source(),
            absl::StrCat("unknown [cluster] key \"", key,
                         "\" (known: size, profile, seed, seeds, "
                         "duration, join_stagger, planted_bugs, or a "
                         "swim::Config field such as probe_interval)"));
      }
    }
  }
  if (sc.profile == "lan") {
    sc.config = swim::DefaultLANConfig();
  } else if (sc.profile == "wan") {
    sc.config = swim::DefaultWANConfig();
  } else {
    sc.config = swim::DefaultLocalConfig();
  }
  for (auto& [k, v] : overrides) {
    SWIM_RETURN_IF_ERROR(ConfigFields().at(std::string(k->str()))(p, *v, sc.config));
  }
  sc.config.planted_bugs = sc.planted_bugs;
  {
    swim::Config probe = sc.config;
    probe.name = "node-0";
    absl::Status s = probe.Validate();
    if (!s.ok()) {
      return p.Err(
          cluster_node != nullptr ? cluster_node->source() : root.source(),
          absl::StrCat("invalid config: ", s.message()));
    }
  }

  // [network]
  if (network_node != nullptr) {
    const toml::table* t = network_node->as_table();
    if (t == nullptr) return p.Err(*network_node, "[network] must be a table");
    for (auto&& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "latency") {
        SWIM_ASSIGN(sc.link.latency, ParseLatency(p, v));
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
  }

  // [[event]]
  if (events_node != nullptr) {
    const toml::array* a = events_node->as_array();
    if (a == nullptr)
      return p.Err(*events_node, "use [[event]] (an array of tables)");
    for (const toml::node& n : *a) {
      const toml::table* t = n.as_table();
      if (t == nullptr) return p.Err(n, "each [[event]] must be a table");
      ScheduledEvent e;
      SWIM_ASSIGN(e, ParseEvent(p, *t));
      sc.events.push_back(std::move(e));
    }
  }
  std::stable_sort(sc.events.begin(), sc.events.end(),
                   [](const ScheduledEvent& a, const ScheduledEvent& b) {
                     return a.at < b.at;
                   });
  // Node indexes must exist at the time of each event.
  int n = sc.size;
  for (ScheduledEvent& e : sc.events) {
    if (e.action == ActionKind::kRejoin && e.seeds.empty()) e.seeds = {0};
    if (e.action == ActionKind::kJoin) {
      if (e.seeds.empty()) e.seeds = {0};
      for (int s : e.seeds) SWIM_RETURN_IF_ERROR(CheckIndex(p, e, s, n));
      n += e.count;
      continue;
    }
    for (int i : e.nodes) SWIM_RETURN_IF_ERROR(CheckIndex(p, e, i, n));
    for (int i : e.from) SWIM_RETURN_IF_ERROR(CheckIndex(p, e, i, n));
    for (int i : e.to) SWIM_RETURN_IF_ERROR(CheckIndex(p, e, i, n));
    for (int i : e.seeds) SWIM_RETURN_IF_ERROR(CheckIndex(p, e, i, n));
    for (const auto& g : e.groups) {
      for (int i : g) SWIM_RETURN_IF_ERROR(CheckIndex(p, e, i, n));
    }
    if (e.at > sc.duration) {
      return absl::InvalidArgumentError(absl::StrCat(
          p.path(), ":", e.line, ":1: event at ", absl::FormatDuration(e.at),
          " is after the end of the run (duration = ",
          absl::FormatDuration(sc.duration), ")"));
    }
  }

  // [expect]
  auto name_list = [&p](const toml::node& v, const std::string& key,
                        std::vector<std::string>* out) -> absl::Status {
    const toml::array* a = v.as_array();
    if (a == nullptr)
      return p.Err(
          v, absl::StrCat("\"", key, "\" must be a list of checker names"));
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
  };
  if (expect_node != nullptr) {
    const toml::table* t = expect_node->as_table();
    if (t == nullptr) return p.Err(*expect_node, "[expect] must be a table");
    for (auto&& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "expect_fail") {
        SWIM_RETURN_IF_ERROR(name_list(v, key, &sc.expect_fail));
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
  }
  if (checkers_node != nullptr) {
    const toml::table* t = checkers_node->as_table();
    if (t == nullptr)
      return p.Err(*checkers_node, "[checkers] must be a table");
    for (auto&& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "disable") {
        SWIM_RETURN_IF_ERROR(name_list(v, key, &sc.disabled_checkers));
      } else if (key == "expect_fail") {
        SWIM_RETURN_IF_ERROR(name_list(v, key, &sc.expect_fail));
      } else {
        return p.Err(k.source(),
                     absl::StrCat("unknown [checkers] key \"", key,
                                  "\" (known: disable, expect_fail)"));
      }
    }
  }
  return sc;
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(const std::string& text,
                                       const std::string& path) {
  Parser p(path);
  try {
    toml::table root = toml::parse(text, path);
    return Build(p, root, text);
  } catch (const toml::parse_error& e) {
    return p.Err(e.source(), std::string(e.description()));
  }
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(
        absl::StrCat("cannot read scenario file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseScenario(ss.str(), path);
}

}  // namespace sim
