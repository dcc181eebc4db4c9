// SPDX-License-Identifier: GPL-2.0
/*
 * A task in a memory cgroup at its limit faults a BO back from the shmem
 * backend. The task backed the BO up itself, so the shmem pages and their
 * swap entries belong to its cgroup, and bringing them back in charges
 * the cgroup: with nothing left to reclaim there (no swap for the cgroup,
 * its memory locked and at the limit), the charges fail. The fault must neither spin (the
 * memcg's reclaim never asks the device's shrinker, so refaulting until
 * the restore works would spin forever) nor wake the OOM killer: it ends,
 * with the data intact or with SIGBUS, and the BO's data is still whole
 * for a task with memory to spare.
 */
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define CGROUP VM_CGROUP_ROOT "/ttm-memcg"
#define BO_SIZE (16 << 20)
#define SEED 123

enum child_exit { INTACT = 0, CORRUPT, SETUP_FAILED };

static void cg_write(const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), CGROUP "/%s", file);
	if (vm_write_str(path, val))
		_exit(SETUP_FAILED);
}

/* A cgroup file holding one number, or -1. */
static long long cg_read(const char *file)
{
	char path[128];
	long long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), CGROUP "/%s", file);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld", &val) != 1)
			val = -1;
		fclose(f);
	}
	return val;
}

/*
 * In the cgroup: back the BO up into shmem and swap, drop the swap cache,
 * fill the cgroup to its limit with memory that cannot go, then fault the
 * BO back.
 */
static void child(struct vttm *v, uint32_t h, const uint64_t *p)
{
	char buf[32];
	long long cur;
	void *anon;

	snprintf(buf, sizeof(buf), "%d", getpid());
	cg_write("cgroup.procs", buf);
	/* this task's forced shrink: the shmem pages are charged to its cgroup */
	if (vttm_node_write(v, "shrink", "all", 3) ||
	    vttm_state(v, h) != VTTM_STATE_BACKED_UP)
		_exit(SETUP_FAILED);
	/* out of the swap cache: bringing them back charges anew */
	vm_write_str(CGROUP "/memory.reclaim", "256M");
	cg_write("memory.swap.max", "0");

	anon = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (anon == MAP_FAILED || vm_cgroup_value(CGROUP, "memory.stat", "anon") < (8 << 20))
		_exit(SETUP_FAILED);
	/*
	 * Nothing of this task's may go either (its text would be charged
	 * again when it faults back, and the OOM killer would run for
	 * that), then the limit at what the cgroup holds now: every page
	 * the restore brings in must be charged and cannot be.
	 */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		_exit(SETUP_FAILED);
	cur = cg_read("memory.current");
	if (cur < 0)
		_exit(SETUP_FAILED);
	snprintf(buf, sizeof(buf), "%lld", cur);
	cg_write("memory.max", buf);

	_exit(vm_mismatches(p, BO_SIZE, SEED) ? CORRUPT : INTACT);
}

TEST(memcg_at_its_limit_faults_a_shmem_backup)
{
	long long max0, oom0, max1, oom1;
	struct vttm v;
	uint64_t *p;
	uint32_t h;
	int status;
	pid_t pid;

	ASSERT_EQ(0, vttm_open(&v));
	ASSERT_EQ(0, vttm_create(&v, BO_SIZE, VTTM_PLACEMENT_TT, 0, &h, NULL));
	p = vttm_map(&v, h, BO_SIZE);
	ASSERT_NE(NULL, p);
	vm_fill(p, BO_SIZE, SEED);
	ASSERT_EQ(0, vm_memcg_create(CGROUP, "max", "max"));
	max0 = vm_cgroup_value(CGROUP, "memory.events", "max");
	oom0 = vm_cgroup_value(CGROUP, "memory.events", "oom_kill");

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		child(&v, h, p);
	ASSERT_EQ(0, vm_wait_child(pid, 180, &status)) TH_LOG("the faulting task hung");
	max1 = vm_cgroup_value(CGROUP, "memory.events", "max");
	oom1 = vm_cgroup_value(CGROUP, "memory.events", "oom_kill");
	TH_LOG("status %#x, memory.events max %lld -> %lld, oom_kill %lld -> %lld",
	       status, max0, max1, oom0, oom1);
	EXPECT_EQ(0, rmdir(CGROUP));

	ASSERT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == SETUP_FAILED);
	/* the restore really ran into the limit */
	EXPECT_GT(max1, max0);
	EXPECT_EQ(oom1, oom0) TH_LOG("the fault woke the OOM killer");
	/* intact, or SIGBUS as documented; never garbage, never killed */
	if (WIFSIGNALED(status)) {
		EXPECT_EQ(SIGBUS, WTERMSIG(status));
	} else {
		EXPECT_EQ(INTACT, WEXITSTATUS(status));
	}

	/* nothing was lost: with memory to spare it all comes back */
	EXPECT_EQ(0, vm_mismatches(p, BO_SIZE, SEED));
	munmap(p, BO_SIZE);
	vttm_close_bo(&v, h);
	close(v.fd);
}

TEST_HARNESS_MAIN
