// Go 0.2.2's own state machine on the inputs that tests/properties pins as
// "GoOrderDependence": proof that the weaker merge laws are Go's behaviour,
// not ours. Not built by Bazel: check_go_order.sh copies the Go package into
// a scratch GOPATH, drops this file in (it needs package-internal access to
// aliveNode/suspectNode/deadNode) and compares the printed lines.
package memberlist

import (
	"fmt"
	"testing"
)

type step func(m *Memberlist)

func al(node string, inc uint32, meta string, ip byte) step {
	return func(m *Memberlist) {
		a := alive{Node: node, Addr: []byte{10, 0, ip, 1}, Port: 7946, Incarnation: inc, Meta: []byte(meta), Vsn: m.config.BuildVsnArray()}
		m.aliveNode(&a, nil, false)
	}
}
func su(node string, inc uint32) step {
	return func(m *Memberlist) { m.suspectNode(&suspect{Node: node, Incarnation: inc, From: "x"}) }
}
func de(node string, inc uint32, from string) step {
	return func(m *Memberlist) { m.deadNode(&dead{Node: node, Incarnation: inc, From: from}) }
}

func run(t *testing.T, steps ...step) string {
	m := GetMemberlist(t, nil)
	defer m.Shutdown()
	for _, s := range steps {
		s(m)
	}
	st := m.nodeMap["a"]
	if st == nil {
		return "absent"
	}
	return fmt.Sprintf("%v@%d meta=%s ip=%v", st.State, st.Incarnation, string(st.Meta), st.Addr)
}

func TestOrderDependenceVerify(t *testing.T) {
	intro := al("a", 1, "m1", 0)
	fmt.Println("1a", run(t, intro, su("a", 1), su("a", 3), al("a", 2, "m2", 0)))
	fmt.Println("1b", run(t, intro, su("a", 3), su("a", 1), al("a", 2, "m2", 0)))
	fmt.Println("2a", run(t, al("a", 1, "m1", 0), de("a", 2, "x")))
	fmt.Println("2b", run(t, de("a", 2, "x"), al("a", 1, "m1", 0)))
	fmt.Println("3a", run(t, intro, de("a", 2, "x"), de("a", 2, "a")))
	fmt.Println("3b", run(t, intro, de("a", 2, "a"), de("a", 2, "x")))
	fmt.Println("4a", run(t, intro, al("a", 2, "m2", 0), su("a", 3)))
	fmt.Println("4b", run(t, intro, su("a", 3), al("a", 2, "m2", 0)))
	c := []step{su("a", 3), al("a", 1, "m1", 0)}
	fmt.Println("5a", run(t, c...))
	fmt.Println("5b", run(t, append(append([]step{}, c...), c...)...))
	fmt.Println("6", run(t, al("a", 4, "m4", 0), de("a", 4, "a"), al("a", 1, "m1", 1)))
	fmt.Println("7 stub", run(t, al("a", 0, "m0", 0)))
}
