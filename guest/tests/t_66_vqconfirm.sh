# SPDX-License-Identifier: GPL-2.0
# vqconfirm: a SET_VQUEUE the device refuses fails the probe at once (read back with
# GET_VQUEUE), not after a bus timeout, and the device comes up once it takes them again
refused() { dmesg | grep -q 'did not take SET_VQUEUE'; }
unload_msg
dmesg -c >/dev/null
t0=$(cut -d. -f1 /proc/uptime)
load_msg blk_mb=16 net_pairs=0 timeout_ms=10000 fault=refusevq fault_count=1
wait_for 30 refused || {
	dmesg | tail
	fail "refused SET_VQUEUE not reported"
}
t1=$(cut -d. -f1 /proc/uptime)
[ "$(msg_bound)" -eq 0 ] || fail "blk bound with a refused queue"
info "refused SET_VQUEUE reported after $((t1 - t0)) s: $(dmesg | grep -m 1 'did not take')"
[ $((t1 - t0)) -lt 5 ] || fail "refusal took $((t1 - t0)) s: a timeout, not a read back"
set_param fault none
load_msg blk_mb=16 net_pairs=0
wait_for 20 test "$(msg_bound)" -eq 1 || fail "blk did not come up without the fault"
load_default
