// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: fault injection.
 *
 * Two ways in, both here:
 *
 *  - the module parameters fault= and fault_count= (one named fault for
 *    the next N responses, chains or times; the guest tests use them);
 *
 *  - chaos: every message that crosses the bus, in both directions
 *    (requests, responses, EVENT_AVAIL, EVENT_USED, EVENT_CONFIG, bus
 *    messages), may be dropped, delayed, duplicated, corrupted (bad id,
 *    size, token, device or queue index, short, bit flips), reordered or
 *    answered after its timeout.  Shaped like the kernel's fail_* attributes
 *    (Documentation/fault-injection), which Debian's kernel does not build,
 *    in /sys/kernel/debug/virtio-msg-loop/fault/:
 *	probability	percent of the eligible messages that get a fault
 *	interval	only every interval-th eligible message may get one
 *	times		faults left; -1: no limit
 *	verbose		0 quiet, 1 one line per fault (ratelimited)
 *	kinds		actions allowed: drop delay dup corrupt reorder late
 *	where		messages eligible: req resp avail used config bus
 *	seed		seed of the decisions; a write reseeds
 *	counts		messages seen and faults done by kind (write 0 to reset)
 *    The decisions come from one prandom state seeded from fault_seed (a
 *    random seed when 0, printed at load): a failing run replays with its
 *    seed, up to the interleaving of the device threads.
 *
 * The callers (device.c, bus.c) pass each message through one hook where
 * it crosses the bus; the hook delivers it 0, 1 or 2 times.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "loop.h"

/* ---- fault= and fault_count= ----------------------------------------- */

static const char * const vmsg_loop_fault_names[] = {
	[VMSG_FAULT_NONE] = "none",
	[VMSG_FAULT_DROP] = "drop",
	[VMSG_FAULT_BADSIZE] = "badsize",
	[VMSG_FAULT_BADID] = "badid",
	[VMSG_FAULT_BADTOKEN] = "badtoken",
	[VMSG_FAULT_BADINDEX] = "badindex",
	[VMSG_FAULT_LATE] = "late",
	[VMSG_FAULT_SHORT] = "short",
	[VMSG_FAULT_NORESET] = "noreset",
	[VMSG_FAULT_BADADDR] = "badaddr",
	[VMSG_FAULT_DROPUSED] = "dropused",
	[VMSG_FAULT_GENCHANGE] = "genchange",
	[VMSG_FAULT_PLATFORM] = "platform",
	[VMSG_FAULT_REFUSEVQ] = "refusevq",
};

static int vmsg_loop_fault_type;
static atomic_t vmsg_loop_fault_left = ATOMIC_INIT(0);

static int vmsg_loop_set_fault_count(const char *val, const struct kernel_param *kp)
{
	int v;

	if (kstrtoint(val, 0, &v) || v < 0) {
		pr_err("fault_count: not a count >= 0: %s\n", val);
		return -EINVAL;
	}
	atomic_set(&vmsg_loop_fault_left, v);
	return 0;
}

static int vmsg_loop_get_fault_count(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&vmsg_loop_fault_left));
}

static const struct kernel_param_ops vmsg_loop_fault_count_ops = {
	.set = vmsg_loop_set_fault_count,
	.get = vmsg_loop_get_fault_count,
};

vmsg_loop_param_enum(fault, vmsg_loop_fault_type, vmsg_loop_fault_names, 0644);
MODULE_PARM_DESC(fault, "Fault for the next fault_count responses: none, drop, badsize, badid, badtoken, badindex, late (answer after timeout_ms + 200 ms), short (answer one byte short); resets: noreset (SET_DEVICE_STATUS 0 ignored); chains: badaddr; or the next fault_count times: dropused (EVENT_USED lost), genchange (GET_CONFIG moves the generation), platform (GET_DEVICE_FEATURES offers ACCESS_PLATFORM), refusevq (SET_VQUEUE refused) (default none)");
module_param_cb(fault_count, &vmsg_loop_fault_count_ops, NULL, 0644);
MODULE_PARM_DESC(fault_count, "Responses, chains or times left to inject the fault (default 0)");

/* Is fault @type armed with count left?  Then take one and count it. */
bool vmsg_loop_fault_take(struct vmsg_loop_dev *ld, int type)
{
	if (READ_ONCE(vmsg_loop_fault_type) != type ||
	    atomic_dec_if_positive(&vmsg_loop_fault_left) < 0)
		return false;
	vmsg_loop_count(ld, VMSG_STAT_FAULTS);
	return true;
}

