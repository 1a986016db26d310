// SPDX-License-Identifier: GPL-2.0
/*
 * msglat: virtio-msg message counts and latencies, from the transport's
 * tracepoints (kmod/virtio_msg_trace.h).
 *
 * virtio_msg.ko is built out of tree and has no BTF, so these are raw
 * tracepoints: ctx->args[] holds TP_PROTO(const struct vmsg_hdr *hdr,
 * u32 vq, int ret) in order, each widened to u64.  hdr is a kernel pointer
 * (on the stack for events) and is copied with bpf_probe_read_kernel().
 *
 * What the transport guarantees and this file relies on:
 *  - xfer and xfer_done bracket one request, and a device has at most one
 *    request in flight (xfer_lock), so the start time is keyed by dev_num;
 *  - xfer_done carries the response, or the request when ret < 0;
 *  - send (EVENT_AVAIL) is traced before the bus sees it, so it precedes
 *    the EVENT_USED it causes.
 * Names and argument order must follow kmod/virtio_msg_trace.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hist.bpf.h"
#include "msglat.h"

/* Enough for every device and queue the loop bus hosts, with room. */
#define MAX_DEVS 256
#define MAX_VQS 1024

/* -d: only this dev_num (bus messages, dev_num 0, pass only with -d 0). */
const volatile int targ_dev = -1;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_DEVS);
	__type(key, u32);
	__type(value, struct msglat_inflight);
} inflight SEC(".maps");

/* Start of the pending AVAIL -> USED per queue; 0: none pending. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_VQS);
	__type(key, struct msglat_vq_key);
	__type(value, u64);
} avail_start SEC(".maps");

/*
 * Counters and histograms: per-CPU (see msglat.h), so plain increments.  The
 * programs run with preemption off (tracepoints), so nothing else touches
 * this CPU's copy meanwhile.  inflight and avail_start stay shared: a
 * request or a queue can start on one CPU and end on another.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MSGLAT_TYPE_SLOTS);
	__type(key, u32);
	__type(value, struct msglat_type_val);
} per_type SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MSGLAT_REQ_SLOTS);
	__type(key, u32);
	__type(value, struct msglat_req_val);
} requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_VQS);
	__type(key, struct msglat_vq_key);
	__type(value, struct msglat_vq_val);
} per_vq SEC(".maps");

/* Zeroed initial value: too large for the 512-byte BPF stack otherwise. */
static const struct msglat_vq_val zero_vq;

