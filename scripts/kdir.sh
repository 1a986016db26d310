#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kdir.sh - the kernel headers the modules build against: the ABI of the installed
# linux-headers-<debian arch> and its build directory (make modules, make check and make clean
# use it; scripts/kernel.sh adds the guest image on top). ARCH= (scripts/arch.sh) picks the
# guest's architecture.
# Native (ARCH is the host's): the installed headers; fetches nothing.
# Cross (ARCH=arm64 on x86): Debian's linux-headers-<abi>-arm64 for the ABI of the installed
# linux-headers-amd64 (whose -common, arch-independent, it shares), fetched once with
# `apt-get download` and unpacked with `dpkg -x` into .cache/headers/<kver>/ (it cannot be
# installed: it depends on gcc-12:arm64); its scripts/ and tools/ point at the host's own
# linux-kbuild-6.1, the same Kbuild built for the host, so the build runs here.
# Prints shell assignments for eval:
#   KVER=6.1.0-56-amd64 KDIR=/usr/src/linux-headers-KVER
# Override with KVER=... (an ABI whose linux-headers package is installed) or KDIR=... (any
# kernel build directory: KVER is then only looked up, never required, since the modules do
# not need it).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() {
	echo "kdir.sh: $*" >&2
	exit 1
}
# shellcheck source=scripts/arch.sh
. "$ROOT/scripts/arch.sh"

if [ -z "${KVER:-}" ]; then
	# linux-headers-amd64 depends on exactly one linux-headers-<abi>-amd64 (cross: the
	# host's meta package names the ABI, the guest's architecture its flavour)
	KVER=$(dpkg-query -W -f='${Depends}' "linux-headers-$HOST_DEB_ARCH" 2>/dev/null |
		grep -o "linux-headers-[0-9][^ ,]*-$HOST_DEB_ARCH" | head -n 1 |
		sed "s/^linux-headers-//; s/-$HOST_DEB_ARCH\$/-$DEB_ARCH/") || true
	if [ -z "$KVER" ] && [ -z "${KDIR:-}" ]; then
		die "linux-headers-$HOST_DEB_ARCH is not installed (run scripts/deps.sh)"
	fi
fi

# cross: the foreign headers package, unpacked into the cache
fetch_cross_headers() { # kver -> prints the build dir
	local kver=$1 dir=$ROOT/.cache/headers/$1 tmp src
	src=$dir/usr/src/linux-headers-$kver
	if ! [ -r "$src/Makefile" ]; then
		tmp=$(mktemp -d)
		echo "kdir.sh: fetching linux-headers-$kver:$DEB_ARCH" >&2
		if ! (cd "$tmp" && apt-get download -q "linux-headers-$kver:$DEB_ARCH" >&2); then
			rm -rf "$tmp"
			die "apt-get download linux-headers-$kver:$DEB_ARCH failed" \
				"(dpkg --add-architecture $DEB_ARCH and apt-get update: scripts/deps.sh does)"
		fi
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg -x "$tmp"/linux-headers-*.deb "$dir" || die "dpkg -x failed"
		rm -rf "$tmp"
		# the package's relative links would resolve inside the cache: the host's kbuild
		ln -sfn /usr/lib/linux-kbuild-6.1/scripts "$src/scripts"
		ln -sfn /usr/lib/linux-kbuild-6.1/tools "$src/tools"
	fi
	[ -r "$src/Makefile" ] || die "no $src/Makefile in linux-headers-$kver"
	# its Makefile includes the -common tree, installed with the host's headers
	local common
	common=$(sed -n 's/^include //p' "$src/Makefile")
	[ -r "$common" ] || die "$common missing: apt-get install linux-headers-${kver%-*}-common"
	echo "$src"
}

if [ -z "${KDIR:-}" ]; then
	if [ "$CROSS" = 1 ]; then
		KDIR=$(fetch_cross_headers "$KVER")
	else
		KDIR=/usr/src/linux-headers-$KVER
		if ! [ -r "$KDIR/Makefile" ]; then
			die "$KDIR missing: apt-get install linux-headers-$KVER (scripts/deps.sh does)"
		fi
	fi
elif ! [ -r "$KDIR/Makefile" ]; then
	die "KDIR=$KDIR has no Makefile"
fi
printf 'KVER=%s\nKDIR=%s\n' "$KVER" "$KDIR"
