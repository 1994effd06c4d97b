// swimd: one cluster member as a daemon.
//
//   swimd --name a --bind 127.0.0.1:7946 [--join HOST:PORT]... [options]
//   swimd --config swimd.toml
//
// stdout: one JSON object per line (net/swimd_events.h). In order:
// {"event":"warning",...} for a configuration Go members cannot follow
// (--compression snappy), {"event":"ready",...} once the node runs, then the
// node's own "join", {"event":"joined","count":N} (or "join_failed") after
// --join, one line per membership event (join, leave, update, weight,
// suspect), "name_conflict", "user_msg", "reloaded" / "reload_failed",
// "keyring"; {"event":"leaving"} and {"event":"shutdown"} at the end. Logs go
// to stderr, rate-limited (net/log_limiter.h).
//
// HTTP on 127.0.0.1:<metrics-port>: /metrics, /v1/members, /v1/health,
// /v1/keyring (net/swimd_http.h).
//
// Signals: SIGHUP re-reads the --config file and the --keyring-file and
// applies the log level and the keyring (install new keys, use the first,
// remove those no longer listed); other settings need a restart.
// SIGINT / SIGTERM: Leave (broadcast our departure, up to --leave-timeout),
// then Shutdown, exit 0; this also ends a --join that is still waiting.
// Exit 2 for bad flags or configuration, 1 for runtime failures (busy port,
// failed join with --join-required).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include "core/config.h"

#include "net/memberlist.h"
#include "net/swimd_config.h"
#include "net/swimd_events.h"
#include "net/swimd_http.h"

#include "absl/strings/str_cat.h"

