// The byte examples of protocol.md (§2.6, §3.4, §4, §5, §8.2), all printed by
// Go 0.2.2 itself, as hand-written golden tests; plus the negative decode
// cases of §3.2 and the crash hazards of §6.13.
#include <gtest/gtest.h>

#include "core/security/aead.h"
#include "core/security/keyring.h"
#include "core/wire/framing.h"
#include "core/wire/lzw.h"
#include "core/wire/messages.h"

#include "tests/wire/hex.h"

namespace swim::wire {
namespace {

using ::swim::testing::Body;
using ::swim::testing::FromHex;
using ::swim::testing::Span;
using ::swim::testing::ToHex;

template <typename M>
std::string Enc(const M& m) {
  Bytes out;
  Encode(m, &out);
  return ToHex(out);
}
template <typename M>
std::string Enc(const M& m, AddressMode mode) {
  Bytes out;
  Encode(m, mode, &out);
  return ToHex(out);
}
std::string H(std::string_view hex) { return ToHex(FromHex(hex)); }

const char* kPing1 = "00 82 a4 4e6f6465 a1 61 a5 5365714e6f 01";

TEST(ProtocolExamples, PingMinimal) {
  Ping p{.seq_no = 1, .node = "a"};
  EXPECT_EQ(Enc(p, AddressMode::kBinary), H(kPing1));
  EXPECT_EQ(FromHex(kPing1).size(), 16u);
  auto d = DecodePing(Body(FromHex(kPing1)), AddressMode::kBinary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, p);
}

TEST(ProtocolExamples, PingWithSource) {
  const char* hex =
      "00 85 a44e6f6465 a66e6f64652d62 a55365714e6f cd012c"
      " aa536f7572636541646472 a40a000001 aa536f757263654e6f6465 a66e6f64652d61"
      " aa536f75726365506f7274 cd1f0a";
  Ping p{.seq_no = 300,
         .node = "node-b",
         .source_addr = IpAddress::V4(10, 0, 0, 1),
         .source_port = 7946,
         .source_node = "node-a"};
  EXPECT_EQ(Enc(p, AddressMode::kBinary), H(hex));
  auto d = DecodePing(Body(FromHex(hex)), AddressMode::kBinary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, p);
}

const char* kAlive =
    "04 86 a441646472 a47f000001 ab496e6361726e6174696f6e 01 a44d657461 c0"
    " a44e6f6465 a161 a4506f7274 cd1f0a a356736e a6010502000000";

TEST(ProtocolExamples, Alive) {
  Alive a{.incarnation = 1,
          .node = "a",
          .addr = IpAddress::V4(127, 0, 0, 1),
          .port = 7946,
          .meta = std::nullopt,
          .vsn = VersionVector{1, 5, 2, 0, 0, 0}};
  EXPECT_EQ(Enc(a, AddressMode::kBinary), H(kAlive));
  auto d = DecodeAlive(Body(FromHex(kAlive)), AddressMode::kBinary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, a);

  a.addr = *IpAddress::Parse("::1");
  a.meta = "m";
  const std::string v6 = Enc(a, AddressMode::kBinary);
  EXPECT_NE(v6.find(H("a441646472 b0 00000000000000000000000000000001")),
            std::string::npos);
  EXPECT_NE(v6.find(H("a44d657461 a16d")), std::string::npos);
}

TEST(ProtocolExamples, SmallMessages) {
  EXPECT_EQ(
      Enc(Suspect{1, "a", "b"}),
      H("03 83 a446726f6d a162 ab496e6361726e6174696f6e 01 a44e6f6465 a161"));
  EXPECT_EQ(
      Enc(Dead{5, "a", "a"}),
      H("05 83 a446726f6d a161 ab496e6361726e6174696f6e 05 a44e6f6465 a161"));
  EXPECT_EQ(Enc(AckResp{1, std::nullopt}),
            H("02 82 a75061796c6f6164 c0 a55365714e6f 01"));
  EXPECT_EQ(Enc(AckResp{1, std::string()}),
            H("02 82 a75061796c6f6164 a0 a55365714e6f 01"));
  EXPECT_EQ(Enc(NackResp{70000}), H("0b 81 a55365714e6f ce00011170"));
  EXPECT_EQ(Enc(ErrResp{"boom"}), H("0d 81 a54572726f72 a4626f6f6d"));

  auto s = DecodeSuspect(Body(FromHex(
      "03 83 a446726f6d a162 ab496e6361726e6174696f6e 01 a44e6f6465 a161")));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (Suspect{1, "a", "b"}));
  auto n = DecodeNack(Body(FromHex("0b 81 a55365714e6f ce00011170")));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->seq_no, 70000u);
  auto e = DecodeErr(Body(FromHex("0d 81 a54572726f72 a4626f6f6d")));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->error, "boom");
  auto ack =
      DecodeAck(Body(FromHex("02 82 a75061796c6f6164 c0 a55365714e6f 01")));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->payload, std::nullopt);
}