/* ---- chaos: settings and decisions ------------------------------------ */

enum vmsg_chaos_act {
	VMSG_CHAOS_NONE,
	VMSG_CHAOS_DROP,
	VMSG_CHAOS_DELAY,
	VMSG_CHAOS_DUP,
	VMSG_CHAOS_CORRUPT,
	VMSG_CHAOS_REORDER,
	VMSG_CHAOS_LATE,
	VMSG_CHAOS_NR,
};

static const char * const vmsg_chaos_act_names[VMSG_CHAOS_NR] = {
	[VMSG_CHAOS_NONE] = "none",
	[VMSG_CHAOS_DROP] = "drop",
	[VMSG_CHAOS_DELAY] = "delay",
	[VMSG_CHAOS_DUP] = "dup",
	[VMSG_CHAOS_CORRUPT] = "corrupt",
	[VMSG_CHAOS_REORDER] = "reorder",
	[VMSG_CHAOS_LATE] = "late",
};

static const char * const vmsg_chaos_where_names[VMSG_CHAOS_WHERE_NR] = {
	[VMSG_CHAOS_REQ] = "req",
	[VMSG_CHAOS_RESP] = "resp",
	[VMSG_CHAOS_AVAIL] = "avail",
	[VMSG_CHAOS_USED] = "used",
	[VMSG_CHAOS_CONFIG] = "config",
	[VMSG_CHAOS_BUS] = "bus",
};

/*
 * What each kind of message can suffer.  A request is never reordered:
 * a stale SET_VQUEUE replayed after its rings were freed would make the
 * device write freed memory, which no transport can defend against (the
 * bus would need an integrity check); an EVENT_AVAIL cannot wait for the
 * timeout of anything.
 */
#define VMSG_CHAOS_ACTS_ALL (GENMASK(VMSG_CHAOS_NR - 1, VMSG_CHAOS_DROP))
static const unsigned long vmsg_chaos_can[VMSG_CHAOS_WHERE_NR] = {
	[VMSG_CHAOS_REQ] = VMSG_CHAOS_ACTS_ALL & ~BIT(VMSG_CHAOS_REORDER),
	[VMSG_CHAOS_RESP] = VMSG_CHAOS_ACTS_ALL,
	[VMSG_CHAOS_AVAIL] = VMSG_CHAOS_ACTS_ALL & ~BIT(VMSG_CHAOS_LATE),
	[VMSG_CHAOS_USED] = VMSG_CHAOS_ACTS_ALL & ~BIT(VMSG_CHAOS_LATE),
	[VMSG_CHAOS_CONFIG] = VMSG_CHAOS_ACTS_ALL & ~BIT(VMSG_CHAOS_LATE),
	[VMSG_CHAOS_BUS] = VMSG_CHAOS_ACTS_ALL & ~BIT(VMSG_CHAOS_REORDER),
};

static unsigned int vmsg_chaos_probability;
static unsigned long vmsg_chaos_seed;
static u32 vmsg_chaos_interval = 1;
static atomic_t vmsg_chaos_times = ATOMIC_INIT(-1);
static u32 vmsg_chaos_verbose;
static unsigned long vmsg_chaos_kinds = VMSG_CHAOS_ACTS_ALL;
static unsigned long vmsg_chaos_where = GENMASK(VMSG_CHAOS_WHERE_NR - 1, 0);

/* The decisions: one seeded state, so that a seed replays a run. */
static DEFINE_SPINLOCK(vmsg_chaos_lock);
static struct rnd_state vmsg_chaos_rnd;
static u64 vmsg_chaos_eligible;

static atomic64_t vmsg_chaos_msgs[VMSG_CHAOS_WHERE_NR];
static atomic64_t vmsg_chaos_faults[VMSG_CHAOS_NR];

static struct dentry *vmsg_chaos_dir;

vmsg_loop_param_uint(fault_probability, vmsg_chaos_probability, 0, 100, 0644);
MODULE_PARM_DESC(fault_probability, "Chaos: percent of the messages that get a fault of the kinds enabled in debugfs virtio-msg-loop/fault/kinds (0..100, default 0)");
module_param_named(fault_seed, vmsg_chaos_seed, ulong, 0444);
MODULE_PARM_DESC(fault_seed, "Chaos: seed of the fault decisions, printed at load (default 0: a random one)");

