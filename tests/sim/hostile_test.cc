// Honest core::Memberlist clusters under attack by a sim::HostilePeer.
//
// Each test builds 8 honest nodes (DefaultLocalConfig), lets them converge,
// adds one hostile peer and runs one attack class for 20 s of virtual time,
// then 30 s of quiet. It checks that
//   - no honest node crashes (a SWIM_CHECK would abort the test binary),
//   - every honest table, queue and handler map stays bounded (peaks sampled
//     every 100 ms; the bounds are a small multiple of the cluster size),
//   - every message the peer sent that no correct node may accept
//     (Verdict::kMalformed) shows up in the victim's "memberlist.malformed.*"
//     or "memberlist.dropped.*" counters,
//   - the honest nodes agree that every honest node is alive again at the
//     end, and every false death is explained by forged claims.
// Each test prints one summary line (attack, messages, counted, peaks, who
// was hurt and why).
#include "sim/hostile.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>

#include <gtest/gtest.h>

#include "core/check.h"
#include "core/limits.h"
#include "core/memberlist.h"
#include "core/security/keyring.h"

#include "sim/cluster.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sim {
namespace {

constexpr int kHonest = 8;
constexpr absl::Duration kAttack = absl::Seconds(20);
// After the attack: a forged suspicion still running when the flood stops
// can end in a death up to SuspicionMax later (suspicion_max_timeout_mult 6
// x suspicion_mult 3 x 1 s = 18 s with the Local config); the dead entry is
// then corrected only by the subject's refutation (an alive at the same
// incarnation does not beat dead), which needs the accusation to reach the
// subject: by gossip, or by a push/pull between it and a node holding the
// death (every 15 s each node picks one random peer, so this tail is
// geometric). Over 40 seeds of each flood the slowest recovery was 52 s;
// 120 s gives the tail room. The measured time is printed.
constexpr absl::Duration kRecovery = absl::Seconds(120);
// Made-up members leave a table once the node has probed them out (one
// probe per second over the whole table), the suspicion has run out and the
// dead entry is reaped (gossip_to_the_dead_time, at the end of a probe
// round); push/pull with a node that still holds an old alive re-adds a
// reaped one. Measured: 500 made-up members sent in 20 s (peak table 333)
// take about 25 minutes of virtual time to drain from 8 nodes. 1 h bound.
constexpr absl::Duration kDrain = absl::Seconds(3600);

// Peak bounds. An honest node's table holds the 8 honest nodes and the
// peer; gossip is keyed by node name (plus one refutation keyed by address
// per node), so the queues hold at most a few entries per member.
constexpr size_t kMaxTable = kHonest + 1;
constexpr size_t kMaxBroadcasts = 4 * kMaxTable;
constexpr size_t kMaxAckHandlers = 16;
constexpr size_t kMaxTimers = 64;
constexpr size_t kMaxWorldEvents = 4096;

struct AttackSetup {
  bool encrypted = false;
  bool insider = true;  // the peer has the cluster key and joins
  size_t max_members = swim::limits::kDefaultMaxMembers;  // Config::max_members
  HostileOptions peer;
};

struct Outcome {
  UsagePeak peak;
  std::vector<Hurt> deaths;
  std::string hurt_report;
  HostileStats stats;
  std::vector<uint64_t> counted;  // per honest node: malformed + dropped
  bool recovered = false;
  absl::Duration recovery;        // from the end of the attack to agreement
  bool drained = false;           // every table back to the honest nodes + peer
  absl::Duration drain;           // from agreement to drained
  std::string leftovers;          // table states when not drained
  uint64_t refute_exhausted = 0;  // summed over honest nodes
  uint64_t incarnation_jumps =
      0;  // memberlist.dropped.incarnation_jump, summed
  uint32_t max_honest_incarnation = 0;
  uint64_t table_full = 0;    // memberlist.dropped.table_full, summed
  uint64_t reaped_readd = 0;  // memberlist.dropped.reaped_readd, summed
  std::string debug;
};

// Seeds for a test with base seed `base`: just `base`, or with
// SWIM_HOSTILE_SEEDS=n, n seeds derived from it (20 in the manual sweep
// target, which sets SWIM_HOSTILE_SWEEP).
std::vector<uint64_t> Seeds(uint64_t base) {
  int n = std::getenv("SWIM_HOSTILE_SWEEP") != nullptr ? 20 : 1;
  if (const char* v = std::getenv("SWIM_HOSTILE_SEEDS"); v != nullptr) {
    if (!absl::SimpleAtoi(v, &n) || n < 1) n = 1;
  }
  if (n == 1) return {base};
  std::vector<uint64_t> seeds;
  for (int k = 0; k < n; ++k) seeds.push_back(base * 100000 + k);
  return seeds;
}

uint64_t CountedBad(const swim::Memberlist& m) {
  uint64_t n = 0;
  for (const auto& [name, v] : m.metrics().counters()) {
    if (name.rfind("memberlist.malformed.", 0) == 0 ||
        name.rfind("memberlist.dropped.", 0) == 0) {
      n += v;
    }
  }
  return n;
}

bool HonestAgree(const Cluster& c) {
  for (int o = 0; o < c.size(); ++o) {
    for (int s = 0; s < c.size(); ++s) {
      if (c.StateOf(o, s) != swim::NodeState::kAlive) return false;
    }
  }
  return true;
}

Outcome RunAttack(uint64_t seed, const std::vector<Attack>& attacks,
                  AttackSetup setup) {
  WorldOptions wo;
  wo.seed = seed;
  wo.log_level = swim::LogLevel::kError;
  wo.record_drops = false;
  std::shared_ptr<swim::security::Keyring> ring;
  if (setup.encrypted) {
    absl::StatusOr<swim::security::Keyring> k =
        swim::security::Keyring::Create({"cluster-key-0001"}, "");
    SWIM_CHECK(k.ok());
    ring = std::make_shared<swim::security::Keyring>(std::move(*k));
  }
  Cluster c(wo, [ring, &setup](int) {
    swim::Config cfg = swim::DefaultLocalConfig();
    cfg.keyring = ring;
    cfg.max_members = setup.max_members;
    return cfg;
  });
  c.set_record_events(false);
  c.CreateAndJoin(kHonest);
  Outcome out;
  if (!c.RunUntil([&] { return c.Converged(); }, absl::Seconds(20))) {
    out.debug = "honest cluster never converged\n" + c.DebugString();
    return out;
  }
  std::vector<uint64_t> before;
  for (int i = 0; i < kHonest; ++i) before.push_back(CountedBad(*c.node(i)));

  HostileOptions opts = setup.peer;
  for (int i = 0; i < kHonest; ++i) {
    swim::Address a = c.world().address(c.world_id(i));
    a.name = Cluster::NodeName(i);
    opts.victims.push_back(a);
  }
  opts.keyring = setup.insider ? ring : nullptr;
  opts.cluster_encrypted = setup.encrypted;
  const NodeId h = c.world().AddNode();
  HostilePeer peer(&c.world(), h, opts);
  HurtMonitor hurt(&c, &peer);
  UsageSampler usage(&c, absl::Milliseconds(100));
  if (setup.insider) {
    peer.Join();
    c.world().RunFor(absl::Seconds(3));
  }
  peer.Start(attacks, kAttack);
  c.world().RunFor(kAttack);
  peer.Stop();
  const swim::Instant stopped = c.world().Now();
  out.recovered = c.RunUntil([&] { return HonestAgree(c); }, kRecovery);
  out.recovery = c.world().Now() - stopped;
  // Made-up members (kFakeMembers) must be probed out and reaped.
  const swim::Instant agreed = c.world().Now();
  out.drained = c.RunUntil(
      [&] {
        for (int i = 0; i < kHonest; ++i) {
          if (c.node(i)->EstNumNodes() > static_cast<int>(kMaxTable))
            return false;
        }
        return true;
      },
      kDrain);
  out.drain = c.world().Now() - agreed;
  if (!out.drained) {
    // Which states the leftovers are in, per node.
    for (int i = 0; i < kHonest; ++i) {
      std::map<std::string, int> by_state;
      for (const swim::Node& n : c.node(i)->AllNodes()) {
        ++by_state[std::string(swim::NodeStateName(n.state))];
      }
      absl::StrAppend(&out.leftovers, Cluster::NodeName(i), ":");
      for (const auto& [st, k] : by_state)
        absl::StrAppend(&out.leftovers, " ", st, "=", k);
      absl::StrAppend(&out.leftovers, "\n");
    }
  }
  c.world().RunFor(absl::Seconds(1));  // let the last streams land

  out.peak = usage.peak();
  out.deaths = hurt.deaths();
  out.hurt_report = hurt.Report();
  out.stats = peer.stats();
  for (int i = 0; i < kHonest; ++i) {
    out.counted.push_back(CountedBad(*c.node(i)) - before[i]);
    out.refute_exhausted +=
        c.node(i)->metrics().Counter("memberlist.refute_exhausted");
    out.incarnation_jumps +=
        c.node(i)->metrics().Counter("memberlist.dropped.incarnation_jump");
    out.table_full +=
        c.node(i)->metrics().Counter("memberlist.dropped.table_full");
    out.reaped_readd +=
        c.node(i)->metrics().Counter("memberlist.dropped.reaped_readd");
    out.max_honest_incarnation =
        std::max(out.max_honest_incarnation, c.node(i)->Incarnation());
  }
  out.debug = c.DebugString();

  uint64_t sent = 0, malformed = 0, counted = 0;
  for (const auto& [name, t] : out.stats.by_victim) {
    sent += t.packets + t.streams;
    malformed += t.malformed;
  }
  for (uint64_t n : out.counted) counted += n;
  std::string names;
  for (Attack a : attacks)
    absl::StrAppend(&names, names.empty() ? "" : "+",
                    std::string(AttackName(a)));
  std::cout << "[hostile] " << names << (setup.encrypted ? " (encrypted)" : "")
            << ": sent " << sent << " msgs (" << malformed
            << " malformed), victims counted " << counted << "; peak "
            << out.peak.ToString() << "; recovered=" << out.recovered
            << " after " << absl::FormatDuration(out.recovery)
            << ", tables drained after " << absl::FormatDuration(out.drain)
            << " (re-adds refused " << out.reaped_readd << ", table full "
            << out.table_full << ")"
            << "; " << out.hurt_report << std::endl;
  return out;
}

// The checks every attack must pass.
// `table` bounds the member table (the honest nodes and the peer, unless the
// attack legitimately adds members); queues, suspicions and timers may grow
// with the table, never beyond a small multiple of it.
void ExpectHonestSurvive(const Outcome& o, bool allow_deaths,
                         size_t table = kMaxTable) {
  EXPECT_TRUE(o.recovered) << o.debug;
  EXPECT_TRUE(o.drained) << "tables still hold made-up members:\n"
                         << o.leftovers;
  EXPECT_LE(o.peak.table, table);
  EXPECT_LE(o.peak.broadcasts, kMaxBroadcasts * table / kMaxTable);
  EXPECT_LE(o.peak.weight_broadcasts, kMaxTable);
  EXPECT_LE(o.peak.ack_handlers, kMaxAckHandlers);
  EXPECT_LE(o.peak.suspicions, table);
  EXPECT_LE(o.peak.weights, kMaxTable);
  EXPECT_LE(o.peak.timers, kMaxTimers + table);
  EXPECT_LE(o.peak.world_events, kMaxWorldEvents + 8 * table);
  for (int i = 0; i < kHonest; ++i) {
    auto it = o.stats.by_victim.find(Cluster::NodeName(i));
    if (it == o.stats.by_victim.end()) continue;
    EXPECT_GE(o.counted[i], it->second.malformed)
        << Cluster::NodeName(i) << " did not count every malformed message";
  }
  if (!allow_deaths) {
    EXPECT_TRUE(o.deaths.empty()) << o.hurt_report;
  }
  for (const Hurt& h : o.deaths) {
    EXPECT_EQ(h.cause.rfind("hostile forged", 0), 0u) << h.cause;
  }
}

uint64_t Malformed(const Outcome& o) {
  uint64_t n = 0;
  for (const auto& [name, t] : o.stats.by_victim) n += t.malformed;
  return n;
}

AttackSetup Plain(absl::Duration interval = absl::Milliseconds(20)) {
  AttackSetup s;
  s.peer.interval = interval;
  return s;
}

TEST(Hostile, RandomBytesAreDroppedAndCounted) {
  for (uint64_t seed : Seeds(1)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, {Attack::kRandomBytes}, Plain());
    ExpectHonestSurvive(o, false);
    // Random bytes may parse by chance (a type-8 user message always does),
    // so count the bulk: at least 90% land in a malformed/dropped counter.
    uint64_t maybe = 0, counted = 0;
    for (const auto& [name, t] : o.stats.by_victim) maybe += t.maybe;
    for (uint64_t n : o.counted) counted += n;
    ASSERT_GT(maybe, 500u);
    EXPECT_GE(counted * 10, maybe * 9);
  }
}

