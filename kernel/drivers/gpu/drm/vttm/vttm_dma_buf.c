// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma-buf sharing, as a discrete GPU does it.
 *
 * Export: the dma-buf shares the BO's reservation object and supports
 * dynamic attachment. Mapping it for an importer brings the BO into TT
 * (its pages; the fake VRAM is not reachable by other devices) and maps
 * those pages for the importer's device. The BO may still move afterwards
 * (its owner's engine wants it back in VRAM, a D3cold suspend): every
 * move first tells the importers (dma_buf_move_notify()), which let go of
 * their mappings. Importers that cannot be told pin it instead. The
 * shrinker leaves an exported BO alone: other devices use its pages.
 *
 * Import: a dma-buf of another device becomes a BO of type sg sharing the
 * exporter's reservation object. It is mapped when it moves to TT (an
 * engine job validates it there) and unmapped when it moves back to
 * system memory, which is what vttm does when the exporter announces a
 * move. The engine reaches the exporter's pages through the mapping's DMA
 * addresses, so swiotlb bounces them as it would for hardware.
 */

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/module.h>

#include <drm/drm_gem_ttm_helper.h>
#include <drm/drm_prime.h>
#include <drm/ttm/ttm_tt.h>

#include "vttm_bo.h"
#include "vttm_dma.h"
#include "vttm_dma_buf.h"
#include "vttm_drv.h"

/* not const: ttm_bo_validate() takes none */
static const struct ttm_place vttm_tt_place = { .mem_type = TTM_PL_TT };
static struct ttm_placement vttm_tt_placement = {
	.num_placement = 1,
	.placement = &vttm_tt_place,
};

static const struct ttm_place vttm_sys_place = { .mem_type = TTM_PL_SYSTEM };
static struct ttm_placement vttm_sys_placement = {
	.num_placement = 1,
	.placement = &vttm_sys_place,
};

static struct vttm_bo *dma_buf_to_vttm_bo(struct dma_buf *dma_buf)
{
	return to_vttm_bo(drm_gem_ttm_of_gem(dma_buf->priv));
}

/*
 * Where an importer can reach the BO: its pages in TT. They hold what the
 * engine wrote: an exported BO's jobs sync their writes into them.
 */
static int vttm_dma_buf_to_tt(struct vttm_bo *bo)
{
	struct ttm_operation_ctx ctx = { .gfp_retry_mayfail = true };

	if (bo->tbo.pin_count)
		return 0;
	return ttm_bo_validate(&bo->tbo, &vttm_tt_placement, &ctx);
}

/* An importer that cannot follow moves: keep the BO where it is. */
static int vttm_dma_buf_pin(struct dma_buf_attachment *attach)
{
	struct vttm_bo *bo = dma_buf_to_vttm_bo(attach->dmabuf);
	int ret;

	ret = vttm_dma_buf_to_tt(bo);
	if (!ret)
		vttm_bo_set_pinned(bo, true);
	return ret;
}

static void vttm_dma_buf_unpin(struct dma_buf_attachment *attach)
{
	vttm_bo_set_pinned(dma_buf_to_vttm_bo(attach->dmabuf), false);
}

/*
 * Called with the reservation held. The mapping copies the pages to the
 * importer's view (swiotlb); from then on the importer syncs around its
 * own accesses, so the unmap does not copy back over what the CPU wrote
 * meanwhile.
 */
static struct sg_table *vttm_dma_buf_map(struct dma_buf_attachment *attach,
					 enum dma_data_direction dir)
{
	struct dma_buf *dma_buf = attach->dmabuf;
	struct vttm_bo *bo = dma_buf_to_vttm_bo(dma_buf);
	struct ttm_tt *tt;
	struct sg_table *sgt;
	int ret;

	dma_resv_assert_held(dma_buf->resv);
	ret = vttm_dma_buf_to_tt(bo);
	if (ret)
		return ERR_PTR(ret);
	tt = bo->tbo.ttm;

	sgt = drm_prime_pages_to_sg(bo->tbo.base.dev, tt->pages, tt->num_pages);
	if (IS_ERR(sgt))
		return sgt;
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret) {
		sg_free_table(sgt);
		kfree(sgt);
		return ERR_PTR(ret);
	}

	return sgt;
}

