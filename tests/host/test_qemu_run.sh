#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_qemu_run.sh - qemu-run.sh's boot watchdog: a guest whose /init never prints VMSG-INIT is
# killed after --boot-timeout and booted once more; a second hang fails with exit 125; a guest
# that boots on the second try runs to its end. Also TCG_THREAD and the soft-lockup panic on
# the kernel command line. A fake QEMU plays the guest. Prints TAP.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck source=tests/host/tap.sh
. "$ROOT/tests/host/tap.sh"

# FAKE=hang: stops after "Probing EDD"; boot: prints the marker and exits 0;
# hang-once: hangs on the first boot of a test, boots on the second
cat >"$T/qemu" <<'FAKE'
#!/bin/bash
[ "$1" = --version ] && { echo "QEMU emulator version 0.0.1 (fake)"; exit 0; }
echo x >>"$FAKE_LOG"
echo "$*" >>"$FAKE_LOG.args"
mode=$FAKE
[ "$mode" = hang-once ] && { [ "$(wc -l <"$FAKE_LOG")" = 1 ] && mode=hang || mode=boot; }
echo "Probing EDD (edd=off to disable)... ok"
case "$mode" in
hang) exec sleep 600 ;;
boot) echo "VMSG-INIT 6.1.0-fake"; echo "guest says bye"; exit 0 ;;
esac
FAKE
chmod +x "$T/qemu"
printf 'x' >"$T/initrd"
run() { # FAKE -> qemu-run.sh's exit status; stdout in $T/out, stderr in $T/err
	rm -f "$T/boots" "$T/boots.args"
	ACCEL=tcg QEMU=$T/qemu FAKE_LOG=$T/boots FAKE=$1 "$ROOT/scripts/qemu-run.sh" \
		--timeout 60 --boot-timeout 2 --initramfs "$T/initrd" >"$T/out" 2>"$T/err"
}
boots() { wc -l <"$T/boots"; }

run boot
ok $? "a guest that boots: exit 0"
grep -q 'guest says bye' "$T/out" && [ "$(boots)" = 1 ]
ok $? "its console reaches stdout, one boot"

t0=$(date +%s)
run hang
rc=$?
secs=$(($(date +%s) - t0))
[ $rc = 125 ] && [ "$(boots)" = 2 ]
ok $? "a guest that hangs twice in boot: two boots, exit 125 (got $rc)"
grep -q 'BOOT HANG: /init did not print VMSG-INIT in 2s' "$T/err" &&
	grep -q 'last console line: Probing EDD' "$T/err"
ok $? "the hang is named, with the last console line"
[ "$secs" -lt 30 ]
ok $? "the watchdog, not the 60 s timeout, ended it (${secs}s)"

# TCG's threading: multi by default, single on request, anything else refused before a boot;
# a soft lockup panics every guest at once, with every CPU's backtrace and the whole log
run boot && grep -q -- '-accel tcg,thread=multi' "$T/boots.args"
ok $? "TCG is multi-threaded by default"
grep -q -- 'softlockup_panic=1 softlockup_all_cpu_backtrace=1 panic_print=0x20' "$T/boots.args"
ok $? "the kernel command line panics on a soft lockup"
TCG_THREAD=single run boot && grep -q -- '-accel tcg,thread=single' "$T/boots.args"
ok $? "TCG_THREAD=single: -accel tcg,thread=single"
TCG_THREAD=yes run boot
rc=$?
[ $rc = 2 ] && grep -q 'TCG_THREAD must be single or multi' "$T/err" && ! [ -e "$T/boots" ]
ok $? "TCG_THREAD=yes: refused, no boot (exit $rc)"

run hang-once
rc=$?
[ $rc = 0 ] && [ "$(boots)" = 2 ] && grep -q 'guest says bye' "$T/out" &&
	grep -q 'booting once more' "$T/err"
ok $? "a guest that hangs once boots on the second try (exit $rc)"

tap_end
