#include "sim/fuzz_world.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace sim {
namespace {

// Reads the input front to back; zeros past the end.
//
// One read per statement: two reads in one expression (two arguments of a
// call, two operands of +) are unsequenced, and clang and gcc evaluate
// them in different orders, so the clang-built fuzzer and a gcc-built
// swimsim --from-fuzz would decode one input into two different worlds.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  // Uniform-ish in [lo, hi].
  int Range(int lo, int hi) { return lo + Byte() % (hi - lo + 1); }
  bool Bit() { return (Byte() & 1) != 0; }
  bool AtEnd() const { return pos_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

std::string Ms(int ms) { return absl::StrCat("\"", ms, "ms\""); }

std::string List(const std::vector<int>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ", "), "]");
}

// The compat hook: when swim::Config gains its `compat` switch (being
// added in parallel), map this byte to it here, e.g.
//   if (b & 1) out += "compat = true\n";
// Until then the byte is read and ignored, so inputs keep their meaning
// when the knob arrives.
void FuzzCompatKnob(uint8_t b, std::string* out) {
  (void)b;
  (void)out;
}

struct WorldShape {
  int size = 3;
  int probe_ms = 1000;
  uint64_t seed = 1;
};

WorldShape AppendCluster(ByteReader& in, std::string* out) {
  WorldShape c;
  c.size = in.Range(kMinFuzzNodes, kMaxFuzzNodes);
  const uint32_t seed_lo = in.Byte();
  const uint32_t seed_hi = in.Byte();
  c.seed = 1 + seed_lo + 256u * seed_hi;
  static constexpr const char* kProfiles[] = {"lan", "local", "wan"};
  const char* profile = kProfiles[in.Byte() % 3];
  // Intervals stay near the LAN defaults so a run is a few seconds of CPU
  // at most (the WAN profile still brings its own multipliers).
  c.probe_ms = 200 * in.Range(1, 8);
  const int timeout_ms = c.probe_ms * in.Range(2, 5) / 10;
  absl::StrAppend(out, "[cluster]\nsize = ", c.size, "\nprofile = \"", profile,
                  "\"\nseed = ", c.seed, "\nduration = \"__DURATION__\"\n",
                  "join_retry = { interval = \"1s\", attempts = 5 }\n",
                  "probe_interval = ", Ms(c.probe_ms), "\n",
                  "probe_timeout = ", Ms(timeout_ms), "\n");
  const uint8_t knobs = in.Byte();
  if (knobs & 0x01) {
    absl::StrAppend(out, "suspicion_mult = ", in.Range(2, 6), "\n");
  }
  if (knobs & 0x02) {
    absl::StrAppend(out, "suspicion_max_timeout_mult = ", in.Range(1, 8), "\n");
  }
  if (knobs & 0x04) {
    absl::StrAppend(out, "indirect_checks = ", in.Range(0, 4), "\n");
  }
  if (knobs & 0x08) {
    const int retransmit_mult = in.Range(1, 5);
    const int gossip_nodes = in.Range(1, 5);
    const int gossip_interval_ms = 100 * in.Range(1, 4);
    absl::StrAppend(out, "retransmit_mult = ", retransmit_mult, "\n",
                    "gossip_nodes = ", gossip_nodes, "\n",
                    "gossip_interval = ", Ms(gossip_interval_ms), "\n");
  }
  if (knobs & 0x10) {
    absl::StrAppend(out, "push_pull_interval = \"", in.Range(2, 30), "s\"\n");
  }
  if (knobs & 0x20) {
    absl::StrAppend(out, "gossip_to_the_dead_time = \"", in.Range(2, 30),
                    "s\"\n");
  }
  if (knobs & 0x40) {
    absl::StrAppend(out, "dead_node_reclaim_time = \"", in.Range(1, 10),
                    "s\"\n");
  }
  if (knobs & 0x80) absl::StrAppend(out, "disable_tcp_pings = true\n");
  FuzzCompatKnob(in.Byte(), out);
  return c;
}

