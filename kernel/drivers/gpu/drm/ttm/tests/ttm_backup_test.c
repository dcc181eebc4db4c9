// SPDX-License-Identifier: GPL-2.0 AND MIT
/*
 * KUnit tests for TTM page backup and restore: round trips at every page
 * order on both backends, purge, partial backup, restore interrupted at
 * every page and resumed, fault injection, and the memory a backup needs.
 */
#include <linux/fault-inject.h>
#include <linux/highmem.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/vmstat.h>

#include <drm/ttm/ttm_backup.h>
#include <drm/ttm/ttm_pool.h>
#include <drm/ttm/ttm_tt.h>

#include "ttm_kunit_helpers.h"

enum ttm_backup_test_backend {
	BACKEND_SHMEM,
	BACKEND_FILE,
};

struct ttm_backup_test_case {
	const char *description;
	enum ttm_backup_test_backend backend;
	unsigned int order;
};

struct ttm_backup_test_priv {
	struct ttm_test_devices *devs;
	struct ttm_buffer_object *bo;
};

static const struct ttm_operation_ctx ttm_backup_test_ctx = {
	.interruptible = true,
};

/* The content of every word of the test: a function of seed and position. */
static u64 ttm_backup_test_word(u64 seed, pgoff_t page, unsigned int word)
{
	u64 z = seed ^ ((u64)page << 20) ^ word;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void ttm_backup_test_fill(struct ttm_tt *tt, u64 seed)
{
	pgoff_t i;

	for (i = 0; i < tt->num_pages; i++) {
		u64 *vaddr = kmap_local_page(tt->pages[i]);
		unsigned int w;

		for (w = 0; w < PAGE_SIZE / sizeof(u64); w++)
			vaddr[w] = ttm_backup_test_word(seed, i, w);
		kunmap_local(vaddr);
	}
}

/* Return: the number of pages whose content differs from the pattern. */
static unsigned long ttm_backup_test_mismatches(struct ttm_tt *tt, u64 seed)
{
	unsigned long bad = 0;
	pgoff_t i;

	for (i = 0; i < tt->num_pages; i++) {
		u64 *vaddr = kmap_local_page(tt->pages[i]);
		unsigned int w;

		for (w = 0; w < PAGE_SIZE / sizeof(u64); w++) {
			if (vaddr[w] != ttm_backup_test_word(seed, i, w)) {
				bad++;
				break;
			}
		}
		kunmap_local(vaddr);
	}

	return bad;
}

static bool ttm_backup_test_zeroed(struct ttm_tt *tt)
{
	pgoff_t i;

	for (i = 0; i < tt->num_pages; i++) {
		void *vaddr = kmap_local_page(tt->pages[i]);
		bool zero = !memchr_inv(vaddr, 0, PAGE_SIZE);

		kunmap_local(vaddr);
		if (!zero)
			return false;
	}

	return true;
}

static unsigned long ttm_backup_test_handles(struct ttm_tt *tt)
{
	unsigned long n = 0;
	pgoff_t i;

	for (i = 0; i < tt->num_pages; i++)
		n += ttm_backup_is_handle(tt->pages[i]);

	return n;
}

static int ttm_backup_test_init(struct kunit *test)
{
	struct ttm_backup_test_priv *priv;

	priv = kunit_kzalloc(test, sizeof(*priv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, priv);
	priv->devs = ttm_test_devices_all(test);
	test->priv = priv;

	return 0;
}

static void ttm_backup_test_fail_off(struct fault_attr *attr);

static void ttm_backup_test_fini(struct kunit *test)
{
	struct ttm_backup_test_priv *priv = test->priv;

	/* A failed assertion may leave injection on: never leak it. */
	ttm_backup_test_fail_off(ttm_pool_fault_attr(false));
	ttm_backup_test_fail_off(ttm_pool_fault_attr(true));

	ttm_test_devices_put(test, priv->devs);
}

/* A file store on an unlinked shmem file, @pages pages large. */
static void ttm_backup_test_use_file(struct kunit *test, unsigned long pages)
{
	struct ttm_backup_test_priv *priv = test->priv;

	ttm_kunit_use_backup_file(test, priv->devs->ttm_dev, pages);
}

static struct ttm_tt *ttm_backup_test_tt(struct kunit *test,
					 unsigned long num_pages)
{
	struct ttm_backup_test_priv *priv = test->priv;
	struct ttm_operation_ctx ctx = ttm_backup_test_ctx;
	struct ttm_tt *tt;
	int err;

	priv->bo = ttm_bo_kunit_init(test, priv->devs,
				     num_pages << PAGE_SHIFT, NULL);
	tt = kunit_kzalloc(test, sizeof(*tt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tt);
	err = ttm_tt_init(tt, priv->bo, 0, ttm_cached, 0);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = ttm_tt_populate(priv->devs->ttm_dev, tt, &ctx);
	KUNIT_ASSERT_EQ(test, err, 0);

	return tt;
}

static void ttm_backup_test_tt_fini(struct kunit *test, struct ttm_tt *tt)
{
	struct ttm_backup_test_priv *priv = test->priv;

	ttm_tt_unpopulate(priv->devs->ttm_dev, tt);
	KUNIT_EXPECT_NULL(test, tt->backup);
	ttm_tt_fini(tt);
}

static long ttm_backup_test_backup(struct kunit *test, struct ttm_tt *tt,
				   struct ttm_backup_args *args)
{
	struct ttm_backup_test_priv *priv = test->priv;

	return ttm_tt_backup(priv->devs->ttm_dev, tt, args);
}

static int ttm_backup_test_restore(struct kunit *test, struct ttm_tt *tt)
{
	struct ttm_backup_test_priv *priv = test->priv;
	struct ttm_operation_ctx ctx = ttm_backup_test_ctx;

	return ttm_tt_populate(priv->devs->ttm_dev, tt, &ctx);
}

static const struct ttm_backup_test_case ttm_backup_round_trip_cases[] = {
	{ "shmem, order 0", BACKEND_SHMEM, 0 },
	{ "shmem, order 1", BACKEND_SHMEM, 1 },
	{ "shmem, order 2", BACKEND_SHMEM, 2 },
	{ "shmem, order 3", BACKEND_SHMEM, 3 },
	{ "shmem, order 4", BACKEND_SHMEM, 4 },
	{ "shmem, order 5", BACKEND_SHMEM, 5 },
	{ "shmem, order 6", BACKEND_SHMEM, 6 },
	{ "shmem, order 7", BACKEND_SHMEM, 7 },
	{ "shmem, order 8", BACKEND_SHMEM, 8 },
	{ "shmem, order 9", BACKEND_SHMEM, 9 },
	{ "shmem, order 10", BACKEND_SHMEM, 10 },
	{ "file, order 0", BACKEND_FILE, 0 },
	{ "file, order 1", BACKEND_FILE, 1 },
	{ "file, order 2", BACKEND_FILE, 2 },
	{ "file, order 3", BACKEND_FILE, 3 },
	{ "file, order 4", BACKEND_FILE, 4 },
	{ "file, order 5", BACKEND_FILE, 5 },
	{ "file, order 6", BACKEND_FILE, 6 },
	{ "file, order 7", BACKEND_FILE, 7 },
	{ "file, order 8", BACKEND_FILE, 8 },
	{ "file, order 9", BACKEND_FILE, 9 },
	{ "file, order 10", BACKEND_FILE, 10 },
};

static void ttm_backup_case_desc(const struct ttm_backup_test_case *t,
				 char *desc)
{
	strscpy(desc, t->description, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ttm_backup_round_trip, ttm_backup_round_trip_cases,
		  ttm_backup_case_desc);

/*
 * Every order up to the pool's maximum: content in, backup, restore, every
 * byte compared. The tt is one folio of the order when the allocator could
 * provide it.
 */
static void ttm_backup_round_trip(struct kunit *test)
{
	const struct ttm_backup_test_case *params = test->param_value;
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	unsigned long num_pages = 1UL << params->order;
	unsigned int got_order;
	struct ttm_tt *tt;
	long freed;

	if (params->order > MAX_PAGE_ORDER)
		kunit_skip(test, "order above MAX_PAGE_ORDER");

	if (params->backend == BACKEND_FILE)
		ttm_backup_test_use_file(test, num_pages);
	tt = ttm_backup_test_tt(test, num_pages);
	got_order = tt->pages[0]->private;
	kunit_info(test, "tt folio order %u", got_order);
	ttm_backup_test_fill(tt, 0x1234 + params->order);

	freed = ttm_backup_test_backup(test, tt, &args);
	KUNIT_ASSERT_EQ(test, freed, (long)num_pages);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(tt));
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(tt));
	KUNIT_EXPECT_EQ(test, ttm_backup_test_handles(tt), num_pages);
	/* Both backends took the folio whole. */
	KUNIT_EXPECT_EQ(test, args.splits, 0);
	KUNIT_EXPECT_EQ(test, ttm_backup_slot_order(tt->pages[0]), got_order);

	KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_populated(tt));
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_backed_up(tt));
	/*
	 * A private shmem file stays, empty, until the tt is unpopulated (it
	 * cannot be created again in reclaim); the device's file is let go.
	 */
	if (params->backend == BACKEND_FILE)
		KUNIT_EXPECT_NULL(test, tt->backup);
	else
		KUNIT_EXPECT_NOT_NULL(test, tt->backup);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_handles(tt), 0);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_mismatches(tt, 0x1234 + params->order), 0);

	if (params->backend == BACKEND_FILE) {
		struct ttm_backup_test_priv *priv = test->priv;

		/* Every slot was given back. */
		ttm_kunit_backup_flush(priv->devs->ttm_dev);
		KUNIT_EXPECT_EQ(test,
				ttm_device_backup_avail(priv->devs->ttm_dev),
				(u64)num_pages << PAGE_SHIFT);
	}

	ttm_backup_test_tt_fini(test, tt);
}