TEST(ProtocolExamples, IndirectPing) {
  const char* hex =
      "01 88 a44e61636b c3 a44e6f6465 a163 a4506f7274 cd1f0a a55365714e6f 02"
      " aa536f7572636541646472 a40a000001 aa536f757263654e6f6465 a161"
      " aa536f75726365506f7274 cd1f0a a6546172676574 a40a000002";
  IndirectPingReq m{.seq_no = 2,
                    .target = IpAddress::V4(10, 0, 0, 2),
                    .port = 7946,
                    .node = "c",
                    .nack = true,
                    .source_addr = IpAddress::V4(10, 0, 0, 1),
                    .source_port = 7946,
                    .source_node = "a"};
  EXPECT_EQ(Enc(m, AddressMode::kBinary), H(hex));
  auto d = DecodeIndirectPing(Body(FromHex(hex)), AddressMode::kBinary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, m);
}

TEST(ProtocolExamples, LongNameUsesStr16) {
  Suspect s{1, "abcdefghijklmnopqrstuvwxyz012345", "b"};
  const std::string hex = Enc(s);
  EXPECT_EQ(
      hex,
      H("03 83 a446726f6d a162 ab496e6361726e6174696f6e 01 a44e6f6465 da0020") +
          ToHex(Span("abcdefghijklmnopqrstuvwxyz012345")));
}

TEST(ProtocolExamples, Compound) {
  Bytes ping, suspect;
  Encode(Ping{.seq_no = 1, .node = "a"}, AddressMode::kBinary, &ping);
  Encode(Suspect{1, "a", "b"}, &suspect);
  const Bytes c = MakeCompound({ping, suspect});
  EXPECT_EQ(ToHex(c),
            H("07 02 0010 001d 0082a44e6f6465a161a55365714e6f01"
              " 0383a446726f6da162ab496e6361726e6174696f6e01a44e6f6465a161"));
  auto parts = DecodeCompound(Body(c));
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->parts.size(), 2u);
  EXPECT_EQ(parts->truncated, 0u);
  EXPECT_EQ(Bytes(parts->parts[0].begin(), parts->parts[0].end()), ping);
  EXPECT_EQ(Bytes(parts->parts[1].begin(), parts->parts[1].end()), suspect);
  // Length = sum + 2n + 2 (TestMakeCompoundMessage).
  EXPECT_EQ(c.size(), ping.size() + suspect.size() + 2 * 2 + 2);
}

TEST(ProtocolExamples, CompoundTruncated) {
  Bytes ping;
  Encode(Ping{.seq_no = 1, .node = "a"}, AddressMode::kBinary, &ping);
  Bytes c = MakeCompound({ping, ping, ping});
  c.resize(c.size() - 3);
  auto parts = DecodeCompound(Body(c));
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->parts.size(), 2u);
  EXPECT_EQ(parts->truncated, 1u);
  // The fork's TestDecodeCompoundMessage_NumberOfPartsOverflow.
  EXPECT_FALSE(DecodeCompound(FromHex("80")).ok());
  EXPECT_FALSE(DecodeCompound(ByteSpan()).ok());
}

TEST(ProtocolExamples, Crc) {
  const Bytes c = AddCrc(FromHex(kPing1));
  EXPECT_EQ(ToHex(c), H("0c 8a4f3e58 0082a44e6f6465a161a55365714e6f01"));
  EXPECT_EQ(Crc32(Span("123456789")), 0xcbf43926u);  // the CRC-32 check value
  EXPECT_EQ(Crc32(ByteSpan()), 0u);
}

TEST(ProtocolExamples, CompressedPing) {
  const char* hex =
      "09 82 a4416c676f 00 a3427566 b4 "
      "00010822e5e40d9932a1c2949a52264ec1000101";
  EXPECT_EQ(ToHex(CompressMessage(FromHex(kPing1), CompressionAlgo::kLzw)),
            H(hex));
  auto d = DecompressMessage(Body(FromHex(hex)));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(ToHex(*d), H(kPing1));
  // 34 bytes against 16: a packet goes out uncompressed.
  OutgoingOptions opts;
  opts.compress = true;
  EXPECT_EQ(ToHex(EncodePacket(FromHex(kPing1), opts, nullptr)), H(kPing1));
}

