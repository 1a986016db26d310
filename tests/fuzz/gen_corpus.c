// SPDX-License-Identifier: GPL-2.0
/*
 * gen_corpus.c - write the fuzz seed corpus: one valid message of each kind, built with the
 * header's own vmsg_init().  Usage: gen_corpus DIR  (make -C tests/fuzz corpus)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio_msg_wire.h"

static const char *dir;

static void put(const char *name, struct vmsg *m)
{
	char path[512];
	size_t len = vmsg_size(&m->hdr);
	FILE *f;

	if (vmsg_validate(m, len, VMSG_MAX_SIZE)) {
		fprintf(stderr, "gen_corpus: %s is not valid\n", name);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(m, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

#define L16 vmsg_cpu_to_le16
#define L32 vmsg_cpu_to_le32
#define L64 vmsg_cpu_to_le64

int main(int argc, char **argv)
{
	struct vmsg m;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	vmsg_init(&m, 0, VMSG_GET_DEVICE_INFO, 1, 0);
	put("get_device_info.req", &m);
	{
		struct vmsg_device_info *d = vmsg_init(&m, 1, VMSG_GET_DEVICE_INFO, 1, sizeof(*d));

		d->device_id = L32(1);
		d->num_feature_bits = L32(64);
		d->config_size = L32(12);
		d->max_virtqueues = L32(2);
		put("get_device_info.resp", &m);
	}
	{
		struct vmsg_features *f = vmsg_init(&m, 0, VMSG_GET_DEVICE_FEATURES, 1, 8);

		f->num_blocks = L32(2);
		put("get_device_features.req", &m);
		f = vmsg_init(&m, 1, VMSG_GET_DEVICE_FEATURES, 1, 16);
		f->num_blocks = L32(2);
		f->features[0] = L32(0x00010020);
		f->features[1] = L32(0x00000001);
		put("get_device_features.resp", &m);
		f = vmsg_init(&m, 0, VMSG_SET_DRIVER_FEATURES, 1, 12);
		f->num_blocks = L32(1);
		f->features[0] = L32(0x20);
		put("set_driver_features.req", &m);
		vmsg_init(&m, 1, VMSG_SET_DRIVER_FEATURES, 1, 0);
		put("set_driver_features.resp", &m);
	}
	{
		struct vmsg_config_req *q = vmsg_init(&m, 0, VMSG_GET_CONFIG, 1, sizeof(*q));
		struct vmsg_config *c;

		q->length = L32(6);
		put("get_config.req", &m);
		c = vmsg_init(&m, 1, VMSG_GET_CONFIG, 1, sizeof(*c) + 6);
		c->length = L32(6);
		memcpy(c->data, "\x52\x54\x00\x12\x34\x56", 6);
		put("get_config.resp", &m);
		c = vmsg_init(&m, 0, VMSG_SET_CONFIG, 1, sizeof(*c) + 2);
		c->offset = L32(6);
		c->length = L32(2);
		put("set_config.req", &m);
		c = vmsg_init(&m, 1, VMSG_SET_CONFIG, 1, sizeof(*c));
		c->offset = L32(6);
		c->length = L32(2);
		put("set_config.resp", &m);
	}
	{
		struct vmsg_status *s;

		vmsg_init(&m, 0, VMSG_GET_DEVICE_STATUS, 1, 0);
		put("get_device_status.req", &m);
		s = vmsg_init(&m, 1, VMSG_GET_DEVICE_STATUS, 1, sizeof(*s));
		s->status = L32(0x0f);
		put("get_device_status.resp", &m);
		s = vmsg_init(&m, 0, VMSG_SET_DEVICE_STATUS, 1, sizeof(*s));
		s->status = L32(0x03);
		put("set_device_status.req", &m);
		s = vmsg_init(&m, 1, VMSG_SET_DEVICE_STATUS, 1, sizeof(*s));
		put("set_device_status.resp", &m);
	}
	{
		struct vmsg_index *i = vmsg_init(&m, 0, VMSG_GET_VQUEUE, 1, sizeof(*i));
		struct vmsg_vqueue_info *v;
		struct vmsg_vqueue_set *s;
		struct vmsg_shm *sh;

		put("get_vqueue.req", &m);
		v = vmsg_init(&m, 1, VMSG_GET_VQUEUE, 1, sizeof(*v));
		v->max_size = L32(256);
		put("get_vqueue.resp", &m);
		s = vmsg_init(&m, 0, VMSG_SET_VQUEUE, 1, sizeof(*s));
		s->size = L32(256);
		s->desc_addr = L64(0x10000);
		s->driver_addr = L64(0x11000);
		s->device_addr = L64(0x12000);
		put("set_vqueue.req", &m);
		vmsg_init(&m, 1, VMSG_SET_VQUEUE, 1, 0);
		put("set_vqueue.resp", &m);
		i = vmsg_init(&m, 0, VMSG_RESET_VQUEUE, 1, sizeof(*i));
		i->index = L32(1);
		put("reset_vqueue.req", &m);
		vmsg_init(&m, 1, VMSG_RESET_VQUEUE, 1, 0);
		put("reset_vqueue.resp", &m);
		vmsg_init(&m, 0, VMSG_GET_SHM, 1, sizeof(*i));
		put("get_shm.req", &m);
		sh = vmsg_init(&m, 1, VMSG_GET_SHM, 1, sizeof(*sh));
		sh->length = L64(0x200000);
		sh->address = L64(0x80000000);
		put("get_shm.resp", &m);
	}
	{
		struct vmsg_event_config *e =
			vmsg_init(&m, 0, VMSG_EVENT_CONFIG, 1, sizeof(*e) + 2);
		struct vmsg_event_avail *a;
		struct vmsg_event_used *u;

		e->device_status = L32(0x0f);
		e->length = L32(2);
		put("event_config", &m);
		a = vmsg_init(&m, 0, VMSG_EVENT_AVAIL, 1, sizeof(*a));
		a->next_offset = L32(VMSG_NEXT_WRAP | 5);
		put("event_avail", &m);
		u = vmsg_init(&m, 0, VMSG_EVENT_USED, 1, sizeof(*u));
		u->vq_index = L32(1);
		put("event_used", &m);
	}
	{
		struct vmsg_bus_devices_req *q;
		struct vmsg_bus_devices *d;
		struct vmsg_bus_ping *p;
		struct vmsg_bus_event_device *e;

		q = vmsg_init(&m, VMSG_TYPE_BUS, VMSG_BUS_GET_DEVICES, 0, sizeof(*q));
		q->count = L16(32);
		put("bus_get_devices.req", &m);
		d = vmsg_init(&m, VMSG_TYPE_BUS | 1, VMSG_BUS_GET_DEVICES, 0, sizeof(*d) + 4);
		d->count = L16(32);
		d->bitmap[0] = 0x06;
		put("bus_get_devices.resp", &m);
		p = vmsg_init(&m, VMSG_TYPE_BUS, VMSG_BUS_PING, 0, sizeof(*p));
		p->data = L32(0x12345678);
		put("bus_ping.req", &m);
		m.hdr.type |= VMSG_TYPE_RESPONSE;
		put("bus_ping.resp", &m);
		e = vmsg_init(&m, VMSG_TYPE_BUS, VMSG_BUS_EVENT_DEVICE, 0, sizeof(*e));
		e->dev_num = L16(1);
		e->state = L16(VMSG_DEVICE_STATE_READY);
		put("bus_event_device", &m);
		vmsg_init(&m, VMSG_TYPE_BUS, 0x80, 0, 3);
		put("bus_specific", &m);
	}
	return 0;
}
