/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A per-device shrinker for TTM drivers: the kernel's memory reclaim frees
 * the system pages of idle buffer objects through it, purgeable ones
 * first. Drivers opt in with ttm_shrinker_create() and keep its page
 * counts current; TTM does the LRU walk, the passes, the statistics, the
 * tracepoints and the debugfs nodes.
 */
#ifndef _TTM_SHRINKER_H_
#define _TTM_SHRINKER_H_

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/types.h>

#include <drm/ttm/ttm_resource.h>

struct dentry;
struct seq_file;
struct shrinker;
struct ttm_buffer_object;
struct ttm_device;
struct ttm_shrinker;
struct ttm_tt;

/**
 * enum ttm_shrink_pass - The passes of a scan, in order
 * @TTM_SHRINK_PASS_PURGE: Drop purgeable BOs.
 * @TTM_SHRINK_PASS_IDLE: Back up idle BOs; no GPU waits, no writeback.
 * @TTM_SHRINK_PASS_WAIT: Wait for busy BOs and write back at once. Only in
 * kswapd and for the forced shrink: direct reclaim must not stall on the
 * GPU or on I/O.
 */
enum ttm_shrink_pass {
	TTM_SHRINK_PASS_PURGE = 1,
	TTM_SHRINK_PASS_IDLE,
	TTM_SHRINK_PASS_WAIT,
};

/**
 * enum ttm_shrink_caller - Who runs a scan
 * @TTM_SHRINK_CALLER_KSWAPD: kswapd: may wait for the GPU and wake the
 * device.
 * @TTM_SHRINK_CALLER_DIRECT: Direct reclaim of an allocating task: never
 * waits for the GPU, never wakes the device.
 * @TTM_SHRINK_CALLER_MEMCG: Memory cgroup reclaim; as direct.
 * @TTM_SHRINK_CALLER_FORCED: The shrink debugfs node or a test: all
 * passes, waits and resumes allowed.
 * @TTM_SHRINK_CALLER_WORKER: A driver's worker, in process context, doing
 * what direct reclaim had to leave: waits and resumes allowed.
 * @TTM_SHRINK_CALLER_SWAPOUT: TTM's page-limit swapout, one BO, with
 * reservations held: no @begin, and @prepare must not resume the device.
 * @TTM_SHRINK_CALLER_DIRECT_TEST: A driver's test hook running a scan as
 * direct reclaim does (same rules as @TTM_SHRINK_CALLER_DIRECT), traced
 * apart so that it does not pass for real direct reclaim.
 */
enum ttm_shrink_caller {
	TTM_SHRINK_CALLER_KSWAPD,
	TTM_SHRINK_CALLER_DIRECT,
	TTM_SHRINK_CALLER_MEMCG,
	TTM_SHRINK_CALLER_FORCED,
	TTM_SHRINK_CALLER_WORKER,
	TTM_SHRINK_CALLER_SWAPOUT,
	TTM_SHRINK_CALLER_DIRECT_TEST,
};

/**
 * struct ttm_shrink_ctx - What a driver callback learns about the scan
 * @pass: The current pass.
 * @caller: Who runs the scan.
 * @may_wait: GPU waits, writeback and (in @begin) runtime PM resumes are
 * allowed: kswapd, forced, worker.
 * @forced: The debugfs shrink, not memory reclaim.
 * @gfp: The reclaim context's allocation flags; only __GFP_FS and
 * __GFP_IO say something about what the scan may do.
 * @driver_priv: For the driver: set by @begin, seen by every later
 * callback of the scan (e.g. whether @begin holds a runtime PM reference).
 */
struct ttm_shrink_ctx {
	enum ttm_shrink_pass pass;
	enum ttm_shrink_caller caller;
	bool may_wait;
	bool forced;
	gfp_t gfp;
	unsigned long driver_priv;
};

/**
 * struct ttm_shrinker_bo_info - What the driver tells about a BO
 * @id: The driver's id of the BO, as accepted by the purgeable node.
 * @dontneed: Userspace marked the BO purgeable.
 * @pid: The owner's pid.
 * @comm: The owner's command name.
 */
