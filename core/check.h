// Assertions, in three strengths.
//
//   SWIM_CHECK(cond)      always on. For anything whose failure would corrupt
//                         membership (our own incarnation going backwards, a
//                         table index out of range). Aborts with file:line.
//   SWIM_DCHECK(cond)     debug and simulator builds (off under NDEBUG).
//   SWIM_SIM_ASSERT(cond) only with --config=sim (SWIM_SIM_ASSERTS=1): costly
//                         whole-table checks run after every handler.
//
// Never use any of these on input from the network: hostile input is
// answered with a Status and a counter, not an assertion.
#ifndef SWIM_CORE_CHECK_H_
#define SWIM_CORE_CHECK_H_

#include <cstdio>
#include <cstdlib>

namespace swim::internal {
[[noreturn]] inline void CheckFailed(const char* file, int line,
                                     const char* expr) {
  std::fprintf(stderr, "%s:%d: SWIM_CHECK failed: %s\n", file, line, expr);
  std::fflush(stderr);
  std::abort();
}
}  // namespace swim::internal

#define SWIM_CHECK(cond)                                        \
  do {                                                          \
    if (__builtin_expect(!(cond), 0))                           \
      ::swim::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (0)

#ifdef NDEBUG
#define SWIM_DCHECK(cond)    \
  do {                       \
    if (false) (void)(cond); \
  } while (0)
#else
#define SWIM_DCHECK(cond) SWIM_CHECK(cond)
#endif

#if defined(SWIM_SIM_ASSERTS) && SWIM_SIM_ASSERTS
#define SWIM_SIM_ASSERT(cond) SWIM_CHECK(cond)
#define SWIM_SIM_ASSERTS_ENABLED 1
#else
#define SWIM_SIM_ASSERT(cond) \
  do {                        \
    if (false) (void)(cond);  \
  } while (0)
#define SWIM_SIM_ASSERTS_ENABLED 0
#endif

#endif  // SWIM_CORE_CHECK_H_