/* Purge drops the contents; the next populate gives zeroed pages. */
static void ttm_backup_purge(struct kunit *test)
{
	struct ttm_backup_args args = { .purge = true, .gfp = GFP_KERNEL };
	struct ttm_tt *tt = ttm_backup_test_tt(test, 8);

	ttm_backup_test_fill(tt, 7);
	KUNIT_ASSERT_EQ(test, ttm_backup_test_backup(test, tt, &args), 8);
	KUNIT_EXPECT_TRUE(test, ttm_tt_purged(tt));
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_backed_up(tt));
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(tt));
	KUNIT_EXPECT_NULL(test, tt->backup);

	KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
	KUNIT_EXPECT_TRUE(test, ttm_backup_test_zeroed(tt));
	KUNIT_EXPECT_TRUE(test, ttm_tt_purged(tt));
	ttm_tt_clear_purged(tt);
	KUNIT_EXPECT_FALSE(test, ttm_tt_purged(tt));

	ttm_backup_test_tt_fini(test, tt);
}

/* Purging a tt that is backed up in part drops its handles too. */
static void ttm_backup_purge_partial(struct kunit *test)
{
	struct ttm_backup_test_priv *priv = test->priv;
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	struct ttm_tt *tt;

	ttm_backup_test_use_file(test, 16);
	tt = ttm_backup_test_tt(test, 24);
	KUNIT_ASSERT_EQ(test, ttm_backup_test_backup(test, tt, &args), 16);

	args.purge = true;
	KUNIT_EXPECT_EQ(test, ttm_backup_test_backup(test, tt, &args), 8);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_handles(tt), 0);
	ttm_kunit_backup_flush(priv->devs->ttm_dev);
	KUNIT_EXPECT_EQ(test, ttm_device_backup_avail(priv->devs->ttm_dev),
			16 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
	KUNIT_EXPECT_TRUE(test, ttm_backup_test_zeroed(tt));

	ttm_backup_test_tt_fini(test, tt);
}

