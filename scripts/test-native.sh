#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-native.sh - `make test NATIVE=1`: the guest tests (guest/run.sh) on the running kernel of
# a board instead of in the QEMU guest. Builds kmod/ against /lib/modules/$(uname -r)/build and
# bpf/, then runs guest/run.sh here with KMOD= and BPF_DIR= pointing into the checkout; the
# tests insmod / rmmod the modules themselves. Needs root. TAP in build/test/native.tap, the
# last line is "N passed, N failed, N skipped" (exit status non-zero on a failure or on a
# test that never reported).
#   TESTS=probe,blk   a subset (guest/tests/t_NN_<name>.sh)
#   TIMEOUT=seconds   for the whole run (default 1800)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LOG=build/test
TAP=$LOG/native.tap
TIMEOUT=${TIMEOUT:-1800}

say() { printf '[test-native] %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || {
	say "needs root (insmod, netns, dmesg -c)"
	exit 1
}
mkdir -p "$LOG"
kver=$(uname -r)
[ -r "/lib/modules/$kver/build/Makefile" ] || {
	say "no headers for the running kernel $kver (linux-headers-$kver)"
	exit 1
}
say "building kmod/ for $kver"
make -s -C kmod >"$LOG/native-build.log" 2>&1 || {
	tail -n 20 "$LOG/native-build.log" >&2
	say "building kmod/ failed"
	exit 1
}
# the bpf test skips (and says so) without the tools
make -s -C bpf >>"$LOG/native-build.log" 2>&1 || say "building bpf/ failed: the bpf test will skip"

say "running guest/run.sh ${TESTS:-(all)} on $kver (TAP: $TAP)"
rc=0
GUEST_DIR=$ROOT/guest KMOD=$ROOT/kmod BPF_DIR=$ROOT/bpf \
	timeout "$TIMEOUT" sh guest/run.sh "${TESTS:-}" >"$TAP" 2>&1 || rc=$?
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$TAP" | head -n 1)
skip=$(grep -Ec '^ok [0-9]+ - .* # SKIP' "$TAP" || true)
pass=$(($(grep -c '^ok ' "$TAP" || true) - skip))
fail=$(grep -c '^not ok ' "$TAP" || true)
grep -E '^(not )?ok ' "$TAP" >&2 || true
if [ -z "$plan" ] || [ $((pass + fail + skip)) != "$plan" ]; then
	say "only $((pass + fail + skip)) of ${plan:-?} tests reported (run.sh rc $rc)"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
