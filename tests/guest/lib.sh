# SPDX-License-Identifier: GPL-2.0
# lib.sh - helpers for the in-guest tests (busybox sh). A test is a file t_NN_name.sh run in a
# subshell: exit 0 = pass, 77 = skip (reason on the last "skip:" line), anything else = fail.

KMOD=${KMOD:-/kmod}
LOOP_PARAMS_DEFAULT="blk_mb=64 net_pairs=1"
SYS_LOOP=/sys/devices/virtio-msg-loop

# busybox sh runs its own applets ahead of PATH; its ip has no netns: use iproute2's by path
IP2=/usr/bin/ip
ip() { "$IP2" "$@"; }

fail() {
	echo "FAIL: $*"
	exit 1
}
skip() {
	echo "skip: $*"
	exit 77
}
info() { echo "  $*"; }

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds
wait_for() {
	_n=$(($1 * 5))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		_n=$((_n - 1))
	done
	return 1
}

is_loaded() { grep -q "^$1 " /proc/modules; }

# msg_devs: virtio devices whose parent is our loop bus, one sysfs path per line
msg_devs() {
	for d in /sys/bus/virtio/devices/*; do
		[ -e "$d" ] || continue
		case "$(readlink -f "$d")" in */virtio-msg-loop/*) echo "$d" ;; esac
	done
}
msg_count() { msg_devs | wc -l; }
# devices of our bus with a driver bound
msg_bound() {
	for d in $(msg_devs); do
		[ -e "$d/driver" ] && echo "$d"
	done | wc -l
}
# msg_blk: /dev/vdX of the loop blk device
msg_blk() {
	for b in /sys/block/vd*; do
		[ -e "$b" ] || continue
		case "$(readlink -f "$b/device")" in */virtio-msg-loop/*) echo "/dev/${b##*/}" ;; esac
	done | head -n 1
}
# msg_nic MAC: interface name of the loop net device with that MAC
msg_nic() {
	for n in /sys/class/net/*; do
		[ "$(cat "$n/address" 2>/dev/null)" = "$1" ] || continue
		case "$(readlink -f "$n/device")" in */virtio-msg-loop/*) echo "${n##*/}" ;; esac
	done | head -n 1
}

# json_total FILE: the top-level "total" of a bpf tool's -j output
json_total() { sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$1" | head -n 1; }

# pair_up NS NET: the loop pair's second end into netns NS, NET.1 here and NET.2 there, both
# up with carrier; sets $a and $b to the interface names
pair_up() {
	a=$(msg_nic 02:00:00:00:00:01)
	b=$(msg_nic 02:00:00:00:00:02)
	[ -n "$a" ] && [ -n "$b" ] || fail "loop NICs 02:00:00:00:00:01/02 not found"
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || fail "ip netns add $1"
	ip link set "$b" netns "$1" || fail "moving $b to netns $1"
	ip addr add "$2.1/24" dev "$a" || fail "address on $a"
	ip link set "$a" up mtu 1500 || fail "$a up"
	ip -n "$1" addr add "$2.2/24" dev "$b" || fail "address on $b"
	ip -n "$1" link set "$b" up mtu 1500 || fail "$b up"
	ip -n "$1" link set lo up
	wait_for 10 grep -q 1 "/sys/class/net/$a/carrier" || fail "$a has no carrier"
}
# pair_down NS: $b back to the initial namespace (explicitly: netns teardown is asynchronous)
pair_down() {
	ip -n "$1" link set "$b" netns 1 || fail "moving $b back"
	ip netns del "$1"
	wait_for 10 test -n "$(msg_nic 02:00:00:00:00:02)" || fail "$b did not come back from $1"
}

# load_msg [loop params...]: insmod both modules (params default: LOOP_PARAMS_DEFAULT)
# shellcheck disable=SC2120
load_msg() {
	is_loaded virtio_msg || insmod "$KMOD/virtio_msg.ko" || fail "insmod virtio_msg.ko"
	if is_loaded virtio_msg_loop; then
		rmmod virtio_msg_loop || fail "rmmod virtio_msg_loop"
	fi
	_p=${*:-$LOOP_PARAMS_DEFAULT}
	# shellcheck disable=SC2086 # one word per parameter
	insmod "$KMOD/virtio_msg_loop.ko" $_p || fail "insmod virtio_msg_loop.ko $_p"
}
# load_default: the default devices, all bound (1 blk + 2 net)
# shellcheck disable=SC2119
load_default() {
	load_msg
	wait_for 20 test "$(msg_bound)" -ge 3 || fail "expected 3 bound loop devices, have $(msg_bound)"
	wait_for 10 test -n "$(msg_blk)" || fail "no /dev/vdX for the loop blk device"
}
unload_msg() {
	if is_loaded virtio_msg_loop; then rmmod virtio_msg_loop || fail "rmmod virtio_msg_loop"; fi
	if is_loaded virtio_msg; then rmmod virtio_msg || fail "rmmod virtio_msg"; fi
}
set_param() { echo "$2" >"/sys/module/virtio_msg_loop/parameters/$1"; }

# fio_verify DEV IODEPTH BS [extra]: write the whole device with crc32c, read back, verify
fio_verify() {
	_dev=$1 _qd=$2 _bs=$3
	shift 3
	fio --name=verify --filename="$_dev" --ioengine=libaio --direct=1 --rw=randwrite \
		--bs="$_bs" --iodepth="$_qd" --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--randrepeat=0 "$@" --output-format=terse --terse-version=3 >"${FIO_OUT:-/tmp/fio.out}" 2>&1
	_rc=$?
	# terse v3: field 5 = total errors
	_err=$(cut -d';' -f5 "${FIO_OUT:-/tmp/fio.out}" | head -n 1)
	[ $_rc -eq 0 ] && [ "$_err" = 0 ] && return 0
	cat "${FIO_OUT:-/tmp/fio.out}"
	return 1
}
