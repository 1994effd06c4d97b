#include "sim/merge.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "sim/report.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sim {

namespace {

using nlohmann::json;

absl::Status Bad(const std::string& what) {
  return absl::InvalidArgumentError(what);
}

// Field access with a message that names the field.
class Reader {
 public:
  explicit Reader(const json& j) : j_(j) {}

  const json* Get(const char* key, absl::Status* err) const {
    if (!j_.is_object() || !j_.contains(key)) {
      if (err->ok()) *err = Bad(absl::StrCat("missing field \"", key, "\""));
      return nullptr;
    }
    return &j_.at(key);
  }
  template <typename T>
  T Num(const char* key, absl::Status* err) const {
    const json* v = Get(key, err);
    if (v == nullptr) return T{};
    if (!v->is_number()) {
      if (err->ok()) *err = Bad(absl::StrCat("\"", key, "\" is not a number"));
      return T{};
    }
    return v->get<T>();
  }
  absl::Duration Ns(const char* key, absl::Status* err) const {
    return absl::Nanoseconds(Num<int64_t>(key, err));
  }
  std::optional<absl::Duration> OptNs(const char* key,
                                      absl::Status* err) const {
    const json* v = Get(key, err);
    if (v == nullptr || v->is_null()) return std::nullopt;
    return Ns(key, err);
  }
  std::string Str(const char* key, absl::Status* err) const {
    const json* v = Get(key, err);
    if (v == nullptr) return "";
    if (!v->is_string()) {
      if (err->ok()) *err = Bad(absl::StrCat("\"", key, "\" is not a string"));
      return "";
    }
    return v->get<std::string>();
  }
  bool Bool(const char* key, absl::Status* err) const {
    const json* v = Get(key, err);
    if (v == nullptr) return false;
    if (!v->is_boolean()) {
      if (err->ok()) *err = Bad(absl::StrCat("\"", key, "\" is not a boolean"));
      return false;
    }
    return v->get<bool>();
  }
  std::vector<std::string> Strs(const char* key, absl::Status* err) const {
    std::vector<std::string> out;
    const json* v = Get(key, err);
    if (v == nullptr) return out;
    if (!v->is_array()) {
      if (err->ok()) *err = Bad(absl::StrCat("\"", key, "\" is not a list"));
      return out;
    }
    for (const json& e : *v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
    return out;
  }
  // The array at `key` (an empty one, and an error, if it is not one).
  const json& Arr(const char* key, absl::Status* err) const {
    static const json kEmpty = json::array();
    const json* v = Get(key, err);
    if (v == nullptr) return kEmpty;
    if (!v->is_array()) {
      if (err->ok()) *err = Bad(absl::StrCat("\"", key, "\" is not a list"));
      return kEmpty;
    }
    return *v;
  }

 private:
  const json& j_;
};

std::optional<ActionKind> ActionFromName(const std::string& name) {
  static const std::map<std::string, ActionKind, std::less<>> kByName = [] {
    std::map<std::string, ActionKind, std::less<>> m;
#define SWIM_ACTION(kind, name, spec) \
  m.emplace(std::string(ActionKindName(ActionKind::kind)), ActionKind::kind);
#include "sim/actions/registry.inc"
#undef SWIM_ACTION
    return m;
  }();
  auto it = kByName.find(name);
  if (it == kByName.end()) return std::nullopt;
  return it->second;
}

void ReadSamples(const json& s, RunResult& r, absl::Status* err) {
  if (!s.is_object()) {
    if (err->ok()) *err = Bad("\"samples\" is not an object");
    return;
  }
  for (const auto& [name, values] : s.items()) {
    std::vector<double>& out = r.samples[name];
    if (!values.is_array()) {
      if (err->ok()) *err = Bad(absl::StrCat("samples.", name, " not a list"));
      return;
    }
    // JSON has no infinity: the report writes a never-seen time as null.
    for (const json& v : values) {
      out.push_back(v.is_number() ? v.get<double>()
                                  : std::numeric_limits<double>::infinity());
    }
  }
}

void ReadCheckers(const json& a, RunResult& r, absl::Status* err) {
  for (const json& c : a) {
    Reader cr(c);
    CheckerOutcome o;
    o.result.name = cr.Str("name", err);
    o.result.violations = cr.Num<uint64_t>("violations", err);
    o.result.examples = cr.Strs("examples", err);
    o.enabled = cr.Bool("enabled", err);
    o.expected_to_fail = cr.Bool("expected_to_fail", err);
    r.checkers.push_back(std::move(o));
  }
}

void ReadFalsePositives(const json& a, RunResult& r, absl::Status* err) {
  for (const json& f : a) {
    Reader fr(f);
    FalsePositive p;
    p.at = swim::Instant() + fr.Ns("t_ns", err);
    p.observer = fr.Num<int>("observer", err);
    p.subject = fr.Num<int>("subject", err);
    p.incarnation = fr.Num<uint32_t>("incarnation", err);
    p.causes = fr.Str("causes", err);
    r.false_positives.push_back(std::move(p));
  }
}

void ReadEvents(const json& a, RunResult& r, absl::Status* err) {
  for (const json& e : a) {
    Reader er(e);
    EventOutcome o;
    o.index = er.Num<int>("index", err);
    o.label = er.Str("label", err);
    const std::string action = er.Str("action", err);
    std::optional<ActionKind> kind = ActionFromName(action);
    if (!kind) {
      if (err->ok())
        *err = Bad(absl::StrCat("unknown action \"", action, "\""));
      return;
    }
    o.action = *kind;
    o.at = er.Ns("at_ns", err);
    o.converged_after = er.OptNs("converged_after_ns", err);
    r.events.push_back(std::move(o));
  }
}

void ReadCrashes(const json& a, RunResult& r, absl::Status* err) {
  for (const json& c : a) {
    Reader cr(c);
    CrashTiming t;
    t.node = cr.Num<int>("node", err);
    t.at = swim::Instant() + cr.Ns("at_ns", err);
    t.first_suspicion = cr.OptNs("first_suspicion_ns", err);
    t.first_detection = cr.OptNs("first_detection_ns", err);
    t.full_detection = cr.OptNs("full_detection_ns", err);
    r.crashes.push_back(t);
  }
}

void ReadBounds(const json* b, RunResult& r, absl::Status* err) {
  if (b == nullptr) return;
  Reader br(*b);
  r.bounds.suspicion_min_floor = br.Ns("suspicion_min_floor", err);
  r.bounds.suspicion_min = br.Ns("suspicion_min", err);
  r.bounds.suspicion_max = br.Ns("suspicion_max", err);
  r.bounds.convergence = br.Ns("convergence", err);
  r.bounds.crash_detection = br.Ns("crash_detection", err);
  r.bounds.cause_window = br.Ns("cause_window", err);
}

}  // namespace

absl::StatusOr<RunResult> RunFromJson(const json& run) {
  absl::Status err;
  Reader x(run);
  RunResult r;
  r.seed = x.Num<uint64_t>("seed", &err);
  r.passed = x.Bool("passed", &err);
  const std::string hash = x.Str("trace_hash", &err);
  if (err.ok() && !absl::SimpleHexAtoi(hash, &r.trace_hash)) {
    err = Bad(absl::StrCat("trace_hash \"", hash, "\" is not hex"));
  }
  r.problems = x.Strs("problems", &err);
  r.never_joined = x.Strs("never_joined", &err);
  r.virtual_time = x.Ns("virtual_ns", &err);
  r.wall_seconds = x.Num<double>("wall_s", &err);
  r.events_processed = x.Num<uint64_t>("events_processed", &err);
  r.messages = x.Num<uint64_t>("messages", &err);
  r.bytes = x.Num<uint64_t>("bytes", &err);
  r.nodes = x.Num<int>("nodes", &err);
  if (const json* s = x.Get("samples", &err)) ReadSamples(*s, r, &err);
  ReadCheckers(x.Arr("checkers", &err), r, &err);
  ReadFalsePositives(x.Arr("false_positives", &err), r, &err);
  ReadEvents(x.Arr("events", &err), r, &err);
  for (const json& p : x.Arr("agreement", &err)) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() ||
        !p[1].is_number()) {
      if (err.ok()) err = Bad("\"agreement\" holds a non-[t, fraction] entry");
      break;
    }
    r.agreement.emplace_back(p[0].get<double>(), p[1].get<double>());
  }
  ReadCrashes(x.Arr("crashes", &err), r, &err);
  ReadBounds(x.Get("bounds_ns", &err), r, &err);
  if (!err.ok()) {
    return Bad(absl::StrCat("run of seed ", r.seed, ": ", err.message()));
  }
  return r;
}

