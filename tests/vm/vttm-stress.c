// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: four processes allocate BOs in VRAM and TT, write them
 * through mmap, verify them, mark them purgeable and back, run engine fill
 * and copy jobs on them (several in flight at once, depending on each
 * other), and read a BO they all share (opened by name through their own
 * DRM file) with the CPU and the engine; meanwhile the parent forces
 * shrinks through debugfs, a memory hog puts the machine under real
 * reclaim, and a reader reads the bos and stats nodes in a loop. Every
 * check compares every word with what the BO must hold (its pattern, a
 * fill value, or zeroes after a reported purge), and once everything is
 * closed the shrinker's gauges are back where they started.
 * VTTM_STRESS_SECONDS sets the duration (default 60).
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define NR_PROCS 4
#define NR_BOS 12
#define SHARED_SIZE (4 << 20)
#define SHARED_SEED 0x5a5a0000ULL

/* the flink name of the BO every worker reads; set before the fork */
static uint32_t shared_name;

enum content { PATTERN, FILL, ZERO };

struct sbo {
	uint32_t handle;
	size_t size;
	uint64_t *map;
	enum content content;
	uint64_t value;	/* the pattern's seed or the fill value */
};

static const size_t sizes[] = { 4096, 64 << 10, 1 << 20, 4 << 20 };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t bad_words(const struct sbo *b)
{
	size_t bad = 0;

	for (size_t i = 0; i < b->size / 8; i++) {
		uint64_t want = b->content == PATTERN ? vm_pattern(b->value, i) :
				b->content == FILL ? b->value : 0;

		bad += b->map[i] != want;
	}
	return bad;
}

static int make_bo(struct vttm *v, struct sbo *b, unsigned int *seed, uint64_t tag)
{
	b->size = sizes[rand_r(seed) % 4];
	if (vttm_create(v, b->size, rand_r(seed) % 2 ? VTTM_PLACEMENT_VRAM : VTTM_PLACEMENT_TT,
			0, &b->handle, NULL))
		return -1;
	b->map = vttm_map(v, b->handle, b->size);
	if (!b->map)
		return -1;
	b->content = PATTERN;
	b->value = tag;
	vm_fill(b->map, b->size, tag);
	return 0;
}

static void drop_bo(struct vttm *v, struct sbo *b)
{
	munmap(b->map, b->size);
	vttm_close_bo(v, b->handle);
	b->map = NULL;
}

