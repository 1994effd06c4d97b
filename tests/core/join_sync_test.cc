// Config::join_sync (docs/departures.md): the second push/pull a joiner
// makes with its seed, and what our half of it carries. One node on
// FakeEnv; the test plays the seeds by answering its streams.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/memberlist.h"
#include "core/metric_names.h"
#include "core/security/keyring.h"
#include "core/wire/framing.h"
#include "core/wire/messages.h"

#include "absl/strings/str_cat.h"
#include "tests/core/fake_env.h"

namespace swim {
namespace {

const VersionVector kVsn = {1, 5, 2, 0, 0, 0};
const IpAddress kSelfIp = IpAddress::V4(10, 0, 0, 1);

wire::PushNodeState Entry(const std::string& name, uint8_t last_octet) {
  wire::PushNodeState s;
  s.name = name;
  s.addr = IpAddress::V4(10, 0, 0, last_octet);
  s.port = 7946;
  s.incarnation = 1;
  s.state = static_cast<int64_t>(NodeState::kAlive);
  s.vsn = kVsn;
  return s;
}

bool IsPushPull(const FakeEnv::StreamCall& call) {
  absl::StatusOr<Bytes> m = wire::DecodeStream(call.request, nullptr, true);
  return m.ok() && !m->empty() &&
         (*m)[0] == static_cast<uint8_t>(wire::MessageType::kPushPull);
}

// A push/pull stream message holding `nodes`, framed with `o` (the nonce,
// when encrypting, is fixed).
Bytes PushPullStream(std::vector<wire::PushNodeState> nodes,
                     const wire::OutgoingOptions& o = {}, bool join = false) {
  wire::PushPull pp;
  pp.join = join;
  pp.nodes = std::move(nodes);
  Bytes msg;
  wire::Encode(pp, AddressMode::kBinary, &msg);
  return wire::EncodeStream(msg, o, [](absl::Span<uint8_t> out) {
    for (uint8_t& b : out) b = 7;
  });
}

// The push/pull a plain stream message carries.
wire::PushPull PushPullOf(const Bytes& stream) {
  absl::StatusOr<Bytes> m = wire::DecodeStream(stream, nullptr, true);
  EXPECT_TRUE(m.ok()) << m.status();
  if (!m.ok() || m->empty()) return {};
  EXPECT_EQ((*m)[0], static_cast<uint8_t>(wire::MessageType::kPushPull));
  absl::StatusOr<wire::PushPull> pp =
      wire::DecodePushPull(ByteSpan(*m).subspan(1), AddressMode::kBinary);
  EXPECT_TRUE(pp.ok()) << pp.status();
  return pp.ok() ? *pp : wire::PushPull{};
}

// The push/pull a stream request we started carries.
wire::PushPull RequestOf(const FakeEnv::StreamCall& call) {
  return PushPullOf(call.request);
}

// Our own incarnation in a push/pull reply (0 if we are not in it).
uint32_t SelfIncarnationIn(const Bytes& reply) {
  for (const auto& n : PushPullOf(reply).nodes) {
    if (n.name == "self") return n.incarnation;
  }
  return 0;
}

// Delivers an alive packet about `name` at `ip` (incarnation 1).
void DeliverAlive(Memberlist& ml, FakeEnv& env, const std::string& name,
                  IpAddress ip) {
  wire::Alive a;
  a.node = name;
  a.incarnation = 1;
  a.addr = ip;
  a.port = 7946;
  a.vsn = kVsn;
  Bytes b;
  wire::Encode(a, AddressMode::kBinary, &b);
  ml.HandlePacket(Address{ip, 7946, ""}, b, env.Now());
}

std::vector<std::string> NamesOf(const wire::PushPull& pp) {
  std::vector<std::string> out;
  for (const auto& n : pp.nodes) out.push_back(n.name);
  std::sort(out.begin(), out.end());
  return out;
}

class JoinSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Config c = DefaultLANConfig();
    c.name = "self";
    c.bind_port = 7946;
    c.probe_interval = absl::Seconds(1);
    ASSERT_TRUE(c.join_sync);
    Tweak(c);
    auto ml = Memberlist::Create(c, &env_, Address{kSelfIp, 7946, ""});
    ASSERT_TRUE(ml.ok()) << ml.status();
    ml_ = std::move(*ml);
    ASSERT_TRUE(ml_->Start().ok());
  }

