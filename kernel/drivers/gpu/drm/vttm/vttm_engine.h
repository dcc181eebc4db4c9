/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vttm engine: copy and fill jobs that finish after a delay, each
 * with a dma_fence in its BOs' reservations, as a GPU's copy engine.
 */
#ifndef _VTTM_ENGINE_H_
#define _VTTM_ENGINE_H_

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct drm_device;
struct drm_file;
struct workqueue_struct;

/**
 * struct vttm_engine - The engine of a vttm device
 * @wq: Runs the jobs; their dependencies order them.
 * @fence_lock: The lock of the jobs' fences.
 * @context: The fence context.
 * @seqno: The last fence's seqno.
 * @jobs: Jobs queued and not done: their delayed work may still be a
 * pending timer, which draining the workqueue does not wait for.
 */
struct vttm_engine {
	struct workqueue_struct *wq;
	spinlock_t fence_lock; /* for the jobs' dma_fences */
	u64 context;
	atomic64_t seqno;
	atomic_t jobs;
};

int vttm_engine_init(struct vttm_engine *engine);
void vttm_engine_fini(struct vttm_engine *engine);
int vttm_exec_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

extern unsigned int vttm_engine_delay_ms;

#endif
