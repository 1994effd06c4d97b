// sim::HostilePeer: a misbehaving node in a sim::World, for robustness tests
// of honest core::Memberlist clusters.
//
// A HostilePeer is a sim::Host on its own World node. It speaks memberlist's
// wire format (built with core/wire) and, once started, sends one "action"
// of its current attack every HostileOptions::interval to a random victim
// (burst messages per action). The attacks are listed in `Attack`; each
// message it sends is classified as
//   kMalformed  bytes no correct node may accept: the victim must drop the
//               message and count it ("memberlist.malformed.*" or
//               "memberlist.dropped.*"),
//   kValid      well-formed but lying or abusive (impersonation, forged
//               suspicion/death, replays, future-dated weights): SWIM
//               cannot tell these from the truth, so the tests measure what
//               they do to the honest nodes instead,
//   kMaybe      random bytes that may happen to parse.
// and counted per victim (stats()), so tests can compare what was sent with
// what the victim counted.
//
// Membership. With act_as_member (the default) the peer first joins the
// cluster through a push/pull with victims[0] and then behaves like a
// minimal member: it answers pings and push/pulls, learns every victim's
// incarnation from the gossip and states it receives (so forged suspect /
// dead / alive messages carry current incarnations), and keeps the last
// captured_packets_max raw packets it received for replay. An outsider
// (act_as_member = false) knows only the victims' addresses and names.
//
// Keys. `keyring` is the cluster's ring when the attacker is an insider
// (its messages are then encrypted like an honest node's); nullptr for an
// outsider to an unencrypted cluster. kWrongKey encrypts with a key of its
// own; kUnencrypted sends plaintext whatever the cluster uses.
//
// Slow-loris. The World delivers streams as whole buffers, so a stream that
// never completes never reaches an honest Host at all (in net/ it would hold
// a connection until the read deadline). kSlowLoris therefore does the two
// things that do reach the core: the peer stops answering streams itself
// (World::SetStreamStall: honest push/pulls and TCP pings to it time out)
// and it sends stream prefixes that claim more bytes than they carry.
//
// Determinism: all randomness comes from the peer's SimEnv, all timers run
// on it. Single-threaded, on the World's thread. The peer registers itself
// as its node's Host and must outlive the World's use of that node.
#ifndef SWIM_SIM_HOSTILE_H_
#define SWIM_SIM_HOSTILE_H_

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/config.h"
#include "core/rng.h"
#include "core/security/keyring.h"
#include "core/time.h"
#include "core/wire/messages.h"

#include "sim/cluster.h"
#include "sim/host.h"
#include "sim/world.h"

#include "absl/time/time.h"

