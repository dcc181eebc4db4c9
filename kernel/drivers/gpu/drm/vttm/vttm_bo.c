// SPDX-License-Identifier: GPL-2.0-only
/*
 * vttm buffer objects.
 *
 * The shrinker's page counts are kept exact by recomputing a BO's share
 * from its tt whenever that can change (populate, unpopulate, shrink,
 * madvise, destruction) and applying the difference: no transition needs
 * to know which one it is.
 */

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/pm_runtime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <drm/drm_exec.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_ttm_helper.h>
#include <drm/ttm/ttm_pool.h>
#include <drm/ttm/ttm_range_manager.h>
#include <drm/ttm/ttm_shrinker.h>
#include <drm/ttm/ttm_tt.h>
#include <drm/vttm_drm.h>

#include "vttm_bo.h"
#include "vttm_dma.h"
#include "vttm_dma_buf.h"
#include "vttm_drv.h"

/*
 * Bring the shrinker's counts in line with @bo, which has @resident pages
 * in system memory now. Called reserved. TTM sets and clears the populated
 * flag after the populate callbacks, so they pass what they know.
 *
 * An exported BO's pages are another device's too, and the shrinker
 * leaves them alone: count() must not promise them. An import's pages are
 * the exporter's to count.
 */
static void vttm_bo_account(struct vttm_bo *bo, long resident)
{
	struct ttm_shrinker *s = ttm_to_vttm(bo->tbo.bdev)->shrinker;
	long shrinkable = 0, purgeable = 0, pinned = 0, shared = 0;
	struct ttm_tt *tt = bo->tbo.ttm;

	if (vttm_bo_is_import(bo))
		resident = 0;
	if (bo->tbo.pin_count)
		pinned = resident;
	else if (bo->dma_buf)
		shared = resident;
	else if (bo->madv == VTTM_MADV_DONTNEED)
		purgeable = resident;
	else
		shrinkable = resident;

	ttm_shrinker_mod_pages(s, shrinkable - bo->acct_shrinkable,
			       purgeable - bo->acct_purgeable);
	ttm_shrinker_mod_pinned(s, pinned - bo->acct_pinned);
	/* fdinfo reads these without the reservation */
	WRITE_ONCE(bo->acct_shrinkable, shrinkable);
	WRITE_ONCE(bo->acct_purgeable, purgeable);
	WRITE_ONCE(bo->acct_pinned, pinned);
	WRITE_ONCE(bo->acct_shared, shared);
	WRITE_ONCE(bo->acct_backed_up,
		   tt && ttm_tt_is_backed_up(tt) ? tt->num_pages - resident : 0);
	WRITE_ONCE(bo->in_vram, bo->tbo.resource &&
		   bo->tbo.resource->mem_type == TTM_PL_VRAM);
}

/* A tt that knows its BO, so that populate and unpopulate can account. */
struct vttm_tt {
	struct ttm_tt tt;
	struct vttm_bo *bo;
};

static struct ttm_tt *vttm_tt_create(struct ttm_buffer_object *tbo,
				     u32 page_flags)
{
	struct vttm_tt *vtt = kzalloc(sizeof(*vtt), GFP_KERNEL);
	enum ttm_caching caching =
		to_vttm_bo(tbo)->flags & VTTM_GEM_CREATE_WRITE_COMBINED ?
		ttm_write_combined : ttm_cached;

	if (!vtt)
		return NULL;
	/* with DMA addresses: the engine reaches TT pages only through them */
	if (ttm_sg_tt_init(&vtt->tt, tbo, page_flags, caching)) {
		kfree(vtt);
		return NULL;
	}
	vtt->bo = to_vttm_bo(tbo);

	return &vtt->tt;
}

static int vttm_tt_populate(struct ttm_device *bdev, struct ttm_tt *tt,
			    struct ttm_operation_ctx *ctx)
{
	struct vttm_tt *vtt = container_of(tt, struct vttm_tt, tt);
	int ret;

	/* an import's pages are the exporter's: mapped when it moves to TT */
	if (tt->page_flags & TTM_TT_FLAG_EXTERNAL)
		return 0;
	ret = ttm_pool_alloc(&bdev->pool, tt, ctx);
	if (!ret)
		vttm_bo_dma_reset(vtt->bo);
	/* On error a restore keeps the progress it made; an allocation none. */
	vttm_bo_account(vtt->bo, ret ? ttm_tt_resident_pages(tt) : tt->num_pages);
	return ret;
}

static void vttm_tt_unpopulate(struct ttm_device *bdev, struct ttm_tt *tt)
{
	struct vttm_tt *vtt = container_of(tt, struct vttm_tt, tt);

	if (tt->page_flags & TTM_TT_FLAG_EXTERNAL)
		return;
	ttm_pool_free(&bdev->pool, tt);
	vttm_bo_account(vtt->bo, 0);
}

static void vttm_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt)
{
	ttm_tt_fini(tt);
	kfree(container_of(tt, struct vttm_tt, tt));
}

/* VRAM is evicted to TT, TT to system memory (where the shrinker works). */
static void vttm_evict_flags(struct ttm_buffer_object *tbo,
			     struct ttm_placement *placement)
{
	static const struct ttm_place tt = { .mem_type = TTM_PL_TT };
	static const struct ttm_place sys = { .mem_type = TTM_PL_SYSTEM };

