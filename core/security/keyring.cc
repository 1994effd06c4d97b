#include "core/security/keyring.h"

#include <algorithm>

#include "core/check.h"
#include "core/status_macros.h"

#include "absl/strings/str_cat.h"

namespace swim::security {

absl::Status Keyring::ValidateKey(std::string_view key) {
  const size_t n = key.size();
  if (n != 16 && n != 24 && n != 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key size must be 16, 24 or 32 bytes (AES-128/192/256), got ", n));
  }
  SWIM_DCHECK(n == 16 || n == 24 || n == 32);
  return absl::OkStatus();
}

absl::StatusOr<Keyring> Keyring::Create(const std::vector<std::string>& keys,
                                        std::string_view primary) {
  Keyring ring;
  if (keys.empty() && primary.empty()) return ring;
  if (!primary.empty()) {
    SWIM_RETURN_IF_ERROR(ring.AddKey(primary));
  }
  for (const std::string& k : keys) {
    SWIM_RETURN_IF_ERROR(ring.AddKey(k));
  }
  SWIM_DCHECK(primary.empty() ||
              (!ring.keys_.empty() && ring.keys_[0] == primary));
  SWIM_DCHECK(ring.keys_.size() <= keys.size() + 1);
  return ring;
}

absl::Status Keyring::AddKey(std::string_view key) {
  SWIM_RETURN_IF_ERROR(ValidateKey(key));
  if (std::find(keys_.begin(), keys_.end(), key) != keys_.end()) {
    return absl::OkStatus();
  }
  keys_.emplace_back(key);
  // Keys are validated and never duplicated.
  SWIM_DCHECK(std::count(keys_.begin(), keys_.end(), key) == 1);
  SWIM_DCHECK(ValidateKey(keys_.back()).ok());
  return absl::OkStatus();
}

absl::Status Keyring::UseKey(std::string_view key) {
  auto it = std::find(keys_.begin(), keys_.end(), key);
  if (it == keys_.end()) {
    return absl::NotFoundError("requested key is not in the keyring");
  }
  std::rotate(keys_.begin(), it, it + 1);
  SWIM_DCHECK(!keys_.empty() && keys_[0] == key);
  return absl::OkStatus();
}

absl::Status Keyring::RemoveKey(std::string_view key) {
  if (!keys_.empty() && keys_[0] == key) {
    return absl::FailedPreconditionError(
        "removing the primary key is not allowed");
  }
  auto it = std::find(keys_.begin(), keys_.end(), key);
  if (it != keys_.end()) keys_.erase(it);
  SWIM_DCHECK(std::find(keys_.begin(), keys_.end(), key) == keys_.end());
  return absl::OkStatus();
}

}  // namespace swim::security
