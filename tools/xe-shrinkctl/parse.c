// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers for sizes and for the shrinker's debugfs formats. No allocation,
 * no locale: every byte of the input is accounted for, and anything that
 * is not exactly the documented format is rejected.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits at @s into @val; the first non-digit goes to @end. */
static int parse_digits(const char *s, const char **end, uint64_t *val)
{
	uint64_t v = 0;

	if (!is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*end = s;
	*val = v;
	return 0;
}

int xs_parse_size(const char *s, uint64_t *bytes)
{
	const char *end;
	unsigned int shift = 0;
	uint64_t v;
	int ret;

	if (!s)
		return -EINVAL;
	ret = parse_digits(s, &end, &v);
	if (ret)
		return ret;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift && end[1])
		return -EINVAL;
	if (!v)
		return -EINVAL;
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

int xs_parse_uint(const char *s, uint64_t max, uint64_t *val)
{
	const char *end;
	uint64_t v;

	if (!s || parse_digits(s, &end, &v) || *end || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

int xs_parse_kv(const char *line, size_t len, struct xs_kv *kv)
{
	const char *colon = memchr(line, ':', len);
	size_t klen, vlen, i;
	const char *v;

	if (!colon || colon == line)
		return -EINVAL;
	klen = (size_t)(colon - line);
	if (klen >= sizeof(kv->key))
		return -EINVAL;
	for (i = 0; i < klen; i++) {
		char c = line[i];

		if (!(c == '_' || is_digit(c) || (c >= 'a' && c <= 'z')))
			return -EINVAL;
	}
	v = colon + 1;
	vlen = len - klen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t' || v[vlen - 1] == '\r'))
		vlen--;
	if (!vlen || vlen >= sizeof(kv->val) || memchr(v, '\0', vlen))
		return -EINVAL;

	memcpy(kv->key, line, klen);
	kv->key[klen] = '\0';
	memcpy(kv->val, v, vlen);
	kv->val[vlen] = '\0';

	kv->is_num = false;
	kv->num = 0;
	{
		const char *d = kv->val + (kv->val[0] == '-');
		const char *end;
		uint64_t u;

		if (!parse_digits(d, &end, &u) && !*end &&
		    u <= (uint64_t)INT64_MAX) {
			kv->is_num = true;
			kv->num = d == kv->val ? (int64_t)u : -(int64_t)u;
		}
	}
	return 0;
}

int xs_parse_kv_text(const char *text, size_t len,
		     int (*fn)(const struct xs_kv *kv, void *arg), void *arg)
{
	const char *p = text, *end = text + len;
	int bad = 0;

	while (p < end) {
		const char *line = p, *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		struct xs_kv kv;

		p = eol + 1;
		if (eol == line)	/* empty line */
			continue;
		if (xs_parse_kv(line, (size_t)(eol - line), &kv)) {
			bad++;
		} else {
			int ret = fn(&kv, arg);

			if (ret < 0)
				return ret;
		}
	}
	return bad;
}

/* The next space-separated field of [*p, end) into @buf. */
static int next_field(const char **p, const char *end, char *buf, size_t size)
{
	const char *s = *p, *e;

	while (s < end && *s == ' ')
		s++;
	e = s;
	while (e < end && *e != ' ')
		e++;
	if (e == s || (size_t)(e - s) >= size || memchr(s, '\0', (size_t)(e - s)))
		return -EINVAL;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	*p = e;
	return 0;
}

/* @a -> 1, @b -> 0, "-" (not known) -> -1 */
static int one_of(const char *s, const char *a, const char *b, int8_t *is_a)
{
	if (!strcmp(s, a))
		*is_a = 1;
	else if (!strcmp(s, b))
		*is_a = 0;
	else if (!strcmp(s, "-"))
		*is_a = -1;
	else
		return -EINVAL;
	return 0;
}

int xs_parse_bo(const char *line, size_t len, struct xs_bo *bo)
{
	const char *p = line, *end = line + len;
	char f[24];
	uint64_t v;

	if (len && line[0] == '#')
		return 1;
	memset(bo, 0, sizeof(*bo));
	if (next_field(&p, end, f, sizeof(f)) || xs_parse_uint(f, UINT32_MAX, &v))
		return -EINVAL;
	bo->id = (uint32_t)v;
	if (next_field(&p, end, f, sizeof(f)) || xs_parse_uint(f, UINT64_MAX, &bo->size))
		return -EINVAL;
	if (next_field(&p, end, bo->placement, sizeof(bo->placement)) ||
	    next_field(&p, end, bo->state, sizeof(bo->state)) ||
	    next_field(&p, end, bo->madvise, sizeof(bo->madvise)))
		return -EINVAL;
	if (next_field(&p, end, f, sizeof(f)) || one_of(f, "pinned", "unpinned", &bo->pinned))
		return -EINVAL;
	if (next_field(&p, end, f, sizeof(f)) || one_of(f, "busy", "idle", &bo->busy))
		return -EINVAL;
	if (next_field(&p, end, f, sizeof(f)) || xs_parse_uint(f, INT32_MAX, &v))
		return -EINVAL;
	bo->pid = (int32_t)v;
	/* the rest is the command name, which may hold spaces */
	if (p < end && *p == ' ')
		p++;
	if ((size_t)(end - p) >= sizeof(bo->comm) || memchr(p, '\0', (size_t)(end - p)))
		return -EINVAL;
	memcpy(bo->comm, p, (size_t)(end - p));
	bo->comm[end - p] = '\0';
	return 0;
}
