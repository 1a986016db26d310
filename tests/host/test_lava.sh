#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_lava.sh - the LAVA path end to end without a device: a summary.json (made up here,
# with a failed figure) -> lava/run-native.sh --report-summary (lava-test-case lines) -> the
# entries lava-run logs for them (lvl: results) -> scripts/lava2summary -> bench/vmsg-gate
# check against a baseline of the same figures: PASS; then a regressed copy: FAIL. Also the
# server's export format, and that a failed case fails the conversion. Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# shellcheck source=tests/host/tap.sh
. "$ROOT/tests/host/tap.sh"
GATE=$ROOT/build/bench/vmsg-gate
make -s -C "$ROOT/bench" "$GATE" >/dev/null 2>&1 || make -s -C "$ROOT/bench" all >/dev/null

# summary: lat (lower better), iops (higher better), one figure missing (null)
mk_summary() { # qd1-msg-median qd32-msg-iops
	cat <<JSON
{"meta": {"MODE": "native"}, "records": [
 {"scenario": "blk-randread-4k-qd1", "transport": "null_blk", "metric": "lat_us",
  "median": 10.5, "cost_vs_floor": 1.0, "messages_per_io": null},
 {"scenario": "blk-randread-4k-qd1", "transport": "msg", "metric": "lat_us",
  "median": $1, "cost_vs_floor": $(awk -v m="$1" 'BEGIN { print m / 10.5 }'), "messages_per_io": 2.0},
 {"scenario": "blk-randread-4k-qd32", "transport": "msg", "metric": "iops",
  "median": $2, "cost_vs_floor": 2.5, "messages_per_io": 1.6},
 {"scenario": "net-tcp-rr", "transport": "msg", "metric": "lat_us",
  "median": null, "cost_vs_floor": null, "messages_per_io": null}]}
JSON
}
# signal lines -> the results entries lava-run writes to output.yaml
to_log() {
	sed -n 's/^<LAVA_SIGNAL_TESTCASE \(.*\)>$/\1/p' | awk '{
		c = ""; r = ""; m = ""; u = ""
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "TEST_CASE_ID") c = kv[2]; else if (kv[1] == "RESULT") r = kv[2]
			else if (kv[1] == "MEASUREMENT") m = kv[2]; else if (kv[1] == "UNITS") u = kv[2]
		}
		printf "- {dt: \"2026-01-01T00:00:00\", lvl: results, msg: {definition: 0_virtio-msg-lab, case: %s, result: %s", c, r
		if (m != "") printf ", measurement: %s, units: %s", m, u
		print "}}"
	}'
}

mk_summary 100 5000 >"$T/base-sum.json"
PATH=/usr/bin:/bin "$ROOT/lava/run-native.sh" --report-summary "$T/base-sum.json" >"$T/signals"
grep -q '^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=blk-randread-4k-qd1__msg RESULT=pass MEASUREMENT=100 UNITS=us>$' "$T/signals"
ok $? "run-native.sh: headline figure as a measurement with units"
grep -q '^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=blk-randread-4k-qd32__msg RESULT=pass MEASUREMENT=5000 UNITS=iops>$' "$T/signals"
ok $? "run-native.sh: iops units"
grep -q '^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=net-tcp-rr__msg RESULT=fail>$' "$T/signals"
ok $? "run-native.sh: a null headline is a failed case"
! grep -q 'null_blk__messages_per_io' "$T/signals"
ok $? "run-native.sh: a null secondary figure is not reported"

to_log <"$T/signals" >"$T/output.yaml"
"$ROOT/scripts/lava2summary" "$T/output.yaml" -o "$T/sum.json" 2>"$T/conv.err"
ok $((1 - $?)) "lava2summary: the failed case fails the conversion"
jq -e '.records | map(select(.transport == "msg" and .scenario == "blk-randread-4k-qd1"))[0]
	| .median == 100 and .metric == "lat_us" and .messages_per_io == 2' "$T/sum.json" >/dev/null
ok $? "lava2summary: figures, metric and units come back"
jq -e '.records | map(select(.scenario == "net-tcp-rr"))[0].median == null' "$T/sum.json" >/dev/null
ok $? "lava2summary: the failed figure is null"

"$GATE" --min-effect 0.02 update "$T/baseline.json" "$T/sum.json" >"$T/update.out" 2>&1
ok $? "vmsg-gate update takes lava2summary's output"
"$GATE" --transports msg check "$T/baseline.json" "$T/sum.json" >"$T/check.out" 2>&1
ok $? "vmsg-gate check: the same figures pass"

# the farm's export of a regressed run: qd1 latency 20 % worse, qd32 IOPS 20 % lower
mk_summary 120 4000 | sed 's/"median": null/"median": 50/' >"$T/bad-sum.json"
PATH=/usr/bin:/bin "$ROOT/lava/run-native.sh" --report-summary "$T/bad-sum.json" |
	sed -n 's/^<LAVA_SIGNAL_TESTCASE \(.*\)>$/\1/p' | awk '{
		printf "- {suite: 0_virtio-msg-lab"
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			k = kv[1] == "TEST_CASE_ID" ? "name" : kv[1] == "UNITS" ? "unit" : tolower(kv[1])
			printf ", %s: %s", k, kv[2]
		}
		print "}"
	}' >"$T/export.yaml"
echo "- {suite: lava, name: job, result: pass}" >>"$T/export.yaml"
"$ROOT/scripts/lava2summary" "$T/export.yaml" -o "$T/bad.json" 2>"$T/conv2.err"
ok $? "lava2summary: the server's results export, all passed"
"$GATE" --transports msg check "$T/baseline.json" "$T/bad.json" >"$T/check2.out" 2>&1
[ $? = 1 ] && grep -q 'gate: FAIL' "$T/check2.out"
ok $? "vmsg-gate check: the regressed LAVA figures fail the gate"

tap_end || {
	for f in "$T"/*.err "$T"/*.out; do sed "s|^|# ${f##*/}: |" "$f"; done
	exit 1
}
