// Command peer is an unmodified Go memberlist 0.2.2 node driven over
// stdin/stdout, for interop tests of the C++ implementation.
//
// It starts one memberlist node from flags, prints one JSON object per line
// on stdout for every membership event and every received user message or
// remote state, and reads commands on stdin, one per line:
//
//	members                    print {"event":"members","members":[...]}
//	join ADDR [ADDR...]        Join; prints {"event":"joined","count":N}
//	leave [TIMEOUT]            Leave (default 5s); prints {"event":"left"}
//	update-meta X              set node meta to X and UpdateNode
//	send NAME MSG...           SendReliable to the named member (TCP)
//	send-best-effort NAME MSG  SendBestEffort to the named member (UDP)
//	broadcast-user X           queue X as a user broadcast (GetBroadcasts)
//	set-state X                what LocalState returns in push/pulls
//	health                     print {"event":"health","score":N}
//	add-key HEX / use-key HEX / remove-key HEX
//	                           keyring operations (needs -key at start);
//	                           print {"event":"key_done","op":...}
//	keys                       print {"event":"keys","keys":[HEX...]}
//	quit                       Shutdown and exit 0
//
// Every event carries name, addr, port, meta, pmin/pmax/pcur and "state".
// Note that "state" is Go's Node.State, which memberlist 0.2.2 fills in as
// alive and never updates (the real state lives in its private nodeState):
// the event kind (join/leave/update) is what tells a departure apart. The
// first line is always the node's own join, then {"event":"ready",...} with
// the bound port.
//
// Errors are printed as {"event":"error","command":...,"error":...}. The
// memberlist log goes to stderr unless -quiet is given.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

var (
	// keyring is the node's keyring when started with -key (memberlist
	// 0.2.2 has no accessor; the Config shares this pointer).
	keyring *memberlist.Keyring

	outMu sync.Mutex
	out   = json.NewEncoder(os.Stdout)
)

// emit prints one JSON line on stdout.
func emit(v map[string]interface{}) {
	outMu.Lock()
	defer outMu.Unlock()
	if err := out.Encode(v); err != nil {
		fmt.Fprintf(os.Stderr, "peer: cannot write stdout: %v\n", err)
		os.Exit(2)
	}
}

func stateName(s memberlist.NodeStateType) string {
	switch s {
	case memberlist.StateAlive:
		return "alive"
	case memberlist.StateSuspect:
		return "suspect"
	case memberlist.StateDead:
		return "dead"
	case memberlist.StateLeft:
		return "left"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

func nodeJSON(n *memberlist.Node) map[string]interface{} {
	return map[string]interface{}{
		"name":  n.Name,
		"addr":  n.Addr.String(),
		"port":  n.Port,
		"state": stateName(n.State),
		"meta":  string(n.Meta),
		"pmin":  n.PMin,
		"pmax":  n.PMax,
		"pcur":  n.PCur,
	}
}

// events turns memberlist's event callbacks into JSON lines.
type events struct{}

func (events) NotifyJoin(n *memberlist.Node)   { emitNode("join", n) }
func (events) NotifyLeave(n *memberlist.Node)  { emitNode("leave", n) }
func (events) NotifyUpdate(n *memberlist.Node) { emitNode("update", n) }

func emitNode(event string, n *memberlist.Node) {
	v := nodeJSON(n)
	v["event"] = event
	emit(v)
}

// broadcast is one user broadcast in the TransmitLimitedQueue.
type broadcast []byte

func (b broadcast) Invalidates(memberlist.Broadcast) bool { return false }
func (b broadcast) Message() []byte                       { return b }
func (b broadcast) Finished()                             {}

// delegate serves node meta, user messages, broadcasts and push/pull state.
type delegate struct {
	mu    sync.Mutex
	meta  []byte
	state []byte
	queue *memberlist.TransmitLimitedQueue
}

func (d *delegate) NodeMeta(limit int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.meta) > limit {
		return d.meta[:limit]
	}
	return append([]byte(nil), d.meta...)
}

func (d *delegate) NotifyMsg(msg []byte) {
	emit(map[string]interface{}{"event": "user_msg", "data": string(msg)})
}

func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.queue.GetBroadcasts(overhead, limit)
}

