#include "sim/scenario_toml.h"

#include <optional>

#include "core/status_macros.h"

#include "sim/scenario.h"

#include "absl/strings/str_cat.h"

namespace sim {

absl::Status TomlReader::Err(const toml::source_region& src,
                             const std::string& msg) const {
  return absl::InvalidArgumentError(absl::StrCat(
      where(), ":", src.begin.line, ":", src.begin.column, ": ", msg));
}

absl::StatusOr<int64_t> TomlReader::Int(const toml::node& n,
                                        const std::string& key) const {
  if (auto v = n.value_exact<int64_t>()) return *v;
  return Err(n, absl::StrCat("\"", key, "\" must be an integer"));
}

absl::StatusOr<int64_t> TomlReader::IntIn(const toml::node& n,
                                          const std::string& key, int64_t lo,
                                          int64_t hi) const {
  absl::StatusOr<int64_t> v = Int(n, key);
  if (!v.ok()) return v;
  if (*v < lo || *v > hi) {
    return Err(n,
               absl::StrCat("\"", key, "\" must be in [", lo, ", ", hi, "]"));
  }
  return v;
}

absl::StatusOr<double> TomlReader::Num(const toml::node& n,
                                       const std::string& key) const {
  if (auto v = n.value_exact<int64_t>()) return static_cast<double>(*v);
  if (auto v = n.value_exact<double>()) return *v;
  return Err(n, absl::StrCat("\"", key, "\" must be a number"));
}

absl::StatusOr<bool> TomlReader::Bool(const toml::node& n,
                                      const std::string& key) const {
  if (auto v = n.value_exact<bool>()) return *v;
  return Err(n, absl::StrCat("\"", key, "\" must be true or false"));
}

absl::StatusOr<std::string> TomlReader::Str(const toml::node& n,
                                            const std::string& key) const {
  if (auto v = n.value_exact<std::string>()) return *v;
  return Err(n, absl::StrCat("\"", key, "\" must be a string"));
}

absl::StatusOr<absl::Duration> TomlReader::Dur(const toml::node& n,
                                               const std::string& key) const {
  auto s = n.value_exact<std::string>();
  if (!s) {
    return Err(n, absl::StrCat(
                      "\"", key,
                      "\" must be a duration string like \"500ms\" or \"2s\""));
  }
  absl::StatusOr<absl::Duration> d = ParseDurationText(*s);
  if (!d.ok())
    return Err(n, absl::StrCat("\"", key, "\": ", d.status().message()));
  return *d;
}

absl::StatusOr<double> TomlReader::Prob(const toml::node& n,
                                        const std::string& key) const {
  absl::StatusOr<double> v = Num(n, key);
  if (!v.ok()) return v;
  if (*v < 0 || *v > 1) {
    return Err(n,
               absl::StrCat("\"", key, "\" must be a probability in [0, 1]"));
  }
  return v;
}

absl::StatusOr<std::vector<int>> TomlReader::IntList(
    const toml::node& n, const std::string& key) const {
  auto index = [&](const toml::node& e) -> absl::StatusOr<int> {
    auto v = e.value_exact<int64_t>();
    if (!v || *v < 0) {
      return Err(e, absl::StrCat("\"", key,
                                 "\" must hold node indexes (integers >= 0)"));
    }
    if (*v > kMaxNodeIndex) {
      return Err(
          e, absl::StrCat("node index ", *v, " in \"", key,
                          "\" is out of range (at most ", kMaxNodeIndex, ")"));
    }
    return static_cast<int>(*v);
  };
  std::vector<int> out;
  const toml::array* a = n.as_array();
  if (a == nullptr) {
    if (!n.is_integer()) {
      return Err(n,
                 absl::StrCat("\"", key, "\" must be a list of node indexes"));
    }
    absl::StatusOr<int> i = index(n);
    if (!i.ok()) return i.status();
    out.push_back(*i);
    return out;
  }
  for (const toml::node& e : *a) {
    absl::StatusOr<int> i = index(e);
    if (!i.ok()) return i.status();
    out.push_back(*i);
  }
  return out;
}

namespace {

struct LatencyFields {
  std::string kind = "fixed";
  absl::Duration base = absl::Milliseconds(1);
  absl::Duration spread = absl::ZeroDuration();
  absl::Duration floor = absl::ZeroDuration();
  absl::Duration cap = absl::Seconds(10);
  double shape = 1.0;
  std::optional<absl::Duration> max;  // uniform's upper end
  const toml::node* max_node = nullptr;
  const toml::node* shape_node = nullptr;
  std::string shape_key;
};

// Parameters that cannot describe a distribution.
absl::Status CheckLatency(const TomlReader& r, const toml::node& n,
                          LatencyFields& f) {
  if (f.max) {
    if (*f.max < f.base) {
      return r.Err(
          *f.max_node,
          absl::StrCat("latency \"max\" (", absl::FormatDuration(*f.max),
                       ") is below \"min\" (", absl::FormatDuration(f.base),
                       ")"));
    }
    f.spread = *f.max - f.base;
  }
  if (f.shape_node != nullptr) {
    const bool pareto = f.kind == "pareto";
    if (pareto ? !(f.shape > 0) : !(f.shape >= 0)) {
      return r.Err(
          *f.shape_node,
          absl::StrCat("latency \"", f.shape_key, "\" must be ",
                       pareto ? "> 0" : ">= 0", " (got ", f.shape, ")"));
    }
    if (f.shape > 1000) {
      return r.Err(*f.shape_node, absl::StrCat("latency \"", f.shape_key,
                                               "\" must be <= 1000"));
    }
  }
  if (f.cap <= absl::ZeroDuration() || f.cap > absl::Hours(1)) {
    return r.Err(n, "latency \"cap\" must be in (0, 1h]");
  }
  if (f.base > absl::Hours(1) || f.spread > absl::Hours(1) ||
      f.floor > absl::Hours(1)) {
    return r.Err(n, "latency parameters must be at most 1h");
  }
  return absl::OkStatus();
}

absl::Status ReadLatencyKey(const TomlReader& r, const toml::key& k,
                            const toml::node& v, LatencyFields& f) {
  const std::string key(k.str());
  if (key == "kind") {
    SWIM_TOML_ASSIGN(f.kind, r.Str(v, key));
  } else if (key == "base" || key == "mean" || key == "median" ||
             key == "min" || key == "scale") {
    SWIM_TOML_ASSIGN(f.base, r.Dur(v, key));
  } else if (key == "spread" || key == "sd") {
    SWIM_TOML_ASSIGN(f.spread, r.Dur(v, key));
  } else if (key == "max") {
    absl::Duration mx;
    SWIM_TOML_ASSIGN(mx, r.Dur(v, key));
    f.max = mx;
    f.max_node = &v;
  } else if (key == "floor") {
    SWIM_TOML_ASSIGN(f.floor, r.Dur(v, key));
  } else if (key == "cap") {
    SWIM_TOML_ASSIGN(f.cap, r.Dur(v, key));
  } else if (key == "sigma" || key == "alpha" || key == "shape") {
    SWIM_TOML_ASSIGN(f.shape, r.Num(v, key));
    f.shape_node = &v;
    f.shape_key = key;
  } else {
    return r.Err(k.source(),
                 absl::StrCat("unknown latency key \"", key,
                              "\" (known: kind, base/mean/median/min, "
                              "spread/sd, max, floor, sigma, alpha, cap)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LatencyModel> ParseLatencyModel(const TomlReader& r,
                                               const toml::node& n) {
  const toml::table* t = n.as_table();
  if (t == nullptr) {
    // A plain duration string means fixed latency.
    absl::Duration d;
    SWIM_TOML_ASSIGN(d, r.Dur(n, "latency"));
    return LatencyModel::Fixed(d);
  }
  LatencyFields f;
  for (auto&& [k, v] : *t) {
    absl::Status s = ReadLatencyKey(r, k, v, f);
    if (!s.ok()) return s;
  }
  SWIM_RETURN_IF_ERROR(CheckLatency(r, n, f));
  LatencyModel m;
  if (f.kind == "fixed") {
    m = LatencyModel::Fixed(f.base);
  } else if (f.kind == "uniform") {
    m = LatencyModel::Uniform(f.base, f.base + f.spread);
  } else if (f.kind == "normal") {
    m = LatencyModel::Normal(f.base, f.spread, f.floor);
  } else if (f.kind == "lognormal") {
    m = LatencyModel::LogNormal(f.floor, f.base, f.shape);
  } else if (f.kind == "pareto") {
    m = LatencyModel::Pareto(f.floor, f.base, f.shape);
  } else {
    return r.Err(n,
                 absl::StrCat("unknown latency kind \"", f.kind,
                              "\" (known: fixed, uniform, normal, lognormal, "
                              "pareto)"));
  }
  m.cap = f.cap;
  return m;
}

}  // namespace sim
