#include "net/swimd_config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "core/address.h"
#include "core/limits.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace swim::swimd {

namespace po = boost::program_options;

namespace {

absl::Status Bad(std::string msg) {
  return absl::InvalidArgumentError(std::move(msg));
}

po::options_description Options() {
  po::options_description desc("swimd options");
  // No default_value(): the defaults live in Settings, so we can tell which
  // flags were given (they override the --config file).
  desc.add_options()("help,h", "this help")(
      "config", po::value<std::string>(),
      "TOML file with the same keys as these flags (re-read on SIGHUP)")(
      "name", po::value<std::string>(), "node name (default: hostname)")(
      "bind", po::value<std::string>(),
      "IP[:PORT] to bind UDP+TCP (default 0.0.0.0:7946; port 0 = any)")(
      "advertise", po::value<std::string>(),
      "IP[:PORT] peers should use to reach us")(
      "join", po::value<std::vector<std::string>>(),
      "seed [name/]HOST[:PORT] (repeatable)")(
      "join-required", po::bool_switch(), "exit 1 if --join reaches no seed")(
      "key-hex", po::value<std::string>(),
      "encryption key as hex (16, 24 or 32 bytes)")(
      "key-file", po::value<std::string>(),
      "file holding one key as hex or base64")(
      "keyring-file", po::value<std::string>(),
      "file holding several keys, primary first (re-read on SIGHUP)")(
      "keyring-api", po::bool_switch(),
      "serve POST /v1/keyring/{install,use,remove} on the HTTP port")(
      "compression", po::value<std::string>(),
      "lzw (default, Go-compatible), snappy (C++ only) or none")(
      "protocol-version", po::value<int>(),
      "protocol version to speak (2..5, default 2)")(
      "profile", po::value<std::string>(),
      "timing profile: lan (default), wan or local")(
      "compat", po::value<std::string>(),
      "default, or go: behave as Go memberlist 0.2.2 in every documented "
      "departure (docs/departures.md)")("meta", po::value<std::string>(),
                                        "node metadata (at most 512 bytes)")(
      "unconfirmed-timeout", po::value<std::string>(),
      "mark members never heard from first-hand dead after DURATION (off by "
      "default; must exceed cluster size x probe interval)")(
      "weight-interval", po::value<std::string>(),
      "fork node weights every DURATION (e.g. 5s); C++/fork clusters only")(
      "metrics-port", po::value<int>(),
      "HTTP API and /metrics on 127.0.0.1:PORT (0 = any port)")(
      "log-level", po::value<std::string>(),
      "debug, info, warn (default) or error (re-read on SIGHUP)")(
      "leave-timeout", po::value<std::string>(),
      "how long to wait for the leave broadcast (default 5s)");
  return desc;
}

// Reads a TOML file into `s` (only the keys present).
absl::Status LoadToml(const std::string& path, Settings* s) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream o;
    o << e.description() << " (line " << e.source().begin.line << ")";
    return Bad(absl::StrCat("cannot read config file ", path, ": ", o.str()));
  }
  absl::Status st;
  auto str = [&](const char* key, std::string* out) {
    if (auto v = t[key]) {
      if (auto x = v.value<std::string>()) {
        *out = *x;
      } else if (st.ok()) {
        st = Bad(absl::StrCat(path, ": \"", key, "\" must be a string"));
      }
    }
  };
  auto num = [&](const char* key, int* out) {
    if (auto v = t[key]) {
      if (auto x = v.value<int64_t>()) {
        *out = static_cast<int>(*x);
      } else if (st.ok()) {
        st = Bad(absl::StrCat(path, ": \"", key, "\" must be an integer"));
      }
    }
  };
  auto flag = [&](const char* key, bool* out) {
    if (auto v = t[key]) {
      if (auto x = v.value<bool>()) {
        *out = *x;
      } else if (st.ok()) {
        st = Bad(absl::StrCat(path, ": \"", key, "\" must be true or false"));
      }
    }
  };
  static constexpr const char* kKnown[] = {"name",
                                           "bind",
                                           "advertise",
                                           "join",
                                           "join-required",
                                           "key-hex",
                                           "key-file",
                                           "keyring-file",
                                           "keyring-api",
                                           "compression",
                                           "protocol-version",
                                           "profile",
                                           "compat",
                                           "meta",
                                           "unconfirmed-timeout",
                                           "weight-interval",
                                           "metrics-port",
                                           "log-level",
                                           "leave-timeout"};
  for (const auto& [key, value] : t) {
    const std::string k(key.str());
    if (std::find(std::begin(kKnown), std::end(kKnown), k) ==
        std::end(kKnown)) {
      return Bad(absl::StrCat(path, ": unknown key \"", k, "\""));
    }
  }
  str("name", &s->name);
  str("bind", &s->bind);
  str("advertise", &s->advertise);
  str("key-hex", &s->key_hex);
  str("key-file", &s->key_file);
  str("keyring-file", &s->keyring_file);
  flag("keyring-api", &s->keyring_api);
  str("compression", &s->compression);
  num("protocol-version", &s->protocol_version);
  str("profile", &s->profile);
  str("compat", &s->compat);
  str("meta", &s->meta);
  str("unconfirmed-timeout", &s->unconfirmed_timeout);
  str("weight-interval", &s->weight_interval);
  num("metrics-port", &s->metrics_port);
  str("log-level", &s->log_level);
  str("leave-timeout", &s->leave_timeout);
  flag("join-required", &s->join_required);
  if (auto v = t["join"]) {
    if (const toml::array* a = v.as_array()) {
      for (const auto& e : *a) {
        if (auto x = e.value<std::string>()) {
          s->join.push_back(*x);
        } else if (st.ok()) {
          st =
              Bad(absl::StrCat(path, ": \"join\" must be an array of strings"));
        }
      }
    } else if (auto x = v.value<std::string>()) {
      s->join.push_back(*x);
    } else if (st.ok()) {
      st = Bad(absl::StrCat(path, ": \"join\" must be an array of strings"));
    }
  }
  return st;
}

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const char* what) {
  std::ifstream f(path);
  if (!f) {
    return Bad(absl::StrCat("cannot read ", what, " ", path, ": ",
                            std::strerror(errno)));
  }
  std::stringstream buf;
  buf << f.rdbuf();
  return buf.str();
}

}  // namespace

