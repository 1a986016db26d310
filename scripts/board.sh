#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# board.sh - `make board`: prove `make bench NATIVE=1` and `make test NATIVE=1` the way an
# integrator runs them, on a Debian 12 system booted as the "board" in QEMU.
#
#   scripts/board.sh image   build the board image from Debian's packages (mmdebstrap) into
#                            .cache/board/: rootfs/ (directory), board.ext4, vmlinuz, initrd.img
#                            (the image's own kernel and initrd, used with -kernel / -initrd)
#   scripts/board.sh run     boot it (qemu-system-x86_64, TCG unless ACCEL=kvm, q35, 2 vCPUs,
#                            3 GiB, the image as a virtio disk in -snapshot mode) with a 9p share
#                            holding a git bundle of HEAD and job.sh; the board clones the
#                            project, runs `make test NATIVE=1` and `make bench NATIVE=1`, and
#                            its results come back into results/board-<time>/
#   scripts/board.sh         both (image is rebuilt only when the package list changes)
#
# Variables: REPS=1 RUNTIME=2 LIST=smoke.list (the bench), TESTS= (native test subset),
# TIMEOUT=seconds (the whole boot, default 5400), MEM=3G, SMP=2, KEEP_SHARE=1.
# The board has no network: the project arrives as a bundle on the share, nothing else.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

CACHE=$ROOT/.cache/board
SHARE=$ROOT/build/board/share
REPS=${REPS:-1} RUNTIME=${RUNTIME:-2} LIST=${LIST:-smoke.list} TESTS=${TESTS:-}
TIMEOUT=${TIMEOUT:-5400}
MEM=${MEM:-3G} SMP=${SMP:-2}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-}

# What the board needs: the kernel and its headers (same ABI: both from linux-*-amd64 of one
# apt snapshot), the toolchain, the bench's and tests' tools, and what bpf/ and bench/ build with.
PKGS=(
	linux-image-amd64 linux-headers-amd64 initramfs-tools
	systemd-sysv udev kmod procps iproute2 iputils-ping
	build-essential git make pkg-config
	fio iperf3
	clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
	libjansson-dev gnuplot-nox
)

