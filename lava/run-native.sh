#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run-native.sh - the steps of lava/virtio-msg-lab.yaml: `make test NATIVE=1` and
# `make bench NATIVE=1` at the repository's top, each guest test and each bench figure
# reported with lava-test-case:
#   native-<test>                        pass / fail / skip (guest/run.sh's TAP)
#   make-test, make-bench                pass / fail (the commands' exit status)
#   <scenario>__<transport>              the headline median, units us | iops | gbps
#   <scenario>__<transport>__cost_vs_floor     units x (times the floor of the same run)
#   <scenario>__<transport>__messages_per_io   units msgs (traced repetition)
# Outside LAVA (no lava-test-case in PATH) the same <LAVA_SIGNAL_TESTCASE ...> lines are printed,
# so the script and scripts/lava2summary can be tested anywhere.
# Environment: REPS RUNTIME LIST TESTS BENCH (see the definition), RUN_ID.
set -u
cd "$(dirname "$0")/.." || exit 1
REPS=${REPS:-1} RUNTIME=${RUNTIME:-2} LIST=${LIST:-smoke.list} TESTS=${TESTS:-} BENCH=${BENCH:-1}
RUN_ID=${RUN_ID:-lava-$(date -u +%Y%m%dT%H%M%SZ)-native}

if command -v lava-test-case >/dev/null 2>&1; then
	tc() { lava-test-case "$@"; }
else
	tc() { # name --result R [--measurement M --units U]
		_n=$1 _r=$3 _m="" _u=""
		[ $# -ge 7 ] && _m=" MEASUREMENT=$5" _u=" UNITS=$7"
		echo "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=$_n RESULT=$_r$_m$_u>"
	}
fi

# report_summary SUMMARY: one test case per figure of a summary.json (null: fail, no measurement).
# perl's core JSON::PP reads it: perl comes with build-essential, no jq needed on the device.
report_summary() {
	perl -MJSON::PP -e '
		local $/; open(my $f, "<", $ARGV[0]) or die "$ARGV[0]: $!\n";
		my $s = JSON::PP->new->decode(<$f>);
		my %u = (lat_us => "us", iops => "iops", gbps => "gbps");
		for my $r (@{$s->{records}}) {
			my $n = "$r->{scenario}__$r->{transport}";
			print "$n ", $r->{median} // "null", " ", $u{$r->{metric} // ""} // "none", "\n";
			for my $k (["cost_vs_floor", "x"], ["messages_per_io", "msgs"]) {
				print "${n}__$k->[0] $r->{$k->[0]} $k->[1]\n" if defined $r->{$k->[0]};
			}
		}' "$1" |
		while read -r name value units; do
			if [ "$value" = null ]; then
				tc "$name" --result fail
			else
				tc "$name" --result pass --measurement "$value" --units "$units"
			fi
		done
}
# --report-summary FILE: only that (tests/host/test_lava.sh)
if [ "${1:-}" = --report-summary ]; then
	report_summary "$2"
	exit
fi

rc=0
make test NATIVE=1 TESTS="$TESTS"
trc=$?
# TAP of guest/run.sh: "ok N - name # 1.2s", "ok N - name # SKIP why", "not ok N - name # ..."
if [ -r build/test/native.tap ]; then
	sed -n 's/^\(not \)\{0,1\}ok [0-9]* - \([A-Za-z0-9_.-]*\)\(.*\)$/\1|\2|\3/p' build/test/native.tap |
		while IFS='|' read -r neg name rest; do
			case "$neg$rest" in
			not*) r=fail ;;
			*"# SKIP"*) r=skip ;;
			*) r=pass ;;
			esac
			tc "native-$name" --result "$r"
		done
fi
if [ $trc = 0 ]; then tc make-test --result pass; else tc make-test --result fail; fi
[ $trc = 0 ] || rc=1

[ "$BENCH" = 1 ] || exit $rc
make bench NATIVE=1 REPS="$REPS" RUNTIME="$RUNTIME" LIST="$LIST" RUN_ID="$RUN_ID"
brc=$?
if [ $brc = 0 ]; then tc make-bench --result pass; else tc make-bench --result fail; fi
[ $brc = 0 ] || rc=1
sum=results/$RUN_ID/summary.json
if [ -r "$sum" ]; then
	report_summary "$sum" || rc=1
else
	tc bench-summary --result fail
	rc=1
fi
exit $rc
