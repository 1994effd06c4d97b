// Go memberlist 0.2.2 side of bench/run_all.sh's loopback measurements: one
// process hosts N memberlist instances on 127.0.0.1 (kernel-chosen ports)
// and prints one JSON object per measurement on stdout. The C++ side is
// bench/loopback_probe.cc; both measure the same things the same way.
//
//	massjoin -n N -cap D: every node joins node 0 at once (one goroutine
//	  each); time from the first Join call until every node lists N members.
//	detect -n N -crashes K: after convergence, K times: shut one node down
//	  without leaving; time until the first / every other node drops it from
//	  Members().
//	idle -n N -t D: join one after another, converge, settle, then CPU
//	  seconds, payload bytes and packets sent per node per second over D,
//	  and RSS growth per node.
//	member -i I [-join ADDR]: this process is one member, node-I (local
//	  config), for bench/fidelity's real-process cluster: prints "ready"
//	  with its port, then a line per join/leave event, and every 250 ms a
//	  "stats" line with the payload bytes it has sent; runs until killed.
//
// Bytes and packets are counted in a wrapper around memberlist's own
// NetTransport (UDP WriteTo*, and writes on every TCP connection, dialed
// or accepted), i.e. memberlist payload bytes without IP/UDP/TCP headers.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

var (
	udpBytes, udpPackets, tcpBytes int64
)

type countingConn struct{ net.Conn }

func (c countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	atomic.AddInt64(&tcpBytes, int64(n))
	return n, err
}

type countingTransport struct {
	*memberlist.NetTransport
	streams chan net.Conn
}

func (t *countingTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	atomic.AddInt64(&udpBytes, int64(len(b)))
	atomic.AddInt64(&udpPackets, 1)
	return t.NetTransport.WriteTo(b, addr)
}

func (t *countingTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	atomic.AddInt64(&udpBytes, int64(len(b)))
	atomic.AddInt64(&udpPackets, 1)
	return t.NetTransport.WriteToAddress(b, a)
}

func (t *countingTransport) DialTimeout(addr string, d time.Duration) (net.Conn, error) {
	c, err := t.NetTransport.DialTimeout(addr, d)
	if err != nil {
		return nil, err
	}
	return countingConn{c}, nil
}

func (t *countingTransport) DialAddressTimeout(a memberlist.Address, d time.Duration) (net.Conn, error) {
	c, err := t.NetTransport.DialAddressTimeout(a, d)
	if err != nil {
		return nil, err
	}
	return countingConn{c}, nil
}

func (t *countingTransport) StreamCh() <-chan net.Conn { return t.streams }

// memberEvents, when set, receives the events of nodes made by newNode.
var memberEvents memberlist.EventDelegate

func newNode(i int, profile string) (*memberlist.Memberlist, error) {
	var cfg *memberlist.Config
	if profile == "lan" {
		cfg = memberlist.DefaultLANConfig()
	} else {
		cfg = memberlist.DefaultLocalConfig()
	}
	cfg.Name = fmt.Sprintf("node-%d", i)
	logger := log.New(io.Discard, "", 0)
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{"127.0.0.1"}, BindPort: 0, Logger: logger})
	if err != nil {
		return nil, err
	}
	ct := &countingTransport{NetTransport: nt, streams: make(chan net.Conn)}
	go func() {
		for c := range nt.StreamCh() {
			ct.streams <- countingConn{c}
		}
	}()
	port := nt.GetAutoBindPort()
	cfg.BindAddr = "127.0.0.1"
	cfg.BindPort = port
	cfg.AdvertisePort = port
	cfg.Transport = ct
	cfg.Logger = logger
	cfg.Events = memberEvents
	return memberlist.Create(cfg)
}

func newNodes(n int, profile string) []*memberlist.Memberlist {
	nodes := make([]*memberlist.Memberlist, n)
	for i := range nodes {
		m, err := newNode(i, profile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "create node %d: %v\n", i, err)
			os.Exit(1)
		}
		nodes[i] = m
	}
	return nodes
}

