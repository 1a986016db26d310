/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_msg tracepoints.  bpf/ (msglat) attaches to these by name with
 * raw_tp and reads the arguments in TP_PROTO order: keep names and
 * argument order in step with bpf/msglat.bpf.c.  The header's fields are
 * arguments of their own (transport.c: vm_trace()), in CPU order, so that a BPF
 * program takes them from its context instead of a bpf_probe_read_kernel()
 * of the header per message (msglat's cost, issue 10).
 *
 * virtio_msg_xfer       request handed to the bus (hdr = request)
 * virtio_msg_xfer_done  request finished (hdr = response, or the request
 *                       when @ret < 0: no valid response)
 * virtio_msg_send       event sent driver -> device (EVENT_AVAIL)
 * virtio_msg_recv       event received device -> driver (EVENT_USED,
 *                       EVENT_CONFIG), before the callback runs; @ret < 0
 *                       when the event was rejected
 * @vq is the virtqueue index, or VMSG_TRACE_NO_VQ for non-queue messages.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM virtio_msg

#if !defined(_VIRTIO_MSG_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VIRTIO_MSG_TRACE_H

#include <linux/tracepoint.h>

#include "include/uapi/virtio_msg.h"

#ifndef VMSG_TRACE_NO_VQ
#define VMSG_TRACE_NO_VQ 0xffffffffu
#endif

#define VMSG_TRACE_PROTO						\
	TP_PROTO(u8 type, u8 msg_id, u16 dev_num, u16 token, u16 size,	\
		 u32 vq, int ret)
#define VMSG_TRACE_ARGS							\
	TP_ARGS(type, msg_id, dev_num, token, size, vq, ret)

DECLARE_EVENT_CLASS(virtio_msg_class,
	VMSG_TRACE_PROTO,
	VMSG_TRACE_ARGS,
	TP_STRUCT__entry(
		__field(u16, dev_num)
		__field(u8, type)
		__field(u8, msg_id)
		__field(u16, token)
		__field(u16, size)
		__field(u32, vq)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->dev_num = dev_num;
		__entry->type = type;
		__entry->msg_id = msg_id;
		__entry->token = token;
		__entry->size = size;
		__entry->vq = vq;
		__entry->ret = ret;
	),
	TP_printk("dev=%u %s%s token=%u size=%u vq=%d ret=%d",
		  __entry->dev_num,
		  vmsg_id_name(__entry->type & VMSG_TYPE_BUS, __entry->msg_id),
		  (__entry->type & VMSG_TYPE_RESPONSE) ? "(resp)" : "",
		  __entry->token, __entry->size, (int)__entry->vq, __entry->ret)
);

DEFINE_EVENT(virtio_msg_class, virtio_msg_xfer,
	VMSG_TRACE_PROTO,
	VMSG_TRACE_ARGS);

DEFINE_EVENT(virtio_msg_class, virtio_msg_xfer_done,
	VMSG_TRACE_PROTO,
	VMSG_TRACE_ARGS);

DEFINE_EVENT(virtio_msg_class, virtio_msg_send,
	VMSG_TRACE_PROTO,
	VMSG_TRACE_ARGS);

DEFINE_EVENT(virtio_msg_class, virtio_msg_recv,
	VMSG_TRACE_PROTO,
	VMSG_TRACE_ARGS);

#endif /* _VIRTIO_MSG_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE virtio_msg_trace
#include <trace/define_trace.h>
