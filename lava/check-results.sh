#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-results.sh OUT - check what a lava-run of lava/virtio-msg-lab.yaml recorded in OUT
# (lava/run-local.sh's directory: output.yaml = lava-run's log, run/result.yaml): the job
# passed; every guest test (guest/tests/t_*.sh, or TESTS=) reported pass or skip as native-<name>;
# make-test and make-bench passed; every headline figure (<scenario>__<transport>) carries a
# measurement with units; scripts/lava2summary turns them into OUT/summary.json and
# bench/vmsg-gate reads it (update + check of a baseline made from it). Verdicts in
# OUT/check.txt, exit status 1 on any failure.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:?usage: lava/check-results.sh OUT}
bad=0
check() { # status description
	if [ "$1" = 0 ]; then echo "PASS $2"; else
		echo "FAIL $2"
		bad=$((bad + 1))
	fi
}
{
	grep -q '^result: pass' "$OUT/run/result.yaml" 2>/dev/null
	check $? "lava-run: job result pass ($(sed -n 's/^error_msg: //p' "$OUT/run/result.yaml" 2>/dev/null | head -c 200))"
	"$ROOT/scripts/lava2summary" --cases "$OUT/output.yaml" >"$OUT/cases.tsv" 2>/dev/null
	if [ -n "${TESTS:-}" ]; then
		want=$(tr ',' ' ' <<<"$TESTS")
	else
		want=$(for t in "$ROOT"/guest/tests/t_*.sh; do
			t=${t##*/t_}
			t=${t#*_}
			echo "${t%.sh}"
		done)
	fi
	for t in $want; do
		r=$(awk -F'\t' -v n="native-$t" '$1 == n { print $2 }' "$OUT/cases.tsv" | tail -n 1)
		[ "$r" = pass ] || [ "$r" = skip ]
		check $? "native test $t: ${r:-not reported}"
	done
	for c in make-test make-bench; do
		r=$(awk -F'\t' -v n="$c" '$1 == n { print $2 }' "$OUT/cases.tsv" | tail -n 1)
		[ "$r" = pass ]
		check $? "$c: ${r:-not reported}"
	done
	nfig=0
	while IFS=$'\t' read -r name result meas units; do
		case "$name" in *__*__*) continue ;; *__*) ;; *) continue ;; esac
		nfig=$((nfig + 1))
		[ "$result" = pass ] && [ -n "$meas" ] && [ -n "$units" ]
		check $? "figure $name: $result ${meas:--} ${units:-}"
	done <"$OUT/cases.tsv"
	[ "$nfig" -gt 0 ]
	check $? "$nfig headline figures recorded"
	"$ROOT/scripts/lava2summary" "$OUT/output.yaml" -o "$OUT/summary.json" 2>&1 | sed 's/^/     /'
	check "${PIPESTATUS[0]}" "lava2summary: $OUT/summary.json"
	gate=$ROOT/build/bench/vmsg-gate
	make -s -C "$ROOT/bench" all >/dev/null 2>&1
	"$gate" update "$OUT/gate-baseline.json" "$OUT/summary.json" >/dev/null 2>&1 &&
		"$gate" check "$OUT/gate-baseline.json" "$OUT/summary.json" >"$OUT/gate.txt" 2>&1
	check $? "vmsg-gate reads the LAVA summary (update + check against itself: $(tail -n 1 "$OUT/gate.txt" 2>/dev/null))"
	echo "$bad failed"
} | tee "$OUT/check.txt"
[ "$(tail -n 1 "$OUT/check.txt")" = "0 failed" ]
