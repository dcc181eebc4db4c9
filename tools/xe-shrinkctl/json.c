// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer. Keys are NULL inside arrays. Strings from the kernel
 * (command names) are escaped byte by byte, so the output is valid JSON
 * whatever they hold.
 */
#include <math.h>

#include "json.h"

void xs_json_init(struct xs_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
}

static void put_string(FILE *f, const char *s)
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

/* The comma and the key before a value. */
static void member(struct xs_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		put_string(j->f, key);
		fputc(':', j->f);
	}
}

void xs_json_open(struct xs_json *j, const char *key, char bracket)
{
	member(j, key);
	fputc(bracket, j->f);
	if (j->depth < XS_JSON_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

void xs_json_close(struct xs_json *j, char bracket)
{
	fputc(bracket, j->f);
	if (j->depth > 0)
		j->depth--;
	if (!j->depth)
		fputc('\n', j->f);
}

void xs_json_str(struct xs_json *j, const char *key, const char *val)
{
	member(j, key);
	put_string(j->f, val);
}

void xs_json_int(struct xs_json *j, const char *key, int64_t val)
{
	member(j, key);
	fprintf(j->f, "%lld", (long long)val);
}

void xs_json_uint(struct xs_json *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void xs_json_double(struct xs_json *j, const char *key, double val)
{
	member(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.1f", val);
	else
		fputs("null", j->f);
}

void xs_json_bool(struct xs_json *j, const char *key, bool val)
{
	member(j, key);
	fputs(val ? "true" : "false", j->f);
}

void xs_json_null(struct xs_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}
