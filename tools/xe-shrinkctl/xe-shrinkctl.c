// SPDX-License-Identifier: GPL-2.0
/*
 * xe-shrinkctl: control and watch the GPU buffer-object shrinker of DRM
 * devices (xe, vttm) through its debugfs nodes and sysfs attributes.
 * See xe-shrinkctl(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "json.h"
#include "parse.h"

#define XS_VERSION "1.0"

enum {
	EXIT_KERNEL = 1,	/* the kernel refused or failed: errno given */
	EXIT_USAGE = 2,
	EXIT_NODEV = 3,		/* no such device, node or BO list entry */
	EXIT_PERM = 4,		/* not allowed: run as root */
};

struct opts {
	const char *root;
	const char *device;
	bool json;
	const char *bytes;
	const char *sort;
	const char *state;
	const char *madvise;
	const char *placement;
	const char *pid;
	const char *limit;
	const char *interval;
	const char *count;
	/* parsed and checked before any device is looked at */
	uint64_t size;		/* shrink, threshold SIZE */
	bool have_size;
	uint64_t pid_val, limit_val, count_val, id;
	double interval_val;
	const char *advice;	/* purgeable */
};

static const char *prog = "xe-shrinkctl";

__attribute__((format(printf, 2, 3)))
static int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* An open or read that failed: say what to do about it. */
static int fail_access(int err, const char *path)
{
	if (err == ENOENT || err == ENOTDIR)
		return fail(EXIT_NODEV, "%s does not exist: the driver does not provide it%s",
			    path, strstr(path, "/debug/") ?
			    " (or debugfs is not mounted at /sys/kernel/debug)" : "");
	if (err == EACCES || err == EPERM)
		return fail(EXIT_PERM, "cannot access %s: %s; run as root", path, strerror(err));
	return fail(EXIT_KERNEL, "%s: %s", path, strerror(err));
}

/* A whole (small) file. Return: bytes, or -errno. */
static ssize_t read_text(const char *path, char *buf, size_t size)
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

/*
 * One write of @s, as the kernel nodes want it. Return: 0, -errno of the
 * write (the kernel's answer), or 1 with errno set when the open failed.
 */
