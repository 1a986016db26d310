// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libvmsgdev: the bus fd, the DMA window, the device state every transport request reads or
 * changes, and the message loop (see vmsgdev.h).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/virtio_config.h>

#include "include/uapi/virtio_msg_lb.h"
#include "virtio_msg_wire.h"
#include "vmsgdev.h"

#define FEATURE_BITS 64
#define MAX_DEVS 16

struct vmsgdev_dev {
	struct vmsgdev *bus;
	uint16_t dev_num;
	struct vmsgdev_dev_info info;
	uint64_t offered;
	uint64_t features;
	uint32_t status;
	uint32_t generation;
	struct vmsgdev_vq vqs[VMSGDEV_MAX_QUEUES];
};

struct vmsgdev {
	int fd;
	unsigned int batch;
	uint8_t *win;
	uint64_t win_size;
	struct vmsg_lb_window layout;
	struct vmsgdev_dev *devs[MAX_DEVS];
	unsigned int ndevs;
	uint8_t *in;
	size_t in_size;
	uint8_t *out;
	size_t out_len;
	unsigned int out_msgs;
	struct vmsgdev_stats stats;
	/* ring mode (vmsgdev_ring) */
	bool ring;
	uint8_t *rmem;
	size_t rsize;
	int efd;
	struct vmsgdev_mring to_proc;
	struct vmsgdev_mring to_kern;
	/* vmsgdev_watch */
	int watch_fd;
	bool watch_on;
	void (*watch_ready)(void *opaque);
	void *watch_opaque;
};

void *vmsgdev_xlate(void *bus, uint64_t addr, uint64_t len)
{
	struct vmsgdev *b = bus;
	const struct vmsg_lb_chunk *c;
	unsigned int i;

	for (i = 0; i < b->layout.num_chunks; i++) {
		c = &b->layout.chunk[i];
		if (addr >= c->bus_addr && len <= c->size && addr - c->bus_addr <= c->size - len)
			return b->win + c->offset + (addr - c->bus_addr);
	}
	return NULL;
}

struct vmsgdev *vmsgdev_open(unsigned int batch)
{
	struct vmsgdev *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->batch = batch ? batch : 1;
	b->efd = -1;
	b->watch_fd = -1;
	b->fd = open(VMSG_LB_DEVICE, O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		goto err;
	if (ioctl(b->fd, VMSG_LB_IOC_WINDOW, &b->layout) < 0)
		goto err_fd;
	b->win_size = b->layout.size;
	b->win = mmap(NULL, b->win_size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (b->win == MAP_FAILED)
		goto err_fd;
	b->in_size = (size_t)b->batch * VMSG_MAX_SIZE;
	b->in = malloc(b->in_size);
	b->out = malloc((size_t)b->batch * VMSG_MAX_SIZE);
	if (!b->in || !b->out)
		goto err_map;
	return b;

err_map:
	free(b->in);
	free(b->out);
	munmap(b->win, b->win_size);
err_fd:
	close(b->fd);
err:
	free(b);
	return NULL;
}

void vmsgdev_close(struct vmsgdev *b)
{
	unsigned int i;

	if (!b)
		return;
	munmap(b->win, b->win_size);
	if (b->rmem)
		munmap(b->rmem, b->rsize);
	if (b->efd >= 0)
		close(b->efd);
	close(b->fd);
	for (i = 0; i < b->ndevs; i++)
		free(b->devs[i]);
	free(b->in);
	free(b->out);
	free(b);
}

int vmsgdev_ring(struct vmsgdev *b, unsigned int entries)
{
	struct vmsg_lb_ring r = {.entries = entries};
	void *p;

	if (b->ring)
		return -EBUSY;
	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->efd < 0)
		return -errno;
	r.efd = b->efd;
	if (ioctl(b->fd, VMSG_LB_IOC_RING, &r) < 0)
		return -errno;
	p = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, VMSG_LB_RING_OFFSET);
	if (p == MAP_FAILED)
		return -errno;
	b->rmem = p;
	b->rsize = r.size;
	vmsgdev_mring_init(&b->to_proc, b->rmem, b->rmem + VMSG_LB_RING_SLOTS, entries);
	vmsgdev_mring_init(&b->to_kern, b->rmem + sizeof(struct vmsg_lb_ring_ctl),
			   b->rmem + VMSG_LB_RING_SLOTS + (size_t)entries * VMSG_LB_RING_SLOT,
			   entries);
	b->ring = true;
	return 0;
}