/*
 * A backend with room for part of the tt: whole folios go until it is
 * full, and -ENOSPC is reported only once nothing more fits. No folio is
 * split to fill the backend up. The tt comes back whole.
 */
static void ttm_backup_partial(struct kunit *test)
{
	struct ttm_backup_test_priv *priv = test->priv;
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	struct ttm_tt *tt;

	ttm_backup_test_use_file(test, 16);
	tt = ttm_backup_test_tt(test, 24);
	ttm_backup_test_fill(tt, 99);

	KUNIT_ASSERT_EQ(test, ttm_backup_test_backup(test, tt, &args), 16);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_handles(tt), 16);
	KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(tt));
	KUNIT_EXPECT_FALSE(test, ttm_tt_is_populated(tt));
	KUNIT_EXPECT_TRUE(test, ttm_backup_is_handle(tt->pages[15]));
	KUNIT_EXPECT_FALSE(test, ttm_backup_is_handle(tt->pages[16]));
	KUNIT_EXPECT_EQ(test, args.splits, 0);

	/* Full: nothing more goes, and the error says why. */
	KUNIT_EXPECT_EQ(test, ttm_backup_test_backup(test, tt, &args), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_handles(tt), 16);
	KUNIT_EXPECT_EQ(test, ttm_device_backup_avail(priv->devs->ttm_dev), 0);

	KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_mismatches(tt, 99), 0);
	ttm_kunit_backup_flush(priv->devs->ttm_dev);
	KUNIT_EXPECT_EQ(test, ttm_device_backup_avail(priv->devs->ttm_dev),
			16 * PAGE_SIZE);

	ttm_backup_test_tt_fini(test, tt);
}