TEST(ProtocolExamples, PushPullUncompressed) {
  const char* hex =
      "06 83 a44a6f696e c3 a54e6f646573 01 ac5573657253746174654c656e 02"
      " 87 a441646472 a47f000001 ab496e6361726e6174696f6e 01 a44d657461 c0 "
      "a44e616d65 a161"
      " a4506f7274 cd1f0a a55374617465 00 a356736e a6010502000000 5553";
  PushPull pp;
  pp.join = true;
  pp.nodes.push_back(PushNodeState{.name = "a",
                                   .addr = IpAddress::V4(127, 0, 0, 1),
                                   .port = 7946,
                                   .meta = std::nullopt,
                                   .incarnation = 1,
                                   .state = 0,
                                   .vsn = VersionVector{1, 5, 2, 0, 0, 0}});
  pp.user_state = "US";
  EXPECT_EQ(Enc(pp, AddressMode::kBinary), H(hex));
  auto d = DecodePushPull(Body(FromHex(hex)), AddressMode::kBinary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, pp);
  auto size = StreamMessageSize(FromHex(hex));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, FromHex(hex).size());
}

TEST(ProtocolExamples, CapturedJoinPayload) {
  // §2.6: what a default Go node sent after decompression.
  const char* hex =
      "06 83 a4 4a6f696e c3 a5 4e6f646573 01 ac 5573657253746174654c656e 00"
      " 87 a4 41646472 a4 7f000001 ab 496e6361726e6174696f6e 01 a4 4d657461 c0"
      " a4 4e616d65 a1 61 a4 506f7274 cd 9fd1 a5 5374617465 00 a3 56736e a6 "
      "010502000000";
  auto d = DecodePushPull(Body(FromHex(hex)), AddressMode::kBinary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->join);
  ASSERT_EQ(d->nodes.size(), 1u);
  EXPECT_EQ(d->nodes[0].port, 0x9fd1);
  EXPECT_EQ(d->user_state, "");
  EXPECT_EQ(Enc(*d, AddressMode::kBinary), H(hex));
}

TEST(ProtocolExamples, UserStream) {
  const char* hex = "08 81 aa557365724d73674c656e 03 686579";
  Bytes out;
  EncodeUserStream("hey", &out);
  EXPECT_EQ(ToHex(out), H(hex));
  auto d = DecodeUserStream(Body(FromHex(hex)));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, "hey");
  EXPECT_EQ(*StreamMessageSize(FromHex(hex)), 17u);
  EXPECT_EQ(*StreamMessageSize(FromHex("08 81 aa557365724d73674c656e 03 6865")),
            0u);
}

TEST(ProtocolExamples, HeaderBothCodecs) {
  // 0.5.5 and v1.1.5 (signed markers) forms of {Nodes 200, UserStateLen 70000}.
  const Bytes tail(200, 0xc0);  // 200 nil node states
  for (const char* header : {"83 a44a6f696e c2 a54e6f646573 ccc8 "
                             "ac5573657253746174654c656e ce00011170",
                             "83 a44a6f696e c2 a54e6f646573 d100c8 "
                             "ac5573657253746174654c656e d200011170"}) {
    Bytes body = FromHex(header);
    body.insert(body.end(), tail.begin(), tail.end());
    body.resize(body.size() + 70000, 'x');
    auto d = DecodePushPull(body, AddressMode::kBinary);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->nodes.size(), 200u);
    EXPECT_EQ(d->user_state.size(), 70000u);
    EXPECT_FALSE(d->join);
  }
}

TEST(ProtocolExamples, LeftNodeStateWithNils) {
  const char* state =
      "87 a441646472 c0 ab496e6361726e6174696f6e 00 a44d657461 c0 a44e616d65 "
      "a178"
      " a4506f7274 00 a55374617465 03 a356736e c0";
  PushPull pp;
  pp.nodes.push_back(PushNodeState{.name = "x", .state = 3});
  const std::string enc = Enc(pp, AddressMode::kBinary);
  EXPECT_NE(enc.find(H(state)), std::string::npos);
  Bytes body =
      FromHex("83 a44a6f696e c2 a54e6f646573 01 ac5573657253746174654c656e 00");
  const Bytes s = FromHex(state);
  body.insert(body.end(), s.begin(), s.end());
  auto d = DecodePushPull(body, AddressMode::kBinary);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->nodes[0], pp.nodes[0]);
}