static void vmsg_chaos_reseed(unsigned long seed)
{
	unsigned long flags;

	spin_lock_irqsave(&vmsg_chaos_lock, flags);
	vmsg_chaos_seed = seed;
	prandom_seed_state(&vmsg_chaos_rnd, seed);
	vmsg_chaos_eligible = 0;
	spin_unlock_irqrestore(&vmsg_chaos_lock, flags);
}

/* Draw a number below @n from the seeded state; any context. */
static u32 vmsg_chaos_rand(u32 n)
{
	unsigned long flags;
	u32 v;

	spin_lock_irqsave(&vmsg_chaos_lock, flags);
	v = prandom_u32_state(&vmsg_chaos_rnd);
	spin_unlock_irqrestore(&vmsg_chaos_lock, flags);
	return n ? v % n : v;
}

/*
 * Count one message of kind @where and decide its fate: an action allowed
 * for it and enabled in kinds, or VMSG_CHAOS_NONE.
 */
static enum vmsg_chaos_act vmsg_chaos_pick(struct vmsg_loop_dev *ld, enum vmsg_chaos_where where)
{
	unsigned int p = READ_ONCE(vmsg_chaos_probability);
	unsigned long acts = READ_ONCE(vmsg_chaos_kinds) & vmsg_chaos_can[where];
	u32 interval = READ_ONCE(vmsg_chaos_interval);
	unsigned long flags;
	unsigned int n, pick;
	bool hit = false;
	int act;

	atomic64_inc(&vmsg_chaos_msgs[where]);
	if (!p || !acts || !(READ_ONCE(vmsg_chaos_where) & BIT(where)))
		return VMSG_CHAOS_NONE;
	spin_lock_irqsave(&vmsg_chaos_lock, flags);
	vmsg_chaos_eligible++;
	if (interval <= 1 || !(vmsg_chaos_eligible % interval))
		hit = prandom_u32_state(&vmsg_chaos_rnd) % 100 < p;
	n = hit ? hweight_long(acts) : 0;
	pick = n ? prandom_u32_state(&vmsg_chaos_rnd) % n : 0;
	spin_unlock_irqrestore(&vmsg_chaos_lock, flags);
	if (!hit || !n)
		return VMSG_CHAOS_NONE;
	/* times: -1 is no limit, 0 none left. */
	if (atomic_read(&vmsg_chaos_times) >= 0 && atomic_dec_if_positive(&vmsg_chaos_times) < 0)
		return VMSG_CHAOS_NONE;
	for_each_set_bit(act, &acts, VMSG_CHAOS_NR)
		if (!pick--)
			break;
	atomic64_inc(&vmsg_chaos_faults[act]);
	if (ld)
		vmsg_loop_count(ld, VMSG_STAT_FAULTS);
	return act;
}

static void vmsg_chaos_log(struct vmsg_loop_dev *ld, enum vmsg_chaos_where where,
			   enum vmsg_chaos_act act, const struct vmsg_hdr *h, const char *how)
{
	if (READ_ONCE(vmsg_chaos_verbose))
		pr_info_ratelimited("dev %u: fault %s %s msg 0x%02x%s%s\n",
				    ld ? ld->vmdev.dev_num : 0, vmsg_chaos_act_names[act],
				    vmsg_chaos_where_names[where], h ? h->msg_id : 0,
				    how ? ": " : "", how ? how : "");
}

/*
 * Corrupt @m in place (@len bytes delivered).  Requests only get header
 * damage the device can see (an id it does not know, a size, a device
 * number, the type bits, the token): a bit flip in a request payload could
 * turn into a ring address.  Answers and events may get anything.
 */
