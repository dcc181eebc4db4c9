// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The TTM shrinker helper: a per-device struct shrinker over the device's
 * LRUs, in passes: purge what userspace does not need, then back up idle
 * buffer objects, then (kswapd and the forced shrink only) wait for busy
 * ones and write back at once. Direct reclaim never waits for the GPU and
 * never wakes a suspended device: the driver's begin callback decides
 * that, once per scan and with no BO reserved, from the context it is
 * given; prepare only uses a device that is awake.
 *
 * Every counter is an atomic: reading statistics takes no LRU or manager
 * lock, so monitoring cannot stall reclaim or the GPU.
 */

#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/uaccess.h>

#include <drm/ttm/ttm_backup.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_shrinker.h>
#include <drm/ttm/ttm_tt.h>

#define CREATE_TRACE_POINTS
#include "ttm_trace.h"

/*
 * The placements whose pages are system memory, in walk order: SYSTEM
 * first, where BOs are no longer bound to the GPU, then TT, whose BOs the
 * GPU may still use.
 */
static const u32 ttm_shrinker_mem_types[] = { TTM_PL_SYSTEM, TTM_PL_TT };

/* The device, as tracepoints name it: see ttm_trace_dev_name(). */
static const char *ttm_shrinker_dev(struct ttm_shrinker *s)
{
	return ttm_trace_dev_name(s->bdev);
}

/*
 * The id the bos node shows, for tracepoints; 0 if the driver has none,
 * and for a BO on its way out, which no driver callback may see.
 */
static u32 ttm_shrinker_bo_id(struct ttm_shrinker *s,
			      struct ttm_buffer_object *bo)
{
	struct ttm_shrinker_bo_info info = { };

	if (!s->funcs->bo_info || ttm_bo_shrink_dying(bo))
		return 0;
	s->funcs->bo_info(bo, &info);
	return info.id;
}

static void ttm_shrinker_stat_max(atomic64_t *max, u64 val)
{
	u64 old = atomic64_read(max);

	while (val > old) {
		u64 prev = atomic64_cmpxchg(max, old, val);

		if (prev == old)
			break;
		old = prev;
	}
}

/*
 * Whether the device's pool can back pages up at all: pages from the
 * coherent DMA allocator cannot (ttm_pool_backup() says -EOPNOTSUPP).
 */
static bool ttm_shrinker_can_backup(struct ttm_shrinker *s)
{
	return !s->bdev->pool.use_dma_alloc;
}

/* Pages the backend can still take, as the count callback promises them. */
static unsigned long ttm_shrinker_backup_space(struct ttm_shrinker *s)
{
	if (!ttm_shrinker_can_backup(s))
		return 0;

	return min_t(u64, ttm_device_backup_avail(s->bdev) >> PAGE_SHIFT,
		     ULONG_MAX);
}

static bool ttm_shrink_compaction_aware = true;
module_param_named(shrink_compaction_aware, ttm_shrink_compaction_aware,
		   bool, 0644);
MODULE_PARM_DESC(shrink_compaction_aware,
		 "Reclaim for a costly order that compaction can serve only purges BOs, backs none up (default: true)");

/*
 * Whether reclaim for an allocation of @order leaves the working set
 * alone: the order is costly and compaction can serve it.
 */
static bool ttm_shrinker_spares_for(int order, bool compactable)
{
	return compactable && order > PAGE_ALLOC_COSTLY_ORDER &&
	       READ_ONCE(ttm_shrink_compaction_aware);
}

/**
 * ttm_shrinker_count() - What the shrinker could free now
 * @shrinker: The shrinker.
 * @gfp: The reclaim context; without __GFP_FS nothing can be backed up.
 *
 * Lock-free: purgeable pages plus shrinkable pages up to what the backup
 * backend can take.
 *
 * Return: A number of pages.
 */
unsigned long ttm_shrinker_count(struct ttm_shrinker *shrinker, gfp_t gfp)
{
	long purgeable = atomic_long_read(&shrinker->purgeable_pages);
	long shrinkable = atomic_long_read(&shrinker->shrinkable_pages);
	unsigned long n = max(purgeable, 0L);

	atomic64_inc(&shrinker->stats.count_calls);
	if ((gfp & __GFP_FS) && shrinkable > 0)
		n += min_t(unsigned long, shrinkable,
			   ttm_shrinker_backup_space(shrinker));

	return n;
}
EXPORT_SYMBOL(ttm_shrinker_count);

/* Rounds a forced shrink retries for BOs others held, 10 ms apart. */
#define TTM_SHRINK_LOCKED_RETRIES	100

/*
 * What one scan counts, added to the shared statistics once at its end
 * rather than BO by BO.
 */
struct ttm_shrink_tally {
	u64 scanned_bos;
	u64 walk_steps;
	u64 skipped_locked;
	u64 skipped_busy;
	u64 skipped_pinned;
	u64 skipped_rpm;
	u64 freed_bytes;
	u64 purged_bytes;
	u64 backup_errors;
};

/*
 * One scan. @scanned counts the pages it looked at, freed or not: a BO it
 * could not shrink counts with the pages it has in memory (one if none,
 * or if the scan could not have done anything with it: @idle_visit), up
 * to what is left of @scan_limit. Past @scan_limit the scan stops, freed
 * enough or not, which keeps a scan of the core mm to about its
 * nr_to_scan (a forced shrink has no limit). The purge pass has a budget
 * of its own, @purge_steps BOs. @swept: a backup pass walked system and
 * TT to their ends. @purge_hunt: a backup pass that cannot back up (no
 * __GFP_FS, no backend space) and walks for purgeable BOs alone.
 */
struct ttm_shrink_run {
	struct ttm_shrinker *s;
	struct ttm_shrink_ctx sctx;
	unsigned long target;
	unsigned long freed;
	unsigned long scanned;
	unsigned long scan_limit;
	unsigned long purge_steps;
	bool backend_full;
	bool swept;
	bool idle_visit;
	bool purge_hunt;
	struct ttm_shrink_tally tally;
	struct ttm_shrink_result *res;
};

