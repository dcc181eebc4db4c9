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
 * A size as users type it and as xs_format_size() prints it: decimal
 * digits, then with a unit an optional fraction of up to six digits, an
 * optional single space, and a unit: B, or K, M, G or T (either case,
 * powers of 1024) optionally followed by "iB". "4096", "64K", "64MiB",
 * "64.0 MiB", "1.5G", "512 B". A fraction is rounded to the nearest byte.
 * Return: 0, -EINVAL (empty, sign, junk, "KB", zero) or -ERANGE (overflow).
 */
int xs_parse_size(const char *s, uint64_t *bytes);

/*
 * @bytes for people: "512 B", "64.0 MiB" (one decimal, powers of 1024, up
 * to TiB), which xs_parse_size() reads back to within 5 %.
 * Return: @buf.
 */
const char *xs_format_size(uint64_t bytes, char *buf, size_t size);

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

/*
 * A memory amount of a DRM fdinfo key, as drm_print_memory_stats() prints
 * it: digits, optionally followed by one space and KiB, MiB, GiB or TiB.
 * Return: 0, -EINVAL or -ERANGE.
 */
int xs_parse_fdinfo_size(const char *s, uint64_t *bytes);

#define XS_REGIONS 8
#define XS_REGION_MAX 32

/* What is known of one memory region of a DRM client; @have says which. */
enum { XS_TOTAL, XS_SHARED, XS_RESIDENT, XS_PURGEABLE, XS_BACKED_UP, XS_NR_AMOUNTS };
struct xs_region {
	char name[XS_REGION_MAX];
	uint64_t bytes[XS_NR_AMOUNTS];
	bool have[XS_NR_AMOUNTS];
};

/* The DRM part of one /proc/PID/fdinfo/FD file. */
struct xs_fdinfo {
	char driver[XS_VAL_MAX];	/* drm-driver */
	uint64_t client_id;		/* drm-client-id */
	char pdev[XS_VAL_MAX];		/* drm-pdev, or "" */
	struct xs_region regions[XS_REGIONS];
	int nr_regions;
};

/*
 * Parse the text of an fdinfo file: the standard drm-total-, drm-shared-,
 * drm-resident- and drm-purgeable-<region> keys and the driver's
 * <drm-driver>-backed-up-<region>. Lines of other keys are skipped, as are
 * regions beyond XS_REGIONS.
 * Return: 0, 1 when it is not a DRM file (no drm-driver or drm-client-id),
 * or -EINVAL when a line is not "key:<tab>value" or a memory key's value
 * is malformed.
 */
int xs_parse_fdinfo(const char *text, size_t len, struct xs_fdinfo *fi);

/*
 * Copy @len bytes of @in (a command name: any bytes) to @out as valid
 * UTF-8 without NUL: each byte that does not start a well-formed sequence
 * becomes U+FFFD; with @text, control characters become '?' as well, for
 * terminals. @out is always terminated; what does not fit is cut at a
 * character boundary. Return: @out.
 */
char *xs_clean_utf8(const char *in, size_t len, char *out, size_t size, bool text);

#endif
