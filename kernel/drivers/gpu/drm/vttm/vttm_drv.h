/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vttm: a virtual TTM GPU.
 */
#ifndef _VTTM_DRV_H_
#define _VTTM_DRV_H_

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/ttm/ttm_device.h>

#include "vttm_engine.h"
#include "vttm_pm.h"

struct platform_device;
struct ttm_shrinker;
struct vttm_bo;

/**
 * struct vttm_device - The virtual GPU
 * @drm: The DRM device.
 * @ttm: The TTM device.
 * @pdev: The platform device it hangs off.
 * @engine: The copy/fill engine.
 * @shrinker: The TTM shrinker.
 * @bos: All user BOs by id, for the shrinker's debugfs nodes; an id is
 * reserved at creation and the BO stored once it is whole.
 * @next_bo_id: Where the cyclic id allocation goes on.
 * @deferred_pages: Pages of compressed BOs that reclaim skipped because
 * the device was suspended, each BO counted once; @reclaim_work reclaims
 * them.
 * @reclaim_work: Reclaims what direct reclaim could not, a little later,
 * in process context where waking the device is allowed.
 * @vram: The fake VRAM: system memory, managed by a TTM range manager as a
 * real device's VRAM range is, and mapped to userspace by PFN.
 * @vram_size: Its size in bytes, as users see it; the range manager and
 * @vram have one page more, for the driver's state BO.
 * @svm_migrate_threshold: The smallest range SVM migrates to VRAM, bytes;
 * set through sysfs.
 * @vram_d3cold_threshold: MiB of VRAM in use at or below which a suspend
 * evicts VRAM (D3cold); set through sysfs.
 * @state_bo: The device state, a kernel BO in VRAM while awake.
 * @pm: Runtime PM counters.
 */
struct vttm_device {
	struct drm_device drm;
	struct ttm_device ttm;
	struct platform_device *pdev;
	struct vttm_engine engine;
	struct ttm_shrinker *shrinker;
	struct xarray bos;
	u32 next_bo_id;
	atomic_long_t deferred_pages;
	struct delayed_work reclaim_work;
	void *vram;
	u64 vram_size;
	u32 svm_migrate_threshold;
	u32 vram_d3cold_threshold;
	struct vttm_bo *state_bo;
	struct vttm_pm_stats pm;
};

/**
 * struct vttm_file - A client of the device
 * @ref: The file's reference and one per engine job it submitted: jobs
 * may finish after the file is closed.
 * @entity: The client's queue on the engine's scheduler.
 * @submit_lock: Makes arming a job (which gives it its seqno) and pushing
 * it to @entity one step, so that the client's jobs run in seqno order.
 * @jobs: The client's jobs submitted and not freed, at most
 * %VTTM_JOBS_PER_CLIENT.
 * @engine_ns: Time the engine spent on the client's jobs (fdinfo
 * drm-engine-copy).
 */
struct vttm_file {
	struct kref ref;
	struct drm_sched_entity entity;
	struct mutex submit_lock; /* arm to push of the client's jobs */
	atomic_t jobs;
	atomic64_t engine_ns;
};

void vttm_file_put(struct vttm_file *vfile);

static inline struct vttm_device *to_vttm(struct drm_device *drm)
{
	return container_of(drm, struct vttm_device, drm);
}

static inline struct vttm_device *ttm_to_vttm(struct ttm_device *bdev)
{
	return container_of(bdev, struct vttm_device, ttm);
}

struct vttm_device *vttm_device_create(int id, u64 vram_size);
void vttm_device_destroy(struct vttm_device *vdev);

#endif