/* The backend is full: count it once per run; purging goes on. */
static void ttm_shrinker_backend_full(struct ttm_shrink_run *run)
{
	if (run->backend_full)
		return;
	run->backend_full = true;
	atomic64_inc(&run->s->stats.enospc);
}

/* Count (if @counter) and trace a BO left alone. Return: 0 pages. */
static long ttm_shrinker_skip(struct ttm_shrink_run *run,
			      struct ttm_buffer_object *bo,
			      u64 *counter,
			      enum ttm_shrink_skip_reason reason)
{
	if (counter)
		(*counter)++;
	if (counter == &run->tally.skipped_busy)
		run->res->skipped_busy++;
	if (trace_ttm_shrink_skip_enabled())
		trace_ttm_shrink_skip(ttm_shrinker_dev(run->s),
				      ttm_shrinker_bo_id(run->s, bo),
				      bo->base.size, run->sctx.pass, reason);
	return 0;
}

/* Account @pages freed by purging or backing up. */
static void ttm_shrinker_freed(struct ttm_shrink_run *run, long pages,
			       bool purged)
{
	u64 bytes = (u64)pages << PAGE_SHIFT;

	run->tally.freed_bytes += bytes;
	run->res->freed_bytes += bytes;
	if (purged) {
		run->tally.purged_bytes += bytes;
		run->res->purged_bytes += bytes;
	} else {
		/* backup_bytes is counted by ttm_shrinker_note_backup() */
		run->res->backed_up_bytes += bytes;
	}
}

/*
 * A BO on its way out (ghost, awaiting destruction, GEM object gone): no
 * driver callback may see it. One awaiting destruction is freed, once
 * idle, without being moved or written anywhere; the others go when the
 * walk drops its reference.
 */
static long ttm_shrinker_dying_bo(struct ttm_shrink_run *run,
				  struct ttm_operation_ctx *ctx,
				  struct ttm_buffer_object *bo)
{
	struct ttm_shrink_tally *t = &run->tally;
	long lret;

	if (!bo->deleted)
		return ttm_shrinker_skip(run, bo, &t->skipped_busy, TTM_SHRINK_SKIP_DYING);

	lret = ttm_bo_shrink_deleted(ctx, bo);
	if (lret == -EBUSY)
		return ttm_shrinker_skip(run, bo, &t->skipped_busy, TTM_SHRINK_SKIP_BUSY);
	if (lret <= 0)
		return 0;

	ttm_shrinker_freed(run, lret, true);
	return lret;
}

/* Shrink one reserved BO in the current pass. Return: pages freed. */
static long ttm_shrinker_bo(struct ttm_shrink_run *run,
			    struct ttm_operation_ctx *ctx,
			    struct ttm_buffer_object *bo)
{
	struct ttm_shrinker *s = run->s;
	const struct ttm_shrinker_funcs *funcs = s->funcs;
	struct ttm_shrink_tally *t = &run->tally;
	struct ttm_bo_shrink_flags flags = {
		.writeback = run->sctx.pass == TTM_SHRINK_PASS_WAIT,
		.allow_move = true,
	};
	unsigned long space = 0;
	bool purgeable;
	long lret;
	int ret;

	run->res->scanned_bos++;
	t->scanned_bos++;

	if (ttm_bo_shrink_dying(bo))
		return ttm_shrinker_dying_bo(run, ctx, bo);

	purgeable = funcs->purgeable && funcs->purgeable(bo);
	flags.purge = purgeable;

	/*
	 * Pass 1 only purges; later passes back up, after a full backend
	 * only purge. What this scan cannot do anything with costs it one
	 * page of its budget and keeps its place on the LRU.
	 */
	run->idle_visit = true;
	if (run->sctx.pass == TTM_SHRINK_PASS_PURGE && !purgeable)
		return 0;
	if (!purgeable && !ttm_shrinker_can_backup(s))
		return 0;	/* not a skip: count() never promised it */
	if (!purgeable && run->backend_full)
		return ttm_shrinker_skip(run, bo, NULL, TTM_SHRINK_SKIP_BACKEND_FULL);
	if (!purgeable && !(run->sctx.gfp & __GFP_FS))
		return ttm_shrinker_skip(run, bo, NULL, TTM_SHRINK_SKIP_NO_FS);
	run->idle_visit = false;

	switch (ttm_bo_shrink_check(bo, ctx)) {
	case TTM_BO_SHRINK_OK:
		break;
	case TTM_BO_SHRINK_PINNED:
		return ttm_shrinker_skip(run, bo, &t->skipped_pinned, TTM_SHRINK_SKIP_PINNED);
	case TTM_BO_SHRINK_BUSY:
		return ttm_shrinker_skip(run, bo, &t->skipped_busy, TTM_SHRINK_SKIP_BUSY);
	case TTM_BO_SHRINK_EXTERNAL:
		return ttm_shrinker_skip(run, bo, NULL, TTM_SHRINK_SKIP_EXPORTED);
	default:
		run->idle_visit = true;
		return 0;	/* nothing to free: not a skip */
	}

	/*
	 * Backing up more than the backend can take frees nothing (shmem:
	 * pages beyond free swap stay in memory): back up at most that, and
	 * at most what is left to free.
	 */
	if (!purgeable) {
		space = ttm_shrinker_backup_space(s);
		if (!space) {
			ttm_shrinker_backend_full(run);
			run->idle_visit = true;
			return ttm_shrinker_skip(run, bo, NULL, TTM_SHRINK_SKIP_BACKEND_FULL);
		}
	}

