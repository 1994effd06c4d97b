// The run recorder behind `swimsim --html` / `--chrome-trace` watches
// without touching (same trace hash), sees what the cluster saw (a crashed
// node turns dead in every observer's view), explains false deaths, and
// exports a Chrome trace-event file with the format's required fields.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/chrome_trace.h"
#include "sim/html_report.h"
#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/timeline.h"

namespace sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// quickstart's schedule, 12 nodes, 40 s.
constexpr char kCrashAndPause[] = R"(
name = "crash_and_pause"
[cluster]
size = 12
profile = "lan"
duration = "40s"
[[event]]
at = "5s"
action = "crash"
nodes = [7]
[[event]]
at = "20s"
action = "pause"
nodes = [3]
duration = "1500ms"
)";

// quickstart with a 3 s split: seed 17 declares live nodes dead.
constexpr char kFalseDeaths[] = R"(
name = "split_3s"
[cluster]
size = 20
profile = "lan"
duration = "60s"
[network]
latency = { kind = "lognormal", floor = "100us", median = "400us", sigma = 0.6 }
[[event]]
at = "15s"
action = "crash"
nodes = [7]
[[event]]
at = "25s"
action = "partition"
groups = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]]
duration = "3s"
[[event]]
at = "45s"
action = "pause"
nodes = [12]
duration = "1500ms"
)";
constexpr uint64_t kFalseDeathSeed = 3;

Scenario Parse(const char* text) {
  absl::StatusOr<Scenario> sc = ParseScenario(text, "");
  EXPECT_TRUE(sc.ok()) << sc.status();
  return *sc;
}

struct Recorded {
  RunResult run;
  Timeline tl;
};

Recorded Record(const Scenario& sc, uint64_t seed) {
  TimelineRecorder rec;
  RunOptions opt;
  opt.observer = &rec;
  opt.log_level = TimelineRecorder::NeededLogLevel();
  absl::StatusOr<RunResult> r = RunScenario(sc, seed, opt);
  EXPECT_TRUE(r.ok()) << r.status();
  Timeline tl = rec.Finish(*r);
  return {std::move(*r), std::move(tl)};
}

TEST(Timeline, RecordingLeavesTheTraceHashAlone) {
  const Scenario sc = Parse(kCrashAndPause);
  for (uint64_t seed : {1, 2}) {
    absl::StatusOr<RunResult> plain = RunScenario(sc, seed);
    ASSERT_TRUE(plain.ok());
    Recorded rec = Record(sc, seed);
    EXPECT_EQ(plain->trace_hash, rec.run.trace_hash) << "seed " << seed;
  }
}

TEST(Timeline, UserTraceSinkStillGetsOnlyItsOwnLogLevel) {
  const Scenario sc = Parse(kCrashAndPause);
  std::vector<std::string> with, without;
  {
    RunOptions opt;
    opt.trace_sink = [&](std::string_view l) { without.emplace_back(l); };
    ASSERT_TRUE(RunScenario(sc, 3, opt).ok());
  }
  {
    TimelineRecorder::Options o;
    o.user_log_level = swim::LogLevel::kError;
    TimelineRecorder rec(o);
    RunOptions opt;
    opt.trace_sink = [&](std::string_view l) { with.emplace_back(l); };
    opt.observer = &rec;
    opt.log_level = TimelineRecorder::NeededLogLevel();
    ASSERT_TRUE(RunScenario(sc, 3, opt).ok());
  }
  EXPECT_EQ(with, without);
}

