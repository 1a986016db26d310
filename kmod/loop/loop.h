/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-msg loopback bus: internals shared by the bus (bus.c), the
 * device side of the protocol (device.c), the device-side split ring
 * helper (ring.c) and the device models (blk.c, net.c).  Shaped like drivers/vdpa/vdpa_sim: the core owns the device
 * lifecycle, the per-device kthread and the virtqueue state; a model only
 * fills in struct vmsg_loop_model and handles the chains of its queues.
 */
#ifndef _VMSG_LOOP_H
#define _VMSG_LOOP_H

#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_ring.h>

#include "virtio_msg.h"

/* Queues per device: blk with up to 4 request queues, net rx + tx. */
#define VMSG_LOOP_MAX_VQS 4
/* Largest ring we accept; what virtio_mmio/pci devices in QEMU offer. */
#define VMSG_LOOP_VQ_MAX_SIZE 256
/*
 * Segments per chain: blk advertises seg_max 128 (+ header and status),
 * net TX needs MAX_SKB_FRAGS + 2.  Longer chains are a device error.
 */
#define VMSG_LOOP_MAX_SEGS 256
/* Chains handled per queue per pass before the kthread looks elsewhere. */
#define VMSG_LOOP_BUDGET 64

struct vmsg_loop_dev;

/* fault=: the named faults (fault.c). */
enum vmsg_loop_fault {
	VMSG_FAULT_NONE,
	VMSG_FAULT_DROP,
	VMSG_FAULT_BADSIZE,
	VMSG_FAULT_BADID,
	VMSG_FAULT_BADTOKEN,
	VMSG_FAULT_BADINDEX,
	VMSG_FAULT_LATE,
	VMSG_FAULT_SHORT,
	/* Faults from here on are not done to a response. */
	VMSG_FAULT_NORESET,
	VMSG_FAULT_BADADDR,
	VMSG_FAULT_DROPUSED,
	VMSG_FAULT_GENCHANGE,
	VMSG_FAULT_PLATFORM,
	VMSG_FAULT_REFUSEVQ,
};

/* Chaos (fault.c): the kinds of message a fault may hit. */
enum vmsg_chaos_where {
	VMSG_CHAOS_REQ,		/* transport request, at the device */
	VMSG_CHAOS_RESP,	/* its answer, at the driver */
	VMSG_CHAOS_AVAIL,	/* EVENT_AVAIL */
	VMSG_CHAOS_USED,	/* EVENT_USED */
	VMSG_CHAOS_CONFIG,	/* EVENT_CONFIG */
	VMSG_CHAOS_BUS,		/* bus messages (GET_DEVICES) */
	VMSG_CHAOS_WHERE_NR,
};

/**
 * struct vmsg_loop_fault_dev - per-device chaos state (the device's kthread)
 * @stale: the previous answer, replayed ahead of a reordered one
 * @stale_len: its length, 0: none yet
 * @held: an event held back by reorder, sent after the next one
 * @held_len: its length, 0: none held
 */
struct vmsg_loop_fault_dev {
	struct vmsg stale;
	u16 stale_len;
	struct vmsg held;
	u16 held_len;
};

/*
 * The run-time knobs that shape queue handling, read once by whoever takes
 * a queue's lock to handle it and used for that whole lock hold: a knob
 * written meanwhile takes effect at the next one, never halfway through.
 */
struct vmsg_loop_knobs {
	bool batch;
	bool zerocopy;
};

/* One guest-physical segment of a descriptor chain. */
struct vmsg_loop_seg {
	u64 addr;
	u32 len;
};

/*
 * A popped descriptor chain: readable segments first (nout of them), then
 * writable ones; the virtio spec forbids a readable one after a writable.
 */
struct vmsg_loop_chain {
	u16 head;
	unsigned int nseg;
	unsigned int nout;
	u32 out_len;
	u32 in_len;
	struct vmsg_loop_seg seg[VMSG_LOOP_MAX_SEGS];
};

/* Walks the readable or the writable part of a chain, byte by byte. */
struct vmsg_loop_iter {
	const struct vmsg_loop_chain *chain;
	struct vmsg_loop_vq *vq;
	unsigned int seg;
	unsigned int end;
	u32 off;
};

