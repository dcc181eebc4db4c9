// SPDX-License-Identifier: GPL-2.0 AND MIT
/*
 * KUnit tests for the guarded LRU walk and the TTM shrinker helper: lock
 * and reference balance on every way out of a walk, skips, bulk moves and
 * LRU changes during a walk; shrinker counts and passes, direct reclaim
 * that must not wait for a fence that never signals, a full backend, and
 * the shrink node's size parser; scans bounded by what they were asked for
 * that do not walk again what earlier scans shrank or could not shrink.
 */
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/sched/mm.h>

#include <drm/ttm/ttm_backup.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_shrinker.h>
#include <drm/ttm/ttm_tt.h>

#include "ttm_kunit_helpers.h"

#define NR_BOS 6

struct shr_test_bo {
	struct ttm_buffer_object bo;
	bool purgeable;
	bool suspended;
	unsigned int visits;
	unsigned int prepares;
};

struct shr_test_priv {
	struct ttm_test_devices *devs;
	struct ttm_shrinker *shrinker;
	struct shr_test_bo *bos[NR_BOS];
	struct dma_fence *fence;
};

static DEFINE_SPINLOCK(shr_fence_lock);

static const char *shr_fence_name(struct dma_fence *f)
{
	return "ttm-shrinker-test";
}

static const struct dma_fence_ops shr_fence_ops = {
	.get_driver_name = shr_fence_name,
	.get_timeline_name = shr_fence_name,
};

static struct shr_test_bo *to_tbo(struct ttm_buffer_object *bo)
{
	return container_of(bo, struct shr_test_bo, bo);
}

static struct ttm_device *shr_bdev(struct kunit *test)
{
	struct shr_test_priv *priv = test->priv;

	return priv->devs->ttm_dev;
}

/* The test plays the driver: purgeable state, runtime PM, page counts. */
static bool shr_purgeable(struct ttm_buffer_object *bo)
{
	return to_tbo(bo)->purgeable;
}

/* Reclaim calls back from any task (kswapd too): no test context here. */
static atomic_t shr_prepares;

static int shr_prepare(struct ttm_shrinker *shrinker,
		       struct ttm_buffer_object *bo,
		       const struct ttm_shrink_ctx *sctx)
{
	atomic_inc(&shr_prepares);
	to_tbo(bo)->prepares++;
	if (to_tbo(bo)->suspended && !sctx->may_wait)
		return -EAGAIN;

	return 0;
}

static void shr_finish(struct ttm_shrinker *shrinker,
		       struct ttm_buffer_object *bo,
		       const struct ttm_shrink_ctx *sctx, long freed)
{
	if (freed <= 0)
		return;
	if (to_tbo(bo)->purgeable)
		ttm_shrinker_mod_pages(shrinker, 0, -freed);
	else
		ttm_shrinker_mod_pages(shrinker, -freed, 0);
}

static const struct ttm_shrinker_funcs shr_funcs = {
	.purgeable = shr_purgeable,
	.prepare = shr_prepare,
	.finish = shr_finish,
};

