// SPDX-License-Identifier: GPL-2.0
/*
 * The vttm engine: exec rejects bad jobs with a clear errno; fill and copy
 * jobs produce the right bytes; a BO with a job in flight is busy, and the
 * forced shrink waits for the job before it backs the BO up, so nothing
 * the engine wrote is lost. A BO read by several jobs stays busy until
 * the last of them is done, whatever order they were queued in.
 */
#include <signal.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vm_test.h"

FIXTURE(engine) {
	struct vttm v;
	uint32_t a, b;
};

FIXTURE_SETUP(engine)
{
	ASSERT_EQ(0, vttm_open(&self->v));
	ASSERT_EQ(0, vttm_set_delay(1));
	ASSERT_EQ(0, vttm_create(&self->v, 1 << 20, VTTM_PLACEMENT_TT, 0, &self->a, NULL));
	ASSERT_EQ(0, vttm_create(&self->v, 1 << 20, VTTM_PLACEMENT_TT, 0, &self->b, NULL));
}

FIXTURE_TEARDOWN(engine)
{
	vttm_set_delay(1);
	vttm_close_bo(&self->v, self->a);
	vttm_close_bo(&self->v, self->b);
	close(self->v.fd);
}

TEST_F(engine, exec_rejects_bad_jobs)
{
	struct vttm *v = &self->v;
	uint32_t a = self->a, b = self->b;
	struct drm_vttm_exec e = { .op = VTTM_EXEC_FILL, .dst_handle = a, .size = 4096, .flags = 1 };

	EXPECT_EQ(-EINVAL, vttm_exec(v, 0, 0, a, 0, 0, 4096, 0));
	EXPECT_EQ(-EINVAL, vttm_exec(v, 9, 0, a, 0, 0, 4096, 0));
	EXPECT_EQ(-EINVAL, vttm_ioctl(v, DRM_IOCTL_VTTM_EXEC, &e));
	EXPECT_EQ(-EINVAL, vttm_exec(v, VTTM_EXEC_FILL, 0, a, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, vttm_exec(v, VTTM_EXEC_FILL, 0, a, 0, 0, 100, 0));
	EXPECT_EQ(-EINVAL, vttm_exec(v, VTTM_EXEC_FILL, 0, a, 0, 12, 4096, 0));
	EXPECT_EQ(-EINVAL, vttm_exec(v, VTTM_EXEC_FILL, 0, a, 0, 1 << 20, 4096, 0));
	EXPECT_EQ(-EINVAL, vttm_exec(v, VTTM_EXEC_FILL, 0, a, 0, ~0ULL & ~4095ULL, 8192, 0));
	EXPECT_EQ(-EINVAL, vttm_exec(v, VTTM_EXEC_FILL, b, a, 0, 0, 4096, 0));
	EXPECT_EQ(-EINVAL, vttm_exec(v, VTTM_EXEC_COPY, 0, a, 0, 0, 4096, 0));
	EXPECT_EQ(-EINVAL, vttm_exec(v, VTTM_EXEC_COPY, a, a, 0, 4096, 8192, 0));
	EXPECT_EQ(-EINVAL, vttm_exec(v, VTTM_EXEC_COPY, a, b, 1 << 20, 0, 4096, 0));
	EXPECT_EQ(-ENOENT, vttm_exec(v, VTTM_EXEC_FILL, 0, 0xdead, 0, 0, 4096, 0));
	EXPECT_EQ(-ENOENT, vttm_exec(v, VTTM_EXEC_COPY, 0xdead, a, 0, 0, 4096, 0));
	/* nothing was queued: both idle */
	EXPECT_EQ(0, vttm_wait(v, a, 0));
	EXPECT_EQ(0, vttm_wait(v, b, 0));
}

TEST_F(engine, fill_then_copy)
{
	const size_t size = 1 << 20;
	uint64_t *pb;
	size_t i, bad = 0;

	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, self->a, 0, 0, size,
			      0x1122334455667788ULL));
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_COPY, self->a, self->b, 0, 0, size, 0));
	ASSERT_EQ(0, vttm_wait(&self->v, self->b, 5000000000LL));
	pb = vttm_map(&self->v, self->b, size);
	ASSERT_NE(NULL, pb);
	for (i = 0; i < size / 8; i++)
		bad += pb[i] != 0x1122334455667788ULL;
	EXPECT_EQ(0, bad);
	munmap(pb, size);
}

