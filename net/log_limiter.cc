#include "net/log_limiter.h"

#include <cstdio>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace swim::net {

namespace {
// What a summary quotes of the suppressed line.
constexpr size_t kExampleBytes = 160;
}  // namespace

void StderrLogSink(LogLevel level, std::string_view message) {
  const std::string_view name = LogLevelName(level);
  std::fprintf(stderr, "[%.*s] %.*s\n", static_cast<int>(name.size()),
               name.data(), static_cast<int>(message.size()), message.data());
}

LogLimiter::LogLimiter(LogSink sink, LogLimits limits,
                       std::function<absl::Time()> now)
    : sink_(sink ? std::move(sink) : LogSink(StderrLogSink)),
      limits_(limits),
      now_(now ? std::move(now) : std::function<absl::Time()>(absl::Now)) {}

LogLimiter::~LogLimiter() { Flush(true); }

std::string LogLimiter::Key(std::string_view message) {
  std::string key;
  key.reserve(std::min<size_t>(message.size(), 96));
  for (char c : message) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) continue;
    key.push_back(c);
    if (key.size() == 96) break;
  }
  return key;
}

void LogLimiter::Log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < min_level_.load(std::memory_order_relaxed)) {
    return;
  }
  if (!limits_.enabled) {
    sink_(level, message);
    return;
  }
  std::lock_guard<std::mutex> l(mu_);
  const absl::Time now = now_();
  if (now - window_start_ >= limits_.window) {
    FlushLocked(now, true);
    window_start_ = now;
    passed_ = 0;
  }
  Group& g = groups_[Key(message)];
  if (g.passed < limits_.per_key && passed_ < limits_.total) {
    ++g.passed;
    ++passed_;
    sink_(level, message);
    return;
  }
  if (g.suppressed == 0) {
    g.level = level;
    g.example = std::string(message.substr(0, kExampleBytes));
  }
  ++g.suppressed;
  ++suppressed_total_;
}

void LogLimiter::Flush(bool force) {
  std::lock_guard<std::mutex> l(mu_);
  FlushLocked(now_(), force);
}

void LogLimiter::FlushLocked(absl::Time now, bool force) {
  if (!force && now - window_start_ < limits_.window) return;
  for (auto& [key, g] : groups_) {
    if (g.suppressed == 0) continue;
    sink_(g.level,
          absl::StrCat("log: ", g.suppressed, " similar lines suppressed in ",
                       absl::FormatDuration(limits_.window), ": \"",
                       absl::CHexEscape(g.example), "\""));
  }
  groups_.clear();
  passed_ = 0;
  window_start_ = now;
}

uint64_t LogLimiter::suppressed() const {
  std::lock_guard<std::mutex> l(mu_);
  return suppressed_total_;
}

}  // namespace swim::net
