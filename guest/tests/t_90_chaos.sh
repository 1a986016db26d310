# SPDX-License-Identifier: GPL-2.0
# chaos: faults on every bus message (fault_probability, debugfs virtio-msg-loop/fault/) while
# fio crc32c verify runs on the loop blk device, iperf3 both ways on the loop net pair and the
# devices are unbound/bound and the module unloaded/loaded; then the faults stop and the
# devices must come back (a reload is allowed). Passes with no kernel warning, no verify
# failure (I/O errors are allowed and counted) and the devices back. Run by `make chaos`
# (scripts/chaos.sh): chaos_seconds=, chaos_seed=, chaos_prob=, chaos_kinds=, chaos_where= (comma
# lists for debugfs kinds and where, set after each load) on the kernel command line.
cmdarg() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
secs=$(cmdarg chaos_seconds)
[ -n "$secs" ] || skip "run by make chaos (chaos_seconds= on the kernel command line)"
seed=$(cmdarg chaos_seed)
seed=${seed:-1}
prob=$(cmdarg chaos_prob)
prob=${prob:-2}
ckinds=$(cmdarg chaos_kinds | tr , ' ')
cwhere=$(cmdarg chaos_where | tr , ' ')
DBG=/sys/kernel/debug/virtio-msg-loop/fault
BAD='blocked for more than|WARNING:|BUG:|Oops|Unknown symbol|unknown symbol|Call Trace|general protection|KASAN|UBSAN|soft lockup|hung task|RCU stall|list_del corruption|refcount_t:'
# a stuck task is reported within the run
echo 20 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
info "chaos: seed $seed, probability $prob %, $secs s"

