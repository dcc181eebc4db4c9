// SPDX-License-Identifier: GPL-2.0 AND MIT
/*
 * make bench's LRU walk scaling: what the shrinker's scans cost per BO
 * they back up, with 1k, 10k and 100k one-page BOs on the LRU, all idle
 * or 90 % busy. Direct-reclaim scans of 128 pages run until every idle
 * BO is backed up (best of three rounds); each case prints one line for
 * bench/report.py:
 *
 *   ttm_shrinker_bench: bos N busy P ns_per_bo X steps_per_bo Y scans Z
 *
 * The cost per BO should not grow with the number of BOs: a scan walks
 * neither the BOs earlier scans backed up nor, again, the busy ones.
 *
 * A benchmark, not a test: it is skipped unless the kernel is booted with
 * ttm_shrinker_bench.enable=1 (make bench does).
 */
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/ktime.h>
#include <linux/sched/mm.h>

#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_shrinker.h>
#include <drm/ttm/ttm_tt.h>

#include "ttm_kunit_helpers.h"

static bool enable;
module_param(enable, bool, 0444);
MODULE_PARM_DESC(enable, "Run the benchmark (default: skip it)");

struct bench_case {
	unsigned int bos;
	unsigned int busy_percent;
};

static const struct bench_case bench_cases[] = {
	{ 1000, 0 }, { 10000, 0 }, { 100000, 0 },
	{ 1000, 90 }, { 10000, 90 }, { 100000, 90 },
};

static void bench_case_desc(const struct bench_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u BOs, %u%% busy", c->bos,
		 c->busy_percent);
}

KUNIT_ARRAY_PARAM(bench_walk, bench_cases, bench_case_desc);

static DEFINE_SPINLOCK(bench_fence_lock);

static const char *bench_fence_name(struct dma_fence *f)
{
	return "ttm-shrinker-bench";
}

static const struct dma_fence_ops bench_fence_ops = {
	.get_driver_name = bench_fence_name,
	.get_timeline_name = bench_fence_name,
};

/* The driver's accounting, as the shrinker tests keep it. */
static void bench_finish(struct ttm_shrinker *shrinker,
			 struct ttm_buffer_object *bo,
			 const struct ttm_shrink_ctx *sctx, long freed)
{
	if (freed > 0)
		ttm_shrinker_mod_pages(shrinker, -freed, 0);
}

static const struct ttm_shrinker_funcs bench_funcs = {
	.finish = bench_finish,
};

static void bench_bo_destroy(struct ttm_buffer_object *bo)
{
	drm_gem_object_release(&bo->base);
	kfree(bo);
}

/* A populated one-page BO in system placement, on the LRU. */
static struct ttm_buffer_object *bench_bo(struct kunit *test,
					  struct ttm_test_devices *devs)
{
	struct ttm_place *place = ttm_place_kunit_init(test, TTM_PL_SYSTEM, 0);
	struct ttm_placement placement = { .num_placement = 1, .placement = place };
	struct ttm_operation_ctx ctx = { };
	struct ttm_buffer_object *bo;
	int err;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo);
	drm_gem_private_object_init(devs->drm, &bo->base, PAGE_SIZE);
	err = ttm_bo_init_reserved(devs->ttm_dev, bo, ttm_bo_type_device,
				   &placement, 1, &ctx, NULL, NULL,
				   &bench_bo_destroy);
	KUNIT_ASSERT_EQ(test, err, 0);
	if (!bo->ttm)
		KUNIT_ASSERT_EQ(test, ttm_tt_create(bo, false), 0);
	KUNIT_ASSERT_EQ(test, ttm_tt_populate(devs->ttm_dev, bo->ttm, &ctx), 0);
	dma_resv_unlock(bo->base.resv);

	return bo;
}

static void bench_busy(struct kunit *test, struct ttm_buffer_object *bo,
		       struct dma_fence *fence)
{
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, dma_resv_reserve_fences(bo->base.resv, 1), 0);
	dma_resv_add_fence(bo->base.resv, fence, DMA_RESV_USAGE_KERNEL);
	dma_resv_unlock(bo->base.resv);
}

/*
 * Bring a backed-up BO's page back and the BO to the LRU's tail, as a
 * driver that populates a tt itself must.
 */
static void bench_restore(struct kunit *test, struct ttm_buffer_object *bo)
{
	struct ttm_operation_ctx ctx = { };

	if (!ttm_tt_is_backed_up(bo->ttm))
		return;
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_ASSERT_EQ(test, ttm_tt_populate(bo->bdev, bo->ttm, &ctx), 0);
	spin_lock(&bo->bdev->lru_lock);
	ttm_bo_move_to_lru_tail(bo);
	spin_unlock(&bo->bdev->lru_lock);
	dma_resv_unlock(bo->base.resv);
}