static const char *vmsg_chaos_corrupt(struct vmsg *m, u16 *len, bool request)
{
	u16 size = vmsg_size(&m->hdr);
	u8 *p = (u8 *)m;
	u32 bit;

	switch (vmsg_chaos_rand(request ? 5 : 7)) {
	case 0:
		m->hdr.msg_id = request ? VMSG_ID_EVENT_FIRST - 1 : m->hdr.msg_id ^ 0x01;
		return "bad id";
	case 1:
		m->hdr.msg_size = cpu_to_le16(size < VMSG_MAX_SIZE ? size + 1 : size - 1);
		return "bad size";
	case 2:
		m->hdr.token = cpu_to_le16(le16_to_cpu(m->hdr.token) ^ 0x8000);
		return "bad token";
	case 3:
		le16_add_cpu(&m->hdr.dev_num, 1);
		return "bad device";
	case 4:
		m->hdr.type ^= VMSG_TYPE_RESPONSE;
		return "bad type";
	case 5:
		/* msg_size unchanged: the receiver must not take the stale byte. */
		*len = size - 1;
		return "short";
	default:
		if (size <= VMSG_HDR_SIZE) {
			*len = size - 1;
			return "short";
		}
		/* Payload bits: a vq index, a config byte, a feature, a status. */
		bit = vmsg_chaos_rand((size - VMSG_HDR_SIZE) * 8);
		p[VMSG_HDR_SIZE + bit / 8] ^= BIT(bit % 8);
		return "bit flip";
	}
}

/* A delay well inside timeout_ms, or past it for late; sleeps. */
static void vmsg_chaos_sleep(enum vmsg_chaos_act act)
{
	unsigned int t = READ_ONCE(vmsg_loop_timeout_ms);

	if (act == VMSG_CHAOS_LATE)
		msleep(t + 200);
	else
		msleep(1 + vmsg_chaos_rand(max(t / 4, 1U)));
}

/* ---- chaos: the hooks ------------------------------------------------- */

/**
 * vmsg_loop_fault_req - a request reaches the device (kthread)
 * @ld: the device
 * @req: the request, corrupted in place if so decided
 *
 * Returns how many times the device serves it: 0 (lost), 1 or 2.
 */
unsigned int vmsg_loop_fault_req(struct vmsg_loop_dev *ld, struct vmsg *req)
{
	enum vmsg_chaos_act act = vmsg_chaos_pick(ld, VMSG_CHAOS_REQ);
	const char *how = NULL;
	u16 len;

	switch (act) {
	case VMSG_CHAOS_NONE:
		return 1;
	case VMSG_CHAOS_DROP:
		break;
	case VMSG_CHAOS_DELAY:
	case VMSG_CHAOS_LATE:
		vmsg_chaos_sleep(act);
		break;
	case VMSG_CHAOS_CORRUPT:
		len = vmsg_size(&req->hdr);
		how = vmsg_chaos_corrupt(req, &len, true);
		break;
	default:
		break;
	}
	vmsg_chaos_log(ld, VMSG_CHAOS_REQ, act, &req->hdr, how);
	return act == VMSG_CHAOS_DROP ? 0 : act == VMSG_CHAOS_DUP ? 2 : 1;
}

/* fault=: the named fault on a response; true when it is to be dropped. */
static bool vmsg_loop_fault_named(struct vmsg_loop_dev *ld, struct vmsg *resp, u16 *len)
{
	int type = READ_ONCE(vmsg_loop_fault_type);
	u16 size = vmsg_size(&resp->hdr);
	void *p = vmsg_payload(&resp->hdr);

	if (type == VMSG_FAULT_NONE || type >= VMSG_FAULT_NORESET ||
	    !vmsg_loop_fault_take(ld, type))
		return false;
	switch (type) {
	case VMSG_FAULT_DROP:
		return true;
	case VMSG_FAULT_LATE:
		/* A slow device: the answer comes after the xfer gave up. */
		msleep(READ_ONCE(vmsg_loop_timeout_ms) + 200);
		break;
	case VMSG_FAULT_SHORT:
		/* msg_size unchanged: the rest of the receive buffer is stale. */
		*len = size - 1;
		break;
	case VMSG_FAULT_BADSIZE:
		resp->hdr.msg_size = cpu_to_le16(size < VMSG_MAX_SIZE ? size + 1 : size - 1);
		break;
	case VMSG_FAULT_BADID:
		resp->hdr.msg_id ^= 0x01;
		break;
	case VMSG_FAULT_BADTOKEN:
		resp->hdr.token = cpu_to_le16(le16_to_cpu(resp->hdr.token) ^ 0x8000);
		break;
	case VMSG_FAULT_BADINDEX:
		switch (resp->hdr.msg_id) {
		case VMSG_GET_VQUEUE:
			le32_add_cpu(&((struct vmsg_vqueue_info *)p)->index, 1);
			break;
		case VMSG_GET_SHM:
			le32_add_cpu(&((struct vmsg_shm *)p)->index, 1);
			break;
		case VMSG_GET_CONFIG:
			le32_add_cpu(&((struct vmsg_config *)p)->offset, 1);
			break;
		case VMSG_GET_DEVICE_FEATURES:
			le32_add_cpu(&((struct vmsg_features *)p)->block_index, 1);
			break;
		default:
			le16_add_cpu(&resp->hdr.dev_num, 1);
			break;
		}
		break;
	}
	return false;
}

