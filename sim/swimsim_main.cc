// swimsim: runs a scenario (scenarios/*.toml) through the deterministic
// simulator and prints what the cluster did.
//
//   ./bazelw run //sim:swimsim -- --scenario scenarios/quickstart.toml
//   ... --seeds 1..50 --json out.json --svg plots/
//   ... --seed 7 --trace t.txt          (every packet, timer and fault)
//   ... --html report.html --chrome-trace t.json  (visual report; Perfetto)
//   ... --seed 7 --replay               (run twice, compare trace hashes)
//   ... --seed 7 --shrink               (minimal scenario that still fails)
//   ... --seeds 1..1000 --jobs 2        (seeds on 2 threads, same report)
//   swimsim merge a.json b.json ... [--json all.json]   (shards' reports ->
//       the report of one run over all their seeds; sim/merge.h)
//   ./bazelw run //sim:swimsim -- --from-fuzz crash-<sha>
//       (a schedule fuzzer input as a scenario file, crash-<sha>.toml)
//
// Exit code 0 iff every checker behaved as expected and every [expect] line
// held (2 for usage/scenario errors). Relative paths are resolved against
// $BUILD_WORKING_DIRECTORY under `bazel run`.
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>

#include "sim/chrome_trace.h"
#include "sim/fuzz_world.h"
#include "sim/html_report.h"
#include "sim/merge.h"
#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/shrink.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace po = boost::program_options;

namespace {

std::string Resolve(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (wd == nullptr || *wd == '\0') return path;
  return absl::StrCat(wd, "/", path);
}

// --from-fuzz: decodes a schedule fuzzer input (tests/fuzz/schedule_fuzz)
// into its scenario, runs it once and writes <input>.toml with what the
// fuzzer would judge in a comment on top. Exit 0 when written.
int FromFuzz(const std::string& input) {
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::cerr << "swimsim: --from-fuzz: cannot read " << input << "\n";
    return 2;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  const std::string toml = sim::DecodeFuzzWorld(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  std::string header = "# From the schedule fuzzer input " + input + "\n";
  absl::StatusOr<sim::Scenario> sc = sim::ParseScenario(toml, "fuzz.toml");
  if (sc.ok()) {
    absl::StatusOr<sim::RunResult> r = sim::RunScenario(*sc, sc->seeds[0]);
    if (r.ok()) {
      const std::vector<std::string> findings = sim::JudgeFuzzRun(*r);
      header += findings.empty() ? "# The fuzzer judges this run clean.\n"
                                 : "# The fuzzer's findings:\n";
      for (const std::string& f : findings) header += "#   " + f + "\n";
    } else {
      header += "# The run failed: " + std::string(r.status().message()) + "\n";
    }
  } else {
    header += "# Does not parse: " + std::string(sc.status().message()) + "\n";
  }
  const std::string out = input + ".toml";
  header += absl::StrCat("# Minimise: swimsim --scenario ", out, " --seed ",
                         sc.ok() ? sc->seeds[0] : 1, " --shrink\n");
  std::ofstream f(out, std::ios::binary);
  f << header << toml;
  if (!f) {
    std::cerr << "swimsim: cannot write " << out << "\n";
    return 2;
  }
  std::cout << header << toml << "# written to " << out << "\n";
  return 0;
}

std::string BinaryTarget() {
  return sim::PlantedBugsLinked() ? "//sim:swimsim_planted_bugs"
                                  : "//sim:swimsim";
}

// One seed's outcome (and its timeline for --html / --chrome-trace).
struct SeedRun {
  absl::StatusOr<sim::RunResult> result = absl::UnknownError("not run");
  std::optional<sim::Timeline> timeline;
};

// Runs seed indexes 0..count-1 on `jobs` threads (each run builds its own
// World: the simulator's rule is one thread per World) and hands the
// results out in index order. Workers run at most a few seeds ahead of the
// consumer, so a million-seed sweep does not hold a million results. With
// jobs <= 1 there is no thread: Take(k) runs seed k itself.
class SeedPool {
 public:
  using Fn = std::function<SeedRun(size_t index, int worker)>;
  SeedPool(size_t count, int jobs, Fn fn) : count_(count), fn_(std::move(fn)) {
    if (jobs <= 1) return;
    window_ = static_cast<size_t>(jobs) * 4;
    for (int w = 0; w < jobs; ++w) {
      threads_.emplace_back([this, w] { Work(w); });
    }
  }
  ~SeedPool() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  SeedPool(const SeedPool&) = delete;
  SeedPool& operator=(const SeedPool&) = delete;

  // Seed k's result; call with k = 0, 1, 2, ... in order.
  SeedRun Take(size_t k) {
    if (threads_.empty()) return fn_(k, 0);
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return results_.count(k) != 0; });
    auto it = results_.find(k);
    SeedRun r = std::move(it->second);
    results_.erase(it);
    taken_ = k + 1;
    cv_.notify_all();
    return r;
  }

