#include "sim/world.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/check.h"

#include "absl/strings/str_cat.h"

namespace sim {

std::string_view DropCauseName(DropCause cause) {
  switch (cause) {
    case DropCause::kLoss:
      return "loss";
    case DropCause::kPartition:
      return "partition";
    case DropCause::kCrash:
      return "crash";
    case DropCause::kQueue:
      return "queue";
    case DropCause::kNoRoute:
      return "noroute";
  }
  return "?";
}

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kCrash:
      return "crash";
    case FaultKind::kRestart:
      return "restart";
    case FaultKind::kPause:
      return "pause";
    case FaultKind::kResume:
      return "resume";
    case FaultKind::kClock:
      return "clock";
    case FaultKind::kPartition:
      return "partition";
    case FaultKind::kHeal:
      return "heal";
    case FaultKind::kLinkChange:
      return "link";
  }
  return "?";
}

namespace {

std::string_view TraceKindName(int kind) {
  static constexpr std::string_view kNames[] = {
      "deliver",     "drop",       "dup",         "timer", "timer-drop", "call",
      "stream-open", "stream-req", "stream-done", "fault", "note"};
  return kNames[kind];
}

absl::Status StreamError(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kDeadlineExceeded:
      return absl::DeadlineExceededError("sim: stream timed out");
    case absl::StatusCode::kUnavailable:
      return absl::UnavailableError("sim: connect failed");
    case absl::StatusCode::kAborted:
      return absl::AbortedError("sim: connection reset");
    default:
      return absl::Status(code, "sim: stream failed");
  }
}

}  // namespace

World::World(uint64_t seed)
    : World([seed] {
        WorldOptions o;
        o.seed = seed;
        return o;
      }()) {}

World::World(const WorldOptions& options)
    : options_(options), rng_(swim::DeriveSeed(options.seed, 0xFFFFFFFFull)) {}

World::~World() = default;

uint64_t World::V4Key(const swim::Address& a) {
  const auto b = a.ip.bytes();
  return (uint64_t{1} << 48) | (static_cast<uint64_t>(b[0]) << 40) |
         (static_cast<uint64_t>(b[1]) << 32) |
         (static_cast<uint64_t>(b[2]) << 24) |
         (static_cast<uint64_t>(b[3]) << 16) | a.port;
}

namespace {

// The k-th address of a numbered range: first.(second + k / 64,000).x.y,
// 250 hosts (.1 to .250) per /24.
swim::IpAddress NumberedV4(uint8_t first, uint8_t second, uint32_t k) {
  return swim::IpAddress::V4(
      first, static_cast<uint8_t>(second + k / (250 * 256)),
      static_cast<uint8_t>((k / 250) % 256), static_cast<uint8_t>(k % 250 + 1));
}

}  // namespace

void World::IndexAddress(const swim::Address& address, NodeId id) {
  if (address.ip.is_v4()) {
    v4_index_[V4Key(address)] = id;
  } else {
    other_index_[{address.ip, address.port}] = id;
  }
}

void World::UnindexAddress(const swim::Address& address) {
  if (address.ip.is_v4()) {
    v4_index_.erase(V4Key(address));
  } else {
    other_index_.erase({address.ip, address.port});
  }
}

NodeId World::AddNode() {
  const size_t n = nodes_.size();
  swim::Address a;
  a.ip = NumberedV4(10, 0, static_cast<uint32_t>(n));
  a.port = 7946;
  a.name = "n" + std::to_string(n);
  return AddNode(a);
}

NodeId World::AddNode(const swim::Address& address) {
  SWIM_CHECK(!FindNode(address).has_value());
  SWIM_CHECK(nodes_.size() < kWorldOwner);
  const NodeId id = static_cast<NodeId>(nodes_.size());
  IndexAddress(address, id);
  Node node;
  node.address = address;
  node.env =
      std::make_unique<SimEnv>(this, id, swim::DeriveSeed(options_.seed, id));
  nodes_.push_back(std::move(node));
  network_.AddNode();
  return id;
}

std::optional<NodeId> World::FindNode(const swim::Address& address) const {
  if (address.ip.is_v4()) {
    auto it = v4_index_.find(V4Key(address));
    if (it == v4_index_.end()) return std::nullopt;
    return it->second;
  }
  auto it = other_index_.find(std::make_pair(address.ip, address.port));
  if (it == other_index_.end()) return std::nullopt;
  return it->second;
}