TEST(Hostile, TruncatedMessagesAreCounted) {
  for (uint64_t seed : Seeds(2)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, {Attack::kTruncated}, Plain());
    ASSERT_GT(Malformed(o), 500u);
    ExpectHonestSurvive(o, false);
  }
}

TEST(Hostile, OversizedPacketsAndHugeStreamClaims) {
  for (uint64_t seed : Seeds(3)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o =
        RunAttack(seed, {Attack::kOversized}, Plain(absl::Milliseconds(50)));
    ASSERT_GT(Malformed(o), 100u);
    ExpectHonestSurvive(o, false);
  }
}

TEST(Hostile, CompoundAbuseAndAckReflection) {
  for (uint64_t seed : Seeds(4)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, {Attack::kCompoundAbuse}, Plain());
    ASSERT_GT(Malformed(o), 300u);
    ExpectHonestSurvive(o, false);
  }
}

TEST(Hostile, DecompressionBombsAreStoppedAtTheLimit) {
  // Each LZW bomb costs the victim 20 MiB of inflation: keep them few.
  for (uint64_t seed : Seeds(5)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o =
        RunAttack(seed, {Attack::kDecompressionBomb}, Plain(absl::Seconds(1)));
    ASSERT_GE(Malformed(o), 15u);
    ExpectHonestSurvive(o, false);
  }
}

