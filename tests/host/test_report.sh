#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_report.sh - the published report's pipeline without a guest: the committed runs of
# tests/host/fixtures/report/ (a quick icount run with its timed repetitions and traced side
# files trimmed, a TCG run's summary alone, a two-variant tune run, and x86-icount3-boot2: not
# a real boot but the first one's summary with pci's and mmio's medians times 1.25 and msg's
# times 1.001, a known input for the boot-to-boot figures) -> scripts/report.sh
# REPORT_RUNS=... -> report.md, summary.json, SVGs. Then every number of report.md must be in
# summary.json (tests/host/report_numbers.py), and a number edited by hand must be caught.
# Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# shellcheck source=tests/host/tap.sh
. "$ROOT/tests/host/tap.sh"
FIX=$ROOT/tests/host/fixtures/report
CHECK=$ROOT/tests/host/report_numbers.py
cd "$ROOT" || exit 1

REPORT_RUNS="$FIX/x86-icount3 $FIX/x86-icount3-boot2 $FIX/x86-tcg $FIX/tune" REPORT_OUT=$T/out \
	scripts/report.sh >"$T/report.log" 2>&1
ok $? "report.sh REPORT_RUNS=...: builds the report from existing runs"
R=$T/out/report.md S=$T/out/summary.json

python3 "$CHECK" "$R" "$S" >"$T/check.log" 2>&1
ok $? "every number of report.md is in summary.json"
nnum=$(sed -n 's/^\([0-9]*\) numbers, 0 not in the summary$/\1/p' "$T/check.log")
[ "${nnum:-0}" -ge 200 ]
ok $? "the checker read the report's figures (${nnum:-0} numbers)"

jq -e '[.runs[].label] == ["x86-icount3", "x86-tcg"] and (.tune[0].variants | length) == 2 and
	(.runs[0].meta.KERNEL | length) > 0 and (.runs[0].meta.QEMU | length) > 0 and
	(.runs[0].versions.GIT_COMMIT | length) > 0 and (.context | length) > 0' "$S" >/dev/null
ok $? "summary.json: both runs with meta and versions, the tune variants, the context"
jq -e '(.runs[0].records | length) as $all | [.runs[0].records[] | select(.spread_n == 2 and
	.spread_min <= .median and .median <= .spread_max)] | length == $all' "$S" >/dev/null
ok $? "spread: min <= median <= max over the two timed repetitions of every cell"
jq -e '[.runs[1].records[] | select(.spread_n == 0 and .spread_min == null)] | length > 0' \
	"$S" >/dev/null
ok $? "a run without raw/ has no spread (null, printed -), not a made-up one"
jq -e '[.runs[0].records[] | select(.transport == "msg") | .msgvq_p50_us] | all(. > 0)' \
	"$S" >/dev/null
ok $? "msglat's EVENT_AVAIL -> EVENT_USED median for every msg cell"
# the targets: the best bus model at qd1 (least latency) over null_blk, as the records give it;
# a target whose scenario did not run is "-", not met and not missed
jq -e '.runs[0] as $r | ($r.records | map(select(.scenario == "blk-randread-4k-qd1"))) as $q |
	($q | map(select(.transport | test("^msg(-inline|-poll)?$"))) | min_by(.median)) as $b |
	($q[] | select(.transport == "null_blk") | .median) as $f |
	($r.targets[0] | .transport == $b.transport and ((.value - $b.median / $f) | fabs) < 1e-9
	and .met == (.value <= 1.3)) and
	([$r.targets[] | select(.what | test("qd32")) | .value == null and .met == null] | all)' \
	"$S" >/dev/null
ok $? "targets: qd1 best bus model / null_blk from the records; a scenario not run is no verdict"

# the second boot: each cell against the first boot's, the farthest apart per kind of contender
jq -e '.boots | length == 1 and (.[0] | .of == "x86-icount3" and
	([.records[] | select(.transport == "pci") | .median_vs_first - 1.25 | fabs < 1e-9] | all) and
	([.records[] | select(.transport == "msg") | .median_vs_first - 1.001 | fabs < 1e-9] | all) and
	([.records[] | select(.transport == "null_blk") | .median_vs_first == 1] | all) and
	(.farthest_qemu.median_vs_first - 1.25 | fabs < 1e-9) and
	(.farthest_in_guest | .transport == "msg" and (.median_vs_first - 1.001 | fabs < 1e-9)) and
	(.targets | length > 0))' "$S" >/dev/null &&
	grep -q '^#### x86-icount3-boot2 against x86-icount3$' "$R" &&
	grep -q '^#### x86-icount3-boot2 (icount3, a second boot of x86-icount3)$' "$R"
ok $? "second boot: medians against the first boot's, the farthest apart, its own targets"
mkdir -p "$T/orphan-boot2" && cp "$FIX/x86-tcg/summary.json" "$T/orphan-boot2/" &&
	! build/bench/vmsg-publish -o "$T/orphan" --boot "$T/orphan-boot2" "$FIX/x86-tcg" \
		>"$T/orphan.log" 2>&1 && grep -q 'must be one of the bench runs given' "$T/orphan.log"
ok $? "a second boot whose first boot is not given: refused, with the reason"

