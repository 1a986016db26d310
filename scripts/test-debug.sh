#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-debug.sh - `make test-debug`: the guest tests and a short chaos run on a debug kernel
# (scripts/debug-kernel.sh: KASAN, lockdep, kmemleak, DEBUG_ATOMIC_SLEEP; built once, cached).
# Any KASAN, lockdep (a "WARNING: possible ... locking" report) or kmemleak report fails: the
# guest runner scans the kernel log after every test and asks kmemleak at the end.
# Not in CI: here the build took 34 min and the guest tests 35 min on 2 cores (see README).
# Environment: TESTS= (guest tests; default all but bpf, which the debug kernel (no BTF) skips),
# CHAOS_MINUTES=3, TIMEOUT=3600 and BUDGET=1200 (the guest, one test: KASAN under TCG is
# slow).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
export GUEST_KERNEL=debug

scripts/deps.sh bison flex bc libssl-dev libelf-dev || exit 1
t0=$(date +%s)
GUEST_KERNEL=debug scripts/kernel.sh >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
echo "test-debug: debug kernel ready in $(($(date +%s) - t0)) s (build time of the cached" \
	"kernel: $(cat .cache/debug-kernel/*/build.time 2>/dev/null || echo ?) s)"

if [ -z "${TESTS:-}" ]; then
	TESTS=$(for t in guest/tests/t_*.sh; do
		n=${t##*/t_}
		n=${n#*_}
		echo "${n%.sh}"
	done | grep -vx bpf | paste -sd, -)
fi
mkdir -p build/test
TESTS=$TESTS SKIP_SMOKE=1 SKIP_GATE=1 SKIP_CHAOS=1 TIMEOUT=${TIMEOUT:-3600} BUDGET=${BUDGET:-1200} scripts/test.sh |
	tee build/test/debug.out
tally=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' build/test/debug.out | tail -n 1)
read -r passed failed <<<"${tally:-0 1}"
# then the chaos run on the same kernel: one more test
if CHAOS_MINUTES=${CHAOS_MINUTES:-3} scripts/chaos.sh; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