struct ttm_shrinker_bo_info {
	u32 id;
	bool dontneed;
	pid_t pid;
	char comm[TASK_COMM_LEN];
};

/**
 * struct ttm_shrinker_bo_visitor - What @for_each_bo calls for each BO
 * @visit: Called with the BO, not reserved; a non-zero return stops the
 * walk. The caller embeds the visitor in its own context.
 */
struct ttm_shrinker_bo_visitor {
	int (*visit)(struct ttm_shrinker_bo_visitor *visitor,
		     struct ttm_buffer_object *bo);
};

/**
 * struct ttm_shrinker_funcs - Driver callbacks
 *
 * No callback ever sees a BO that is not the driver's own live BO: ghosts
 * of pipelined moves, BOs awaiting delayed destruction and BOs whose GEM
 * object is gone are handled by TTM alone.
 *
 * @begin: Called once per scan before any BO is reserved, with nothing
 * locked. The place to take a runtime PM reference for the scan (a
 * resume may take reservations, so it must never happen under one);
 * record it in @sctx->driver_priv. Resume only if the caller allows it:
 * @sctx->may_wait, and, for a device whose resume takes reservations or
 * allocates (a discrete GPU from D3cold), only in process context
 * (TTM_SHRINK_CALLER_FORCED or _WORKER), never in kswapd. A
 * negative return ends the scan at once (nothing freed); @end is still
 * called. NULL: nothing to do.
 * @end: Called once per scan after the last BO was released, with the
 * same @sctx; balances @begin. NULL: nothing to do.
 * @purgeable: Whether a reserved BO may be purged (userspace said it does
 * not need the contents). NULL: none is.
 * @prepare: Called with the BO reserved before it is shrunk. It must not
 * resume a suspended device (a resume may need reservations: deadlock);
 * it may use it if it is active (pm_runtime_get_if_active()), or if
 * @begin holds it awake. Return 0 to go ahead, -EAGAIN to skip the BO
 * because the device is suspended (counted as skipped_rpm; the driver may
 * queue work to shrink it later), or another negative error code to skip
 * it. NULL: always go ahead.
 * @finish: Called after a successful @prepare, with the number of pages
 * freed or the error; balances @prepare (runtime PM put). May be NULL.
 * @for_each_bo: Call @visitor on each of the device's BOs (not reserved),
 * for the bos node; stop at its first non-zero return and return it.
 * NULL: the node lists nothing.
 * @bo_info: Describe a BO for the bos node.
 * @set_purgeable: Mark BO @id purgeable or not, as the madvise ioctl does.
 * Return: 0, -ENOENT for an unknown id, or another negative error code.
 */
struct ttm_shrinker_funcs {
	int (*begin)(struct ttm_shrinker *shrinker,
		     struct ttm_shrink_ctx *sctx);
	void (*end)(struct ttm_shrinker *shrinker,
		    const struct ttm_shrink_ctx *sctx);
	bool (*purgeable)(struct ttm_buffer_object *bo);
	int (*prepare)(struct ttm_shrinker *shrinker,
		       struct ttm_buffer_object *bo,
		       const struct ttm_shrink_ctx *sctx);
	void (*finish)(struct ttm_shrinker *shrinker,
		       struct ttm_buffer_object *bo,
		       const struct ttm_shrink_ctx *sctx, long freed);
	int (*for_each_bo)(struct ttm_shrinker *shrinker,
			   struct ttm_shrinker_bo_visitor *visitor);
	void (*bo_info)(struct ttm_buffer_object *bo,
			struct ttm_shrinker_bo_info *info);
	int (*set_purgeable)(struct ttm_shrinker *shrinker, u32 id,
			     bool dontneed);
};

