// cover_report: which SWIM_COVER marks (core/cover.h) a search reaches, and
// when each is first reached. Built with --config=fuzz next to
// schedule_fuzz (same instrumentation and speed), it measures the three
// columns of docs/schedule-fuzzing.md:
//
//   cover_report sweep CPU_SECONDS WALL_SECONDS SCENARIO.toml...
//       a random seed sweep: the scenarios round-robin, seeds 1000, 1001,
//       ..., until the process has used CPU_SECONDS of CPU or WALL_SECONDS
//       have passed;
//   cover_report random CPU_SECONDS WALL_SECONDS
//       unguided schedule fuzzing: random 64-byte inputs through the same
//       decoder as schedule_fuzz (sim/fuzz_world.h), no feedback;
//   cover_report corpus START_UNIX_SECONDS DIR
//       a schedule_fuzz run: its corpus files replayed in the order they
//       were written; a mark's time is the file's mtime minus START (the
//       fuzzer keeps every input that first reaches a mark: it is new
//       coverage through the extra counters).
//
// Output: one line per mark, "name first_seconds first_run" ("-" if never
// reached; seconds of CPU for sweep and random, of wall time since START
// for corpus), then "reached K/N marks in R runs, C s CPU, W s wall".
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "core/cover.h"

#include "sim/fuzz_world.h"
#include "sim/runner.h"
#include "sim/scenario.h"

namespace {

struct FirstReach {
  double seconds = -1;
  long run = -1;
};

double CpuSeconds() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

const std::time_t kStart = std::time(nullptr);
double WallSeconds() { return std::difftime(std::time(nullptr), kStart); }

bool Within(double cpu_budget, double wall_budget) {
  return CpuSeconds() < cpu_budget && WallSeconds() < wall_budget;
}

void Note(std::vector<FirstReach>& first, double t, long run) {
  for (int i = 0; i < swim::cover::kNumMarks; ++i) {
    if (first[i].run < 0 && swim::cover::Hits(i) > 0) first[i] = {t, run};
  }
}

int Print(const std::vector<FirstReach>& first, long runs) {
  int reached = 0;
  for (int i = 0; i < swim::cover::kNumMarks; ++i) {
    const std::string name(swim::cover::kMarkNames[i]);
    if (first[i].run < 0) {
      std::printf("%-32s %10s %8s\n", name.c_str(), "-", "-");
    } else {
      ++reached;
      std::printf("%-32s %10.1f %8ld\n", name.c_str(), first[i].seconds,
                  first[i].run);
    }
  }
  std::printf("reached %d/%d marks in %ld runs, %.0f s CPU, %.0f s wall\n",
              reached, swim::cover::kNumMarks, runs, CpuSeconds(),
              WallSeconds());
  return 0;
}

bool RunToml(const std::string& toml) {
  absl::StatusOr<sim::Scenario> sc = sim::ParseScenario(toml, "fuzz.toml");
  if (!sc.ok()) return false;
  sim::RunOptions opt;
  opt.sample_interval = absl::Seconds(1);
  return sim::RunScenario(*sc, sc->seeds[0], opt).ok();
}

int Sweep(double budget, double wall, const std::vector<std::string>& paths) {
  std::vector<sim::Scenario> scenarios;
  for (const std::string& p : paths) {
    absl::StatusOr<sim::Scenario> sc = sim::LoadScenario(p);
    if (!sc.ok()) {
      std::fprintf(stderr, "%s\n", std::string(sc.status().message()).c_str());
      return 2;
    }
    scenarios.push_back(std::move(*sc));
  }
  std::vector<FirstReach> first(swim::cover::kNumMarks);
  long run = 0;
  for (uint64_t seed = 1000; Within(budget, wall); ++seed) {
    for (const sim::Scenario& sc : scenarios) {
      if (!Within(budget, wall)) break;
      sim::RunOptions opt;
      opt.sample_interval = absl::Seconds(1);
      (void)sim::RunScenario(sc, seed, opt);
      Note(first, CpuSeconds(), ++run);
    }
  }
  return Print(first, run);
}

int Random(double budget, double wall) {
  std::mt19937_64 rng(1);
  std::vector<FirstReach> first(swim::cover::kNumMarks);
  long run = 0;
  while (Within(budget, wall)) {
    uint8_t bytes[64];
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    RunToml(sim::DecodeFuzzWorld(bytes, sizeof bytes));
    Note(first, CpuSeconds(), ++run);
  }
  return Print(first, run);
}

int Corpus(double start, const std::string& dir) {
  std::vector<std::pair<double, std::string>> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    struct stat st;
    if (stat(e.path().c_str(), &st) != 0) continue;
    files.emplace_back(st.st_mtim.tv_sec + st.st_mtim.tv_nsec * 1e-9 - start,
                       e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<FirstReach> first(swim::cover::kNumMarks);
  long run = 0;
  for (const auto& [t, path] : files) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    RunToml(sim::DecodeFuzzWorld(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 bytes.size()));
    Note(first, std::max(0.0, t), ++run);
  }
  return Print(first, run);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 2 ? argv[1] : "";
  if (mode == "sweep" && argc > 4) {
    return Sweep(std::atof(argv[2]), std::atof(argv[3]),
                 std::vector<std::string>(argv + 4, argv + argc));
  }
  if (mode == "random" && argc == 4) {
    return Random(std::atof(argv[2]), std::atof(argv[3]));
  }
  if (mode == "corpus" && argc == 4) {
    return Corpus(std::atof(argv[2]), argv[3]);
  }
  std::fprintf(stderr,
               "usage: cover_report sweep CPU_SECONDS WALL_SECONDS "
               "SCENARIO.toml...\n"
               "       cover_report random CPU_SECONDS WALL_SECONDS\n"
               "       cover_report corpus START_UNIX_SECONDS DIR\n");
  return 2;
}