log() { printf '[board %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# ---- the image -------------------------------------------------------------------------------
image() {
	local want_fs want_img t0=$SECONDS
	want_fs=$(printf '%s\n' "$SUITE" "${PKGS[@]}" | sha256sum | cut -c1-16)
	want_img=$(printf '%s\n' "$want_fs" "$(declare -f customize)" | sha256sum | cut -c1-16)
	if [ "$(cat "$CACHE/stamp" 2>/dev/null)" = "$want_img" ] && [ -r "$CACHE/board.ext4" ]; then
		log "image up to date: $CACHE/board.ext4"
		return 0
	fi
	command -v mmdebstrap >/dev/null || die "mmdebstrap not installed (apt-get install mmdebstrap)"
	command -v mke2fs >/dev/null || die "mke2fs not installed (e2fsprogs)"
	[ "$(id -u)" = 0 ] || die "building the image needs root (mmdebstrap, mke2fs -d ownership)"
	mkdir -p "$CACHE"
	rm -f "$CACHE/board.ext4" "$CACHE/stamp"
	if [ "$(cat "$CACHE/rootfs.stamp" 2>/dev/null)" != "$want_fs" ]; then
		rm -rf "$CACHE/rootfs" "$CACHE/rootfs.stamp"
		log "mmdebstrap $SUITE (${#PKGS[@]} packages) -> $CACHE/rootfs"
		local inc
		inc=$(
			IFS=,
			echo "${PKGS[*]}"
		)
		# shellcheck disable=SC2086,SC2016 # MIRROR: empty or one word; $1: the hook's
		mmdebstrap --variant=apt --include="$inc" \
			--customize-hook='echo board >"$1/etc/hostname"' \
			--customize-hook='echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$1/etc/fstab"' \
			--customize-hook='chroot "$1" passwd -d root' \
			"$SUITE" "$CACHE/rootfs" $MIRROR >"$CACHE/mmdebstrap.log" 2>&1 ||
			die "mmdebstrap failed: see $CACHE/mmdebstrap.log"
		echo "$want_fs" >"$CACHE/rootfs.stamp"
		echo "$((SECONDS - t0))" >"$CACHE/mmdebstrap-seconds"
		log "mmdebstrap took $((SECONDS - t0)) s"
	fi
	customize "$CACHE/rootfs"
	# the kernel and initrd the image boots with are its own
	local vmlinuz initrd kver
	vmlinuz=$(find "$CACHE/rootfs/boot" -name 'vmlinuz-*' | sort | tail -n 1)
	initrd=$(find "$CACHE/rootfs/boot" -name 'initrd.img-*' | sort | tail -n 1)
	[ -r "$vmlinuz" ] && [ -r "$initrd" ] || die "no vmlinuz / initrd.img in the image's /boot"
	kver=${vmlinuz##*/vmlinuz-}
	[ -r "$CACHE/rootfs/lib/modules/$kver/build/Makefile" ] ||
		die "no headers for $kver in the image: linux-image and linux-headers ABI differ"
	cp "$vmlinuz" "$CACHE/vmlinuz"
	cp "$initrd" "$CACHE/initrd.img"
	echo "$kver" >"$CACHE/kver"
	# ext4 image with the tree in it (no loop mount needed); room for the build and results
	local size_mb
	size_mb=$(($(du -sm "$CACHE/rootfs" | cut -f1) + 3072))
	mke2fs -q -t ext4 -L board -d "$CACHE/rootfs" "$CACHE/board.ext4" "${size_mb}M" ||
		die "mke2fs -d failed"
	echo "$want_img" >"$CACHE/stamp"
	echo "$((SECONDS - t0))" >"$CACHE/build-seconds"
	log "image: $CACHE/board.ext4 (${size_mb} MiB, kernel $kver), built in $((SECONDS - t0)) s"
}

# customize ROOTFS: the generic board part. Booted with board.job=1, it mounts the 9p share
# "board" and runs the job.sh on it, then powers off; the job comes with each run, not with the
# image. Without board.job=1 it is a plain board with a root login on the console (LAVA).
customize() {
	local r=$1
	install -d "$r/usr/local/sbin" "$r/etc/systemd/system/multi-user.target.wants"
	cat >"$r/usr/local/sbin/board-job" <<'EOF'
#!/bin/sh
# run /board/job.sh from the 9p share "board" (scripts/board.sh run), then power off
modprobe 9pnet_virtio 2>/dev/null
mkdir -p /board
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 board /board &&
	[ -r /board/job.sh ]; then
	sh /board/job.sh
	echo "BOARD-JOB rc=$?"
	sync
	umount /board
else
	echo "BOARD-JOB no share"
fi
EOF
	chmod 755 "$r/usr/local/sbin/board-job"
	cat >"$r/etc/systemd/system/board-job.service" <<'EOF'
[Unit]
Description=virtio-msg-lab board job (9p share "board")
After=local-fs.target systemd-udev-settle.service systemd-modules-load.service
ConditionKernelCommandLine=board.job=1

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/board-job
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Install]
WantedBy=multi-user.target
EOF
	ln -sf ../board-job.service "$r/etc/systemd/system/multi-user.target.wants/board-job.service"
	# the console login LAVA waits for (an older image masked it)
	rm -f "$r/etc/systemd/system/serial-getty@ttyS0.service"
}

# ---- a run -----------------------------------------------------------------------------------
run() {
	[ -r "$CACHE/board.ext4" ] || die "no image: scripts/board.sh image"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed"
	local stamp
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	rm -rf "$SHARE"
	mkdir -p "$SHARE/results"
	git bundle create -q "$SHARE/repo.bundle" HEAD || die "git bundle failed"
	if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
		log "note: uncommitted changes are not on the board (it runs HEAD $(git rev-parse --short HEAD))"
	fi
	cp scripts/board-job.sh "$SHARE/job.sh"
	cat >"$SHARE/job.env" <<EOF
REPS=$REPS
RUNTIME=$RUNTIME
LIST=$LIST
TESTS=$TESTS
RUN_ID=board-$stamp
EOF
	local accel=${ACCEL:-tcg} cpu=max
	[ "$accel" = kvm ] && cpu=host
	local console=$SHARE/console.log
	log "booting the board ($accel, q35, $SMP vCPUs, $MEM; timeout ${TIMEOUT}s; console $console)"
	local t0=$SECONDS rc=0 qpid rpid done_at=""
	timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 -M q35 -accel "$accel" -cpu "$cpu" \
		-smp "$SMP" -m "$MEM" -nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0 panic=-1 board.job=1" \
		-drive "file=$CACHE/board.ext4,format=raw,if=none,id=root,snapshot=on" \
		-device virtio-blk-pci,drive=root \
		-virtfs "local,path=$SHARE,mount_tag=board,security_model=none,id=board" \
		-nic none </dev/null >"$console" 2>&1 &
	qpid=$!
	tail -n +1 -F --pid="$qpid" "$console" 2>/dev/null | relay &
	rpid=$!
	# The job's end is "BOARD-JOB rc=N" on the console. The first run's board finished the
	# job and then did not power off in 3 min (quiet console, cause unknown): results are on
	# the share by then, so after POWEROFF_WAIT seconds QEMU is stopped.
	while kill -0 "$qpid" 2>/dev/null; do
		if [ -z "$done_at" ] && grep -aq 'BOARD-JOB rc=' "$console"; then
			done_at=$SECONDS
		fi
		if [ -n "$done_at" ] && [ $((SECONDS - done_at)) -gt "${POWEROFF_WAIT:-90}" ]; then
			log "the board did not power off ${POWEROFF_WAIT:-90}s after its job: stopping QEMU"
			echo "BOARD_POWEROFF=stopped" >>"$SHARE/times.env"
			kill "$qpid"
			break
		fi
		sleep 2
	done
	wait "$qpid" || rc=$?
	wait "$rpid" || true
	local boot_s=$((SECONDS - t0))
	[ "$rc" = 124 ] && log "the board timed out after ${TIMEOUT}s"
	local out=results/board-$stamp
	if [ -d "$SHARE/results/board-$stamp" ]; then
		cp -a "$SHARE/results/board-$stamp" "$out"
	else
		mkdir -p "$out"
	fi
	cp "$console" "$out/board-console.log"
	[ -r "$SHARE/test.tap" ] && cp "$SHARE/test.tap" "$out/test.tap"
	[ -r "$SHARE/times.env" ] && cp "$SHARE/times.env" "$out/times.env"
	{
		echo "BOARD_QEMU_SECONDS=$boot_s"
		echo "BOARD_ACCEL=$accel"
		echo "BOARD_KVER=$(cat "$CACHE/kver")"
		[ -r "$CACHE/mmdebstrap-seconds" ] &&
			echo "BOARD_IMAGE_MMDEBSTRAP_SECONDS=$(cat "$CACHE/mmdebstrap-seconds")"
		[ -r "$CACHE/build-seconds" ] && echo "BOARD_IMAGE_BUILD_SECONDS=$(cat "$CACHE/build-seconds")"
	} >>"$out/times.env"
	[ "${KEEP_SHARE:-0}" = 1 ] || rm -f "$SHARE/repo.bundle"
	report "$out"
}

relay() { # BOARD / BENCH / TAP lines to the terminal, the rest stays in the console log
	while IFS= read -r line; do
		line=${line%$'\r'}
		line=${line#*board-job\[*\]: } # journal+console prefix
		case "$line" in
		BOARD* | BENCH\ * | ok\ * | not\ ok\ * | 1..* | *passed,*failed) log "$line" ;;
		esac
	done
}

# report OUT: the board's verdicts and figures beside the last QEMU-guest run's
report() {
	local out=$1 pass fail
	echo
	echo "== board run $out"
	[ -r "$out/times.env" ] && sed 's/^/   /' "$out/times.env"
	if [ -r "$out/test.tap" ]; then
		pass=$(grep -c '^ok ' "$out/test.tap" || true)
		fail=$(grep -c '^not ok ' "$out/test.tap" || true)
		echo "   native tests: $pass passed, $fail failed"
	else
		pass=0 fail=1
		echo "   native tests: no TAP came back"
	fi
	local guest
	guest=$(find results -maxdepth 2 -name summary.json -path 'results/2*' -printf '%T@ %h\n' 2>/dev/null |
		sort -n | tail -n 1 | cut -d' ' -f2-)
	if [ -r "$out/summary.json" ]; then
		echo "   bench: $out/summary.json (report.md beside it)"
		scripts/board-compare.sh "$out/summary.json" "${guest:+$guest/summary.json}" || true
	else
		echo "   bench: no summary.json came back"
		fail=$((fail + 1))
	fi
	grep -aq 'BOARD-JOB rc=0' "$SHARE/console.log" || fail=$((fail + 1))
	[ "$fail" = 0 ]
}

case "${1:-all}" in
image) image ;;
run) run ;;
all)
	image
	run
	;;
*) die "usage: scripts/board.sh [image|run|all]" ;;
esac
