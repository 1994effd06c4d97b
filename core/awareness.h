// Awareness: Lifeguard's local health score (memberlist awareness.go,
// protocol.md §6.3).
//
// The score estimates how well *this* node keeps up with the soft real-time
// demands of failure detection. 0 is healthy; every missed ack or refutation
// raises it, every successful probe lowers it. The probe deadline is scaled
// by (score + 1), so an overloaded node slows down instead of accusing its
// healthy peers.
//
// Thread-safety: none. Used from the core's one thread only.
#ifndef SWIM_CORE_AWARENESS_H_
#define SWIM_CORE_AWARENESS_H_

#include <functional>
#include <utility>

#include "core/metrics.h"

#include "absl/time/time.h"

namespace swim {

class Awareness {
 public:
  // The score is kept in [0, max_multiplier - 1] (memberlist's
  // AwarenessMaxMultiplier; 8 by default). If `metrics` is non-null, the
  // gauge "memberlist.health.score" is set whenever the score changes;
  // *metrics must outlive this object.
  // REQUIRES: max_multiplier >= 1.
  explicit Awareness(int max_multiplier, Metrics* metrics = nullptr);

  // Adds `delta` to the score and clamps it to [0, max - 1]. A delta that
  // pushes against a rail leaves the score at the rail.
  void ApplyDelta(int delta);

  // The current score, in [0, max - 1].
  int GetHealthScore() const { return score_; }

  // Called with the score now and again each time it changes, on the
  // core's thread (net/ publishes it for GetHealthScore on any thread).
  void SetObserver(std::function<void(int)> observer) {
    observer_ = std::move(observer);
    if (observer_) observer_(score_);
  }

  // timeout * (score + 1).
  absl::Duration ScaleTimeout(absl::Duration timeout) const {
    return timeout * (score_ + 1);
  }

 private:
  int max_;
  int score_ = 0;
  Metrics* metrics_;
  std::function<void(int)> observer_;
};

}  // namespace swim

#endif  // SWIM_CORE_AWARENESS_H_