	placement->num_placement = 1;
	placement->placement = tbo->resource &&
			       tbo->resource->mem_type == TTM_PL_VRAM ?
			       &tt : &sys;
}

/**
 * vttm_bo_vram_vaddr() - The kernel address of a BO in VRAM
 * @bo: The BO, reserved or idle, in VRAM.
 *
 * Return: Where its first byte is in the fake VRAM.
 */
void *vttm_bo_vram_vaddr(struct vttm_bo *bo)
{
	struct vttm_device *vdev = ttm_to_vttm(bo->tbo.bdev);

	return vdev->vram + (bo->tbo.resource->start << PAGE_SHIFT);
}

/* Whether the BO has contents to carry over: its tt, or its VRAM. */
static bool vttm_bo_has_contents(struct ttm_buffer_object *tbo)
{
	struct ttm_resource *old = tbo->resource;
	struct ttm_tt *tt = tbo->ttm;

	if (!old)
		return false;
	if (old->mem_type == TTM_PL_VRAM)
		return true;
	return tt && (ttm_tt_is_populated(tt) || ttm_tt_is_backed_up(tt));
}

static int vttm_bo_move(struct ttm_buffer_object *tbo, bool evict,
			struct ttm_operation_ctx *ctx,
			struct ttm_resource *new_mem, struct ttm_place *hop)
{
	struct ttm_resource *old = tbo->resource;
	struct vttm_bo *bo = to_vttm_bo(tbo);
	struct ttm_tt *tt = tbo->ttm;
	int ret = 0;

	if (vttm_bo_is_import(bo))
		return vttm_dma_buf_move_import(bo, ctx, new_mem);
	/* importers let go of the pages before they move */
	if (bo->dma_buf)
		dma_buf_move_notify(bo->dma_buf);

	if (!vttm_bo_has_contents(tbo)) {
		/* Fresh VRAM holds a former owner's data: clear it. */
		if (new_mem->mem_type == TTM_PL_VRAM)
			memset(ttm_to_vttm(tbo->bdev)->vram +
			       (new_mem->start << PAGE_SHIFT), 0,
			       tbo->base.size);
		ttm_bo_move_null(tbo, new_mem);
	} else if (old->mem_type != TTM_PL_VRAM &&
		   new_mem->mem_type != TTM_PL_VRAM) {
		/* TT and system memory are the same pages here. */
		ttm_bo_move_null(tbo, new_mem);
	} else {
		/*
		 * A CPU copy, so the engine must be done with the BO first:
		 * a move without waits fails with -EBUSY instead.
		 */
		ret = ttm_bo_wait_ctx(tbo, ctx);
		/* A backed-up tt is restored before it is copied to VRAM. */
		if (!ret && tt && ttm_tt_is_backed_up(tt))
			ret = ttm_tt_populate(tbo->bdev, tt, ctx);
		/* the CPU copies: it must see what the engine wrote */
		if (!ret)
			ret = vttm_bo_to_cpu(to_vttm_bo(tbo), ctx->interruptible);
		if (!ret)
			ret = ttm_bo_move_memcpy(tbo, ctx, new_mem);
		/* a copy into TT was the CPU's writing */
		if (!ret && new_mem->mem_type != TTM_PL_VRAM)
			to_vttm_bo(tbo)->cpu_owned = true;
	}

	/* Moves populate and free pages: recount. */
	vttm_bo_account(to_vttm_bo(tbo), ttm_tt_resident_pages(tbo->ttm));
	return ret;
}

/* VRAM is mapped by kernel address; TTM and the fault path use it. */
static int vttm_io_mem_reserve(struct ttm_device *bdev,
			       struct ttm_resource *mem)
{
	struct vttm_device *vdev = ttm_to_vttm(bdev);

