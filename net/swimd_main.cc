// swimd: one cluster member as a daemon.
//
//   swimd --name a --bind 127.0.0.1:7946 [--join HOST:PORT]... [options]
//   swimd --config swimd.toml
//
// Prints one JSON object per line on stdout: {"event":"ready",...} once the
// node runs, {"event":"joined","count":N} after --join, then one line per
// membership event (join, leave, update, weight, suspect) with the node's
// name, address, port, state, incarnation and meta; {"event":"leaving"} and
// {"event":"shutdown"} at the end. Logs go to stderr.
//
// Names, meta and user messages are bytes, not text: "name", "meta" and
// "data" hold them as UTF-8 with every invalid byte replaced by U+FFFD,
// "meta_b64" / "data_b64" (and "name_b64" for a name that is not UTF-8) hold
// the exact bytes in base64. A user_msg line carries at most the first
// 1,024 bytes ("size" is the full length, "truncated" says if it was cut).
//
// Serves the node's metrics in Prometheus text format at
// http://127.0.0.1:<metrics-port>/metrics (loopback only, one connection at
// a time).
//
// SIGINT / SIGTERM: Leave (broadcast our departure, up to --leave-timeout),
// then Shutdown, exit 0. Exit 2 for bad flags or configuration, 1 for
// runtime failures (busy port, failed join when --join-required).
//
// Options may also come from a TOML file (--config): the same names as the
// long flags, e.g.
//   name = "a"
//   bind = "127.0.0.1:7946"
//   join = ["127.0.0.1:7947"]
//   key-hex = "000102..."
//   profile = "local"
// Flags given on the command line override the file.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <pthread.h>
#include <signal.h>
#include <toml++/toml.h>

#include "core/address.h"
#include "core/config.h"
#include "core/limits.h"
#include "core/metrics.h"

#include "net/json_text.h"
#include "net/memberlist.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace po = boost::program_options;
namespace asio = boost::asio;

namespace {

using swim::Config;
using swim::Node;

// Everything swimd can be told, with its defaults.
struct Settings {
  std::string name;
  std::string bind = "0.0.0.0:7946";
  std::string advertise;
  std::vector<std::string> join;
  bool join_required = false;
  std::string key_hex;
  std::string key_file;
  std::string compression = "lzw";
  int protocol_version = 2;
  std::string profile = "lan";
  std::string meta;
  std::string weight_interval;
  int metrics_port = -1;  // -1: no metrics endpoint
  std::string log_level = "warn";
  std::string leave_timeout = "5s";
};

[[noreturn]] void Die(int code, const std::string& msg) {
  std::fprintf(stderr, "swimd: %s\n", msg.c_str());
  std::exit(code);
}

// --- stdout: one JSON object per line -------------------------------------

std::mutex g_out_mu;

// What one event line may carry of a user message (the rest is counted in
// "size" and dropped): one peer must not be able to flood stdout.
constexpr size_t kMaxUserMsgBytes = 1024;

// Writes one event line. Cannot fail: every byte field is made valid UTF-8
// before it gets here (net/json_text.h), and should anything still throw,
// a fixed line says so instead of terminating the daemon.
void Emit(nlohmann::json j) noexcept {
  std::string line;
  try {
    j["ts"] = absl::ToUnixMillis(absl::Now());
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const std::exception& e) {
    line = R"({"event":"emit_error"})";
  }
  std::lock_guard<std::mutex> l(g_out_mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// Node names and meta are bytes: "name"/"meta" are their UTF-8 text (bytes
// that are not UTF-8 become U+FFFD), "meta_b64" is meta exactly, and
// "name_b64" is added when the name is not valid UTF-8.
nlohmann::json NodeJson(const Node& n) {
  nlohmann::json j = {{"name", swim::net::ValidUtf8(n.name)},
                      {"addr", n.addr.ToString()},
                      {"port", n.port},
                      {"state", std::string(swim::NodeStateName(n.state))},
                      {"incarnation", n.incarnation},
                      {"meta", swim::net::ValidUtf8(n.meta)},
                      {"meta_b64", swim::net::Base64(n.meta)},
                      {"weight", n.weight}};
  if (!swim::net::Utf8Valid(n.name)) j["name_b64"] = swim::net::Base64(n.name);
  return j;
}

// --- delegate: static meta -------------------------------------------------

class MetaDelegate : public swim::Delegate {
 public:
  explicit MetaDelegate(std::string meta) : meta_(std::move(meta)) {}
  std::string NodeMeta(size_t) override { return meta_; }
  void NotifyMsg(std::string_view msg) override {
    const std::string_view head = msg.substr(0, kMaxUserMsgBytes);
    Emit({{"event", "user_msg"},
          {"data", swim::net::ValidUtf8(head)},
          {"data_b64", swim::net::Base64(head)},
          {"size", msg.size()},
          {"truncated", msg.size() > head.size()}});
  }
  std::vector<std::string> GetBroadcasts(size_t, size_t) override { return {}; }
  std::string LocalState(bool) override { return ""; }
  void MergeRemoteState(std::string_view, bool) override {}

 private:
  const std::string meta_;
};

// --- Prometheus text endpoint ------------------------------------------------

std::string PromName(std::string_view name) {
  std::string out = "swim_";
  for (char c : name) {
    out.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) ? c : '_');
  }
  return out;
}

std::string PrometheusText(const swim::Metrics& m) {
  std::ostringstream o;
  for (const auto& [name, value] : m.counters()) {
    const std::string n = PromName(name) + "_total";
    o << "# TYPE " << n << " counter\n" << n << " " << value << "\n";
  }
  for (const auto& [name, value] : m.gauges()) {
    const std::string n = PromName(name);
    o << "# TYPE " << n << " gauge\n" << n << " " << value << "\n";
  }
  for (const auto& [name, t] : m.timings()) {
    const std::string n = PromName(name) + "_ms";
    o << "# TYPE " << n << " summary\n"
      << n << "_count " << t.count << "\n"
      << n << "_sum " << t.sum_ms << "\n";
    o << "# TYPE " << n << "_max gauge\n" << n << "_max " << t.max_ms << "\n";
  }
  return o.str();
}

// Serves GET /metrics on 127.0.0.1, one connection at a time, on its own
// io_context thread. Stop() closes it and joins the thread.
class MetricsServer {
 public:
  explicit MetricsServer(swim::net::Memberlist* ml) : ml_(ml), acceptor_(io_) {}
  ~MetricsServer() { Stop(); }

