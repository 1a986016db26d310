// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vmsg-blk-user: a virtio-blk device of the virtio-msg loop bus, played from user space
 * (libvmsgdev) and backed by a file with pread/pwrite.
 *
 *   vmsg-blk-user [-b N | -r N] [-E 0|1] [-i SERIAL] [-s STATS] FILE
 *                                                     serve FILE until SIGTERM/SIGINT
 *   vmsg-blk-user --hostile                           write malformed messages, check refusals
 *
 * -b N: at most N messages per read() and per write() (1: one message per call). -r N: the
 * shared message rings of N slots each way and the ENTER doorbell instead of read()/write().
 * On exit the message counts per call go to stderr and, with -s, to STATS ("key value" lines;
 * in ring mode reads and writes both count doorbell calls).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "include/uapi/virtio_msg_lb.h"
#include "virtio_msg_wire.h"
#include "vmsgdev.h"

#define SECTOR 512u
#define BOUNCE (1u << 20)
#define SEG_MAX 126

struct blk {
	int fd;
	uint64_t size;
	uint8_t *bounce;
	const char *serial;
	struct vmsgdev_chain chain;
	struct virtio_blk_config config;
};

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One request; returns the bytes written into the writable part. */
static uint32_t blk_request(struct blk *blk, const struct vmsgdev_chain *c)
{
	struct virtio_blk_outhdr hdr;
	uint8_t status = VIRTIO_BLK_S_OK;
	uint32_t data_in, len, written = 0;
	uint64_t off;
	const struct iovec *in = c->iov + c->nout;

	if (!c->in_len)
		return 0;
	data_in = c->in_len - 1;
	if (vmsgdev_iov_to_buf(c->iov, c->nout, 0, &hdr, sizeof(hdr)) != sizeof(hdr)) {
		status = VIRTIO_BLK_S_IOERR;
		goto out;
	}
	off = le64toh(hdr.sector) * SECTOR;
	switch (le32toh(hdr.type)) {
	case VIRTIO_BLK_T_IN:
		len = data_in;
		if (len > BOUNCE || off > blk->size || len > blk->size - off ||
		    pread(blk->fd, blk->bounce, len, (off_t)off) != (ssize_t)len) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		written = (uint32_t)vmsgdev_buf_to_iov(in, c->nin, 0, blk->bounce, len);
		break;
	case VIRTIO_BLK_T_OUT:
		len = c->out_len - (uint32_t)sizeof(hdr);
		if (len > BOUNCE || off > blk->size || len > blk->size - off ||
		    vmsgdev_iov_to_buf(c->iov, c->nout, sizeof(hdr), blk->bounce, len) != len ||
		    pwrite(blk->fd, blk->bounce, len, (off_t)off) != (ssize_t)len)
			status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (fdatasync(blk->fd))
			status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		char id[VIRTIO_BLK_ID_BYTES] = {0};

		memcpy(id, blk->serial, strnlen(blk->serial, sizeof(id)));

		len = data_in < sizeof(id) ? data_in : (uint32_t)sizeof(id);
		written = (uint32_t)vmsgdev_buf_to_iov(in, c->nin, 0, id, len);
		break;
	}
	default:
		status = VIRTIO_BLK_S_UNSUPP;
	}
out:
	vmsgdev_buf_to_iov(in, c->nin, data_in, &status, 1);
	return written + 1;
}

static void blk_kick(struct vmsgdev_dev *d, unsigned int index)
{
	struct blk *blk = vmsgdev_priv(d);
	struct vmsgdev_vq *vq = vmsgdev_queue(d, index);
	int r;

	do {
		vmsgdev_vq_disable_notify(vq);
		while ((r = vmsgdev_vq_pop(vq, &blk->chain)) > 0)
			vmsgdev_used(d, index, blk->chain.head, blk_request(blk, &blk->chain));
		if (r < 0) {
			fprintf(stderr, "vmsg-blk-user: queue %u: bad chain (%d), queue stopped\n",
				index, r);
			break;
		}
	} while (vmsgdev_vq_enable_notify(vq));
	vmsgdev_notify(d, index);
}