/* Find or create @key in @map (libbpf-tools' bpf_map_lookup_or_try_init). */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *init)
{
	void *val = bpf_map_lookup_elem(map, key);

	if (val)
		return val;
	/* EEXIST: another CPU created it first, fine. */
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/*
 * Copy the header; false if unreadable or filtered out by -d.  Its fields are
 * little endian: x86 and arm64 read them as is.
 */
static __always_inline bool read_hdr(struct bpf_raw_tracepoint_args *ctx, struct vmsg_hdr *h)
{
	const void *hdr = (const void *)ctx->args[0];

	if (!hdr || bpf_probe_read_kernel(h, sizeof(*h), hdr))
		return false;
	return targ_dev < 0 || h->dev_num == (u16)targ_dev;
}

static __always_inline struct msglat_type_val *type_val(u32 dir, const struct vmsg_hdr *h)
{
	u32 slot = msglat_type_slot(dir, h->type & VMSG_TYPE_BUS, h->msg_id);

	return bpf_map_lookup_elem(&per_type, &slot);
}

static __always_inline void count_type(const struct vmsg_hdr *h, u8 dir, bool error)
{
	struct msglat_type_val *val = type_val(dir, h);

	if (!val)
		return;
	val->count++;
	val->bytes += h->msg_size;
	if (error)
		val->errors++;
}

SEC("raw_tp/virtio_msg_xfer")
int msglat_xfer(struct bpf_raw_tracepoint_args *ctx)
{
	struct msglat_inflight in = {};
	struct vmsg_hdr h;
	u32 dev;

	if (!read_hdr(ctx, &h))
		return 0;
	count_type(&h, MSGLAT_DIR_REQ, false);
	dev = h.dev_num;
	in.ts = bpf_ktime_get_ns();
	in.bus = !!(h.type & VMSG_TYPE_BUS);
	in.msg_id = h.msg_id;
	bpf_map_update_elem(&inflight, &dev, &in, BPF_ANY);
	return 0;
}

SEC("raw_tp/virtio_msg_xfer_done")
int msglat_xfer_done(struct bpf_raw_tracepoint_args *ctx)
{
	u64 now = bpf_ktime_get_ns();
	int ret = (int)ctx->args[2];
	struct msglat_inflight *in;
	struct msglat_req_val *val;
	u32 slot;
	struct vmsg_hdr h;
	u32 dev;

	if (!read_hdr(ctx, &h))
		return 0;
	if (ret == 0) {
		count_type(&h, MSGLAT_DIR_RESP, false);
	} else {
		/* No response arrived: charge the error to the request's type. */
		struct msglat_type_val *tval = type_val(MSGLAT_DIR_REQ, &h);

		if (tval)
			tval->errors++;
	}

	dev = h.dev_num;
	in = bpf_map_lookup_elem(&inflight, &dev);
	/* Started before we attached: no start time, nothing to time. */
	if (!in)
		return 0;
	slot = msglat_req_slot(in->bus, in->msg_id);
	val = bpf_map_lookup_elem(&requests, &slot);
	if (val) {
		val->count++;
		if (ret)
			val->errors++;
		hist_add_local(&val->lat, now - in->ts);
	}
	bpf_map_delete_elem(&inflight, &dev);
	return 0;
}

SEC("raw_tp/virtio_msg_send")
int msglat_send(struct bpf_raw_tracepoint_args *ctx)
{
	u32 vq = (u32)ctx->args[1];
	struct msglat_vq_key key;
	struct msglat_vq_val *val;
	struct vmsg_hdr h;
	u64 zero = 0, *start;

	if (!read_hdr(ctx, &h))
		return 0;
	count_type(&h, MSGLAT_DIR_SEND, (int)ctx->args[2] != 0);
	if (h.msg_id != VMSG_EVENT_AVAIL || vq == MSGLAT_NO_VQ)
		return 0;
	key.dev_num = h.dev_num;
	key.vq = vq;
	val = lookup_or_init(&per_vq, &key, &zero_vq);
	if (val)
		val->avail++;
	/*
	 * Only the first AVAIL since the last USED starts the clock.  The entry
	 * stays (0: no clock running), so the steady state is one lookup, no
	 * insert or delete.
	 */
	start = lookup_or_init(&avail_start, &key, &zero);
	if (start && !*start)
		*start = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/virtio_msg_recv")
int msglat_recv(struct bpf_raw_tracepoint_args *ctx)
{
	u64 now = bpf_ktime_get_ns();
	u32 vq = (u32)ctx->args[1];
	int ret = (int)ctx->args[2];
	struct msglat_vq_key key;
	struct msglat_vq_val *val;
	struct vmsg_hdr h;
	u64 *start;

	if (!read_hdr(ctx, &h))
		return 0;
	count_type(&h, MSGLAT_DIR_RECV, ret != 0);
	if (ret || h.msg_id != VMSG_EVENT_USED || vq == MSGLAT_NO_VQ)
		return 0;
	key.dev_num = h.dev_num;
	key.vq = vq;
	val = lookup_or_init(&per_vq, &key, &zero_vq);
	if (!val)
		return 0;
	val->used++;
	start = bpf_map_lookup_elem(&avail_start, &key);
	/* A USED without a pending AVAIL (device-initiated, e.g. rx): not timed. */
	if (!start || !*start)
		return 0;
	hist_add_local(&val->lat, now - *start);
	*start = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
