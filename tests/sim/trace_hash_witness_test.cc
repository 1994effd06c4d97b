// The witness of behaviour-preserving changes: every shipped scenario, seeds
// 1..5, must give exactly the trace hash recorded in
// tests/sim/testdata/trace_hashes.txt. A refactor that changes no behaviour
// leaves this table alone; a change that alters behaviour on purpose
// regenerates it (see below) and says why in its commit message.
//
// Regenerate:
//   SWIM_TRACE_HASHES_OUT=/tmp/h.txt
//   bazel-bin/tests/sim/trace_hash_witness_test (or
//   --test_env=SWIM_TRACE_HASHES_OUT=... through bazel test), then copy the
//   file over tests/sim/testdata/trace_hashes.txt.
//
// churn_1000 (1,000 nodes) is covered only when SWIM_TRACE_HASHES_LARGE=1
// (the manual target trace_hash_witness_large_test): it takes minutes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sim/runner.h"
#include "sim/scenario.h"

namespace sim {
namespace {

constexpr const char* kTable = "tests/sim/testdata/trace_hashes.txt";

struct Key {
  std::string scenario;
  uint64_t seed;
  bool operator<(const Key& o) const {
    return std::tie(scenario, seed) < std::tie(o.scenario, o.seed);
  }
};

std::map<Key, uint64_t> ReadTable() {
  std::map<Key, uint64_t> out;
  std::ifstream in(kTable);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name, hex;
    uint64_t seed = 0;
    ls >> name >> seed >> hex;
    out[Key{name, seed}] = std::strtoull(hex.c_str(), nullptr, 16);
  }
  return out;
}

bool Large() {
  const char* v = std::getenv("SWIM_TRACE_HASHES_LARGE");
  return v != nullptr && std::string(v) == "1";
}

std::vector<std::string> Scenarios() {
  std::vector<std::string> s = {
      "asymmetric_partition", "crash_detection", "lossy_links",     "mass_join",
      "pause_storm",          "quickstart",      "refute_slow_node"};
  if (Large()) s.push_back("churn_1000");
  return s;
}

TEST(TraceHashWitness, ShippedScenariosSeedsOneToFiveUnchanged) {
  const std::map<Key, uint64_t> want = ReadTable();
  std::string table;
  int compared = 0;
  for (const std::string& name : Scenarios()) {
    absl::StatusOr<Scenario> sc = LoadScenario("scenarios/" + name + ".toml");
    ASSERT_TRUE(sc.ok()) << sc.status();
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      absl::StatusOr<RunResult> r = RunScenario(*sc, seed);
      ASSERT_TRUE(r.ok()) << name << " seed " << seed << ": " << r.status();
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s %llu %016llx\n", name.c_str(),
                    static_cast<unsigned long long>(seed),
                    static_cast<unsigned long long>(r->trace_hash));
      table += buf;
      auto it = want.find(Key{name, seed});
      if (it == want.end()) {
        ADD_FAILURE() << "no recorded hash for " << name << " seed " << seed;
        continue;
      }
      ++compared;
      EXPECT_EQ(it->second, r->trace_hash)
          << name << " seed " << seed << ": trace hash changed (recorded "
          << std::hex << it->second << ", now " << r->trace_hash
          << "); replay with swimsim --scenario scenarios/" << name
          << ".toml --seed " << std::dec << seed << " --trace";
    }
  }
  if (const char* out = std::getenv("SWIM_TRACE_HASHES_OUT")) {
    std::ofstream f(out);
    f << "# scenario seed trace_hash (tests/sim/trace_hash_witness_test.cc)\n"
      << table;
  }
  EXPECT_EQ(compared, static_cast<int>(Scenarios().size()) * 5);
}

}  // namespace
}  // namespace sim
