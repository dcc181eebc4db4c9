// SPDX-License-Identifier: GPL-2.0-only
/*
 * vttm runtime power management, as a discrete GPU does it.
 *
 * Suspending saves the device state, a kernel BO pinned in a VRAM page
 * kept for the driver (users get vram_size_mb without it), to system memory
 * and, when little VRAM is in use (below vram_d3cold_threshold, as xe's
 * D3cold), evicts all of VRAM to TT: both take reservations and allocate.
 * Resuming brings the state BO back to VRAM, again under its reservation.
 * A resume therefore must never run with a reservation held, nor in
 * reclaim: lockdep is taught that at device creation (the resume map, and
 * what the resume takes under it), so that a caller getting this wrong is
 * reported even if the device happened to be awake.
 */

#include <linux/debugfs.h>
#include <linux/lockdep.h>
#include <linux/platform_device.h>
#include <linux/pm_domain.h>
#include <linux/pm_runtime.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/swap.h>

#include <drm/drm_print.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>

#include "vttm_bo.h"
#include "vttm_drv.h"
#include "vttm_pm.h"

static struct lock_class_key vttm_pm_resume_key;
static struct lockdep_map vttm_pm_resume_map = {
	.name = "vttm_runtime_resume",
	.key = &vttm_pm_resume_key,
};

static struct vttm_device *dev_to_vttm(struct device *dev)
{
	return platform_get_drvdata(to_platform_device(dev));
}

/* Move the state BO to @mem_type, reserved here: what suspend and resume do. */
static int vttm_pm_move_state(struct vttm_device *vdev, u32 mem_type)
{
	/* in VRAM, the page kept for it after the users' VRAM */
	struct ttm_place place = {
		.mem_type = mem_type,
		.fpfn = mem_type == TTM_PL_VRAM ? vdev->vram_size >> PAGE_SHIFT : 0,
	};
	struct ttm_placement placement = {
		.num_placement = 1,
		.placement = &place,
	};
	struct ttm_operation_ctx ctx = { .gfp_retry_mayfail = true };
	struct ttm_buffer_object *tbo = &vdev->state_bo->tbo;
	int ret;

	ret = dma_resv_lock(tbo->base.resv, NULL);
	if (ret)
		return ret;
	/*
	 * Pinned wherever it is, off the LRUs: in its VRAM page while
	 * awake, in system memory (saved) while suspended.
	 */
	if (tbo->pin_count)
		vttm_bo_set_pinned(vdev->state_bo, false);
	ret = ttm_bo_validate(tbo, &placement, &ctx);
	vttm_bo_set_pinned(vdev->state_bo, true);
	dma_resv_unlock(tbo->base.resv);

	return ret;
}

static int vttm_runtime_suspend(struct device *dev)
{
	struct vttm_device *vdev = dev_to_vttm(dev);
	struct ttm_resource_manager *vram =
		ttm_manager_type(&vdev->ttm, TTM_PL_VRAM);
	int ret;

	ret = vttm_pm_move_state(vdev, TTM_PL_TT);
	if (ret)
		return -EBUSY;	/* stay awake; the core tries again later */

	/* D3cold loses VRAM: only worth it when little is in use */
	if (vram && ttm_resource_manager_usage(vram) <=
		    (u64)READ_ONCE(vdev->vram_d3cold_threshold) << 20) {
		ret = ttm_resource_manager_evict_all(&vdev->ttm, vram);
		if (ret) {
			vttm_pm_move_state(vdev, TTM_PL_VRAM);
			return -EBUSY;
		}
		atomic64_inc(&vdev->pm.d3cold);
	}
	atomic64_inc(&vdev->pm.suspends);

	return 0;
}

static int vttm_runtime_resume(struct device *dev)
{
	struct vttm_device *vdev = dev_to_vttm(dev);
	int ret;

	/* what a driver must not be doing when it asks for a resume */
	if ((current->flags & PF_MEMALLOC) && !current_is_kswapd())
		atomic64_inc(&vdev->pm.resumes_in_direct_reclaim);

	lock_map_acquire(&vttm_pm_resume_map);
	ret = vttm_pm_move_state(vdev, TTM_PL_VRAM);
	lock_map_release(&vttm_pm_resume_map);
	if (ret)
		return ret;
	atomic64_inc(&vdev->pm.resumes);

	return 0;
}

static struct dev_pm_domain vttm_pm_domain = {
	.ops = {
		RUNTIME_PM_OPS(vttm_runtime_suspend, vttm_runtime_resume, NULL)
	},
};

/**
 * vttm_pm_get() - Wake the device if needed and keep it awake
 * @vdev: The device.
 *
 * May resume, which takes reservations and allocates: never call it with
 * a reservation held or in reclaim. Lockdep checks both on every call,
 * not only on the calls that happen to resume.
 *
 * Return: 0, or a negative error code (no reference taken).
 */
int vttm_pm_get(struct vttm_device *vdev)
{
	lock_map_acquire(&vttm_pm_resume_map);
	lock_map_release(&vttm_pm_resume_map);

	return pm_runtime_resume_and_get(vdev->drm.dev);
}

/**
 * vttm_pm_put() - Let the device autosuspend once idle
 * @vdev: The device.
 */
void vttm_pm_put(struct vttm_device *vdev)
{
	pm_runtime_mark_last_busy(vdev->drm.dev);
	pm_runtime_put_autosuspend(vdev->drm.dev);
}

