// Deliberately planted bugs, for the simulator's negative scenarios and the
// property tests' "the law catches it" checks: the checkers must catch each
// of them. They take effect only in binaries built from the testonly
// //core:memberlist_planted_bugs (SWIM_PLANTED_BUGS defined); the production
// library ignores Config::planted_bugs entirely.
//
// Not part of the public API: nothing outside the simulator and tests
// includes this header.
#ifndef SWIM_CORE_INTERNAL_PLANTED_BUGS_H_
#define SWIM_CORE_INTERNAL_PLANTED_BUGS_H_

#include <cstdint>

namespace swim {

enum PlantedBug : uint32_t {
  kBugNone = 0,
  kBugIgnoreRefute = 1u << 0,      // never refute suspicion/death of self
  kBugSkipSuspicion = 1u << 1,     // failed probe marks dead at once
  kBugAcceptStaleAlive = 1u << 2,  // alive with equal incarnation resurrects
};

}  // namespace swim

#endif  // SWIM_CORE_INTERNAL_PLANTED_BUGS_H_
