// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: a pair of cross-connected virtio-net devices.
 *
 * What one end transmits arrives in the other end's RX queue: the TX
 * handler of device A (in A's kthread, or with mode=inline wherever A's TX
 * queue is handled) copies the frame into B's RX buffers under B's RX
 * queue lock and wakes B (kthread or tasklet) to decide on B's EVENT_USED.  Features: VERSION_1, MAC (02:00:00:00:<pair>:01/02),
 * STATUS (link up unless set down through hotplug.c), MRG_RXBUF (a frame spans as many RX buffers as
 * it needs, num_buffers says how many), and with net_offload the checksum
 * and TSO offloads: the TX virtio_net_hdr is passed through to the peer as
 * its RX header.  No CTRL_VQ: 6.1's virtio_net busy-waits the control
 * queue with bottom halves off, which deadlocks against a device served by
 * a kthread on a single vCPU.
 *
 * Backpressure: when the peer has no RX buffers, the TX chain stays in the
 * ring (unpopped) and the TX queue waits; the peer's driver posting RX
 * buffers notifies the peer, whose RX handler kicks our TX queue again.
 * That wait is bounded like a real link's queue: once the peer's RX ring
 * has been dry for VMSG_NET_DRY_WAIT (its interface is down, or it stopped
 * consuming), frames that find it dry are dropped and counted in "nobuf"
 * until one gets through again, so our TX ring keeps moving and the
 * driver's TX watchdog (5 s) never fires.  A frame the peer cannot take at
 * all (peer not running, frame needing an offload the peer did not
 * negotiate, too many buffers) is dropped and counted in "dropped".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>

#include "loop.h"

#define VMSG_NET_RXQ 0
#define VMSG_NET_TXQ 1
#define VMSG_NET_MAX_PAIRS 4
/* Largest frame: a 64 KiB GSO frame plus its Ethernet header. */
#define VMSG_NET_MAX_FRAME (65535 + ETH_HLEN)
/* RX buffers per frame: 6.1 mergeable buffers are >= 1518 bytes, 43 do. */
#define VMSG_NET_MAX_BUFS 64
/* How long TX waits for the peer's RX buffers before it drops: 100 ms. */
#define VMSG_NET_DRY_WAIT (HZ / 10)

static unsigned int vmsg_net_pairs = 1;
static bool vmsg_net_offload = true;

vmsg_loop_param_uint(net_pairs, vmsg_net_pairs, 0, VMSG_NET_MAX_PAIRS, 0444);
MODULE_PARM_DESC(net_pairs, "Cross-connected virtio-net pairs (0..4, default 1)");
module_param_named(net_offload, vmsg_net_offload, bool, 0444);
MODULE_PARM_DESC(net_offload, "Offer CSUM/GUEST_CSUM/HOST_TSO4/6/GUEST_TSO4/6, header passed through (default 1)");

/* A's TX handler's scratch and state, under A's TX queue lock. */
struct vmsg_net {
	/* The peer's RX ring is dry since @dry_since (jiffies). */
	bool dry;
	unsigned long dry_since;
	u16 heads[VMSG_NET_MAX_BUFS];
	u32 lens[VMSG_NET_MAX_BUFS];
	/* The frame's first RX chain: its header is written last. */
	struct vmsg_loop_chain first;
};

/* Both ends of every pair: instances 2p and 2p + 1 are peers. */
static unsigned int vmsg_net_instances(void)
{
	return 2 * vmsg_net_pairs;
}

static int vmsg_net_init(struct vmsg_loop_dev *ld, unsigned int index)
{
	struct virtio_net_config *cfg;
	struct vmsg_net *net;

	net = kzalloc(sizeof(*net), GFP_KERNEL);
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!net || !cfg) {
		kfree(net);
		kfree(cfg);
		return -ENOMEM;
	}
	/* Locally administered, stable: pair p gives 02:00:00:00:p:01/02. */
	cfg->mac[0] = 0x02;
	cfg->mac[4] = index / 2;
	cfg->mac[5] = index % 2 + 1;
	cfg->status = (__force __virtio16)cpu_to_le16(VIRTIO_NET_S_LINK_UP);
	cfg->max_virtqueue_pairs = (__force __virtio16)cpu_to_le16(1);
	ld->config = (u8 *)cfg;
	ld->config_size = sizeof(*cfg);
	ld->nvqs = 2;
	ld->priv = net;
	return 0;
}

/**
 * vmsg_net_set_link - link status of one end (VIRTIO_NET_F_STATUS)
 * @ld: a net device
 * @up: link up
 *
 * The caller bumps the config generation and sends EVENT_CONFIG; the
 * driver's carrier follows.  Frames still flow: the driver stops sending.
 */