	ret = funcs->prepare ? funcs->prepare(s, bo, &run->sctx) : 0;
	if (ret == -EAGAIN)
		return ttm_shrinker_skip(run, bo, &t->skipped_rpm, TTM_SHRINK_SKIP_RPM);
	if (ret)
		return ttm_shrinker_skip(run, bo, &t->skipped_busy, TTM_SHRINK_SKIP_BUSY);

	lret = ttm_bo_shrink(ctx, bo, flags, run->sctx.gfp,
			     purgeable ? 0 : min(space, run->target - run->freed));
	if (trace_ttm_bo_shrink_enabled())
		trace_ttm_bo_shrink(ttm_shrinker_dev(s), ttm_shrinker_bo_id(s, bo),
				    bo->base.size,
				    bo->resource ? bo->resource->mem_type : 0,
				    run->sctx.pass, flags.purge, flags.writeback,
				    lret);
	if (funcs->finish)
		funcs->finish(s, bo, &run->sctx, lret);

	if (lret > 0) {
		ttm_shrinker_freed(run, lret, flags.purge);
		/* A partial backup that filled the backend. */
		if (!flags.purge && !ttm_shrinker_backup_space(s))
			ttm_shrinker_backend_full(run);
		return lret;
	}

	switch (lret) {
	case 0:
	case -EAGAIN:	/* the context does not allow the backend's I/O */
		break;
	case -EBUSY:
		ttm_shrinker_skip(run, bo, &t->skipped_busy, TTM_SHRINK_SKIP_BUSY);
		break;
	case -ENOSPC:
		ttm_shrinker_backend_full(run);
		break;
	default:
		t->backup_errors++;
		if (!run->res->status)
			run->res->status = lret;
		break;
	}

	return 0;
}

/*
 * A BO with nothing left in system memory (backed up in full, purged) is
 * set aside in front of its list's marker in the system manager, where
 * the helper's walks do not go: later scans are not spent on it. TTM
 * moves it back to the LRU's tail when it gets pages again: a move to a
 * new placement, a CPU fault, ttm_bo_kmap() or ttm_bo_vmap() (patch
 * "walks that start after a marker"); a driver that populates a tt by
 * other means should do so too. As a safety net, a forced shrink of all
 * there is, and a scan that walked everything, found nothing and was held
 * up by nothing, rewind the markers. BOs of a bulk move keep their place:
 * the bulk's range must stay in one piece.
 */
static void ttm_shrinker_park(struct ttm_shrinker *s,
			      struct ttm_buffer_object *bo)
{
	struct ttm_resource *res = bo->resource;

	dma_resv_assert_held(bo->base.resv);
	if (!res || res->mem_type != TTM_PL_SYSTEM || bo->pin_count ||
	    bo->bulk_move)
		return;

	spin_lock(&s->bdev->lru_lock);
	list_move_tail(&res->lru.link, &s->parked[bo->priority].link);
	spin_unlock(&s->bdev->lru_lock);
}

/* Put the markers at the heads of the lists: nothing is set aside. */
static void ttm_shrinker_rewind(struct ttm_shrinker *s)
{
	struct ttm_resource_manager *man =
		ttm_manager_type(s->bdev, TTM_PL_SYSTEM);
	unsigned int i;

	spin_lock(&s->bdev->lru_lock);
	for (i = 0; i < TTM_MAX_BO_PRIORITY; i++)
		list_move(&s->parked[i].link, &man->lru[i]);
	spin_unlock(&s->bdev->lru_lock);
}

/*
 * A BO a budgeted scan looked at and could not shrink (busy, suspended
 * device, shared) goes to the LRU's tail, as a page the core mm finds
 * referenced does: the next scan starts with others instead of spending
 * its budget on it again. One of a bulk move would only go to the end of
 * its range, still ahead of the walk: it keeps its place.
 */
static void ttm_shrinker_rotate(struct ttm_shrinker *s,
				struct ttm_buffer_object *bo)
{
	spin_lock(&s->bdev->lru_lock);
	ttm_bo_move_to_lru_tail(bo);
	spin_unlock(&s->bdev->lru_lock);
}

/*
 * Visit one BO of a walk: shrink it, then account, set aside or rotate.
 * Return: whether it went to the LRU's tail.
 */
static bool ttm_shrinker_visit(struct ttm_shrink_run *run,
			       struct ttm_operation_ctx *ctx,
			       struct ttm_buffer_object *bo)
{
	bool budgeted = run->scan_limit != ULONG_MAX;
	bool purge_pass = run->sctx.pass == TTM_SHRINK_PASS_PURGE;
	unsigned long left = run->scan_limit - min(run->scanned, run->scan_limit);
	long resident = ttm_tt_resident_pages(bo->ttm);
	long freed;

	run->idle_visit = false;
	freed = ttm_shrinker_bo(run, ctx, bo);
	run->freed += max(freed, 0L);

	/* The purge pass counts BOs against a budget of its own. */
	/*
	 * A backup pass that cannot back anything up looks for purgeable
	 * BOs only: the others cost it nothing, as in the purge pass.
	 */
	if (purge_pass)
		run->purge_steps++;
	if (freed > 0)
		run->scanned += freed;
	else if (!purge_pass && !(run->idle_visit && run->purge_hunt))
		run->scanned += run->idle_visit ? 1 :
				clamp_t(unsigned long, resident, 1, max(left, 1UL));

	/*
	 * Nothing in memory (backed up in full, purged, never populated):
	 * nothing for later scans until it gets pages, which puts it back.
	 */
	if (!ttm_tt_resident_pages(bo->ttm)) {
		ttm_shrinker_park(run->s, bo);
	} else if (budgeted && freed <= 0 && !purge_pass && !run->idle_visit &&
		   !bo->bulk_move && !ttm_bo_shrink_dying(bo)) {
		ttm_shrinker_rotate(run->s, bo);
		return true;
	}

	return false;
}

