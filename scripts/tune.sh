#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tune.sh - `make tune`: the hot-path knobs, each measured against the untuned baseline.
#
# One bench boot per variant in scenarios/tuning/*.env (LOOP_PARAMS, optional ONLY / TRACE),
# all in icount mode (deterministic guest time: boots agree to ~0.1 %), scenarios/tuning.list,
# then bench/vmsg-tune writes results/tune-<time>/tuning.md: per variant, qd1 latency, qd32
# IOPS, TCP throughput and round trip, messages per I/O, each against 00-untuned.
#   ICOUNT=3 REPS=2 RUNTIME=2 VARIANTS="00-untuned 40-tuned" scripts/tune.sh
#   TUNE_LIST=smoke.list            another scenario list (scripts/report.sh's quick set)
#   TUNE_ID=report-<time>/tune      the output directory under results/ (default tune-<time>)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=guest/config.sh
. guest/config.sh
export ICOUNT=${ICOUNT:-3} REPS=${REPS:-2} RUNTIME=${RUNTIME:-2} LIST=${TUNE_LIST:-tuning.list} SMOKE=0
stamp=$(date -u +%Y%m%dT%H%M%SZ)
TUNE_ID=${TUNE_ID:-tune-$stamp}
TOP=results/$TUNE_ID
log() { printf '[tune] %s\n' "$*" >&2; }

mkdir -p "$TOP"
if [ -n "${VARIANTS:-}" ]; then
	files=()
	for v in $VARIANTS; do files+=("scenarios/tuning/$v.env"); done
else
	files=(scenarios/tuning/*.env)
fi
runs=()
for f in "${files[@]}"; do
	[ -r "$f" ] || { log "no variant $f"; exit 2; }
	v=$(basename "$f" .env)
	# a variant file is KEY="value" lines (kv_get, config.sh): read them, do not execute them
	lp=$(kv_get "$f" LOOP_PARAMS)
	only=$(kv_get "$f" ONLY)
	trace=$(kv_get "$f" TRACE)
	case "$trace" in '' | 0 | 1 | kicklat | msglat) ;; *)
		log "variant $v: TRACE=$trace, want 0, 1, kicklat or msglat"
		exit 2
		;;
	esac
	log "variant $v: $lp${only:+ (ONLY=$only)}${trace:+ (TRACE=$trace)}"
	LOOP_PARAMS=$lp ONLY=${only:-null_blk veth msg} TRACE=${trace:-1} \
		RUN_ID=$TUNE_ID/$v scripts/bench.sh >"$TOP/$v.log" 2>&1 ||
		log "variant $v: bench failed (see $TOP/$v.log)"
	cp "$f" "$TOP/$v/variant.env"
	runs+=("$TOP/$v")
done
build/bench/vmsg-tune "${runs[@]}" >"$TOP/tuning.md"
cat "$TOP/tuning.md"
log "wrote $TOP/tuning.md"
