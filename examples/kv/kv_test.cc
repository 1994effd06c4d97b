// The kv example: writes reach live members at once, and a node that joins
// later (or missed a write) catches up through push/pull anti-entropy.
#include <chrono>
#include <thread>

#include "examples/kv/kv_store.h"
#include "gtest/gtest.h"

namespace kv {
namespace {

swim::Config Cfg(const std::string& name) {
  swim::Config c = swim::DefaultLocalConfig();
  c.name = name;
  c.bind_addr = "127.0.0.1";
  c.bind_port = 0;
  c.push_pull_interval = absl::Milliseconds(500);
  c.probe_interval = absl::Milliseconds(200);
  return c;
}

bool Eventually(const std::function<bool()>& pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

TEST(KvExample, WritesReplicateAndLateJoinerCatchesUp) {
  auto a = Store::Create(Cfg("a"));
  auto b = Store::Create(Cfg("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string seed = (*a)->memberlist().AdvertiseAddress().ToString();
  ASSERT_TRUE((*b)->Join({seed}).ok());
  ASSERT_TRUE(Eventually([&] { return (*a)->memberlist().NumMembers() == 2; }));

  EXPECT_EQ((*a)->Set("colour", "blue"), 1);
  EXPECT_TRUE(Eventually([&] { return (*b)->Get("colour") == "blue"; }));
  (*b)->Set("colour", "green");  // later write wins
  EXPECT_TRUE(Eventually([&] { return (*a)->Get("colour") == "green"; }));
  (*a)->Set("shape", "round");
  (*a)->Delete("shape");
  EXPECT_TRUE(Eventually([&] { return !(*b)->Get("shape").has_value(); }));

  // c was not there for any write: the join's push/pull hands it the map.
  auto c = Store::Create(Cfg("c"));
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Join({seed}).ok());
  EXPECT_TRUE(Eventually([&] { return (*c)->Get("colour") == "green"; }));
  EXPECT_FALSE((*c)->Get("shape").has_value());
  EXPECT_EQ((*c)->Dump(), (*a)->Dump());
}

}  // namespace
}  // namespace kv
