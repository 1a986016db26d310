# SPDX-License-Identifier: GPL-2.0
# rebind: unbind and bind the stock drivers through sysfs (device reset, vq teardown and
# setup), then do I/O again
load_default
for d in $(msg_devs); do
	v=${d##*/}
	drv=$(basename "$(readlink -f "$d/driver")")
	for i in 1 2 3; do
		echo "$v" >"/sys/bus/virtio/drivers/$drv/unbind" || fail "unbind $v from $drv"
		[ ! -e "$d/driver" ] || fail "$v still bound after unbind"
		echo "$v" >"/sys/bus/virtio/drivers/$drv/bind" || fail "bind $v to $drv (round $i)"
		[ -e "$d/driver" ] || fail "$v not bound after bind"
	done
	info "$v: 3 x unbind/bind $drv ok"
done
wait_for 10 test -n "$(msg_blk)" || fail "blk device did not come back"
fio_verify "$(msg_blk)" 16 8k --size=16m || fail "fio verify after rebind"
pair_up vmsgr 10.78.0
ping -c 2 -W 5 10.78.0.2 || fail "ping after rebind"
pair_down vmsgr
