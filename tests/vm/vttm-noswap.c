// SPDX-License-Identifier: GPL-2.0
/*
 * With swap off, the shmem backup backend has no room: the shrinker must
 * count only purgeable memory (what the core mm sees through the
 * shrinker's debugfs count), reclaim it by purging, and leave every other
 * BO alone. Swap is turned back on afterwards, whatever the outcome.
 */
#include <glob.h>
#include <sys/swap.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define MiB (1ULL << 20)
#define SWAP_DEV "/dev/vda"

/* What the core mm gets from the vttm shrinker's count, in pages, or -1. */
static long long shrinker_count(void)
{
	long long total = 0, v;
	char line[256], *p, *end;
	glob_t g;
	FILE *f;

	if (glob("/sys/kernel/debug/shrinker/drm-ttm-vttm-*/count", 0, NULL, &g) ||
	    g.gl_pathc != 1)
		return -1;
	f = fopen(g.gl_pathv[0], "r");
	globfree(&g);
	if (!f)
		return -1;
	/* "<memcg inode> <count per node>...", no line when zero */
	while (fgets(line, sizeof(line), f)) {
		strtoll(line, &p, 10);
		for (v = strtoll(p, &end, 10); end != p; v = strtoll(p, &end, 10)) {
			total += v;
			p = end;
		}
	}
	fclose(f);
	return total;
}

FIXTURE(noswap) {
	struct vttm v;
	uint32_t keep, drop;
	uint64_t *pk, *pd;
};

FIXTURE_SETUP(noswap)
{
	ASSERT_EQ(0, vttm_open(&self->v));
	ASSERT_EQ(0, swapoff(SWAP_DEV)) TH_LOG("swapoff %s: %s", SWAP_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(noswap)
{
	if (swapon(SWAP_DEV, 0))
		TH_LOG("swapon %s: %s", SWAP_DEV, strerror(errno));
	close(self->v.fd);
}

TEST_F(noswap, only_purgeable_counted_and_reclaimed)
{
	const size_t size = 8 * MiB;
	int64_t purged0, backup0;
	uint32_t retained;

	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, 0, &self->keep, NULL));
	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, 0, &self->drop, NULL));
	self->pk = vttm_map(&self->v, self->keep, size);
	self->pd = vttm_map(&self->v, self->drop, size);
	ASSERT_NE(NULL, self->pk);
	ASSERT_NE(NULL, self->pd);
	vm_fill(self->pk, size, 31);
	vm_fill(self->pd, size, 32);

	/* nothing purgeable: nothing to offer the core mm */
	EXPECT_EQ(vttm_node_value(&self->v, "stats", "purgeable_bytes") / 4096,
		  shrinker_count());
	ASSERT_EQ(0, vttm_madvise(&self->v, self->drop, VTTM_MADV_DONTNEED, NULL));
	EXPECT_EQ((int64_t)size, vttm_node_value(&self->v, "stats", "purgeable_bytes"));
	EXPECT_EQ((long long)(size / 4096), shrinker_count());

	purged0 = vttm_node_value(&self->v, "stats", "purged_bytes");
	backup0 = vttm_node_value(&self->v, "stats", "backup_bytes");
	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "256M", 4));
	EXPECT_EQ((int64_t)size, vttm_node_value(&self->v, "stats", "purged_bytes") - purged0);
	EXPECT_EQ(backup0, vttm_node_value(&self->v, "stats", "backup_bytes"));
	EXPECT_EQ((int64_t)size, vttm_node_value(&self->v, "shrink", "freed_bytes"));
	EXPECT_EQ(VTTM_STATE_RESIDENT, vttm_state(&self->v, self->keep));
	EXPECT_EQ(0, shrinker_count());

	ASSERT_EQ(0, vttm_madvise(&self->v, self->drop, VTTM_MADV_WILLNEED, &retained));
	EXPECT_EQ(0, retained);
	EXPECT_EQ(0, vm_mismatches(self->pk, size, 31));
	munmap(self->pk, size);
	munmap(self->pd, size);
	vttm_close_bo(&self->v, self->keep);
	vttm_close_bo(&self->v, self->drop);
}

TEST_HARNESS_MAIN