for sec in "## Method" "### Bus models" "### Targets" "### From one boot to the next" "### Hot-path knobs" "### Where the time of one I/O goes" \
	"## Context: published figures" "## Threats to validity" "## Versions" \
	"## Rebuilding this report"; do
	grep -q "^$sec" "$R" || echo "missing: $sec" >>"$T/sections"
done
! grep -q '@@' "$R" && [ ! -s "$T/sections" ]
ok $? "every section is there and every @@PLACEHOLDER@@ was replaced"
nsvg=$(grep -c '^!\[.*\](.*\.svg)$' "$R")
bad=0
for f in $(sed -n 's/^!\[.*\](\(.*\.svg\))$/\1/p' "$R"); do
	grep -q '<svg' "$T/out/$f" 2>/dev/null || bad=1
done
[ "$nsvg" -ge 4 ] && [ $bad = 0 ]
ok $? "every plot the report shows is an SVG file beside it ($nsvg)"

# the checker must fail on a figure edited by hand: a gross one and a last-digit one
first=$(grep -m1 '^| msg |' "$R")
med=$(echo "$first" | awk -F'|' '{ gsub(/ /, "", $3); print $3 }')
sed "0,/^| msg | $med |/s//| msg | 9$med |/" "$R" >"$T/edit1.md"
! cmp -s "$R" "$T/edit1.md" && ! python3 "$CHECK" "$T/edit1.md" "$S" >"$T/edit1.log" 2>&1 &&
	grep -q "9$med not in" "$T/edit1.log"
ok $? "the checker fails when a median is edited ($med -> 9$med)"
# the msg cell's messages per I/O (printed with 3 decimals), its last digit moved to a value no
# figure of summary.json rounds to
mpi=$(jq -r '.runs[0].records[] | select(.transport == "msg" and
	.scenario == "blk-randread-4k-qd1") | .messages_per_io' "$S")
shown=$(printf '%.3f' "$mpi") edited=""
for d in 1 2 3 4 5 6 7 8 9; do
	e=$(awk -v m="$shown" -v d="$d" 'BEGIN { printf "%.3f", m + d / 1000 }')
	if ! jq -e --argjson e "$e" '[.. | numbers | select(. - $e < 0.0005 and $e - . <= 0.0005)] |
		length > 0' "$S" >/dev/null; then
		edited=$e
		break
	fi
done
[ -n "$edited" ] && grep -q "| $shown |" "$R" && sed "0,/| $shown |/s//| $edited |/" "$R" >"$T/edit2.md" &&
	! python3 "$CHECK" "$T/edit2.md" "$S" >"$T/edit2.log" 2>&1 &&
	grep -q "$edited not in" "$T/edit2.log"
ok $? "the checker fails when the last digits of a figure are edited ($shown -> $edited)"
# report.md is a function of summary.json and the template: rebuilt from the JSON alone it is
# the same, byte for byte, and any hand edit, even of a digit no check above would miss, differs
build/bench/vmsg-publish -o "$T/again" --from "$S" >/dev/null 2>"$T/again.log" &&
	cmp "$R" "$T/again/report.md" >>"$T/again.log" 2>&1
ok $? "vmsg-publish --from summary.json: the same report.md, byte for byte"
sed "0,/| $shown |/s//| $(awk -v m="$shown" 'BEGIN { printf "%.3f", m + 0.001 }') |/" "$R" \
	>"$T/edit3.md"
! cmp -s "$R" "$T/edit3.md" && ! cmp -s "$T/edit3.md" "$T/again/report.md"
ok $? "a last-digit edit ($shown + 0.001) differs from the rebuilt report"
# the published report, once there is one (docs/report/): the same check
if [ -r docs/report/summary.json ]; then
	build/bench/vmsg-publish -o "$T/pub" --from docs/report/summary.json >/dev/null 2>&1 &&
		cmp docs/report/report.md "$T/pub/report.md" &&
		python3 "$CHECK" docs/report/report.md docs/report/summary.json >"$T/pub.log" 2>&1
	ok $? "docs/report/report.md is what its summary.json gives, every number in it"
else
	skip "docs/report/report.md is what its summary.json gives" "no published report yet"
fi
cp bench/report/report.md.in "$T/tmpl.md"
echo "The bus needs 7654321 messages." >>"$T/tmpl.md"
build/bench/vmsg-publish -o "$T/out2" -t "$T/tmpl.md" "$FIX/x86-icount3" >/dev/null 2>&1 &&
	! python3 "$CHECK" "$T/out2/report.md" "$T/out2/summary.json" >"$T/tmpl.log" 2>&1 &&
	grep -q '7654321 not in' "$T/tmpl.log" && grep -q ', 1 not in the summary$' "$T/tmpl.log"
ok $? "a figure typed into the template is caught too"
echo "@@NOSUCH@@" >>"$T/tmpl.md"
! build/bench/vmsg-publish -o "$T/out3" -t "$T/tmpl.md" "$FIX/x86-icount3" >/dev/null 2>&1
ok $? "vmsg-publish refuses an unknown section"
! REPORT_RUNS="$T" REPORT_OUT=$T/out4 scripts/report.sh >/dev/null 2>&1
ok $? "report.sh refuses a directory that is no run"

tap_end
