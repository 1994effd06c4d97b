#include "core/security/aead.h"

#include <openssl/aead.h>
#include <openssl/err.h>

#include "absl/strings/str_cat.h"
#include "core/check.h"

namespace swim::security {

namespace {

const EVP_AEAD* AeadForKey(size_t key_len) {
  switch (key_len) {
    case 16: return EVP_aead_aes_128_gcm();
    case 24: return EVP_aead_aes_192_gcm();
    case 32: return EVP_aead_aes_256_gcm();
    default: return nullptr;
  }
}

// An initialised EVP_AEAD_CTX, cleaned up on scope exit.
class AeadCtx {
 public:
  AeadCtx() { EVP_AEAD_CTX_zero(&ctx_); }
  ~AeadCtx() { EVP_AEAD_CTX_cleanup(&ctx_); }
  AeadCtx(const AeadCtx&) = delete;
  AeadCtx& operator=(const AeadCtx&) = delete;

  bool Init(std::string_view key) {
    const EVP_AEAD* aead = AeadForKey(key.size());
    if (aead == nullptr) return false;
    return EVP_AEAD_CTX_init(&ctx_, aead, reinterpret_cast<const uint8_t*>(key.data()),
                             key.size(), kTagSize, nullptr) == 1;
  }
  EVP_AEAD_CTX* get() { return &ctx_; }

 private:
  EVP_AEAD_CTX ctx_;
};

}  // namespace

size_t EncryptOverhead(uint8_t version) {
  SWIM_CHECK(version <= kMaxEncryptionVersion);
  return version == 0 ? kEncryptOverheadV0 : kEncryptOverheadV1;
}

size_t EncryptedLength(uint8_t version, size_t n) {
  SWIM_CHECK(version <= kMaxEncryptionVersion);
  if (version >= 1) return kVersionSize + kNonceSize + n + kTagSize;
  const size_t padding = kBlockSize - (n % kBlockSize);
  return kVersionSize + kNonceSize + n + padding + kTagSize;
}

absl::Status EncryptPayload(uint8_t version, std::string_view key, ByteSpan nonce,
                            ByteSpan plaintext, ByteSpan aad, Bytes* out) {
  if (version > kMaxEncryptionVersion) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported encryption version ", version));
  }
  if (nonce.size() != kNonceSize) return absl::InvalidArgumentError("nonce must be 12 bytes");
  AeadCtx ctx;
  if (!ctx.Init(key)) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("key size must be 16, 24 or 32 bytes, got ", key.size()));
  }
  const size_t start = out->size();
  const size_t blob_len = EncryptedLength(version, plaintext.size());
  out->resize(start + blob_len);
  uint8_t* blob = out->data() + start;
  blob[0] = version;
  std::copy(nonce.begin(), nonce.end(), blob + kVersionSize);
  uint8_t* ct = blob + kVersionSize + kNonceSize;
  const size_t max_ct = blob_len - kVersionSize - kNonceSize;
  ByteSpan src = plaintext;
  Bytes padded;
  if (version == 0) {
    const size_t pad = kBlockSize - (plaintext.size() % kBlockSize);
    padded.reserve(plaintext.size() + pad);
    padded.assign(plaintext.begin(), plaintext.end());
    padded.insert(padded.end(), pad, static_cast<uint8_t>(pad));
    src = padded;
  }
  size_t ct_len = 0;
  // In-place sealing is allowed by BoringSSL only for exact overlap; the
  // source here is a different buffer.
  if (EVP_AEAD_CTX_seal(ctx.get(), ct, &ct_len, max_ct, nonce.data(), nonce.size(),
                        src.data(), src.size(), aad.data(), aad.size()) != 1) {
    ERR_clear_error();
    out->resize(start);
    return absl::InternalError("AES-GCM seal failed");
  }
  SWIM_CHECK(ct_len == max_ct);
  return absl::OkStatus();
}

absl::StatusOr<Bytes> DecryptPayload(absl::Span<const std::string> keys, ByteSpan blob,
                                     ByteSpan aad) {
  if (blob.empty()) return absl::InvalidArgumentError("Cannot decrypt empty payload");
  const uint8_t version = blob[0];
  if (version > kMaxEncryptionVersion) {
    return absl::InvalidArgumentError(absl::StrCat("Unsupported encryption version ", version));
  }
  if (blob.size() < EncryptedLength(version, 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Payload is too small to decrypt: ", blob.size()));
  }
  const uint8_t* nonce = blob.data() + kVersionSize;
  const uint8_t* ct = nonce + kNonceSize;
  const size_t ct_len = blob.size() - kVersionSize - kNonceSize;
  Bytes plain(ct_len);
  for (const std::string& key : keys) {
    AeadCtx ctx;
    if (!ctx.Init(key)) {
      ERR_clear_error();
      continue;
    }
    size_t n = 0;
    if (EVP_AEAD_CTX_open(ctx.get(), plain.data(), &n, plain.size(), nonce, kNonceSize, ct,
                          ct_len, aad.data(), aad.size()) != 1) {
      ERR_clear_error();
      continue;
    }
    plain.resize(n);
    if (version == 0) {
      // Go's pkcs7decode strips as many bytes as the last byte says, with
      // no further check; a count beyond the buffer would panic it.
      if (plain.empty()) return absl::InvalidArgumentError("empty padded plaintext");
      const size_t pad = plain.back();
      if (pad > plain.size()) return absl::InvalidArgumentError("invalid PKCS#7 padding");
      plain.resize(plain.size() - pad);
    }
    return plain;
  }
  return absl::InvalidArgumentError("No installed keys could decrypt the message");
}

}  // namespace swim::security
