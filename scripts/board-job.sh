#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# board-job.sh - what the board runs (scripts/board.sh copies it to its 9p share as job.sh; the
# image's board-job.service runs it as root from /board): clone the project from the bundle,
# `make test NATIVE=1`, `make bench NATIVE=1`, put TAP, logs, results and timings back on the
# share. Progress lines start with "BOARD" (scripts/board.sh relays them).
set -u
SH=/board
# shellcheck disable=SC1091 # written by scripts/board.sh next to this file
. "$SH/job.env"
now() { date +%s; }
say() { echo "BOARD $*"; }
T0=$(now)
TIMES=$SH/times.env
# seconds from the kernel's start to here: the boot (systemd up to this unit)
echo "BOARD_BOOT_SECONDS=$(cut -d. -f1 /proc/uptime)" >"$TIMES"

cd /root || exit 1
rm -rf vmsg-lab
git -c advice.detachedHead=false clone -q "$SH/repo.bundle" vmsg-lab || {
	say "git clone of the bundle failed"
	exit 1
}
cd vmsg-lab || exit 1
say "cloned $(git rev-parse --short HEAD) on $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)"

# step NAME LOG command...: run it, its output to LOG on the share, seconds and rc to times.env
step() {
	_name=$1 _log=$2
	shift 2
	_t=$(now)
	say "$_name: $*"
	"$@" >"$SH/$_log" 2>&1
	_rc=$?
	_s=$(($(now) - _t))
	echo "BOARD_${_name}_SECONDS=$_s" >>"$TIMES"
	echo "BOARD_${_name}_RC=$_rc" >>"$TIMES"
	say "$_name: rc $_rc in ${_s}s; $(tail -n 1 "$SH/$_log")"
	return $_rc
}

rc=0
step TEST test.log make test NATIVE=1 TESTS="$TESTS" || rc=1
cp build/test/native.tap "$SH/test.tap" 2>/dev/null
step BENCH bench.log make bench NATIVE=1 REPS="$REPS" RUNTIME="$RUNTIME" LIST="$LIST" \
	RUN_ID="$RUN_ID" || rc=1
if [ -d "results/$RUN_ID" ]; then
	cp -a "results/$RUN_ID" "$SH/results/" || rc=1
else
	say "no results/$RUN_ID"
	rc=1
fi
# the tests leave the loop bus loaded (some with a device broken on purpose): unload it
rmmod virtio_msg_loop virtio_msg 2>/dev/null
echo "BOARD_JOB_SECONDS=$(($(now) - T0))" >>"$TIMES"
say "job done rc=$rc in $(($(now) - T0))s"
exit $rc
