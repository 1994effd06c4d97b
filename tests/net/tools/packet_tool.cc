// packet_tool: hand-made datagrams and streams against a member on
// loopback, for the real-socket hostile tests (tests/net/*.sh). It only
// talks to the address it is given (and to sockets it opens itself on
// 127.0.0.1), and every invocation sends a bounded amount.
//
//   raw      HOST PORT HEX [COUNT]            HEX as one datagram, COUNT times
//   alive    HOST PORT NAME_HEX META_HEX [INC] alive for a made-up node
//                                              at 127.0.0.1:1
//   suspect  HOST PORT NODE INC [FROM]         suspect about NODE
//   bomb     HOST PORT COUNT RATE [PARTS] [MIB]
//            COUNT datagrams at RATE/s, each a compound of PARTS compress
//            messages, each expanding to MIB MiB (default 4 x 20: 63 kB)
//   pings    HOST PORT N                       one compound of N pings whose
//            ack address is a sink socket of ours; prints what the sink got
//   indirect HOST PORT N                       one compound of N indirect
//            pings (with nack) whose target and source are the sink
//   pushpull HOST PORT COUNT NODES META_BYTES [PARALLEL] [USER_BYTES]
//            COUNT push/pulls of NODES made-up members (PARALLEL at once)
//   dribble  HOST PORT SECONDS NODES [CONNS]    a push/pull of NODES
//            members (as dead: the receiver adds none) on each of CONNS
//            connections, sent in 16-byte pieces spread over SECONDS
//   slowhttp HOST PORT CONNS SECONDS            CONNS partial HTTP requests
//            held open for SECONDS while we scrape GET /metrics every 0.5 s;
//            prints how many scrapes succeeded
//   hold     HOST PORT SECONDS                 listen on HOST:PORT (0: any),
//            accept TCP and never answer; prints "hold port=N" first
//
// Prints one "key=value ..." line of what it did. Exit 0 on success, 1 on a
// socket error, 2 on bad arguments.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/wire/messages.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace {

using Clock = std::chrono::steady_clock;

int Usage() {
  std::fprintf(stderr,
               "usage: packet_tool raw HOST PORT HEX [COUNT]\n"
               "       packet_tool alive HOST PORT NAME_HEX META_HEX [INC]\n"
               "       packet_tool suspect HOST PORT NODE INC [FROM]\n"
               "       packet_tool bomb HOST PORT COUNT RATE [PARTS] [MIB]\n"
               "       packet_tool pings|indirect HOST PORT N\n"
               "       packet_tool pushpull HOST PORT COUNT NODES META_BYTES "
               "[PARALLEL] [USER_BYTES]\n"
               "       packet_tool dribble HOST PORT SECONDS NODES [CONNS]\n"
               "       packet_tool slowhttp HOST PORT CONNS SECONDS\n");
  return 2;
}

bool FromHex(const char* hex, std::string* out) {
  const std::string h(hex);
  if (h.size() % 2 != 0) return false;
  for (char c : h) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  *out = absl::HexStringToBytes(h);
  return true;
}

sockaddr_in To(const char* host, int port) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
    std::fprintf(stderr, "packet_tool: bad IPv4 address %s\n", host);
    std::exit(2);
  }
  return to;
}

bool SendDatagram(int fd, const sockaddr_in& to, const swim::Bytes& b) {
  if (sendto(fd, b.data(), b.size(), 0, reinterpret_cast<const sockaddr*>(&to),
             sizeof to) < 0) {
    std::perror("sendto");
    return false;
  }
  return true;
}

// A UDP socket on 127.0.0.1:0 that counts what arrives.
struct Sink {
  int fd = -1;
  uint16_t port = 0;
  Sink() {
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a = To("127.0.0.1", 0);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  }
  ~Sink() { close(fd); }
  // Datagrams received until `quiet` passes with none (at most `max`).
  int Count(std::chrono::milliseconds quiet, std::chrono::milliseconds max) {
    int n = 0;
    const auto end = Clock::now() + max;
    char buf[65536];
    while (Clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(quiet.count())) <= 0) break;
      if (recv(fd, buf, sizeof buf, 0) >= 0) ++n;
    }
    return n;
  }
};

