#include "sim/network.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/check.h"

namespace sim {
namespace {

// Standard normal via Box-Muller on two uniforms from our own Rng.
double StandardNormal(swim::Rng& rng) {
  double u1 = rng.UniformDouble();
  if (u1 < 1e-300) u1 = 1e-300;  // log(0)
  const double u2 = rng.UniformDouble();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

absl::Duration FromSecondsClamped(double s, absl::Duration cap) {
  if (!(s > 0)) return absl::ZeroDuration();  // also NaN
  if (s > absl::ToDoubleSeconds(cap)) return cap;
  return absl::Nanoseconds(static_cast<int64_t>(s * 1e9));
}

}  // namespace

LatencyModel LatencyModel::Fixed(absl::Duration d) {
  LatencyModel m;
  m.kind = Kind::kFixed;
  m.base = d;
  return m;
}

LatencyModel LatencyModel::Uniform(absl::Duration lo, absl::Duration hi) {
  LatencyModel m;
  m.kind = Kind::kUniform;
  m.base = lo;
  m.spread = hi - lo;
  return m;
}

LatencyModel LatencyModel::Normal(absl::Duration mean, absl::Duration sd,
                                  absl::Duration floor) {
  LatencyModel m;
  m.kind = Kind::kNormal;
  m.base = mean;
  m.spread = sd;
  m.floor = floor;
  return m;
}

LatencyModel LatencyModel::LogNormal(absl::Duration floor,
                                     absl::Duration median, double sigma) {
  LatencyModel m;
  m.kind = Kind::kLogNormal;
  m.floor = floor;
  m.base = median;
  m.shape = sigma;
  return m;
}

LatencyModel LatencyModel::Pareto(absl::Duration floor, absl::Duration scale,
                                  double alpha) {
  LatencyModel m;
  m.kind = Kind::kPareto;
  m.floor = floor;
  m.base = scale;
  m.shape = alpha;
  return m;
}

absl::Duration LatencyModel::Sample(swim::Rng& rng) const {
  switch (kind) {
    case Kind::kFixed:
      return base;
    case Kind::kUniform: {
      const int64_t span = absl::ToInt64Nanoseconds(spread);
      if (span <= 0) return base;
      return base + absl::Nanoseconds(rng.UniformRange(0, span));
    }
    case Kind::kNormal: {
      const double s = absl::ToDoubleSeconds(base) +
                       StandardNormal(rng) * absl::ToDoubleSeconds(spread);
      const absl::Duration d = FromSecondsClamped(s, cap);
      return d < floor ? floor : d;
    }
    case Kind::kLogNormal: {
      const double median = absl::ToDoubleSeconds(base);
      if (median <= 0) return floor;
      const double s = std::exp(std::log(median) + shape * StandardNormal(rng));
      return floor + FromSecondsClamped(s, cap);
    }
    case Kind::kPareto: {
      double u = rng.UniformDouble();
      if (u < 1e-300) u = 1e-300;
      const double alpha = shape > 0 ? shape : 1.0;
      const double s = absl::ToDoubleSeconds(base) * std::pow(u, -1.0 / alpha);
      return floor + FromSecondsClamped(s, cap);
    }
  }
  return base;
}

void Network::AddNode() {
  bw_.emplace_back();
  group_.push_back(0);
  isolated_.push_back(false);
  for (OneWay& r : one_way_) {
    r.from.push_back(false);
    r.to.push_back(false);
  }
}

void Network::SetLink(NodeId from, NodeId to, const LinkParams& p) {
  links_[Key(from, to)] = p;
}

void Network::SetLinkBoth(NodeId a, NodeId b, const LinkParams& p) {
  SetLink(a, b, p);
  SetLink(b, a, p);
}

void Network::SetBandwidth(NodeId node, const BandwidthLimit& limit) {
  SWIM_CHECK(node < bw_.size());
  bw_[node] = limit;
}

void Network::Partition(const std::vector<std::vector<NodeId>>& groups) {
  std::fill(group_.begin(), group_.end(), 0);
  for (size_t g = 0; g < groups.size(); ++g) {
    for (NodeId n : groups[g]) {
      SWIM_CHECK(n < group_.size());
      group_[n] = static_cast<uint32_t>(g + 1);
    }
  }
  Recompute();
}

void Network::SplitBrain() {
  const size_t n = group_.size();
  for (size_t i = 0; i < n; ++i) group_[i] = i < n / 2 ? 1 : 2;
  Recompute();
}

void Network::Isolate(NodeId node) {
  SWIM_CHECK(node < isolated_.size());
  isolated_[node] = true;
  Recompute();
}

void Network::Unisolate(NodeId node) {
  SWIM_CHECK(node < isolated_.size());
  isolated_[node] = false;
  Recompute();
}

void Network::BlockOneWay(const std::vector<NodeId>& from,
                          const std::vector<NodeId>& to) {
  OneWay r;
  r.from.assign(group_.size(), false);
  r.to.assign(group_.size(), false);
  for (NodeId n : from) {
    SWIM_CHECK(n < group_.size());
    r.from[n] = true;
  }
  for (NodeId n : to) {
    SWIM_CHECK(n < group_.size());
    r.to[n] = true;
  }
  one_way_.push_back(std::move(r));
  Recompute();
}

void Network::Heal() {
  std::fill(group_.begin(), group_.end(), 0);
  std::fill(isolated_.begin(), isolated_.end(), false);
  one_way_.clear();
  any_partition_ = false;
}

void Network::Recompute() {
  bool any = !one_way_.empty();
  for (size_t i = 0; i < group_.size() && !any; ++i) {
    if (isolated_[i] || group_[i] != group_[0]) any = true;
  }
  any_partition_ = any;
}

}  // namespace sim
