// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the parsers of the stats/shrink ("key: value"), bos
 * and fdinfo formats, and the UTF-8 cleaner, on any bytes, as a broken or
 * hostile kernel, process or fake tree could produce. Beyond not
 * crashing: what they accept is NUL-terminated within its buffer and
 * well-formed, and cleaned text is valid UTF-8.
 */
#include <errno.h>
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

/* Valid UTF-8 without NUL, checked independently of the cleaner. */
static void check_utf8(const unsigned char *s, bool text)
{
	while (*s) {
		unsigned int c = *s, n, i, cp;

		if (c < 0x80) {
			if (text && (c < 0x20 || c == 0x7f))
				abort();
			s++;
			continue;
		}
		n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
		if (!n || c >= 0xf8)
			abort();
		cp = c & (0x7f >> n);
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				abort();
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			abort();
		s += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t n = 0, off = 0;
	struct xs_fdinfo fi;
	struct xs_bo bo;
	char clean[64];
	int ret, i;

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
	ret = xs_parse_fdinfo(text, size, &fi);
	if ((ret != 0 && ret != 1 && ret != -EINVAL) || fi.nr_regions < 0 || fi.nr_regions > XS_REGIONS)
		abort();
	if (!ret && (!fi.driver[0] || !memchr(fi.driver, '\0', sizeof(fi.driver))))
		abort();
	for (i = 0; !ret && i < fi.nr_regions; i++)
		if (!fi.regions[i].name[0] ||
		    !memchr(fi.regions[i].name, '\0', sizeof(fi.regions[i].name)))
			abort();
	xs_clean_utf8(text, size, clean, sizeof(clean), false);
	check_utf8((const unsigned char *)clean, false);
	xs_clean_utf8(text, size, clean, sizeof(clean), true);
	check_utf8((const unsigned char *)clean, true);
	return 0;
}
