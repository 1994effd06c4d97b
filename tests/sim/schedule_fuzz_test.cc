// The schedule fuzzer's decoder and judge (sim/fuzz_world.h), and the
// findings it made, as regression tests.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/fuzz_world.h"
#include "sim/runner.h"
#include "sim/scenario.h"

namespace sim {
namespace {

TEST(FuzzWorld, EveryInputDecodesToAValidSmallScenario) {
  std::mt19937_64 rng(18);
  for (int k = 0; k < 3000; ++k) {
    std::vector<uint8_t> bytes(rng() % 160);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    const std::string toml = DecodeFuzzWorld(bytes.data(), bytes.size());
    absl::StatusOr<Scenario> sc = ParseScenario(toml, "fuzz.toml");
    ASSERT_TRUE(sc.ok()) << "input " << k << ": " << sc.status() << "\n"
                         << toml;
    EXPECT_GE(sc->size, kMinFuzzNodes);
    EXPECT_LE(sc->size, kMaxFuzzNodes);
    EXPECT_LE(sc->events.size(), static_cast<size_t>(kMaxFuzzEvents + 1));
    ASSERT_EQ(sc->seeds.size(), 1u);
  }
}

TEST(FuzzWorld, EmptyInputIsAQuietThreeNodeCluster) {
  const std::string toml = DecodeFuzzWorld(nullptr, 0);
  absl::StatusOr<Scenario> sc = ParseScenario(toml, "fuzz.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  EXPECT_EQ(sc->size, 3);
  // Only the final rejoin.
  ASSERT_EQ(sc->events.size(), 1u);
  EXPECT_EQ(sc->events[0].action, ActionKind::kRejoin);
}

TEST(FuzzWorld, DecodingIsAFunctionOfTheBytes) {
  const uint8_t bytes[] = {9, 1, 2, 0, 3, 2, 0xff, 0, 1, 0xf, 8, 4, 2, 5, 3};
  EXPECT_EQ(DecodeFuzzWorld(bytes, sizeof bytes),
            DecodeFuzzWorld(bytes, sizeof bytes));
  const uint8_t other[] = {9, 1, 2, 0, 3, 2, 0xff, 0, 1, 0xf, 8, 4, 2, 5, 4};
  EXPECT_NE(DecodeFuzzWorld(bytes, sizeof bytes),
            DecodeFuzzWorld(other, sizeof other));
}

// A finding must replay outside the fuzzer: the clang-built fuzzer and the
// gcc-built swimsim (--from-fuzz) must decode the same bytes into the same
// world. Two reads of the input in one expression (function arguments,
// operands of +) are unsequenced in C++, and clang and gcc evaluate them
// in different orders: a fuzzer finding with lognormal sigma 0.8 replayed
// in swimsim with sigma 0.9 and showed a different failure. The decoder
// reads its bytes front to back, one statement per read; this input pins
// every place that reads two or more bytes for one line of the scenario.
TEST(FuzzWorld, BytesAreReadInTheOrderTheyAppearWhateverTheCompiler) {
  const uint8_t bytes[] = {
      0,              // size 3
      1,    2,        // seed: low byte, then high byte: 1 + 1 + 2 * 256
      0,              // profile lan
      0,    0,        // probe 200 ms, timeout 40 ms
      0x08,           // knobs: the retransmit / gossip trio
      0,    1,    2,  // retransmit_mult 1, gossip_nodes 2, gossip_interval 300
      0,              // compat byte
      2,    0,    4,  // lognormal: median 200 us, then sigma 0.5
      0,              // network knobs
      1,              // one event
      0,    2,    9,  // at +0, pause, 1000 ms
      0x01, 0x00,     // subset mask: low byte, then high byte: node 0
  };
  const std::string toml = DecodeFuzzWorld(bytes, sizeof bytes);
  EXPECT_NE(toml.find("seed = 514\n"), std::string::npos) << toml;
  EXPECT_NE(toml.find("retransmit_mult = 1\ngossip_nodes = 2\n"
                      "gossip_interval = \"300ms\"\n"),
            std::string::npos)
      << toml;
  EXPECT_NE(toml.find("median = \"200us\", sigma = 0.5 }"), std::string::npos)
      << toml;
  EXPECT_NE(toml.find("action = \"pause\"\nnodes = [0]\n"), std::string::npos)
      << toml;
}

TEST(FuzzWorld, ParetoAndReorderReadTheirBytesInOrder) {
  const uint8_t bytes[] = {
      0,    0, 0, 0, 0, 0,  // size 3, seed 1, lan, 200 ms / 40 ms
      0,    0,              // no cluster knobs, compat byte
      3,    1, 3,           // pareto: scale 200 us, then alpha 1.5
      0x04, 2, 9,           // reorder 0.03, then reorder_delay 10 ms
  };
  const std::string toml = DecodeFuzzWorld(bytes, sizeof bytes);
  EXPECT_NE(toml.find("scale = \"200us\", alpha = 1.5 }"), std::string::npos)
      << toml;
  EXPECT_NE(toml.find("reorder = 0.03\nreorder_delay = \"10ms\"\n"),
            std::string::npos)
      << toml;
}

CheckerOutcome Failed(const std::string& name) {
  CheckerOutcome c;
  c.result.name = name;
  c.result.violations = 1;
  c.result.examples = {name + " example"};
  return c;
}

TEST(FuzzJudge, ExplainedFalseDeathsAndCrashDetectionAreNotFindings) {
  RunResult r;
  r.checkers.push_back(Failed("false_positives"));
  r.checkers.push_back(Failed("crash_detection"));
  FalsePositive fp;
  fp.observer = 1;
  fp.subject = 2;
  fp.causes = "subject node-2 was paused";
  r.false_positives.push_back(fp);
  EXPECT_TRUE(JudgeFuzzRun(r).empty());
}

TEST(FuzzJudge, UnexplainedDeathsAndInvariantFailuresAreFindings) {
  RunResult r;
  FalsePositive fp;
  fp.causes = "no fault in the window: unexplained";
  r.false_positives.push_back(fp);
  r.checkers.push_back(Failed("incarnation"));
  r.checkers.push_back(Failed("suspicion_bounds"));
  r.checkers.push_back(Failed("convergence"));
  const std::vector<std::string> f = JudgeFuzzRun(r);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_NE(f[0].find("incarnation"), std::string::npos);
  EXPECT_NE(f[3].find("unexplained"), std::string::npos);
}

// A finding's scenario, run at its pinned seed. Fails the test (r stays
// empty) when it does not parse or run.
void RunFinding(const char* toml, std::optional<RunResult>* r) {
  absl::StatusOr<Scenario> sc = ParseScenario(toml, "finding.toml");
  ASSERT_TRUE(sc.ok()) << sc.status();
  absl::StatusOr<RunResult> run = RunScenario(*sc, sc->seeds[0]);
  ASSERT_TRUE(run.ok()) << run.status();
  *r = *std::move(run);
}

void ExpectCheckerPassed(const RunResult& r, const std::string& name) {
  for (const CheckerOutcome& c : r.checkers) {
    if (c.result.name == name) {
      EXPECT_FALSE(c.result.failed())
          << (c.result.examples.empty() ? "" : c.result.examples[0]);
    }
  }
}

void ExpectNoUnexplainedDeath(const RunResult& r) {
  for (const FalsePositive& fp : r.false_positives) {
    EXPECT_EQ(fp.causes.find("unexplained"), std::string::npos)
        << "node-" << fp.observer << " declared node-" << fp.subject
        << " dead: " << fp.causes;
  }
}

// The fuzzer's first finding (tests/fuzz/corpus/schedule/
// restart_during_suspicion): node-6 crashes, is suspected, restarts at the
// same incarnation 1 while a partition keeps node-9 from hearing it, and
// node-9's old suspicion runs out. The suspicion_bounds checker forgot the
// suspicion at the restart and reported "declared dead without any node
// suspecting it first". A checker false alarm, fixed in sim/checkers.cc.
TEST(FuzzFindings, SuspicionFromBeforeARestartStillCountsForItsIncarnation) {
  const char* toml = R"(
name = "restart_during_suspicion"
[cluster]
size = 13
profile = "lan"
seed = 42116
duration = "14s"
join_retry = { interval = "1s", attempts = 5 }
probe_interval = "1000ms"
probe_timeout = "200ms"
suspicion_mult = 4
suspicion_max_timeout_mult = 1
retransmit_mult = 4
gossip_nodes = 3
gossip_interval = "200ms"
push_pull_interval = "19s"
disable_tcp_pings = true
[network]
latency = { kind = "pareto", floor = "200us", scale = "300us", alpha = 1.7 }
[[event]]
at = "3800ms"
action = "crash"
nodes = [6]
[[event]]
at = "6000ms"
action = "meta_update"
nodes = [1]
[[event]]
at = "6500ms"
action = "partition"
groups = [[4, 5, 6, 7, 12], [0, 1, 2, 3, 8, 9, 10, 11]]
duration = "4700ms"
[[event]]
at = "7900ms"
action = "restart"
nodes = [6]
seeds = [1]
[[event]]
at = "12200ms"
action = "rejoin"
nodes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
seeds = [0]
retry = { interval = "1s", attempts = 5 }
[checkers]
disable = ["crash_detection"]
)";
  std::optional<RunResult> r;
  ASSERT_NO_FATAL_FAILURE(RunFinding(toml, &r));
  ExpectCheckerPassed(*r, "suspicion_bounds");
  EXPECT_TRUE(JudgeFuzzRun(*r).empty());
}

// The fuzzer's fourth finding (tests/fuzz/corpus/schedule/
// death_on_a_heard_suspicion): from 3 s half the cluster has 120-240 ms
// links against an 80 ms probe timeout. node-8, whose links are fast,
// hears node-11 and others suspect node-5 and declares it dead when the
// suspicion runs out. Neither node-8 nor node-5 had a fault of its own,
// and the false_positives checker, which looked only at the accuser's and
// the subject's side, called the death "unexplained". It now names the
// faults of the nodes that suspected the subject first-hand.
TEST(FuzzFindings, DeathOnASuspicionHeardFromASlowNodeIsExplained) {
  const char* toml = R"(
name = "death_on_a_heard_suspicion"
[cluster]
size = 12
profile = "lan"
seed = 427
duration = "17s"
join_retry = { interval = "1s", attempts = 5 }
probe_interval = "200ms"
probe_timeout = "80ms"
suspicion_mult = 2
indirect_checks = 2
push_pull_interval = "3s"
disable_tcp_pings = true
[network]
latency = { kind = "lognormal", floor = "100us", median = "1200us", sigma = 0.8 }
[[event]]
at = "3000ms"
action = "latency"
latency = { kind = "uniform", min = "120ms", max = "240ms" }
nodes = [0, 2, 4, 6, 7, 11]
duration = "6700ms"
[[event]]
at = "3700ms"
action = "crash"
nodes = [9]
[[event]]
at = "3900ms"
action = "crash"
nodes = [2]
[[event]]
at = "6000ms"
action = "pause"
nodes = [4, 5, 6, 7, 9, 11]
duration = "8800ms"
[[event]]
at = "7400ms"
action = "isolate"
nodes = [0]
duration = "5300ms"
[[event]]
at = "15800ms"
action = "rejoin"
nodes = [1, 3, 4, 5, 6, 7, 8, 10, 11]
seeds = [0]
retry = { interval = "1s", attempts = 5 }
[checkers]
)";
  std::optional<RunResult> r;
  ASSERT_NO_FATAL_FAILURE(RunFinding(toml, &r));
  ASSERT_FALSE(r->false_positives.empty());
  ExpectNoUnexplainedDeath(*r);
  bool heard = false;
  for (const FalsePositive& fp : r->false_positives) {
    if (fp.causes.rfind("suspected at ", 0) == 0) heard = true;
  }
  EXPECT_TRUE(heard) << "no death was explained by a first-hand accuser";
  EXPECT_TRUE(JudgeFuzzRun(*r).empty());
}

// A later finding (tests/fuzz/corpus/schedule/paused_through_a_move):
// node-3 is paused from 4 s to 26.2 s, while node-7 leaves and comes back
// at a new address. Awake again, node-3 still holds node-7 alive at the
// old address and refuses the new one (an address conflict) until its
// probe round reaches the old address (13 s later), the suspicion there
// runs out and the dead entry is reaped 30 s after that. The convergence
// bound for a move allowed the reap but not the probe round in front of
// it; it now adds one probe interval per member.
TEST(FuzzFindings, AHolderPausedThroughAMoveConvergesWithinTheBound) {
  const char* toml = R"(
name = "paused_through_a_move"
[cluster]
size = 13
profile = "lan"
seed = 42116
duration = "29s"
join_retry = { interval = "1s", attempts = 5 }
probe_interval = "1000ms"
probe_timeout = "200ms"
suspicion_mult = 4
suspicion_max_timeout_mult = 1
retransmit_mult = 3
gossip_nodes = 3
gossip_interval = "100ms"
push_pull_interval = "2s"
disable_tcp_pings = true
[network]
latency = { kind = "uniform", min = "100us", max = "10ms" }
loss = 0.04
duplicate = 0.008
[[event]]
at = "4000ms"
action = "pause"
nodes = [0, 1, 2, 3, 4, 6, 9, 10, 11]
duration = "11500ms"
[[event]]
at = "6700ms"
action = "loss"
value = 0.26
nodes = [4, 5, 6, 8, 10]
duration = "10400ms"
[[event]]
at = "9900ms"
action = "leave"
nodes = [7]
[[event]]
at = "11700ms"
action = "restart"
nodes = [7]
seeds = [12]
address = "new"
[[event]]
at = "14700ms"
action = "pause"
nodes = [0, 1, 2, 3, 4, 6, 11]
duration = "11500ms"
[[event]]
at = "18100ms"
action = "partition"
groups = [[0, 1, 2, 3, 4, 5, 7, 9, 11], [6, 8, 10, 12]]
duration = "5300ms"
[[event]]
at = "27200ms"
action = "rejoin"
nodes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
seeds = [0]
retry = { interval = "1s", attempts = 5 }
[checkers]
disable = ["crash_detection"]
)";
  std::optional<RunResult> r;
  ASSERT_NO_FATAL_FAILURE(RunFinding(toml, &r));
  ExpectCheckerPassed(*r, "convergence");
  EXPECT_TRUE(JudgeFuzzRun(*r).empty());
}

