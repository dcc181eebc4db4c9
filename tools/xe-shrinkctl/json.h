/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: objects, arrays, strings (escaped),
 * integers and booleans, with the commas placed for the caller.
 */
#ifndef XS_JSON_H
#define XS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define XS_JSON_DEPTH 8

struct xs_json {
	FILE *f;
	int depth;
	bool need_comma[XS_JSON_DEPTH];
};

void xs_json_init(struct xs_json *j, FILE *f);
void xs_json_open(struct xs_json *j, const char *key, char bracket);
void xs_json_close(struct xs_json *j, char bracket);
void xs_json_str(struct xs_json *j, const char *key, const char *val);
void xs_json_int(struct xs_json *j, const char *key, int64_t val);
void xs_json_uint(struct xs_json *j, const char *key, uint64_t val);
void xs_json_double(struct xs_json *j, const char *key, double val);
void xs_json_bool(struct xs_json *j, const char *key, bool val);
void xs_json_null(struct xs_json *j, const char *key);

#endif