/**
 * vmsg_loop_fault_resp - the device answers (kthread)
 * @ld: the device
 * @resp: the answer, @len bytes of it to deliver
 * @len: bytes to deliver
 *
 * Applies fault= and chaos, then hands the answer to
 * vmsg_loop_resp_deliver() 0, 1 or 2 times; reorder delivers the previous
 * answer (stale token: the bus must drop it) ahead of this one.
 */
void vmsg_loop_fault_resp(struct vmsg_loop_dev *ld, struct vmsg *resp, u16 len)
{
	struct vmsg_loop_fault_dev *fd = &ld->fault;
	enum vmsg_chaos_act act;
	const char *how = NULL;

	if (vmsg_loop_fault_named(ld, resp, &len))
		return;
	act = vmsg_chaos_pick(ld, VMSG_CHAOS_RESP);
	switch (act) {
	case VMSG_CHAOS_NONE:
	case VMSG_CHAOS_DUP:
		break;
	case VMSG_CHAOS_DROP:
		vmsg_chaos_log(ld, VMSG_CHAOS_RESP, act, &resp->hdr, NULL);
		return;
	case VMSG_CHAOS_DELAY:
	case VMSG_CHAOS_LATE:
		vmsg_chaos_sleep(act);
		break;
	case VMSG_CHAOS_CORRUPT:
		how = vmsg_chaos_corrupt(resp, &len, false);
		break;
	case VMSG_CHAOS_REORDER:
		if (fd->stale_len)
			vmsg_loop_resp_deliver(ld, &fd->stale, fd->stale_len);
		break;
	default:
		break;
	}
	if (act != VMSG_CHAOS_NONE)
		vmsg_chaos_log(ld, VMSG_CHAOS_RESP, act, &resp->hdr, how);
	memcpy(&fd->stale, resp, len);
	fd->stale_len = len;
	vmsg_loop_resp_deliver(ld, resp, len);
	if (act == VMSG_CHAOS_DUP)
		vmsg_loop_resp_deliver(ld, resp, len);
}

/**
 * vmsg_loop_fault_event - the device sends EVENT_USED or EVENT_CONFIG
 * @ld: the device (its kthread)
 * @m: the event
 *
 * Hands it to vmsg_loop_event_deliver() 0, 1 or 2 times.  Reorder holds
 * it back until after the next event (a lost EVENT_USED is the transport's
 * to notice: its used ring watch).
 */
void vmsg_loop_fault_event(struct vmsg_loop_dev *ld, struct vmsg *m)
{
	enum vmsg_chaos_where where = m->hdr.msg_id == VMSG_EVENT_USED ? VMSG_CHAOS_USED :
				      VMSG_CHAOS_CONFIG;
	struct vmsg_loop_fault_dev *fd = &ld->fault;
	enum vmsg_chaos_act act = vmsg_chaos_pick(ld, where);
	u16 len = vmsg_size(&m->hdr);
	const char *how = NULL;

	switch (act) {
	case VMSG_CHAOS_DROP:
		vmsg_chaos_log(ld, where, act, &m->hdr, NULL);
		return;
	case VMSG_CHAOS_DELAY:
		vmsg_chaos_sleep(act);
		break;
	case VMSG_CHAOS_CORRUPT:
		how = vmsg_chaos_corrupt(m, &len, false);
		break;
	case VMSG_CHAOS_REORDER:
		if (!fd->held_len) {
			vmsg_chaos_log(ld, where, act, &m->hdr, "held back");
			memcpy(&fd->held, m, len);
			fd->held_len = len;
			return;
		}
		break;
	default:
		break;
	}
	if (act != VMSG_CHAOS_NONE)
		vmsg_chaos_log(ld, where, act, &m->hdr, how);
	vmsg_loop_event_deliver(ld, m, len);
	if (act == VMSG_CHAOS_DUP)
		vmsg_loop_event_deliver(ld, m, len);
	if (fd->held_len && act != VMSG_CHAOS_REORDER) {
		len = fd->held_len;
		fd->held_len = 0;
		vmsg_loop_event_deliver(ld, &fd->held, len);
	}
}