void vmsgdev_watch(struct vmsgdev *b, int fd, void (*ready)(void *opaque), void *opaque)
{
	b->watch_fd = fd;
	b->watch_ready = ready;
	b->watch_opaque = opaque;
	b->watch_on = true;
}

void vmsgdev_watch_enable(struct vmsgdev *b, bool on)
{
	b->watch_on = on;
}

int vmsgdev_fd(const struct vmsgdev *b)
{
	return b->fd;
}

const struct vmsgdev_stats *vmsgdev_stats(const struct vmsgdev *b)
{
	return &b->stats;
}

struct vmsgdev_dev *vmsgdev_create(struct vmsgdev *b, const struct vmsgdev_dev_info *info)
{
	struct vmsg_lb_create c = {.device_id = info->device_id, .num_queues = info->num_queues};
	struct vmsgdev_dev *d;
	unsigned int i;

	if (b->ndevs == MAX_DEVS || !info->num_queues || info->num_queues > VMSGDEV_MAX_QUEUES) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->bus = b;
	d->info = *info;
	d->offered =
		info->features | (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM);
	for (i = 0; i < VMSGDEV_MAX_QUEUES; i++)
		vmsgdev_vq_reset(&d->vqs[i]);
	if (ioctl(b->fd, VMSG_LB_IOC_CREATE, &c) < 0) {
		free(d);
		return NULL;
	}
	d->dev_num = (uint16_t)c.dev_num;
	b->devs[b->ndevs++] = d;
	return d;
}

uint16_t vmsgdev_dev_num(const struct vmsgdev_dev *d)
{
	return d->dev_num;
}

void *vmsgdev_priv(const struct vmsgdev_dev *d)
{
	return d->info.priv;
}

struct vmsgdev_vq *vmsgdev_queue(struct vmsgdev_dev *d, unsigned int vq)
{
	return vq < d->info.num_queues ? &d->vqs[vq] : NULL;
}

/* ---- output ------------------------------------------------------------------------ */

static int ring_enter(struct vmsgdev *b, unsigned long flags);

int vmsgdev_flush(struct vmsgdev *b)
{
	size_t pos = 0;
	ssize_t n;

	if (b->ring)
		return vmsgdev_mring_queued(&b->to_kern) ? ring_enter(b, 0) : 0;
	while (pos < b->out_len) {
		n = write(b->fd, b->out + pos, b->out_len - pos);
		b->stats.writes++;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* The message at pos was refused: skip it, keep the rest. */
			fprintf(stderr, "vmsgdev: message refused: %s\n", strerror(errno));
			b->stats.refused++;
			n = (ssize_t)((vmsg_size((const struct vmsg_hdr *)(b->out + pos)) + 7u) &
				      ~7u);
			if (!n)
				break;
		}
		pos += (size_t)n;
	}
	b->stats.msgs_out += b->out_msgs;
	b->out_len = 0;
	b->out_msgs = 0;
	return 0;
}

int vmsgdev_send_raw(struct vmsgdev *b, const void *msg, size_t len)
{
	size_t padded = (len + VMSG_LB_ALIGN - 1) & ~(size_t)(VMSG_LB_ALIGN - 1);
	int r;

	if (len > VMSG_MAX_SIZE)
		return -EMSGSIZE;
	if (b->ring) {
		/* full: ring the doorbell, the kernel takes what is there */
		while ((r = vmsgdev_mring_push(&b->to_kern, msg, len)) == -ENOSPC)
			if ((r = ring_enter(b, 0)) < 0)
				return r;
		if (!r)
			b->stats.msgs_out++;
		return r;
	}
	if (b->out_msgs >= b->batch)
		vmsgdev_flush(b);
	memset(b->out + b->out_len, 0, padded);
	memcpy(b->out + b->out_len, msg, len);
	b->out_len += padded;
	b->out_msgs++;
	if (b->out_msgs >= b->batch)
		vmsgdev_flush(b);
	return 0;
}

