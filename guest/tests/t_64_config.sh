# SPDX-License-Identifier: GPL-2.0
# config: a device whose configuration generation moves on every read cannot livelock the
# probe (6.1's virtio_cread() retries until two generations match): the transport holds
# the generation after a bounded number of moves, and the driver comes up
N=100000
unload_msg
dmesg -c >/dev/null
load_msg blk_mb=16 net_pairs=0 fault=genchange fault_count=$N
wait_for 60 test "$(msg_bound)" -eq 1 || fail "blk probe did not finish with a moving generation"
moved=$((N - $(cat /sys/module/virtio_msg_loop/parameters/fault_count)))
set_param fault none
info "probe done after $moved GET_CONFIG with a moved generation: $(dmesg | grep -m 1 'generation moved')"
[ "$moved" -lt 1000 ] || fail "$moved generation reads: the retries are not bounded"
dmesg | grep -q 'generation moved' || fail "no warning about the moving generation"
load_default
fio_verify "$(msg_blk)" 4 4k --size=4m || fail "fio after the generation fault"