/* Whether the scan has freed enough, or looked at enough. */
static bool ttm_shrinker_done(const struct ttm_shrink_run *run)
{
	return run->freed >= run->target || run->scanned >= run->scan_limit;
}

/* BOs a purge pass may look at: as many as pages asked for, 64 at least. */
#define TTM_SHRINK_PURGE_MIN_STEPS	64

/* Whether the purge pass has looked at enough BOs: the backup passes go on. */
static bool ttm_shrinker_purge_spent(const struct ttm_shrink_run *run)
{
	return run->sctx.pass == TTM_SHRINK_PASS_PURGE &&
	       run->purge_steps >= max(run->scan_limit,
				       (unsigned long)TTM_SHRINK_PURGE_MIN_STEPS);
}

/*
 * One pass over the LRUs, the system manager's after its markers. Return:
 * true once the scan is done (ttm_shrinker_done()).
 */
static bool ttm_shrinker_pass(struct ttm_shrink_run *run)
{
	struct ttm_shrinker *s = run->s;
	unsigned int i;

	run->swept = false;
	for (i = 0; i < ARRAY_SIZE(ttm_shrinker_mem_types); i++) {
		u32 mem_type = ttm_shrinker_mem_types[i];
		struct ttm_resource_manager *man = ttm_manager_type(s->bdev, mem_type);
		struct ttm_operation_ctx ctx = {
			.interruptible = false,
			.no_wait_gpu = !run->sctx.may_wait ||
				       run->sctx.pass != TTM_SHRINK_PASS_WAIT,
			.gfp_retry_mayfail = true,
		};
		struct ttm_lru_item *starts =
			mem_type == TTM_PL_SYSTEM ? s->parked : NULL;
		struct ttm_buffer_object *bo, *first_rotated = NULL;
		unsigned long freed_before = run->freed;
		unsigned int rotated_prio = 0;
		struct ttm_bo_lru_cursor curs;
		bool done = false;

		if (!man || !ttm_resource_manager_used(man))
			continue;
		if (ttm_shrinker_purge_spent(run))
			break;

		ttm_bo_lru_for_each_reserved_after_guarded(&curs, man, &ctx,
							   starts, bo) {
			/*
			 * Back at the BOs this walk sent to the tail of this
			 * priority list: on with the next list.
			 */
			if (first_rotated && rotated_prio != curs.res_curs.priority)
				first_rotated = NULL;
			if (bo == first_rotated) {
				ttm_bo_lru_cursor_skip_list(&curs);
				first_rotated = NULL;
				continue;
			}
			if (ttm_shrinker_visit(run, &ctx, bo) && !first_rotated) {
				first_rotated = bo;
				rotated_prio = curs.res_curs.priority;
			}
			/* BOs others hold cost the budget a page each. */
			if (ttm_shrinker_done(run) ||
			    run->scanned + curs.skipped_locked >= run->scan_limit) {
				done = true;
				break;
			}
			if (ttm_shrinker_purge_spent(run))
				break;
			cond_resched();
		}

		run->scanned += curs.skipped_locked;
		run->tally.walk_steps += curs.steps;
		run->tally.skipped_locked += curs.skipped_locked;
		run->res->skipped_locked += curs.skipped_locked;
		trace_ttm_lru_walk(ttm_shrinker_dev(s), mem_type,
				   run->sctx.pass, curs.steps, curs.skipped_locked,
				   run->freed - freed_before);
		if (done)
			return true;
	}
	run->swept = true;

	return false;
}

static bool ttm_shrinker_may_wait(enum ttm_shrink_caller caller)
{
	switch (caller) {
	case TTM_SHRINK_CALLER_KSWAPD:
	case TTM_SHRINK_CALLER_FORCED:
	case TTM_SHRINK_CALLER_WORKER:
		return true;
	default:
		return false;
	}
}

/* Whether this scan's context and the backend allow a backup at all. */
static bool ttm_shrinker_can_back_up_now(struct ttm_shrink_run *run)
{
	return (run->sctx.gfp & __GFP_FS) && !run->backend_full &&
	       ttm_shrinker_backup_space(run->s);
}

/*
 * Whether a pass of a reclaim scan can free anything at all, by the
 * counts count() answers from: else it is not walked. A forced shrink
 * walks all the same: it also frees what no count promises (ghosts of
 * pipelined moves, BOs awaiting destruction, whose pages need no backup).
 */
static bool ttm_shrinker_pass_useful(struct ttm_shrink_run *run,
				     enum ttm_shrink_pass pass)
{
	struct ttm_shrinker *s = run->s;

	if (run->sctx.forced || atomic_long_read(&s->purgeable_pages) > 0)
		return true;
	if (pass == TTM_SHRINK_PASS_PURGE)
		return false;

	return atomic_long_read(&s->shrinkable_pages) > 0 &&
	       ttm_shrinker_can_back_up_now(run);
}

/* Add what a scan counted to the shared statistics, once. */
static void ttm_shrinker_add_tally(struct ttm_shrinker *s,
				   const struct ttm_shrink_tally *t)
{
	struct ttm_shrinker_stats *st = &s->stats;

	atomic64_add(t->scanned_bos, &st->scanned_bos);
	atomic64_add(t->walk_steps, &st->walk_steps);
	if (t->skipped_locked)
		atomic64_add(t->skipped_locked, &st->skipped_locked);
	if (t->skipped_busy)
		atomic64_add(t->skipped_busy, &st->skipped_busy);
	if (t->skipped_pinned)
		atomic64_add(t->skipped_pinned, &st->skipped_pinned);
	if (t->skipped_rpm)
		atomic64_add(t->skipped_rpm, &st->skipped_rpm);
	if (t->freed_bytes)
		atomic64_add(t->freed_bytes, &st->freed_bytes);
	if (t->purged_bytes)
		atomic64_add(t->purged_bytes, &st->purged_bytes);
	if (t->backup_errors)
		atomic64_add(t->backup_errors, &st->backup_errors);
}

