// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vttm engine. A job copies or fills whole pages of BOs in VRAM or TT; its
 * fence is added to the BOs' reservations at submission and signalled by
 * a worker once the job is done, engine_delay_ms later and after the jobs
 * it depends on (the fences its BOs had at submission). While it is
 * pending the BOs are busy: direct reclaim passes them over, kswapd and
 * the forced shrink wait for the fence. The pages cannot go away under
 * the worker, because TTM frees, backs up or moves a BO's memory only
 * when it is idle.
 */

#include <linux/dma-fence.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include <drm/drm_exec.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_ttm_helper.h>
#include <drm/ttm/ttm_tt.h>
#include <drm/vttm_drm.h>

#include "vttm_bo.h"
#include "vttm_dma.h"
#include "vttm_drv.h"
#include "vttm_engine.h"

struct vttm_job {
	struct delayed_work work;
	struct vttm_device *vdev;
	struct vttm_file *vfile;
	struct dma_fence fence;
	struct vttm_bo *src;
	struct vttm_bo *dst;
	/* where the BOs are in VRAM, or NULL for TT: fixed while busy */
	void *src_vram;
	void *dst_vram;
	struct drm_vttm_exec args;
	u64 delay_ns;
	/* implicit sync: what was pending on the BOs when the job came */
	struct dma_fence **deps[2];
	unsigned int nr_deps[2];
};

static const char *vttm_fence_driver_name(struct dma_fence *fence)
{
	return "vttm";
}

static const char *vttm_fence_timeline_name(struct dma_fence *fence)
{
	return "engine";
}

static void vttm_fence_release(struct dma_fence *fence)
{
	kfree_rcu(container_of(fence, struct vttm_job, fence), fence.rcu);
}

static const struct dma_fence_ops vttm_fence_ops = {
	.get_driver_name = vttm_fence_driver_name,
	.get_timeline_name = vttm_fence_timeline_name,
	.release = vttm_fence_release,
};

/* Page @i of a BO as the device sees it: in VRAM, or at its DMA address. */
static void *vttm_job_map(struct vttm_bo *bo, void *vram, pgoff_t i)
{
	if (vram)
		return vram + (i << PAGE_SHIFT);
	return vttm_dma_map_page(bo, i);
}

static void vttm_job_unmap(void *vram, void *addr)
{
	if (!vram)
		kunmap_local(addr);
}

static void vttm_job_run(struct vttm_job *job)
{
	const struct drm_vttm_exec *a = &job->args;
	pgoff_t dst_first = a->dst_offset >> PAGE_SHIFT;
	pgoff_t src_first = a->src_offset >> PAGE_SHIFT;
	pgoff_t i, n = a->size >> PAGE_SHIFT;

	for (i = 0; i < n; i++) {
		void *d = vttm_job_map(job->dst, job->dst_vram, dst_first + i);

		if (a->op == VTTM_EXEC_COPY) {
			void *s = vttm_job_map(job->src, job->src_vram,
					       src_first + i);

			memcpy(d, s, PAGE_SIZE);
			vttm_job_unmap(job->src_vram, s);
		} else {
			u64 *w = d;
			unsigned int k;

			for (k = 0; k < PAGE_SIZE / sizeof(u64); k++)
				w[k] = a->value;
		}
		vttm_job_unmap(job->dst_vram, d);
		cond_resched();
	}
}

static void vttm_job_put_deps(struct vttm_job *job, bool wait)
{
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(job->deps); i++) {
		for (k = 0; k < job->nr_deps[i]; k++) {
			if (wait)
				dma_fence_wait(job->deps[i][k], false);
			dma_fence_put(job->deps[i][k]);
		}
		kfree(job->deps[i]);
		job->deps[i] = NULL;
		job->nr_deps[i] = 0;
	}
}