	switch (mem->mem_type) {
	case TTM_PL_SYSTEM:
	case TTM_PL_TT:
		return 0;
	case TTM_PL_VRAM:
		mem->bus.addr = vdev->vram + (mem->start << PAGE_SHIFT);
		mem->bus.offset = 0;
		mem->bus.is_iomem = true;
		mem->bus.caching = ttm_cached;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The fake VRAM is vmalloc memory: each page has its own PFN. */
static unsigned long vttm_io_mem_pfn(struct ttm_buffer_object *tbo,
				     unsigned long page_offset)
{
	struct vttm_device *vdev = ttm_to_vttm(tbo->bdev);

	return vmalloc_to_pfn(vdev->vram +
			      ((tbo->resource->start + page_offset) << PAGE_SHIFT));
}

static void vttm_bo_undefer(struct vttm_bo *bo);

static void vttm_bo_release_notify(struct ttm_buffer_object *tbo)
{
	vttm_bo_undefer(to_vttm_bo(tbo));
	vttm_bo_account(to_vttm_bo(tbo), 0);
}

const struct ttm_device_funcs vttm_ttm_funcs = {
	.ttm_tt_create = vttm_tt_create,
	.ttm_tt_populate = vttm_tt_populate,
	.ttm_tt_unpopulate = vttm_tt_unpopulate,
	.ttm_tt_destroy = vttm_tt_destroy,
	.eviction_valuable = ttm_bo_eviction_valuable,
	.evict_flags = vttm_evict_flags,
	.move = vttm_bo_move,
	.io_mem_reserve = vttm_io_mem_reserve,
	.io_mem_pfn = vttm_io_mem_pfn,
	.release_notify = vttm_bo_release_notify,
};

static void vttm_gem_free(struct drm_gem_object *obj)
{
	struct ttm_buffer_object *tbo = drm_gem_ttm_of_gem(obj);

	/* the dma-buf goes with the last user */
	if (vttm_bo_is_import(to_vttm_bo(tbo)))
		vttm_dma_buf_release_import(to_vttm_bo(tbo));
	ttm_bo_put(tbo);
}

/*
 * TTM's mmap, with a fault handler that keeps the DMA ownership rules. An
 * import has no pages of its own to fault in: the exporter's device maps
 * it (or the dma-buf's own mmap).
 */
static int vttm_gem_mmap(struct drm_gem_object *obj,
			 struct vm_area_struct *vma)
{
	if (vttm_bo_is_import(to_vttm_bo(drm_gem_ttm_of_gem(obj))))
		return -ENODEV;
	vma->vm_ops = &vttm_bo_vm_ops;
	return drm_gem_ttm_mmap(obj, vma);
}

static const struct drm_gem_object_funcs vttm_gem_funcs = {
	.free = vttm_gem_free,
	.export = vttm_gem_prime_export,
	.mmap = vttm_gem_mmap,
	.vmap = drm_gem_ttm_vmap,
	.vunmap = drm_gem_ttm_vunmap,
};

/* TTM's destroy callback: the last reference is gone. */
static void vttm_bo_destroy(struct ttm_buffer_object *tbo)
{
	struct vttm_bo *bo = to_vttm_bo(tbo);
	struct vttm_device *vdev = ttm_to_vttm(tbo->bdev);

	if (bo->id != VTTM_BO_KERNEL_ID)
		xa_erase(&vdev->bos, bo->id);
	/* the file's release is deferred: no lock of the dma-buf is taken here */
	if (bo->import_dma_buf)
		dma_buf_put(bo->import_dma_buf);
	drm_gem_object_release(&tbo->base);
	/* the bos listing may still look at it, under RCU */
	kfree_rcu(bo, rcu);
}

/*
 * Validate into the BO's placement holding its lock in a drm_exec
 * transaction: with a ticket, eviction may wait for BOs that others hold
 * instead of giving up on them, so an allocation that must evict keeps
 * trying while it makes progress (exhaustive eviction). When the BO it
 * would wait for belongs to an older transaction, waiting could deadlock:
 * TTM returns -EDEADLK (ww_backoff) and this one lets go of its lock,
 * sleeps until that BO is free and starts again, where TTM would
 * otherwise fail the allocation with -ENOMEM.
 */
static int vttm_bo_validate_exec(struct vttm_bo *bo)
{
	struct ttm_operation_ctx ctx = {
		.interruptible = true,
		.gfp_retry_mayfail = true,
		.ww_backoff = true,
	};
	struct drm_exec exec;
	int ret;

	for (;;) {
		drm_exec_init(&exec, DRM_EXEC_INTERRUPTIBLE_WAIT, 1);
		drm_exec_until_all_locked(&exec) {
			ret = drm_exec_lock_obj(&exec, &bo->tbo.base);
			drm_exec_retry_on_contention(&exec);
			if (ret)
				break;
			ret = ttm_bo_validate(&bo->tbo, &bo->placement, &ctx);
		}
		drm_exec_fini(&exec);
		if (ret != -EDEADLK)
			return ret;
		ret = vttm_bo_wait_contended(&ctx);
		if (ret)
			return ret;
	}
}

/**
 * vttm_bo_wait_contended() - Wait for the BO an eviction backed off from
 * @ctx: The context of the ttm_bo_validate() that returned -EDEADLK.
 *
 * With no reservation held, sleep until the transaction that holds
 * @ctx->contended lets it go, then drop TTM's reference: the caller's next
 * transaction does not spin against it. That transaction has a new,
 * younger ticket (drm_exec cannot keep one across a restart), so wait-die's
 * promise that the oldest wins does not carry over; having slept on the
 * holder, it rarely meets it again.
 *
 * Return: 0, or -ERESTARTSYS if a signal came first.
 */
int vttm_bo_wait_contended(struct ttm_operation_ctx *ctx)
{
	struct ttm_buffer_object *bo = ctx->contended;
	int ret = 0;

	ctx->contended = NULL;
	if (bo) {
		ret = dma_resv_lock_interruptible(bo->base.resv, NULL);
		if (!ret)
			dma_resv_unlock(bo->base.resv);
		else if (ret == -EINTR)
			ret = -ERESTARTSYS;	/* the ioctl restarts */
		ttm_bo_put(bo);
	} else if (signal_pending(current)) {
		ret = -ERESTARTSYS;
	} else {
		cond_resched();
	}
	return ret;
}

/*
 * A new BO with its id reserved (published once it is whole) and its GEM
 * object initialised; the caller sets the placement and inits it in TTM.
 */
static struct vttm_bo *vttm_bo_alloc(struct vttm_device *vdev, u64 size,
				     u32 flags)
{
	struct vttm_bo *bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	u32 id;
	int ret;

	if (!bo)
		return ERR_PTR(-ENOMEM);

	/*
	 * Cyclic: an id read from the bos node and written to the
	 * purgeable node later must not name a new BO of another process.
	 */
	ret = xa_alloc_cyclic(&vdev->bos, &id, NULL, xa_limit_31b,
			      &vdev->next_bo_id, GFP_KERNEL);
	if (ret < 0) {
		kfree(bo);
		return ERR_PTR(ret);
	}
	bo->id = id;
	bo->flags = flags;
	bo->madv = VTTM_MADV_WILLNEED;
	bo->pid = task_tgid_nr(current);
	get_task_comm(bo->comm, current);
	bo->tbo.base.funcs = &vttm_gem_funcs;
	drm_gem_private_object_init(&vdev->drm, &bo->tbo.base, size);

	return bo;
}

/**
 * vttm_bo_create() - Create a BO
 * @vdev: The device.
 * @size: Bytes, page aligned, at most VTTM_GEM_MAX_SIZE.
 * @placement: VTTM_PLACEMENT_VRAM or VTTM_PLACEMENT_TT.
 * @flags: VTTM_GEM_CREATE_ flags.
 * @out: The BO, with one GEM reference, unlocked.
 *
 * A VRAM BO evicts others when VRAM is full; when nothing can be evicted
 * it starts in TT.
 *
 * Return: 0, -EINVAL for bad arguments, -ENOMEM, -EINTR, or -ERESTARTSYS
 * when a signal came while the BO waited for another client's to evict.
 */
int vttm_bo_create(struct vttm_device *vdev, u64 size, u32 placement,
		   u32 flags, struct vttm_bo **out)
{
	static const struct ttm_place sys_place = { .mem_type = TTM_PL_SYSTEM };
	struct ttm_placement sys = {
		.num_placement = 1,
		.placement = &sys_place,
	};
	struct ttm_operation_ctx ctx = {
		.interruptible = true,
		.gfp_retry_mayfail = true,
	};
	struct vttm_bo *bo;
	int ret;

	if (!size || size > VTTM_GEM_MAX_SIZE || !PAGE_ALIGNED(size) ||
	    flags & ~VTTM_GEM_CREATE_FLAGS ||
	    (placement != VTTM_PLACEMENT_VRAM && placement != VTTM_PLACEMENT_TT))
		return -EINVAL;

	bo = vttm_bo_alloc(vdev, size, flags);
	if (IS_ERR(bo))
		return PTR_ERR(bo);
	if (placement == VTTM_PLACEMENT_VRAM) {
		bo->places[0].mem_type = TTM_PL_VRAM;
		/* the last VRAM page is the driver's (vttm_pm.c) */
		bo->places[0].lpfn = vdev->vram_size >> PAGE_SHIFT;
		bo->places[1].mem_type = TTM_PL_TT;
		bo->places[1].flags = TTM_PL_FLAG_FALLBACK;
		bo->placement.num_placement = 2;
	} else {
		bo->places[0].mem_type = TTM_PL_TT;
		bo->placement.num_placement = 1;
	}
	bo->placement.placement = bo->places;

	/*
	 * TT BOs are placed right away. VRAM BOs start without memory and
	 * are validated in a drm_exec transaction, so that they can evict.
	 * On failure ttm_bo_init_reserved() calls vttm_bo_destroy().
	 */
	ret = ttm_bo_init_reserved(&vdev->ttm, &bo->tbo, ttm_bo_type_device,
				   placement == VTTM_PLACEMENT_VRAM ?
				   &sys : &bo->placement, 0, &ctx, NULL, NULL,
				   vttm_bo_destroy);
	if (ret)
		return ret;
	dma_resv_unlock(bo->tbo.base.resv);

	if (placement == VTTM_PLACEMENT_VRAM) {
		ret = vttm_bo_validate_exec(bo);
		if (ret) {
			drm_gem_object_put(&bo->tbo.base);
			return ret;
		}
	}

	vttm_bo_publish(bo);
	*out = bo;
	return 0;
}

/**
 * vttm_bo_publish() - Let the bos and purgeable nodes see a whole new BO
 * @bo: The BO, from vttm_bo_create() or vttm_bo_create_import().
 */
void vttm_bo_publish(struct vttm_bo *bo)
{
	xa_store(&ttm_to_vttm(bo->tbo.bdev)->bos, bo->id, bo, GFP_KERNEL);
}

/**
 * vttm_bo_create_import() - Create the BO of a dma-buf from another device
 * @vdev: The importing device.
 * @dma_buf: The dma-buf; the BO shares its reservation object.
 * @out: The BO, with one GEM reference, unlocked, not yet published.
 *
 * The BO lives in TT while the engine uses the exporter's pages through
 * the attachment's mapping, and in system memory (unmapped) otherwise.
 * The caller attaches it to @dma_buf.
 *
 * Return: 0, -EINVAL for a dma-buf vttm cannot use, or -ENOMEM.
 */
int vttm_bo_create_import(struct vttm_device *vdev, struct dma_buf *dma_buf,
			  struct vttm_bo **out)
{
	static const struct ttm_place sys_place = { .mem_type = TTM_PL_SYSTEM };
	struct ttm_placement sys = {
		.num_placement = 1,
		.placement = &sys_place,
	};
	struct ttm_operation_ctx ctx = { .gfp_retry_mayfail = true };
	struct vttm_bo *bo;
	int ret;

	if (!dma_buf->size || !PAGE_ALIGNED(dma_buf->size) ||
	    dma_buf->size > VTTM_GEM_MAX_SIZE)
		return -EINVAL;

	bo = vttm_bo_alloc(vdev, dma_buf->size, 0);
	if (IS_ERR(bo))
		return PTR_ERR(bo);
	bo->places[0].mem_type = TTM_PL_TT;
	bo->placement.num_placement = 1;
	bo->placement.placement = bo->places;
	/*
	 * Held until TTM destroys the BO, failed init included: the BO uses
	 * the reservation object the dma-buf keeps alive to the end.
	 */
	get_dma_buf(dma_buf);
	bo->import_dma_buf = dma_buf;

	/* the exporter's reservation: fences on either side are seen by both */
	dma_resv_lock(dma_buf->resv, NULL);
	ret = ttm_bo_init_reserved(&vdev->ttm, &bo->tbo, ttm_bo_type_sg, &sys,
				   0, &ctx, NULL, dma_buf->resv,
				   vttm_bo_destroy);
	dma_resv_unlock(dma_buf->resv);
	if (ret)
		return ret;

	*out = bo;
	return 0;
}

/**
 * vttm_bo_set_exported() - Note that a BO is exported, or no longer
 * @bo: The BO, reserved.
 * @dma_buf: Its dma-buf, or NULL when that is released.
 *
 * Exported pages are off limits to the shrinker; the counts follow. The
 * pages hold what the engine wrote from here on (see vttm_dma.c).
 */
void vttm_bo_set_exported(struct vttm_bo *bo, struct dma_buf *dma_buf)
{
	dma_resv_assert_held(bo->tbo.base.resv);
	/* what the engine wrote so far, into the pages others will see */
	if (dma_buf)
		vttm_bo_to_cpu(bo, false);
	vttm_bo_dma_share(bo);
	bo->dma_buf = dma_buf;
	/* not the reclaim worker's any more, nor the shrinker's */
	vttm_bo_undefer(bo);
	vttm_bo_account(bo, ttm_tt_resident_pages(bo->tbo.ttm));
}

/**
 * vttm_bo_create_kernel() - Create a BO for the driver itself
 * @vdev: The device.
 * @size: Bytes, page aligned.
 * @out: The BO, with one reference, unlocked.
 *
 * In TT; in no list and with no id, so that the shrinker's bos node and
 * the purgeable node do not show it. Its pages are accounted as any BO's.
 * Release it with vttm_bo_put_kernel().
 *
 * Return: 0 or a negative error code.
 */
int vttm_bo_create_kernel(struct vttm_device *vdev, u64 size,
			  struct vttm_bo **out)
{
	struct ttm_operation_ctx ctx = { .gfp_retry_mayfail = true };
	struct vttm_bo *bo;
	int ret;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return -ENOMEM;

	bo->id = VTTM_BO_KERNEL_ID;
	bo->madv = VTTM_MADV_WILLNEED;
	strscpy(bo->comm, "[vttm]", sizeof(bo->comm));
	/* the driver moves it where it belongs */
	bo->places[0].mem_type = TTM_PL_TT;
	bo->placement.num_placement = 1;
	bo->placement.placement = bo->places;
	bo->tbo.base.funcs = &vttm_gem_funcs;
	drm_gem_private_object_init(&vdev->drm, &bo->tbo.base, size);

	ret = ttm_bo_init_reserved(&vdev->ttm, &bo->tbo, ttm_bo_type_kernel,
				   &bo->placement, 0, &ctx, NULL, NULL,
				   vttm_bo_destroy);
	if (ret)
		return ret;
	dma_resv_unlock(bo->tbo.base.resv);

	*out = bo;
	return 0;
}

/**
 * vttm_bo_set_pinned() - Pin or unpin a BO, keeping the accounting exact
 * @bo: The BO, reserved.
 * @pinned: Pin it, or drop its pin.
 */
void vttm_bo_set_pinned(struct vttm_bo *bo, bool pinned)
{
	if (pinned)
		ttm_bo_pin(&bo->tbo);
	else
		ttm_bo_unpin(&bo->tbo);
	vttm_bo_account(bo, ttm_tt_resident_pages(bo->tbo.ttm));
}

/**
 * vttm_bo_put_kernel() - Release a BO from vttm_bo_create_kernel()
 * @bo: The BO, or NULL.
 */
void vttm_bo_put_kernel(struct vttm_bo *bo)
{
	if (bo)
		drm_gem_object_put(&bo->tbo.base);
}

int vttm_bo_create_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct drm_vttm_gem_create *args = data;
	struct vttm_bo *bo;
	u32 handle, id;
	int ret;

	if (args->handle || args->id)
		return -EINVAL;

	ret = vttm_bo_create(to_vttm(drm), args->size, args->placement,
			     args->flags, &bo);
	if (ret)
		return ret;

	id = bo->id;
	ret = drm_gem_handle_create(file, &bo->tbo.base, &handle);
	/*
	 * The handle holds the reference now, or the BO goes; either way
	 * it is not ours to touch any more (another thread may close the
	 * handle at once).
	 */
	drm_gem_object_put(&bo->tbo.base);
	if (ret)
		return ret;

	args->handle = handle;
	args->id = id;
	return 0;
}

/* Look up a handle and reserve the BO. */
static struct vttm_bo *vttm_bo_lookup_lock(struct drm_file *file, u32 handle,
					   int *err)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(file, handle);
	struct vttm_bo *bo;