static int shr_test_init(struct kunit *test)
{
	struct shr_test_priv *priv;

	priv = kunit_kzalloc(test, sizeof(*priv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, priv);
	priv->devs = ttm_test_devices_all(test);
	test->priv = priv;

	return 0;
}

static void shr_test_fini(struct kunit *test)
{
	struct shr_test_priv *priv = test->priv;
	int i;

	if (priv->fence && !dma_fence_is_signaled(priv->fence))
		dma_fence_signal(priv->fence);
	for (i = 0; i < NR_BOS; i++)
		if (priv->bos[i])
			ttm_bo_put(&priv->bos[i]->bo);
	ttm_shrinker_destroy(priv->shrinker);
	ttm_test_devices_put(test, priv->devs);
}

/* A BO in system placement on the LRU, populated when @pages is not 0. */
static struct shr_test_bo *shr_bo(struct kunit *test, int slot,
				  unsigned long pages, bool populate)
{
	struct shr_test_priv *priv = test->priv;
	struct ttm_operation_ctx ctx = { };
	struct ttm_place *place = ttm_place_kunit_init(test, TTM_PL_SYSTEM, 0);
	struct ttm_placement placement = { .num_placement = 1, .placement = place };
	struct shr_test_bo *tbo;
	int err;

	tbo = kunit_kzalloc(test, sizeof(*tbo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tbo);
	drm_gem_private_object_init(priv->devs->drm, &tbo->bo.base,
				    pages << PAGE_SHIFT);
	err = ttm_bo_init_reserved(shr_bdev(test), &tbo->bo, ttm_bo_type_device,
				   &placement, 1, &ctx, NULL, NULL,
				   &dummy_ttm_bo_destroy);
	KUNIT_ASSERT_EQ(test, err, 0);
	if (populate) {
		if (!tbo->bo.ttm)
			KUNIT_ASSERT_EQ(test, ttm_tt_create(&tbo->bo, false), 0);
		err = ttm_tt_populate(shr_bdev(test), tbo->bo.ttm, &ctx);
		KUNIT_ASSERT_EQ(test, err, 0);
	}
	dma_resv_unlock(tbo->bo.base.resv);
	priv->bos[slot] = tbo;

	return tbo;
}

static unsigned int shr_kref(struct shr_test_bo *tbo)
{
	return kref_read(&tbo->bo.kref);
}

static unsigned long shr_lru_items(struct ttm_resource_manager *man)
{
	struct ttm_device *bdev = man->bdev;
	unsigned long n = 0;
	struct list_head *pos;

	spin_lock(&bdev->lru_lock);
	list_for_each(pos, &man->lru[0])
		n++;
	spin_unlock(&bdev->lru_lock);

	return n;
}

/* Every BO is offered once, locked and referenced; all is undone after. */
static void ttm_lru_walk_all(struct kunit *test)
{
	struct shr_test_priv *priv = test->priv;
	struct ttm_resource_manager *man = ttm_manager_type(shr_bdev(test), TTM_PL_SYSTEM);
	struct ttm_operation_ctx ctx = { };
	struct ttm_bo_lru_cursor curs;
	struct ttm_buffer_object *bo;
	unsigned int refs[NR_BOS];
	int i, seen = 0;

	for (i = 0; i < NR_BOS; i++) {
		shr_bo(test, i, 1, false);
		refs[i] = shr_kref(priv->bos[i]);
	}
	KUNIT_ASSERT_EQ(test, shr_lru_items(man), NR_BOS);

	ttm_bo_lru_for_each_reserved_guarded(&curs, man, &ctx, bo) {
		KUNIT_EXPECT_TRUE(test, dma_resv_is_locked(bo->base.resv));
		to_tbo(bo)->visits++;
		seen++;
	}

	KUNIT_EXPECT_EQ(test, seen, NR_BOS);
	KUNIT_EXPECT_EQ(test, curs.steps, NR_BOS);
	for (i = 0; i < NR_BOS; i++) {
		KUNIT_EXPECT_EQ(test, priv->bos[i]->visits, 1);
		KUNIT_EXPECT_FALSE(test, dma_resv_is_locked(priv->bos[i]->bo.base.resv));
		KUNIT_EXPECT_EQ(test, shr_kref(priv->bos[i]), refs[i]);
	}
	/* the cursor's hitch is off the list */
	KUNIT_EXPECT_EQ(test, shr_lru_items(man), NR_BOS);
}

static int shr_walk_until(struct kunit *test, int stop, bool by_return)
{
	struct ttm_resource_manager *man = ttm_manager_type(shr_bdev(test), TTM_PL_SYSTEM);
	struct ttm_operation_ctx ctx = { };
	struct ttm_bo_lru_cursor curs;
	struct ttm_buffer_object *bo;
	int n = 0;

	ttm_bo_lru_for_each_reserved_guarded(&curs, man, &ctx, bo) {
		if (n++ == stop) {
			if (by_return)
				return n;
			break;
		}
	}

	return n;
}

/* Leaving the loop early, by break or return, releases the BO held. */
static void ttm_lru_walk_early_exit(struct kunit *test)
{
	struct shr_test_priv *priv = test->priv;
	struct ttm_resource_manager *man = ttm_manager_type(shr_bdev(test), TTM_PL_SYSTEM);
	unsigned int refs[NR_BOS];
	int i, stop;

	for (i = 0; i < NR_BOS; i++) {
		shr_bo(test, i, 1, false);
		refs[i] = shr_kref(priv->bos[i]);
	}

	for (stop = 0; stop < NR_BOS; stop++) {
		KUNIT_EXPECT_EQ(test, shr_walk_until(test, stop, stop & 1), stop + 1);
		for (i = 0; i < NR_BOS; i++) {
			KUNIT_EXPECT_FALSE(test, dma_resv_is_locked(priv->bos[i]->bo.base.resv));
			KUNIT_EXPECT_EQ(test, shr_kref(priv->bos[i]), refs[i]);
		}
		KUNIT_EXPECT_EQ(test, shr_lru_items(man), NR_BOS);
	}
}

/* A BO locked elsewhere is passed over and counted; the caller may skip. */
static void ttm_lru_walk_skip(struct kunit *test)
{
	struct shr_test_priv *priv = test->priv;
	struct ttm_resource_manager *man = ttm_manager_type(shr_bdev(test), TTM_PL_SYSTEM);
	struct ttm_operation_ctx ctx = { };
	struct ttm_bo_lru_cursor curs;
	struct ttm_buffer_object *bo;
	int i, offered = 0;

	for (i = 0; i < NR_BOS; i++)
		shr_bo(test, i, 1, false);

	KUNIT_ASSERT_TRUE(test, dma_resv_trylock(priv->bos[2]->bo.base.resv));
	ttm_bo_lru_for_each_reserved_guarded(&curs, man, &ctx, bo) {
		offered++;
		if (to_tbo(bo) == priv->bos[3])
			continue;
		to_tbo(bo)->visits++;
	}
	dma_resv_unlock(priv->bos[2]->bo.base.resv);

	KUNIT_EXPECT_EQ(test, offered, NR_BOS - 1);
	KUNIT_EXPECT_EQ(test, curs.skipped_locked, 1);
	KUNIT_EXPECT_EQ(test, priv->bos[2]->visits, 0);
	KUNIT_EXPECT_EQ(test, priv->bos[3]->visits, 0);
	KUNIT_EXPECT_EQ(test, priv->bos[4]->visits, 1);
}

/*
 * BOs in a bulk move share the caller's reservation. Moving the bulk to
 * the LRU tail during the walk loses no BO and cannot make the walk
 * endless: the cursor is parked after the bulk's old place, so the moved
 * bulk comes round once more at the tail, and the BOs already offered
 * may be offered a second time, never a third.
 */
static void ttm_lru_walk_bulk_move(struct kunit *test)
{
	struct shr_test_priv *priv = test->priv;
	struct ttm_resource_manager *man = ttm_manager_type(shr_bdev(test), TTM_PL_SYSTEM);
	struct ttm_device *bdev = shr_bdev(test);
	struct ttm_lru_bulk_move bulk;
	struct ttm_bo_lru_cursor curs;
	struct ttm_buffer_object *bo;
	struct dma_resv *resv;
	struct ttm_operation_ctx ctx = { .allow_res_evict = true };
	int i, offered = 0;

	ttm_lru_bulk_move_init(&bulk);
	shr_bo(test, 0, 1, false);
	resv = priv->bos[0]->bo.base.resv;
	for (i = 1; i < NR_BOS; i++) {
		struct shr_test_bo *tbo = shr_bo(test, i, 1, false);

		/* share the first BO's reservation, as a VM's BOs do */
		tbo->bo.base.resv = resv;
	}

	dma_resv_lock(resv, NULL);
	for (i = 0; i < NR_BOS; i++)
		ttm_bo_set_bulk_move(&priv->bos[i]->bo, &bulk);
	ctx.resv = resv;

	ttm_bo_lru_for_each_reserved_guarded(&curs, man, &ctx, bo) {
		to_tbo(bo)->visits++;
		offered++;
		if (offered == 2) {
			spin_lock(&bdev->lru_lock);
			ttm_lru_bulk_move_tail(&bulk);
			spin_unlock(&bdev->lru_lock);
		}
		/* shared with the caller: offered without being relocked */
		KUNIT_EXPECT_FALSE(test, curs.needs_unlock);
	}

	for (i = 0; i < NR_BOS; i++) {
		KUNIT_EXPECT_GE(test, priv->bos[i]->visits, 1);
		KUNIT_EXPECT_LE(test, priv->bos[i]->visits, 2);
		ttm_bo_set_bulk_move(&priv->bos[i]->bo, NULL);
	}
	/* the two offered before the move come round again, no other */
	KUNIT_EXPECT_EQ(test, offered, NR_BOS + 2);
	KUNIT_EXPECT_TRUE(test, dma_resv_is_locked(resv));
	dma_resv_unlock(resv);
	for (i = 1; i < NR_BOS; i++)
		priv->bos[i]->bo.base.resv = &priv->bos[i]->bo.base._resv;
	ttm_lru_bulk_move_fini(bdev, &bulk);
}

/*
 * The LRU changes under the walk: the BO offered moves to the tail, and
 * another BO is destroyed. The walk ends, offers nothing destroyed, and
 * leaves locks and references balanced.
 */
static void ttm_lru_walk_concurrent_changes(struct kunit *test)
{
	struct shr_test_priv *priv = test->priv;
	struct ttm_resource_manager *man = ttm_manager_type(shr_bdev(test), TTM_PL_SYSTEM);
	struct ttm_device *bdev = shr_bdev(test);
	struct ttm_operation_ctx ctx = { };
	struct shr_test_bo *victim;
	struct ttm_bo_lru_cursor curs;
	struct ttm_buffer_object *bo;
	int i, offered = 0;

	for (i = 0; i < NR_BOS; i++)
		shr_bo(test, i, 1, false);
	victim = priv->bos[NR_BOS - 1];

	ttm_bo_lru_for_each_reserved_guarded(&curs, man, &ctx, bo) {
		struct shr_test_bo *tbo = to_tbo(bo);

		KUNIT_ASSERT_PTR_NE(test, tbo, victim);
		offered++;
		tbo->visits++;
		if (tbo == priv->bos[0] && tbo->visits == 1) {
			spin_lock(&bdev->lru_lock);
			ttm_resource_move_to_lru_tail(bo->resource);
			spin_unlock(&bdev->lru_lock);
		}
		if (tbo == priv->bos[1]) {
			/* the last reference goes: off the LRU */
			priv->bos[NR_BOS - 1] = NULL;
			ttm_bo_put(&victim->bo);
		}
		KUNIT_ASSERT_LT(test, offered, 4 * NR_BOS);
	}

	/* moved behind the cursor, bos[0] comes round once more */
	KUNIT_EXPECT_EQ(test, priv->bos[0]->visits, 2);
	for (i = 1; i < NR_BOS - 1; i++) {
		KUNIT_EXPECT_EQ(test, priv->bos[i]->visits, 1);
		KUNIT_EXPECT_FALSE(test, dma_resv_is_locked(priv->bos[i]->bo.base.resv));
	}
	KUNIT_EXPECT_EQ(test, shr_lru_items(man), NR_BOS - 1);
}

/*
 * Populated BOs of 16 pages, accounted as the driver would. @flags:
 * TTM_SHRINKER_OWN_SCAN for a shrinker the core mm never calls, for tests
 * that count what their own scans do.
 */
static void shr_setup_flags(struct kunit *test, unsigned long backend_pages,
			    const bool *purgeable, int n, unsigned int flags)
{
	struct shr_test_priv *priv = test->priv;
	int i;

	ttm_kunit_use_backup_file(test, shr_bdev(test), backend_pages);
	priv->shrinker = ttm_shrinker_create_flags(shr_bdev(test), &shr_funcs,
						   "kunit", flags);
	KUNIT_ASSERT_FALSE(test, IS_ERR(priv->shrinker));
	for (i = 0; i < n; i++) {
		struct shr_test_bo *tbo = shr_bo(test, i, 16, true);

		tbo->purgeable = purgeable[i];
		ttm_shrinker_mod_pages(priv->shrinker, purgeable[i] ? 0 : 16,
				       purgeable[i] ? 16 : 0);
	}
}

static void shr_setup(struct kunit *test, unsigned long backend_pages,
		      const bool *purgeable, int n)
{
	shr_setup_flags(test, backend_pages, purgeable, n, 0);
}

/*
 * As direct reclaim runs a shrinker for an allocation of @order:
 * PF_MEMALLOC, inside fs_reclaim. @scanned: if not NULL, the pages the
 * scan looked at.
 */
static unsigned long shr_scan_order(struct ttm_shrinker *s, unsigned long nr,
				    int order, bool compactable,
				    unsigned long *scanned)
{
	unsigned int noreclaim = memalloc_noreclaim_save();
	unsigned long freed;

	fs_reclaim_acquire(GFP_KERNEL);
	freed = ttm_shrinker_scan_order(s, nr, GFP_KERNEL,
					TTM_SHRINK_CALLER_DIRECT, order,
					compactable, scanned);
	fs_reclaim_release(GFP_KERNEL);
	memalloc_noreclaim_restore(noreclaim);

	return freed;
}

/* A direct-reclaim scan for no order in particular. */
static unsigned long shr_direct_scan_pages(struct ttm_shrinker *s,
					   unsigned long nr,
					   unsigned long *scanned)
{
	return shr_scan_order(s, nr, 0, false, scanned);
}

static unsigned long shr_direct_scan(struct ttm_shrinker *s, unsigned long nr)
{
	return shr_direct_scan_pages(s, nr, NULL);
}

static s64 shr_stat(struct ttm_shrinker *s, atomic64_t *v)
{
	return atomic64_read(v);
}

/*
 * count is purgeable + min(shrinkable, backend space), and only purgeable
 * without __GFP_FS. A scan purges before it backs anything up, and the
 * counters add up.
 */
static void ttm_shrinker_count_scan(struct kunit *test)
{
	static const bool purgeable[] = { false, true, false, true };
	struct shr_test_priv *priv = test->priv;
	struct ttm_shrinker *s;
	unsigned long freed;

	shr_setup(test, 32, purgeable, ARRAY_SIZE(purgeable));
	s = priv->shrinker;

	KUNIT_EXPECT_EQ(test, ttm_shrinker_count(s, GFP_KERNEL), 32 + 32);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_count(s, GFP_NOFS), 32);

	/* A small scan is served by pass 1 alone: one purgeable BO. */
	freed = shr_direct_scan(s, 1);
	KUNIT_EXPECT_EQ(test, freed, 16);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.purged_bytes), 16 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.backup_bytes), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->purgeable_pages), 16);

	/* Without __GFP_FS nothing is backed up, purging goes on. */
	freed = ttm_shrinker_scan(s, 1000, GFP_NOFS, TTM_SHRINK_CALLER_DIRECT, NULL);
	KUNIT_EXPECT_EQ(test, freed, 16);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.backup_bytes), 0);

	/* Then backups, up to the backend's 32 pages. */
	freed = shr_direct_scan(s, 1000);
	KUNIT_EXPECT_EQ(test, freed, 32);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.backup_bytes), 32 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.freed_bytes), 64 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.freed_bytes),
			shr_stat(s, &s->stats.purged_bytes) +
			shr_stat(s, &s->stats.backup_bytes));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->backed_up_pages), 32);
	KUNIT_EXPECT_GE(test, shr_stat(s, &s->stats.enospc), 1);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.scan_calls), 3);
	KUNIT_EXPECT_LE(test, shr_stat(s, &s->stats.scan_ns_max),
			shr_stat(s, &s->stats.scan_ns_total));
	KUNIT_EXPECT_EQ(test, ttm_shrinker_count(s, GFP_KERNEL), 0);

	/* Restoring is counted and empties the backend. */
	{
		struct ttm_operation_ctx ctx = { };
		int i;

		for (i = 0; i < 4; i++) {
			struct ttm_buffer_object *bo = &priv->bos[i]->bo;

			dma_resv_lock(bo->base.resv, NULL);
			KUNIT_EXPECT_EQ(test, ttm_tt_populate(shr_bdev(test), bo->ttm, &ctx), 0);
			dma_resv_unlock(bo->base.resv);
		}
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->backed_up_pages), 0);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.restore_bytes), 32 * PAGE_SIZE);
	ttm_kunit_backup_flush(shr_bdev(test));
	KUNIT_EXPECT_EQ(test, ttm_device_backup_avail(shr_bdev(test)),
			32 * PAGE_SIZE);
}

