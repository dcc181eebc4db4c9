// SPDX-License-Identifier: GPL-2.0-only
/*
 * How the vttm engine sees system memory: as a device does, through the
 * DMA addresses TTM mapped the tt's pages at, never through the CPU's page
 * pointers. Under swiotlb bouncing (swiotlb=force) those addresses are
 * bounce buffers, so the device's and the CPU's views of a TT BO differ
 * until a sync or an unmap, exactly as on hardware that is not coherent.
 *
 * vttm keeps the streaming DMA ownership rules per BO, under its
 * reservation:
 *  - after the CPU faulted a TT BO in, the CPU owns it (@cpu_owned): its
 *    mappings exist and its writes go to the pages;
 *  - an engine job takes it for the device: CPU mappings are zapped and
 *    the pages synced for the device; a job that writes leaves data the
 *    CPU has not seen yet (@dma_dirty);
 *  - the next CPU fault waits for the writers, syncs for the CPU and
 *    takes it back.
 * Before TTM unmaps the pages (shrinking), the driver hands a CPU-owned BO
 * back to the device, so that the unmap's copy-back is what the CPU wrote.
 * A BO the device wrote last is synced by that unmap: TTM must unmap
 * before it reads the pages, or it backs up stale data.
 *
 * A BO shared through dma-buf (exported, or imported from another device)
 * is seen by other devices and CPUs vttm does not track: its pages are
 * the truth. The engine syncs the ranges a job reads for the device just
 * before it runs (its dependencies have signalled by then) and the range
 * it wrote for the CPU before its fence signals.
 */

#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>

#include <drm/drm_drv.h>
#include <drm/ttm/ttm_tt.h>

#include "vttm_bo.h"
#include "vttm_dma.h"
#include "vttm_drv.h"

static struct device *vttm_bo_dma_dev(struct vttm_bo *bo)
{
	return ttm_to_vttm(bo->tbo.bdev)->drm.dev;
}

/* Whether the BO's pages are DMA-mapped for the device right now. */
static bool vttm_bo_dma_mapped(struct vttm_bo *bo)
{
	struct ttm_tt *tt = bo->tbo.ttm;

	/* an import's are while its attachment is mapped */
	if (vttm_bo_is_import(bo))
		return bo->tbo.sg;
	return tt && tt->dma_address && ttm_tt_is_populated(tt);
}

/**
 * vttm_bo_dma_shared() - Whether a BO's pages are shared through dma-buf
 * @bo: The BO, reserved.
 *
 * Return: True for an import and for an exported BO.
 */
bool vttm_bo_dma_shared(struct vttm_bo *bo)
{
	return vttm_bo_is_import(bo) || bo->dma_buf;
}

/**
 * vttm_dma_map_page() - Where the device sees page @i of a BO's tt
 * @bo: The BO, populated, idle for the CPU (an engine job runs on it).
 * @i: The page index.
 *
 * Return: A kernel address of the memory at the page's DMA address; undo
 * with kunmap_local().
 */
void *vttm_dma_map_page(struct vttm_bo *bo, pgoff_t i)
{
	phys_addr_t phys = dma_to_phys(vttm_bo_dma_dev(bo),
				       bo->tbo.ttm->dma_address[i]);

	return kmap_local_page(pfn_to_page(PHYS_PFN(phys))) +
	       offset_in_page(phys);
}

static void vttm_bo_dma_sync_range(struct vttm_bo *bo, pgoff_t first,
				   pgoff_t count, bool for_cpu)
{
	struct device *dev = vttm_bo_dma_dev(bo);
	struct ttm_tt *tt = bo->tbo.ttm;
	pgoff_t i;

	for (i = first; i < first + count; i++) {
		if (for_cpu)
			dma_sync_single_for_cpu(dev, tt->dma_address[i],
						PAGE_SIZE, DMA_BIDIRECTIONAL);
		else
			dma_sync_single_for_device(dev, tt->dma_address[i],
						   PAGE_SIZE, DMA_BIDIRECTIONAL);
	}
}

static void vttm_bo_dma_sync(struct vttm_bo *bo, bool for_cpu)
{
	vttm_bo_dma_sync_range(bo, 0, bo->tbo.ttm->num_pages, for_cpu);
}

/**
 * vttm_bo_dma_job_sync() - A job's view of a shared BO's pages
 * @bo: A BO the job holds, shared (vttm_bo_dma_shared() at submission).
 * @first: The first page the job touches.
 * @count: Pages.
 * @done: False before the job reads them (for the device), true after it
 * wrote them (for the CPU).
 *
 * Called by the engine in the fence signalling path: it does not
 * allocate. The mapping cannot go meanwhile: moves wait for the job.
 */