TEST(ProtocolExamples, Weight) {
  const char* v05 =
      "0e 85 a446726f6d a161 ab496e6361726e6174696f6e 01 a44e6f6465 a161 "
      "a6576569676874 05"
      " a85765696768744174 cf0000017d9c034600";
  const char* v115 =
      "0e 85 a446726f6d a161 ab496e6361726e6174696f6e 01 a44e6f6465 a161 "
      "a6576569676874 05"
      " a85765696768744174 d30000017d9c034600";
  Weight w{.incarnation = 1,
           .node = "a",
           .from = "a",
           .weight = 5,
           .weight_at = 1639000000000};
  EXPECT_EQ(Enc(w), H(v05));
  for (const char* hex : {v05, v115}) {
    auto d = DecodeWeight(Body(FromHex(hex)));
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(*d, w);
  }
  w.weight = 200;
  EXPECT_NE(Enc(w).find(H("a6576569676874 ccc8")), std::string::npos);
  auto d = DecodeWeight(
      Body(FromHex("0e 85 a446726f6d a161 ab496e6361726e6174696f6e 01 "
                   "a44e6f6465 a161 a6576569676874 d100c8"
                   " a85765696768744174 d30000017d9c034600")));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->weight, 200);
}

TEST(ProtocolExamples, Lzw) {
  struct Case {
    std::string in;
    const char* out;
  };
  for (const Case& c : {Case{"", "00 03 02"}, Case{"a", "00 c3 04 04"},
                        Case{"testing", "00 e9 94 99 43 27 8d 9b 33 01 01"},
                        Case{"aaaaaaaa", "00 c3 08 1c 28 30 20"}}) {
    Bytes out;
    LzwCompress(Span(c.in), &out);
    EXPECT_EQ(ToHex(out), H(c.out)) << c.in;
    Bytes back;
    ASSERT_TRUE(LzwDecompress(FromHex(c.out), 1 << 20, &back).ok());
    EXPECT_EQ(std::string(back.begin(), back.end()), c.in);
  }
  // No EOF code: Go fails with "unexpected EOF".
  Bytes out;
  EXPECT_FALSE(LzwDecompress(FromHex("00 c3"), 1 << 20, &out).ok());
}

TEST(ProtocolExamples, Encryption) {
  auto ring = security::Keyring::Create({}, "0123456789abcdef");
  ASSERT_TRUE(ring.ok());
  const Bytes nonce = FromHex("000102030405060708090a0b");
  const Bytes ping = FromHex(kPing1);
  const char* v1 =
      "01 000102030405060708090a0b fdbd605371105e978983547fb1d5df2c"
      " 183df5ffc99533bce56fc276cd0f91d4";
  const char* v0 =
      "00 000102030405060708090a0b "
      "fdbd605371105e978983547fb1d5df2c10c747ea17a35a5b6779fae3ffbbbb7c"
      " 634e746dc0580cd6c6e5e93ed781b784";
  const char* tcp1 =
      "0a 0000002d 01 000102030405060708090a0b fdbd605371105e978983547fb1d5df2c"
      " ab407bfbca3cd25433d7f03899157232";
  auto fixed = [&](absl::Span<uint8_t> out) {
    std::copy(nonce.begin(), nonce.end(), out.begin());
  };
  OutgoingOptions opts;
  opts.keyring = &*ring;
  opts.encryption_version = 1;
  EXPECT_EQ(ToHex(EncodePacket(ping, opts, fixed)), H(v1));
  EXPECT_EQ(ToHex(EncodeStream(ping, opts, fixed)), H(tcp1));
  opts.encryption_version = 0;
  EXPECT_EQ(ToHex(EncodePacket(ping, opts, fixed)), H(v0));

  for (const char* hex : {v0, v1}) {
    auto d = DecodePacket(FromHex(hex), &*ring, true);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(*d, ping);
  }
  auto s = DecodeStream(FromHex(tcp1), &*ring, true);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, ping);
  EXPECT_EQ(*StreamMessageSize(FromHex(tcp1)), FromHex(tcp1).size());

  EXPECT_EQ(security::EncryptOverhead(0), 45u);
  EXPECT_EQ(security::EncryptOverhead(1), 29u);
}

