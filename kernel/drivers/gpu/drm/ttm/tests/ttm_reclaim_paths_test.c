// SPDX-License-Identifier: GPL-2.0 AND MIT
/*
 * KUnit tests for the reclaim paths real drivers take: the allocation
 * mask a backup gets from a reclaim context, ghosts and BOs awaiting
 * destruction during scans, backup storage set up outside reclaim, purge
 * without __GFP_FS of a tt backed up in part, TTM's page accounting of
 * partial backups, fully backed-up and busy BOs, walk order, pools that
 * cannot back up, and the shrinker's lifetime against TTM's swapout.
 */
#include <linux/delay.h>
#include <linux/dma-resv.h>
#include <linux/fault-inject.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/pagemap.h>
#include <linux/sched/debug.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/xarray.h>

#include <drm/ttm/ttm_backup.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_pool.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_shrinker.h>
#include <drm/ttm/ttm_tt.h>

#include "ttm_kunit_helpers.h"
#include "ttm_mock_manager.h"

#define RP_MAX_BOS 4

/* A BO of the test "driver": callbacks tell its BOs from anything else. */
struct rp_bo {
	struct ttm_buffer_object bo;
	bool purgeable;
	struct completion *hold;	/* prepare waits for it, if set */
};

struct rp_priv {
	struct ttm_test_devices *devs;
	struct ttm_shrinker *shrinker;
	struct rp_bo *bos[RP_MAX_BOS];
	struct dma_fence *fence;
	bool managers;
};

/* What the callbacks saw: reclaim calls them from any task. */
static atomic_t rp_foreign;	/* a BO that is not the driver's */
static atomic_t rp_dying;	/* a BO awaiting destruction */
static atomic_t rp_prepares;

static DEFINE_SPINLOCK(rp_fence_lock);

static const char *rp_fence_name(struct dma_fence *f)
{
	return "ttm-reclaim-paths-test";
}

static const struct dma_fence_ops rp_fence_ops = {
	.get_driver_name = rp_fence_name,
	.get_timeline_name = rp_fence_name,
};

static void rp_bo_destroy(struct ttm_buffer_object *bo)
{
	drm_gem_object_release(&bo->base);
}

/* Whether a callback was handed one of our live BOs; count what it was. */
static struct rp_bo *rp_ours(struct ttm_buffer_object *bo)
{
	if (bo->destroy != rp_bo_destroy) {
		atomic_inc(&rp_foreign);
		return NULL;
	}
	if (bo->deleted)
		atomic_inc(&rp_dying);

	return container_of(bo, struct rp_bo, bo);
}

static bool rp_purgeable(struct ttm_buffer_object *bo)
{
	struct rp_bo *rbo = rp_ours(bo);

	return rbo && rbo->purgeable;
}

static int rp_prepare(struct ttm_shrinker *shrinker,
		      struct ttm_buffer_object *bo,
		      const struct ttm_shrink_ctx *sctx)
{
	struct rp_bo *rbo = rp_ours(bo);

	atomic_inc(&rp_prepares);
	if (rbo && rbo->hold)
		wait_for_completion(rbo->hold);

	return 0;
}

static void rp_finish(struct ttm_shrinker *shrinker,
		      struct ttm_buffer_object *bo,
		      const struct ttm_shrink_ctx *sctx, long freed)
{
	rp_ours(bo);
}

static const struct ttm_shrinker_funcs rp_funcs = {
	.purgeable = rp_purgeable,
	.prepare = rp_prepare,
	.finish = rp_finish,
};

static struct ttm_device *rp_bdev(struct kunit *test)
{
	struct rp_priv *priv = test->priv;

	return priv->devs->ttm_dev;
}