TEST(Hostile, ImpersonationIsRefuted) {
  AttackSetup s = Plain(absl::Milliseconds(50));
  s.peer.huge_incarnation = 1'000'000;  // large, but refutable
  for (uint64_t seed : Seeds(6)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, {Attack::kImpersonate}, s);
    ASSERT_GT(
        o.stats.messages_by_attack[static_cast<size_t>(Attack::kImpersonate)],
        300u);
    ExpectHonestSurvive(o, false);
  }
}

TEST(Hostile, SuspectFloodIsRefuted) {
  for (uint64_t seed : Seeds(7)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o =
        RunAttack(seed, {Attack::kSuspectFlood}, Plain(absl::Milliseconds(50)));
    ExpectHonestSurvive(o, /*allow_deaths=*/true);
  }
}

TEST(Hostile, DeadFloodKillsUntilRefutedAndIsBlamed) {
  for (uint64_t seed : Seeds(8)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o =
        RunAttack(seed, {Attack::kDeadFlood}, Plain(absl::Milliseconds(50)));
    // Forged deaths at the current incarnation are accepted (SWIM has no
    // authentication beyond the cluster key): they are expected, must be
    // blamed on the forgeries, and must heal once the flood stops.
    ExpectHonestSurvive(o, /*allow_deaths=*/true);
  }
}

