// Golden wire vectors printed by Go memberlist 0.2.2 itself.
//
// This file is compiled INSIDE a copy of Debian's memberlist package (see
// regen.sh), so it can call the unexported encode, makeCompoundMessage,
// compressPayload, encryptPayload and rawSendMsgStream. It prints one
// "name hex" line per vector; tests/wire/golden_vectors_test.cc decodes each
// and requires the C++ encoders to reproduce it byte for byte.
//
// Name scheme: kind:variant:index. Kinds: ping, indirect, ack, nack, err,
// suspect, dead, alive, weight, pushpull, userstream, userpacket (variant
// "bin" = upstream byte addresses, "text" = go-doudou string addresses);
// compound, crc, compress, lzw; packet:v<E>k<K> and stream:v<E>k<K>[c]
// (encryption version E, key length K, c = compressed) with the fixed
// nonce 000102030405060708090a0b.

package memberlist

import (
	"bytes"
	"compress/lzw"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"strings"

	"github.com/hashicorp/go-msgpack/codec"
)

// go-doudou fork shapes: addresses are strings; weight is type 14.
type pingText struct {
	SeqNo      uint32
	Node       string
	SourceAddr string `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type indirectPingReqText struct {
	SeqNo      uint32
	Target     string
	Port       uint16
	Node       string
	Nack       bool
	SourceAddr string `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type aliveText struct {
	Incarnation uint32
	Node        string
	Addr        string
	Port        uint16
	Meta        []byte
	Vsn         []uint8
}

type pushNodeStateText struct {
	Name        string
	Addr        string
	Port        uint16
	Meta        []byte
	Incarnation uint32
	State       NodeStateType
	Vsn         []uint8
}

type weightFork struct {
	Incarnation uint32
	Node        string
	From        string
	Weight      int
	WeightAt    int64
}

const weightMsgType messageType = 14

type golden struct {
	out   *strings.Builder
	count map[string]int
}

func (g *golden) emit(prefix string, b []byte) {
	i := g.count[prefix]
	g.count[prefix] = i + 1
	fmt.Fprintf(g.out, "%s:%d %s\n", prefix, i, hex.EncodeToString(b))
}

func mustEncode(t messageType, v interface{}) []byte {
	buf, err := encode(t, v)
	if err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// pushPull builds a push/pull stream payload exactly as sendLocalState does.
func pushPull(join bool, states []interface{}, user []byte) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(byte(pushPullMsg))
	hd := codec.MsgpackHandle{}
	enc := codec.NewEncoder(buf, &hd)
	header := pushPullHeader{Nodes: len(states), UserStateLen: len(user), Join: join}
	if err := enc.Encode(&header); err != nil {
		panic(err)
	}
	for _, s := range states {
		if err := enc.Encode(s); err != nil {
			panic(err)
		}
	}
	if user != nil {
		buf.Write(user)
	}
	return buf.Bytes()
}

// userStream builds a stream user message exactly as sendUserMsg does.
func userStream(msg []byte) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(byte(userMsg))
	hd := codec.MsgpackHandle{}
	enc := codec.NewEncoder(buf, &hd)
	if err := enc.Encode(&userMsgHeader{UserMsgLen: len(msg)}); err != nil {
		panic(err)
	}
	buf.Write(msg)
	return buf.Bytes()
}

// A deterministic byte pattern (an LCG): compressible text or noise.
func pattern(n int, seed uint32, alphabet int) []byte {
	out := make([]byte, n)
	x := seed
	for i := range out {
		x = x*1664525 + 1013904223
		out[i] = byte(int(x>>24) % alphabet)
		if alphabet < 64 {
			out[i] += 'a'
		}
	}
	return out
}

type fixedNonce struct{}

func (fixedNonce) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i)
	}
	return len(p), nil
}

// captureConn is a net.Conn that records what rawSendMsgStream writes.
type captureConn struct {
	net.Conn
	buf bytes.Buffer
}

func (c *captureConn) Write(p []byte) (int, error) { return c.buf.Write(p) }

var keys = map[int][]byte{
	16: []byte("0123456789abcdef"),
	24: []byte("0123456789abcdef01234567"),
	32: []byte("0123456789abcdef0123456789abcdef"),
}