int Connect(const sockaddr_in& to) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads until EOF or `timeout`; the byte count.
size_t Drain(int fd, std::chrono::milliseconds timeout) {
  size_t total = 0;
  char buf[65536];
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r <= 0) break;
    total += static_cast<size_t>(r);
  }
  return total;
}

// `state` 2 (dead) makes entries the receiver ignores for unknown names:
// only framing and decoding are exercised, no member is added.
swim::Bytes PushPullBytes(int nodes, size_t meta_bytes, size_t user_bytes,
                          const std::string& prefix, int64_t state = 0) {
  swim::wire::PushPull pp;
  for (int i = 0; i < nodes; ++i) {
    swim::wire::PushNodeState n;
    n.name = absl::StrCat(prefix, i);
    n.addr = swim::IpAddress::V4(127, 0, 0, 1);
    n.port = 1;
    n.meta = std::string(meta_bytes, 'm');
    n.incarnation = 1;
    n.state = state;
    n.vsn = swim::VersionVector{1, 5, 2, 0, 0, 0};
    pp.nodes.push_back(std::move(n));
  }
  pp.user_state = std::string(user_bytes, 'u');
  swim::Bytes out;
  swim::wire::Encode(pp, swim::AddressMode::kBinary, &out);
  return out;
}

int Bomb(const sockaddr_in& to, int count, double rate, int parts, int mib) {
  // One compressed part: a user message of `mib` MiB (just under the
  // decompression limit when mib is 20).
  swim::Bytes inner(static_cast<size_t>(mib) * 1024 * 1024 - 64, 'a');
  inner[0] = static_cast<uint8_t>(swim::wire::MessageType::kUser);
  const swim::Bytes c =
      swim::wire::CompressMessage(inner, swim::CompressionAlgo::kLzw);
  std::vector<swim::Bytes> ps(static_cast<size_t>(parts), c);
  const swim::Bytes packet = parts == 1 ? c : swim::wire::MakeCompound(ps);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    std::this_thread::sleep_until(
        start +
        std::chrono::microseconds(static_cast<int64_t>(i * 1e6 / rate)));
    if (!SendDatagram(fd, to, packet)) return 1;
  }
  close(fd);
  std::printf("bomb datagrams=%d bytes_each=%zu expands_to=%d_x_%dMiB\n", count,
              packet.size(), parts, mib);
  return 0;
}

int Amplify(const sockaddr_in& to, int n, bool indirect) {
  Sink sink;
  std::vector<swim::Bytes> parts;
  for (int i = 0; i < n; ++i) {
    swim::Bytes b;
    if (indirect) {
      swim::wire::IndirectPingReq r;
      r.seq_no = static_cast<uint32_t>(1000 + i);
      r.target = swim::IpAddress::V4(127, 0, 0, 1);
      r.port = sink.port;
      r.node = "sink";
      r.nack = true;
      r.source_addr = swim::IpAddress::V4(127, 0, 0, 1);
      r.source_port = sink.port;
      r.source_node = "sink";
      swim::wire::Encode(r, swim::AddressMode::kBinary, &b);
    } else {
      swim::wire::Ping p;
      p.seq_no = static_cast<uint32_t>(1000 + i);
      p.source_addr = swim::IpAddress::V4(127, 0, 0, 1);
      p.source_port = sink.port;
      p.source_node = "sink";
      swim::wire::Encode(p, swim::AddressMode::kBinary, &b);
    }
    parts.push_back(std::move(b));
  }
  const swim::Bytes packet = swim::wire::MakeCompound(parts);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (!SendDatagram(fd, to, packet)) return 1;
  close(fd);
  // Indirect pings nack after the probe timeout: wait for quiet.
  const int got = sink.Count(std::chrono::milliseconds(1500),
                             std::chrono::milliseconds(8000));
  std::printf("%s sent=1 parts=%d sink_received=%d\n",
              indirect ? "indirect" : "pings", n, got);
  return 0;
}

