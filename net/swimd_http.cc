#include "net/swimd_http.h"

#include <algorithm>
#include <deque>
#include <sstream>
#include <utility>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "net/json_text.h"
#include "net/swimd_config.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace swim::swimd {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string Serialize(const HttpResponse& r) {
  return absl::StrCat("HTTP/1.0 ", r.status, " ", Reason(r.status),
                      "\r\nContent-Type: ", r.content_type,
                      "\r\nContent-Length: ", r.body.size(),
                      "\r\nConnection: close\r\n\r\n", r.body);
}

HttpResponse Json(int status, const nlohmann::json& j) {
  HttpResponse r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body.push_back('\n');
  return r;
}

HttpResponse Error(int status, std::string msg) {
  return Json(status, {{"error", std::move(msg)}});
}

}  // namespace

// ---- the server
// ---------------------------------------------------------------

class HttpServer::Impl {
 public:
  Impl(HttpHandler handler, HttpOptions options)
      : handler_(std::move(handler)), options_(options), acceptor_(io_) {}

  std::optional<std::string> Start(uint16_t port) {
    error_code ec;
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return ec.message();
    port_ = acceptor_.local_endpoint(ec).port();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
    return std::nullopt;
  }

  void Stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      error_code ec;
      acceptor_.close(ec);
    });
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return port_; }
  HttpCounters& counters() { return counters_; }

 private:
  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(Impl* s, tcp::socket sock)
        : server(s), socket(std::move(sock)), timer(s->io_) {
      ++server->active_;
    }
    ~Conn() {
      if (!evicted) --server->active_;
    }

    void Begin() {
      timer.expires_after(std::chrono::nanoseconds(
          absl::ToInt64Nanoseconds(server->options_.read_timeout)));
      timer.async_wait([self = shared_from_this()](const error_code& ec) {
        if (ec) return;  // cancelled: the connection is done
        if (!self->responded) {
          self->server->counters_.timeouts.fetch_add(1);
          self->Respond(Error(408, "request not received in time"));
        }
        // Still here after the grace of the write: drop it.
        self->timer.expires_after(std::chrono::seconds(1));
        self->timer.async_wait([self](const error_code& e2) {
          if (!e2) self->Close();
        });
      });
      Read();
    }

    void Read() {
      const size_t old = buf.size();
      buf.resize(old + 2048);
      socket.async_read_some(
          asio::buffer(buf.data() + old, 2048),
          [self = shared_from_this(), old](const error_code& ec, size_t n) {
            self->buf.resize(old + (ec ? 0 : n));
            if (self->responded) return;
            if (ec) {
              self->Close();
              return;
            }
            self->OnData();
          });
    }

    void OnData() {
      const HttpOptions& o = server->options_;
      if (header_end == std::string::npos) {
        const size_t e = buf.find("\r\n\r\n");
        if (e == std::string::npos) {
          if (buf.size() > o.max_request_bytes) {
            server->counters_.too_large.fetch_add(1);
            Respond(Error(431, absl::StrCat("request headers over ",
                                            o.max_request_bytes, " bytes")));
            return;
          }
          Read();
          return;
        }
        header_end = e + 4;
        if (header_end > o.max_request_bytes) {
          server->counters_.too_large.fetch_add(1);
          Respond(Error(431, absl::StrCat("request headers over ",
                                          o.max_request_bytes, " bytes")));
          return;
        }
        if (!ParseHead()) {
          server->counters_.bad_requests.fetch_add(1);
          Respond(Error(400, "malformed request"));
          return;
        }
        if (body_len > o.max_body_bytes) {
          server->counters_.too_large.fetch_add(1);
          Respond(Error(413, absl::StrCat("request body over ",
                                          o.max_body_bytes, " bytes")));
          return;
        }
      }
      if (buf.size() - header_end < body_len) {
        Read();
        return;
      }
      req.body = buf.substr(header_end, body_len);
      server->counters_.requests.fetch_add(1);
      HttpResponse r;
      try {
        r = server->handler_(req);
      } catch (const std::exception& e) {
        r = Error(500, e.what());
      }
      Respond(std::move(r));
    }

    // Request line and Content-Length.
    bool ParseHead() {
      const size_t eol = buf.find("\r\n");
      const std::string line = buf.substr(0, eol);
      const size_t sp1 = line.find(' ');
      if (sp1 == std::string::npos) return false;
      const size_t sp2 = line.find(' ', sp1 + 1);
      req.method = line.substr(0, sp1);
      std::string target =
          line.substr(sp1 + 1, sp2 == std::string::npos ? std::string::npos
                                                        : sp2 - sp1 - 1);
      if (target.empty() || target[0] != '/') return false;
      const size_t q = target.find('?');
      req.path = target.substr(0, q);
      if (q != std::string::npos) req.query = target.substr(q + 1);
      size_t pos = eol + 2;
      while (pos < header_end - 2) {
        const size_t end = buf.find("\r\n", pos);
        const std::string h = buf.substr(pos, end - pos);
        pos = end + 2;
        const size_t colon = h.find(':');
        if (colon == std::string::npos) continue;
        if (absl::EqualsIgnoreCase(
                absl::StripAsciiWhitespace(h.substr(0, colon)),
                "content-length")) {
          uint64_t n = 0;
          if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(h.substr(colon + 1)),
                                &n)) {
            return false;
          }
          body_len = n;
        }
      }
      return true;
    }

    void Respond(HttpResponse r) {
      if (responded) return;
      responded = true;
      out = Serialize(r);
      asio::async_write(socket, asio::buffer(out),
                        [self = shared_from_this()](const error_code&, size_t) {
                          self->Close();
                        });
    }

    void Close() {
      error_code ec;
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
      timer.cancel();
    }

    Impl* server;
    tcp::socket socket;
    asio::steady_timer timer;
    std::string buf;
    std::string out;
    size_t header_end = std::string::npos;
    uint64_t body_len = 0;
    bool responded = false;
    bool evicted = false;  // its slot was already given back
    HttpRequest req;
  };

  void Accept() {
    acceptor_.async_accept([this](const error_code& ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) {
        if (active_ >= options_.max_connections) EvictOldestWaiting();
        if (active_ >= options_.max_connections) {
          // Busy: a short answer without reading, then close.
          counters_.rejected_busy.fetch_add(1);
          error_code e;
          s.non_blocking(true, e);
          static const std::string kBusy =
              Serialize(Error(503, "too many connections"));
          s.send(asio::buffer(kBusy), 0, e);
          s.close(e);
        } else {
          auto conn = std::make_shared<Conn>(this, std::move(s));
          // Forget finished connections (a weak_ptr keeps a Conn's storage).
          waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(),
                                        [](const std::weak_ptr<Conn>& w) {
                                          return w.expired();
                                        }),
                         waiting_.end());
          waiting_.push_back(conn);
          conn->Begin();
        }
      }
      Accept();
    });
  }

  // Full: the oldest connection still sending its request makes room (a
  // client that holds connections open with partial requests cannot lock
  // out a scraper, whose request takes milliseconds).
  void EvictOldestWaiting() {
    while (!waiting_.empty()) {
      std::shared_ptr<Conn> c = waiting_.front().lock();
      waiting_.pop_front();
      if (c == nullptr || c->responded) continue;
      counters_.evicted.fetch_add(1);
      c->responded = true;  // stop reading; no answer to a stalled client
      c->Close();
      // active_ drops when its handlers have run; count the slot as free.
      c->evicted = true;
      --active_;
      return;
    }
  }

  const HttpHandler handler_;
  const HttpOptions options_;
  std::deque<std::weak_ptr<Conn>> waiting_;  // in accept order
  HttpCounters counters_;
  size_t active_ = 0;  // server thread only
  uint16_t port_ = 0;
  // Declared after what connections use: destroying io_ destroys them.
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

