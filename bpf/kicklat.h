/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kicklat: structures shared by kicklat.bpf.c and kicklat.c.
 */
#ifndef __KICKLAT_H
#define __KICKLAT_H

#include "hist.h"

/* vq->name is set by the driver ("requests", "input.0", ...); longer is cut. */
#define KICKLAT_NAME_LEN 32

/* per_vq key: the struct virtqueue's kernel address. */
struct kicklat_vq_val {
	char name[KICKLAT_NAME_LEN];
	int dev_index;		       /* vq->vdev->index: virtioN */
	unsigned int index;	       /* vq->index */
	unsigned long long notifies;   /* virtqueue_kick_prepare() returned true */
	unsigned long long interrupts; /* vring_interrupt() returned IRQ_HANDLED */
	unsigned long long spurious;   /* vring_interrupt() returned IRQ_NONE */
	unsigned long long buffers;    /* virtqueue_get_buf{,_ctx}() returned non-NULL */
	unsigned long long pending_ts; /* first notify since the last interrupt, 0: none */
	struct hist lat;	       /* that notify -> the interrupt */
};

#endif /* __KICKLAT_H */