/* Give @bo a fence that does not signal before the test ends. */
static void shr_make_busy(struct kunit *test, struct ttm_buffer_object *bo)
{
	struct shr_test_priv *priv = test->priv;

	if (!priv->fence) {
		priv->fence = kunit_kzalloc(test, sizeof(*priv->fence), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, priv->fence);
		dma_fence_init(priv->fence, &shr_fence_ops, &shr_fence_lock, 0, 0);
	}
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, dma_resv_reserve_fences(bo->base.resv, 1), 0);
	dma_resv_add_fence(bo->base.resv, priv->fence, DMA_RESV_USAGE_KERNEL);
	dma_resv_unlock(bo->base.resv);
}

/* Walk steps and BOs looked at so far: the cost of scans. */
static void shr_walk_cost(struct ttm_shrinker *s, s64 *steps, s64 *bos)
{
	*steps = atomic64_read(&s->stats.walk_steps);
	*bos = atomic64_read(&s->stats.scanned_bos);
}

/* The largest folio of a populated tt, in pages (pool pages keep their order). */
static unsigned long shr_max_folio(struct ttm_tt *tt)
{
	unsigned long i, max = 1;

	for (i = 0; i < tt->num_pages; i += 1UL << page_private(tt->pages[i]))
		max = max_t(unsigned long, max, 1UL << page_private(tt->pages[i]));

	return max;
}