/* Fail the @nth call (from 0) of a fault attribute, once. */
static void ttm_backup_test_fail_nth(struct fault_attr *attr, unsigned long nth,
				     unsigned long size)
{
	attr->probability = 100;
	attr->interval = 1;
	attr->verbose = 0;
	/* should_fail() passes while space > size, consuming size each time */
	atomic_set(&attr->space, nth * size + 1);
	atomic_set(&attr->times, 1);
}

static void ttm_backup_test_fail_off(struct fault_attr *attr)
{
	attr->probability = 0;
	atomic_set(&attr->space, 0);
	atomic_set(&attr->times, 0);
}

/*
 * Back a tt of @n pages (one folio) up as @n order-0 pages: a file store
 * whose free slots hold no aligned run of @n (a one-page tt sits in slot
 * 0) takes the folio page by page. The folio itself is not split.
 */
static struct ttm_tt *ttm_backup_test_tt_split(struct kunit *test,
					       unsigned long n, u64 seed)
{
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	struct ttm_tt *blocker, *tt;
	bool high;

	ttm_backup_test_use_file(test, n + 1);
	blocker = ttm_backup_test_tt(test, 1);
	KUNIT_ASSERT_EQ(test, ttm_backup_test_backup(test, blocker, &args), 1);

	tt = ttm_backup_test_tt(test, n);
	high = tt->pages[0]->private > 0;
	ttm_backup_test_fill(tt, seed);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_backup(test, tt, &args), (long)n);
	KUNIT_EXPECT_EQ(test, args.splits, high ? 1 : 0);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_handles(tt), n);
	KUNIT_EXPECT_EQ(test, ttm_backup_slot_order(tt->pages[n - 1]), 0);

	ttm_backup_test_tt_fini(test, blocker);

	return tt;
}

static struct ttm_tt *ttm_backup_test_tt_order0(struct kunit *test, u64 seed)
{
	return ttm_backup_test_tt_split(test, 16, seed);
}

/*
 * Restore fails at every page index in turn: the pages before the failure
 * stay restored, the rest stay backed up, and the next populate finishes
 * the job. No page is lost or duplicated.
 */
static void ttm_backup_restore_resume(struct kunit *test)
{
	struct fault_attr *fail_restore = ttm_pool_fault_attr(true);
	unsigned long k;

	for (k = 0; k < 16; k++) {
		struct ttm_tt *tt = ttm_backup_test_tt_order0(test, 1000 + k);
		int err;

		ttm_backup_test_fail_nth(fail_restore, k, PAGE_SIZE);
		err = ttm_backup_test_restore(test, tt);
		ttm_backup_test_fail_off(fail_restore);
		KUNIT_EXPECT_EQ(test, err, -ENOMEM);
		KUNIT_EXPECT_TRUE(test, ttm_tt_is_backed_up(tt));
		/* Pages 0..k-1 are back, k..15 still backed up. */
		KUNIT_EXPECT_EQ(test, ttm_backup_test_handles(tt), 16 - k);
		KUNIT_EXPECT_TRUE(test, ttm_backup_is_handle(tt->pages[k]));
		if (k)
			KUNIT_EXPECT_FALSE(test, ttm_backup_is_handle(tt->pages[k - 1]));

		KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
		KUNIT_EXPECT_EQ(test, ttm_backup_test_handles(tt), 0);
		KUNIT_EXPECT_EQ(test, ttm_backup_test_mismatches(tt, 1000 + k), 0);
		ttm_backup_test_tt_fini(test, tt);
	}
}

/*
 * With a signal pending, an interruptible restore stops with -EINTR and
 * changes nothing; once the signal is gone it completes.
 */