static void vttm_job_work(struct work_struct *work)
{
	struct vttm_job *job = container_of(to_delayed_work(work),
					    struct vttm_job, work);
	struct vttm_engine *engine;

	/* Earlier jobs on these BOs finish first, as on a real engine. */
	u64 start;

	vttm_job_put_deps(job, true);
	start = ktime_get_ns();
	vttm_job_run(job);
	/* the engine was busy for the job's delay and its copy */
	atomic64_add(job->delay_ns + ktime_get_ns() - start,
		     &job->vfile->engine_ns);
	dma_fence_signal(&job->fence);
	/* the engine may sleep once idle for autosuspend_ms */
	vttm_pm_put(job->vdev);
	if (job->src)
		ttm_bo_put(&job->src->tbo);
	ttm_bo_put(&job->dst->tbo);
	engine = &job->vdev->engine;
	vttm_file_put(job->vfile);
	dma_fence_put(&job->fence);
	if (atomic_dec_and_test(&engine->jobs))
		wake_up_var(&engine->jobs);
}

/* Where a reserved BO is in VRAM, or NULL if in TT. */
static void *vttm_job_vram(struct vttm_bo *bo)
{
	if (bo->tbo.resource->mem_type != TTM_PL_VRAM)
		return NULL;
	return vttm_bo_vram_vaddr(bo);
}

