/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the commands of xe-shrinkctl share: options, the device context,
 * errors and exit codes, JSON documents (json-c), node access.
 */
#ifndef XS_H
#define XS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "device.h"
#include "parse.h"

enum {
	EXIT_KERNEL = 1,	/* the kernel refused or failed: errno given */
	EXIT_USAGE = 2,		/* nothing was written */
	EXIT_NODEV = 3,		/* no such device, node or BO */
	EXIT_PERM = 4,		/* not allowed: root, lockdown */
};

/* The version of the JSON documents' layout, "schema" in each of them. */
#define XS_SCHEMA 1

/* Per-command options, as bits of struct opts' @given. */
enum {
	OPT_BYTES = 1 << 0,
	OPT_ALL = 1 << 1,
	OPT_SORT = 1 << 2,
	OPT_STATE = 1 << 3,
	OPT_MADVISE = 1 << 4,
	OPT_PLACEMENT = 1 << 5,
	OPT_PID = 1 << 6,
	OPT_LIMIT = 1 << 7,
	OPT_INTERVAL = 1 << 8,
	OPT_COUNT = 1 << 9,
	OPT_FORCE = 1 << 10,
	OPT_ALL_DEVICES = 1 << 11,
};

struct opts {
	const char *root;
	const char *device;
	bool json, pretty, help;
	unsigned int given;	/* OPT_* seen on the command line */
	const char *bytes, *sort, *state, *madvise, *placement, *pid, *limit;
	const char *interval, *count;
	/* parsed and checked before any device is looked at */
	uint64_t size;		/* shrink --bytes, threshold SIZE */
	bool have_size;
	uint64_t pid_val, limit_val, count_val, id;
	double interval_val;
	const char *advice;	/* purgeable */
	const char *keyword;	/* written to the shrink node instead of a size */
	bool top;		/* watch with the clients */
};

/* The devices, and the one the command is for. */
struct ctx {
	struct opts *o;
	struct xs_device *devs;
	int nr;
	struct xs_device *dev;
};

extern const char *const xs_prog;

/* ---- errors and output (out.c) ---- */

void xs_out_init(bool json, bool pretty);
bool xs_json(void);
/* The device errors are about, for the "card" of JSON errors. */
void xs_out_device(const struct xs_device *dev);

/*
 * Report an error and return @code. Text: one line on stderr. JSON: one
 * object on stdout, {"schema", "card", "error": {"message", "errno",
 * "exit_code"}}; @err is an errno, or 0 for none.
 */
__attribute__((format(printf, 3, 4)))
int xs_fail(int code, int err, const char *fmt, ...);

/*
 * An open, read or write of @path that failed with @err: say what to do
 * about it (a missing node, root, kernel lockdown). Return: the exit code.
 */
int xs_fail_access(const char *root, int err, const char *path, bool write);

/* "ENOENT" for ENOENT; NULL for an errno it does not know. */
const char *xs_errno_name(int err);

/*
 * The active kernel lockdown mode ("integrity", "confidentiality") from
 * @root/sys/kernel/security/lockdown into @buf, or NULL when none.
 */
const char *xs_lockdown(const char *root, char *buf, size_t size);

/*
 * A new JSON document: {"schema": 1, "card": "cardN" or null, "driver"}
 * (the driver only with a device).
 */
struct json_object *xs_doc(const struct xs_device *dev);
/* Print @doc on stdout as one line (or indented with --pretty), free it. */
void xs_emit(struct json_object *doc);

/* Members of a JSON object. Strings become valid UTF-8. */
void xs_jstr(struct json_object *o, const char *key, const char *val);
void xs_ju64(struct json_object *o, const char *key, uint64_t val);
void xs_ji64(struct json_object *o, const char *key, int64_t val);
void xs_jbool(struct json_object *o, const char *key, bool val);
void xs_jnull(struct json_object *o, const char *key);
/* A number with @decimals decimals; null when not finite. */
void xs_jnum(struct json_object *o, const char *key, double val, int decimals);
/* A tristate: -1 null, 0 false, 1 true. */
void xs_jtri(struct json_object *o, const char *key, int val);
/* A new object or array member of @o, or an element of array @o (key NULL). */
struct json_object *xs_jobj(struct json_object *o, const char *key);
struct json_object *xs_jarr(struct json_object *o, const char *key);

/* ---- files ---- */

/* A whole (small) file into @buf, terminated. Return: bytes, or -errno. */
ssize_t xs_read_text(const char *path, char *buf, size_t size);
/*
 * One write of @s, as the kernel nodes want it. Return: 0, -errno of the
 * write (the kernel's answer), or 1 with errno set when the open failed.
 */
int xs_write_text(const char *path, const char *s);

/* A node's "key: value" lines. */
struct kv_table {
	struct xs_kv kv[64];
	int n;
};

const struct xs_kv *xs_find_kv(const struct kv_table *t, const char *key);
/* Read and parse @node of @dev; on failure, the error is reported. */
int xs_load_kv(const struct ctx *c, const struct xs_device *dev, const char *node,
	       struct kv_table *t);
/* Read @node of the device into @buf; on failure, the error is reported. */
int xs_read_node(const struct ctx *c, const struct xs_device *dev, const char *node,
		 char *buf, size_t size);

/* "1 BO" or "2 BOs". */
const char *xs_plural(uint64_t n, const char *one, const char *many, char *buf, size_t size);

/* Seconds since the epoch (wall clock), and its text "YYYY-MM-DD HH:MM:SS". */
double xs_wall_time(void);
const char *xs_wall_text(double t, char *buf, size_t size);
/* Seconds on the monotonic clock. */
double xs_mono_time(void);

/* ---- commands ---- */

int cmd_list(struct ctx *c);
int cmd_stats(struct ctx *c);
int cmd_shrink(struct ctx *c);
int cmd_bos(struct ctx *c);
int cmd_purgeable(struct ctx *c);
int cmd_threshold(struct ctx *c);
int cmd_watch(struct ctx *c);
int cmd_clients(struct ctx *c);

/* ---- clients (clients.c) ---- */

struct xs_client {
	int card;		/* -1: not known */
	char driver[XS_VAL_MAX];
	uint64_t client_id;
	int pid;		/* the lowest pid with an fd of it */
	char comm[64];
	int fds;		/* how many fds refer to it */
	struct xs_region regions[XS_REGIONS];
	int nr_regions;
};

/*
 * The DRM clients of @root/proc (all, or those of card @card when it is
 * not negative), deduplicated by card and drm-client-id, sorted by card
 * and client id. Processes that cannot be read are skipped.
 * Return: the number of clients, or -ENOMEM.
 */
int xs_clients(const char *root, int card, struct xs_client **out);
/* The clients as the "clients" array member of @o. */
void xs_clients_json(struct json_object *o, const struct xs_client *cl, int n);
/* The clients as a table. */
void xs_clients_text(const struct xs_client *cl, int n);

#endif
