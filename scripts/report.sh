#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# report.sh - `make report`: the published comparison (docs/report/): run the set of benches,
# then bench/vmsg-publish merges their summary.json files into one summary.json and writes
# report.md and the SVG plots from it (text by hand: bench/report/report.md.in).
#
#   REPORT_SET=full    (default) every run below, hours of CPU under TCG:
#                        x86-icount3  ICOUNT=3 scripts/bench.sh (default.list, REPS=3)
#                        x86-icount3-boot2  the same again in a second boot (<run>-boot<N>:
#                                     vmsg-publish --boot, the noise from one boot to the next)
#                        x86-tcg      ACCEL=tcg scripts/bench.sh
#                        arm64-tcg    ARCH=arm64 scripts/bench.sh
#                        tune         scripts/tune.sh (every scenarios/tuning/*.env, icount)
#                      output: docs/report/
#   REPORT_SET=quick   the pipeline on small runs (tests, a few minutes): x86 only, LIST=smoke.list,
#                      REPS=2, RUNTIME=2, the tune run with 00-untuned and 45-defaults only;
#                      output: results/report-<time>/report/ (never the published report)
#   REPORT_RUNS="DIR..."  no runs: build the report from existing run directories (a bench run
#                      holds summary.json, a second boot of one is named <run>-boot<N>; a tune
#                      run holds <variant>/variant.env)
#   REPORT_OUT=DIR     where report.md, summary.json and *.svg go
#   REPORT_ONLY="x86-tcg tune"  run only these labels of the set
#
# Before each run its ARCH is set up and kmod/ and bpf/ are built for it (make setup: they hold
# one ARCH at a time). Every run has its own RUN_ID, results/report-<time>/<label>; its log is
# results/report-<time>/<label>.log, its wall time results/report-<time>/times.env, the host's
# tool versions and git commit as the run started <run>/versions.env.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

SET=${REPORT_SET:-full}
log() { printf '[report %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# the host's versions of what built and ran the run (KEY="value" lines)
versions() {
	local commit
	commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
	git diff --quiet HEAD 2>/dev/null || commit="$commit-dirty"
	printf 'GIT_COMMIT="%s"\n' "$commit"
	printf 'GCC="%s"\n' "$(gcc --version 2>/dev/null | head -n 1)"
	printf 'CLANG="%s"\n' "$(clang --version 2>/dev/null | head -n 1)"
	# the arm64 runs' user space (bpf tools, fio's helpers) is cross-built
	printf 'CROSS_GCC="%s"\n' "$(aarch64-linux-gnu-gcc --version 2>/dev/null | head -n 1)"
	printf 'HOST_FIO="%s"\n' "$(fio --version 2>/dev/null | head -n 1)"
	printf 'HOST_IPERF3="%s"\n' "$(iperf3 --version 2>/dev/null | head -n 1)"
	printf 'GNUPLOT="%s"\n' "$(gnuplot --version 2>/dev/null | head -n 1)"
	printf 'JANSSON="%s"\n' "$(pkg-config --modversion jansson 2>/dev/null)"
	printf 'HOST_KERNEL="%s"\n' "$(uname -r)"
}

case "$SET" in
full)
	runs=(
		"x86-icount3|ICOUNT=3 ARCH=x86|bench"
		"x86-icount3-boot2|ICOUNT=3 ARCH=x86|bench"
		"x86-tcg|ACCEL=tcg ARCH=x86|bench"
		"arm64-tcg|ARCH=arm64|bench"
		"tune|ICOUNT=3 ARCH=x86|tune"
	)
	;;
quick)
	export REPS=2 RUNTIME=2 LIST=smoke.list
	runs=(
		"x86-icount3|ICOUNT=3 ARCH=x86|bench"
		"x86-tcg|ACCEL=tcg ARCH=x86|bench"
		"tune|ICOUNT=3 ARCH=x86 TUNE_LIST=smoke.list VARIANTS=00-untuned:45-defaults|tune"
	)
	;;
*) die "REPORT_SET=$SET: want full or quick" ;;
esac