void World::AddName(const std::string& host, std::vector<swim::IpAddress> ips) {
  names_[host] = std::move(ips);
}

// ---------------- Driving ----------------

EventId World::At(swim::Instant when, std::string_view label,
                  std::function<void()> fn) {
  Event ev;
  ev.kind = EventKind::kCall;
  ev.owner = kWorldOwner;
  ev.label = label;
  ev.fn = std::move(fn);
  return queue_.Push(std::max(when, now_), std::move(ev));
}

EventId World::After(absl::Duration delay, std::string_view label,
                     std::function<void()> fn) {
  return At(now_ + std::max(delay, absl::ZeroDuration()), label, std::move(fn));
}

bool World::Step() {
  swim::Instant t;
  const EventId id = queue_.PopEarliest(&t);
  if (id == 0) return false;
  if (t > now_) now_ = t;
  ++events_processed_;
  Dispatch(id);
  return true;
}

void World::RunUntil(swim::Instant t) {
  while (queue_.PeekDeadline() <= t) Step();
  if (t > now_) now_ = t;
}

void World::RunFor(absl::Duration d) { RunUntil(now_ + d); }

uint64_t World::RunUntilIdle(uint64_t max_events) {
  uint64_t n = 0;
  while (n < max_events && Step()) ++n;
  return n;
}

bool World::RunUntil(const std::function<bool()>& pred,
                     swim::Instant deadline) {
  while (true) {
    if (pred()) return true;
    if (queue_.PeekDeadline() > deadline) break;
    Step();
  }
  if (deadline > now_) now_ = deadline;
  return pred();
}

void World::Dispatch(EventId id) {
  {
    Event& ev = queue_.Get(id);
    if (ev.owner != kWorldOwner) {
      Node& n = nodes_[ev.owner];
      const bool epoch_bound =
          ev.kind == EventKind::kCall || ev.kind == EventKind::kStreamReply;
      if (epoch_bound && ev.epoch != n.epoch) {
        Event dead = queue_.Take(id);
        if (dead.kind == EventKind::kCall) {
          Trace(TraceKind::kTimerDrop, dead.owner, kWorldOwner, 0, dead.label);
        } else {
          FreeStream(dead.aux);
        }
        return;
      }
      if (n.state == NodeState::kPaused) {
        if (ev.kind == EventKind::kPacket) {
          const uint64_t limit = options_.paused_rx_buffer_bytes;
          if (limit > 0 && n.parked_rx_bytes + ev.data.size() > limit) {
            Event dropped = queue_.Take(id);
            RecordDrop(dropped.from, dropped.owner, DropCause::kQueue,
                       dropped.data.size(), false);
            return;
          }
          n.parked_rx_bytes += ev.data.size();
        }
        n.parked.push_back(id);
        return;
      }
    }
  }
  Event ev = queue_.Take(id);
  switch (ev.kind) {
    case EventKind::kCall:
      if (ev.owner == kWorldOwner) {
        Trace(TraceKind::kCall, kWorldOwner, kWorldOwner, 0, ev.label);
      } else {
        ++nodes_[ev.owner].stats.timers_fired;
        Trace(TraceKind::kTimer, ev.owner, kWorldOwner, 0, ev.label);
      }
      ev.fn();
      break;
    case EventKind::kPacket:
      DeliverPacket(ev);
      break;
    case EventKind::kStreamRequest:
      DeliverStreamRequest(ev);
      break;
    case EventKind::kStreamReply:
      CompleteStream(ev);
      break;
  }
}

// ---------------- Node-facing operations ----------------

EventId World::ScheduleFor(NodeId node, absl::Duration world_delay,
                           std::string_view label, std::function<void()> fn) {
  Event ev;
  ev.kind = EventKind::kCall;
  ev.owner = node;
  // A crashed node's new timers are born dead (epoch 0 never matches).
  ev.epoch = nodes_[node].state == NodeState::kCrashed ? 0 : nodes_[node].epoch;
  ev.label = label;
  ev.fn = std::move(fn);
  return queue_.Push(now_ + std::max(world_delay, absl::ZeroDuration()),
                     std::move(ev));
}

