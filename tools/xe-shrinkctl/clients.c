// SPDX-License-Identifier: GPL-2.0
/*
 * clients: per DRM client, its memory per region from /proc/PID/fdinfo
 * (Documentation/gpu/drm-usage-stats.rst). A client is one open of a DRM
 * device (drm-client-id); dup() and fork() give it more fds, so clients
 * are counted once per card and client id. Only the processes the user may
 * look at are read: no root needed, and no debugfs (lockdown does not
 * matter).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xs.h"

/* The card of the DRM node fd @fd of process @pid points to, or -1. */
static int card_of_fd(const char *root, const char *pid, const char *fd)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/proc/%s/fd/%s", root, pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	if (!base || strncmp(target, "/dev/dri/", 9) || base != target + 8)
		return -1;
	return xs_card_of_node(root, base + 1);
}

static void read_comm(const char *root, const char *pid, char *comm, size_t size)
{
	char path[PATH_MAX], text[64];

	snprintf(path, sizeof(path), "%s/proc/%s/comm", root, pid);
	if (xs_read_text(path, text, sizeof(text)) <= 0) {
		snprintf(comm, size, "?");
		return;
	}
	text[strcspn(text, "\n")] = '\0';
	snprintf(comm, size, "%s", text);
}

struct scan {
	const char *root;
	int card;		/* only this card, if not negative */
	struct xs_client *cl;
	int n;
	int bad;		/* fdinfo files not understood */
};

