# SPDX-License-Identifier: GPL-2.0
# usernet: two virtio-net devices played by two vmsg-net-user processes joined by unix datagram
# sockets, one netdev in a namespace: ping and iperf3 across; kill -9 of one process under
# iperf3 (no hang: iperf3 stays killable, no TX watchdog, its netdev goes), started again
# (message rings this time) it comes back and passes traffic
command -v vmsg-net-user >/dev/null || skip "no vmsg-net-user in the initramfs (make -C user static)"
MAC_A=02:00:00:00:55:01
MAC_B=02:00:00:00:55:02
# start_net END [ARGS...]: vmsg-net-user for end a or b, pid in $pid_a / $pid_b
start_net() {
	_e=$1
	shift
	if [ "$_e" = a ]; then
		vmsg-net-user "$@" -m $MAC_A /tmp/un-a.sock /tmp/un-b.sock 2>>/tmp/un-a.log &
		pid_a=$!
	else
		vmsg-net-user "$@" -m $MAC_B /tmp/un-b.sock /tmp/un-a.sock 2>>/tmp/un-b.log &
		pid_b=$!
	fi
}
# iperf_srv [ARGS]: iperf3 server in netns usn, pid in $srv
iperf_srv() {
	ip netns exec usn iperf3 -s -p 5203 "$@" >/tmp/iperf3-un.log 2>&1 &
	srv=$!
	wait_for 10 sh -c "$IP2 netns exec usn cat /proc/net/tcp /proc/net/tcp6 | grep -q ':1453 '" ||
		fail "iperf3 server did not start"
}
# iperf_3s: 3 s of TCP to the namespace, bit/s in $bps
iperf_3s() {
	# bounded: a stalled data path is a failure with a message, not a guest that never ends
	timeout 60 iperf3 -c 10.78.0.2 -p 5203 -t 3 --connect-timeout 5000 -J >/tmp/iperf3.json 2>&1 ||
		{ tail -n 20 /tmp/iperf3.json; fail "iperf3 (3 s, bounded at 60 s) across the user-played pair"; }
	bps=$(grep -A 8 '"sum_received"' /tmp/iperf3.json | sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | head -n 1)
}
# exited PID: gone, or a zombie (exit done, not yet reaped)
exited() { ! [ -e "/proc/$1" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }
has_nic() { test -n "$(nic_by_mac "$1")"; }
no_nic_b() { test -z "$(ip -n usn -o link 2>/dev/null | grep -i "$MAC_B")$(nic_by_mac $MAC_B)"; }
unload_msg
dmesg -c >/dev/null
load_msg blk_mb=0 net_pairs=0 window_mb=16
: >/tmp/un-a.log
: >/tmp/un-b.log
start_net a
start_net b
wait_for 30 has_nic $MAC_A || fail "no netdev from vmsg-net-user a: $(tail -n 3 /tmp/un-a.log)"
wait_for 30 has_nic $MAC_B || fail "no netdev from vmsg-net-user b: $(tail -n 3 /tmp/un-b.log)"
ifa=$(nic_by_mac $MAC_A)
pair_setup 10.78.0 "$ifa" "" "$(nic_by_mac $MAC_B)" usn || fail "pair setup"
info "$(head -n 1 /tmp/un-a.log); $(head -n 1 /tmp/un-b.log)"
ping -c 3 -W 5 10.78.0.2 || fail "ping across the user-played pair"
iperf_srv
iperf_3s
info "iperf3 across the user-played pair: $bps bit/s"

# kill -9 of end b under iperf3: iperf3 ends (error or timeout), the netdev goes, no watchdog
iperf3 -c 10.78.0.2 -p 5203 -t 60 --connect-timeout 5000 >/tmp/iperf3-kill.log 2>&1 &
ipid=$!
sleep 3
dmesg -c >/dev/null
kill -9 $pid_b
# its exit removes its device (the netdev's unregistration) and must not get stuck there
wait_for 20 exited $pid_b ||
	fail "vmsg-net-user b still exiting 20 s after kill -9: $(tr '\n' ' ' </proc/$pid_b/stack)"
wait $pid_b 2>/dev/null
wait_for 30 no_nic_b || fail "netdev b still there after kill -9"
dmesg | grep -q 'the process went away, removed' || fail "no removal logged"
# iperf3 retransmits into the void for minutes: it must still be killable (not stuck)
kill $ipid 2>/dev/null
wait_for 10 sh -c "! kill -0 $ipid 2>/dev/null" || fail "iperf3 does not die after kill"
wait $ipid 2>/dev/null
dmesg | grep -q 'NETDEV WATCHDOG' && fail "TX watchdog after kill -9: $(dmesg | grep -m 1 'NETDEV WATCHDOG')"
info "kill -9 under iperf3: netdev b gone, a still there: $(nic_by_mac $MAC_A)"
kill $srv 2>/dev/null
wait $srv 2>/dev/null

# end b again, over the message rings
start_net b -r 64
wait_for 30 has_nic $MAC_B || fail "no netdev after restart: $(tail -n 3 /tmp/un-b.log)"
ip netns del usn
_pair_end "$(nic_by_mac $MAC_B)" usn 10.78.0.2 || fail "pair setup after restart"
ping -c 3 -W 5 10.78.0.2 || fail "ping after restart (rings)"
iperf_srv -1
iperf_3s
info "restarted over the message rings: ping ok, iperf3 $bps bit/s"
kill $srv 2>/dev/null
wait $srv 2>/dev/null
kill $pid_a $pid_b
wait $pid_a $pid_b
info "a: $(tail -n 1 /tmp/un-a.log)"
info "b: $(tail -n 1 /tmp/un-b.log)"
ip netns del usn
wait_for 20 sh -c "! grep -q '^dev ' $SYS_LOOP/stats" || fail "the devices were not released"
load_default