bool World::CancelFor(NodeId node, EventId id) {
  if (!queue_.Contains(id)) return false;
  const Event& ev = queue_.Get(id);
  if (ev.owner != node || ev.kind != EventKind::kCall) return false;
  return queue_.Cancel(id);
}

absl::Duration World::SampleLatency(NodeId from, NodeId to) {
  const LinkParams& lp = network_.Link(from, to);
  absl::Duration d = lp.latency.Sample(rng_);
  if (lp.reorder > 0 && rng_.Bernoulli(lp.reorder)) {
    d += absl::Nanoseconds(
        rng_.UniformRange(0, absl::ToInt64Nanoseconds(lp.reorder_delay)));
  }
  return d;
}

int64_t World::TransferNanos(NodeId sender, size_t bytes) const {
  const uint64_t bps = network_.bandwidth(sender).bytes_per_second;
  if (bps == 0) return 0;
  return static_cast<int64_t>(static_cast<unsigned __int128>(bytes) *
                              1000000000u / bps);
}

void World::Send(NodeId from, const swim::Address& to, swim::Bytes data) {
  Node& src = nodes_[from];
  if (src.state == NodeState::kCrashed) return;
  const size_t size = data.size();
  ++src.stats.packets_sent;
  src.stats.bytes_sent += size;
  const std::optional<NodeId> dst = FindNode(to);
  if (!dst) {
    RecordDrop(from, kWorldOwner, DropCause::kNoRoute, size, false);
    return;
  }
  // Egress queue: packets leave one after another at the node's bandwidth.
  int64_t depart = now_.nanos();
  const BandwidthLimit& bw = network_.bandwidth(from);
  if (bw.bytes_per_second > 0) {
    const int64_t busy = std::max(src.egress_busy_until, depart);
    const uint64_t backlog =
        static_cast<uint64_t>(static_cast<unsigned __int128>(busy - depart) *
                              bw.bytes_per_second / 1000000000u);
    if (backlog + size > bw.max_queue_bytes) {
      RecordDrop(from, *dst, DropCause::kQueue, size, false);
      return;
    }
    src.egress_busy_until = busy + TransferNanos(from, size);
    depart = src.egress_busy_until;
  }
  if (network_.Blocked(from, *dst)) {
    RecordDrop(from, *dst, DropCause::kPartition, size, false);
    return;
  }
  const LinkParams& lp = network_.Link(from, *dst);
  if (lp.loss > 0 && rng_.Bernoulli(lp.loss)) {
    RecordDrop(from, *dst, DropCause::kLoss, size, false);
    return;
  }
  const swim::Instant base = swim::Instant::FromNanos(depart);
  if (lp.duplicate > 0 && rng_.Bernoulli(lp.duplicate)) {
    Event dup;
    dup.kind = EventKind::kPacket;
    dup.owner = *dst;
    dup.epoch = nodes_[*dst].addr_gen;
    dup.from = from;
    dup.data = data;
    Trace(TraceKind::kDuplicate, from, *dst, size, {});
    queue_.Push(base + SampleLatency(from, *dst), std::move(dup));
  }
  Event ev;
  ev.kind = EventKind::kPacket;
  ev.owner = *dst;
  ev.epoch = nodes_[*dst].addr_gen;
  ev.from = from;
  ev.data = std::move(data);
  queue_.Push(base + SampleLatency(from, *dst), std::move(ev));
}

void World::DeliverPacket(Event& ev) {
  Node& dst = nodes_[ev.owner];
  const size_t size = ev.data.size();
  if (ev.epoch != dst.addr_gen) {  // its address moved while in flight
    RecordDrop(ev.from, kWorldOwner, DropCause::kNoRoute, size, false);
    return;
  }
  if (dst.state == NodeState::kCrashed || dst.host == nullptr) {
    RecordDrop(ev.from, ev.owner, DropCause::kCrash, size, false);
    return;
  }
  ++dst.stats.packets_received;
  dst.stats.bytes_received += size;
  Trace(TraceKind::kDeliver, ev.from, ev.owner, size, {});
  dst.host->HandlePacket(nodes_[ev.from].address, ev.data, dst.env->Now());
}

World::Stream* World::FindStream(uint64_t handle) {
  const uint32_t slot = static_cast<uint32_t>(handle);
  if (slot >= streams_.size()) return nullptr;
  Stream& s = streams_[slot];
  if (!s.active || s.gen != static_cast<uint32_t>(handle >> 32)) {
    return nullptr;
  }
  return &s;
}

