// AES-GCM encryption of memberlist payloads (protocol.md §4), over
// BoringSSL's EVP_AEAD.
//
// Blob layout: [version u8][nonce 12][ciphertext || tag 16].
//   version 0: the plaintext is PKCS#7-padded to a multiple of 16 first
//              (1..16 pad bytes); overhead 45.
//   version 1: no padding; overhead 29.
// The key length picks AES-128/192/256. Packets use no additional data;
// streams authenticate their 5-byte [10][u32be length] header.
#ifndef SWIM_CORE_SECURITY_AEAD_H_
#define SWIM_CORE_SECURITY_AEAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/security/keyring.h"

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace swim::security {

inline constexpr uint8_t kMaxEncryptionVersion = 1;
inline constexpr size_t kVersionSize = 1;
inline constexpr size_t kNonceSize = 12;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kBlockSize = 16;
// memberlist's encryptOverhead(): the most encryption adds to a message.
inline constexpr size_t kEncryptOverheadV0 = 45;  // version, nonce, pad, tag
inline constexpr size_t kEncryptOverheadV1 = 29;  // version, nonce, tag

// REQUIRES: version <= kMaxEncryptionVersion.
size_t EncryptOverhead(uint8_t version);
// memberlist's encryptedLength(): the blob size for a plaintext of `n`
// bytes. REQUIRES: version <= kMaxEncryptionVersion.
size_t EncryptedLength(uint8_t version, size_t n);

// Appends [version][nonce][ct||tag] to *out. `nonce` must be 12 bytes
// (random per message in production; fixed only in tests). Errors: a key
// that is not 16/24/32 bytes, a bad version or nonce size.
absl::Status EncryptPayload(uint8_t version, std::string_view key,
                            ByteSpan nonce, ByteSpan plaintext, ByteSpan aad,
                            Bytes* out);

// Tries every key in order; the first that authenticates wins (memberlist's
// decryptPayload). Version 0 padding is stripped. Errors: empty blob,
// version > 1, a blob shorter than the empty message of its version,
// "No installed keys could decrypt the message".
absl::StatusOr<Bytes> DecryptPayload(absl::Span<const std::string> keys,
                                     ByteSpan blob, ByteSpan aad);
inline absl::StatusOr<Bytes> DecryptPayload(const Keyring& ring, ByteSpan blob,
                                            ByteSpan aad) {
  return DecryptPayload(absl::MakeConstSpan(ring.GetKeys()), blob, aad);
}

}  // namespace swim::security

#endif  // SWIM_CORE_SECURITY_AEAD_H_