/**
 * struct vmsg_loop_vq - device side of one split virtqueue
 * @ld: owning device
 * @index: queue index
 * @lock: protects every field below.  Taken by whoever handles the queue
 *	(the owner's kthread, or with mode=inline the driver's send and the
 *	owner's tasklet), by the owner for SET/RESET_VQUEUE and device reset,
 *	and by a peer device that fills this queue (net RX).  A spinlock,
 *	taken with interrupts off: send may run in any context.
 * @owner: the owner is handling the queue (vmsg_loop_vq_done() tells its
 *	own completions from a peer's)
 * @ready: SET_VQUEUE accepted, rings mapped
 * @broken: the driver broke the ring rules; the queue is ignored until reset
 * @event_idx: VIRTIO_RING_F_EVENT_IDX negotiated
 * @knobs: knobs of the current lock hold (set by the owner's kthread when it
 *	handles the queue and at SET_VQUEUE; a peer filling the queue uses them)
 * @num: ring size
 * @desc_pa: descriptor table address (guest physical)
 * @avail_pa: driver area address
 * @used_pa: device area address
 * @desc: mapped descriptor table
 * @avail: mapped driver area
 * @used: mapped device area
 * @last_avail: next avail ring entry to consume
 * @used_idx: next used ring entry; published to the driver by flush
 * @signalled_used: used index at the last EVENT_USED decision
 * @signalled_valid: @signalled_used means something (EVENT_IDX logic)
 * @unsignalled: chains completed since the last EVENT_USED decision
 * @poll_seen: avail index at the end of the last pass (mode=poll)
 * @owed: EVENT_USED decided, to be sent once the lock is dropped (and,
 *	from the driver's send, once send returned: by the tasklet)
 * @bounce: one page, the shared window used when zerocopy is off
 * @chain: storage for the chain being handled
 */
struct vmsg_loop_vq {
	struct vmsg_loop_dev *ld;
	unsigned int index;
	spinlock_t lock;	/* the fields below */
	bool owner;
	bool ready;
	bool broken;
	bool event_idx;
	struct vmsg_loop_knobs knobs;
	u32 num;
	u64 desc_pa;
	u64 avail_pa;
	u64 used_pa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 last_avail;
	u16 used_idx;
	u16 signalled_used;
	bool signalled_valid;
	unsigned int unsignalled;
	u16 poll_seen;
	atomic_t owed;
	void *bounce;
	struct vmsg_loop_chain chain;
};

/**
 * struct vmsg_loop_model - what a device model provides (vdpa_sim's dev_attr)
 * @name: "blk" or "net", for stats and thread names
 * @device_id: virtio device id
 * @instances: how many devices of this model the module parameters ask for
 * @paired: instances 2i and 2i + 1 are each other's peer (ld->peer)
 * @init: set @ld->nvqs, @ld->config/@ld->config_size and @ld->priv
 * @destroy: free what @init allocated (kthread already stopped)
 * @features: feature bits the model offers (VERSION_1 and ring features
 *	are added by the core)
 * @handle_vq: handle up to @budget chains of @vq (called with @vq->lock
 *	held, interrupts off, in the owner's kthread or tasklet or, with
 *	mode=inline, in the driver's send): must not sleep.  Returns the number of chains consumed
 *	when it stopped because the ring was empty or the budget ran out;
 *	-EAGAIN when it stopped with chains left that it cannot take now
 *	(someone will kick the queue again); another negative errno when the
 *	driver broke the ring rules.
 * @reset: the driver reset the device (queues already reset)
 * @notify: set when the device side is not in this kernel (user.c): no
 *	kthread is made, and this is called, in any context (interrupts
 *	possibly off), when a request waits in the slot or a queue was kicked
 *	(a bit in avail_pending); must not sleep
 */
