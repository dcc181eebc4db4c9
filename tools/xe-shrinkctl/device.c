// SPDX-License-Identifier: GPL-2.0
/*
 * Device discovery. The shrinker nodes live in debugfs under the DRM
 * minor's index, which for a primary node is the N of /dev/dri/cardN; the
 * SVM threshold is a sysfs attribute of the card's device. The driver and
 * the bus come from sysfs, which anyone may read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xf86drm.h>

#include "device.h"
#include "parse.h"

const char *const xs_nodes[4] = { "shrink", "stats", "bos", "purgeable" };

/* The card number of a "cardN" name, or -1. */
static int card_of(const char *name)
{
	uint64_t n;

	if (strncmp(name, "card", 4) || xs_parse_uint(name + 4, 4095, &n))
		return -1;
	return (int)n;
}

/* The last component of the target of symlink @path into @buf, or false. */
static bool link_base(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= size)
		return false;
	strcpy(buf, base);
	return true;
}

/* The target's name of link @what of the card's sysfs device. */
static bool sysfs_link(const char *root, int card, const char *what, char *buf, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sys/class/drm/card%d/device%s%s", root, card,
		 *what ? "/" : "", what);
	return link_base(path, buf, size);
}

/* First word of debugfs dri/N/name ("vttm dev=... unique=..."). */
static bool driver_from_debugfs(const char *root, int card, char buf[64])
{
	char path[PATH_MAX];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/sys/kernel/debug/dri/%d/name", root, card);
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fscanf(f, "%63s", buf) == 1;
	fclose(f);
	return ok;
}

/*
 * A platform device that no driver is bound to (vttm, vkms: the DRM driver
 * creates the device itself) has no driver link; its name, which a
 * platform driver would be matched by, is in its modalias.
 */
static bool driver_from_modalias(const char *root, int card, char buf[64])
{
	char path[PATH_MAX], text[128];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/sys/class/drm/card%d/device/modalias", root, card);
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fgets(text, sizeof(text), f) && !strncmp(text, "platform:", 9);
	fclose(f);
	if (!ok)
		return false;
	text[strcspn(text, "\n")] = '\0';
	if (!text[9] || strlen(text + 9) >= 64)
		return false;
	strcpy(buf, text + 9);
	return true;
}