static int rp_init(struct kunit *test)
{
	struct rp_priv *priv;

	priv = kunit_kzalloc(test, sizeof(*priv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, priv);
	priv->devs = ttm_test_devices_all(test);
	test->priv = priv;
	atomic_set(&rp_foreign, 0);
	atomic_set(&rp_dying, 0);
	atomic_set(&rp_prepares, 0);

	return 0;
}

static void rp_fence_signal(struct rp_priv *priv)
{
	if (priv->fence && !dma_fence_is_signaled(priv->fence))
		dma_fence_signal(priv->fence);
}

static void rp_exit(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct ttm_device *bdev = priv->devs->ttm_dev;
	int i;

	rp_fence_signal(priv);
	for (i = 0; i < RP_MAX_BOS; i++)
		if (priv->bos[i])
			ttm_bo_put(&priv->bos[i]->bo);
	/* BOs awaiting destruction go before their device */
	flush_workqueue(bdev->wq);
	if (priv->managers) {
		ttm_mock_manager_fini(bdev, TTM_PL_VRAM);
		ttm_mock_manager_fini(bdev, TTM_PL_TT);
	}
	ttm_shrinker_destroy(priv->shrinker);
	ttm_device_set_backup_file(bdev, NULL);
	ttm_test_devices_put(test, priv->devs);
}

static void rp_shrinker(struct kunit *test)
{
	struct rp_priv *priv = test->priv;

	priv->shrinker = ttm_shrinker_create(rp_bdev(test), &rp_funcs, "kunit-rp");
	KUNIT_ASSERT_FALSE(test, IS_ERR(priv->shrinker));
}

static void rp_managers(struct kunit *test)
{
	struct rp_priv *priv = test->priv;

	KUNIT_ASSERT_EQ(test, ttm_mock_manager_init(rp_bdev(test), TTM_PL_TT, SZ_16M), 0);
	KUNIT_ASSERT_EQ(test, ttm_mock_manager_init(rp_bdev(test), TTM_PL_VRAM, SZ_16M), 0);
	/* VRAM holds no tt: a move there leaves the pages with a ghost */
	ttm_manager_type(rp_bdev(test), TTM_PL_VRAM)->use_tt = false;
	priv->managers = true;
}

/* A BO of @pages pages in @mem_type, populated, unlocked, in slot @slot. */
static struct rp_bo *rp_bo_new(struct kunit *test, int slot, u32 mem_type,
			       unsigned long pages)
{
	struct rp_priv *priv = test->priv;
	struct ttm_operation_ctx ctx = { };
	struct ttm_place *place = ttm_place_kunit_init(test, mem_type, 0);
	struct ttm_placement placement = { .num_placement = 1, .placement = place };
	struct rp_bo *rbo;
	int err;

	rbo = kunit_kzalloc(test, sizeof(*rbo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rbo);
	drm_gem_private_object_init(priv->devs->drm, &rbo->bo.base,
				    pages << PAGE_SHIFT);
	err = ttm_bo_init_reserved(rp_bdev(test), &rbo->bo, ttm_bo_type_device,
				   &placement, 1, &ctx, NULL, NULL, rp_bo_destroy);
	KUNIT_ASSERT_EQ(test, err, 0);
	if (!rbo->bo.ttm)
		KUNIT_ASSERT_EQ(test, ttm_tt_create(&rbo->bo, false), 0);
	KUNIT_ASSERT_EQ(test, ttm_tt_populate(rp_bdev(test), rbo->bo.ttm, &ctx), 0);
	dma_resv_unlock(rbo->bo.base.resv);
	priv->bos[slot] = rbo;

	return rbo;
}

/* A fence that signals when the test says so, added to @bo's reservation. */
static void rp_busy(struct kunit *test, struct ttm_buffer_object *bo)
{
	struct rp_priv *priv = test->priv;

	if (!priv->fence) {
		priv->fence = kunit_kzalloc(test, sizeof(*priv->fence), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, priv->fence);
		dma_fence_init(priv->fence, &rp_fence_ops, &rp_fence_lock, 0, 0);
	}
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, dma_resv_reserve_fences(bo->base.resv, 1), 0);
	dma_resv_add_fence(bo->base.resv, priv->fence, DMA_RESV_USAGE_WRITE);
	dma_resv_unlock(bo->base.resv);
}

/* As direct reclaim runs a shrinker: PF_MEMALLOC, inside fs_reclaim. */
static unsigned long rp_direct_scan(struct ttm_shrinker *s, unsigned long nr,
				    gfp_t gfp)
{
	unsigned int noreclaim = memalloc_noreclaim_save();
	unsigned long freed;

	fs_reclaim_acquire(gfp);
	freed = ttm_shrinker_scan(s, nr, gfp, TTM_SHRINK_CALLER_DIRECT, NULL);
	fs_reclaim_release(gfp);
	memalloc_noreclaim_restore(noreclaim);

	return freed;
}

/* A forced shrink or a kswapd scan in a thread, for tests that may block. */
struct rp_async {
	struct ttm_shrinker *s;
	struct completion done;
	unsigned long freed;
	struct ttm_shrink_result r;	/* a forced shrink's */
	bool kswapd;
	gfp_t gfp;
};

static int rp_async_fn(void *arg)
{
	struct rp_async *a = arg;

	if (a->kswapd) {
		a->freed = ttm_shrinker_scan(a->s, ULONG_MAX / 2, a->gfp,
					     TTM_SHRINK_CALLER_KSWAPD, NULL);
	} else if (a->gfp) {
		a->freed = rp_direct_scan(a->s, ULONG_MAX / 2, a->gfp);
	} else {
		ttm_shrinker_shrink(a->s, 0, TTM_SHRINK_ALL, &a->r);
		a->freed = a->r.freed_bytes >> PAGE_SHIFT;
	}
	complete(&a->done);

	return 0;
}

static void rp_async_start(struct kunit *test, struct rp_async *a)
{
	struct task_struct *t;

	init_completion(&a->done);
	t = kthread_run(rp_async_fn, a, "ttm-rp-shrink");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
}

/* Wait up to @ms for @r to be locked by someone else. */
static bool rp_wait_locked(struct dma_resv *r, unsigned int ms)
{
	while (!dma_resv_is_locked(r) && ms--)
		usleep_range(1000, 2000);

	return dma_resv_is_locked(r);
}

/* The first BO on @man's LRU (the test knows it is the only one). */
static struct ttm_buffer_object *rp_lru_first(struct ttm_resource_manager *man)
{
	struct ttm_resource_cursor cursor;
	struct ttm_resource *res;
	struct ttm_buffer_object *bo;

	spin_lock(&man->bdev->lru_lock);
	res = ttm_resource_manager_first(man, &cursor);
	bo = res ? res->bo : NULL;
	ttm_resource_cursor_fini(&cursor);
	spin_unlock(&man->bdev->lru_lock);

	return bo;
}

/*
 * A backend that records the allocation mask it is given, and fails like
 * the page allocator does under pressure when the mask says not to retry
 * (a THP fault's), so that a mask leaking through shows.
 */
struct rp_rec_backup {
	struct ttm_backup base;
	struct xarray pages;
	unsigned long next;
	gfp_t seen;
	unsigned int calls;
};

static struct rp_rec_backup *to_rec(struct ttm_backup *b)
{
	return container_of(b, struct rp_rec_backup, base);
}

static s64 rp_rec_folio(struct ttm_backup *b, struct page *page,
			unsigned int order, pgoff_t idx, unsigned int flags,
			gfp_t gfp)
{
	struct rp_rec_backup *rec = to_rec(b);
	unsigned long i, first = rec->next + 1;

	rec->seen |= gfp;
	rec->calls++;
	if (gfp & (__GFP_NORETRY | __GFP_NOFAIL))
		return -ENOMEM;

	for (i = 0; i < (1UL << order); i++) {
		struct page *copy = alloc_page(GFP_KERNEL);

		if (!copy)
			return -ENOMEM;
		copy_highpage(copy, page + i);
		xa_store(&rec->pages, first + i, copy, GFP_KERNEL);
	}
	rec->next += 1UL << order;

	return first;
}

static int rp_rec_copy_back(struct ttm_backup *b, struct page *dst,
			    unsigned long handle, bool intr)
{
	struct page *copy = xa_load(&to_rec(b)->pages, handle);

	if (!copy)
		return -EIO;
	copy_highpage(dst, copy);
	return 0;
}

static void rp_rec_drop(struct ttm_backup *b, unsigned long handle,
			unsigned long nr)
{
	struct rp_rec_backup *rec = to_rec(b);

	while (nr--) {
		struct page *copy = xa_erase(&rec->pages, handle++);

		if (copy)
			__free_page(copy);
	}
}

static void rp_rec_fini(struct ttm_backup *b)
{
	rp_rec_drop(b, 1, to_rec(b)->next);
}

static u64 rp_rec_avail(struct ttm_backup *b)
{
	return U64_MAX;
}

static const struct ttm_backup_ops rp_rec_ops = {
	.backup_folio = rp_rec_folio,
	.copy_back = rp_rec_copy_back,
	.drop = rp_rec_drop,
	.fini = rp_rec_fini,
	.bytes_avail = rp_rec_avail,
};

struct rp_gfp_case {
	const char *name;
	gfp_t ctx;
};

static const struct rp_gfp_case rp_gfp_cases[] = {
	{ "kswapd", GFP_KERNEL },
	{ "nofail under PF_MEMALLOC", GFP_KERNEL | __GFP_NOFAIL },
	{ "THP fault", GFP_TRANSHUGE },
	{ "THP light", GFP_TRANSHUGE_LIGHT | __GFP_FS | __GFP_IO },
	{ "zeroing", GFP_KERNEL | __GFP_ZERO },
	{ "nofs", GFP_NOFS },
	{ "noio", GFP_NOIO },
};

static void rp_gfp_desc(const struct rp_gfp_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rp_gfp, rp_gfp_cases, rp_gfp_desc);

/*
 * Whatever mask the reclaim context has, the backend is asked with the
 * fixed backup mask plus only the context's FS and IO bits: never
 * __GFP_NOFAIL, __GFP_ZERO, or a THP fault's no-retry bits, which would
 * fail the backup. The high-order page stays whole, every byte comes back.
 */
static void ttm_reclaim_backup_gfp(struct kunit *test)
{
	const struct rp_gfp_case *c = test->param_value;
	const gfp_t ctx_bits = __GFP_FS | __GFP_IO;
	const gfp_t banned = __GFP_NOFAIL | __GFP_ZERO | __GFP_NORETRY |
			     __GFP_THISNODE | __GFP_NOMEMALLOC | __GFP_COMP;
	struct ttm_backup_args args = { .gfp = c->ctx };
	struct ttm_operation_ctx ctx = { };
	struct rp_rec_backup rec = { .base.ops = &rp_rec_ops };
	struct ttm_buffer_object *bo;
	unsigned int noreclaim, order;
	struct ttm_tt *tt;
	u32 *vaddr;
	long freed;

	xa_init(&rec.pages);
	bo = &rp_bo_new(test, 0, TTM_PL_SYSTEM, 16)->bo;
	tt = bo->ttm;
	order = tt->pages[0]->private;
	vaddr = kmap_local_page(tt->pages[5]);
	vaddr[7] = 0xc0ffee;
	kunmap_local(vaddr);
	tt->backup = &rec.base;

	dma_resv_lock(bo->base.resv, NULL);
	noreclaim = memalloc_noreclaim_save();
	freed = ttm_tt_backup(rp_bdev(test), tt, &args);
	memalloc_noreclaim_restore(noreclaim);

	KUNIT_EXPECT_EQ(test, freed, 16);
	KUNIT_EXPECT_GE(test, rec.calls, 1);
	KUNIT_EXPECT_EQ(test, rec.seen & banned, 0);
	KUNIT_EXPECT_EQ(test, rec.seen & ctx_bits, c->ctx & ctx_bits);
	KUNIT_EXPECT_EQ(test, rec.seen & (__GFP_RETRY_MAYFAIL | __GFP_NOWARN |
					  __GFP_DIRECT_RECLAIM),
			__GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_DIRECT_RECLAIM);
	/* not split: the folio stored at its order */
	KUNIT_EXPECT_EQ(test, args.splits, 0);
	KUNIT_EXPECT_EQ(test, ttm_backup_slot_order(tt->pages[0]), order);

	if (freed == 16) {
		KUNIT_EXPECT_EQ(test, ttm_tt_populate(rp_bdev(test), tt, &ctx), 0);
		vaddr = kmap_local_page(tt->pages[5]);
		KUNIT_EXPECT_EQ(test, vaddr[7], 0xc0ffee);
		kunmap_local(vaddr);
	}
	/* the backend lives on this stack: let the BO go now */
	ttm_tt_unpopulate(rp_bdev(test), tt);
	tt->backup = NULL;
	rp_rec_fini(&rec.base);
	xa_destroy(&rec.pages);
	dma_resv_unlock(bo->base.resv);
}

/*
 * A ghost of a pipelined move sits on the TT LRU with the old pages while
 * the move's fence is pending. Scans never hand it to a driver callback;
 * once the fence signals it is freed, not backed up.
 */
static void ttm_reclaim_ghost(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct ttm_place vram = { .mem_type = TTM_PL_VRAM };
	struct ttm_resource_manager *tt_man;
	struct ttm_resource *res;
	struct ttm_buffer_object *bo, *ghost;
	struct rp_async a = { };
	struct ttm_shrinker *s;

	rp_managers(test);
	rp_shrinker(test);
	s = priv->shrinker;
	bo = &rp_bo_new(test, 0, TTM_PL_TT, 16)->bo;
	tt_man = ttm_manager_type(rp_bdev(test), TTM_PL_TT);
	KUNIT_ASSERT_NE(test, ttm_resource_manager_usage(tt_man), 0);

	/* a copy to VRAM "in flight": the ghost keeps the TT pages */
	rp_busy(test, bo);
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ttm_resource_alloc(bo, &vram, &res), 0);
	KUNIT_ASSERT_EQ(test, dma_resv_reserve_fences(bo->base.resv, 1), 0);
	KUNIT_ASSERT_EQ(test, ttm_bo_move_accel_cleanup(bo, priv->fence, false,
							false, res), 0);
	dma_resv_unlock(bo->base.resv);
	KUNIT_ASSERT_NULL(test, bo->ttm);
	KUNIT_ASSERT_NE(test, ttm_resource_manager_usage(tt_man), 0);

	ghost = rp_lru_first(tt_man);
	KUNIT_ASSERT_NOT_NULL(test, ghost);
	KUNIT_ASSERT_TRUE(test, ghost->deleted);

	KUNIT_EXPECT_EQ(test, rp_direct_scan(s, 1000, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rp_foreign), 0);

	/*
	 * A forced shrink waits for the ghost, then frees its pages itself:
	 * it holds the ghost when the fence signals, so TTM's delayed destroy
	 * (which also waits for it) cannot come first.
	 */
	a.s = s;
	rp_async_start(test, &a);
	KUNIT_ASSERT_TRUE(test, rp_wait_locked(ghost->base.resv, 2000));
	msleep(20);
	rp_fence_signal(priv);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a.done, 10 * HZ));
	KUNIT_EXPECT_EQ(test, a.freed, 16);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.freed_bytes), 16 * PAGE_SIZE);
	flush_workqueue(rp_bdev(test)->wq);

	KUNIT_EXPECT_EQ(test, atomic_read(&rp_foreign), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.backup_bytes), 0);
	KUNIT_EXPECT_EQ(test, ttm_resource_manager_usage(tt_man), 0);
}