void vmsg_net_set_link(struct vmsg_loop_dev *ld, bool up)
{
	struct virtio_net_config *cfg = (struct virtio_net_config *)ld->config;

	WRITE_ONCE(cfg->status, (__force __virtio16)cpu_to_le16(up ? VIRTIO_NET_S_LINK_UP : 0));
	pr_info("dev %u: link %s\n", ld->vmdev.dev_num, up ? "up" : "down");
}

static void vmsg_net_destroy(struct vmsg_loop_dev *ld)
{
	kfree(ld->priv);
	ld->priv = NULL;
}

static u64 vmsg_net_features(struct vmsg_loop_dev *ld)
{
	u64 f = BIT_ULL(VIRTIO_NET_F_MAC) | BIT_ULL(VIRTIO_NET_F_STATUS) |
		BIT_ULL(VIRTIO_NET_F_MRG_RXBUF);

	if (vmsg_net_offload)
		f |= BIT_ULL(VIRTIO_NET_F_CSUM) | BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) |
		     BIT_ULL(VIRTIO_NET_F_HOST_TSO4) | BIT_ULL(VIRTIO_NET_F_HOST_TSO6) |
		     BIT_ULL(VIRTIO_NET_F_GUEST_TSO4) | BIT_ULL(VIRTIO_NET_F_GUEST_TSO6);
	return f;
}