TEST(Hostile, ReplaysChangeNothing) {
  for (uint64_t seed : Seeds(9)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, {Attack::kReplay}, Plain());
    ASSERT_GT(o.stats.replays_sent, 300u);
    ExpectHonestSurvive(o, false);
  }
}

TEST(Hostile, WrongKeyAndPlaintextAreRejectedByAnEncryptedCluster) {
  AttackSetup s = Plain();
  s.encrypted = true;
  s.insider = false;
  for (uint64_t seed : Seeds(10)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, {Attack::kWrongKey, Attack::kUnencrypted}, s);
    ASSERT_GT(Malformed(o), 500u);
    // An outsider is never a member: nothing it sends may be accepted.
    uint64_t valid = 0;
    for (const auto& [name, t] : o.stats.by_victim) valid += t.valid + t.maybe;
    EXPECT_EQ(valid, 0u);
    ExpectHonestSurvive(o, false);
  }
}

TEST(Hostile, AbsurdPushPullCounts) {
  for (uint64_t seed : Seeds(11)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, {Attack::kPushPullAbsurd}, Plain());
    ASSERT_GT(Malformed(o), 500u);
    ExpectHonestSurvive(o, false);
  }
}

TEST(Hostile, SlowLorisPeerOnlyCostsTimeouts) {
  for (uint64_t seed : Seeds(12)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o =
        RunAttack(seed, {Attack::kSlowLoris}, Plain(absl::Milliseconds(50)));
    ASSERT_GT(Malformed(o), 200u);
    ExpectHonestSurvive(o, false);
  }
}

