// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on the reclaim paths during an overcommit (1.25x RAM of
 * BOs): 10% of
 * backups and of restores fail (/sys/kernel/debug/ttm/fail_backup/ and
 * fail_restore/). Failures are absorbed (other BOs, retried faults), and
 * every byte still comes back.
 */
#include <sys/sysinfo.h>

#include "kselftest_harness.h"
#include "vm_test.h"

static int fault_attr(const char *attr, const char *file, const char *val)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/ttm/%s/%s", attr, file);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(val, f);
	return fclose(f) ? -errno : 0;
}

/* "times" counts down with each injection: the attribute's own count */
#define INJECT_TIMES 100000000LL

static int inject(const char *attr, const char *probability)
{
	return fault_attr(attr, "verbose", "0") ?: fault_attr(attr, "interval", "1") ?:
	       fault_attr(attr, "times", "100000000") ?:
	       fault_attr(attr, "probability", probability);
}

/* How many failures @attr injected since inject(). */
static long long injected(const char *attr)
{
	char path[128];
	long long left = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/ttm/%s/times", attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &left) != 1)
		left = -1;
	fclose(f);
	return left < 0 ? -1 : INJECT_TIMES - left;
}

FIXTURE(faults) {
	struct vttm v;
	uint32_t handles[1024];
	uint64_t *maps[1024];
	size_t sizes[1024];
	int nr;
};

FIXTURE_SETUP(faults)
{
	ASSERT_EQ(0, vttm_open(&self->v));
}

FIXTURE_TEARDOWN(faults)
{
	inject("fail_backup", "0");
	inject("fail_restore", "0");
	for (int i = 0; i < self->nr; i++) {
		munmap(self->maps[i], self->sizes[i]);
		vttm_close_bo(&self->v, self->handles[i]);
	}
	close(self->v.fd);
}

TEST_F_TIMEOUT(faults, ten_percent_backup_and_restore_failures, 900)
{
	int64_t errors0 = vttm_node_value(&self->v, "stats", "backup_errors");
	int64_t rerrors0 = vttm_node_value(&self->v, "stats", "restore_errors");
	uint64_t total = 0, target, mismatches = 0;
	struct sysinfo si;

	ASSERT_EQ(0, sysinfo(&si));
	target = 5ULL * si.totalram * si.mem_unit / 4;
	ASSERT_EQ(0, inject("fail_backup", "10"));
	ASSERT_EQ(0, inject("fail_restore", "10"));

	while (total < target && self->nr < 1024) {
		int i = self->nr;

		self->sizes[i] = (i % 3 + 1) * (4 << 20);
		ASSERT_EQ(0, vttm_create(&self->v, self->sizes[i], VTTM_PLACEMENT_TT, 0,
					 &self->handles[i], NULL));
		self->maps[i] = vttm_map(&self->v, self->handles[i], self->sizes[i]);
		ASSERT_NE(NULL, self->maps[i]);
		vm_fill(self->maps[i], self->sizes[i], 100 + i);
		total += self->sizes[i];
		self->nr++;
	}
	for (int i = 0; i < self->nr; i++)
		mismatches += vm_mismatches(self->maps[i], self->sizes[i], 100 + i);

	TH_LOG("%d BOs, %llu MiB; injected %lld backup and %lld restore failures; "
	       "backup_errors +%lld, restore_errors +%lld; %llu mismatched words",
	       self->nr, (unsigned long long)(total >> 20), injected("fail_backup"),
	       injected("fail_restore"),
	       (long long)(vttm_node_value(&self->v, "stats", "backup_errors") - errors0),
	       (long long)(vttm_node_value(&self->v, "stats", "restore_errors") - rerrors0),
	       (unsigned long long)mismatches);
	/* it did inject, on both paths, and the counters saw it */
	EXPECT_GT(injected("fail_backup"), 0);
	EXPECT_GT(injected("fail_restore"), 0);
	EXPECT_GT(vttm_node_value(&self->v, "stats", "restore_errors"), rerrors0);
	EXPECT_EQ(0, mismatches);
}

TEST_HARNESS_MAIN
