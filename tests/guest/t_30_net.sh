# SPDX-License-Identifier: GPL-2.0
# net: the loop pair, one end in a namespace: ping, then TCP both ways with iperf3
load_default
a=$(msg_nic 02:00:00:00:00:01)
b=$(msg_nic 02:00:00:00:00:02)
[ -n "$a" ] && [ -n "$b" ] || fail "loop NICs not found"
ip netns del vmsgt 2>/dev/null
ip netns add vmsgt || fail "ip netns add"
ip link set "$b" netns vmsgt || fail "moving $b to the namespace"
ip addr add 10.77.0.1/24 dev "$a"
ip link set "$a" up mtu 1500
ip -n vmsgt addr add 10.77.0.2/24 dev "$b"
ip -n vmsgt link set "$b" up mtu 1500
ip -n vmsgt link set lo up
wait_for 10 grep -q 1 "/sys/class/net/$a/carrier" || fail "$a has no carrier"
ping -c 3 -W 5 10.77.0.2 || fail "ping over the loop pair"
ip netns exec vmsgt iperf3 -s -p 5202 >/tmp/iperf3-srv.log 2>&1 &
srv=$!
wait_for 10 sh -c "$IP2 netns exec vmsgt cat /proc/net/tcp /proc/net/tcp6 | grep -q ':1452 '" ||
	fail "iperf3 server did not start"
for dir in "" -R; do
	iperf3 -c 10.77.0.2 -p 5202 -t 3 $dir -J >/tmp/iperf3.json 2>&1 ||
		{ cat /tmp/iperf3.json; kill $srv; fail "iperf3 $dir"; }
	bytes=$(grep -A 8 '"sum_received"' /tmp/iperf3.json | sed -n 's/.*"bytes":[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1)
	bps=$(grep -A 8 '"sum_received"' /tmp/iperf3.json | sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | head -n 1)
	[ "${bytes:-0}" -gt 0 ] || { cat /tmp/iperf3.json; kill $srv; fail "iperf3 $dir moved no data"; }
	info "iperf3 ${dir:-forward}: $bytes bytes, $bps bit/s"
done
kill $srv 2>/dev/null
wait $srv 2>/dev/null
# back to the initial namespace explicitly: netns teardown is asynchronous
ip -n vmsgt link set "$b" netns 1 || fail "moving $b back"
ip netns del vmsgt
wait_for 10 test -n "$(msg_nic 02:00:00:00:00:02)" || fail "$b did not come back from the namespace"
cat $SYS_LOOP/stats
