// packet_tool: sends hand-made datagrams to a member on loopback, for the
// real-socket hostile tests (tests/net/*.sh). It never targets anything but
// the address it is given, and each invocation sends a bounded number of
// packets.
//
//   packet_tool raw   HOST PORT HEX [COUNT]
//       the bytes HEX as one datagram, COUNT times (default 1)
//   packet_tool alive HOST PORT NAME_HEX META_HEX [INCARNATION]
//       a plain alive message for a made-up node at 127.0.0.1:1
//
// Exit 0 when every datagram was sent, 2 on bad arguments.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "core/wire/messages.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: packet_tool raw HOST PORT HEX [COUNT]\n"
               "       packet_tool alive HOST PORT NAME_HEX META_HEX [INC]\n");
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) return Usage();
  const std::string mode = argv[1];
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[3])));
  if (inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) return Usage();
  std::string payload;
  int count = 1;
  if (mode == "raw") {
    if (!FromHex(argv[4], &payload)) return Usage();
    if (argc > 5) count = std::atoi(argv[5]);
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
    return Usage();
  }
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return 1;
  for (int i = 0; i < count; ++i) {
    if (sendto(fd, payload.data(), payload.size(), 0,
               reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
      std::perror("sendto");
      return 1;
    }
  }
  close(fd);
  return 0;
}
