// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of vttm's own logic, each on a small device of its own:
 * the purgeable state machine and its accounting, which BO eviction from
 * fake VRAM picks and that it keeps every byte, and what the shrinker
 * callbacks do with runtime PM in direct reclaim and in kswapd.
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-resv.h>
#include <linux/iosys-map.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/pm_runtime.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <kunit/test.h>

#include <drm/drm_gem.h>
#include <drm/ttm/ttm_shrinker.h>
#include <drm/ttm/ttm_tt.h>
#include <drm/vttm_drm.h>

#include "../vttm_bo.h"
#include "../vttm_drv.h"

#define VTTM_TEST_VRAM	SZ_1M
#define VTTM_TEST_BO	SZ_256K

static atomic_t vttm_test_ids = ATOMIC_INIT(1000);

static int vttm_test_init(struct kunit *test)
{
	struct vttm_device *vdev;

	vdev = vttm_device_create(atomic_inc_return(&vttm_test_ids),
				  VTTM_TEST_VRAM);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vdev);
	test->priv = vdev;

	return 0;
}

static void vttm_test_exit(struct kunit *test)
{
	vttm_device_destroy(test->priv);
}

static struct vttm_bo *vttm_test_bo(struct kunit *test, u64 size,
				    u32 placement, u32 flags)
{
	struct vttm_bo *bo;

	KUNIT_ASSERT_EQ(test, vttm_bo_create(test->priv, size, placement,
					     flags, &bo), 0);
	return bo;
}

static void vttm_test_put(struct vttm_bo *bo)
{
	drm_gem_object_put(&bo->tbo.base);
}

static u32 vttm_test_word(u32 seed, size_t i)
{
	return seed ? seed * 0x9e3779b9u + (u32)i : 0;
}

/*
 * Write a BO's pattern (or check it) through a kernel mapping, in VRAM or
 * TT alike. Seed 0 means zeroes. Returns the number of wrong words. The
 * fake VRAM is plain memory: it is used directly, not through the I/O
 * accessors a vmap of I/O memory asks for (UML has none for it).
 */
static size_t vttm_test_pattern(struct kunit *test, struct vttm_bo *bo,
				u32 seed, bool check)
{
	size_t words = PAGE_SIZE / sizeof(u32), bad = 0, off, i;
	struct iosys_map map;
	u32 *buf;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, dma_resv_lock(bo->tbo.base.resv, NULL), 0);
	if (bo->tbo.resource->mem_type == TTM_PL_VRAM)
		iosys_map_set_vaddr(&map, vttm_bo_vram_vaddr(bo));
	else
		KUNIT_ASSERT_EQ(test, ttm_bo_vmap(&bo->tbo, &map), 0);
	for (off = 0; off < bo->tbo.base.size; off += PAGE_SIZE) {
		if (check) {
			iosys_map_memcpy_from(buf, &map, off, PAGE_SIZE);
			for (i = 0; i < words; i++)
				bad += buf[i] != vttm_test_word(seed, off / 4 + i);
		} else {
			for (i = 0; i < words; i++)
				buf[i] = vttm_test_word(seed, off / 4 + i);
			iosys_map_memcpy_to(&map, off, buf, PAGE_SIZE);
		}
	}
	if (bo->tbo.resource->mem_type != TTM_PL_VRAM)
		ttm_bo_vunmap(&bo->tbo, &map);
	dma_resv_unlock(bo->tbo.base.resv);
	kunit_kfree(test, buf);

	return bad;
}

static u32 vttm_test_mem_type(struct vttm_bo *bo)
{
	u32 mem_type;

	dma_resv_lock(bo->tbo.base.resv, NULL);
	mem_type = bo->tbo.resource->mem_type;
	dma_resv_unlock(bo->tbo.base.resv);

	return mem_type;
}

static bool vttm_test_madv_by(struct vttm_bo *bo, u32 madv, bool owner)
{
	bool retained;

	dma_resv_lock(bo->tbo.base.resv, NULL);
	retained = vttm_bo_set_madv(bo, madv, owner);
	dma_resv_unlock(bo->tbo.base.resv);

	return retained;
}

