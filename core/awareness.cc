#include "core/awareness.h"

#include "core/check.h"
#include "core/metric_names.h"

namespace swim {

Awareness::Awareness(int max_multiplier, Metrics* metrics)
    : max_(max_multiplier), metrics_(metrics) {
  SWIM_CHECK(max_multiplier >= 1);
}

void Awareness::ApplyDelta(int delta) {
  const int initial = score_;
  // Widen so that extreme deltas cannot overflow before clamping.
  long long next = static_cast<long long>(score_) + delta;
  if (next < 0) {
    next = 0;
  } else if (next > max_ - 1) {
    next = max_ - 1;
  }
  score_ = static_cast<int>(next);
  SWIM_DCHECK(score_ >= 0 && score_ < max_);
  // The score moves towards the delta's sign, or stays at a rail.
  SWIM_DCHECK(delta >= 0 ? score_ >= initial : score_ <= initial);
  if (score_ != initial && metrics_ != nullptr) {
    metrics_->SetGauge(metric::kHealthScore, score_);
  }
  if (score_ != initial && observer_) observer_(score_);
}

}  // namespace swim