/**
 * struct ttm_shrinker_stats - Counters, lock-free to read and update
 * @count_calls: Calls of the count callback.
 * @scan_calls: Calls of the scan callback (reclaim, not forced shrinks).
 * @scan_ns_total: Time spent in scans.
 * @scan_ns_max: The longest scan.
 * @scanned_bos: BOs looked at by scans and forced shrinks.
 * @freed_bytes: Bytes the shrinker freed: purged plus backed up by scans
 * and forced shrinks.
 * @purged_bytes: Bytes freed by purging.
 * @backup_bytes: Bytes backed up by any path: scans, forced shrinks and
 * TTM's own page limit.
 * @restore_bytes: Bytes restored from the backend.
 * @skipped_locked: BOs passed over because someone else held them.
 * @skipped_busy: BOs skipped because the GPU used them and the scan could
 * not wait, or the driver refused them.
 * @skipped_pinned: Pinned BOs skipped.
 * @skipped_rpm: BOs skipped because the device was suspended and the scan
 * (direct reclaim) must not wake it.
 * @skipped_fragmentation: Counts (reclaim asking what the shrinker could
 * free) for a costly order that compaction can serve, answered with the
 * purgeable BOs only: the BOs that could have been backed up stay.
 * @walk_steps: LRU entries the walks went through.
 * @enospc: Scans that found the backup backend full.
 * @backup_errors: Backups that failed for another reason.
 * @restore_errors: Restores that failed, interruptions excepted.
 */
struct ttm_shrinker_stats {
	atomic64_t count_calls;
	atomic64_t scan_calls;
	atomic64_t scan_ns_total;
	atomic64_t scan_ns_max;
	atomic64_t scanned_bos;
	atomic64_t freed_bytes;
	atomic64_t purged_bytes;
	atomic64_t backup_bytes;
	atomic64_t restore_bytes;
	atomic64_t skipped_locked;
	atomic64_t skipped_busy;
	atomic64_t skipped_pinned;
	atomic64_t skipped_rpm;
	atomic64_t skipped_fragmentation;
	atomic64_t walk_steps;
	atomic64_t enospc;
	atomic64_t backup_errors;
	atomic64_t restore_errors;
};

/**
 * struct ttm_shrink_result - The outcome of one shrink
 * @requested_bytes: What was asked for.
 * @freed_bytes: What was freed, purged and backed up together.
 * @purged_bytes: What was purged.
 * @backed_up_bytes: What was backed up.
 * @scanned_bos: BOs looked at.
 * @skipped_locked: BOs passed over because someone else held them (another
 * reclaimer, a submission); a forced shrink comes back for them.
 * @skipped_busy: BOs passed over because the GPU was still using them
 * past what the shrink may wait for.
 * @duration_ns: How long it took.
 * @last_pass: The last pass run.
 * @status: 0, or the error that stopped it.
 */
struct ttm_shrink_result {
	u64 requested_bytes;
	u64 freed_bytes;
	u64 purged_bytes;
	u64 backed_up_bytes;
	u64 scanned_bos;
	u64 skipped_locked;
	u64 skipped_busy;
	u64 duration_ns;
	enum ttm_shrink_pass last_pass;
	int status;
};

/**
 * struct ttm_shrinker - A TTM device's shrinker
 * @bdev: The device.
 * @funcs: The driver's callbacks.
 * @shrinker: The core mm shrinker; NULL for a driver that scans itself.
 * @shrinkable_pages: Pages the driver could have backed up: populated,
 * unpinned, not purgeable. Kept by the driver.
 * @purgeable_pages: Populated pages of purgeable BOs. Kept by the driver.
 * @pinned_pages: Populated pages of pinned BOs. Kept by the driver.
 * @backed_up_pages: Pages in the backup backend. Kept by TTM.
 * @stats: Counters.
 * @shrink_lock: Serializes forced shrinks and guards @last.
 * @last: The result of the last forced shrink.
 * @users: References of paths that found the shrinker through the device
 * (TTM's swapout), plus one until ttm_shrinker_destroy().
 * @gone: Completed when @users drops to zero.
 * @backup_path: The block device set through the backup_device node, or
 * empty for shmem; guarded by @shrink_lock.
 * @name: The name given at creation.
 * @parked: Markers, one per priority list of the system manager: BOs with
 * nothing left in system memory are set aside in front of them, and the
 * helper's walks of system start after them. Under the device's LRU lock.
 */
