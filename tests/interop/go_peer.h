// A Go memberlist 0.2.2 node (tests/interop/go/peer) as a child process:
// commands on its stdin, JSON event lines from its stdout. Every line read
// is kept, so a test can ask "has this event been seen (by now or within a
// timeout)?" without caring when it arrived.
#ifndef SWIM_TESTS_INTEROP_GO_PEER_H_
#define SWIM_TESTS_INTEROP_GO_PEER_H_

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

extern char** environ;

namespace swim::interop {

using Json = nlohmann::json;

class GoPeer {
 public:
  // Starts `path` with -name NAME -bind 127.0.0.1 -port 0 -quiet plus
  // `extra` flags; nullptr (and a test failure) unless it reports ready
  // within 20 s.
  // With a non-empty `log_path`, memberlist's own log (stderr) goes to that
  // file instead of being discarded with -quiet.
  static std::unique_ptr<GoPeer> Start(const std::string& path,
                                       const std::string& name,
                                       const std::vector<std::string>& extra,
                                       const std::string& log_path = "") {
    auto peer = std::unique_ptr<GoPeer>(new GoPeer());
    peer->name_ = name;
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    if (!log_path.empty()) {
      posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    std::vector<std::string> args = {path,        "-name", name, "-bind",
                                     "127.0.0.1", "-port", "0"};
    if (log_path.empty()) args.push_back("-quiet");
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&peer->pid_, path.c_str(), &actions, nullptr,
                               argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    peer->in_ = in[1];
    peer->out_ = out[0];
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << path << ": rc " << rc;
      peer->pid_ = -1;
      return nullptr;
    }
    std::optional<Json> ready = peer->WaitSeen(
        [](const Json& j) { return j.value("event", "") == "ready"; },
        std::chrono::seconds(20));
    if (!ready) {
      ADD_FAILURE() << "Go peer " << name << " never became ready";
      return nullptr;
    }
    peer->port_ = (*ready)["port"].get<uint16_t>();
    return peer;
  }

  ~GoPeer() {
    if (pid_ > 0) {
      Command("quit");
      close(in_);
      in_ = -1;
      Reap(std::chrono::seconds(5));
    }
    if (in_ >= 0) close(in_);
    if (out_ >= 0) close(out_);
  }

  const std::string& name() const { return name_; }
  uint16_t port() const { return port_; }
  std::string seed() const { return "127.0.0.1:" + std::to_string(port_); }

  // SIGKILL: the node vanishes without a word (a crash).
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  void Command(const std::string& line) {
    if (in_ < 0) return;
    const std::string l = line + "\n";
    if (write(in_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) {
      ADD_FAILURE() << "cannot write to Go peer " << name_;
    }
  }

  // The first line (seen before or arriving within `timeout`) for which
  // `pred` holds, starting at line `from` of the history.
  std::optional<Json> WaitSeen(const std::function<bool(const Json&)>& pred,
                               std::chrono::milliseconds timeout,
                               size_t from = 0) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (size_t i = from;; ++i) {
      while (i >= lines_.size()) {
        if (!ReadMore(end)) return std::nullopt;
      }
      if (pred(lines_[i])) return lines_[i];
    }
  }

  // Sends `command` and waits for the next line with event `event` (or an
  // error line). nullopt on error or timeout.
  std::optional<Json> Call(
      const std::string& command, const std::string& event,
      std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    const size_t from = lines_.size();
    Command(command);
    std::optional<Json> j = WaitSeen(
        [&](const Json& x) {
          const std::string e = x.value("event", "");
          return e == event || e == "error";
        },
        timeout, from);
    if (j && j->value("event", "") == "error") {
      ADD_FAILURE() << name_ << ": " << command << ": " << j->dump();
      return std::nullopt;
    }
    return j;
  }

  // Names in the Go node's Members() (alive or suspect).
  std::vector<std::string> MemberNames() {
    std::vector<std::string> names;
    std::optional<Json> j = Call("members", "members");
    if (!j || !(*j)["members"].is_array()) return names;
    for (const Json& m : (*j)["members"]) names.push_back(m.value("name", ""));
    std::sort(names.begin(), names.end());
    return names;
  }
  std::optional<Json> Member(const std::string& name) {
    std::optional<Json> j = Call("members", "members");
    if (!j || !(*j)["members"].is_array()) return std::nullopt;
    for (const Json& m : (*j)["members"]) {
      if (m.value("name", "") == name) return m;
    }
    return std::nullopt;
  }

  std::optional<Json> WaitEvent(const std::string& event,
                                const std::string& node,
                                std::chrono::milliseconds timeout) {
    return WaitSeen(
        [&](const Json& j) {
          return j.value("event", "") == event && j.value("name", "") == node;
        },
        timeout);
  }
  std::optional<Json> WaitUserMessage(const std::string& data,
                                      std::chrono::milliseconds timeout) {
    return WaitSeen(
        [&](const Json& j) {
          return j.value("event", "") == "user_msg" &&
                 j.value("data", "") == data;
        },
        timeout);
  }
  size_t history_size() const { return lines_.size(); }

 private:
  GoPeer() = default;

  // Reads at least one more complete line before `end`; false on timeout
  // or EOF.
  bool ReadMore(std::chrono::steady_clock::time_point end) {
    while (true) {
      size_t nl = buffered_.find('\n');
      if (nl != std::string::npos) {
        const std::string line = buffered_.substr(0, nl);
        buffered_.erase(0, nl + 1);
        Json j = Json::parse(line, nullptr, false);
        if (j.is_discarded()) {
          ADD_FAILURE() << "Go peer printed a non-JSON line: " << line;
          continue;
        }
        lines_.push_back(std::move(j));
        return true;
      }
      if (out_ < 0) return false;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[8192];
      const ssize_t n = read(out_, buf, sizeof(buf));
      if (n <= 0) return false;  // the peer exited
      buffered_.append(buf, n);
    }
  }

  void Reap(std::chrono::seconds wait) {
    const auto end = std::chrono::steady_clock::now() + wait;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      usleep(10 * 1000);
    }
    pid_ = -1;
  }

  std::string name_;
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  uint16_t port_ = 0;
  std::string buffered_;
  std::vector<Json> lines_;
};

}  // namespace swim::interop

#endif  // SWIM_TESTS_INTEROP_GO_PEER_H_
