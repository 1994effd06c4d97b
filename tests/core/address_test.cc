#include "core/address.h"

#include <gtest/gtest.h>

namespace swim {
namespace {

TEST(IpAddress, ParsesAndPrintsV4AndV6) {
  EXPECT_EQ(IpAddress::Parse("127.0.0.1")->ToString(), "127.0.0.1");
  EXPECT_EQ(IpAddress::Parse("127.0.0.1")->size(), 4u);
  EXPECT_EQ(IpAddress::Parse("::1")->ToString(), "::1");
  EXPECT_EQ(IpAddress::Parse("[::1]")->size(), 16u);
  EXPECT_EQ(IpAddress::Parse("2001:db8:0:0:1:0:0:1")->ToString(),
            "2001:db8::1:0:0:1");
  EXPECT_EQ(IpAddress::Parse("fe80::")->ToString(), "fe80::");
  EXPECT_EQ(IpAddress::Parse("::")->ToString(), "::");
  auto mapped = IpAddress::Parse("::ffff:10.0.0.1");
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->size(), 16u);
  EXPECT_TRUE(mapped->IsV4OrMapped());
  EXPECT_EQ(mapped->ToString(), "10.0.0.1");
  EXPECT_EQ(mapped->Unmapped(), *IpAddress::Parse("10.0.0.1"));
  // Byte-for-byte comparison, as Go does.
  EXPECT_NE(*mapped, *IpAddress::Parse("10.0.0.1"));
}

TEST(IpAddress, RejectsMalformed) {
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.1.1.1", "1:2:3:4:5:6:7:8:9",
        "1::2::3", "g::1", "12345::", "abc", "1.2.3.-4", "fe80::1%eth0"}) {
    EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
  }
}

TEST(IpAddress, FromBytesAcceptsOnly4Or16) {
  const uint8_t b[16] = {};
  EXPECT_TRUE(IpAddress::FromBytes({b, 4}));
  EXPECT_TRUE(IpAddress::FromBytes({b, 16}));
  EXPECT_FALSE(IpAddress::FromBytes({b, 9}));
  EXPECT_FALSE(IpAddress::FromBytes({b, 0}));
}

TEST(Address, ToStringBracketsV6) {
  EXPECT_EQ((Address{*IpAddress::Parse("::1"), 7946, ""}).ToString(),
            "[::1]:7946");
  EXPECT_EQ((Address{*IpAddress::Parse("1.2.3.4"), 1, ""}).ToString(),
            "1.2.3.4:1");
}

// Go's TestMemberList_ResolveAddr cases.
TEST(JoinAddress, ParsesNameHostPort) {
  auto t = ParseJoinAddress("127.0.0.1", 7946);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 7946);

  t = ParseJoinAddress("node-a/127.0.0.5:1234", 7946);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->node_name, "node-a");
  EXPECT_EQ(t->host, "127.0.0.5");
  EXPECT_EQ(t->port, 1234);

  t = ParseJoinAddress("[2001:db8::1]:80", 7946);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "2001:db8::1");
  EXPECT_EQ(t->port, 80);

  t = ParseJoinAddress("2001:db8::1", 7946);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "2001:db8::1");
  EXPECT_EQ(t->port, 7946);

  t = ParseJoinAddress("x/[::1]", 9);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->node_name, "x");
  EXPECT_EQ(t->host, "::1");

  t = ParseJoinAddress("example.com:99", 1);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "example.com");
  EXPECT_EQ(t->port, 99);
}

TEST(JoinAddress, Errors) {
  EXPECT_FALSE(ParseJoinAddress(":80", 1).ok());
  EXPECT_FALSE(ParseJoinAddress("127.0.0.1:80800", 1).ok());
  EXPECT_FALSE(ParseJoinAddress("/127.0.0.1", 1).ok());
  EXPECT_FALSE(ParseJoinAddress("[::1", 1).ok());
  EXPECT_FALSE(ParseJoinAddress("host:", 1).ok());
  EXPECT_FALSE(ParseJoinAddress("host:-1", 1).ok());
}

TEST(IpNetwork, MasksAndContains) {
  auto n = ParseCIDR("10.1.2.3/8");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->ToString(), "10.0.0.0/8");
  EXPECT_TRUE(n->Contains(*IpAddress::Parse("10.200.0.1")));
  EXPECT_FALSE(n->Contains(*IpAddress::Parse("11.0.0.1")));
  auto v6 = ParseCIDR("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->Contains(*IpAddress::Parse("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->Contains(*IpAddress::Parse("2001:db9::1")));
  EXPECT_FALSE(ParseCIDR("10.0.0.0").ok());
  EXPECT_FALSE(ParseCIDR("10.0.0.0/+8").ok());
  EXPECT_FALSE(ParseCIDR("host/8").ok());
}

}  // namespace
}  // namespace swim
