// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vmsg-net-user: a virtio-net device of the virtio-msg loop bus, played from user space
 * (libvmsgdev). Its frames go to a second instance through unix datagram sockets: each binds
 * its own path and sends to the peer's, so two processes cross-connect two guest netdevs as
 * the loop module's in-kernel net pair does. No offloads: VIRTIO_NET_F_MAC and _STATUS only.
 *
 *   vmsg-net-user [-r N] [-m MAC] [-s STATS] SELF.sock PEER.sock     until SIGTERM/SIGINT
 *
 * -r N: the shared message rings (N slots each way) instead of read()/write(). A frame from
 * the peer waits (the socket is not read) while the driver has no receive buffer; a frame the
 * peer cannot take (gone, queue full) is dropped and counted.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include "vmsgdev.h"

#define RXQ 0
#define TXQ 1
#define FRAME_MAX 1518u
#define HDR_LEN sizeof(struct virtio_net_hdr_mrg_rxbuf)

struct net {
	int sock;
	struct sockaddr_un peer;
	struct vmsgdev *bus;
	struct vmsgdev_dev *dev;
	struct vmsgdev_chain chain;
	uint8_t frame[FRAME_MAX];
	uint8_t txbuf[FRAME_MAX];
	ssize_t pending; /* bytes of frame[] waiting for a receive buffer, or 0 */
	unsigned long long tx, rx, tx_drop, rx_drop;
	struct virtio_net_config config;
};

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Put the pending frame into a receive buffer; false when the driver has none. */
static bool rx_one(struct net *n)
{
	struct vmsgdev_vq *vq = vmsgdev_queue(n->dev, RXQ);
	struct virtio_net_hdr_mrg_rxbuf hdr = {.num_buffers = htole16(1)};
	int r;

	if (!vq || !vq->ready)
		return false;
	r = vmsgdev_vq_pop(vq, &n->chain);
	if (r <= 0)
		return false;
	if (n->chain.in_len < HDR_LEN + (size_t)n->pending) {
		n->rx_drop++; /* too small for the frame: completed empty */
		vmsgdev_used(n->dev, RXQ, n->chain.head, 0);
	} else {
		vmsgdev_buf_to_iov(n->chain.iov + n->chain.nout, n->chain.nin, 0, &hdr, HDR_LEN);
		vmsgdev_buf_to_iov(n->chain.iov + n->chain.nout, n->chain.nin, HDR_LEN, n->frame,
				   (size_t)n->pending);
		vmsgdev_used(n->dev, RXQ, n->chain.head, (uint32_t)(HDR_LEN + (size_t)n->pending));
		n->rx++;
	}
	n->pending = 0;
	return true;
}

/* Frames from the peer, while the driver has receive buffers. */
static void rx(void *opaque)
{
	struct net *n = opaque;
	struct vmsgdev_vq *vq = vmsgdev_queue(n->dev, RXQ);
	bool moved = false;

	for (;;) {
		if (!n->pending) {
			n->pending = recv(n->sock, n->frame, sizeof(n->frame), MSG_DONTWAIT);
			if (n->pending <= 0) {
				n->pending = 0;
				break;
			}
		}
		vmsgdev_vq_disable_notify(vq);
		if (rx_one(n)) {
			moved = true;
			continue;
		}
		/* no buffer: wait for the driver's kick, do not read the socket meanwhile */
		if (!vmsgdev_vq_enable_notify(vq)) {
			vmsgdev_watch_enable(n->bus, false);
			break;
		}
	}
	if (moved)
		vmsgdev_notify(n->dev, RXQ);
}

static void tx(struct net *n)
{
	struct vmsgdev_vq *vq = vmsgdev_queue(n->dev, TXQ);
	size_t len;
	int r;

	do {
		vmsgdev_vq_disable_notify(vq);
		while ((r = vmsgdev_vq_pop(vq, &n->chain)) > 0) {
			len = n->chain.out_len > HDR_LEN ? n->chain.out_len - HDR_LEN : 0;
			if (len && len <= FRAME_MAX &&
			    vmsgdev_iov_to_buf(n->chain.iov, n->chain.nout, HDR_LEN, n->txbuf,
					       len) == len &&
			    sendto(n->sock, n->txbuf, len, MSG_DONTWAIT,
				   (const struct sockaddr *)&n->peer,
				   sizeof(n->peer)) == (ssize_t)len)
				n->tx++;
			else
				n->tx_drop++;
			vmsgdev_used(n->dev, TXQ, n->chain.head, 0);
		}
		if (r < 0) {
			fprintf(stderr, "vmsg-net-user: tx queue: bad chain (%d), stopped\n", r);
			break;
		}
	} while (vmsgdev_vq_enable_notify(vq));
	vmsgdev_notify(n->dev, TXQ);
}