/* One worker: returns the number of wrong words it saw, or -1. */
static long long worker(int n, double deadline, long long *ops)
{
	unsigned int seed = 1234 + n;
	struct sbo bos[NR_BOS] = {};
	long long bad = 0;
	uint64_t tag = (uint64_t)n << 40;
	struct vttm v;
	int i;

	struct drm_gem_open op = { .name = shared_name };
	struct sbo shared = { .size = SHARED_SIZE, .content = PATTERN,
			      .value = SHARED_SEED };

	if (vttm_open(&v))
		return -1;
	for (i = 0; i < NR_BOS; i++)
		if (make_bo(&v, &bos[i], &seed, ++tag))
			return -1;
	/* the shared BO, through this process's own DRM file */
	if (vttm_ioctl(&v, DRM_IOCTL_GEM_OPEN, &op))
		return -1;
	shared.handle = op.handle;
	shared.map = vttm_map(&v, shared.handle, SHARED_SIZE);
	if (!shared.map)
		return -1;

	while (now() < deadline) {
		struct sbo *b = &bos[rand_r(&seed) % NR_BOS];
		struct sbo *c = &bos[rand_r(&seed) % NR_BOS];
		struct sbo *d = &bos[rand_r(&seed) % NR_BOS];
		uint32_t retained;

		switch (rand_r(&seed) % 8) {
		case 6:	/* the shared BO: read it, and copy from it */
			bad += bad_words(&shared);
			if (vttm_exec(&v, VTTM_EXEC_COPY, shared.handle, b->handle, 0, 0,
				      b->size, 0) ||
			    vttm_wait(&v, b->handle, 10000000000LL))
				return -1;
			b->content = PATTERN;
			b->value = SHARED_SEED;
			bad += bad_words(b);
			break;
		case 7:	/* jobs in flight together: fill, copy of it, another fill */
			if (b == c || b == d || c == d)
				break;
			b->content = FILL;
			b->value = ++tag;
			if (vttm_exec(&v, VTTM_EXEC_FILL, 0, b->handle, 0, 0, b->size, b->value))
				return -1;
			if (c->size == b->size) {
				/* waits for the fill through b's reservation */
				if (vttm_exec(&v, VTTM_EXEC_COPY, b->handle, c->handle, 0, 0,
					      b->size, 0))
					return -1;
				c->content = FILL;
				c->value = b->value;
			}
			d->content = FILL;
			d->value = ++tag;
			if (vttm_exec(&v, VTTM_EXEC_FILL, 0, d->handle, 0, 0, d->size, d->value) ||
			    vttm_wait(&v, c->handle, 10000000000LL) ||
			    vttm_wait(&v, d->handle, 10000000000LL))
				return -1;
			bad += bad_words(b) + bad_words(c) + bad_words(d);
			break;
		case 0:	/* verify */
			bad += bad_words(b);
			break;
		case 1:	/* purgeable for a while, then needed again */
			if (vttm_madvise(&v, b->handle, VTTM_MADV_DONTNEED, NULL))
				return -1;
			usleep(rand_r(&seed) % 20000);
			if (vttm_madvise(&v, b->handle, VTTM_MADV_WILLNEED, &retained))
				return -1;
			if (!retained)
				b->content = ZERO;
			bad += bad_words(b);
			break;
		case 2:	/* engine fill */
			b->content = FILL;
			b->value = ++tag;
			if (vttm_exec(&v, VTTM_EXEC_FILL, 0, b->handle, 0, 0, b->size, b->value) ||
			    vttm_wait(&v, b->handle, 10000000000LL))
				return -1;
			bad += bad_words(b);
			break;
		case 3:	/* engine copy between BOs of one size */
			if (b == c || b->size != c->size)
				break;
			if (vttm_exec(&v, VTTM_EXEC_COPY, b->handle, c->handle, 0, 0, b->size, 0) ||
			    vttm_wait(&v, c->handle, 10000000000LL))
				return -1;
			c->content = b->content;
			c->value = b->value;
			bad += bad_words(c);
			break;
		case 4:	/* replace */
			drop_bo(&v, b);
			if (make_bo(&v, b, &seed, ++tag))
				return -1;
			break;
		default: /* rewrite through the CPU */
			b->content = PATTERN;
			b->value = ++tag;
			vm_fill(b->map, b->size, b->value);
			break;
		}
		++*ops;
	}
	for (i = 0; i < NR_BOS; i++) {
		bad += bad_words(&bos[i]);
		drop_bo(&v, &bos[i]);
	}
	bad += bad_words(&shared);
	drop_bo(&v, &shared);
	close(v.fd);
	return bad;
}

/* Read the bos and stats nodes until @deadline. Return: reads, or -1. */
static long long node_reader(struct vttm *v, double deadline)
{
	static char buf[1 << 20];
	long long reads = 0;

	while (now() < deadline) {
		if (vttm_node_read(v, "bos", buf, sizeof(buf)) < 0 ||
		    vttm_node_read(v, "stats", buf, sizeof(buf)) <= 0 ||
		    !strstr(buf, "shrinkable_bytes: "))
			return -1;
		reads++;
	}
	return reads;
}

/* Allocate and touch half the RAM, over and over, until @deadline. */
static long long memory_hog(double deadline)
{
	long long rounds = 0;

	while (now() < deadline) {
		if (vm_memory_hog(vm_total_ram() / 2))
			return -1;
		rounds++;
	}
	return rounds;
}

static const char gauges[4][20] = {
	"shrinkable_bytes", "purgeable_bytes", "backed_up_bytes", "pinned_bytes",
};

/*
 * Wait up to 30 s for every gauge to be back at @base (the device
 * autosuspends again meanwhile). Return: 0 or -1.
 */
static int gauges_back(struct vttm *v, const int64_t *base)
{
	for (int t = 0; t < 300; t++) {
		int off = 0;

		for (int i = 0; i < 4; i++)
			off += vttm_node_value(v, "stats", gauges[i]) != base[i];
		if (!off)
			return 0;
		usleep(100000);
	}
	return -1;
}

FIXTURE(stress) {
	struct vttm v;
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, vttm_open(&self->v));
	ASSERT_EQ(0, vttm_set_delay(1));
}