static const struct vmsgdev_ops blk_ops = {
	.kick = blk_kick,
};

/* ---- hostile device: every malformed message must be refused --------------------- */

static int expect(int fd, const void *m, size_t len, int want, const char *what)
{
	ssize_t n = write(fd, m, len);
	int err = n < 0 ? errno : 0;

	printf("hostile: %s: %s (%s)\n", what, n < 0 ? "refused" : "TAKEN",
	       n < 0 ? strerror(err) : "no error");
	return n < 0 && err == want ? 0 : 1;
}

static int enter_expect(int fd, int want, const char *what)
{
	int n = ioctl(fd, VMSG_LB_IOC_ENTER, 0UL);
	int err = n < 0 ? errno : 0;

	printf("hostile: ring: %s: %s (%s)\n", what, n < 0 ? "refused" : "TAKEN",
	       n < 0 ? strerror(err) : "no error");
	return n < 0 && err == want ? 0 : 1;
}

/* The shared rings: garbage indices and messages must be errors, never an oops or a hang. */
static int hostile_ring(int fd, uint16_t dev, const struct vmsg *req)
{
	struct vmsg_lb_ring r = {.entries = 3, .efd = -1};
	struct vmsg_lb_ring_ctl *to_proc, *to_kern;
	uint8_t *mem, *kslots;
	struct vmsg m;
	int bad = 0;

	bad |= ioctl(fd, VMSG_LB_IOC_RING, &r) == 0 || errno != EINVAL;
	r.entries = 4;
	if (ioctl(fd, VMSG_LB_IOC_RING, &r) < 0) {
		perror("vmsg-blk-user: VMSG_LB_IOC_RING");
		return 1;
	}
	bad |= ioctl(fd, VMSG_LB_IOC_RING, &r) == 0 || errno != EBUSY;
	mem = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, VMSG_LB_RING_OFFSET);
	if (mem == MAP_FAILED) {
		perror("vmsg-blk-user: mmap of the rings");
		return 1;
	}
	to_proc = (struct vmsg_lb_ring_ctl *)mem;
	to_kern = to_proc + 1;
	kslots = mem + VMSG_LB_RING_SLOTS + 4 * VMSG_LB_RING_SLOT;
	to_kern->tail = 1000;
	bad |= enter_expect(fd, ERANGE, "to-kernel tail far beyond the ring");
	to_kern->tail = 0xffffffffu;
	bad |= enter_expect(fd, ERANGE, "to-kernel tail behind its head");
	to_kern->tail = 0;
	to_proc->head = 77;
	bad |= enter_expect(fd, ERANGE, "to-process head beyond what was produced");
	to_proc->head = 0;
	memset(kslots, 0xa5, VMSG_LB_RING_SLOT);
	to_kern->tail = 1;
	bad |= enter_expect(fd, EMSGSIZE, "garbage slot");
	vmsg_init(&m, VMSG_TYPE_RESPONSE, req->hdr.msg_id, dev, sizeof(struct vmsg_device_info));
	m.hdr.token = htole16(le16toh(req->hdr.token) + 1);
	memcpy(kslots + VMSG_LB_RING_SLOT, &m, vmsg_size(&m.hdr));
	to_kern->tail = 2;
	bad |= enter_expect(fd, ENOENT, "wrong token");
	bad |= to_kern->head != 2;
	/* and a clean doorbell works again */
	bad |= ioctl(fd, VMSG_LB_IOC_ENTER, 0UL) < 0;
	printf("hostile: ring: head %u, doorbell %s\n", to_kern->head, bad ? "FAIL" : "ok");
	munmap(mem, r.size);
	return bad;
}