// GoldenVectors returns every vector, one "name hex" line each.
func GoldenVectors() string {
	g := &golden{out: &strings.Builder{}, count: map[string]int{}}
	v4 := net.IP{10, 0, 0, 1}
	v4b := net.IP{127, 0, 0, 1}
	mapped := net.ParseIP("10.1.2.3") // 16-byte IPv4-mapped form
	v6 := net.ParseIP("fe80::1:2")
	vsn := []uint8{1, 5, 2, 0, 0, 0}
	long := strings.Repeat("n", 40)
	huge := strings.Repeat("h", 70000)

	// --- ping ---
	for _, p := range []ping{
		{SeqNo: 1, Node: "a"},
		{SeqNo: 300, Node: "node-b", SourceAddr: v4, SourcePort: 7946, SourceNode: "node-a"},
		{},
		{SeqNo: 4294967295, Node: long},
		{SeqNo: 128, Node: "x", SourceAddr: v6, SourcePort: 65535},
		{SeqNo: 65536, SourceNode: "only-node"},
		{SeqNo: 2, Node: "m", SourceAddr: mapped, SourcePort: 1},
	} {
		p := p
		g.emit("ping:bin", mustEncode(pingMsg, &p))
	}
	for _, p := range []pingText{
		{SeqNo: 1, Node: "a"},
		{SeqNo: 300, Node: "node-b", SourceAddr: "10.0.0.1", SourcePort: 7946, SourceNode: "node-a"},
		{SeqNo: 7, Node: "b", SourceAddr: "fe80::1:2", SourcePort: 80},
	} {
		p := p
		g.emit("ping:text", mustEncode(pingMsg, &p))
	}

	// --- indirect ping ---
	for _, p := range []indirectPingReq{
		{SeqNo: 2, Target: net.IP{10, 0, 0, 2}, Port: 7946, Node: "c", Nack: true,
			SourceAddr: v4, SourcePort: 7946, SourceNode: "a"},
		{SeqNo: 3, Target: v6, Port: 0, Node: "d"},
		{SeqNo: 200, Target: mapped, Port: 255, Node: long, Nack: false, SourceNode: "z"},
	} {
		p := p
		g.emit("indirect:bin", mustEncode(indirectPingMsg, &p))
	}
	for _, p := range []indirectPingReqText{
		{SeqNo: 2, Target: "10.0.0.2", Port: 7946, Node: "c", Nack: true,
			SourceAddr: "10.0.0.1", SourcePort: 7946, SourceNode: "a"},
		{SeqNo: 3, Target: "::1", Port: 1, Node: "d"},
	} {
		p := p
		g.emit("indirect:text", mustEncode(indirectPingMsg, &p))
	}

	// --- ack / nack / err ---
	for _, a := range []ackResp{
		{SeqNo: 1},
		{SeqNo: 1, Payload: []byte{}},
		{SeqNo: 0, Payload: pattern(100, 1, 256)},
		{SeqNo: 9, Payload: []byte(huge)},
	} {
		a := a
		g.emit("ack:bin", mustEncode(ackRespMsg, &a))
	}
	for _, s := range []uint32{0, 127, 128, 255, 256, 65535, 65536, 70000, 4294967295} {
		g.emit("nack:bin", mustEncode(nackRespMsg, &nackResp{SeqNo: s}))
	}
	for _, e := range []string{"", "boom", long} {
		g.emit("err:bin", mustEncode(errMsg, &errResp{Error: e}))
	}

	// --- suspect / dead ---
	for _, n := range []string{"a", strings.Repeat("x", 31), strings.Repeat("y", 32)} {
		for _, inc := range []uint32{0, 1, 128, 4294967295} {
			g.emit("suspect:bin", mustEncode(suspectMsg, &suspect{Incarnation: inc, Node: n, From: "b"}))
		}
	}
	g.emit("suspect:bin", mustEncode(suspectMsg, &suspect{Incarnation: 1, Node: huge, From: "b"}))
	g.emit("dead:bin", mustEncode(deadMsg, &dead{Incarnation: 5, Node: "a", From: "a"}))
	g.emit("dead:bin", mustEncode(deadMsg, &dead{Incarnation: 70000, Node: "a", From: long}))

	// --- alive ---
	for _, a := range []alive{
		{Incarnation: 1, Node: "a", Addr: v4b, Port: 7946, Vsn: vsn},
		{Incarnation: 1, Node: "a", Addr: net.ParseIP("::1"), Port: 7946, Meta: []byte("m"), Vsn: vsn},
		{Incarnation: 2, Node: "b", Addr: mapped, Port: 0, Meta: []byte{}, Vsn: vsn},
		{Incarnation: 3, Node: "c", Addr: v6, Port: 65535, Meta: pattern(512, 2, 256), Vsn: []uint8{1, 5, 5, 2, 5, 4}},
		{Incarnation: 4, Node: "d"},
	} {
		a := a
		g.emit("alive:bin", mustEncode(aliveMsg, &a))
	}
	for _, a := range []aliveText{
		{Incarnation: 1, Node: "a", Addr: "127.0.0.1", Port: 7946, Vsn: vsn},
		{Incarnation: 9, Node: "b", Addr: "fe80::1:2", Port: 1, Meta: []byte("meta"), Vsn: vsn},
	} {
		a := a
		g.emit("alive:text", mustEncode(aliveMsg, &a))
	}

	// --- weight (fork, type 14) ---
	for _, w := range []weightFork{
		{Incarnation: 1, Node: "a", From: "a", Weight: 5, WeightAt: 1639000000000},
		{Incarnation: 1, Node: "a", From: "a", Weight: 200, WeightAt: 0},
		{Incarnation: 2, Node: "b", From: "b", Weight: -1, WeightAt: -1},
		{Incarnation: 3, Node: "c", From: "c", Weight: -40, WeightAt: -200},
		{Incarnation: 4, Node: "d", From: "d", Weight: -40000, WeightAt: -3000000000},
		{Incarnation: 5, Node: "e", From: "e", Weight: 1 << 40, WeightAt: -(1 << 40)},
	} {
		w := w
		g.emit("weight:bin", mustEncode(weightMsgType, &w))
	}

	// --- push/pull ---
	st := func(name string, addr net.IP, state NodeStateType, meta []byte, v []uint8) interface{} {
		return &pushNodeState{Name: name, Addr: addr, Port: 7946, Meta: meta, Incarnation: 1, State: state, Vsn: v}
	}
	g.emit("pushpull:bin", pushPull(true, []interface{}{st("a", v4b, StateAlive, nil, vsn)}, []byte("US")))
	g.emit("pushpull:bin", pushPull(false, nil, nil))
	g.emit("pushpull:bin", pushPull(false, []interface{}{
		st("a", v4b, StateAlive, nil, vsn), st("b", v6, StateSuspect, []byte("meta"), vsn),
		st("c", mapped, StateDead, []byte{}, vsn), st("x", nil, StateLeft, nil, nil),
	}, pattern(300, 3, 256)))
	many := []interface{}{}
	for i := 0; i < 200; i++ {
		many = append(many, st(fmt.Sprintf("node-%03d", i), net.IP{10, 0, byte(i / 256), byte(i)}, StateAlive, nil, vsn))
	}
	g.emit("pushpull:bin", pushPull(true, many, pattern(70000, 4, 256)))
	g.emit("pushpull:text", pushPull(true, []interface{}{
		&pushNodeStateText{Name: "a", Addr: "127.0.0.1", Port: 7946, Incarnation: 1, Vsn: vsn},
		&pushNodeStateText{Name: "b", Addr: "fe80::1:2", Port: 7947, Incarnation: 2, State: StateDead, Meta: []byte("m"), Vsn: vsn},
	}, nil))

	// --- user messages ---
	for _, u := range [][]byte{[]byte("hey"), pattern(300, 5, 256)} {
		g.emit("userstream:bin", userStream(u))
		g.emit("userpacket:bin", append([]byte{byte(userMsg)}, u...))
	}

	// --- compound ---
	p1 := mustEncode(pingMsg, &ping{SeqNo: 1, Node: "a"})
	s1 := mustEncode(suspectMsg, &suspect{Incarnation: 1, Node: "a", From: "b"})
	a1 := mustEncode(aliveMsg, &alive{Incarnation: 1, Node: "a", Addr: v4b, Port: 7946, Vsn: vsn})
	g.emit("compound:bin", makeCompoundMessage([][]byte{p1, s1}).Bytes())
	g.emit("compound:bin", makeCompoundMessage([][]byte{p1, p1, p1}).Bytes())
	parts := [][]byte{}
	for i := 0; i < 127; i++ {
		parts = append(parts, mustEncode(nackRespMsg, &nackResp{SeqNo: uint32(i * 1000)}))
	}
	g.emit("compound:bin", makeCompoundMessage(parts).Bytes())
	g.emit("compound:bin", makeCompoundMessage([][]byte{a1, append([]byte{byte(userMsg)}, "u"...)}).Bytes())

	// --- crc ---
	for _, m := range [][]byte{p1, makeCompoundMessage([][]byte{p1, s1}).Bytes()} {
		crc := append([]byte{byte(hasCrcMsg), 0, 0, 0, 0}, m...)
		c := crc32.ChecksumIEEE(m)
		crc[1], crc[2], crc[3], crc[4] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
		g.emit("crc:bin", crc)
	}

	// --- compression ---
	pp := pushPull(true, many, pattern(2000, 6, 256))
	for _, m := range [][]byte{p1, a1, pp, append([]byte{byte(userMsg)}, pattern(10000, 7, 256)...),
		append([]byte{byte(userMsg)}, make([]byte, 100000)...), append([]byte{byte(userMsg)}, pattern(30000, 8, 26)...)} {
		buf, err := compressPayload(m)
		if err != nil {
			panic(err)
		}
		g.emit("compress:lzw", buf.Bytes())
	}
	for _, s := range [][]byte{{}, []byte("a"), []byte("testing"), []byte("aaaaaaaa"), pattern(20000, 9, 256), pattern(50000, 10, 4)} {
		var b bytes.Buffer
		w := lzw.NewWriter(&b, lzw.LSB, lzwLitWidth)
		w.Write(s)
		w.Close()
		g.emit("lzw:raw", b.Bytes())
	}

	// --- encryption (fixed nonce) ---
	saved := rand.Reader
	rand.Reader = fixedNonce{}
	defer func() { rand.Reader = saved }()
	crcPing := append([]byte{byte(hasCrcMsg), 0x8a, 0x4f, 0x3e, 0x58}, p1...)
	for _, vsnE := range []encryptionVersion{0, 1} {
		for _, kl := range []int{16, 24, 32} {
			for _, m := range [][]byte{p1, crcPing, makeCompoundMessage([][]byte{p1, s1}).Bytes(), pattern(1000, 11, 256)} {
				var buf bytes.Buffer
				if err := encryptPayload(vsnE, keys[kl], m, nil, &buf); err != nil {
					panic(err)
				}
				g.emit(fmt.Sprintf("packet:v%dk%d", vsnE, kl), buf.Bytes())
			}
			for _, compress := range []bool{false, true} {
				kr, err := NewKeyring(nil, keys[kl])
				if err != nil {
					panic(err)
				}
				pv := uint8(2)
				if vsnE == 0 {
					pv = 1
				}
				m := &Memberlist{config: &Config{ProtocolVersion: pv, Keyring: kr, EnableCompression: compress, GossipVerifyOutgoing: true}}
				name := fmt.Sprintf("stream:v%dk%d", vsnE, kl)
				if compress {
					name += "c"
				}
				for _, msg := range [][]byte{p1, pushPull(false, many[:3], []byte("US")), userStream([]byte("hey"))} {
					conn := &captureConn{}
					if err := m.rawSendMsgStream(conn, msg); err != nil {
						panic(err)
					}
					g.emit(name, conn.buf.Bytes())
				}
			}
		}
	}
	// Unencrypted compressed streams (the default config's push/pull).
	m := &Memberlist{config: &Config{ProtocolVersion: 2, EnableCompression: true}}
	for _, msg := range [][]byte{pushPull(true, many[:1], nil), userStream([]byte("hey"))} {
		conn := &captureConn{}
		if err := m.rawSendMsgStream(conn, msg); err != nil {
			panic(err)
		}
		g.emit("stream:plainc", conn.buf.Bytes())
	}
	return g.out.String()
}

var _ io.Reader = fixedNonce{}