/**
 * vmsg_loop_fault_avail - EVENT_AVAIL for queue @index reaches the device
 * @ld: the device
 * @index: the queue, already checked against ld->nvqs
 *
 * Any context, interrupts possibly off: never sleeps.  A delayed or
 * reordered kick goes through the device's kick timer; a corrupted one
 * kicks another queue (or none, when there is no other).
 */
void vmsg_loop_fault_avail(struct vmsg_loop_dev *ld, unsigned int index)
{
	enum vmsg_chaos_act act = vmsg_chaos_pick(ld, VMSG_CHAOS_AVAIL);

	if (act != VMSG_CHAOS_NONE)
		vmsg_chaos_log(ld, VMSG_CHAOS_AVAIL, act, NULL, NULL);
	switch (act) {
	case VMSG_CHAOS_DROP:
		return;
	case VMSG_CHAOS_DELAY:
	case VMSG_CHAOS_REORDER:
		vmsg_loop_kick_later(ld, index, 1 + vmsg_chaos_rand(HZ / 50 + 1));
		return;
	case VMSG_CHAOS_DUP:
		vmsg_loop_kick(ld, index);
		break;
	case VMSG_CHAOS_CORRUPT:
		if (ld->nvqs > 1)
			vmsg_loop_kick(ld, (index + 1 + vmsg_chaos_rand(ld->nvqs - 1)) % ld->nvqs);
		return;
	default:
		break;
	}
	vmsg_loop_avail_deliver(ld, index);
}

/**
 * vmsg_loop_fault_bus - a bus request @req and its answer @resp
 * @req: the request, as sent
 * @resp: the answer, corrupted in place if so decided
 *
 * Process context.  Returns 0 to deliver @resp, -ETIMEDOUT when the
 * request or its answer was lost (or came too late).
 */
int vmsg_loop_fault_bus(struct vmsg *req, struct vmsg *resp)
{
	enum vmsg_chaos_act act = vmsg_chaos_pick(NULL, VMSG_CHAOS_BUS);
	const char *how = NULL;
	u16 len = vmsg_size(&resp->hdr);

	if (act == VMSG_CHAOS_NONE)
		return 0;
	if (act == VMSG_CHAOS_DELAY || act == VMSG_CHAOS_LATE)
		vmsg_chaos_sleep(act);
	else if (act == VMSG_CHAOS_CORRUPT)
		how = vmsg_chaos_corrupt(resp, &len, false);
	vmsg_chaos_log(NULL, VMSG_CHAOS_BUS, act, &req->hdr, how);
	if (act == VMSG_CHAOS_DROP || act == VMSG_CHAOS_LATE)
		return -ETIMEDOUT;
	/* short: the caller sees a msg_size it did not receive. */
	if (len < vmsg_size(&resp->hdr))
		resp->hdr.msg_size = cpu_to_le16(len + 1);
	return 0;
}

/* ---- badaddr ------------------------------------------------------------ */

/* The first page of physical address space that is no RAM at all, or none. */
static u64 vmsg_loop_not_ram(void)
{
	unsigned long pfn;

	for (pfn = 1; pfn < (1UL << 20); pfn++)
		if (region_intersects(PFN_PHYS(pfn), PAGE_SIZE, IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) == REGION_DISJOINT)
			return PFN_PHYS(pfn);
	return 1ULL << 52;
}

/**
 * vmsg_loop_fault_addr - fault=badaddr: move a driver buffer off RAM
 * @ld: the device whose queue the chain is on
 * @addr: the address of the first writable descriptor of a chain
 *
 * As if the driver had given an address that is no RAM: the first page of
 * the physical address space that is none (on x86 the legacy hole at
 * 0xa0000, which has a struct page: pfn_valid() is true).
 */