struct vmsg_loop_model {
	const char *name;
	u32 device_id;
	unsigned int (*instances)(void);
	bool paired;
	int (*init)(struct vmsg_loop_dev *ld, unsigned int index);
	void (*destroy)(struct vmsg_loop_dev *ld);
	u64 (*features)(struct vmsg_loop_dev *ld);
	int (*handle_vq)(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq, unsigned int budget);
	void (*reset)(struct vmsg_loop_dev *ld);
	void (*notify)(struct vmsg_loop_dev *ld);
};

/* Per-device counters, shown in /sys/devices/virtio-msg-loop/stats. */
enum vmsg_loop_stat {
	VMSG_STAT_TO_DEV,	/* messages driver to device */
	VMSG_STAT_TO_DRV,	/* messages device to driver */
	VMSG_STAT_AVAIL,	/* EVENT_AVAIL received */
	VMSG_STAT_USED,		/* EVENT_USED sent */
	VMSG_STAT_REQ,		/* transport requests */
	VMSG_STAT_CHAINS,	/* chains completed */
	VMSG_STAT_SUPPRESSED,	/* EVENT_USED the driver did not want */
	VMSG_STAT_FAULTS,	/* faults injected */
	VMSG_STAT_DROPPED,	/* requests, answers or frames dropped */
	VMSG_STAT_NOBUF,	/* frames dropped: the peer had no RX buffers */
	VMSG_STAT_ERRORS,	/* driver errors on a queue (NEEDS_RESET) */
	VMSG_STAT_NR,
};

/*
 * Lifecycle of a device; moves forward only, under vmsg_loop_lock.
 * @VMSG_LOOP_NEW: created, not (yet) reported by GET_DEVICES
 * @VMSG_LOOP_FOUND: reported by GET_DEVICES, not handed out
 * @VMSG_LOOP_HANDED: given to virtio_msg_register() or to be released:
 *	only the release op frees it from now on
 * @VMSG_LOOP_REGISTERED: registered, our own unregister is still due
 * @VMSG_LOOP_STOPPING: release runs, the kthread is being stopped
 * @VMSG_LOOP_RELEASED: release ran (freeing waits for the peer's too)
 */
enum vmsg_loop_state {
	VMSG_LOOP_NEW,
	VMSG_LOOP_FOUND,
	VMSG_LOOP_HANDED,
	VMSG_LOOP_REGISTERED,
	VMSG_LOOP_STOPPING,
	VMSG_LOOP_RELEASED,
};

/**
 * struct vmsg_loop_slot - the request slot between xfer and the kthread
 * @lock: protects every field below
 * @req: request handed to the device side
 * @req_pending: @req waits for the kthread
 * @resp: response handed back to the waiting xfer
 * @resp_len: bytes of @resp the device delivered
 * @resp_ready: @resp answers the xfer waiting for @token
 * @waiting: an xfer waits for a response with token @token
 * @token: token of the latest request
 * @wq: wakes the waiting xfer
 */
struct vmsg_loop_slot {
	spinlock_t lock;	/* the fields below */
	struct vmsg req;
	bool req_pending;
	struct vmsg resp;
	u16 resp_len;
	bool resp_ready;
	bool waiting;
	u16 token;
	wait_queue_head_t wq;
};