/*
 * A scan for 128 pages of a 64 MiB BO frees 128 pages, a folio more at
 * most, says it looked at what it freed, and leaves the rest resident;
 * the next scan goes on with the same BO, not with another one.
 */
static void ttm_shrinker_scan_budget(struct kunit *test)
{
	const unsigned long pages = SZ_64M >> PAGE_SHIFT;
	struct shr_test_priv *priv = test->priv;
	unsigned long freed, more, scanned, folio;
	struct ttm_tt *big, *other;
	struct ttm_shrinker *s;

	ttm_kunit_use_backup_file(test, shr_bdev(test), pages + 16);
	priv->shrinker = ttm_shrinker_create_flags(shr_bdev(test), &shr_funcs, "kunit",
						   TTM_SHRINKER_OWN_SCAN);
	KUNIT_ASSERT_FALSE(test, IS_ERR(priv->shrinker));
	s = priv->shrinker;
	big = shr_bo(test, 0, pages, true)->bo.ttm;
	other = shr_bo(test, 1, 16, true)->bo.ttm;
	ttm_shrinker_mod_pages(s, pages + 16, 0);
	folio = shr_max_folio(big);
	kunit_info(test, "largest folio: %lu pages", folio);

	freed = shr_direct_scan(s, 128);
	KUNIT_EXPECT_GE(test, freed, 128);
	KUNIT_EXPECT_LE(test, freed, 128 + folio);
	KUNIT_EXPECT_EQ(test, ttm_tt_resident_pages(big), pages - freed);
	KUNIT_EXPECT_EQ(test, ttm_tt_resident_pages(other), 16);

	/* the next one goes on with it, and says what it looked at */
	more = shr_direct_scan_pages(s, 128, &scanned);
	KUNIT_EXPECT_GE(test, more, 128);
	KUNIT_EXPECT_LE(test, more, 128 + folio);
	KUNIT_EXPECT_EQ(test, scanned, more);
	KUNIT_EXPECT_EQ(test, ttm_tt_resident_pages(big), pages - freed - more);
	KUNIT_EXPECT_EQ(test, ttm_tt_resident_pages(other), 16);
	KUNIT_EXPECT_EQ(test, priv->bos[1]->prepares, 0);
}

/*
 * Scans do not walk again what earlier ones shrank: four BOs and a busy
 * one, four scans of one BO's worth each, every scan looks at exactly one
 * BO and every BO is prepared once; then a scan looks at the busy one
 * only, not at the four set aside.
 */
static void ttm_shrinker_scan_no_revisit(struct kunit *test)
{
	static const bool purgeable[] = { false, false, false, false, false };
	struct shr_test_priv *priv = test->priv;
	s64 steps0, bos0, steps, bos;
	struct ttm_shrinker *s;
	int i;

	shr_setup_flags(test, 128, purgeable, ARRAY_SIZE(purgeable),
			TTM_SHRINKER_OWN_SCAN);
	s = priv->shrinker;
	shr_make_busy(test, &priv->bos[4]->bo);

	for (i = 0; i < 4; i++) {
		shr_walk_cost(s, &steps0, &bos0);
		KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 16), 16);
		shr_walk_cost(s, &steps, &bos);
		KUNIT_EXPECT_EQ_MSG(test, steps - steps0, 1, "scan %d", i);
		KUNIT_EXPECT_EQ_MSG(test, bos - bos0, 1, "scan %d", i);
		KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(priv->bos[i]->bo.ttm));
	}
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ_MSG(test, priv->bos[i]->prepares, 1, "BO %d", i);
	/* only the busy one left: looked at, the four set aside not */
	shr_walk_cost(s, &steps0, &bos0);
	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 16), 0);
	shr_walk_cost(s, &steps, &bos);
	KUNIT_EXPECT_EQ(test, bos - bos0, 1);
	KUNIT_EXPECT_LE(test, steps - steps0, 2);
}

/*
 * A BO a scan could not shrink (busy) goes to the LRU's tail: the next
 * scan starts with the BOs after it, and one scan looks at it once.
 */
static void ttm_shrinker_scan_rotates_busy(struct kunit *test)
{
	static const bool purgeable[] = { false, false, false };
	struct shr_test_priv *priv = test->priv;
	s64 steps0, bos0, steps, bos;
	unsigned long scanned = 0;
	struct ttm_shrinker *s;

	shr_setup_flags(test, 64, purgeable, ARRAY_SIZE(purgeable),
			TTM_SHRINKER_OWN_SCAN);
	s = priv->shrinker;
	shr_make_busy(test, &priv->bos[0]->bo);

	/* busy, then BO 1: both looked at, the busy one's pages count */
	shr_walk_cost(s, &steps0, &bos0);
	KUNIT_EXPECT_EQ(test, shr_direct_scan_pages(s, 32, &scanned), 16);
	KUNIT_EXPECT_EQ(test, scanned, 32);
	shr_walk_cost(s, &steps, &bos);
	KUNIT_EXPECT_EQ(test, bos - bos0, 2);
	KUNIT_EXPECT_GE(test, shr_stat(s, &s->stats.skipped_busy), 1);

	/* BO 2 first now */
	shr_walk_cost(s, &steps0, &bos0);
	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 16), 16);
	shr_walk_cost(s, &steps, &bos);
	KUNIT_EXPECT_EQ(test, steps - steps0, 1);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(priv->bos[2]->bo.ttm));

	/* only the busy one is left: looked at once, not for the whole budget */
	shr_walk_cost(s, &steps0, &bos0);
	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 1000), 0);
	shr_walk_cost(s, &steps, &bos);
	KUNIT_EXPECT_EQ(test, bos - bos0, 1);
	KUNIT_EXPECT_EQ(test, priv->bos[0]->prepares, 0);
}