int PushPulls(const sockaddr_in& to, int count, int nodes, size_t meta,
              int parallel, size_t user) {
  const std::string prefix = absl::StrCat("fake-", getpid(), "-");
  const swim::Bytes msg = PushPullBytes(nodes, meta, user, prefix);
  std::atomic<int> next{0}, ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < parallel; ++t) {
    threads.emplace_back([&] {
      while (next.fetch_add(1) < count) {
        const int fd = Connect(to);
        if (fd < 0 || !SendAll(fd, msg.data(), msg.size())) {
          ++failed;
          if (fd >= 0) close(fd);
          continue;
        }
        shutdown(fd, SHUT_WR);
        Drain(fd, std::chrono::milliseconds(15000));
        close(fd);
        ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::printf("pushpull sent=%d failed=%d nodes=%d bytes_each=%zu\n", ok.load(),
              failed.load(), nodes, msg.size());
  return 0;
}

int Dribble(const sockaddr_in& to, double seconds, int nodes, int conns) {
  const swim::Bytes msg = PushPullBytes(nodes, 16, 0, "dribble-", 2);
  std::atomic<size_t> sent{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < conns; ++c) {
    threads.emplace_back([&] {
      const int fd = Connect(to);
      if (fd < 0) return;
      const size_t piece = 16;
      const size_t pieces = (msg.size() + piece - 1) / piece;
      const auto start = Clock::now();
      for (size_t i = 0; i < pieces; ++i) {
        std::this_thread::sleep_until(
            start + std::chrono::microseconds(
                        static_cast<int64_t>(i * seconds * 1e6 / pieces)));
        const size_t n = std::min(piece, msg.size() - i * piece);
        if (!SendAll(fd, msg.data() + i * piece, n)) break;
        sent += n;
      }
      close(fd);
    });
  }
  for (auto& t : threads) t.join();
  std::printf("dribble conns=%d bytes=%zu of=%zu seconds=%.1f\n", conns,
              sent.load(), msg.size() * conns, seconds);
  return 0;
}

int SlowHttp(const sockaddr_in& to, int conns, double seconds) {
  std::vector<int> fds;
  for (int i = 0; i < conns; ++i) {
    const int fd = Connect(to);
    if (fd < 0) continue;
    const char partial[] = "GET /metr";
    SendAll(fd, reinterpret_cast<const uint8_t*>(partial), sizeof partial - 1);
    fds.push_back(fd);
  }
  int tries = 0, ok = 0;
  double worst_ms = 0;
  const auto end = Clock::now() + std::chrono::microseconds(
                                      static_cast<int64_t>(seconds * 1e6));
  while (Clock::now() < end) {
    ++tries;
    const auto t0 = Clock::now();
    const int fd = Connect(to);
    if (fd >= 0) {
      const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
      SendAll(fd, reinterpret_cast<const uint8_t*>(req), sizeof req - 1);
      char head[16] = {};
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 1000) > 0 && recv(fd, head, 12, 0) == 12 &&
          std::string(head, 12) == "HTTP/1.0 200") {
        ++ok;
      }
      close(fd);
    }
    const double ms =
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (ms > worst_ms) worst_ms = ms;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  for (int fd : fds) close(fd);
  std::printf("slowhttp conns=%d scrapes=%d ok=%d worst_ms=%.0f\n",
              static_cast<int>(fds.size()), tries, ok, worst_ms);
  return 0;
}

// A TCP listener on 127.0.0.1:PORT that accepts and never answers (a seed
// that hangs), for SECONDS.
int Hold(const sockaddr_in& at, double seconds) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0 ||
      listen(fd, 16) != 0) {
    std::perror("bind/listen");
    return 1;
  }
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::printf("hold port=%d\n", ntohs(a.sin_port));
  std::fflush(stdout);
  std::vector<int> conns;
  const auto end = Clock::now() + std::chrono::microseconds(
                                      static_cast<int64_t>(seconds * 1e6));
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      const int c = accept(fd, nullptr, nullptr);
      if (c >= 0) conns.push_back(c);
    }
  }
  for (int c : conns) close(c);
  close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return Usage();
  const std::string mode = argv[1];
  const sockaddr_in to = To(argv[2], std::atoi(argv[3]));
  auto arg = [&](int i, double dflt) {
    return argc > i ? std::atof(argv[i]) : dflt;
  };
  if (mode == "raw" || mode == "alive" || mode == "suspect") {
    if (argc < 5) return Usage();
    std::string payload;
    int count = 1;
    if (mode == "raw") {
      if (!FromHex(argv[4], &payload)) return Usage();
      count = static_cast<int>(arg(5, 1));
      if (count < 1 || count > 100000) return Usage();
    } else if (mode == "alive") {
      if (argc < 6) return Usage();
      swim::wire::Alive a;
      if (!FromHex(argv[4], &a.node)) return Usage();
      std::string meta;
      if (!FromHex(argv[5], &meta)) return Usage();
      a.meta = meta;
      a.incarnation = argc > 6 ? static_cast<uint32_t>(std::atoll(argv[6])) : 1;
      a.addr = swim::IpAddress::V4(127, 0, 0, 1);
      a.port = 1;
      a.vsn = swim::VersionVector{1, 5, 2, 0, 0, 0};
      swim::Bytes b;
      swim::wire::Encode(a, swim::AddressMode::kBinary, &b);
      payload.assign(b.begin(), b.end());
    } else {
      if (argc < 6) return Usage();
      swim::wire::Suspect s;
      s.node = argv[4];
      s.incarnation =
          static_cast<uint32_t>(std::strtoull(argv[5], nullptr, 10));
      s.from = argc > 6 ? argv[6] : "attacker";
      swim::Bytes b;
      swim::wire::Encode(s, &b);
      payload.assign(b.begin(), b.end());
    }
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return 1;
    swim::Bytes b(payload.begin(), payload.end());
    for (int i = 0; i < count; ++i) {
      if (!SendDatagram(fd, to, b)) return 1;
    }
    close(fd);
    return 0;
  }
  if (mode == "bomb") {
    if (argc < 6) return Usage();
    const int count = static_cast<int>(arg(4, 1));
    const double rate = arg(5, 1);
    const int parts = static_cast<int>(arg(6, 4));
    const int mib = static_cast<int>(arg(7, 20));
    if (count < 1 || count > 100000 || rate <= 0 || parts < 1 || parts > 127 ||
        mib < 1 || mib > 20) {
      return Usage();
    }
    return Bomb(to, count, rate, parts, mib);
  }
  if (mode == "pings" || mode == "indirect") {
    if (argc < 5) return Usage();
    const int n = static_cast<int>(arg(4, 1));
    if (n < 1 || n > 127) return Usage();
    return Amplify(to, n, mode == "indirect");
  }
  if (mode == "pushpull") {
    if (argc < 7) return Usage();
    const int count = static_cast<int>(arg(4, 1));
    const int nodes = static_cast<int>(arg(5, 1));
    const size_t meta = static_cast<size_t>(arg(6, 0));
    const int parallel = static_cast<int>(arg(7, 1));
    const size_t user = static_cast<size_t>(arg(8, 0));
    if (count < 1 || count > 10000 || nodes < 0 || nodes > 100000 ||
        meta > 65536 || parallel < 1 || parallel > 256 || user > (64u << 20)) {
      return Usage();
    }
    return PushPulls(to, count, nodes, meta, parallel, user);
  }
  if (mode == "dribble") {
    if (argc < 6) return Usage();
    const double seconds = arg(4, 1);
    const int nodes = static_cast<int>(arg(5, 100));
    const int conns = static_cast<int>(arg(6, 1));
    if (seconds <= 0 || seconds > 600 || nodes < 1 || nodes > 100000 ||
        conns < 1 || conns > 128) {
      return Usage();
    }
    return Dribble(to, seconds, nodes, conns);
  }
  if (mode == "hold") {
    return Hold(to, arg(4, 10));
  }
  if (mode == "slowhttp") {
    if (argc < 6) return Usage();
    const int conns = static_cast<int>(arg(4, 1));
    const double seconds = arg(5, 1);
    if (conns < 1 || conns > 256 || seconds <= 0 || seconds > 600) {
      return Usage();
    }
    return SlowHttp(to, conns, seconds);
  }
  return Usage();
}
