#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kdir.sh - the kernel headers the modules build against: the ABI of the installed
# linux-headers-amd64 and its build directory.  Fetches nothing (make modules, make check and
# make clean use it; scripts/kernel.sh adds the guest image on top).
# Prints shell assignments for eval:
#   KVER=6.1.0-56-amd64 KDIR=/usr/src/linux-headers-KVER
# Override with KVER=... (an ABI whose linux-headers package is installed) or KDIR=... (any
# kernel build directory: KVER is then only looked up, never required, since the modules do
# not need it).
set -euo pipefail

die() {
	echo "kdir.sh: $*" >&2
	exit 1
}

if [ -z "${KVER:-}" ]; then
	# linux-headers-amd64 depends on exactly one linux-headers-<abi>-amd64
	KVER=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n 1 | sed 's/^linux-headers-//') ||
		true
	if [ -z "$KVER" ] && [ -z "${KDIR:-}" ]; then
		die "linux-headers-amd64 is not installed (run scripts/deps.sh)"
	fi
fi
if [ -z "${KDIR:-}" ]; then
	KDIR=/usr/src/linux-headers-$KVER
	if ! [ -r "$KDIR/Makefile" ]; then
		die "$KDIR missing: apt-get install linux-headers-$KVER (scripts/deps.sh does)"
	fi
elif ! [ -r "$KDIR/Makefile" ]; then
	die "KDIR=$KDIR has no Makefile"
fi
printf 'KVER=%s\nKDIR=%s\n' "$KVER" "$KDIR"