/*
 * A BO set aside with nothing in memory whose pages come back without
 * TTM moving it on the LRU (here: populated directly) is not lost: a
 * scan that walked everything and freed nothing lets the next one see
 * the BOs set aside again.
 */
static void ttm_shrinker_scan_finds_restored(struct kunit *test)
{
	static const bool purgeable[] = { false };
	struct shr_test_priv *priv = test->priv;
	struct ttm_operation_ctx ctx = { };
	struct ttm_buffer_object *bo;
	struct ttm_shrinker *s;
	unsigned long freed;

	shr_setup_flags(test, 64, purgeable, ARRAY_SIZE(purgeable),
			TTM_SHRINKER_OWN_SCAN);
	s = priv->shrinker;
	bo = &priv->bos[0]->bo;

	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 16), 16);
	KUNIT_ASSERT_TRUE(test, ttm_tt_is_backed_up(bo->ttm));
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_tt_populate(shr_bdev(test), bo->ttm, &ctx), 0);
	dma_resv_unlock(bo->base.resv);
	ttm_shrinker_mod_pages(s, 16, 0);

	/* the first scan may find nothing after the marker, the next must */
	freed = shr_direct_scan(s, 16);
	if (!freed)
		freed = shr_direct_scan(s, 16);
	KUNIT_EXPECT_EQ(test, freed, 16);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(bo->ttm));
}

/*
 * Reclaim for a costly order that compaction can serve is offered only the
 * purgeable BO: count says so (and counts in skipped_fragmentation), and a
 * scan purges it and backs nothing up. Where compaction cannot serve the
 * order, or the order is not costly, count offers everything and scans
 * back up.
 */
static void ttm_shrinker_scan_spares_for_compaction(struct kunit *test)
{
	static const bool purgeable[] = { true, false, false };
	struct shr_test_priv *priv = test->priv;
	struct ttm_buffer_object *a, *b;
	struct ttm_shrinker *s;

	shr_setup_flags(test, 64, purgeable, ARRAY_SIZE(purgeable),
			TTM_SHRINKER_OWN_SCAN);
	s = priv->shrinker;
	a = &priv->bos[1]->bo;
	b = &priv->bos[2]->bo;

	KUNIT_EXPECT_EQ(test, ttm_shrinker_count_order(s, GFP_KERNEL, 9, true), 16);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.skipped_fragmentation), 1);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_count_order(s, GFP_KERNEL, 9, false), 48);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_count_order(s, GFP_KERNEL,
						       PAGE_ALLOC_COSTLY_ORDER, true), 48);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.skipped_fragmentation), 1);

	KUNIT_EXPECT_EQ(test, shr_scan_order(s, 48, 9, true, NULL), 16);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.purged_bytes), 16 << PAGE_SHIFT);
	/* nothing purgeable left: nothing freed, nothing backed up */
	KUNIT_EXPECT_EQ(test, ttm_shrinker_count_order(s, GFP_KERNEL, 10, true), 0);
	KUNIT_EXPECT_EQ(test, shr_scan_order(s, 48, 10, true, NULL), 0);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.backup_bytes), 0);
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_backed_up(a->ttm));
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_backed_up(b->ttm));

	/* compaction cannot serve it: reclaim must free memory */
	KUNIT_EXPECT_EQ(test, shr_scan_order(s, 16, 9, false, NULL), 16);
	/* not a costly order: compaction is no reason to spare */
	KUNIT_EXPECT_EQ(test, shr_scan_order(s, 16, PAGE_ALLOC_COSTLY_ORDER,
					     true, NULL), 16);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(a->ttm));
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(b->ttm));
}

/*
 * A walk that comes round to a BO it sent to the tail of one priority
 * list goes on with the next list: a busy BO at priority 0 does not keep
 * the scan from an idle one at priority 1.
 */
static void ttm_shrinker_scan_rotates_per_priority(struct kunit *test)
{
	static const bool purgeable[] = { false, false };
	struct shr_test_priv *priv = test->priv;
	struct ttm_buffer_object *low;
	struct ttm_shrinker *s;

	shr_setup_flags(test, 64, purgeable, ARRAY_SIZE(purgeable),
			TTM_SHRINKER_OWN_SCAN);
	s = priv->shrinker;
	shr_make_busy(test, &priv->bos[0]->bo);
	low = &priv->bos[1]->bo;
	dma_resv_lock(low->base.resv, NULL);
	low->priority = 1;
	spin_lock(&shr_bdev(test)->lru_lock);
	ttm_bo_move_to_lru_tail(low);
	spin_unlock(&shr_bdev(test)->lru_lock);
	dma_resv_unlock(low->base.resv);

	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 64), 16);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(low->ttm));
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_backed_up(priv->bos[0]->bo.ttm));
}

/*
 * BOs of a bulk move keep their place (moving one to the tail would only
 * move it to the end of its range, ahead of the walk): two busy ones
 * sharing a reservation do not keep a scan from the idle BO after them,
 * and are looked at once each.
 */
static void ttm_shrinker_scan_bulk_not_rotated(struct kunit *test)
{
	static const bool purgeable[] = { false, false };
	struct shr_test_priv *priv = test->priv;
	struct ttm_place *place = ttm_place_kunit_init(test, TTM_PL_SYSTEM, 0);
	struct ttm_placement placement = { .num_placement = 1, .placement = place };
	struct ttm_buffer_object *a, *b, *idle;
	struct ttm_operation_ctx ctx = { };
	struct ttm_lru_bulk_move *bulk;
	s64 steps0, bos0, steps, bos;
	struct shr_test_bo *tbo;
	struct ttm_shrinker *s;

	bulk = kunit_kzalloc(test, sizeof(*bulk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bulk);
	ttm_lru_bulk_move_init(bulk);
	shr_setup_flags(test, 64, purgeable, 1, TTM_SHRINKER_OWN_SCAN);
	s = priv->shrinker;
	a = &priv->bos[0]->bo;

	/* b shares a's reservation, as the BOs of one VM do */
	tbo = kunit_kzalloc(test, sizeof(*tbo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tbo);
	drm_gem_private_object_init(priv->devs->drm, &tbo->bo.base, 16 << PAGE_SHIFT);
	dma_resv_lock(a->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ttm_bo_init_reserved(shr_bdev(test), &tbo->bo,
						   ttm_bo_type_device, &placement, 1,
						   &ctx, NULL, a->base.resv,
						   &dummy_ttm_bo_destroy), 0);
	b = &tbo->bo;
	priv->bos[1] = tbo;
	if (!b->ttm)
		KUNIT_ASSERT_EQ(test, ttm_tt_create(b, false), 0);
	KUNIT_ASSERT_EQ(test, ttm_tt_populate(shr_bdev(test), b->ttm, &ctx), 0);
	ttm_bo_set_bulk_move(a, bulk);
	ttm_bo_set_bulk_move(b, bulk);
	dma_resv_unlock(a->base.resv);
	ttm_shrinker_mod_pages(s, 16, 0);
	shr_make_busy(test, a);

	/* after the range: the idle one */
	idle = &shr_bo(test, 2, 16, true)->bo;
	ttm_shrinker_mod_pages(s, 16, 0);

	shr_walk_cost(s, &steps0, &bos0);
	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 48), 16);
	shr_walk_cost(s, &steps, &bos);
	KUNIT_EXPECT_EQ(test, bos - bos0, 3);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(idle->ttm));
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_backed_up(a->ttm));
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_backed_up(b->ttm));

	dma_resv_lock(a->base.resv, NULL);
	ttm_bo_set_bulk_move(a, NULL);
	ttm_bo_set_bulk_move(b, NULL);
	dma_resv_unlock(a->base.resv);
	ttm_lru_bulk_move_fini(shr_bdev(test), bulk);
	/* b uses a's reservation: it goes first */
	ttm_bo_put(b);
	priv->bos[1] = NULL;
}

