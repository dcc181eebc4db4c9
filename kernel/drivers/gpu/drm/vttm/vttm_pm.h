/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vttm runtime power management: suspend saves the device state (and, for
 * D3cold, VRAM) under reservations; resume restores it.
 */
#ifndef _VTTM_PM_H_
#define _VTTM_PM_H_

#include <linux/atomic.h>

struct dentry;
struct vttm_device;

/**
 * struct vttm_pm_stats - Runtime PM counters, in debugfs rpm_stats
 * @suspends: Runtime suspends.
 * @resumes: Runtime resumes.
 * @d3cold: Suspends that evicted VRAM.
 * @resumes_in_direct_reclaim: Resumes run by a task in direct reclaim:
 * must stay 0.
 */
struct vttm_pm_stats {
	atomic64_t suspends;
	atomic64_t resumes;
	atomic64_t d3cold;
	atomic64_t resumes_in_direct_reclaim;
};

int vttm_pm_init(struct vttm_device *vdev, int autosuspend_ms);
void vttm_pm_fini(struct vttm_device *vdev);
void vttm_pm_debugfs_init(struct vttm_device *vdev, struct dentry *dir);
int vttm_pm_get(struct vttm_device *vdev);
void vttm_pm_put(struct vttm_device *vdev);

#endif
