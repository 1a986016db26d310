# SPDX-License-Identifier: GPL-2.0
# faultkinds: fault=late answers after the bus gave up (timeout_ms + 200 ms): the late answer
# is dropped ("dropped" counts it), never taken for a later request; no oops, and the device
# works after a reload.  (fault=noreset has its own test, t_67_noreset.)
unload_msg
load_msg blk_mb=16 net_pairs=0 timeout_ms=300
wait_for 20 test "$(msg_bound)" -eq 1 || fail "blk did not come up"
d=$(msg_devs)
echo 0 >$SYS_LOOP/stats
set_param fault late
set_param fault_count 1
# GET_DEVICE_STATUS: the answer comes 500 ms late, the xfer gave up at 300 ms
st=$(cat "$d/status")
set_param fault none
sleep 1
dropped=$(sed -n 's/^dev 0 .* dropped \([0-9]*\).*/\1/p' $SYS_LOOP/stats)
faults=$(sed -n 's/^dev 0 .* faults \([0-9]*\).*/\1/p' $SYS_LOOP/stats)
[ "${faults:-0}" -eq 1 ] || { cat $SYS_LOOP/stats; fail "late: injected ${faults:-0} times"; }
[ "${dropped:-0}" -ge 1 ] || { cat $SYS_LOOP/stats; fail "late: the late answer was not dropped"; }
info "late: status read gave $st, late answer dropped ($dropped)"

load_default
fio_verify "$(msg_blk)" 4 4k --size=4m || fail "fio after the reload"