/*
 * A BO set aside with nothing in memory that ttm_bo_kmap() gives its
 * pages back goes to the LRU's tail: the very next scan finds it.
 */
static void ttm_shrinker_scan_finds_kmapped(struct kunit *test)
{
	static const bool purgeable[] = { false };
	struct shr_test_priv *priv = test->priv;
	struct ttm_bo_kmap_obj map;
	struct ttm_buffer_object *bo;
	struct ttm_shrinker *s;

	shr_setup_flags(test, 64, purgeable, ARRAY_SIZE(purgeable),
			TTM_SHRINKER_OWN_SCAN);
	s = priv->shrinker;
	bo = &priv->bos[0]->bo;

	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 16), 16);
	KUNIT_ASSERT_TRUE(test, ttm_tt_is_backed_up(bo->ttm));
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ttm_bo_kmap(bo, 0, 1, &map), 0);
	dma_resv_unlock(bo->base.resv);
	ttm_bo_kunmap(&map);
	KUNIT_ASSERT_EQ(test, ttm_tt_resident_pages(bo->ttm), 16);
	ttm_shrinker_mod_pages(s, 16, 0);

	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 16), 16);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(bo->ttm));
}

/*
 * Direct reclaim meets a BO whose fence never signals: it skips the BO at
 * once instead of waiting. kswapd waits (and would hang here), so the test
 * lets the fence signal first.
 */
static void ttm_shrinker_direct_never_waits(struct kunit *test)
{
	static const bool purgeable[] = { false, false };
	struct shr_test_priv *priv = test->priv;
	struct ttm_buffer_object *busy;
	struct ttm_shrinker *s;
	unsigned long freed;
	u64 start;

	shr_setup(test, 64, purgeable, ARRAY_SIZE(purgeable));
	s = priv->shrinker;
	busy = &priv->bos[0]->bo;
	shr_make_busy(test, busy);

	start = ktime_get_ns();
	freed = shr_direct_scan(s, 1000);
	kunit_info(test, "direct scan took %llu us", (ktime_get_ns() - start) / 1000);
	KUNIT_EXPECT_EQ(test, freed, 16);
	KUNIT_EXPECT_GE(test, shr_stat(s, &s->stats.skipped_busy), 1);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_populated(busy->ttm));
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(priv->bos[1]->bo.ttm));

	dma_fence_signal(priv->fence);
	freed = ttm_shrinker_scan(s, 1000, GFP_KERNEL, TTM_SHRINK_CALLER_KSWAPD, NULL);
	KUNIT_EXPECT_EQ(test, freed, 16);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(busy->ttm));
}

/*
 * A suspended device: direct reclaim skips its BOs and counts them; a
 * scan that may wait (kswapd, forced) resumes it and shrinks them.
 */
static void ttm_shrinker_runtime_pm(struct kunit *test)
{
	static const bool purgeable[] = { false, false };
	struct shr_test_priv *priv = test->priv;
	struct ttm_shrinker *s;

	shr_setup(test, 64, purgeable, ARRAY_SIZE(purgeable));
	s = priv->shrinker;
	priv->bos[0]->suspended = true;
	priv->bos[1]->suspended = true;

	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 1000), 0);
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.skipped_rpm), 2);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_scan(s, 1000, GFP_KERNEL,
						TTM_SHRINK_CALLER_KSWAPD, NULL), 32);
}

/*
 * The backend fills up: backing up stops with -ENOSPC counted, and a
 * purgeable BO that could not be purged earlier (locked) is purged by the
 * next scan, with count reporting exactly it.
 */
static void ttm_shrinker_enospc_purges(struct kunit *test)
{
	static const bool purgeable[] = { false, true, false };
	struct shr_test_priv *priv = test->priv;
	struct dma_resv *held;
	struct ttm_shrinker *s;

	shr_setup(test, 16, purgeable, ARRAY_SIZE(purgeable));
	s = priv->shrinker;
	held = priv->bos[1]->bo.base.resv;

	KUNIT_ASSERT_TRUE(test, dma_resv_trylock(held));
	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 1000), 16);
	dma_resv_unlock(held);
	KUNIT_EXPECT_GE(test, shr_stat(s, &s->stats.enospc), 1);
	KUNIT_EXPECT_GE(test, shr_stat(s, &s->stats.skipped_locked), 1);

	KUNIT_EXPECT_EQ(test, ttm_shrinker_count(s, GFP_KERNEL), 16);
	KUNIT_EXPECT_EQ(test, shr_direct_scan(s, 1000), 16);
	KUNIT_EXPECT_TRUE(test, ttm_tt_purged(priv->bos[1]->bo.ttm));
	KUNIT_EXPECT_EQ(test, shr_stat(s, &s->stats.purged_bytes), 16 * PAGE_SIZE);
}

/* The forced shrink frees at least what was asked, or all there is. */
static void ttm_shrinker_forced(struct kunit *test)
{
	static const bool purgeable[] = { false, true, false, false };
	struct shr_test_priv *priv = test->priv;
	struct ttm_shrink_result r;
	struct ttm_shrinker *s;

	shr_setup(test, 1024, purgeable, ARRAY_SIZE(purgeable));
	s = priv->shrinker;

	KUNIT_EXPECT_EQ(test, ttm_shrinker_shrink(s, 4096, 0, &r), 0);
	KUNIT_EXPECT_GE(test, r.freed_bytes, 4096);
	KUNIT_EXPECT_EQ(test, r.purged_bytes, 16 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, r.status, 0);

	KUNIT_EXPECT_EQ(test, ttm_shrinker_shrink(s, SZ_256M, 0, &r), 0);
	KUNIT_EXPECT_EQ(test, r.freed_bytes, 48 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, r.backed_up_bytes, 48 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, s->last.freed_bytes, r.freed_bytes);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_shrink(s, 0, 0, &r), -EINVAL);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_shrink(s, U64_MAX, 0, &r), -EINVAL);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_shrink(s, 4096, BIT(7), &r), -EINVAL);
}

