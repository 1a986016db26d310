# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# lib.sh - the guest library (busybox sh; sh on a board with NATIVE=1), sourced by guest/run.sh
# for each test and by guest/bench.sh: config.sh, iproute2's ip, finding our devices, NIC pairs
# in network namespaces, and the tests' helpers. A test is a file tests/t_NN_name.sh run in a
# subshell: exit 0 = pass, 77 = skip (reason on the last "skip:" line), anything else = fail.

GUEST_DIR=${GUEST_DIR:-/guest}
# shellcheck source=guest/config.sh
. "$GUEST_DIR/config.sh"
KMOD=${KMOD:-/kmod}
LOOP_PARAMS_DEFAULT="blk_mb=64 net_pairs=1"

# ---- iproute2 --------------------------------------------------------------------------------
# busybox sh runs its own applets ahead of PATH, and busybox's ip has no netns: IP2 is the first
# ip that can list namespaces (IP_BIN first if set), empty if there is none
IP2=""
for _c in ${IP_BIN:-} /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do
	if [ -x "$_c" ] && "$_c" netns list >/dev/null 2>&1; then
		IP2=$_c
		break
	fi
done
ip() { "${IP2:?no iproute2 ip with netns support}" "$@"; }

# ---- our devices -----------------------------------------------------------------------------
# transport_of SYSFS_PATH: msg, pci or mmio, from where the device sits; fails for others
transport_of() {
	_p=$(readlink -f "$1" 2>/dev/null) || return 1
	case "$_p" in
	*virtio-msg-loop* | *virtio_msg*) echo msg ;;
	*/pci[0-9]*) echo pci ;;
	*virtio-mmio* | *virtio_mmio* | *LNRO0005* | */platform/*) echo mmio ;;
	*) return 1 ;;
	esac
}
# nic_by_mac MAC [TRANSPORT]: the interface with that MAC (and on that transport)
nic_by_mac() {
	for _n in /sys/class/net/*; do
		[ "$(cat "$_n/address" 2>/dev/null)" = "$1" ] || continue
		[ -z "${2:-}" ] || [ "$(transport_of "$_n/device")" = "$2" ] || continue
		echo "${_n##*/}"
	done | head -n 1
}
# msg_devs: virtio devices whose parent is our loop bus, one sysfs path per line
msg_devs() {
	for _d in /sys/bus/virtio/devices/*; do
		[ -e "$_d" ] || continue
		[ "$(transport_of "$_d")" = msg ] && echo "$_d"
	done
}
msg_count() { msg_devs | wc -l; }
# devices of our bus with a driver bound
msg_bound() {
	for _d in $(msg_devs); do
		[ -e "$_d/driver" ] && echo "$_d"
	done | wc -l
}
# msg_blk: /dev/vdX of the loop blk device
msg_blk() {
	for _b in /sys/block/vd*; do
		[ -e "$_b" ] || continue
		[ "$(transport_of "$_b/device")" = msg ] && echo "/dev/${_b##*/}"
	done | head -n 1
}
# msg_nic MAC: interface name of the loop net device with that MAC
msg_nic() { nic_by_mac "$1" msg; }

# ---- NIC pairs in network namespaces ---------------------------------------------------------
# pair_setup NET IFA NSA IFB NSB [MTU]: IFA gets NET.1/24 in netns NSA, IFB NET.2/24 in NSB ("" =
# stays in this namespace; a named one is made afresh, with lo up), both up; nonzero on failure
pair_setup() {
	_pair_end "$2" "$3" "$1.1" "${6:-}" && _pair_end "$4" "$5" "$1.2" "${6:-}"
}
_pair_end() { # IF NS ADDR MTU
	if [ -z "$2" ]; then
		ip addr add "$3/24" dev "$1" && ip link set "$1" up ${4:+mtu "$4"}
		return
	fi
	ip netns del "$2" 2>/dev/null
	ip netns add "$2" && ip link set "$1" netns "$2" && ip -n "$2" addr add "$3/24" dev "$1" &&
		ip -n "$2" link set "$1" up ${4:+mtu "$4"} && ip -n "$2" link set lo up
}

# ---- tests -----------------------------------------------------------------------------------
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

# json_total FILE: the top-level "total" of a bpf tool's -j output
json_total() { sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$1" | head -n 1; }

# pair_up NS NET: the loop pair's second end into netns NS, NET.1 here and NET.2 there, both
# up with carrier; sets $a and $b to the interface names
pair_up() {
	a=$(msg_nic "${MAC_MSG}1")
	b=$(msg_nic "${MAC_MSG}2")
	[ -n "$a" ] && [ -n "$b" ] || fail "loop NICs ${MAC_MSG}1/2 not found"
	pair_setup "$2" "$a" "" "$b" "$1" 1500 || fail "loop pair $a + $b ($2.1 here, $2.2 in netns $1)"
	wait_for 10 grep -q 1 "/sys/class/net/$a/carrier" || fail "$a has no carrier"
}
# pair_down NS: $b back to the initial namespace (explicitly: netns teardown is asynchronous)
pair_down() {
	ip -n "$1" link set "$b" netns 1 || fail "moving $b back"
	ip netns del "$1"
	wait_for 10 test -n "$(msg_nic "${MAC_MSG}2")" || fail "$b did not come back from $1"
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