TEST(ProtocolExamples, EncryptionErrors) {
  auto ring = security::Keyring::Create({}, "0123456789abcdef");
  auto other = security::Keyring::Create({}, "fedcba9876543210");
  ASSERT_TRUE(ring.ok() && other.ok());
  const Bytes v1 = FromHex(
      "01 000102030405060708090a0b fdbd605371105e978983547fb1d5df2c"
      " 183df5ffc99533bce56fc276cd0f91d4");
  auto bad = DecodePacket(v1, &*other, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(
                "No installed keys could decrypt the message"),
            std::string::npos);
  // verify_incoming=false: the raw bytes are taken as plaintext.
  auto raw = DecodePacket(v1, &*other, false);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, v1);
  // A ring with both keys decrypts, whichever order.
  auto both =
      security::Keyring::Create({"0123456789abcdef"}, "fedcba9876543210");
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(DecodePacket(v1, &*both, true).ok());
  // Short blobs and unknown versions.
  Bytes short_v1(v1.begin(), v1.begin() + 28);
  EXPECT_FALSE(security::DecryptPayload(*ring, short_v1, {}).ok());
  Bytes v2 = v1;
  v2[0] = 2;
  EXPECT_FALSE(security::DecryptPayload(*ring, v2, {}).ok());
  Bytes v0_short(44, 0);
  EXPECT_FALSE(security::DecryptPayload(*ring, v0_short, {}).ok());
  EXPECT_FALSE(security::DecryptPayload(*ring, ByteSpan(), {}).ok());
}

// §3.2: what Go accepts and rejects.
TEST(ProtocolExamples, DecodeLeniency) {
  // Any key order, unknown keys (with nested values), str8 keys, map16.
  auto p = DecodePing(FromHex("83 a55365714e6f 05 a3466f6f 82 a161 91 c0 a162 "
                              "c3 d9 04 4e6f6465 a162"),
                      AddressMode::kBinary);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->seq_no, 5u);
  EXPECT_EQ(p->node, "b");
  p = DecodePing(FromHex("de 0001 a55365714e6f 07"), AddressMode::kBinary);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->seq_no, 7u);
  // Case-sensitive keys: seqNo is ignored.
  p = DecodePing(FromHex("81 a57365714e6f 05"), AddressMode::kBinary);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->seq_no, 0u);
  // Positional array in declaration order.
  p = DecodePing(FromHex("92 05 a161"), AddressMode::kBinary);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->seq_no, 5u);
  EXPECT_EQ(p->node, "a");
  // Signed markers on unsigned fields; nil for any field.
  p = DecodePing(FromHex("82 a55365714e6f d2 00000100 a44e6f6465 c0"),
                 AddressMode::kBinary);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->seq_no, 256u);
  // Vsn as an array of small ints; bin for byte fields.
  auto a = DecodeAlive(
      FromHex("82 a356736e 96 01 05 02 00 00 00 a441646472 c4 04 7f000001"),
      AddressMode::kBinary);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->vsn, (VersionVector{1, 5, 2, 0, 0, 0}));
  EXPECT_EQ(a->addr, IpAddress::V4(127, 0, 0, 1));
  // Bool as fixint 0/1.
  auto ind =
      DecodeIndirectPing(FromHex("81 a44e61636b 01"), AddressMode::kBinary);
  ASSERT_TRUE(ind.ok());
  EXPECT_TRUE(ind->nack);
  // A 16-byte IPv4-mapped address is kept as sent.
  a = DecodeAlive(FromHex("81 a441646472 b0 00000000000000000000ffff7f000001"),
                  AddressMode::kBinary);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->addr.size(), 16u);
  // Top-level nil: Go's zero value.
  EXPECT_TRUE(DecodeAck(FromHex("c0")).ok());
}

