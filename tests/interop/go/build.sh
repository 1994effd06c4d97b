#!/bin/sh
# Builds the Go memberlist peer offline (GOPATH mode, Debian's memberlist
# 0.2.2 from /usr/share/gocode) into tests/interop/go/bin/peer (gitignored).
#
# Usage: tests/interop/go/build.sh [OUTPUT]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/bin/peer"}
case $out in /*) ;; *) out="$PWD/$out" ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# GOPATH mode wants the package under $GOPATH/src.
mkdir -p "$work/src/swiminterop"
cp "$here/peer/main.go" "$work/src/swiminterop/"
mkdir -p "$(dirname "$out")"
cd "$work/src/swiminterop"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" \
  GOCACHE="${GOCACHE:-$here/pkg/gocache}" go build -o "$out" .
echo "built $out"