static void ttm_backup_restore_interrupted(struct kunit *test)
{
	struct ttm_tt *tt = ttm_backup_test_tt_order0(test, 77);
	int err;

	set_tsk_thread_flag(current, TIF_SIGPENDING);
	err = ttm_backup_test_restore(test, tt);
	clear_tsk_thread_flag(current, TIF_SIGPENDING);
	KUNIT_EXPECT_EQ(test, err, -EINTR);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_handles(tt), 16);

	KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_mismatches(tt, 77), 0);
	ttm_backup_test_tt_fini(test, tt);
}

/*
 * Backing up and restoring the same tt many times leaks no page. Freeing
 * is partly deferred (RCU-freed radix tree nodes, per-CPU page lists), so
 * the free page count drifts by a few hundred pages either way. Over 1024
 * cycles a leak of one page per cycle shows as 1024 pages, a leak per
 * backed-up page as hundreds of thousands.
 */
static void ttm_backup_no_leak(struct kunit *test)
{
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	struct ttm_tt *tt = ttm_backup_test_tt(test, 256);
	const int cycles = 1024;
	unsigned long before, after;
	int i;

	ttm_backup_test_fill(tt, 5);
	/* one cycle first, so that the shmem inode and caches exist */
	KUNIT_ASSERT_EQ(test, ttm_backup_test_backup(test, tt, &args), 256);
	KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
	rcu_barrier();
	before = global_zone_page_state(NR_FREE_PAGES);
	for (i = 0; i < cycles; i++) {
		KUNIT_ASSERT_EQ(test, ttm_backup_test_backup(test, tt, &args), 256);
		KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
	}
	rcu_barrier();
	after = global_zone_page_state(NR_FREE_PAGES);
	kunit_info(test, "free pages before %lu after %lu, %d cycles of 256 pages",
		   before, after, cycles);
	KUNIT_EXPECT_LT(test, before > after ? before - after : 0,
			(unsigned long)cycles);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_mismatches(tt, 5), 0);
	ttm_backup_test_tt_fini(test, tt);
}

struct ttm_backup_fault_case {
	const char *description;
	unsigned int probability;
	bool restore;
};

static const struct ttm_backup_fault_case ttm_backup_fault_cases[] = {
	{ "backup fails 10%", 10, false },
	{ "backup fails 50%", 50, false },
	{ "restore fails 10%", 10, true },
	{ "restore fails 50%", 50, true },
};

static void ttm_backup_fault_desc(const struct ttm_backup_fault_case *t,
				  char *desc)
{
	strscpy(desc, t->description, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ttm_backup_fault, ttm_backup_fault_cases,
		  ttm_backup_fault_desc);

/*
 * Injected failures surface as -ENOMEM and lose nothing: retrying until
 * done brings back every byte.
 */
static void ttm_backup_fault(struct kunit *test)
{
	const struct ttm_backup_fault_case *params = test->param_value;
	struct fault_attr *attr = ttm_pool_fault_attr(params->restore);
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	unsigned long errors = 0, calls = 0;
	struct ttm_tt *tt = ttm_backup_test_tt_split(test, 512, 4242);
	int round;

	/* 512 order-0 folios, so that every round sees many decisions */
	KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
	attr->probability = params->probability;
	attr->interval = 1;
	attr->verbose = 0;
	atomic_set(&attr->times, -1);
	atomic_set(&attr->space, 0);

	for (round = 0; round < 3; round++) {
		long freed = 0;
		int err;

		while (ttm_backup_test_handles(tt) < tt->num_pages) {
			long ret = ttm_backup_test_backup(test, tt, &args);

			calls++;
			if (ret < 0) {
				KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
				errors++;
			} else {
				freed += ret;
			}
			KUNIT_ASSERT_LT(test, calls, 100000UL);
		}
		KUNIT_EXPECT_LE(test, freed, (long)tt->num_pages);

		while ((err = ttm_backup_test_restore(test, tt))) {
			calls++;
			KUNIT_ASSERT_EQ(test, err, -ENOMEM);
			errors++;
			KUNIT_ASSERT_LT(test, calls, 100000UL);
		}
	}
	ttm_backup_test_fail_off(attr);

	kunit_info(test, "%lu calls, %lu injected errors, %lu splits", calls,
		   errors, args.splits);
	KUNIT_EXPECT_GT(test, errors, 0);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_mismatches(tt, 4242), 0);
	ttm_backup_test_tt_fini(test, tt);
}

struct ttm_backup_test_sampler {
	struct completion done;
	unsigned long min_free;
	bool stop;
};