void vmsg_loop_fault_addr(struct vmsg_loop_dev *ld, u64 *addr)
{
	if (!vmsg_loop_fault_take(ld, VMSG_FAULT_BADADDR))
		return;
	/* With a window: RAM, but outside it. */
	*addr = vmsg_loop_window_on() ? vmsg_loop_window_outside() : vmsg_loop_not_ram();
	pr_info("dev %u: fault badaddr: buffer moved to 0x%llx\n", ld->vmdev.dev_num, *addr);
}

/* ---- debugfs ------------------------------------------------------------ */

/* kinds and where: a set of names, shown and written as a list. */
struct vmsg_chaos_mask {
	const char * const *names;
	unsigned int nr;
	unsigned long *mask;
	unsigned long all;
};

static struct vmsg_chaos_mask vmsg_chaos_kinds_mask = {
	.names = vmsg_chaos_act_names,
	.nr = VMSG_CHAOS_NR,
	.mask = &vmsg_chaos_kinds,
	.all = VMSG_CHAOS_ACTS_ALL,
};

static struct vmsg_chaos_mask vmsg_chaos_where_mask = {
	.names = vmsg_chaos_where_names,
	.nr = VMSG_CHAOS_WHERE_NR,
	.mask = &vmsg_chaos_where,
	.all = GENMASK(VMSG_CHAOS_WHERE_NR - 1, 0),
};

/* The names set, or "none". */
static int vmsg_chaos_mask_show(struct seq_file *sf, void *unused)
{
	const struct vmsg_chaos_mask *cm = sf->private;
	unsigned long mask = READ_ONCE(*cm->mask);
	bool first = true;
	unsigned int i;

	for (i = 0; i < cm->nr; i++) {
		if (!(mask & BIT(i)))
			continue;
		seq_printf(sf, "%s%s", first ? "" : " ", cm->names[i]);
		first = false;
	}
	seq_puts(sf, first ? "none\n" : "\n");
	return 0;
}

/* A list of names (space or comma separated), "all" or "none". */
static ssize_t vmsg_chaos_mask_write(struct file *f, const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	const struct vmsg_chaos_mask *cm = ((struct seq_file *)f->private_data)->private;
	char buf[128], *s = buf, *w;
	unsigned long m = 0;
	int i;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	while ((w = strsep(&s, " ,\n"))) {
		if (!*w || !strcmp(w, "none"))
			continue;
		if (!strcmp(w, "all")) {
			m |= cm->all;
			continue;
		}
		i = match_string(cm->names, cm->nr, w);
		if (i < 0 || !(cm->all & BIT(i)))
			return -EINVAL;
		m |= BIT(i);
	}
	WRITE_ONCE(*cm->mask, m);
	return count;
}

static int vmsg_chaos_mask_open(struct inode *inode, struct file *f)
{
	return single_open(f, vmsg_chaos_mask_show, inode->i_private);
}

