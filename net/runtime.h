// net::Runtime: a small fixed set of loop threads that many members share.
//
// Without a Runtime every net::AsioEnv (and so every net::Memberlist) owns
// one io_context and one thread. That is the right shape for a daemon with
// one member, and a costly one for a process with hundreds: each member's
// thread wakes for its own gossip and probe timers, has its own stack and
// its own malloc arena. A Runtime runs a few loops instead (default: one
// per core); each Env given the Runtime is pinned, for its whole life, to
// one loop (the least loaded when it is created):
//
//   swim::net::Runtime runtime;                     // one loop per core
//   swim::net::NetOptions o;
//   o.runtime = &runtime;
//   auto a = swim::net::Memberlist::Create(config_a, o);
//   auto b = swim::net::Memberlist::Create(config_b, o);
//
// THREADING. Everything of one Env (its core's timers, packets, streams,
// delegates) runs on its loop's thread, so the core's single-thread rule
// (core/env.h) holds per member; members on one loop take turns. The
// thread-safe API of net::Memberlist is unchanged. One rule is added to
// "no blocking call from a delegate": a delegate (any code on a loop
// thread) cannot wait for a member on another loop of a Runtime either
// (two loops waiting for each other would deadlock); such calls are refused
// as if the member were shut down. Calls on members of the same loop run
// inline, as calls on the own member always did.
//
// TIMERS. The Env contract lets a timer fire later than its deadline, never
// earlier. A loop keeps one timer queue for all its Envs, ordered by
// (deadline, scheduling order), and wakes at the earliest deadline rounded
// up to a multiple of `timer_slack`: timers of many members that fall in
// one window run in one wakeup. An Env of its own keeps slack 0 (it wakes
// at each deadline exactly, as before).
//
// LIFETIME. The Runtime starts its threads in the constructor. It must
// outlive every Env and Memberlist created on it: destroy (or Shutdown)
// them first; the destructor checks it and then joins the threads.
#ifndef SWIM_NET_RUNTIME_H_
#define SWIM_NET_RUNTIME_H_

#include <memory>
#include <vector>

#include "absl/time/time.h"

namespace swim::net {

class RuntimeLoop;  // net/asio_env.cc

struct RuntimeOptions {
  // Loop threads; 0 means one per core (std::thread::hardware_concurrency).
  int threads = 0;
  // Timer coalescing window (see TIMERS above). Zero: exact deadlines.
  // 10 ms is 1 % of the LAN probe interval and 5 % of its gossip interval:
  // a probe's ack deadline can only get more lenient, a gossip round comes
  // ~5 ms later on average. What it buys, at 200 idle members on 2 loops
  // (loopback_probe --runtime idle 200): 1 ms slack 0.262 ms of CPU per
  // member-second, 5 ms 0.190, 10 ms 0.135, 20 ms 0.107 (Go: 0.535); most
  // of the cost is waking up, in the kernel.
  absl::Duration timer_slack = absl::Milliseconds(10);
  // How often one loop hands the allocator's free pages back to the OS
  // (glibc malloc_trim; it walks the free chunks of every arena, a few ms
  // for a 1,000-member process). After a join storm most of the heap it
  // needed is free but fragmented, and stays counted in RSS until trimmed.
  // Zero: never.
  absl::Duration trim_interval = absl::Seconds(30);
};

class Runtime {
 public:
  explicit Runtime(RuntimeOptions options = {});
  // REQUIRES: every Env created on this Runtime is stopped.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  int threads() const { return static_cast<int>(loops_.size()); }
  // Envs currently attached to each loop (for tests and benchmarks).
  std::vector<int> EnvsPerLoop() const;

  // The loop a new Env is pinned to: the one with the fewest Envs.
  std::shared_ptr<RuntimeLoop> PickLoop();

 private:
  std::vector<std::shared_ptr<RuntimeLoop>> loops_;
};

}  // namespace swim::net

#endif  // SWIM_NET_RUNTIME_H_