  // A subclass's changes to the config.
  virtual void Tweak(Config& c) {}

  // Completes stream `i` with a push/pull reply holding `nodes`.
  void Answer(size_t i, std::vector<wire::PushNodeState> nodes) {
    ASSERT_LT(i, env_.streams().size());
    Env::StreamCallback done = std::move(env_.streams()[i].done);
    done(PushPullStream(std::move(nodes)));
  }

  // Runs timers until the node has started `want` streams (at most 2 s).
  void AwaitStreams(size_t want) {
    for (int i = 0; i < 2000 && env_.streams().size() < want; ++i) {
      env_.Advance(absl::Milliseconds(1));
    }
    ASSERT_GE(env_.streams().size(), want);
  }

  // Indexes of the push/pull streams started so far (probes of the silent
  // seed also open TCP fallback pings).
  std::vector<size_t> PushPulls() {
    std::vector<size_t> out;
    for (size_t i = 0; i < env_.streams().size(); ++i) {
      if (IsPushPull(env_.streams()[i])) out.push_back(i);
    }
    return out;
  }
  // Runs timers until `want` push/pulls were started (at most 2 s); returns
  // the index of the last one.
  size_t AwaitPushPulls(size_t want) {
    for (int i = 0; i < 2000 && PushPulls().size() < want; ++i) {
      env_.Advance(absl::Milliseconds(1));
    }
    const std::vector<size_t> pp = PushPulls();
    EXPECT_GE(pp.size(), want);
    return pp.size() >= want ? pp[want - 1] : 0;
  }
  void Fail(size_t i, absl::Status s) {
    Env::StreamCallback done = std::move(env_.streams()[i].done);
    done(s);
  }
  // Joins the one seed, whose join reply and sync reply both hold `nodes`;
  // returns when the join started.
  Instant JoinAndSync(const std::vector<wire::PushNodeState>& nodes) {
    const Instant joined_at = env_.Now();
    ml_->Join({"seed/10.0.0.2:7946"}, [](int, absl::Status) {});
    Answer(0, nodes);
    Answer(AwaitPushPulls(2), nodes);
    return joined_at;
  }

  FakeEnv env_;
  std::unique_ptr<Memberlist> ml_;
};

TEST_F(JoinSyncTest, PullsTheSeedsTableAndPushesOnlyItselfAfterOneSeed) {
  int joined = -1;
  ml_->Join({"seed/10.0.0.2:7946"}, [&](int n, absl::Status) { joined = n; });
  ASSERT_EQ(env_.streams().size(), 1u);
  EXPECT_TRUE(RequestOf(env_.streams()[0]).join);
  Answer(0, {Entry("seed", 2), Entry("early", 3)});
  ASSERT_EQ(joined, 1);
  EXPECT_EQ(ml_->NumMembers(), 3);

  AwaitStreams(2);
  const wire::PushPull sync = RequestOf(env_.streams()[1]);
  EXPECT_FALSE(sync.join);
  EXPECT_EQ(env_.streams()[1].to.name, "seed");
  // Everything else we know came from the seed: our half is our own entry.
  EXPECT_EQ(NamesOf(sync), std::vector<std::string>{"self"});
  EXPECT_EQ(sync.nodes[0].addr, kSelfIp);
  EXPECT_EQ(sync.nodes[0].port, 7946);

  // The seed's half is what the sync is for: who joined after us.
  Answer(1, {Entry("seed", 2), Entry("early", 3), Entry("late", 4)});
  EXPECT_EQ(ml_->NumMembers(), 4);
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinSync.str), 1u);
}

