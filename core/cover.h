// Coverage marks: SWIM_COVER("name") records that a rare protocol path ran.
//
// The registry below (SWIM_COVER_MARKS) lists every mark with one line on
// what it means; SWIM_COVER with a name not in it does not compile. A mark
// only counts (a relaxed atomic add on a per-process table); nothing ever
// reads the table back into behaviour, so marks cannot change a trace hash,
// and they are safe from any thread. Readers:
//   - tests/sim:coverage_marks_test: every mark is reached by some shipped
//     scenario or targeted world (a mark nobody reaches fails, by name);
//   - the schedule fuzzer (tests/fuzz/schedule_fuzz.cc): in --config=fuzz
//     builds each hit also bumps a byte in libFuzzer's extra-counters
//     section, so inputs that reach a rare path are kept and mutated;
//   - swimsim --cover: prints the marks a sweep reached.
//
// Adding a mark: one line in SWIM_COVER_MARKS, one SWIM_COVER at the path,
// and a scenario or targeted world in coverage_marks_test that reaches it.
#ifndef SWIM_CORE_COVER_H_
#define SWIM_CORE_COVER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

// X(name, what it means)
#define SWIM_COVER_MARKS(X)                                                  \
  X("refute_alive", "an alive about us that differs from ours is refuted")   \
  X("refute_suspect", "a suspicion of us is refuted")                        \
  X("refute_dead", "a death of us (not our own leave) is refuted")           \
  X("refute_stale_incarnation",                                              \
    "the accusation is at or past our counter (we restarted or were "        \
    "outbid): the refutation jumps past it")                                 \
  X("alive_clears_suspicion", "an alive ends our suspicion of a peer")       \
  X("alive_revives_dead", "an alive brings a peer we hold dead back")        \
  X("reclaim_dead_name",                                                     \
    "a long-dead name comes back at a new address and is accepted")          \
  X("reclaim_left_name", "a left name comes back at a new address")          \
  X("address_conflict", "a live name is claimed from a second address")      \
  X("suspicion_confirmed", "an independent peer confirms our suspicion")     \
  X("suspicion_confirmed_by_suspect",                                        \
    "the confirming peer is itself suspect in our table")                    \
  X("suspicion_timeout_dead", "a suspicion runs out: the peer is dead")      \
  X("suspicion_timeout_accelerated",                                         \
    "a suspicion runs out after all k confirmations (shortest timeout)")     \
  X("leave_accepted", "a peer's own leave announcement is accepted")         \
  X("merge_remote_dead_as_suspect",                                          \
    "a push/pull names a peer dead or suspect: we only suspect it")          \
  X("reaped_name_kept_dead",                                                 \
    "a push/pull hands back a name we reaped: it is kept dead")              \
  X("reap_dead_member", "a dead member is dropped after gossip_to_the_dead") \
  X("buddy_suspect_ping", "a probe of a suspect carries its suspicion")      \
  X("probe_interval_scaled", "awareness stretches the probe interval")       \
  X("probe_tick_deferred", "a probe tick arrives while a probe still runs")  \
  X("ack_after_deadline", "an ack arrives after its handler is gone")        \
  X("indirect_probe_relayed", "we relay a peer's ack for an indirect ping")  \
  X("nack_sent", "as relay, we answer an indirect ping with a nack")         \
  X("nack_received", "a relay's nack reaches our probe")                     \
  X("probe_missing_nacks",                                                   \
    "a probe fails with fewer nacks than relays asked (we may be slow)")     \
  X("tcp_fallback_ping", "a failing probe also tries the TCP ping")          \
  X("tcp_fallback_rescued",                                                  \
    "only the TCP ping reached the target: the probe counts as success")     \
  X("push_pull_failed", "a periodic push/pull gets no usable answer")        \
  X("join_failed", "a join reaches none of its seeds")                       \
  X("join_catch_up", "a joiner still learning pulls from a random member")

namespace swim::cover {

inline constexpr std::string_view kMarkNames[] = {
#define SWIM_COVER_NAME_(name, what) name,
    SWIM_COVER_MARKS(SWIM_COVER_NAME_)
#undef SWIM_COVER_NAME_
};
inline constexpr std::string_view kMarkDescriptions[] = {
#define SWIM_COVER_WHAT_(name, what) what,
    SWIM_COVER_MARKS(SWIM_COVER_WHAT_)
#undef SWIM_COVER_WHAT_
};
inline constexpr int kNumMarks =
    static_cast<int>(sizeof(kMarkNames) / sizeof(kMarkNames[0]));

// Never defined: reached only (at compile time) for an unknown mark name,
// where calling it makes SWIM_COVER fail to compile.
void UnknownMarkName_AddItToSwimCoverMarks();

// Index of `name` in the registry; not a constant expression (so a compile
// error inside SWIM_COVER) when the name is unknown.
consteval int MarkIndex(std::string_view name) {
  for (int i = 0; i < kNumMarks; ++i) {
    if (kMarkNames[i] == name) return i;
  }
  UnknownMarkName_AddItToSwimCoverMarks();
  return -1;
}

// Per-process hit counts (defined in cover.cc). Written with relaxed adds,
// read only by tests and tools.
extern std::atomic<uint64_t> g_hits[];
#if defined(SWIM_FUZZING) && SWIM_FUZZING
// libFuzzer's extra counters (cover.cc): one byte per mark.
extern uint8_t g_fuzz_counters[];
#endif

inline void Hit(int index) {
  g_hits[index].fetch_add(1, std::memory_order_relaxed);
#if defined(SWIM_FUZZING) && SWIM_FUZZING
  __atomic_fetch_add(&g_fuzz_counters[index], 1, __ATOMIC_RELAXED);
#endif
}

// Hits so far of mark `index`, and all of them reset to 0 (tests, tools).
uint64_t Hits(int index);
void ResetHits();

}  // namespace swim::cover

#define SWIM_COVER(name)                                              \
  do {                                                                \
    constexpr int swim_cover_index_ = ::swim::cover::MarkIndex(name); \
    ::swim::cover::Hit(swim_cover_index_);                            \
  } while (0)

// SWIM_COVER when `cond` holds (cond must have no side effects).
#define SWIM_COVER_IF(cond, name) \
  do {                            \
    if (cond) SWIM_COVER(name);   \
  } while (0)

#endif  // SWIM_CORE_COVER_H_