	if (!obj) {
		*err = -ENOENT;
		return NULL;
	}
	bo = to_vttm_bo(drm_gem_ttm_of_gem(obj));
	*err = dma_resv_lock_interruptible(bo->tbo.base.resv, NULL);
	if (*err) {
		drm_gem_object_put(obj);
		return NULL;
	}

	return bo;
}

static void vttm_bo_unlock_put(struct vttm_bo *bo)
{
	dma_resv_unlock(bo->tbo.base.resv);
	drm_gem_object_put(&bo->tbo.base);
}

int vttm_bo_mmap_offset_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct drm_vttm_gem_mmap_offset *args = data;

	if (args->pad)
		return -EINVAL;

	return drm_gem_ttm_dumb_map_offset(file, drm, args->handle,
					   &args->offset);
}

/**
 * vttm_bo_set_madv() - Change a BO's purgeable state
 * @bo: The BO, reserved.
 * @madv: VTTM_MADV_WILLNEED or VTTM_MADV_DONTNEED.
 * @owner: The BO's user is asking (the madvise ioctl): a willneed tells it
 * of a purge once, and then forgets it. An administrator's willneed
 * (debugfs) leaves the purge for the owner to learn of.
 *
 * Return: Whether the contents are still there.
 */
bool vttm_bo_set_madv(struct vttm_bo *bo, u32 madv, bool owner)
{
	struct ttm_tt *tt = bo->tbo.ttm;
	bool retained = !(tt && ttm_tt_purged(tt));

	WRITE_ONCE(bo->madv, madv);
	/* The owner's willneed acknowledges a purge: report it once. */
	if (madv == VTTM_MADV_WILLNEED && owner && tt)
		ttm_tt_clear_purged(tt);
	vttm_bo_account(bo, ttm_tt_resident_pages(tt));

	return retained;
}