TEST_F(JoinSyncTest, PushesTheWholeTableWhenSeveralSeedsAnswered) {
  int joined = -1;
  ml_->Join({"a/10.0.0.2:7946", "b/10.0.0.3:7946"},
            [&](int n, absl::Status) { joined = n; });
  ASSERT_EQ(env_.streams().size(), 2u);  // both seeds at once
  Answer(0, {Entry("a", 2), Entry("a2", 4)});
  Answer(1, {Entry("b", 3), Entry("b2", 5)});
  ASSERT_EQ(joined, 2);

  AwaitStreams(3);
  const wire::PushPull sync = RequestOf(env_.streams()[2]);
  EXPECT_FALSE(sync.join);
  EXPECT_EQ(env_.streams()[2].to.name, "a");
  // b's side of the cluster is news to a: the whole table goes.
  EXPECT_EQ(NamesOf(sync),
            (std::vector<std::string>{"a", "a2", "b", "b2", "self"}));
}

TEST_F(JoinSyncTest, PushesTheWholeTableWhenAnotherSeedIsStillPending) {
  ml_->Join({"a/10.0.0.2:7946", "b/10.0.0.3:7946"}, [](int, absl::Status) {});
  ASSERT_EQ(env_.streams().size(), 2u);
  Answer(0, {Entry("a", 2)});  // b's exchange has not ended at sync time

  AwaitStreams(3);
  const wire::PushPull sync = RequestOf(env_.streams()[2]);
  EXPECT_EQ(NamesOf(sync), (std::vector<std::string>{"a", "self"}));
}

// A seed in a join storm refuses streams over its limit: a refused sync is
// tried again (after another 0.5-1 probe interval), up to three attempts.
TEST_F(JoinSyncTest, RefusedSyncIsRetriedUpToThreeAttempts) {
  ml_->Join({"seed/10.0.0.2:7946"}, [](int, absl::Status) {});
  Answer(0, {Entry("seed", 2)});
  for (size_t attempt = 1; attempt <= 3; ++attempt) {
    const size_t i = AwaitPushPulls(attempt + 1);
    ASSERT_FALSE(::testing::Test::HasFailure());
    EXPECT_FALSE(RequestOf(env_.streams()[i]).join);
    Fail(i, absl::UnavailableError("connection refused"));
  }
  env_.Advance(absl::Seconds(2));  // no fourth attempt within 2 intervals
  EXPECT_EQ(PushPulls().size(), 4u);
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinSync.str), 3u);
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinSyncFailed.str), 3u);
}

TEST_F(JoinSyncTest, RetriedSyncThatSucceedsStops) {
  ml_->Join({"seed/10.0.0.2:7946"}, [](int, absl::Status) {});
  Answer(0, {Entry("seed", 2)});
  Fail(AwaitPushPulls(2), absl::DeadlineExceededError("timeout"));
  Answer(AwaitPushPulls(3), {Entry("seed", 2), Entry("late", 4)});
  EXPECT_EQ(ml_->NumMembers(), 3);
  env_.Advance(absl::Seconds(2));
  EXPECT_EQ(PushPulls().size(), 3u);
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinSync.str), 2u);
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinSyncFailed.str), 1u);
}

// The catch-up pull: at 3, 4, 5 and 6 probe intervals after the join, a
// joiner whose table gained a member since the interval before pulls once
// from a random live member, pushing only itself; once per join at most.
TEST_F(JoinSyncTest, JoinerStillLearningPullsOnceMoreFromALiveMember) {
  const Instant joined_at = JoinAndSync({Entry("seed", 2), Entry("early", 3)});
  env_.AdvanceTo(joined_at + absl::Milliseconds(2800));
  ASSERT_EQ(PushPulls().size(), 2u);
  DeliverAlive(*ml_, env_, "late", IpAddress::V4(10, 0, 0, 9));  // by gossip
  ASSERT_EQ(ml_->NumMembers(), 4);

  env_.AdvanceTo(joined_at + absl::Seconds(3));
  ASSERT_EQ(PushPulls().size(), 3u);
  const FakeEnv::StreamCall& pull = env_.streams()[PushPulls()[2]];
  EXPECT_FALSE(RequestOf(pull).join);
  EXPECT_EQ(NamesOf(RequestOf(pull)), std::vector<std::string>{"self"});
  EXPECT_NE(pull.to.name, "self");
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinCatchUp.str), 1u);
  Answer(PushPulls()[2], {Entry("seed", 2), Entry("early", 3), Entry("late", 9),
                          Entry("later", 10)});
  EXPECT_EQ(ml_->NumMembers(), 5);

  // Still learning afterwards: no second pull.
  env_.AdvanceTo(joined_at + absl::Milliseconds(3900));
  DeliverAlive(*ml_, env_, "latest", IpAddress::V4(10, 0, 0, 11));
  env_.AdvanceTo(joined_at + absl::Seconds(8));
  EXPECT_EQ(PushPulls().size(), 3u);
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinCatchUp.str), 1u);
}

