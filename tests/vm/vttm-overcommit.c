// SPDX-License-Identifier: GPL-2.0
/*
 * Overcommit the guest with GPU memory: BOs totalling twice its RAM, sizes
 * from 4 KiB to 64 MiB, a third of them created in VRAM (which fills up
 * and evicts to TT), each filled through mmap with its own pattern,
 * then every byte of every BO read back. The TTM shrinker must back BOs
 * up (to shmem, then swap) as memory runs out and restore them on access:
 * no mismatch, no OOM kill (the runner scans the kernel log), and the
 * stats show the shrinker did it (TTM's own page limit is raised out of
 * the way). A second pass rewrites every BO and reads it back: a stale
 * backup restored after a rewrite would show; a third has the engine
 * write the first page of every BO through its DMA addresses, and the CPU
 * checks it and the rest. VTTM_OVERCOMMIT sets the factor (default 2; the
 * bpftrace test uses a lighter load and only the first pass). make check
 * runs it in the main boot and, with a bounce pool larger than the RAM
 * left, under swiotlb=force.
 */
#include <sys/sysinfo.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define MAX_BOS 4096

static const size_t sizes[] = {
	4096, 64 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 8192, 2 << 20,
};

struct bo {
	uint32_t handle;
	size_t size;
	uint64_t *map;
};

#define TTM_PAGES_LIMIT "/sys/module/ttm/parameters/pages_limit"

