/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_msg tracepoints.  bpf/ (msglat) attaches to these by name with
 * raw_tp and reads the arguments in TP_PROTO order: keep names and
 * argument order in step with bpf/msglat.bpf.c.
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

DECLARE_EVENT_CLASS(virtio_msg_class,
	TP_PROTO(const struct vmsg_hdr *hdr, u32 vq, int ret),
	TP_ARGS(hdr, vq, ret),
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
		__entry->dev_num = le16_to_cpu(hdr->dev_num);
		__entry->type = hdr->type;
		__entry->msg_id = hdr->msg_id;
		__entry->token = le16_to_cpu(hdr->token);
		__entry->size = le16_to_cpu(hdr->msg_size);
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
	TP_PROTO(const struct vmsg_hdr *hdr, u32 vq, int ret),
	TP_ARGS(hdr, vq, ret));

DEFINE_EVENT(virtio_msg_class, virtio_msg_xfer_done,
	TP_PROTO(const struct vmsg_hdr *hdr, u32 vq, int ret),
	TP_ARGS(hdr, vq, ret));

DEFINE_EVENT(virtio_msg_class, virtio_msg_send,
	TP_PROTO(const struct vmsg_hdr *hdr, u32 vq, int ret),
	TP_ARGS(hdr, vq, ret));

DEFINE_EVENT(virtio_msg_class, virtio_msg_recv,
	TP_PROTO(const struct vmsg_hdr *hdr, u32 vq, int ret),
	TP_ARGS(hdr, vq, ret));

#endif /* _VIRTIO_MSG_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE virtio_msg_trace
#include <trace/define_trace.h>