TEST(ProtocolExamples, DecodeErrors) {
  const AddressMode kB = AddressMode::kBinary;
  // bin in a string field.
  EXPECT_FALSE(DecodePing(FromHex("81 a44e6f6465 c4 01 61"), kB).ok());
  // Negative into unsigned; overflow.
  EXPECT_FALSE(DecodePing(FromHex("81 a55365714e6f ff"), kB).ok());
  EXPECT_FALSE(DecodePing(FromHex("81 a55365714e6f d0 ff"), kB).ok());
  EXPECT_FALSE(
      DecodePing(FromHex("81 aa536f75726365506f7274 ce00010000"), kB).ok());
  EXPECT_FALSE(DecodeNack(FromHex("81 a55365714e6f cf 0000000100000000")).ok());
  // Bool from 2, floats for ints, a bool for an int.
  EXPECT_FALSE(DecodeIndirectPing(FromHex("81 a44e61636b 02"), kB).ok());
  EXPECT_FALSE(DecodeNack(FromHex("81 a55365714e6f cb 0000000000000000")).ok());
  EXPECT_FALSE(DecodeNack(FromHex("81 a55365714e6f c3")).ok());
  // Not a map; truncation; empty input.
  EXPECT_FALSE(DecodeNack(FromHex("05")).ok());
  EXPECT_FALSE(DecodeNack(FromHex("82 a55365714e6f 01")).ok());
  EXPECT_FALSE(DecodeNack(ByteSpan()).ok());
  EXPECT_FALSE(DecodeErr(FromHex("81 a54572726f72 a5 626f6f6d")).ok());
  // Vsn of 1..5 or 7 bytes (would crash Go, §6.13).
  EXPECT_FALSE(DecodeAlive(FromHex("81 a356736e a3 010502"), kB).ok());
  EXPECT_FALSE(DecodeAlive(FromHex("81 a356736e a7 01050200000000"), kB).ok());
  EXPECT_TRUE(DecodeAlive(FromHex("81 a356736e a0"), kB).ok());
  // Binary address of a bad length.
  EXPECT_FALSE(DecodeAlive(FromHex("81 a441646472 a3 7f0000"), kB).ok());
  // Push/pull: negative or absurd counts, user state beyond the input.
  EXPECT_FALSE(DecodePushPull(FromHex("81 a54e6f646573 ff"), kB).ok());
  EXPECT_FALSE(DecodePushPull(FromHex("81 a54e6f646573 ce 7fffffff"), kB).ok());
  EXPECT_FALSE(DecodePushPull(FromHex("81 a54e6f646573 05 c0c0"), kB).ok());
  EXPECT_FALSE(
      DecodePushPull(FromHex("81 ac5573657253746174654c656e 05 6162"), kB)
          .ok());
  EXPECT_FALSE(StreamMessageSize(FromHex("06 81 a54e6f646573 ff")).ok());
  EXPECT_FALSE(StreamMessageSize(FromHex("03 80")).ok());
  // Deep nesting in an unknown field.
  Bytes deep = FromHex("81 a3 666f6f");
  deep.insert(deep.end(), 100, 0x91);
  deep.push_back(0xc0);
  EXPECT_FALSE(DecodeNack(deep).ok());
  // Unknown compression algorithm; Snappy round trip.
  EXPECT_FALSE(DecompressMessage(FromHex("82 a4416c676f 02 a3427566 a0")).ok());
  const Bytes snappy =
      CompressMessage(FromHex(kPing1), CompressionAlgo::kSnappy);
  auto back = DecompressMessage(Body(snappy));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, FromHex(kPing1));
}

// §6.13: inputs that crash a Go node are rejected, never produced.
TEST(ProtocolExamples, CrashHazards) {
  // A packet of exactly 5 bytes with CRC and nothing behind it.
  EXPECT_FALSE(DecodePacket(AddCrc(ByteSpan()), nullptr, true).ok());
  EXPECT_FALSE(DecodePacket(ByteSpan(), nullptr, true).ok());
  // A compress message that decompresses to nothing.
  EXPECT_FALSE(DecompressMessage(
                   Body(CompressMessage(ByteSpan(), CompressionAlgo::kLzw)))
                   .ok());
  EXPECT_FALSE(DecompressMessage(
                   Body(CompressMessage(ByteSpan(), CompressionAlgo::kSnappy)))
                   .ok());
  // An encrypted empty plaintext.
  auto ring = security::Keyring::Create({}, "0123456789abcdef");
  Bytes blob;
  ASSERT_TRUE(security::EncryptPayload(1, "0123456789abcdef", Bytes(12, 0),
                                       ByteSpan(), ByteSpan(), &blob)
                  .ok());
  EXPECT_FALSE(DecodePacket(blob, &*ring, true).ok());
  // Encoders refuse (abort) on empty parts; see the death tests.
  EXPECT_DEATH(MakeCompound({Bytes()}), "SWIM_CHECK");
  EXPECT_DEATH(MakeCompound(std::vector<Bytes>(128, Bytes{0})), "SWIM_CHECK");
  EXPECT_DEATH(EncodePacket(ByteSpan(), OutgoingOptions{}, nullptr),
               "SWIM_CHECK");
}

}  // namespace
}  // namespace swim::wire
