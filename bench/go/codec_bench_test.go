// Go counterpart of bench/codec_benchmark.cc: the same operations on the
// same inputs, through memberlist 0.2.2's own (unexported) helpers. Compiled
// inside a copy of Debian's memberlist package by bench/codec_compare.sh.
package memberlist

import (
	"bytes"
	"fmt"
	"net"
	"testing"

	"github.com/hashicorp/go-msgpack/codec"
)

func benchPing() *ping {
	return &ping{SeqNo: 300, Node: "node-b", SourceAddr: net.IP{10, 0, 0, 1}, SourcePort: 7946, SourceNode: "node-a"}
}

func benchAlive() *alive {
	return &alive{Incarnation: 1, Node: "node-a", Addr: net.IP{10, 0, 0, 1}, Port: 7946,
		Meta: bytes.Repeat([]byte{'m'}, 32), Vsn: []uint8{1, 5, 2, 0, 0, 0}}
}

func benchStates() []pushNodeState {
	var s []pushNodeState
	for i := 0; i < 100; i++ {
		s = append(s, pushNodeState{Name: fmt.Sprintf("node-%03d", i), Addr: net.IP{10, 0, 0, byte(i)},
			Port: 7946, Incarnation: 1, State: StateAlive, Vsn: []uint8{1, 5, 2, 0, 0, 0}})
	}
	return s
}

// encodePushPull is sendLocalState's encoding.
func encodePushPull(states []pushNodeState) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(byte(pushPullMsg))
	hd := codec.MsgpackHandle{}
	enc := codec.NewEncoder(buf, &hd)
	header := pushPullHeader{Nodes: len(states), Join: true}
	enc.Encode(&header)
	for i := range states {
		enc.Encode(&states[i])
	}
	return buf.Bytes()
}

// decodePushPull is readRemoteState's decoding.
func decodePushPull(b []byte) []pushNodeState {
	hd := codec.MsgpackHandle{}
	dec := codec.NewDecoder(bytes.NewReader(b), &hd)
	var header pushPullHeader
	dec.Decode(&header)
	nodes := make([]pushNodeState, header.Nodes)
	for i := range nodes {
		dec.Decode(&nodes[i])
	}
	return nodes
}

func BenchmarkEncodePing(b *testing.B) {
	p := benchPing()
	for i := 0; i < b.N; i++ {
		encode(pingMsg, p)
	}
}

func BenchmarkDecodePing(b *testing.B) {
	buf, _ := encode(pingMsg, benchPing())
	body := buf.Bytes()[1:]
	for i := 0; i < b.N; i++ {
		var p ping
		decode(body, &p)
	}
}

func BenchmarkEncodeAlive(b *testing.B) {
	a := benchAlive()
	for i := 0; i < b.N; i++ {
		encode(aliveMsg, a)
	}
}

func BenchmarkDecodeAlive(b *testing.B) {
	buf, _ := encode(aliveMsg, benchAlive())
	body := buf.Bytes()[1:]
	for i := 0; i < b.N; i++ {
		var a alive
		decode(body, &a)
	}
}

func BenchmarkEncodePushPull100(b *testing.B) {
	s := benchStates()
	for i := 0; i < b.N; i++ {
		encodePushPull(s)
	}
}

func BenchmarkDecodePushPull100(b *testing.B) {
	body := encodePushPull(benchStates())[1:]
	for i := 0; i < b.N; i++ {
		decodePushPull(body)
	}
}

func compoundParts() [][]byte {
	buf, _ := encode(aliveMsg, benchAlive())
	parts := make([][]byte, 20)
	for i := range parts {
		parts[i] = buf.Bytes()
	}
	return parts
}

func BenchmarkMakeCompound20(b *testing.B) {
	parts := compoundParts()
	for i := 0; i < b.N; i++ {
		makeCompoundMessage(parts)
	}
}

func BenchmarkDecodeCompound20(b *testing.B) {
	c := makeCompoundMessage(compoundParts()).Bytes()[1:]
	for i := 0; i < b.N; i++ {
		decodeCompoundMessage(c)
	}
}

func BenchmarkCompressLzwPushPull100(b *testing.B) {
	msg := encodePushPull(benchStates())
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		compressPayload(msg)
	}
}

func BenchmarkDecompressLzwPushPull100(b *testing.B) {
	msg := encodePushPull(benchStates())
	c, _ := compressPayload(msg)
	body := c.Bytes()[1:]
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		decompressPayload(body)
	}
}

// A gossip-sized packet: a compound of 5 alive messages.
func smallCompound() []byte {
	return makeCompoundMessage(compoundParts()[:5]).Bytes()
}

func BenchmarkCompressLzwCompound5(b *testing.B) {
	msg := smallCompound()
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		compressPayload(msg)
	}
}

func BenchmarkDecompressLzwCompound5(b *testing.B) {
	msg := smallCompound()
	c, _ := compressPayload(msg)
	body := c.Bytes()[1:]
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		decompressPayload(body)
	}
}

var benchKey = []byte("0123456789abcdef")

func BenchmarkAesGcmSeal1K(b *testing.B) {
	msg := bytes.Repeat([]byte{0x5a}, 1024)
	b.SetBytes(1024)
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		encryptPayload(1, benchKey, msg, nil, &buf)
	}
}

func BenchmarkAesGcmOpen1K(b *testing.B) {
	msg := bytes.Repeat([]byte{0x5a}, 1024)
	var buf bytes.Buffer
	encryptPayload(1, benchKey, msg, nil, &buf)
	blob := buf.Bytes()
	keys := [][]byte{benchKey}
	b.SetBytes(1024)
	for i := 0; i < b.N; i++ {
		cp := append([]byte(nil), blob...) // decryptPayload works in place
		decryptPayload(keys, cp, nil)
	}
}