/* As the madvise ioctl does it. */
static bool vttm_test_madv(struct vttm_bo *bo, u32 madv)
{
	return vttm_test_madv_by(bo, madv, true);
}

static void vttm_test_create_invalid(struct kunit *test)
{
	struct vttm_device *vdev = test->priv;
	struct vttm_bo *bo = NULL;

	KUNIT_EXPECT_EQ(test, vttm_bo_create(vdev, 0, VTTM_PLACEMENT_TT, 0, &bo),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vttm_bo_create(vdev, 100, VTTM_PLACEMENT_TT, 0, &bo),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vttm_bo_create(vdev, VTTM_GEM_MAX_SIZE + PAGE_SIZE,
					     VTTM_PLACEMENT_TT, 0, &bo), -EINVAL);
	KUNIT_EXPECT_EQ(test, vttm_bo_create(vdev, PAGE_SIZE, 0, 0, &bo),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vttm_bo_create(vdev, PAGE_SIZE, 3, 0, &bo),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vttm_bo_create(vdev, PAGE_SIZE, VTTM_PLACEMENT_TT,
					     0x4, &bo), -EINVAL);
	KUNIT_EXPECT_NULL(test, bo);
	KUNIT_EXPECT_TRUE(test, xa_empty(&vdev->bos));
}

/*
 * willneed -> dontneed -> willneed keeps the contents and moves the pages
 * between the shrinkable and purgeable counts; a purge is reported by the
 * first willneed only, and the BO then reads as zeroes.
 */
static void vttm_test_madvise(struct kunit *test)
{
	struct vttm_device *vdev = test->priv;
	struct ttm_shrinker *s = vdev->shrinker;
	long pages = SZ_64K >> PAGE_SHIFT;
	struct vttm_bo *bo;

	bo = vttm_test_bo(test, SZ_64K, VTTM_PLACEMENT_TT, 0);
	KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, bo, 7, false), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->shrinkable_pages), pages);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->purgeable_pages), 0);

	KUNIT_EXPECT_TRUE(test, vttm_test_madv(bo, VTTM_MADV_DONTNEED));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->shrinkable_pages), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->purgeable_pages), pages);
	/* the same state twice changes nothing */
	KUNIT_EXPECT_TRUE(test, vttm_test_madv(bo, VTTM_MADV_DONTNEED));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->purgeable_pages), pages);

	KUNIT_EXPECT_TRUE(test, vttm_test_madv(bo, VTTM_MADV_WILLNEED));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->shrinkable_pages), pages);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->purgeable_pages), 0);
	KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, bo, 7, true), 0);

	/* purge it */
	KUNIT_EXPECT_TRUE(test, vttm_test_madv(bo, VTTM_MADV_DONTNEED));
	KUNIT_EXPECT_GE(test, ttm_shrinker_scan(s, pages, GFP_KERNEL,
						TTM_SHRINK_CALLER_KSWAPD, NULL), pages);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->purgeable_pages), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&s->stats.purged_bytes), SZ_64K);
	KUNIT_EXPECT_TRUE(test, ttm_tt_purged(bo->tbo.ttm));
	/* dontneed again does not report (nor forget) the purge */
	KUNIT_EXPECT_FALSE(test, vttm_test_madv(bo, VTTM_MADV_DONTNEED));
	/* nor does an administrator's willneed (debugfs): the owner must learn */
	vttm_test_madv_by(bo, VTTM_MADV_WILLNEED, false);
	KUNIT_EXPECT_TRUE(test, ttm_tt_purged(bo->tbo.ttm));

	KUNIT_EXPECT_FALSE(test, vttm_test_madv(bo, VTTM_MADV_WILLNEED));
	KUNIT_EXPECT_TRUE(test, vttm_test_madv(bo, VTTM_MADV_WILLNEED));
	KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, bo, 0, true), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->shrinkable_pages), pages);

	vttm_test_put(bo);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->shrinkable_pages), 0);
}