static int write_text(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
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

static const char *human(uint64_t bytes, char *buf, size_t size)
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

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Devices, and the one the command is for. */
struct ctx {
	struct opts *o;
	struct xs_device *devs;
	int nr;
	struct xs_device *dev;
};

static int pick(struct ctx *c)
{
	int i = xs_pick(c->devs, c->nr, c->o->device);

	if (i >= 0) {
		c->dev = &c->devs[i];
		return 0;
	}
	if (i == -ENODEV)
		return fail(EXIT_NODEV, "no DRM device '%s' (see '%s list')", c->o->device, prog);
	if (i == -EACCES)
		return fail(EXIT_PERM, "cannot look into debugfs: run as root");
	return fail(EXIT_NODEV, "no DRM device has the shrinker nodes%s (see '%s list')",
		    c->nr ? "" : " (no DRM device at all)", prog);
}

/* Read a key: value node of the device into @buf. */
static int read_node(struct ctx *c, const char *node, char *buf, size_t size)
{
	char path[PATH_MAX + 16];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", c->dev->debugfs, node);
	n = read_text(path, buf, size);
	if (n < 0)
		return fail_access((int)-n, path);
	return 0;
}

/* Write to a node; a failed write is the kernel's answer. */
static int write_node(struct ctx *c, const char *path, const char *s, const char *what)
{
	int ret = write_text(path, s);

	if (ret == 1)
		return fail_access(errno, path);
	if (ret == -EINVAL)
		return fail(EXIT_KERNEL, "the kernel rejected %s: %s", what, strerror(-ret));
	if (ret == -ENOENT)
		return fail(EXIT_KERNEL, "%s: no such BO on card%d (see '%s bos')",
			    what, c->dev->card, prog);
	if (ret)
		return fail(EXIT_KERNEL, "%s failed: %s", what, strerror(-ret));
	return 0;
}

/* Start a JSON object on stdout that says which device it is about. */
static void json_device(struct xs_json *j, const struct ctx *c)
{
	xs_json_init(j, stdout);
	xs_json_open(j, NULL, '{');
	xs_json_int(j, "card", c->dev->card);
	xs_json_str(j, "driver", c->dev->driver);
}

/* ---- list ---- */

static int cmd_list(struct ctx *c)
{
	struct xs_json j;
	int i, k;

	if (c->o->json) {
		xs_json_init(&j, stdout);
		xs_json_open(&j, NULL, '[');
	} else {
		printf("%-6s %-10s %-22s %-9s %s\n", "CARD", "DRIVER", "BUS", "THRESHOLD",
		       "SHRINKER NODES");
	}
	for (i = 0; i < c->nr; i++) {
		struct xs_device *d = &c->devs[i];
		bool threshold = !access(d->threshold, F_OK);
		char nodes[64] = "";
		bool denied = false;

		if (c->o->json) {
			xs_json_open(&j, NULL, '{');
			xs_json_int(&j, "card", d->card);
			xs_json_str(&j, "node", d->node);
			xs_json_str(&j, "driver", d->driver);
			xs_json_str(&j, "bus", d->bus);
			xs_json_str(&j, "debugfs", d->debugfs);
			xs_json_bool(&j, "svm_migrate_threshold", threshold);
			xs_json_open(&j, "nodes", '{');
		}
		for (k = 0; k < 4; k++) {
			int p = xs_node_present(d, xs_nodes[k]);

			denied |= p == -EACCES;
			if (c->o->json) {
				if (p < 0)
					xs_json_null(&j, xs_nodes[k]);
				else
					xs_json_bool(&j, xs_nodes[k], p);
			} else if (p > 0) {
				strcat(nodes, *nodes ? "," : "");
				strcat(nodes, xs_nodes[k]);
			}
		}
		if (c->o->json) {
			xs_json_close(&j, '}');
			xs_json_close(&j, '}');
		} else {
			printf("card%-2d %-10s %-22s %-9s %s\n", d->card, d->driver, d->bus,
			       threshold ? "yes" : "no",
			       denied ? "(no access: run as root)" : *nodes ? nodes : "none");
		}
	}
	if (c->o->json)
		xs_json_close(&j, ']');
	return 0;
}

/* ---- shrink ---- */

static const char *const shrink_keys[] = {
	"requested_bytes", "freed_bytes", "purged_bytes", "backed_up_bytes",
	"scanned_bos", "duration_ns", "status",
};

struct kv_table {
	struct xs_kv kv[64];
	int n;
};

static int collect_kv(const struct xs_kv *kv, void *arg)
{
	struct kv_table *t = arg;

	if (t->n < 64)
		t->kv[t->n++] = *kv;
	return 0;
}

static const struct xs_kv *find_kv(const struct kv_table *t, const char *key)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->kv[i].key, key))
			return &t->kv[i];
	return NULL;
}

static int load_kv(struct ctx *c, const char *node, struct kv_table *t)
{
	char text[8192];
	int ret = read_node(c, node, text, sizeof(text));

	if (ret)
		return ret;
	t->n = 0;
	if (xs_parse_kv_text(text, strlen(text), collect_kv, t) || !t->n)
		return fail(EXIT_KERNEL, "%s/%s: not 'key: value' lines; is this a shrinker node?",
			    c->dev->debugfs, node);
	return 0;
}