/*
 * A BO whose last user is gone while the GPU still uses it waits for
 * delayed destruction. Scans never call the driver for it and never back
 * its dead contents up: once idle, it is freed.
 */
static void ttm_reclaim_deleted(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct ttm_buffer_object *bo;
	struct rp_async a = { };
	struct ttm_shrinker *s;

	rp_shrinker(test);
	s = priv->shrinker;
	bo = &rp_bo_new(test, 0, TTM_PL_SYSTEM, 16)->bo;
	ttm_shrinker_mod_pages(s, 16, 0);
	rp_busy(test, bo);
	priv->bos[0] = NULL;
	ttm_bo_put(bo);
	KUNIT_ASSERT_TRUE(test, bo->deleted);

	KUNIT_EXPECT_EQ(test, rp_direct_scan(s, 1000, GFP_KERNEL), 0);

	a.s = s;
	rp_async_start(test, &a);
	/* the forced shrink holds it, waiting, when the fence signals */
	KUNIT_ASSERT_TRUE(test, rp_wait_locked(bo->base.resv, 2000));
	msleep(20);
	rp_fence_signal(priv);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a.done, 10 * HZ));
	/* the shrinker freed it, not TTM's delayed destroy after it */
	KUNIT_EXPECT_EQ(test, a.freed, 16);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.freed_bytes), 16 * PAGE_SIZE);
	flush_workqueue(rp_bdev(test)->wq);

	KUNIT_EXPECT_EQ(test, atomic_read(&rp_dying), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rp_prepares), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.backup_bytes), 0);
	ttm_shrinker_mod_pages(s, -16, 0);
}

