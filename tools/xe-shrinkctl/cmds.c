// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that read or write a node once: list, shrink and purge,
 * bos, purgeable, threshold.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xs.h"

/* Read the card's threshold attribute. Return: 0, or -errno. */
static int read_threshold(const struct xs_device *d, uint64_t *val)
{
	char text[64];
	ssize_t n = xs_read_text(d->threshold, text, sizeof(text));

	if (n < 0)
		return (int)n;
	text[strcspn(text, "\n")] = '\0';
	return xs_parse_uint(text, UINT64_MAX, val);
}

/* ---- list ---- */

static void list_json(struct ctx *c)
{
	struct json_object *doc = xs_doc(NULL), *devs = xs_jarr(doc, "devices");

	for (int i = 0; i < c->nr; i++) {
		const struct xs_device *d = &c->devs[i];
		struct json_object *o = xs_jobj(devs, NULL), *nodes = NULL;
		uint64_t threshold;

		xs_jstr(o, "card", d->name);
		xs_ju64(o, "minor", (uint64_t)d->card);
		xs_jstr(o, "node", d->node);
		xs_jstr(o, "driver", d->driver);
		xs_jstr(o, "bus", d->bus);
		xs_jstr(o, "debugfs", d->debugfs);
		if (read_threshold(d, &threshold))
			xs_jnull(o, "svm_migrate_threshold");
		else
			xs_ju64(o, "svm_migrate_threshold", threshold);
		/* the nodes there are; null when debugfs cannot be looked into */
		for (int k = 0; k < 4; k++) {
			int p = xs_node_present(d, xs_nodes[k]);

			if (p < 0) {
				json_object_put(nodes);
				nodes = NULL;
				break;
			}
			if (!nodes)
				nodes = json_object_new_array();
			if (p)
				xs_jstr(nodes, NULL, xs_nodes[k]);
		}
		json_object_object_add(o, "nodes", nodes);
	}
	xs_emit(doc);
}

int cmd_list(struct ctx *c)
{
	if (xs_json()) {
		list_json(c);
		return 0;
	}
	printf("%-6s %-10s %-22s %-9s %s\n", "CARD", "DRIVER", "BUS", "THRESHOLD",
	       "SHRINKER NODES");
	for (int i = 0; i < c->nr; i++) {
		const struct xs_device *d = &c->devs[i];
		char nodes[64] = "";
		bool denied = false;

		for (int k = 0; k < 4; k++) {
			int p = xs_node_present(d, xs_nodes[k]);

			denied |= p == -EACCES;
			if (p > 0) {
				strcat(nodes, *nodes ? "," : "");
				strcat(nodes, xs_nodes[k]);
			}
		}
		printf("%-6s %-10s %-22s %-9s %s\n", d->name, d->driver, d->bus,
		       access(d->threshold, F_OK) ? "no" : "yes",
		       denied ? "(no access: run as root)" : *nodes ? nodes : "none");
	}
	return 0;
}

/* ---- shrink and purge ---- */

static const char *const shrink_keys[] = {
	"requested_bytes", "freed_bytes", "purged_bytes", "backed_up_bytes",
	"scanned_bos", "skipped_locked", "skipped_busy", "duration_ns", "status",
};

#define NR_SHRINK_KEYS (sizeof(shrink_keys) / sizeof(shrink_keys[0]))

/* Write to a node; a failed write is the kernel's answer. */
static int write_node(const struct ctx *c, const char *path, const char *s, const char *what,
		      const char *hint)
{
	int ret = xs_write_text(path, s);

	if (ret == 1)
		return xs_fail_access(c->o->root, errno, path, true);
	if (ret == -EINVAL)
		return xs_fail(EXIT_KERNEL, -ret, "the kernel rejected %s: %s%s", what,
			       strerror(-ret), hint);
	if (ret == -ENOENT)
		return xs_fail(EXIT_KERNEL, -ret, "%s: no such BO on %s (see '%s bos')",
			       what, c->dev->name, xs_prog);
	if (ret)
		return xs_fail(EXIT_KERNEL, -ret, "%s failed: %s", what, strerror(-ret));
	return 0;
}

