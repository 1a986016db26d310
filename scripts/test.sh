#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test.sh - `make test`: set up, then run every test and end with "N passed, N failed".
#
#   host:  kmod build (W=1) and `make check` (checkpatch + sparse), wire-format unit tests
#          (cmocka, ASan+UBSan) and a bounded libFuzzer run, bench/ unit tests, bpf tools
#          build, clang-format of the userspace C, shellcheck of scripts/ and guest/
#   guest: guest/tests/t_*.sh in a QEMU microvm (Debian's kernel, our modules), each test
#          reported back over the serial console, kernel log scanned after each
#   bench: a seconds-long `make bench` smoke (one scenario per transport)
#   gate:  `make gate` with a bus cost injected must fail (the gate's self-test)
# Environment: TESTS=a,b (guest tests to run), FUZZ_SECONDS=20, SKIP_SMOKE=1, SKIP_GATE=1,
# TIMEOUT=900.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
LOG=$ROOT/build/test
# shellcheck source=guest/config.sh
. guest/config.sh
mkdir -p "$LOG"
PASSED=0 FAILED=0
declare -a FAILS=()

t0=$(date +%s)
say() { printf '[test %4ss] %s\n' "$(($(date +%s) - t0))" "$*"; }
result() { # name PASS|FAIL|SKIP [detail]
	case "$2" in
	PASS) PASSED=$((PASSED + 1)) ;;
	FAIL) FAILED=$((FAILED + 1)); FAILS+=("$1") ;;
	esac
	say "$2 $1${3:+ ($3)}"
}
# step NAME CMD...: one test that is the exit status of CMD; output in build/test/NAME.log
step() {
	local name=$1
	shift
	if "$@" >"$LOG/$name.log" 2>&1; then
		result "$name" PASS
		return 0
	fi
	result "$name" FAIL "see $LOG/$name.log"
	tail -n 20 "$LOG/$name.log" | sed 's/^/    | /'
	return 1
}
# counts NAME FILE: add a "passed=N failed=M" file written by a sub-make
counts() {
	local p=0 f=0
	if [ -r "$2" ]; then
		p=$(sed -n 's/.*passed=\([0-9]*\).*/\1/p' "$2")
		f=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' "$2")
	fi
	if [ "${p:-0}" = 0 ] && [ "${f:-0}" = 0 ]; then
		result "$1" FAIL "no test results"
		return
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	[ "$f" = 0 ] || FAILS+=("$1")
	say "$1: $p passed, $f failed"
}

say "setting up (scripts/deps.sh, kernel image)"
scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
eval "$(scripts/kernel.sh)" || { echo "0 passed, 1 failed"; exit 1; }

# ---- host ------------------------------------------------------------------------------------
kmod_ok=0
step kmod-build make -C kmod KDIR="$KDIR" W=1 && kmod_ok=1
step kmod-check make -C kmod KDIR="$KDIR" check
make -C tests/unit test >"$LOG/unit.log" 2>&1
counts unit build/unit.counts
step fuzz make -C tests/fuzz run FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
make -C bench test >"$LOG/bench-unit.log" 2>&1
counts bench-unit build/bench.counts
step bpf-build make -C bpf
step clang-format clang-format --dry-run --Werror bench/*.c bench/*.h bench/tests/*.c \
	tests/unit/*.c tests/fuzz/*.c bpf/*.c bpf/*.h
step shellcheck shellcheck -x -S warning scripts/*.sh guest/*.sh guest/init guest/tests/*.sh \
	.ci/run

# ---- guest -----------------------------------------------------------------------------------
if [ $kmod_ok = 1 ]; then
	make -s -C bench rr-static >/dev/null 2>&1
	initrd=$ROOT/build/initramfs-test.cpio
	if scripts/initramfs.sh --output "$initrd" >"$LOG/initramfs.log" 2>&1; then
		say "booting the test guest (console: $LOG/guest.log)"
		scripts/qemu-run.sh --smp 2 --mem 1024 --timeout "${TIMEOUT:-900}" \
			--initramfs "$initrd" --append "vmsg=test vmsg_tests=${TESTS:-}" -- \
			-blockdev driver=null-co,node-name=tpci,read-zeroes=on,size=67108864 \
			-blockdev driver=null-co,node-name=tmmio,read-zeroes=on,size=67108864 \
			-device virtio-blk-pci,drive=tpci,serial="${SERIAL_TEST}pci" \
			-device virtio-blk-device,drive=tmmio,serial="${SERIAL_TEST}mmio" \
			>"$LOG/guest.log" 2>&1
		qrc=$?
		n=0
		while read -r _ name verdict rest; do
			n=$((n + 1))
			result "guest:$name" "$verdict" "$rest"
		done < <(grep -a '^VMSG-TEST ' "$LOG/guest.log" | tr -d '\r')
		if ! grep -aq '^VMSG-DONE' "$LOG/guest.log"; then
			last=$(grep -a '^VMSG-RUN ' "$LOG/guest.log" | tail -n 1 | cut -d' ' -f2)
			result "guest:${last:-boot}" FAIL "guest did not finish (qemu-run rc $qrc): \
$(tail -n 5 "$LOG/guest.log" | tr '\n' ' ')"
		elif [ $n = 0 ]; then
			result guest FAIL "no test ran"
		fi
	else
		result initramfs FAIL "see $LOG/initramfs.log"
	fi
else
	result guest FAIL "modules did not build"
fi

# ---- bench smoke -----------------------------------------------------------------------------
if [ "${SKIP_SMOKE:-0}" != 1 ]; then
	step bench-smoke env SMOKE=1 RUN_ID=smoke-test scripts/bench.sh
fi

# ---- the gate can fail ------------------------------------------------------------------------
# A 20 us bus cost per message (delay_ns) must make `make gate` fail against the baseline.
if [ "${SKIP_GATE:-0}" != 1 ]; then
	if [ -r results/baseline.json ]; then
		step gate-detects-slowdown env EXPECT=fail \
			LOOP_PARAMS="blk_mb=1024 blk_null=1 net_pairs=1 delay_ns=20000" scripts/gate.sh
	else
		result gate-detects-slowdown FAIL "no results/baseline.json (make gate BASELINE=update)"
	fi
fi

say "done in $(($(date +%s) - t0)) s${FAILS[*]:+; failed: ${FAILS[*]}}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