  // Binds; the error (e.g. address in use) on failure.
  std::optional<std::string> Start(uint16_t port) {
    boost::system::error_code ec;
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
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
  uint16_t port() const { return port_; }

  void Stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      if (conn_) conn_->close(ec);
    });
    io_.stop();
    thread_.join();
  }

 private:
  void Accept() {
    conn_ = std::make_unique<asio::ip::tcp::socket>(io_);
    acceptor_.async_accept(*conn_, [this](boost::system::error_code ec) {
      if (ec) {
        if (ec != asio::error::operation_aborted) Accept();
        return;
      }
      request_.clear();
      asio::async_read_until(*conn_, asio::dynamic_buffer(request_, 8192),
                             "\r\n\r\n",
                             [this](boost::system::error_code rec, size_t) {
                               if (rec) {
                                 Accept();
                                 return;
                               }
                               Respond();
                             });
    });
  }

  void Respond() {
    std::string status = "200 OK";
    std::string body;
    if (request_.rfind("GET /metrics ", 0) == 0 ||
        request_.rfind("GET /metrics?", 0) == 0) {
      body = PrometheusText(ml_->GetMetrics());
    } else {
      status = "404 Not Found";
      body = "only GET /metrics is served here\n";
    }
    response_ = absl::StrCat(
        "HTTP/1.0 ", status,
        "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: ",
        body.size(), "\r\nConnection: close\r\n\r\n", body);
    asio::async_write(*conn_, asio::buffer(response_),
                      [this](boost::system::error_code, size_t) {
                        boost::system::error_code ec;
                        conn_->shutdown(asio::ip::tcp::socket::shutdown_both,
                                        ec);
                        conn_->close(ec);
                        Accept();
                      });
  }

  swim::net::Memberlist* ml_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::unique_ptr<asio::ip::tcp::socket> conn_;
  std::string request_;
  std::string response_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// --- configuration
// ---------------------------------------------------------------