static const struct file_operations vmsg_chaos_mask_fops = {
	.owner = THIS_MODULE,
	.open = vmsg_chaos_mask_open,
	.read = seq_read,
	.write = vmsg_chaos_mask_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* "messages N faults N drop=N delay=N ...", then messages by kind. */
static int vmsg_chaos_counts_show(struct seq_file *sf, void *unused)
{
	s64 msgs = 0, faults = 0;
	unsigned int i;

	for (i = 0; i < VMSG_CHAOS_WHERE_NR; i++)
		msgs += atomic64_read(&vmsg_chaos_msgs[i]);
	for (i = VMSG_CHAOS_DROP; i < VMSG_CHAOS_NR; i++)
		faults += atomic64_read(&vmsg_chaos_faults[i]);
	seq_printf(sf, "messages %lld faults %lld", msgs, faults);
	for (i = VMSG_CHAOS_DROP; i < VMSG_CHAOS_NR; i++)
		seq_printf(sf, " %s=%lld", vmsg_chaos_act_names[i],
			   atomic64_read(&vmsg_chaos_faults[i]));
	seq_puts(sf, "\n");
	for (i = 0; i < VMSG_CHAOS_WHERE_NR; i++)
		seq_printf(sf, "%s%s=%lld", i ? " " : "", vmsg_chaos_where_names[i],
			   atomic64_read(&vmsg_chaos_msgs[i]));
	seq_puts(sf, "\n");
	return 0;
}

static ssize_t vmsg_chaos_counts_write(struct file *f, const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	unsigned int i;
	int ret, v;

	ret = kstrtoint_from_user(ubuf, count, 0, &v);
	if (ret)
		return ret;
	if (v)
		return -EINVAL;
	for (i = 0; i < VMSG_CHAOS_WHERE_NR; i++)
		atomic64_set(&vmsg_chaos_msgs[i], 0);
	for (i = 0; i < VMSG_CHAOS_NR; i++)
		atomic64_set(&vmsg_chaos_faults[i], 0);
	return count;
}

static int vmsg_chaos_counts_open(struct inode *inode, struct file *f)
{
	return single_open(f, vmsg_chaos_counts_show, NULL);
}

static const struct file_operations vmsg_chaos_counts_fops = {
	.owner = THIS_MODULE,
	.open = vmsg_chaos_counts_open,
	.read = seq_read,
	.write = vmsg_chaos_counts_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int vmsg_chaos_u32_get(void *data, u64 *val)
{
	*val = READ_ONCE(*(u32 *)data);
	return 0;
}

static int vmsg_chaos_probability_set(void *data, u64 val)
{
	if (val > 100)
		return -EINVAL;
	WRITE_ONCE(vmsg_chaos_probability, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vmsg_chaos_probability_fops, vmsg_chaos_u32_get,
			 vmsg_chaos_probability_set, "%llu\n");

static int vmsg_chaos_interval_set(void *data, u64 val)
{
	if (!val || val > U32_MAX)
		return -EINVAL;
	WRITE_ONCE(vmsg_chaos_interval, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vmsg_chaos_interval_fops, vmsg_chaos_u32_get,
			 vmsg_chaos_interval_set, "%llu\n");

static int vmsg_chaos_times_get(void *data, u64 *val)
{
	*val = (s64)atomic_read(&vmsg_chaos_times);
	return 0;
}

static int vmsg_chaos_times_set(void *data, u64 val)
{
	s64 v = (s64)val;

	if (v < -1 || v > INT_MAX)
		return -EINVAL;
	atomic_set(&vmsg_chaos_times, v);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vmsg_chaos_times_fops, vmsg_chaos_times_get, vmsg_chaos_times_set,
			 "%lld\n");

static int vmsg_chaos_seed_get(void *data, u64 *val)
{
	*val = READ_ONCE(vmsg_chaos_seed);
	return 0;
}

static int vmsg_chaos_seed_set(void *data, u64 val)
{
	vmsg_chaos_reseed(val);
	pr_info("fault: seed %llu\n", val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vmsg_chaos_seed_fops, vmsg_chaos_seed_get, vmsg_chaos_seed_set,
			 "%llu\n");

/* Seed the decisions (fault_seed, else a random seed) and make the debugfs files. */
void vmsg_loop_fault_init(void)
{
	struct dentry *dir;

	vmsg_chaos_reseed(vmsg_chaos_seed ? vmsg_chaos_seed : (unsigned long)get_random_u64());
	pr_info("fault: seed %lu (replay with fault_seed=%lu)\n", vmsg_chaos_seed,
		vmsg_chaos_seed);
	/* debugfs is optional: without it only the module parameters work. */
	vmsg_chaos_dir = debugfs_create_dir("virtio-msg-loop", NULL);
	dir = debugfs_create_dir("fault", vmsg_chaos_dir);
	debugfs_create_file_unsafe("probability", 0600, dir, &vmsg_chaos_probability,
				   &vmsg_chaos_probability_fops);
	debugfs_create_file_unsafe("interval", 0600, dir, &vmsg_chaos_interval,
				   &vmsg_chaos_interval_fops);
	debugfs_create_file_unsafe("times", 0600, dir, NULL, &vmsg_chaos_times_fops);
	debugfs_create_u32("verbose", 0600, dir, &vmsg_chaos_verbose);
	debugfs_create_file_unsafe("seed", 0600, dir, NULL, &vmsg_chaos_seed_fops);
	debugfs_create_file("kinds", 0600, dir, &vmsg_chaos_kinds_mask, &vmsg_chaos_mask_fops);
	debugfs_create_file("where", 0600, dir, &vmsg_chaos_where_mask, &vmsg_chaos_mask_fops);
	debugfs_create_file("counts", 0600, dir, NULL, &vmsg_chaos_counts_fops);
}

void vmsg_loop_fault_exit(void)
{
	debugfs_remove(vmsg_chaos_dir);
}