/*
 * All passes of one scan, up to @target pages freed or @scan_limit pages
 * looked at (or only the purge pass). The driver's begin and end
 * callbacks bracket it, with no BO reserved. Passes that cannot free
 * anything are not walked. Return: pages freed; @scanned: pages looked at.
 */
static unsigned long ttm_shrinker_run(struct ttm_shrinker *s,
				      unsigned long target,
				      unsigned long scan_limit, gfp_t gfp,
				      enum ttm_shrink_caller caller,
				      bool purge_only,
				      struct ttm_shrink_result *res,
				      unsigned long *scanned)
{
	const struct ttm_shrinker_funcs *funcs = s->funcs;
	struct ttm_shrink_run run = {
		.s = s,
		.sctx = {
			.caller = caller,
			.may_wait = ttm_shrinker_may_wait(caller),
			.forced = caller == TTM_SHRINK_CALLER_FORCED,
			.gfp = gfp,
		},
		.target = target,
		.scan_limit = scan_limit,
		.res = res,
	};
	enum ttm_shrink_pass pass;
	bool swept = false;

	if (!funcs->begin || !funcs->begin(s, &run.sctx)) {
		for (pass = TTM_SHRINK_PASS_PURGE; pass <= TTM_SHRINK_PASS_WAIT;
		     pass++) {
			if (pass == TTM_SHRINK_PASS_WAIT && !run.sctx.may_wait)
				break;
			if (pass > TTM_SHRINK_PASS_PURGE && purge_only)
				break;
			if (!ttm_shrinker_pass_useful(&run, pass))
				continue;
			run.purge_hunt = pass != TTM_SHRINK_PASS_PURGE &&
					 !ttm_shrinker_can_back_up_now(&run);
			run.sctx.pass = pass;
			res->last_pass = pass;
			if (ttm_shrinker_pass(&run))
				break;
			swept |= run.swept && pass != TTM_SHRINK_PASS_PURGE;
		}
	}
	if (funcs->end)
		funcs->end(s, &run.sctx);

	/*
	 * Everything walked, nothing freed and nothing held the scan up,
	 * while count() promised pages: they may belong to a BO set aside
	 * whose pages came back unseen. Let the next scan look at those too.
	 */
	if (swept && !run.freed && !run.tally.skipped_busy &&
	    !run.tally.skipped_rpm && !run.tally.skipped_locked &&
	    atomic_long_read(&s->shrinkable_pages) > 0)
		ttm_shrinker_rewind(s);

	ttm_shrinker_add_tally(s, &run.tally);
	if (scanned)
		*scanned = run.scanned;

	return run.freed;
}

/**
 * ttm_shrinker_count_order() - What the shrinker would free for an
 * allocation of some order
 * @shrinker: The shrinker.
 * @gfp: The reclaim context.
 * @order: The order of the allocation reclaim runs for, 0 if none.
 * @compactable: Compaction can serve that order
 * (shrink_control_compaction_suitable()).
 *
 * ttm_shrinker_count(), but for a costly order (above
 * PAGE_ALLOC_COSTLY_ORDER) that compaction can serve only the purgeable
 * pages, unless the ttm.shrink_compaction_aware parameter is off: the
 * order-0 pages a backup frees do not make such an allocation succeed,
 * compaction does, and the working set would have to come back from swap.
 * A count that leaves out pages the order-0 count would have offered is
 * counted in skipped_fragmentation and traced as a ttm_shrink_skip with
 * reason fragmentation, bo_id 0 and the size left out.
 *
 * Return: A number of pages.
 */
unsigned long ttm_shrinker_count_order(struct ttm_shrinker *shrinker,
				       gfp_t gfp, int order, bool compactable)
{
	long purgeable, shrinkable;
	unsigned long spared = 0;

	if (!ttm_shrinker_spares_for(order, compactable))
		return ttm_shrinker_count(shrinker, gfp);

	atomic64_inc(&shrinker->stats.count_calls);
	purgeable = atomic_long_read(&shrinker->purgeable_pages);
	shrinkable = atomic_long_read(&shrinker->shrinkable_pages);
	if ((gfp & __GFP_FS) && shrinkable > 0)
		spared = min_t(unsigned long, shrinkable,
			       ttm_shrinker_backup_space(shrinker));
	if (spared) {
		atomic64_inc(&shrinker->stats.skipped_fragmentation);
		trace_ttm_shrink_skip(ttm_shrinker_dev(shrinker), 0,
				      (u64)spared << PAGE_SHIFT,
				      TTM_SHRINK_PASS_IDLE,
				      TTM_SHRINK_SKIP_FRAGMENTATION);
	}

	return max(purgeable, 0L);
}
EXPORT_SYMBOL(ttm_shrinker_count_order);

/**
 * ttm_shrinker_scan_order() - Free pages for an allocation of some order
 * @shrinker: The shrinker.
 * @nr_to_scan: Pages wanted.
 * @gfp: The reclaim context.
 * @caller: Who asks: decides whether the scan may wait for the GPU, write
 * back and (in the driver's begin callback) resume the device.
 * @order: The order of the allocation reclaim runs for, 0 if none.
 * @compactable: Compaction can serve that order
 * (shrink_control_compaction_suitable()).
 * @nr_scanned: If not NULL, set to the pages the scan looked at: at most
 * @nr_to_scan plus what it freed beyond (a folio, or a purged BO), BOs
 * it skipped included (the scan stops there, freed or not).
 *
 * A scan backs up about @nr_to_scan pages: a large BO is backed up in
 * part, folio by folio (at most a folio more than asked), and the next
 * scan goes on with it; a purgeable BO is dropped whole. BOs it cannot
 * shrink go to the LRU's tail (not those of a bulk move), BOs with
 * nothing left in memory are set aside: the next scan starts with new
 * ones instead of walking those again. For a costly order that compaction
 * can serve, it only purges, as ttm_shrinker_count_order() promised.
 *
 * Return: Pages freed.
 */
