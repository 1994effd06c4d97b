// swimd's stdout: one JSON object per line, and the delegates that feed it.
//
// Names, meta and user messages are bytes, not text: "name", "meta" and
// "data" hold them as UTF-8 with every invalid byte replaced by U+FFFD;
// "meta_b64" / "data_b64" (and "name_b64" for a name that is not UTF-8) hold
// the exact bytes in base64. A user_msg line carries at most the first
// 1,024 bytes ("size" is the full length, "truncated" says if it was cut).
#ifndef SWIM_NET_SWIMD_EVENTS_H_
#define SWIM_NET_SWIMD_EVENTS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/delegate.h"
#include "core/node.h"

#include "net/memberlist.h"

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace swim::swimd {

// What one event line may carry of a user message.
inline constexpr size_t kMaxUserMsgBytes = 1024;

// Writes one event line (adds "ts", Unix ms). Cannot fail: byte fields are
// made valid UTF-8 first, and should anything still throw, a fixed
// {"event":"emit_error"} line is written instead. Thread-safe.
void Emit(nlohmann::json j) noexcept;

// A member as JSON: name, addr, port, state, incarnation, meta, meta_b64,
// weight (+ name_b64 when the name is not UTF-8).
nlohmann::json NodeJson(const Node& n);

// Static meta, user messages to stdout, no broadcasts or push/pull state.
class DaemonDelegate : public Delegate {
 public:
  explicit DaemonDelegate(std::string meta) : meta_(std::move(meta)) {}
  std::string NodeMeta(size_t) override { return meta_; }
  void NotifyMsg(std::string_view msg) override;
  std::vector<std::string> GetBroadcasts(size_t, size_t) override { return {}; }
  std::string LocalState(bool) override { return ""; }
  void MergeRemoteState(std::string_view, bool) override {}

 private:
  const std::string meta_;
};

// {"event":"name_conflict","existing":{...},"other":{...}}: another node
// claims our name (or a name we know) from another address.
class ConflictPrinter : public ConflictDelegate {
 public:
  void NotifyConflict(const Node& existing, const Node& other) override;
  uint64_t conflicts() const { return conflicts_.load(); }

 private:
  std::atomic<uint64_t> conflicts_{0};
};

// Probe round-trip times: a Prometheus histogram and each member's last RTT.
// Thread-safe (written on the loop thread, read by the HTTP thread).
class RttRecorder : public PingDelegate {
 public:
  // Upper bounds in seconds; +Inf is implicit.
  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  std::string AckPayload() override { return ""; }
  void NotifyPingComplete(const Node& other, absl::Duration rtt,
                          std::string_view payload) override;

  struct Snapshot {
    std::array<uint64_t, kBuckets.size()> cumulative{};  // <= bucket
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  Snapshot Histogram() const;
  // The last RTT measured to `node`, if any.
  std::optional<absl::Duration> LastRtt(const std::string& node) const;

 private:
  mutable std::mutex mu_;
  std::array<uint64_t, kBuckets.size()> buckets_
      ABSL_GUARDED_BY(mu_) = {};  // not cumulative
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
  double sum_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, absl::Duration> last_ ABSL_GUARDED_BY(mu_);
};

// Drains a ChannelEventDelegate to stdout on its own thread; also reports
// dropped events and calls `tick` every 200 ms (swimd flushes the log
// limiter's summaries there).
class EventPrinter {
 public:
  EventPrinter(net::ChannelEventDelegate* events, std::function<void()> tick);
  ~EventPrinter();
  void Start();
  // Prints what is queued, then stops. Call after the events' source is
  // shut down.
  void Stop();

 private:
  net::ChannelEventDelegate* const events_;
  const std::function<void()> tick_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace swim::swimd

#endif  // SWIM_NET_SWIMD_EVENTS_H_