/**
 * struct vmsg_loop_dev - one device on the loop bus
 * @vmdev: what the transport sees; freed only from the release op
 * @model: device model
 * @priv: model data
 * @list: on the bus's device list (vmsg_loop_lock)
 * @peer: the other end of a pair; both are freed together
 * @state: lifecycle (vmsg_loop_lock)
 * @task: the device-side kthread
 * @wq: wakes @task
 * @avail_pending: per-vq bits: handle this queue (EVENT_AVAIL, budget left)
 * @used_pending: per-vq bits: a peer completed chains, decide EVENT_USED
 * @kick_timer: kicks the queues in @timer_pending (vmsg_loop_kick_later())
 * @timer_pending: per-vq bits: kick this queue when @kick_timer fires
 * @poll_off: the kthread left driver notifications off to poll (mode=poll)
 * @irq_work: mode=inline: the notification interrupt, a self-IPI taken as
 *	soon as the sender has interrupts on again; schedules @tasklet
 * @tasklet: mode=inline: handles kicked queues and delivers EVENT_USED in
 *	softirq context, at the exit of that interrupt
 * @needs_reset: a queue broke: the kthread sets NEEDS_RESET and tells the
 *	driver (EVENT_CONFIG); set from any thread, cleared by the kthread
 * @slot: the request slot
 * @event_lock: held while virtio_msg_event() runs (synchronize op); a
 *	spinlock (bottom halves off): the tasklet delivers events too
 * @gone: the release op ran: no event reaches the transport (@event_lock)
 * @dreq: the kthread's copy of the request it serves
 * @dresp: the response the kthread builds
 * @release_work: runs the release op's sleeping part
 * @status: device status (kthread only, others READ_ONCE)
 * @features: driver features accepted (kthread only)
 * @offered: features offered at the last GET_DEVICE_FEATURES
 * @generation: config generation
 * @config: config space, @config_size bytes (kthread only after init)
 * @nvqs: number of queues
 * @vqs: the queues
 * @stats: counters, indexed by enum vmsg_loop_stat
 * @index: index of the device within its model (blk0, net1...)
 * @unplugged: removed by surprise (hotplug.c): the bus fails every request
 *	with -ENODEV, the model completes every chain with an error
 * @fault: chaos state (fault.c)
 */
struct vmsg_loop_dev {
	struct virtio_msg_device vmdev;
	const struct vmsg_loop_model *model;
	void *priv;
	struct list_head list;
	struct vmsg_loop_dev *peer;
	enum vmsg_loop_state state;

	struct task_struct *task;
	wait_queue_head_t wq;
	unsigned long avail_pending;
	unsigned long used_pending;
	struct timer_list kick_timer;
	unsigned long timer_pending;
	struct irq_work irq_work;
	struct tasklet_struct tasklet;
	bool needs_reset;
	bool poll_off;

	struct vmsg_loop_slot slot;
	spinlock_t event_lock;	/* virtio_msg_event() calls, @gone */
	bool gone;
	struct vmsg dreq;
	struct vmsg dresp;
	struct work_struct release_work;

	u32 status;
	u64 features;
	u64 offered;
	u32 generation;
	u8 *config;
	u32 config_size;

	unsigned int nvqs;
	struct vmsg_loop_vq *vqs[VMSG_LOOP_MAX_VQS];
	atomic64_t stats[VMSG_STAT_NR];
	unsigned int index;
	bool unplugged;
	struct vmsg_loop_fault_dev fault;
};

static inline void vmsg_loop_count(struct vmsg_loop_dev *ld, enum vmsg_loop_stat stat)
{
	atomic64_inc(&ld->stats[stat]);
}

/* Knobs (device.c): one consistent read of the run-time ones. */
void vmsg_loop_knobs_read(struct vmsg_loop_knobs *knobs);

static inline struct vmsg_loop_dev *to_loop_dev(struct virtio_msg_device *vmdev)
{
	return container_of(vmdev, struct vmsg_loop_dev, vmdev);
}

/* Bus services (bus.c). */
extern struct device *vmsg_loop_root;
extern unsigned int vmsg_loop_timeout_ms;
extern struct mutex vmsg_loop_lock;
extern struct list_head vmsg_loop_devs;
void vmsg_loop_bus_cost(void);
struct vmsg_loop_dev *vmsg_loop_create(const struct vmsg_loop_model *model, unsigned int index,
				       u16 dev_num);
struct vmsg_loop_dev *vmsg_loop_create_priv(const struct vmsg_loop_model *model,
					    unsigned int index, u16 dev_num, void *priv);
void vmsg_loop_register_all(void);
void vmsg_loop_release(struct virtio_msg_device *vmdev);

/* Bus messages (busmsg.c). */
void vmsg_loop_bus_limits(struct virtio_msg_device *vmdev);
bool vmsg_loop_gone(struct vmsg_loop_dev *ld);
int vmsg_loop_enumerate(void);
void vmsg_loop_announce(u16 dev_num, u16 state);
void vmsg_loop_ping_start(void);
void vmsg_loop_ping_stop(void);