unsigned long ttm_shrinker_scan_order(struct ttm_shrinker *shrinker,
				      unsigned long nr_to_scan, gfp_t gfp,
				      enum ttm_shrink_caller caller,
				      int order, bool compactable,
				      unsigned long *nr_scanned)
{
	struct ttm_shrink_result res = {
		.requested_bytes = (u64)nr_to_scan << PAGE_SHIFT,
	};
	struct ttm_shrinker_stats *st = &shrinker->stats;
	const char *dev = ttm_shrinker_dev(shrinker);
	u64 start = ktime_get_ns(), ns;
	unsigned long freed, scanned;

	trace_ttm_shrink_scan_start(dev, nr_to_scan, gfp, order, caller);
	atomic64_inc(&st->scan_calls);
	freed = ttm_shrinker_run(shrinker, nr_to_scan, max(nr_to_scan, 1UL),
				 gfp, caller,
				 ttm_shrinker_spares_for(order, compactable),
				 &res, &scanned);
	ns = ktime_get_ns() - start;
	atomic64_add(ns, &st->scan_ns_total);
	ttm_shrinker_stat_max(&st->scan_ns_max, ns);
	trace_ttm_shrink_scan_end(dev, nr_to_scan, gfp, order, caller,
				  res.last_pass, freed, scanned, ns);
	if (nr_scanned)
		*nr_scanned = scanned;

	return freed;
}
EXPORT_SYMBOL(ttm_shrinker_scan_order);

/**
 * ttm_shrinker_scan() - Free pages, as the core mm asks for
 * @shrinker: The shrinker.
 * @nr_to_scan: Pages wanted.
 * @gfp: The reclaim context.
 * @caller: Who asks.
 * @nr_scanned: If not NULL, set to the pages the scan looked at.
 *
 * ttm_shrinker_scan_order() for reclaim that serves no allocation order in
 * particular (a driver's worker, a debug node, tests).
 *
 * Return: Pages freed.
 */
unsigned long ttm_shrinker_scan(struct ttm_shrinker *shrinker,
				unsigned long nr_to_scan, gfp_t gfp,
				enum ttm_shrink_caller caller,
				unsigned long *nr_scanned)
{
	return ttm_shrinker_scan_order(shrinker, nr_to_scan, gfp, caller, 0,
				       false, nr_scanned);
}
EXPORT_SYMBOL(ttm_shrinker_scan);

static unsigned long ttm_shrinker_mm_count(struct shrinker *shrink,
					   struct shrink_control *sc)
{
	unsigned long n;

	n = ttm_shrinker_count_order(shrink->private_data, sc->gfp_mask,
				     sc->order,
				     shrink_control_compaction_suitable(sc));

	return n ?: SHRINK_EMPTY;
}

static unsigned long ttm_shrinker_mm_scan(struct shrinker *shrink,
					  struct shrink_control *sc)
{
	unsigned long freed, scanned = 0;

	freed = ttm_shrinker_scan_order(shrink->private_data, sc->nr_to_scan,
					sc->gfp_mask,
					current_is_kswapd() ?
					TTM_SHRINK_CALLER_KSWAPD :
					TTM_SHRINK_CALLER_DIRECT, sc->order,
					shrink_control_compaction_suitable(sc),
					&scanned);
	/*
	 * What was looked at, as the core mm counts it: busy BOs too, so
	 * that a shrinker whose BOs are all busy is not called for ever.
	 */
	sc->nr_scanned = max(scanned, freed);
	if (!freed && !scanned)
		return SHRINK_STOP;

	return freed;
}

/**
 * ttm_shrinker_shrink() - Shrink a device on request
 * @shrinker: The shrinker.
 * @bytes: Free at least this much, or all there is; at most
 * U64_MAX - PAGE_SIZE + 1 (whole pages). Ignored with TTM_SHRINK_ALL.
 * @flags: TTM_SHRINK_ALL: free all there is; TTM_SHRINK_PURGE_ONLY: only
 * the purge pass.
 * @result: Filled in with the outcome.
 *
 * All passes, GPU waits and writeback included; the driver's begin
 * callback may resume the device. Repeats until the target is met or a
 * round frees nothing. A round that freed nothing because others held
 * BOs (kswapd backing one up, a submission) is tried again 10 ms later,
 * 100 times at most: the BO they held is usually what count() promised.
 * For the shrink debugfs node and tests.
 *
 * Return: 0, -EINVAL for a size of zero or too large to be a number of
 * pages, or -EINTR when interrupted.
 */
