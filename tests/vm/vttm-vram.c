// SPDX-License-Identifier: GPL-2.0
/*
 * Fake VRAM: BOs created in VRAM are mapped and used by the engine there;
 * when VRAM is full, the least recently used BOs are evicted to TT, where
 * the shrinker can back them up; CPU faults find the contents wherever
 * they are, and an exec brings an evicted BO back when VRAM has room.
 */
#include "kselftest_harness.h"
#include "vm_test.h"

#define MiB (1ULL << 20)
#define BO_SIZE (4 * MiB)

FIXTURE(vram) {
	struct vttm v;
	uint64_t vram;
};

FIXTURE_SETUP(vram)
{
	ASSERT_EQ(0, vttm_open(&self->v));
	ASSERT_GT(vttm_param("vram_size_mb"), 0);
	self->vram = vttm_param("vram_size_mb") * MiB;
	ASSERT_EQ(0, vttm_set_delay(1));
}

FIXTURE_TEARDOWN(vram)
{
	close(self->v.fd);
}

TEST_F(vram, mmap_and_engine_in_vram)
{
	const size_t size = MiB;
	uint64_t *pa, *pb;
	uint32_t a, b;

	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_VRAM, 0, &a, NULL));
	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, 0, &b, NULL));
	EXPECT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->v, a));
	pa = vttm_map(&self->v, a, size);
	pb = vttm_map(&self->v, b, size);
	ASSERT_NE(NULL, pa);
	ASSERT_NE(NULL, pb);

	/* a new VRAM BO reads as zeroes, whoever had the memory before */
	size_t nonzero = 0;

	for (size_t i = 0; i < size / 8; i++)
		nonzero += pa[i] != 0;
	EXPECT_EQ(0, nonzero) TH_LOG("a new VRAM BO is not all zeroes");
	vm_fill(pa, size, 21);

	/* VRAM -> TT by the engine, then TT -> VRAM */
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_COPY, a, b, 0, 0, size, 0));
	ASSERT_EQ(0, vttm_wait(&self->v, b, 5000000000LL));
	EXPECT_EQ(0, vm_mismatches(pb, size, 21));
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, a, 0, 0, size, 0x5a5a5a5a5a5a5a5aULL));
	ASSERT_EQ(0, vttm_wait(&self->v, a, 5000000000LL));
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, pa[size / 8 - 1]);
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_COPY, b, a, 0, 0, size, 0));
	ASSERT_EQ(0, vttm_wait(&self->v, a, 5000000000LL));
	EXPECT_EQ(0, vm_mismatches(pa, size, 21));
	EXPECT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->v, a));

	munmap(pa, size);
	munmap(pb, size);
	vttm_close_bo(&self->v, a);
	vttm_close_bo(&self->v, b);
}

TEST_F(vram, full_vram_evicts_least_recent_to_tt)
{
	int n = self->vram / BO_SIZE + 4, in_vram = 0, i;
	uint32_t h[n];
	uint64_t *p[n];
	char result[512];
	static char bos[8192];

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, vttm_create(&self->v, BO_SIZE, VTTM_PLACEMENT_VRAM, 0, &h[i], NULL));
		p[i] = vttm_map(&self->v, h[i], BO_SIZE);
		ASSERT_NE(NULL, p[i]);
		vm_fill(p[i], BO_SIZE, 100 + i);
	}
	/*
	 * The oldest went to TT, the newest stayed. (Placement 0, system
	 * memory, is TT that reclaim has backed up meanwhile: kswapd may
	 * still be at work after an earlier test.)
	 */
	for (i = 0; i < n; i++)
		in_vram += vttm_placement(&self->v, h[i]) == VTTM_PLACEMENT_VRAM;
	i = vttm_placement(&self->v, h[0]);
	EXPECT_TRUE(i == VTTM_PLACEMENT_TT || i == 0)
		TH_LOG("placement %d; %d of %d BOs in VRAM", i, in_vram, n);
	EXPECT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->v, h[n - 1]))
		TH_LOG("%d of %d BOs in VRAM", in_vram, n);
	EXPECT_LE(in_vram, (int)(self->vram / BO_SIZE));
	EXPECT_GE(in_vram, 1);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, vm_mismatches(p[i], BO_SIZE, 100 + i)) TH_LOG("BO %d", i);

	/*
	 * Evicted BOs are in TT now, where the shrinker backs them up (all
	 * of TT: what earlier tests left on the LRU cannot use up the
	 * request), while VRAM is not the shrinker's.
	 */
	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "all", 3));
	if (vttm_node_read(&self->v, "shrink", result, sizeof(result)) < 0)
		strcpy(result, "(unreadable)");
	EXPECT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, h[0]))
		TH_LOG("placement %u; the shrink: %s",
		       vttm_placement(&self->v, h[0]), result);
	EXPECT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->v, h[n - 1]));
	EXPECT_EQ(VTTM_STATE_RESIDENT, vttm_state(&self->v, h[n - 1]));
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, vm_mismatches(p[i], BO_SIZE, 100 + i)) TH_LOG("BO %d", i);

	/* with VRAM freed, an exec brings an evicted BO back */
	for (i = 1; i < n; i++) {
		munmap(p[i], BO_SIZE);
		vttm_close_bo(&self->v, h[i]);
	}
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, h[0], 0, 0, 4096, 1));
	ASSERT_EQ(0, vttm_wait(&self->v, h[0], 5000000000LL));
	if (vttm_placement(&self->v, h[0]) != VTTM_PLACEMENT_VRAM &&
	    vttm_node_read(&self->v, "bos", bos, sizeof(bos)) >= 0)
		TH_LOG("still in TT; the device's BOs:\n%s", bos);
	EXPECT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->v, h[0]));
	EXPECT_EQ(1, p[0][0]);
	for (i = 4096 / 8; i < (int)(BO_SIZE / 8); i++)
		if (p[0][i] != vm_pattern(100, i))
			break;
	EXPECT_EQ(BO_SIZE / 8, i) TH_LOG("word %d changed on the way back", i);
	munmap(p[0], BO_SIZE);
	vttm_close_bo(&self->v, h[0]);
}

TEST_HARNESS_MAIN
