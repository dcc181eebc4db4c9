// SPDX-License-Identifier: GPL-2.0
/*
 * The engine reads and writes TT pages through their DMA addresses, as a
 * device does. make check also runs this under swiotlb=force, where those
 * addresses are bounce buffers: what the engine wrote reaches the pages
 * only through a sync or an unmap. The engine fills BOs, a forced shrink
 * backs them up, and the CPU checks every word after the restore; the
 * engine then copies restored BOs and CPU-written BOs into fresh ones,
 * which go through the same. A backup that read the pages before
 * unmapping them would store what the engine never wrote.
 */
#include "kselftest_harness.h"
#include "vm_test.h"

#define NR_BOS 6
#define BO_SIZE (2u << 20)

FIXTURE(dma) {
	struct vttm v;
	uint32_t h[NR_BOS];
};

FIXTURE_SETUP(dma)
{
	ASSERT_EQ(0, vttm_open(&self->v));
	ASSERT_EQ(0, vttm_set_delay(1));
	for (int i = 0; i < NR_BOS; i++)
		ASSERT_EQ(0, vttm_create(&self->v, BO_SIZE, VTTM_PLACEMENT_TT, 0,
					 &self->h[i], NULL));
}

FIXTURE_TEARDOWN(dma)
{
	for (int i = 0; i < NR_BOS; i++)
		vttm_close_bo(&self->v, self->h[i]);
	close(self->v.fd);
}

/* Words of a BO that are not @value, read through a fresh mapping. */
static size_t words_not(struct vttm *v, uint32_t h, uint64_t value)
{
	uint64_t *p = vttm_map(v, h, BO_SIZE);
	size_t bad = 0;

	if (!p)
		return BO_SIZE;
	for (size_t w = 0; w < BO_SIZE / 8; w++)
		bad += p[w] != value;
	munmap(p, BO_SIZE);
	return bad;
}

static int shrink_all(struct vttm *v)
{
	return vttm_node_write(v, "shrink", "all", 3);
}

TEST_F(dma, engine_fill_survives_backup)
{
	int64_t backup0 = vttm_node_value(&self->v, "stats", "backup_bytes");

	for (int i = 0; i < NR_BOS; i++) {
		ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, self->h[i], 0, 0,
				       BO_SIZE, 0x1111111111111111ULL * (i + 1)));
		ASSERT_EQ(0, vttm_wait(&self->v, self->h[i], 10000000000LL));
	}
	/* the engine's writes are in the device's view only: no CPU access yet */
	ASSERT_EQ(0, shrink_all(&self->v));
	for (int i = 0; i < NR_BOS; i++) {
		EXPECT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, self->h[i]));
	}
	EXPECT_GE(vttm_node_value(&self->v, "stats", "backup_bytes") - backup0,
		  (int64_t)NR_BOS * BO_SIZE);

	for (int i = 0; i < NR_BOS; i++) {
		EXPECT_EQ(0, words_not(&self->v, self->h[i], 0x1111111111111111ULL * (i + 1)))
			TH_LOG("BO %d lost what the engine wrote", i);
	}
}

TEST_F(dma, engine_copies_restored_and_cpu_written_bos)
{
	uint64_t *p;

	/* BO 0 written by the CPU, BO 1 by the engine, both backed up */
	p = vttm_map(&self->v, self->h[0], BO_SIZE);
	ASSERT_NE(NULL, p);
	for (size_t w = 0; w < BO_SIZE / 8; w++)
		p[w] = 0xc0c0c0c0c0c0c0c0ULL;
	munmap(p, BO_SIZE);
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, self->h[1], 0, 0, BO_SIZE,
			       0xe1e1e1e1e1e1e1e1ULL));
	ASSERT_EQ(0, vttm_wait(&self->v, self->h[1], 10000000000LL));
	ASSERT_EQ(0, shrink_all(&self->v));

	/* the engine restores them on exec and copies them */
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_COPY, self->h[0], self->h[2], 0, 0,
			       BO_SIZE, 0));
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_COPY, self->h[1], self->h[3], 0, 0,
			       BO_SIZE, 0));
	ASSERT_EQ(0, vttm_wait(&self->v, self->h[2], 10000000000LL));
	ASSERT_EQ(0, vttm_wait(&self->v, self->h[3], 10000000000LL));
	ASSERT_EQ(0, shrink_all(&self->v));

	EXPECT_EQ(0, words_not(&self->v, self->h[2], 0xc0c0c0c0c0c0c0c0ULL))
		TH_LOG("the copy of the CPU-written BO is wrong");
	EXPECT_EQ(0, words_not(&self->v, self->h[3], 0xe1e1e1e1e1e1e1e1ULL))
		TH_LOG("the copy of the engine-written BO is wrong");
	EXPECT_EQ(0, words_not(&self->v, self->h[0], 0xc0c0c0c0c0c0c0c0ULL));
	EXPECT_EQ(0, words_not(&self->v, self->h[1], 0xe1e1e1e1e1e1e1e1ULL));
}

TEST_HARNESS_MAIN
