// sim::TomlReader: typed reads of scenario TOML nodes with "file:line:col"
// errors. Shared by the scenario parser (sim/scenario.cc) and the actions
// (sim/actions/*.cc), each of which parses its own [[event]] keys.
//
// Internal to the scenario stack. Thread-compatible.
#ifndef SWIM_SIM_SCENARIO_TOML_H_
#define SWIM_SIM_SCENARIO_TOML_H_

#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "sim/network.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sim {

class TomlReader {
 public:
  explicit TomlReader(std::string path) : path_(std::move(path)) {}

  // "path:line:col: msg" as InvalidArgument.
  absl::Status Err(const toml::source_region& src,
                   const std::string& msg) const;
  absl::Status Err(const toml::node& n, const std::string& msg) const {
    return Err(n.source(), msg);
  }

  absl::StatusOr<int64_t> Int(const toml::node& n,
                              const std::string& key) const;
  // An integer in [lo, hi]; the error names the range.
  absl::StatusOr<int64_t> IntIn(const toml::node& n, const std::string& key,
                                int64_t lo, int64_t hi) const;
  absl::StatusOr<double> Num(const toml::node& n, const std::string& key) const;
  absl::StatusOr<bool> Bool(const toml::node& n, const std::string& key) const;
  absl::StatusOr<std::string> Str(const toml::node& n,
                                  const std::string& key) const;
  absl::StatusOr<absl::Duration> Dur(const toml::node& n,
                                     const std::string& key) const;
  absl::StatusOr<double> Prob(const toml::node& n,
                              const std::string& key) const;
  // A node index list (or a single integer). Each index must be in
  // [0, kMaxNodeIndex].
  absl::StatusOr<std::vector<int>> IntList(const toml::node& n,
                                           const std::string& key) const;

  const std::string& path() const { return path_; }
  std::string where() const { return path_.empty() ? "<scenario>" : path_; }

 private:
  std::string path_;
};

// A latency model: a duration string (fixed) or a table with `kind`.
absl::StatusOr<LatencyModel> ParseLatencyModel(const TomlReader& r,
                                               const toml::node& n);

// Largest node index a scenario may name.
inline constexpr int64_t kMaxNodeIndex = 99'999;
// What a scenario may cost: every node keeps a table entry for every other
// and the monitor a view cell per pair, about kBytesPerPair bytes in all;
// a scenario whose largest cluster needs more than kMemoryBudget is
// rejected before it runs (that is about 3,600 nodes).
inline constexpr int64_t kBytesPerPair = 320;
inline constexpr int64_t kMemoryBudget = int64_t{4} << 30;
// Longest virtual run.
inline constexpr absl::Duration kMaxRunDuration = absl::Hours(24);

}  // namespace sim

// Assigns the value of a StatusOr expression or returns its status.
#define SWIM_TOML_ASSIGN(lhs, expr)   \
  do {                                \
    auto _r = (expr);                 \
    if (!_r.ok()) return _r.status(); \
    lhs = *_r;                        \
  } while (0)

#endif  // SWIM_SIM_SCENARIO_TOML_H_