static int cmd_shrink(struct ctx *c)
{
	char path[PATH_MAX + 16], num[32], what[64], h[32];
	uint64_t bytes = c->o->size;
	struct kv_table t;
	size_t i;
	int ret;

	snprintf(path, sizeof(path), "%s/shrink", c->dev->debugfs);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)bytes);
	snprintf(what, sizeof(what), "shrink of %s bytes", num);
	ret = write_node(c, path, num, what);
	if (ret)
		return ret;
	ret = load_kv(c, "shrink", &t);
	if (ret)
		return ret;

	if (c->o->json) {
		struct xs_json j;

		json_device(&j, c);
		for (i = 0; i < sizeof(shrink_keys) / sizeof(shrink_keys[0]); i++) {
			const struct xs_kv *kv = find_kv(&t, shrink_keys[i]);

			if (kv && kv->is_num)
				xs_json_int(&j, shrink_keys[i], kv->num);
			else
				xs_json_null(&j, shrink_keys[i]);
		}
		xs_json_close(&j, '}');
		return 0;
	}
	printf("card%d (%s): shrink %s\n", c->dev->card, c->dev->driver, human(bytes, h, sizeof(h)));
	for (i = 0; i < sizeof(shrink_keys) / sizeof(shrink_keys[0]); i++) {
		const struct xs_kv *kv = find_kv(&t, shrink_keys[i]);

		if (!kv)
			continue;
		if (ends_with(kv->key, "_bytes") && kv->is_num)
			printf("  %-16s %14lld  %s\n", kv->key, (long long)kv->num,
			       human((uint64_t)kv->num, h, sizeof(h)));
		else if (!strcmp(kv->key, "duration_ns") && kv->is_num)
			printf("  %-16s %14lld  %.3f ms\n", kv->key, (long long)kv->num,
			       kv->num / 1e6);
		else
			printf("  %-16s %14s\n", kv->key, kv->val);
	}
	return 0;
}

/* ---- stats and watch ---- */

static void print_stats_json(struct ctx *c, const struct kv_table *t,
			     const struct kv_table *prev, double dt)
{
	struct xs_json j;
	int i;

	json_device(&j, c);
	xs_json_open(&j, "stats", '{');
	for (i = 0; i < t->n; i++) {
		if (t->kv[i].is_num)
			xs_json_int(&j, t->kv[i].key, t->kv[i].num);
		else
			xs_json_str(&j, t->kv[i].key, t->kv[i].val);
	}
	xs_json_close(&j, '}');
	if (prev) {
		xs_json_double(&j, "interval_s", dt);
		xs_json_open(&j, "rates_per_s", '{');
		for (i = 0; i < t->n; i++) {
			const struct xs_kv *p = find_kv(prev, t->kv[i].key);

			if (t->kv[i].is_num && p && p->is_num)
				xs_json_double(&j, t->kv[i].key, (t->kv[i].num - p->num) / dt);
		}
		xs_json_close(&j, '}');
	}
	xs_json_close(&j, '}');
	fflush(stdout);
}

static void print_stats_text(const struct kv_table *t, const struct kv_table *prev, double dt)
{
	char h[32];

	for (int i = 0; i < t->n; i++) {
		const struct xs_kv *kv = &t->kv[i];
		const struct xs_kv *p = prev ? find_kv(prev, kv->key) : NULL;

		printf("%-18s %16s", kv->key, kv->val);
		if (kv->is_num && ends_with(kv->key, "_bytes"))
			printf("  %12s", human((uint64_t)kv->num, h, sizeof(h)));
		else if (prev)
			printf("  %12s", "");
		if (p && p->is_num && kv->is_num) {
			double rate = (kv->num - p->num) / dt;

			if (ends_with(kv->key, "_bytes"))
				printf("  %10s/s", human((uint64_t)(rate < 0 ? -rate : rate), h, sizeof(h)));
			else
				printf("  %10.1f/s", rate);
		}
		putchar('\n');
	}
}

