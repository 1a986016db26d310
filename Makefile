# SPDX-License-Identifier: GPL-2.0
# virtio-msg-lab. The two commands:
#   make test    set up, run every test (host, QEMU guest, bench smoke): "N passed, N failed"
#   make bench   set up, run the default comparison, write results/<run-id>/ and report.md
# Also: make gate (latency regression gate), make chaos (faults on every bus message),
# make tune (each hot-path knob against the untuned baseline), make report (docs/report/), make check (checkpatch + sparse), make modules, make bpf, make clean. Variables go through: ICOUNT=3, REPS=, RUNTIME=, ONLY=, TESTS=, ...

all: modules

# NATIVE=1 (a board, root): the guest tests on the running kernel (scripts/test-native.sh)
test:
	if [ "$(NATIVE)" = 1 ]; then scripts/test-native.sh; else scripts/test.sh; fi

# the guest tests on a KASAN + lockdep + kmemleak kernel built from linux-source-6.1 (slow: not in CI)
test-debug:
	scripts/test-debug.sh

# the QEMU guest's prerequisites: Debian packages, modules for Debian's headers, bpf tools
setup:
	scripts/deps.sh
	$(MAKE) modules bpf

# NATIVE=1 (a board): scripts/bench.sh builds against the running kernel itself
bench:
	if [ "$(NATIVE)" != 1 ]; then $(MAKE) setup; fi
	scripts/bench.sh

gate: setup
	scripts/gate.sh

# faults on every loop-bus message while I/O, rebinds and reloads run (CHAOS_MINUTES=10)
chaos:
	scripts/chaos.sh

tune: setup
	scripts/tune.sh

# the published comparison: the set of runs (REPORT_SET=full|quick) -> docs/report/;
# REPORT_RUNS="dir ..." rebuilds it from existing runs (scripts/report.sh)
report: setup
	scripts/report.sh

# modules, check and clean need only the headers (scripts/kdir.sh; KDIR= and KVER= pass
# through); the guest image is fetched by scripts/kernel.sh where a guest is booted.
KDIR_SH = kdir=$$(scripts/kdir.sh) && eval "$$kdir"

modules:
	$(KDIR_SH) && $(MAKE) -C kmod KDIR="$$KDIR"

check:
	$(KDIR_SH) && $(MAKE) -C kmod KDIR="$$KDIR" check

bpf:
	$(MAKE) -C bpf

# a Debian 12 board image (mmdebstrap) booted in QEMU runs make test / bench NATIVE=1
board:
	scripts/board.sh

# lava/jobs/qemu-x86_64.yaml run for real by Debian's lava-run on the board image, then checked
lava:
	lava/run-local.sh

clean:
	-$(KDIR_SH) && $(MAKE) -C kmod KDIR="$$KDIR" clean
	-$(MAKE) -C bpf clean
	-$(MAKE) -C bench clean
	rm -rf build

.PHONY: all test test-debug setup bench gate tune report chaos modules check bpf clean board lava
