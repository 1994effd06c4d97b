// net::AsioEnv talking to an unmodified Go memberlist 0.2.2 node (the
// tests/interop/go peer) on 127.0.0.1, with messages from core/wire: no
// protocol core involved, only the transport and the codec.
//
// Usage: asio_env_go_test PATH_TO_GO_PEER [gtest flags]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/wire/messages.h"
#include "gtest/gtest.h"
#include "net/asio_env.h"

extern char** environ;

namespace swim::net {
namespace {

std::string g_peer_path;

constexpr auto kWait = std::chrono::seconds(5);

// One Go peer process: commands on its stdin, JSON lines from its stdout.
class GoPeer {
 public:
  // Starts the peer; returns nullptr (with a test failure) if it does not
  // report ready.
  static std::unique_ptr<GoPeer> Start(const std::string& name) {
    auto peer = std::unique_ptr<GoPeer>(new GoPeer());
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {g_peer_path, "-name",  name,
                                      "-bind",     "127.0.0.1", "-port",
                                      "0",         "-compression=false",
                                      "-quiet"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&peer->pid_, g_peer_path.c_str(), &actions,
                               nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    peer->in_ = in[1];
    peer->out_ = out[0];
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << g_peer_path << ": rc " << rc;
      peer->pid_ = -1;
      return nullptr;
    }
    std::optional<nlohmann::json> ready =
        peer->WaitFor([](const nlohmann::json& j) {
          return j.value("event", "") == "ready";
        });
    if (!ready) {
      ADD_FAILURE() << "Go peer never became ready";
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
      const auto end = std::chrono::steady_clock::now() + kWait;
      int status = 0;
      while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > end) {
          kill(pid_, SIGKILL);
          waitpid(pid_, &status, 0);
          break;
        }
        usleep(10 * 1000);
      }
    }
    if (in_ >= 0) close(in_);
    if (out_ >= 0) close(out_);
  }

  Address address() const {
    return Address{*IpAddress::Parse("127.0.0.1"), port_, ""};
  }

