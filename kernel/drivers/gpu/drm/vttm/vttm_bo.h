/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vttm buffer objects: TTM BOs with GEM handles, purgeable state and the
 * page accounting the TTM shrinker needs.
 */
#ifndef _VTTM_BO_H_
#define _VTTM_BO_H_

#include <linux/sched.h>
#include <linux/types.h>

#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>

struct dma_buf;
struct drm_device;
struct drm_file;
struct drm_printer;
struct work_struct;
struct vttm_device;

/**
 * struct vttm_bo - A vttm buffer object
 * @tbo: The TTM BO; its GEM object is @tbo.base.
 * @places: Where it may live: VRAM, with TT as a fallback when VRAM is
 * full of what cannot be evicted; or TT only.
 * @placement: @places as a TTM placement.
 * @id: Device-wide id (shrinker debugfs nodes, GEM info); VTTM_BO_KERNEL_ID
 * for the driver's own BOs, which are in no list.
 * @flags: VTTM_GEM_CREATE_ flags.
 * @madv: VTTM_MADV_ state. Protected by the reservation.
 * @acct_shrinkable: Pages accounted to the shrinker as shrinkable.
 * @acct_purgeable: Pages accounted to the shrinker as purgeable.
 * @acct_pinned: Pages accounted to the shrinker as pinned.
 * @acct_shared: Resident pages of an exported BO, which the shrinker must
 * leave alone: counted neither shrinkable nor purgeable (fdinfo only).
 * @acct_backed_up: Pages in the backup backend (fdinfo).
 * @in_vram: The BO is in VRAM (fdinfo).
 * @cpu_owned: The CPU owns the TT pages (streaming DMA rules, see
 * vttm_dma.c); protected by the reservation.
 * @dma_dirty: The engine wrote the TT pages and the CPU has not synced
 * them yet; protected by the reservation.
 * @deferred: Direct reclaim skipped it for the reclaim worker (counted in
 * the device's deferred_pages); protected by the reservation.
 * @dma_buf: The dma-buf it is exported as, while that exists (importers
 * are told of its moves); protected by the reservation.
 * @import_dma_buf: An import's dma-buf, referenced until TTM destroys the
 * BO: the BO shares its reservation object, which TTM's delayed destroy
 * of an sg BO still uses.
 * @rcu: Frees the BO after the bos listing is done with it.
 * @pid: The creating process.
 * @comm: Its command name.
 */
struct vttm_bo {
	struct ttm_buffer_object tbo;
	struct ttm_place places[2];
	struct ttm_placement placement;
	u32 id;
	u32 flags;
	u32 madv;
	long acct_shrinkable;
	long acct_purgeable;
	long acct_pinned;
	long acct_shared;
	long acct_backed_up;
	bool in_vram;
	bool cpu_owned;
	bool dma_dirty;
	bool deferred;
	struct dma_buf *dma_buf;
	struct dma_buf *import_dma_buf;
	struct rcu_head rcu;
	pid_t pid;
	char comm[TASK_COMM_LEN];
};

#define VTTM_BO_KERNEL_ID	U32_MAX

static inline struct vttm_bo *to_vttm_bo(struct ttm_buffer_object *tbo)
{
	return container_of(tbo, struct vttm_bo, tbo);
}

/* Imported from another device: its pages are the exporter's. */
static inline bool vttm_bo_is_import(const struct vttm_bo *bo)
{
	return bo->tbo.type == ttm_bo_type_sg;
}

extern const struct ttm_device_funcs vttm_ttm_funcs;
extern const struct ttm_shrinker_funcs vttm_shrinker_funcs;

int vttm_bo_create(struct vttm_device *vdev, u64 size, u32 placement,
		   u32 flags, struct vttm_bo **out);
int vttm_bo_create_import(struct vttm_device *vdev, struct dma_buf *dma_buf,
			  struct vttm_bo **out);
void vttm_bo_publish(struct vttm_bo *bo);
int vttm_bo_wait_contended(struct ttm_operation_ctx *ctx);
void vttm_bo_set_exported(struct vttm_bo *bo, struct dma_buf *dma_buf);
int vttm_bo_create_kernel(struct vttm_device *vdev, u64 size,
			  struct vttm_bo **out);
void vttm_bo_put_kernel(struct vttm_bo *bo);
void vttm_bo_set_pinned(struct vttm_bo *bo, bool pinned);
bool vttm_bo_set_madv(struct vttm_bo *bo, u32 madv, bool owner);
void *vttm_bo_vram_vaddr(struct vttm_bo *bo);
int vttm_bo_create_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file);
int vttm_bo_mmap_offset_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file);
int vttm_bo_madvise_ioctl(struct drm_device *drm, void *data,
			  struct drm_file *file);
int vttm_bo_wait_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file);
int vttm_bo_info_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file);
void vttm_show_fdinfo(struct drm_printer *p, struct drm_file *file);
void vttm_reclaim_work(struct work_struct *work);

#endif