void AppendNetwork(ByteReader& in, std::string* out) {
  out->append("\n[network]\n");
  switch (in.Byte() % 4) {
    case 0:
      absl::StrAppend(out, "latency = { kind = \"fixed\", base = \"",
                      50 * in.Range(1, 40), "us\" }\n");
      break;
    case 1:
      absl::StrAppend(out, "latency = { kind = \"uniform\", min = \"100us\", ",
                      "max = \"", in.Range(1, 20), "ms\" }\n");
      break;
    case 2: {
      const int median_us = 100 * in.Range(2, 20);
      const int sigma_tenths = in.Range(1, 9);
      absl::StrAppend(
          out, "latency = { kind = \"lognormal\", floor = \"100us\", ",
          "median = \"", median_us, "us\", sigma = 0.", sigma_tenths, " }\n");
      break;
    }
    default: {
      const int scale_us = 100 * in.Range(1, 10);
      const double alpha = in.Range(12, 30) / 10.0;
      absl::StrAppend(out, "latency = { kind = \"pareto\", floor = \"200us\", ",
                      "scale = \"", scale_us,
                      "us\", alpha = ", absl::StrFormat("%.1f", alpha), " }\n");
      break;
    }
  }
  const uint8_t knobs = in.Byte();
  if (knobs & 0x01) absl::StrAppend(out, "loss = 0.0", in.Range(1, 5), "\n");
  if (knobs & 0x02) {
    absl::StrAppend(out, "duplicate = 0.00", in.Range(1, 9), "\n");
  }
  if (knobs & 0x04) {
    const int reorder_percent = in.Range(1, 9);
    const int reorder_delay_ms = in.Range(1, 50);
    absl::StrAppend(out, "reorder = 0.0", reorder_percent, "\n",
                    "reorder_delay = ", Ms(reorder_delay_ms), "\n");
  }
  if (knobs & 0x08) {
    absl::StrAppend(out, "stream_reset = 0.0", in.Range(1, 5), "\n");
  }
}

// Which nodes run (for legal restarts, rejoins, leaves).
enum class Life : uint8_t { kUp, kCrashed, kLeft };

class Schedule {
 public:
  Schedule(ByteReader& in, int size) : in_(in), life_(size, Life::kUp) {}

  // Appends the [[event]] tables; returns the time (ms) the last fault
  // ends.
  int Append(std::string* out) {
    const int count = in_.Byte() % (kMaxFuzzEvents + 1);
    int at = 1000;
    int end = at;
    for (int k = 0; k < count && !in_.AtEnd(); ++k) {
      at += 100 * in_.Range(0, 40);
      const uint8_t kind = in_.Byte();
      const int duration = 100 * in_.Range(1, 120);
      std::string ev = Event(kind, duration);
      if (ev.empty()) continue;
      absl::StrAppend(out, "\n[[event]]\nat = ", Ms(at), "\n", ev);
      end = std::max(end,
                     at + (absl::StrContains(ev, "duration") ? duration : 0));
    }
    return end;
  }

  // The final rejoin (every running node joins the lowest running one).
  void AppendRejoin(int at, std::string* out) const {
    const std::vector<int> up = Nodes(Life::kUp);
    if (up.size() < 2) return;
    std::vector<int> rest(up.begin() + 1, up.end());
    absl::StrAppend(out, "\n[[event]]\nat = ", Ms(at),
                    "\naction = \"rejoin\"\nnodes = ", List(rest),
                    "\nseeds = [", up[0], "]\n",
                    "retry = { interval = \"1s\", attempts = 5 }\n");
  }

 private:
  std::vector<int> Nodes(Life l) const {
    std::vector<int> v;
    for (size_t i = 0; i < life_.size(); ++i) {
      if (life_[i] == l) v.push_back(static_cast<int>(i));
    }
    return v;
  }
  std::vector<int> Stopped() const {
    std::vector<int> v;
    for (size_t i = 0; i < life_.size(); ++i) {
      if (life_[i] != Life::kUp) v.push_back(static_cast<int>(i));
    }
    return v;
  }
  int Pick(const std::vector<int>& from) {
    return from[in_.Byte() % from.size()];
  }
  // A non-empty subset of all nodes, from a bit mask (at most half of them
  // unless `any`).
  std::vector<int> Subset() {
    const int n = static_cast<int>(life_.size());
    const uint32_t mask_lo = in_.Byte();
    const uint32_t mask_hi = in_.Byte();
    const uint32_t mask = mask_lo | (mask_hi << 8);
    std::vector<int> v;
    for (int i = 0; i < n; ++i) {
      if (mask & (1u << i)) v.push_back(i);
    }
    if (v.empty()) v.push_back(static_cast<int>(mask % n));
    if (static_cast<int>(v.size()) == n) v.pop_back();
    return v;
  }
  std::vector<int> Complement(const std::vector<int>& v) const {
    std::vector<int> out;
    for (int i = 0; i < static_cast<int>(life_.size()); ++i) {
      if (std::find(v.begin(), v.end(), i) == v.end()) out.push_back(i);
    }
    return out;
  }

