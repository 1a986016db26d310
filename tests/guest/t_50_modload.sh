# SPDX-License-Identifier: GPL-2.0
# modload: 20 load/unload cycles with devices bound (and the blk device just used), then bad
# module parameters must be refused with an error, not an oops
unload_msg
i=1
while [ $i -le 20 ]; do
	load_msg $LOOP_PARAMS_DEFAULT
	wait_for 20 test "$(msg_bound)" -ge 3 || fail "cycle $i: $(msg_bound) of 3 devices bound"
	if [ $((i % 5)) -eq 0 ]; then
		wait_for 10 test -n "$(msg_blk)" || fail "cycle $i: no blk device"
		dd if="$(msg_blk)" of=/dev/null bs=64k count=16 2>/dev/null || fail "cycle $i: read"
	fi
	unload_msg
	i=$((i + 1))
done
info "20 load/unload cycles ok"
insmod $KMOD/virtio_msg.ko || fail "insmod virtio_msg"
for bad in "blk_mb=-1" "blk_mb=abc" "net_pairs=99" "delay_ns=-5" "blk_queues=0" "fault=bogus"; do
	if insmod $KMOD/virtio_msg_loop.ko $bad 2>/tmp/insmod.err; then
		rmmod virtio_msg_loop
		fail "insmod with $bad was accepted"
	fi
	info "$bad refused: $(cat /tmp/insmod.err)"
done
load_default
