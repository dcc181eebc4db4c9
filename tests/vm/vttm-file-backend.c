// SPDX-License-Identifier: GPL-2.0
/*
 * TTM's file backup backend on a block device (/dev/vdb, a disk of the
 * VM): BOs are backed up there with bios and come back intact; the device
 * is claimed exclusively and bad paths are refused with the backend
 * unchanged. A task in a memory cgroup at its limit faults BOs back from
 * it with no OOM kill (a restore takes no page cache and charges nothing),
 * and a fault whose restore keeps failing (fail_restore at 100 %) ends in
 * SIGBUS after a bounded number of retries instead of spinning forever.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define BACKUP_DISK "/dev/vdb"
#define CGROUP VM_CGROUP_ROOT "/ttm-file-backend"
#define FAIL_RESTORE "/sys/kernel/debug/ttm/fail_restore"

static int set_backup_device(struct vttm *v, const char *dev)
{
	return vttm_node_write(v, "backup_device", dev, strlen(dev));
}

/* Words of the mapping that are not the pattern of @seed. */
static size_t check_words(struct vttm *v, uint32_t h, size_t size, uint64_t seed)
{
	uint64_t *p = vttm_map(v, h, size);
	size_t bad;

	if (!p)
		return size;
	bad = vm_mismatches(p, size, seed);
	munmap(p, size);
	return bad;
}

static uint32_t filled_bo(struct __test_metadata *_metadata, struct vttm *v,
			  size_t size, uint64_t seed)
{
	uint32_t h = 0;
	uint64_t *p;

	EXPECT_EQ(0, vttm_create(v, size, VTTM_PLACEMENT_TT, 0, &h, NULL));
	p = vttm_map(v, h, size);
	EXPECT_NE(NULL, p);
	if (p) {
		vm_fill(p, size, seed);
		munmap(p, size);
	}
	return h;
}

FIXTURE(file_backend) {
	struct vttm v;
};

FIXTURE_SETUP(file_backend)
{
	ASSERT_EQ(0, vttm_open(&self->v));
	/*
	 * The previous test chose this disk too and went back to shmem:
	 * nothing may keep the disk claimed since, not even vttm's state BO,
	 * which a suspend in between left pinned in TT.
	 */
	ASSERT_EQ(0, set_backup_device(&self->v, BACKUP_DISK));
}

FIXTURE_TEARDOWN(file_backend)
{
	set_backup_device(&self->v, "shmem");
	close(self->v.fd);
}

TEST_F(file_backend, node_claims_the_device_and_refuses_bad_input)
{
	char buf[64];

	ASSERT_GT(vttm_node_read(&self->v, "backup_device", buf, sizeof(buf)), 0);
	EXPECT_STREQ(BACKUP_DISK "\n", buf);
	/* claimed exclusively: a second store on it is refused */
	EXPECT_EQ(-EBUSY, set_backup_device(&self->v, BACKUP_DISK));
	EXPECT_EQ(-EINVAL, set_backup_device(&self->v, "dev/vdb"));
	EXPECT_EQ(-EINVAL, set_backup_device(&self->v, ""));
	EXPECT_EQ(-ENOENT, set_backup_device(&self->v, "/dev/no-such-disk"));
	ASSERT_GT(vttm_node_read(&self->v, "backup_device", buf, sizeof(buf)), 0);
	EXPECT_STREQ(BACKUP_DISK "\n", buf) TH_LOG("a refused write changed the backend");
}

/*
 * A suspend leaves vttm's state BO pinned in TT, populated while the disk
 * is the backend, and never backed up: it must not keep the disk claimed
 * once another backend is chosen.
 */
TEST_F(file_backend, pinned_bo_does_not_keep_the_disk_claimed)
{
	uint32_t h;

	/* a job wakes the device: the suspend after it is a fresh one */
	ASSERT_EQ(0, vttm_create(&self->v, 4096, VTTM_PLACEMENT_TT, 0, &h, NULL));
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, h, 0, 0, 4096, 1));
	ASSERT_EQ(0, vttm_wait(&self->v, h, 10000000000LL));
	vttm_close_bo(&self->v, h);
	ASSERT_EQ(1, vttm_wait_suspended(&self->v)) TH_LOG("the idle device did not autosuspend");

	ASSERT_EQ(0, set_backup_device(&self->v, "shmem"));
	EXPECT_EQ(0, set_backup_device(&self->v, BACKUP_DISK))
		TH_LOG("the replaced disk stayed claimed");
}