static void net_kick(struct vmsgdev_dev *d, unsigned int index)
{
	struct net *n = vmsgdev_priv(d);

	if (index == TXQ) {
		tx(n);
		return;
	}
	vmsgdev_watch_enable(n->bus, true);
	rx(n);
}

static void net_reset(struct vmsgdev_dev *d)
{
	struct net *n = vmsgdev_priv(d);

	n->pending = 0;
	vmsgdev_watch_enable(n->bus, true);
}

static const struct vmsgdev_ops net_ops = {
	.kick = net_kick,
	.reset = net_reset,
};

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int v[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: vmsg-net-user [-r N] [-m MAC] [-s STATS] SELF.sock PEER.sock\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct vmsgdev_dev_info info = {.device_id = VIRTIO_ID_NET,
					.vendor_id = 0x52455355, /* "USER" */
					.num_queues = 2,
					.ops = &net_ops};
	struct sigaction sa = {.sa_handler = on_signal};
	struct sockaddr_un self = {.sun_family = AF_UNIX};
	uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x55, 0x01};
	const char *stats = NULL;
	unsigned int ring = 0;
	struct net n;
	int c, ret;
	FILE *f;

	memset(&n, 0, sizeof(n));
	while ((c = getopt(argc, argv, "m:r:s:")) != -1) {
		switch (c) {
		case 'm':
			if (parse_mac(optarg, mac))
				return usage();
			break;
		case 'r':
			if (vmsgdev_parse_uint("vmsg-net-user: -r", optarg, 0, VMSG_LB_RING_MAX,
					       &ring))
				return 2;
			break;
		case 's':
			stats = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 2 || strlen(argv[optind]) >= sizeof(self.sun_path) ||
	    strlen(argv[optind + 1]) >= sizeof(n.peer.sun_path))
		return usage();
	strcpy(self.sun_path, argv[optind]);
	n.peer.sun_family = AF_UNIX;
	strcpy(n.peer.sun_path, argv[optind + 1]);
	n.sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(self.sun_path); /* a previous instance's, killed */
	if (n.sock < 0 || bind(n.sock, (const struct sockaddr *)&self, sizeof(self))) {
		perror("vmsg-net-user: socket");
		return 1;
	}
	memcpy(n.config.mac, mac, sizeof(mac));
	n.config.status = htole16(VIRTIO_NET_S_LINK_UP);
	n.config.max_virtqueue_pairs = htole16(1);
	info.config = &n.config;
	info.config_size = sizeof(n.config);
	info.priv = &n;
	info.features = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |
			(1ULL << VIRTIO_NET_F_MRG_RXBUF) | (1ULL << VIRTIO_RING_F_EVENT_IDX);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	n.bus = vmsgdev_open(16);
	if (!n.bus) {
		perror("vmsg-net-user: " VMSG_LB_DEVICE);
		return 1;
	}
	if (ring && (ret = vmsgdev_ring(n.bus, ring)) < 0) {
		fprintf(stderr, "vmsg-net-user: rings of %u: %s\n", ring, strerror(-ret));
		return 1;
	}
	n.dev = vmsgdev_create(n.bus, &info);
	if (!n.dev) {
		perror("vmsg-net-user: " VMSG_LB_DEVICE);
		return 1;
	}
	vmsgdev_watch(n.bus, n.sock, rx, &n);
	fprintf(stderr, "vmsg-net-user: dev %u, %02x:%02x:%02x:%02x:%02x:%02x, %s -> %s%s\n",
		vmsgdev_dev_num(n.dev), mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
		self.sun_path, n.peer.sun_path, ring ? ", message rings" : "");
	ret = vmsgdev_run(n.bus, &stop);
	fprintf(stderr, "vmsg-net-user: tx %llu (%llu dropped), rx %llu (%llu dropped)\n", n.tx,
		n.tx_drop, n.rx, n.rx_drop);
	if (stats && (f = fopen(stats, "w"))) {
		fprintf(f, "tx %llu\ntx_drop %llu\nrx %llu\nrx_drop %llu\n", n.tx, n.tx_drop, n.rx,
			n.rx_drop);
		fclose(f);
	}
	vmsgdev_close(n.bus);
	close(n.sock);
	unlink(self.sun_path);
	return ret ? 1 : 0;
}
