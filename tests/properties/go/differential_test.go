// Replays histories dumped by //tests/properties:go_differential_dump
// through Go memberlist 0.2.2's own state functions (aliveNode, suspectNode,
// deadNode, mergeState: the order our core applies them in, without Go's
// handoff queues) and compares every table entry with the one our core
// ended with. Not built by Bazel: check_go_differential.sh drops it into a
// scratch copy of the Go package (it needs package-internal access).
package memberlist

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
)

type dMsg struct {
	Kind string  `json:"kind"`
	Node string  `json:"node"`
	Inc  uint32  `json:"inc"`
	From string  `json:"from"`
	Addr int     `json:"addr"`
	Meta *string `json:"meta"`
}

type dDelivery struct {
	Via  string `json:"via"`
	Msgs []dMsg `json:"msgs"`
}

type dEntry struct {
	State int    `json:"state"`
	Inc   uint32 `json:"inc"`
	Meta  string `json:"meta"`
	Addr  string `json:"addr"`
}

type dCase struct {
	Deliveries  []dDelivery       `json:"deliveries"`
	Incarnation uint32            `json:"incarnation"`
	Table       map[string]dEntry `json:"table"`
}

var pool = []string{"a", "b", "self", "c", "d"}

func nameIndex(n string) int {
	for i, p := range pool {
		if p == n {
			return i
		}
	}
	return 200
}

// The generators' AddressOf; "self" at variant 0 is the Go node itself.
func addrOf(m *Memberlist, node string, variant int) ([]byte, uint16) {
	host := byte(nameIndex(node) + 1)
	switch variant {
	case 1:
		return []byte{10, 0, 1, host}, 7946
	case 2:
		return []byte{10, 0, 0, host}, 7947
	}
	if node == "self" {
		ip, port, _ := m.transport.FinalAdvertiseAddr(m.config.AdvertiseAddr, m.config.AdvertisePort)
		return ip.To4(), uint16(port)
	}
	return []byte{10, 0, 0, host}, 7946
}

func metaBytes(p *string) []byte {
	if p == nil {
		return nil
	}
	return []byte(*p)
}

func apply(m *Memberlist, msg dMsg) {
	switch msg.Kind {
	case "alive":
		ip, port := addrOf(m, msg.Node, msg.Addr)
		a := alive{Node: msg.Node, Addr: ip, Port: port, Incarnation: msg.Inc,
			Meta: metaBytes(msg.Meta), Vsn: m.config.BuildVsnArray()}
		m.aliveNode(&a, nil, false)
	case "suspect":
		m.suspectNode(&suspect{Node: msg.Node, Incarnation: msg.Inc, From: msg.From})
	case "dead", "left":
		m.deadNode(&dead{Node: msg.Node, Incarnation: msg.Inc, From: msg.From})
	}
}

func reset(m *Memberlist) {
	m.nodeLock.Lock()
	for _, s := range m.nodeTimers {
		s.timer.Stop()
	}
	m.nodes = nil
	m.nodeMap = make(map[string]*nodeState)
	m.nodeTimers = make(map[string]*suspicion)
	m.numNodes = 0
	m.incarnation = 0
	m.nodeLock.Unlock()
	m.broadcasts.Reset()
	if err := m.setAlive(); err != nil {
		panic(err)
	}
}

func TestDifferentialAgainstCore(t *testing.T) {
	path := os.Getenv("SWIM_DIFF_FILE")
	if path == "" {
		t.Skip("SWIM_DIFF_FILE not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := GetMemberlist(t, func(c *Config) { c.Name = "self" })
	defer m.Shutdown()
	selfIP, selfPort := addrOf(m, "self", 0)
	selfAddr := net.JoinHostPort(net.IP(selfIP).String(), strconv.Itoa(int(selfPort)))

	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	cases, mismatches := 0, 0
	for sc.Scan() {
		var c dCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases++
		reset(m)
		for _, d := range c.Deliveries {
			if d.Via == "pushpull" {
				var remote []pushNodeState
				for _, msg := range d.Msgs {
					variant := msg.Addr
					if msg.Kind != "alive" {
						variant = 0
					}
					ip, port := addrOf(m, msg.Node, variant)
					st := map[string]NodeStateType{"alive": StateAlive, "suspect": StateSuspect,
						"dead": StateDead, "left": StateLeft}[msg.Kind]
					var meta []byte
					if msg.Kind == "alive" {
						meta = metaBytes(msg.Meta)
					}
					remote = append(remote, pushNodeState{Name: msg.Node, Addr: ip, Port: port,
						Meta: meta, Incarnation: msg.Inc, State: st, Vsn: m.config.BuildVsnArray()})
				}
				m.mergeState(remote)
				continue
			}
			for _, msg := range d.Msgs {
				apply(m, msg)
			}
		}
		got := map[string]dEntry{}
		m.nodeLock.RLock()
		for _, n := range m.nodes {
			addr := net.JoinHostPort(net.IP(n.Addr).String(), strconv.Itoa(int(n.Port)))
			if addr == selfAddr {
				addr = "10.0.0.3:7946" // our core's address for "self"
			}
			got[n.Name] = dEntry{State: int(n.State), Inc: n.Incarnation, Meta: string(n.Meta), Addr: addr}
		}
		inc := m.incarnation
		m.nodeLock.RUnlock()
		bad := len(got) != len(c.Table) || inc != c.Incarnation
		for name, want := range c.Table {
			if got[name] != want {
				bad = true
			}
		}
		if bad {
			mismatches++
			if mismatches <= 5 {
				line, _ := json.Marshal(c.Deliveries)
				t.Errorf("case %d differs:\n deliveries %s\n core: inc %d %v\n go:   inc %d %v",
					cases, line, c.Incarnation, c.Table, inc, got)
			}
		}
	}
	fmt.Printf("differential: %d cases, %d mismatches\n", cases, mismatches)
}
