# SPDX-License-Identifier: GPL-2.0
# bpf: msglat sees the virtio-msg messages of real I/O (per type and per queue), and kicklat
# counts notifications and completions on virtio-msg and on virtio-pci / virtio-mmio alike
BPF=${BPF_DIR:-/bpf} # NATIVE=1: the checkout's bpf/
[ -x "$BPF/msglat" ] && [ -x "$BPF/kicklat" ] || skip "bpf tools not in the image (make bpf)"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF (CO-RE needs /sys/kernel/btf/vmlinux)"
load_default
dev=$(msg_blk)
[ -e "/sys/block/${dev#/dev/}/device" ] || fail "no device link for $dev"
vdev=$(basename "$(readlink -f "/sys/block/${dev#/dev/}/device")")
ios() { fio --name=r --filename="$1" --ioengine=psync --direct=1 --rw=randread --bs=4k \
	--size=16m --number_ios="$2" --output-format=json | sed -n 's/.*"total_ios" : \([0-9]*\).*/\1/p' | head -n 1; }

# The exact counts need the tools attached before fio starts and reporting after it ends:
# wait for their "Tracing" line (printed once attached), stop them with SIGINT (final report).
attached() { # err-file...
	for _ in $(seq 60); do
		grep -q Tracing "$@" 2>/dev/null && return 0
		sleep 0.5
	done
	fail "$* : no 'Tracing' line after 30 s"
}
stop() { kill -INT "$1" && wait "$1"; }
# Start a tool in the background (its pid in $!), stdout to @out, stderr to @err. @err is emptied
# here, before the tool starts: the redirection alone empties it in the child, which may come
# after attached() has read the previous run's "Tracing" line from it.
start() { # out err command...
	_out=$1 _err=$2
	shift 2
	: >"$_err"
	"$@" >"$_out" 2>"$_err" &
}

start /tmp/msglat.json /tmp/msglat.err "$BPF"/msglat -j
m=$!
start /tmp/kicklat.json /tmp/kicklat.err "$BPF"/kicklat -b -j -d "$vdev"
k=$!
attached /tmp/msglat.err
attached /tmp/kicklat.err
n=$(ios "$dev" 500)
stop $m || { cat /tmp/msglat.err; fail "msglat exited with an error"; }
stop $k || { cat /tmp/kicklat.err; fail "kicklat exited with an error"; }
info "fio did $n reads on $dev ($vdev)"
head -c 600 /tmp/msglat.json
echo
head -c 400 /tmp/kicklat.json
echo
total=$(json_total /tmp/msglat.json)
avail=$(grep -o '"name":"EVENT_AVAIL","count":[0-9]*' /tmp/msglat.json | grep -o '[0-9]*$' | head -n 1)
used=$(grep -o '"name":"EVENT_USED","count":[0-9]*' /tmp/msglat.json | grep -o '[0-9]*$' | head -n 1)
[ "${total:-0}" -ge "$n" ] || fail "msglat total ${total:-none} < $n reads"
[ "${avail:-0}" -gt 0 ] && [ "${used:-0}" -gt 0 ] ||
	fail "msglat per type: EVENT_AVAIL ${avail:-none}, EVENT_USED ${used:-none}"
info "msglat: $total messages, EVENT_AVAIL $avail, EVENT_USED $used for $n reads"
# psync reads at qd1: one notification and one used buffer per read, exactly
exact() { # probes reads -> fails unless /tmp/kicklat.json counted each read once with probes
	kt=$(json_total /tmp/kicklat.json)
	kb=$(grep -o '"buffers":[0-9]*' /tmp/kicklat.json | grep -o '[0-9]*$' |
		awk '{s += $1} END {print s + 0}')
	grep -q "\"probes\":\"$1\"" /tmp/kicklat.json || fail "kicklat did not use $1 probes"
	[ "${kt:-0}" = "$2" ] && [ "$kb" = "$2" ] ||
		fail "kicklat ($1) on $vdev: ${kt:-none} notifications, $kb buffers for $2 reads"
	info "kicklat ($1): $kt notifications, $kb buffers on $vdev for $2 reads"
}
# kicklat's default probes on this kernel: fentry/fexit, except on arm64 before 6.4, whose
# ftrace has no direct calls, so BPF trampolines cannot attach and kicklat falls back to kprobes
PROBES=fentry
if [ "$(uname -m)" = aarch64 ]; then
	kv=$(uname -r)
	major=${kv%%.*}
	minor=${kv#*.}
	minor=${minor%%.*}
	if [ "$major" -lt 6 ] || { [ "$major" = 6 ] && [ "$minor" -lt 4 ]; }; then
		PROBES=kprobe
		grep -q 'falling back to kprobes' /tmp/kicklat.err ||
			fail "arm64 $kv: kicklat did not say why it fell back to kprobes"
		info "arm64 $kv: $(grep 'falling back' /tmp/kicklat.err | head -n 1)"
	fi
fi
exact "$PROBES" "$n"
# the kprobe fallback counts the same
start /tmp/kicklat.json /tmp/kicklat.err "$BPF"/kicklat -b -K -j -d "$vdev"
k=$!
attached /tmp/kicklat.err
n=$(ios "$dev" 200)
stop $k || { cat /tmp/kicklat.err; fail "kicklat -b -K exited with an error"; }
exact kprobe "$n"
# without -b (what make bench attaches): no get_buf probe, buffers null, the counts as exact
nlinks() { # pid -> how many bpf_link fds it holds
	l=0
	for f in /proc/$1/fd/*; do
		case $(readlink "$f" 2>/dev/null) in *bpf_link*) l=$((l + 1)) ;; esac
	done
	echo $l
}
for opt in -b ""; do
	# shellcheck disable=SC2086 # an option or none
	start /tmp/kicklat.json /tmp/kicklat.err "$BPF"/kicklat $opt -j -d "$vdev"
	k=$!
	attached /tmp/kicklat.err
	nl=$(nlinks $k)
	n=$(ios "$dev" 100)
	stop $k || { cat /tmp/kicklat.err; fail "kicklat $opt exited with an error"; }
	if [ -n "$opt" ]; then links_b=$nl; else links_nob=$nl; fi
done
kt=$(json_total /tmp/kicklat.json)
if grep -q '"buffers":[0-9]' /tmp/kicklat.json; then fail "kicklat without -b counted buffers"; fi
grep -q '"buffers":null' /tmp/kicklat.json || fail "kicklat without -b: no \"buffers\":null"
[ "${kt:-0}" = "$n" ] || fail "kicklat without -b: ${kt:-none} notifications for $n reads"
# -b adds the two get_buf programs (fentry: get_buf, get_buf_ctx; kprobes: their entry+return)
[ "$links_b" -gt "$links_nob" ] ||
	fail "kicklat: $links_nob programs attached, $links_b with -b: -b added no get_buf probe"
info "kicklat without -b: $kt notifications for $n reads, buffers null, $links_nob programs attached ($links_b with -b)"
# the same tool on QEMU's transports (the test guest has a virtio-blk-pci disk)
for b in /sys/block/vd*; do
	case "$(readlink -f "$b/device")" in */virtio-msg-loop/*) continue ;; esac
	v=$(basename "$(readlink -f "$b/device")")
	start /tmp/k2.json /tmp/k2.err "$BPF"/kicklat -j -d "$v"
	k=$!
	attached /tmp/k2.err
	ios "/dev/${b##*/}" 200 >/dev/null
	stop $k || { cat /tmp/k2.err; fail "kicklat on $v"; }
	kt=$(json_total /tmp/k2.json)
	[ "${kt:-0}" -gt 0 ] || fail "kicklat saw no notification on $v (${b##*/})"
	info "kicklat: $kt notifications on $v (${b##*/}, $(basename "$(dirname "$(readlink -f "$b/device")")"))"
done

# kicklat (fentry) and TCP request/response on the loop net pair: the bench's traced repetition
# hung in this cell. The bench started the tracer in the background, slept 1 s, ran rr and sent
# SIGINT; fentry attach takes seconds under TCG, and an asynchronous command of a
# non-interactive shell starts with SIGINT ignored, so a SIGINT that came before kicklat
# installed its handler was lost and the bench waited for it forever. kicklat must catch SIGINT
# before it attaches, and then exit with its report whenever the SIGINT comes.
gone_within() { # seconds pid -> 0 once pid has exited
	wait_for "$1" sh -c "! kill -0 $2 2>/dev/null"
}
if ! command -v rr >/dev/null 2>&1; then
	info "no rr in the image: kicklat under TCP request/response not run"
	exit 0
fi
pair_up vmsgbpf 10.82.0
ip netns exec vmsgbpf rr -s -B 10.82.0.2 -p 5302 -l 64 >/tmp/rrs.log 2>&1 &
s=$!
sleep 0.5
rr -c 10.82.0.2 -p 5302 -l 64 -n 1000000 -t 4 >/tmp/rr.json 2>/tmp/rr.err &
c=$!
start /tmp/kicklat.json /tmp/kicklat.err "$BPF"/kicklat -j
k=$!
# SIGINT as soon as kicklat catches it (SigCgt bit 2), noting how many of its probes were
# attached and whether it had said "Tracing" (all attached) by then. This poll is a shell loop
# and may see the handler late: some probes may be attached, but not all of them.
# (an asynchronous command of a non-interactive shell: SigIgn has SIGQUIT, 0x4, and had SIGINT)
info "kicklat started with $(grep SigIgn "/proc/$k/status" 2>/dev/null)"
links="" traced=""
for _ in $(seq 300); do
	cgt=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$k/status" 2>/dev/null)
	if [ -n "$cgt" ] && [ $((0x$cgt & 2)) != 0 ]; then
		traced=$(grep -c Tracing /tmp/kicklat.err)
		links=$(nlinks $k)
		break
	fi
	kill -0 $k 2>/dev/null || break
	sleep 0.1
done
kill -INT $k 2>/dev/null
if ! gone_within 60 $k; then
	kill -KILL $k
	fail "kicklat still running 60 s after a SIGINT ($(head -n 1 /tmp/kicklat.err))"
fi
wait $k || { cat /tmp/kicklat.err; fail "kicklat (SIGINT while attaching) exited with an error"; }
[ -n "$links" ] || fail "kicklat never caught SIGINT"
[ "$traced" = 0 ] ||
	fail "kicklat caught SIGINT only once attached ($links probes): a SIGINT during the attach is lost"
grep -q "\"probes\":\"$PROBES\"" /tmp/kicklat.json ||
	fail "no $PROBES report after a SIGINT while attaching"
info "kicklat: SIGINT while attaching ($links probes attached): exited with its report"
wait $c
kill $s 2>/dev/null # rr -s serves one client: a new one below
wait $s 2>/dev/null
# and traced for the whole of a 2 s exchange: it stops and counts the pair's queues
ip netns exec vmsgbpf rr -s -B 10.82.0.2 -p 5302 -l 64 >/tmp/rrs.log 2>&1 &
s=$!
sleep 0.5
t0=$(cut -d' ' -f1 /proc/uptime)
start /tmp/kicklat.json /tmp/kicklat.err "$BPF"/kicklat -j
k=$!
attached /tmp/kicklat.err
info "kicklat ($PROBES) attached in $(awk -v t="$t0" '{printf "%.1f", $1 - t}' /proc/uptime) s"
rr -c 10.82.0.2 -p 5302 -l 64 -n 1000000 -t 2 >/tmp/rr.json 2>/tmp/rr.err ||
	{ cat /tmp/rr.err; fail "rr over the loop pair with kicklat attached"; }
kill -INT $k
gone_within 30 $k || { kill -KILL $k; fail "kicklat still running 30 s after SIGINT (rr traced)"; }
wait $k || { cat /tmp/kicklat.err; fail "kicklat (rr traced) exited with an error"; }
kill $s 2>/dev/null
wait $s 2>/dev/null
n=$(sed -n 's/.*"count": *\([0-9]*\).*/\1/p' /tmp/rr.json | head -n 1)
kt=$(grep -o '"name":"output.0","notifies":[0-9]*' /tmp/kicklat.json | grep -o '[0-9]*$' |
	awk '{s += $1} END {print s + 0}')
[ "${n:-0}" -gt 0 ] && [ "$kt" -ge "$n" ] ||
	fail "kicklat: $kt tx notifications for ${n:-no} round trips"
info "kicklat ($PROBES): $kt tx notifications on the loop pair for $n round trips"
pair_down vmsgbpf