static void send_msg(struct vmsgdev *b, struct vmsg *m)
{
	vmsgdev_send_raw(b, m, vmsg_size(&m->hdr));
}

int vmsgdev_notify(struct vmsgdev_dev *d, unsigned int vq)
{
	struct vmsg_event_used *ev;
	struct vmsg m;

	if (vq >= d->info.num_queues || !vmsgdev_vq_should_notify(&d->vqs[vq]))
		return 0;
	ev = vmsg_init(&m, 0, VMSG_EVENT_USED, d->dev_num, sizeof(*ev));
	ev->vq_index = htole32(vq);
	d->bus->stats.used++;
	send_msg(d->bus, &m);
	return 1;
}

void vmsgdev_used(struct vmsgdev_dev *d, unsigned int vq, uint16_t head, uint32_t len)
{
	if (vq < d->info.num_queues && d->vqs[vq].ready)
		vmsgdev_vq_push(&d->vqs[vq], head, len);
}

/* ---- transport requests ------------------------------------------------------------ */

static void *resp_init(struct vmsgdev_dev *d, const struct vmsg *req, struct vmsg *resp,
		       size_t size)
{
	void *p = vmsg_init(resp, VMSG_TYPE_RESPONSE, req->hdr.msg_id, d->dev_num, size);

	resp->hdr.token = req->hdr.token;
	return p;
}

static void dev_reset(struct vmsgdev_dev *d)
{
	unsigned int i;

	for (i = 0; i < VMSGDEV_MAX_QUEUES; i++)
		vmsgdev_vq_reset(&d->vqs[i]);
	d->status = 0;
	d->features = 0;
	if (d->info.ops && d->info.ops->reset)
		d->info.ops->reset(d);
}

