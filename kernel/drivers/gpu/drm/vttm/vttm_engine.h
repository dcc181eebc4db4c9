/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vttm engine: copy and fill jobs scheduled by the DRM GPU scheduler
 * and run by a ring that completes them in order after a delay, each job
 * with a dma_fence in its BOs' reservations, as a GPU's copy engine.
 */
#ifndef _VTTM_ENGINE_H_
#define _VTTM_ENGINE_H_

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <drm/gpu_scheduler.h>

struct device;
struct drm_device;
struct drm_file;

/* Jobs a client may have queued and not finished; more wait. */
#define VTTM_JOBS_PER_CLIENT	64

/**
 * struct vttm_engine - The engine of a vttm device
 * @sched: Schedules the clients' jobs: resolves their dependencies with
 * fence callbacks and feeds the ring, at most @sched.credit_limit jobs
 * at a time.
 * @ring_wq: Runs @ring_work; WQ_MEM_RECLAIM, since reclaim may wait for
 * the fences it signals.
 * @ring_work: The ring: completes the jobs on @ring in order, each when
 * it is due, and signals their ring fences. The fence signalling path.
 * @ring_lock: Protects @ring, @seqno and @last_due_ns; the lock of the
 * ring fences.
 * @ring: Jobs the scheduler has run and that are not done, oldest first.
 * @context: The ring fences' context.
 * @seqno: The last ring fence's seqno.
 * @last_due_ns: When the newest job on the ring is due.
 * @jobs: Jobs submitted and not freed.
 * @timeouts: Jobs that took longer than the scheduler's timeout.
 * @alloc_in_signalling: Debug knob: the ring allocates memory while it
 * signals fences, which lockdep must report.
 */
struct vttm_engine {
	struct drm_gpu_scheduler sched;
	struct workqueue_struct *ring_wq;
	struct delayed_work ring_work;
	spinlock_t ring_lock; /* ring, seqno, last_due_ns; ring fences */
	struct list_head ring;
	u64 context;
	u64 seqno;
	u64 last_due_ns;
	atomic_t jobs;
	atomic_t timeouts;
	bool alloc_in_signalling;
};

int vttm_engine_init(struct vttm_engine *engine, struct device *dev);
void vttm_engine_fini(struct vttm_engine *engine);
int vttm_engine_file_init(struct vttm_engine *engine,
			  struct drm_sched_entity *entity);
int vttm_exec_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

extern unsigned int vttm_engine_delay_ms;

#endif