FIXTURE_TEARDOWN(stress)
{
	close(self->v.fd);
}

TEST_F_TIMEOUT(stress, four_processes_and_forced_shrinks, 600)
{
	static const char *const shrinks[] = { "4096", "64K", "16M", "256M" };
	const char *env = getenv("VTTM_STRESS_SECONDS");
	double seconds = env ? atof(env) : 60, deadline = now() + seconds;
	int64_t backup0, restore0, base[4];
	long long shrinks_done = 0;
	int fds[NR_PROCS + 2][2];
	pid_t pids[NR_PROCS + 2];
	struct vttm *v = &self->v;
	struct drm_gem_flink fl = { 0 };
	uint64_t *map;
	int i;

	backup0 = vttm_node_value(v, "stats", "backup_bytes");
	restore0 = vttm_node_value(v, "stats", "restore_bytes");
	/* pinned_bytes counts vttm's state BO while suspended: start there */
	ASSERT_EQ(1, vttm_wait_suspended(v));
	for (i = 0; i < 4; i++)
		base[i] = vttm_node_value(v, "stats", gauges[i]);

	ASSERT_EQ(0, vttm_create(v, SHARED_SIZE, VTTM_PLACEMENT_TT, 0, &fl.handle, NULL));
	map = vttm_map(v, fl.handle, SHARED_SIZE);
	ASSERT_NE(NULL, map);
	vm_fill(map, SHARED_SIZE, SHARED_SEED);
	munmap(map, SHARED_SIZE);
	ASSERT_EQ(0, vttm_ioctl(v, DRM_IOCTL_GEM_FLINK, &fl));
	shared_name = fl.name;

	/* the workers, then the node reader and the memory hog */
	for (i = 0; i < NR_PROCS + 2; i++) {
		ASSERT_EQ(0, pipe(fds[i]));
		pids[i] = fork();
		ASSERT_GE(pids[i], 0);
		if (!pids[i]) {
			long long res[2] = { 0, 0 };

			close(fds[i][0]);
			if (i < NR_PROCS) {
				res[0] = worker(i, deadline, &res[1]);
			} else {
				res[1] = i == NR_PROCS ? node_reader(v, deadline) :
					 memory_hog(deadline);
				res[0] = res[1] < 0;	/* a failed read or hog fails */
			}
			if (write(fds[i][1], res, sizeof(res)) != sizeof(res))
				_exit(2);
			_exit(res[0] ? 1 : 0);
		}
		close(fds[i][1]);
	}

	while (now() < deadline) {
		const char *s = shrinks[shrinks_done % 4];

		EXPECT_EQ(0, vttm_node_write(v, "shrink", s, strlen(s)))
			TH_LOG("forced shrink of %s failed", s);
		shrinks_done++;
		usleep(100000);
	}

	for (i = 0; i < NR_PROCS + 2; i++) {
		long long res[2] = { -1, 0 };
		int status;

		EXPECT_EQ((ssize_t)sizeof(res), read(fds[i][0], res, sizeof(res)));
		close(fds[i][0]);
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		TH_LOG("process %d: %lld %s, %lld wrong words", i, res[1],
		       i < NR_PROCS ? "operations" : i == NR_PROCS ? "node reads" :
		       "hog rounds", res[0]);
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("process %d: status %#x", i, status);
		EXPECT_EQ(0, res[0]);
		EXPECT_GT(res[1], 0);
	}
	TH_LOG("%.0f s, %lld forced shrinks, %lld MiB backed up, %lld MiB restored",
	       seconds, shrinks_done,
	       (long long)(vttm_node_value(v, "stats", "backup_bytes") - backup0) >> 20,
	       (long long)(vttm_node_value(v, "stats", "restore_bytes") - restore0) >> 20);
	EXPECT_GT(vttm_node_value(v, "stats", "backup_bytes"), backup0);
	EXPECT_GT(vttm_node_value(v, "stats", "restore_bytes"), restore0);

	/* all closed: nothing is left counted */
	vttm_close_bo(v, fl.handle);
	EXPECT_EQ(0, gauges_back(v, base));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(base[i], vttm_node_value(v, "stats", gauges[i]))
			TH_LOG("%s did not come back", gauges[i]);
}

TEST_HARNESS_MAIN