make -s -C bench all >/dev/null || die "building bench/ failed"

benches=() boots=() tunes=() failed=()
# a bench run's directory: a second boot of another (<run>-boot<N>) or a run of its own
add_bench() {
	if [[ "$(basename "$1")" =~ -boot[0-9]+$ ]]; then
		boots+=("$1")
	else
		benches+=("$1")
	fi
}
if [ -n "${REPORT_RUNS:-}" ]; then
	for d in $REPORT_RUNS; do
		if [ -r "$d/summary.json" ]; then
			add_bench "$d"
		elif compgen -G "$d/*/variant.env" >/dev/null; then
			tunes+=("$d")
		else
			die "$d: neither a bench run (summary.json) nor a tune run (*/variant.env)"
		fi
	done
	OUT=${REPORT_OUT:-docs/report}
else
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	TOP=results/report-$stamp
	mkdir -p "$TOP"
	if [ "$SET" = quick ]; then
		OUT=${REPORT_OUT:-$TOP/report}
	else
		OUT=${REPORT_OUT:-docs/report}
	fi
	log "set $SET: ${#runs[@]} runs into $TOP"
	for r in "${runs[@]}"; do
		IFS='|' read -r label envs kind <<<"$r"
		if [ -n "${REPORT_ONLY:-}" ] && [[ " $REPORT_ONLY " != *" $label "* ]]; then
			continue
		fi
		# VARIANTS takes spaces, which the run table cannot: ':' there
		read -ra envv <<<"$envs"
		envv=("${envv[@]//:/ }")
		log "run $label ($envs): log $TOP/$label.log"
		t0=$(date +%s)
		# what the run is made with: taken now, not after (the tree may change meanwhile)
		versions >"$TOP/$label.versions"
		rc=0
		# the run's ARCH needs its own packages (arm64: dpkg's foreign architecture, the cross
		# compiler), and kmod/*.ko and the bpf tools hold one ARCH at a time: make bench's setup
		env "${envv[@]}" make -s setup >"$TOP/$label.log" 2>&1 || rc=$?
		if [ "$rc" != 0 ]; then
			:
		elif [ "$kind" = tune ]; then
			env "${envv[@]}" TUNE_ID="report-$stamp/$label" scripts/tune.sh \
				>>"$TOP/$label.log" 2>&1 || rc=$?
		else
			env "${envv[@]}" RUN_ID="report-$stamp/$label" scripts/bench.sh \
				>>"$TOP/$label.log" 2>&1 || rc=$?
		fi
		# a run that left a summary is reported (a failed cell is null in it), else named
		vdir=$TOP/$label
		if [ "$kind" = tune ] && compgen -G "$vdir/*/summary.json" >/dev/null; then
			tunes+=("$vdir")
		elif [ "$kind" = bench ] && [ -r "$vdir/summary.json" ]; then
			add_bench "$vdir"
		else
			log "run $label left no summary.json: not in the report"
		fi
		t=$(($(date +%s) - t0))
		echo "$label=$t" >>"$TOP/times.env"
		mkdir -p "$vdir"
		mv "$TOP/$label.versions" "$vdir/versions.env"
		if [ "$rc" != 0 ]; then
			log "run $label failed (rc $rc): see $TOP/$label.log"
			failed+=("$label")
		fi
		log "run $label: ${t}s"
	done
fi

args=()
for d in "${tunes[@]}"; do
	args+=(--tune "$d")
done
for d in "${boots[@]}"; do
	args+=(--boot "$d")
done
[ "${#benches[@]}" -gt 0 ] || die "no bench run to report"
mkdir -p "$OUT"
build/bench/vmsg-publish -o "$OUT" "${args[@]}" "${benches[@]}" || die "vmsg-publish failed"
log "report: $OUT/report.md (from $OUT/summary.json)"
# built for a look, but a set with a failed run is no report to publish: REPORT_ONLY=<label>
# reruns one, REPORT_RUNS=... rebuilds from them all
[ "${#failed[@]}" = 0 ] || die "runs failed: ${failed[*]} (the report above lacks them or parts of them)"