// Reads a TOML file into `s` (only the keys present).
void LoadToml(const std::string& path, Settings* s) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream o;
    o << e;
    Die(2, absl::StrCat("cannot read config file ", path, ": ", o.str()));
  }
  auto str = [&](const char* key, std::string* out) {
    if (auto v = t[key]) {
      if (auto x = v.value<std::string>()) {
        *out = *x;
      } else {
        Die(2, absl::StrCat(path, ": \"", key, "\" must be a string"));
      }
    }
  };
  auto num = [&](const char* key, int* out) {
    if (auto v = t[key]) {
      if (auto x = v.value<int64_t>()) {
        *out = static_cast<int>(*x);
      } else {
        Die(2, absl::StrCat(path, ": \"", key, "\" must be an integer"));
      }
    }
  };
  str("name", &s->name);
  str("bind", &s->bind);
  str("advertise", &s->advertise);
  str("key-hex", &s->key_hex);
  str("key-file", &s->key_file);
  str("compression", &s->compression);
  num("protocol-version", &s->protocol_version);
  str("profile", &s->profile);
  str("meta", &s->meta);
  str("weight-interval", &s->weight_interval);
  num("metrics-port", &s->metrics_port);
  str("log-level", &s->log_level);
  str("leave-timeout", &s->leave_timeout);
  if (auto v = t["join-required"]) s->join_required = v.value_or(false);
  if (auto v = t["join"]) {
    if (const toml::array* a = v.as_array()) {
      for (const auto& e : *a) {
        if (auto x = e.value<std::string>()) {
          s->join.push_back(*x);
        } else {
          Die(2, absl::StrCat(path, ": \"join\" must be an array of strings"));
        }
      }
    } else if (auto x = v.value<std::string>()) {
      s->join.push_back(*x);
    } else {
      Die(2, absl::StrCat(path, ": \"join\" must be an array of strings"));
    }
  }
}

Settings ParseSettings(int argc, char** argv) {
  Settings s;
  po::options_description desc("swimd options");
  // No default_value(): the defaults live in Settings, so we can tell which
  // flags were given (they override the --config file).
  desc.add_options()("help,h", "this help")(
      "config", po::value<std::string>(),
      "TOML file with the same keys as these flags")(
      "name", po::value<std::string>(), "node name (default: hostname)")(
      "bind", po::value<std::string>(),
      "HOST[:PORT] to bind UDP+TCP (default 0.0.0.0:7946; port 0 = any)")(
      "advertise", po::value<std::string>(),
      "HOST[:PORT] peers should use to reach us")(
      "join", po::value<std::vector<std::string>>(),
      "seed [name/]HOST[:PORT] (repeatable)")(
      "join-required", po::bool_switch(), "exit 1 if --join reaches no seed")(
      "key-hex", po::value<std::string>(),
      "encryption key as hex (16, 24 or 32 bytes)")(
      "key-file", po::value<std::string>(),
      "file holding the key as hex or base64")(
      "compression", po::value<std::string>(),
      "lzw (default, Go-compatible), snappy (C++ only) or none")(
      "protocol-version", po::value<int>(),
      "protocol version to speak (2..5, default 2)")(
      "profile", po::value<std::string>(),
      "timing profile: lan (default), wan or local")(
      "meta", po::value<std::string>(), "node metadata (at most 512 bytes)")(
      "weight-interval", po::value<std::string>(),
      "fork node weights every DURATION (e.g. 5s); C++/fork clusters only")(
      "metrics-port", po::value<int>(),
      "serve Prometheus /metrics on 127.0.0.1:PORT (0 = any port)")(
      "log-level", po::value<std::string>(),
      "debug, info, warn (default) or error")(
      "leave-timeout", po::value<std::string>(),
      "how long to wait for the leave broadcast (default 5s)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::ostringstream o;
    o << desc;
    Die(2, absl::StrCat(e.what(), "\n\n", o.str()));
  }
  if (vm.count("help")) {
    std::cout << "usage: swimd [options]\n" << desc << "\n";
    std::exit(0);
  }
  if (vm.count("config")) LoadToml(vm["config"].as<std::string>(), &s);
  auto str = [&](const char* key, std::string* out) {
    if (vm.count(key)) *out = vm[key].as<std::string>();
  };
  str("name", &s.name);
  str("bind", &s.bind);
  str("advertise", &s.advertise);
  str("key-hex", &s.key_hex);
  str("key-file", &s.key_file);
  str("compression", &s.compression);
  str("profile", &s.profile);
  str("meta", &s.meta);
  str("weight-interval", &s.weight_interval);
  str("log-level", &s.log_level);
  str("leave-timeout", &s.leave_timeout);
  if (vm.count("protocol-version"))
    s.protocol_version = vm["protocol-version"].as<int>();
  if (vm.count("metrics-port")) s.metrics_port = vm["metrics-port"].as<int>();
  if (vm.count("join")) {
    for (const auto& j : vm["join"].as<std::vector<std::string>>())
      s.join.push_back(j);
  }
  if (vm["join-required"].as<bool>()) s.join_required = true;
  return s;
}