func seed(m *memberlist.Memberlist) string {
	n := m.LocalNode()
	return fmt.Sprintf("%s:%d", n.Addr, n.Port)
}

// joinAll starts every join at once; returns when all returned.
// joinAll: every node but node 0 joins node 0 at once. A failed join is
// retried at once, up to three attempts, as loopback_probe's JoinAll does.
func joinAll(nodes []*memberlist.Memberlist) {
	var wg sync.WaitGroup
	var failures int64
	s := seed(nodes[0])
	for _, m := range nodes[1:] {
		wg.Add(1)
		go func(m *memberlist.Memberlist) {
			defer wg.Done()
			for attempt := 0; attempt < 3; attempt++ {
				if _, err := m.Join([]string{s}); err == nil {
					return
				}
				atomic.AddInt64(&failures, 1)
			}
		}(m)
	}
	wg.Wait()
	if failures > 0 {
		fmt.Fprintf(os.Stderr, "%d joins failed and were retried\n", failures)
	}
}

func converged(nodes []*memberlist.Memberlist, want int) bool {
	for _, m := range nodes {
		if m.NumMembers() != want {
			return false
		}
	}
	return true
}

// waitConverged polls every 20 ms; the time it took, or false at the cap.
func waitConverged(nodes []*memberlist.Memberlist, want int, start time.Time, cap time.Duration) (time.Duration, bool) {
	for {
		if converged(nodes, want) {
			return time.Since(start), true
		}
		if time.Since(start) > cap {
			return time.Since(start), false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func shutdownAll(nodes []*memberlist.Memberlist) {
	var wg sync.WaitGroup
	for _, m := range nodes {
		if m == nil {
			continue
		}
		wg.Add(1)
		go func(m *memberlist.Memberlist) { defer wg.Done(); m.Shutdown() }(m)
	}
	wg.Wait()
}

func emit(v map[string]interface{}) {
	v["impl"] = "go"
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

// cpuSeconds is this process's utime+stime from /proc/self/stat.
func cpuSeconds() float64 {
	b, _ := os.ReadFile("/proc/self/stat")
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100.0 // USER_HZ
}

func rssBytes() float64 {
	f, _ := os.Open("/proc/self/status")
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(sc.Text())[1], 64)
			return kb * 1024
		}
	}
	return 0
}

func main() {
	mode := flag.String("mode", "massjoin", "massjoin | detect | idle")
	n := flag.Int("n", 10, "nodes")
	capD := flag.Duration("cap", 90*time.Second, "massjoin: give up after this long")
	crashes := flag.Int("crashes", 3, "detect: crashes to time")
	idleT := flag.Duration("t", 20*time.Second, "idle: measurement window")
	settle := flag.Duration("settle", 5*time.Second, "idle: wait after convergence")
	index := flag.Int("i", 0, "member: this member's index (name node-I)")
	joinAddr := flag.String("join", "", "member: address to join")
	joinCap := flag.Duration("joincap", 60*time.Second, "idle: give up converging after this long")
	flag.Parse()

	switch *mode {
	case "member":
		runMember(*index, *joinAddr)
	case "massjoin":
		// Local config, as loopback_probe; SWIM_PROBE_LAN=1: LAN config.
		profile := "local"
		if os.Getenv("SWIM_PROBE_LAN") != "" {
			profile = "lan"
		}
		nodes := newNodes(*n, profile)
		start := time.Now()
		go joinAll(nodes)
		d, ok := waitConverged(nodes, *n, start, *capD)
		emit(map[string]interface{}{"kind": "massjoin", "n": *n, "seconds": d.Seconds(), "converged": ok,
			"cap": capD.Seconds()})
		shutdownAll(nodes)
	case "detect":
		nodes := newNodes(*n, "local")
		start := time.Now()
		joinAll(nodes)
		if _, ok := waitConverged(nodes, *n, start, 60*time.Second); !ok {
			fmt.Fprintln(os.Stderr, "detect: cluster did not converge")
			os.Exit(1)
		}
		time.Sleep(2 * time.Second)
		alive := append([]*memberlist.Memberlist(nil), nodes...)
		for k := 0; k < *crashes; k++ {
			victim := alive[len(alive)-1]
			alive = alive[:len(alive)-1]
			name := victim.LocalNode().Name
			t0 := time.Now()
			victim.Shutdown()
			first := -1.0
			var all float64
			seen := make([]bool, len(alive))
			left := len(alive)
			for left > 0 && time.Since(t0) < 60*time.Second {
				for i, m := range alive {
					if seen[i] {
						continue
					}
					has := false
					for _, mem := range m.Members() {
						if mem.Name == name {
							has = true
							break
						}
					}
					if !has {
						seen[i] = true
						left--
						if first < 0 {
							first = time.Since(t0).Seconds()
						}
					}
				}
				if left == 0 {
					all = time.Since(t0).Seconds()
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			emit(map[string]interface{}{"kind": "detect", "n": *n, "crash": k, "first": first, "all": all,
				"agreed": left == 0})
			time.Sleep(1 * time.Second)
		}
		shutdownAll(alive)
	case "idle":
		runtime.GC()
		rss0 := rssBytes()
		nodes := newNodes(*n, "lan")
		start := time.Now()
		// One join after another: the idle cost is measured after the
		// cluster settled, and Go does not converge from a 200-node join
		// storm (see massjoin) within minutes.
		for _, m := range nodes[1:] {
			m.Join([]string{seed(nodes[0])})
		}
		if _, ok := waitConverged(nodes, *n, start, *joinCap); !ok {
			fmt.Fprintln(os.Stderr, "idle: cluster did not converge")
			os.Exit(1)
		}
		time.Sleep(*settle)
		c0, ub0, up0, tb0 := cpuSeconds(), atomic.LoadInt64(&udpBytes), atomic.LoadInt64(&udpPackets), atomic.LoadInt64(&tcpBytes)
		t0 := time.Now()
		time.Sleep(*idleT)
		el := time.Since(t0).Seconds()
		c1, ub1, up1, tb1 := cpuSeconds(), atomic.LoadInt64(&udpBytes), atomic.LoadInt64(&udpPackets), atomic.LoadInt64(&tcpBytes)
		rss1 := rssBytes()
		nf := float64(*n)
		emit(map[string]interface{}{"kind": "idle", "n": *n, "window": el,
			"cpu_per_node":       (c1 - c0) / el / nf,
			"bytes_per_node":     float64(ub1-ub0+tb1-tb0) / el / nf,
			"tcp_bytes_per_node": float64(tb1-tb0) / el / nf,
			"packets_per_node":   float64(up1-up0) / el / nf,
			"rss_per_node":       (rss1 - rss0) / nf, "rss0": rss0, "rss": rss1})
		shutdownAll(nodes)
	default:
		fmt.Fprintf(os.Stderr, "unknown -mode %q\n", *mode)
		os.Exit(2)
	}
}

// memberLog prints a member's events as JSON lines (the fidelity harness
// stamps them as they arrive).
type memberLog struct{}

func (memberLog) NotifyJoin(n *memberlist.Node) {
	emit(map[string]interface{}{"event": "join", "name": n.Name})
}
func (memberLog) NotifyLeave(n *memberlist.Node) {
	emit(map[string]interface{}{"event": "leave", "name": n.Name})
}
func (memberLog) NotifyUpdate(n *memberlist.Node) {}

func runMember(i int, join string) {
	memberEvents = memberLog{}
	m, err := newNode(i, "local")
	if err != nil {
		fmt.Fprintf(os.Stderr, "member %d: %v\n", i, err)
		os.Exit(1)
	}
	emit(map[string]interface{}{"event": "ready", "name": m.LocalNode().Name,
		"port": m.LocalNode().Port})
	if join != "" {
		if _, err := m.Join([]string{join}); err != nil {
			emit(map[string]interface{}{"event": "join_failed", "error": err.Error()})
		}
	}
	for {
		time.Sleep(250 * time.Millisecond)
		emit(map[string]interface{}{"event": "stats",
			"bytes": atomic.LoadInt64(&udpBytes) + atomic.LoadInt64(&tcpBytes)})
	}
}
