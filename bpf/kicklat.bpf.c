// SPDX-License-Identifier: GPL-2.0
/*
 * kicklat: per-virtqueue notifications, interrupts, completed buffers and
 * notify -> interrupt latency, for any virtio transport (pci, mmio, msg).
 *
 * Attach points (virtio_ring.ko, by name; the module must be loaded):
 *  - notifications: virtqueue_kick_prepare() returning true, NOT a kprobe on
 *    virtqueue_notify(): in Debian's 6.1.192 virtio_ring.ko the compiler
 *    inlined virtqueue_notify() into virtqueue_kick() (objdump: an indirect
 *    call through vq->notify, no call to virtqueue_notify), so such a probe
 *    misses every virtqueue_kick() user.  Every driver path that notifies
 *    goes through virtqueue_kick_prepare() (kick, or kick_prepare + notify in
 *    virtio_blk / virtio_net), and it is a real call everywhere.
 *  - interrupts: vring_interrupt(), counted only when it returns
 *    IRQ_HANDLED: virtio_mmio and shared pci vectors call it for every vq of
 *    the device, and an IRQ_NONE call must not end another queue's latency.
 *  - buffers (kicklat -b only: two more probed calls per interrupt, as the
 *    driver's loop ends on a NULL): virtqueue_get_buf_ctx() and
 *    virtqueue_get_buf() returning non-NULL: Debian's build inlines the
 *    former into the latter, so both are probed; where one tail-calls the
 *    other the inner call is marked nested and not counted twice.
 *
 * Two variants of the same probes, one chosen at load time (kicklat.c):
 *
 *  - fentry/fexit (BPF trampolines; the default): virtio_ring.ko has module
 *    BTF on Debian's 6.1, so fexit sees the argument and the return value
 *    together, and only vring_interrupt() has an entry program: it keeps
 *    its entry time (the latency ends when the interrupt arrives, not after
 *    the driver's callback) on a per-CPU stack (hardirq: entry and exit on
 *    one CPU, LIFO).  Where get_buf() calls get_buf_ctx() the inner fexit
 *    runs first, on the same CPU (both run under the lock the virtqueue API
 *    asks callers to hold): it leaves its (vq, buffer) in a per-CPU slot,
 *    and a get_buf() returning that same pair right after is not counted
 *    again.  One program run per call, no entry program (the tracer's own
 *    cost, issue 10: each trampoline run is counted time under icount).
 *  - kprobes/kretprobes (the fallback where trampolines cannot attach): the
 *    argument is only known at entry and the result only at return, so
 *    entries push a frame on a per-task stack that the return pops: LIFO
 *    per task survives both migration (process context) and an interrupt
 *    nesting a probed call inside another on the same task.  The idle tasks
 *    all have pid 0, so their key is the CPU instead (they never migrate).
 *    The kretprobes are defined (hence attached) before the kprobes, so a
 *    return whose entry was not seen finds no frame of its kind and is
 *    ignored instead of leaving a stale frame behind.
 *
 * The kprobe variant costs an int3 trap per probe hit: 1.3-2.2x on the
 * qd1 latency under icount, 4.3x on msg qd1 under plain TCG.
 *
 * struct virtqueue / virtio_device fields are read with CO-RE: both types are
 * in the 6.1 vmlinux BTF, and they are also in virtio.ko's module BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hist.bpf.h"
#include "kicklat.h"

/* More queues than any guest we run has (a 64-queue net pair is 130). */
#define MAX_VQS 4096
/* Tasks inside a probed function at the same time. */
#define MAX_TASKS 10240
/* Probed calls nested on one task: irq inside get_buf inside ... */
#define MAX_DEPTH 4
/* include/linux/irqreturn.h */
#define KICKLAT_IRQ_HANDLED 1

/* -d: only virtioN with N == targ_dev. */
const volatile int targ_dev = -1;

enum frame_kind {
	FRAME_KICK_PREPARE = 1,
	FRAME_INTERRUPT,
	FRAME_GET_BUF,
	FRAME_GET_BUF_CTX,
};

struct frame {
	u64 vq;
	u64 ts;
	u32 kind;
	u32 nested;
};

struct stack {
	u32 depth;
	u32 pad;
	struct frame f[MAX_DEPTH];
};

/* kprobe variant: frames per task. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TASKS);
	__type(key, u64);
	__type(value, struct stack);
} stacks SEC(".maps");

/* fentry variant: the last buffer get_buf_ctx() returned on this CPU. */
struct last_buf {
	u64 vq;
	u64 buf;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct last_buf);
} cpu_last SEC(".maps");

