#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sysroot.sh - for a guest of another architecture than the host's (ARCH=arm64 on x86,
# scripts/arch.sh): Debian's userspace for that architecture, unpacked into
# .cache/sysroot/<arch>/ by `mmdebstrap --variant=extract` (dpkg -x of the packages and their
# dependencies; no maintainer scripts run, so no qemu-user is needed). It cannot be installed
# beside the host's own: busybox-static, fio, iperf3, iproute2, perf (linux-perf: the bench's
# counters) and their libraries go into the guest's initramfs from here (scripts/initramfs.sh),
# and the -dev packages are what bpf/ and bench/ cross-link statically against (gcc --sysroot).
# Nothing to do on a native build.
# Prints SYSROOT=<dir> for eval.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() {
	echo "sysroot.sh: $*" >&2
	exit 1
}
# shellcheck source=scripts/arch.sh
. "$ROOT/scripts/arch.sh"

PKGS=busybox-static,fio,iperf3,iproute2,linux-perf,libaio1,libc6-dev,libbpf-dev,libelf-dev,zlib1g-dev,libjansson-dev
if [ "$CROSS" = 1 ]; then
	stamp=$SYSROOT/.vmsg-sysroot
	if ! [ -r "$stamp" ] || [ "$(cat "$stamp")" != "$PKGS" ]; then
		command -v mmdebstrap >/dev/null || die "mmdebstrap missing (scripts/deps.sh)"
		# the host's release (bookworm on Debian 12)
		suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
		[ -n "$suite" ] || die "no VERSION_CODENAME in /etc/os-release"
		echo "sysroot.sh: unpacking Debian $suite $DEB_ARCH userspace into $SYSROOT" >&2
		rm -rf "$SYSROOT"
		mkdir -p "$(dirname "$SYSROOT")"
		mmdebstrap --quiet --arch="$DEB_ARCH" --variant=extract --include="$PKGS" \
			"$suite" "$SYSROOT" >&2 || die "mmdebstrap failed"
		echo "$PKGS" >"$stamp"
	fi
fi
printf 'SYSROOT=%s\n' "$SYSROOT"
