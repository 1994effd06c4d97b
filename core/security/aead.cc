#include "core/security/aead.h"

#include <array>
#include <memory>
#include <string>

#include <openssl/aead.h>
#include <openssl/err.h>
#include <openssl/mem.h>

#include "core/check.h"

#include "absl/strings/str_cat.h"

namespace swim::security {

namespace {

const EVP_AEAD* AeadForKey(size_t key_len) {
  switch (key_len) {
    case 16:
      return EVP_aead_aes_128_gcm();
    case 24:
      return EVP_aead_aes_192_gcm();
    case 32:
      return EVP_aead_aes_256_gcm();
    default:
      return nullptr;
  }
}

// An initialised EVP_AEAD_CTX for one key, cleaned up (key schedule
// wiped) when destroyed.
class AeadCtx {
 public:
  AeadCtx() { EVP_AEAD_CTX_zero(&ctx_); }
  ~AeadCtx() { EVP_AEAD_CTX_cleanup(&ctx_); }
  AeadCtx(const AeadCtx&) = delete;
  AeadCtx& operator=(const AeadCtx&) = delete;

  bool Init(std::string_view key) {
    const EVP_AEAD* aead = AeadForKey(key.size());
    if (aead == nullptr) return false;
    return EVP_AEAD_CTX_init(&ctx_, aead,
                             reinterpret_cast<const uint8_t*>(key.data()),
                             key.size(), kTagSize, nullptr) == 1;
  }
  EVP_AEAD_CTX* get() { return &ctx_; }

 private:
  EVP_AEAD_CTX ctx_;
};

// The AES key schedule costs about as much as sealing a 1 KiB packet, so the
// last few keys' contexts are kept per thread (a node uses one or two keys;
// each net/ node has its own thread, the simulator one thread for all).
// Entries are matched by key bytes; the least recently used one is replaced.
// Determinism is unaffected: a cached context computes the same bytes.
class AeadCache {
 public:
  // The context for `key`, or nullptr for a key of bad length.
  EVP_AEAD_CTX* Get(std::string_view key) {
    for (size_t i = 0; i < kSlots; ++i) {
      Slot& s = slots_[i];
      if (s.ctx != nullptr && s.key == key) {
        s.used = ++clock_;
        return s.ctx->get();
      }
    }
    size_t victim = 0;
    for (size_t i = 1; i < kSlots; ++i) {
      if (slots_[i].used < slots_[victim].used) victim = i;
    }
    SWIM_DCHECK(victim < kSlots);
    auto ctx = std::make_unique<AeadCtx>();
    if (!ctx->Init(key)) return nullptr;
    Slot& s = slots_[victim];
    if (!s.key.empty()) OPENSSL_cleanse(s.key.data(), s.key.size());
    s.ctx = std::move(ctx);
    s.key.assign(key.data(), key.size());
    s.used = ++clock_;
    SWIM_DCHECK(s.key == key && s.ctx != nullptr);
    return s.ctx->get();
  }

 private:
  static constexpr size_t kSlots = 4;
  struct Slot {
    std::string key;
    std::unique_ptr<AeadCtx> ctx;
    uint64_t used = 0;
  };
  std::array<Slot, kSlots> slots_;
  uint64_t clock_ = 0;
};

EVP_AEAD_CTX* CachedCtx(std::string_view key) {
  thread_local AeadCache cache;
  return cache.Get(key);
}

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

absl::Status EncryptPayload(uint8_t version, std::string_view key,
                            ByteSpan nonce, ByteSpan plaintext, ByteSpan aad,
                            Bytes* out) {
  if (version > kMaxEncryptionVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported encryption version ", version));
  }
  if (nonce.size() != kNonceSize)
    return absl::InvalidArgumentError("nonce must be 12 bytes");
  EVP_AEAD_CTX* ctx = CachedCtx(key);
  if (ctx == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("key size must be 16, 24 or 32 bytes, got ", key.size()));
  }
  const size_t start = out->size();
  const size_t blob_len = EncryptedLength(version, plaintext.size());
  SWIM_DCHECK(blob_len >=
              kVersionSize + kNonceSize + plaintext.size() + kTagSize);
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
    SWIM_DCHECK(padded.size() % kBlockSize == 0 &&
                padded.size() > plaintext.size());
  }
  size_t ct_len = 0;
  // In-place sealing is allowed by BoringSSL only for exact overlap; the
  // source here is a different buffer.
  if (EVP_AEAD_CTX_seal(ctx, ct, &ct_len, max_ct, nonce.data(), nonce.size(),
                        src.data(), src.size(), aad.data(), aad.size()) != 1) {
    ERR_clear_error();
    out->resize(start);
    return absl::InternalError("AES-GCM seal failed");
  }
  SWIM_CHECK(ct_len == max_ct);
  return absl::OkStatus();
}

absl::StatusOr<Bytes> DecryptPayload(absl::Span<const std::string> keys,
                                     ByteSpan blob, ByteSpan aad) {
  if (blob.empty())
    return absl::InvalidArgumentError("Cannot decrypt empty payload");
  const uint8_t version = blob[0];
  if (version > kMaxEncryptionVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("Unsupported encryption version ", version));
  }
  if (blob.size() < EncryptedLength(version, 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Payload is too small to decrypt: ", blob.size()));
  }
  const uint8_t* nonce = blob.data() + kVersionSize;
  const uint8_t* ct = nonce + kNonceSize;
  const size_t ct_len = blob.size() - kVersionSize - kNonceSize;
  SWIM_DCHECK(blob.size() >= kVersionSize + kNonceSize + kTagSize);
  Bytes plain(ct_len);
  for (const std::string& key : keys) {
    EVP_AEAD_CTX* ctx = CachedCtx(key);
    if (ctx == nullptr) {
      ERR_clear_error();
      continue;
    }
    size_t n = 0;
    if (EVP_AEAD_CTX_open(ctx, plain.data(), &n, plain.size(), nonce,
                          kNonceSize, ct, ct_len, aad.data(),
                          aad.size()) != 1) {
      ERR_clear_error();
      continue;
    }
    plain.resize(n);
    SWIM_DCHECK(n <= ct_len);
    if (version == 0) {
      // Go's pkcs7decode strips as many bytes as the last byte says, with
      // no further check; a count beyond the buffer would panic it.
      if (plain.empty())
        return absl::InvalidArgumentError("empty padded plaintext");
      const size_t pad = plain.back();
      if (pad > plain.size())
        return absl::InvalidArgumentError("invalid PKCS#7 padding");
      plain.resize(plain.size() - pad);
    }
    return plain;
  }
  return absl::InvalidArgumentError(
      "No installed keys could decrypt the message");
}

}  // namespace swim::security