std::string HelpText() {
  std::ostringstream o;
  o << "usage: swimd [options]\n" << Options() << "\n";
  return o.str();
}

absl::StatusOr<Parsed> ParseSettings(int argc, char** argv) {
  Parsed out;
  Settings& s = out.settings;
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, Options()), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Bad(e.what());
  }
  if (vm.count("help")) {
    out.help = true;
    return out;
  }
  if (vm.count("config")) {
    s.config_path = vm["config"].as<std::string>();
    if (absl::Status st = LoadToml(s.config_path, &s); !st.ok()) return st;
  }
  auto str = [&](const char* key, std::string* o) {
    if (vm.count(key)) *o = vm[key].as<std::string>();
  };
  str("name", &s.name);
  str("bind", &s.bind);
  str("advertise", &s.advertise);
  str("key-hex", &s.key_hex);
  str("key-file", &s.key_file);
  str("keyring-file", &s.keyring_file);
  str("compression", &s.compression);
  str("profile", &s.profile);
  str("compat", &s.compat);
  str("meta", &s.meta);
  str("unconfirmed-timeout", &s.unconfirmed_timeout);
  str("weight-interval", &s.weight_interval);
  str("log-level", &s.log_level);
  str("leave-timeout", &s.leave_timeout);
  if (vm.count("protocol-version")) {
    s.protocol_version = vm["protocol-version"].as<int>();
  }
  if (vm.count("metrics-port")) s.metrics_port = vm["metrics-port"].as<int>();
  if (vm.count("join")) {
    for (const auto& j : vm["join"].as<std::vector<std::string>>()) {
      s.join.push_back(j);
    }
  }
  if (vm["join-required"].as<bool>()) s.join_required = true;
  if (vm["keyring-api"].as<bool>()) s.keyring_api = true;
  return out;
}

absl::StatusOr<LogLevel> ParseLogLevel(const std::string& text) {
  const std::string l = absl::AsciiStrToLower(text);
  if (l == "debug") return LogLevel::kDebug;
  if (l == "info") return LogLevel::kInfo;
  if (l == "warn" || l == "warning") return LogLevel::kWarn;
  if (l == "error") return LogLevel::kError;
  return Bad(absl::StrCat("bad --log-level \"", text,
                          "\": want debug, info, warn or error"));
}