int vttm_bo_madvise_ioctl(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct drm_vttm_gem_madvise *args = data;
	struct vttm_bo *bo;
	int err;

	if (args->pad || args->retained ||
	    (args->madv != VTTM_MADV_WILLNEED && args->madv != VTTM_MADV_DONTNEED))
		return -EINVAL;

	bo = vttm_bo_lookup_lock(file, args->handle, &err);
	if (!bo)
		return err;
	args->retained = vttm_bo_set_madv(bo, args->madv, true);
	vttm_bo_unlock_put(bo);

	return 0;
}

int vttm_bo_wait_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct drm_vttm_gem_wait *args = data;
	struct drm_gem_object *obj;
	long timeout;
	long ret;

	if (args->flags || args->timeout_ns < 0)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	timeout = nsecs_to_jiffies(args->timeout_ns);
	ret = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_BOOKKEEP, true,
				    timeout);
	drm_gem_object_put(obj);
	if (ret < 0)
		return ret;

	return ret ? 0 : -ETIME;
}

static u32 vttm_bo_state(struct vttm_bo *bo)
{
	struct ttm_tt *tt = bo->tbo.ttm;
	long resident = ttm_tt_resident_pages(tt);

	if (!tt || ttm_tt_is_populated(tt))
		return VTTM_STATE_RESIDENT;
	if (ttm_tt_is_backed_up(tt))
		return resident ? VTTM_STATE_PARTIAL : VTTM_STATE_BACKED_UP;
	if (ttm_tt_purged(tt))
		return VTTM_STATE_PURGED;

	return VTTM_STATE_RESIDENT;
}