/* Fill VRAM with four BOs; the next VRAM BO evicts the least recent. */
static void vttm_test_evict_lru(struct kunit *test)
{
	struct vttm_bo *bo[5];
	int i;

	for (i = 0; i < 4; i++) {
		bo[i] = vttm_test_bo(test, VTTM_TEST_BO, VTTM_PLACEMENT_VRAM, 0);
		KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo[i]), TTM_PL_VRAM);
		vttm_test_pattern(test, bo[i], i + 1, false);
	}

	bo[4] = vttm_test_bo(test, VTTM_TEST_BO, VTTM_PLACEMENT_VRAM, 0);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo[4]), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo[0]), TTM_PL_TT);
	for (i = 1; i < 4; i++)
		KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo[i]), TTM_PL_VRAM);

	/* every byte made it, and the new BO does not see its predecessor */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, bo[i], i + 1, true), 0);
	KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, bo[4], 0, true), 0);

	for (i = 0; i < 5; i++)
		vttm_test_put(bo[i]);
}

/* Pinned BOs are never picked; the next one on the LRU is. */
static void vttm_test_evict_pinned(struct kunit *test)
{
	struct vttm_bo *bo[5];
	int i;

	for (i = 0; i < 4; i++)
		bo[i] = vttm_test_bo(test, VTTM_TEST_BO, VTTM_PLACEMENT_VRAM, 0);
	dma_resv_lock(bo[0]->tbo.base.resv, NULL);
	ttm_bo_pin(&bo[0]->tbo);
	dma_resv_unlock(bo[0]->tbo.base.resv);

	bo[4] = vttm_test_bo(test, VTTM_TEST_BO, VTTM_PLACEMENT_VRAM, 0);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo[0]), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo[1]), TTM_PL_TT);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo[4]), TTM_PL_VRAM);

	dma_resv_lock(bo[0]->tbo.base.resv, NULL);
	ttm_bo_unpin(&bo[0]->tbo);
	dma_resv_unlock(bo[0]->tbo.base.resv);
	for (i = 0; i < 5; i++)
		vttm_test_put(bo[i]);
}

/*
 * A VRAM BO that cannot get VRAM (too big, or VRAM all pinned) falls back
 * to TT instead of failing; so do BOs when VRAM is zero-sized.
 */
static void vttm_test_vram_fallback(struct kunit *test)
{
	struct vttm_bo *big, *pinned, *bo;

	big = vttm_test_bo(test, 2 * VTTM_TEST_VRAM, VTTM_PLACEMENT_VRAM, 0);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(big), TTM_PL_TT);
	KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, big, 3, false), 0);
	KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, big, 3, true), 0);

	pinned = vttm_test_bo(test, VTTM_TEST_VRAM, VTTM_PLACEMENT_VRAM, 0);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(pinned), TTM_PL_VRAM);
	dma_resv_lock(pinned->tbo.base.resv, NULL);
	ttm_bo_pin(&pinned->tbo);
	dma_resv_unlock(pinned->tbo.base.resv);

	bo = vttm_test_bo(test, PAGE_SIZE, VTTM_PLACEMENT_VRAM, 0);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo), TTM_PL_TT);

	dma_resv_lock(pinned->tbo.base.resv, NULL);
	ttm_bo_unpin(&pinned->tbo);
	dma_resv_unlock(pinned->tbo.base.resv);
	vttm_test_put(bo);
	vttm_test_put(pinned);
	vttm_test_put(big);
}

/* Freed VRAM is cleared before its next owner sees it. */
static void vttm_test_vram_cleared(struct kunit *test)
{
	struct vttm_bo *bo;

	bo = vttm_test_bo(test, VTTM_TEST_VRAM, VTTM_PLACEMENT_VRAM, 0);
	vttm_test_pattern(test, bo, 9, false);
	vttm_test_put(bo);

	bo = vttm_test_bo(test, VTTM_TEST_VRAM, VTTM_PLACEMENT_VRAM, 0);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, bo, 0, true), 0);
	vttm_test_put(bo);
}

struct vttm_test_holder {
	struct vttm_bo *bo;
	unsigned int hold_ms;
	struct completion locked;
	struct completion done;
	u64 unlocked_ns;
};

/* Hold a BO's reservation for a while, as another client would. */
static int vttm_test_hold(void *arg)
{
	struct vttm_test_holder *h = arg;

	dma_resv_lock(h->bo->tbo.base.resv, NULL);
	complete(&h->locked);
	msleep(h->hold_ms);
	h->unlocked_ns = ktime_get_ns();
	dma_resv_unlock(h->bo->tbo.base.resv);
	complete(&h->done);
	return 0;
}