msgs=0 faults=0 kinds="drop delay dup corrupt reorder late"
for k in $kinds; do eval "n_$k=0"; done
ioerr=0 vfail=0 loads=0 loadfail=0 bindfail=0 rounds=0 netfail=0 fioruns=0 netruns=0
: >/tmp/chaos.dmesg
# collect: add the module's chaos counters (reset by every load) to the totals
collect() {
	[ -r $DBG/counts ] || return 0
	# shellcheck disable=SC2046 # one word per field
	set -- $(head -n 1 $DBG/counts)
	msgs=$((msgs + $2)) faults=$((faults + $4))
	shift 4
	for kv; do
		eval "n_${kv%%=*}=\$((n_${kv%%=*} + ${kv#*=}))"
	done
}
# load P: (re)load the loop module with fault probability P and the next seed
load() {
	collect
	if is_loaded virtio_msg_loop && ! rmmod virtio_msg_loop; then
		fail "rmmod virtio_msg_loop"
	fi
	is_loaded virtio_msg || insmod "$KMOD/virtio_msg.ko" || fail "insmod virtio_msg.ko"
	loads=$((loads + 1))
	# narrowed faults start after the load, the others already during it
	_p=$1
	[ -z "$ckinds$cwhere" ] || _p=0
	if ! insmod "$KMOD/virtio_msg_loop.ko" blk_mb=16 net_pairs=1 fault_probability="$_p" \
		fault_seed=$((seed * 1000 + loads)); then
		loadfail=$((loadfail + 1))
		return
	fi
	[ -z "$ckinds" ] || echo "$ckinds" >$DBG/kinds || fail "kinds: $ckinds"
	[ -z "$cwhere" ] || echo "$cwhere" >$DBG/where || fail "where: $cwhere"
	echo "$1" >$DBG/probability
}
# fio_start DEV: randwrite + crc32c verify of 4 MiB, in the background ($fiopid)
fio_start() {
	fioruns=$((fioruns + 1))
	fio --name=chaos --filename="$1" --ioengine=libaio --direct=1 --rw=randwrite --bs=4k \
		--iodepth=8 --size=4m --runtime=$((end - $(cut -d. -f1 /proc/uptime) + 5)) \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 >/tmp/chaos.fio 2>&1 &
	fiopid=$!
}
# fio_done: wait for it; count an I/O error or a verify failure (fio says EILSEQ, err=84)
fio_done() {
	wait "$fiopid"
	if grep -Eq 'err= *84|verify failed|bad magic|bad header' /tmp/chaos.fio; then
		vfail=$((vfail + 1))
		grep -E 'verify|bad|err=' /tmp/chaos.fio | head -n 5
	elif ! grep -q 'err= *0:' /tmp/chaos.fio; then
		ioerr=$((ioerr + 1))
	fi
}
# net_chaos: the pair's second end into netns chaos, iperf3 both ways; counts failures
net_chaos() {
	_a=$(msg_nic "${MAC_MSG}1")
	_b=$(msg_nic "${MAC_MSG}2")
	[ -n "$_a" ] && [ -n "$_b" ] || return 0
	netruns=$((netruns + 1))
	ip addr flush dev "$_a" 2>/dev/null
	if ! pair_setup 10.79.0 "$_a" "" "$_b" chaos 1500 >/dev/null 2>&1; then
		netfail=$((netfail + 1))
		ip netns del chaos 2>/dev/null
		return 0
	fi
	for _dir in "" -R; do
		ip netns exec chaos timeout 30 iperf3 -s -1 -p 5209 >/dev/null 2>&1 &
		_srv=$!
		sleep 1
		# shellcheck disable=SC2086 # no word or one
		timeout 20 iperf3 -c 10.79.0.2 -p 5209 -t 1 $_dir --connect-timeout 3000 \
			>/dev/null 2>&1 || netfail=$((netfail + 1))
		kill "$_srv" 2>/dev/null
		wait "$_srv" 2>/dev/null
	done
	ip netns del chaos 2>/dev/null
}
# rebind: every bound device unbound and bound again, every other one probed again
rebind() {
	for _d in $(msg_devs); do
		if [ ! -e "$_d/driver" ]; then
			echo "${_d##*/}" >/sys/bus/virtio/drivers_probe 2>/dev/null
			continue
		fi
		_v=${_d##*/}
		_drv=$(basename "$(readlink -f "$_d/driver")")
		echo "$_v" >"/sys/bus/virtio/drivers/$_drv/unbind" || bindfail=$((bindfail + 1))
		echo "$_v" >"/sys/bus/virtio/drivers/$_drv/bind" 2>/dev/null ||
			bindfail=$((bindfail + 1))
	done
}

# progress on the console, and the blocked tasks there if the run overstays
say() { echo "# chaos: $*" >/dev/console; }
unload_msg
load "$prob"
end=$(($(cut -d. -f1 /proc/uptime) + secs))
(
	sleep $((secs + 60))
	say "overdue: blocked tasks"
	echo w >/proc/sysrq-trigger
	dmesg | grep -E "$BAD|task:|blocked|virtio|vmsg|^ *[a-z_]+\+0x" | tail -n 80 >/dev/console
) &
dog=$!
while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
	rounds=$((rounds + 1))
	say "round $rounds: $(msg_bound) devices bound"
	blk=$(msg_blk)
	[ -z "$blk" ] || fio_start "$blk"
	net_chaos
	[ -z "$blk" ] || fio_done
	# past the deadline: the faults stop now, not after another rebind
	[ "$(cut -d. -f1 /proc/uptime)" -lt $end ] || break
	dmesg -c >>/tmp/chaos.dmesg
	rebind
	[ $((rounds % 3)) = 0 ] && load "$prob"
done

# faults off: the devices must come back, by a reload if a device stayed broken
echo 0 >/sys/module/virtio_msg_loop/parameters/fault_probability 2>/dev/null
echo 0 >$DBG/probability 2>/dev/null
rebind
if ! wait_for 10 test "$(msg_bound)" -ge 3 || [ -z "$(msg_blk)" ]; then
	info "devices not all back after the faults stopped ($(msg_bound) bound): reload"
	load 0
fi
wait_for 20 test "$(msg_bound)" -ge 3 || back="only $(msg_bound) of 3 devices bound"
wait_for 10 test -n "$(msg_blk)" || back="no blk device"
if [ -z "${back:-}" ]; then
	fio_verify "$(msg_blk)" 8 4k --size=4m >/tmp/chaos.final 2>&1 || back="fio verify failed"
fi
if [ -z "${back:-}" ]; then
	pair_up chaosend 10.80.0
	ping -c 2 -W 5 10.80.0.2 >/dev/null || back="no ping over the net pair"
	pair_down chaosend
fi
collect
unload_msg
kill "$dog" 2>/dev/null
dmesg -c >>/tmp/chaos.dmesg
warn=$(grep -cE "$BAD" /tmp/chaos.dmesg)
info "rounds $rounds: fio runs $fioruns, net runs $netruns ($netfail iperf3/setup failures), loads $loads ($loadfail failed), unbind/bind failures $bindfail"
grep -m 1 -B 25 -A 12 -E "$BAD" /tmp/chaos.dmesg
[ -z "${back:-}" ] || info "devices did not come back: $back"
verdict=PASS
if [ "$warn" != 0 ] || [ "$vfail" != 0 ] || [ -n "${back:-}" ]; then verdict=FAIL; fi
# shellcheck disable=SC2154 # n_* are set through eval
echo "chaos: $msgs messages, $faults faults (drop=$n_drop delay=$n_delay dup=$n_dup corrupt=$n_corrupt reorder=$n_reorder late=$n_late), $ioerr I/O errors, $vfail verify failures, $warn kernel warnings: $verdict"
[ $verdict = PASS ] || fail "chaos: seed $seed"
load_default