TEST(Hostile, WeightFloodWithStaleAndFutureTimestamps) {
  for (uint64_t seed : Seeds(13)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, {Attack::kWeightFlood}, Plain());
    ExpectHonestSurvive(o, false);
  }
}

// SWIM accepts any alive for an unknown name, so the table grows with the
// flood; what must hold is that it is bounded by what was sent and drains
// once the flood stops (made-up members are probed, suspected, declared
// dead and reaped).
TEST(Hostile, FakeMemberFloodGrowsTheTableBoundedlyAndDrains) {
  for (uint64_t seed : Seeds(16)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o =
        RunAttack(seed, {Attack::kFakeMembers}, Plain(absl::Milliseconds(40)));
    const uint64_t ghosts =
        o.stats.messages_by_attack[static_cast<size_t>(Attack::kFakeMembers)];
    ASSERT_GT(ghosts, 400u);
    ExpectHonestSurvive(o, false, kMaxTable + ghosts);
  }
}

// With a member table capped at 64 entries the flood fills it and is
// counted; the honest members stay listed (they were there first) and the
// made-up ones drain.
TEST(Hostile, FakeMemberFloodStopsAtTheTableCap) {
  AttackSetup s = Plain(absl::Milliseconds(40));
  s.max_members = 64;
  for (uint64_t seed : Seeds(17)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, {Attack::kFakeMembers}, s);
    EXPECT_GT(o.table_full, 100u);
    ExpectHonestSurvive(o, false, 64);
  }
}

TEST(Hostile, EveryAttackAtOnceOnAnEncryptedClusterFromAnInsider) {
  AttackSetup s = Plain(absl::Milliseconds(20));
  s.encrypted = true;
  s.peer.huge_incarnation = 1'000'000;
  std::vector<Attack> all;
  for (Attack a : kAllAttacks) {
    // Bombs are slow and made-up members grow the table: own tests.
    if (a != Attack::kDecompressionBomb && a != Attack::kFakeMembers)
      all.push_back(a);
  }
  for (uint64_t seed : Seeds(14)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(seed, all, s);
    ExpectHonestSurvive(o, /*allow_deaths=*/true);
  }
}