  std::string Event(uint8_t kind, int duration_ms) {
    const std::vector<int> up = Nodes(Life::kUp);
    const std::string dur = absl::StrCat("duration = ", Ms(duration_ms), "\n");
    switch (kind % 11) {
      case 0: {  // crash: keep two nodes running
        if (up.size() <= 2) return "";
        const int i = Pick(up);
        life_[i] = Life::kCrashed;
        return absl::StrCat("action = \"crash\"\nnodes = [", i, "]\n");
      }
      case 1: {  // restart a crashed or left node
        const std::vector<int> down = Stopped();
        if (down.empty()) return "";
        const int i = Pick(down);
        life_[i] = Life::kUp;
        // Every other restart byte (kind / 11 odd) brings the node back at
        // a new address: a conflict while its old entry lives, a reclaim
        // of a left or long-dead name.
        const bool moved = ((kind / 11) & 1) != 0;
        return absl::StrCat("action = \"restart\"\nnodes = [", i,
                            "]\nseeds = [", Pick(up), "]\n",
                            moved ? "address = \"new\"\n" : "");
      }
      case 2:
        return absl::StrCat("action = \"pause\"\nnodes = ", List(Subset()),
                            "\n", dur);
      case 3: {
        const std::vector<int> a = Subset();
        return absl::StrCat("action = \"partition\"\ngroups = [", List(a), ", ",
                            List(Complement(a)), "]\n", dur);
      }
      case 4: {
        const std::vector<int> from = Subset();
        return absl::StrCat("action = \"one_way\"\nfrom = ", List(from),
                            "\nto = ", List(Complement(from)), "\n", dur);
      }
      case 5: {
        const double p = in_.Range(1, 90) / 100.0;
        std::string nodes;
        if (in_.Bit()) nodes = absl::StrCat("nodes = ", List(Subset()), "\n");
        return absl::StrCat("action = \"loss\"\nvalue = ", p, "\n", nodes, dur);
      }
      case 6: {
        std::string nodes;
        if (in_.Bit()) nodes = absl::StrCat("nodes = ", List(Subset()), "\n");
        const int ms = in_.Range(1, 100) * 10;
        return absl::StrCat(
            "action = \"latency\"\nlatency = { kind = \"uniform\", min = ",
            Ms(ms / 2), ", max = ", Ms(ms), " }\n", nodes, dur);
      }
      case 7: {  // leave: keep two nodes running
        if (up.size() <= 2) return "";
        const int i = Pick(up);
        life_[i] = Life::kLeft;
        return absl::StrCat("action = \"leave\"\nnodes = [", i, "]\n");
      }
      case 8: {
        if (up.size() < 2) return "";
        const int i = Pick(up);
        int seed = Pick(up);
        if (seed == i)
          seed = up[(std::find(up.begin(), up.end(), i) - up.begin() + 1) %
                    up.size()];
        return absl::StrCat("action = \"rejoin\"\nnodes = [", i, "]\nseeds = [",
                            seed, "]\n");
      }
      case 9:
        return absl::StrCat("action = \"meta_update\"\nnodes = [", Pick(up),
                            "]\n");
      default:
        return absl::StrCat("action = \"isolate\"\nnodes = [", Pick(up), "]\n",
                            dur);
    }
  }

  ByteReader& in_;
  std::vector<Life> life_;
};

}  // namespace

std::string DecodeFuzzWorld(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  std::string out =
      "# Decoded by the schedule fuzzer (sim/fuzz_world.h).\n"
      "name = \"fuzz_world\"\n"
      "description = \"a schedule fuzzer input\"\n\n";
  const WorldShape c = AppendCluster(in, &out);
  AppendNetwork(in, &out);
  Schedule schedule(in, c.size);
  std::string events;
  const int faults_end = schedule.Append(&events);
  const int rejoin_at = faults_end + 1000;
  schedule.AppendRejoin(rejoin_at, &events);
  out += events;
  // Crash detection under loss or latency is measured, not judged, here:
  // the convergence checker after the final rejoin is the liveness test.
  out += "\n[checkers]\ndisable = [\"crash_detection\"]\n";
  // The runner extends the run until the convergence checker has its
  // answer; the stated duration only has to hold the schedule.
  const std::string duration = absl::StrCat(rejoin_at / 1000 + 2, "s");
  out.replace(out.find("__DURATION__"), 12, duration);
  return out;
}

std::vector<std::string> JudgeFuzzRun(const RunResult& r) {
  std::vector<std::string> findings;
  for (const CheckerOutcome& c : r.checkers) {
    if (!c.enabled || !c.result.failed()) continue;
    const std::string& name = c.result.name;
    if (name == "false_positives") continue;  // judged below, by cause
    if (name == "incarnation" || name == "suspicion_bounds" ||
        name == "convergence") {
      findings.push_back(absl::StrCat("checker ", name, ": ",
                                      c.result.examples.empty()
                                          ? std::string("failed")
                                          : c.result.examples.front()));
    }
  }
  for (const FalsePositive& fp : r.false_positives) {
    if (absl::StrContains(fp.causes, "unexplained")) {
      findings.push_back(absl::StrCat("unexplained false death: node-",
                                      fp.observer, " declared node-",
                                      fp.subject, " dead (", fp.causes, ")"));
    }
  }
  return findings;
}

}  // namespace sim
