// How long a mass join takes on loopback: N net::Memberlist nodes in one
// process all join node 0 at once; we time until every node sees all N.
// Prints numbers; manual (SWIM_MASS_JOIN_SIZES="10,50,100,200").
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/memberlist.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/net/test_util.h"

namespace swim::net {
namespace {

TEST(MassJoin, EveryNodeSeesAll) {
  const char* env = std::getenv("SWIM_MASS_JOIN_SIZES");
  std::vector<int> sizes;
  for (absl::string_view s : absl::StrSplit(env ? env : "10,50", ',')) {
    int n = 0;
    if (absl::SimpleAtoi(s, &n)) sizes.push_back(n);
  }
  for (int n : sizes) {
    std::vector<std::unique_ptr<Memberlist>> nodes;
    for (int i = 0; i < n; ++i) {
      Config c = DefaultLocalConfig();
      c.name = absl::StrCat("m", i);
      c.bind_addr = "127.0.0.1";
      c.bind_port = 0;
      auto ml = Memberlist::Create(c);
      ASSERT_TRUE(ml.ok()) << ml.status();
      nodes.push_back(std::move(*ml));
    }
    const std::string seed = nodes[0]->AdvertiseAddress().ToString();
    const absl::Time start = absl::Now();
    std::vector<std::thread> joiners;
    std::atomic<int> retries{0};
    std::mutex err_mu;
    std::map<std::string, int> errors;
    for (int i = 1; i < n; ++i) {
      joiners.emplace_back([&, i] {
        // A seed takes at most max_inbound_streams (128, Go's maxPushPulls)
        // concurrent streams; like an operator, retry a refused join.
        for (int attempt = 0; attempt < 5; ++attempt) {
          absl::StatusOr<int> r = nodes[i]->Join({seed});
          if (r.ok()) return;
          {
            std::lock_guard<std::mutex> l(err_mu);
            ++errors[std::string(r.status().message().substr(0, 120))];
          }
          ++retries;
          std::this_thread::sleep_for(
              std::chrono::milliseconds(50 * (attempt + 1)));
        }
        ADD_FAILURE() << "node " << i << " could not join";
      });
    }
    for (auto& t : joiners) t.join();
    for (const auto& [msg, count] : errors) {
      std::printf("  join error x%d: %s\n", count, msg.c_str());
    }
    const absl::Duration joined = absl::Now() - start;
    const bool ok = testing::WaitFor(
        [&] {
          for (auto& m : nodes) {
            if (m->NumMembers() != n) return false;
          }
          return true;
        },
        absl::Seconds(120));
    const absl::Duration all = absl::Now() - start;
    EXPECT_TRUE(ok);
    std::printf(
        "mass join n=%d: joins returned after %.0f ms (%d retried), all see "
        "%d after %.0f ms%s\n",
        n, absl::ToDoubleMilliseconds(joined), retries.load(), n,
        absl::ToDoubleMilliseconds(all), ok ? "" : " (NOT CONVERGED)");
    std::fflush(stdout);
    for (auto& m : nodes) m->Shutdown();
  }
}

}  // namespace
}  // namespace swim::net