TEST_F(JoinSyncTest, JoinerThatStoppedLearningEarlyDoesNotPullAgain) {
  const Instant joined_at = env_.Now();
  ml_->Join({"seed/10.0.0.2:7946"}, [](int, absl::Status) {});
  Answer(0, {Entry("seed", 2)});
  // The sync teaches a member, and gossip another, before 2 intervals.
  Answer(AwaitPushPulls(2), {Entry("seed", 2), Entry("late", 4)});
  env_.AdvanceTo(joined_at + absl::Milliseconds(1900));
  DeliverAlive(*ml_, env_, "gossiped", IpAddress::V4(10, 0, 0, 9));
  ASSERT_EQ(ml_->NumMembers(), 4);
  env_.AdvanceTo(joined_at + absl::Seconds(8));
  EXPECT_EQ(PushPulls().size(), 2u);
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinCatchUp.str), 0u);
}

TEST_F(JoinSyncTest, FailedCatchUpPullLeavesTheChecksGoing) {
  const Instant joined_at = JoinAndSync({Entry("seed", 2), Entry("early", 3)});
  env_.AdvanceTo(joined_at + absl::Milliseconds(2800));
  DeliverAlive(*ml_, env_, "late", IpAddress::V4(10, 0, 0, 9));
  env_.AdvanceTo(joined_at + absl::Seconds(3));
  ASSERT_EQ(PushPulls().size(), 3u);
  Fail(PushPulls()[2], absl::UnavailableError("connection refused"));
  env_.AdvanceTo(joined_at + absl::Milliseconds(3900));
  DeliverAlive(*ml_, env_, "later", IpAddress::V4(10, 0, 0, 10));
  env_.AdvanceTo(joined_at + absl::Seconds(8));
  EXPECT_EQ(PushPulls().size(), 4u);
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinCatchUp.str), 2u);
}

TEST_F(JoinSyncTest, CatchUpStillLooksAtTheSixthInterval) {
  const Instant joined_at = JoinAndSync({Entry("seed", 2)});
  env_.AdvanceTo(joined_at + absl::Milliseconds(5900));
  DeliverAlive(*ml_, env_, "sixth", IpAddress::V4(10, 0, 1, 6));
  env_.AdvanceTo(joined_at + absl::Seconds(6));
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinCatchUp.str), 1u);
  EXPECT_EQ(PushPulls().size(), 3u);
}

TEST_F(JoinSyncTest, CatchUpEndsAfterSixIntervals) {
  const Instant joined_at = JoinAndSync({Entry("seed", 2)});
  env_.AdvanceTo(joined_at + absl::Milliseconds(6100));
  DeliverAlive(*ml_, env_, "seventh", IpAddress::V4(10, 0, 1, 7));
  env_.AdvanceTo(joined_at + absl::Seconds(10));
  EXPECT_EQ(ml_->metrics().Counter(metric::kJoinCatchUp.str), 0u);
  EXPECT_EQ(PushPulls().size(), 2u);
}

// The reply a push/pull request gets: the seed keeps the last reply it
// encoded and sends it again while its table is unchanged. The memo must
// never answer with an old table (push_pull_reply_max_age 0, Go's).
class PushPullReplyTest : public JoinSyncTest {
 protected:
  void Tweak(Config& c) override {
    c.push_pull_reply_max_age = absl::ZeroDuration();
  }
  std::optional<Bytes> Request() {
    return ml_->HandleStream(Address{IpAddress::V4(10, 0, 0, 9), 7946, ""},
                             PushPullStream({Entry("joiner", 9)}));
  }
  std::vector<std::string> Names(const std::optional<Bytes>& reply) {
    if (!reply.has_value()) return {};
    return NamesOf(PushPullOf(*reply));
  }
};

