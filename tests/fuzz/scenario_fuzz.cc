// libFuzzer target: scenario files. The TOML parser and the validator must
// turn any input into a Scenario or an InvalidArgument error that names a
// position ("fuzz.toml:LINE:COL: ..."), never crash, hang or allocate
// without bound; a scenario that parses and is small (at most 8 nodes, 20 s
// of virtual time, 16 events, no hostile peer) is then run for one seed,
// which must not crash either.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/runner.h"
#include "sim/scenario.h"

#include "absl/strings/match.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<sim::Scenario> sc = sim::ParseScenario(text, "fuzz.toml");
  if (!sc.ok()) {
    if (sc.status().code() != absl::StatusCode::kInvalidArgument ||
        !absl::StartsWith(sc.status().message(), "fuzz.toml:")) {
      std::fprintf(stderr, "bad error: %s\n",
                   std::string(sc.status().ToString()).c_str());
      std::abort();
    }
    return 0;
  }
  if (sc->max_nodes() > 8 || sc->duration > absl::Seconds(20) ||
      sc->events.size() > 16 || sc->planted_bugs != 0) {
    return 0;
  }
  // Hostile peers send thousands of messages a second by design; their
  // runs belong to tests/sim:hostile_test, not to a fuzz iteration.
  for (const sim::ScheduledEvent& e : sc->events) {
    if (e.action == sim::ActionKind::kHostile) return 0;
  }
  sim::RunOptions opt;
  opt.sample_interval = absl::Seconds(1);
  absl::StatusOr<sim::RunResult> r = sim::RunScenario(*sc, sc->seeds[0], opt);
  if (!r.ok()) {
    std::fprintf(stderr, "run failed: %s\n",
                 std::string(r.status().ToString()).c_str());
    std::abort();
  }
  return 0;
}