static long long ttm_pages_limit(void)
{
	long long v = -1;
	FILE *f = fopen(TTM_PAGES_LIMIT, "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int set_ttm_pages_limit(long long v)
{
	FILE *f = fopen(TTM_PAGES_LIMIT, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%lld", v) > 0 ? 0 : -EIO;
	return fclose(f) ? -errno : ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(overcommit) {
	struct vttm v;
	struct bo *bos;
	int nr;
};

FIXTURE_SETUP(overcommit)
{
	ASSERT_EQ(0, vttm_open(&self->v));
	self->bos = calloc(MAX_BOS, sizeof(*self->bos));
	ASSERT_NE(NULL, self->bos);
}

FIXTURE_TEARDOWN(overcommit)
{
	for (int i = 0; i < self->nr; i++) {
		munmap(self->bos[i].map, self->bos[i].size);
		vttm_close_bo(&self->v, self->bos[i].handle);
	}
	free(self->bos);
	close(self->v.fd);
}

TEST_F_TIMEOUT(overcommit, twice_ram_every_byte_back, 1500)
{
	int64_t backup0 = vttm_node_value(&self->v, "stats", "backup_bytes");
	int64_t restore0 = vttm_node_value(&self->v, "stats", "restore_bytes");
	int64_t scans0 = vttm_node_value(&self->v, "stats", "scan_calls");
	int64_t freed0 = vttm_node_value(&self->v, "stats", "freed_bytes");
	long long limit0 = ttm_pages_limit();
	const char *factor = getenv("VTTM_OVERCOMMIT");
	uint64_t total = 0, target, mismatches = 0;
	struct sysinfo si;
	double t0 = now(), t1;

	ASSERT_EQ(0, sysinfo(&si));
	/*
	 * TTM's own page limit out of the way: the reclaim must be the
	 * shrinker's, which the counters below check.
	 */
	ASSERT_GT(limit0, 0);
	ASSERT_EQ(0, set_ttm_pages_limit(1LL << 40));
	target = (factor ? atof(factor) : 2.0) * si.totalram * si.mem_unit;
	ASSERT_GT(target, 0);
	ASSERT_GE(backup0, 0);

	while (total < target && self->nr < MAX_BOS) {
		struct bo *bo = &self->bos[self->nr];

		bo->size = sizes[self->nr % (sizeof(sizes) / sizeof(sizes[0]))];
		/* a third in VRAM, a third write-combined TT, a third cached TT */
		ASSERT_EQ(0, vttm_create(&self->v, bo->size,
					 self->nr % 3 ? VTTM_PLACEMENT_TT : VTTM_PLACEMENT_VRAM,
					 self->nr % 3 == 1 ? VTTM_GEM_CREATE_WRITE_COMBINED : 0,
					 &bo->handle, NULL))
			TH_LOG("BO %d of %zu bytes, %llu MiB so far", self->nr, bo->size,
			       (unsigned long long)(total >> 20));
		bo->map = vttm_map(&self->v, bo->handle, bo->size);
		ASSERT_NE(NULL, bo->map);
		vm_fill(bo->map, bo->size, self->nr + 1);
		total += bo->size;
		self->nr++;
	}
	t1 = now();

	for (int i = 0; i < self->nr; i++)
		mismatches += vm_mismatches(self->bos[i].map, self->bos[i].size, i + 1);

	TH_LOG("RAM %lu MiB, %d BOs, %llu MiB; filled in %.0f s, verified in %.0f s",
	       (unsigned long)(si.totalram * si.mem_unit >> 20), self->nr,
	       (unsigned long long)(total >> 20), t1 - t0, now() - t1);
	TH_LOG("backed up %lld MiB, restored %lld MiB, %llu mismatched words",
	       (long long)(vttm_node_value(&self->v, "stats", "backup_bytes") - backup0) >> 20,
	       (long long)(vttm_node_value(&self->v, "stats", "restore_bytes") - restore0) >> 20,
	       (unsigned long long)mismatches);
	EXPECT_EQ(0, mismatches);
	/* the accounting adds up: no page counted twice */
	EXPECT_LE(vttm_node_value(&self->v, "stats", "shrinkable_bytes") +
		  vttm_node_value(&self->v, "stats", "purgeable_bytes") +
		  vttm_node_value(&self->v, "stats", "backed_up_bytes"), (int64_t)total)
		TH_LOG("shrinkable + purgeable + backed up exceed the %llu MiB of BOs",
		       (unsigned long long)(total >> 20));
	/* the shrinker did it: scans ran and freed at least the excess */
	EXPECT_GT(vttm_node_value(&self->v, "stats", "scan_calls"), scans0);
	EXPECT_GE(vttm_node_value(&self->v, "stats", "freed_bytes") - freed0,
		  (int64_t)total - (int64_t)(si.totalram * si.mem_unit));
	EXPECT_GE(vttm_node_value(&self->v, "stats", "backup_bytes") - backup0,
		  (int64_t)total - (int64_t)(si.totalram * si.mem_unit));
	EXPECT_GT(vttm_node_value(&self->v, "stats", "restore_bytes") - restore0, 0);

	/*
	 * Second pass: every BO rewritten with a new pattern, then read
	 * back. A stale backup restored over a rewrite shows here. (Not
	 * under VTTM_OVERCOMMIT: the bpftrace test wants a load, not this.)
	 */
	if (factor)
		goto out;
	for (int i = 0; i < self->nr; i++)
		vm_fill(self->bos[i].map, self->bos[i].size, 10000 + i);
	mismatches = 0;
	for (int i = 0; i < self->nr; i++)
		mismatches += vm_mismatches(self->bos[i].map, self->bos[i].size, 10000 + i);
	EXPECT_EQ(0, mismatches) TH_LOG("%llu words wrong after the rewrite",
					(unsigned long long)mismatches);

	/*
	 * Third: the engine writes the first page of every BO through its
	 * DMA addresses (restoring what was backed up, for the device), and
	 * the CPU finds that page and the rest of the BO as they should be.
	 * Under swiotlb=force an engine write that does not reach the pages,
	 * or a backup of stale bounce buffers, shows here.
	 */
	for (int i = 0; i < self->nr; i++) {
		int ret, tries = 0;

		/* restoring for the engine may find no memory for a moment */
		while ((ret = vttm_exec(&self->v, VTTM_EXEC_FILL, 0, self->bos[i].handle,
					0, 0, 4096, 20000 + i)) == -ENOMEM && ++tries < 20)
			usleep(100000);
		ASSERT_EQ(0, ret) TH_LOG("BO %d, after %d tries", i, tries);
	}
	mismatches = 0;
	for (int i = 0; i < self->nr; i++) {
		const uint64_t *p = self->bos[i].map;

		ASSERT_EQ(0, vttm_wait(&self->v, self->bos[i].handle, 60000000000LL));
		for (size_t w = 0; w < 4096 / 8; w++)
			mismatches += p[w] != (uint64_t)(20000 + i);
		for (size_t w = 4096 / 8; w < self->bos[i].size / 8; w++)
			mismatches += p[w] != vm_pattern(10000 + i, w);
	}
	EXPECT_EQ(0, mismatches) TH_LOG("%llu words wrong after the engine's writes",
					(unsigned long long)mismatches);
out:
	EXPECT_EQ(0, set_ttm_pages_limit(limit0));
}

TEST_HARNESS_MAIN