  void Command(const std::string& line) {
    const std::string l = line + "\n";
    if (write(in_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) {
      ADD_FAILURE() << "cannot write to Go peer";
    }
  }

  // Reads lines until one satisfies `pred` or kWait passes.
  template <typename Pred>
  std::optional<nlohmann::json> WaitFor(Pred pred) {
    const auto end = std::chrono::steady_clock::now() + kWait;
    while (true) {
      for (size_t nl; (nl = buffered_.find('\n')) != std::string::npos;) {
        const std::string line = buffered_.substr(0, nl);
        buffered_.erase(0, nl + 1);
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded()) {
          ADD_FAILURE() << "Go peer printed a non-JSON line: " << line;
          continue;
        }
        if (pred(j)) return j;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(out_, buf, sizeof(buf));
      if (n <= 0) return std::nullopt;  // the peer exited
      buffered_.append(buf, n);
    }
  }

  std::optional<nlohmann::json> WaitForUserMessage(const std::string& data) {
    return WaitFor([&](const nlohmann::json& j) {
      return j.value("event", "") == "user_msg" && j.value("data", "") == data;
    });
  }

 private:
  GoPeer() = default;
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  uint16_t port_ = 0;
  std::string buffered_;
};

std::unique_ptr<AsioEnv> StartedEnv() {
  AsioEnvOptions o;
  o.bind_ip = *IpAddress::Parse("127.0.0.1");
  o.min_log_level = LogLevel::kError;
  auto env = std::make_unique<AsioEnv>(o);
  EXPECT_TRUE(env->Start().ok());
  return env;
}

// The ack with `seq` in a packet, looking inside a compound message (Go
// piggybacks its queued broadcasts on acks).
std::optional<wire::AckResp> FindAck(ByteSpan packet, uint32_t seq) {
  if (packet.empty()) return std::nullopt;
  const auto type = static_cast<wire::MessageType>(packet[0]);
  if (type == wire::MessageType::kAck) {
    absl::StatusOr<wire::AckResp> ack = wire::DecodeAck(packet.subspan(1));
    if (ack.ok() && ack->seq_no == seq) return *ack;
  } else if (type == wire::MessageType::kCompound) {
    absl::StatusOr<wire::CompoundParts> parts =
        wire::DecodeCompound(packet.subspan(1));
    if (!parts.ok()) return std::nullopt;
    for (ByteSpan part : parts->parts) {
      if (auto ack = FindAck(part, seq)) return ack;
    }
  }
  return std::nullopt;
}

TEST(AsioEnvGo, UdpUserMessageReachesTheGoDelegate) {
  auto go = GoPeer::Start("go1");
  ASSERT_TRUE(go);
  auto env = StartedEnv();
  Bytes packet;
  wire::EncodeUserPacket("hello go over udp", &packet);
  // By value: only the network orders this send before the test's end.
  env->Post([&env, packet, to = go->address()] { env->SendPacket(to, packet); });
  EXPECT_TRUE(go->WaitForUserMessage("hello go over udp"));
}

TEST(AsioEnvGo, StreamUserMessageReachesTheGoDelegate) {
  auto go = GoPeer::Start("go1");
  ASSERT_TRUE(go);
  auto env = StartedEnv();
  Bytes request;
  wire::EncodeUserStream("hello go over tcp", &request);
  std::promise<absl::Status> done;
  env->Post([&, to = go->address()] {
    env->StreamExchange(to, request, StreamReply::kNone, absl::Seconds(2),
                        [&](absl::StatusOr<Bytes> r) {
                          done.set_value(r.status());
                        });
  });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(f.get().ok());
  EXPECT_TRUE(go->WaitForUserMessage("hello go over tcp"));
}

// Go answers a ping without a source address to the datagram's source:
// the ack arriving proves we send from the bound port.
TEST(AsioEnvGo, UdpPingIsAckedToTheBoundPort) {
  auto go = GoPeer::Start("go1");
  ASSERT_TRUE(go);
  auto env = StartedEnv();
  std::promise<wire::AckResp> acked;
  bool got = false;
  env->SetPacketHandler([&](const Address& from, ByteSpan data, Instant) {
    if (got) return;
    if (auto ack = FindAck(data, 4242)) {
      got = true;
      acked.set_value(*ack);
    }
  });
  Bytes ping;
  wire::Encode(wire::Ping{4242, "go1", {}, 0, ""}, AddressMode::kBinary,
               &ping);
  env->Post([&env, ping, to = go->address()] { env->SendPacket(to, ping); });
  auto f = acked.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f.get().seq_no, 4242u);
  env->Stop();  // the handler refers to locals of this test
}

TEST(AsioEnvGo, StreamPingGetsItsAckOnTheSameConnection) {
  auto go = GoPeer::Start("go1");
  ASSERT_TRUE(go);
  auto env = StartedEnv();
  Bytes ping;
  wire::Encode(wire::Ping{77, "go1", {}, 0, ""}, AddressMode::kBinary, &ping);
  std::promise<absl::StatusOr<Bytes>> done;
  env->Post([&, to = go->address()] {
    env->StreamExchange(to, ping, StreamReply::kMessage, absl::Seconds(2),
                        [&](absl::StatusOr<Bytes> r) {
                          done.set_value(std::move(r));
                        });
  });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  absl::StatusOr<Bytes> reply = f.get();
  ASSERT_TRUE(reply.ok()) << reply.status();
  std::optional<wire::AckResp> ack = FindAck(*reply, 77);
  EXPECT_TRUE(ack.has_value()) << "reply of " << reply->size() << " bytes";
}

}  // namespace
}  // namespace swim::net

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH_TO_GO_PEER\n", argv[0]);
    return 2;
  }
  swim::net::g_peer_path = argv[1];
  signal(SIGPIPE, SIG_IGN);
  return RUN_ALL_TESTS();
}
