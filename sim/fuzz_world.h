// sim::DecodeFuzzWorld: the schedule fuzzer's input format. Any byte string
// decodes into a small, valid scenario (TOML text, so a finding can be
// written out, run by swimsim and shrunk like any scenario file):
//
//   - a cluster of 3..16 nodes, one world seed, a config profile (lan, wan,
//     local) with perturbed intervals and multipliers (probe interval and
//     timeout, suspicion multipliers, indirect checks, retransmit and gossip
//     fan-out, push/pull interval, gossip-to-the-dead time, reclaim time,
//     TCP pings on or off) and a compat hook (FuzzCompatKnob);
//   - a network model (latency kind and scale, a little base loss,
//     duplication, reordering, stream resets);
//   - up to kMaxFuzzEvents faults in the first ~30 s: crash, restart
//     (at the same address or, for odd kind / 11, at a new one), pause,
//     partition, one-way block, isolation, loss, latency, leave, rejoin,
//     meta update. Every timed fault carries its own end. The
//     decoder tracks which nodes are running, crashed or gone so every
//     action is legal (a restart names a stopped node, ...);
//   - then, 1 s after the last fault ends, every running node rejoins the
//     lowest running node (what Serf's reconnect does: memberlist alone
//     never re-merges two sides that declared each other dead), and the
//     run lasts until the convergence checker has its answer.
//
// Bytes are read in order; a short input reads zeros past its end, so every
// prefix is an input too (libFuzzer's mutations stay meaningful).
//
// JudgeFuzzRun names what in a run is a finding (not an expected
// consequence of the faults): an incarnation or suspicion_bounds
// violation, no convergence within the checker's bound after the final
// rejoin, or a false death whose causes are "unexplained". Crashes and
// SWIM_CHECK / SWIM_SIM_ASSERT failures abort the process by themselves.
//
// Thread-compatible; pure functions.
#ifndef SWIM_SIM_FUZZ_WORLD_H_
#define SWIM_SIM_FUZZ_WORLD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/runner.h"

namespace sim {

inline constexpr int kMaxFuzzEvents = 10;
inline constexpr int kMinFuzzNodes = 3;
inline constexpr int kMaxFuzzNodes = 16;

// The scenario `data` decodes to (always parses; see the header comment).
std::string DecodeFuzzWorld(const uint8_t* data, size_t size);

// The findings in one run of a decoded world; empty: nothing wrong.
std::vector<std::string> JudgeFuzzRun(const RunResult& r);

}  // namespace sim

#endif  // SWIM_SIM_FUZZ_WORLD_H_