static int hostile(void)
{
	struct vmsgdev *b = vmsgdev_open(1);
	struct vmsgdev_dev_info info = {.device_id = VIRTIO_ID_BLOCK, .num_queues = 1};
	struct vmsgdev_dev *d;
	struct vmsg req, m;
	struct vmsg_event_used *ev;
	uint8_t buf[VMSG_MAX_SIZE];
	int fd, bad = 0;
	ssize_t n;

	if (!b || !(d = vmsgdev_create(b, &info))) {
		perror("vmsg-blk-user: open/create");
		return 2;
	}
	fd = vmsgdev_fd(b);
	/* the transport's first request: GET_DEVICE_INFO */
	n = read(fd, buf, sizeof(buf));
	if (n < VMSG_HDR_SIZE) {
		perror("vmsg-blk-user: read");
		return 2;
	}
	memcpy(&req, buf, vmsg_size((struct vmsg_hdr *)buf));
	printf("hostile: got request 0x%02x token %u\n", req.hdr.msg_id, le16toh(req.hdr.token));

	/* bad size: a header that claims more than the bus carries */
	vmsg_init(&m, VMSG_TYPE_RESPONSE, req.hdr.msg_id, vmsgdev_dev_num(d), 0);
	m.hdr.token = req.hdr.token;
	m.hdr.msg_size = htole16(VMSG_MAX_SIZE + 8);
	bad |= expect(fd, &m, VMSG_HDR_SIZE, EMSGSIZE, "size larger than the bus's");
	/* bad size: GET_DEVICE_INFO answer without its payload */
	m.hdr.msg_size = htole16(VMSG_HDR_SIZE);
	bad |= expect(fd, &m, VMSG_HDR_SIZE, EBADMSG, "short GET_DEVICE_INFO answer");
	/* bad token */
	vmsg_init(&m, VMSG_TYPE_RESPONSE, req.hdr.msg_id, vmsgdev_dev_num(d),
		  sizeof(struct vmsg_device_info));
	m.hdr.token = htole16(le16toh(req.hdr.token) + 1);
	bad |= expect(fd, &m, vmsg_size(&m.hdr), ENOENT, "wrong token");
	/* unsolicited: an answer to a request never made */
	vmsg_init(&m, VMSG_TYPE_RESPONSE, VMSG_GET_DEVICE_STATUS, vmsgdev_dev_num(d),
		  sizeof(struct vmsg_status));
	m.hdr.token = req.hdr.token;
	bad |= expect(fd, &m, vmsg_size(&m.hdr), ENOENT, "unsolicited response");
	/* another device's number */
	vmsg_init(&m, VMSG_TYPE_RESPONSE, req.hdr.msg_id, (uint16_t)(vmsgdev_dev_num(d) + 40),
		  sizeof(struct vmsg_device_info));
	m.hdr.token = req.hdr.token;
	bad |= expect(fd, &m, vmsg_size(&m.hdr), ENODEV, "device not ours");
	/* EVENT_USED on a queue that does not exist */
	ev = vmsg_init(&m, 0, VMSG_EVENT_USED, vmsgdev_dev_num(d), sizeof(*ev));
	ev->vq_index = htole32(9);
	bad |= expect(fd, &m, vmsg_size(&m.hdr), EINVAL, "EVENT_USED queue 9");
	/* a bus message and a request: not the device's to send */
	vmsg_init(&m, VMSG_TYPE_BUS, VMSG_BUS_PING, 0, sizeof(struct vmsg_bus_ping));
	bad |= expect(fd, &m, vmsg_size(&m.hdr), EPROTO, "bus message");
	vmsg_init(&m, 0, VMSG_GET_DEVICE_STATUS, vmsgdev_dev_num(d), 0);
	bad |= expect(fd, &m, vmsg_size(&m.hdr), EPROTO, "request from the device");
	/* garbage */
	memset(buf, 0xa5, sizeof(buf));
	bad |= expect(fd, buf, sizeof(buf), EMSGSIZE, "garbage");
	bad |= hostile_ring(fd, vmsgdev_dev_num(d), &req);
	printf("hostile: %s\n", bad ? "FAIL" : "every malformed message refused");
	vmsgdev_close(b);
	return bad;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"hostile", no_argument, NULL, 'H'},
					     {NULL, 0, NULL, 0}};
	struct vmsgdev_dev_info info = {.device_id = VIRTIO_ID_BLOCK,
					.vendor_id = 0x52455355, /* "USER" */
					.num_queues = 1,
					.ops = &blk_ops};
	const struct vmsgdev_stats *st;
	struct sigaction sa = {.sa_handler = on_signal};
	const char *stats = NULL;
	unsigned int batch = 16, ring = 0;
	struct vmsgdev *b;
	struct blk blk;
	struct stat sb;
	unsigned int event_idx = 1;
	int c, ret;
	FILE *f;

	memset(&blk, 0, sizeof(blk));
	blk.serial = "vmsg-blk-user";
	while ((c = getopt_long(argc, argv, "b:E:i:r:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (vmsgdev_parse_uint("vmsg-blk-user: -b", optarg, 1, 256, &batch))
				return 2;
			break;
		case 'E':
			if (vmsgdev_parse_uint("vmsg-blk-user: -E", optarg, 0, 1, &event_idx))
				return 2;
			break;
		case 'i':
			blk.serial = optarg;
			break;
		case 'r':
			if (vmsgdev_parse_uint("vmsg-blk-user: -r", optarg, 0, VMSG_LB_RING_MAX,
					       &ring))
				return 2;
			break;
		case 's':
			stats = optarg;
			break;
		case 'H':
			return hostile();
		default:
			fprintf(stderr,
				"usage: vmsg-blk-user [-b N | -r N] [-E 0|1] [-s STATS] FILE "
				"| --hostile\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !batch || batch > 256 || ring > VMSG_LB_RING_MAX) {
		fprintf(stderr,
			"usage: vmsg-blk-user [-b 1..256 | -r 2..256] [-E 0|1] [-s STATS] FILE\n");
		return 2;
	}
	blk.fd = open(argv[optind], O_RDWR);
	if (blk.fd < 0 || fstat(blk.fd, &sb) || sb.st_size < (off_t)SECTOR) {
		fprintf(stderr, "vmsg-blk-user: %s: not a usable file\n", argv[optind]);
		return 2;
	}
	blk.size = (uint64_t)sb.st_size & ~(uint64_t)(SECTOR - 1);
	blk.bounce = malloc(BOUNCE);
	blk.config.capacity = htole64(blk.size / SECTOR);
	blk.config.seg_max = htole32(SEG_MAX);
	info.config = &blk.config;
	info.config_size = sizeof(blk.config);
	info.priv = &blk;
	info.features = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_FLUSH) |
			(event_idx ? 1ULL << VIRTIO_RING_F_EVENT_IDX : 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	b = vmsgdev_open(batch);
	if (!b || !blk.bounce) {
		perror("vmsg-blk-user: " VMSG_LB_DEVICE);
		return 1;
	}
	if (ring && (ret = vmsgdev_ring(b, ring)) < 0) {
		fprintf(stderr, "vmsg-blk-user: rings of %u: %s\n", ring, strerror(-ret));
		return 1;
	}
	if (!vmsgdev_create(b, &info)) {
		perror("vmsg-blk-user: " VMSG_LB_DEVICE);
		return 1;
	}
	if (ring)
		fprintf(stderr, "vmsg-blk-user: %s, %" PRIu64 " MiB, message rings of %u\n",
			argv[optind], blk.size >> 20, ring);
	else
		fprintf(stderr,
			"vmsg-blk-user: %s, %" PRIu64 " MiB, up to %u message(s) per call\n",
			argv[optind], blk.size >> 20, batch);
	ret = vmsgdev_run(b, &stop);
	st = vmsgdev_stats(b);
	fprintf(stderr,
		"vmsg-blk-user: %llu reads %llu messages in (%.2f per read), %llu writes %llu "
		"messages out (%.2f per write), %llu refused\n",
		st->reads, st->msgs_in, st->reads ? (double)st->msgs_in / (double)st->reads : 0.0,
		st->writes, st->msgs_out,
		st->writes ? (double)st->msgs_out / (double)st->writes : 0.0, st->refused);
	if (stats && (f = fopen(stats, "w"))) {
		fprintf(f,
			"batch %u\nring %u\nreads %llu\nmsgs_in %llu\nwrites %llu\nmsgs_out %llu\n",
			batch, ring, st->reads, st->msgs_in, st->writes, st->msgs_out);
		fclose(f);
	}
	vmsgdev_close(b);
	free(blk.bounce);
	close(blk.fd);
	return ret ? 1 : 0;
}