static int cmd_stats(struct ctx *c)
{
	struct kv_table t;
	int ret = load_kv(c, "stats", &t);

	if (ret)
		return ret;
	if (c->o->json) {
		print_stats_json(c, &t, NULL, 0);
	} else {
		printf("card%d (%s) shrinker stats\n", c->dev->card, c->dev->driver);
		print_stats_text(&t, NULL, 0);
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One sample of watch: with @prev, the rates since it. */
static void watch_show(struct ctx *c, const struct kv_table *cur,
		       const struct kv_table *prev, double dt)
{
	if (c->o->json) {
		print_stats_json(c, cur, prev, dt);
		return;
	}
	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[J", stdout);
	printf("card%d (%s) shrinker, every %.1f s%s\n", c->dev->card, c->dev->driver,
	       c->o->interval_val, c->o->count_val ? "" : " (Ctrl-C to stop)");
	print_stats_text(cur, prev, dt);
	fflush(stdout);
}

static int cmd_watch(struct ctx *c)
{
	struct kv_table a = { .n = 0 }, b = { .n = 0 }, *cur = &a;
	double interval = c->o->interval_val, t0;
	uint64_t count = c->o->count_val, n;
	int ret;

	ret = load_kv(c, "stats", cur);
	if (ret)
		return ret;
	t0 = now();
	watch_show(c, cur, NULL, 0);
	for (n = 1; !count || n < count; n++) {
		struct timespec ts = {
			.tv_sec = (time_t)interval,
			.tv_nsec = (long)((interval - (time_t)interval) * 1e9),
		};
		const struct kv_table *prev = cur;
		double t1;

		nanosleep(&ts, NULL);
		cur = cur == &a ? &b : &a;
		ret = load_kv(c, "stats", cur);
		if (ret)
			return ret;
		t1 = now();
		watch_show(c, cur, prev, t1 - t0);
		t0 = t1;
	}
	return 0;
}

/* ---- bos ---- */

struct bo_list {
	struct xs_bo *bos;
	size_t n;
};

static const char *sort_key = "id";

static int cmp_bo(const void *pa, const void *pb)
{
	const struct xs_bo *a = pa, *b = pb;

	if (!strcmp(sort_key, "size") && a->size != b->size)
		return a->size < b->size ? 1 : -1;	/* largest first */
	if (!strcmp(sort_key, "pid") && a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (!strcmp(sort_key, "state")) {
		int r = strcmp(a->state, b->state);

		if (r)
			return r;
	}
	return a->id < b->id ? -1 : a->id > b->id;
}

static bool bo_wanted(const struct opts *o, const struct xs_bo *bo, uint64_t pid)
{
	return (!o->state || !strcmp(o->state, bo->state)) &&
	       (!o->madvise || !strcmp(o->madvise, bo->madvise)) &&
	       (!o->placement || !strcmp(o->placement, bo->placement)) &&
	       (!o->pid || (uint64_t)bo->pid == pid);
}

static const char *tristate(int8_t v, const char *yes, const char *no)
{
	return v < 0 ? "-" : v ? yes : no;
}

static int cmd_bos(struct ctx *c)
{
	uint64_t pid = c->o->pid_val, limit = c->o->limit_val;
	struct bo_list l = { NULL, 0 };
	char *text, *p, h[32];
	const size_t size = 16 << 20;
	size_t i, shown = 0;
	int ret = 0, bad = 0;

	if (c->o->sort)
		sort_key = c->o->sort;
	text = malloc(size);
	if (!text)
		return fail(EXIT_KERNEL, "out of memory");
	ret = read_node(c, "bos", text, size);
	if (ret)
		goto out;
	for (p = text; *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct xs_bo bo;
		int r = len ? xs_parse_bo(p, len, &bo) : 1;

		if (r < 0) {
			bad++;
		} else if (!r && bo_wanted(c->o, &bo, pid)) {
			struct xs_bo *nb = realloc(l.bos, (l.n + 1) * sizeof(*nb));

			if (!nb) {
				ret = fail(EXIT_KERNEL, "out of memory");
				goto out;
			}
			l.bos = nb;
			l.bos[l.n++] = bo;
		}
		p += len + (nl ? 1 : 0);
	}
	if (bad)
		fprintf(stderr, "%s: warning: %d lines of %s/bos not understood\n", prog, bad,
			c->dev->debugfs);
	if (l.n)
		qsort(l.bos, l.n, sizeof(*l.bos), cmp_bo);

	if (c->o->json) {
		struct xs_json j;

		xs_json_init(&j, stdout);
		xs_json_open(&j, NULL, '[');
		for (i = 0; i < l.n && shown < limit; i++, shown++) {
			const struct xs_bo *bo = &l.bos[i];

			xs_json_open(&j, NULL, '{');
			xs_json_uint(&j, "id", bo->id);
			xs_json_uint(&j, "size", bo->size);
			xs_json_str(&j, "placement", bo->placement);
			xs_json_str(&j, "state", bo->state);
			xs_json_str(&j, "madvise", bo->madvise);
			if (bo->pinned < 0)
				xs_json_null(&j, "pinned");
			else
				xs_json_bool(&j, "pinned", bo->pinned);
			if (bo->busy < 0)
				xs_json_null(&j, "busy");
			else
				xs_json_bool(&j, "busy", bo->busy);
			xs_json_int(&j, "pid", bo->pid);
			xs_json_str(&j, "comm", bo->comm);
			xs_json_close(&j, '}');
		}
		xs_json_close(&j, ']');
	} else {
		uint64_t total = 0;

		printf("%8s %12s %-9s %-10s %-9s %-8s %-5s %7s %s\n", "ID", "SIZE", "PLACEMENT",
		       "STATE", "MADVISE", "PINNED", "BUSY", "PID", "COMM");
		for (i = 0; i < l.n && shown < limit; i++, shown++) {
			const struct xs_bo *bo = &l.bos[i];

			total += bo->size;
			printf("%8u %12s %-9s %-10s %-9s %-8s %-5s %7d %s\n", bo->id,
			       human(bo->size, h, sizeof(h)), bo->placement, bo->state, bo->madvise,
			       tristate(bo->pinned, "pinned", "no"), tristate(bo->busy, "busy", "idle"),
			       bo->pid, bo->comm);
		}
		printf("%zu BOs, %s\n", shown, human(total, h, sizeof(h)));
	}
out:
	free(l.bos);
	free(text);
	return ret;
}

/* ---- purgeable ---- */

static int cmd_purgeable(struct ctx *c)
{
	char path[PATH_MAX + 16], line[64], what[64];
	uint64_t id = c->o->id;
	int ret;

	snprintf(path, sizeof(path), "%s/purgeable", c->dev->debugfs);
	snprintf(line, sizeof(line), "%llu %s", (unsigned long long)id, c->o->advice);
	snprintf(what, sizeof(what), "BO %llu", (unsigned long long)id);
	ret = write_node(c, path, line, what);
	if (ret)
		return ret;
	if (c->o->json) {
		struct xs_json j;

		json_device(&j, c);
		xs_json_uint(&j, "id", id);
		xs_json_str(&j, "madvise", c->o->advice);
		xs_json_close(&j, '}');
	} else {
		printf("card%d: BO %llu is %s\n", c->dev->card, (unsigned long long)id, c->o->advice);
	}
	return 0;
}

/* ---- threshold ---- */

static int cmd_threshold(struct ctx *c)
{
	char text[64];
	uint64_t val;
	ssize_t n;

	if (access(c->dev->threshold, F_OK))
		return fail(EXIT_NODEV, "card%d (%s) has no svm_migrate_threshold (%s)",
			    c->dev->card, c->dev->driver, c->dev->threshold);
	if (c->o->have_size) {
		char num[32];
		int ret;

		snprintf(num, sizeof(num), "%llu", (unsigned long long)c->o->size);
		ret = write_text(c->dev->threshold, num);
		if (ret == 1)
			return fail_access(errno, c->dev->threshold);
		if (ret == -EINVAL)
			return fail(EXIT_KERNEL, "the kernel rejected %s: the threshold must be a power of two from the page size to 2M",
				    num);
		if (ret)
			return fail(EXIT_KERNEL, "setting the threshold failed: %s", strerror(-ret));
	}
	n = read_text(c->dev->threshold, text, sizeof(text));
	if (n < 0)
		return fail_access((int)-n, c->dev->threshold);
	text[strcspn(text, "\n")] = '\0';
	if (xs_parse_uint(text, UINT64_MAX, &val))
		return fail(EXIT_KERNEL, "%s: unexpected contents '%s'", c->dev->threshold, text);
	if (c->o->json) {
		struct xs_json j;

		json_device(&j, c);
		xs_json_uint(&j, "svm_migrate_threshold", val);
		xs_json_close(&j, '}');
	} else {
		char h[32];

		printf("card%d svm_migrate_threshold: %llu (%s)\n", c->dev->card,
		       (unsigned long long)val, human(val, h, sizeof(h)));
	}
	return 0;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  list                          DRM devices and their shrinker nodes\n"
		"  stats                         shrinker statistics\n"
		"  shrink --bytes SIZE           reclaim SIZE (4096, 64K, 512M, 2G) now\n"
		"  bos [--sort id|size|pid|state] [--state S] [--madvise M]\n"
		"      [--placement P] [--pid PID] [--limit N]\n"
		"                                buffer objects\n"
		"  purgeable ID dontneed|willneed\n"
		"                                mark a BO purgeable, or needed again\n"
		"  threshold [SIZE]              read or set the SVM migration threshold\n"
		"  watch [-i SECONDS] [-n COUNT] live stats with rates\n"
		"\n"
		"Options:\n"
		"  -d, --device CARD   card number or /dev/dri/cardN (default: the first\n"
		"                      device with shrinker nodes)\n"
		"  -j, --json          JSON output\n"
		"  -r, --root DIR      run against a tree under DIR (also XE_SHRINKCTL_ROOT)\n"
		"  -h, --help          this help\n"
		"  -V, --version       the version\n"
		"\n"
		"Exit status: 0 ok, 1 kernel error, 2 usage, 3 no such device or node,\n"
		"4 permission denied. See xe-shrinkctl(8).\n", prog);
}

static int size_arg(const char *s, uint64_t *bytes, const char *hint)
{
	int ret = xs_parse_size(s, bytes);

	if (ret == -ERANGE)
		return fail(EXIT_USAGE, "size '%s' is too large", s);
	if (ret)
		return fail(EXIT_USAGE, "bad size '%s': %s", s, hint);
	return 0;
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return true;
	return false;
}

/*
 * Check the command line before any device is looked at, so that usage
 * errors are reported as such on any machine.
 */
static int check_args(const char *cmd, struct opts *o, int argc, char **argv)
{
	static const char *const sorts[] = { "id", "size", "pid", "state" };
	static const char *const states[] = {
		"resident", "backed_up", "partial", "purged", "locked",
	};
	static const char *const madvs[] = { "willneed", "dontneed" };
	char *end;
	int ret;

	o->limit_val = UINT64_MAX;
	o->interval_val = 1;
	if (!strcmp(cmd, "shrink")) {
		if (!o->bytes)
			return fail(EXIT_USAGE, "shrink needs --bytes SIZE (e.g. --bytes 512M)");
		ret = size_arg(o->bytes, &o->size,
			       "use a positive number with an optional K, M, G or T suffix");
		if (ret)
			return ret;
	} else if (!strcmp(cmd, "purgeable")) {
		if (argc != 2)
			return fail(EXIT_USAGE, "usage: purgeable ID dontneed|willneed");
		if (xs_parse_uint(argv[0], UINT32_MAX, &o->id))
			return fail(EXIT_USAGE, "bad BO id '%s': a number from '%s bos'", argv[0], prog);
		if (!one_of(argv[1], madvs, 2))
			return fail(EXIT_USAGE, "bad advice '%s': dontneed or willneed", argv[1]);
		o->advice = argv[1];
	} else if (!strcmp(cmd, "threshold")) {
		if (argc > 1)
			return fail(EXIT_USAGE, "usage: threshold [SIZE]");
		if (argc == 1) {
			ret = size_arg(argv[0], &o->size, "a power of two from 4K to 2M, e.g. 64K");
			if (ret)
				return ret;
			o->have_size = true;
		}
	} else if (argc) {
		return fail(EXIT_USAGE, "'%s' takes no argument '%s'", cmd, argv[0]);
	}

	if (o->sort && !one_of(o->sort, sorts, 4))
		return fail(EXIT_USAGE, "bad --sort '%s': id, size, pid or state", o->sort);
	if (o->state && !one_of(o->state, states, 5))
		return fail(EXIT_USAGE, "bad --state '%s': resident, backed_up, partial, purged or locked",
			    o->state);
	if (o->madvise && !one_of(o->madvise, madvs, 2))
		return fail(EXIT_USAGE, "bad --madvise '%s': willneed or dontneed", o->madvise);
	if (o->pid && xs_parse_uint(o->pid, INT32_MAX, &o->pid_val))
		return fail(EXIT_USAGE, "bad --pid '%s'", o->pid);
	if (o->limit && xs_parse_uint(o->limit, UINT32_MAX, &o->limit_val))
		return fail(EXIT_USAGE, "bad --limit '%s'", o->limit);
	if (o->interval) {
		errno = 0;
		o->interval_val = strtod(o->interval, &end);
		if (errno || end == o->interval || *end ||
		    !(o->interval_val >= 0.1 && o->interval_val <= 3600))
			return fail(EXIT_USAGE, "bad interval '%s': seconds from 0.1 to 3600",
				    o->interval);
	}
	if (o->count && (xs_parse_uint(o->count, UINT32_MAX, &o->count_val) || !o->count_val))
		return fail(EXIT_USAGE, "bad count '%s': a positive number of samples", o->count);
	return 0;
}

/* Which command takes which of the per-command options. */
static int check_opts(const char *cmd, const struct opts *o)
{
	const struct { const char *name; const char *val; const char *cmd; } only[] = {
		{ "--bytes", o->bytes, "shrink" },
		{ "--sort", o->sort, "bos" },
		{ "--state", o->state, "bos" },
		{ "--madvise", o->madvise, "bos" },
		{ "--placement", o->placement, "bos" },
		{ "--pid", o->pid, "bos" },
		{ "--limit", o->limit, "bos" },
		{ "--interval", o->interval, "watch" },
		{ "--count", o->count, "watch" },
	};

	for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
		if (only[i].val && strcmp(cmd, only[i].cmd))
			return fail(EXIT_USAGE, "%s is an option of '%s', not of '%s'",
				    only[i].name, only[i].cmd, cmd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "sort", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "madvise", required_argument, NULL, 'm' },
		{ "placement", required_argument, NULL, 'P' },
		{ "pid", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .root = getenv("XE_SHRINKCTL_ROOT") };
	struct ctx c = { .o = &o };
	const char *cmd;
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "d:jr:hVb:i:n:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': o.device = optarg; break;
		case 'j': o.json = true; break;
		case 'r': o.root = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("%s %s\n", prog, XS_VERSION); return 0;
		case 'b': o.bytes = optarg; break;
		case 's': o.sort = optarg; break;
		case 'S': o.state = optarg; break;
		case 'm': o.madvise = optarg; break;
		case 'P': o.placement = optarg; break;
		case 'p': o.pid = optarg; break;
		case 'l': o.limit = optarg; break;
		case 'i': o.interval = optarg; break;
		case 'n': o.count = optarg; break;
		default:
			if (optopt)
				return fail(EXIT_USAGE, "option -%c needs an argument or is unknown; see --help",
					    optopt);
			return fail(EXIT_USAGE, "unknown option '%s'; see --help", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return fail(EXIT_USAGE, "no command; see --help");
	cmd = argv[optind++];
	if (!o.root)
		o.root = "";
	if (strcmp(cmd, "list") && strcmp(cmd, "stats") && strcmp(cmd, "shrink") &&
	    strcmp(cmd, "bos") && strcmp(cmd, "purgeable") && strcmp(cmd, "threshold") &&
	    strcmp(cmd, "watch"))
		return fail(EXIT_USAGE, "unknown command '%s'; see --help", cmd);
	ret = check_opts(cmd, &o);
	if (!ret)
		ret = check_args(cmd, &o, argc - optind, argv + optind);
	if (ret)
		return ret;

	c.nr = xs_devices(o.root, &c.devs);
	if (c.nr < 0)
		return fail_access(-c.nr, *o.root ? o.root : "/dev/dri");

	if (!strcmp(cmd, "list")) {
		ret = cmd_list(&c);
		goto out;
	}
	/* the threshold is in sysfs: default to the first card that has it */
	if (!strcmp(cmd, "threshold") && !o.device)
		for (int i = 0; i < c.nr && !c.dev; i++)
			if (!access(c.devs[i].threshold, F_OK))
				c.dev = &c.devs[i];
	ret = c.dev ? 0 : pick(&c);
	if (ret)
		goto out;
	if (!strcmp(cmd, "stats"))
		ret = cmd_stats(&c);
	else if (!strcmp(cmd, "shrink"))
		ret = cmd_shrink(&c);
	else if (!strcmp(cmd, "bos"))
		ret = cmd_bos(&c);
	else if (!strcmp(cmd, "purgeable"))
		ret = cmd_purgeable(&c);
	else if (!strcmp(cmd, "threshold"))
		ret = cmd_threshold(&c);
	else
		ret = cmd_watch(&c);
out:
	free(c.devs);
	return ret;
}
