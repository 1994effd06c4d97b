// wire::StreamFramer: incremental stream framing gives the same answers as
// StreamMessageSize on every prefix, and a message dribbled one byte at a
// time costs work linear in its size (hardening issue 14, item 8: a slow TCP
// sender kept a node's loop at 100% CPU because every read rescanned the
// whole prefix).
#include <string>

#include "core/wire/framing.h"
#include "core/wire/messages.h"

#include "gtest/gtest.h"

namespace swim::wire {
namespace {

Bytes PushPullMessage(int nodes, size_t meta_size, std::string user_state) {
  PushPull pp;
  pp.join = true;
  for (int i = 0; i < nodes; ++i) {
    PushNodeState n;
    n.name = "node-" + std::to_string(i);
    n.addr = IpAddress::V4(10, 0, static_cast<uint8_t>(i >> 8),
                           static_cast<uint8_t>(i));
    n.port = 7946;
    n.meta = std::string(meta_size, 'm');
    n.incarnation = static_cast<uint32_t>(i);
    n.state = 0;
    n.vsn = VersionVector{1, 5, 2, 0, 0, 0};
    pp.nodes.push_back(std::move(n));
  }
  pp.user_state = std::move(user_state);
  Bytes out;
  Encode(pp, AddressMode::kBinary, &out);
  return out;
}

// Feeds msg[0..k) for k = 1..size in steps of `step`, checking each answer
// against the stateless function on the same prefix.
void ExpectSameAsStateless(const Bytes& msg, size_t step) {
  StreamFramer f;
  for (size_t k = 1; k <= msg.size(); k += step) {
    const ByteSpan prefix(msg.data(), k);
    absl::StatusOr<size_t> inc = f.Next(prefix);
    absl::StatusOr<size_t> whole = StreamMessageSize(prefix);
    ASSERT_EQ(inc.ok(), whole.ok()) << "prefix " << k;
    if (inc.ok()) {
      ASSERT_EQ(*inc, *whole) << "prefix " << k;
    }
  }
  absl::StatusOr<size_t> last = f.Next(ByteSpan(msg));
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, msg.size());
}

TEST(StreamFramer, PushPullDribbledByteByByteMatchesStateless) {
  ExpectSameAsStateless(PushPullMessage(40, 20, "user state"), 1);
}

TEST(StreamFramer, UserStreamAndPingMatchStateless) {
  Bytes user;
  EncodeUserStream(std::string(3000, 'u'), &user);
  ExpectSameAsStateless(user, 1);
  Ping p;
  p.seq_no = 7;
  p.node = "a";
  Bytes ping;
  Encode(p, AddressMode::kBinary, &ping);
  ExpectSameAsStateless(ping, 1);
}

TEST(StreamFramer, TrailingBytesAfterTheMessageAreNotPartOfIt) {
  Bytes msg = PushPullMessage(3, 4, "");
  const size_t size = msg.size();
  msg.push_back(0x01);
  msg.push_back(0x02);
  StreamFramer f;
  absl::StatusOr<size_t> n = f.Next(ByteSpan(msg));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, size);
}

TEST(StreamFramer, ErrorsAreSticky) {
  const Bytes bad = {0x63, 0x00};  // unknown stream type
  StreamFramer f;
  EXPECT_FALSE(f.Next(ByteSpan(bad)).ok());
  EXPECT_FALSE(f.Next(ByteSpan(bad)).ok());
}

TEST(StreamFramer, OneByteAtATimeCostsLinearWork) {
  // 2,000 node states (~90 kB): a rescanning framer reads ~4e9 header bytes
  // over the dribble; the incremental one reads each header about once
  // (a partial header is re-read, at most 9 bytes per call).
  const Bytes msg = PushPullMessage(2000, 8, std::string(100, 's'));
  StreamFramer f;
  size_t got = 0;
  for (size_t k = 1; k <= msg.size(); ++k) {
    absl::StatusOr<size_t> n = f.Next(ByteSpan(msg.data(), k));
    ASSERT_TRUE(n.ok()) << n.status();
    got = *n;
  }
  EXPECT_EQ(got, msg.size());
  EXPECT_LT(f.examined(), 10 * msg.size())
      << "message of " << msg.size() << " bytes";
}

TEST(StreamFramer, DeepNestingStillRefused) {
  Bytes msg = {static_cast<uint8_t>(MessageType::kPing)};
  for (int i = 0; i < 40; ++i) msg.push_back(0x91);  // [[[...
  msg.push_back(0x00);
  StreamFramer f;
  EXPECT_FALSE(f.Next(ByteSpan(msg)).ok());
}

}  // namespace
}  // namespace swim::wire