TEST_F(PushPullReplyTest, RepeatedRequestGetsTheSameBytesUntilTheTableChanges) {
  const std::optional<Bytes> first = Request();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Names(first), (std::vector<std::string>{"self"}));
  // The first request made "joiner" a member: the table changed.
  const std::optional<Bytes> second = Request();
  EXPECT_EQ(Names(second), (std::vector<std::string>{"joiner", "self"}));
  const std::optional<Bytes> third = Request();
  EXPECT_EQ(third, second);

  // A new member (by an alive packet) must be in the next reply.
  DeliverAlive(*ml_, env_, "newcomer", IpAddress::V4(10, 0, 0, 7));
  EXPECT_EQ(Names(Request()),
            (std::vector<std::string>{"joiner", "newcomer", "self"}));

  // Released after a second unused (by the ticks), and rebuilt the same.
  env_.Advance(absl::Seconds(3));
  const std::optional<Bytes> after = Request();
  EXPECT_EQ(Names(after),
            (std::vector<std::string>{"joiner", "newcomer", "self"}));
}

// Config::push_pull_reply_max_age: within it, a reply reuses the last
// encoding even if the table changed since; never past it.
class RecentReplyTest : public PushPullReplyTest {
 protected:
  void Tweak(Config& c) override {
    c.push_pull_reply_max_age = absl::Milliseconds(50);
  }
};

// `n` members besides us, learned from alive packets.
void AddMembers(Memberlist& ml, FakeEnv& env, int n) {
  for (int i = 0; i < n; ++i) {
    DeliverAlive(ml, env, absl::StrCat("m", i),
                 IpAddress::V4(10, 1, static_cast<uint8_t>(i / 200),
                               static_cast<uint8_t>(1 + i % 200)));
  }
}

TEST_F(RecentReplyTest, ReplyWithinMaxAgeReusesTheEncodingThenRefreshes) {
  AddMembers(*ml_, env_, 63);  // 64 members: 2 may join unseen
  const std::optional<Bytes> first = Request();  // "joiner" merges after
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Names(first).size(), 64u);
  EXPECT_EQ(ml_->NumMembers(), 65);
  // One member more than the encoding, 50 ms later: reused.
  env_.Advance(absl::Milliseconds(50));
  EXPECT_EQ(Request(), first);
  EXPECT_EQ(ml_->metrics().Counter(metric::kPushPullReplyReused.str), 1u);
  // Past the age the table is encoded again.
  env_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Names(Request()).size(), 65u);
  EXPECT_EQ(ml_->metrics().Counter(metric::kPushPullReplyReused.str), 1u);
}

TEST_F(RecentReplyTest, ReplyMissingMoreThanOneThirtySecondIsEncodedAgain) {
  AddMembers(*ml_, env_, 63);
  const std::optional<Bytes> first = Request();
  ASSERT_TRUE(first.has_value());
  AddMembers(*ml_, env_, 66);  // m63..m65 are new: 3 > 64 / 32
  EXPECT_EQ(ml_->NumMembers(), 68);
  EXPECT_EQ(Names(Request()).size(), 68u);
  EXPECT_EQ(ml_->metrics().Counter(metric::kPushPullReplyReused.str), 0u);
}

// A small cluster's joiners reach the seed at once: each reply still
// lists every member merged before it.
TEST_F(RecentReplyTest, SmallTableIsNeverReusedOnceItGrew) {
  const std::optional<Bytes> first = Request();
  EXPECT_EQ(Names(first), (std::vector<std::string>{"self"}));
  EXPECT_EQ(Names(Request()), (std::vector<std::string>{"joiner", "self"}));
  EXPECT_EQ(ml_->metrics().Counter(metric::kPushPullReplyReused.str), 0u);
}

