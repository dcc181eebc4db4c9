// SPDX-License-Identifier: GPL-2.0
/*
 * stats, watch and top: samples of the stats node of one device or of all
 * (-a). Gauges (what is there now: shrinkable_bytes, purgeable_bytes,
 * backed_up_bytes, pinned_bytes, and high-water marks such as scan_ns_max)
 * are shown as values; counters also as rates per second between samples.
 * top adds the device's DRM clients.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xs.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static bool is_gauge(const char *key)
{
	static const char *const gauges[] = {
		"shrinkable_bytes", "purgeable_bytes", "backed_up_bytes", "pinned_bytes",
	};

	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++)
		if (!strcmp(key, gauges[i]))
			return true;
	return ends_with(key, "_max");
}

/* One device's stats now and at the sample before. */
struct sample {
	const struct xs_device *dev;
	struct kv_table t[2];
	int cur;		/* index of the current table in t */
	bool have_prev;
};

/*
 * The rate per second of counter @kv since @prev over @dt seconds. Return:
 * false for gauges, values that are not numbers, and counters that went
 * down (reset): those have no rate.
 */
static bool rate_of(const struct xs_kv *kv, const struct kv_table *prev, double dt,
		    double *rate, bool *reset)
{
	const struct xs_kv *p = prev ? xs_find_kv(prev, kv->key) : NULL;

	*reset = false;
	if (!p || is_gauge(kv->key) || !kv->is_num || !p->is_num || dt <= 0)
		return false;
	if (kv->num < p->num) {
		*reset = true;
		return false;
	}
	*rate = (double)(kv->num - p->num) / dt;
	return true;
}

static void sample_json(struct json_object *o, const struct sample *s, double dt)
{
	const struct kv_table *t = &s->t[s->cur];
	const struct kv_table *prev = s->have_prev ? &s->t[!s->cur] : NULL;
	struct json_object *stats = xs_jobj(o, "stats"), *rates;
	double rate;
	bool reset;
	int i;

	for (i = 0; i < t->n; i++) {
		if (t->kv[i].is_num)
			xs_ji64(stats, t->kv[i].key, t->kv[i].num);
		else
			xs_jnull(stats, t->kv[i].key);
	}
	if (!prev)
		return;
	rates = xs_jobj(o, "rates_per_s");
	for (i = 0; i < t->n; i++) {
		if (rate_of(&t->kv[i], prev, dt, &rate, &reset))
			xs_jnum(rates, t->kv[i].key, rate, 1);
		else if (reset || (!is_gauge(t->kv[i].key) && xs_find_kv(prev, t->kv[i].key)))
			xs_jnull(rates, t->kv[i].key);
	}
}

/* A key's value for people: sizes, and nanoseconds as milliseconds. */
static const char *readable(const struct xs_kv *kv, double v, char *buf, size_t size)
{
	*buf = '\0';
	if (!kv->is_num || v < 0)
		return buf;
	if (ends_with(kv->key, "_bytes"))
		xs_format_size((uint64_t)v, buf, size);
	else if (strstr(kv->key, "_ns"))
		snprintf(buf, size, "%.3f ms", v / 1e6);
	return buf;
}

static void sample_text(const struct sample *s, double dt)
{
	const struct kv_table *t = &s->t[s->cur];
	const struct kv_table *prev = s->have_prev ? &s->t[!s->cur] : NULL;
	int width = 18;

	/* the columns line up however long a key the kernel adds */
	for (int i = 0; i < t->n; i++)
		if ((int)strlen(t->kv[i].key) > width)
			width = (int)strlen(t->kv[i].key);
	for (int i = 0; i < t->n; i++) {
		const struct xs_kv *kv = &t->kv[i];
		char h[32], r[40] = "";
		double rate;
		bool reset;

		readable(kv, (double)kv->num, h, sizeof(h));
		if (rate_of(kv, prev, dt, &rate, &reset)) {
			if (readable(kv, rate, r, sizeof(r) - 2)[0])
				strcat(r, "/s");
			else
				snprintf(r, sizeof(r), "%.1f/s", rate);
		} else if (reset) {
			snprintf(r, sizeof(r), "- (reset)");
		}
		printf("%-*s %16s", width, kv->key, kv->val);
		if (*r)
			printf("  %12s  %14s", h, r);
		else if (*h)
			printf("  %12s", h);
		putchar('\n');
	}
}

/*
 * The devices the command is about: the chosen one, or with -a every one
 * with a stats node. Return: 0 or the exit code, the error reported.
 */