func (d *delegate) LocalState(join bool) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.state...)
}

func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	if len(buf) == 0 {
		return
	}
	emit(map[string]interface{}{"event": "remote_state", "data": string(buf),
		"join": join})
}

func main() {
	name := flag.String("name", "", "node name (default: hostname)")
	bind := flag.String("bind", "127.0.0.1", "bind address")
	port := flag.Int("port", 0, "bind port (0: kernel picks one)")
	advertise := flag.String("advertise", "", "advertise address")
	join := flag.String("join", "", "comma-separated addresses to join at start")
	keyHex := flag.String("key", "", "secret key in hex (16, 24 or 32 bytes)")
	protocol := flag.Int("protocol-version", int(memberlist.ProtocolVersion2Compatible),
		"protocol version to speak")
	compression := flag.Bool("compression", true, "enable compression")
	profile := flag.String("config", "local", "base config: lan, wan or local")
	probeInterval := flag.Duration("probe-interval", 0, "override ProbeInterval")
	probeTimeout := flag.Duration("probe-timeout", 0, "override ProbeTimeout")
	gossipInterval := flag.Duration("gossip-interval", 0, "override GossipInterval")
	pushPull := flag.Duration("push-pull-interval", 0, "override PushPullInterval")
	suspicionMult := flag.Int("suspicion-mult", 0, "override SuspicionMult")
	meta := flag.String("meta", "", "initial node meta")
	quiet := flag.Bool("quiet", false, "discard memberlist's log")
	flag.Parse()

	var cfg *memberlist.Config
	switch *profile {
	case "lan":
		cfg = memberlist.DefaultLANConfig()
	case "wan":
		cfg = memberlist.DefaultWANConfig()
	case "local":
		cfg = memberlist.DefaultLocalConfig()
	default:
		fmt.Fprintf(os.Stderr, "peer: unknown -config %q\n", *profile)
		os.Exit(2)
	}
	if *name != "" {
		cfg.Name = *name
	}
	cfg.BindAddr = *bind
	cfg.BindPort = *port
	cfg.AdvertisePort = *port
	if *advertise != "" {
		cfg.AdvertiseAddr = *advertise
	}
	cfg.ProtocolVersion = uint8(*protocol)
	cfg.EnableCompression = *compression
	if *keyHex != "" {
		key, err := hex.DecodeString(*keyHex)
		if err != nil {
			fmt.Fprintf(os.Stderr, "peer: bad -key: %v\n", err)
			os.Exit(2)
		}
		ring, err := memberlist.NewKeyring(nil, key)
		if err != nil {
			fmt.Fprintf(os.Stderr, "peer: bad -key: %v\n", err)
			os.Exit(2)
		}
		cfg.Keyring = ring
		keyring = ring
	}
	if *probeInterval > 0 {
		cfg.ProbeInterval = *probeInterval
	}
	if *probeTimeout > 0 {
		cfg.ProbeTimeout = *probeTimeout
	}
	if *gossipInterval > 0 {
		cfg.GossipInterval = *gossipInterval
	}
	if *pushPull > 0 {
		cfg.PushPullInterval = *pushPull
	}
	if *suspicionMult > 0 {
		cfg.SuspicionMult = *suspicionMult
	}
	if *quiet {
		cfg.LogOutput = io.Discard
	} else {
		cfg.Logger = log.New(os.Stderr, "["+cfg.Name+"] ", log.LstdFlags|log.Lmicroseconds)
	}

	d := &delegate{meta: []byte(*meta)}
	cfg.Delegate = d
	cfg.Events = events{}

	list, err := memberlist.Create(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "peer: create: %v\n", err)
		os.Exit(1)
	}
	d.queue = &memberlist.TransmitLimitedQueue{
		NumNodes:       list.NumMembers,
		RetransmitMult: cfg.RetransmitMult,
	}
	self := list.LocalNode()
	emit(map[string]interface{}{"event": "ready", "name": self.Name,
		"addr": self.Addr.String(), "port": self.Port})

	if *join != "" {
		n, err := list.Join(strings.Split(*join, ","))
		if err != nil {
			emit(map[string]interface{}{"event": "error", "command": "join",
				"error": err.Error()})
		} else {
			emit(map[string]interface{}{"event": "joined", "count": n})
		}
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<20)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		if quit := command(list, d, line); quit {
			break
		}
	}
	list.Shutdown()
	emit(map[string]interface{}{"event": "shutdown"})
}