namespace {

// The fields every input must agree on, checked against the first input.
absl::Status SameOrigin(const json& first, const json& other,
                        const std::string& first_name,
                        const std::string& name) {
  auto str = [](const json& j, const char* k) {
    return j.contains(k) && j.at(k).is_string() ? j.at(k).get<std::string>()
                                                : std::string();
  };
  if (str(other, "scenario_source") != str(first, "scenario_source")) {
    return Bad(absl::StrCat(
        name, " ran a different scenario than ", first_name, " (\"",
        str(other, "scenario"), "\" from ", str(other, "path"), " vs \"",
        str(first, "scenario"), "\" from ", str(first, "path"),
        "; the scenario texts differ): reports merge only when every shard "
        "ran the same scenario file"));
  }
  if (str(other, "binary") != str(first, "binary")) {
    return Bad(absl::StrCat(
        name, " was written by a different swimsim binary than ", first_name,
        " (",
        str(other, "binary").empty() ? "none named" : str(other, "binary"),
        " vs ",
        str(first, "binary").empty() ? "none named" : str(first, "binary"),
        "): a different build may give a seed a different run; rerun the "
        "shards with one build"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MergedReport> MergeReports(
    const std::vector<json>& reports, const std::vector<std::string>& names) {
  if (reports.empty()) return Bad("nothing to merge: give one or more reports");
  for (size_t i = 0; i < reports.size(); ++i) {
    const json& j = reports[i];
    if (!j.is_object() || !j.contains("format") ||
        j.at("format") != kJsonReportFormat) {
      return Bad(
          absl::StrCat(names[i], " is not a swimsim JSON report of format ",
                       kJsonReportFormat,
                       " (write it with swimsim --json from this build)"));
    }
    absl::Status s = SameOrigin(reports[0], j, names[0], names[i]);
    if (!s.ok()) return s;
  }
  MergedReport m;
  const json& first = reports[0];
  m.binary = first.value("binary", std::string());
  absl::StatusOr<Scenario> sc =
      ParseScenario(first.at("scenario_source").get<std::string>(),
                    first.value("path", std::string()));
  if (!sc.ok()) {
    return Bad(absl::StrCat(
        names[0], ": its scenario no longer parses: ", sc.status().message()));
  }
  m.scenario = *std::move(sc);
  std::map<uint64_t, std::string> seen;  // seed -> input name
  for (size_t i = 0; i < reports.size(); ++i) {
    const json& runs = reports[i].value("runs", json());
    if (!runs.is_array()) {
      return Bad(absl::StrCat(names[i], ": \"runs\" is not a list"));
    }
    for (const json& run : runs) {
      absl::StatusOr<RunResult> r = RunFromJson(run);
      if (!r.ok())
        return Bad(absl::StrCat(names[i], ": ", r.status().message()));
      auto [it, fresh] = seen.emplace(r->seed, names[i]);
      if (!fresh) {
        return Bad(absl::StrCat("seed ", r->seed, " is in both ", it->second,
                                " and ", names[i],
                                ": shards must run disjoint seeds"));
      }
      m.runs.push_back(*std::move(r));
    }
  }
  std::sort(
      m.runs.begin(), m.runs.end(),
      [](const RunResult& a, const RunResult& b) { return a.seed < b.seed; });
  return m;
}

std::string BinaryFingerprint() {
  std::ifstream f("/proc/self/exe", std::ios::binary);
  if (!f) return "";
  // FNV-1a 64 over the executable's bytes.
  uint64_t h = 1469598103934665603ULL;
  char buf[1 << 16];
  while (f) {
    f.read(buf, sizeof buf);
    const std::streamsize n = f.gcount();
    for (std::streamsize i = 0; i < n; ++i) {
      h ^= static_cast<unsigned char>(buf[i]);
      h *= 1099511628211ULL;
    }
  }
  return absl::StrFormat("%016x", h);
}

}  // namespace sim
