// Suspicion: Lifeguard's suspicion timer (memberlist suspicion.go,
// protocol.md §6.4).
//
// When a node is suspected, a timer starts at `max`. Every independent peer
// that also suspects the node (a "confirmation") shortens the total timeout
// along a logarithmic curve, reaching `min` after k confirmations. The
// original accuser is pre-counted and never confirms (our own suspicion
// gossiped back to us is not evidence).
//
// Threading: core thread only. The timer runs through Env::Schedule, and
// on_timeout is always called from a timer callback, never from inside
// Confirm() (a confirmation that brings the deadline into the past schedules
// an immediate timer instead, like Go's `go s.timeoutFn()`).
#ifndef SWIM_CORE_SUSPICION_H_
#define SWIM_CORE_SUSPICION_H_

#include <functional>
#include <memory>
#include <string>

#include "core/env.h"
#include "core/time.h"

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"

namespace swim {

class Suspicion {
 public:
  // Starts the timer at `max` (or at `min` if k < 1) from env->Now(). `from`
  // is the original accuser: pre-counted, it can never confirm. When the
  // timer fires, on_timeout(confirmations) runs exactly once, from a timer
  // callback, and never after this object is destroyed. on_timeout may
  // destroy this Suspicion.
  // REQUIRES: env outlives this object; min <= max.
  Suspicion(Env* env, std::string from, int k, absl::Duration min,
            absl::Duration max,
            std::function<void(int confirmations)> on_timeout);

  // Cancels the pending timer. A timer callback that was already due (a
  // cancel that lost a race) finds the object gone and does nothing.
  ~Suspicion();

  Suspicion(const Suspicion&) = delete;
  Suspicion& operator=(const Suspicion&) = delete;

  // Registers that `from` also suspects the node. Returns true if this was
  // new information: fewer than k confirmations so far and `from` has not
  // been counted before (the original accuser counts as seen). Then the
  // timer is moved to RemainingSuspicionTime(...) from start(); if that is
  // <= 0 it fires as soon as possible (but not inside this call). After the
  // timer has fired, new confirmations are still counted and return true,
  // but nothing fires again.
  bool Confirm(const std::string& from);

  // Number of confirmations counted so far (not counting `from`).
  int confirmations() const { return n_; }
  // When the timer started (env->Now() at construction).
  Instant start() const { return start_; }
  // True once on_timeout has been called.
  bool fired() const { return fired_; }

 private:
  // Liveness token shared with scheduled callbacks: the callback holds a
  // weak reference and a generation number, so a callback for a timer that
  // was replaced or whose owner is gone does nothing.
  struct Token {
    Suspicion* self;
    uint64_t generation = 0;
  };

  void Arm(absl::Duration delay);
  void Fire();

  Env* env_;
  int k_;
  absl::Duration min_;
  absl::Duration max_;
  int n_ = 0;
  bool fired_ = false;
  Instant start_;
  TimerId timer_ = 0;
  std::shared_ptr<Token> token_;
  std::function<void(int)> on_timeout_;
  // Everyone who has accused or confirmed; membership tests only.
  absl::flat_hash_set<std::string> seen_;
};

// The time left before a suspicion with n of k confirmations should fire,
// `elapsed` after it started:
//   timeout(n) = max - (ln(n + 1) / ln(k + 1)) * (max - min),
// floored to whole milliseconds and never below min; the result is
// timeout(n) - elapsed and may be negative (fire at once). k < 1 gives
// min - elapsed. Computed in float64 seconds exactly as Go computes it.
absl::Duration RemainingSuspicionTime(int n, int k, absl::Duration elapsed,
                                      absl::Duration min, absl::Duration max);

}  // namespace swim

#endif  // SWIM_CORE_SUSPICION_H_
