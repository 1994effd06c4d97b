// kv: an interactive replicated key-value store node.
//
//   kv NAME BIND_IP:PORT [SEED_IP:PORT ...]
//
// Commands on stdin: set KEY VALUE | get KEY | del KEY | dump | members |
// quit. Start several in different terminals, joining any one of them.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "examples/kv/kv_store.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: kv NAME BIND_IP:PORT [SEED_IP:PORT ...]\n";
    return 2;
  }
  swim::Config config = swim::DefaultLANConfig();
  config.name = argv[1];
  const std::string bind = argv[2];
  const size_t colon = bind.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(bind.substr(colon + 1), &port)) {
    std::cerr << "kv: bad BIND_IP:PORT \"" << bind << "\"\n";
    return 2;
  }
  config.bind_addr = bind.substr(0, colon);
  config.bind_port = port;
  config.push_pull_interval = absl::Seconds(5);  // quick anti-entropy

  absl::StatusOr<std::unique_ptr<kv::Store>> store = kv::Store::Create(config);
  if (!store.ok()) {
    std::cerr << "kv: " << store.status().message() << "\n";
    return 1;
  }
  std::cout << "kv node " << config.name << " on "
            << (*store)->memberlist().AdvertiseAddress().ToString() << "\n";
  std::vector<std::string> seeds(argv + 3, argv + argc);
  if (!seeds.empty()) {
    absl::StatusOr<int> n = (*store)->Join(seeds);
    std::cout << (n.ok() ? "joined\n"
                         : "join failed: " + n.status().ToString() + "\n");
  }

  std::string line;
  while (std::cout << "> " << std::flush, std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, key;
    in >> cmd >> key;
    if (cmd == "set") {
      std::string value;
      std::getline(in >> std::ws, value);
      std::cout << "sent to " << (*store)->Set(key, value) << " members\n";
    } else if (cmd == "get") {
      std::optional<std::string> v = (*store)->Get(key);
      std::cout << (v ? *v : "(not found)") << "\n";
    } else if (cmd == "del") {
      (*store)->Delete(key);
    } else if (cmd == "dump") {
      for (const auto& [k, v] : (*store)->Dump())
        std::cout << k << "=" << v << "\n";
    } else if (cmd == "members") {
      for (const swim::Node& n : (*store)->memberlist().Members()) {
        std::cout << n.ToString() << "\n";
      }
    } else if (cmd == "quit") {
      break;
    } else if (!cmd.empty()) {
      std::cout
          << "commands: set K V | get K | del K | dump | members | quit\n";
    }
  }
  (void)(*store)->memberlist().Leave(absl::Seconds(2));
  return 0;
}
