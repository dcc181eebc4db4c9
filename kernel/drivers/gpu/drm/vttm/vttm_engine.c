// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vttm engine, on the DRM GPU scheduler. Each client (DRM file) has a
 * scheduler entity. A job's dependencies, the fences its BOs hold when it
 * is submitted, are resolved by the scheduler with fence callbacks, never
 * by a worker that blocks; what goes into the BOs' reservations is the
 * job's finished fence, in its entity's fence context, and the fences of
 * one context signal in order: a later job's fence never stands in for an
 * earlier one that is still running. While a job is pending its BOs are
 * busy: direct reclaim passes them over, kswapd and the forced shrink
 * wait for the fence. The pages cannot go away under the engine, because
 * TTM frees, backs up or moves a BO's memory only when it is idle.
 *
 * The "hardware" is a ring: the jobs the scheduler runs go on it in order
 * and are completed in order by one work item, each engine_delay_ms after
 * the previous one (or after it was run, if later), signalling a ring
 * fence. That work item is the fence signalling path: annotated as such,
 * it must not allocate memory or take a lock that reclaim takes, which
 * lockdep checks (the debugfs knob engine_alloc_in_signalling breaks the
 * rule on purpose, to show that it does).
 */

#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
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
#include <drm/gpu_scheduler.h>
#include <drm/ttm/ttm_tt.h>
#include <drm/vttm_drm.h>

#include "vttm_bo.h"
#include "vttm_dma.h"
#include "vttm_dma_buf.h"
#include "vttm_drv.h"
#include "vttm_engine.h"

/* A job can take this long before the scheduler reports it; it goes on. */
#define VTTM_JOB_TIMEOUT_MS	10000

struct vttm_job {
	struct drm_sched_job base;
	/* the ring's fence, once the scheduler has run the job */
	struct dma_fence ring_fence;
	struct list_head ring_link;
	bool on_ring;
	struct vttm_device *vdev;
	struct vttm_file *vfile;
	struct vttm_bo *src;
	struct vttm_bo *dst;
	/* where the BOs are in VRAM, or NULL for TT: fixed while busy */
	void *src_vram;
	void *dst_vram;
	/* TT pages shared through dma-buf: synced around the job */
	bool src_shared;
	bool dst_shared;
	struct drm_vttm_exec args;
	u64 delay_ns;
	u64 due_ns;
};

static struct vttm_job *to_vttm_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct vttm_job, base);
}

static const char *vttm_fence_driver_name(struct dma_fence *fence)
{
	return "vttm";
}

static const char *vttm_fence_timeline_name(struct dma_fence *fence)
{
	return "ring";
}

