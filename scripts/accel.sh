#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# accel.sh - which QEMU accelerator can boot the guest kernel here: prints, for eval,
#   ACCEL=kvm|tcg
#   ACCEL_WHY='one line saying why'
#
# A /dev/kvm that opens is not proof: a nested KVM (as on some cloud VMs) can stop the guest
# right after "Probing EDD" and never reach userspace. So KVM is used only after a probe boot
# of the guest kernel under KVM, with a tiny initramfs whose /init prints a marker, reached the
# marker within KVM_PROBE_TIMEOUT seconds (default 20; a good KVM boot takes 1-3 s). The
# verdict is cached per guest kernel, QEMU version and host kernel in .cache/accel/, so the
# probe costs once.
#
#   ACCEL=tcg | ACCEL=kvm   force (kvm without a usable /dev/kvm is an error)
#   KVM_DEV=/dev/kvm  QEMU=qemu-system-x86_64 (ARCH=arm64: qemu-system-aarch64)  KVM_PROBE_TIMEOUT=20  ACCEL_CACHE=.cache/accel
# Exit status 0, or 2 with a message on stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KVM_DEV=${KVM_DEV:-/dev/kvm}
# QEMU (the guest's qemu-system-*), CROSS and CONSOLE for ARCH=
# shellcheck source=scripts/arch.sh
. "$ROOT/scripts/arch.sh"
PROBE_TIMEOUT=${KVM_PROBE_TIMEOUT:-20}
MARKER=VMSG-KVM-PROBE-OK
die() {
	echo "accel: $*" >&2
	exit 2
}
verdict() { # accel why
	printf 'ACCEL=%s\nACCEL_WHY=%q\n' "$1" "$2"
	exit 0
}

[[ "$PROBE_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "KVM_PROBE_TIMEOUT must be a positive number"
usable=0
[ -c "$KVM_DEV" ] && [ -r "$KVM_DEV" ] && [ -w "$KVM_DEV" ] && usable=1

case "${ACCEL:-}" in
tcg) verdict tcg "forced by ACCEL=tcg" ;;
kvm)
	[ "$CROSS" = 0 ] || die "ACCEL=kvm but KVM cannot run an $ARCH guest on an $HOST_ARCH host"
	[ $usable = 1 ] || die "ACCEL=kvm but $KVM_DEV is missing or not read-writable"
	verdict kvm "forced by ACCEL=kvm"
	;;
"") ;;
*) die "ACCEL must be tcg or kvm, not '$ACCEL'" ;;
esac
[ "$CROSS" = 0 ] || verdict tcg "an $ARCH guest on an $HOST_ARCH host (KVM runs the host's only)"
[ $usable = 1 ] || verdict tcg "no usable $KVM_DEV"
command -v "$QEMU" >/dev/null || die "$QEMU missing (scripts/deps.sh)"

eval "$("$ROOT/scripts/kernel.sh")"
qver=$("$QEMU" --version | head -n 1 | grep -o 'version [^ ]*' | cut -d' ' -f2)
key="$KVER+qemu-${qver:-unknown}+host-$(uname -r)"
cache=${ACCEL_CACHE:-$ROOT/.cache/accel}/$key
if [ -r "$cache" ]; then
	read -r acc why <"$cache" || true
	case "$acc" in
	kvm | tcg) verdict "$acc" "$why (cached probe)" ;;
	esac
fi

# The probe: busybox as /init, the marker on the serial console, then a reset (reboot=t and
# -no-reboot make QEMU exit).
BUSYBOX=$(command -v busybox) || die "busybox not found (scripts/deps.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/bin" "$tmp/root/dev"
cp "$BUSYBOX" "$tmp/root/bin/busybox"
cat >"$tmp/root/init" <<EOF
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs devtmpfs /dev
echo $MARKER >/dev/$CONSOLE
/bin/busybox reboot -f
EOF
chmod +x "$tmp/root/init"
(cd "$tmp/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$tmp/probe.cpio" ||
	die "cpio failed"

echo "accel: $KVM_DEV is there; probing whether KVM boots the guest (up to ${PROBE_TIMEOUT}s)" >&2
t0=$(date +%s)
rc=0
ACCEL=kvm QEMU=$QEMU "$ROOT/scripts/qemu-run.sh" --timeout "$PROBE_TIMEOUT" --mem 256 \
	--initramfs "$tmp/probe.cpio" >"$tmp/console.log" 2>&1 || rc=$?
secs=$(($(date +%s) - t0))
mkdir -p "$(dirname "$cache")"
if grep -aq "^$MARKER" "$tmp/console.log"; then
	echo "kvm KVM probe boot reached /init in ${secs}s" >"$cache"
	verdict kvm "KVM probe boot reached /init in ${secs}s"
fi
# QEMU's own first error if it printed one, else the guest's last console line
last=$(grep -a "^${QEMU##*/}: " "$tmp/console.log" | head -n 1) || true
[ -n "$last" ] || last=$(grep -av -e '^qemu-run:' -e '^/.*: line [0-9]*: ' "$tmp/console.log" |
	tr -d '\r' | grep -a . | tail -n 1) || true
last=$(echo "$last" | cut -c1-100)
if [ "$rc" = 124 ]; then
	why="KVM probe boot did not reach /init in ${PROBE_TIMEOUT}s (last console line: ${last:-none})"
else
	why="KVM probe boot failed (QEMU exit $rc: ${last:-no output})"
fi
echo "tcg $why" >"$cache"
echo "accel: $why: using TCG" >&2
verdict tcg "$why"