HttpServer::HttpServer(HttpHandler handler, HttpOptions options)
    : impl_(std::make_unique<Impl>(std::move(handler), options)) {}
HttpServer::~HttpServer() { Stop(); }
std::optional<std::string> HttpServer::Start(uint16_t port) {
  return impl_->Start(port);
}
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }
const HttpCounters& HttpServer::counters() const { return impl_->counters(); }

// ---- /metrics
// -------------------------------------------------------------------

namespace {

// Every counter family the core has, exported at 0 before its first event so
// that rate() and alerts work from the first scrape.
constexpr const char* kCoreCounters[] = {
    "memberlist.conflict",
    "memberlist.degraded.probe",
    "memberlist.degraded.timeout",
    "memberlist.dropped.ack_unknown",
    "memberlist.dropped.alive_bad_vsn",
    "memberlist.dropped.alive_no_vsn",
    "memberlist.dropped.alive_vetoed",
    "memberlist.dropped.cidr",
    "memberlist.dropped.compound_parts",
    "memberlist.dropped.handoff_full",
    "memberlist.dropped.incarnation_jump",
    "memberlist.dropped.merge_vetoed",
    "memberlist.dropped.no_node_name",
    "memberlist.dropped.ping_wrong_node",
    "memberlist.dropped.reaped_readd",
    "memberlist.dropped.table_full",
    "memberlist.dropped.unknown_state",
    "memberlist.dropped.unknown_stream_type",
    "memberlist.dropped.unconfirmed",
    "memberlist.dropped.unknown_type",
    "memberlist.dropped.weight_future",
    "memberlist.dropped.weight_stale",
    "memberlist.gossip",
    "memberlist.join_sync",
    "memberlist.join_sync_failed",
    "memberlist.join_catch_up",
    "memberlist.malformed.alive_meta",
    "memberlist.malformed.alive_name",
    "memberlist.malformed.compound_truncated",
    "memberlist.malformed.push_pull",
    "memberlist.msg.alive",
    "memberlist.msg.dead",
    "memberlist.msg.suspect",
    "memberlist.msg.user",
    "memberlist.msg.weight",
    "memberlist.probe.tcp_fallback_lost",
    "memberlist.push_pull.merge_failed",
    "memberlist.push_pull.reply_reused",
    "memberlist.reaped",
    "memberlist.refute",
    "memberlist.refute_exhausted",
    "memberlist.tcp.accept",
    "memberlist.tcp.connect",
    "memberlist.tcp.push_pull_in",
    "memberlist.tcp.received",
    "memberlist.tcp.sent",
    "memberlist.udp.packets_received",
    "memberlist.udp.packets_sent",
    "memberlist.udp.received",
    "memberlist.udp.sent",
};
constexpr const char* kCoreTimings[] = {"memberlist.probeNode",
                                        "memberlist.pushPullNode"};

std::string PromName(std::string_view name) {
  std::string out = "swim_";
  for (char c : name) {
    out.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) ? c : '_');
  }
  return out;
}

}  // namespace

