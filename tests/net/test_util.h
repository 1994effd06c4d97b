// Helpers shared by the net::Memberlist loopback tests.
#ifndef SWIM_TESTS_NET_TEST_UTIL_H_
#define SWIM_TESTS_NET_TEST_UTIL_H_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/delegate.h"

#include "net/memberlist.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace swim::net::testing {

// A Local config on 127.0.0.1 with a kernel-picked port and intervals short
// enough that failure detection takes a few seconds.
inline Config FastLocalConfig(const std::string& name) {
  Config c = DefaultLocalConfig();
  c.name = name;
  c.bind_addr = "127.0.0.1";
  c.bind_port = 0;
  c.probe_interval = absl::Milliseconds(200);
  c.probe_timeout = absl::Milliseconds(100);
  c.gossip_interval = absl::Milliseconds(50);
  c.push_pull_interval = absl::Seconds(2);
  c.tcp_timeout = absl::Seconds(2);
  c.gossip_to_the_dead_time = absl::Seconds(5);
  return c;
}

// Thread-safe Delegate: settable meta, records user messages and merged
// remote state.
class RecordingDelegate : public Delegate {
 public:
  void SetMeta(std::string meta) {
    std::lock_guard<std::mutex> l(mu_);
    meta_ = std::move(meta);
  }
  std::vector<std::string> Messages() const {
    std::lock_guard<std::mutex> l(mu_);
    return msgs_;
  }
  bool HasMessage(const std::string& m) const {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& x : msgs_) {
      if (x == m) return true;
    }
    return false;
  }

  std::string NodeMeta(size_t limit) override {
    std::lock_guard<std::mutex> l(mu_);
    return meta_;
  }
  void NotifyMsg(std::string_view msg) override {
    std::lock_guard<std::mutex> l(mu_);
    msgs_.emplace_back(msg);
  }
  std::vector<std::string> GetBroadcasts(size_t, size_t) override { return {}; }
  std::string LocalState(bool) override { return ""; }
  void MergeRemoteState(std::string_view, bool) override {}

 private:
  mutable std::mutex mu_;
  std::string meta_;
  std::vector<std::string> msgs_;
};

// Polls `pred` every 20 ms until it holds or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& pred, absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace swim::net::testing

#endif  // SWIM_TESTS_NET_TEST_UTIL_H_
