// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's fence signalling path is annotated for lockdep: with the
 * debug knob engine_alloc_in_signalling set, the ring allocates memory
 * (GFP_KERNEL, which may enter reclaim, which may wait for fences) while
 * it signals a job's fence, and lockdep must report the circular
 * dependency between dma_fence_map and fs_reclaim. Run in a boot of its
 * own (VM_EXPECT_SPLAT): lockdep turns itself off after a report.
 */
#include <sys/klog.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define LOG_SIZE (1 << 20)

static int knob(struct vttm *v, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/dri/%d/vttm/engine_alloc_in_signalling", v->minor);
	return vm_write_str(path, val);
}

TEST(allocation_while_signalling_is_reported)
{
	const size_t size = 64 << 10;
	char *log = malloc(LOG_SIZE);
	char *report;
	struct vttm v;
	uint64_t *p;
	size_t bad = 0;
	uint32_t h;
	int n;

	ASSERT_NE(NULL, log);
	ASSERT_EQ(0, vttm_open(&v));
	ASSERT_EQ(0, vttm_create(&v, size, VTTM_PLACEMENT_TT, 0, &h, NULL));
	ASSERT_EQ(0, knob(&v, "1"));
	ASSERT_EQ(0, vttm_exec(&v, VTTM_EXEC_FILL, 0, h, 0, 0, size, 0xfeed));
	ASSERT_EQ(0, vttm_wait(&v, h, 10000000000LL));
	ASSERT_EQ(0, knob(&v, "0"));

	/* the job itself went through */
	p = vttm_map(&v, h, size);
	ASSERT_NE(NULL, p);
	for (size_t i = 0; i < size / 8; i++)
		bad += p[i] != 0xfeed;
	EXPECT_EQ(0, bad);
	munmap(p, size);

	/* the report was printed before the fence signalled */
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, LOG_SIZE - 1);
	ASSERT_GT(n, 0);
	log[n] = '\0';
	report = strstr(log, "possible circular locking dependency detected");
	ASSERT_NE(NULL, report) TH_LOG("no lockdep report: the signalling path is not annotated");
	EXPECT_NE(NULL, strstr(report, "dma_fence_map"));
	EXPECT_NE(NULL, strstr(report, "fs_reclaim"));
	EXPECT_NE(NULL, strstr(report, "vttm_ring_work"));

	vttm_close_bo(&v, h);
	close(v.fd);
	free(log);
}

TEST_HARNESS_MAIN