static void driver_name(const char *root, struct xs_device *d)
{
	drmVersionPtr ver;
	int fd;

	if (sysfs_link(root, d->card, "driver", d->driver, sizeof(d->driver)) ||
	    driver_from_modalias(root, d->card, d->driver) ||
	    driver_from_debugfs(root, d->card, d->driver))
		return;
	snprintf(d->driver, sizeof(d->driver), "unknown");
	if (*root)
		return;
	/* neither sysfs nor debugfs: ask the device */
	fd = open(d->node, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ver = drmGetVersion(fd);
	if (ver) {
		snprintf(d->driver, sizeof(d->driver), "%s", ver->name);
		drmFreeVersion(ver);
	}
	close(fd);
}

/* The bus from sysfs: "pci 0000:03:00.0", "platform", "usb 1-2", ... */
static bool bus_from_sysfs(const char *root, struct xs_device *d)
{
	char subsys[32], dev[32];

	if (!sysfs_link(root, d->card, "subsystem", subsys, sizeof(subsys)))
		return false;
	if (!strcmp(subsys, "platform") || !sysfs_link(root, d->card, "", dev, sizeof(dev)))
		snprintf(d->bus, sizeof(d->bus), "%s", subsys);
	else
		snprintf(d->bus, sizeof(d->bus), "%s %s", subsys, dev);
	return true;
}

/* What libdrm says of the bus of @node, if it knows the device. */
static void bus_info(drmDevicePtr const *ldevs, int nl, struct xs_device *d)
{
	int i;

	snprintf(d->bus, sizeof(d->bus), "-");
	for (i = 0; i < nl; i++) {
		drmDevicePtr l = ldevs[i];

		if (!(l->available_nodes & (1 << DRM_NODE_PRIMARY)) ||
		    strcmp(l->nodes[DRM_NODE_PRIMARY], d->node))
			continue;
		if (l->bustype == DRM_BUS_PCI)
			snprintf(d->bus, sizeof(d->bus), "pci %04x:%02x:%02x.%u",
				 l->businfo.pci->domain, l->businfo.pci->bus,
				 l->businfo.pci->dev, l->businfo.pci->func);
		else if (l->bustype == DRM_BUS_PLATFORM)
			snprintf(d->bus, sizeof(d->bus), "platform");
		else
			snprintf(d->bus, sizeof(d->bus), "bus %d", l->bustype);
	}
}

static int cmp_card(const void *a, const void *b)
{
	return ((const struct xs_device *)a)->card - ((const struct xs_device *)b)->card;
}

int xs_devices(const char *root, struct xs_device **out)
{
	drmDevicePtr ldevs[64];
	struct xs_device *devs = NULL;
	char dir[PATH_MAX];
	struct dirent *e;
	int n = 0, nl = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/dev/dri", root);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		int card = card_of(e->d_name);
		struct xs_device *nd, *dev;

		if (card < 0)
			continue;
		nd = realloc(devs, (size_t)(n + 1) * sizeof(*devs));
		if (!nd) {
			free(devs);
			closedir(d);
			if (nl > 0)
				drmFreeDevices(ldevs, nl);
			return -ENOMEM;
		}
		devs = nd;
		dev = &devs[n++];
		memset(dev, 0, sizeof(*dev));
		dev->card = card;
		snprintf(dev->name, sizeof(dev->name), "card%d", card);
		/* paths too long for PATH_MAX name no device */
		if (snprintf(dev->node, sizeof(dev->node), "%s/%s", dir,
			     e->d_name) >= (int)sizeof(dev->node) ||
		    snprintf(dev->debugfs, sizeof(dev->debugfs),
			     "%s/sys/kernel/debug/dri/%d/shrinker", root,
			     card) >= (int)sizeof(dev->debugfs) ||
		    snprintf(dev->threshold, sizeof(dev->threshold),
			     "%s/sys/class/drm/card%d/device/svm_migrate_threshold",
			     root, card) >= (int)sizeof(dev->threshold)) {
			n--;
			continue;
		}
		driver_name(root, dev);
		if (bus_from_sysfs(root, dev))
			continue;
		if (!*root && !nl) {
			nl = drmGetDevices2(0, ldevs, 64);
			if (nl <= 0)
				nl = -1;
		}
		bus_info(ldevs, nl > 0 ? nl : 0, dev);
	}
	closedir(d);
	if (nl > 0)
		drmFreeDevices(ldevs, nl);
	if (n)
		qsort(devs, (size_t)n, sizeof(*devs), cmp_card);
	*out = devs;
	return n;
}

int xs_node_present(const struct xs_device *dev, const char *node)
{
	char path[PATH_MAX + 16];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dev->debugfs, node);
	if (!stat(path, &st))
		return 1;
	return errno == EACCES ? -EACCES : 0;
}

int xs_pick(struct xs_device *devs, int n, const char *spec)
{
	bool denied = false;
	int i;

	if (spec) {
		const char *base = strrchr(spec, '/');
		uint64_t card;
		int want;

		/* "1", "card1" or "/dev/dri/card1" */
		if (!xs_parse_uint(spec, 4095, &card))
			want = (int)card;
		else
			want = card_of(base ? base + 1 : spec);
		for (i = 0; want >= 0 && i < n; i++)
			if (devs[i].card == want)
				return i;
		return -ENODEV;
	}
	for (i = 0; i < n; i++) {
		int p = xs_node_present(&devs[i], "stats");

		if (p > 0)
			return i;
		denied |= p == -EACCES;
	}
	return denied ? -EACCES : -ENOENT;
}

int xs_card_of_node(const char *root, const char *name)
{
	char path[PATH_MAX];
	struct dirent *e;
	int card = -1;
	DIR *d;

	if (!strncmp(name, "card", 4))
		return card_of(name);
	if (strncmp(name, "renderD", 7) || strchr(name, '/'))
		return -1;
	/* the device's drm/ directory holds its card and render nodes */
	snprintf(path, sizeof(path), "%s/sys/class/drm/%s/device/drm", root, name);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) && card < 0)
		card = card_of(e->d_name);
	closedir(d);
	return card;
}
