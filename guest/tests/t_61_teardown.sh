# SPDX-License-Identifier: GPL-2.0
# teardown: unbinding a driver resets the whole device before its rings are freed and never
# sends RESET_VQUEUE, which needs VIRTIO_F_RING_RESET (the 6.1 core never negotiates it)
T=/sys/kernel/tracing
load_default
[ -d "$T/events/virtio_msg" ] || skip "no tracefs events for virtio_msg"
d=$(msg_blk)
v=$(basename "$(readlink -f "/sys/block/${d#/dev/}/device")")
echo >"$T/trace"
echo 1 >"$T/events/virtio_msg/virtio_msg_xfer/enable"
echo "$v" >/sys/bus/virtio/drivers/virtio_blk/unbind || fail "unbind $v"
echo "$v" >/sys/bus/virtio/drivers/virtio_blk/bind || fail "bind $v"
echo 0 >"$T/events/virtio_msg/virtio_msg_xfer/enable"
grep virtio_msg_xfer "$T/trace" >/tmp/teardown.trace
resets=$(grep -c 'SET_DEVICE_STATUS' /tmp/teardown.trace)
vqresets=$(grep -c 'RESET_VQUEUE' /tmp/teardown.trace)
info "unbind + bind: $(wc -l </tmp/teardown.trace) requests, $resets SET_DEVICE_STATUS, $vqresets RESET_VQUEUE"
[ "$resets" -gt 0 ] || fail "no SET_DEVICE_STATUS traced: the trace did not work"
[ "$vqresets" -eq 0 ] || fail "$vqresets RESET_VQUEUE sent without VIRTIO_F_RING_RESET"
wait_for 10 test -n "$(msg_blk)" || fail "no blk device after rebind"
fio_verify "$(msg_blk)" 4 4k --size=4m || fail "fio after rebind"
