// SPDX-License-Identifier: GPL-2.0
/*
 * rr - TCP request/response latency: N round trips of SIZE bytes, one outstanding.
 *
 *   rr -s [-B ADDR] [-p PORT]                       serve (one client, then exit)
 *   rr -c ADDR [-p PORT] [-n COUNT] [-l SIZE] [-t SECONDS]   measure, print JSON on stdout
 * Long forms: --server, --bind, --client, --port, --count, --size, --time, --help.
 *
 * iperf3 has no request/response mode (--bidir with a small -l still streams), and busybox ping
 * measures ICMP in the kernel rather than a socket round trip through both stacks. So this tool
 * does the netperf TCP_RR thing and nothing else: TCP_NODELAY, write SIZE, read SIZE back.
 * Output (jansson): {"tool":"rr","size":..,"count":..,"elapsed_ns":..,
 *                    "rtt_ns":{"min","mean","p50","p90","p99","p99.9","max"}}
 * The run stops after COUNT round trips or SECONDS, whichever comes first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define RR_MAX_SIZE 65536
#define RR_DEFAULT_PORT 5301
#define RR_DEFAULT_COUNT 10000

static int full_io(int fd, char *buf, size_t len, int wr)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n =
			wr ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EPIPE;
		done += (size_t)n;
	}
	return 0;
}

static long parse_long(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return (x > y) - (x < y);
}

static int serve(const char *addr, int port, size_t size)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1, ls, fd = -1, ret = 1;
	char buf[RR_MAX_SIZE];

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "rr: bad address %s\n", addr);
		return 2;
	}
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1)) {
		fprintf(stderr, "rr: listen %s:%d: %s\n", addr, port, strerror(errno));
		goto cleanup;
	}
	fd = accept(ls, NULL, NULL);
	if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))) {
		fprintf(stderr, "rr: accept: %s\n", strerror(errno));
		goto cleanup;
	}
	/* echo until the client closes */
	while (full_io(fd, buf, size, 0) == 0)
		if (full_io(fd, buf, size, 1))
			break;
	ret = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (ls >= 0)
		close(ls);
	return ret;
}

static int client(const char *addr, int port, size_t size, long count, long secs)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	unsigned long long *rtt = NULL, t0, deadline, sum = 0;
	char buf[RR_MAX_SIZE] = {0};
	int one = 1, fd = -1, ret = 1, tries;
	long n = 0;
	json_t *o = NULL, *r;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "rr: bad address %s\n", addr);
		return 2;
	}
	rtt = calloc((size_t)count, sizeof(*rtt));
	if (!rtt) {
		fprintf(stderr, "rr: %s\n", strerror(errno));
		return 1;
	}
	/* the server may still be starting: retry for up to ~5 s */
	for (tries = 0; tries < 50; tries++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
		usleep(100000);
	}
	if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))) {
		fprintf(stderr, "rr: connect %s:%d: %s\n", addr, port, strerror(errno));
		goto cleanup;
	}
	t0 = now_ns();
	deadline = t0 + (unsigned long long)secs * 1000000000ULL;
	while (n < count) {
		unsigned long long a = now_ns(), b;

		if (a >= deadline)
			break;
		if (full_io(fd, buf, size, 1) || full_io(fd, buf, size, 0)) {
			fprintf(stderr, "rr: round trip %ld: %s\n", n, strerror(errno));
			goto cleanup;
		}
		b = now_ns();
		rtt[n++] = b - a;
		sum += b - a;
	}
	if (!n) {
		fprintf(stderr, "rr: no round trip completed\n");
		goto cleanup;
	}
	{
		unsigned long long elapsed = now_ns() - t0;

		qsort(rtt, (size_t)n, sizeof(*rtt), cmp_u64);
#define PCT(p) json_integer((json_int_t)rtt[(long)ceil((p) / 100.0 * (double)n) - 1])
		r = json_pack("{s:I,s:f,s:o,s:o,s:o,s:o,s:I}", "min", (json_int_t)rtt[0], "mean",
			      (double)sum / (double)n, "p50", PCT(50), "p90", PCT(90), "p99",
			      PCT(99), "p99.9", PCT(99.9), "max", (json_int_t)rtt[n - 1]);
#undef PCT
		o = json_pack("{s:s,s:s,s:i,s:I,s:I,s:o}", "tool", "rr", "server", addr, "size",
			      (int)size, "count", (json_int_t)n, "elapsed_ns", (json_int_t)elapsed,
			      "rtt_ns", r);
	}
	if (!o || json_dumpf(o, stdout, JSON_INDENT(2)) || putchar('\n') == EOF) {
		fprintf(stderr, "rr: JSON output failed\n");
		goto cleanup;
	}
	ret = 0;
cleanup:
	json_decref(o);
	free(rtt);
	if (fd >= 0)
		close(fd);
	return ret;
}

static void usage(const char *p)
{
	fprintf(stderr,
		"usage: %s -s|--server [-B|--bind ADDR] [-p|--port PORT] [-l|--size SIZE]\n"
		"       %s -c|--client ADDR [-p|--port PORT] [-n|--count COUNT] [-l|--size SIZE]"
		" [-t|--time SECONDS]\n",
		p, p);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"server", no_argument, NULL, 's'},
		{"bind", required_argument, NULL, 'B'},
		{"client", required_argument, NULL, 'c'},
		{"port", required_argument, NULL, 'p'},
		{"count", required_argument, NULL, 'n'},
		{"size", required_argument, NULL, 'l'},
		{"time", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *addr = "0.0.0.0", *server = NULL;
	long port = RR_DEFAULT_PORT, count = RR_DEFAULT_COUNT, size = 64, secs = 10;
	int c, srv = 0;

	while ((c = getopt_long(argc, argv, "sB:c:p:n:l:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			srv = 1;
			break;
		case 'B':
			addr = optarg;
			break;
		case 'c':
			server = optarg;
			break;
		case 'p':
			port = parse_long(optarg, 1, 65535);
			break;
		case 'n':
			count = parse_long(optarg, 1, 100000000);
			break;
		case 'l':
			size = parse_long(optarg, 1, RR_MAX_SIZE);
			break;
		case 't':
			secs = parse_long(optarg, 1, 86400);
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (port < 0 || count < 0 || size < 0 || secs < 0 || srv == !!server || optind != argc) {
		usage(argv[0]);
		return 2;
	}
	/* parameters first, as every bench tool does (stderr: stdout is the JSON) */
	fprintf(stderr, "rr: %s %s:%ld size=%ld count=%ld time=%lds\n", srv ? "serve" : "client",
		srv ? addr : server, port, size, count, secs);
	if (srv)
		return serve(addr, (int)port, (size_t)size);
	return client(server, (int)port, (size_t)size, count, secs);
}
