// Status propagation macros. Abseil 20220623 (Debian's) has neither
// ABSL_RETURN_IF_ERROR nor ABSL_ASSIGN_OR_RETURN, so we keep our own.
#ifndef SWIM_CORE_STATUS_MACROS_H_
#define SWIM_CORE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SWIM_STATUS_CONCAT_INNER(a, b) a##b
#define SWIM_STATUS_CONCAT(a, b) SWIM_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function
// if it is not OK.
#define SWIM_RETURN_IF_ERROR(expr)                                    \
  do {                                                                \
    ::absl::Status swim_status_ = (expr);                             \
    if (__builtin_expect(!swim_status_.ok(), 0)) return swim_status_; \
  } while (0)

// `SWIM_ASSIGN_OR_RETURN(auto x, F())` or `SWIM_ASSIGN_OR_RETURN(x, F())`:
// evaluates an absl::StatusOr<T>; on error returns its status, else moves the
// value into the left-hand side.
#define SWIM_ASSIGN_OR_RETURN(lhs, expr)                                   \
  SWIM_ASSIGN_OR_RETURN_IMPL(SWIM_STATUS_CONCAT(swim_statusor_, __LINE__), \
                             lhs, expr)

#define SWIM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)         \
  auto tmp = (expr);                                       \
  if (__builtin_expect(!tmp.ok(), 0)) return tmp.status(); \
  lhs = std::move(tmp).value()

#endif  // SWIM_CORE_STATUS_MACROS_H_