/* The job lives as long as its ring fence: the scheduler's fence holds it. */
static void vttm_fence_release(struct dma_fence *fence)
{
	kfree_rcu(container_of(fence, struct vttm_job, ring_fence),
		  ring_fence.rcu);
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

/* Jiffies until @due_ns, rounded up: the ring must not come back early. */
static unsigned long vttm_ring_delay(u64 due_ns, u64 now)
{
	return due_ns > now ? nsecs_to_jiffies(due_ns - now) + 1 : 0;
}

/*
 * What the engine does for a job: copy or fill its pages. Pages shared
 * through dma-buf are the truth: what the job reads is synced for the
 * device first (its dependencies have signalled), what it wrote for the
 * CPU before its fence signals.
 */
static void vttm_job_execute(struct vttm_job *job)
{
	const struct drm_vttm_exec *a = &job->args;
	pgoff_t dst_first = a->dst_offset >> PAGE_SHIFT;
	pgoff_t src_first = a->src_offset >> PAGE_SHIFT;
	pgoff_t i, n = a->size >> PAGE_SHIFT;

	if (job->src_shared)
		vttm_bo_dma_job_sync(job->src, src_first, n, false);

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
	if (job->dst_shared)
		vttm_bo_dma_job_sync(job->dst, dst_first, n, true);
}

/*
 * The ring: complete the jobs that are due, oldest first, and come back
 * when the next one is. Fences are signalled here, so nothing here may
 * wait for reclaim: no allocation, no lock that a shrinker takes.
 */
static void vttm_ring_work(struct work_struct *work)
{
	struct vttm_engine *engine = container_of(to_delayed_work(work),
						  struct vttm_engine, ring_work);
	bool cookie = dma_fence_begin_signalling();
	struct vttm_job *job;
	u64 now, start;

	for (;;) {
		spin_lock(&engine->ring_lock);
		job = list_first_entry_or_null(&engine->ring, struct vttm_job,
					       ring_link);
		spin_unlock(&engine->ring_lock);
		if (!job)
			break;
		now = ktime_get_ns();
		if (job->due_ns > now) {
			queue_delayed_work(engine->ring_wq, &engine->ring_work,
					   vttm_ring_delay(job->due_ns, now));
			break;
		}

		start = now;
		vttm_job_execute(job);
		if (READ_ONCE(engine->alloc_in_signalling))
			kfree(kmalloc(64, GFP_KERNEL));	/* the bug lockdep must see */
		/* the engine was busy for the job's delay and its copy */
		atomic64_add(job->delay_ns + ktime_get_ns() - start,
			     &job->vfile->engine_ns);

		spin_lock(&engine->ring_lock);
		list_del(&job->ring_link);
		dma_fence_signal_locked(&job->ring_fence);
		spin_unlock(&engine->ring_lock);
	}
	dma_fence_end_signalling(cookie);
}

/* The scheduler runs a job whose dependencies have signalled: ring it. */
static struct dma_fence *vttm_sched_run_job(struct drm_sched_job *sched_job)
{
	struct vttm_job *job = to_vttm_job(sched_job);
	struct vttm_engine *engine = &job->vdev->engine;
	u64 now = ktime_get_ns();
	bool first;

	/* its client went away before it ran: nothing to do */
	if (sched_job->s_fence->finished.error)
		return NULL;

	spin_lock(&engine->ring_lock);
	dma_fence_init(&job->ring_fence, &vttm_fence_ops, &engine->ring_lock,
		       engine->context, ++engine->seqno);
	job->on_ring = true;
	job->due_ns = max(now, engine->last_due_ns) + job->delay_ns;
	engine->last_due_ns = job->due_ns;
	first = list_empty(&engine->ring);
	list_add_tail(&job->ring_link, &engine->ring);
	spin_unlock(&engine->ring_lock);
	if (first)
		queue_delayed_work(engine->ring_wq, &engine->ring_work,
				   vttm_ring_delay(job->due_ns, now));

	/* the scheduler's reference; the job keeps its own until freed */
	return dma_fence_get(&job->ring_fence);
}

/*
 * The engine does not hang: a job past the timeout is only slow (a long
 * engine_delay_ms, a big copy under emulation). Count it, put it back on
 * the pending list the scheduler took it from, and let it finish.
 */
static enum drm_gpu_sched_stat
vttm_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct drm_gpu_scheduler *sched = sched_job->sched;
	struct vttm_job *job = to_vttm_job(sched_job);

	atomic_inc(&job->vdev->engine.timeouts);
	drm_warn_once(&job->vdev->drm, "engine job slower than %u ms\n",
		      VTTM_JOB_TIMEOUT_MS);
	spin_lock(&sched->job_list_lock);
	list_add(&sched_job->list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);
	/*
	 * Done while it was off the list: the scheduler's free work found
	 * nothing to free then and will not look again by itself.
	 */
	if (dma_fence_is_signaled(&sched_job->s_fence->finished))
		drm_sched_wqueue_start(sched);

	return DRM_GPU_SCHED_STAT_NOMINAL;
}

/* The job is done (or was killed): let go of what it held. */
static void vttm_sched_free_job(struct drm_sched_job *sched_job)
{
	struct vttm_job *job = to_vttm_job(sched_job);
	struct vttm_device *vdev = job->vdev;
	struct vttm_file *vfile = job->vfile;

	drm_sched_job_cleanup(sched_job);
	/* the engine may sleep once idle for autosuspend_ms */
	vttm_pm_put(vdev);
	if (job->src)
		ttm_bo_put(&job->src->tbo);
	ttm_bo_put(&job->dst->tbo);
	if (job->on_ring)
		dma_fence_put(&job->ring_fence);
	else
		kfree(job);

	atomic_dec(&vfile->jobs);
	smp_mb__after_atomic();	/* the waiter's condition, then the wakeup */
	wake_up_var(&vfile->jobs);
	vttm_file_put(vfile);
	if (atomic_dec_and_test(&vdev->engine.jobs))
		wake_up_var(&vdev->engine.jobs);
}

