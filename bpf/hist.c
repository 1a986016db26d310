// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Userspace side of hist.h: print a log2 histogram filled by hist.bpf.h as
 * a libbpf-tools style table or as JSON, and estimate percentiles from it.
 */
#include <stdio.h>
#include <string.h>

#include "hist.h"

/* Width of the star bar, as in libbpf-tools' print_log2_hist(). */
#define HIST_BAR_WIDTH 40

static unsigned long long slot_lo(int i)
{
	return i == 0 ? 0 : 1ULL << i;
}

static unsigned long long slot_hi(int i)
{
	return (1ULL << (i + 1)) - 1;
}

unsigned long long hist__total(const struct hist *h)
{
	unsigned long long n = 0;

	for (int i = 0; i < HIST_SLOTS; i++)
		n += h->slots[i];
	return n;
}

static void print_stars(unsigned long long val, unsigned long long max)
{
	int n = max ? (int)(val * HIST_BAR_WIDTH / max) : 0;

	for (int i = 0; i < HIST_BAR_WIDTH; i++)
		putchar(i < n ? '*' : ' ');
	if (val > max)
		putchar('+');
}

void hist__print(const struct hist *h, const char *val_type)
{
	unsigned long long max = 0;
	int last = -1;

	for (int i = 0; i < HIST_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		last = i;
		if (h->slots[i] > max)
			max = h->slots[i];
	}
	if (last < 0)
		return;
	/* From slot 0 as print_log2_hist() does: the empty low rows show the scale. */
	printf("%*s%-*s : count    distribution\n", 10, "", 13, val_type);
	for (int i = 0; i <= last; i++) {
		printf("%*llu -> %-*llu : %-8llu |", 14, slot_lo(i), 14, slot_hi(i), h->slots[i]);
		print_stars(h->slots[i], max);
		printf("|\n");
	}
}

double hist__percentile_us(const struct hist *h, double pct)
{
	unsigned long long total = hist__total(h), cum = 0;
	double want;

	if (!total)
		return 0;
	want = total * pct / 100.0;
	for (int i = 0; i < HIST_SLOTS; i++) {
		unsigned long long n = h->slots[i];

		if (n && cum + n >= want) {
			double lo = (double)slot_lo(i), hi = (double)slot_hi(i) + 1;
			double frac = (want - cum) / n;

			return (lo + (hi - lo) * frac) / 1000.0;
		}
		cum += n;
	}
	return (double)slot_hi(HIST_SLOTS - 1) / 1000.0;
}

void hist__json(FILE *f, const struct hist *h)
{
	int first = 1;

	fprintf(f, "{\"unit\":\"ns\",\"count\":%llu,\"slots\":[", hist__total(h));
	for (int i = 0; i < HIST_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		fprintf(f, "%s{\"lo\":%llu,\"hi\":%llu,\"count\":%llu}", first ? "" : ",",
			slot_lo(i), slot_hi(i), h->slots[i]);
		first = 0;
	}
	fprintf(f, "],\"p50_us\":%.3f,\"p99_us\":%.3f}", hist__percentile_us(h, 50),
		hist__percentile_us(h, 99));
}

void json__string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
