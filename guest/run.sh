#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run.sh [name,name,...] - run /guest/tests/t_*.sh in order; after each, scan the kernel log it
# produced for warnings, BUGs, oopses and unknown symbols (any hit fails the test). Prints
#   VMSG-TEST <name> PASS|FAIL|SKIP [reason]
# on the console for the host to collect, after the test's output (and, when it failed, the
# kernel log it produced).
SEL=${1:-}
BAD='WARNING:|BUG:|Oops|Unknown symbol|unknown symbol|Call Trace|general protection|KASAN|UBSAN|soft lockup|hung task|RCU stall|list_del corruption|refcount_t:'

dmesg -c >/dev/null
for t in /guest/tests/t_*.sh; do
	name=${t##*/t_}
	name=${name#*_}
	name=${name%.sh}
	if [ -n "$SEL" ]; then
		case ",$SEL," in *",$name,"*) ;; *) continue ;; esac
	fi
	echo "VMSG-RUN $name"
	start=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck source=guest/lib.sh disable=SC1090,SC1091
	(. /guest/lib.sh && . "$t") >"/tmp/$name.log" 2>&1
	rc=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	dmesg -c >"/tmp/$name.dmesg"
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	if [ $rc -eq 0 ] && grep -Eq "$BAD" "/tmp/$name.dmesg"; then
		echo "FAIL: kernel log: $(grep -E "$BAD" "/tmp/$name.dmesg" | head -n 1)" >>"/tmp/$name.log"
		rc=1
	fi
	sed 's/^/  | /' "/tmp/$name.log" | tail -n 60
	case $rc in
	0) echo "VMSG-TEST $name PASS ${secs}s" ;;
	77) echo "VMSG-TEST $name SKIP $(grep '^skip:' "/tmp/$name.log" | tail -n 1)" ;;
	*)
		echo "VMSG-TEST $name FAIL $(grep '^FAIL:' "/tmp/$name.log" | tail -n 1)"
		sed 's/^/  dmesg| /' "/tmp/$name.dmesg" | tail -n 60
		;;
	esac
done