/* Input checks, before anything is looked up. */
static int vttm_exec_check(const struct drm_vttm_exec *a)
{
	u64 end;

	if (a->flags || !a->dst_handle || !a->size || !PAGE_ALIGNED(a->size) ||
	    !PAGE_ALIGNED(a->dst_offset) || !PAGE_ALIGNED(a->src_offset) ||
	    check_add_overflow(a->dst_offset, a->size, &end) ||
	    check_add_overflow(a->src_offset, a->size, &end))
		return -EINVAL;

	switch (a->op) {
	case VTTM_EXEC_COPY:
		return a->src_handle && !a->value ? 0 : -EINVAL;
	case VTTM_EXEC_FILL:
		return !a->src_handle && !a->src_offset ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* Bounds and overlap, with the BOs known. */
static int vttm_exec_check_bos(const struct drm_vttm_exec *a,
			       struct drm_gem_object *src,
			       struct drm_gem_object *dst)
{
	if (a->dst_offset + a->size > dst->size)
		return -EINVAL;
	if (!src)
		return 0;
	if (a->src_offset + a->size > src->size)
		return -EINVAL;
	/* a copy within one BO must not overlap */
	if (src == dst && a->src_offset < a->dst_offset + a->size &&
	    a->dst_offset < a->src_offset + a->size)
		return -EINVAL;

	return 0;
}

int vttm_exec_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct vttm_device *vdev = to_vttm(drm);
	struct vttm_engine *engine = &vdev->engine;
	struct ttm_operation_ctx ctx = {
		.interruptible = true,
		.gfp_retry_mayfail = true,
	};
	struct drm_gem_object *src = NULL, *dst;
	struct drm_vttm_exec *args = data;
	unsigned int delay_ms;
	struct drm_exec exec;
	struct vttm_job *job;
	int ret;

	ret = vttm_exec_check(args);
	if (ret)
		return ret;

	dst = drm_gem_object_lookup(file, args->dst_handle);
	if (!dst)
		return -ENOENT;
	if (args->src_handle) {
		src = drm_gem_object_lookup(file, args->src_handle);
		if (!src) {
			ret = -ENOENT;
			goto out_put;
		}
	}
	ret = vttm_exec_check_bos(args, src, dst);
	if (ret)
		goto out_put;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		ret = -ENOMEM;
		goto out_put;
	}
	job->args = *args;
	job->vdev = vdev;
	job->vfile = file->driver_priv;
	job->dst = to_vttm_bo(drm_gem_ttm_of_gem(dst));
	job->src = src ? to_vttm_bo(drm_gem_ttm_of_gem(src)) : NULL;

	/* The engine needs the device awake until the job is done. */
	ret = vttm_pm_get(vdev);
	if (ret < 0) {
		kfree(job);
		goto out_put;
	}

	drm_exec_init(&exec, DRM_EXEC_INTERRUPTIBLE_WAIT |
		      DRM_EXEC_IGNORE_DUPLICATES, 2);
	drm_exec_until_all_locked(&exec) {
		ret = drm_exec_prepare_obj(&exec, dst, 1);
		drm_exec_retry_on_contention(&exec);
		if (ret)
			break;
		if (src) {
			ret = drm_exec_prepare_obj(&exec, src, 1);
			drm_exec_retry_on_contention(&exec);
			if (ret)
				break;
		}
	}
	if (ret)
		goto out_exec;

	/*
	 * Bring the BOs where they belong, restoring what was backed up; a
	 * VRAM BO that was evicted goes back if VRAM has room, else the
	 * engine uses it in TT.
	 */
	ret = ttm_bo_validate(&job->dst->tbo, &job->dst->placement, &ctx);
	if (!ret && job->src)
		ret = ttm_bo_validate(&job->src->tbo, &job->src->placement, &ctx);
	if (ret)
		goto out_exec;
	job->dst_vram = vttm_job_vram(job->dst);
	job->src_vram = job->src ? vttm_job_vram(job->src) : NULL;
	/* TT pages go to the device: what the CPU wrote, synced for it */
	if (!job->dst_vram)
		vttm_bo_to_device(job->dst, true);
	if (job->src && !job->src_vram)
		vttm_bo_to_device(job->src, false);

	/* The destination waits for everything, the source for writers. */
	ret = dma_resv_get_fences(dst->resv, DMA_RESV_USAGE_READ,
				  &job->nr_deps[0], &job->deps[0]);
	if (!ret && src && src != dst)
		ret = dma_resv_get_fences(src->resv, DMA_RESV_USAGE_WRITE,
					  &job->nr_deps[1], &job->deps[1]);
	if (ret)
		goto out_exec;

	dma_fence_init(&job->fence, &vttm_fence_ops, &engine->fence_lock,
		       engine->context, atomic64_inc_return(&engine->seqno));
	dma_resv_add_fence(dst->resv, &job->fence, DMA_RESV_USAGE_WRITE);
	if (src && src != dst)
		dma_resv_add_fence(src->resv, &job->fence, DMA_RESV_USAGE_READ);
	drm_exec_fini(&exec);

	/* The job holds its BOs until it is done; the lookups' refs go. */
	ttm_bo_get(&job->dst->tbo);
	if (job->src)
		ttm_bo_get(&job->src->tbo);
	INIT_DELAYED_WORK(&job->work, vttm_job_work);
	kref_get(&job->vfile->ref);
	delay_ms = READ_ONCE(vttm_engine_delay_ms);
	job->delay_ns = (u64)delay_ms * NSEC_PER_MSEC;
	atomic_inc(&engine->jobs);
	queue_delayed_work(engine->wq, &job->work, msecs_to_jiffies(delay_ms));
	ret = 0;
	goto out_put;

out_exec:
	drm_exec_fini(&exec);
	vttm_job_put_deps(job, false);
	vttm_pm_put(vdev);
	kfree(job);
out_put:
	if (src)
		drm_gem_object_put(src);
	drm_gem_object_put(dst);
	return ret;
}

/**
 * vttm_engine_init() - Start a device's engine
 * @engine: The engine.
 *
 * Return: 0 or -ENOMEM.
 */
int vttm_engine_init(struct vttm_engine *engine)
{
	/*
	 * Not ordered: a job waiting for an earlier one must not hold up the
	 * worker that earlier job needs. Dependencies give the order.
	 */
	engine->wq = alloc_workqueue("vttm-engine", WQ_UNBOUND, 0);
	if (!engine->wq)
		return -ENOMEM;
	spin_lock_init(&engine->fence_lock);
	engine->context = dma_fence_context_alloc(1);

	return 0;
}

/**
 * vttm_engine_fini() - Finish every job and stop the engine
 * @engine: The engine.
 */
void vttm_engine_fini(struct vttm_engine *engine)
{
	/* delayed jobs may still be timers, not work on the queue yet */
	wait_var_event(&engine->jobs, !atomic_read(&engine->jobs));
	drain_workqueue(engine->wq);
	destroy_workqueue(engine->wq);
}