namespace sim {

enum class Attack : uint8_t {
  kRandomBytes,        // random packets and streams
  kTruncated,          // valid messages cut short (packets and streams)
  kOversized,          // > 64 KiB packets; streams claiming 20 MiB and more
  kCompoundAbuse,      // absurd part counts, zero-length parts, deep nesting,
                       // and 127 spoofed pings (ack reflection)
  kDecompressionBomb,  // LZW and Snappy bombs, lying Snappy headers
  kImpersonate,        // alive about honest nodes, huge incarnations
  kSuspectFlood,       // forged suspicions of honest nodes
  kDeadFlood,          // forged deaths of honest nodes
  kReplay,             // old captured packets, re-sent
  kWrongKey,           // valid messages encrypted with another key
  kUnencrypted,        // plaintext messages (to an encrypted cluster)
  kPushPullAbsurd,     // node counts -1, 2^31, 2^20+1, more than present
  kSlowLoris,          // stalled stream replies, never-complete requests
  kWeightFlood,        // weights with stale and future timestamps
  kFakeMembers,        // alive messages for made-up nodes at dead addresses
};
inline constexpr size_t kNumAttacks = 15;
inline constexpr std::array<Attack, kNumAttacks> kAllAttacks = {
    Attack::kRandomBytes,   Attack::kTruncated,         Attack::kOversized,
    Attack::kCompoundAbuse, Attack::kDecompressionBomb, Attack::kImpersonate,
    Attack::kSuspectFlood,  Attack::kDeadFlood,         Attack::kReplay,
    Attack::kWrongKey,      Attack::kUnencrypted,       Attack::kPushPullAbsurd,
    Attack::kSlowLoris,     Attack::kWeightFlood,       Attack::kFakeMembers,
};
std::string_view AttackName(Attack a);

enum class Verdict : uint8_t { kMalformed, kValid, kMaybe };

struct HostileOptions {
  std::string name = "mallory";
  // The honest nodes' addresses, with their names (Address::name).
  std::vector<swim::Address> victims;
  swim::AddressMode address_mode = swim::AddressMode::kBinary;
  // The cluster's keyring for an insider; nullptr otherwise.
  std::shared_ptr<swim::security::Keyring> keyring;
  // Whether the cluster encrypts (with gossip_verify_incoming), known to an
  // outsider too: decides whether wrong-key and plaintext messages must be
  // rejected (kMalformed) or may be read as plaintext.
  bool cluster_encrypted = false;
  // One action every `interval`, `burst` messages per action.
  absl::Duration interval = absl::Milliseconds(20);
  int burst = 1;
  bool act_as_member = true;
  // Incarnation used by kImpersonate's "huge" variant.
  uint32_t huge_incarnation = 0xFFFFFFFFu;
  // kSuspectFlood and kDeadFlood also accuse at huge_incarnation (one
  // message in three) instead of always at the learnt incarnation.
  bool huge_accusations = false;
  size_t captured_packets_max = 256;
};

// What the peer sent to one victim.
struct VictimTally {
  uint64_t packets = 0;
  uint64_t streams = 0;
  uint64_t bytes = 0;
  uint64_t malformed = 0;  // messages with Verdict::kMalformed
  uint64_t valid = 0;
  uint64_t maybe = 0;
};

// What the peer claimed about one honest node (for blame in hurt reports).
struct SubjectClaims {
  uint64_t suspect = 0;
  uint64_t dead = 0;
  uint64_t alive = 0;  // impersonations
  uint32_t max_incarnation = 0;
  swim::Instant last;
};

struct HostileStats {
  std::map<std::string, VictimTally> by_victim;  // victim name -> tally
  std::map<std::string, SubjectClaims> claims;   // subject name -> claims
  std::array<uint64_t, kNumAttacks> messages_by_attack{};
  uint64_t packets_received = 0;
  uint64_t streams_received = 0;
  uint64_t replays_sent = 0;
  uint64_t pings_answered = 0;
  std::optional<absl::Status> join_result;
};

class HostilePeer final : public Host {
 public:
  // Registers itself as the Host of `self` in *world.
  HostilePeer(World* world, NodeId self, HostileOptions options);
  ~HostilePeer() override;
  HostilePeer(const HostilePeer&) = delete;
  HostilePeer& operator=(const HostilePeer&) = delete;

  // Joins through a push/pull with victims[0]; the outcome lands in
  // stats().join_result. Also starts a push/pull with a random victim every
  // few seconds (to keep learning incarnations) while a member.
  void Join();
  // Starts sending `attacks` (round-robin, one per action) until Stop() or
  // `duration` of virtual time passes.
  void Start(std::vector<Attack> attacks, absl::Duration duration);
  void Stop();
  bool running() const { return running_; }
  // Sends one action of `attack` now (a test hook; counts like the rest).
  void ActOnce(Attack attack);

  const HostileStats& stats() const { return stats_; }
  const swim::Address& address() const { return self_addr_; }
  // The incarnation the peer last learnt for `name` (0 if unknown).
  uint32_t LearntIncarnation(const std::string& name) const;

  // sim::Host
  void HandlePacket(const swim::Address& from, swim::ByteSpan data,
                    swim::Instant received) override;
  std::optional<swim::Bytes> HandleStream(const swim::Address& from,
                                          swim::ByteSpan request) override;

 private:
  swim::Env& env();
  void Tick();
  void Refresh();
  const swim::Address& RandomVictim();
  const swim::Address& OtherVictim(const swim::Address& not_this);

  // Framing: encrypt with `ring` (nullptr: plaintext).
  swim::Bytes Packet(swim::ByteSpan msg,
                     const swim::security::Keyring* ring) const;
  swim::Bytes Stream(swim::ByteSpan msg,
                     const swim::security::Keyring* ring) const;
  swim::Bytes Packet(swim::ByteSpan msg) const {
    return Packet(msg, options_.keyring.get());
  }
  swim::Bytes Stream(swim::ByteSpan msg) const {
    return Stream(msg, options_.keyring.get());
  }
  void SendPacket(Attack a, const swim::Address& to, swim::Bytes bytes,
                  Verdict v);
  void SendStream(Attack a, const swim::Address& to, swim::Bytes bytes,
                  Verdict v);
  void Tally(Attack a, const swim::Address& to, size_t bytes, Verdict v,
             bool stream);
  void Claim(const std::string& subject, swim::NodeState what, uint32_t inc);