absl::StatusOr<absl::Duration> ParseFlagDuration(const char* flag,
                                                 const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d < absl::ZeroDuration()) {
    return Bad(absl::StrCat("bad --", flag, " \"", text,
                            "\": want a duration like 500ms, 5s, 1m"));
  }
  return d;
}

absl::StatusOr<std::string> DecodeKey(const std::string& raw,
                                      const std::string& source,
                                      bool allow_base64) {
  const std::string text(absl::StripAsciiWhitespace(raw));
  std::string key;
  const bool is_hex =
      !text.empty() && text.size() % 2 == 0 &&
      std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      });
  if (is_hex) {
    key = absl::HexStringToBytes(text);
  } else if (allow_base64 && absl::Base64Unescape(text, &key)) {
    // base64 (as Consul/Serf write keys)
  } else {
    return Bad(absl::StrCat("bad ", source, ": not ",
                            allow_base64 ? "hex or base64" : "hex"));
  }
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    return Bad(absl::StrCat(
        "bad ", source, ": key is ", key.size(),
        " bytes; AES needs 16, 24 or 32 (32, 48 or 64 hex digits)"));
  }
  return key;
}

absl::StatusOr<std::vector<std::string>> ReadKeyringFile(
    const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path, "--keyring-file");
  if (!text.ok()) return text.status();
  std::vector<std::string> keys;
  const std::string body(absl::StripAsciiWhitespace(*text));
  const std::string source = absl::StrCat("--keyring-file ", path);
  if (!body.empty() && body[0] == '[') {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_array()) {
      return Bad(absl::StrCat("bad ", source, ": not a JSON array of keys"));
    }
    for (const auto& e : j) {
      if (!e.is_string()) {
        return Bad(absl::StrCat("bad ", source, ": keys must be strings"));
      }
      absl::StatusOr<std::string> k =
          DecodeKey(e.get<std::string>(), source, true);
      if (!k.ok()) return k.status();
      keys.push_back(*std::move(k));
    }
  } else {
    int line_no = 0;
    for (absl::string_view line : absl::StrSplit(body, '\n')) {
      ++line_no;
      line = line.substr(0, line.find('#'));
      line = absl::StripAsciiWhitespace(line);
      if (line.empty()) continue;
      absl::StatusOr<std::string> k = DecodeKey(
          std::string(line), absl::StrCat(source, " line ", line_no), true);
      if (!k.ok()) return k.status();
      keys.push_back(*std::move(k));
    }
  }
  if (keys.empty()) return Bad(absl::StrCat("bad ", source, ": no keys"));
  for (size_t i = 0; i < keys.size(); ++i) {
    for (size_t j = i + 1; j < keys.size(); ++j) {
      if (keys[i] == keys[j]) {
        return Bad(absl::StrCat("bad ", source, ": key ", j + 1,
                                " repeats key ", i + 1));
      }
    }
  }
  return keys;
}

absl::StatusOr<std::vector<std::string>> SettingsKeys(const Settings& s) {
  const int sources =
      !s.key_hex.empty() + !s.key_file.empty() + !s.keyring_file.empty();
  if (sources > 1) {
    return Bad("give one of --key-hex, --key-file, --keyring-file");
  }
  if (!s.keyring_file.empty()) return ReadKeyringFile(s.keyring_file);
  if (!s.key_hex.empty()) {
    absl::StatusOr<std::string> k = DecodeKey(s.key_hex, "--key-hex", false);
    if (!k.ok()) return k.status();
    return std::vector<std::string>{*k};
  }
  if (!s.key_file.empty()) {
    absl::StatusOr<std::string> text = ReadFile(s.key_file, "--key-file");
    if (!text.ok()) return text.status();
    absl::StatusOr<std::string> k =
        DecodeKey(*text, absl::StrCat("--key-file ", s.key_file), true);
    if (!k.ok()) return k.status();
    return std::vector<std::string>{*k};
  }
  return std::vector<std::string>{};
}