#define VTTM_TEST_HOLDERS 3

/*
 * Exhaustive eviction: VRAM is full of BOs that other threads hold locked
 * for 100 to 300 ms. A new VRAM BO validates with a drm_exec ticket, so
 * eviction waits for each of those locks instead of giving up: the
 * creator returns only after the last holder let go, and its BO gets
 * VRAM rather than falling back to TT. Every evicted BO keeps its bytes.
 */
static void vttm_test_evict_waits_for_locked(struct kunit *test)
{
	struct vttm_test_holder h[VTTM_TEST_HOLDERS];
	u64 created_ns, last_unlock = 0;
	struct vttm_bo *bo;
	int i, ret;

	for (i = 0; i < VTTM_TEST_HOLDERS; i++) {
		h[i].bo = vttm_test_bo(test, VTTM_TEST_VRAM / VTTM_TEST_HOLDERS &
				       PAGE_MASK, VTTM_PLACEMENT_VRAM, 0);
		vttm_test_pattern(test, h[i].bo, 5 + i, false);
		h[i].hold_ms = 100 * (i + 1);
		init_completion(&h[i].locked);
		init_completion(&h[i].done);
	}
	for (i = 0; i < VTTM_TEST_HOLDERS; i++) {
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(vttm_test_hold, &h[i],
							    "vttm-test-hold")));
		wait_for_completion(&h[i].locked);
	}

	/* no assertion before the holders are done: they use @h */
	ret = vttm_bo_create(test->priv, VTTM_TEST_VRAM, VTTM_PLACEMENT_VRAM, 0, &bo);
	created_ns = ktime_get_ns();
	for (i = 0; i < VTTM_TEST_HOLDERS; i++) {
		wait_for_completion(&h[i].done);
		last_unlock = max(last_unlock, h[i].unlocked_ns);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo), TTM_PL_VRAM);
	/* it waited for every holder, the last one included */
	KUNIT_EXPECT_GE(test, created_ns, last_unlock);
	for (i = 0; i < VTTM_TEST_HOLDERS; i++) {
		KUNIT_EXPECT_EQ(test, vttm_test_mem_type(h[i].bo), TTM_PL_TT);
		KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, h[i].bo, 5 + i, true), 0);
		vttm_test_put(h[i].bo);
	}
	vttm_test_put(bo);
}

/*
 * Hold a BO's reservation in a ww transaction of its own, started before
 * the test's: an older transaction, which a younger one must back off from.
 */
static int vttm_test_hold_in_transaction(void *arg)
{
	struct vttm_test_holder *h = arg;
	struct dma_resv *resv = h->bo->tbo.base.resv;
	struct ww_acquire_ctx ticket;

	ww_acquire_init(&ticket, &reservation_ww_class);
	/* a transaction's first lock is never told to back off */
	WARN_ON(dma_resv_lock(resv, &ticket));
	complete(&h->locked);
	msleep(h->hold_ms);
	h->unlocked_ns = ktime_get_ns();
	dma_resv_unlock(resv);
	ww_acquire_fini(&ticket);
	complete(&h->done);
	return 0;
}

/*
 * An older ww transaction holds the BO that fills VRAM. The eviction a new
 * VRAM BO needs meets it with a younger ticket: dma_resv_lock() returns
 * -EDEADLK, and the creator must back off and try again, not fail with
 * -ENOMEM (what TTM made of the deadlock before ww_backoff).
 */
static void vttm_test_evict_backs_off(struct kunit *test)
{
	struct vttm_test_holder h = { .hold_ms = 200 };
	struct vttm_bo *bo;
	u64 created_ns;
	int ret;

	h.bo = vttm_test_bo(test, VTTM_TEST_VRAM, VTTM_PLACEMENT_VRAM, 0);
	vttm_test_pattern(test, h.bo, 3, false);
	init_completion(&h.locked);
	init_completion(&h.done);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(vttm_test_hold_in_transaction,
						    &h, "vttm-test-hold")));
	wait_for_completion(&h.locked);

	/* no assertion before the holder is done: it uses @h */
	ret = vttm_bo_create(test->priv, VTTM_TEST_VRAM, VTTM_PLACEMENT_VRAM, 0, &bo);
	created_ns = ktime_get_ns();
	wait_for_completion(&h.done);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(bo), TTM_PL_VRAM);
	KUNIT_EXPECT_GE(test, created_ns, h.unlocked_ns);
	KUNIT_EXPECT_EQ(test, vttm_test_mem_type(h.bo), TTM_PL_TT);
	KUNIT_EXPECT_EQ(test, vttm_test_pattern(test, h.bo, 3, true), 0);
	vttm_test_put(h.bo);
	vttm_test_put(bo);
}

