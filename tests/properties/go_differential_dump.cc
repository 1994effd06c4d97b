// Dumps generated delivery histories and the table our core ends with, one
// JSON object per line, for go/differential_test.go to replay through Go
// memberlist 0.2.2's own aliveNode/suspectNode/deadNode/mergeState and
// compare. Usage: go_differential_dump <cases> <seed> > cases.jsonl
// (go/check_go_differential.sh does all of it).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <rapidcheck.h>

#include "tests/properties/generators.h"
#include "tests/properties/laws.h"

namespace swim::props {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* KindName(MsgKind k) {
  static const char* const names[] = {"alive", "suspect", "dead", "left"};
  return names[static_cast<int>(k)];
}

std::string Json(const Msg& m) {
  std::string s = "{\"kind\":\"" + std::string(KindName(m.kind)) +
                  "\",\"node\":" + Quote(m.node) +
                  ",\"inc\":" + std::to_string(m.incarnation) +
                  ",\"from\":" + Quote(m.from) +
                  ",\"addr\":" + std::to_string(m.addr);
  s += ",\"meta\":" +
       (m.meta.has_value() ? Quote(*m.meta) : std::string("null"));
  return s + "}";
}

std::string Json(const Delivery& d) {
  static const char* const vias[] = {"packet", "compound", "pushpull"};
  std::string s = "{\"via\":\"" + std::string(vias[static_cast<int>(d.via)]) +
                  "\",\"msgs\":[";
  for (size_t i = 0; i < d.msgs.size(); ++i) {
    if (i > 0) s += ",";
    s += Json(d.msgs[i]);
  }
  return s + "]}";
}

int Main(int argc, char** argv) {
  const int cases = argc > 1 ? std::atoi(argv[1]) : 1000;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  for (int i = 0; i < cases; ++i) {
    const auto ds =
        GenDeliveries()(rc::Random(seed * 1000003 + static_cast<uint64_t>(i)),
                        i % 100)
            .value();
    Replica r(kSelf, 0, seed + static_cast<uint64_t>(i));
    r.DeliverAll(ds);
    std::string line = "{\"deliveries\":[";
    for (size_t k = 0; k < ds.size(); ++k) {
      if (k > 0) line += ",";
      line += Json(ds[k]);
    }
    line += "],\"incarnation\":" + std::to_string(r.ml().Incarnation()) +
            ",\"table\":{";
    bool first = true;
    for (const auto& [name, e] : r.Snapshot()) {
      if (!first) line += ",";
      first = false;
      line += Quote(name) +
              ":{\"state\":" + std::to_string(static_cast<int>(e.state)) +
              ",\"inc\":" + std::to_string(e.incarnation) +
              ",\"meta\":" + Quote(e.meta) +
              ",\"addr\":" + Quote(e.addr.ToString()) + "}";
    }
    std::cout << line << "}}\n";
  }
  return 0;
}

}  // namespace
}  // namespace swim::props

int main(int argc, char** argv) { return swim::props::Main(argc, argv); }
