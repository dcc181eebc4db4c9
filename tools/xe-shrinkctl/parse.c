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

/* K, M, G, T (either case) -> its shift; anything else -> 0. */
static unsigned int unit_shift(char c)
{
	switch (c) {
	case 'k': case 'K':
		return 10;
	case 'm': case 'M':
		return 20;
	case 'g': case 'G':
		return 30;
	case 't': case 'T':
		return 40;
	}
	return 0;
}

int xs_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v, frac = 0, scale = 1, total;
	unsigned int shift = 0, digits = 0;
	bool unit = false, space = false;
	const char *p;
	int ret;

	if (!s)
		return -EINVAL;
	ret = parse_digits(s, &p, &v);
	if (ret)
		return ret;
	if (*p == '.') {
		if (!is_digit(*++p))
			return -EINVAL;
		for (; is_digit(*p); p++) {
			if (++digits > 6)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
	}
	if (*p == ' ') {
		space = true;
		p++;
	}
	if (*p == 'b' || *p == 'B') {
		unit = true;
		p++;
	} else if (unit_shift(*p)) {
		shift = unit_shift(*p++);
		unit = true;
		/* "KiB" or "K"; "KB" could mean 1000 and is refused */
		if ((*p == 'i' || *p == 'I') && (p[1] == 'b' || p[1] == 'B'))
			p += 2;
	}
	if (*p || (space && !unit) || (digits && !shift))
		return -EINVAL;
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	total = v << shift;
	/* frac < 10^6 < 2^20, so this fits for any shift up to 40 */
	frac = ((frac << shift) + scale / 2) / scale;
	if (total > UINT64_MAX - frac)
		return -ERANGE;
	total += frac;
	if (!total)
		return -EINVAL;
	*bytes = total;
	return 0;
}

const char *xs_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
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

/*
 * "key: value", the key of @wide's charset: [a-z0-9_] for the shrinker's
 * nodes, also [A-Z-] for fdinfo.
 */
static int parse_kv(const char *line, size_t len, struct xs_kv *kv, bool wide)
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

		if (!(c == '_' || is_digit(c) || (c >= 'a' && c <= 'z') ||
		      (wide && (c == '-' || (c >= 'A' && c <= 'Z')))))
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

int xs_parse_kv(const char *line, size_t len, struct xs_kv *kv)
{
	return parse_kv(line, len, kv, false);
}

/* Each "key: value" line of @text through @fn; the count of other lines. */
static int each_kv(const char *text, size_t len, bool wide,
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
		if (parse_kv(line, (size_t)(eol - line), &kv, wide)) {
			bad++;
		} else {
			int ret = fn(&kv, arg);

			if (ret < 0)
				return ret;
		}
	}
	return bad;
}

int xs_parse_kv_text(const char *text, size_t len,
		     int (*fn)(const struct xs_kv *kv, void *arg), void *arg)
{
	return each_kv(text, len, false, fn, arg);
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

int xs_parse_fdinfo_size(const char *s, uint64_t *bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	unsigned int shift = 0;
	const char *end;
	uint64_t v;
	int ret = parse_digits(s, &end, &v);

	if (ret)
		return ret;
	if (*end) {
		if (*end != ' ')
			return -EINVAL;
		for (shift = 0; shift < 4 && strcmp(end + 1, units[shift]); shift++)
			;
		if (shift == 4)
			return -EINVAL;
		shift = 10 * (shift + 1);
	}
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

/* The region of @fi called @name (added when new), or NULL when full. */
static struct xs_region *region(struct xs_fdinfo *fi, const char *name)
{
	struct xs_region *r;
	int i;

	if (!*name || strlen(name) >= XS_REGION_MAX)
		return NULL;
	for (i = 0; i < fi->nr_regions; i++)
		if (!strcmp(fi->regions[i].name, name))
			return &fi->regions[i];
	if (fi->nr_regions == XS_REGIONS)
		return NULL;
	r = &fi->regions[fi->nr_regions++];
	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	return r;
}

static int fdinfo_ids(const struct xs_kv *kv, void *arg)
{
	struct xs_fdinfo *fi = arg;

	if (!strcmp(kv->key, "drm-driver"))
		strcpy(fi->driver, kv->val);
	else if (!strcmp(kv->key, "drm-pdev"))
		strcpy(fi->pdev, kv->val);
	else if (!strcmp(kv->key, "drm-client-id") &&
		 xs_parse_uint(kv->val, UINT64_MAX, &fi->client_id))
		return -EINVAL;
	return 0;
}

static int fdinfo_amount(const struct xs_kv *kv, void *arg)
{
	static const char *const std[] = {
		[XS_TOTAL] = "drm-total-", [XS_SHARED] = "drm-shared-",
		[XS_RESIDENT] = "drm-resident-", [XS_PURGEABLE] = "drm-purgeable-",
	};
	struct xs_fdinfo *fi = arg;
	size_t dlen = strlen(fi->driver);
	const char *name = NULL;
	struct xs_region *r;
	int what = 0, i;
	uint64_t v;

	for (i = 0; i < XS_BACKED_UP && !name; i++)
		if (!strncmp(kv->key, std[i], strlen(std[i]))) {
			name = kv->key + strlen(std[i]);
			what = i;
		}
	if (!name && !strncmp(kv->key, fi->driver, dlen) &&
	    !strncmp(kv->key + dlen, "-backed-up-", 11)) {
		name = kv->key + dlen + 11;
		what = XS_BACKED_UP;
	}
	if (!name)
		return 0;
	if (xs_parse_fdinfo_size(kv->val, &v))
		return -EINVAL;
	r = region(fi, name);
	if (r) {
		r->bytes[what] = v;
		r->have[what] = true;
	}
	return 0;
}

int xs_parse_fdinfo(const char *text, size_t len, struct xs_fdinfo *fi)
{
	int ret;

	memset(fi, 0, sizeof(*fi));
	fi->client_id = UINT64_MAX;
	/* lines that are not "key: value" are other kinds of fd's */
	ret = each_kv(text, len, true, fdinfo_ids, fi);
	if (ret < 0)
		return ret;
	if (!*fi->driver || fi->client_id == UINT64_MAX)
		return 1;
	ret = each_kv(text, len, true, fdinfo_amount, fi);
	return ret < 0 ? ret : 0;
}

/* The length of the well-formed UTF-8 sequence at @s (of @len), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

char *xs_clean_utf8(const char *in, size_t len, char *out, size_t size, bool text)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (!size)
		return out;
	while (i < len) {
		size_t n = utf8_seq(s + i, len - i);
		const char *put = (const char *)s + i;
		size_t plen = n;

		if (!n || !s[i]) {
			put = text ? "?" : "\xef\xbf\xbd";	/* U+FFFD */
			plen = text ? 1 : 3;
			n = 1;
		} else if (text && n == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
			put = "?";
		}
		if (o + plen >= size)
			break;
		memcpy(out + o, put, plen);
		o += plen;
		i += n;
	}
	out[o] = '\0';
	return out;
}
