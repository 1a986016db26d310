# SPDX-License-Identifier: GPL-2.0
# noreset: a device that never confirms its reset may still use its rings: unbinding must
# leak them (reported, counted), not free them, and the bus must still unload afterwards
load_default
d=$(msg_blk)
v=$(basename "$(readlink -f "/sys/block/${d#/dev/}/device")")
dmesg -c >/dev/null
set_param fault noreset
set_param fault_count 1
t0=$(cut -d. -f1 /proc/uptime)
echo "$v" >/sys/bus/virtio/drivers/virtio_blk/unbind || fail "unbind $v"
t1=$(cut -d. -f1 /proc/uptime)
set_param fault none
dmesg | grep -iE 'reset|leak' | head -n 4 >/tmp/noreset.log
info "unbind took $((t1 - t0)) s; kernel said:"
sed 's/^/    /' /tmp/noreset.log
grep -q 'reset not confirmed' /tmp/noreset.log || fail "the failed reset was not reported"
grep -q 'virtqueues leaked' /tmp/noreset.log ||
	fail "rings freed although the device never confirmed its reset"
load_default
fio_verify "$(msg_blk)" 4 4k --size=4m || fail "fio after reloading the bus"
