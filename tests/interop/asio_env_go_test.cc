// net::AsioEnv talking to an unmodified Go memberlist 0.2.2 node (the
// tests/interop/go peer) on 127.0.0.1, with messages from core/wire: no
// protocol core involved, only the transport and the codec.
//
// Usage: asio_env_go_test PATH_TO_GO_PEER [gtest flags]

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/wire/messages.h"

#include "net/asio_env.h"

#include "gtest/gtest.h"
#include "tests/interop/go_peer.h"
#include "tests/net/fn_inbound.h"

namespace swim::net {
namespace {

std::string g_peer_path;

constexpr auto kWait = std::chrono::seconds(5);

using interop::GoPeer;

// The Go node's address, as AsioEnv wants it.
Address GoAddress(const GoPeer& go) {
  return Address{*IpAddress::Parse("127.0.0.1"), go.port(), go.name()};
}

std::unique_ptr<GoPeer> StartGo(const std::string& name) {
  // Uncompressed, so the tests can read Go's replies with the plain codec.
  return GoPeer::Start(g_peer_path, name, {"-compression=false"});
}

bool GoGotUserMessage(GoPeer& go, const std::string& data) {
  return go.WaitUserMessage(data, std::chrono::seconds(5)).has_value();
}

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
  auto go = StartGo("go1");
  ASSERT_TRUE(go);
  auto env = StartedEnv();
  Bytes packet;
  wire::EncodeUserPacket("hello go over udp", &packet);
  // By value: only the network orders this send before the test's end.
  env->Post(
      [&env, packet, to = GoAddress(*go)] { env->SendPacket(to, packet); });
  EXPECT_TRUE(GoGotUserMessage(*go, "hello go over udp"));
}

TEST(AsioEnvGo, StreamUserMessageReachesTheGoDelegate) {
  auto go = StartGo("go1");
  ASSERT_TRUE(go);
  auto env = StartedEnv();
  Bytes request;
  wire::EncodeUserStream("hello go over tcp", &request);
  std::promise<absl::Status> done;
  env->Post([&, to = GoAddress(*go)] {
    env->StreamExchange(
        to, request, StreamReply::kNone, absl::Seconds(2),
        [&](absl::StatusOr<Bytes> r) { done.set_value(r.status()); });
  });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(f.get().ok());
  EXPECT_TRUE(GoGotUserMessage(*go, "hello go over tcp"));
}

// Go answers a ping without a source address to the datagram's source:
// the ack arriving proves we send from the bound port.
TEST(AsioEnvGo, UdpPingIsAckedToTheBoundPort) {
  auto go = StartGo("go1");
  ASSERT_TRUE(go);
  auto env = StartedEnv();
  std::promise<wire::AckResp> acked;
  bool got = false;
  env->SetInbound(swim::net::testing::InboundFrom(
      [&](const Address& from, ByteSpan data, Instant) {
        if (got) return;
        if (auto ack = FindAck(data, 4242)) {
          got = true;
          acked.set_value(*ack);
        }
      }));
  Bytes ping;
  wire::Encode(wire::Ping{4242, "go1", {}, 0, ""}, AddressMode::kBinary, &ping);
  env->Post([&env, ping, to = GoAddress(*go)] { env->SendPacket(to, ping); });
  auto f = acked.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f.get().seq_no, 4242u);
  env->Stop();  // the handler refers to locals of this test
}

TEST(AsioEnvGo, StreamPingGetsItsAckOnTheSameConnection) {
  auto go = StartGo("go1");
  ASSERT_TRUE(go);
  auto env = StartedEnv();
  Bytes ping;
  wire::Encode(wire::Ping{77, "go1", {}, 0, ""}, AddressMode::kBinary, &ping);
  std::promise<absl::StatusOr<Bytes>> done;
  env->Post([&, to = GoAddress(*go)] {
    env->StreamExchange(
        to, ping, StreamReply::kMessage, absl::Seconds(2),
        [&](absl::StatusOr<Bytes> r) { done.set_value(std::move(r)); });
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