/* A scan as direct reclaim runs it. Return: pages freed. */
static unsigned long bench_direct_scan(struct ttm_shrinker *s)
{
	unsigned int noreclaim = memalloc_noreclaim_save();
	unsigned long freed;

	fs_reclaim_acquire(GFP_KERNEL);
	freed = ttm_shrinker_scan(s, 128, GFP_KERNEL, TTM_SHRINK_CALLER_DIRECT,
				  NULL);
	fs_reclaim_release(GFP_KERNEL);
	memalloc_noreclaim_restore(noreclaim);

	return freed;
}

/* What a case set up, undone however it ends (an assertion included). */
struct bench_run {
	struct kunit *test;
	struct ttm_test_devices *devs;
	struct ttm_shrinker *s;
	struct dma_fence fence;
	struct ttm_buffer_object **bos;
	unsigned int nr;
};

static void bench_run_fini(void *data)
{
	struct bench_run *run = data;
	unsigned int i;

	if (!dma_fence_is_signaled(&run->fence))
		dma_fence_signal(&run->fence);
	ttm_shrinker_destroy(run->s);
	for (i = 0; i < run->nr; i++) {
		ttm_bo_put(run->bos[i]);
		cond_resched();
	}
	kvfree(run->bos);
	ttm_test_devices_put(run->test, run->devs);
}

static void ttm_shrinker_bench_walk(struct kunit *test)
{
	const struct bench_case *c = test->param_value;
	unsigned int busy = c->bos / 100 * c->busy_percent, i, round;
	unsigned long idle = c->bos - busy, best_scans = 0;
	u64 best_ns = U64_MAX, best_steps = 0;
	struct ttm_shrinker *s;
	struct bench_run *run;

	if (!enable)
		kunit_skip(test, "a benchmark: boot with ttm_shrinker_bench.enable=1");

	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	run->test = test;
	run->devs = ttm_test_devices_all(test);
	dma_fence_init(&run->fence, &bench_fence_ops, &bench_fence_lock, 0, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bench_run_fini, run), 0);
	run->bos = kvcalloc(c->bos, sizeof(*run->bos), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run->bos);

	ttm_kunit_use_backup_file(test, run->devs->ttm_dev, c->bos + 16);
	/* the core mm's reclaim must not scan behind the benchmark's back */
	s = ttm_shrinker_create_flags(run->devs->ttm_dev, &bench_funcs, "bench",
				      TTM_SHRINKER_OWN_SCAN);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	run->s = s;

	/* the busy ones spread over the LRU: of every 100 BOs, 90 then 10 idle */
	for (i = 0; i < c->bos; i++) {
		run->bos[i] = bench_bo(test, run->devs);
		run->nr++;
		if (i % 100 < c->busy_percent)
			bench_busy(test, run->bos[i], &run->fence);
		cond_resched();
	}
	ttm_shrinker_mod_pages(s, c->bos, 0);

	/* best of three rounds: back every idle BO up, then restore them */
	for (round = 0; round < 3; round++) {
		unsigned long freed = 0, scans = 0;
		u64 start, ns, steps;

		steps = atomic64_read(&s->stats.walk_steps);
		start = ktime_get_ns();
		while (freed < idle && scans < 4 * c->bos) {
			unsigned long got = bench_direct_scan(s);

			scans++;
			freed += got;
			/* all that is left is busy: the mm would stop calling */
			if (!got && ttm_shrinker_count(s, GFP_KERNEL) <= busy)
				break;
		}
		ns = ktime_get_ns() - start;
		steps = atomic64_read(&s->stats.walk_steps) - steps;
		KUNIT_EXPECT_EQ(test, freed, idle);
		if (ns < best_ns) {
			best_ns = ns;
			best_steps = steps;
			best_scans = scans;
		}
		for (i = 0; i < c->bos; i++)
			bench_restore(test, run->bos[i]);
		ttm_shrinker_mod_pages(s, idle, 0);
	}

	pr_info("ttm_shrinker_bench: bos %u busy %u ns_per_bo %llu steps_per_bo %llu.%02llu scans %lu\n",
		c->bos, c->busy_percent, div_u64(best_ns, idle),
		div_u64(best_steps, idle), div_u64(best_steps * 100, idle) % 100,
		best_scans);
}

static struct kunit_case ttm_shrinker_bench_cases[] = {
	KUNIT_CASE_PARAM_ATTR(ttm_shrinker_bench_walk, bench_walk_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite ttm_shrinker_bench_suite = {
	.name = "ttm_shrinker_bench",
	.test_cases = ttm_shrinker_bench_cases,
};

kunit_test_suites(&ttm_shrinker_bench_suite);

MODULE_DESCRIPTION("make bench: the TTM shrinker's LRU walk cost per BO");
MODULE_LICENSE("GPL and additional rights");
