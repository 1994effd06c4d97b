#include "core/internal/join.h"

#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "core/check.h"
#include "core/cover.h"
#include "core/internal/messenger.h"
#include "core/internal/prober.h"
#include "core/metric_names.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace swim::internal {

namespace {

// One Join in progress: push/pulls with every seed address, concurrently
// (Config::join_concurrent) or, as Go does, one after another in order.
struct JoinState {
  int pending = 0;
  int contacted = 0;
  std::vector<std::string> errors;
  JoinCallback done;
  bool resolving = true;
  // Sequential joins only: seeds not yet resolved, addresses not yet tried.
  bool sequential = false;
  std::deque<std::string> seeds;
  std::deque<Address> addrs;
};

void JoinNext(NodeContext& ctx, const std::shared_ptr<JoinState>& st);
void JoinSeed(NodeContext& ctx, const std::shared_ptr<JoinState>& st,
              const std::string& seed);

// Reports the join once nothing is pending.
void FinishJoinIfDone(NodeContext& ctx, const std::shared_ptr<JoinState>& st) {
  if (st->pending > 0 || st->resolving) return;
  SWIM_DCHECK(st->pending == 0 && st->contacted >= 0);
  SWIM_DCHECK(st->done != nullptr);
  absl::Status s = absl::OkStatus();
  if (st->contacted == 0) {
    // Go (memberlist.go:249-278) returns errors only when no seed
    // succeeded, and (0, nil) when it was given none.
    if (!st->errors.empty()) {
      SWIM_COVER("join_failed");
      s = absl::UnavailableError(absl::StrJoin(st->errors, "; "));
    }
  } else if (!ctx.shutdown && ctx.config.join_gossip_now &&
             ctx.config.gossip_interval > absl::ZeroDuration()) {
    // Tell the cluster about us right away instead of waiting for the
    // next gossip tick: the seed already knows us, the rest learn it now.
    ctx.After(absl::ZeroDuration(), "gossip",
              [&ctx] { ctx.prober->GossipTick(); });
  }
  // An error exactly when no seed answered and some seed was tried.
  SWIM_DCHECK(s.ok() == (st->contacted > 0 || st->errors.empty()));
  JoinCallback cb = std::move(st->done);
  cb(st->contacted, std::move(s));
}

// See Config::join_sync: one more push/pull with the first seed that
// answered, after a random delay in [0.5, 1] x probe_interval. It is there
// to pull: the seed has meanwhile learned who joined after us. When that
// seed is the only one this join reached (the join has ended and nobody
// else answered), all we know came from it at the join or by gossip since,
// which reaches it too, so our half carries only our own entry instead of
// the whole table; with several seeds (say, a join that merges two
// clusters) our table is news to it and goes whole. In a mass join every
// joiner syncs with the one seed, whose loop then decompressed and merged N
// tables of N entries for nothing (bench/runtime_results.md).
//
// A sync that fails is tried again after another such delay, up to
// kJoinSyncAttempts in all: a seed under a join storm refuses streams over
// its limit (Go's maxPushPulls, 128) or answers after the timeout, and a
// joiner whose one sync was refused waited for gossip alone, 15 s more at
// 1,000 members.
constexpr int kJoinSyncAttempts = 3;

void ScheduleJoinSync(NodeContext& ctx, const std::shared_ptr<JoinState>& st,
                      const Address& addr, int attempt) {
  SWIM_DCHECK(ctx.config.probe_interval > absl::ZeroDuration());
  SWIM_DCHECK(ctx.config.join_sync && !ctx.shutdown);
  SWIM_DCHECK(attempt >= 1 && attempt <= kJoinSyncAttempts);
  const int64_t half = absl::ToInt64Nanoseconds(ctx.config.probe_interval) / 2;
  const absl::Duration delay = absl::Nanoseconds(
      half + static_cast<int64_t>(ctx.env->Random() %
                                  static_cast<uint64_t>(half + 1)));
  SWIM_DCHECK(delay >= ctx.config.probe_interval / 2 - absl::Nanoseconds(1));
  SWIM_DCHECK(delay <= ctx.config.probe_interval);
  ctx.After(delay, "join_sync", [&ctx, st, addr, attempt] {
    ctx.metrics.Incr(metric::kJoinSync);
    const bool ended = st->pending == 0 && !st->resolving;
    const bool only_seed = ended && st->contacted == 1;
    SWIM_DCHECK(st->contacted >= 1);
    ctx.messenger->PushPullWith(
        addr, /*join=*/false,
        only_seed ? Messenger::Push::kSelfOnly : Messenger::Push::kWholeTable,
        [&ctx, st, addr, attempt](absl::Status s) {
          if (s.ok()) return;
          ctx.metrics.Incr(metric::kJoinSyncFailed);
          if (ctx.shutdown || attempt == kJoinSyncAttempts) return;
          ScheduleJoinSync(ctx, st, addr, attempt + 1);
        });
  });
}

// Also Config::join_sync: the catch-up pulls. A joiner whose sync came
// before the seed had heard of every member learns the rest by gossip, and
// in a join storm each sender's queue holds ~N alives, so the last few can
// take many seconds to reach it (a loopback mass join of 1,000 members had
// one run in 10-15 where a member learned its last 10-30 peers one by one
// over 5-20 s). So from 3 to 6 probe intervals after the join, once per
// interval, a joiner whose table gained a member since the interval before
// pulls once more, pushing only itself, from a random live member rather
// than the seed (whose loop the storm loads). By 3 intervals most joiners
// of a storm have long stopped learning; one still learning is missing
// members nobody has told it about yet. One successful pull per join at
// most: in a cluster that keeps growing (members started one after
// another) every joiner sees growth at every check, and one full table is
// all a joiner needs; after a failed one the checks go on. A joiner that
// learned nothing does nothing.
constexpr int kJoinCatchUpChecks = 4;

struct CatchUp {
  uint64_t inserts = 0;  // MemberTable::inserts() at the last look
};

// Schedules check number `check` (none past the last).
void ScheduleJoinCatchUp(NodeContext& ctx, std::shared_ptr<CatchUp> cu,
                         int check) {
  SWIM_DCHECK(ctx.config.probe_interval > absl::ZeroDuration());
  SWIM_DCHECK(check >= 0);
  if (check > kJoinCatchUpChecks) return;
  // Check 0 only notes the count, 2 intervals after the join.
  const absl::Duration delay = ctx.config.probe_interval * (check == 0 ? 2 : 1);
  ctx.After(delay, "join_catch_up", [&ctx, cu, check] {
    if (ctx.shutdown || ctx.left) return;
    const uint64_t inserts = ctx.table.inserts();
    SWIM_DCHECK(inserts >= cu->inserts);
    const bool learning = check > 0 && inserts > cu->inserts;
    cu->inserts = inserts;
    const NodeRecord* peer = learning ? ctx.RandomAlivePeer() : nullptr;
    if (peer == nullptr) {
      ScheduleJoinCatchUp(ctx, cu, check + 1);
      return;
    }
    ctx.metrics.Incr(metric::kJoinCatchUp);
    SWIM_COVER("join_catch_up");
    std::weak_ptr<bool> alive = ctx.alive_token;
    // The pull's outcome decides what follows: none after a success.
    ctx.messenger->PushPullWith(peer->node.address(), /*join=*/false,
                                Messenger::Push::kSelfOnly,
                                [&ctx, alive, cu, check](absl::Status s) {
                                  if (alive.expired() || ctx.shutdown || s.ok())
                                    return;
                                  // A failed pull (a refused or timed-out
                                  // stream) leaves the checks going, counting
                                  // growth from now.
                                  cu->inserts = ctx.table.inserts();
                                  ScheduleJoinCatchUp(ctx, cu, check + 1);
                                });
  });
}

void JoinPushPull(NodeContext& ctx, const std::shared_ptr<JoinState>& st,
                  const Address& addr) {
  ++st->pending;
  SWIM_DCHECK(st->done != nullptr && st->pending >= 1);
  ctx.messenger->PushPullWith(
      addr, /*join=*/true, Messenger::Push::kWholeTable,
      [&ctx, st, addr](absl::Status s) {
        --st->pending;
        SWIM_DCHECK(st->pending >= 0);
        // A join reports once, after its last exchange: this one was pending.
        SWIM_DCHECK(st->done != nullptr);
        if (s.ok()) {
          ++st->contacted;
          if (st->contacted == 1 && ctx.config.join_sync && !ctx.shutdown &&
              ctx.config.probe_interval > absl::ZeroDuration()) {
            ScheduleJoinSync(ctx, st, addr, /*attempt=*/1);
            ScheduleJoinCatchUp(ctx, std::make_shared<CatchUp>(),
                                /*check=*/0);
          }
        } else {
          // Go's wording: the IP, without the port (memberlist.go:270).
          st->errors.push_back(absl::StrCat("Failed to join ",
                                            addr.ip.ToString(), ": ",
                                            std::string(s.message())));
        }
        if (st->sequential) {
          JoinNext(ctx, st);
        } else {
          FinishJoinIfDone(ctx, st);
        }
      });
}

// Sequential joins: the next address, else the next seed, else done.
void JoinNext(NodeContext& ctx, const std::shared_ptr<JoinState>& st) {
  SWIM_DCHECK(st->sequential && st->pending == 0);
  while (st->pending == 0) {
    if (ctx.shutdown) {
      st->seeds.clear();
      st->addrs.clear();
    }
    if (!st->addrs.empty()) {
      const Address addr = st->addrs.front();
      st->addrs.pop_front();
      JoinPushPull(ctx, st, addr);
      return;
    }
    if (st->seeds.empty()) break;
    const std::string seed = st->seeds.front();
    st->seeds.pop_front();
    JoinSeed(ctx, st, seed);  // queues its addresses, or resolves (pending)
  }
  if (st->pending > 0) return;  // a name is being resolved
  st->resolving = false;
  FinishJoinIfDone(ctx, st);
}

void AddJoinAddress(NodeContext& ctx, const std::shared_ptr<JoinState>& st,
                    const Address& addr) {
  SWIM_DCHECK(!addr.ip.empty());
  if (st->sequential) {
    st->addrs.push_back(addr);
  } else {
    JoinPushPull(ctx, st, addr);
  }
}

// Resolves one seed (IP literals at once, names through the Env) and starts
// a push/pull with every address it names.
void JoinSeed(NodeContext& ctx, const std::shared_ptr<JoinState>& st,
              const std::string& seed) {
  absl::StatusOr<JoinTarget> t =
      ParseJoinAddress(seed, static_cast<uint16_t>(ctx.config.bind_port));
  if (!t.ok()) {
    st->errors.push_back(absl::StrCat("Failed to resolve ", seed, ": ",
                                      std::string(t.status().message())));
    return;
  }
  SWIM_DCHECK(!t->host.empty());
  if (std::optional<IpAddress> ip = IpAddress::Parse(t->host); ip.has_value()) {
    AddJoinAddress(ctx, st, Address{*ip, t->port, t->node_name});
    return;
  }
  ++st->pending;
  SWIM_DCHECK(st->done != nullptr && st->resolving);
  std::weak_ptr<bool> alive = ctx.alive_token;
  ctx.env->Resolve(t->host, [&ctx, alive, st, t = *t,
                             seed](absl::StatusOr<std::vector<IpAddress>> ips) {
    if (alive.expired()) return;
    --st->pending;
    SWIM_DCHECK(st->pending >= 0 && st->done != nullptr);
    if (!ips.ok() || ips->empty()) {
      st->errors.push_back(
          absl::StrCat("Failed to resolve ", seed, ": ",
                       ips.ok() ? std::string("no addresses")
                                : std::string(ips.status().message())));
    } else {
      for (const IpAddress& ip : *ips)
        AddJoinAddress(ctx, st, Address{ip, t.port, t.node_name});
    }
    if (st->sequential) {
      JoinNext(ctx, st);
    } else {
      FinishJoinIfDone(ctx, st);
    }
  });
}

}  // namespace

void JoinCluster(NodeContext& ctx, const std::vector<std::string>& seeds,
                 JoinCallback done) {
  SWIM_DCHECK(!ctx.shutdown && done != nullptr);
  auto st = std::make_shared<JoinState>();
  st->done = std::move(done);
  if (!ctx.config.join_concurrent) {
    // Go's Join: resolve a seed, push/pull each of its addresses, then the
    // next seed; each exchange waits for the one before it.
    st->sequential = true;
    st->seeds.assign(seeds.begin(), seeds.end());
    JoinNext(ctx, st);
    return;
  }
  for (const std::string& seed : seeds) JoinSeed(ctx, st, seed);
  st->resolving = false;
  SWIM_DCHECK(st->pending >= 0 && st->contacted >= 0);
  FinishJoinIfDone(ctx, st);
}

}  // namespace swim::internal