/*
 * The shrink node's keywords: "purge" runs the purge pass alone, over
 * every purgeable BO, and backs nothing up; "all" frees all there is.
 */
static void ttm_shrinker_forced_modes(struct kunit *test)
{
	static const bool purgeable[] = { true, false, true };
	struct shr_test_priv *priv = test->priv;
	struct ttm_shrink_result r;
	unsigned int flags;
	struct ttm_shrinker *s;
	u64 bytes;

	KUNIT_EXPECT_EQ(test, ttm_shrinker_parse_shrink("all\n", &bytes, &flags), 0);
	KUNIT_EXPECT_EQ(test, flags, TTM_SHRINK_ALL);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_parse_shrink("purge", &bytes, &flags), 0);
	KUNIT_EXPECT_EQ(test, flags, TTM_SHRINK_ALL | TTM_SHRINK_PURGE_ONLY);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_parse_shrink("64K", &bytes, &flags), 0);
	KUNIT_EXPECT_EQ(test, flags, 0);
	KUNIT_EXPECT_EQ(test, bytes, SZ_64K);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_parse_shrink("al", &bytes, &flags), -EINVAL);
	KUNIT_EXPECT_EQ(test, ttm_shrinker_parse_shrink("purge all", &bytes, &flags), -EINVAL);

	shr_setup(test, 1024, purgeable, ARRAY_SIZE(purgeable));
	s = priv->shrinker;

	KUNIT_EXPECT_EQ(test, ttm_shrinker_shrink(s, 0, TTM_SHRINK_ALL | TTM_SHRINK_PURGE_ONLY,
						  &r), 0);
	KUNIT_EXPECT_EQ(test, r.purged_bytes, 32 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, r.backed_up_bytes, 0);
	KUNIT_EXPECT_EQ(test, r.requested_bytes, 0);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_populated(priv->bos[1]->bo.ttm));

	KUNIT_EXPECT_EQ(test, ttm_shrinker_shrink(s, 0, TTM_SHRINK_ALL, &r), 0);
	KUNIT_EXPECT_EQ(test, r.backed_up_bytes, 16 * PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(priv->bos[1]->bo.ttm));
}

#define OVC_BO_PAGES (SZ_16M >> PAGE_SHIFT)

static u64 shr_ovc_word(unsigned int bo, pgoff_t page, unsigned int w)
{
	return ((u64)bo << 48) ^ ((u64)page << 12) ^ w ^ 0x5a5a5a5a5a5a5a5aULL;
}

/* Populate a BO, nudging the shrinker if the allocator gives up. */
static int shr_ovc_populate(struct kunit *test, struct ttm_shrinker *s,
			    struct ttm_buffer_object *bo)
{
	struct ttm_operation_ctx ctx = { .gfp_retry_mayfail = true };
	int tries, err;

	for (tries = 0;; tries++) {
		err = ttm_tt_populate(shr_bdev(test), bo->ttm, &ctx);
		if (err != -ENOMEM || tries == 16)
			break;
		ttm_shrinker_scan(s, 2 * OVC_BO_PAGES, GFP_KERNEL, TTM_SHRINK_CALLER_KSWAPD, NULL);
	}
	if (!err)
		ttm_shrinker_mod_pages(s, bo->ttm->num_pages, 0);

	return err;
}

/*
 * In the spirit of the shrinker series' own tests: BOs totalling a quarter
 * more than the UML instance's memory, each filled with its own pattern,
 * then every byte of every BO read back. Memory pressure makes reclaim
 * call the shrinker, which backs the older BOs up to a file on the host;
 * reading them back restores them while others are backed up in turn.
 */
static void ttm_shrinker_overcommit(struct kunit *test)
{
	struct shr_test_priv *priv = test->priv;
	unsigned long total_pages = totalram_pages() * 5 / 4;
	unsigned int nr = DIV_ROUND_UP(total_pages, OVC_BO_PAGES), i;
	unsigned long mismatches = 0;
	struct ttm_buffer_object **bos;
	struct ttm_backup_file *store;
	struct ttm_shrinker *s;

	/* a block device backed by a host file: memory the backend frees is real */
	store = ttm_kunit_backup_store(test, nr * OVC_BO_PAGES);
	ttm_device_set_backup_file(shr_bdev(test), store);
	priv->shrinker = ttm_shrinker_create(shr_bdev(test), &shr_funcs, "kunit-ovc");
	KUNIT_ASSERT_FALSE(test, IS_ERR(priv->shrinker));
	s = priv->shrinker;

	bos = kunit_kcalloc(test, nr, sizeof(*bos), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bos);
	kunit_info(test, "%u BOs of 16 MiB, %lu MiB, RAM %lu MiB", nr,
		   (unsigned long)nr * 16, totalram_pages() >> (20 - PAGE_SHIFT));

	for (i = 0; i < nr; i++) {
		struct shr_test_bo *tbo = shr_bo(test, 0, OVC_BO_PAGES, false);
		struct ttm_buffer_object *bo = &tbo->bo;
		pgoff_t p;

		priv->bos[0] = NULL;	/* this test puts its own BOs */
		bos[i] = bo;
		dma_resv_lock(bo->base.resv, NULL);
		if (!bo->ttm)
			KUNIT_ASSERT_EQ(test, ttm_tt_create(bo, false), 0);
		KUNIT_ASSERT_EQ(test, shr_ovc_populate(test, s, bo), 0);
		for (p = 0; p < bo->ttm->num_pages; p++) {
			u64 *v = kmap_local_page(bo->ttm->pages[p]);
			unsigned int w;

			for (w = 0; w < PAGE_SIZE / sizeof(u64); w++)
				v[w] = shr_ovc_word(i, p, w);
			kunmap_local(v);
		}
		dma_resv_unlock(bo->base.resv);
	}

	for (i = 0; i < nr; i++) {
		struct ttm_buffer_object *bo = bos[i];
		pgoff_t p;

		dma_resv_lock(bo->base.resv, NULL);
		if (!ttm_tt_is_populated(bo->ttm))
			KUNIT_ASSERT_EQ(test, shr_ovc_populate(test, s, bo), 0);
		for (p = 0; p < bo->ttm->num_pages; p++) {
			u64 *v = kmap_local_page(bo->ttm->pages[p]);
			unsigned int w;

			for (w = 0; w < PAGE_SIZE / sizeof(u64); w++) {
				if (v[w] != shr_ovc_word(i, p, w)) {
					mismatches++;
					break;
				}
			}
			kunmap_local(v);
		}
		dma_resv_unlock(bo->base.resv);
	}

	kunit_info(test, "backed up %lld MiB, restored %lld MiB, %lld scans, %lu mismatched pages",
		   atomic64_read(&s->stats.backup_bytes) >> 20,
		   atomic64_read(&s->stats.restore_bytes) >> 20,
		   atomic64_read(&s->stats.scan_calls), mismatches);
	KUNIT_EXPECT_EQ(test, mismatches, 0);
	/* more than fits: a quarter of RAM at least went out and came back */
	KUNIT_EXPECT_GT(test, atomic64_read(&s->stats.backup_bytes),
			(s64)(totalram_pages() / 4) << PAGE_SHIFT);
	KUNIT_EXPECT_GT(test, atomic64_read(&s->stats.restore_bytes), 0);

	/*
	 * A scan in kswapd may hold the last reference of a BO and be backing
	 * it up right now: taking the shrinker down waits for running scans,
	 * then BOs whose release was deferred are destroyed. After that every
	 * slot of the file must be free again: no handle leaked.
	 */
	for (i = 0; i < nr; i++)
		ttm_bo_put(bos[i]);
	ttm_shrinker_destroy(s);
	priv->shrinker = NULL;
	flush_workqueue(shr_bdev(test)->wq);
	ttm_backup_file_flush(store);
	KUNIT_EXPECT_EQ(test, ttm_backup_file_bytes_avail(store),
			(u64)nr * OVC_BO_PAGES << PAGE_SHIFT);
	ttm_device_set_backup_file(shr_bdev(test), NULL);
}