// An alive, suspect or dead about an honest node at incarnation 2^32-1
// cannot be out-bid (Go wraps to 0 and loses). Before issue 14 item 5 the
// victims accepted them and honest nodes were declared dead by their peers
// (forged suspicions at 2^32-1 could not be refuted). Now a claim more than
// limits::kMaxIncarnationJump past the incarnation a node holds is dropped
// and counted: nobody is hurt, nothing is exhausted.
TEST(Hostile, MaxIncarnationClaimsAreDroppedAndHurtNobody) {
  AttackSetup s = Plain(absl::Milliseconds(100));
  s.peer.huge_incarnation = 0xFFFFFFFFu;
  s.peer.huge_accusations = true;
  for (uint64_t seed : Seeds(15)) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Outcome o = RunAttack(
        seed, {Attack::kImpersonate, Attack::kSuspectFlood, Attack::kDeadFlood},
        s);
    EXPECT_EQ(o.refute_exhausted, 0u);
    EXPECT_GT(o.incarnation_jumps, 50u);
    // Suspect/dead floods at current incarnations still cause (refuted)
    // suspicions and blamed deaths; the huge ones must cause none.
    ExpectHonestSurvive(o, /*allow_deaths=*/true);
    EXPECT_LE(o.max_honest_incarnation, 1000u) << o.hurt_report;
    for (const Hurt& h : o.deaths) {
      EXPECT_LE(h.incarnation, 1000u) << h.cause;
    }
  }
}

}  // namespace
}  // namespace sim

namespace sim {
namespace {

// The smallest reproduction of the crash the hostile peer found: one
// suspect message about the receiver at incarnation 2^32-1 used to trip
// SWIM_CHECK(inc > me->node.incarnation) in Refute (the refutation's
// incarnation wrapped to 0); then it was refused as "refute exhausted".
// Since issue 14 item 5 it does not get that far: the jump is implausible.
TEST(Hostile, OneSuspectAtMaxIncarnationIsCountedNotFatal) {
  WorldOptions wo;
  wo.seed = 16;
  wo.log_level = swim::LogLevel::kError;
  Cluster c(wo, [](int) { return swim::DefaultLocalConfig(); });
  c.CreateAndJoin(3);
  ASSERT_TRUE(c.RunUntil([&] { return c.Converged(); }, absl::Seconds(20)));
  swim::Bytes msg;
  swim::wire::Encode(swim::wire::Suspect{0xFFFFFFFFu, "node-0", "node-1"},
                     &msg);
  std::string hex;
  for (uint8_t b : msg) absl::StrAppend(&hex, absl::Hex(b, absl::kZeroPad2));
  std::cout << "[hostile] fatal packet before the fix: " << hex << std::endl;
  const uint32_t inc_before = c.node(0)->Incarnation();
  c.world()
      .env(c.world_id(1))
      .SendPacket(c.world().address(c.world_id(0)), msg);
  // The same about node-0, sent to node-2: node-0 could not out-bid it.
  c.world()
      .env(c.world_id(1))
      .SendPacket(c.world().address(c.world_id(2)), msg);
  c.world().RunFor(absl::Seconds(30));
  ASSERT_NE(c.node(0), nullptr);
  EXPECT_EQ(c.node(0)->metrics().Counter("memberlist.dropped.incarnation_jump"),
            1u);
  EXPECT_EQ(c.node(2)->metrics().Counter("memberlist.dropped.incarnation_jump"),
            1u);
  EXPECT_EQ(c.node(0)->metrics().Counter("memberlist.refute_exhausted"), 0u);
  EXPECT_EQ(c.node(0)->Incarnation(), inc_before);
  for (int o = 0; o < 3; ++o) {
    EXPECT_EQ(c.node(o)->StateOf("node-0"), swim::NodeState::kAlive) << o;
  }
}

}  // namespace
}  // namespace sim