TEST_F(engine, forced_shrink_waits_for_busy_bo)
{
	const size_t size = 1 << 20;
	struct drm_vttm_gem_info info;
	int64_t duration;
	uint64_t *pa;
	size_t i, bad = 0;

	ASSERT_EQ(0, vttm_set_delay(2000));
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, self->a, 0, 0, size, 42));
	EXPECT_EQ(-ETIME, vttm_wait(&self->v, self->a, 0));

	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "1G", 2));
	duration = vttm_node_value(&self->v, "shrink", "duration_ns");
	TH_LOG("forced shrink took %lld ms", (long long)duration / 1000000);
	EXPECT_GT(duration, 500000000LL);
	EXPECT_EQ(0, vttm_wait(&self->v, self->a, 0));
	ASSERT_EQ(0, vttm_info(&self->v, self->a, &info));
	EXPECT_EQ(VTTM_STATE_BACKED_UP, info.state);

	pa = vttm_map(&self->v, self->a, size);
	ASSERT_NE(NULL, pa);
	for (i = 0; i < size / 8; i++)
		bad += pa[i] != 42;
	EXPECT_EQ(0, bad);
	munmap(pa, size);
}

/*
 * fdinfo sees the engine, as gputop and nvtop read it: drm-active-memory
 * counts the client's BOs with jobs in flight, drm-engine-copy the engine
 * time its jobs took.
 */
TEST_F(engine, fdinfo_active_and_engine_time)
{
	struct vttm *v = &self->v;
	int64_t busy0 = vttm_fdinfo(v, "drm-engine-copy");

	ASSERT_GE(busy0, 0);
	EXPECT_EQ(0, vttm_fdinfo(v, "drm-active-memory"));
	ASSERT_EQ(0, vttm_set_delay(1000));
	ASSERT_EQ(0, vttm_exec(v, VTTM_EXEC_FILL, 0, self->a, 0, 0, 1 << 20, 3));
	EXPECT_EQ(1 << 20, vttm_fdinfo(v, "drm-active-memory"));
	ASSERT_EQ(0, vttm_wait(v, self->a, 10000000000LL));
	EXPECT_EQ(0, vttm_fdinfo(v, "drm-active-memory"));
	EXPECT_GE(vttm_fdinfo(v, "drm-engine-copy") - busy0, 1000000000LL);
}

/*
 * Two jobs read the same source: a slow one, then a fast one. The source
 * is busy until both are done: waiting for it and then finding the slow
 * job still busy means a fence of the fast job stood in for the slow
 * one's (fences of one context signalling out of order), and the
 * shrinker could have backed the source up under a running job. Jobs
 * from two clients (two contexts) and from one.
 */
static void two_readers(struct __test_metadata *_metadata, struct vttm *v,
			struct vttm *v2, uint32_t src)
{
	const size_t size = 64 << 10;
	uint32_t slow, fast, fast2 = 0;
	uint64_t *p;
	size_t bad = 0;

	ASSERT_EQ(0, vttm_create(v, size, VTTM_PLACEMENT_TT, 0, &slow, NULL));
	ASSERT_EQ(0, vttm_create(v2, size, VTTM_PLACEMENT_TT, 0, &fast, NULL));
	ASSERT_EQ(0, vttm_exec(v, VTTM_EXEC_FILL, 0, src, 0, 0, size, 0x5eed));
	ASSERT_EQ(0, vttm_wait(v, src, 5000000000LL));