/*
 * A forced shrink finds the one BO it could free held by someone else
 * (kswapd backing it up, a submission): it comes back for it rather than
 * report nothing freed, and its result says what it found locked.
 */
static void ttm_reclaim_forced_waits_out_locked(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct ttm_buffer_object *bo;
	struct rp_async a = { };
	int i;

	/* room to back up into: UML has no swap for shmem */
	ttm_kunit_use_backup_file(test, rp_bdev(test), 64);
	rp_shrinker(test);
	bo = &rp_bo_new(test, 0, TTM_PL_SYSTEM, 16)->bo;
	ttm_shrinker_mod_pages(priv->shrinker, 16, 0);

	dma_resv_lock(bo->base.resv, NULL);
	a.s = priv->shrinker;
	rp_async_start(test, &a);
	/* let go only once a whole round (three passes) found it locked */
	for (i = 0; i < 5000 && atomic64_read(&priv->shrinker->stats.skipped_locked) < 3; i++)
		usleep_range(1000, 2000);
	dma_resv_unlock(bo->base.resv);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&a.done, 10 * HZ));

	KUNIT_EXPECT_EQ(test, a.freed, 16);
	KUNIT_EXPECT_GE(test, a.r.skipped_locked, 3);
	KUNIT_EXPECT_EQ(test, a.r.status, 0);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(bo->ttm));
	ttm_shrinker_mod_pages(priv->shrinker, -16, 0);
}

