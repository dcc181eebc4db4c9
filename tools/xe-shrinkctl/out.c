// SPDX-License-Identifier: GPL-2.0
/*
 * Errors, JSON documents (through json-c) and access to the kernel's
 * nodes. In JSON mode every result and every error is one JSON object on
 * stdout, so that a script reads one stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xs.h"

const char *const xs_prog = "xe-shrinkctl";

static struct {
	bool json, pretty;
	const struct xs_device *dev;
} out;

void xs_out_init(bool json, bool pretty)
{
	out.json = json || pretty;
	out.pretty = pretty;
}

bool xs_json(void)
{
	return out.json;
}

void xs_out_device(const struct xs_device *dev)
{
	out.dev = dev;
}

const char *xs_errno_name(int err)
{
	static const struct { int err; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
		{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
		{ ENFILE, "ENFILE" }, { EMFILE, "EMFILE" }, { ENOSPC, "ENOSPC" },
		{ EROFS, "EROFS" }, { EPIPE, "EPIPE" }, { ERANGE, "ERANGE" },
		{ ENAMETOOLONG, "ENAMETOOLONG" }, { ELOOP, "ELOOP" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ ECANCELED, "ECANCELED" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return NULL;
}

struct json_object *xs_doc(const struct xs_device *dev)
{
	struct json_object *doc = json_object_new_object();

	xs_ju64(doc, "schema", XS_SCHEMA);
	if (dev) {
		xs_jstr(doc, "card", dev->name);
		xs_jstr(doc, "driver", dev->driver);
	} else {
		xs_jnull(doc, "card");
	}
	return doc;
}

void xs_emit(struct json_object *doc)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= out.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			      JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(doc, flags));
	fflush(stdout);
	json_object_put(doc);
}

int xs_fail(int code, int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (out.json) {
		struct json_object *doc = xs_doc(NULL), *e;

		if (out.dev)
			xs_jstr(doc, "card", out.dev->name);
		e = xs_jobj(doc, "error");
		xs_jstr(e, "message", msg);
		if (err && xs_errno_name(err))
			xs_jstr(e, "errno", xs_errno_name(err));
		else
			xs_jnull(e, "errno");
		xs_ju64(e, "exit_code", (uint64_t)code);
		xs_emit(doc);
	} else {
		fprintf(stderr, "%s: %s\n", xs_prog, msg);
	}
	return code;
}

const char *xs_lockdown(const char *root, char *buf, size_t size)
{
	char path[PATH_MAX], text[128], *open, *close;

	snprintf(path, sizeof(path), "%s/sys/kernel/security/lockdown", root);
	if (xs_read_text(path, text, sizeof(text)) < 0)
		return NULL;
	/* "none [integrity] confidentiality": the mode in brackets */
	open = strchr(text, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close || close == open + 1)
		return NULL;
	*close = '\0';
	if (!strcmp(open + 1, "none"))
		return NULL;
	snprintf(buf, size, "%s", open + 1);
	return buf;
}

int xs_fail_access(const char *root, int err, const char *path, bool write)
{
	bool debugfs = strstr(path, "/sys/kernel/debug/") != NULL;
	const char *verb = write ? "write" : "read";
	char mode[32];

	if (err == ENOENT || err == ENOTDIR)
		return xs_fail(EXIT_NODEV, err, "%s does not exist: the driver does not provide it%s",
			       path, debugfs ?
			       " (or debugfs is not mounted at /sys/kernel/debug)" : "");
	/* lockdown: EPERM from debugfs, even for root */
	if (err == EPERM && debugfs && xs_lockdown(root, mode, sizeof(mode)))
		return xs_fail(EXIT_PERM, err, "cannot %s %s: kernel lockdown (%s) forbids debugfs %ss",
			       verb, path, mode, verb);
	if (err == EACCES || err == EPERM)
		return xs_fail(EXIT_PERM, err, "cannot %s %s: %s; run as root", verb, path,
			       strerror(err));
	return xs_fail(EXIT_KERNEL, err, "%s: %s", path, strerror(err));
}

