#include "core/config.h"

#include <gtest/gtest.h>

#include "core/security/keyring.h"

namespace swim {
namespace {

// Go 0.2.2 DefaultLANConfig, field by field (config.go).
TEST(Config, LanDefaultsMatchGo) {
  const Config c = DefaultLANConfig();
  EXPECT_EQ(c.bind_addr, "0.0.0.0");
  EXPECT_EQ(c.bind_port, 7946);
  EXPECT_EQ(c.advertise_addr, "");
  EXPECT_EQ(c.advertise_port, 7946);
  EXPECT_EQ(c.protocol_version, 2);
  EXPECT_EQ(c.tcp_timeout, absl::Seconds(10));
  EXPECT_EQ(c.indirect_checks, 3);
  EXPECT_EQ(c.retransmit_mult, 4);
  EXPECT_EQ(c.suspicion_mult, 4);
  EXPECT_EQ(c.suspicion_max_timeout_mult, 6);
  EXPECT_EQ(c.push_pull_interval, absl::Seconds(30));
  EXPECT_EQ(c.probe_timeout, absl::Milliseconds(500));
  EXPECT_EQ(c.probe_interval, absl::Seconds(1));
  EXPECT_FALSE(c.disable_tcp_pings);
  EXPECT_FALSE(c.disable_tcp_pings_for_node);
  EXPECT_EQ(c.awareness_max_multiplier, 8);
  EXPECT_EQ(c.gossip_nodes, 3);
  EXPECT_EQ(c.gossip_interval, absl::Milliseconds(200));
  EXPECT_EQ(c.gossip_to_the_dead_time, absl::Seconds(30));
  EXPECT_TRUE(c.gossip_verify_incoming);
  EXPECT_TRUE(c.gossip_verify_outgoing);
  EXPECT_TRUE(c.enable_compression);
  EXPECT_TRUE(c.secret_key.empty());
  EXPECT_EQ(c.keyring, nullptr);
  EXPECT_EQ(c.delegate, nullptr);
  EXPECT_EQ(c.delegate_protocol_version, 0);
  EXPECT_EQ(c.delegate_protocol_min, 0);
  EXPECT_EQ(c.delegate_protocol_max, 0);
  EXPECT_EQ(c.events, nullptr);
  EXPECT_EQ(c.conflict, nullptr);
  EXPECT_EQ(c.merge, nullptr);
  EXPECT_EQ(c.ping, nullptr);
  EXPECT_EQ(c.alive, nullptr);
  EXPECT_EQ(c.dns_config_path, "/etc/resolv.conf");
  EXPECT_EQ(c.handoff_queue_depth, 1024);
  EXPECT_EQ(c.udp_buffer_size, 1400);
  EXPECT_EQ(c.dead_node_reclaim_time, absl::ZeroDuration());
  EXPECT_FALSE(c.require_node_names);
  EXPECT_TRUE(c.cidrs_allowed.empty());
  EXPECT_EQ(c.weight_interval, absl::ZeroDuration());
}

TEST(Config, WanDefaultsMatchGo) {
  const Config c = DefaultWANConfig();
  EXPECT_EQ(c.tcp_timeout, absl::Seconds(30));
  EXPECT_EQ(c.suspicion_mult, 6);
  EXPECT_EQ(c.push_pull_interval, absl::Seconds(60));
  EXPECT_EQ(c.probe_timeout, absl::Seconds(3));
  EXPECT_EQ(c.probe_interval, absl::Seconds(5));
  EXPECT_EQ(c.gossip_nodes, 4);
  EXPECT_EQ(c.gossip_interval, absl::Milliseconds(500));
  EXPECT_EQ(c.gossip_to_the_dead_time, absl::Seconds(60));
  // Unchanged from LAN.
  EXPECT_EQ(c.indirect_checks, 3);
  EXPECT_EQ(c.retransmit_mult, 4);
  EXPECT_EQ(c.suspicion_max_timeout_mult, 6);
  EXPECT_EQ(c.awareness_max_multiplier, 8);
}

TEST(Config, LocalDefaultsMatchGo) {
  const Config c = DefaultLocalConfig();
  EXPECT_EQ(c.tcp_timeout, absl::Seconds(1));
  EXPECT_EQ(c.indirect_checks, 1);
  EXPECT_EQ(c.retransmit_mult, 2);
  EXPECT_EQ(c.suspicion_mult, 3);
  EXPECT_EQ(c.push_pull_interval, absl::Seconds(15));
  EXPECT_EQ(c.probe_timeout, absl::Milliseconds(200));
  EXPECT_EQ(c.probe_interval, absl::Seconds(1));
  EXPECT_EQ(c.gossip_interval, absl::Milliseconds(100));
  EXPECT_EQ(c.gossip_nodes, 3);
  EXPECT_EQ(c.gossip_to_the_dead_time, absl::Seconds(15));
}

Config Valid() {
  Config c = DefaultLANConfig();
  c.name = "a";
  return c;
}

TEST(ConfigValidate, DefaultsWithNameAreValid) {
  EXPECT_TRUE(Valid().Validate().ok());
  Config w = DefaultWANConfig();
  w.name = "w";
  EXPECT_TRUE(w.Validate().ok());
  Config l = DefaultLocalConfig();
  l.name = "l";
  EXPECT_TRUE(l.Validate().ok());
}

TEST(ConfigValidate, ProtocolVersionRange) {
  for (int v = 1; v <= 5; ++v) {
    Config c = Valid();
    c.protocol_version = static_cast<uint8_t>(v);
    EXPECT_TRUE(c.Validate().ok()) << v;
  }
  Config c = Valid();
  c.protocol_version = 6;
  EXPECT_NE(c.Validate().message().find("too high"), std::string::npos);
  c.protocol_version = 0;
  EXPECT_NE(c.Validate().message().find("too low"), std::string::npos);
}

TEST(ConfigValidate, SecretKeyLengths) {
  for (size_t n : {0, 16, 24, 32}) {
    Config c = Valid();
    c.secret_key = std::string(n, 'k');
    EXPECT_TRUE(c.Validate().ok()) << n;
  }
  for (size_t n : {3, 15, 17, 38}) {
    Config c = Valid();
    c.secret_key = std::string(n, 'k');
    EXPECT_FALSE(c.Validate().ok()) << n;
  }
}

TEST(ConfigValidate, RejectsBadCombinations) {
  auto rejects = [](auto mutate, const char* field) {
    Config c = Valid();
    mutate(c);
    absl::Status s = c.Validate();
    EXPECT_FALSE(s.ok()) << field;
    EXPECT_NE(s.message().find(field), std::string::npos) << s;
  };
  rejects([](Config& c) { c.name = ""; }, "name");
  rejects([](Config& c) { c.bind_port = 70000; }, "bind_port");
  rejects([](Config& c) { c.advertise_addr = "not-an-ip"; }, "advertise_addr");
  rejects([](Config& c) { c.tcp_timeout = absl::ZeroDuration(); },
          "tcp_timeout");
  rejects([](Config& c) { c.probe_timeout = absl::ZeroDuration(); },
          "probe_timeout");
  rejects([](Config& c) { c.probe_timeout = absl::Seconds(2); },
          "probe_timeout");
  rejects([](Config& c) { c.probe_interval = absl::Seconds(-1); },
          "probe_interval");
  rejects([](Config& c) { c.suspicion_mult = 0; }, "suspicion_mult");
  rejects([](Config& c) { c.awareness_max_multiplier = 0; },
          "awareness_max_multiplier");
  rejects([](Config& c) { c.udp_buffer_size = 10; }, "udp_buffer_size");
  rejects([](Config& c) { c.indirect_checks = -1; }, "indirect_checks");
  rejects([](Config& c) { c.handoff_queue_depth = 0; }, "handoff_queue_depth");
  rejects(
      [](Config& c) {
        c.delegate_protocol_min = 3;
        c.delegate_protocol_max = 2;
      },
      "delegate_protocol_min");
  rejects([](Config& c) { c.weight_interval = absl::Seconds(-1); },
          "weight_interval");
}

TEST(ConfigValidate, ZeroIntervalsSwitchLoopsOff) {
  Config c = Valid();
  c.probe_interval = absl::ZeroDuration();
  c.probe_timeout = absl::ZeroDuration();
  c.gossip_interval = absl::ZeroDuration();
  c.push_pull_interval = absl::ZeroDuration();
  EXPECT_TRUE(c.Validate().ok());
}

TEST(ConfigCidr, EmptyListAllowsEverything) {
  Config c = Valid();
  EXPECT_FALSE(c.IPMustBeChecked());
  EXPECT_TRUE(c.IPAllowed(*IpAddress::Parse("10.1.2.3")).ok());
  EXPECT_TRUE(c.IPAllowed(*IpAddress::Parse("::1")).ok());
}

// Go's Test_IsValidAddressOverride.
TEST(ConfigCidr, FamiliesAreListedSeparately) {
  Config c = Valid();
  ASSERT_TRUE(ParseCIDRs({"0.0.0.0/0"}, &c.cidrs_allowed).ok());
  EXPECT_TRUE(c.IPAllowed(*IpAddress::Parse("127.0.0.1")).ok());
  EXPECT_TRUE(c.IPAllowed(*IpAddress::Parse("::ffff:10.0.0.1")).ok());
  EXPECT_FALSE(c.IPAllowed(*IpAddress::Parse("::1")).ok());

  ASSERT_TRUE(ParseCIDRs({"::0/0"}, &c.cidrs_allowed).ok());
  EXPECT_FALSE(c.IPAllowed(*IpAddress::Parse("127.0.0.1")).ok());
  EXPECT_TRUE(c.IPAllowed(*IpAddress::Parse("::1")).ok());

  ASSERT_TRUE(ParseCIDRs({"::1/128", " 127.0.0.0/8 "}, &c.cidrs_allowed).ok());
  EXPECT_TRUE(c.IPAllowed(*IpAddress::Parse("127.0.0.1")).ok());
  EXPECT_TRUE(c.IPAllowed(*IpAddress::Parse("127.255.0.9")).ok());
  EXPECT_TRUE(c.IPAllowed(*IpAddress::Parse("::1")).ok());
  EXPECT_FALSE(c.IPAllowed(*IpAddress::Parse("128.0.0.1")).ok());
  EXPECT_FALSE(c.IPAllowed(*IpAddress::Parse("::2")).ok());
}

TEST(ConfigCidr, ParseCIDRsKeepsValidAndNamesInvalid) {
  std::vector<IpNetwork> nets;
  absl::Status s =
      ParseCIDRs({"10.0.0.0/8", "nope", "1.2.3.4/33", "::/0"}, &nets);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nope"), std::string::npos);
  EXPECT_NE(s.message().find("1.2.3.4/33"), std::string::npos);
  ASSERT_EQ(nets.size(), 2u);
  EXPECT_EQ(nets[0].ToString(), "10.0.0.0/8");
  EXPECT_EQ(nets[1].ToString(), "::/0");
}

// Go's keyring_test.go behaviours.
TEST(Keyring, EmptyRing) {
  auto r = security::Keyring::Create({}, "");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(Keyring, AddUseRemove) {
  const std::string k1(16, '1'), k2(24, '2'), k3(32, '3');
  auto r = security::Keyring::Create({k1}, k1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->GetPrimaryKey(), k1);
  EXPECT_FALSE(r->UseKey(k2).ok());
  ASSERT_TRUE(r->AddKey(k2).ok());
  ASSERT_TRUE(r->AddKey(k2).ok());  // duplicate: no-op
  EXPECT_EQ(r->GetKeys().size(), 2u);
  EXPECT_EQ(r->GetPrimaryKey(), k1);
  ASSERT_TRUE(r->UseKey(k2).ok());
  EXPECT_EQ(r->GetPrimaryKey(), k2);
  EXPECT_FALSE(r->RemoveKey(k2).ok());
  ASSERT_TRUE(r->AddKey(k3).ok());
  ASSERT_TRUE(r->RemoveKey(k1).ok());
  EXPECT_EQ(r->GetKeys(), (std::vector<std::string>{k2, k3}));
  EXPECT_FALSE(r->AddKey("short").ok());
}

}  // namespace
}  // namespace swim