TEST(Timeline, CrashedNodeTurnsDeadInEveryObserversView) {
  const Scenario sc = Parse(kCrashAndPause);
  Recorded r = Record(sc, 1);
  const Timeline& tl = r.tl;
  ASSERT_EQ(tl.nodes, 12);
  ASSERT_GT(tl.columns, 100);
  const int last = tl.columns - 1;
  // 11 observers of node-7, all of them see it dead at the end.
  EXPECT_EQ(tl.count(7, last, Timeline::kDead), 11) << "seed 1";
  // Before the crash (column at 4 s) everyone sees node-7 alive.
  const int before = static_cast<int>(4.0 / tl.column_s);
  EXPECT_EQ(tl.count(7, before, Timeline::kAlive), 11);
  // node-3 sees the others: node-7 is crashed, so node-3's row counts 10
  // running observers at the end, all of them holding it alive.
  EXPECT_EQ(tl.count(3, last, Timeline::kAlive), 10);
  // Ground truth: node-7 crashed from 5 s, node-3 paused 20 s .. 21.5 s.
  bool crashed = false, paused = false;
  for (const Timeline::Interval& d : tl.down) {
    if (d.node == 7 && d.what == "crashed" && d.t0 == 5.0) crashed = true;
    if (d.node == 3 && d.what == "paused" && d.t0 == 20.0 && d.t1 == 21.5)
      paused = true;
  }
  EXPECT_TRUE(crashed);
  EXPECT_TRUE(paused);
  // Suspicions of node-7 ended with "dead"; probes and push/pulls exist.
  int dead_ends = 0;
  for (const Timeline::Span& s : tl.suspicions) {
    if (s.peer == 7 && s.what == "dead") ++dead_ends;
  }
  EXPECT_GT(dead_ends, 0);
  EXPECT_GT(tl.probes.size(), 12u * 30);
  EXPECT_GT(tl.push_pulls.size(), 11u);
  ASSERT_EQ(tl.traffic.size(), 12u);
  EXPECT_GT(tl.traffic[0].packets_sent, 0u);
}

TEST(Timeline, FalseDeathTellsWhoSuspectedAndWhetherTheVictimHeard) {
  const Scenario sc = Parse(kFalseDeaths);
  Recorded r = Record(sc, kFalseDeathSeed);
  ASSERT_FALSE(r.run.false_positives.empty())
      << "seed " << kFalseDeathSeed << " no longer has a false death";
  ASSERT_EQ(r.tl.deaths.size(), r.run.false_positives.size());
  for (const Timeline::Death& d : r.tl.deaths) {
    EXPECT_FALSE(d.causes.empty());
    ASSERT_FALSE(d.suspected_by.empty()) << "seed " << kFalseDeathSeed;
    EXPECT_LE(d.suspected_by[0].second, d.at);
    EXPECT_FALSE(d.excerpt.empty());
    // The excerpt holds the accuser's view change that made the death.
    const std::string needle = absl::StrCat("n", d.accuser, " view node-",
                                            d.victim, " dead/", d.incarnation);
    bool found = false;
    for (const std::string& l : d.excerpt)
      found = found || l.find(needle) != std::string::npos;
    EXPECT_TRUE(found) << needle;
    if (d.victim_heard >= 0) {
      EXPECT_THAT(d.victim_heard_what, HasSubstr("refuting a"));
    }
  }
  // At least one accuser timed out its own suspicion (and counted).
  EXPECT_TRUE(std::any_of(
      r.tl.deaths.begin(), r.tl.deaths.end(),
      [](const Timeline::Death& d) { return d.confirmations >= 0; }));
  const std::string html =
      HtmlReport(sc, {r.run}, {}, {r.tl}, "./swimsim --scenario s.toml");
  EXPECT_THAT(html, HasSubstr("\"deaths\":[{"));
  EXPECT_THAT(html, HasSubstr("refuting a"));
}

