// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: bus models, i.e. how the device side is driven.
 *
 * mode=thread (default): every EVENT_AVAIL sets a bit and wakes the
 * device's kthread, as a mailbox interrupt to a remote core would; the
 * kthread handles the queue and sends EVENT_USED.
 *
 * mode=inline: the device handles an EVENT_AVAIL in the sender's context,
 * as an FF-A direct request runs the secure partition synchronously on the
 * caller's CPU, and its EVENT_USED comes from the FF-A notification
 * interrupt: an irq_work (a self-IPI, taken as soon as the sender has
 * interrupts on again, as a PCI device's MSI would be) whose handler
 * schedules a tasklet that runs at the interrupt's exit and calls
 * virtio_msg_event() (the transport takes events in softirq, never
 * hardirq).  Not from send itself: send runs under the driver's locks and
 * virtio_msg_event() calls the driver's callback, which may take them; an
 * interrupt is only taken where the driver allows one.  A bare
 * tasklet_schedule() from process context would wake ksoftirqd instead:
 * the two context switches of mode=thread again.  inline_defer=1 leaves
 * the handling to the tasklet as well (a doorbell interrupt served in
 * softirq).
 *
 * mode=poll: after a pass the kthread keeps driver notifications off and
 * polls its rings for poll_us before it turns them on again and sleeps, as
 * vhost's busy-poll does; an AMP core that spins on shared memory.  With
 * one CPU online there is nobody to poll for: it behaves as mode=thread.
 *
 * All three are writable at run time; a change takes effect at the next
 * notification (the kthread keeps serving requests in every mode).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "loop.h"

/* Longest poll_us: a bounded busy-wait, not a second scheduler. */
#define VMSG_LOOP_POLL_MAX_US 10000

static const char * const vmsg_loop_mode_names[] = {
	[VMSG_MODE_THREAD] = "thread",
	[VMSG_MODE_INLINE] = "inline",
	[VMSG_MODE_POLL] = "poll",
};

static int vmsg_loop_mode_val = VMSG_MODE_THREAD;
static unsigned int vmsg_loop_poll_us = 50;
static bool vmsg_loop_defer;

vmsg_loop_param_enum(mode, vmsg_loop_mode_val, vmsg_loop_mode_names, 0644);
MODULE_PARM_DESC(mode, "Bus model: thread (EVENT_AVAIL wakes the device kthread), inline (handled in the sender's context, EVENT_USED from a tasklet: FF-A direct request), poll (the kthread polls its rings poll_us before sleeping, notifications off meanwhile) (default thread)");
vmsg_loop_param_uint(poll_us, vmsg_loop_poll_us, 0, VMSG_LOOP_POLL_MAX_US, 0644);
MODULE_PARM_DESC(poll_us, "mode=poll: microseconds the kthread polls an idle device before sleeping (0..10000, default 50)");
module_param_named(inline_defer, vmsg_loop_defer, bool, 0644);
MODULE_PARM_DESC(inline_defer, "mode=inline: handle the queue in the tasklet too, not in the sender's context (default 0)");

enum vmsg_loop_mode vmsg_loop_mode_get(void)
{
	return READ_ONCE(vmsg_loop_mode_val);
}

bool vmsg_loop_inline_defer(void)
{
	return READ_ONCE(vmsg_loop_defer);
}

/* mode=inline: raise the device's interrupt on this CPU; any context. */
void vmsg_loop_interrupt(struct vmsg_loop_dev *ld)
{
	irq_work_queue(&ld->irq_work);
}

/* The interrupt: its bottom half does the work. */
void vmsg_loop_irq_work(struct irq_work *work)
{
	struct vmsg_loop_dev *ld = container_of(work, struct vmsg_loop_dev, irq_work);

	tasklet_schedule(&ld->tasklet);
}

/* Queue work is pending for @ld: have it handled; any context. */
void vmsg_loop_wake(struct vmsg_loop_dev *ld)
{
	if (vmsg_loop_mode_get() == VMSG_MODE_INLINE)
		vmsg_loop_interrupt(ld);
	else
		wake_up(&ld->wq);
}

/* mode=inline: kicked queues, a peer's completions, owed EVENT_USED. */
void vmsg_loop_tasklet(struct tasklet_struct *t)
{
	struct vmsg_loop_dev *ld = from_tasklet(ld, t, tasklet);
	unsigned int i;

	for (i = 0; i < ld->nvqs; i++) {
		if (test_and_clear_bit(i, &ld->avail_pending))
			vmsg_loop_process_vq(ld, ld->vqs[i], false);
		if (test_and_clear_bit(i, &ld->used_pending))
			vmsg_loop_signal_vq(ld, ld->vqs[i]);
		vmsg_loop_flush_used(ld, ld->vqs[i], false);
	}
}

/* Did the driver make chains available since the last pass?  Lock held. */
static bool vmsg_loop_vq_moved(struct vmsg_loop_vq *vq)
{
	return vmsg_loop_vq_usable(vq) && vmsg_loop_vq_avail_idx(vq) != vq->poll_seen;
}

/*
 * Poll every queue once; with @rearm turn notifications on again first
 * (and re-check: what came meanwhile came without EVENT_AVAIL).  Returns
 * true when a queue has chains to handle, marked in avail_pending.
 */
static bool vmsg_loop_poll_once(struct vmsg_loop_dev *ld, bool rearm)
{
	struct vmsg_loop_vq *vq;
	bool found = false;
	unsigned int i;

	for (i = 0; i < ld->nvqs; i++) {
		vq = ld->vqs[i];
		spin_lock_irq(&vq->lock);
		if (rearm && vq->ready)
			vmsg_loop_vq_enable_notify(vq);
		if (vmsg_loop_vq_moved(vq)) {
			set_bit(i, &ld->avail_pending);
			found = true;
		}
		spin_unlock_irq(&vq->lock);
	}
	return found;
}

/**
 * vmsg_loop_poll - mode=poll: poll the rings before the kthread sleeps
 * @ld: the device, in its kthread, with no work pending
 *
 * Returns when work arrived (a request, a kick, chains in a ring) or after
 * poll_us without any; then notifications are on again.
 */
void vmsg_loop_poll(struct vmsg_loop_dev *ld)
{
	u64 end;

	if (!ld->poll_off)
		return;
	if (vmsg_loop_mode_get() == VMSG_MODE_POLL && num_online_cpus() > 1) {
		end = ktime_get_ns() + (u64)READ_ONCE(vmsg_loop_poll_us) * NSEC_PER_USEC;
		while (ktime_get_ns() < end && vmsg_loop_mode_get() == VMSG_MODE_POLL) {
			if (vmsg_loop_has_work(ld) || vmsg_loop_poll_once(ld, false))
				return;
			cond_resched();
			cpu_relax();
		}
	} else if (vmsg_loop_mode_get() == VMSG_MODE_POLL) {
		dev_info_once(vmsg_loop_root, "mode=poll with one CPU online: the device sleeps as with mode=thread\n");
	}
	ld->poll_off = false;
	vmsg_loop_poll_once(ld, true);
}