struct shr_parse_case {
	const char *in;
	int err;
	u64 bytes;
};

static const struct shr_parse_case shr_parse_cases[] = {
	{ "4096", 0, 4096 },
	{ "64K", 0, SZ_64K },
	{ "64k\n", 0, SZ_64K },
	{ "256M", 0, SZ_256M },
	{ "2G", 0, SZ_2G },
	{ "1T", 0, 1ULL << 40 },
	{ "16777215T", 0, ((1ULL << 24) - 1) << 40 },
	{ "18446744073709547520", 0, U64_MAX - 4095 },
	/* sizes that round up past 2^64 in pages: no silent zero target */
	{ "18446744073709547521", -EINVAL },
	{ "18446744073709551615", -EINVAL },
	{ "16777216T", -EINVAL },
	{ "-1", -EINVAL },
	{ "abc", -EINVAL },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "12Q", -EINVAL },
	{ "99999999999999999999", -EINVAL },
	{ "18446744073709551616", -EINVAL },
	{ "16777216T", -EINVAL },
	{ "0", -EINVAL },
	{ "4K4", -EINVAL },
	{ "4KK", -EINVAL },
	{ " 4", -EINVAL },
	{ "4 ", -EINVAL },
	{ "+4", -EINVAL },
	{ "0x10", -EINVAL },
};

static void shr_parse_desc(const struct shr_parse_case *t, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", t->in);
}

KUNIT_ARRAY_PARAM(shr_parse, shr_parse_cases, shr_parse_desc);

static void ttm_shrinker_parse_size_test(struct kunit *test)
{
	const struct shr_parse_case *t = test->param_value;
	u64 bytes = 12345;

	KUNIT_EXPECT_EQ(test, ttm_shrinker_parse_size(t->in, &bytes), t->err);
	KUNIT_EXPECT_EQ(test, bytes, t->err ? 12345 : t->bytes);
}

struct shr_purge_case {
	const char *in;
	int err;
	u32 id;
	bool dontneed;
};

static const struct shr_purge_case shr_purge_cases[] = {
	{ "7 dontneed", 0, 7, true },
	{ "7 willneed\n", 0, 7, false },
	{ "4294967295 dontneed", 0, U32_MAX, true },
	{ "4294967296 dontneed", -EINVAL },
	{ "-1 dontneed", -EINVAL },
	{ "+1 dontneed", -EINVAL },
	{ "7", -EINVAL },
	{ "7 ", -EINVAL },
	{ "7 maybe", -EINVAL },
	{ "7 dontneed extra", -EINVAL },
	{ "7  dontneed", -EINVAL },
	{ " 7 dontneed", -EINVAL },
	{ "abc dontneed", -EINVAL },
	{ "", -EINVAL },
	{ "dontneed", -EINVAL },
};

static void shr_purge_desc(const struct shr_purge_case *t, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", t->in);
}

KUNIT_ARRAY_PARAM(shr_purge, shr_purge_cases, shr_purge_desc);

static void ttm_shrinker_parse_purgeable_test(struct kunit *test)
{
	const struct shr_purge_case *t = test->param_value;
	bool dontneed = !t->dontneed;
	char buf[32];
	u32 id = 12345;

	strscpy(buf, t->in, sizeof(buf));
	KUNIT_EXPECT_EQ(test, ttm_shrinker_parse_purgeable(buf, &id, &dontneed), t->err);
	if (t->err) {
		KUNIT_EXPECT_EQ(test, id, 12345);
	} else {
		KUNIT_EXPECT_EQ(test, id, t->id);
		KUNIT_EXPECT_EQ(test, dontneed, t->dontneed);
	}
}

static struct kunit_case ttm_shrinker_test_cases[] = {
	KUNIT_CASE(ttm_lru_walk_all),
	KUNIT_CASE(ttm_lru_walk_early_exit),
	KUNIT_CASE(ttm_lru_walk_skip),
	KUNIT_CASE(ttm_lru_walk_bulk_move),
	KUNIT_CASE(ttm_lru_walk_concurrent_changes),
	KUNIT_CASE(ttm_shrinker_count_scan),
	KUNIT_CASE(ttm_shrinker_direct_never_waits),
	KUNIT_CASE(ttm_shrinker_scan_budget),
	KUNIT_CASE(ttm_shrinker_scan_no_revisit),
	KUNIT_CASE(ttm_shrinker_scan_rotates_busy),
	KUNIT_CASE(ttm_shrinker_scan_finds_restored),
	KUNIT_CASE(ttm_shrinker_scan_rotates_per_priority),
	KUNIT_CASE(ttm_shrinker_scan_bulk_not_rotated),
	KUNIT_CASE(ttm_shrinker_scan_finds_kmapped),
	KUNIT_CASE(ttm_shrinker_scan_spares_for_compaction),
	KUNIT_CASE(ttm_shrinker_runtime_pm),
	KUNIT_CASE(ttm_shrinker_enospc_purges),
	KUNIT_CASE(ttm_shrinker_forced),
	KUNIT_CASE(ttm_shrinker_forced_modes),
	KUNIT_CASE_PARAM(ttm_shrinker_parse_size_test, shr_parse_gen_params),
	KUNIT_CASE_PARAM(ttm_shrinker_parse_purgeable_test, shr_purge_gen_params),
	KUNIT_CASE_SLOW(ttm_shrinker_overcommit),
	{}
};

static struct kunit_suite ttm_shrinker_test_suite = {
	.name = "ttm_shrinker",
	.init = shr_test_init,
	.exit = shr_test_fini,
	.test_cases = ttm_shrinker_test_cases,
};

kunit_test_suites(&ttm_shrinker_test_suite);

MODULE_DESCRIPTION("KUnit tests for the TTM LRU walk and shrinker helper");
MODULE_LICENSE("GPL and additional rights");