void World::FreeStream(uint64_t handle) {
  Stream* s = FindStream(handle);
  if (s == nullptr) return;
  queue_.Cancel(s->timeout);
  s->done = nullptr;
  s->active = false;
  if (++s->gen == 0) s->gen = 1;
  free_streams_.push_back(static_cast<uint32_t>(handle));
}

EventId World::PostStreamOutcome(uint64_t handle, swim::Instant when,
                                 absl::StatusCode code, swim::Bytes data) {
  Stream* s = FindStream(handle);
  if (s == nullptr) return 0;
  Event ev;
  ev.kind = EventKind::kStreamReply;
  ev.owner = s->client;
  ev.epoch = s->client_epoch;
  ev.from = static_cast<uint32_t>(code);
  ev.aux = handle;
  ev.data = std::move(data);
  return queue_.Push(std::max(when, now_), std::move(ev));
}

void World::ConnectFailed(uint64_t handle, swim::Instant when) {
  // Nobody answers the SYN: the dial fails at min(connect timeout, the
  // exchange's timeout) as "could not connect", which replaces the timeout.
  Stream* s = FindStream(handle);
  queue_.Cancel(s->timeout);
  s->timeout =
      PostStreamOutcome(handle, when, absl::StatusCode::kUnavailable, {});
}

void World::OpenStream(NodeId from, const swim::Address& to,
                       swim::Bytes request, swim::StreamReply reply,
                       absl::Duration timeout, swim::Env::StreamCallback done) {
  Node& src = nodes_[from];
  if (src.state == NodeState::kCrashed) return;
  const size_t size = request.size();
  ++src.stats.streams_opened;
  src.stats.stream_bytes_sent += size;

  uint32_t slot;
  if (!free_streams_.empty()) {
    slot = free_streams_.back();
    free_streams_.pop_back();
  } else {
    slot = static_cast<uint32_t>(streams_.size());
    streams_.emplace_back();
  }
  Stream& s = streams_[slot];
  s.done = std::move(done);
  s.client = from;
  s.client_epoch = src.epoch;
  s.active = true;
  const uint64_t handle = (static_cast<uint64_t>(s.gen) << 32) | slot;
  if (timeout < absl::ZeroDuration()) timeout = absl::ZeroDuration();
  const swim::Instant t0 = now_;
  const swim::Instant connect_fail =
      t0 + std::min(timeout, options_.connect_timeout);
  const EventId timeout_id = PostStreamOutcome(
      handle, t0 + timeout, absl::StatusCode::kDeadlineExceeded, {});
  streams_[slot].timeout = timeout_id;

  const std::optional<NodeId> dst = FindNode(to);
  Trace(TraceKind::kStreamOpen, from, dst.value_or(kWorldOwner), size, {});
  if (!dst) {
    RecordDrop(from, kWorldOwner, DropCause::kNoRoute, size, true);
    ConnectFailed(handle, connect_fail);
    return;
  }
  streams_[slot].server = *dst;
  if (network_.Blocked(from, *dst) || network_.Blocked(*dst, from)) {
    RecordDrop(from, *dst, DropCause::kPartition, size, true);
    ConnectFailed(handle, connect_fail);
    return;
  }
  if (nodes_[*dst].state == NodeState::kCrashed ||
      nodes_[*dst].host == nullptr) {
    // The host answers the SYN with a reset: "connection refused".
    RecordDrop(from, *dst, DropCause::kCrash, size, true);
    // Two draws, sequenced: the operands of + are evaluated in an order
    // the compiler picks, and a clang build must replay a gcc trace.
    const absl::Duration syn = SampleLatency(from, *dst);
    const absl::Duration rst = SampleLatency(*dst, from);
    const absl::Duration rtt = syn + rst;
    PostStreamOutcome(handle, t0 + rtt, absl::StatusCode::kUnavailable, {});
    return;
  }
  const LinkParams& lp = network_.Link(from, *dst);
  if (lp.stream_reset > 0 && rng_.Bernoulli(lp.stream_reset)) {
    PostStreamOutcome(handle, t0 + SampleLatency(from, *dst),
                      absl::StatusCode::kAborted, {});
    return;
  }
  const swim::Instant arrive = t0 + SampleLatency(from, *dst) +
                               absl::Nanoseconds(TransferNanos(from, size));
  Event ev;
  ev.kind = EventKind::kStreamRequest;
  ev.flags = static_cast<uint8_t>(reply);
  ev.owner = *dst;
  ev.epoch = nodes_[*dst].addr_gen;
  ev.from = from;
  ev.aux = handle;
  ev.data = std::move(request);
  queue_.Push(arrive, std::move(ev));
  if (reply == swim::StreamReply::kNone) {
    // The write is complete once the bytes are delivered.
    PostStreamOutcome(handle, arrive, absl::StatusCode::kOk, {});
  }
}

