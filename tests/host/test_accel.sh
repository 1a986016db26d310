#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_accel.sh - scripts/accel.sh and qemu-run.sh pick the accelerator by a probe boot, never
# by /dev/kvm's presence. A fake QEMU plays a KVM that hangs the guest (as a nested KVM does
# after "Probing EDD"), one that boots, and one that dies; /dev/null stands in for a /dev/kvm
# that opens. Prints TAP; exit status 1 on any failure.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck source=tests/host/tap.sh
. "$ROOT/tests/host/tap.sh"

# the fake QEMU: FAKE=hang|boot|die; every boot is logged with its arguments
cat >"$T/qemu" <<'FAKE'
#!/bin/bash
[ "$1" = --version ] && { echo "QEMU emulator version 0.0.1 (fake)"; exit 0; }
echo "$*" >>"$FAKE_LOG"
case "$FAKE" in
hang) echo "Probing EDD (edd=off to disable)... ok"; exec sleep 600 ;;
boot) echo "VMSG-KVM-PROBE-OK"; exit 0 ;;
die) echo "qemu: error: failed to set MSR 0x10a" >&2; exit 134 ;;
esac
FAKE
chmod +x "$T/qemu"
export QEMU=$T/qemu FAKE_LOG=$T/boots ACCEL_CACHE=$T/cache KVM_PROBE_TIMEOUT=2
unset ACCEL
boots() { [ -r "$FAKE_LOG" ] && wc -l <"$FAKE_LOG" || echo 0; }
run() { # env... -> accel.sh's verdict in $A and $WHY, its stderr in $T/err, its status
	local rc=0
	A="" WHY=""
	env "$@" "$ROOT/scripts/accel.sh" >"$T/out" 2>"$T/err" || rc=$?
	eval "$(sed 's/^ACCEL=/A=/; s/^ACCEL_WHY=/WHY=/' "$T/out")"
	return $rc
}
has() { [[ "$WHY" == *"$1"* ]]; }

run ACCEL=tcg KVM_DEV=/dev/null FAKE=boot
ok $? "ACCEL=tcg: exit 0"
[ "$A" = tcg ] && [ "$(boots)" = 0 ]
ok $? "ACCEL=tcg forces TCG without a probe boot"

run KVM_DEV="$T/none" FAKE=boot
[ "$A" = tcg ] && has 'no usable' && [ "$(boots)" = 0 ]
ok $? "no /dev/kvm: TCG, no probe"

t0=$(date +%s)
run KVM_DEV=/dev/null FAKE=hang
secs=$(($(date +%s) - t0))
[ "$A" = tcg ] && has 'did not reach /init in 2s' && [ "$(boots)" = 1 ]
ok $? "a KVM that hangs the guest: TCG, saying why"
[ "$secs" -lt 20 ]
ok $? "the hanging probe is cut off by its timeout (${secs}s)"
grep -q 'using TCG' "$T/err"
ok $? "the fallback is announced on stderr"

run KVM_DEV=/dev/null FAKE=boot
[ "$A" = tcg ] && has 'cached probe' && [ "$(boots)" = 1 ]
ok $? "the verdict is cached: no second probe"

rm -rf "$ACCEL_CACHE"
run KVM_DEV=/dev/null FAKE=boot
[ "$A" = kvm ] && [ "$(boots)" = 2 ]
ok $? "a KVM that boots the guest is used"

rm -rf "$ACCEL_CACHE"
run KVM_DEV=/dev/null FAKE=die
[ "$A" = tcg ] && has 'failed to set MSR'
ok $? "a QEMU that dies under KVM: TCG, with QEMU's error"

run ACCEL=kvm KVM_DEV="$T/none"
[ $? = 2 ] && grep -q 'ACCEL=kvm but' "$T/err"
ok $? "ACCEL=kvm without /dev/kvm is an error"
run ACCEL=hvf
[ $? = 2 ]
ok $? "ACCEL=hvf is refused"

# qemu-run.sh boots with the probe's verdict: here the probe hangs, so the real boot is TCG
rm -rf "$ACCEL_CACHE" "$FAKE_LOG"
printf 'x' >"$T/initrd"
KVM_DEV=/dev/null FAKE=boot "$ROOT/scripts/qemu-run.sh" --timeout 5 --initramfs "$T/initrd" \
	>/dev/null 2>&1
grep -q -- '-accel kvm' "$FAKE_LOG" && [ "$(tail -n 1 "$FAKE_LOG" | grep -c -- '-accel kvm')" = 1 ]
ok $? "qemu-run.sh: the probe boots, so KVM"
rm -rf "$ACCEL_CACHE" "$FAKE_LOG"
KVM_DEV=/dev/null FAKE=hang "$ROOT/scripts/qemu-run.sh" --timeout 3 --initramfs "$T/initrd" \
	>/dev/null 2>"$T/err"
tail -n 1 "$FAKE_LOG" | grep -q -- '-accel tcg' && grep -q 'TCG: KVM probe boot did not' "$T/err"
ok $? "qemu-run.sh: the probe hangs, so TCG, and it says why"

tap_end
