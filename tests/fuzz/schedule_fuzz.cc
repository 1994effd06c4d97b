// libFuzzer target: fault schedules. The input bytes decode into a small
// world (sim/fuzz_world.h: 3..16 nodes, config perturbations, a network
// model, up to 10 faults, a final rejoin), which runs once with every
// checker on; in --config=fuzz builds the core's SWIM_SIM_ASSERT
// invariants are on too. A finding aborts: a crash or failed check by
// itself, else whatever JudgeFuzzRun reports (an incarnation or suspicion
// bounds violation, no convergence after the final rejoin, an unexplained
// false death). The core's SWIM_COVER marks feed libFuzzer as extra
// counters (core/cover.h), so inputs that reach rare paths are kept.
//
// Replay a finding in any build, and turn it into a scenario:
//   bazel-bin/tests/fuzz/schedule_fuzz crash-<sha>
//   ./bazelw run //sim:swimsim -- --from-fuzz crash-<sha> > finding.toml
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/fuzz_world.h"
#include "sim/runner.h"
#include "sim/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return 0;  // the decoder reads far fewer bytes
  const std::string toml = sim::DecodeFuzzWorld(data, size);
  absl::StatusOr<sim::Scenario> sc = sim::ParseScenario(toml, "fuzz.toml");
  if (!sc.ok()) {
    // The decoder promises a valid scenario: this is a bug in it.
    std::fprintf(stderr, "decoded scenario does not parse: %s\n%s\n",
                 std::string(sc.status().message()).c_str(), toml.c_str());
    std::abort();
  }
  sim::RunOptions opt;
  opt.sample_interval = absl::Seconds(1);
  absl::StatusOr<sim::RunResult> r = sim::RunScenario(*sc, sc->seeds[0], opt);
  if (!r.ok()) {
    std::fprintf(stderr, "run failed: %s\n%s\n",
                 std::string(r.status().ToString()).c_str(), toml.c_str());
    std::abort();
  }
  const std::vector<std::string> findings = sim::JudgeFuzzRun(*r);
  if (!findings.empty()) {
    std::fprintf(stderr, "schedule fuzz finding (seed %llu):\n",
                 static_cast<unsigned long long>(r->seed));
    for (const std::string& f : findings) {
      std::fprintf(stderr, "  %s\n", f.c_str());
    }
    std::fprintf(stderr, "scenario:\n%s\n", toml.c_str());
    std::abort();
  }
  return 0;
}