/* fentry variant: frames per CPU (entry and exit run on one CPU, see above). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct stack);
} cpu_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_VQS);
	__type(key, u64);
	__type(value, struct kicklat_vq_val);
} per_vq SEC(".maps");

static const struct stack zero_stack;
static const struct kicklat_vq_val zero_vq;

static __always_inline u64 task_key(void)
{
	u64 id = bpf_get_current_pid_tgid();

	if ((u32)id == 0)
		return (1ULL << 63) | bpf_get_smp_processor_id();
	return id;
}

/* This task's frame stack (kprobe variant), created on first use. */
static __always_inline struct stack *task_stack(void)
{
	u64 key = task_key();
	struct stack *st;

	st = bpf_map_lookup_elem(&stacks, &key);
	if (st)
		return st;
	bpf_map_update_elem(&stacks, &key, &zero_stack, BPF_NOEXIST);
	return bpf_map_lookup_elem(&stacks, &key);
}

/* This CPU's frame stack (fentry variant). */
static __always_inline struct stack *cpu_stack(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_stacks, &zero);
}

/* This CPU's last get_buf_ctx() buffer (fentry variant). */
static __always_inline struct last_buf *cpu_last_buf(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_last, &zero);
}

/*
 * -d filter, applied at return: entries always push, so that a filtered
 * call nested in a wanted one cannot pop the wrong frame.
 */
static __always_inline bool dev_wanted(u64 vqp)
{
	struct virtqueue *vq = (struct virtqueue *)vqp;

	if (targ_dev < 0)
		return true;
	return BPF_CORE_READ(vq, vdev, index) == targ_dev;
}

/* get_buf calling get_buf_ctx on the same vq: the inner call is not counted. */
static __always_inline bool in_get_buf(const struct stack *st, u32 d, u64 vq)
{
	const struct frame *up;

	if (d == 0 || d > MAX_DEPTH)
		return false;
	up = &st->f[(d - 1) & (MAX_DEPTH - 1)];
	return up->kind == FRAME_GET_BUF && up->vq == vq;
}

static __always_inline void push(struct stack *st, u32 kind, struct virtqueue *vq)
{
	u32 d;

	if (!st)
		return;
	d = st->depth;
	if (d < MAX_DEPTH) {
		struct frame *f = &st->f[d & (MAX_DEPTH - 1)];

		f->vq = (u64)vq;
		f->ts = bpf_ktime_get_ns();
		f->kind = kind;
		f->nested = kind == FRAME_GET_BUF_CTX && in_get_buf(st, d, (u64)vq);
	}
	/* Deeper than MAX_DEPTH: counted so the pops stay balanced, not recorded. */
	st->depth = d + 1;
}

/* Pop the frame @kind pushed; false if there is none to pop. */
static __always_inline bool pop(struct stack *st, u32 kind, struct frame *out)
{
	u32 d;

	if (!st || st->depth == 0)
		return false;
	d = st->depth - 1;
	if (d >= MAX_DEPTH) {
		st->depth = d;
		return false;
	}
	/* Entry not seen (attached in between, or skipped by recursion): leave it. */
	if (st->f[d & (MAX_DEPTH - 1)].kind != kind)
		return false;
	*out = st->f[d & (MAX_DEPTH - 1)];
	st->depth = d;
	return true;
}

/* kprobe variant: pop from the task's stack, dropping the stack when it empties. */
static __always_inline bool task_pop(u32 kind, struct frame *out)
{
	u64 key = task_key();
	struct stack *st = bpf_map_lookup_elem(&stacks, &key);

	if (!pop(st, kind, out))
		return false;
	if (st->depth == 0)
		bpf_map_delete_elem(&stacks, &key);
	return true;
}

static __always_inline struct kicklat_vq_val *vq_stats(u64 vqp)
{
	struct virtqueue *vq = (struct virtqueue *)vqp;
	struct kicklat_vq_val *val;

	val = bpf_map_lookup_elem(&per_vq, &vqp);
	if (val)
		return val;
	bpf_map_update_elem(&per_vq, &vqp, &zero_vq, BPF_NOEXIST);
	val = bpf_map_lookup_elem(&per_vq, &vqp);
	if (!val)
		return NULL;
	/* Two CPUs may both fill it: same values, harmless. */
	bpf_probe_read_kernel_str(val->name, sizeof(val->name), BPF_CORE_READ(vq, name));
	val->index = BPF_CORE_READ(vq, index);
	val->dev_index = BPF_CORE_READ(vq, vdev, index);
	return val;
}

/* The four events, shared by both variants. */

/* virtqueue_kick_prepare(@vq) returned @ret (bool: only %al is defined), at @ts. */
static __always_inline void on_kick_prepare(u64 vq, long ret, u64 ts)
{
	struct kicklat_vq_val *val;

	if (!(ret & 0xff) || !dev_wanted(vq))
		return;
	val = vq_stats(vq);
	if (!val)
		return;
	__sync_fetch_and_add(&val->notifies, 1);
	if (!val->pending_ts)
		val->pending_ts = ts;
}