	ASSERT_EQ(0, vttm_set_delay(400));
	ASSERT_EQ(0, vttm_exec(v, VTTM_EXEC_COPY, src, slow, 0, 0, size, 0));
	ASSERT_EQ(0, vttm_set_delay(0));
	if (v2 == v) {
		ASSERT_EQ(0, vttm_exec(v, VTTM_EXEC_COPY, src, fast, 0, 0, size, 0));
	} else {
		/* the other client reads the source through its own handle */
		struct drm_gem_flink fl = { .handle = src };
		struct drm_gem_open op = { 0 };

		ASSERT_EQ(0, vttm_ioctl(v, DRM_IOCTL_GEM_FLINK, &fl));
		op.name = fl.name;
		ASSERT_EQ(0, vttm_ioctl(v2, DRM_IOCTL_GEM_OPEN, &op));
		fast2 = op.handle;
		ASSERT_EQ(0, vttm_exec(v2, VTTM_EXEC_COPY, fast2, fast, 0, 0, size, 0));
	}
	ASSERT_EQ(0, vttm_wait(v, src, 5000000000LL));
	/* the source is idle: every job reading it is done (no wait here) */
	EXPECT_EQ(0, vttm_wait(v, slow, 0))
		TH_LOG("the source was idle while the slow job still read it");
	p = vttm_map(v, slow, size);
	ASSERT_NE(NULL, p);
	for (size_t i = 0; i < size / 8; i++)
		bad += p[i] != 0x5eed;
	EXPECT_EQ(0, bad);
	munmap(p, size);
	vttm_set_delay(1);
	ASSERT_EQ(0, vttm_wait(v2, fast, 5000000000LL));
	vttm_close_bo(v, slow);
	vttm_close_bo(v2, fast);
	if (fast2)
		vttm_close_bo(v2, fast2);
}

TEST_F(engine, source_busy_until_every_reader_is_done)
{
	two_readers(_metadata, &self->v, &self->v, self->a);
}

TEST_F(engine, source_busy_until_every_client_reading_it_is_done)
{
	struct vttm v2;

	ASSERT_EQ(0, vttm_open(&v2));
	two_readers(_metadata, &self->v, &v2, self->a);
	close(v2.fd);
}

static void on_alarm(int sig)
{
}

/*
 * One client cannot queue unbounded work: with its 64 jobs queued behind
 * a slow one, its next exec waits (a signal interrupts it: -EINTR), while
 * another client still gets its job in.
 */
TEST_F(engine, a_client_queues_at_most_64_jobs)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct vttm v2;
	uint32_t h2;
	int i;

	ASSERT_EQ(0, vttm_open(&v2));
	ASSERT_EQ(0, vttm_create(&v2, 4096, VTTM_PLACEMENT_TT, 0, &h2, NULL));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, vttm_set_delay(1500));
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, self->a, 0, 0, 4096, 1));
	ASSERT_EQ(0, vttm_set_delay(0));
	for (i = 1; i < 64; i++)
		ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, self->a, 0, 0, 4096, i));

	alarm(1);
	EXPECT_EQ(-EINTR, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, self->a, 0, 0, 4096, 64))
		TH_LOG("a 65th job was queued");
	alarm(0);
	/* another client is not held up by this one's queue */
	EXPECT_EQ(0, vttm_exec(&v2, VTTM_EXEC_FILL, 0, h2, 0, 0, 4096, 7));
	/* once the slow job is done, there is room again */
	ASSERT_EQ(0, vttm_wait(&self->v, self->a, 10000000000LL));
	EXPECT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, self->a, 0, 0, 4096, 64));
	ASSERT_EQ(0, vttm_wait(&self->v, self->a, 10000000000LL));
	ASSERT_EQ(0, vttm_wait(&v2, h2, 10000000000LL));
	signal(SIGALRM, SIG_DFL);
	vttm_close_bo(&v2, h2);
	close(v2.fd);
}

TEST_HARNESS_MAIN