 private:
  void Work(int worker) {
    for (;;) {
      size_t k;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] {
          return stop_ || next_ >= count_ || next_ < taken_ + window_;
        });
        if (stop_ || next_ >= count_) return;
        k = next_++;
      }
      SeedRun r = fn_(k, worker);
      {
        std::lock_guard<std::mutex> l(mu_);
        results_.emplace(k, std::move(r));
      }
      cv_.notify_all();
    }
  }

  const size_t count_;
  const Fn fn_;
  size_t window_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<size_t, SeedRun> results_;  // finished, not yet taken
  size_t next_ = 0, taken_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// `swimsim merge [--json OUT] [--quiet] A.json B.json ...`
int MergeMain(int argc, char** argv) {
  po::options_description desc(
      "swimsim merge: the JSON reports of shards of one seed sweep -> the "
      "report of one run over all their seeds\nUsage: swimsim merge [options] "
      "A.json B.json ...\nOptions");
  std::string json_path;
  std::vector<std::string> inputs;
  desc.add_options()("help,h", "this help")(
      "json", po::value<std::string>(&json_path),
      "write the merged report as JSON to FILE")(
      "quiet,q", "print only the verdict line and failures");
  po::options_description hidden;
  hidden.add_options()("input", po::value<std::vector<std::string>>(&inputs));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("input", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1)
                  .options(all)
                  .positional(pos)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "swimsim merge: " << e.what() << "\n" << desc << "\n";
    return 2;
  }
  if (vm.count("help") || inputs.empty()) {
    std::cout << desc << "\n";
    return vm.count("help") ? 0 : 2;
  }
  std::vector<nlohmann::json> reports;
  for (const std::string& in : inputs) {
    std::ifstream f(Resolve(in), std::ios::binary);
    if (!f) {
      std::cerr << "swimsim merge: cannot read " << in << "\n";
      return 2;
    }
    nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_discarded()) {
      std::cerr << "swimsim merge: " << in << " is not JSON\n";
      return 2;
    }
    reports.push_back(std::move(j));
  }
  absl::StatusOr<sim::MergedReport> m = sim::MergeReports(reports, inputs);
  if (!m.ok()) {
    std::cerr << "swimsim merge: " << m.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<std::ofstream> json_out;
  if (!json_path.empty()) {
    json_out =
        std::make_unique<std::ofstream>(Resolve(json_path), std::ios::binary);
    if (!*json_out) {
      std::cerr << "swimsim merge: cannot write " << json_path << "\n";
      return 2;
    }
  }
  const sim::Scenario& sc = m->scenario;
  const std::string replay_prefix =
      absl::StrCat("./bazelw run ", BinaryTarget(), " -- --scenario ", sc.path);
  const std::vector<sim::ExpectationOutcome> outcomes =
      sim::EvaluateExpectations(sc, m->runs);
  bool pass = true;
  for (const sim::RunResult& r : m->runs) {
    pass = pass && r.passed;
    if (r.passed) continue;
    for (const std::string& p : r.problems) {
      std::cerr << "seed " << r.seed << ": " << p << "\n";
    }
  }
  for (const sim::ExpectationOutcome& e : outcomes) pass = pass && e.held;
  const std::string report =
      sim::TerminalReport(sc, m->runs, outcomes, replay_prefix);
  std::cout << (vm.count("quiet") ? report.substr(report.rfind("RESULT:"))
                                  : report);
  if (json_out) {
    nlohmann::json j = sim::JsonReport(sc, m->runs, outcomes);
    j["binary"] = m->binary;
    *json_out << j.dump(2) << "\n";
    json_out->flush();
    if (!*json_out) {
      std::cerr << "swimsim merge: cannot write " << json_path << "\n";
      return 2;
    }
    std::cout << "JSON report written to " << json_path << "\n";
  }
  return pass ? 0 : 1;
}