int vttm_bo_info_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct drm_vttm_gem_info *args = data;
	struct vttm_bo *bo;
	int err;

	if (args->pad || args->placement || args->state || args->madv ||
	    args->size || args->id)
		return -EINVAL;

	bo = vttm_bo_lookup_lock(file, args->handle, &err);
	if (!bo)
		return err;

	switch (bo->tbo.resource ? bo->tbo.resource->mem_type : TTM_PL_SYSTEM) {
	case TTM_PL_VRAM:
		args->placement = VTTM_PLACEMENT_VRAM;
		break;
	case TTM_PL_TT:
		args->placement = VTTM_PLACEMENT_TT;
		break;
	default:
		args->placement = 0;
		break;
	}
	args->state = vttm_bo_state(bo);
	args->madv = bo->madv;
	args->size = bo->tbo.base.size;
	args->id = bo->id;
	vttm_bo_unlock_put(bo);

	return 0;
}

/* The TTM shrinker's callbacks. */

static bool vttm_shrink_purgeable(struct ttm_buffer_object *tbo)
{
	return to_vttm_bo(tbo)->madv == VTTM_MADV_DONTNEED;
}

/*
 * Shrinking a compressed BO needs the engine, so the device must be awake.
 * A scan that may wait (kswapd, the forced shrink, the reclaim worker)
 * wakes it once, in begin, with no reservation held: resuming takes
 * reservations (see vttm_runtime_resume()), so it must never happen
 * under one. Direct reclaim never wakes it.
 */