/* Track the lowest free page count while the backup runs. */
static int ttm_backup_test_sample(void *data)
{
	struct ttm_backup_test_sampler *s = data;

	while (!READ_ONCE(s->stop)) {
		unsigned long free = global_zone_page_state(NR_FREE_PAGES);

		if (free < s->min_free)
			s->min_free = free;
		usleep_range(50, 100);
	}
	complete(&s->done);

	return 0;
}

/*
 * Backing up a 64 MiB tt needs memory independent of its size: free
 * memory, sampled throughout the backup and after it, never drops by more
 * than a small constant although 64 MiB go through. A temporary copy of
 * the object, or a per-page array, would show here.
 */
static void ttm_backup_memory_use(struct kunit *test)
{
	struct ttm_backup_args args = { .gfp = GFP_KERNEL };
	unsigned long num_pages = SZ_64M >> PAGE_SHIFT;
	struct ttm_backup_test_sampler sampler = {};
	const unsigned long kasan_slack = IS_ENABLED(CONFIG_KASAN) ? SZ_16M : 0;
	unsigned long before, after, used, peak;
	struct ttm_tt *tt = ttm_backup_test_tt(test, num_pages);
	struct task_struct *task;

	ttm_backup_test_fill(tt, 64);
	init_completion(&sampler.done);
	before = global_zone_page_state(NR_FREE_PAGES);
	sampler.min_free = before;
	task = kthread_run(ttm_backup_test_sample, &sampler, "ttm-backup-sample");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));

	KUNIT_EXPECT_EQ(test, ttm_backup_test_backup(test, tt, &args), (long)num_pages);

	WRITE_ONCE(sampler.stop, true);
	wait_for_completion(&sampler.done);
	after = global_zone_page_state(NR_FREE_PAGES);
	used = before > after ? before - after : 0;
	peak = before > sampler.min_free ? before - sampler.min_free : 0;
	kunit_info(test, "64 MiB backed up to shmem: %lu KiB extra after, %lu KiB extra at peak",
		   used << (PAGE_SHIFT - 10), peak << (PAGE_SHIFT - 10));
	/*
	 * Bounded by one maximal folio plus the shmem file's own tree and
	 * per-CPU page list noise: 4 MiB, a sixteenth of the object. KASAN
	 * keeps freed slab objects in its quarantine (the shmem tree's
	 * spare nodes, thousands here), which shows as 16 MiB more.
	 */
	KUNIT_EXPECT_LT(test, used, (unsigned long)((SZ_4M + kasan_slack) >> PAGE_SHIFT));
	KUNIT_EXPECT_LT(test, peak, (unsigned long)((SZ_8M + kasan_slack) >> PAGE_SHIFT));

	KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
	KUNIT_EXPECT_EQ(test, ttm_backup_test_mismatches(tt, 64), 0);
	ttm_backup_test_tt_fini(test, tt);
}

/*
 * Best of three of the plain copies, into and out of a shmem file. The
 * copy out allocates the pages it copies into, as a restore does: the
 * fair baseline for a restore is not a copy into pages that exist.
 */