absl::Duration ParseDurationOrDie(const char* what, const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d < absl::ZeroDuration()) {
    Die(2, absl::StrCat("bad --", what, " \"", text,
                        "\": want a duration like 500ms, 5s, 1m"));
  }
  return d;
}

std::string DecodeKeyOrDie(const Settings& s) {
  if (!s.key_hex.empty() && !s.key_file.empty()) {
    Die(2, "give --key-hex or --key-file, not both");
  }
  std::string text = s.key_hex;
  std::string source = "--key-hex";
  if (!s.key_file.empty()) {
    std::ifstream f(s.key_file);
    if (!f)
      Die(2, absl::StrCat("cannot read --key-file ", s.key_file, ": ",
                          std::strerror(errno)));
    std::stringstream buf;
    buf << f.rdbuf();
    text = std::string(absl::StripAsciiWhitespace(buf.str()));
    source = absl::StrCat("--key-file ", s.key_file);
  }
  if (text.empty()) return "";
  std::string key;
  const bool is_hex =
      text.size() % 2 == 0 && std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      });
  if (is_hex) {
    key = absl::HexStringToBytes(text);
  } else if (!s.key_file.empty() && absl::Base64Unescape(text, &key)) {
    // base64 key file (as Consul/Serf write them)
  } else {
    Die(2, absl::StrCat("bad ", source, ": not ",
                        s.key_file.empty() ? "hex" : "hex or base64"));
  }
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    Die(2, absl::StrCat(
               "bad ", source, ": key is ", key.size(),
               " bytes; AES needs 16, 24 or 32 (32, 48 or 64 hex digits)"));
  }
  return key;
}

Config BuildConfig(const Settings& s) {
  Config c;
  if (s.profile == "lan") {
    c = swim::DefaultLANConfig();
  } else if (s.profile == "wan") {
    c = swim::DefaultWANConfig();
  } else if (s.profile == "local") {
    c = swim::DefaultLocalConfig();
  } else {
    Die(2, absl::StrCat("bad --profile \"", s.profile,
                        "\": want lan, wan or local"));
  }
  c.name = s.name;
  absl::StatusOr<swim::JoinTarget> bind = swim::ParseJoinAddress(s.bind, 7946);
  if (!bind.ok() || !bind->node_name.empty() ||
      !swim::IpAddress::Parse(bind->host)) {
    Die(2,
        absl::StrCat(
            "bad --bind \"", s.bind, "\": want IP[:PORT]",
            bind.ok() ? "" : absl::StrCat(" (", bind.status().message(), ")")));
  }
  c.bind_addr = bind->host;
  c.bind_port = bind->port;  // 7946 when not given; 0 = any
  if (!s.advertise.empty()) {
    absl::StatusOr<swim::JoinTarget> adv =
        swim::ParseJoinAddress(s.advertise, 0);
    if (!adv.ok() || !swim::IpAddress::Parse(adv->host)) {
      Die(2, absl::StrCat("bad --advertise \"", s.advertise,
                          "\": want IP[:PORT]"));
    }
    c.advertise_addr = adv->host;
    c.advertise_port = adv->port;  // 0: the bound port
  }
  c.secret_key = DecodeKeyOrDie(s);
  const std::string comp = absl::AsciiStrToLower(s.compression);
  if (comp == "lzw" || comp == "on" || comp == "true") {
    c.enable_compression = true;
    c.compression_algo = swim::CompressionAlgo::kLzw;
  } else if (comp == "snappy") {
    c.enable_compression = true;
    c.compression_algo = swim::CompressionAlgo::kSnappy;
  } else if (comp == "none" || comp == "off" || comp == "false") {
    c.enable_compression = false;
  } else {
    Die(2, absl::StrCat("bad --compression \"", s.compression,
                        "\": want lzw, snappy or none"));
  }
  if (s.protocol_version < swim::limits::kProtocolVersionMin ||
      s.protocol_version > swim::limits::kProtocolVersionMax) {
    Die(2, absl::StrCat("bad --protocol-version ", s.protocol_version,
                        ": want ", swim::limits::kProtocolVersionMin, "..",
                        swim::limits::kProtocolVersionMax));
  }
  c.protocol_version = static_cast<uint8_t>(s.protocol_version);
  if (s.meta.size() > swim::limits::kMetaMaxSize) {
    Die(2, absl::StrCat("--meta is ", s.meta.size(), " bytes; the limit is ",
                        swim::limits::kMetaMaxSize));
  }
  if (!s.weight_interval.empty()) {
    c.weight_interval =
        ParseDurationOrDie("weight-interval", s.weight_interval);
    c.gossip_weights = c.weight_interval > absl::ZeroDuration();
  }
  return c;
}

