// Keyring: the ordered set of AES keys a node encrypts and decrypts with.
//
// Index 0 is the primary key: it encrypts everything and is tried first when
// decrypting; the others only decrypt (so keys can be rotated across a live
// cluster: add everywhere, use everywhere, remove the old one). Keys are 16,
// 24 or 32 bytes (AES-128/192/256). Semantics are memberlist's keyring.go.
//
// Thread-safety: none. In net/ the keyring is only touched on the core's
// thread (the public API posts key operations there).
#ifndef SWIM_CORE_SECURITY_KEYRING_H_
#define SWIM_CORE_SECURITY_KEYRING_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace swim::security {

class Keyring {
 public:
  // An empty keyring (encryption disabled until a key is added).
  Keyring() = default;

  // memberlist's NewKeyring: installs `keys`, then `primary` (added if new)
  // as primary. With no primary, the first key is primary... unless keys is
  // empty, which gives an empty ring. Errors on bad key lengths.
  static absl::StatusOr<Keyring> Create(const std::vector<std::string>& keys,
                                        std::string_view primary);

  static absl::Status ValidateKey(std::string_view key);

  // Installs a key as secondary; a key already present is a no-op.
  absl::Status AddKey(std::string_view key);
  // Makes an installed key primary. Error if it is not installed.
  absl::Status UseKey(std::string_view key);
  // Removes a secondary key. Error for the primary key; no-op if absent.
  absl::Status RemoveKey(std::string_view key);

  // Primary first.
  const std::vector<std::string>& GetKeys() const { return keys_; }
  // Empty string if the ring is empty.
  std::string_view GetPrimaryKey() const {
    return keys_.empty() ? std::string_view() : std::string_view(keys_[0]);
  }
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<std::string> keys_;
};

}  // namespace swim::security

#endif  // SWIM_CORE_SECURITY_KEYRING_H_
