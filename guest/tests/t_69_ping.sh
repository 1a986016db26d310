# SPDX-License-Identifier: GPL-2.0
# ping: with ping_ms the bus PINGs the device side; once the peer stops answering
# (ping_answer=0) the bus is broken: its devices are broken, I/O fails with an error instead of
# hanging, and the module unloads. Bus limits out of range (max_msg_size, revision) are refused
# by the transport with a clear error
unload_msg
dmesg -c >/dev/null
load_msg blk_mb=16 net_pairs=0 ping_ms=100
bound_is() { test "$(msg_bound)" -eq "$1"; }
has_blk() { test -n "$(msg_blk)"; }
wait_for 20 bound_is 1 || fail "blk did not come up"
wait_for 10 has_blk || fail "no /dev/vdX"
dev=$(msg_blk)
sleep 1
dmesg | grep -q 'bus broken' && fail "bus broken while the peer answers"
dd if="$dev" of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null || fail "read with PING on"
set_param ping_answer 0
t0=$(cut -d. -f1 /proc/uptime)
wait_for 10 sh -c "dmesg | grep -q 'bus broken'" || fail "no PING answer, bus not broken"
info "$(dmesg | grep -m 1 'bus broken') after $(($(cut -d. -f1 /proc/uptime) - t0)) s"
timeout 30 dd if="$dev" of=/dev/null bs=4k count=1 iflag=direct 2>/tmp/dd.err
rc=$?
[ $rc -ne 124 ] || fail "read hangs on a broken bus"
[ $rc -ne 0 ] || fail "read succeeded on a broken bus"
info "read on the broken bus failed: $(tail -n 1 /tmp/dd.err)"
t0=$(cut -d. -f1 /proc/uptime)
rmmod virtio_msg_loop || fail "rmmod after the bus broke"
info "unloaded in $(($(cut -d. -f1 /proc/uptime) - t0)) s"
for p in max_msg_size=40 max_msg_size=300 revision=0 revision=2; do
	dmesg -c >/dev/null
	insmod "$KMOD/virtio_msg_loop.ko" blk_mb=16 net_pairs=0 "$p" || fail "insmod $p"
	[ "$(msg_count)" -eq 0 ] || fail "$p: a device registered"
	msg=$(dmesg | grep -m 1 'refused')
	[ -n "$msg" ] || fail "$p: no clear error"
	info "$p: $msg"
	rmmod virtio_msg_loop || fail "rmmod after $p"
done
load_default