/*
 * Backup storage is set up when a tt is populated, outside reclaim: a
 * scan in direct reclaim backs up into it and creates nothing.
 */
static void ttm_reclaim_storage_ahead(struct kunit *test)
{
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	struct ttm_buffer_object *bo;
	struct ttm_backup *backup;
	unsigned int noreclaim;
	long freed;

	rp_shrinker(test);
	bo = &rp_bo_new(test, 0, TTM_PL_SYSTEM, 16)->bo;
	backup = bo->ttm->backup;
	KUNIT_ASSERT_NOT_NULL(test, backup);

	dma_resv_lock(bo->base.resv, NULL);
	noreclaim = memalloc_noreclaim_save();
	freed = ttm_tt_backup(rp_bdev(test), bo->ttm, &args);
	memalloc_noreclaim_restore(noreclaim);
	dma_resv_unlock(bo->base.resv);
	KUNIT_EXPECT_EQ(test, freed, 16);
	KUNIT_EXPECT_PTR_EQ(test, bo->ttm->backup, backup);
}

/* Fail every backup after the first @bytes: a tt ends up backed up in part. */
static void rp_fail_backup_after(unsigned long bytes)
{
	struct fault_attr *attr = ttm_pool_fault_attr(false);

	attr->probability = 100;
	attr->interval = 1;
	attr->verbose = 0;
	atomic_set(&attr->space, bytes + 1);
	atomic_set(&attr->times, -1);
}

static void rp_fail_backup_off(void)
{
	struct fault_attr *attr = ttm_pool_fault_attr(false);

	attr->probability = 0;
	atomic_set(&attr->space, 0);
	atomic_set(&attr->times, 0);
}

/* Back a 24-page tt up in part, 16 pages or so; return the pages backed up. */
static long rp_backup_part(struct kunit *test, struct ttm_buffer_object *bo)
{
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	long freed;

	dma_resv_lock(bo->base.resv, NULL);
	rp_fail_backup_after(16 * PAGE_SIZE);
	freed = ttm_tt_backup(rp_bdev(test), bo->ttm, &args);
	rp_fail_backup_off();
	dma_resv_unlock(bo->base.resv);

	return freed;
}

struct rp_purge {
	struct ttm_shrinker *s;
	struct completion done;
	unsigned long freed;
};

static int rp_purge_fn(void *arg)
{
	struct rp_purge *p = arg;

	p->freed = rp_direct_scan(p->s, 1000, GFP_NOFS);
	complete(&p->done);
	return 0;
}

/*
 * Purging a tt backed up in part to shmem from reclaim without __GFP_FS
 * must not wait for a shmem folio lock (reclaim may hold one): it frees
 * the resident pages and leaves the shmem file to its deferred release.
 */
static void ttm_reclaim_purge_nofs(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct task_struct *task;
	struct rp_purge *p;
	struct rp_bo *rbo;
	struct folio *folio;
	struct file *filp;
	long backed_up;
	bool done;

	/* the thread may outlive a failed test: not on this stack */
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	rp_shrinker(test);
	rbo = rp_bo_new(test, 0, TTM_PL_SYSTEM, 24);
	backed_up = rp_backup_part(test, &rbo->bo);
	KUNIT_ASSERT_GT(test, backed_up, 0);
	KUNIT_ASSERT_LT(test, backed_up, 24);
	rbo->purgeable = true;
	ttm_shrinker_mod_pages(priv->shrinker, 0, 24 - backed_up);

	filp = ttm_backup_shmem_file(rbo->bo.ttm->backup);
	KUNIT_ASSERT_NOT_NULL(test, filp);
	folio = shmem_read_folio(filp->f_mapping, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	folio_lock(folio);

	p->s = priv->shrinker;
	init_completion(&p->done);
	task = kthread_run(rp_purge_fn, p, "ttm-rp-purge");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	get_task_struct(task);
	done = wait_for_completion_timeout(&p->done, 2 * HZ);
	if (!done)
		sched_show_task(task);
	KUNIT_EXPECT_TRUE(test, done);

	folio_unlock(folio);
	folio_put(folio);
	/* the first wait consumed the completion if it came */
	if (!done && !wait_for_completion_timeout(&p->done, 10 * HZ)) {
		sched_show_task(task);
		put_task_struct(task);
		KUNIT_FAIL(test, "the purge did not finish");
		return;	/* p stays with the thread */
	}
	put_task_struct(task);
	KUNIT_EXPECT_EQ(test, p->freed, 24 - backed_up);
	KUNIT_EXPECT_TRUE(test, ttm_tt_purged(rbo->bo.ttm));
	ttm_shrinker_mod_pages(priv->shrinker, 0, -(24 - backed_up));
	kfree(p);
}

/*
 * TTM's page limit counts resident pages: a partial backup takes off what
 * it freed, a restore adds back what it restored, nothing drifts.
 */
static void ttm_reclaim_partial_accounting(struct kunit *test)
{
	struct ttm_operation_ctx ctx = { };
	long base = ttm_tt_pages_allocated();
	struct ttm_buffer_object *bo;
	long backed_up;

	bo = &rp_bo_new(test, 0, TTM_PL_SYSTEM, 24)->bo;
	KUNIT_EXPECT_EQ(test, ttm_tt_pages_allocated(), base + 24);

	backed_up = rp_backup_part(test, bo);
	KUNIT_ASSERT_GT(test, backed_up, 0);
	KUNIT_ASSERT_LT(test, backed_up, 24);
	KUNIT_EXPECT_EQ(test, ttm_tt_pages_allocated(), base + 24 - backed_up);

	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_tt_populate(rp_bdev(test), bo->ttm, &ctx), 0);
	dma_resv_unlock(bo->base.resv);
	KUNIT_EXPECT_EQ(test, ttm_tt_pages_allocated(), base + 24);

	rp_backup_part(test, bo);
	ttm_bo_put(bo);
	((struct rp_priv *)test->priv)->bos[0] = NULL;
	KUNIT_EXPECT_EQ(test, ttm_tt_pages_allocated(), base);
}

