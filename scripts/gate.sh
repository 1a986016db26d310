#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# gate.sh - `make gate`: the latency regression gate.
#
#   scripts/gate.sh                    one boot of scenarios/gate.list in icount mode, compared
#                                      with results/baseline.json by bench/vmsg-gate: a figure
#                                      fails when worse than the baseline by more than its
#                                      threshold (max(2 %, 3 x the noise measured for it))
#   BASELINE=update scripts/gate.sh    NOISE_BOOTS (5) boots of the same build: measure the
#                                      noise (max/min - 1 per figure) and rewrite the baseline
#   EXPECT=fail scripts/gate.sh        succeed only if the gate fails (its self-test, with e.g.
#                                      LOOP_PARAMS="delay_ns=5000" injecting a bus cost)
# bench.sh builds bench/ (vmsg-gate included). Gated: the loop bus as msg (mode=thread) and
# msg-inline (mode=inline), its median per figure over GATE_REPS (5) repetitions, and its cost
# against the floor (null_blk, veth) measured in the same boot. GATE_TRANSPORTS= narrows or
# widens that list; the baseline must hold the figures of every transport gated (re-measure it
# with BASELINE=update after changing the list).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BASE=${BASELINE_FILE:-results/baseline.json}
BOOTS=${NOISE_BOOTS:-5}
export ICOUNT=${GATE_ICOUNT:-3} REPS=${GATE_REPS:-5} RUNTIME=${GATE_RUNTIME:-2}
GATE_TRANSPORTS=${GATE_TRANSPORTS:-msg msg-inline}
export LIST=gate.list ONLY="null_blk veth $GATE_TRANSPORTS" SMOKE=0
GATED=${GATE_TRANSPORTS// /,}
log() { printf '[gate] %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 2
}

[ -r kmod/virtio_msg_loop.ko ] || die "kmod/*.ko not built (make modules)"
stamp=$(date -u +%Y%m%dT%H%M%SZ)

run() { # run-id -> results/<run-id>/summary.json
	# no perf stat: its own cost moves the gated latencies (results/baseline.json is without)
	PERF_STAT=0 RUN_ID=$1 scripts/bench.sh >"results/$1.log" 2>&1 || {
		tail -n 20 "results/$1.log" >&2
		die "bench run $1 failed (results/$1.log)"
	}
	[ -r "results/$1/summary.json" ] || die "no results/$1/summary.json"
}

if [ "${BASELINE:-}" = update ]; then
	sums=()
	for i in $(seq 1 "$BOOTS"); do
		log "baseline boot $i/$BOOTS (icount shift=$ICOUNT, $REPS x ${RUNTIME}s)"
		run "gate-$stamp-b$i"
		sums+=("results/gate-$stamp-b$i/summary.json")
	done
	build/bench/vmsg-gate noise "${sums[@]}" | tee "results/gate-$stamp-noise.txt"
	build/bench/vmsg-gate update --transports "$GATED" "$BASE" "${sums[0]}" "${sums[@]}"
	log "wrote $BASE from ${sums[0]} (noise over $BOOTS boots: results/gate-$stamp-noise.txt)"
	exit 0
fi

[ -r "$BASE" ] || die "no $BASE: make gate BASELINE=update writes one"
log "gate run (icount shift=$ICOUNT, $REPS x ${RUNTIME}s${LOOP_PARAMS:+, LOOP_PARAMS=$LOOP_PARAMS})"
run "gate-$stamp"
rc=0
build/bench/vmsg-gate check --transports "$GATED" "$BASE" "results/gate-$stamp/summary.json" || rc=$?
if [ "${EXPECT:-pass}" = fail ]; then
	[ $rc = 1 ] && { log "self-test: the gate failed as it must"; exit 0; }
	log "self-test: the gate did NOT fail (rc $rc)"
	exit 1
fi
exit $rc
