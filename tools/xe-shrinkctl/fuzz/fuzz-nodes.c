// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the parsers of the stats/shrink ("key: value") and bos
 * node formats on any bytes, as a broken or hostile kernel or fake tree
 * could produce. Beyond not crashing: what they accept is NUL-terminated
 * within its buffer and well-formed.
 */
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_kv(const struct xs_kv *kv, void *arg)
{
	size_t *n = arg;

	if (!memchr(kv->key, '\0', sizeof(kv->key)) || !memchr(kv->val, '\0', sizeof(kv->val)) ||
	    !kv->key[0] || !kv->val[0])
		abort();
	if (kv->is_num && kv->num < 0 && kv->val[0] != '-')
		abort();
	++*n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t n = 0, off = 0;
	struct xs_bo bo;

	if (xs_parse_kv_text(text, size, check_kv, &n) < 0)
		abort();
	while (off < size) {
		const char *nl = memchr(text + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (text + off)) : size - off;

		if (!xs_parse_bo(text + off, len, &bo)) {
			if (!memchr(bo.comm, '\0', sizeof(bo.comm)) ||
			    !memchr(bo.state, '\0', sizeof(bo.state)) || bo.pid < 0 ||
			    bo.pinned < -1 || bo.pinned > 1)
				abort();
		}
		off += len + 1;
	}
	return 0;
}
