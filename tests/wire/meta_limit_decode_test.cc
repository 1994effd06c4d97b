// A Meta over limits::kMetaMaxSize is passed over by the decoders without
// being copied (issue 14 item 6): a push/pull of 1,900 entries with 10 KiB
// of meta each used to allocate 19 MB of strings that the state rules then
// threw away. This binary replaces the global operator new to record the
// largest single allocation made while decoding.
#include <algorithm>
#include <cstdlib>
#include <new>
#include <string>

#include <gtest/gtest.h>

#include "core/limits.h"
#include "core/wire/messages.h"

namespace {

// The largest allocation since the last reset (only while armed).
size_t g_largest = 0;
bool g_armed = false;

void* Allocate(size_t n) {
  if (g_armed && n > g_largest) g_largest = n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

// Runs `f` and returns the largest single allocation it made.
template <typename F>
size_t LargestAllocation(F f) {
  g_largest = 0;
  g_armed = true;
  f();
  g_armed = false;
  return g_largest;
}

}  // namespace

void* operator new(size_t n) { return Allocate(n); }
void* operator new[](size_t n) { return Allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace swim::wire {
namespace {

constexpr size_t kBigMeta = 10 * 1024;

PushNodeState Entry(std::string name, size_t meta) {
  PushNodeState s;
  s.name = std::move(name);
  s.addr = IpAddress::V4(10, 0, 0, 9);
  s.port = 7946;
  s.incarnation = 1;
  s.state = static_cast<int64_t>(NodeState::kAlive);
  s.meta = std::string(meta, 'm');
  return s;
}

Bytes PushPullBody(const std::vector<PushNodeState>& nodes) {
  PushPull pp;
  pp.nodes = nodes;
  Bytes msg;
  Encode(pp, AddressMode::kBinary, &msg);
  return Bytes(msg.begin() + 1, msg.end());  // the body: no type byte
}

TEST(MetaLimitDecode, OverLimitPushPullMetaIsNeverAllocated) {
  const Bytes body = PushPullBody({Entry("big", kBigMeta)});
  absl::StatusOr<PushPull> pp;
  const size_t largest = LargestAllocation(
      [&] { pp = DecodePushPull(ByteSpan(body), AddressMode::kBinary); });
  ASSERT_TRUE(pp.ok()) << pp.status();
  ASSERT_EQ(pp->nodes.size(), 1u);
  EXPECT_EQ(pp->nodes[0].name, "big");
  // Before the fix the 10 KiB meta was copied into a std::string.
  EXPECT_LT(largest, kBigMeta);
  EXPECT_FALSE(pp->nodes[0].meta.has_value());
  EXPECT_EQ(pp->nodes[0].meta_dropped, kBigMeta);
}

TEST(MetaLimitDecode, MetaAtTheLimitIsKeptAndEntriesAfterABigOneDecode) {
  const Bytes body =
      PushPullBody({Entry("big", limits::kMetaMaxSize + 1),
                    Entry("ok", limits::kMetaMaxSize), Entry("none", 0)});
  absl::StatusOr<PushPull> pp =
      DecodePushPull(ByteSpan(body), AddressMode::kBinary);
  ASSERT_TRUE(pp.ok()) << pp.status();
  ASSERT_EQ(pp->nodes.size(), 3u);
  EXPECT_EQ(pp->nodes[0].meta_dropped, limits::kMetaMaxSize + 1);
  EXPECT_FALSE(pp->nodes[0].meta.has_value());
  EXPECT_EQ(pp->nodes[1].meta_dropped, 0u);
  EXPECT_EQ(pp->nodes[1].meta, std::string(limits::kMetaMaxSize, 'm'));
  EXPECT_EQ(pp->nodes[2].name, "none");
  EXPECT_EQ(pp->nodes[2].meta, std::string());
}

TEST(MetaLimitDecode, OverLimitAliveMetaIsNeverAllocated) {
  Alive a;
  a.incarnation = 1;
  a.node = "big";
  a.addr = IpAddress::V4(10, 0, 0, 9);
  a.port = 7946;
  a.meta = std::string(kBigMeta, 'm');
  Bytes msg;
  Encode(a, AddressMode::kBinary, &msg);
  const ByteSpan body = ByteSpan(msg).subspan(1);
  absl::StatusOr<Alive> d;
  const size_t largest =
      LargestAllocation([&] { d = DecodeAlive(body, AddressMode::kBinary); });
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->node, "big");
  EXPECT_LT(largest, kBigMeta);
  EXPECT_FALSE(d->meta.has_value());
  EXPECT_EQ(d->meta_dropped, kBigMeta);
}

// Go may encode a []byte as an array of small integers; the limit holds for
// that form too.
TEST(MetaLimitDecode, OverLimitMetaAsIntegerArrayIsPassedOver) {
  Alive a;
  a.node = "arr";
  a.addr = IpAddress::V4(10, 0, 0, 9);
  a.port = 7946;
  a.meta = "M";  // placeholder: replaced by an array below
  Bytes msg;
  Encode(a, AddressMode::kBinary, &msg);
  // "Meta" then a1 4d (fixstr "M"): replace the value with array16 of
  // kMetaMaxSize + 1 zero bytes (positive fixints).
  const Bytes key = {0xa4, 'M', 'e', 't', 'a'};
  auto at = std::search(msg.begin(), msg.end(), key.begin(), key.end());
  ASSERT_NE(at, msg.end());
  at += key.size();
  ASSERT_EQ(*at, 0xa1);
  const size_t n = limits::kMetaMaxSize + 1;
  Bytes arr = {0xdc, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  arr.insert(arr.end(), n, 0x00);
  at = msg.erase(at, at + 2);
  msg.insert(at, arr.begin(), arr.end());
  absl::StatusOr<Alive> d =
      DecodeAlive(ByteSpan(msg).subspan(1), AddressMode::kBinary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->node, "arr");
  EXPECT_FALSE(d->meta.has_value());
  EXPECT_EQ(d->meta_dropped, n);
}

}  // namespace
}  // namespace swim::wire
