#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run.sh [name,name,...] [budget] - the guest's test runner: tests/t_*.sh next to it in order (all, or
# those named), each in a subshell with lib.sh; after each, the kernel log it produced is scanned
# for warnings, BUGs, oopses and unknown symbols (any hit fails the test). Reports TAP on the
# console, which scripts/test.sh tallies (a test that never reports is a failure there):
#   1..N
#   # running <name>
#   # | <the test's output, its last 60 lines>
#   ok <n> - <name> # <seconds>s         ok <n> - <name> # SKIP <reason>
#   not ok <n> - <name> # FAIL: <reason>, then "# dmesg| " the kernel log it produced
GUEST_DIR=${GUEST_DIR:-$(cd "$(dirname "$0")" && pwd)}
export GUEST_DIR
SEL=${1:-}
# seconds a test may run before the watchdog kills it (kernel command line vmsg_budget=)
BUDGET=${2:-300}
BAD='WARNING:|BUG:|Oops|Unknown symbol|unknown symbol|Call Trace|general protection|KASAN|UBSAN|soft lockup|hung task|RCU stall|list_del corruption|refcount_t:'

test_name() { # path -> name: t_10_probe.sh -> probe
	_t=${1##*/t_}
	_t=${_t#*_}
	echo "${_t%.sh}"
}
set --
for t in "$GUEST_DIR"/tests/t_*.sh; do
	[ -e "$t" ] || continue
	if [ -n "$SEL" ]; then
		case ",$SEL," in *",$(test_name "$t"),"*) ;; *) continue ;; esac
	fi
	set -- "$@" "$t"
done
# a debug kernel (make test-debug) with kmemleak: one more test at the end, no leak reported
KMEMLEAK=/sys/kernel/debug/kmemleak
if [ -w "$KMEMLEAK" ]; then
	echo "1..$(($# + 1))"
	# what boot left unreferenced is not ours: only objects allocated from here on count
	echo scan >"$KMEMLEAK"
	echo clear >"$KMEMLEAK"
else
	echo "1..$#"
fi

# watchdog PID NAME: a test still running after BUDGET seconds is killed, after what each of its
# processes is waiting for (state, kernel stack) and the end of its output went to the console.
# A process that SIGKILL cannot end is stuck in the kernel: the guest's own timeout ends the run.
watchdog() {
	_s=0
	while [ $_s -lt "$BUDGET" ]; do
		sleep 1
		kill -0 "$1" 2>/dev/null || return 0
		_s=$((_s + 1))
	done
	echo "FAIL: still running after ${BUDGET}s (budget: vmsg_budget=), killed" >>"/tmp/$2.log"
	echo "# TIMEOUT: $2 still running after ${BUDGET}s; its processes:"
	for _p in /proc/[0-9]*; do
		# the fields after the ")" that ends comm: state, ppid, pgrp, session, ...
		_f=$(sed 's/.*) //' "$_p/stat" 2>/dev/null)
		[ "$(echo "$_f" | cut -d' ' -f4)" = "$1" ] || continue
		echo "# |   ${_p#/proc/} $(tr '\0' ' ' <"$_p/cmdline" | cut -c1-100)"
		echo "# |     state ${_f%% *}, wchan $(cat "$_p/wchan" 2>/dev/null)"
		sed 's/^/# |       /' "$_p/stack" 2>/dev/null | head -n 12
	done
	echo "# | the end of its output:"
	tail -n 10 "/tmp/$2.log" | sed 's/^/# |   /'
	# its process group (the session leader's): busybox's kill takes no "--"
	kill -9 "-$1" 2>/dev/null
}

dmesg -c >/dev/null
n=0
for t; do
	n=$((n + 1))
	name=$(test_name "$t")
	echo "# running $name"
	start=$(cut -d' ' -f1 /proc/uptime)
	# in a session of its own, so that the watchdog can find and kill all of its processes
	# shellcheck disable=SC2016 # expanded by the test's shell
	setsid sh -c '. "$GUEST_DIR/lib.sh" && . "$1"' sh "$t" >"/tmp/$name.log" 2>&1 &
	tpid=$!
	watchdog "$tpid" "$name" &
	wpid=$!
	wait "$tpid"
	rc=$?
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	end=$(cut -d' ' -f1 /proc/uptime)
	dmesg -c >"/tmp/$name.dmesg"
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	if [ $rc -eq 0 ] && grep -Eq "$BAD" "/tmp/$name.dmesg"; then
		echo "FAIL: kernel log: $(grep -E "$BAD" "/tmp/$name.dmesg" | head -n 1)" >>"/tmp/$name.log"
		rc=1
	fi
	sed 's/^/# | /' "/tmp/$name.log" | tail -n 60
	case $rc in
	0) echo "ok $n - $name # ${secs}s" ;;
	77) echo "ok $n - $name # SKIP $(sed -n 's/^skip: *//p' "/tmp/$name.log" | tail -n 1)" ;;
	*)
		echo "not ok $n - $name # $(grep '^FAIL:' "/tmp/$name.log" | tail -n 1)"
		sed 's/^/# dmesg| /' "/tmp/$name.dmesg" | tail -n 60
		;;
	esac
done

if [ -w "$KMEMLEAK" ]; then
	n=$((n + 1))
	echo "# running kmemleak"
	# an object is reported once it has gone unreferenced over two scans
	echo scan >"$KMEMLEAK"
	sleep 6
	echo scan >"$KMEMLEAK"
	if grep -q 'unreferenced object' "$KMEMLEAK"; then
		# every leak by where it was allocated (its first four frames), then the first in full
		awk '/unreferenced object/ { if (k != "") n[k]++; k = ""; f = -1; next }
			/backtrace:/ { f = 0; next }
			f >= 0 && f < 4 { sub(/.*\] /, ""); sub(/\+.*/, "", $1); k = k (f ? " < " : "") $1; f++ }
			END { if (k != "") n[k]++; for (k in n) printf "# | %d x %s\n", n[k], k }' \
			"$KMEMLEAK" | sort -rn
		sed 's/^/# | /' "$KMEMLEAK" | head -n 30
		echo "not ok $n - kmemleak # FAIL: $(grep -c 'unreferenced object' "$KMEMLEAK") leaks"
	else
		echo "ok $n - kmemleak"
	fi
fi