swim::LogLevel ParseLogLevelOrDie(const std::string& text) {
  const std::string l = absl::AsciiStrToLower(text);
  if (l == "debug") return swim::LogLevel::kDebug;
  if (l == "info") return swim::LogLevel::kInfo;
  if (l == "warn" || l == "warning") return swim::LogLevel::kWarn;
  if (l == "error") return swim::LogLevel::kError;
  Die(2, absl::StrCat("bad --log-level \"", text,
                      "\": want debug, info, warn or error"));
}

}  // namespace

int main(int argc, char** argv) {
  const Settings s = ParseSettings(argc, argv);
  Config config = BuildConfig(s);
  const absl::Duration leave_timeout =
      ParseDurationOrDie("leave-timeout", s.leave_timeout);
  swim::net::NetOptions options;
  options.log_level = ParseLogLevelOrDie(s.log_level);
  if (s.metrics_port < -1 || s.metrics_port > 65535) {
    Die(2, absl::StrCat("bad --metrics-port ", s.metrics_port));
  }

  // Signals are taken by sigwait() in this thread only: block them before
  // any other thread exists, so every thread inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  MetaDelegate delegate(s.meta);
  swim::net::ChannelEventDelegate events(4096);
  config.delegate = &delegate;
  config.events = &events;

  absl::StatusOr<std::unique_ptr<swim::net::Memberlist>> created =
      swim::net::Memberlist::Create(config, options);
  if (!created.ok()) {
    Die(created.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1,
        std::string(created.status().message()));
  }
  std::unique_ptr<swim::net::Memberlist> ml = std::move(*created);

  // Membership events -> stdout, from our own thread, until Close() and
  // the queue is drained.
  std::atomic<bool> stopping{false};
  std::thread printer([&events, &stopping] {
    uint64_t dropped_seen = 0;
    while (!(stopping.load() && events.size() == 0)) {
      std::optional<swim::net::NodeEvent> e =
          events.Pop(absl::Milliseconds(200));
      const uint64_t dropped = events.dropped();
      if (dropped != dropped_seen) {
        Emit({{"event", "events_dropped"}, {"count", dropped - dropped_seen}});
        dropped_seen = dropped;
      }
      if (!e) continue;
      nlohmann::json j = NodeJson(e->node);
      j["event"] = std::string(swim::net::NodeEventTypeName(e->type));
      Emit(std::move(j));
    }
  });

  std::unique_ptr<MetricsServer> metrics;
  if (s.metrics_port >= 0) {
    metrics = std::make_unique<MetricsServer>(ml.get());
    if (std::optional<std::string> err =
            metrics->Start(static_cast<uint16_t>(s.metrics_port))) {
      ml->Shutdown();
      Die(1, absl::StrCat("cannot serve metrics on 127.0.0.1:", s.metrics_port,
                          ": ", *err));
    }
  }

  const Node self = ml->LocalNode();
  nlohmann::json ready = NodeJson(self);
  ready["event"] = "ready";
  ready["bind_port"] = ml->BoundPort();
  if (metrics) ready["metrics_port"] = metrics->port();
  Emit(ready);

  if (!s.join.empty()) {
    absl::StatusOr<int> n = ml->Join(s.join);
    if (n.ok()) {
      Emit({{"event", "joined"}, {"count", *n}});
    } else {
      Emit({{"event", "join_failed"},
            {"error", std::string(n.status().message())}});
      if (s.join_required) {
        ml->Shutdown();
        Die(1, absl::StrCat("join failed: ", n.status().message()));
      }
    }
  }

  int sig = 0;
  sigwait(&sigs, &sig);
  Emit(
      {{"event", "leaving"}, {"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  absl::Status left = ml->Leave(leave_timeout);
  if (!left.ok()) {
    std::fprintf(stderr, "swimd: leave: %s\n",
                 std::string(left.message()).c_str());
  }
  ml->Shutdown();
  if (metrics) metrics->Stop();
  stopping = true;
  events.Close();
  printer.join();
  Emit({{"event", "shutdown"}});
  return 0;
}