namespace {

using swim::Config;
using swim::Node;
namespace swimd = swim::swimd;

// glibc's malloc raises its mmap threshold to the size of the largest block
// freed (up to 32 MiB) and its trim threshold to twice that. After one large
// inbound push/pull, later ones then come from the loop thread's arena, whose
// free top malloc_trim() does not return (it trims only the main arena's
// top): 20 push/pulls of 19.6 MB each left 51 MB held with 14 KB in use
// (issue 14 item 6; malloc_stats() via gdb). Fixing both thresholds turns the
// adjustment off: a block of 256 KiB or more is its own mapping, unmapped
// when freed, and an arena keeps at most 1 MiB of free top. Measured with
// hostile_swimd.sh --measure (20 push/pulls x 1,900 nodes x 10 KiB meta),
// with the decoder change of the same commit: peak RSS 69 -> 31 MiB, RSS
// 60 s later 53 -> 7 MiB.
void PinMallocThresholds() {
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

[[noreturn]] void Die(int code, const std::string& msg) {
  std::fprintf(stderr, "swimd: %s\n", msg.c_str());
  std::exit(code);
}

template <typename T>
T OrDie(absl::StatusOr<T> v) {
  if (!v.ok()) Die(swimd::kExitUsage, std::string(v.status().message()));
  return *std::move(v);
}

// SIGHUP: the log level and the keyring file, from the same flags and
// --config file as at start.
void Reload(int argc, char** argv, swim::net::Memberlist* ml) {
  absl::StatusOr<swimd::Parsed> p = swimd::ParseSettings(argc, argv);
  if (!p.ok()) {
    swimd::Emit({{"event", "reload_failed"},
                 {"error", std::string(p.status().message())}});
    return;
  }
  const swimd::Settings& s = p->settings;
  absl::StatusOr<swim::LogLevel> level = swimd::ParseLogLevel(s.log_level);
  if (!level.ok()) {
    swimd::Emit({{"event", "reload_failed"},
                 {"error", std::string(level.status().message())}});
    return;
  }
  nlohmann::json done = {{"event", "reloaded"}, {"log_level", s.log_level}};
  if (!s.keyring_file.empty()) {
    absl::StatusOr<std::vector<std::string>> want =
        swimd::ReadKeyringFile(s.keyring_file);
    absl::StatusOr<std::vector<std::string>> have = ml->GetKeys();
    absl::Status st = want.ok() ? have.status() : want.status();
    if (st.ok()) {
      // Install first, then switch the primary, then remove: at no point
      // is a key that peers still use missing.
      for (const std::string& k : *want) {
        if (std::find(have->begin(), have->end(), k) == have->end()) {
          if (st.ok()) st = ml->AddKey(k);
        }
      }
      if (st.ok()) st = ml->UseKey(want->front());
      for (const std::string& k : *have) {
        if (std::find(want->begin(), want->end(), k) == want->end()) {
          if (st.ok()) st = ml->RemoveKey(k);
        }
      }
    }
    if (!st.ok()) {
      swimd::Emit({{"event", "reload_failed"},
                   {"error", absl::StrCat("keyring: ", st.message())}});
      return;
    }
    done["keys"] = want->size();
  }
  ml->SetLogLevel(*level);
  swimd::Emit(done);
}

}  // namespace

int main(int argc, char** argv) {
  PinMallocThresholds();
  absl::StatusOr<swimd::Parsed> parsed = swimd::ParseSettings(argc, argv);
  if (!parsed.ok()) {
    // The one-line reason, then where to look (README: swimd).
    std::fprintf(stderr, "swimd: %s\nrun 'swimd --help' for the options\n",
                 std::string(parsed.status().message()).c_str());
    return swimd::kExitUsage;
  }
  if (parsed->help) {
    std::cout << swimd::HelpText();
    return swimd::kExitOk;
  }
  const swimd::Settings& s = parsed->settings;
  const std::vector<std::string> keys = OrDie(swimd::SettingsKeys(s));
  Config config = OrDie(swimd::BuildConfig(s, keys));
  const absl::Duration leave_timeout =
      OrDie(swimd::ParseFlagDuration("leave-timeout", s.leave_timeout));
  swim::net::NetOptions options;
  options.log_level = OrDie(swimd::ParseLogLevel(s.log_level));

  // Signals are taken by sigwait() in this thread only: block them before
  // any other thread exists, so every thread inherits the mask. SIGUSR1 is
  // internal: the join thread wakes us when --join-required failed.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  sigaddset(&sigs, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  swimd::DaemonDelegate delegate(s.meta);
  swim::net::ChannelEventDelegate events(4096);
  swimd::ConflictPrinter conflicts;
  swimd::RttRecorder rtt;
  config.delegate = &delegate;
  config.events = &events;
  config.conflict = &conflicts;
  config.ping = &rtt;

  if (config.enable_compression &&
      config.compression_algo == swim::CompressionAlgo::kSnappy) {
    swimd::Emit(
        {{"event", "warning"},
         {"message",
          "--compression snappy: Go memberlist members cannot read this "
          "node's compressed messages; every push/pull with them fails. Use "
          "it only in C++-only clusters."}});
  }

  absl::StatusOr<std::unique_ptr<swim::net::Memberlist>> created =
      swim::net::Memberlist::Create(config, options);
  if (!created.ok()) {
    Die(created.status().code() == absl::StatusCode::kInvalidArgument
            ? swimd::kExitUsage
            : swimd::kExitRuntime,
        std::string(created.status().message()));
  }
  std::unique_ptr<swim::net::Memberlist> ml = std::move(*created);
  for (size_t i = 1; i < keys.size(); ++i) {
    if (absl::Status st = ml->AddKey(keys[i]); !st.ok()) {
      ml->Shutdown();
      Die(swimd::kExitUsage, absl::StrCat("keyring: ", st.message()));
    }
  }

  std::atomic<bool> joined{s.join.empty()};
  std::atomic<bool> leaving{false};
  std::unique_ptr<swimd::HttpServer> http;
  if (s.metrics_port >= 0) {
    swimd::ApiContext ctx;
    ctx.ml = ml.get();
    ctx.rtt = &rtt;
    ctx.keyring_api = s.keyring_api;
    ctx.joined = [&joined] { return joined.load(); };
    ctx.leaving = [&leaving] { return leaving.load(); };
    // The handler reads the server's counters: bind them after creation.
    auto holder = std::make_shared<swimd::HttpHandler>();
    http = std::make_unique<swimd::HttpServer>(
        [holder](const swimd::HttpRequest& r) { return (*holder)(r); });
    ctx.http = &http->counters();
    *holder = swimd::MakeApiHandler(ctx);
    if (std::optional<std::string> err =
            http->Start(static_cast<uint16_t>(s.metrics_port))) {
      ml->Shutdown();
      Die(swimd::kExitRuntime, absl::StrCat("cannot serve HTTP on 127.0.0.1:",
                                            s.metrics_port, ": ", *err));
    }
  }

  const Node self = ml->LocalNode();
  nlohmann::json ready = swimd::NodeJson(self);
  ready["event"] = "ready";
  ready["bind_port"] = ml->BoundPort();
  ready["keys"] = keys.size();
  if (http) ready["metrics_port"] = http->port();
  swimd::Emit(ready);

  // Membership events (our own join first) follow "ready".
  swimd::EventPrinter printer(&events, [&ml] { ml->FlushLogs(); });
  printer.Start();

  // The join runs on its own thread so that signals are served while it
  // waits (a seed that accepts TCP and never answers holds it for the TCP
  // timeout); Shutdown() ends it early.
  std::atomic<bool> join_fatal{false};
  std::thread joiner;
  if (!s.join.empty()) {
    joiner = std::thread([&] {
      absl::StatusOr<int> n = ml->Join(s.join);
      if (leaving.load()) return;
      if (n.ok()) {
        joined = true;
        swimd::Emit({{"event", "joined"}, {"count", *n}});
        return;
      }
      swimd::Emit({{"event", "join_failed"},
                   {"error", std::string(n.status().message())}});
      if (s.join_required) {
        join_fatal = true;
        kill(getpid(), SIGUSR1);
      }
    });
  }

  int sig = 0;
  for (;;) {
    sigwait(&sigs, &sig);
    if (sig == SIGHUP) {
      Reload(argc, argv, ml.get());
      continue;
    }
    if (sig == SIGUSR1 && !join_fatal.load()) continue;
    break;
  }
  leaving = true;
  if (sig == SIGUSR1) {
    ml->Shutdown();
    joiner.join();
    if (http) http->Stop();
    printer.Stop();
    Die(swimd::kExitRuntime, "join failed (--join-required)");
  }
  swimd::Emit(
      {{"event", "leaving"}, {"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  absl::Status left = ml->Leave(leave_timeout);
  if (!left.ok()) {
    std::fprintf(stderr, "swimd: leave: %s\n",
                 std::string(left.message()).c_str());
  }
  ml->Shutdown();
  if (joiner.joinable()) joiner.join();
  if (http) http->Stop();
  printer.Stop();
  swimd::Emit({{"event", "shutdown"}});
  return swimd::kExitOk;
}
