// Golden vectors printed by Go memberlist 0.2.2 (tests/interop/golden/):
// every vector must decode, and the C++ encoders must reproduce it byte for
// byte (encryption with the generator's fixed nonce 000102..0b).
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/security/aead.h"
#include "core/security/keyring.h"
#include "core/strings.h"
#include "core/wire/framing.h"
#include "core/wire/lzw.h"
#include "core/wire/messages.h"

#include "tests/wire/hex.h"
#include "tests/wire/reencode.h"

namespace swim::wire {
namespace {

using ::swim::testing::FromHex;
using ::swim::testing::Reencode;
using ::swim::testing::ToHex;

struct Vector {
  std::string name;  // kind:variant:index
  std::string kind;
  std::string variant;
  Bytes bytes;
};

std::vector<Vector> LoadVectors() {
  std::ifstream in("tests/wire/testdata/golden_vectors.txt");
  std::vector<Vector> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Vector v;
    std::string hex;
    ls >> v.name >> hex;
    const auto parts = SplitString(v.name, ':');
    if (parts.size() != 3) {
      ADD_FAILURE() << "bad vector name " << v.name;
      continue;
    }
    v.kind = std::string(parts[0]);
    v.variant = std::string(parts[1]);
    v.bytes = FromHex(hex);
    out.push_back(std::move(v));
  }
  return out;
}

const std::vector<Vector>& Vectors() {
  static const auto* v = new std::vector<Vector>(LoadVectors());
  return *v;
}

void FixedNonce(absl::Span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i);
}

std::string KeyOfLength(int n) {
  const std::string base = "0123456789abcdef0123456789abcdef";
  if (n == 24) return "0123456789abcdef01234567";
  return base.substr(0, n);
}

TEST(GoldenVectors, FileIsComplete) {
  std::map<std::string, int> kinds;
  for (const Vector& v : Vectors()) ++kinds[v.kind];
  for (const char* k :
       {"ping", "indirect", "ack", "nack", "err", "suspect", "dead", "alive",
        "weight", "pushpull", "userstream", "userpacket", "compound", "crc",
        "compress", "lzw", "packet", "stream"}) {
    EXPECT_GT(kinds[k], 0) << "no vectors of kind " << k;
  }
  EXPECT_GT(Vectors().size(), 140u);
}

TEST(GoldenVectors, MessagesReencodeByteIdentical) {
  int checked = 0;
  for (const Vector& v : Vectors()) {
    if (v.kind == "lzw" || v.kind == "packet" || v.kind == "stream") continue;
    const AddressMode mode =
        v.variant == "text" ? AddressMode::kText : AddressMode::kBinary;
    const bool stream = v.kind == "pushpull" || v.kind == "userstream";
    auto again = Reencode(v.bytes, mode, stream);
    ASSERT_TRUE(again.ok()) << v.name << ": " << again.status();
    EXPECT_EQ(ToHex(*again), ToHex(v.bytes)) << v.name;
    ++checked;
  }
  EXPECT_GT(checked, 75);
}

TEST(GoldenVectors, StreamMessageSizeFindsEachBoundary) {
  for (const Vector& v : Vectors()) {
    const bool stream_form = v.kind == "pushpull" || v.kind == "userstream" ||
                             v.kind == "stream" || v.kind == "ping" ||
                             v.kind == "ack" || v.kind == "err" ||
                             v.kind == "compress";
    if (!stream_form) continue;
    Bytes two = v.bytes;
    two.insert(two.end(), v.bytes.begin(), v.bytes.end());
    auto n = StreamMessageSize(two);
    ASSERT_TRUE(n.ok()) << v.name << ": " << n.status();
    EXPECT_EQ(*n, v.bytes.size()) << v.name;
    for (size_t cut :
         {size_t{0}, size_t{1}, v.bytes.size() / 2, v.bytes.size() - 1}) {
      auto m = StreamMessageSize(ByteSpan(v.bytes).first(cut));
      ASSERT_TRUE(m.ok()) << v.name << " cut " << cut << ": " << m.status();
      EXPECT_EQ(*m, 0u) << v.name << " cut " << cut;
    }
  }
}

TEST(GoldenVectors, LzwStreams) {
  for (const Vector& v : Vectors()) {
    if (v.kind != "lzw") continue;
    Bytes plain;
    ASSERT_TRUE(LzwDecompress(v.bytes, 1 << 24, &plain).ok()) << v.name;
    Bytes again;
    LzwCompress(plain, &again);
    EXPECT_EQ(ToHex(again), ToHex(v.bytes)) << v.name;
    // One byte short of the output: refused (bounded decompression).
    if (!plain.empty()) {
      Bytes bounded;
      EXPECT_FALSE(LzwDecompress(v.bytes, plain.size() - 1, &bounded).ok())
          << v.name;
    }
  }
}

TEST(GoldenVectors, EncryptedPacketsAndStreams) {
  int checked = 0;
  for (const Vector& v : Vectors()) {
    if (v.kind != "packet" && v.kind != "stream") continue;
    OutgoingOptions opts;
    absl::StatusOr<security::Keyring> ring = security::Keyring();
    if (v.variant != "plainc") {
      // v<E>k<K>[c]
      ASSERT_EQ(v.variant[0], 'v') << v.name;
      opts.encryption_version = static_cast<uint8_t>(v.variant[1] - '0');
      const int key_len = std::stoi(v.variant.substr(3, 2));
      ring = security::Keyring::Create({}, KeyOfLength(key_len));
      ASSERT_TRUE(ring.ok()) << ring.status();
      opts.keyring = &*ring;
    }
    opts.compress = v.variant.back() == 'c';
    if (v.kind == "packet") {
      // DecodePacket also strips a CRC layer; the blob is sealed around it.
      ASSERT_TRUE(DecodePacket(v.bytes, &*ring, true).ok()) << v.name;
      auto plain = security::DecryptPayload(*ring, v.bytes, ByteSpan());
      ASSERT_TRUE(plain.ok()) << v.name << ": " << plain.status();
      EXPECT_EQ(ToHex(EncodePacket(*plain, opts, FixedNonce)), ToHex(v.bytes))
          << v.name;
      // A message from the generator re-encodes too (one is random bytes).
      if ((*plain)[0] <= static_cast<uint8_t>(MessageType::kHasCrc)) {
        auto again = Reencode(*plain, AddressMode::kBinary, false);
        ASSERT_TRUE(again.ok()) << v.name << ": " << again.status();
        EXPECT_EQ(*again, *plain) << v.name;
      }
    } else {
      auto msg = DecodeStream(v.bytes, opts.keyring, true);
      ASSERT_TRUE(msg.ok()) << v.name << ": " << msg.status();
      EXPECT_EQ(ToHex(EncodeStream(*msg, opts, FixedNonce)), ToHex(v.bytes))
          << v.name;
      auto again = Reencode(*msg, AddressMode::kBinary, true);
      ASSERT_TRUE(again.ok()) << v.name << ": " << again.status();
      EXPECT_EQ(*again, *msg) << v.name;
      if (opts.keyring != nullptr) {
        // Without a keyring the encrypted stream is refused; a wrong key too.
        EXPECT_FALSE(DecodeStream(v.bytes, nullptr, true).ok()) << v.name;
        auto wrong = security::Keyring::Create({}, "ffffffffffffffff");
        EXPECT_FALSE(DecodeStream(v.bytes, &*wrong, true).ok()) << v.name;
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

}  // namespace
}  // namespace swim::wire
