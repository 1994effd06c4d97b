#include "tests/fuzz/fuzz_entries.h"

#include "core/security/aead.h"
#include "core/security/keyring.h"
#include "core/wire/framing.h"
#include "core/wire/lzw.h"
#include "core/wire/messages.h"

#include "tests/wire/reencode.h"

namespace swim::fuzz {

namespace {

using ::swim::testing::Reencode;
using namespace ::swim::wire;

#define SWIM_FUZZ_CHECK(cond)      \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

constexpr size_t kMaxOut = 1 << 20;

const security::Keyring& Ring() {
  static const auto* ring = new security::Keyring(*security::Keyring::Create(
      {"0123456789abcdef0123456789abcdef", "0123456789abcdef01234567"},
      "0123456789abcdef"));
  return *ring;
}

// Whatever decodes re-encodes, and the re-encoding is a fixed point.
void CheckFixedPoint(ByteSpan msg, bool stream) {
  for (AddressMode mode : {AddressMode::kBinary, AddressMode::kText}) {
    auto once = Reencode(msg, mode, stream);
    if (!once.ok()) continue;
    SWIM_FUZZ_CHECK(!once->empty());
    auto twice = Reencode(*once, mode, stream);
    SWIM_FUZZ_CHECK(twice.ok());
    SWIM_FUZZ_CHECK(*twice == *once);
  }
}

}  // namespace

int FuzzPacket(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  for (bool verify : {true, false}) {
    auto plain = DecodePacket(in, verify ? nullptr : &Ring(), verify);
    if (!plain.ok()) continue;
    SWIM_FUZZ_CHECK(!plain->empty());
    CheckFixedPoint(*plain, false);
  }
  return 0;
}

int FuzzCompound(const uint8_t* data, size_t size) {
  auto parts = DecodeCompound(ByteSpan(data, size));
  if (!parts.ok()) return 0;
  SWIM_FUZZ_CHECK(parts->parts.size() + parts->truncated <= 255);
  for (ByteSpan p : parts->parts) {
    SWIM_FUZZ_CHECK(p.data() >= data && p.data() + p.size() <= data + size);
    if (!p.empty()) CheckFixedPoint(p, false);
  }
  return 0;
}

int FuzzCompressed(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  auto out = DecompressMessage(in, kMaxOut);
  if (out.ok()) {
    SWIM_FUZZ_CHECK(!out->empty());
    SWIM_FUZZ_CHECK(out->size() <= kMaxOut);
    CheckFixedPoint(*out, false);
  }
  Bytes raw;
  if (LzwDecompress(in, kMaxOut, &raw).ok())
    SWIM_FUZZ_CHECK(raw.size() <= kMaxOut);
  if (size > 0) {
    for (CompressionAlgo algo :
         {CompressionAlgo::kLzw, CompressionAlgo::kSnappy}) {
      const Bytes c = CompressMessage(in, algo);
      auto back = DecompressMessage(ByteSpan(c).subspan(1), size);
      SWIM_FUZZ_CHECK(back.ok());
      SWIM_FUZZ_CHECK(*back == Bytes(in.begin(), in.end()));
    }
  }
  return 0;
}

int FuzzEncrypted(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  auto plain = security::DecryptPayload(Ring(), in, ByteSpan());
  if (plain.ok()) SWIM_FUZZ_CHECK(plain->size() <= size);
  (void)DecodePacket(in, &Ring(), true);
  if (size == 0) return 0;
  // Seal the rest of the input with the key and version the first byte
  // picks, then open it again with the whole ring.
  const uint8_t version = data[0] & 1;
  const auto& keys = Ring().GetKeys();
  const std::string& key = keys[(data[0] >> 1) % keys.size()];
  const Bytes nonce(security::kNonceSize, data[0]);
  const ByteSpan msg = in.subspan(1);
  const ByteSpan aad = msg.first(std::min<size_t>(msg.size(), data[0] & 7));
  Bytes blob;
  SWIM_FUZZ_CHECK(
      security::EncryptPayload(version, key, nonce, msg, aad, &blob).ok());
  SWIM_FUZZ_CHECK(blob.size() ==
                  security::EncryptedLength(version, msg.size()));
  auto back = security::DecryptPayload(Ring(), blob, aad);
  SWIM_FUZZ_CHECK(back.ok());
  SWIM_FUZZ_CHECK(*back == Bytes(msg.begin(), msg.end()));
  blob[blob.size() - 1] ^= 1;  // any flipped bit fails authentication
  SWIM_FUZZ_CHECK(!security::DecryptPayload(Ring(), blob, aad).ok());
  return 0;
}

int FuzzStream(const uint8_t* data, size_t size) {
  const ByteSpan in(data, size);
  auto n = StreamMessageSize(in);
  if (!n.ok() || *n == 0) {
    // A message that never completes must not be accepted as whole.
    return 0;
  }
  SWIM_FUZZ_CHECK(*n <= size);
  const ByteSpan msg = in.first(*n);
  auto again = StreamMessageSize(msg);
  SWIM_FUZZ_CHECK(again.ok() && *again == *n);
  for (const security::Keyring* ring :
       {static_cast<const security::Keyring*>(nullptr), &Ring()}) {
    auto plain = DecodeStream(msg, ring, false);
    if (!plain.ok()) continue;
    SWIM_FUZZ_CHECK(!plain->empty());
    CheckFixedPoint(*plain, true);
  }
  return 0;
}

}  // namespace swim::fuzz