/*
 * A BO backed up in full has nothing left to free: scans pass it over in
 * O(1), without the driver's prepare and without waiting for its fence
 * (kswapd would otherwise wait on it for nothing).
 */
static void ttm_reclaim_backed_up_skipped(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	struct rp_async a = { .kswapd = true, .gfp = GFP_KERNEL };
	struct ttm_buffer_object *bo;
	bool done;

	/* a backend with room: the scan would otherwise stop at once */
	ttm_kunit_use_backup_file(test, rp_bdev(test), 64);
	rp_shrinker(test);
	bo = &rp_bo_new(test, 0, TTM_PL_SYSTEM, 16)->bo;
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ttm_tt_backup(rp_bdev(test), bo->ttm, &args), 16);
	dma_resv_unlock(bo->base.resv);
	rp_busy(test, bo);

	a.s = priv->shrinker;
	rp_async_start(test, &a);
	done = wait_for_completion_timeout(&a.done, 2 * HZ);
	rp_fence_signal(priv);
	if (!done)	/* it waited for the fence: it ends now */
		wait_for_completion(&a.done);
	KUNIT_EXPECT_TRUE(test, done);
	KUNIT_EXPECT_EQ(test, atomic_read(&rp_prepares), 0);
}

/* SYSTEM first: its BOs are no longer bound to the GPU; TT ones may be. */
static void ttm_reclaim_walk_order(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct ttm_tt *in_tt, *in_sys;

	rp_managers(test);
	ttm_kunit_use_backup_file(test, rp_bdev(test), 64);
	rp_shrinker(test);
	in_tt = rp_bo_new(test, 0, TTM_PL_TT, 16)->bo.ttm;
	in_sys = rp_bo_new(test, 1, TTM_PL_SYSTEM, 16)->bo.ttm;
	ttm_shrinker_mod_pages(priv->shrinker, 32, 0);

	KUNIT_EXPECT_EQ(test, rp_direct_scan(priv->shrinker, 1, GFP_KERNEL), 16);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(in_sys));
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_populated(in_tt));
	ttm_shrinker_mod_pages(priv->shrinker, -32, 0);
}

/*
 * A pool whose pages come from the coherent DMA allocator cannot back
 * up: count() does not promise its pages, and scans pass them over
 * without counting errors.
 */
static void ttm_reclaim_dma_alloc_pool(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct ttm_device *bdev = rp_bdev(test);
	struct ttm_shrinker *s;

	/* the same device, its pool now from the DMA allocator */
	ttm_pool_fini(&bdev->pool);
	ttm_pool_init(&bdev->pool, priv->devs->dev, NUMA_NO_NODE, true, false);
	ttm_kunit_use_backup_file(test, bdev, 64);
	rp_shrinker(test);
	s = priv->shrinker;
	rp_bo_new(test, 0, TTM_PL_SYSTEM, 16);
	ttm_shrinker_mod_pages(s, 16, 0);

	KUNIT_EXPECT_EQ(test, ttm_shrinker_count(s, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, rp_direct_scan(s, 1000, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.backup_errors), 0);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_populated(priv->bos[0]->bo.ttm));
	ttm_shrinker_mod_pages(s, -16, 0);
}

struct rp_swapout {
	struct ttm_buffer_object *bo;
	struct completion done;
	long ret;
};

static int rp_swapout_fn(void *arg)
{
	struct rp_swapout *w = arg;

	dma_resv_lock(w->bo->base.resv, NULL);
	w->ret = ttm_shrinker_swapout_bo(w->bo, GFP_KERNEL);
	dma_resv_unlock(w->bo->base.resv);
	complete(&w->done);

	return 0;
}

struct rp_destroy {
	struct ttm_shrinker *s;
	struct completion done;
};

static int rp_destroy_fn(void *arg)
{
	struct rp_destroy *d = arg;

	ttm_shrinker_destroy(d->s);
	complete(&d->done);

	return 0;
}

/*
 * TTM's swapout finds the shrinker through the device, from any task.
 * Destroying the shrinker takes it off the device first and then waits
 * for such a path to be done with it, instead of freeing it under it.
 */
static void ttm_reclaim_destroy_waits_for_swapout(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	DECLARE_COMPLETION_ONSTACK(hold);
	struct rp_swapout w = { };
	struct rp_destroy d = { };
	struct rp_bo *rbo;

	rp_shrinker(test);
	rbo = rp_bo_new(test, 0, TTM_PL_SYSTEM, 16);
	rbo->hold = &hold;

	w.bo = &rbo->bo;
	init_completion(&w.done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(rp_swapout_fn, &w, "ttm-rp-swapout")));
	while (!atomic_read(&rp_prepares))
		usleep_range(1000, 2000);

	d.s = priv->shrinker;
	priv->shrinker = NULL;
	init_completion(&d.done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(rp_destroy_fn, &d, "ttm-rp-destroy")));
	/* gone from the device at once, but not freed while in use */
	msleep(100);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(rp_bdev(test)->shrinker));
	KUNIT_EXPECT_FALSE(test, completion_done(&d.done));

	complete(&hold);
	wait_for_completion(&w.done);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&d.done, 10 * HZ));
	KUNIT_EXPECT_EQ(test, w.ret, 16);
}