func findMember(list *memberlist.Memberlist, name string) *memberlist.Node {
	for _, n := range list.Members() {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// command runs one stdin line; returns true to quit.
func command(list *memberlist.Memberlist, d *delegate, line string) bool {
	verb, rest := line, ""
	if i := strings.IndexByte(line, ' '); i >= 0 {
		verb, rest = line[:i], strings.TrimSpace(line[i+1:])
	}
	fail := func(err error) {
		emit(map[string]interface{}{"event": "error", "command": verb,
			"error": err.Error()})
	}
	switch verb {
	case "members":
		var ms []map[string]interface{}
		for _, n := range list.Members() {
			ms = append(ms, nodeJSON(n))
		}
		emit(map[string]interface{}{"event": "members", "members": ms,
			"alive": list.NumMembers()})
	case "join":
		n, err := list.Join(strings.Fields(rest))
		if err != nil {
			fail(err)
			return false
		}
		emit(map[string]interface{}{"event": "joined", "count": n})
	case "leave":
		timeout := 5 * time.Second
		if rest != "" {
			t, err := time.ParseDuration(rest)
			if err != nil {
				fail(err)
				return false
			}
			timeout = t
		}
		if err := list.Leave(timeout); err != nil {
			fail(err)
			return false
		}
		emit(map[string]interface{}{"event": "left"})
	case "update-meta":
		d.mu.Lock()
		d.meta = []byte(rest)
		d.mu.Unlock()
		if err := list.UpdateNode(5 * time.Second); err != nil {
			fail(err)
			return false
		}
		emit(map[string]interface{}{"event": "meta_updated", "meta": rest})
	case "send", "send-best-effort":
		parts := strings.SplitN(rest, " ", 2)
		if len(parts) != 2 {
			fail(fmt.Errorf("usage: %s NAME MSG", verb))
			return false
		}
		to := findMember(list, parts[0])
		if to == nil {
			fail(fmt.Errorf("no member named %q", parts[0]))
			return false
		}
		var err error
		if verb == "send" {
			err = list.SendReliable(to, []byte(parts[1]))
		} else {
			err = list.SendBestEffort(to, []byte(parts[1]))
		}
		if err != nil {
			fail(err)
			return false
		}
		emit(map[string]interface{}{"event": "sent", "to": parts[0]})
	case "broadcast-user":
		d.queue.QueueBroadcast(broadcast(rest))
		emit(map[string]interface{}{"event": "queued"})
	case "set-state":
		d.mu.Lock()
		d.state = []byte(rest)
		d.mu.Unlock()
		emit(map[string]interface{}{"event": "state_set"})
	case "health":
		emit(map[string]interface{}{"event": "health",
			"score": list.GetHealthScore()})
	case "add-key", "use-key", "remove-key":
		ring := keyring
		if ring == nil {
			fail(fmt.Errorf("no keyring: start with -key"))
			return false
		}
		key, err := hex.DecodeString(rest)
		if err != nil {
			fail(err)
			return false
		}
		switch verb {
		case "add-key":
			err = ring.AddKey(key)
		case "use-key":
			err = ring.UseKey(key)
		default:
			err = ring.RemoveKey(key)
		}
		if err != nil {
			fail(err)
			return false
		}
		emit(map[string]interface{}{"event": "key_done", "op": verb})
	case "keys":
		ring := keyring
		var keys []string
		if ring != nil {
			for _, k := range ring.GetKeys() {
				keys = append(keys, hex.EncodeToString(k))
			}
		}
		emit(map[string]interface{}{"event": "keys", "keys": keys})
	case "quit":
		return true
	default:
		fail(fmt.Errorf("unknown command"))
	}
	return false
}