static int vttm_shrink_begin(struct ttm_shrinker *shrinker,
			     struct ttm_shrink_ctx *sctx)
{
	struct vttm_device *vdev = ttm_to_vttm(shrinker->bdev);

	/*
	 * Like a discrete GPU's, vttm's resume takes reservations and
	 * allocates (vttm_pm.c): not safe in reclaim, kswapd's included.
	 * Only scans in process context wake it: the forced shrink and the
	 * reclaim worker, which kswapd and direct reclaim leave work to.
	 */
	if ((sctx->caller == TTM_SHRINK_CALLER_FORCED ||
	     sctx->caller == TTM_SHRINK_CALLER_WORKER) && !vttm_pm_get(vdev))
		sctx->driver_priv = 1;	/* awake for the whole scan */

	return 0;
}

static void vttm_shrink_end(struct ttm_shrinker *shrinker,
			    const struct ttm_shrink_ctx *sctx)
{
	if (sctx->driver_priv)
		vttm_pm_put(ttm_to_vttm(shrinker->bdev));
}

/*
 * With the BO reserved: use the device if begin holds it awake or it is
 * active anyway; otherwise skip the BO and let the reclaim worker do it
 * shortly.
 */
static int vttm_shrink_prepare(struct ttm_shrinker *shrinker,
			       struct ttm_buffer_object *tbo,
			       const struct ttm_shrink_ctx *sctx)
{
	struct vttm_device *vdev = ttm_to_vttm(shrinker->bdev);
	struct device *dev = vdev->drm.dev;

	/*
	 * TTM leaves exported BOs alone while GEM knows of the export;
	 * once the exporter closed its handles only vttm still does.
	 */
	if (to_vttm_bo(tbo)->dma_buf)
		return -EBUSY;
	if (!(to_vttm_bo(tbo)->flags & VTTM_GEM_CREATE_COMPRESSED) ||
	    sctx->driver_priv || pm_runtime_get_if_active(dev) > 0) {
		/*
		 * TTM unmaps the pages before it reads them; the unmap
		 * copies the device's view back, so give the device what
		 * the CPU wrote first.
		 */
		vttm_bo_to_device(to_vttm_bo(tbo), false);
		return 0;
	}

	/* once per BO, however often reclaim meets it meanwhile */
	if (!to_vttm_bo(tbo)->deferred) {
		to_vttm_bo(tbo)->deferred = true;
		atomic_long_add(tbo->base.size >> PAGE_SHIFT, &vdev->deferred_pages);
	}
	queue_delayed_work(system_unbound_wq, &vdev->reclaim_work, HZ / 2);
	return -EAGAIN;
}

/* A deferred BO was shrunk or goes away: the worker need not look for it. */
static void vttm_bo_undefer(struct vttm_bo *bo)
{
	if (!bo->deferred)
		return;
	bo->deferred = false;
	atomic_long_sub(bo->tbo.base.size >> PAGE_SHIFT,
			&ttm_to_vttm(bo->tbo.bdev)->deferred_pages);
}

static void vttm_shrink_finish(struct ttm_shrinker *shrinker,
			       struct ttm_buffer_object *tbo,
			       const struct ttm_shrink_ctx *sctx, long freed)
{
	struct vttm_bo *bo = to_vttm_bo(tbo);

	vttm_bo_undefer(bo);
	vttm_bo_account(bo, ttm_tt_resident_pages(tbo->ttm));
	/* the reference prepare took, if begin held none */
	if ((bo->flags & VTTM_GEM_CREATE_COMPRESSED) && !sctx->driver_priv)
		vttm_pm_put(ttm_to_vttm(shrinker->bdev));
}

/**
 * vttm_reclaim_work() - Reclaim what direct reclaim had to skip
 * @work: The device's reclaim work.
 *
 * Runs in process context, where the shrinker may wake the device. Scans
 * for the pages of the BOs that were skipped and are still there.
 */
void vttm_reclaim_work(struct work_struct *work)
{
	struct vttm_device *vdev = container_of(to_delayed_work(work),
						struct vttm_device, reclaim_work);
	long pages = atomic_long_read(&vdev->deferred_pages);

	if (pages > 0)
		ttm_shrinker_scan(vdev->shrinker, pages, GFP_KERNEL,
				  TTM_SHRINK_CALLER_WORKER, NULL);
}

/*
 * The bos node's walk: by id, under RCU, each BO referenced while it is
 * visited and no lock held: listing must never hold up BO destruction,
 * which reclaim itself may run.
 */
static int vttm_shrink_visit_bos(struct ttm_shrinker *shrinker,
				 struct ttm_shrinker_bo_visitor *visitor)
{
	struct vttm_device *vdev = ttm_to_vttm(shrinker->bdev);
	unsigned long id = 0;
	struct vttm_bo *bo;
	int ret = 0;

