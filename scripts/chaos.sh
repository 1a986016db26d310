#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# chaos.sh - `make chaos`: boot the test guest and run guest/tests/t_90_chaos.sh, which injects
# faults on every loop-bus message (fault_probability, debugfs virtio-msg-loop/fault/) while fio
# verify, iperf3 and unbind/bind and unload/load cycles run, then stops them and checks that the
# devices come back. Ends with the guest's line
#   chaos: N messages, N faults (drop=N ...), N I/O errors, N verify failures, N kernel warnings: PASS
# (or FAIL), exit status non-zero on FAIL.
# Environment: CHAOS_MINUTES=10, CHAOS_SEED= (default: the time; a failing seed replays the
# decisions, up to thread interleaving), CHAOS_PROB=2 (percent of messages), CHAOS_KINDS= and
# CHAOS_WHERE= (comma lists: drop,delay,dup,corrupt,reorder,late and req,resp,avail,used,config,bus;
# default all, applied after each load), TIMEOUT= (guest limit, default the run plus 240 s),
# CHAOS_LOG= (output directory, default build/chaos).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
LOG=${CHAOS_LOG:-$ROOT/build/chaos}
mkdir -p "$LOG"
MIN=${CHAOS_MINUTES:-10}
SEED=${CHAOS_SEED:-$(date +%s)}
PROB=${CHAOS_PROB:-2}
KINDS=${CHAOS_KINDS:-}
WHERE=${CHAOS_WHERE:-}
[[ "$KINDS$WHERE" =~ ^[a-z,]*$ ]] || { echo "chaos: CHAOS_KINDS, CHAOS_WHERE: comma lists"; exit 2; }
[[ "$MIN" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "chaos: CHAOS_MINUTES must be a number"; exit 2; }
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "chaos: CHAOS_SEED must be a number"; exit 2; }
[[ "$PROB" =~ ^[0-9]+$ ]] && [ "$PROB" -le 100 ] || { echo "chaos: CHAOS_PROB is 0..100"; exit 2; }
SECS=$(awk -v m="$MIN" 'BEGIN { printf "%d", m * 60 }')
die() { echo "chaos: $*: FAIL"; exit 1; }

eval "$(scripts/kernel.sh)" || die "no guest kernel (scripts/kernel.sh)"
make -s -C kmod KDIR="$KDIR" >"$LOG/build.log" 2>&1 || die "modules did not build ($LOG/build.log)"
initrd=$LOG/initramfs.cpio
scripts/initramfs.sh --output "$initrd" >"$LOG/initramfs.log" 2>&1 ||
	die "initramfs ($LOG/initramfs.log)"
echo "chaos: seed $SEED, $PROB % of messages${KINDS:+ ($KINDS)}${WHERE:+ on $WHERE}, $SECS s (console: $LOG/guest.log)"
scripts/qemu-run.sh --smp 2 --mem 1024 --timeout "${TIMEOUT:-$((SECS + 240))}" \
	--initramfs "$initrd" \
	--append "vmsg=test vmsg_tests=chaos chaos_seconds=$SECS chaos_seed=$SEED chaos_prob=$PROB \
${KINDS:+chaos_kinds=$KINDS }${WHERE:+chaos_where=$WHERE}" \
	>"$LOG/guest.log" 2>&1
qrc=$?
tr -d '\r' <"$LOG/guest.log" | sed -n 's/^# | //p' | grep -v '^chaos: ' | tail -n 20
line=$(tr -d '\r' <"$LOG/guest.log" | sed -n 's/^# | \(chaos: [0-9].*\)/\1/p' | tail -n 1)
if ! tr -d '\r' <"$LOG/guest.log" | grep -Eq '^ok [0-9]+ - chaos'; then
	tr -d '\r' <"$LOG/guest.log" | grep -E '^(not ok|# dmesg\|)' | tail -n 30
	[ -n "$line" ] && echo "${line%: *}: FAIL" && exit 1
	die "the guest did not finish the run (qemu-run rc $qrc, seed $SEED)"
fi
[ -n "$line" ] || die "no chaos line from the guest"
echo "$line"
[[ $line == *": PASS" ]]
