#include "core/suspicion.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "core/check.h"

namespace swim {

namespace {

// Go's time.Duration.Seconds(): whole seconds plus the fraction, which is
// not always bit-identical to ns / 1e9.
double GoSeconds(absl::Duration d) {
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  const int64_t sec = ns / 1000000000;
  const int64_t nsec = ns % 1000000000;
  return static_cast<double>(sec) + static_cast<double>(nsec) / 1e9;
}

}  // namespace

absl::Duration RemainingSuspicionTime(int n, int k, absl::Duration elapsed,
                                      absl::Duration min, absl::Duration max) {
  SWIM_DCHECK(min <= max && n >= 0);
  absl::Duration timeout = min;
  // Go divides by ln(k+1) = 0 for k = 0 and gets +Inf or NaN, which both end
  // at `min`; say so directly instead of relying on float edge cases.
  if (k >= 1) {
    const double frac = std::log(static_cast<double>(n) + 1.0) /
                        std::log(static_cast<double>(k) + 1.0);
    const double raw =
        GoSeconds(max) - frac * (GoSeconds(max) - GoSeconds(min));
    const double ms = std::floor(1000.0 * raw);
    // Anything at or below min ends at min; also keeps the cast in range.
    if (std::isfinite(ms) && ms > absl::ToDoubleMilliseconds(min) &&
        ms < 9.0e15) {
      timeout = absl::Milliseconds(static_cast<int64_t>(ms));
    }
    if (timeout < min) timeout = min;
  }
  SWIM_DCHECK(timeout >= min &&
              timeout <= max);  // confirmations only shorten it
  return timeout - elapsed;
}

Suspicion::Suspicion(Env* env, std::string from, int k, absl::Duration min,
                     absl::Duration max,
                     std::function<void(int confirmations)> on_timeout)
    : env_(env),
      k_(k),
      min_(min),
      max_(max),
      token_(std::make_shared<Token>(Token{this, 0})),
      on_timeout_(std::move(on_timeout)) {
  SWIM_CHECK(env != nullptr);
  SWIM_DCHECK(min <= max);
  seen_.insert(std::move(from));
  // Like Go, start the timer first and take the start time right after, so
  // any gap errs on the side of a longer timeout (none in practice: the Env
  // clock does not move during a call).
  Arm(k < 1 ? min : max);
  start_ = env_->Now();
  SWIM_DCHECK(timer_ != 0 && !fired_);
}

Suspicion::~Suspicion() {
  token_->self = nullptr;
  if (timer_ != 0 && !fired_) env_->Cancel(timer_);
}

void Suspicion::Arm(absl::Duration delay) {
  SWIM_DCHECK(delay >= absl::ZeroDuration() && delay <= max_);
  SWIM_DCHECK(!fired_ && token_ != nullptr && token_->self == this);
  const uint64_t generation = ++token_->generation;
  std::weak_ptr<Token> weak = token_;
  timer_ = env_->Schedule(delay, "suspicion", [weak, generation] {
    std::shared_ptr<Token> token = weak.lock();
    if (token == nullptr || token->self == nullptr ||
        token->generation != generation) {
      return;  // owner destroyed, or this timer was replaced
    }
    token->self->Fire();
  });
  SWIM_DCHECK(timer_ != 0);  // env.h: 0 is never a valid id
}

void Suspicion::Fire() {
  if (fired_) return;
  SWIM_DCHECK(token_->self == this && on_timeout_ != nullptr);
  SWIM_DCHECK(n_ <= k_ || k_ < 1);
  fired_ = true;
  timer_ = 0;
  // on_timeout may destroy *this (the state machine drops its suspicion
  // entry when the node is declared dead), so move the callback out first
  // and touch no member afterwards.
  std::function<void(int)> fn = std::move(on_timeout_);
  const int n = n_;
  fn(n);
}

bool Suspicion::Confirm(const std::string& from) {
  if (n_ >= k_) return false;
  if (!seen_.insert(from).second) return false;
  ++n_;
  SWIM_DCHECK(n_ >= 1 && k_ >= 1);
  SWIM_DCHECK(n_ <= k_ && static_cast<size_t>(n_) + 1 == seen_.size());
  if (!fired_) {
    const absl::Duration remaining =
        RemainingSuspicionTime(n_, k_, env_->Now() - start_, min_, max_);
    env_->Cancel(timer_);  // a lost race is harmless: the generation moves on
    Arm(remaining > absl::ZeroDuration() ? remaining : absl::ZeroDuration());
    SWIM_DCHECK(timer_ != 0 && !fired_);
  }
  return true;
}

}  // namespace swim
