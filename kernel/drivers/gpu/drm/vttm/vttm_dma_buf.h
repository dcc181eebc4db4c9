/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vttm BOs shared through dma-buf: exported with dynamic attachment,
 * imported from other devices.
 */
#ifndef _VTTM_DMA_BUF_H_
#define _VTTM_DMA_BUF_H_

struct dma_buf;
struct drm_device;
struct drm_gem_object;
struct ttm_operation_ctx;
struct ttm_resource;
struct vttm_bo;

struct dma_buf *vttm_gem_prime_export(struct drm_gem_object *obj, int flags);
struct drm_gem_object *vttm_gem_prime_import(struct drm_device *drm,
					     struct dma_buf *dma_buf);
int vttm_dma_buf_move_import(struct vttm_bo *bo, struct ttm_operation_ctx *ctx,
			     struct ttm_resource *new_mem);
int vttm_dma_buf_map_import(struct vttm_bo *bo);
void vttm_dma_buf_release_import(struct vttm_bo *bo);

#endif