int ttm_shrinker_shrink(struct ttm_shrinker *shrinker, u64 bytes,
			unsigned int flags, struct ttm_shrink_result *result)
{
	bool purge_only = flags & TTM_SHRINK_PURGE_ONLY;
	unsigned long target, freed = 0, scanned = 0;
	unsigned int retries = 0;
	u64 start;

	if (flags & ~(TTM_SHRINK_ALL | TTM_SHRINK_PURGE_ONLY))
		return -EINVAL;
	if (flags & TTM_SHRINK_ALL) {
		bytes = 0;
		target = ULONG_MAX;
	} else {
		/* rounding up to pages must not wrap to a target of 0 */
		if (!bytes || bytes > U64_MAX - PAGE_SIZE + 1)
			return -EINVAL;
		target = min_t(u64, DIV_ROUND_UP_ULL(bytes, PAGE_SIZE),
			       ULONG_MAX);
	}
	memset(result, 0, sizeof(*result));
	result->requested_bytes = bytes;

	if (mutex_lock_interruptible(&shrinker->shrink_lock))
		return -EINTR;

	start = ktime_get_ns();
	/* All there is: the BOs set aside too, should pages have come back. */
	if (flags & TTM_SHRINK_ALL)
		ttm_shrinker_rewind(shrinker);
	trace_ttm_shrink_scan_start(ttm_shrinker_dev(shrinker), target,
				    GFP_KERNEL, 0, TTM_SHRINK_CALLER_FORCED);
	while (freed < target) {
		u64 locked = result->skipped_locked;
		unsigned long round_scanned;
		unsigned long got = ttm_shrinker_run(shrinker, target - freed,
						     ULONG_MAX, GFP_KERNEL,
						     TTM_SHRINK_CALLER_FORCED,
						     purge_only, result,
						     &round_scanned);

		scanned += round_scanned;
		if (!got) {
			if (result->skipped_locked == locked ||
			    ++retries > TTM_SHRINK_LOCKED_RETRIES)
				break;
			if (schedule_timeout_killable(msecs_to_jiffies(10)) &&
			    fatal_signal_pending(current)) {
				result->status = -EINTR;
				break;
			}
			continue;
		}
		freed += got;
		if (fatal_signal_pending(current)) {
			result->status = -EINTR;
			break;
		}
	}
	result->duration_ns = ktime_get_ns() - start;
	trace_ttm_shrink_scan_end(ttm_shrinker_dev(shrinker), target,
				  GFP_KERNEL, 0, TTM_SHRINK_CALLER_FORCED,
				  result->last_pass, freed, scanned,
				  result->duration_ns);
	shrinker->last = *result;
	mutex_unlock(&shrinker->shrink_lock);

	return result->status == -EINTR ? -EINTR : 0;
}
EXPORT_SYMBOL(ttm_shrinker_shrink);

/* The device's shrinker, referenced, or NULL: see ttm_shrinker_destroy(). */
static struct ttm_shrinker *ttm_shrinker_get(struct ttm_device *bdev)
{
	struct ttm_shrinker *s;

	rcu_read_lock();
	s = rcu_dereference(bdev->shrinker);
	if (s && !refcount_inc_not_zero(&s->users))
		s = NULL;
	rcu_read_unlock();

	return s;
}

static void ttm_shrinker_put(struct ttm_shrinker *s)
{
	if (refcount_dec_and_test(&s->users))
		complete(&s->gone);
}

/**
 * ttm_shrinker_swapout_bo() - Back up a BO for TTM's own page limit
 * @bo: The BO, reserved, idle and in system placement, of a device with a
 * shrinker.
 * @gfp: The allocation context.
 *
 * TTM's global swapout goes through the driver's callbacks like a scan
 * does, so that the driver's accounting and runtime PM stay right:
 * purgeable BOs are purged, others backed up page by page. It runs with
 * two reservations held (the populating BO's and this one's), so there is
 * no begin callback and prepare must not resume the device
 * (TTM_SHRINK_CALLER_SWAPOUT): a suspended device's BO that needs it is
 * skipped.
 *
 * Return: Pages freed, or a negative error code: -EBUSY for a BO the
 * driver refused or a device whose shrinker is going away.
 */
long ttm_shrinker_swapout_bo(struct ttm_buffer_object *bo, gfp_t gfp)
{
	struct ttm_shrinker *shrinker = ttm_shrinker_get(bo->bdev);
	const struct ttm_shrinker_funcs *funcs;
	struct ttm_shrink_ctx sctx = {
		.pass = TTM_SHRINK_PASS_IDLE,
		.caller = TTM_SHRINK_CALLER_SWAPOUT,
		.gfp = gfp,
	};
	struct ttm_backup_args args = {
		.gfp = gfp,
	};
	long ret;

	if (!shrinker)
		return -EBUSY;
	funcs = shrinker->funcs;
	if (ttm_bo_shrink_dying(bo)) {
		ret = -EBUSY;
		goto out;
	}

	args.purge = funcs->purgeable && funcs->purgeable(bo);
	if (funcs->prepare && funcs->prepare(shrinker, bo, &sctx)) {
		ret = -EBUSY;
		goto out;
	}
	ret = ttm_tt_backup(bo->bdev, bo->ttm, &args);
	if (funcs->finish)
		funcs->finish(shrinker, bo, &sctx, ret);
	if (ret > 0 && args.purge)
		atomic64_add((u64)ret << PAGE_SHIFT, &shrinker->stats.purged_bytes);
out:
	ttm_shrinker_put(shrinker);
	return ret;
}
EXPORT_SYMBOL(ttm_shrinker_swapout_bo);

/**
 * ttm_shrinker_note_backup() - TTM's accounting of backed-up pages
 * @bdev: The device.
 * @pages: Pages that went to (positive) or left (negative) the backend.
 */
void ttm_shrinker_note_backup(struct ttm_device *bdev, long pages)
{
	struct ttm_shrinker *s;

	rcu_read_lock();
	s = rcu_dereference(bdev->shrinker);
	if (s) {
		atomic_long_add(pages, &s->backed_up_pages);
		/* Backups by any path: the shrinker, forced, TTM's own limit. */
		if (pages > 0)
			atomic64_add((u64)pages << PAGE_SHIFT,
				     &s->stats.backup_bytes);
	}
	rcu_read_unlock();
}

/**
 * ttm_shrinker_note_restore() - TTM's accounting of restores
 * @bdev: The device.
 * @pages: Pages restored.
 * @err: The restore's error, or 0.
 */
void ttm_shrinker_note_restore(struct ttm_device *bdev, long pages, int err)
{
	struct ttm_shrinker *s;

	rcu_read_lock();
	s = rcu_dereference(bdev->shrinker);
	if (s) {
		atomic_long_sub(pages, &s->backed_up_pages);
		atomic64_add((u64)pages << PAGE_SHIFT, &s->stats.restore_bytes);
		if (err && err != -EINTR && err != -ERESTARTSYS)
			atomic64_inc(&s->stats.restore_errors);
	}
	rcu_read_unlock();
}