static void ttm_backup_bench_baseline(struct kunit *test, struct ttm_tt *tt,
				      u64 *in_ns, u64 *out_ns)
{
	loff_t size = (loff_t)tt->num_pages << PAGE_SHIFT;
	struct address_space *mapping;
	struct page **pages;
	struct file *filp;
	int round;
	pgoff_t i;

	filp = shmem_file_setup("ttm backup bench", size, VM_NORESERVE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(filp));
	mapping = filp->f_mapping;
	pages = kvcalloc(tt->num_pages, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	*in_ns = U64_MAX;
	*out_ns = U64_MAX;

	for (round = 0; round < 3; round++) {
		u64 start = ktime_get_ns();

		for (i = 0; i < tt->num_pages; i++) {
			struct folio *folio = shmem_read_folio_gfp(mapping, i, GFP_KERNEL);

			KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
			copy_highpage(folio_file_page(folio, i), tt->pages[i]);
			folio_mark_dirty(folio);
			folio_put(folio);
		}
		*in_ns = min(*in_ns, ktime_get_ns() - start);

		start = ktime_get_ns();
		for (i = 0; i < tt->num_pages; i++) {
			struct folio *folio = shmem_read_folio_gfp(mapping, i, GFP_KERNEL);

			KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
			pages[i] = alloc_page(GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, pages[i]);
			copy_highpage(pages[i], folio_file_page(folio, i));
			folio_put(folio);
		}
		*out_ns = min(*out_ns, ktime_get_ns() - start);
		for (i = 0; i < tt->num_pages; i++)
			__free_page(pages[i]);
		shmem_truncate_range(file_inode(filp), 0, size - 1);
	}
	kvfree(pages);
	fput(filp);
}

static u64 ttm_backup_bench_mibps(unsigned long pages, u64 ns)
{
	return div64_u64((u64)pages * PAGE_SIZE * NSEC_PER_SEC, max(ns, 1ULL) << 20);
}

/*
 * A benchmark, not a pass/fail test: backup and restore throughput of a
 * 64 MiB tt on both backends, as percentages of a plain page copy into
 * and out of shmem measured in the same run. Only the content is checked.
 */
static void ttm_backup_benchmark(struct kunit *test)
{
	const struct ttm_backup_test_case *params = test->param_value;
	unsigned long num_pages = SZ_64M >> PAGE_SHIFT;
	u64 in_ns, out_ns, backup_ns = U64_MAX, restore_ns = U64_MAX;
	struct ttm_tt *tt;
	int round;

	if (params->backend == BACKEND_FILE)
		ttm_backup_test_use_file(test, num_pages);
	tt = ttm_backup_test_tt(test, num_pages);
	ttm_backup_test_fill(tt, 31337);
	ttm_backup_bench_baseline(test, tt, &in_ns, &out_ns);

	for (round = 0; round < 3; round++) {
		struct ttm_backup_args args = { .gfp = GFP_KERNEL };
		u64 start = ktime_get_ns();

		KUNIT_ASSERT_EQ(test, ttm_backup_test_backup(test, tt, &args),
				(long)num_pages);
		backup_ns = min(backup_ns, ktime_get_ns() - start);
		start = ktime_get_ns();
		KUNIT_ASSERT_EQ(test, ttm_backup_test_restore(test, tt), 0);
		restore_ns = min(restore_ns, ktime_get_ns() - start);
	}
	KUNIT_EXPECT_EQ(test, ttm_backup_test_mismatches(tt, 31337), 0);

	kunit_info(test, "%s backup %llu MiB/s = %llu%% of plain copy into shmem (%llu MiB/s)",
		   params->description, ttm_backup_bench_mibps(num_pages, backup_ns),
		   div64_u64(in_ns * 100, max(backup_ns, 1ULL)),
		   ttm_backup_bench_mibps(num_pages, in_ns));
	kunit_info(test, "%s restore %llu MiB/s = %llu%% of plain copy out of shmem into new pages (%llu MiB/s)",
		   params->description, ttm_backup_bench_mibps(num_pages, restore_ns),
		   div64_u64(out_ns * 100, max(restore_ns, 1ULL)),
		   ttm_backup_bench_mibps(num_pages, out_ns));
	ttm_backup_test_tt_fini(test, tt);
}

static const struct ttm_backup_test_case ttm_backup_bench_cases[] = {
	{ "shmem", BACKEND_SHMEM, 0 },
	{ "file", BACKEND_FILE, 0 },
};

KUNIT_ARRAY_PARAM(ttm_backup_bench, ttm_backup_bench_cases, ttm_backup_case_desc);

static struct kunit_case ttm_backup_test_cases[] = {
	KUNIT_CASE_PARAM(ttm_backup_round_trip, ttm_backup_round_trip_gen_params),
	KUNIT_CASE(ttm_backup_purge),
	KUNIT_CASE(ttm_backup_purge_partial),
	KUNIT_CASE(ttm_backup_partial),
	KUNIT_CASE(ttm_backup_restore_resume),
	KUNIT_CASE(ttm_backup_restore_interrupted),
	KUNIT_CASE(ttm_backup_no_leak),
	KUNIT_CASE_PARAM(ttm_backup_fault, ttm_backup_fault_gen_params),
	KUNIT_CASE_SLOW(ttm_backup_memory_use),
	KUNIT_CASE_PARAM_ATTR(ttm_backup_benchmark, ttm_backup_bench_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite ttm_backup_test_suite = {
	.name = "ttm_backup",
	.init = ttm_backup_test_init,
	.exit = ttm_backup_test_fini,
	.test_cases = ttm_backup_test_cases,
};

kunit_test_suites(&ttm_backup_test_suite);

MODULE_DESCRIPTION("KUnit tests for TTM page backup and restore");
MODULE_LICENSE("GPL and additional rights");
