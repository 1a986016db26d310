#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel.sh - the guest kernel: Debian's linux-image matching the installed linux-headers-amd64
# ABI, fetched with `apt-get download` and unpacked with `dpkg -x` into .cache/kernel/<kver>/.
# ARCH=arm64 (scripts/arch.sh): linux-image-<abi>-arm64 of the same ABI, the same way (the
# package's :arm64 from a foreign architecture: scripts/deps.sh adds it to dpkg).
# Prints shell assignments for eval:
#   KVER=6.1.0-56-amd64 KERNEL=<vmlinuz> KMODS=<.../lib/modules/KVER> KDIR=<headers build dir>
# Override with KVER=... (an ABI whose linux-image and linux-headers packages apt can fetch).
# KVER and KDIR come from scripts/kdir.sh, which is all that make modules/check/clean need.
# GUEST_KERNEL=debug prints scripts/debug-kernel.sh's instead.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() {
	echo "kernel.sh: $*" >&2
	exit 1
}

# GUEST_KERNEL=debug (make test-debug): the debug kernel built from linux-source-6.1 instead
if [ "${GUEST_KERNEL:-debian}" = debug ]; then
	exec "$ROOT/scripts/debug-kernel.sh"
fi
[ "${GUEST_KERNEL:-debian}" = debian ] || die "GUEST_KERNEL must be debian or debug"

# KDIR is not taken from the environment here: the guest's modules must match its image.
kdir=$(KDIR='' "$ROOT/scripts/kdir.sh") || exit 1
eval "$kdir"
# shellcheck source=scripts/arch.sh
. "$ROOT/scripts/arch.sh"
pkg_arch=""
[ "$CROSS" = 0 ] || pkg_arch=:$DEB_ARCH

CACHE=$ROOT/.cache/kernel/$KVER
KERNEL=$CACHE/boot/vmlinuz-$KVER
KMODS=$CACHE/lib/modules/$KVER
if ! [ -r "$KERNEL" ] || ! [ -r "$KMODS/modules.dep" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "kernel.sh: fetching linux-image-$KVER" >&2
	(cd "$tmp" && apt-get download -q "linux-image-$KVER$pkg_arch" >&2) ||
		(cd "$tmp" && apt-get download -q "linux-image-$KVER-unsigned$pkg_arch" >&2) ||
		die "apt-get download linux-image-$KVER failed (apt-get update? network?)"
	rm -rf "$CACHE"
	mkdir -p "$CACHE"
	dpkg -x "$tmp"/linux-image-*.deb "$CACHE" || die "dpkg -x failed"
	# the package's postinst would run depmod; modprobe in the guest needs modules.dep
	depmod -b "$CACHE" "$KVER" || die "depmod failed"
	[ -r "$KERNEL" ] || die "no $KERNEL in the package"
fi
printf 'KVER=%s\nKERNEL=%s\nKMODS=%s\nKDIR=%s\n' "$KVER" "$KERNEL" "$KMODS" "$KDIR"