void World::DeliverStreamRequest(Event& ev) {
  const NodeId server = ev.owner;
  const NodeId client = ev.from;
  Node& dst = nodes_[server];
  const size_t size = ev.data.size();
  if (ev.epoch != dst.addr_gen) {  // its address moved while in flight
    RecordDrop(client, kWorldOwner, DropCause::kNoRoute, size, true);
    PostStreamOutcome(ev.aux, now_ + SampleLatency(server, client),
                      absl::StatusCode::kAborted, {});
    return;
  }
  if (dst.state == NodeState::kCrashed || dst.host == nullptr) {
    RecordDrop(client, server, DropCause::kCrash, size, true);
    PostStreamOutcome(ev.aux, now_ + SampleLatency(server, client),
                      absl::StatusCode::kAborted, {});
    return;
  }
  ++dst.stats.streams_accepted;
  dst.stats.stream_bytes_received += size;
  Trace(TraceKind::kStreamRequest, client, server, size, {});
  std::optional<swim::Bytes> reply =
      dst.host->HandleStream(nodes_[client].address, ev.data);
  if (ev.flags != static_cast<uint8_t>(swim::StreamReply::kMessage)) return;
  if (FindStream(ev.aux) == nullptr) return;  // client gave up already
  // A stalling server never answers: the client's timeout event decides.
  if (nodes_[server].stall_streams) return;
  if (!reply) {
    PostStreamOutcome(ev.aux, now_ + SampleLatency(server, client),
                      absl::StatusCode::kAborted, {});
    return;
  }
  const size_t reply_size = reply->size();
  if (network_.Blocked(server, client)) {
    // The reply never arrives; the client times out.
    RecordDrop(server, client, DropCause::kPartition, reply_size, true);
    return;
  }
  // (Not `dst`: the host may have added nodes, moving nodes_.)
  nodes_[server].stats.stream_bytes_sent += reply_size;
  PostStreamOutcome(ev.aux,
                    now_ + SampleLatency(server, client) +
                        absl::Nanoseconds(TransferNanos(server, reply_size)),
                    absl::StatusCode::kOk, std::move(*reply));
}

void World::CompleteStream(Event& ev) {
  Stream* s = FindStream(ev.aux);
  if (s == nullptr) return;  // already completed (timeout vs reply race)
  swim::Env::StreamCallback done = std::move(s->done);
  const NodeId client = s->client;
  const NodeId server = s->server;
  FreeStream(ev.aux);  // also cancels the timeout event
  const auto code = static_cast<absl::StatusCode>(ev.from);
  Node& n = nodes_[client];
  Trace(TraceKind::kStreamDone, server, client, ev.from,
        code == absl::StatusCode::kOk ? "ok" : "error");
  if (code == absl::StatusCode::kOk) {
    n.stats.stream_bytes_received += ev.data.size();
    done(std::move(ev.data));
  } else {
    ++n.stats.streams_failed;
    done(StreamError(code));
  }
}

void World::ResolveFor(NodeId node, const std::string& host,
                       swim::Env::ResolveCallback done) {
  absl::StatusOr<std::vector<swim::IpAddress>> result;
  auto it = names_.find(host);
  if (it == names_.end()) {
    result = absl::NotFoundError("sim: no such host: " + host);
  } else {
    result = it->second;
  }
  ScheduleFor(node, options_.resolve_delay, "resolve",
              [done = std::move(done), result = std::move(result)]() mutable {
                done(std::move(result));
              });
}

