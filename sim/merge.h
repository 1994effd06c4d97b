// Merging swimsim JSON reports (`swimsim merge a.json b.json ...`): the
// reports of shards that each ran part of one seed sweep become the report
// of a single run over all their seeds.
//
// Every input must come from the same scenario text (its "scenario_source")
// and, when the reports name one, the same swimsim binary ("binary", a
// fingerprint of the executable): a different binary may produce different
// traces for the same seed, so its runs cannot be pooled. Seeds may appear
// in one input only. The merged runs are ordered by seed, which is the
// order a single run over the sorted seeds reports them in.
#ifndef SWIM_SIM_MERGE_H_
#define SWIM_SIM_MERGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/runner.h"
#include "sim/scenario.h"

#include "absl/status/statusor.h"

namespace sim {

// One run of a JSON report (JsonReport's "runs" element) back into a
// RunResult; InvalidArgument naming the missing or malformed field.
absl::StatusOr<RunResult> RunFromJson(const nlohmann::json& run);

struct MergedReport {
  Scenario scenario;            // parsed from the inputs' scenario_source
  std::vector<RunResult> runs;  // by seed
  std::string binary;  // the inputs' common "binary" ("" if none named one)
};

// `reports[i]` was read from `names[i]` (used in error messages).
absl::StatusOr<MergedReport> MergeReports(
    const std::vector<nlohmann::json>& reports,
    const std::vector<std::string>& names);

// A fingerprint of the running executable (/proc/self/exe): 16 hex digits.
// "" if it cannot be read.
std::string BinaryFingerprint();

}  // namespace sim

#endif  // SWIM_SIM_MERGE_H_
