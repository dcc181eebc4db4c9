// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim and the state of the device. Direct reclaim passes over a BO
 * the engine is busy with, and does not wake a suspended device for a
 * compressed BO (whose reclaim needs the engine): it counts skipped_busy
 * and skipped_rpm, and the device stays suspended. The reclaim worker
 * (allowed to wake the device) reclaims the compressed BO shortly after.
 */
#include <time.h>

#include "kselftest_harness.h"
#include "vm_test.h"

static struct vttm *dev;

static int rpm_suspended(void)
{
	char path[128], s[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/vttm/runtime_status", dev->minor);
	f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(s, sizeof(s), f))
		s[0] = '\0';
	fclose(f);
	return !strcmp(s, "suspended\n");
}

/* Autosuspend is 100 ms: give it up to 5 s under emulation. */
static int wait_suspended(void)
{
	for (int i = 0; i < 100; i++) {
		if (rpm_suspended() == 1)
			return 1;
		usleep(50000);
	}
	return 0;
}

FIXTURE(rpm) {
	struct vttm v;
};

FIXTURE_SETUP(rpm)
{
	ASSERT_EQ(0, vttm_open(&self->v));
	dev = &self->v;
	ASSERT_GE(rpm_suspended(), 0);
}

FIXTURE_TEARDOWN(rpm)
{
	vttm_set_delay(1);
	close(self->v.fd);
}

TEST_F(rpm, suspended_device_not_woken_by_direct_reclaim)
{
	const size_t size = 1 << 20;
	int64_t rpm0 = vttm_node_value(&self->v, "stats", "skipped_rpm");
	uint64_t *p;
	uint32_t h;

	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, VTTM_GEM_CREATE_COMPRESSED,
				 &h, NULL));
	p = vttm_map(&self->v, h, size);
	ASSERT_NE(NULL, p);
	vm_fill(p, size, 11);
	ASSERT_EQ(1, wait_suspended()) TH_LOG("the idle device did not autosuspend");

	ASSERT_EQ(0, vttm_direct_reclaim(&self->v, 1 << 20));
	EXPECT_EQ(1, rpm_suspended()) TH_LOG("direct reclaim woke the device");
	EXPECT_GT(vttm_node_value(&self->v, "stats", "skipped_rpm"), rpm0);
	EXPECT_EQ(VTTM_STATE_RESIDENT, vttm_state(&self->v, h));

	/* the reclaim worker runs half a second later and may wake it */
	for (int i = 0; i < 100 && vttm_state(&self->v, h) != VTTM_STATE_BACKED_UP; i++)
		usleep(50000);
	EXPECT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, h));
	EXPECT_EQ(1, wait_suspended()) TH_LOG("the device stayed awake");
	EXPECT_EQ(0, vm_mismatches(p, size, 11));
	munmap(p, size);
	vttm_close_bo(&self->v, h);
}

TEST_F(rpm, busy_bo_skipped_by_direct_reclaim)
{
	const size_t size = 1 << 20;
	int64_t busy0 = vttm_node_value(&self->v, "stats", "skipped_busy");
	struct drm_vttm_exec e = { .op = VTTM_EXEC_FILL, .size = size, .value = 7 };
	struct drm_vttm_gem_wait w = { .timeout_ns = 10000000000LL };
	uint32_t h;

	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, 0, &h, NULL));
	ASSERT_EQ(0, vttm_set_delay(1500));
	e.dst_handle = h;
	ASSERT_EQ(0, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_EXEC, &e));

	ASSERT_EQ(0, vttm_direct_reclaim(&self->v, 1 << 20));
	EXPECT_GT(vttm_node_value(&self->v, "stats", "skipped_busy"), busy0);
	EXPECT_EQ(VTTM_STATE_RESIDENT, vttm_state(&self->v, h));

	w.handle = h;
	ASSERT_EQ(0, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_WAIT, &w));
	ASSERT_EQ(0, vttm_direct_reclaim(&self->v, 1 << 20));
	EXPECT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, h));
	vttm_close_bo(&self->v, h);
}

TEST_HARNESS_MAIN