  // Message builders.
  swim::Bytes AnyValidMessage();
  swim::wire::Alive SelfAlive() const;
  swim::wire::PushPull SelfState(bool join) const;
  void Learn(swim::ByteSpan msg, int depth);
  void LearnState(const swim::wire::PushPull& pp);

  // The attacks.
  void RandomBytes();
  void Truncated();
  void Oversized();
  void CompoundAbuse();
  void DecompressionBomb();
  void Impersonate();
  void SuspectFlood();
  void DeadFlood();
  void Replay();
  void WrongKey();
  void Unencrypted();
  void PushPullAbsurd();
  void SlowLoris();
  void WeightFlood();
  void FakeMembers();

  World* world_;
  NodeId self_;
  swim::Address self_addr_;
  HostileOptions options_;
  swim::Rng rng_;
  std::shared_ptr<swim::security::Keyring> wrong_ring_;
  HostileStats stats_;
  std::map<std::string, uint32_t> incarnations_;
  std::deque<swim::Bytes> captured_;
  swim::Address last_from_;  // sender of the packet being handled
  std::vector<Attack> attacks_;
  size_t next_attack_ = 0;
  bool running_ = false;
  bool member_ = false;
  swim::Instant stop_at_;
  uint32_t seq_ = 0;
  uint32_t ghosts_ = 0;
  uint64_t generation_ = 0;  // bumped on destruction
  uint64_t tick_gen_ = 0;    // invalidates the tick chain of an earlier Start
  // Expires with the peer: callbacks left in the World check it first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// One honest node declared dead (or suspected) by another honest node.
struct Hurt {
  swim::Instant at;
  int observer = 0;
  int subject = 0;
  swim::NodeState state = swim::NodeState::kDead;  // kDead or kSuspect
  uint32_t incarnation = 0;
  std::string cause;
};

// Watches an honest Cluster under attack (subscribes to its event bus) and
// records every false suspicion and false death of an honest node, with
// the reason: the hostile peer's forged claims about the subject, the
// subject's refutations, and whether the subject could refute at all.
class HurtMonitor {
 public:
  HurtMonitor(Cluster* cluster, const HostilePeer* peer);
  ~HurtMonitor();  // unsubscribes
  HurtMonitor(const HurtMonitor&) = delete;
  HurtMonitor& operator=(const HurtMonitor&) = delete;
  const std::vector<Hurt>& deaths() const { return deaths_; }
  uint64_t suspicions() const { return suspicions_; }
  // "node-3 declared dead by node-1 at 12.3s (inc 4): hostile forged 17 dead
  // and 3 suspect claims about it (max inc 4); it refuted 20 times".
  std::string Report() const;

 private:
  void OnEvent(const ClusterEvent& e);
  Cluster* cluster_;
  const HostilePeer* peer_;
  Cluster::Subscription subscription_ = 0;
  std::vector<Hurt> deaths_;
  uint64_t suspicions_ = 0;
};

// The peak, over a run, of every honest node's Memberlist::ResourceUsage()
// and the World's pending events; sampled every `every` of virtual time.
struct UsagePeak {
  size_t table = 0;
  size_t broadcasts = 0;
  size_t weight_broadcasts = 0;
  size_t ack_handlers = 0;
  size_t suspicions = 0;
  size_t weights = 0;
  size_t timers = 0;
  size_t world_events = 0;
  std::string ToString() const;
};
// The sampler re-schedules itself on the World; destroying it cancels the
// pending sample.
class UsageSampler {
 public:
  UsageSampler(Cluster* cluster, absl::Duration every);
  ~UsageSampler();
  UsageSampler(const UsageSampler&) = delete;
  UsageSampler& operator=(const UsageSampler&) = delete;
  const UsagePeak& peak() const { return peak_; }

 private:
  void Sample();
  Cluster* cluster_;
  absl::Duration every_;
  EventId next_ = 0;
  UsagePeak peak_;
};

}  // namespace sim

#endif  // SWIM_SIM_HOSTILE_H_