TEST(HtmlReport, IsOneSelfContainedFile) {
  const Scenario sc = Parse(kCrashAndPause);
  Recorded r = Record(sc, 1);
  const std::string html =
      HtmlReport(sc, {r.run}, {}, {r.tl}, "./swimsim --scenario s.toml");
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("id=\"nxt\""));
  // Nothing fetched: no external scripts, stylesheets, images or fonts.
  EXPECT_THAT(html, Not(HasSubstr("<script src")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  // The embedded data cannot close its <script> early.
  const size_t data = html.find("id=\"data\">");
  ASSERT_NE(data, std::string::npos);
  const size_t end = html.find("</script>", data);
  EXPECT_EQ(html.find("</", data + 10), end);
}

TEST(Report, AgreementPlotAxisEndsWithTheRun) {
  // A 60 s run: the axis ends at 60 s, not at the next "nice" 100 s.
  Scenario sc = Parse(kCrashAndPause);
  sc.duration = absl::Seconds(60);
  absl::StatusOr<RunResult> r = RunScenario(sc, 1);
  ASSERT_TRUE(r.ok());
  const std::string svg = AgreementSvg(sc, {*r});
  EXPECT_THAT(svg, HasSubstr(">60</text>"));
  EXPECT_THAT(svg, Not(HasSubstr(">100</text>")));
  EXPECT_THAT(svg, Not(HasSubstr(">70</text>")));
}

// The Chrome trace-event format (the JSON Object Format): every event has
// name, ph, ts, pid, tid; "X" has dur; "b"/"e" have cat and id and pair up;
// "i" has scope s in {g, p, t}; "M" names a process or thread.
TEST(ChromeTrace, EventsCarryTheFormatsRequiredFields) {
  const Scenario sc = Parse(kCrashAndPause);
  Recorded r = Record(sc, 1);
  const nlohmann::json j = ChromeTrace(sc, r.run, r.tl);
  // Round trip through text, as a viewer reads it.
  const nlohmann::json t = nlohmann::json::parse(j.dump());
  ASSERT_TRUE(t.contains("traceEvents"));
  ASSERT_TRUE(t["traceEvents"].is_array());
  const std::set<std::string> phases = {"X", "b", "e", "i", "M"};
  std::map<std::string, int> by_ph;
  std::set<int> named_nodes;
  std::map<std::pair<std::string, int64_t>, int> open;
  bool crash_on_node7 = false;
  for (const nlohmann::json& e : t["traceEvents"]) {
    ASSERT_TRUE(e.is_object());
    for (const char* k : {"name", "ph", "ts", "pid", "tid"})
      ASSERT_TRUE(e.contains(k)) << k << " missing in " << e.dump();
    ASSERT_TRUE(e["name"].is_string()) << e.dump();
    ASSERT_TRUE(e["ph"].is_string()) << e.dump();
    ASSERT_TRUE(e["ts"].is_number()) << e.dump();
    ASSERT_TRUE(e["pid"].is_number_integer()) << e.dump();
    ASSERT_TRUE(e["tid"].is_number_integer()) << e.dump();
    const std::string ph = e["ph"];
    ASSERT_TRUE(phases.count(ph)) << e.dump();
    EXPECT_GE(e["ts"].get<double>(), 0) << e.dump();
    ++by_ph[ph];
    if (ph == "X") {
      ASSERT_TRUE(e.contains("dur") && e["dur"].is_number()) << e.dump();
      EXPECT_GE(e["dur"].get<double>(), 0) << e.dump();
    } else if (ph == "b" || ph == "e") {
      ASSERT_TRUE(e.contains("cat") && e["cat"].is_string()) << e.dump();
      ASSERT_TRUE(e.contains("id")) << e.dump();
      open[{e["cat"].get<std::string>(), e["id"].get<int64_t>()}] +=
          ph == "b" ? 1 : -1;
    } else if (ph == "i") {
      ASSERT_TRUE(e.contains("s")) << e.dump();
      const std::string s = e["s"];
      EXPECT_TRUE(s == "g" || s == "p" || s == "t") << e.dump();
      if (e["name"] == "crash" && e["pid"] == 7 + 1) crash_on_node7 = true;
    } else if (ph == "M") {
      ASSERT_TRUE(e.contains("args") && e["args"].is_object()) << e.dump();
      if (e["name"] == "process_name" && e["pid"] != 0) {
        named_nodes.insert(e["pid"].get<int>());
        EXPECT_EQ(e["args"]["name"],
                  absl::StrCat("node-", e["pid"].get<int>() - 1));
      }
    }
  }
  EXPECT_EQ(named_nodes.size(), 12u);  // a track (process) per node
  EXPECT_GT(by_ph["X"], 100);          // probes and push/pulls
  // Slices on one thread nest (here: never overlap), as viewers require.
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> xs;
  for (const nlohmann::json& e : t["traceEvents"]) {
    if (e["ph"] != "X") continue;
    const double ts = e["ts"].get<double>();
    xs[{e["pid"].get<int>(), e["tid"].get<int>()}].push_back(
        {ts, ts + e["dur"].get<double>()});
  }
  for (auto& [k, v] : xs) {
    std::sort(v.begin(), v.end());
    for (size_t i = 1; i < v.size(); ++i)
      EXPECT_LE(v[i - 1].second, v[i].first)
          << "pid " << k.first << " tid " << k.second;
  }
  EXPECT_GT(by_ph["b"], 0);  // suspicions
  EXPECT_EQ(by_ph["b"], by_ph["e"]);
  for (auto& [k, v] : open) EXPECT_EQ(v, 0) << k.first << " " << k.second;
  EXPECT_TRUE(crash_on_node7);
}

}  // namespace
}  // namespace sim
