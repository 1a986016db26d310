# SPDX-License-Identifier: GPL-2.0
# link: one end of the net pair down (its driver posts no RX buffers) while the other floods it
# with UDP: the link drops and counts what the peer cannot take ("nobuf"), the sender's TX never
# stalls into the NETDEV WATCHDOG (5 s, checked every 5 s: hence 11 s down), and traffic flows
# again once the end is back up
load_default
pair_up vmsgl 10.79.0
echo 0 >$SYS_LOOP/stats
ip netns exec vmsgl iperf3 -s -1 -p 5204 >/tmp/iperf3-link-srv.log 2>&1 &
srv=$!
wait_for 10 sh -c "$IP2 netns exec vmsgl cat /proc/net/tcp /proc/net/tcp6 | grep -q ':1454 '" ||
	fail "iperf3 server did not start"
# UDP: the flood goes on while the far end is down; the results come over TCP at the end
iperf3 -c 10.79.0.2 -p 5204 -u -b 100M -t 16 >/tmp/iperf3-link.log 2>&1 &
cli=$!
sleep 2
ip -n vmsgl link set "$b" down || fail "$b down"
info "$b down for 11 s under a UDP flood"
sleep 11
ip -n vmsgl link set "$b" up || fail "$b up"
# its control connection may not survive the outage: the checks below decide
wait $cli || info "iperf3 did not finish cleanly: $(tail -n 1 /tmp/iperf3-link.log)"
kill $srv 2>/dev/null
wait $srv 2>/dev/null
if dmesg | grep -q 'NETDEV WATCHDOG'; then
	dmesg | grep -A 3 'NETDEV WATCHDOG'
	fail "TX stalled into the NETDEV WATCHDOG"
fi
# the sender is net0 (dev 1): its frames the down end could not take
nobuf=$(sed -n 's/^dev 1 net .* nobuf \([0-9]*\).*/\1/p' $SYS_LOOP/stats)
[ "${nobuf:-0}" -gt 0 ] || { cat $SYS_LOOP/stats; fail "no frame counted as dropped (nobuf)"; }
wait_for 10 grep -q 1 "/sys/class/net/$a/carrier" || fail "$a has no carrier"
ping -c 3 -W 5 10.79.0.2 >/dev/null || fail "no traffic after $b came back up"
info "dropped while down: $nobuf frames; no watchdog; ping after link up ok"
pair_down vmsgl
grep '^dev ' $SYS_LOOP/stats