/* Count fd @fd of process @pid in, if it is a DRM client of interest. */
static int add_fd(struct scan *s, const char *pid, const char *fd)
{
	char path[PATH_MAX], text[16384];
	struct xs_client *c = NULL, *nc;
	struct xs_fdinfo fi;
	uint64_t p;
	int card, i, ret;

	snprintf(path, sizeof(path), "%s/proc/%s/fdinfo/%s", s->root, pid, fd);
	if (xs_read_text(path, text, sizeof(text)) < 0)
		return 0;
	ret = xs_parse_fdinfo(text, strlen(text), &fi);
	if (ret) {
		s->bad += ret < 0;
		return 0;
	}
	card = card_of_fd(s->root, pid, fd);
	if (card < 0 || (s->card >= 0 && card != s->card) || xs_parse_uint(pid, INT32_MAX, &p))
		return 0;
	for (i = 0; i < s->n && !c; i++)
		if (s->cl[i].card == card && s->cl[i].client_id == fi.client_id)
			c = &s->cl[i];
	if (c) {
		c->fds++;
		if ((int)p < c->pid) {
			c->pid = (int)p;
			read_comm(s->root, pid, c->comm, sizeof(c->comm));
		}
		return 0;
	}
	nc = realloc(s->cl, (size_t)(s->n + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	s->cl = nc;
	c = &s->cl[s->n++];
	memset(c, 0, sizeof(*c));
	c->card = card;
	snprintf(c->driver, sizeof(c->driver), "%s", fi.driver);
	c->client_id = fi.client_id;
	c->pid = (int)p;
	read_comm(s->root, pid, c->comm, sizeof(c->comm));
	c->fds = 1;
	memcpy(c->regions, fi.regions, sizeof(c->regions));
	c->nr_regions = fi.nr_regions;
	return 0;
}

/* Every fd of process @pid; a process we may not look at is skipped. */
static int scan_process(struct scan *s, const char *pid)
{
	char path[PATH_MAX];
	struct dirent *e;
	int ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc/%s/fdinfo", s->root, pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (!ret && (e = readdir(d)))
		if (e->d_name[0] != '.')
			ret = add_fd(s, pid, e->d_name);
	closedir(d);
	return ret;
}

static int cmp_client(const void *pa, const void *pb)
{
	const struct xs_client *a = pa, *b = pb;

	if (a->card != b->card)
		return a->card < b->card ? -1 : 1;
	return a->client_id < b->client_id ? -1 : a->client_id > b->client_id;
}

int xs_clients(const char *root, int card, struct xs_client **out)
{
	struct scan s = { .root = root, .card = card };
	char path[PATH_MAX];
	int ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc", root);
	d = opendir(path);
	if (d) {
		struct dirent *e;

		while (!ret && (e = readdir(d)))
			if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
				ret = scan_process(&s, e->d_name);
		closedir(d);
	}
	if (ret) {
		free(s.cl);
		return ret;
	}
	if (s.bad)
		fprintf(stderr, "%s: warning: %d DRM fdinfo files not understood\n", xs_prog, s.bad);
	if (s.n)
		qsort(s.cl, (size_t)s.n, sizeof(*s.cl), cmp_client);
	*out = s.cl;
	return s.n;
}

static const char *const amount_keys[XS_NR_AMOUNTS] = {
	[XS_TOTAL] = "total_bytes", [XS_SHARED] = "shared_bytes",
	[XS_RESIDENT] = "resident_bytes", [XS_PURGEABLE] = "purgeable_bytes",
	[XS_BACKED_UP] = "backed_up_bytes",
};

void xs_clients_json(struct json_object *o, const struct xs_client *cl, int n)
{
	struct json_object *arr = xs_jarr(o, "clients");

	for (int i = 0; i < n; i++) {
		struct json_object *c = xs_jobj(arr, NULL), *regions;
		char card[16];

		snprintf(card, sizeof(card), "card%d", cl[i].card);
		xs_jstr(c, "card", card);
		xs_jstr(c, "driver", cl[i].driver);
		xs_ju64(c, "client_id", cl[i].client_id);
		xs_ji64(c, "pid", cl[i].pid);
		xs_jstr(c, "comm", cl[i].comm);
		xs_ji64(c, "fds", cl[i].fds);
		regions = xs_jobj(c, "regions");
		for (int r = 0; r < cl[i].nr_regions; r++) {
			const struct xs_region *reg = &cl[i].regions[r];
			struct json_object *ro = xs_jobj(regions, reg->name);

			for (int k = 0; k < XS_NR_AMOUNTS; k++) {
				if (reg->have[k])
					xs_ju64(ro, amount_keys[k], reg->bytes[k]);
				else
					xs_jnull(ro, amount_keys[k]);
			}
		}
	}
}

static const char *amount(const struct xs_region *r, int k, char *buf, size_t size)
{
	if (!r || !r->have[k])
		return "-";
	return xs_format_size(r->bytes[k], buf, size);
}

void xs_clients_text(const struct xs_client *cl, int n)
{
	char count[32];

	printf("%-6s %6s %7s %-10s %10s %10s %10s %10s %s\n", "CARD", "CLIENT", "PID", "REGION",
	       "TOTAL", "RESIDENT", "PURGEABLE", "BACKED_UP", "COMM");
	for (int i = 0; i < n; i++) {
		char comm[sizeof(cl[i].comm)], card[16];
		int r = 0;

		xs_clean_utf8(cl[i].comm, strlen(cl[i].comm), comm, sizeof(comm), true);
		snprintf(card, sizeof(card), "card%d", cl[i].card);
		do {
			const struct xs_region *reg = cl[i].nr_regions ? &cl[i].regions[r] : NULL;
			char t[32], res[32], pu[32], bu[32];

			printf("%-6s %6llu %7d %-10s %10s %10s %10s %10s %s\n", card,
			       (unsigned long long)cl[i].client_id, cl[i].pid,
			       reg ? reg->name : "-", amount(reg, XS_TOTAL, t, sizeof(t)),
			       amount(reg, XS_RESIDENT, res, sizeof(res)),
			       amount(reg, XS_PURGEABLE, pu, sizeof(pu)),
			       amount(reg, XS_BACKED_UP, bu, sizeof(bu)), comm);
		} while (++r < cl[i].nr_regions);
	}
	printf("%s\n", xs_plural((uint64_t)n, "client", "clients", count, sizeof(count)));
}

int cmd_clients(struct ctx *c)
{
	struct xs_client *cl = NULL;
	int n = xs_clients(c->o->root, c->dev ? c->dev->card : -1, &cl);

	if (n < 0)
		return xs_fail(EXIT_KERNEL, -n, "reading the clients failed: %s", strerror(-n));
	if (xs_json()) {
		struct json_object *doc = xs_doc(c->dev);

		xs_ju64(doc, "count", (uint64_t)n);
		xs_clients_json(doc, cl, n);
		xs_emit(doc);
	} else {
		xs_clients_text(cl, n);
	}
	free(cl);
	return 0;
}