static void shrink_text(const struct ctx *c, const struct kv_table *t, const char *request)
{
	char h[32];

	printf("%s (%s): %s\n", c->dev->name, c->dev->driver, request);
	for (size_t i = 0; i < NR_SHRINK_KEYS; i++) {
		const struct xs_kv *kv = xs_find_kv(t, shrink_keys[i]);

		if (!kv)
			continue;
		if (strstr(kv->key, "_bytes") && kv->is_num && kv->num >= 0)
			printf("  %-16s %14lld  %s\n", kv->key, (long long)kv->num,
			       xs_format_size((uint64_t)kv->num, h, sizeof(h)));
		else if (!strcmp(kv->key, "duration_ns") && kv->is_num)
			printf("  %-16s %14lld  %.3f ms\n", kv->key, (long long)kv->num,
			       (double)kv->num / 1e6);
		else
			printf("  %-16s %14s\n", kv->key, kv->val);
	}
}

/* shrink --bytes SIZE, shrink --all, and purge: a write, then the result. */
int cmd_shrink(struct ctx *c)
{
	char path[PATH_MAX + 16], num[32], what[64], request[64], h[32];
	const char *kw = c->o->keyword;
	struct kv_table t;
	int ret;

	snprintf(path, sizeof(path), "%s/shrink", c->dev->debugfs);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)c->o->size);
	if (kw && !strcmp(kw, "purge")) {
		snprintf(what, sizeof(what), "purge");
		snprintf(request, sizeof(request), "purge");
	} else if (kw) {
		snprintf(what, sizeof(what), "shrink all");
		snprintf(request, sizeof(request), "shrink all");
	} else {
		snprintf(what, sizeof(what), "shrink of %s bytes", num);
		snprintf(request, sizeof(request), "shrink %s",
			 xs_format_size(c->o->size, h, sizeof(h)));
	}
	ret = write_node(c, path, kw ? kw : num, what,
			 kw ? " (a kernel without this keyword of the shrink node?)" : "");
	if (ret)
		return ret;
	ret = xs_load_kv(c, c->dev, "shrink", &t);
	if (ret)
		return ret;

	if (xs_json()) {
		struct json_object *doc = xs_doc(c->dev);

		xs_jstr(doc, "request", kw ? kw : num);
		for (size_t i = 0; i < NR_SHRINK_KEYS; i++) {
			const struct xs_kv *kv = xs_find_kv(&t, shrink_keys[i]);

			if (kv && kv->is_num)
				xs_ji64(doc, shrink_keys[i], kv->num);
			else
				xs_jnull(doc, shrink_keys[i]);
		}
		xs_emit(doc);
	} else {
		shrink_text(c, &t, request);
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

static bool bo_wanted(const struct opts *o, const struct xs_bo *bo)
{
	return (!o->state || !strcmp(o->state, bo->state)) &&
	       (!o->madvise || !strcmp(o->madvise, bo->madvise)) &&
	       (!o->placement || !strcmp(o->placement, bo->placement)) &&
	       (!o->pid || (uint64_t)bo->pid == o->pid_val);
}

/*
 * The BOs of the bos node that the options select, sorted. On failure the
 * error is reported. Return: 0 or the exit code.
 */
static int load_bos(const struct ctx *c, struct bo_list *l, bool filter)
{
	const size_t size = 16 << 20;
	char *text = malloc(size), *p;
	int ret, bad = 0;

	l->bos = NULL;
	l->n = 0;
	if (!text)
		return xs_fail(EXIT_KERNEL, ENOMEM, "out of memory");
	ret = xs_read_node(c, c->dev, "bos", text, size);
	for (p = text; !ret && *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct xs_bo bo;
		int r = len ? xs_parse_bo(p, len, &bo) : 1;

		if (r < 0) {
			bad++;
		} else if (!r && (!filter || bo_wanted(c->o, &bo))) {
			struct xs_bo *nb = realloc(l->bos, (l->n + 1) * sizeof(*nb));

			if (!nb) {
				ret = xs_fail(EXIT_KERNEL, ENOMEM, "out of memory");
				break;
			}
			l->bos = nb;
			l->bos[l->n++] = bo;
		}
		p += len + (nl ? 1 : 0);
	}
	free(text);
	if (ret) {
		free(l->bos);
		l->bos = NULL;
		return ret;
	}
	if (bad)
		fprintf(stderr, "%s: warning: %d lines of %s/bos not understood\n", xs_prog, bad,
			c->dev->debugfs);
	if (l->n)
		qsort(l->bos, l->n, sizeof(*l->bos), cmp_bo);
	return 0;
}

static const char *tristate(int8_t v, const char *yes, const char *no)
{
	return v < 0 ? "-" : v ? yes : no;
}

int cmd_bos(struct ctx *c)
{
	uint64_t limit = c->o->limit_val, total = 0;
	struct bo_list l;
	size_t i, shown;
	int ret;

	if (c->o->sort)
		sort_key = c->o->sort;
	ret = load_bos(c, &l, true);
	if (ret)
		return ret;
	shown = l.n < limit ? l.n : (size_t)limit;
	for (i = 0; i < shown; i++)
		total += l.bos[i].size;

	if (xs_json()) {
		struct json_object *doc = xs_doc(c->dev), *arr;

		xs_ju64(doc, "count", shown);
		xs_ju64(doc, "total_bytes", total);
		arr = xs_jarr(doc, "bos");
		for (i = 0; i < shown; i++) {
			const struct xs_bo *bo = &l.bos[i];
			struct json_object *o = xs_jobj(arr, NULL);

			xs_ju64(o, "id", bo->id);
			xs_ju64(o, "size", bo->size);
			xs_jstr(o, "placement", bo->placement);
			xs_jstr(o, "state", bo->state);
			xs_jstr(o, "madvise", bo->madvise);
			xs_jtri(o, "pinned", bo->pinned);
			xs_jtri(o, "busy", bo->busy);
			xs_ji64(o, "pid", bo->pid);
			xs_jstr(o, "comm", bo->comm);
		}
		xs_emit(doc);
	} else {
		char h[32], n[32];

		printf("%8s %12s %-9s %-10s %-9s %-8s %-5s %7s %s\n", "ID", "SIZE", "PLACEMENT",
		       "STATE", "MADVISE", "PINNED", "BUSY", "PID", "COMM");
		for (i = 0; i < shown; i++) {
			const struct xs_bo *bo = &l.bos[i];
			char comm[sizeof(bo->comm)];

			xs_clean_utf8(bo->comm, strlen(bo->comm), comm, sizeof(comm), true);
			printf("%8u %12s %-9s %-10s %-9s %-8s %-5s %7d %s\n", bo->id,
			       xs_format_size(bo->size, h, sizeof(h)), bo->placement, bo->state,
			       bo->madvise, tristate(bo->pinned, "pinned", "no"),
			       tristate(bo->busy, "busy", "idle"), bo->pid, comm);
		}
		printf("%s, %s\n", xs_plural(shown, "BO", "BOs", n, sizeof(n)),
		       xs_format_size(total, h, sizeof(h)));
	}
	free(l.bos);
	return 0;
}

/* ---- purgeable ---- */

/* The parent and session of process @pid, from /proc. Return: 0 or -1. */
static int proc_parent(int pid, int *ppid, int *sid)
{
	char path[64], text[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (xs_read_text(path, text, sizeof(text)) < 0)
		return -1;
	/* "pid (comm) state ppid pgrp session ...": comm may hold anything */
	p = strrchr(text, ')');
	if (!p || sscanf(p + 1, " %*c %d %*d %d", ppid, sid) != 2)
		return -1;
	return 0;
}

/*
 * Whether a BO of process @pid is the caller's: @pid is xe-shrinkctl's
 * parent, or an ancestor of it within the same session (a program that
 * runs xe-shrinkctl through a shell). The session bound keeps out a
 * terminal or compositor that started the caller's shell.
 */
static bool callers(int pid)
{
	int p = getppid(), sid = getsid(0), up, up_up, up_sid, p_sid;

	if (pid <= 0)
		return false;
	if (pid == p || pid == getpid())
		return true;
	for (int i = 0; i < 64; i++) {
		if (proc_parent(p, &up, &p_sid) || up <= 1 ||
		    proc_parent(up, &up_up, &up_sid) || up_sid != sid)
			return false;
		if (up == pid)
			return true;
		p = up;
	}
	return false;
}

/* dontneed on another process's BO: only with --force. */
static int check_owner(const struct ctx *c, uint64_t id)
{
	struct bo_list l;
	int ret = load_bos(c, &l, false);

	if (ret)
		return ret;
	for (size_t i = 0; i < l.n; i++) {
		const struct xs_bo *bo = &l.bos[i];
		char comm[sizeof(bo->comm)];

		if (bo->id != id || callers(bo->pid))
			continue;
		xs_clean_utf8(bo->comm, strlen(bo->comm), comm, sizeof(comm), true);
		ret = xs_fail(EXIT_USAGE, 0,
			      "BO %llu belongs to pid %d (%s), not to the caller: a purge loses its contents; add --force",
			      (unsigned long long)id, bo->pid, comm);
		break;
	}
	free(l.bos);
	return ret;
}

int cmd_purgeable(struct ctx *c)
{
	char path[PATH_MAX + 16], line[64], what[64];
	uint64_t id = c->o->id;
	int ret;

	if (!strcmp(c->o->advice, "dontneed") && !(c->o->given & OPT_FORCE)) {
		ret = check_owner(c, id);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), "%s/purgeable", c->dev->debugfs);
	snprintf(line, sizeof(line), "%llu %s", (unsigned long long)id, c->o->advice);
	snprintf(what, sizeof(what), "BO %llu", (unsigned long long)id);
	ret = write_node(c, path, line, what, "");
	if (ret)
		return ret;
	if (xs_json()) {
		struct json_object *doc = xs_doc(c->dev);

		xs_ju64(doc, "id", id);
		xs_jstr(doc, "madvise", c->o->advice);
		xs_emit(doc);
	} else {
		printf("%s: BO %llu is %s\n", c->dev->name, (unsigned long long)id, c->o->advice);
	}
	return 0;
}

/* ---- threshold ---- */

int cmd_threshold(struct ctx *c)
{
	const char *path = c->dev->threshold;
	uint64_t val;
	int ret;

	if (access(path, F_OK))
		return xs_fail(EXIT_NODEV, errno, "%s (%s) has no svm_migrate_threshold (%s)",
			       c->dev->name, c->dev->driver, path);
	if (c->o->have_size) {
		char num[32];

		snprintf(num, sizeof(num), "%llu", (unsigned long long)c->o->size);
		ret = xs_write_text(path, num);
		if (ret == 1)
			return xs_fail_access(c->o->root, errno, path, true);
		if (ret == -EINVAL)
			return xs_fail(EXIT_KERNEL, -ret,
				       "the kernel rejected %s: the threshold must be a power of two from the page size to 2M",
				       num);
		if (ret)
			return xs_fail(EXIT_KERNEL, -ret, "setting the threshold failed: %s",
				       strerror(-ret));
	}
	ret = read_threshold(c->dev, &val);
	if (ret == -EINVAL)
		return xs_fail(EXIT_KERNEL, EINVAL, "%s: not a number", path);
	if (ret)
		return xs_fail_access(c->o->root, -ret, path, false);
	if (xs_json()) {
		struct json_object *doc = xs_doc(c->dev);

		xs_ju64(doc, "svm_migrate_threshold", val);
		xs_emit(doc);
	} else {
		char h[32];

		printf("%s svm_migrate_threshold: %llu (%s)\n", c->dev->name,
		       (unsigned long long)val, xs_format_size(val, h, sizeof(h)));
	}
	return 0;
}
