#include "core/cover.h"

namespace swim::cover {

std::atomic<uint64_t> g_hits[kNumMarks];

#if defined(SWIM_FUZZING) && SWIM_FUZZING
// libFuzzer reads this section after every input as extra coverage (and
// clears it before the next): a rare path reached counts as new coverage.
__attribute__((used, section("__libfuzzer_extra_counters")))
uint8_t g_fuzz_counters[kNumMarks];
#endif

uint64_t Hits(int index) {
  return g_hits[index].load(std::memory_order_relaxed);
}

void ResetHits() {
  for (std::atomic<uint64_t>& h : g_hits) h.store(0, std::memory_order_relaxed);
}

}  // namespace swim::cover
