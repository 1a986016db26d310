// SPDX-License-Identifier: GPL-2.0
/*
 * msglat: virtio-msg message counts and latencies, from the transport's
 * tracepoints (kmod/virtio_msg_trace.h).
 *
 * virtio_msg.ko is built out of tree and has no BTF, so these are raw
 * tracepoints: ctx->args[] holds TP_PROTO(u8 type, u8 msg_id, u16 dev_num,
 * u16 token, u16 size, u32 vq, int ret) in order, each widened to u64: the
 * header's fields in CPU order, so no bpf_probe_read_kernel() per message.
 *
 * Per message: one per-CPU array lookup for the type's counters, and for
 * EVENT_AVAIL / EVENT_USED one for the queue's and one for its clock (array
 * slots by (dev_num, vq), msglat.h), one clock read: under icount every
 * instruction is the guest's time (tracer cost on msg qd1, issue 10).
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

/* Enough for every device the loop bus hosts, with room. */
#define MAX_DEVS 256

/* -d: only this dev_num (bus messages, dev_num 0, pass only with -d 0). */
const volatile int targ_dev = -1;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_DEVS);
	__type(key, u32);
	__type(value, struct msglat_inflight);
} inflight SEC(".maps");

/* Start of the pending AVAIL -> USED per queue (slots: msglat.h); 0: none pending. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MSGLAT_VQ_SLOTS);
	__type(key, u32);
	__type(value, u64);
} avail_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSGLAT_VQ_MORE);
	__type(key, struct msglat_vq_key);
	__type(value, u64);
} avail_start_more SEC(".maps");

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
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MSGLAT_VQ_SLOTS);
	__type(key, u32);
	__type(value, struct msglat_vq_val);
} per_vq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MSGLAT_VQ_MORE);
	__type(key, struct msglat_vq_key);
	__type(value, struct msglat_vq_val);
} per_vq_more SEC(".maps");

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

/* This CPU's counters of queue @key. */
static __always_inline struct msglat_vq_val *vq_val(const struct msglat_vq_key *key)
{
	int slot = msglat_vq_slot(key->dev_num, key->vq);

	if (slot >= 0) {
		u32 s = slot;

		return bpf_map_lookup_elem(&per_vq, &s);
	}
	return lookup_or_init(&per_vq_more, key, &zero_vq);
}

/* Queue @key's AVAIL clock; created in avail_start_more only if @create. */
static __always_inline u64 *vq_clock(const struct msglat_vq_key *key, bool create)
{
	static const u64 zero;
	int slot = msglat_vq_slot(key->dev_num, key->vq);

	if (slot >= 0) {
		u32 s = slot;

		return bpf_map_lookup_elem(&avail_start, &s);
	}
	if (create)
		return lookup_or_init(&avail_start_more, key, &zero);
	return bpf_map_lookup_elem(&avail_start_more, key);
}

/* A tracepoint's arguments (kmod/virtio_msg_trace.h: TP_PROTO order). */
struct ev {
	u8 type;
	u8 msg_id;
	u16 dev_num;
	u16 size;
	u32 vq;
	int ret;
};

/* @ctx's arguments into @e; false if filtered out by -d. */
static __always_inline bool read_ev(struct bpf_raw_tracepoint_args *ctx, struct ev *e)
{
	e->type = ctx->args[0];
	e->msg_id = ctx->args[1];
	e->dev_num = ctx->args[2];
	e->size = ctx->args[4];
	e->vq = ctx->args[5];
	e->ret = ctx->args[6];
	return targ_dev < 0 || e->dev_num == (u16)targ_dev;
}

static __always_inline struct msglat_type_val *type_val(u32 dir, const struct ev *h)
{
	u32 slot = msglat_type_slot(dir, h->type & VMSG_TYPE_BUS, h->msg_id);

	return bpf_map_lookup_elem(&per_type, &slot);
}