static int samples_for(struct ctx *c, struct sample **out, int *n)
{
	struct sample *s = calloc((size_t)(c->nr ? c->nr : 1), sizeof(*s));
	bool denied = false;

	*n = 0;
	if (!s)
		return xs_fail(EXIT_KERNEL, ENOMEM, "out of memory");
	if (!(c->o->given & OPT_ALL_DEVICES)) {
		s[(*n)++].dev = c->dev;
	} else {
		for (int i = 0; i < c->nr; i++) {
			int p = xs_node_present(&c->devs[i], "stats");

			denied |= p == -EACCES;
			if (p > 0)
				s[(*n)++].dev = &c->devs[i];
		}
	}
	if (!*n) {
		free(s);
		if (denied)
			return xs_fail(EXIT_PERM, EACCES, "cannot look into debugfs: run as root");
		return xs_fail(EXIT_NODEV, ENOENT, "no DRM device has the shrinker nodes (see '%s list')",
			       xs_prog);
	}
	*out = s;
	return 0;
}

/* Read every device's stats into the next table. */
static int take(const struct ctx *c, struct sample *s, int n, bool first)
{
	for (int i = 0; i < n; i++) {
		int ret;

		if (!first) {
			s[i].cur = !s[i].cur;
			s[i].have_prev = true;
		}
		xs_out_device(s[i].dev);
		ret = xs_load_kv(c, s[i].dev, "stats", &s[i].t[s[i].cur]);
		if (ret)
			return ret;
	}
	xs_out_device(n == 1 ? s[0].dev : NULL);
	return 0;
}

/* The clients of @dev into @o (JSON) or as a table. */
static int show_clients(const struct ctx *c, const struct xs_device *dev,
			struct json_object *o)
{
	struct xs_client *cl = NULL;
	int n = xs_clients(c->o->root, dev->card, &cl);

	if (n < 0)
		return xs_fail(EXIT_KERNEL, -n, "reading the clients failed: %s", strerror(-n));
	if (o) {
		xs_clients_json(o, cl, n);
	} else {
		putchar('\n');
		xs_clients_text(cl, n);
	}
	free(cl);
	return 0;
}

/* Show one sample of every device. */
static int show(const struct ctx *c, const struct sample *s, int n, double wall, double dt,
		bool watching)
{
	bool all = c->o->given & OPT_ALL_DEVICES;
	char when[32];
	int ret;

	if (xs_json()) {
		struct json_object *doc = xs_doc(all ? NULL : s[0].dev), *devs = NULL;

		xs_jnum(doc, "timestamp", wall, 3);
		if (s[0].have_prev)
			xs_jnum(doc, "interval_s", dt, 6);
		if (all)
			devs = xs_jarr(doc, "devices");
		for (int i = 0; i < n; i++) {
			struct json_object *o = doc;

			if (all) {
				o = xs_jobj(devs, NULL);
				xs_jstr(o, "card", s[i].dev->name);
				xs_jstr(o, "driver", s[i].dev->driver);
			}
			sample_json(o, &s[i], dt);
			if (c->o->top) {
				ret = show_clients(c, s[i].dev, o);
				if (ret) {
					json_object_put(doc);
					return ret;
				}
			}
		}
		xs_emit(doc);
		return 0;
	}
	xs_wall_text(wall, when, sizeof(when));
	if (watching) {
		if (isatty(STDOUT_FILENO))
			fputs("\033[H\033[J", stdout);
		printf("%s, every %.1f s%s\n", when, c->o->interval_val,
		       c->o->count_val ? "" : " (Ctrl-C to stop)");
	}
	for (int i = 0; i < n; i++) {
		if (i || watching)
			putchar('\n');
		printf("%s (%s) shrinker stats%s%s\n", s[i].dev->name, s[i].dev->driver,
		       watching ? "" : ", ", watching ? "" : when);
		sample_text(&s[i], dt);
		if (c->o->top) {
			ret = show_clients(c, s[i].dev, NULL);
			if (ret)
				return ret;
		}
	}
	fflush(stdout);
	return 0;
}

int cmd_stats(struct ctx *c)
{
	struct sample *s;
	int n, ret = samples_for(c, &s, &n);

	if (ret)
		return ret;
	ret = take(c, s, n, true);
	if (!ret)
		ret = show(c, s, n, xs_wall_time(), 0, false);
	free(s);
	return ret;
}

int cmd_watch(struct ctx *c)
{
	double interval = c->o->interval_val, t0;
	uint64_t count = c->o->count_val, k;
	struct sample *s;
	int n, ret = samples_for(c, &s, &n);

	if (ret)
		return ret;
	ret = take(c, s, n, true);
	t0 = xs_mono_time();
	if (!ret)
		ret = show(c, s, n, xs_wall_time(), 0, true);
	for (k = 1; !ret && (!count || k < count); k++) {
		struct timespec ts = {
			.tv_sec = (time_t)interval,
			.tv_nsec = (long)((interval - (double)(time_t)interval) * 1e9),
		};
		double t1;

		nanosleep(&ts, NULL);
		ret = take(c, s, n, false);
		t1 = xs_mono_time();
		if (!ret)
			ret = show(c, s, n, xs_wall_time(), t1 - t0, true);
		t0 = t1;
	}
	free(s);
	return ret;
}