/* vring_interrupt() entered at @f->ts on @f->vq returned @ret. */
static __always_inline void on_interrupt(const struct frame *f, long ret)
{
	struct kicklat_vq_val *val;
	u64 start;

	if (!dev_wanted(f->vq))
		return;
	val = vq_stats(f->vq);
	if (!val)
		return;
	if ((int)ret != KICKLAT_IRQ_HANDLED) {
		__sync_fetch_and_add(&val->spurious, 1);
		return;
	}
	__sync_fetch_and_add(&val->interrupts, 1);
	start = val->pending_ts;
	if (start && f->ts > start) {
		hist_add(&val->lat, f->ts - start);
		val->pending_ts = 0;
	}
}

/* virtqueue_get_buf{,_ctx}(@vq) returned @ret. */
static __always_inline void on_get_buf(u64 vq, void *ret)
{
	struct kicklat_vq_val *val;

	if (!ret || !dev_wanted(vq))
		return;
	val = vq_stats(vq);
	if (val)
		__sync_fetch_and_add(&val->buffers, 1);
}

/* fentry variant: fexit sees the arguments and the return value. */

SEC("fexit/virtqueue_kick_prepare")
int BPF_PROG(fexit_kick_prepare, struct virtqueue *vq, long ret)
{
	on_kick_prepare((u64)vq, ret, bpf_ktime_get_ns());
	return 0;
}

SEC("fentry/vring_interrupt")
int BPF_PROG(fentry_vring_interrupt, int irq, struct virtqueue *vq)
{
	push(cpu_stack(), FRAME_INTERRUPT, vq);
	return 0;
}

SEC("fexit/vring_interrupt")
int BPF_PROG(fexit_vring_interrupt, int irq, struct virtqueue *vq, long ret)
{
	struct frame f;

	/* Counted even without its entry frame: only the latency needs it. */
	if (!pop(cpu_stack(), FRAME_INTERRUPT, &f) || f.vq != (u64)vq) {
		f.vq = (u64)vq;
		f.ts = bpf_ktime_get_ns();
	}
	on_interrupt(&f, ret);
	return 0;
}

SEC("fexit/virtqueue_get_buf")
int BPF_PROG(fexit_get_buf, struct virtqueue *vq, unsigned int *len, void *ret)
{
	struct last_buf *l = cpu_last_buf();
	bool nested = false;

	/* The get_buf_ctx() this call made, if it made one, was counted. */
	if (l) {
		nested = ret && l->vq == (u64)vq && l->buf == (u64)ret;
		l->vq = 0;
	}
	if (!nested)
		on_get_buf((u64)vq, ret);
	return 0;
}

SEC("fexit/virtqueue_get_buf_ctx")
int BPF_PROG(fexit_get_buf_ctx, struct virtqueue *vq, unsigned int *len, void **vctx, void *ret)
{
	struct last_buf *l = cpu_last_buf();

	if (l && ret) {
		l->vq = (u64)vq;
		l->buf = (u64)ret;
	}
	on_get_buf((u64)vq, ret);
	return 0;
}

/* kprobe variant: entries push a frame per task, returns pop it. */

SEC("kretprobe/virtqueue_kick_prepare")
int BPF_KRETPROBE(kick_prepare_ret, long ret)
{
	struct frame f;

	if (task_pop(FRAME_KICK_PREPARE, &f))
		on_kick_prepare(f.vq, ret, f.ts);
	return 0;
}

SEC("kretprobe/vring_interrupt")
int BPF_KRETPROBE(vring_interrupt_ret, long ret)
{
	struct frame f;

	if (task_pop(FRAME_INTERRUPT, &f))
		on_interrupt(&f, ret);
	return 0;
}

SEC("kretprobe/virtqueue_get_buf_ctx")
int BPF_KRETPROBE(get_buf_ctx_ret, void *ret)
{
	struct frame f;

	if (task_pop(FRAME_GET_BUF_CTX, &f) && !f.nested)
		on_get_buf(f.vq, ret);
	return 0;
}

SEC("kretprobe/virtqueue_get_buf")
int BPF_KRETPROBE(get_buf_ret, void *ret)
{
	struct frame f;

	if (task_pop(FRAME_GET_BUF, &f))
		on_get_buf(f.vq, ret);
	return 0;
}

SEC("kprobe/virtqueue_kick_prepare")
int BPF_KPROBE(kick_prepare, struct virtqueue *vq)
{
	push(task_stack(), FRAME_KICK_PREPARE, vq);
	return 0;
}

SEC("kprobe/vring_interrupt")
int BPF_KPROBE(vring_interrupt, int irq, struct virtqueue *vq)
{
	push(task_stack(), FRAME_INTERRUPT, vq);
	return 0;
}

SEC("kprobe/virtqueue_get_buf_ctx")
int BPF_KPROBE(get_buf_ctx, struct virtqueue *vq)
{
	push(task_stack(), FRAME_GET_BUF_CTX, vq);
	return 0;
}

SEC("kprobe/virtqueue_get_buf")
int BPF_KPROBE(get_buf, struct virtqueue *vq)
{
	push(task_stack(), FRAME_GET_BUF, vq);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