static const struct drm_sched_backend_ops vttm_sched_ops = {
	.run_job = vttm_sched_run_job,
	.timedout_job = vttm_sched_timedout_job,
	.free_job = vttm_sched_free_job,
};

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

/*
 * Where the engine can use a BO, reserved: its placement (a pinned BO
 * stays where it is, as an importer that cannot follow moves needs), and
 * an import's mapping, which its exporter may have taken back.
 */
static int vttm_job_place(struct vttm_bo *bo, struct ttm_operation_ctx *ctx)
{
	int ret = 0;

	if (!bo->tbo.pin_count)
		ret = ttm_bo_validate(&bo->tbo, &bo->placement, ctx);
	if (!ret && vttm_bo_is_import(bo))
		ret = vttm_dma_buf_map_import(bo);
	return ret;
}

/*
 * Reserve the job's BOs and bring them where they belong, restoring what
 * was backed up; a VRAM BO that was evicted goes back if VRAM has room,
 * else the engine uses it in TT. On success @exec holds the BOs; on
 * error it is finished. When eviction would wait for a BO an older ww
 * transaction holds, TTM returns -EDEADLK (ww_backoff): every lock goes,
 * the job waits for that BO and a new transaction starts, rather than the
 * job failing with -ENOMEM.
 */
static int vttm_job_lock_and_place(struct vttm_job *job, struct drm_exec *exec)
{
	struct ttm_operation_ctx ctx = {
		.interruptible = true,
		.gfp_retry_mayfail = true,
		.ww_backoff = true,
	};
	struct drm_gem_object *dst = &job->dst->tbo.base;
	struct drm_gem_object *src = job->src ? &job->src->tbo.base : NULL;
	int ret;

	for (;;) {
		drm_exec_init(exec, DRM_EXEC_INTERRUPTIBLE_WAIT |
			      DRM_EXEC_IGNORE_DUPLICATES, 2);
		drm_exec_until_all_locked(exec) {
			ret = drm_exec_prepare_obj(exec, dst, 1);
			drm_exec_retry_on_contention(exec);
			if (ret)
				break;
			if (src) {
				ret = drm_exec_prepare_obj(exec, src, 1);
				drm_exec_retry_on_contention(exec);
				if (ret)
					break;
			}
		}
		if (!ret)
			ret = vttm_job_place(job->dst, &ctx);
		if (!ret && job->src)
			ret = vttm_job_place(job->src, &ctx);
		if (!ret)
			return 0;
		drm_exec_fini(exec);
		if (ret != -EDEADLK)
			return ret;
		ret = vttm_bo_wait_contended(&ctx);
		if (ret)
			return ret;
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
	struct vttm_file *vfile = file->driver_priv;
	struct drm_gem_object *src = NULL, *dst;
	struct drm_vttm_exec *args = data;
	struct dma_fence *done;
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

	/* A client with too much queued waits for its own jobs to finish. */
	ret = wait_var_event_interruptible(&vfile->jobs,
					   atomic_add_unless(&vfile->jobs, 1,
							     VTTM_JOBS_PER_CLIENT));
	if (ret)
		goto out_put;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		ret = -ENOMEM;
		goto out_slot;
	}
	job->args = *args;
	job->vdev = vdev;
	job->vfile = vfile;
	job->dst = to_vttm_bo(drm_gem_ttm_of_gem(dst));
	job->src = src ? to_vttm_bo(drm_gem_ttm_of_gem(src)) : NULL;
	job->delay_ns = (u64)READ_ONCE(vttm_engine_delay_ms) * NSEC_PER_MSEC;

	ret = drm_sched_job_init(&job->base, &vfile->entity, 1, vfile,
				 file->client_id);
	if (ret)
		goto out_free;

	/* The engine needs the device awake until the job is done. */
	ret = vttm_pm_get(vdev);
	if (ret < 0)
		goto out_cleanup;

	ret = vttm_job_lock_and_place(job, &exec);
	if (ret)
		goto out_pm;
	job->dst_vram = vttm_job_vram(job->dst);
	job->src_vram = job->src ? vttm_job_vram(job->src) : NULL;
	job->dst_shared = !job->dst_vram && vttm_bo_dma_shared(job->dst);
	job->src_shared = job->src && !job->src_vram &&
			  vttm_bo_dma_shared(job->src);
	/* TT pages go to the device: what the CPU wrote, synced for it */
	if (!job->dst_vram)
		vttm_bo_to_device(job->dst, true);
	if (job->src && !job->src_vram)
		vttm_bo_to_device(job->src, false);

	/* The destination waits for everything, the source for writers. */
	ret = drm_sched_job_add_implicit_dependencies(&job->base, dst, true);
	if (!ret && src && src != dst)
		ret = drm_sched_job_add_implicit_dependencies(&job->base, src,
							      false);
	if (ret)
		goto out_exec;

	/* The job holds its BOs until it is freed; the lookups' refs go. */
	ttm_bo_get(&job->dst->tbo);
	if (job->src)
		ttm_bo_get(&job->src->tbo);
	kref_get(&vfile->ref);
	atomic_inc(&vdev->engine.jobs);

	/*
	 * Seqnos of the client's context are handed out at arm time: arm
	 * and push in one critical section, with the reservations still
	 * held, so that the fences of one context go into reservations and
	 * run in the order of their seqnos.
	 */
	mutex_lock(&vfile->submit_lock);
	drm_sched_job_arm(&job->base);
	done = &job->base.s_fence->finished;
	dma_resv_add_fence(dst->resv, done, DMA_RESV_USAGE_WRITE);
	if (src && src != dst)
		dma_resv_add_fence(src->resv, done, DMA_RESV_USAGE_READ);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&vfile->submit_lock);
	drm_exec_fini(&exec);
	ret = 0;
	goto out_put;