/*
 * The device's backup file can be replaced while tts use it: a tt keeps
 * the store its pages are in, and new backups go to the new one. A tt
 * holds a store only while pages of it are there.
 */
static void ttm_reclaim_replace_backup_file(struct kunit *test)
{
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	struct ttm_operation_ctx ctx = { };
	struct ttm_buffer_object *first, *second;
	struct ttm_device *bdev = rp_bdev(test);
	u32 *vaddr;

	ttm_kunit_use_backup_file(test, bdev, 16);
	first = &rp_bo_new(test, 0, TTM_PL_SYSTEM, 16)->bo;
	/* nothing in the store yet, so no hold on it (a pinned BO's case) */
	KUNIT_EXPECT_NULL(test, first->ttm->backup);
	/* nor after a backup that stored nothing */
	rp_fail_backup_after(0);
	dma_resv_lock(first->base.resv, NULL);
	KUNIT_EXPECT_LE(test, ttm_tt_backup(bdev, first->ttm, &args), 0);
	dma_resv_unlock(first->base.resv);
	rp_fail_backup_off();
	KUNIT_EXPECT_NULL(test, first->ttm->backup);
	dma_resv_lock(first->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_tt_populate(bdev, first->ttm, &ctx), 0);
	dma_resv_unlock(first->base.resv);
	vaddr = kmap_local_page(first->ttm->pages[3]);
	vaddr[1] = 0xfeed;
	kunmap_local(vaddr);
	dma_resv_lock(first->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ttm_tt_backup(bdev, first->ttm, &args), 16);
	dma_resv_unlock(first->base.resv);
	KUNIT_EXPECT_NOT_NULL(test, first->ttm->backup);

	ttm_kunit_use_backup_file(test, bdev, 32);
	KUNIT_EXPECT_EQ(test, ttm_device_backup_avail(bdev), 32 * PAGE_SIZE);
	second = &rp_bo_new(test, 1, TTM_PL_SYSTEM, 16)->bo;
	dma_resv_lock(second->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ttm_tt_backup(bdev, second->ttm, &args), 16);
	dma_resv_unlock(second->base.resv);
	KUNIT_EXPECT_EQ(test, ttm_device_backup_avail(bdev), 16 * PAGE_SIZE);

	dma_resv_lock(first->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_tt_populate(bdev, first->ttm, &ctx), 0);
	dma_resv_unlock(first->base.resv);
	vaddr = kmap_local_page(first->ttm->pages[3]);
	KUNIT_EXPECT_EQ(test, vaddr[1], 0xfeed);
	kunmap_local(vaddr);
	/* every page back: the replaced store is let go */
	KUNIT_EXPECT_NULL(test, first->ttm->backup);
}

/*
 * A write-combined tt is made write-back once for the whole tt when its
 * backup starts (on x86 each transition flushes caches and TLBs on every
 * CPU), not once per folio, and not again by later calls that back up
 * the rest of it; it comes back with its contents and its caching.
 */
static void rp_wc_fill(struct kunit *test, struct ttm_tt *tt, u64 seed, bool check)
{
	unsigned long i;
	u64 *vaddr;

	for (i = 0; i < tt->num_pages; i++) {
		vaddr = kmap_local_page(tt->pages[i]);
		if (check)
			KUNIT_EXPECT_EQ(test, vaddr[i], seed + i * 0x1001);
		else
			vaddr[i] = seed + i * 0x1001;
		kunmap_local(vaddr);
	}
}

static void ttm_reclaim_write_combined(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	struct ttm_operation_ctx ctx = { };
	struct ttm_buffer_object *bo;
	struct ttm_tt *tt;

	/* 7 pages: folios of order 2, 1 and 0 */
	bo = ttm_bo_kunit_init(test, priv->devs, 7 << PAGE_SHIFT, NULL);
	tt = kunit_kzalloc(test, sizeof(*tt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tt);
	KUNIT_ASSERT_EQ(test, ttm_tt_init(tt, bo, 0, ttm_write_combined, 0), 0);
	KUNIT_ASSERT_EQ(test, ttm_tt_populate(rp_bdev(test), tt, &ctx), 0);
	rp_wc_fill(test, tt, 1, false);

	KUNIT_EXPECT_EQ(test, ttm_tt_backup(rp_bdev(test), tt, &args), 7);
	KUNIT_EXPECT_EQ(test, args.caching_changes, 1);
	KUNIT_EXPECT_EQ(test, args.splits, 0);
	KUNIT_EXPECT_EQ(test, tt->caching, ttm_write_combined);
	KUNIT_ASSERT_EQ(test, ttm_tt_populate(rp_bdev(test), tt, &ctx), 0);
	rp_wc_fill(test, tt, 1, true);

	/* backed up a folio at a time: one transition, by the first call */
	rp_wc_fill(test, tt, 2, false);
	args.caching_changes = 0;
	args.max_pages = 1;
	KUNIT_EXPECT_GT(test, ttm_tt_backup(rp_bdev(test), tt, &args), 0);
	KUNIT_EXPECT_GT(test, ttm_tt_backup(rp_bdev(test), tt, &args), 0);
	KUNIT_EXPECT_GT(test, ttm_tt_backup(rp_bdev(test), tt, &args), 0);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(tt));
	KUNIT_EXPECT_EQ(test, args.caching_changes, 1);
	KUNIT_ASSERT_EQ(test, ttm_tt_populate(rp_bdev(test), tt, &ctx), 0);
	rp_wc_fill(test, tt, 2, true);

	ttm_tt_unpopulate(rp_bdev(test), tt);
	ttm_tt_fini(tt);
}

