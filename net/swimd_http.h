// swimd's local HTTP endpoint (127.0.0.1 only, no authentication):
//
//   GET  /metrics              Prometheus text: every counter family from
//                              the start (at 0), gauges, timings, the probe
//                              RTT histogram swim_probe_rtt_seconds
//   GET  /v1/members           {"members":[{name, address, addr, port,
//                              state, incarnation, meta (base64), weight,
//                              health, rtt_ms}...]}
//   GET  /v1/health            200 when running, joined and healthy, else
//                              503; {"status", "awareness_score", ...}
//   GET  /v1/keyring           {"keys":[base64...]} primary first
//   POST /v1/keyring/install   body: one key (base64 or hex)
//   POST /v1/keyring/use       (the /v1/keyring routes only with
//   POST /v1/keyring/remove     --keyring-api)
//
// The server is small and defensive: at most `max_connections` at a time
// (when full, the oldest connection still sending its request is answered
// 408 and closed to make room; if none is, the newcomer gets 503), each
// must deliver its whole request
// within `read_timeout`, and a request over `max_request_bytes` is answered
// 431 (headers) or 413 (body). HTTP/1.0 semantics: one request per
// connection.
#ifndef SWIM_NET_SWIMD_HTTP_H_
#define SWIM_NET_SWIMD_HTTP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/memberlist.h"
#include "net/swimd_events.h"

#include "absl/time/time.h"

namespace swim::swimd {

struct HttpRequest {
  std::string method;
  std::string path;  // without the query
  std::string query;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpOptions {
  size_t max_connections = 8;
  absl::Duration read_timeout = absl::Seconds(3);
  size_t max_request_bytes = 8192;  // request line + headers
  size_t max_body_bytes = 4096;
};

struct HttpCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> rejected_busy{0};  // over max_connections
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> too_large{0};
  std::atomic<uint64_t> bad_requests{0};
  std::atomic<uint64_t> evicted{0};  // oldest partial request, when full
};

// Serves `handler` on 127.0.0.1:port from its own thread.
class HttpServer {
 public:
  HttpServer(HttpHandler handler, HttpOptions options = {});
  ~HttpServer();
  // Binds and starts; the error text (e.g. address in use) on failure.
  std::optional<std::string> Start(uint16_t port);
  uint16_t port() const;
  // Closes every connection and joins the thread. Idempotent.
  void Stop();
  const HttpCounters& counters() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// What the API needs from the daemon.
struct ApiContext {
  net::Memberlist* ml = nullptr;
  const RttRecorder* rtt = nullptr;
  const HttpCounters* http = nullptr;
  bool keyring_api = false;
  // Whether the node counts as joined (no --join, or a join succeeded) and
  // is not leaving.
  std::function<bool()> joined;
  std::function<bool()> leaving;
};

// The routes above.
HttpHandler MakeApiHandler(ApiContext ctx);

// /metrics body (exposed for tests).
std::string PrometheusText(const Metrics& m, const RttRecorder::Snapshot& rtt,
                           const HttpCounters* http, uint64_t log_suppressed);

}  // namespace swim::swimd

#endif  // SWIM_NET_SWIMD_HTTP_H_
