# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034 # the names are for the scripts that source this
# config.sh - what the host scripts and the guest must agree on, sourced by both (bash on the
# host, busybox sh in the guest or sh on a board), and kv_get, the one reader of KEY=VALUE files.

# NIC pairs, found by MAC (never by position): end A is <prefix>1, end B <prefix>2
MAC_PCI=52:54:00:99:02:0  # two virtio-net-pci NICs on one QEMU hub (bench)
MAC_MMIO=52:54:00:99:03:0 # two virtio-net-device NICs on another hub (bench)
MAC_MSG=02:00:00:00:00:0  # the virtio-msg loop pair 0 (kmod/loop/net.c: 02:00:00:00:<pair>:0N)
# QEMU disks carry serial <prefix><transport> (pci, mmio). The bench's may be overwritten
# (seqwrite): only disks with SERIAL_BENCH or under the loop bus are ever written to.
SERIAL_BENCH=vmsg-bench-
SERIAL_TEST=test-
# the loop bus's device in sysfs (kmod/loop/bus.c)
SYS_LOOP=/sys/devices/virtio-msg-loop

# kv_get FILE KEY: KEY's value in a file of KEY=VALUE lines, the grammar bench/vmsg.c's
# vmsg_parse_kv() reads too: "#" comments, blanks around the line ignored, the value optionally
# in matching quotes; the last assignment wins. Nothing if KEY is not set.
kv_get() {
	sed -n "s/^[[:space:]]*$2=//p" "$1" | tail -n 1 |
		sed "s/[[:space:]]*\$//; s/^\"\(.*\)\"\$/\1/; s/^'\(.*\)'\$/\1/"
}