/* Can the receiver take a frame with this header as it is? */
static bool vmsg_net_rx_accepts(struct vmsg_loop_dev *rx, const struct virtio_net_hdr_mrg_rxbuf *h)
{
	if ((h->hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    !vmsg_loop_has_feature(rx, VIRTIO_NET_F_GUEST_CSUM))
		return false;
	switch (h->hdr.gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return vmsg_loop_has_feature(rx, VIRTIO_NET_F_GUEST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return vmsg_loop_has_feature(rx, VIRTIO_NET_F_GUEST_TSO6);
	}
	return false;
}

/*
 * Copy one frame of @len bytes from @src into @rxq's buffers, caller
 * holding @rxq->lock.  Returns 0, -EAGAIN when the RX ring ran dry (nothing
 * consumed), or another errno when the frame is to be dropped.
 */
static int vmsg_net_deliver(struct vmsg_net *net, struct vmsg_loop_vq *rxq,
			    struct virtio_net_hdr_mrg_rxbuf *hdr,
			    struct vmsg_loop_iter *src, u32 len)
{
	struct vmsg_loop_dev *rx = rxq->ld;
	struct vmsg_loop_chain *c = &rxq->chain;
	bool mrg = vmsg_loop_has_feature(rx, VIRTIO_NET_F_MRG_RXBUF);
	struct vmsg_loop_iter dst;
	unsigned int nbufs = 0, i;
	u32 left = len, room, n;
	int ret;

	if (!vmsg_loop_vq_usable(rxq) || READ_ONCE(rx->unplugged))
		return -ENOLINK;
	if (!vmsg_net_rx_accepts(rx, hdr))
		return -EOPNOTSUPP;
	while (!nbufs || left) {
		if (nbufs == VMSG_NET_MAX_BUFS || (nbufs && !mrg)) {
			ret = -EMSGSIZE;
			goto err_unpop;
		}
		ret = vmsg_loop_vq_pop(rxq, c);
		if (ret <= 0) {
			ret = ret ? ret : -EAGAIN;
			goto err_unpop;
		}
		vmsg_loop_iter_init(&dst, rxq, c, true);
		room = c->in_len;
		if (!nbufs) {
			if (room < sizeof(*hdr)) {
				vmsg_loop_vq_error(rxq, "RX buffer shorter than the header", room);
				ret = -EIO;
				goto err_unpop;
			}
			net->first.head = c->head;
			net->first.nseg = c->nseg;
			net->first.nout = c->nout;
			net->first.out_len = c->out_len;
			net->first.in_len = c->in_len;
			memcpy(net->first.seg, c->seg, c->nseg * sizeof(c->seg[0]));
			vmsg_loop_iter_skip(&dst, sizeof(*hdr));
			room -= sizeof(*hdr);
		}
		n = min(room, left);
		/* Count it first: err_unpop gives back every chain popped. */
		net->heads[nbufs] = c->head;
		net->lens[nbufs] = n + (nbufs ? 0 : sizeof(*hdr));
		nbufs++;
		ret = vmsg_loop_iter_copy(&dst, src, n);
		if (ret)
			goto err_unpop;
		left -= n;
	}

	/* 5.1.6.4: num_buffers is always set with VERSION_1 (1 without MRG_RXBUF). */
	hdr->num_buffers = (__force __virtio16)cpu_to_le16(nbufs);
	if (!vmsg_net_offload)
		memset(&hdr->hdr, 0, sizeof(hdr->hdr));
	vmsg_loop_iter_init(&dst, rxq, &net->first, true);
	ret = vmsg_loop_iter_push(&dst, hdr, sizeof(*hdr));
	if (ret)
		goto err_unpop;
	for (i = 0; i + 1 < nbufs; i++)
		vmsg_loop_vq_push(rxq, net->heads[i], net->lens[i]);
	vmsg_loop_vq_done(rxq, net->heads[i], net->lens[i]);
	return 0;

err_unpop:
	vmsg_loop_vq_unpop(rxq, nbufs);
	return ret;
}

/* One TX chain to the peer: 0, -EAGAIN (peer RX ring dry) or drop errno. */
static int vmsg_net_tx_one(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq,
			   struct vmsg_loop_vq *rxq, struct vmsg_loop_iter *src)
{
	const struct vmsg_loop_chain *c = &vq->chain;
	struct virtio_net_hdr_mrg_rxbuf hdr;
	int ret;

	if (c->out_len < sizeof(hdr) || c->out_len - sizeof(hdr) > VMSG_NET_MAX_FRAME)
		return -EMSGSIZE;
	/* Removed by surprise (hotplug.c): frames go nowhere. */
	if (READ_ONCE(ld->unplugged))
		return -ENOLINK;
	if (vmsg_loop_iter_pull(src, &hdr, sizeof(hdr)))
		return -EFAULT;
	/* Lock order: own TX queue, then the peer's RX queue. */
	spin_lock_nested(&rxq->lock, SINGLE_DEPTH_NESTING);
	ret = vmsg_net_deliver(ld->priv, rxq, &hdr, src, c->out_len - sizeof(hdr));
	spin_unlock(&rxq->lock);
	return ret;
}

/*
 * The peer's RX ring is dry: true when the frame is to wait (TX kicked
 * again when the wait is over), false when the peer has been dry too long
 * and the frame is to be dropped.
 */
static bool vmsg_net_tx_wait(struct vmsg_loop_dev *ld)
{
	struct vmsg_net *net = ld->priv;
	unsigned long end;

	if (!net->dry) {
		net->dry = true;
		net->dry_since = jiffies;
	}
	end = net->dry_since + VMSG_NET_DRY_WAIT;
	if (time_after_eq(jiffies, end))
		return false;
	vmsg_loop_kick_later(ld, VMSG_NET_TXQ, end - jiffies);
	return true;
}

static int vmsg_net_tx(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq, unsigned int budget)
{
	struct vmsg_net *net = ld->priv;
	struct vmsg_loop_vq *rxq = ld->peer->vqs[VMSG_NET_RXQ];
	struct vmsg_loop_chain *c = &vq->chain;
	struct vmsg_loop_iter src;
	unsigned int n;
	int ret;

	for (n = 0; n < budget; n++) {
		ret = vmsg_loop_vq_pop(vq, c);
		if (ret <= 0)
			return ret ? ret : n;
		vmsg_loop_iter_init(&src, vq, c, false);
		ret = vmsg_net_tx_one(ld, vq, rxq, &src);
		if (ret == -EAGAIN && vmsg_net_tx_wait(ld)) {
			/* Backpressure: leave it in the ring; the peer kicks us. */
			vmsg_loop_vq_unpop(vq, 1);
			return -EAGAIN;
		}
		if (vq->broken)
			return -EIO;
		if (ret == -EAGAIN) {
			vmsg_loop_count(ld, VMSG_STAT_NOBUF);
		} else if (ret) {
			vmsg_loop_count(ld, VMSG_STAT_DROPPED);
			pr_debug("dev %u: TX frame %u dropped: %d\n",
				 ld->vmdev.dev_num, c->head, ret);
		} else {
			net->dry = false;
		}
		vmsg_loop_vq_done(vq, c->head, 0);
	}
	return n;
}

static int vmsg_net_handle_vq(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq,
			      unsigned int budget)
{
	if (vq->index == VMSG_NET_TXQ)
		return vmsg_net_tx(ld, vq, budget);
	/* New RX buffers: the peer's TX may be waiting for them. */
	vmsg_loop_kick(ld->peer, VMSG_NET_TXQ);
	return -EAGAIN;
}

/* Our RX queue is gone: a peer waiting on it drops instead from now on. */
static void vmsg_net_reset(struct vmsg_loop_dev *ld)
{
	struct vmsg_net *net = ld->priv;

	net->dry = false;
	vmsg_loop_kick(ld->peer, VMSG_NET_TXQ);
}

const struct vmsg_loop_model vmsg_net_model = {
	.name = "net",
	.device_id = VIRTIO_ID_NET,
	.instances = vmsg_net_instances,
	.paired = true,
	.init = vmsg_net_init,
	.destroy = vmsg_net_destroy,
	.features = vmsg_net_features,
	.handle_vq = vmsg_net_handle_vq,
	.reset = vmsg_net_reset,
};
