# SPDX-License-Identifier: GPL-2.0
# arch.mk - the guest's architecture for the Makefiles (kmod/, bpf/, bench/); scripts/arch.sh
# is the shell side and exports what it decided, so both agree.
#   ARCH=x86|arm64 (default the host's; x86_64, amd64, aarch64 accepted)
# Sets HOST_ARCH, ARCH (normalised), TRIPLET, CROSS (1 when ARCH is not the host's) and, when
# cross, CROSS_COMPILE (default $(TRIPLET)-) and SYSROOT (default .cache/sysroot/$(ARCH): the
# guest's Debian userspace and -dev packages, made by scripts/sysroot.sh).
ARCH_MK_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
arch_norm = $(patsubst x86_64,x86,$(patsubst amd64,x86,$(patsubst aarch64,arm64,$(1))))
HOST_ARCH := $(call arch_norm,$(shell uname -m))
ARCH ?= $(HOST_ARCH)
override ARCH := $(call arch_norm,$(ARCH))
TRIPLET_x86 := x86_64-linux-gnu
TRIPLET_arm64 := aarch64-linux-gnu
TRIPLET := $(TRIPLET_$(ARCH))
CROSS := $(if $(filter-out $(HOST_ARCH),$(ARCH)),1)
ifeq ($(CROSS),1)
ifeq ($(CROSS_COMPILE),)
override CROSS_COMPILE := $(TRIPLET)-
endif
ifeq ($(SYSROOT),)
override SYSROOT := $(ARCH_MK_ROOT)/.cache/sysroot/$(ARCH)
endif
endif
