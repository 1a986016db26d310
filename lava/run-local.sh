#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-local.sh - `make lava`: run lava/jobs/qemu-x86_64.yaml for real with Debian's
# lava-dispatcher (lava-run, no server) on this machine, then check what it recorded.
#   1. the board image (scripts/board.sh image) provides vmlinuz, initrd.img, board.ext4
#   2. the device dictionary lava/devices/qemu-x86_64.jinja2 is rendered with lava-server's
#      device-type templates (qemu.jinja2, base.jinja2: /usr/share/lava-server/device-types, or
#      taken from Debian's lava-server package with apt-get download, not installed)
#   3. the job's placeholders: images as file:// URLs, this repository at HEAD
#   4. lava-schema.py job + lava-run --validate, then lava-run; its log (stderr, one YAML entry per
#      line) becomes output.yaml as a server keeps it; the test cases are its
#      "lvl: results" entries
#   5. the check: job passed, every native test reported (pass or skip), make-test and
#      make-bench passed, every headline figure has a measurement; scripts/lava2summary
#      makes summary.json and vmsg-gate can read it.
# Output: results/lava-<time>/ (job.yaml, device.yaml, output.yaml, summary.json, check.txt).
# Needs root (lava-run, guestfs), lava-dispatcher, python3-jinja2. TIMEOUT= (default 10800 s),
# TESTS=a,b (a subset of the guest tests).
# guestfs (the test overlay disk) boots a supermin appliance: without a kernel in /boot (a
# container) it uses the board image's kernel and modules (SUPERMIN_KERNEL / SUPERMIN_MODULES),
# under TCG (LIBGUESTFS_BACKEND_SETTINGS=force_tcg) unless ACCEL=kvm.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CACHE=$ROOT/.cache/board
TIMEOUT=${TIMEOUT:-10800}
DEVICE=${DEVICE:-qemu-x86_64}

say() { printf '[lava %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}
command -v lava-run >/dev/null || die "lava-run not installed (apt-get install lava-dispatcher)"
[ "$(id -u)" = 0 ] || die "lava-run needs root"

scripts/board.sh image
kver=$(cat "$CACHE/kver")

# lava-server's device-type templates
dt=${LAVA_DEVICE_TYPES:-/usr/share/lava-server/device-types}
if ! [ -r "$dt/qemu.jinja2" ]; then
	dt=$ROOT/.cache/lava/device-types
	if ! [ -r "$dt/qemu.jinja2" ]; then
		say "device-type templates: from Debian's lava-server package"
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -q lava-server >/dev/null 2>&1) ||
			die "apt-get download lava-server failed"
		dpkg-deb -x "$tmp"/lava-server_*.deb "$tmp/x"
		mkdir -p "$dt"
		cp "$tmp"/x/usr/share/lava-server/device-types/*.jinja2 "$dt/"
		rm -rf "$tmp"
	fi
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/results/lava-$stamp
mkdir -p "$OUT"
/usr/bin/python3 - "$ROOT/lava/devices" "$dt" "$DEVICE.jinja2" >"$OUT/device.yaml" <<'PY'
import sys
import jinja2
env = jinja2.Environment(loader=jinja2.FileSystemLoader([sys.argv[1], sys.argv[2]]),
                         trim_blocks=True, autoescape=False)
print(env.get_template(sys.argv[3]).render())
PY

sed -e "s|@IMAGES@|file://$CACHE|g" -e "s|@REPO@|$ROOT|g" \
	-e "s|@REVISION@|$(git rev-parse HEAD)|g" "lava/jobs/$DEVICE.yaml" >"$OUT/job.yaml"
# TESTS=a,b: a subset of the guest tests (a parameter of the definition)
if [ -n "${TESTS:-}" ]; then
	sed -i "s/^        LIST: smoke.list\$/&\n        TESTS: \"$TESTS\"/" "$OUT/job.yaml"
fi
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	say "note: the job tests HEAD $(git rev-parse --short HEAD), not the uncommitted changes"
fi

if [ -r /usr/share/lava-common/lava-schema.py ]; then
	/usr/bin/python3 /usr/share/lava-common/lava-schema.py job "$OUT/job.yaml" ||
		die "lava-schema.py: job.yaml is invalid"
	/usr/bin/python3 /usr/share/lava-common/lava-schema.py device "$OUT/device.yaml" ||
		die "lava-schema.py: device.yaml is invalid"
fi

export SUPERMIN_KERNEL=${SUPERMIN_KERNEL:-}
if ! compgen -G "/boot/vmlinuz-*" >/dev/null && [ -z "$SUPERMIN_KERNEL" ]; then
	export SUPERMIN_KERNEL=$CACHE/vmlinuz SUPERMIN_MODULES=$CACHE/rootfs/lib/modules/$kver
fi
export LIBGUESTFS_BACKEND=direct
[ "${ACCEL:-tcg}" = kvm ] || export LIBGUESTFS_BACKEND_SETTINGS=force_tcg

say "lava-run --validate"
lava-run --validate --job-id "$stamp" --output-dir "$OUT/validate" --device "$OUT/device.yaml" \
	"$OUT/job.yaml" 2>"$OUT/validate.yaml" || {
	tail -n 20 "$OUT/validate.yaml" >&2
	die "lava-run --validate failed"
}
say "lava-run (timeout ${TIMEOUT}s; log $OUT/output.yaml)"
t0=$SECONDS rc=0
timeout -k 30 "$TIMEOUT" lava-run --job-id "$stamp" --output-dir "$OUT/run" \
	--device "$OUT/device.yaml" "$OUT/job.yaml" 2>"$OUT/lava-run.log" || rc=$?
# without a server the log goes to stderr, one YAML mapping per line; the server keeps it as a
# list (output.yaml)
sed -n 's/^{/- {/p' "$OUT/lava-run.log" >"$OUT/output.yaml"
echo "LAVA_RUN_SECONDS=$((SECONDS - t0))" >"$OUT/times.env"
echo "LAVA_RUN_RC=$rc" >>"$OUT/times.env"
say "lava-run rc $rc in $((SECONDS - t0)) s"
lava/check-results.sh "$OUT"