/*
 * Teach lockdep what a resume takes: a reservation, and memory (any
 * reservation may be held while allocating). A resume under a
 * reservation or in reclaim then closes a cycle it reports.
 */
static void vttm_pm_prime_lockdep(struct vttm_device *vdev)
{
	struct dma_resv *resv = vdev->state_bo->tbo.base.resv;

	lock_map_acquire(&vttm_pm_resume_map);
	dma_resv_lock(resv, NULL);
	fs_reclaim_acquire(GFP_KERNEL);
	fs_reclaim_release(GFP_KERNEL);
	dma_resv_unlock(resv);
	lock_map_release(&vttm_pm_resume_map);
}

static int vttm_pm_stats_show(struct seq_file *m, void *data)
{
	struct vttm_device *vdev = m->private;

	seq_printf(m, "status: %s\n", pm_runtime_status_suspended(vdev->drm.dev) ?
		   "suspended" : "active");
	seq_printf(m, "suspends: %lld\n", atomic64_read(&vdev->pm.suspends));
	seq_printf(m, "resumes: %lld\n", atomic64_read(&vdev->pm.resumes));
	seq_printf(m, "d3cold: %lld\n", atomic64_read(&vdev->pm.d3cold));
	seq_printf(m, "resumes_in_direct_reclaim: %lld\n",
		   atomic64_read(&vdev->pm.resumes_in_direct_reclaim));

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vttm_pm_stats);

/**
 * vttm_pm_debugfs_init() - The runtime PM node, dri/<minor>/vttm/rpm_stats
 * @vdev: The device.
 * @dir: The vttm debugfs directory.
 */
void vttm_pm_debugfs_init(struct vttm_device *vdev, struct dentry *dir)
{
	debugfs_create_file("rpm_stats", 0444, dir, vdev, &vttm_pm_stats_fops);
}

/*
 * sysfs device/vram_d3cold_threshold: MiB. A suspend with no more VRAM in
 * use than this evicts VRAM (D3cold, as xe's attribute of the same name
 * decides); above it VRAM is kept (D3hot). 0: never D3cold.
 */
static ssize_t vram_d3cold_threshold_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(dev_to_vttm(dev)->vram_d3cold_threshold));
}

static ssize_t vram_d3cold_threshold_store(struct device *dev,
					   struct device_attribute *attr,
					   const char *buf, size_t len)
{
	struct vttm_device *vdev = dev_to_vttm(dev);
	u32 mib;
	int ret;

	ret = kstrtou32(buf, 0, &mib);
	if (ret)
		return ret;
	if ((u64)mib << 20 > vdev->vram_size)
		return -EINVAL;

	WRITE_ONCE(vdev->vram_d3cold_threshold, mib);
	return len;
}
static DEVICE_ATTR_RW(vram_d3cold_threshold);

static void vttm_pm_put_state(struct vttm_device *vdev)
{
	struct ttm_buffer_object *tbo = &vdev->state_bo->tbo;

	dma_resv_lock(tbo->base.resv, NULL);
	if (tbo->pin_count)
		vttm_bo_set_pinned(vdev->state_bo, false);
	dma_resv_unlock(tbo->base.resv);
	vttm_bo_put_kernel(vdev->state_bo);
	vdev->state_bo = NULL;
}

/**
 * vttm_pm_init() - Runtime PM for a device
 * @vdev: The device, its TTM device up.
 * @autosuspend_ms: The autosuspend delay.
 *
 * The device starts suspended, engine jobs and reclaim that may wait wake
 * it, and it autosuspends after @autosuspend_ms idle.
 *
 * Return: 0 or a negative error code.
 */
int vttm_pm_init(struct vttm_device *vdev, int autosuspend_ms)
{
	struct device *dev = vdev->drm.dev;
	int ret;

	ret = vttm_bo_create_kernel(vdev, PAGE_SIZE, &vdev->state_bo);
	if (ret)
		return ret;
	ret = vttm_pm_move_state(vdev, TTM_PL_VRAM);
	if (ret)
		goto err_bo;
	vttm_pm_prime_lockdep(vdev);

	ret = device_create_file(dev, &dev_attr_vram_d3cold_threshold);
	if (ret)
		goto err_bo;

	dev_pm_domain_set(dev, &vttm_pm_domain);
	pm_runtime_set_autosuspend_delay(dev, autosuspend_ms);
	pm_runtime_use_autosuspend(dev);
	/* the state BO starts in VRAM: the device is awake until it idles */
	pm_runtime_set_active(dev);
	pm_runtime_enable(dev);
	pm_runtime_idle(dev);

	return 0;

err_bo:
	vttm_pm_put_state(vdev);
	return ret;
}

/**
 * vttm_pm_fini() - Stop runtime PM of a device
 * @vdev: The device; no job runs any more.
 */
void vttm_pm_fini(struct vttm_device *vdev)
{
	struct device *dev = vdev->drm.dev;

	if (!vdev->state_bo)
		return;
	pm_runtime_dont_use_autosuspend(dev);
	pm_runtime_disable(dev);
	dev_pm_domain_set(dev, NULL);
	device_remove_file(dev, &dev_attr_vram_d3cold_threshold);
	vttm_pm_put_state(vdev);
}
