# SPDX-License-Identifier: GPL-2.0
# fault: malformed or missing responses injected on the bus are device errors (dev_err, the
# device fails to come up), never an oops or a hang; the bus recovers once the fault is off
unload_msg
for f in badsize badid badtoken drop; do
	dmesg -c >/dev/null
	t0=$(cut -d. -f1 /proc/uptime)
	load_msg blk_mb=16 net_pairs=0 fault=$f fault_count=1
	sleep 1
	t1=$(cut -d. -f1 /proc/uptime)
	bound=$(msg_bound)
	[ "$bound" -eq 0 ] || fail "fault=$f: blk device bound anyway"
	dmesg | grep -iE 'virtio.msg' | grep -iE 'err|fail|invalid|bad|time' | head -n 3 >/tmp/f.log
	[ -s /tmp/f.log ] || { dmesg | tail; fail "fault=$f: no error reported"; }
	info "fault=$f: device not brought up ($((t1 - t0)) s), kernel said: $(head -n 1 /tmp/f.log)"
	unload_msg
done
# at run time: break one response while rebinding, then rebind cleanly
load_msg blk_mb=16 net_pairs=0
wait_for 20 test "$(msg_bound)" -eq 1 || fail "blk did not come up"
d=$(msg_devs)
v=${d##*/}
echo "$v" >/sys/bus/virtio/drivers/virtio_blk/unbind || fail "unbind"
set_param fault badindex
set_param fault_count 2
echo "$v" >/sys/bus/virtio/drivers/virtio_blk/bind 2>/dev/null
set_param fault none
if [ -e "$d/driver" ]; then
	echo "$v" >/sys/bus/virtio/drivers/virtio_blk/unbind
fi
echo "$v" >/sys/bus/virtio/drivers/virtio_blk/bind || fail "bind after the fault was cleared"
wait_for 10 test -n "$(msg_blk)" || fail "no blk device after recovery"
fio_verify "$(msg_blk)" 4 4k --size=4m || fail "fio after recovery"
info "run-time fault + recovery ok"
load_default