int Main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "merge") {
    return MergeMain(argc, argv);
  }
  po::options_description desc(
      "swimsim: run a SWIM/Lifeguard scenario in the deterministic "
      "simulator\nOptions");
  std::string scenario_path, seeds_text, trace_path, json_path, svg_dir,
      log_level = "error", html_path, chrome_path;
  std::string seed_text, from_fuzz;
  int jobs = 1;
  std::string shard_text;
  desc.add_options()("help,h", "this help")(
      "scenario", po::value<std::string>(&scenario_path),
      "scenario TOML file (required)")(
      "seed", po::value<std::string>(&seed_text), "run this one seed")(
      "seeds", po::value<std::string>(&seeds_text),
      "run seeds A..B (or \"1,5,9\")")(
      "trace", po::value<std::string>(&trace_path),
      "write the full event trace of the (single) run to FILE")(
      "log", po::value<std::string>(&log_level),
      "core log lines in the trace from this level: debug|info|warn|error")(
      "json", po::value<std::string>(&json_path),
      "write the report as JSON to FILE")(
      "svg", po::value<std::string>(&svg_dir), "write SVG plots into DIR")(
      "html", po::value<std::string>(&html_path),
      "write a self-contained HTML report (node x time view, false deaths) "
      "to FILE")("chrome-trace", po::value<std::string>(&chrome_path),
                 "write the first seed's run as a Chrome trace-event JSON "
                 "(Perfetto, chrome://tracing) to FILE")(
      "replay",
      "run the seed twice and compare trace hashes (determinism check)")(
      "shrink",
      "for a failing seed: minimise the scenario, write <name>.shrunk.toml")(
      "quiet,q", "print only the verdict line and failures")(
      "shard", po::value<std::string>(&shard_text),
      "I/N: run only the seeds at positions I, I+N, I+2N, ... of the seed "
      "list (0 <= I < N; a shard of a sweep, see swim_scenario_test)")(
      "jobs,j", po::value<int>(&jobs),
      "run seeds on N threads (each its own World); results and report are "
      "the serial run's")(
      "from-fuzz", po::value<std::string>(&from_fuzz),
      "write a schedule fuzzer input (crash-...) as the scenario "
      "FILE.toml, with the fuzzer's verdict on top");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "swimsim: " << e.what() << "\n" << desc << "\n";
    return 2;
  }
  if (!from_fuzz.empty()) return FromFuzz(Resolve(from_fuzz));
  if (vm.count("help") || scenario_path.empty()) {
    std::cout << desc
              << "\nExample: ./bazelw run //sim:swimsim -- --scenario "
                 "scenarios/quickstart.toml\n";
    return vm.count("help") ? 0 : 2;
  }
  if (jobs < 1 || jobs > 256) {
    std::cerr << "swimsim: --jobs wants 1..256 (got " << jobs << ")\n";
    return 2;
  }
  const std::string path = Resolve(scenario_path);
  absl::StatusOr<sim::Scenario> sc = sim::LoadScenario(path);
  if (!sc.ok()) {
    std::cerr << "swimsim: " << sc.status().message() << "\n";
    return 2;
  }
  absl::Status supported = sim::CheckScenarioSupported(*sc);
  if (!supported.ok()) {
    std::cerr << "swimsim: " << supported.message() << "\n";
    return 2;
  }
  std::vector<uint64_t> seeds = sc->seeds;
  if (vm.count("seed")) {
    absl::StatusOr<std::vector<uint64_t>> s = sim::ParseSeedRange(seed_text);
    if (!s.ok() || s->size() != 1) {
      std::cerr << "swimsim: --seed wants one seed, an integer >= 0 (got \""
                << seed_text << "\")\n";
      return 2;
    }
    seeds = *s;
  }
  if (!seeds_text.empty()) {
    absl::StatusOr<std::vector<uint64_t>> s = sim::ParseSeedRange(seeds_text);
    if (!s.ok()) {
      std::cerr << "swimsim: --seeds: " << s.status().message() << "\n";
      return 2;
    }
    seeds = *s;
  }
  if (!shard_text.empty()) {
    int index = -1, total = 0;
    std::vector<std::string> parts = absl::StrSplit(shard_text, '/');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &index) ||
        !absl::SimpleAtoi(parts[1], &total) || total < 1 || index < 0 ||
        index >= total) {
      std::cerr << "swimsim: --shard wants I/N with 0 <= I < N (got \""
                << shard_text << "\")\n";
      return 2;
    }
    std::vector<uint64_t> mine;
    for (size_t k = static_cast<size_t>(index); k < seeds.size();
         k += static_cast<size_t>(total)) {
      mine.push_back(seeds[k]);
    }
    seeds = std::move(mine);
  }
  const std::string replay_prefix = absl::StrCat(
      "./bazelw run ", BinaryTarget(), " -- --scenario ", scenario_path);

  if (vm.count("shrink")) {
    if (seeds.size() != 1) {
      std::cerr << "swimsim: --shrink needs one seed (--seed N)\n";
      return 2;
    }
    std::cerr << "swimsim: shrinking " << sc->name << " with seed " << seeds[0]
              << "\n";
    absl::StatusOr<sim::ShrinkResult> r =
        sim::Shrink(*sc, seeds[0],
                    [](const std::string& line) { std::cerr << line << "\n"; });
    if (!r.ok()) {
      std::cerr << "swimsim: " << r.status().message() << "\n";
      return 2;
    }
    std::string out = path;
    if (out.size() > 5 && out.substr(out.size() - 5) == ".toml")
      out.resize(out.size() - 5);
    out += ".shrunk.toml";
    std::ofstream f(out, std::ios::binary);
    f << r->toml;
    std::cout << r->toml;
    std::cout << absl::StrFormat(
        "# %d candidate runs; removed %d events; size %d -> %d\n# written to "
        "%s\n",
        r->runs, r->removed_events, r->size_before, r->size_after, out);
    return f ? 1 : 2;  // the shrunk scenario fails by construction
  }

  if (vm.count("replay")) {
    if (seeds.size() != 1) {
      std::cerr << "swimsim: --replay needs one seed (--seed N)\n";
      return 2;
    }
    uint64_t h[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
      absl::StatusOr<sim::RunResult> r = sim::RunScenario(*sc, seeds[0]);
      if (!r.ok()) {
        std::cerr << "swimsim: " << r.status().message() << "\n";
        return 2;
      }
      h[k] = r->trace_hash;
    }
    std::cout << absl::StrFormat(
        "replay seed %d: trace hash %016x then %016x: %s\n", seeds[0], h[0],
        h[1], h[0] == h[1] ? "identical" : "DIFFERENT");
    return h[0] == h[1] ? 0 : 1;
  }

  swim::LogLevel level = swim::LogLevel::kError;
  if (log_level == "debug") {
    level = swim::LogLevel::kDebug;
  } else if (log_level == "info") {
    level = swim::LogLevel::kInfo;
  } else if (log_level == "warn") {
    level = swim::LogLevel::kWarn;
  } else if (log_level != "error") {
    std::cerr << "swimsim: --log must be debug, info, warn or error\n";
    return 2;
  }
  std::unique_ptr<std::ofstream> trace;
  if (!trace_path.empty()) {
    if (seeds.size() != 1) {
      std::cerr << "swimsim: --trace needs one seed (--seed N)\n";
      return 2;
    }
    trace =
        std::make_unique<std::ofstream>(Resolve(trace_path), std::ios::binary);
    if (!*trace) {
      std::cerr << "swimsim: cannot write " << trace_path << "\n";
      return 2;
    }
  }
  // Outputs are checked before the runs, not after them.
  std::unique_ptr<std::ofstream> json_out;
  if (!json_path.empty()) {
    json_out =
        std::make_unique<std::ofstream>(Resolve(json_path), std::ios::binary);
    if (!*json_out) {
      std::cerr << "swimsim: cannot write " << json_path << "\n";
      return 2;
    }
  }
  if (!svg_dir.empty()) {
    absl::Status s = sim::CheckWritableDir(Resolve(svg_dir));
    if (!s.ok()) {
      std::cerr << "swimsim: --svg: " << s.message() << "\n";
      return 2;
    }
  }
  if (seeds.empty()) {
    // A shard with no seed of its own (more shards than seeds): an empty
    // report that `swimsim merge` accepts, and no verdict to give.
    std::cout << "swimsim: shard " << shard_text << " has no seeds\n";
    if (json_out) {
      nlohmann::json j = sim::JsonReport(*sc, {}, {});
      j["binary"] = sim::BinaryFingerprint();
      *json_out << j.dump(2) << "\n";
    }
    return 0;
  }
  std::vector<sim::RunResult> runs;
  const bool progress = seeds.size() > 1;
  std::vector<sim::Timeline> timelines;
  const bool want_timelines = !html_path.empty() || !chrome_path.empty();
  // One seed's run: its own World, its own recorder (when one is needed),
  // nothing shared with any other seed, so --jobs cannot change a result.
  auto run_seed = [&](size_t k, sim::TimelineRecorder* recorder) {
    SeedRun out;
    sim::RunOptions opt;
    opt.log_level = level;
    if (trace) {
      std::ofstream* t = trace.get();
      opt.trace_sink = [t](std::string_view line) {
        t->write(line.data(), static_cast<std::streamsize>(line.size()));
        t->put('\n');
      };
    }
    if (recorder) {
      opt.observer = recorder;
      opt.log_level = std::min(level, sim::TimelineRecorder::NeededLogLevel());
    }
    out.result = sim::RunScenario(*sc, seeds[k], opt);
    if (recorder && out.result.ok())
      out.timeline = recorder->Finish(*out.result);
    return out;
  };
  auto new_recorder = [&]() -> std::unique_ptr<sim::TimelineRecorder> {
    if (!want_timelines) return nullptr;
    sim::TimelineRecorder::Options ro;
    ro.keep_excerpts = !html_path.empty();
    ro.user_log_level = level;
    return std::make_unique<sim::TimelineRecorder>(ro);
  };
  // Results are consumed in seed order whatever order the workers finish
  // in: the progress line, the failure lines and the report are the serial
  // run's.
  std::vector<std::unique_ptr<sim::TimelineRecorder>> recorders;
  for (int w = 0; w < std::max(1, jobs); ++w)
    recorders.push_back(new_recorder());
  SeedPool pool(seeds.size(), jobs, [&](size_t k, int worker) {
    return run_seed(k, recorders[worker].get());
  });
  for (size_t k = 0; k < seeds.size(); ++k) {
    SeedRun sr = pool.Take(k);
    absl::StatusOr<sim::RunResult>& r = sr.result;
    if (!r.ok()) {
      std::cerr << "swimsim: " << r.status().message() << "\n";
      return 2;
    }
    if (want_timelines) timelines.push_back(std::move(*sr.timeline));
    if (!r->passed) {
      for (const std::string& p : r->problems) {
        std::cerr << "seed " << r->seed << ": " << p << "\n";
      }
      std::cerr << "  replay: " << replay_prefix << " --seed " << r->seed
                << " --trace t.txt\n";
    }
    runs.push_back(std::move(*r));
    if (progress) {
      int failed = 0;
      for (const sim::RunResult& x : runs) failed += x.passed ? 0 : 1;
      std::cerr << absl::StrFormat("\r[%zu/%zu] seed %d  failed so far: %d   ",
                                   k + 1, seeds.size(), seeds[k], failed);
      if (k + 1 == seeds.size()) std::cerr << "\n";
    }
  }
  const std::vector<sim::ExpectationOutcome> outcomes =
      sim::EvaluateExpectations(*sc, runs);
  bool pass = true;
  for (const sim::RunResult& r : runs) pass = pass && r.passed;
  for (const sim::ExpectationOutcome& e : outcomes) pass = pass && e.held;
  const std::string report =
      sim::TerminalReport(*sc, runs, outcomes, replay_prefix);
  if (vm.count("quiet")) {
    std::cout << report.substr(report.rfind("RESULT:"));
  } else {
    std::cout << report;
  }
  if (trace) std::cout << "trace written to " << trace_path << "\n";
  if (json_out) {
    std::ofstream& f = *json_out;
    nlohmann::json j = sim::JsonReport(*sc, runs, outcomes);
    j["binary"] = sim::BinaryFingerprint();
    f << j.dump(2) << "\n";
    f.flush();
    if (!f) {
      std::cerr << "swimsim: cannot write " << json_path << "\n";
      return 2;
    }
    std::cout << "JSON report written to " << json_path << "\n";
  }
  if (!svg_dir.empty()) {
    absl::StatusOr<std::vector<std::string>> w =
        sim::WriteSvgs(Resolve(svg_dir), *sc, runs);
    if (!w.ok()) {
      std::cerr << "swimsim: " << w.status().message() << "\n";
      return 2;
    }
    for (const std::string& p : *w)
      std::cout << "plot written to " << p << "\n";
  }
  if (!html_path.empty()) {
    std::ofstream f(Resolve(html_path), std::ios::binary);
    f << sim::HtmlReport(*sc, runs, outcomes, timelines, replay_prefix);
    if (!f) {
      std::cerr << "swimsim: cannot write " << html_path << "\n";
      return 2;
    }
    std::cout << "HTML report written to " << html_path << "\n";
  }
  if (!chrome_path.empty() && !runs.empty()) {
    std::ofstream f(Resolve(chrome_path), std::ios::binary);
    f << sim::ChromeTrace(*sc, runs[0], timelines[0]).dump() << "\n";
    if (!f) {
      std::cerr << "swimsim: cannot write " << chrome_path << "\n";
      return 2;
    }
    std::cout << "Chrome trace (seed " << runs[0].seed << ") written to "
              << chrome_path << "\n";
  }
  return pass ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
