# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# tap.sh - sourced by the host tests (tests/host/test_*.sh): ok STATUS DESCRIPTION records a
# result, skip DESCRIPTION REASON a skipped test, tap_end prints the plan first, then the
# results, and returns 1 on any failure.
n=0 failed=0 out=""
ok() { # cond-status description; TAP goes out at the end, plan first
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		out+="ok $n - $2"$'\n'
	else
		out+="not ok $n - $2"$'\n'
		failed=$((failed + 1))
	fi
}
skip() { # description reason
	n=$((n + 1))
	out+="ok $n - $1 # SKIP $2"$'\n'
}
tap_end() {
	echo "1..$n"
	printf '%s' "$out"
	echo "# $((n - failed)) passed, $failed failed"
	[ "$failed" = 0 ]
}
