/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers for what xe-shrinkctl reads and what users type: sizes with
 * suffixes, the "key: value" lines of the shrinker's debugfs nodes, and
 * the lines of its bos node. They take untrusted text and are fuzzed
 * (fuzz/).
 */
#ifndef XS_PARSE_H
#define XS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A size: decimal digits with an optional K, M, G or T suffix (either
 * case, powers of 1024), as the kernel's shrink node takes them.
 * Return: 0, -EINVAL (empty, sign, junk, zero) or -ERANGE (overflow).
 */
int xs_parse_size(const char *s, uint64_t *bytes);

/* A non-negative decimal number that fits in @max. Return: 0 or -EINVAL. */
int xs_parse_uint(const char *s, uint64_t max, uint64_t *val);

#define XS_KEY_MAX 64
#define XS_VAL_MAX 128

/* One "key: value" line. */
struct xs_kv {
	char key[XS_KEY_MAX];
	char val[XS_VAL_MAX];
	bool is_num;	/* the value is an integer that fits in int64_t */
	int64_t num;
};

/*
 * Parse one line (without its newline) of a key: value node.
 * Return: 0, or -EINVAL for a line that is not "key: value".
 */
int xs_parse_kv(const char *line, size_t len, struct xs_kv *kv);

/*
 * Call @fn for each "key: value" line of @text; lines that do not parse are
 * counted in the return value, which is the number of bad lines or a
 * negative errno returned by @fn.
 */
int xs_parse_kv_text(const char *text, size_t len,
		     int (*fn)(const struct xs_kv *kv, void *arg), void *arg);

/* One line of the bos node. */
struct xs_bo {
	uint32_t id;
	uint64_t size;
	char placement[16];
	char state[16];
	char madvise[16];
	int8_t pinned;	/* 1, 0, or -1: unknown (the BO was locked) */
	int8_t busy;
	int32_t pid;
	char comm[32];
};

/* Return: 0, 1 for a comment line, or -EINVAL. */
int xs_parse_bo(const char *line, size_t len, struct xs_bo *bo);

#endif