out_exec:
	drm_exec_fini(&exec);
out_pm:
	vttm_pm_put(vdev);
out_cleanup:
	drm_sched_job_cleanup(&job->base);
out_free:
	kfree(job);
out_slot:
	atomic_dec(&vfile->jobs);
	smp_mb__after_atomic();	/* the waiter's condition, then the wakeup */
	wake_up_var(&vfile->jobs);
out_put:
	if (src)
		drm_gem_object_put(src);
	drm_gem_object_put(dst);
	return ret;
}

/**
 * vttm_engine_file_init() - Set up a client's scheduler entity
 * @engine: The device's engine.
 * @entity: The client's entity; drm_sched_entity_destroy() it when the
 * client goes.
 *
 * Return: 0 or a negative error code.
 */
int vttm_engine_file_init(struct vttm_engine *engine,
			  struct drm_sched_entity *entity)
{
	struct drm_gpu_scheduler *sched = &engine->sched;

	return drm_sched_entity_init(entity, DRM_SCHED_PRIORITY_NORMAL, &sched,
				     1, NULL);
}

/**
 * vttm_engine_init() - Start a device's engine
 * @engine: The engine.
 * @dev: The device, for the scheduler's messages.
 *
 * Return: 0 or a negative error code.
 */
int vttm_engine_init(struct vttm_engine *engine, struct device *dev)
{
	const struct drm_sched_init_args args = {
		.ops = &vttm_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		/* the ring's slots: jobs run and not yet done */
		.credit_limit = 2 * VTTM_JOBS_PER_CLIENT,
		.timeout = msecs_to_jiffies(VTTM_JOB_TIMEOUT_MS),
		.name = "vttm-engine",
		.dev = dev,
	};
	int ret;

	/* ordered: one ring, completing jobs one after the other */
	engine->ring_wq = alloc_ordered_workqueue("vttm-ring", WQ_MEM_RECLAIM);
	if (!engine->ring_wq)
		return -ENOMEM;
	INIT_DELAYED_WORK(&engine->ring_work, vttm_ring_work);
	spin_lock_init(&engine->ring_lock);
	INIT_LIST_HEAD(&engine->ring);
	engine->context = dma_fence_context_alloc(1);

	ret = drm_sched_init(&engine->sched, &args);
	if (ret) {
		destroy_workqueue(engine->ring_wq);
		return ret;
	}

	return 0;
}

/**
 * vttm_engine_fini() - Finish every job and stop the engine
 * @engine: The engine. Every client's entity is gone.
 */
void vttm_engine_fini(struct vttm_engine *engine)
{
	wait_var_event(&engine->jobs, !atomic_read(&engine->jobs));
	drm_sched_fini(&engine->sched);
	cancel_delayed_work_sync(&engine->ring_work);
	destroy_workqueue(engine->ring_wq);
}
