#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_guest_runner.sh - guest/run.sh's watchdog, on the host with stand-in tests: a test still
# running after the budget is killed with all of its processes, reported as failed with what its
# processes were waiting for, and the next test runs; tests within the budget are untouched.
# Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'pkill -9 -f "$T/" 2>/dev/null; rm -rf "$T"' EXIT
# shellcheck source=tests/host/tap.sh
. "$ROOT/tests/host/tap.sh"

mkdir -p "$T/guest/tests" "$T/bin"
cp "$ROOT/guest/run.sh" "$T/guest/"
cat >"$T/guest/lib.sh" <<'EOF'
fail() { echo "FAIL: $*"; exit 1; }
EOF
echo 'echo fine' >"$T/guest/tests/t_10_fine.sh"
# a stuck test with a child of its own (as a test's daemon would be), both named by $T
ln -s "$(command -v sleep)" "$T/bin/stuck"
ln -s "$(command -v sleep)" "$T/bin/stuck-child"
cat >"$T/guest/tests/t_20_stuck.sh" <<EOF
echo started
$T/bin/stuck-child 300 &
$T/bin/stuck 300
EOF
echo 'echo after' >"$T/guest/tests/t_30_after.sh"
# the host's kernel log is not the runner's to clear
printf '#!/bin/sh\nexit 0\n' >"$T/bin/dmesg"
chmod +x "$T/bin/dmesg"

start=$(date +%s)
PATH=$T/bin:$PATH GUEST_DIR=$T/guest timeout 60 sh "$T/guest/run.sh" "" 3 >"$T/out" 2>"$T/err"
rc=$?
secs=$(($(date +%s) - start))
ok $rc "run.sh ends (exit $rc, ${secs}s; a stuck test would hold it for 300 s)"
grep -qx 'ok 1 - fine # [0-9.]*s' "$T/out"
ok $? "a test within the budget passes"
grep -q '^not ok 2 - stuck # FAIL: still running after 3s' "$T/out"
ok $? "the stuck test is killed after the budget and fails with why"
grep -q '^# TIMEOUT: stuck still running after 3s' "$T/out" &&
	grep -q "^# |   [0-9]* $T/bin/stuck-child 300" "$T/out" && grep -q '^# |     state S' "$T/out"
ok $? "its processes and their states are on the console"
grep -q '^# |   started' "$T/out"
ok $? "so is its output"
grep -qx 'ok 3 - after # [0-9.]*s' "$T/out"
ok $? "the next test runs"
sleep 0.5
! pgrep -f "$T/stuck" >/dev/null
ok $? "no process of the stuck test is left"
[ "$(grep -c '^1\.\.3$' "$T/out")" = 1 ]
ok $? "one plan of 3 tests"
[ $failed = 0 ] || sed 's/^/# /' "$T/out" "$T/err"
tap_end
