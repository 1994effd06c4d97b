#!/usr/bin/env bash
# Runs one scenario through swimsim and passes on its exit code (0 iff every
# checker and [expect] line held). Used by the manual consul_10k target.
set -euo pipefail
exec "$1" --scenario "$2"
