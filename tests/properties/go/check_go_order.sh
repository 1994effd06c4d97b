#!/bin/sh
# Runs Go memberlist 0.2.2's aliveNode/suspectNode/deadNode on the orders
# pinned by tests/properties (GoOrderDependence.*) and checks that Go ends
# in the same states as our core. Needs Go and /usr/share/gocode (Debian's
# golang-github-hashicorp-memberlist-dev). Binds 127.0.0.x sockets.
# Usage: tests/properties/go/check_go_order.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/github.com/hashicorp"
cp -r /usr/share/gocode/src/github.com/hashicorp/memberlist "$work/src/github.com/hashicorp/"
cp "$here/order_check_test.go" "$work/src/github.com/hashicorp/memberlist/zz_order_check_test.go"
cd "$work/src/github.com/hashicorp/memberlist"
got=$(GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="$work/cache" \
  go test -v -run TestOrderDependenceVerify -count=1 . 2>&1 | grep -E '^[0-9]' )
# State numbers: 0 alive, 1 suspect, 2 dead, 3 left. Cases 1..7 are, in
# order, GoOrderDependence.{SecondAccusationDoesNotRaiseIncarnation,
# AccusationBeforeIntroductionIsDropped, DeadAndLeftAtOneIncarnationFirstWins,
# AccusedMemberKeepsTheMetaThatCameFirst, CompoundIsASequenceNotAMessage,
# LeftNameReclaimedAtLowerIncarnation, AliveAtIncarnationZeroLeavesADeadStub}.
want='1a 0@2 meta=m2 ip=10.0.0.1
1b 1@3 meta=m1 ip=10.0.0.1
2a 2@2 meta=m1 ip=10.0.0.1
2b 0@1 meta=m1 ip=10.0.0.1
3a 2@2 meta=m1 ip=10.0.0.1
3b 3@2 meta=m1 ip=10.0.0.1
4a 1@3 meta=m2 ip=10.0.0.1
4b 1@3 meta=m1 ip=10.0.0.1
5a 0@1 meta=m1 ip=10.0.0.1
5b 1@3 meta=m1 ip=10.0.0.1
6 0@1 meta=m1 ip=10.0.1.1
7 stub 2@0 meta=m0 ip=10.0.0.1'
if [ "$got" = "$want" ]; then
  echo "Go 0.2.2 agrees with the pinned order dependences."
else
  echo "MISMATCH. Go printed:"; echo "$got"; echo "expected:"; echo "$want"; exit 1
fi
