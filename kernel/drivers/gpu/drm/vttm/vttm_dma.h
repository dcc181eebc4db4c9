/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vttm's device view of system memory: DMA addresses and the streaming
 * DMA ownership of TT BOs.
 */
#ifndef _VTTM_DMA_H_
#define _VTTM_DMA_H_

#include <linux/mm_types.h>
#include <linux/types.h>

struct vttm_bo;

extern const struct vm_operations_struct vttm_bo_vm_ops;

void *vttm_dma_map_page(struct vttm_bo *bo, pgoff_t i);
void vttm_bo_dma_reset(struct vttm_bo *bo);
void vttm_bo_to_device(struct vttm_bo *bo, bool write);
int vttm_bo_to_cpu(struct vttm_bo *bo, bool intr);
bool vttm_bo_dma_shared(struct vttm_bo *bo);
void vttm_bo_dma_job_sync(struct vttm_bo *bo, pgoff_t first, pgoff_t count,
			  bool done);
void vttm_bo_dma_share(struct vttm_bo *bo);

#endif
