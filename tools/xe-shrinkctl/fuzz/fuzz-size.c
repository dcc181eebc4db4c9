// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: xs_parse_size(), xs_parse_fdinfo_size() and
 * xs_parse_uint() on any bytes. Beyond not crashing: an accepted size is
 * not zero; without a unit it prints back as the input; and what
 * xs_format_size() prints of it reads back to within 5 % (the sizes the
 * CLI prints are sizes it accepts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(uint64_t v)
{
	char text[32];
	uint64_t back;
	double diff;

	if (!v || v >= 1ULL << 60)	/* 0 is no size; "1048576.0 TiB" may round past 2^64 */
		return;
	xs_format_size(v, text, sizeof(text));
	if (xs_parse_size(text, &back))
		abort();
	diff = (double)back - (double)v;
	if ((diff < 0 ? -diff : diff) > (double)v * 0.05)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t len;
	uint64_t v;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);	/* the parsers see up to the first NUL */
	if (!xs_parse_size(s, &v)) {
		if (!v)
			abort();
		if (len && s[len - 1] >= '0' && s[len - 1] <= '9' && !strchr(s, '.')) {
			char back[32];

			snprintf(back, sizeof(back), "%llu", (unsigned long long)v);
			/* leading zeroes are the one way to differ */
			if (strcmp(back, s + strspn(s, "0")) && strspn(s, "0") != len)
				abort();
		}
		round_trip(v);
	}
	if (size >= 8) {
		memcpy(&v, data, 8);
		round_trip(v >> (data[0] & 63));
	}
	if (!xs_parse_fdinfo_size(s, &v) && !strchr(s, ' ')) {
		uint64_t u;

		/* without a unit, the plain number */
		if (xs_parse_uint(s, UINT64_MAX, &u) || u != v)
			abort();
	}
	if (!xs_parse_uint(s, 1000, &v) && v > 1000)
		abort();
	free(s);
	return 0;
}
