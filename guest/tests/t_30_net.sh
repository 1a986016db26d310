# SPDX-License-Identifier: GPL-2.0
# net: the loop pair, one end in a namespace: ping, then TCP both ways with iperf3
load_default
pair_up vmsgt 10.77.0
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
pair_down vmsgt
cat $SYS_LOOP/stats