absl::StatusOr<Config> BuildConfig(const Settings& s,
                                   const std::vector<std::string>& keys) {
  Config c;
  if (s.profile == "lan") {
    c = DefaultLANConfig();
  } else if (s.profile == "wan") {
    c = DefaultWANConfig();
  } else if (s.profile == "local") {
    c = DefaultLocalConfig();
  } else {
    return Bad(absl::StrCat("bad --profile \"", s.profile,
                            "\": want lan, wan or local"));
  }
  const std::string compat = absl::AsciiStrToLower(s.compat);
  if (compat == "go") {
    c.ApplyGoCompat();
  } else if (compat != "default") {
    return Bad(
        absl::StrCat("bad --compat \"", s.compat, "\": want default or go"));
  }
  c.name = s.name;
  absl::StatusOr<JoinTarget> bind = ParseJoinAddress(s.bind, 7946);
  if (!bind.ok() || !bind->node_name.empty() || !IpAddress::Parse(bind->host)) {
    return Bad(absl::StrCat(
        "bad --bind \"", s.bind, "\": want IP[:PORT]",
        bind.ok() ? "" : absl::StrCat(" (", bind.status().message(), ")")));
  }
  c.bind_addr = bind->host;
  c.bind_port = bind->port;  // 7946 when not given; 0 = any
  if (!s.advertise.empty()) {
    absl::StatusOr<JoinTarget> adv = ParseJoinAddress(s.advertise, 0);
    if (!adv.ok() || !IpAddress::Parse(adv->host)) {
      return Bad(absl::StrCat("bad --advertise \"", s.advertise,
                              "\": want IP[:PORT]"));
    }
    c.advertise_addr = adv->host;
    c.advertise_port = adv->port;  // 0: the bound port
  }
  if (!keys.empty()) c.secret_key = keys.front();
  const std::string comp = absl::AsciiStrToLower(s.compression);
  if (comp == "lzw" || comp == "on" || comp == "true") {
    c.enable_compression = true;
    c.compression_algo = CompressionAlgo::kLzw;
  } else if (comp == "snappy") {
    c.enable_compression = true;
    c.compression_algo = CompressionAlgo::kSnappy;
  } else if (comp == "none" || comp == "off" || comp == "false") {
    c.enable_compression = false;
  } else {
    return Bad(absl::StrCat("bad --compression \"", s.compression,
                            "\": want lzw, snappy or none"));
  }
  if (!c.accept_snappy && c.enable_compression &&
      c.compression_algo == CompressionAlgo::kSnappy) {
    return Bad(
        "--compression snappy cannot go with --compat go (Go reads "
        "only lzw)");
  }
  if (s.protocol_version < kMinProtocolVersion ||
      s.protocol_version > kMaxProtocolVersion) {
    return Bad(absl::StrCat("bad --protocol-version ", s.protocol_version,
                            ": want ", kMinProtocolVersion, "..",
                            kMaxProtocolVersion));
  }
  c.protocol_version = static_cast<uint8_t>(s.protocol_version);
  if (s.meta.size() > limits::kMetaMaxSize) {
    return Bad(absl::StrCat("--meta is ", s.meta.size(),
                            " bytes; the limit is ", limits::kMetaMaxSize));
  }
  if (!s.unconfirmed_timeout.empty()) {
    absl::StatusOr<absl::Duration> d =
        ParseFlagDuration("unconfirmed-timeout", s.unconfirmed_timeout);
    if (!d.ok()) return d.status();
    c.unconfirmed_member_timeout = *d;
  }
  if (!s.weight_interval.empty()) {
    absl::StatusOr<absl::Duration> d =
        ParseFlagDuration("weight-interval", s.weight_interval);
    if (!d.ok()) return d.status();
    c.weight_interval = *d;
    c.gossip_weights = c.weight_interval > absl::ZeroDuration();
  }
  if (s.metrics_port < -1 || s.metrics_port > 65535) {
    return Bad(
        absl::StrCat("bad --metrics-port ", s.metrics_port, ": want 0..65535"));
  }
  if (absl::StatusOr<LogLevel> l = ParseLogLevel(s.log_level); !l.ok()) {
    return l.status();
  }
  if (absl::StatusOr<absl::Duration> d =
          ParseFlagDuration("leave-timeout", s.leave_timeout);
      !d.ok()) {
    return d.status();
  }
  return c;
}

}  // namespace swim::swimd