	for (;;) {
		rcu_read_lock();
		bo = xa_find(&vdev->bos, &id, ULONG_MAX, XA_PRESENT);
		if (bo && (bo->tbo.deleted || !ttm_bo_get_unless_zero(&bo->tbo)))
			bo = ERR_PTR(-ENOENT);	/* on its way out */
		rcu_read_unlock();
		if (!bo)
			break;
		if (!IS_ERR(bo)) {
			ret = visitor->visit(visitor, &bo->tbo);
			ttm_bo_put(&bo->tbo);
			if (ret)
				break;
		}
		id++;
		cond_resched();
	}

	return ret;
}

static void vttm_shrink_bo_info(struct ttm_buffer_object *tbo,
				struct ttm_shrinker_bo_info *info)
{
	struct vttm_bo *bo = to_vttm_bo(tbo);

	info->id = bo->id;
	info->dontneed = bo->madv == VTTM_MADV_DONTNEED;
	info->pid = bo->pid;
	strscpy(info->comm, bo->comm, sizeof(info->comm));
}

static int vttm_shrink_set_purgeable(struct ttm_shrinker *shrinker, u32 id,
				     bool dontneed)
{
	struct vttm_device *vdev = ttm_to_vttm(shrinker->bdev);
	struct vttm_bo *bo;
	int ret;

	xa_lock(&vdev->bos);
	bo = xa_load(&vdev->bos, id);
	/* one awaiting delayed destruction is gone for its users */
	if (bo && (bo->tbo.deleted || !ttm_bo_get_unless_zero(&bo->tbo)))
		bo = NULL;
	xa_unlock(&vdev->bos);
	if (!bo)
		return -ENOENT;

	ret = dma_resv_lock_interruptible(bo->tbo.base.resv, NULL);
	if (!ret) {
		vttm_bo_set_madv(bo, dontneed ? VTTM_MADV_DONTNEED :
					       VTTM_MADV_WILLNEED, false);
		dma_resv_unlock(bo->tbo.base.resv);
	}
	ttm_bo_put(&bo->tbo);

	return ret;
}

const struct ttm_shrinker_funcs vttm_shrinker_funcs = {
	.begin = vttm_shrink_begin,
	.end = vttm_shrink_end,
	.purgeable = vttm_shrink_purgeable,
	.prepare = vttm_shrink_prepare,
	.finish = vttm_shrink_finish,
	.for_each_bo = vttm_shrink_visit_bos,
	.bo_info = vttm_shrink_bo_info,
	.set_purgeable = vttm_shrink_set_purgeable,
};

/**
 * vttm_show_fdinfo() - Per-client memory use
 * @p: The printer.
 * @file: The client.
 *
 * The standard drm-total-, drm-shared-, drm-resident-, drm-purgeable- and
 * drm-active- keys for system memory ("memory") and fake VRAM ("vram"),
 * vttm-backed-up-memory (what sits in the backup backend), and
 * drm-engine-copy, the engine time of the client's jobs. Read
 * from the per-BO accounting without taking any reservation, so that
 * monitoring never waits for the GPU or for reclaim.
 */
void vttm_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct drm_memory_stats sys = {}, vram = {};
	struct drm_gem_object *obj;
	u64 backed_up = 0;
	int id;

	spin_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id) {
		struct vttm_bo *bo = to_vttm_bo(drm_gem_ttm_of_gem(obj));
		bool in_vram = READ_ONCE(bo->in_vram);
		struct drm_memory_stats *st = in_vram ? &vram : &sys;
		u64 resident = in_vram ? obj->size :
			       (u64)(READ_ONCE(bo->acct_shrinkable) +
				     READ_ONCE(bo->acct_purgeable) +
				     READ_ONCE(bo->acct_pinned) +
				     READ_ONCE(bo->acct_shared)) << PAGE_SHIFT;

		if (obj->handle_count > 1)
			st->shared += obj->size;
		else
			st->private += obj->size;
		st->resident += resident;
		/* lockless: the fences are RCU-protected */
		if (!dma_resv_test_signaled(obj->resv, DMA_RESV_USAGE_BOOKKEEP))
			st->active += resident;
		if (READ_ONCE(bo->madv) == VTTM_MADV_DONTNEED)
			st->purgeable += resident;
		backed_up += (u64)READ_ONCE(bo->acct_backed_up) << PAGE_SHIFT;
	}
	spin_unlock(&file->table_lock);

	drm_print_memory_stats(p, &sys, DRM_GEM_OBJECT_RESIDENT |
			       DRM_GEM_OBJECT_PURGEABLE, "memory");
	drm_print_memory_stats(p, &vram, DRM_GEM_OBJECT_RESIDENT |
			       DRM_GEM_OBJECT_PURGEABLE, "vram");
	drm_printf(p, "vttm-backed-up-memory:\t%llu KiB\n", backed_up >> 10);
	drm_printf(p, "drm-engine-copy:\t%llu ns\n",
		   atomic64_read(&((struct vttm_file *)file->driver_priv)->engine_ns));
}