static void set_status(struct vmsgdev_dev *d, uint32_t s)
{
	if (!s) {
		dev_reset(d);
		return;
	}
	if ((s & VIRTIO_CONFIG_S_FEATURES_OK) && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((d->features & ~d->offered) || !(d->features & (1ULL << VIRTIO_F_VERSION_1))))
		s &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
	d->status = (s & 0xff & ~(uint32_t)VIRTIO_CONFIG_S_NEEDS_RESET) |
		    (d->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static int answer(struct vmsgdev_dev *d, const struct vmsg *req, struct vmsg *resp)
{
	const void *p = vmsg_cpayload(&req->hdr);

	switch (req->hdr.msg_id) {
	case VMSG_GET_DEVICE_INFO: {
		struct vmsg_device_info *rs = resp_init(d, req, resp, sizeof(*rs));

		rs->device_id = htole32(d->info.device_id);
		rs->vendor_id = htole32(d->info.vendor_id);
		rs->num_feature_bits = htole32(FEATURE_BITS);
		rs->config_size = htole32(d->info.config_size);
		rs->max_virtqueues = htole32(d->info.num_queues);
		return 0;
	}
	case VMSG_GET_DEVICE_FEATURES: {
		const struct vmsg_features *rq = p;
		uint32_t first = le32toh(rq->block_index), n = le32toh(rq->num_blocks), i;
		struct vmsg_features *rs;

		if (n > (VMSG_MAX_PAYLOAD - sizeof(*rs)) / 4)
			return -EMSGSIZE;
		rs = resp_init(d, req, resp, sizeof(*rs) + n * 4);
		rs->block_index = rq->block_index;
		rs->num_blocks = rq->num_blocks;
		for (i = 0; i < n; i++)
			if (first + i >= first && first + i < FEATURE_BITS / 32)
				rs->features[i] =
					htole32((uint32_t)(d->offered >> ((first + i) * 32)));
		return 0;
	}
	case VMSG_SET_DRIVER_FEATURES: {
		const struct vmsg_features *rq = p;
		uint32_t first = le32toh(rq->block_index), n = le32toh(rq->num_blocks), i, b;

		if (!(d->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			for (i = 0; i < n; i++) {
				b = first + i;
				if (b < first || b >= FEATURE_BITS / 32) {
					if (rq->features[i])
						d->features |= 1ULL << 63;
					continue;
				}
				d->features &= ~((uint64_t)UINT32_MAX << (b * 32));
				d->features |= (uint64_t)le32toh(rq->features[i]) << (b * 32);
			}
		}
		resp_init(d, req, resp, 0);
		return 0;
	}
	case VMSG_GET_CONFIG: {
		const struct vmsg_config_req *rq = p;
		uint32_t off = le32toh(rq->offset), len = le32toh(rq->length);
		struct vmsg_config *rs;

		if (off > d->info.config_size || len > d->info.config_size - off ||
		    len > VMSG_MAX_PAYLOAD - sizeof(*rs))
			len = 0;
		rs = resp_init(d, req, resp, sizeof(*rs) + len);
		rs->generation = htole32(d->generation);
		rs->offset = rq->offset;
		rs->length = htole32(len);
		if (len)
			memcpy(rs->data, (const uint8_t *)d->info.config + off, len);
		return 0;
	}
	case VMSG_SET_CONFIG: {
		const struct vmsg_config *rq = p;
		struct vmsg_config *rs = resp_init(d, req, resp, sizeof(*rs));

		rs->generation = htole32(d->generation);
		rs->offset = rq->offset; /* length 0: rejected, nothing is writable */
		return 0;
	}
	case VMSG_GET_DEVICE_STATUS:
	case VMSG_SET_DEVICE_STATUS: {
		struct vmsg_status *rs;

		if (req->hdr.msg_id == VMSG_SET_DEVICE_STATUS)
			set_status(d, le32toh(((const struct vmsg_status *)p)->status));
		rs = resp_init(d, req, resp, sizeof(*rs));
		rs->status = htole32(d->status);
		return 0;
	}
	case VMSG_GET_VQUEUE: {
		uint32_t i = le32toh(((const struct vmsg_index *)p)->index);
		struct vmsg_vqueue_info *rs = resp_init(d, req, resp, sizeof(*rs));

		rs->index = htole32(i);
		if (i < d->info.num_queues) {
			rs->max_size = htole32(VMSGDEV_QUEUE_MAX);
			rs->cur_size = htole32(d->vqs[i].num);
			rs->desc_addr = htole64(d->vqs[i].desc_addr);
			rs->driver_addr = htole64(d->vqs[i].avail_addr);
			rs->device_addr = htole64(d->vqs[i].used_addr);
		}
		return 0;
	}
	case VMSG_SET_VQUEUE: {
		const struct vmsg_vqueue_set *rq = p;
		uint32_t i = le32toh(rq->index), size = le32toh(rq->size);

		if (i < d->info.num_queues && !d->vqs[i].ready && size <= VMSGDEV_QUEUE_MAX &&
		    vmsgdev_vq_setup(&d->vqs[i], (uint16_t)size, le64toh(rq->desc_addr),
				     le64toh(rq->driver_addr), le64toh(rq->device_addr),
				     d->features & (1ULL << VIRTIO_RING_F_EVENT_IDX), vmsgdev_xlate,
				     d->bus))
			fprintf(stderr, "vmsgdev: dev %u: SET_VQUEUE %u refused\n", d->dev_num, i);
		resp_init(d, req, resp, 0);
		return 0;
	}
	case VMSG_RESET_VQUEUE: {
		uint32_t i = le32toh(((const struct vmsg_index *)p)->index);

		if (i < d->info.num_queues)
			vmsgdev_vq_reset(&d->vqs[i]);
		resp_init(d, req, resp, 0);
		return 0;
	}
	case VMSG_GET_SHM: {
		struct vmsg_shm *rs = resp_init(d, req, resp, sizeof(*rs));

		rs->index = ((const struct vmsg_index *)p)->index;
		return 0;
	}
	}
	return -ENOMSG;
}

static struct vmsgdev_dev *find_dev(struct vmsgdev *b, uint16_t n)
{
	unsigned int i;

	for (i = 0; i < b->ndevs; i++)
		if (b->devs[i]->dev_num == n)
			return b->devs[i];
	return NULL;
}

static void handle(struct vmsgdev *b, const struct vmsg *m, size_t len)
{
	struct vmsgdev_dev *d;
	struct vmsg resp;
	uint32_t vq;

	if (vmsg_validate(&m->hdr, len, VMSG_MAX_SIZE) || vmsg_is_response(&m->hdr) ||
	    vmsg_is_bus(&m->hdr))
		return;
	d = find_dev(b, vmsg_dev_num(&m->hdr));
	if (!d)
		return;
	if (m->hdr.msg_id == VMSG_EVENT_AVAIL) {
		vq = le32toh(((const struct vmsg_event_avail *)vmsg_cpayload(&m->hdr))->vq_index);
		b->stats.avail++;
		if (vq < d->info.num_queues && d->vqs[vq].ready &&
		    (d->status & VIRTIO_CONFIG_S_DRIVER_OK) && d->info.ops && d->info.ops->kick)
			d->info.ops->kick(d, vq);
		return;
	}
	b->stats.requests++;
	if (!answer(d, m, &resp))
		send_msg(b, &resp);
}

/* The doorbell: the kernel takes our messages and hands over its own; returns how many. */
static int ring_enter(struct vmsgdev *b, unsigned long flags)
{
	int n = ioctl(b->fd, VMSG_LB_IOC_ENTER, flags);

	b->stats.reads++;
	b->stats.writes++;
	if (n >= 0)
		return n;
	switch (errno) {
	case EINTR:
		return 0;
	case ERANGE: /* our indices, as the kernel saw them: the ring is unusable */
	case ENXIO:
		return -errno;
	}
	/* a message was refused (consumed): the rest go with the next call */
	fprintf(stderr, "vmsgdev: message refused: %s\n", strerror(errno));
	b->stats.refused++;
	return 0;
}

/* Poll the watched fd and, in ring mode, the eventfd (@wait: up to a second). */
static int watch_poll(struct vmsgdev *b, bool wait)
{
	struct pollfd p[2] = {{.fd = b->ring ? b->efd : b->fd, .events = POLLIN},
			      {.fd = b->watch_on ? b->watch_fd : -1, .events = POLLIN}};
	uint64_t v;
	int n = poll(p, 2, wait ? 1000 : 0);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (p[1].revents)
		b->watch_ready(b->watch_opaque);
	if (b->ring && (p[0].revents & POLLIN) && read(b->efd, &v, sizeof(v)) < 0 &&
	    errno != EAGAIN)
		return -errno;
	return p[0].revents & POLLIN;
}

static int run_ring(struct vmsgdev *b, volatile int *stop)
{
	struct vmsg m;
	int n = 0, r;

	while (!*stop) {
		if (b->watch_fd >= 0) {
			/* something moved last time, or answers wait: do not sleep */
			r = watch_poll(b, !n && !vmsgdev_mring_queued(&b->to_kern));
			if (r < 0)
				return r;
			n = ring_enter(b, 0);
		} else {
			n = ring_enter(b, VMSG_LB_ENTER_WAIT);
		}
		if (n < 0)
			return n;
		while ((r = vmsgdev_mring_pop(&b->to_proc, &m)) != 0) {
			if (r == -EIO)
				return r;
			if (r < 0)
				continue;
			b->stats.msgs_in++;
			handle(b, &m, (size_t)r);
		}
	}
	return 0;
}

int vmsgdev_run(struct vmsgdev *b, volatile int *stop)
{
	struct vmsg m;
	size_t pos, size;
	ssize_t n;
	int r;

	if (b->ring)
		return run_ring(b, stop);
	while (!*stop) {
		if (b->watch_fd >= 0) {
			r = watch_poll(b, true);
			if (r < 0)
				return r;
			if (!r) {
				vmsgdev_flush(b);
				continue;
			}
		}
		n = read(b->fd, b->in, b->in_size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b->stats.reads++;
		for (pos = 0; pos + VMSG_HDR_SIZE <= (size_t)n; pos += (size + 7) & ~(size_t)7) {
			size = vmsg_size((const struct vmsg_hdr *)(b->in + pos));
			if (size < VMSG_HDR_SIZE || size > sizeof(m) || size > (size_t)n - pos)
				break;
			memcpy(&m, b->in + pos, size);
			b->stats.msgs_in++;
			handle(b, &m, size);
		}
		vmsgdev_flush(b);
	}
	return 0;
}