void World::LogFor(NodeId node, swim::LogLevel level,
                   std::string_view message) {
  if (level < options_.log_level || !sink_) return;
  std::string line;
  char head[64];
  std::snprintf(head, sizeof(head), "%lld.%09lld n%u log %s ",
                static_cast<long long>(now_.nanos() / 1000000000),
                static_cast<long long>(now_.nanos() % 1000000000), node,
                std::string(swim::LogLevelName(level)).c_str());
  line.append(head);
  line.append(message);
  sink_(line);
}

// ---------------- Faults ----------------

void World::SetStreamStall(NodeId node, bool stall) {
  if (nodes_[node].stall_streams == stall) return;
  nodes_[node].stall_streams = stall;
  TraceNote(stall ? "stream-stall on" : "stream-stall off");
}

void World::Crash(NodeId node) {
  Node& n = nodes_[node];
  if (n.state == NodeState::kCrashed) return;
  n.state = NodeState::kCrashed;
  ++n.epoch;
  RecordFault(FaultKind::kCrash, node);
  // Events parked by a pause now meet the crash: timers drop, deliveries
  // count as crash drops, stream requests fail.
  std::vector<EventId> parked = std::move(n.parked);
  n.parked.clear();
  n.parked_rx_bytes = 0;
  for (EventId id : parked) queue_.Requeue(id, now_);
}

const swim::Address& World::MoveAddress(NodeId node) {
  Node& n = nodes_[node];
  SWIM_CHECK(n.state == NodeState::kCrashed);
  swim::Address a = n.address;
  do {
    const uint32_t k = moved_addresses_++;
    SWIM_CHECK(k < 16u * 256 * 250);
    a.ip = NumberedV4(172, 16, k);
    a.port = 7946;
  } while (FindNode(a).has_value());
  UnindexAddress(n.address);
  IndexAddress(a, node);
  TraceNote(absl::StrCat("address n", node, " ", n.address.ToString(), " -> ",
                         a.ToString()));
  n.address = std::move(a);
  ++n.addr_gen;
  return n.address;
}

void World::Restart(NodeId node) {
  Node& n = nodes_[node];
  SWIM_CHECK(n.state == NodeState::kCrashed);
  n.state = NodeState::kUp;
  ++n.epoch;
  n.egress_busy_until = 0;
  RecordFault(FaultKind::kRestart, node);
  if (restart_hook_) restart_hook_(node);
}

void World::Pause(NodeId node) {
  Node& n = nodes_[node];
  if (n.state != NodeState::kUp) return;
  n.state = NodeState::kPaused;
  RecordFault(FaultKind::kPause, node);
}

void World::Resume(NodeId node) {
  Node& n = nodes_[node];
  if (n.state != NodeState::kPaused) return;
  n.state = NodeState::kUp;
  RecordFault(FaultKind::kResume, node);
  std::vector<EventId> parked = std::move(n.parked);
  n.parked.clear();
  n.parked_rx_bytes = 0;
  for (EventId id : parked) queue_.Requeue(id, now_);
}

void World::SetClockDrift(NodeId node, int64_t ppm) {
  SWIM_CHECK(ppm > -1000000);
  SimEnv& e = *nodes_[node].env;
  e.Reanchor(now_);
  e.drift_ppm_ = ppm;
  RecordFault(FaultKind::kClock, node);
}

void World::StepClock(NodeId node, absl::Duration jump) {
  SWIM_CHECK(jump >= absl::ZeroDuration());
  SimEnv& e = *nodes_[node].env;
  e.Reanchor(now_);
  e.local_anchor_ += jump;
  RecordFault(FaultKind::kClock, node);
}

void World::SetCpuIdle(NodeId node, std::optional<double> percent) {
  nodes_[node].env->cpu_idle_ = percent;
}

void World::Partition(const std::vector<std::vector<NodeId>>& groups) {
  network_.Partition(groups);
  RecordFault(FaultKind::kPartition, kWorldOwner);
}

void World::SplitBrain() {
  network_.SplitBrain();
  RecordFault(FaultKind::kPartition, kWorldOwner);
}

void World::Isolate(NodeId node) {
  network_.Isolate(node);
  RecordFault(FaultKind::kPartition, node);
}

void World::Unisolate(NodeId node) {
  network_.Unisolate(node);
  RecordFault(FaultKind::kHeal, node);
}

void World::BlockOneWay(const std::vector<NodeId>& from,
                        const std::vector<NodeId>& to) {
  network_.BlockOneWay(from, to);
  RecordFault(FaultKind::kPartition, kWorldOwner);
}