/*
 * The shrinker's callbacks for one BO as a scan by @caller runs them:
 * begin with nothing locked, prepare (and finish, if it let the BO
 * through) with the BO reserved, end.
 */
static int vttm_test_scan_bo(struct vttm_device *vdev, struct vttm_bo *bo,
			     enum ttm_shrink_caller caller)
{
	struct ttm_shrink_ctx sctx = {
		.pass = TTM_SHRINK_PASS_IDLE,
		.caller = caller,
		.may_wait = caller != TTM_SHRINK_CALLER_DIRECT,
		.forced = caller == TTM_SHRINK_CALLER_FORCED,
		.gfp = GFP_KERNEL,
	};
	const struct ttm_shrinker_funcs *funcs = &vttm_shrinker_funcs;
	int ret;

	ret = funcs->begin(vdev->shrinker, &sctx);
	if (!ret) {
		dma_resv_lock(bo->tbo.base.resv, NULL);
		ret = funcs->prepare(vdev->shrinker, &bo->tbo, &sctx);
		if (!ret)
			funcs->finish(vdev->shrinker, &bo->tbo, &sctx, 0);
		dma_resv_unlock(bo->tbo.base.resv);
	}
	funcs->end(vdev->shrinker, &sctx);

	return ret;
}

/*
 * Compressed BOs need the engine to be shrunk. Direct reclaim uses the
 * device only if it is awake, else skips the BO and queues the worker;
 * so does kswapd (resuming takes reservations and allocates: not safe in
 * reclaim). The forced shrink and the worker wake it in begin, never in
 * prepare (with a reservation held). Other BOs never touch it.
 */