std::string PrometheusText(const Metrics& m, const RttRecorder::Snapshot& rtt,
                           const HttpCounters* http, uint64_t log_suppressed) {
  std::ostringstream o;
  std::map<std::string, uint64_t> counters(m.counters().begin(),
                                           m.counters().end());
  for (const char* name : kCoreCounters) counters.emplace(name, 0);
  for (const auto& [name, value] : counters) {
    const std::string n = PromName(name) + "_total";
    o << "# TYPE " << n << " counter\n" << n << " " << value << "\n";
  }
  for (const auto& [name, value] : m.gauges()) {
    const std::string n = PromName(name);
    o << "# TYPE " << n << " gauge\n" << n << " " << value << "\n";
  }
  std::map<std::string, TimingStats> timings(m.timings().begin(),
                                             m.timings().end());
  for (const char* name : kCoreTimings) timings.emplace(name, TimingStats{});
  for (const auto& [name, t] : timings) {
    const std::string n = PromName(name) + "_ms";
    o << "# TYPE " << n << " summary\n"
      << n << "_count " << t.count << "\n"
      << n << "_sum " << t.sum_ms << "\n";
    o << "# TYPE " << n << "_max gauge\n" << n << "_max " << t.max_ms << "\n";
  }
  o << "# HELP swim_probe_rtt_seconds round-trip time of successful probes\n"
    << "# TYPE swim_probe_rtt_seconds histogram\n";
  for (size_t i = 0; i < RttRecorder::kBuckets.size(); ++i) {
    o << "swim_probe_rtt_seconds_bucket{le=\"" << RttRecorder::kBuckets[i]
      << "\"} " << rtt.cumulative[i] << "\n";
  }
  o << "swim_probe_rtt_seconds_bucket{le=\"+Inf\"} " << rtt.count << "\n"
    << "swim_probe_rtt_seconds_sum " << rtt.sum_seconds << "\n"
    << "swim_probe_rtt_seconds_count " << rtt.count << "\n";
  o << "# TYPE swim_log_lines_suppressed_total counter\n"
    << "swim_log_lines_suppressed_total " << log_suppressed << "\n";
  if (http != nullptr) {
    auto c = [&](const char* name, const std::atomic<uint64_t>& v) {
      o << "# TYPE swim_http_" << name << "_total counter\nswim_http_" << name
        << "_total " << v.load() << "\n";
    };
    c("requests", http->requests);
    c("rejected_busy", http->rejected_busy);
    c("timeouts", http->timeouts);
    c("too_large", http->too_large);
    c("bad_requests", http->bad_requests);
    c("evicted", http->evicted);
  }
  return o.str();
}

// ---- the API
// ----------------------------------------------------------------------