// A later finding (tests/fuzz/corpus/schedule/
// stretched_probe_of_a_cut_off_node): node-0's packets to everyone are
// blocked (one_way) from 6 s. Every probe fails, its Lifeguard health
// score climbs, and its probe of node-8 at 8.79 s (ping dropped) is given
// 8 probe intervals (1.6 s) to conclude; the suspicion then runs 5.3 s
// and node-0 declares node-8 dead at 15.7 s. The false-death cause window
// (suspicion_max + 5 probe intervals, 6.35 s) began after the dropped ping,
// so the death was "unexplained". The window now allows Lifeguard's
// stretched probe as well.
TEST(FuzzFindings, DeathAfterALifeguardStretchedProbeIsExplained) {
  const char* toml = R"(
name = "stretched_probe_of_a_cut_off_node"
[cluster]
size = 13
profile = "lan"
seed = 42116
duration = "20s"
join_retry = { interval = "1s", attempts = 5 }
probe_interval = "200ms"
probe_timeout = "40ms"
suspicion_mult = 4
suspicion_max_timeout_mult = 6
retransmit_mult = 2
gossip_nodes = 2
gossip_interval = "100ms"
push_pull_interval = "29s"
disable_tcp_pings = true
[network]
latency = { kind = "pareto", floor = "200us", scale = "200us", alpha = 2.4 }
reorder = 0.02
reorder_delay = "3ms"
[[event]]
at = "2100ms"
action = "isolate"
nodes = [1]
duration = "4300ms"
[[event]]
at = "6000ms"
action = "one_way"
from = [0]
to = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
duration = "11900ms"
[[event]]
at = "18900ms"
action = "rejoin"
nodes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
seeds = [0]
retry = { interval = "1s", attempts = 5 }
[checkers]
disable = ["crash_detection"]
)";
  std::optional<RunResult> r;
  ASSERT_NO_FATAL_FAILURE(RunFinding(toml, &r));
  ExpectNoUnexplainedDeath(*r);
  EXPECT_TRUE(JudgeFuzzRun(*r).empty());
}

}  // namespace
}  // namespace sim
