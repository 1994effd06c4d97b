// Loopback round-trip numbers for net::AsioEnv (manual: prints, asserts only
// that every exchange completed).
//
//   ./bazelw test --config=opt //tests/net:asio_env_perf_test --test_output=all
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>

#include "core/wire/messages.h"

#include "net/asio_env.h"

#include "gtest/gtest.h"
#include "tests/net/fn_inbound.h"

namespace swim::net {
namespace {

std::unique_ptr<AsioEnv> StartedEnv() {
  AsioEnvOptions o;
  o.bind_ip = *IpAddress::Parse("127.0.0.1");
  o.min_log_level = LogLevel::kError;
  auto env = std::make_unique<AsioEnv>(o);
  EXPECT_TRUE(env->Start().ok());
  return env;
}

TEST(AsioEnvPerf, UdpPingPongRoundTrip) {
  constexpr int kRounds = 20000;
  auto a = StartedEnv();
  auto b = StartedEnv();
  const Address to_a = a->local_address(), to_b = b->local_address();
  b->SetInbound(swim::net::testing::InboundFrom(
      [&](const Address& from, ByteSpan data, Instant) {
        b->SendPacket(from, Bytes(data.begin(), data.end()));
      }));
  std::promise<void> done;
  int rounds = 0;
  const Bytes payload(100, 0x5a);
  a->SetInbound(
      swim::net::testing::InboundFrom([&](const Address&, ByteSpan, Instant) {
        if (++rounds == kRounds) {
          done.set_value();
          return;
        }
        a->SendPacket(to_b, payload);
      }));
  const auto start = std::chrono::steady_clock::now();
  a->Post([&] { a->SendPacket(to_b, payload); });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(50)),
            std::future_status::ready)
      << "a datagram was lost after " << rounds << " rounds";
  const double us = std::chrono::duration<double, std::micro>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  std::printf("UDP ping-pong: %d round trips, %.1f us per round trip\n",
              kRounds, us / kRounds);
  a->Stop();
  b->Stop();
  (void)to_a;
}

TEST(AsioEnvPerf, TcpExchangeRoundTrip) {
  constexpr int kRounds = 2000;
  auto server = StartedEnv();
  auto client = StartedEnv();
  Bytes reply;
  wire::Encode(wire::AckResp{1, std::string(200, 'x')}, &reply);
  server->SetInbound(swim::net::testing::StreamInbound(
      [&](const Address&, ByteSpan) -> std::optional<Bytes> { return reply; }));
  Bytes request;
  wire::EncodeUserStream(std::string(200, 'y'), &request);
  std::promise<void> done;
  int rounds = 0, failures = 0;
  const Address to = server->local_address();
  std::function<void()> next = [&] {
    client->StreamExchange(to, request, StreamReply::kMessage, absl::Seconds(2),
                           [&](absl::StatusOr<Bytes> r) {
                             if (!r.ok()) ++failures;
                             if (++rounds == kRounds) {
                               done.set_value();
                             } else {
                               next();
                             }
                           });
  };
  const auto start = std::chrono::steady_clock::now();
  client->Post(next);
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(50)),
            std::future_status::ready);
  const double us = std::chrono::duration<double, std::micro>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  EXPECT_EQ(failures, 0);
  std::printf(
      "TCP exchange (connect, write, read, close): %d rounds, %.1f us "
      "each\n",
      kRounds, us / kRounds);
  client->Stop();
  server->Stop();
}

}  // namespace
}  // namespace swim::net
