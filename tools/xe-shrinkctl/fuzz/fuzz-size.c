// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: xs_parse_size() and xs_parse_uint() on any bytes.
 * Beyond not crashing: an accepted size is not zero, and without a suffix
 * it prints back as the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		if (len && s[len - 1] >= '0' && s[len - 1] <= '9') {
			char back[32];

			snprintf(back, sizeof(back), "%llu", (unsigned long long)v);
			/* leading zeroes are the one way to differ */
			if (strcmp(back, s + strspn(s, "0")) && strspn(s, "0") != len)
				abort();
		}
	}
	if (!xs_parse_uint(s, 1000, &v) && v > 1000)
		abort();
	free(s);
	return 0;
}