TEST_F(file_backend, bos_round_trip_through_the_disk)
{
	const size_t size = 8 << 20;
	int64_t backup0 = vttm_node_value(&self->v, "stats", "backup_bytes");
	int64_t restore0 = vttm_node_value(&self->v, "stats", "restore_bytes");
	uint32_t h[4];

	for (int i = 0; i < 2; i++)
		h[i] = filled_bo(_metadata, &self->v, size, 100 + i);
	for (int i = 2; i < 4; i++) {
		ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, 0, &h[i], NULL));
		ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, h[i], 0, 0, size,
				       0x5151515151515151ULL * i));
		ASSERT_EQ(0, vttm_wait(&self->v, h[i], 10000000000LL));
	}
	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "all", 3));
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, h[i]));
	}
	EXPECT_GE(vttm_node_value(&self->v, "stats", "backup_bytes") - backup0,
		  (int64_t)4 * size);

	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, check_words(&self->v, h[i], size, 100 + i));
	}
	for (int i = 2; i < 4; i++) {
		uint64_t *p = vttm_map(&self->v, h[i], size);
		size_t bad = 0;

		ASSERT_NE(NULL, p);
		for (size_t w = 0; w < size / 8; w++)
			bad += p[w] != 0x5151515151515151ULL * i;
		munmap(p, size);
		EXPECT_EQ(0, bad);
	}
	EXPECT_GE(vttm_node_value(&self->v, "stats", "restore_bytes") - restore0,
		  (int64_t)4 * size);
	for (int i = 0; i < 4; i++)
		vttm_close_bo(&self->v, h[i]);
}

TEST_F(file_backend, memcg_at_its_limit_faults_bos_back)
{
	const size_t size = 32 << 20, fill = 12 << 20;
	uint32_t h = filled_bo(_metadata, &self->v, size, 77);
	int status;
	pid_t pid;

	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "all", 3));
	ASSERT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, h));
	ASSERT_EQ(0, vm_memcg_create(CGROUP, "16M", "0"));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		char me[32];
		char *anon;

		snprintf(me, sizeof(me), "%d", getpid());
		if (vm_write_str(CGROUP "/cgroup.procs", me))
			_exit(2);
		/* most of the limit taken by memory that cannot go */
		anon = mmap(NULL, fill, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (anon == MAP_FAILED)
			_exit(3);
		_exit(check_words(&self->v, h, size, 77) ? 1 : 0);
	}
	ASSERT_EQ(0, vm_wait_child(pid, 120, &status)) TH_LOG("the faulting task hung");
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child status %#x", status);
	rmdir(CGROUP);
	vttm_close_bo(&self->v, h);
}

TEST_F(file_backend, fault_that_cannot_restore_gets_sigbus)
{
	const size_t size = 4 << 20;
	uint32_t h = filled_bo(_metadata, &self->v, size, 88);
	int status;
	pid_t pid;

	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "all", 3));
	ASSERT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, h));
	ASSERT_EQ(0, vm_write_str(FAIL_RESTORE "/verbose", "0"));
	ASSERT_EQ(0, vm_write_str(FAIL_RESTORE "/interval", "1"));
	ASSERT_EQ(0, vm_write_str(FAIL_RESTORE "/times", "-1"));
	ASSERT_EQ(0, vm_write_str(FAIL_RESTORE "/probability", "100"));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(check_words(&self->v, h, size, 88) ? 1 : 0);
	EXPECT_EQ(0, vm_wait_child(pid, 60, &status)) TH_LOG("the fault spun instead of failing");
	vm_write_str(FAIL_RESTORE "/probability", "0");
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		TH_LOG("child status %#x, not SIGBUS", status);

	/* nothing was lost: without injection it restores */
	EXPECT_EQ(0, check_words(&self->v, h, size, 88));
	vttm_close_bo(&self->v, h);
}

TEST_HARNESS_MAIN
