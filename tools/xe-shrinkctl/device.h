/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DRM devices and where their shrinker nodes are.
 */
#ifndef XS_DEVICE_H
#define XS_DEVICE_H

#include <limits.h>
#include <stdbool.h>

struct xs_device {
	int card;			/* N of /dev/dri/cardN, the minor's index */
	char name[16];			/* "cardN" */
	char node[PATH_MAX];		/* /dev/dri/cardN (under --root) */
	char driver[64];		/* "vttm", "xe", ... or "unknown" */
	char bus[64];			/* "pci 0000:03:00.0", "platform", or "-" */
	char debugfs[PATH_MAX];		/* .../debug/dri/N/shrinker */
	char threshold[PATH_MAX];	/* .../drm/cardN/device/svm_migrate_threshold */
};

/* The shrinker nodes, in the order list shows them. */
extern const char *const xs_nodes[4];

/*
 * Find the DRM cards: every /dev/dri/cardN. The driver and the bus come
 * from sysfs (the links device/driver and device/subsystem of
 * /sys/class/drm/cardN, or for a platform device no driver is bound to,
 * such as vttm, its modalias), readable without root; failing that, the
 * driver from debugfs dri/N/name or the device itself, and the bus from
 * libdrm (drmGetDevices2). Under @root (a fake tree for tests), every path is
 * taken under it and libdrm is not asked.
 * Return: the number of devices (sorted by card), or -errno.
 */
int xs_devices(const char *root, struct xs_device **devs);

/*
 * Pick a device by card number or /dev/dri path, or, with @spec NULL, the
 * first that has the shrinker nodes. Return: the index, -ENODEV, -ENOENT
 * (no device has the nodes), or -EACCES (debugfs is not readable).
 */
int xs_pick(struct xs_device *devs, int n, const char *spec);

/*
 * Whether a node exists: 1, 0, or -EACCES when its directory cannot be
 * looked into (debugfs is root-only).
 */
int xs_node_present(const struct xs_device *dev, const char *node);

/*
 * The card of a DRM device node's name: N for "cardN", the card of the
 * same device for a render node "renderDM" (from sysfs), or -1.
 */
int xs_card_of_node(const char *root, const char *name);

#endif
