#include "net/swimd_events.h"

#include <cstdio>
#include <optional>

#include "net/json_text.h"

#include "absl/time/clock.h"

namespace swim::swimd {

namespace {
std::mutex g_out_mu;
}  // namespace

void Emit(nlohmann::json j) noexcept {
  std::string line;
  try {
    j["ts"] = absl::ToUnixMillis(absl::Now());
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const std::exception&) {
    line = R"({"event":"emit_error"})";
  }
  std::lock_guard<std::mutex> l(g_out_mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

nlohmann::json NodeJson(const Node& n) {
  nlohmann::json j = {{"name", net::ValidUtf8(n.name)},
                      {"addr", n.addr.ToString()},
                      {"port", n.port},
                      {"state", std::string(NodeStateName(n.state))},
                      {"incarnation", n.incarnation},
                      {"meta", net::ValidUtf8(n.meta)},
                      {"meta_b64", net::Base64(n.meta)},
                      {"weight", n.weight}};
  if (!net::Utf8Valid(n.name)) j["name_b64"] = net::Base64(n.name);
  return j;
}

void DaemonDelegate::NotifyMsg(std::string_view msg) {
  const std::string_view head = msg.substr(0, kMaxUserMsgBytes);
  Emit({{"event", "user_msg"},
        {"data", net::ValidUtf8(head)},
        {"data_b64", net::Base64(head)},
        {"size", msg.size()},
        {"truncated", msg.size() > head.size()}});
}

void ConflictPrinter::NotifyConflict(const Node& existing, const Node& other) {
  conflicts_.fetch_add(1);
  Emit({{"event", "name_conflict"},
        {"existing", NodeJson(existing)},
        {"other", NodeJson(other)}});
}

void RttRecorder::NotifyPingComplete(const Node& other, absl::Duration rtt,
                                     std::string_view) {
  const double s = absl::ToDoubleSeconds(rtt);
  std::lock_guard<std::mutex> l(mu_);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (s <= kBuckets[i]) {
      ++buckets_[i];
      break;
    }
  }
  ++count_;
  sum_seconds_ += s;
  // One entry per name ever probed: bounded by the member table, and
  // dropped names are overwritten, never accumulate past the table cap.
  if (last_.size() < 100000 || last_.count(other.name) > 0) {
    last_[other.name] = rtt;
  }
}

RttRecorder::Snapshot RttRecorder::Histogram() const {
  std::lock_guard<std::mutex> l(mu_);
  Snapshot out;
  uint64_t run = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    run += buckets_[i];
    out.cumulative[i] = run;
  }
  out.count = count_;
  out.sum_seconds = sum_seconds_;
  return out;
}

std::optional<absl::Duration> RttRecorder::LastRtt(
    const std::string& node) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = last_.find(node);
  if (it == last_.end()) return std::nullopt;
  return it->second;
}

EventPrinter::EventPrinter(net::ChannelEventDelegate* events,
                           std::function<void()> tick)
    : events_(events), tick_(std::move(tick)) {}

EventPrinter::~EventPrinter() { Stop(); }

void EventPrinter::Start() {
  thread_ = std::thread([this] {
    uint64_t dropped_seen = 0;
    while (!(stopping_.load() && events_->size() == 0)) {
      std::optional<net::NodeEvent> e = events_->Pop(absl::Milliseconds(200));
      const uint64_t dropped = events_->dropped();
      if (dropped != dropped_seen) {
        Emit({{"event", "events_dropped"}, {"count", dropped - dropped_seen}});
        dropped_seen = dropped;
      }
      if (tick_) tick_();
      if (!e) continue;
      nlohmann::json j = NodeJson(e->node);
      j["event"] = std::string(net::NodeEventTypeName(e->type));
      Emit(std::move(j));
    }
  });
}

void EventPrinter::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  events_->Close();
  thread_.join();
}

}  // namespace swim::swimd