namespace {

std::string Health(NodeState s) {
  switch (s) {
    case NodeState::kAlive:
      return "healthy";
    case NodeState::kSuspect:
      return "suspect";
    case NodeState::kDead:
      return "failed";
    case NodeState::kLeft:
      return "left";
  }
  return "unknown";
}

nlohmann::json MemberJson(const Node& n, const RttRecorder* rtt, bool local) {
  nlohmann::json j = {
      {"name", net::ValidUtf8(n.name)},
      {"address", n.address().ToString()},
      {"addr", n.addr.ToString()},
      {"port", n.port},
      {"state", std::string(NodeStateName(n.state))},
      {"incarnation", n.incarnation},
      {"meta", net::Base64(n.meta)},
      {"weight", n.weight},
      {"health", Health(n.state)},
      {"local", local},
  };
  if (!net::Utf8Valid(n.name)) j["name_b64"] = net::Base64(n.name);
  if (rtt != nullptr) {
    if (std::optional<absl::Duration> d = rtt->LastRtt(n.name)) {
      j["rtt_ms"] = absl::ToDoubleMilliseconds(*d);
    }
  }
  return j;
}

HttpResponse Keyring(const ApiContext& ctx, const HttpRequest& req) {
  if (!ctx.keyring_api) {
    return Error(404, "keyring operations are off (start with --keyring-api)");
  }
  auto list = [&]() -> HttpResponse {
    absl::StatusOr<std::vector<std::string>> keys = ctx.ml->GetKeys();
    if (!keys.ok()) return Error(409, std::string(keys.status().message()));
    nlohmann::json arr = nlohmann::json::array();
    for (const std::string& k : *keys) arr.push_back(net::Base64(k));
    return Json(200, {{"keys", arr}});
  };
  if (req.path == "/v1/keyring") {
    if (req.method != "GET") return Error(405, "use GET");
    return list();
  }
  if (req.method != "POST") return Error(405, "use POST");
  const std::string op = req.path.substr(std::string("/v1/keyring/").size());
  absl::StatusOr<std::string> key = DecodeKey(req.body, "key", true);
  if (!key.ok()) return Error(400, std::string(key.status().message()));
  absl::Status st;
  if (op == "install") {
    st = ctx.ml->AddKey(*key);
  } else if (op == "use") {
    st = ctx.ml->UseKey(*key);
  } else if (op == "remove") {
    st = ctx.ml->RemoveKey(*key);
  } else {
    return Error(404, "keyring operations: install, use, remove");
  }
  Emit({{"event", "keyring"},
        {"op", op},
        {"ok", st.ok()},
        {"error", std::string(st.message())}});
  if (!st.ok()) return Error(409, std::string(st.message()));
  return list();
}

}  // namespace

HttpHandler MakeApiHandler(ApiContext ctx) {
  return [ctx](const HttpRequest& req) -> HttpResponse {
    if (req.path == "/metrics") {
      if (req.method != "GET") return Error(405, "use GET");
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4";
      r.body = PrometheusText(
          ctx.ml->GetMetrics(),
          ctx.rtt != nullptr ? ctx.rtt->Histogram() : RttRecorder::Snapshot{},
          ctx.http, ctx.ml->log_lines_suppressed());
      return r;
    }
    if (req.path == "/v1/members") {
      if (req.method != "GET") return Error(405, "use GET");
      const Node self = ctx.ml->LocalNode();
      nlohmann::json arr = nlohmann::json::array();
      for (const Node& n : ctx.ml->Members()) {
        arr.push_back(MemberJson(n, ctx.rtt, n.name == self.name));
      }
      return Json(200, {{"members", arr}});
    }
    if (req.path == "/v1/health") {
      if (req.method != "GET") return Error(405, "use GET");
      const bool running = !ctx.ml->IsShutdown();
      const bool leaving = ctx.leaving && ctx.leaving();
      const bool joined = ctx.joined && ctx.joined();
      const int score = running ? ctx.ml->GetHealthScore() : -1;
      std::string status = "ok";
      if (!running) {
        status = "shutdown";
      } else if (leaving) {
        status = "leaving";
      } else if (!joined) {
        status = "not_joined";
      } else if (score > 0) {
        status = "degraded";
      }
      return Json(status == "ok" ? 200 : 503,
                  {{"status", status},
                   {"awareness_score", score},
                   {"joined", joined},
                   {"members", running ? ctx.ml->NumMembers() : 0}});
    }
    if (req.path == "/v1/keyring" ||
        absl::StartsWith(req.path, "/v1/keyring/")) {
      return Keyring(ctx, req);
    }
    return Error(404,
                 "served here: /metrics /v1/members /v1/health "
                 "/v1/keyring");
  };
}

}  // namespace swim::swimd
