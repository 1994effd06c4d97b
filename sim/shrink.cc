#include "sim/shrink.h"

#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "sim/actions/params.h"
#include "sim/report.h"
#include "sim/runner.h"

#include "absl/strings/str_cat.h"

namespace sim {

absl::StatusOr<std::set<std::string>> FailuresWithSeed(
    const Scenario& sc, uint64_t seed, absl::Duration* virtual_time) {
  absl::StatusOr<RunResult> r = RunScenario(sc, seed);
  if (!r.ok()) return r.status();
  if (virtual_time != nullptr) *virtual_time = r->virtual_time;
  std::set<std::string> out;
  for (const CheckerOutcome& c : r->checkers) {
    if (c.problem()) out.insert(absl::StrCat("checker:", c.result.name));
  }
  std::vector<RunResult> one;
  one.push_back(std::move(*r));
  for (const ExpectationOutcome& e : EvaluateExpectations(sc, one)) {
    if (!e.held && !std::isnan(e.value))
      out.insert(absl::StrCat("expect:", e.expectation.metric));
  }
  return out;
}

namespace {

std::string Serialize(const toml::table& t) {
  std::stringstream ss;
  ss << t;
  return ss.str();
}

// Rewrites every node index in the [[event]] tables through `f`.
void RemapIndexes(toml::table& doc, const std::function<int64_t(int64_t)>& f) {
  toml::array* events = doc["event"].as_array();
  if (events == nullptr) return;
  std::function<void(toml::node&)> walk = [&](toml::node& n) {
    if (toml::array* a = n.as_array()) {
      for (toml::node& e : *a) walk(e);
    } else if (auto* v = n.as_integer()) {
      *v = f(v->get());
    }
  };
  for (toml::node& e : *events) {
    toml::table* t = e.as_table();
    if (t == nullptr) continue;
    for (const char* key :
         {"nodes", "node", "groups", "from", "to", "seeds", "victims"}) {
      if (toml::node* n = t->get(key)) walk(*n);
    }
  }
}

class Shrinker {
 public:
  Shrinker(const Scenario& sc, uint64_t seed,
           const std::function<void(const std::string&)>& progress)
      : path_(sc.path), seed_(seed), progress_(progress) {}

  // Tries `candidate`; keeps it (as doc_) if it still fails.
  bool Try(const toml::table& candidate, const std::string& what) {
    const std::string text = Serialize(candidate);
    absl::StatusOr<Scenario> sc = ParseScenario(text, path_);
    if (!sc.ok()) return false;
    ++runs_;
    absl::StatusOr<std::set<std::string>> fails =
        FailuresWithSeed(*sc, seed_, &last_virtual_);
    if (!fails.ok()) return false;
    bool same = false;
    for (const std::string& f : *fails) same = same || original_.count(f) > 0;
    if (!same) return false;
    doc_ = candidate;
    if (progress_)
      progress_(absl::StrCat("  shrink: ", what, " -> still fails"));
    return true;
  }