/* ---- JSON members ---- */

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	if (key)
		json_object_object_add(o, key, v);
	else
		json_object_array_add(o, v);
}

void xs_jstr(struct json_object *o, const char *key, const char *val)
{
	size_t len = strlen(val), size = 3 * len + 1;	/* each byte may become U+FFFD */
	char *clean = malloc(size);

	if (!clean) {
		xs_jnull(o, key);
		return;
	}
	xs_clean_utf8(val, len, clean, size, false);
	add(o, key, json_object_new_string(clean));
	free(clean);
}

void xs_ju64(struct json_object *o, const char *key, uint64_t val)
{
	add(o, key, json_object_new_uint64(val));
}

void xs_ji64(struct json_object *o, const char *key, int64_t val)
{
	add(o, key, json_object_new_int64(val));
}

void xs_jbool(struct json_object *o, const char *key, bool val)
{
	add(o, key, json_object_new_boolean(val));
}

void xs_jnull(struct json_object *o, const char *key)
{
	add(o, key, NULL);
}

void xs_jnum(struct json_object *o, const char *key, double val, int decimals)
{
	char num[64];

	if (!isfinite(val)) {
		xs_jnull(o, key);
		return;
	}
	snprintf(num, sizeof(num), "%.*f", decimals, val);
	add(o, key, json_object_new_double_s(val, num));
}

void xs_jtri(struct json_object *o, const char *key, int val)
{
	if (val < 0)
		xs_jnull(o, key);
	else
		xs_jbool(o, key, val);
}

struct json_object *xs_jobj(struct json_object *o, const char *key)
{
	struct json_object *v = json_object_new_object();

	add(o, key, v);
	return v;
}

struct json_object *xs_jarr(struct json_object *o, const char *key)
{
	struct json_object *v = json_object_new_array();

	add(o, key, v);
	return v;
}

/* ---- files and nodes ---- */

ssize_t xs_read_text(const char *path, char *buf, size_t size)
{
	ssize_t total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		ssize_t n = read(fd, buf + total, size - 1 - (size_t)total);

		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

int xs_write_text(const char *path, const char *s)
{
	size_t len = strlen(s);
	/* as "echo s > path" does: sysfs and debugfs ignore O_TRUNC */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 1;
	n = write(fd, s, len);
	if (n < 0)
		n = -errno;
	else if ((size_t)n != len)
		n = -EIO;
	else
		n = 0;
	close(fd);
	return (int)n;
}

int xs_read_node(const struct ctx *c, const struct xs_device *dev, const char *node,
		 char *buf, size_t size)
{
	char path[PATH_MAX + 16];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dev->debugfs, node);
	n = xs_read_text(path, buf, size);
	if (n < 0)
		return xs_fail_access(c->o->root, (int)-n, path, false);
	return 0;
}

static int collect_kv(const struct xs_kv *kv, void *arg)
{
	struct kv_table *t = arg;

	if (t->n < 64)
		t->kv[t->n++] = *kv;
	return 0;
}

const struct xs_kv *xs_find_kv(const struct kv_table *t, const char *key)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->kv[i].key, key))
			return &t->kv[i];
	return NULL;
}

int xs_load_kv(const struct ctx *c, const struct xs_device *dev, const char *node,
	       struct kv_table *t)
{
	char text[8192];
	int ret = xs_read_node(c, dev, node, text, sizeof(text));

	if (ret)
		return ret;
	t->n = 0;
	if (xs_parse_kv_text(text, strlen(text), collect_kv, t) || !t->n)
		return xs_fail(EXIT_KERNEL, EINVAL,
			       "%s/%s: not 'key: value' lines; is this a shrinker node?",
			       dev->debugfs, node);
	return 0;
}

const char *xs_plural(uint64_t n, const char *one, const char *many, char *buf, size_t size)
{
	snprintf(buf, size, "%llu %s", (unsigned long long)n, n == 1 ? one : many);
	return buf;
}

double xs_wall_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *xs_wall_text(double t, char *buf, size_t size)
{
	time_t secs = (time_t)t;
	struct tm tm;

	if (!localtime_r(&secs, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, size, "%.0f", t);
	return buf;
}

double xs_mono_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