/*
 * A driver that runs its own scan loop (as mainline xe does) with the
 * building blocks: no mm shrinker is registered for it, yet TTM accounts
 * its backups and restores, and its scans show in the statistics.
 */
static void ttm_reclaim_own_scan(struct kunit *test)
{
	struct rp_priv *priv = test->priv;
	struct ttm_operation_ctx ctx = { .no_wait_gpu = true };
	struct ttm_bo_shrink_flags flags = { .allow_move = true };
	struct ttm_buffer_object *bo;
	struct ttm_shrinker *s;
	long freed;

	s = ttm_shrinker_create_flags(rp_bdev(test), &rp_funcs, "x", BIT(5));
	KUNIT_EXPECT_TRUE(test, IS_ERR(s));
	s = ttm_shrinker_create_flags(rp_bdev(test), &rp_funcs, "kunit-own",
				      TTM_SHRINKER_OWN_SCAN);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	priv->shrinker = s;
	KUNIT_EXPECT_NULL(test, s->shrinker);

	bo = &rp_bo_new(test, 0, TTM_PL_SYSTEM, 16)->bo;
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ttm_bo_shrink_check(bo, &ctx), TTM_BO_SHRINK_OK);
	freed = ttm_bo_shrink(&ctx, bo, flags, GFP_KERNEL, 0);
	dma_resv_unlock(bo->base.resv);
	KUNIT_EXPECT_EQ(test, freed, 16);
	ttm_shrinker_account_scan(s, 1, 0, freed, 1000);

	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.backup_bytes), 16 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->backed_up_pages), 16);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.scan_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.freed_bytes), 16 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.scan_ns_max), 1000);

	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_tt_populate(rp_bdev(test), bo->ttm, &ctx), 0);
	dma_resv_unlock(bo->base.resv);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->backed_up_pages), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.restore_bytes), 16 * PAGE_SIZE);
}

/*
 * The file backend gives a slot back zeroed: once a BO was restored (or
 * freed), its data no longer sits on the disk.
 */
static void ttm_reclaim_file_slots_zeroed(struct kunit *test)
{
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	struct ttm_operation_ctx ctx = { };
	struct ttm_backup_file *store;
	struct ttm_buffer_object *bo;
	struct page *page;
	unsigned long i;
	u8 *vaddr;

	store = ttm_kunit_backup_store(test, 16);
	ttm_device_set_backup_file(rp_bdev(test), store);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);

	bo = &rp_bo_new(test, 0, TTM_PL_SYSTEM, 16)->bo;
	for (i = 0; i < 16; i++) {
		vaddr = kmap_local_page(bo->ttm->pages[i]);
		memset(vaddr, 0xab, PAGE_SIZE);
		kunmap_local(vaddr);
	}
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ttm_tt_backup(rp_bdev(test), bo->ttm, &args), 16);
	KUNIT_ASSERT_EQ(test, ttm_backup_file_read_slot(store, 3, page), 0);
	vaddr = kmap_local_page(page);
	KUNIT_EXPECT_EQ(test, vaddr[17], 0xab);	/* it was on the disk */
	kunmap_local(vaddr);

	KUNIT_ASSERT_EQ(test, ttm_tt_populate(rp_bdev(test), bo->ttm, &ctx), 0);
	dma_resv_unlock(bo->base.resv);
	ttm_backup_file_flush(store);
	KUNIT_EXPECT_EQ(test, ttm_backup_file_bytes_avail(store), 16 * PAGE_SIZE);
	for (i = 0; i < 16; i++) {
		KUNIT_ASSERT_EQ(test, ttm_backup_file_read_slot(store, i, page), 0);
		vaddr = kmap_local_page(page);
		KUNIT_EXPECT_NULL(test, memchr_inv(vaddr, 0, PAGE_SIZE));
		kunmap_local(vaddr);
	}
	KUNIT_EXPECT_EQ(test, ttm_backup_file_read_slot(store, 16, page), -EINVAL);
	__free_page(page);
}

static struct kunit_case ttm_reclaim_paths_cases[] = {
	KUNIT_CASE_PARAM(ttm_reclaim_backup_gfp, rp_gfp_gen_params),
	KUNIT_CASE(ttm_reclaim_ghost),
	KUNIT_CASE(ttm_reclaim_deleted),
	KUNIT_CASE(ttm_reclaim_forced_waits_out_locked),
	KUNIT_CASE(ttm_reclaim_storage_ahead),
	KUNIT_CASE(ttm_reclaim_purge_nofs),
	KUNIT_CASE(ttm_reclaim_partial_accounting),
	KUNIT_CASE(ttm_reclaim_backed_up_skipped),
	KUNIT_CASE(ttm_reclaim_walk_order),
	KUNIT_CASE(ttm_reclaim_dma_alloc_pool),
	KUNIT_CASE(ttm_reclaim_destroy_waits_for_swapout),
	KUNIT_CASE(ttm_reclaim_replace_backup_file),
	KUNIT_CASE(ttm_reclaim_write_combined),
	KUNIT_CASE(ttm_reclaim_own_scan),
	KUNIT_CASE(ttm_reclaim_file_slots_zeroed),
	{}
};

static struct kunit_suite ttm_reclaim_paths_suite = {
	.name = "ttm_reclaim_paths",
	.init = rp_init,
	.exit = rp_exit,
	.test_cases = ttm_reclaim_paths_cases,
};

kunit_test_suites(&ttm_reclaim_paths_suite);

MODULE_DESCRIPTION("KUnit tests for TTM reclaim on real drivers' paths");
MODULE_LICENSE("GPL and additional rights");
