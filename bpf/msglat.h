/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * msglat: structures shared by msglat.bpf.c and msglat.c.
 *
 * Message layout and ids (struct vmsg_hdr, VMSG_*) come from the wire layout
 * header itself; in the BPF object its <linux/types.h> is the stand-in
 * include/linux/types.h, since vmlinux.h has those types.
 */
#ifndef __MSGLAT_H
#define __MSGLAT_H

#include "../kmod/include/uapi/virtio_msg.h"
#include "hist.h"

/* VMSG_TRACE_NO_VQ in kmod/virtio_msg_trace.h */
#define MSGLAT_NO_VQ 0xffffffffu

/* Which tracepoint saw a message. */
enum msglat_dir {
	MSGLAT_DIR_REQ,	 /* virtio_msg_xfer: request to the device */
	MSGLAT_DIR_RESP, /* virtio_msg_xfer_done, ret == 0: its response */
	MSGLAT_DIR_SEND, /* virtio_msg_send: event to the device */
	MSGLAT_DIR_RECV, /* virtio_msg_recv: event from the device */
	MSGLAT_DIR_MAX,
};

/*
 * The counters are per-CPU maps summed by the loader, so that an event costs
 * no atomic and, for the two arrays, no hash: per_type is indexed by
 * msglat_type_slot(), requests by msglat_req_slot().
 */
#define MSGLAT_IDS 256
#define MSGLAT_TYPE_SLOTS (MSGLAT_DIR_MAX * 2 * MSGLAT_IDS)
#define MSGLAT_REQ_SLOTS (2 * MSGLAT_IDS)

static inline unsigned int msglat_type_slot(unsigned int dir, unsigned int bus, unsigned int msg_id)
{
	return ((dir * 2 + !!bus) * MSGLAT_IDS + (msg_id & (MSGLAT_IDS - 1))) % MSGLAT_TYPE_SLOTS;
}

static inline unsigned int msglat_req_slot(unsigned int bus, unsigned int msg_id)
{
	return !!bus * MSGLAT_IDS + (msg_id & (MSGLAT_IDS - 1));
}

/* per_type: messages by direction and id (the key is the loader's, from the slot). */
struct msglat_type_key {
	unsigned char dir;
	unsigned char bus; /* 1 for bus messages (type & VMSG_TYPE_BUS) */
	unsigned char msg_id;
	unsigned char pad;
};

struct msglat_type_val {
	unsigned long long count;
	/* REQ: xfer_done with ret < 0; RECV: event rejected by the transport. */
	unsigned long long errors;
	unsigned long long bytes;
};

/* requests: request -> response latency by request id (key: the loader's, as above). */
struct msglat_req_key {
	unsigned char bus;
	unsigned char msg_id;
	unsigned short pad;
};

struct msglat_req_val {
	unsigned long long count;  /* finished, with or without a response */
	unsigned long long errors; /* finished with ret < 0 */
	struct hist lat;
};

/*
 * per_vq: EVENT_AVAIL -> EVENT_USED, per device and queue.  Every value
 * struct of a per-CPU map is made of unsigned long long only: the loader
 * sums them member by member.
 */
struct msglat_vq_key {
	unsigned int dev_num;
	unsigned int vq;
};

struct msglat_vq_val {
	unsigned long long avail; /* EVENT_AVAIL sent */
	unsigned long long used;  /* EVENT_USED received (accepted) */
	struct hist lat;	  /* first AVAIL since the last USED -> USED */
};

/*
 * Where a queue's counters and AVAIL clock live: per_vq / avail_start, arrays
 * of MSGLAT_VQ_DEVS x MSGLAT_VQ_PER_DEV slots by (dev_num, vq), one lookup
 * without hashing per event; a queue outside them (dev_num above 63, a queue
 * above 15) in per_vq_more / avail_start_more, hashes by struct msglat_vq_key.
 * The two hash lookups per message this replaces cost 3.8 of msglat's 10.0 us
 * per I/O on msg blk qd1 under icount.
 */
#define MSGLAT_VQ_DEVS 64
#define MSGLAT_VQ_PER_DEV 16
#define MSGLAT_VQ_SLOTS (MSGLAT_VQ_DEVS * MSGLAT_VQ_PER_DEV)
/* Entries of per_vq_more and avail_start_more. */
#define MSGLAT_VQ_MORE 1024

/* The slot of (@dev_num, @vq), or -1: in the _more hashes. */
static inline int msglat_vq_slot(unsigned int dev_num, unsigned int vq)
{
	if (dev_num >= MSGLAT_VQ_DEVS || vq >= MSGLAT_VQ_PER_DEV)
		return -1;
	return (int)(dev_num * MSGLAT_VQ_PER_DEV + vq);
}

/* In-flight request, one per device (the transport serialises them). */
struct msglat_inflight {
	unsigned long long ts;
	unsigned char bus;
	unsigned char msg_id;
};

#endif /* __MSGLAT_H */
