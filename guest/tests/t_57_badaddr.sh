# SPDX-License-Identifier: GPL-2.0
# badaddr: a driver buffer that is not RAM (injected: fault=badaddr moves the first writable
# buffer of the next chain, here an RX buffer of the net pair, to the first page of physical
# address space that is no RAM, which pfn_valid() accepts) is a device error: the device counts
# it in "errors", sets NEEDS_RESET and leaves the queue alone; no oops, and the pair works again
# after the module is reloaded
unload_msg
load_msg blk_mb=0 net_pairs=1
wait_for 20 test "$(msg_bound)" -eq 2 || fail "net pair did not come up"
pair_up vmsgb 10.80.0
ping -c 2 -W 5 10.80.0.2 >/dev/null || fail "ping before the fault"
set_param fault badaddr
set_param fault_count 1
ping -c 3 -W 2 10.80.0.2 >/dev/null
set_param fault none
faults=$(sed -n 's/.* faults \([0-9]*\).*/\1/p' $SYS_LOOP/stats | awk '{ s += $1 } END { print s + 0 }')
[ "$faults" -eq 1 ] || { cat $SYS_LOOP/stats; fail "fault injected $faults times, want 1"; }
errors=$(sed -n 's/.* errors \([0-9]*\).*/\1/p' $SYS_LOOP/stats | awk '{ s += $1 } END { print s + 0 }')
[ "$errors" -ge 1 ] || { cat $SYS_LOOP/stats; fail "buffer off RAM not detected (errors $errors)"; }
# the virtio core reads the status from the device: NEEDS_RESET (0x40) on one of the pair
nr=0
for d in $(msg_devs); do
	[ $(($(cat "$d/status") & 0x40)) -ne 0 ] && nr=$((nr + 1))
done
[ $nr -eq 1 ] || fail "$nr devices with NEEDS_RESET, want 1"
info "bad buffer address: $errors device error(s), NEEDS_RESET set, no oops"
pair_down vmsgb
load_default
pair_up vmsgb 10.80.0
ping -c 2 -W 5 10.80.0.2 >/dev/null || fail "ping after the reload"
pair_down vmsgb