void vttm_bo_dma_job_sync(struct vttm_bo *bo, pgoff_t first, pgoff_t count,
			  bool done)
{
	if (vttm_bo_dma_mapped(bo))
		vttm_bo_dma_sync_range(bo, first, count, done);
}

/**
 * vttm_bo_dma_share() - The pages become shared, or no longer
 * @bo: The BO, reserved, idle for the CPU (its writers waited for).
 *
 * Either way the pages are the truth from now on: the CPU owns them, and
 * the next job of a BO that is no longer shared syncs them for the
 * device as after any CPU access.
 */
void vttm_bo_dma_share(struct vttm_bo *bo)
{
	dma_resv_assert_held(bo->tbo.base.resv);
	bo->cpu_owned = true;
	bo->dma_dirty = false;
}

/**
 * vttm_bo_dma_reset() - Fresh DMA mappings: both views agree
 * @bo: The BO, reserved, just populated (mapping copies to the device).
 */
void vttm_bo_dma_reset(struct vttm_bo *bo)
{
	bo->cpu_owned = false;
	bo->dma_dirty = false;
}

/**
 * vttm_bo_to_device() - Hand a BO's pages to the device
 * @bo: The BO, reserved.
 * @write: The device is going to write them.
 *
 * What the CPU wrote reaches the device's view; the CPU's mappings go, so
 * that its next access faults and takes the pages back properly.
 */
void vttm_bo_to_device(struct vttm_bo *bo, bool write)
{
	dma_resv_assert_held(bo->tbo.base.resv);
	if (!vttm_bo_dma_mapped(bo))
		return;

	/* the engine syncs a shared BO's pages around each job */
	if (vttm_bo_dma_shared(bo))
		return;
	if (bo->cpu_owned) {
		ttm_bo_unmap_virtual(&bo->tbo);
		vttm_bo_dma_sync(bo, false);
		bo->cpu_owned = false;
	}
	if (write)
		bo->dma_dirty = true;
}

/**
 * vttm_bo_to_cpu() - Take a BO's pages back for the CPU
 * @bo: The BO, reserved.
 * @intr: Wait for the engine interruptibly.
 *
 * Waits for the jobs writing it, then syncs their data into the pages.
 *
 * Return: 0, or -ERESTARTSYS when interrupted.
 */
int vttm_bo_to_cpu(struct vttm_bo *bo, bool intr)
{
	long ret;

	dma_resv_assert_held(bo->tbo.base.resv);
	if (!vttm_bo_dma_mapped(bo) || vttm_bo_dma_shared(bo)) {
		bo->dma_dirty = false;
		if (vttm_bo_dma_shared(bo))
			bo->cpu_owned = true;
		return 0;
	}
	if (bo->dma_dirty) {
		ret = dma_resv_wait_timeout(bo->tbo.base.resv,
					    DMA_RESV_USAGE_WRITE, intr,
					    MAX_SCHEDULE_TIMEOUT);
		if (ret < 0)
			return ret;
		vttm_bo_dma_sync(bo, true);
		bo->dma_dirty = false;
	}
	bo->cpu_owned = true;

	return 0;
}

/* A CPU fault: the BO's pages become the CPU's before they are mapped. */
static vm_fault_t vttm_bo_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct ttm_buffer_object *tbo = vma->vm_private_data;
	struct vttm_bo *bo = to_vttm_bo(tbo);
	vm_fault_t ret;
	int idx;

	ret = ttm_bo_vm_reserve(tbo, vmf);
	if (ret)
		return ret;

	if (!drm_dev_enter(tbo->base.dev, &idx)) {
		ret = ttm_bo_vm_dummy_page(vmf, vma->vm_page_prot);
		goto out_unlock;
	}
	/* the engine may be writing it: take it back first */
	if (vttm_bo_to_cpu(bo, true)) {
		ret = VM_FAULT_NOPAGE;
	} else {
		ret = ttm_bo_vm_fault_reserved(vmf, vma->vm_page_prot,
					       TTM_BO_VM_NUM_PREFAULT);
		if (ret == VM_FAULT_RETRY &&
		    !(vmf->flags & FAULT_FLAG_RETRY_NOWAIT)) {
			/* the reservation was dropped to wait */
			drm_dev_exit(idx);
			return ret;
		}
		/* a restore in the fault mapped the pages afresh: the CPU's */
		if (vttm_bo_dma_mapped(bo))
			bo->cpu_owned = true;
	}
	drm_dev_exit(idx);

out_unlock:
	dma_resv_unlock(tbo->base.resv);
	return ret;
}

const struct vm_operations_struct vttm_bo_vm_ops = {
	.fault = vttm_bo_vm_fault,
	.open = ttm_bo_vm_open,
	.close = ttm_bo_vm_close,
	.access = ttm_bo_vm_access,
};
