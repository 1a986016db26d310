/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * BPF side of hist.h: log2 of a u64 without loops (the verifier on 6.1
 * accepts bounded loops, but this is branch-free and cheap), after
 * libbpf-tools' bits.bpf.h.
 */
#ifndef __HIST_BPF_H
#define __HIST_BPF_H

#include "hist.h"

static __always_inline u64 hist_log2(u32 v)
{
	u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline u64 hist_log2l(u64 v)
{
	u32 hi = v >> 32;

	if (hi)
		return hist_log2(hi) + 32;
	return hist_log2(v);
}

static __always_inline u64 hist_slot(u64 ns)
{
	u64 slot = hist_log2l(ns);

	return slot < HIST_SLOTS ? slot : HIST_SLOTS - 1;
}

/* Count @ns in @h (see hist.h for the slot boundaries), @h shared between CPUs. */
static __always_inline void hist_add(struct hist *h, u64 ns)
{
	__sync_fetch_and_add(&h->slots[hist_slot(ns)], 1);
}

/* The same in a per-CPU map's value: this CPU's copy, no atomic needed. */
static __always_inline void hist_add_local(struct hist *h, u64 ns)
{
	h->slots[hist_slot(ns)]++;
}

#endif /* __HIST_BPF_H */
