#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# board-compare.sh BOARD_SUMMARY [GUEST_SUMMARY]: the board's headline figures beside a QEMU
# guest run's (both summary.json of `make bench`), per scenario and transport: the headline
# metric's median and its cost against the floor of the same run. Read the cost columns:
# absolute figures of a board and of an emulated guest are not comparable.
set -euo pipefail
board=$1 guest=${2:-}
[ -r "$board" ] || {
	echo "board-compare: no $board" >&2
	exit 1
}
[ -n "$guest" ] && [ -r "$guest" ] || guest=""
# shellcheck disable=SC2016 # jq program
prog='
def f: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
def key: .scenario + " " + .transport;
($g[0].records // [] | map({key: key, value: .}) | from_entries) as $gm
| ["scenario", "transport", "metric", "board", "board/floor", "guest", "guest/floor"],
  (.records[] | . as $r | ($gm[$r | key] // {}) as $o
   | [$r.scenario, $r.transport, $r.metric, ($r.median | f), ($r.cost_vs_floor | f),
      ($o.median | f), ($o.cost_vs_floor | f)])
| @tsv'
if [ -n "$guest" ]; then
	echo "   board: $board   guest: $guest ($(jq -r '.meta.MODE // "?"' "$guest"))"
	jq -r --slurpfile g "$guest" "$prog" "$board"
else
	echo "   board: $board   (no QEMU guest run in results/ to compare with)"
	jq -r --argjson g '[]' "$prog" "$board"
fi | {
	IFS= read -r title
	echo "$title"
	column -t -s $'\t' | sed 's/^/   /'
}
