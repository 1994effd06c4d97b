// LogLimiter: a log sink in front of another that stops one peer from
// flooding the logs. A hostile packet can make the core log once per part
// (a compound of 255 empty parts wrote 255 warning lines); a stream of such
// packets turned 512 KB of input into 20.9 MB of stderr.
//
// Lines are grouped by a key: the message with every digit removed (so
// "part 3 of 255 from 10.0.0.1:7946" and "part 4 ..." share one). Within
// each window (1 s by default) at most `per_key` lines of one key and
// `total` lines overall pass; the others are counted. When a window with
// suppressed lines is over, the next line through the limiter (or Flush())
// first writes one summary line per key:
//   [WARN] log: 250 similar lines suppressed in 1s: "memberlist: ..."
// Errors are limited like the rest (an attacker chooses the level of what
// it provokes). Thread-safe.
#ifndef SWIM_NET_LOG_LIMITER_H_
#define SWIM_NET_LOG_LIMITER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/env.h"

#include "net/asio_env.h"

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace swim::net {

struct LogLimits {
  bool enabled = true;
  absl::Duration window = absl::Seconds(1);
  int per_key = 5;  // lines of one key per window
  int total = 50;   // lines of any key per window
};

class LogLimiter {
 public:
  // `now` is the clock (tests inject one); default absl::Now.
  LogLimiter(LogSink sink, LogLimits limits,
             std::function<absl::Time()> now = nullptr);
  ~LogLimiter();

  // Lines below the minimum level (SetMinLevel; default: all) are dropped
  // before any counting.
  void Log(LogLevel level, std::string_view message);
  void SetMinLevel(LogLevel level) {
    min_level_.store(static_cast<int>(level), std::memory_order_relaxed);
  }
  LogLevel min_level() const {
    return static_cast<LogLevel>(min_level_.load(std::memory_order_relaxed));
  }
  // Writes the summaries of a window that is over (all of them when
  // `force`).
  void Flush(bool force = false);
  uint64_t suppressed() const;

  // The grouping key of a message.
  static std::string Key(std::string_view message);

 private:
  struct Group {
    int passed = 0;
    uint64_t suppressed = 0;
    LogLevel level = LogLevel::kWarn;
    std::string example;  // the first suppressed line
  };
  void FlushLocked(absl::Time now, bool force)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const LogSink sink_;
  const LogLimits limits_;
  const std::function<absl::Time()> now_;
  std::atomic<int> min_level_{static_cast<int>(LogLevel::kDebug)};
  mutable std::mutex mu_;
  absl::Time window_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int passed_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, Group> groups_
      ABSL_GUARDED_BY(mu_);  // this window's keys
  uint64_t suppressed_total_ ABSL_GUARDED_BY(mu_) = 0;
};

// "[LEVEL] message" on stderr (what AsioEnv writes by default).
void StderrLogSink(LogLevel level, std::string_view message);

}  // namespace swim::net

#endif  // SWIM_NET_LOG_LIMITER_H_
