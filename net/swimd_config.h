// swimd's settings: command-line flags, the TOML config file (same keys as
// the long flags; flags win), the key files, and the swim::Config built
// from them. Nothing here exits the process: errors come back as a Status
// whose message is the one-line reason swimd prints.
#ifndef SWIM_NET_SWIMD_CONFIG_H_
#define SWIM_NET_SWIMD_CONFIG_H_

#include <string>
#include <vector>

#include "core/config.h"
#include "core/env.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace swim::swimd {

// Exit codes (README, swimd section).
inline constexpr int kExitOk = 0;       // left after SIGINT/SIGTERM, --help
inline constexpr int kExitRuntime = 1;  // busy port, failed --join-required
inline constexpr int kExitUsage = 2;    // bad flag, config file or key

// Protocol versions swimd speaks. Version 1 predates the version vectors
// every Go 0.2.2 member sends; swimd does not offer it.
inline constexpr int kMinProtocolVersion = 2;
inline constexpr int kMaxProtocolVersion = 5;

// Everything swimd can be told, with its defaults.
struct Settings {
  std::string config_path;  // --config, re-read on SIGHUP
  std::string name;
  std::string bind = "0.0.0.0:7946";
  std::string advertise;
  std::vector<std::string> join;
  bool join_required = false;
  std::string key_hex;
  std::string key_file;      // one key
  std::string keyring_file;  // several keys, primary first; SIGHUP re-reads
  bool keyring_api = false;  // serve POST /v1/keyring/* on the HTTP port
  std::string compression = "lzw";
  int protocol_version = 2;
  std::string profile = "lan";
  std::string compat = "default";  // or "go": Config::ApplyGoCompat()
  std::string meta;
  std::string weight_interval;
  std::string unconfirmed_timeout;  // "" = off
  int metrics_port = -1;            // -1: no HTTP endpoint
  std::string log_level = "warn";
  std::string leave_timeout = "5s";
};

// What the command line asked for.
struct Parsed {
  Settings settings;
  bool help = false;
};

// Flags, then the --config file under them. InvalidArgument with the
// one-line reason on a bad flag or file.
absl::StatusOr<Parsed> ParseSettings(int argc, char** argv);
// "usage: ..." and every option.
std::string HelpText();

absl::StatusOr<LogLevel> ParseLogLevel(const std::string& text);
absl::StatusOr<absl::Duration> ParseFlagDuration(const char* flag,
                                                 const std::string& text);

// One AES key written as hex (32, 48 or 64 digits) or, when `allow_base64`,
// standard base64. `source` names where it came from, for the message.
absl::StatusOr<std::string> DecodeKey(const std::string& text,
                                      const std::string& source,
                                      bool allow_base64);

// A keyring file: either a JSON array of base64 keys (Serf's keyring file
// format) or one key per line in hex or base64 ('#' starts a comment).
// The first key is the primary. At least one key, no duplicates.
absl::StatusOr<std::vector<std::string>> ReadKeyringFile(
    const std::string& path);

// The keys the settings give (empty: no encryption), primary first.
absl::StatusOr<std::vector<std::string>> SettingsKeys(const Settings& s);

// The node's Config (without delegates); the primary key as secret_key.
absl::StatusOr<Config> BuildConfig(const Settings& s,
                                   const std::vector<std::string>& keys);

}  // namespace swim::swimd

#endif  // SWIM_NET_SWIMD_CONFIG_H_
