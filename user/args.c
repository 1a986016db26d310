// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* libvmsgdev: command-line numbers for the example devices. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmsgdev.h"

int vmsgdev_parse_uint(const char *what, const char *s, unsigned int min, unsigned int max,
		       unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "%s: not a number in %u..%u: %s\n", what, min, max, s);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}