  absl::StatusOr<ShrinkResult> Go(const Scenario& sc) {
    try {
      doc_ = toml::parse(sc.source, path_);
    } catch (const toml::parse_error& e) {
      return absl::InvalidArgumentError(std::string(e.description()));
    }
    // Pin the seed.
    if (toml::table* c = doc_["cluster"].as_table()) {
      c->erase("seeds");
      c->insert_or_assign("seed", static_cast<int64_t>(seed_));
    } else {
      toml::table fresh;
      fresh.insert_or_assign("seed", static_cast<int64_t>(seed_));
      doc_.insert_or_assign("cluster", std::move(fresh));
    }
    ShrinkResult res;
    res.size_before = sc.size;
    {
      absl::StatusOr<Scenario> pinned = ParseScenario(Serialize(doc_), path_);
      if (!pinned.ok()) return pinned.status();
      absl::StatusOr<std::set<std::string>> f =
          FailuresWithSeed(*pinned, seed_);
      if (!f.ok()) return f.status();
      original_ = *f;
      if (original_.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("the scenario does not fail with seed ", seed_,
                         ": nothing to shrink"));
      }
    }
    // 1. Events, last first.
    if (toml::array* ev = doc_["event"].as_array()) {
      for (size_t i = ev->size(); i-- > 0;) {
        toml::table cand = doc_;
        toml::array* a = cand["event"].as_array();
        if (i >= a->size()) continue;
        a->erase(a->begin() + static_cast<std::ptrdiff_t>(i));
        if (a->empty()) cand.erase("event");
        if (Try(cand, absl::StrCat("dropped event #", i))) ++res.removed_events;
      }
    }
    // 2. Cluster size: first renumber the nodes the events name to the
    // lowest indexes (node 0 stays the seed), so the size is not pinned by
    // a high index; then shrink, shifting the indexes of joined nodes.
    auto size_of = [this]() -> int64_t {
      return doc_["cluster"]["size"].value_or<int64_t>(3);
    };
    Renumber(size_of());
    auto with_size = [this, &size_of](int64_t n) {
      toml::table cand = doc_;
      const int64_t old = size_of();
      cand["cluster"].as_table()->insert_or_assign("size", n);
      RemapIndexes(
          cand, [old, n](int64_t x) { return x >= old ? x - (old - n) : x; });
      return cand;
    };
    while (size_of() > 2 &&
           Try(with_size(size_of() / 2 + (size_of() / 2 < 2 ? 1 : 0)),
               absl::StrCat("size ", size_of(), " -> ", size_of() / 2))) {
    }
    for (int tries = 0; tries < 8 && size_of() > 2; ++tries) {
      if (!Try(with_size(size_of() - 1),
               absl::StrCat("size -> ", size_of() - 1)))
        break;
    }
    res.size_after = static_cast<int>(size_of());
    // 3. Network.
    if (toml::table* net = doc_["network"].as_table()) {
      for (const char* key :
           {"latency", "duplicate", "reorder", "stream_reset", "bandwidth"}) {
        if (!net->contains(key)) continue;
        toml::table cand = doc_;
        cand["network"].as_table()->erase(key);
        Try(cand, absl::StrCat("removed network.", key));
      }
      if (doc_["network"]["loss"].is_value()) {
        toml::table cand = doc_;
        cand["network"].as_table()->erase("loss");
        if (!Try(cand, "loss -> 0")) {
          for (int k = 0; k < 4; ++k) {
            const double loss = doc_["network"]["loss"].value_or(0.0);
            toml::table c2 = doc_;
            c2["network"].as_table()->insert_or_assign("loss", loss / 2);
            if (!Try(c2, absl::StrCat("loss -> ", loss / 2))) break;
          }
        }
      }
    }
    // 4. Duration.
    for (int k = 0; k < 4; ++k) {
      absl::StatusOr<Scenario> cur = ParseScenario(Serialize(doc_), path_);
      if (!cur.ok()) break;
      const absl::Duration half = cur->duration / 2;
      if (half < absl::Seconds(1)) break;
      toml::table cand = doc_;
      cand["cluster"].as_table()->insert_or_assign("duration",
                                                   absl::FormatDuration(half));
      if (!Try(cand, absl::StrCat("duration -> ", absl::FormatDuration(half))))
        break;
    }
    // 5. The stated duration covers the run that fails (a run goes on past
    // `duration` while a detection or convergence deadline is open), and
    // the description no longer describes the original.
    {
      absl::StatusOr<Scenario> cur = ParseScenario(Serialize(doc_), path_);
      if (cur.ok() && FailuresWithSeed(*cur, seed_, &last_virtual_).ok() &&
          last_virtual_ > cur->duration) {
        const absl::Duration d = absl::Ceil(last_virtual_, absl::Seconds(1));
        doc_["cluster"].as_table()->insert_or_assign("duration",
                                                     absl::FormatDuration(d));
        cur = ParseScenario(Serialize(doc_), path_);
      }
      if (cur.ok()) {
        doc_.insert_or_assign(
            "description", absl::StrCat("shrunk from ", sc.name, " (seed ",
                                        seed_, "): ", cur->size,
                                        cur->size == 1 ? " node, " : " nodes, ",
                                        cur->events.size(), " events, ",
                                        absl::FormatDuration(cur->duration)));
      }
    }
    res.runs = runs_;
    // The header claims what the written file does when run again: its own
    // failures, measured now.
    absl::StatusOr<Scenario> final_sc = ParseScenario(Serialize(doc_), path_);
    if (!final_sc.ok()) return final_sc.status();
    absl::StatusOr<std::set<std::string>> final_fails =
        FailuresWithSeed(*final_sc, seed_);
    if (!final_fails.ok()) return final_fails.status();
    std::string what;
    for (const std::string& f : *final_fails)
      absl::StrAppend(&what, what.empty() ? "" : ", ", f);
    std::string orig;
    for (const std::string& f : original_)
      absl::StrAppend(&orig, orig.empty() ? "" : ", ", f);
    res.failures = what;
    res.original_failures = orig;
    res.toml = absl::StrCat(
        "# Shrunk by swimsim --shrink from ", path_, " (seed ", seed_, ", ",
        runs_, " candidate runs; the original failed: ", orig,
        ").\n# Fails with this seed: ", what, "\n", Serialize(doc_), "\n");
    return res;
  }

 private:
  std::string path_;
  uint64_t seed_;
  // Renumbers the initial nodes the events name to 0..k-1 (in order, node 0
  // first) if that still fails.
  void Renumber(int64_t size) {
    absl::StatusOr<Scenario> cur = ParseScenario(Serialize(doc_), path_);
    if (!cur.ok()) return;
    std::set<int64_t> used = {0};
    for (const ScheduledEvent& e : cur->events) {
      for (int i : NodeRefs(e.params)) {
        if (i < size) used.insert(i);
      }
    }
    std::map<int64_t, int64_t> to;
    int64_t next = 0;
    for (int64_t i : used) to[i] = next++;
    bool moves = false;
    for (auto& [a, b] : to) moves = moves || a != b;
    if (!moves) return;
    toml::table cand = doc_;
    RemapIndexes(cand, [&to](int64_t x) {
      auto it = to.find(x);
      return it == to.end() ? x : it->second;
    });
    Try(cand, absl::StrCat("renumbered nodes ", used.size(), " named nodes"));
  }

  const std::function<void(const std::string&)>& progress_;
  toml::table doc_;
  std::set<std::string> original_;
  int runs_ = 0;
  absl::Duration last_virtual_;
};

}  // namespace

absl::StatusOr<ShrinkResult> Shrink(
    const Scenario& sc, uint64_t seed,
    const std::function<void(const std::string&)>& progress) {
  Shrinker s(sc, seed, progress);
  return s.Go(sc);
}

}  // namespace sim