static void vttm_test_rpm_decisions(struct kunit *test)
{
	struct vttm_device *vdev = test->priv;
	struct device *dev = vdev->drm.dev;
	struct ttm_shrink_ctx may_wait_no_begin = {
		.pass = TTM_SHRINK_PASS_WAIT,
		.caller = TTM_SHRINK_CALLER_KSWAPD,
		.may_wait = true,
		.gfp = GFP_KERNEL,
	};
	struct vttm_bo *plain, *ccs;
	int ret;

	plain = vttm_test_bo(test, SZ_64K, VTTM_PLACEMENT_TT, 0);
	ccs = vttm_test_bo(test, SZ_64K, VTTM_PLACEMENT_TT,
			   VTTM_GEM_CREATE_COMPRESSED);
	/* idle: let it suspend now rather than after autosuspend_ms */
	KUNIT_ASSERT_GE(test, pm_runtime_suspend(dev), 0);
	KUNIT_ASSERT_TRUE(test, pm_runtime_suspended(dev));

	KUNIT_EXPECT_EQ(test, vttm_test_scan_bo(vdev, plain, TTM_SHRINK_CALLER_DIRECT), 0);
	KUNIT_EXPECT_TRUE(test, pm_runtime_suspended(dev));

	/* direct reclaim, suspended: skipped, not woken, deferred */
	KUNIT_EXPECT_EQ(test, vttm_test_scan_bo(vdev, ccs, TTM_SHRINK_CALLER_DIRECT), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, pm_runtime_suspended(dev));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&vdev->deferred_pages),
			SZ_64K >> PAGE_SHIFT);
	/* met again before the worker ran: still counted once */
	KUNIT_EXPECT_EQ(test, vttm_test_scan_bo(vdev, ccs, TTM_SHRINK_CALLER_DIRECT), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&vdev->deferred_pages),
			SZ_64K >> PAGE_SHIFT);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&vdev->reclaim_work));
	cancel_delayed_work_sync(&vdev->reclaim_work);
	ccs->deferred = false;
	atomic_long_set(&vdev->deferred_pages, 0);

	/* prepare alone never wakes it, whatever the scan may do */
	dma_resv_lock(ccs->tbo.base.resv, NULL);
	ret = vttm_shrinker_funcs.prepare(vdev->shrinker, &ccs->tbo,
					  &may_wait_no_begin);
	dma_resv_unlock(ccs->tbo.base.resv);
	KUNIT_EXPECT_EQ(test, ret, -EAGAIN);
	KUNIT_EXPECT_TRUE(test, pm_runtime_suspended(dev));
	cancel_delayed_work_sync(&vdev->reclaim_work);
	ccs->deferred = false;
	atomic_long_set(&vdev->deferred_pages, 0);

	/* direct reclaim, awake: used, and its reference given back */
	KUNIT_ASSERT_EQ(test, pm_runtime_resume_and_get(dev), 0);
	KUNIT_EXPECT_EQ(test, vttm_test_scan_bo(vdev, ccs, TTM_SHRINK_CALLER_DIRECT), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->power.usage_count), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&vdev->deferred_pages), 0);
	pm_runtime_put_sync_suspend(dev);
	KUNIT_EXPECT_TRUE(test, pm_runtime_suspended(dev));

	/* kswapd: a dGPU's resume is not reclaim-safe: not woken either */
	KUNIT_EXPECT_EQ(test, vttm_test_scan_bo(vdev, ccs, TTM_SHRINK_CALLER_KSWAPD), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, pm_runtime_suspended(dev));
	cancel_delayed_work_sync(&vdev->reclaim_work);
	ccs->deferred = false;
	atomic_long_set(&vdev->deferred_pages, 0);

	/* forced, or the worker: woken by begin for the scan, then let go */
	KUNIT_EXPECT_EQ(test, vttm_test_scan_bo(vdev, ccs, TTM_SHRINK_CALLER_FORCED), 0);
	KUNIT_EXPECT_TRUE(test, pm_runtime_active(dev));
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->power.usage_count), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vdev->pm.resumes_in_direct_reclaim), 0);

	vttm_test_put(ccs);
	vttm_test_put(plain);
}

/*
 * BO ids go on cyclically: an id read from the bos node and written to
 * the purgeable node a moment later must not name a BO created meanwhile
 * by someone else. A BO's id appears in the id map only once it is whole.
 */
static void vttm_test_ids_cyclic(struct kunit *test)
{
	struct vttm_device *vdev = test->priv;
	struct vttm_bo *a, *b;
	u32 first;

	a = vttm_test_bo(test, PAGE_SIZE, VTTM_PLACEMENT_TT, 0);
	first = a->id;
	/* 0 is "no BO" in the ttm events: no BO may have it */
	KUNIT_EXPECT_NE(test, first, 0);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&vdev->bos, first), a);
	vttm_test_put(a);
	KUNIT_EXPECT_NULL(test, xa_load(&vdev->bos, first));

	b = vttm_test_bo(test, PAGE_SIZE, VTTM_PLACEMENT_TT, 0);
	KUNIT_EXPECT_NE(test, b->id, first);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&vdev->bos, b->id), b);
	vttm_test_put(b);
}

static struct kunit_case vttm_test_cases[] = {
	KUNIT_CASE(vttm_test_create_invalid),
	KUNIT_CASE(vttm_test_madvise),
	KUNIT_CASE(vttm_test_evict_lru),
	KUNIT_CASE(vttm_test_evict_pinned),
	KUNIT_CASE(vttm_test_vram_fallback),
	KUNIT_CASE(vttm_test_vram_cleared),
	KUNIT_CASE(vttm_test_evict_waits_for_locked),
	KUNIT_CASE(vttm_test_evict_backs_off),
	KUNIT_CASE(vttm_test_rpm_decisions),
	KUNIT_CASE(vttm_test_ids_cyclic),
	{}
};

static struct kunit_suite vttm_test_suite = {
	.name = "vttm",
	.init = vttm_test_init,
	.exit = vttm_test_exit,
	.test_cases = vttm_test_cases,
};

kunit_test_suite(vttm_test_suite);