static __always_inline void count_type(const struct ev *h, u8 dir, bool error)
{
	struct msglat_type_val *val = type_val(dir, h);

	if (!val)
		return;
	val->count++;
	val->bytes += h->size;
	if (error)
		val->errors++;
}

SEC("raw_tp/virtio_msg_xfer")
int msglat_xfer(struct bpf_raw_tracepoint_args *ctx)
{
	struct msglat_inflight in = {};
	struct ev e;
	u32 dev;

	if (!read_ev(ctx, &e))
		return 0;
	count_type(&e, MSGLAT_DIR_REQ, false);
	dev = e.dev_num;
	in.ts = bpf_ktime_get_ns();
	in.bus = !!(e.type & VMSG_TYPE_BUS);
	in.msg_id = e.msg_id;
	bpf_map_update_elem(&inflight, &dev, &in, BPF_ANY);
	return 0;
}

SEC("raw_tp/virtio_msg_xfer_done")
int msglat_xfer_done(struct bpf_raw_tracepoint_args *ctx)
{
	u64 now = bpf_ktime_get_ns();
	struct msglat_inflight *in;
	struct msglat_req_val *val;
	struct ev e;
	u32 slot, dev;

	if (!read_ev(ctx, &e))
		return 0;
	if (e.ret == 0) {
		count_type(&e, MSGLAT_DIR_RESP, false);
	} else {
		/* No response arrived: charge the error to the request's type. */
		struct msglat_type_val *tval = type_val(MSGLAT_DIR_REQ, &e);

		if (tval)
			tval->errors++;
	}

	dev = e.dev_num;
	in = bpf_map_lookup_elem(&inflight, &dev);
	/* Started before we attached: no start time, nothing to time. */
	if (!in)
		return 0;
	slot = msglat_req_slot(in->bus, in->msg_id);
	val = bpf_map_lookup_elem(&requests, &slot);
	if (val) {
		val->count++;
		if (e.ret)
			val->errors++;
		hist_add_local(&val->lat, now - in->ts);
	}
	bpf_map_delete_elem(&inflight, &dev);
	return 0;
}

SEC("raw_tp/virtio_msg_send")
int msglat_send(struct bpf_raw_tracepoint_args *ctx)
{
	struct msglat_vq_key key;
	struct msglat_vq_val *val;
	struct ev e;
	u64 *start;

	if (!read_ev(ctx, &e))
		return 0;
	count_type(&e, MSGLAT_DIR_SEND, e.ret != 0);
	if (e.msg_id != VMSG_EVENT_AVAIL || e.vq == MSGLAT_NO_VQ)
		return 0;
	key.dev_num = e.dev_num;
	key.vq = e.vq;
	val = vq_val(&key);
	if (val)
		val->avail++;
	/*
	 * Only the first AVAIL since the last USED starts the clock.  The entry
	 * stays (0: no clock running), so the steady state is one lookup, no
	 * insert or delete.
	 */
	start = vq_clock(&key, true);
	if (start && !*start)
		*start = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/virtio_msg_recv")
int msglat_recv(struct bpf_raw_tracepoint_args *ctx)
{
	struct msglat_vq_key key;
	struct msglat_vq_val *val;
	struct ev e;
	u64 *start;

	if (!read_ev(ctx, &e))
		return 0;
	count_type(&e, MSGLAT_DIR_RECV, e.ret != 0);
	if (e.ret || e.msg_id != VMSG_EVENT_USED || e.vq == MSGLAT_NO_VQ)
		return 0;
	key.dev_num = e.dev_num;
	key.vq = e.vq;
	val = vq_val(&key);
	if (!val)
		return 0;
	val->used++;
	start = vq_clock(&key, false);
	/* A USED without a pending AVAIL (device-initiated, e.g. rx): not timed. */
	if (!start || !*start)
		return 0;
	hist_add_local(&val->lat, bpf_ktime_get_ns() - *start);
	*start = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
