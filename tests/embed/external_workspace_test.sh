#!/bin/bash
# Builds and runs a minimal external Bazel workspace that depends on this
# checkout exactly as the README's "Depending on swim from another Bazel
# workspace" section says (issue 21, item 7): WORKSPACE, .bazelrc, BUILD and
# a program using Config, a DelegateBase delegate and two named members.
#
# Manual: it starts a second Bazel server with its own output base, and a
# cold build takes about a minute (longer without the disk cache).
#
#   tests/embed/external_workspace_test.sh [SWIM_CHECKOUT]
set -euo pipefail
swim=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
work=$(mktemp -d /tmp/swim_embed.XXXXXX)
trap 'cd /; bazel --output_base="$work/ob" shutdown >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mkdir -p "$work/app"
cd "$work/app"
cat >WORKSPACE <<WS
local_repository(name = "swim", path = "$swim")
new_local_repository(
    name = "system",
    build_file = "@swim//third_party:system.BUILD",
    path = "/usr",
)
local_repository(name = "rules_cc", path = "$swim/third_party/rules_cc")
local_repository(name = "remote_coverage_tools",
                 path = "$swim/third_party/remote_coverage_tools")
WS
cat >.bazelrc <<'RC'
common --override_repository=platforms=/usr/share/bazel/tools/platforms
common --override_repository=rules_java=/usr/share/bazel/rules/java
build --cxxopt=-std=c++20 --host_cxxopt=-std=c++20
build --spawn_strategy=processwrapper-sandbox,local
RC
cat >BUILD <<'B'
cc_binary(name = "app", srcs = ["app.cc"], deps = ["@swim//net:memberlist"])
B
cat >app.cc <<'CC'
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "net/memberlist.h"

struct Inbox : swim::DelegateBase {
  std::mutex mu;
  std::string last;
  void NotifyMsg(std::string_view msg) override {
    std::lock_guard<std::mutex> l(mu);
    last = std::string(msg);
  }
};

int main() {
  Inbox inbox;
  swim::Config a = swim::DefaultLocalConfig();
  a.name = "app-a";
  a.bind_addr = "127.0.0.1";
  a.bind_port = 0;
  a.delegate = &inbox;
  swim::Config b = a;
  b.name = "app-b";
  b.delegate = nullptr;
  auto ma = swim::net::Memberlist::Create(a);
  auto mb = swim::net::Memberlist::Create(b);
  if (!ma.ok() || !mb.ok()) return 1;
  if (!(*mb)->Join({(*ma)->AdvertiseAddress().ToString()}).ok()) return 2;
  if (!(*mb)->SendReliable("app-a", "hello").ok()) return 3;
  for (int i = 0; i < 50; ++i) {
    {
      std::lock_guard<std::mutex> l(inbox.mu);
      if (inbox.last == "hello" && (*ma)->NumMembers() == 2) {
        std::printf("embed OK: %d members, message received\n",
                    (*ma)->NumMembers());
        (*mb)->Leave(absl::Seconds(1));
        return 0;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return 4;
}
CC
start=$(date +%s)
bazel --output_base="$work/ob" run //:app 2>"$work/build.log" | tee "$work/run.log"
grep -q "embed OK" "$work/run.log"
lines=$(wc -l <"$work/build.log")
echo "external workspace: built and ran in $(( $(date +%s) - start )) s; $lines lines of bazel output"
echo PASS