struct ttm_shrinker {
	struct ttm_device *bdev;
	const struct ttm_shrinker_funcs *funcs;
	struct shrinker *shrinker;
	atomic_long_t shrinkable_pages;
	atomic_long_t purgeable_pages;
	atomic_long_t pinned_pages;
	atomic_long_t backed_up_pages;
	struct ttm_shrinker_stats stats;
	struct mutex shrink_lock; /* one forced shrink at a time, last */
	struct ttm_shrink_result last;
	refcount_t users;
	struct completion gone;
	char backup_path[64];
	char name[32];
	struct ttm_lru_item parked[TTM_MAX_BO_PRIORITY];
};

/* ttm_shrinker_shrink() flags */
/* Free all there is: the size is ignored. */
#define TTM_SHRINK_ALL		BIT(0)
/* Only the purge pass: drop purgeable BOs, back nothing up. */
#define TTM_SHRINK_PURGE_ONLY	BIT(1)

/* ttm_shrinker_create_flags(): the driver scans itself, see there */
#define TTM_SHRINKER_OWN_SCAN	BIT(0)

struct ttm_shrinker *ttm_shrinker_create_flags(struct ttm_device *bdev,
					       const struct ttm_shrinker_funcs *funcs,
					       const char *name, unsigned int flags);
struct ttm_shrinker *ttm_shrinker_create(struct ttm_device *bdev,
					 const struct ttm_shrinker_funcs *funcs,
					 const char *name);
void ttm_shrinker_account_scan(struct ttm_shrinker *shrinker,
			       unsigned long scanned_bos, unsigned long purged,
			       unsigned long backed_up, u64 ns);
void ttm_shrinker_destroy(struct ttm_shrinker *shrinker);
void ttm_shrinker_debugfs_init(struct ttm_shrinker *shrinker,
			       struct dentry *parent);

unsigned long ttm_shrinker_count(struct ttm_shrinker *shrinker, gfp_t gfp);
unsigned long ttm_shrinker_count_order(struct ttm_shrinker *shrinker,
				       gfp_t gfp, int order, bool compactable);
unsigned long ttm_shrinker_scan(struct ttm_shrinker *shrinker,
				unsigned long nr_to_scan, gfp_t gfp,
				enum ttm_shrink_caller caller,
				unsigned long *nr_scanned);
unsigned long ttm_shrinker_scan_order(struct ttm_shrinker *shrinker,
				      unsigned long nr_to_scan, gfp_t gfp,
				      enum ttm_shrink_caller caller,
				      int order, bool compactable,
				      unsigned long *nr_scanned);
int ttm_shrinker_shrink(struct ttm_shrinker *shrinker, u64 bytes,
			unsigned int flags, struct ttm_shrink_result *result);
int ttm_shrinker_parse_size(const char *buf, u64 *bytes);
int ttm_shrinker_parse_shrink(const char *buf, u64 *bytes,
			      unsigned int *flags);
int ttm_shrinker_parse_purgeable(char *buf, u32 *id, bool *dontneed);

long ttm_shrinker_swapout_bo(struct ttm_buffer_object *bo, gfp_t gfp);
void ttm_shrinker_note_backup(struct ttm_device *bdev, long pages);
void ttm_shrinker_note_restore(struct ttm_device *bdev, long pages, int err);

/**
 * ttm_shrinker_mod_pages() - Account pages that became (un)shrinkable
 * @shrinker: The shrinker, or NULL.
 * @shrinkable: Change of backup-able pages.
 * @purgeable: Change of purgeable pages.
 *
 * The driver calls this when a BO's pages are populated or freed, when it
 * is pinned or unpinned, and when userspace changes its purgeable state.
 */
static inline void ttm_shrinker_mod_pages(struct ttm_shrinker *shrinker,
					  long shrinkable, long purgeable)
{
	if (!shrinker)
		return;
	atomic_long_add(shrinkable, &shrinker->shrinkable_pages);
	atomic_long_add(purgeable, &shrinker->purgeable_pages);
}

/**
 * ttm_shrinker_mod_pinned() - Account pages that became (un)pinned
 * @shrinker: The shrinker, or NULL.
 * @pinned: Change of pinned pages.
 */
static inline void ttm_shrinker_mod_pinned(struct ttm_shrinker *shrinker,
					   long pinned)
{
	if (shrinker)
		atomic_long_add(pinned, &shrinker->pinned_pages);
}

#endif
