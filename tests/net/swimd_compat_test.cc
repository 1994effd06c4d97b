// swimd --compat: "go" applies Config::ApplyGoCompat(), "default" leaves
// the defaults, anything else is a usage error; it works from the config
// file too.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/swimd_config.h"

namespace swim::swimd {
namespace {

absl::StatusOr<Config> Build(std::vector<std::string> args) {
  args.insert(args.begin(), "swimd");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  absl::StatusOr<Parsed> p =
      ParseSettings(static_cast<int>(argv.size()), argv.data());
  if (!p.ok()) return p.status();
  return BuildConfig(p->settings, {});
}

TEST(SwimdCompat, GoAppliesGoCompatOnTheProfile) {
  absl::StatusOr<Config> c = Build({"--compat", "go", "--profile", "local"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->handoff, HandoffMode::kGoLifo);
  EXPECT_FALSE(c->join_sync);
  EXPECT_EQ(c->refutation_transmit_scale, 1);
  EXPECT_FALSE(c->accept_snappy);
  EXPECT_EQ(c->probe_timeout, DefaultLocalConfig().probe_timeout);
}

TEST(SwimdCompat, DefaultAndAbsentKeepOurBehaviour) {
  for (auto args : {std::vector<std::string>{},
                    std::vector<std::string>{"--compat", "default"}}) {
    absl::StatusOr<Config> c = Build(args);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->handoff, HandoffMode::kInline);
    EXPECT_TRUE(c->join_sync);
    EXPECT_EQ(c->refutation_transmit_scale, 3);
  }
}

TEST(SwimdCompat, UnknownValueIsAUsageError) {
  absl::StatusOr<Config> c = Build({"--compat", "golang"});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()),
              ::testing::HasSubstr("bad --compat \"golang\""));
}

TEST(SwimdCompat, SnappyCannotGoWithGoCompat) {
  absl::StatusOr<Config> c =
      Build({"--compat", "go", "--compression", "snappy"});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()),
              ::testing::HasSubstr("--compat go"));
}

TEST(SwimdCompat, ConfigFileKey) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/swimd.toml";
  std::ofstream(path) << "compat = \"go\"\n";
  absl::StatusOr<Config> c = Build({"--config", path});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->handoff, HandoffMode::kGoLifo);
}

}  // namespace
}  // namespace swim::swimd