/*
 * The dma-buf goes: the BO is the shrinker's again. Jobs still running
 * on it sync their writes into the pages as shared BOs' jobs do; they
 * are waited for first, so that the pages are the truth when the BO's
 * usual DMA ownership rules take over.
 */
static void vttm_dma_buf_release(struct dma_buf *dma_buf)
{
	struct vttm_bo *bo = dma_buf_to_vttm_bo(dma_buf);

	dma_resv_lock(bo->tbo.base.resv, NULL);
	dma_resv_wait_timeout(bo->tbo.base.resv, DMA_RESV_USAGE_BOOKKEEP, false,
			      MAX_SCHEDULE_TIMEOUT);
	vttm_bo_set_exported(bo, NULL);
	dma_resv_unlock(bo->tbo.base.resv);
	drm_gem_dmabuf_release(dma_buf);
}

static const struct dma_buf_ops vttm_dma_buf_ops = {
	.pin = vttm_dma_buf_pin,
	.unpin = vttm_dma_buf_unpin,
	.map_dma_buf = vttm_dma_buf_map,
	.unmap_dma_buf = drm_gem_unmap_dma_buf,
	.release = vttm_dma_buf_release,
	/*
	 * No mmap or vmap of the dma-buf: TTM zaps only the DRM device's
	 * mappings when the BO moves, and a BO shared here does move.
	 */
};

/**
 * vttm_gem_prime_export() - Export a BO as a dma-buf
 * @obj: The BO's GEM object.
 * @flags: The dma-buf file's flags.
 *
 * Return: The dma-buf or an ERR_PTR().
 */
struct dma_buf *vttm_gem_prime_export(struct drm_gem_object *obj, int flags)
{
	struct vttm_bo *bo = to_vttm_bo(drm_gem_ttm_of_gem(obj));
	struct dma_buf_export_info exp_info = {
		.exp_name = KBUILD_MODNAME,
		.owner = THIS_MODULE,
		.ops = &vttm_dma_buf_ops,
		.size = obj->size,
		.flags = flags,
		.priv = obj,
		.resv = obj->resv,
	};
	struct dma_buf *dma_buf;

	/* the driver's own BOs are not for sharing */
	if (bo->id == VTTM_BO_KERNEL_ID)
		return ERR_PTR(-EPERM);

	dma_buf = drm_gem_dmabuf_export(obj->dev, &exp_info);
	if (IS_ERR(dma_buf))
		return dma_buf;

	dma_resv_lock(obj->resv, NULL);
	vttm_bo_set_exported(bo, dma_buf);
	dma_resv_unlock(obj->resv);

	return dma_buf;
}

/* Once the engine is done with them, give the exporter's pages back. */
static void vttm_dma_buf_unmap_locked(struct vttm_bo *bo)
{
	struct ttm_buffer_object *tbo = &bo->tbo;

	if (!tbo->sg)
		return;
	dma_resv_wait_timeout(tbo->base.resv, DMA_RESV_USAGE_BOOKKEEP, false,
			      MAX_SCHEDULE_TIMEOUT);
	dma_buf_unmap_attachment(tbo->base.import_attach, tbo->sg,
				 DMA_BIDIRECTIONAL);
	tbo->sg = NULL;
}

/*
 * The exporter is about to move the BO (reservation held): give the pages
 * back, whatever else fails, and show the BO in system memory. The next
 * engine job maps them again wherever they are then.
 */
static void vttm_dma_buf_move_notify(struct dma_buf_attachment *attach)
{
	struct vttm_bo *bo = attach->importer_priv;
	struct ttm_operation_ctx ctx = {};

	if (!bo->tbo.sg)
		return;
	vttm_dma_buf_unmap_locked(bo);
	/* only where it is reported: exec maps it again in any case */
	ttm_bo_validate(&bo->tbo, &vttm_sys_placement, &ctx);
}

static const struct dma_buf_attach_ops vttm_dma_buf_importer_ops = {
	.allow_peer2peer = false,
	.move_notify = vttm_dma_buf_move_notify,
};

/**
 * vttm_gem_prime_import() - Import a dma-buf
 * @drm: The importing device.
 * @dma_buf: The dma-buf.
 *
 * One of the device's own BOs is itself; any other dma-buf gets a BO of
 * type sg, attached dynamically.
 *
 * Return: A GEM object with a reference, or an ERR_PTR().
 */