/**
 * ttm_shrinker_create_flags() - Give a TTM device a shrinker
 * @bdev: The device.
 * @funcs: The driver's callbacks.
 * @name: The shrinker's name, for the core mm (tracepoints use dev_name()
 * of the device's pool, this only for a device without one).
 * @flags: 0, or TTM_SHRINKER_OWN_SCAN for a driver that registers its own
 * struct shrinker and scans with the building blocks (the guarded LRU
 * walk, ttm_bo_shrink()): it still gets the accounting of backups and
 * restores, the statistics (ttm_shrinker_account_scan()), the debugfs
 * nodes and the forced shrink.
 *
 * Without TTM_SHRINKER_OWN_SCAN the shrinker is registered with the core
 * mm at once: the driver keeps its page counts with
 * ttm_shrinker_mod_pages() from the moment its BOs exist. Create it after
 * ttm_device_init() and destroy it before ttm_device_fini().
 *
 * Return: The shrinker, or an ERR_PTR.
 */
struct ttm_shrinker *ttm_shrinker_create_flags(struct ttm_device *bdev,
					       const struct ttm_shrinker_funcs *funcs,
					       const char *name, unsigned int flags)
{
	struct ttm_shrinker *s;
	unsigned int i;

	if (flags & ~TTM_SHRINKER_OWN_SCAN)
		return ERR_PTR(-EINVAL);

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);

	if (!(flags & TTM_SHRINKER_OWN_SCAN)) {
		s->shrinker = shrinker_alloc(0, "drm-ttm-%s", name);
		if (!s->shrinker) {
			kfree(s);
			return ERR_PTR(-ENOMEM);
		}
		s->shrinker->count_objects = ttm_shrinker_mm_count;
		s->shrinker->scan_objects = ttm_shrinker_mm_scan;
		s->shrinker->seeks = DEFAULT_SEEKS;
		s->shrinker->private_data = s;
	}

	strscpy(s->name, name, sizeof(s->name));
	s->bdev = bdev;
	s->funcs = funcs;
	for (i = 0; i < TTM_MAX_BO_PRIORITY; i++)
		ttm_lru_item_init(&s->parked[i], TTM_LRU_HITCH);
	ttm_shrinker_rewind(s);
	mutex_init(&s->shrink_lock);
	refcount_set(&s->users, 1);
	init_completion(&s->gone);
	rcu_assign_pointer(bdev->shrinker, s);
	if (s->shrinker)
		shrinker_register(s->shrinker);

	return s;
}
EXPORT_SYMBOL(ttm_shrinker_create_flags);

/**
 * ttm_shrinker_create() - Give a TTM device a shrinker, registered
 * @bdev: The device.
 * @funcs: The driver's callbacks.
 * @name: The shrinker's name, for the core mm (tracepoints use dev_name()
 * of the device's pool, this only for a device without one).
 *
 * See ttm_shrinker_create_flags().
 *
 * Return: The shrinker, or an ERR_PTR.
 */
struct ttm_shrinker *ttm_shrinker_create(struct ttm_device *bdev,
					 const struct ttm_shrinker_funcs *funcs,
					 const char *name)
{
	return ttm_shrinker_create_flags(bdev, funcs, name, 0);
}
EXPORT_SYMBOL(ttm_shrinker_create);

/**
 * ttm_shrinker_account_scan() - Record a scan a driver ran itself
 * @shrinker: A shrinker from ttm_shrinker_create_flags() with
 * TTM_SHRINKER_OWN_SCAN.
 * @scanned_bos: BOs the scan looked at.
 * @purged: Pages it purged.
 * @backed_up: Pages it backed up (backup_bytes itself is counted by TTM).
 * @ns: How long it took.
 *
 * So that the stats node and its users see the driver's scans as the
 * helper's own.
 */
void ttm_shrinker_account_scan(struct ttm_shrinker *shrinker,
			       unsigned long scanned_bos, unsigned long purged,
			       unsigned long backed_up, u64 ns)
{
	struct ttm_shrinker_stats *st = &shrinker->stats;

	atomic64_inc(&st->scan_calls);
	atomic64_add(scanned_bos, &st->scanned_bos);
	atomic64_add((u64)(purged + backed_up) << PAGE_SHIFT, &st->freed_bytes);
	atomic64_add((u64)purged << PAGE_SHIFT, &st->purged_bytes);
	atomic64_add(ns, &st->scan_ns_total);
	ttm_shrinker_stat_max(&st->scan_ns_max, ns);
}
EXPORT_SYMBOL(ttm_shrinker_account_scan);

/**
 * ttm_shrinker_destroy() - Take a device's shrinker down
 * @shrinker: The shrinker, or NULL.
 *
 * The device forgets it first, so that TTM's paths (swapout, backup and
 * restore accounting) stop finding it; then it waits for running scans
 * and for paths that found it before. The debugfs nodes must be gone
 * already: they go with the directory they were created in
 * (drm_dev_unregister() removes a DRM minor's).
 */
void ttm_shrinker_destroy(struct ttm_shrinker *shrinker)
{
	unsigned int i;

	if (!shrinker)
		return;

	RCU_INIT_POINTER(shrinker->bdev->shrinker, NULL);
	if (shrinker->shrinker)
		shrinker_free(shrinker->shrinker);
	synchronize_rcu();
	ttm_shrinker_put(shrinker);
	wait_for_completion(&shrinker->gone);
	spin_lock(&shrinker->bdev->lru_lock);
	for (i = 0; i < TTM_MAX_BO_PRIORITY; i++)
		list_del_init(&shrinker->parked[i].link);
	spin_unlock(&shrinker->bdev->lru_lock);
	mutex_destroy(&shrinker->shrink_lock);
	kfree(shrinker);
}
EXPORT_SYMBOL(ttm_shrinker_destroy);
