// Messenger's push/pull half (memberlist's §2.7): the periodic exchange,
// exchanges started by joins, the reply to an inbound one, and the state
// each side sends. Split from messenger.cc to keep each file readable.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/check.h"
#include "core/cover.h"
#include "core/internal/messenger.h"
#include "core/internal/state_rules.h"
#include "core/metric_names.h"
#include "core/util.h"

#include "absl/strings/str_cat.h"

namespace swim::internal {

namespace {

// Go's readRemoteState (net.go:1129-1135), which both ends of a push/pull
// read through before verifyProtocol, NotifyMerge and the merge: every
// entry's port becomes BindPort below protocol 2 or when it is 0.
void FixPushPullPorts(std::vector<wire::PushNodeState>& nodes,
                      uint8_t protocol_version, int bind_port) {
  for (wire::PushNodeState& n : nodes) {
    if (protocol_version < 2 || n.port == 0) {
      n.port = static_cast<uint16_t>(bind_port);
    }
  }
}

}  // namespace

using StreamResult = absl::StatusOr<std::optional<Bytes>>;

StreamResult Messenger::StreamPushPull(ByteSpan body, const Address& from) {
  absl::StatusOr<wire::PushPull> pp =
      wire::DecodePushPull(body, wire_.address_mode);
  if (!pp.ok()) {
    Malformed(metric::kMalformedPushPull, pp.status(), from);
    return pp.status();
  }
  FixPushPullPorts(pp->nodes, ctx_.config.protocol_version,
                   ctx_.config.bind_port);
  // The fork's handleConn checks a join's first node (the joiner) before
  // replying: nothing is sent back and nothing merged. The fork indexes
  // nodes[0] even when there is none; an empty join is dropped here.
  if (pp->join && ctx_.config.IPMustBeChecked()) {
    if (pp->nodes.empty()) {
      ctx_.metrics.Incr(metric::kDroppedCidr);
      return std::optional<Bytes>();
    }
    if (ctx_.NamedSourceDisallowed(pp->nodes[0].addr, "join push/pull")) {
      return std::optional<Bytes>();
    }
  }
  ctx_.metrics.Incr(metric::kTcpPushPullIn);
  // Reply with our state first (as Go does), then merge theirs.
  std::optional<Bytes> reply = Reply(pp->join);
  SWIM_DCHECK(reply.has_value() && !reply->empty());
  if (absl::Status s = ctx_.state->MergeRemoteState(*pp, pp->join); !s.ok()) {
    ctx_.metrics.Incr(metric::kPushPullMergeFailed);
    ctx_.Log(LogLevel::kWarn,
             absl::StrCat("failed to merge push/pull from ", from.ToString(),
                          ": ", std::string(s.message())));
  }
  return reply;
}

// ---------------------------------------------------------------------------
// Push/pull (§2.7)
// ---------------------------------------------------------------------------

namespace {

wire::PushNodeState PushStateOf(const NodeRecord& r) {
  wire::PushNodeState s;
  s.name = r.node.name();
  s.addr = r.node.addr();
  s.port = r.node.port();
  if (!r.node.meta().empty()) s.meta = r.node.meta();
  s.incarnation = r.node.incarnation;
  s.state = static_cast<int64_t>(r.node.state);
  s.vsn = r.node.vsn();  // always 6 bytes: a missing Vsn fails Go's merge
  SWIM_DCHECK(!s.name.empty());
  SWIM_DCHECK(s.state >= 0 &&
              s.state <= static_cast<int64_t>(NodeState::kLeft));
  return s;
}

}  // namespace

wire::PushPull Messenger::LocalState(bool join, Push push) const {
  wire::PushPull pp;
  pp.join = join;
  if (push == Push::kSelfOnly) {
    const NodeRecord* self = ctx_.Self();
    SWIM_CHECK(self != nullptr);  // our own record is never removed
    pp.nodes.push_back(PushStateOf(*self));
  } else {
    pp.nodes.reserve(ctx_.table.size());
    for (const NodeRecord* r : ctx_.table.order()) {
      pp.nodes.push_back(PushStateOf(*r));
    }
    SWIM_DCHECK(pp.nodes.size() == ctx_.table.size());
  }
  if (ctx_.config.delegate != nullptr) {
    pp.user_state = ctx_.config.delegate->LocalState(join);
  }
  return pp;
}

void Messenger::StartPushPull(absl::Duration stagger) {
  SWIM_DCHECK(stagger >= absl::ZeroDuration());
  ctx_.After(stagger, "push_pull_stagger", [this] { ArmPushPull(); });
}

void Messenger::ArmPushPull() {
  SWIM_DCHECK(!ctx_.shutdown);
  SWIM_DCHECK(ctx_.config.push_pull_interval > absl::ZeroDuration());
  // The scale is taken when the wait starts, as Go's loop does.
  const absl::Duration wait = PushPullScale(
      ctx_.config.push_pull_interval, static_cast<int>(ctx_.table.size()));
  ctx_.After(wait, "push_pull", [this] {
    PushPullTick([this] {
      if (!ctx_.shutdown) ArmPushPull();
    });
  });
}

void Messenger::PushPullTick(std::function<void()> then) {
  SWIM_DCHECK(then != nullptr);
  const NodeRecord* peer = ctx_.RandomAlivePeer();
  if (peer == nullptr) {
    then();
    return;
  }
  const Instant start = ctx_.env->Now();
  PushPullWith(peer->node.address(), /*join=*/false, Push::kWholeTable,
               [this, start, then = std::move(then)](absl::Status s) {
                 ctx_.metrics.AddTiming(metric::kPushPullNodeTiming,
                                        ctx_.env->Now() - start);
                 if (!s.ok()) {
                   SWIM_COVER("push_pull_failed");
                   ctx_.Log(LogLevel::kWarn,
                            absl::StrCat("push/pull failed: ",
                                         std::string(s.message())));
                 }
                 then();
               });
}

void Messenger::PushPullWith(const Address& addr, bool join, Push push,
                             std::function<void(absl::Status)> done) {
  SWIM_DCHECK(done != nullptr);
  // Go's sendAndReceiveState refuses an address without a name first
  // (net.go:876-878).
  if (absl::Status s = CheckNodeName(addr, "push/pull"); !s.ok()) {
    done(s);
    return;
  }
  Bytes msg;
  wire::Encode(LocalState(join, push), wire_.address_mode, &msg);
  Bytes stream = EncodeStreamMsg(msg);
  SWIM_DCHECK(!stream.empty());
  SWIM_DCHECK(ctx_.alive_token != nullptr && *ctx_.alive_token);
  CountSent(metric::kTcpSent, stream.size());
  ctx_.metrics.Incr(metric::kTcpConnect);
  std::weak_ptr<bool> alive = ctx_.alive_token;
  ctx_.env->StreamExchange(
      addr, std::move(stream), StreamReply::kMessage, ctx_.config.tcp_timeout,
      [this, alive, join, done = std::move(done)](absl::StatusOr<Bytes> reply) {
        if (alive.expired()) return;
        if (ctx_.shutdown) {
          done(absl::FailedPreconditionError("memberlist is shut down"));
          return;
        }
        absl::Status s = OnPushPullReply(std::move(reply), join);
        if (ctx_.check_invariants) ctx_.check_invariants();
        done(s);
      });
}

absl::Status Messenger::OnPushPullReply(absl::StatusOr<Bytes> reply,
                                        bool join) {
  SWIM_DCHECK(!ctx_.shutdown);
  if (!reply.ok()) return reply.status();
  ctx_.metrics.Incr(metric::kTcpReceived, reply->size());
  absl::StatusOr<Bytes> m = OpenStream(*reply);
  if (!m.ok()) return m.status();
  if (m->empty()) return absl::DataLossError("empty push/pull reply");
  const ByteSpan body = ByteSpan(*m).subspan(1);
  if ((*m)[0] == static_cast<uint8_t>(wire::MessageType::kErr)) {
    absl::StatusOr<wire::ErrResp> e = wire::DecodeErr(body);
    return absl::UnknownError(absl::StrCat(
        "remote error: ", e.ok() ? e->error : std::string("(undecodable)")));
  }
  if ((*m)[0] != static_cast<uint8_t>(wire::MessageType::kPushPull)) {
    return absl::DataLossError(
        absl::StrCat("unexpected reply type ", static_cast<int>((*m)[0])));
  }
  absl::StatusOr<wire::PushPull> pp =
      wire::DecodePushPull(body, wire_.address_mode);
  if (!pp.ok()) {
    ctx_.metrics.Incr(metric::kMalformedPushPull);
    return pp.status();
  }
  FixPushPullPorts(pp->nodes, ctx_.config.protocol_version,
                   ctx_.config.bind_port);
  // Item 9 of issue 14: the initiator merges with its OWN join flag (Go's
  // pushPullNode), so a reply claiming Join=false cannot skip our
  // MergeDelegate's veto on a join.
  return ctx_.state->MergeRemoteState(*pp, join);
}

Bytes Messenger::Reply(bool join) {
  const auto encode = [&] {
    Bytes plain;
    wire::Encode(LocalState(join, Push::kWholeTable), wire_.address_mode,
                 &plain);
    SWIM_DCHECK(!plain.empty());
    return plain;
  };
  if (PacketOptions(nullptr).keyring != nullptr) {
    return EncodeStreamMsg(encode());  // a fresh nonce every time: no memo
  }
  ReplyMemo& memo = reply_memo_[join ? 1 : 0];
  const Instant now = ctx_.env->Now();
  const NodeRecord* self = ctx_.Self();
  SWIM_CHECK(self != nullptr);  // our own record is never removed
  // Config::push_pull_reply_max_age. Not with a delegate: Go asks its
  // LocalState for every reply. At most 1/32 of our members may be missing
  // from a reused reply: in a small cluster, whose joiners all reach the
  // seed at once, every reply still carries everyone merged before it. Our
  // own entry is never stale: a reply after we refuted (or left, or changed
  // our meta) carries it.
  if (ctx_.config.push_pull_reply_max_age > absl::ZeroDuration() &&
      ctx_.config.delegate == nullptr && !memo.stream.empty() &&
      now - memo.encoded <= ctx_.config.push_pull_reply_max_age &&
      ctx_.table.size() <= memo.table_size + memo.table_size / 32 &&
      self->node.incarnation == memo.self_incarnation &&
      self->node.state == memo.self_state) {
    SWIM_DCHECK(!memo.plain.empty() && memo.encoded <= now);
    memo.used = now;
    ctx_.metrics.Incr(metric::kPushPullReplyReused);
    return memo.stream;
  }
  // The same plain bytes are the same stream (compression is
  // deterministic): only a changed table is compressed again.
  Bytes plain = encode();
  if (plain != memo.plain) {  // the memo starts empty: a miss
    memo.stream = EncodeStreamMsg(plain);
    memo.plain = std::move(plain);
  }
  memo.encoded = memo.used = now;
  memo.table_size = ctx_.table.size();
  memo.self_incarnation = self->node.incarnation;
  memo.self_state = self->node.state;
  SWIM_DCHECK(!memo.stream.empty());
  return memo.stream;
}

void Messenger::ReleaseIdleReplyMemo(Instant now) {
  for (ReplyMemo& memo : reply_memo_) {
    if (memo.plain.empty()) continue;
    if (now - memo.used < absl::Seconds(1)) continue;
    Bytes().swap(memo.plain);
    Bytes().swap(memo.stream);
    SWIM_DCHECK(memo.plain.capacity() == 0 && memo.stream.empty());
  }
}

}  // namespace swim::internal