void World::Heal() {
  network_.Heal();
  RecordFault(FaultKind::kHeal, kWorldOwner);
}

// ---------------- Trace and accounting ----------------

void World::RecordDrop(NodeId from, NodeId to, DropCause cause, size_t bytes,
                       bool stream) {
  const size_t c = static_cast<size_t>(cause);
  ++nodes_[from].stats.drops_out[c];
  if (to != kWorldOwner) ++nodes_[to].stats.drops_in[c];
  if (options_.record_drops) {
    drops_.push_back(DropRecord{now_, from, to, cause, stream,
                                static_cast<uint32_t>(bytes)});
  }
  Trace(TraceKind::kDrop, from, to, bytes, DropCauseName(cause));
}

NodeStats World::TotalStats() const {
  NodeStats t;
  for (const Node& n : nodes_) {
    const NodeStats& s = n.stats;
    t.packets_sent += s.packets_sent;
    t.bytes_sent += s.bytes_sent;
    t.packets_received += s.packets_received;
    t.bytes_received += s.bytes_received;
    t.streams_opened += s.streams_opened;
    t.streams_accepted += s.streams_accepted;
    t.streams_failed += s.streams_failed;
    t.stream_bytes_sent += s.stream_bytes_sent;
    t.stream_bytes_received += s.stream_bytes_received;
    t.timers_fired += s.timers_fired;
    for (size_t c = 0; c < kNumDropCauses; ++c) {
      t.drops_out[c] += s.drops_out[c];
      t.drops_in[c] += s.drops_in[c];
    }
  }
  return t;
}

std::vector<DropRecord> World::DropsInvolving(NodeId node, swim::Instant since,
                                              swim::Instant until) const {
  auto first = std::lower_bound(
      drops_.begin(), drops_.end(), since,
      [](const DropRecord& d, swim::Instant t) { return d.at < t; });
  std::vector<DropRecord> out;
  for (auto it = first; it != drops_.end() && it->at <= until; ++it) {
    if (it->from == node || it->to == node) out.push_back(*it);
  }
  return out;
}

void World::RecordFault(FaultKind kind, NodeId node) {
  faults_.push_back(FaultRecord{now_, kind, node});
  Trace(TraceKind::kFault, node, kWorldOwner, 0, FaultKindName(kind));
}

void World::TraceNote(std::string_view text) {
  Trace(TraceKind::kNote, kWorldOwner, kWorldOwner, 0, text);
}

void World::Trace(TraceKind kind, uint32_t a, uint32_t b, uint64_t x,
                  std::string_view label) {
  // Fold the record's fields, word by word (FNV-1a style multiply plus a
  // shift for diffusion). Independent of whether text is produced.
  uint64_t h = trace_hash_;
  auto mix = [&h](uint64_t v) {
    h ^= v;
    h *= 0x100000001b3ULL;
    h ^= h >> 32;
  };
  mix(static_cast<uint64_t>(now_.nanos()));
  mix((static_cast<uint64_t>(kind) << 32) | a);
  mix((static_cast<uint64_t>(b) << 32) | label.size());
  mix(x);
  for (size_t i = 0; i < label.size(); i += 8) {
    uint64_t w = 0;
    for (size_t j = i; j < label.size() && j < i + 8; ++j) {
      w = (w << 8) | static_cast<uint8_t>(label[j]);
    }
    mix(w);
  }
  trace_hash_ = h;
  if (!sink_) return;
  char buf[160];
  auto node = [](uint32_t n, char* out, size_t cap) {
    if (n == kWorldOwner) {
      std::snprintf(out, cap, "-");
    } else {
      std::snprintf(out, cap, "n%u", n);
    }
  };
  char na[16], nb[16];
  node(a, na, sizeof(na));
  node(b, nb, sizeof(nb));
  const int len =
      std::snprintf(buf, sizeof(buf), "%lld.%09lld %s %s %s %llu ",
                    static_cast<long long>(now_.nanos() / 1000000000),
                    static_cast<long long>(now_.nanos() % 1000000000),
                    std::string(TraceKindName(static_cast<int>(kind))).c_str(),
                    na, nb, static_cast<unsigned long long>(x));
  std::string line(buf, static_cast<size_t>(std::max(len, 0)));
  line.append(label);
  sink_(line);
}

}  // namespace sim
