#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test.sh - `make test`: set up, then run every test and end with "N passed, N failed".
#
#   host:  kmod build (W=1) and `make check` (checkpatch + sparse), wire-format unit tests
#          (cmocka, ASan+UBSan) and a bounded libFuzzer run, bench/ unit tests, bpf tools
#          build, clang-format of the userspace C, shellcheck of scripts/ and guest/
#   guest: guest/tests/t_*.sh in a QEMU microvm (Debian's kernel, our modules), run by
#          guest/run.sh, kernel log scanned after each, results as TAP on the serial console
# Every TAP stream (guest, cmocka unit tests) goes through tap(); other checks are one test each.
#   chaos: a 1-minute `make chaos` (faults on every bus message during I/O)
#   bench: a seconds-long `make bench` smoke (one scenario per transport)
#   gate:  `make gate` with a bus cost injected must fail (the gate's self-test)
# Environment: TESTS=a,b (guest tests to run), FUZZ_SECONDS=20, SKIP_SMOKE=1, SKIP_GATE=1,
# SKIP_CHAOS=1, SKIP_HOST=1 (of the host's tests only the module and bpf builds), TIMEOUT=900
# (the guest) and BUDGET=300 (one guest test; both x SLOW, scripts/arch.sh), ARCH=x86|arm64
# (the guest's, default the host's: scripts/arch.sh; the modules, bpf tools and rr are then built
# for it, the host tools and unit tests stay native).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
LOG=$ROOT/build/test
# shellcheck source=guest/config.sh
. guest/config.sh
# shellcheck source=scripts/arch.sh
. scripts/arch.sh
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
# tap [-v] NAME FILE [RC [NOTE]]: a TAP stream into the tally (cmocka's CMOCKA_MESSAGE_OUTPUT=TAP
# from the unit tests, guest/run.sh's from the guest). Each "ok"/"not ok" line is a test
# NAME:<description>, "# SKIP reason" a skip; -v prints every result, else failures, skips and
# a total. Also failures: "Bail out!", no plan, a plan "1..N" (one per group, ahead of its
# tests) with other than N results (named after the last "# running <test>" line; NOTE says
# why), no test at all, and a nonzero RC (the producer's exit status) with no failed test.
tap() {
	local all=0
	if [ "$1" = -v ]; then all=1; shift; fi
	local name=$1 file=$2 rc=${3:-0} note=${4:-} p0=$PASSED f0=$FAILED
	local line plan=-1 n=0 total=0 running="" last="" verdict desc why show=0
	local -a detail=()
	local re_test='^(not )?ok ([0-9]+)( - )?([^#]*)(#[[:space:]]*(.*))?$'
	[ -r "$file" ] || file=/dev/null
	# a failed test's own output ("# |", "# dmesg| ", "# TIMEOUT") goes to our output too: it is
	# all CI shows
	_tap_detail() {
		[ "$show" = 1 ] && [ ${#detail[@]} -gt 0 ] && printf '    %s\n' "${detail[@]: -50}"
		show=0 detail=()
	}
	# a plan's tests all reported, or one failure
	_tap_plan() {
		[ "$plan" -lt 0 ] || [ "$n" = "$plan" ] || {
			result "$name${running:+:$running}" FAIL \
				"$n of $plan tests reported${last:+ (last: $last)}${note:+; $note}"
			[ -z "$running" ] || show=1
		}
		_tap_detail
	}
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [[ $line =~ ^1\.\.([0-9]+) ]]; then
			_tap_plan
			plan=${BASH_REMATCH[1]} n=0 running=""
		elif [[ $line =~ ^#\ running\ (.*) ]]; then
			_tap_detail
			running=${BASH_REMATCH[1]}
		elif [[ $line =~ ^#\ (\||dmesg\||TIMEOUT) ]]; then
			detail+=("$line")
		elif [[ $line =~ ^Bail\ out!(.*) ]]; then
			result "$name${running:+:$running}" FAIL "Bail out!${BASH_REMATCH[1]}"
			plan=-1
			break
		elif [[ $line =~ $re_test ]]; then
			n=$((n + 1)) total=$((total + 1))
			desc=${BASH_REMATCH[4]%"${BASH_REMATCH[4]##*[! ]}"}
			desc=${desc:-test ${BASH_REMATCH[2]}}
			why=${BASH_REMATCH[6]}
			verdict=PASS
			[ -z "${BASH_REMATCH[1]}" ] || verdict=FAIL
			if [[ ${why^^} =~ ^SKIP ]]; then
				verdict=SKIP why=${why:4} why=${why# }
			fi
			running="" last=$desc
			[ $verdict != FAIL ] || show=1
			if [ $all = 1 ] || [ $verdict != PASS ]; then
				result "$name:$desc" $verdict "$why"
			else
				PASSED=$((PASSED + 1))
			fi
		fi
	done <"$file"
	_tap_plan
	if [ "$total" = 0 ] && [ "$FAILED" = "$f0" ]; then
		result "$name" FAIL "no test reported${note:+; $note}"
	fi
	if [ "$rc" != 0 ] && [ "$FAILED" = "$f0" ]; then
		result "$name" FAIL "exit status $rc"
	fi
	[ $all = 1 ] || say "$name: $((PASSED - p0)) passed, $((FAILED - f0)) failed"
}

say "setting up (scripts/deps.sh, kernel image)"
scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
eval "$(scripts/kernel.sh)" || { echo "0 passed, 1 failed"; exit 1; }

# ---- host ------------------------------------------------------------------------------------
kmod_ok=0
step kmod-build make -C kmod KDIR="$KDIR" W=1 && kmod_ok=1
step bpf-build make -C bpf
if [ "${SKIP_HOST:-0}" != 1 ]; then
step kmod-check make -C kmod KDIR="$KDIR" check
rm -f build/unit.tap build/bench.tap
make -C tests/unit test >"$LOG/unit.log" 2>&1
tap unit build/unit.tap $?
step fuzz make -C tests/fuzz run FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
make -C bench test >"$LOG/bench-unit.log" 2>&1
tap bench-unit build/bench.tap $?
rm -f build/user.tap
make -C user test >"$LOG/user-unit.log" 2>&1
tap user-unit build/user.tap $?
step clang-format clang-format --dry-run --Werror bench/*.c bench/*.h bench/tests/*.c \
	tests/unit/*.c tests/fuzz/*.c bpf/*.c bpf/*.h user/*.c user/*.h user/tests/*.c
step shellcheck shellcheck -x -S warning scripts/*.sh guest/*.sh guest/init guest/tests/*.sh \
	tests/host/*.sh .ci/run lava/*.sh
# accel.sh's probe logic is the host arch's (a foreign-arch guest never probes KVM)
ARCH=$HOST_ARCH tests/host/test_accel.sh >build/accel.tap 2>"$LOG/accel.log"
tap accel build/accel.tap $?
ARCH=$HOST_ARCH tests/host/test_qemu_run.sh >build/qemu-run.tap 2>"$LOG/qemu-run.log"
tap qemu-run build/qemu-run.tap $?
tests/host/test_guest_runner.sh >build/guest-runner.tap 2>"$LOG/guest-runner.log"
tap guest-runner build/guest-runner.tap $?
tests/host/test_lava.sh >build/lava.tap 2>"$LOG/lava.log"
tap lava build/lava.tap $?
tests/host/test_report.sh >build/report.tap 2>"$LOG/report.log"; tap report build/report.tap $?
fi

# ---- guest -----------------------------------------------------------------------------------
if [ $kmod_ok = 1 ]; then
	make -s -C bench rr-static >/dev/null 2>&1
	make -s -C user static >/dev/null 2>&1
	initrd=$ROOT/build/initramfs-test.cpio
	if scripts/initramfs.sh --output "$initrd" >"$LOG/initramfs.log" 2>&1; then
		say "booting the test guest (console: $LOG/guest.log)"
		# single-threaded TCG: the bpf test attaches its tracers with virtio traffic running,
		# which hung multi-threaded TCG (QEMU 7.2) in 5 of 9 boots (scripts/qemu-run.sh)
		TCG_THREAD=${TCG_THREAD:-single} \
			scripts/qemu-run.sh --smp 2 --mem 1024 --timeout "${TIMEOUT:-$((900 * SLOW))}" \
			--initramfs "$initrd" --append "vmsg=test vmsg_tests=${TESTS:-} vmsg_budget=${BUDGET:-$((300 * SLOW))}" -- \
			-blockdev driver=null-co,node-name=tpci,read-zeroes=on,size=67108864 \
			-blockdev driver=null-co,node-name=tmmio,read-zeroes=on,size=67108864 \
			-device virtio-blk-pci,drive=tpci,serial="${SERIAL_TEST}pci" \
			-device virtio-blk-device,drive=tmmio,serial="${SERIAL_TEST}mmio" \
			>"$LOG/guest.log" 2>&1
		qrc=$?
		tap -v guest "$LOG/guest.log" 0 "the guest did not finish (qemu-run rc $qrc): \
$(tail -n 5 "$LOG/guest.log" | tr -d '\r' | tr '\n' ' ')"
		# the kernel's first complaint on the console (a lockup, a panic) with its trace
		tr -d '\r' <"$LOG/guest.log" |
			grep -a -m 1 -A 40 -E 'BUG: |Oops|Kernel panic|rcu: INFO|general protection' |
			sed 's/^/    | /'
	else
		result initramfs FAIL "see $LOG/initramfs.log"
	fi
else
	result guest FAIL "modules did not build"
fi

# ---- chaos ------------------------------------------------------------------------------------
# one minute of faults on every loop-bus message (scripts/chaos.sh, make chaos runs 10)
if [ $kmod_ok = 1 ] && [ "${SKIP_CHAOS:-0}" != 1 ]; then
	step chaos env CHAOS_MINUTES=1 scripts/chaos.sh
fi

# ---- bench smoke -----------------------------------------------------------------------------
if [ "${SKIP_SMOKE:-0}" != 1 ]; then
	step bench-smoke env SMOKE=1 RUN_ID=smoke-test scripts/bench.sh
fi

# ---- the gate can fail ------------------------------------------------------------------------
# A 20 us bus cost per message (delay_ns) must make `make gate` fail against the baseline.
if [ "${SKIP_GATE:-0}" != 1 ]; then
	if [ "$ARCH" != x86 ]; then
		result gate-detects-slowdown SKIP "the gate's baseline is an x86 icount run; ARCH=$ARCH"
	elif [ -r results/baseline.json ]; then
		step gate-detects-slowdown env EXPECT=fail \
			LOOP_PARAMS="blk_mb=1024 blk_null=1 net_pairs=1 delay_ns=20000" scripts/gate.sh
	else
		result gate-detects-slowdown FAIL "no results/baseline.json (make gate BASELINE=update)"
	fi
fi

say "done in $(($(date +%s) - t0)) s${FAILS[*]:+; failed: ${FAILS[*]}}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