struct drm_gem_object *vttm_gem_prime_import(struct drm_device *drm,
					     struct dma_buf *dma_buf)
{
	struct dma_buf_attachment *attach;
	struct vttm_bo *bo;
	int ret;

	if (dma_buf->ops == &vttm_dma_buf_ops) {
		struct drm_gem_object *obj = dma_buf->priv;

		if (obj->dev == drm) {
			drm_gem_object_get(obj);
			return obj;
		}
	}

	ret = vttm_bo_create_import(to_vttm(drm), dma_buf, &bo);
	if (ret)
		return ERR_PTR(ret);

	attach = dma_buf_dynamic_attach(dma_buf, drm->dev,
					&vttm_dma_buf_importer_ops, bo);
	if (IS_ERR(attach)) {
		drm_gem_object_put(&bo->tbo.base);
		return ERR_CAST(attach);
	}
	bo->tbo.base.import_attach = attach;
	vttm_bo_publish(bo);

	return &bo->tbo.base;
}

/**
 * vttm_dma_buf_move_import() - An imported BO's move
 * @bo: The BO, reserved (the exporter's reservation).
 * @ctx: The operation context.
 * @new_mem: Where it goes: TT maps the exporter's pages, system memory
 * unmaps them once the engine is done with them.
 *
 * Return: 0 or a negative error code, the BO unmoved.
 */
int vttm_dma_buf_move_import(struct vttm_bo *bo, struct ttm_operation_ctx *ctx,
			     struct ttm_resource *new_mem)
{
	struct ttm_buffer_object *tbo = &bo->tbo;
	int ret;

	if (new_mem->mem_type == TTM_PL_TT) {
		/* mapped before it moves: a failed move leaves it where it was */
		ret = vttm_dma_buf_map_import(bo);
		if (ret)
			return ret;
	} else if (tbo->sg) {
		ret = ttm_bo_wait_ctx(tbo, ctx);
		if (ret)
			return ret;
		vttm_dma_buf_unmap_locked(bo);
	}
	ttm_bo_move_null(tbo, new_mem);

	return 0;
}

/**
 * vttm_dma_buf_map_import() - Map an imported BO for the engine
 * @bo: The BO, reserved, in TT or moving there (its tt exists).
 *
 * Maps the exporter's pages for this device unless they are mapped (the
 * exporter takes them back when it moves the BO), and records their DMA
 * addresses in the tt, where the engine looks.
 *
 * Return: 0 or a negative error code.
 */
int vttm_dma_buf_map_import(struct vttm_bo *bo)
{
	struct ttm_buffer_object *tbo = &bo->tbo;
	struct dma_buf_attachment *attach = tbo->base.import_attach;
	struct ttm_tt *tt = tbo->ttm;
	struct sg_table *sgt;
	int ret;

	dma_resv_assert_held(tbo->base.resv);
	if (tbo->sg)
		return 0;
	if (!attach || !tt)
		return -ENODEV;

	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	ret = drm_prime_sg_to_dma_addr_array(sgt, tt->dma_address,
					     tt->num_pages);
	if (ret) {
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
		return ret;
	}
	tbo->sg = sgt;

	return 0;
}

/**
 * vttm_dma_buf_release_import() - An import's last user is gone
 * @bo: The imported BO, not reserved, with no GEM reference left.
 *
 * Waits for the jobs still using the exporter's pages, unmaps them and
 * detaches, here rather than when TTM destroys the BO: that may happen
 * where another reservation is held, and detaching takes the exporter's.
 * The BO lingers in TTM (delayed destroy) attached to nothing, holding
 * the dma-buf (and so the reservation object it shares) until then.
 */
void vttm_dma_buf_release_import(struct vttm_bo *bo)
{
	struct drm_gem_object *obj = &bo->tbo.base;
	struct dma_buf_attachment *attach = obj->import_attach;

	if (!attach)
		return;
	dma_resv_lock(obj->resv, NULL);
	vttm_dma_buf_unmap_locked(bo);
	dma_resv_unlock(obj->resv);
	dma_buf_detach(attach->dmabuf, attach);
	obj->import_attach = NULL;
}