/* Run-time device changes (hotplug.c). */
int vmsg_loop_hotplug_init(void);
void vmsg_loop_hotplug_exit(void);
struct vmsg_loop_dev *vmsg_loop_add_priv(const struct vmsg_loop_model *model, void *priv);
struct kernel_param;
int vmsg_loop_set_uint(const char *val, const struct kernel_param *kp,
		       unsigned int min, unsigned int max);
/*
 * An unsigned int module parameter @name backed by @var whose writes, at load
 * time or through sysfs, are refused (pr_err, -EINVAL) outside [@min, @max].
 */
#define vmsg_loop_param_uint(name, var, min, max, perm)				\
	static int vmsg_loop_set_##name(const char *val,			\
					const struct kernel_param *kp)		\
	{									\
		return vmsg_loop_set_uint(val, kp, min, max);			\
	}									\
	static const struct kernel_param_ops vmsg_loop_##name##_ops = {	\
		.set = vmsg_loop_set_##name,					\
		.get = param_get_uint,						\
	};									\
	module_param_cb(name, &vmsg_loop_##name##_ops, &var, perm)

int vmsg_loop_set_enum(const char *val, const struct kernel_param *kp,
		       const char * const *names, size_t n);
int vmsg_loop_get_enum(char *buf, const struct kernel_param *kp, const char * const *names);
/*
 * An int module parameter @name backed by @var that takes one of the strings
 * of @names (an array indexed by value); anything else is refused (pr_err
 * listing them, -EINVAL).
 */
#define vmsg_loop_param_enum(name, var, names, perm)				\
	static int vmsg_loop_set_##name(const char *val,			\
					const struct kernel_param *kp)		\
	{									\
		return vmsg_loop_set_enum(val, kp, names, ARRAY_SIZE(names));	\
	}									\
	static int vmsg_loop_get_##name(char *buf,				\
					const struct kernel_param *kp)		\
	{									\
		return vmsg_loop_get_enum(buf, kp, names);			\
	}									\
	static const struct kernel_param_ops vmsg_loop_##name##_ops = {	\
		.set = vmsg_loop_set_##name,					\
		.get = vmsg_loop_get_##name,					\
	};									\
	module_param_cb(name, &vmsg_loop_##name##_ops, &var, perm)

/* Device side (device.c): the kthread and the services for the models. */
int vmsg_loop_thread(void *data);
bool vmsg_loop_has_feature(struct vmsg_loop_dev *ld, unsigned int bit);
void vmsg_loop_kick(struct vmsg_loop_dev *ld, unsigned int vq_index);
void vmsg_loop_kick_later(struct vmsg_loop_dev *ld, unsigned int vq_index, unsigned long delay);
void vmsg_loop_kick_timer(struct timer_list *t);
bool vmsg_loop_vq_usable(struct vmsg_loop_vq *vq);
void vmsg_loop_vq_done(struct vmsg_loop_vq *vq, u16 head, u32 len);
void vmsg_loop_vq_flush_remote(struct vmsg_loop_vq *vq);
void vmsg_loop_needs_reset(struct vmsg_loop_dev *ld);
void vmsg_loop_send_event(struct vmsg_loop_dev *ld, struct vmsg *m);
void vmsg_loop_avail_deliver(struct vmsg_loop_dev *ld, unsigned int index);
void vmsg_loop_resp_deliver(struct vmsg_loop_dev *ld, struct vmsg *resp, u16 len);
void vmsg_loop_event_deliver(struct vmsg_loop_dev *ld, struct vmsg *m, u16 len);

/* Fault injection (fault.c): fault=, chaos, and the hooks where messages pass. */
void vmsg_loop_fault_init(void);
void vmsg_loop_fault_exit(void);
bool vmsg_loop_fault_take(struct vmsg_loop_dev *ld, int type);
void vmsg_loop_fault_addr(struct vmsg_loop_dev *ld, u64 *addr);
unsigned int vmsg_loop_fault_req(struct vmsg_loop_dev *ld, struct vmsg *req);
void vmsg_loop_fault_resp(struct vmsg_loop_dev *ld, struct vmsg *resp, u16 len);
void vmsg_loop_fault_event(struct vmsg_loop_dev *ld, struct vmsg *m);
void vmsg_loop_fault_avail(struct vmsg_loop_dev *ld, unsigned int index);
int vmsg_loop_fault_bus(struct vmsg *req, struct vmsg *resp);

/* Device-side split ring (ring.c). */
void vmsg_loop_ram_init(void);
int vmsg_loop_vq_map(struct vmsg_loop_vq *vq, u32 num, u64 desc, u64 avail, u64 used);
void vmsg_loop_vq_reset(struct vmsg_loop_vq *vq);
u16 vmsg_loop_vq_avail_idx(struct vmsg_loop_vq *vq);
int vmsg_loop_vq_pop(struct vmsg_loop_vq *vq, struct vmsg_loop_chain *chain);
void vmsg_loop_vq_unpop(struct vmsg_loop_vq *vq, unsigned int n);
void vmsg_loop_vq_push(struct vmsg_loop_vq *vq, u16 head, u32 len);
void vmsg_loop_vq_flush(struct vmsg_loop_vq *vq);
void vmsg_loop_vq_disable_notify(struct vmsg_loop_vq *vq);
u16 vmsg_loop_vq_enable_notify(struct vmsg_loop_vq *vq);
bool vmsg_loop_vq_should_signal(struct vmsg_loop_vq *vq);
void vmsg_loop_vq_error(struct vmsg_loop_vq *vq, const char *what, u64 val);

void vmsg_loop_iter_init(struct vmsg_loop_iter *it, struct vmsg_loop_vq *vq,
			 const struct vmsg_loop_chain *chain, bool write);
u32 vmsg_loop_iter_left(const struct vmsg_loop_iter *it);
int vmsg_loop_iter_skip(struct vmsg_loop_iter *it, u32 len);
int vmsg_loop_iter_pull(struct vmsg_loop_iter *it, void *buf, u32 len);
int vmsg_loop_iter_push(struct vmsg_loop_iter *it, const void *buf, u32 len);
int vmsg_loop_iter_copy(struct vmsg_loop_iter *dst, struct vmsg_loop_iter *src, u32 len);

/* Bus models (mode.c): how the device side is driven. */
enum vmsg_loop_mode {
	VMSG_MODE_THREAD,	/* EVENT_AVAIL wakes the device kthread */
	VMSG_MODE_INLINE,	/* handled in the sender's context (FF-A direct request) */
	VMSG_MODE_POLL,		/* the kthread busy-polls its rings before sleeping */
};

enum vmsg_loop_mode vmsg_loop_mode_get(void);
bool vmsg_loop_inline_defer(void);
void vmsg_loop_wake(struct vmsg_loop_dev *ld);
void vmsg_loop_tasklet(struct tasklet_struct *t);
void vmsg_loop_irq_work(struct irq_work *work);
void vmsg_loop_interrupt(struct vmsg_loop_dev *ld);
void vmsg_loop_poll(struct vmsg_loop_dev *ld);
void vmsg_loop_process_vq(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq, bool from_send);
void vmsg_loop_signal_vq(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq);
void vmsg_loop_flush_used(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq, bool defer);
bool vmsg_loop_has_work(struct vmsg_loop_dev *ld);

/* DMA window (window.c). */
int vmsg_loop_window_init(struct device *dev);
void vmsg_loop_window_exit(struct device *dev);
bool vmsg_loop_window_on(void);
bool vmsg_loop_window_contains(u64 pa, u64 len);
u64 vmsg_loop_window_outside(void);
bool vmsg_loop_window_chunk(unsigned int i, phys_addr_t *start, size_t *size);

/* Devices played by a user-space process (user.c). */
int vmsg_loop_user_init(void);
void vmsg_loop_user_exit(void);

/* Device models. */
extern const struct vmsg_loop_model vmsg_blk_model;
extern const struct vmsg_loop_model vmsg_net_model;
extern unsigned int vmsg_blk_mb;
int vmsg_blk_resize(struct vmsg_loop_dev *ld, u64 sectors);
void vmsg_net_set_link(struct vmsg_loop_dev *ld, bool up);

#endif /* _VMSG_LOOP_H */