// Our own entry is never stale: a refutation is in the next reply.
TEST_F(RecentReplyTest, ReplyAfterWeRefutedCarriesTheRefutation) {
  AddMembers(*ml_, env_, 63);
  const std::optional<Bytes> first = Request();
  ASSERT_TRUE(first.has_value());
  const uint32_t before = SelfIncarnationIn(*first);
  ASSERT_GT(before, 0u);
  Bytes b;
  wire::Encode(wire::Suspect{before, "self", "m1"}, &b);
  ml_->HandlePacket(Address{IpAddress::V4(10, 1, 0, 2), 7946, ""}, b,
                    env_.Now());
  ASSERT_GT(ml_->LocalNode().incarnation, before);  // we refuted
  env_.Advance(absl::Milliseconds(1));
  const std::optional<Bytes> next = Request();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(SelfIncarnationIn(*next), ml_->LocalNode().incarnation);
  EXPECT_EQ(ml_->metrics().Counter(metric::kPushPullReplyReused.str), 0u);
}

// The reply carries the request's join flag: one memo per flag.
TEST_F(RecentReplyTest, JoinAndNonJoinRepliesKeepTheirOwnFlag) {
  const std::optional<Bytes> join_reply = ml_->HandleStream(
      Address{IpAddress::V4(10, 0, 0, 9), 7946, ""},
      PushPullStream({Entry("joiner", 9)}, {}, /*join=*/true));
  const std::optional<Bytes> plain_reply = Request();
  ASSERT_TRUE(join_reply.has_value() && plain_reply.has_value());
  EXPECT_TRUE(PushPullOf(*join_reply).join);
  EXPECT_FALSE(PushPullOf(*plain_reply).join);
  EXPECT_FALSE(PushPullOf(*Request()).join);  // reused, still not a join
}

// A delegate's LocalState is asked for every reply, as Go does: no reuse.
TEST(RecentReplyDelegate, EveryReplyAsksTheDelegate) {
  struct Counting : public DelegateBase {
    std::string LocalState(bool) override {
      ++calls;
      return "state";
    }
    int calls = 0;
  } delegate;
  FakeEnv env;
  Config c = DefaultLANConfig();
  c.name = "self";
  c.bind_port = 7946;
  c.delegate = &delegate;
  ASSERT_GT(c.push_pull_reply_max_age, absl::ZeroDuration());
  auto ml = Memberlist::Create(c, &env, Address{kSelfIp, 7946, ""});
  ASSERT_TRUE(ml.ok()) << ml.status();
  ASSERT_TRUE((*ml)->Start().ok());
  const Address from{IpAddress::V4(10, 0, 0, 9), 7946, ""};
  const int before = delegate.calls;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*ml)->HandleStream(from, PushPullStream({Entry("j", 9)})));
  }
  EXPECT_EQ(delegate.calls - before, 3);
  EXPECT_EQ((*ml)->metrics().Counter(metric::kPushPullReplyReused.str), 0u);
}

// With encryption every reply is sealed with a fresh nonce: no memo.
TEST(PushPullReplyEncrypted, TwoRepliesToTheSameRequestDiffer) {
  FakeEnv env;
  Config c = DefaultLANConfig();
  c.name = "self";
  c.bind_port = 7946;
  auto ring =
      security::Keyring::Create({std::string(16, 'k')}, std::string(16, 'k'));
  ASSERT_TRUE(ring.ok()) << ring.status();
  c.keyring = std::make_shared<security::Keyring>(*std::move(ring));
  auto ml = Memberlist::Create(c, &env, Address{kSelfIp, 7946, ""});
  ASSERT_TRUE(ml.ok()) << ml.status();
  ASSERT_TRUE((*ml)->Start().ok());

  wire::OutgoingOptions o;
  o.keyring = c.keyring.get();
  const Bytes stream = PushPullStream({Entry("joiner", 9)}, o);
  const Address from{IpAddress::V4(10, 0, 0, 9), 7946, ""};
  (*ml)->HandleStream(from, stream);  // makes "joiner" a member
  const std::optional<Bytes> a = (*ml)->HandleStream(from, stream);
  const std::optional<Bytes> b = (*ml)->HandleStream(from, stream);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(*a, *b);
  absl::StatusOr<Bytes> pa = wire::DecodeStream(*a, c.keyring.get(), true);
  absl::StatusOr<Bytes> pb = wire::DecodeStream(*b, c.keyring.get(), true);
  ASSERT_TRUE(pa.ok() && pb.ok());
  EXPECT_EQ(*pa, *pb);  // the same table under different nonces
}

}  // namespace
}  // namespace swim
