// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim and the state of the device. Direct reclaim passes over a BO
 * the engine is busy with, and does not wake a suspended device for a
 * compressed BO (whose reclaim needs the engine): it counts skipped_busy
 * and skipped_rpm, and the device stays suspended. The reclaim worker
 * (allowed to wake the device) reclaims the compressed BO shortly after.
 */
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_test.h"

static struct vttm *dev;

static int rpm_suspended(void)
{
	return vttm_suspended(dev);
}

static int wait_suspended(void)
{
	return vttm_wait_suspended(dev);
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

static int64_t rpm_value(const char *key)
{
	return vttm_node_value(dev, "../vttm/rpm_stats", key);
}

/*
 * The forced shrink of a compressed BO on a suspended device wakes it
 * once, in the driver's begin callback with no reservation held; vttm's
 * resume takes a reservation, and lockdep (primed at load) would report
 * a resume from prepare, under the BO's reservation. The runner fails on
 * any lockdep report.
 */
TEST_F(rpm, forced_shrink_wakes_device_outside_reservations)
{
	const size_t size = 1 << 20;
	int64_t resumes0 = rpm_value("resumes");
	uint64_t *p;
	uint32_t h;

	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, VTTM_GEM_CREATE_COMPRESSED,
				 &h, NULL));
	p = vttm_map(&self->v, h, size);
	ASSERT_NE(NULL, p);
	vm_fill(p, size, 21);
	ASSERT_EQ(1, wait_suspended()) TH_LOG("the idle device did not autosuspend");

	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "all", 3));
	EXPECT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, h));
	EXPECT_GT(rpm_value("resumes"), resumes0);
	EXPECT_EQ(0, rpm_value("resumes_in_direct_reclaim"));
	EXPECT_EQ(0, vm_mismatches(p, size, 21));
	munmap(p, size);
	vttm_close_bo(&self->v, h);
}

/*
 * Real direct reclaim, not the debugfs shortcut: with the device
 * suspended and compressed BOs resident, a memory hog forces allocating
 * tasks into reclaim. The shrinker skips the compressed BOs there
 * (skipped_rpm) and never resumes the device from a task in direct
 * reclaim; the worker reclaims them later.
 */
TEST_F(rpm, memory_hog_direct_reclaim_never_resumes)
{
	const size_t size = 16 << 20;
	int64_t rpm0 = vttm_node_value(&self->v, "stats", "skipped_rpm");
	long long stall0 = vm_vmstat("allocstall_normal") + vm_vmstat("allocstall_movable");
	uint32_t h[4];
	uint64_t *p[4];

	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT,
					 VTTM_GEM_CREATE_COMPRESSED, &h[i], NULL));
		p[i] = vttm_map(&self->v, h[i], size);
		ASSERT_NE(NULL, p[i]);
		vm_fill(p[i], size, 30 + i);
	}
	ASSERT_EQ(1, wait_suspended()) TH_LOG("the idle device did not autosuspend");

	ASSERT_EQ(0, vm_memory_hog(vm_total_ram() * 3 / 4));
	EXPECT_GT(vm_vmstat("allocstall_normal") + vm_vmstat("allocstall_movable"), stall0)
		TH_LOG("the hog caused no direct reclaim");
	EXPECT_GT(vttm_node_value(&self->v, "stats", "skipped_rpm"), rpm0);
	EXPECT_EQ(0, rpm_value("resumes_in_direct_reclaim"));

	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(0, vm_mismatches(p[i], size, 30 + i));
		munmap(p[i], size);
		vttm_close_bo(&self->v, h[i]);
	}
}

/*
 * D3cold: with little VRAM in use, a suspend evicts VRAM to TT (taking
 * reservations and allocating); the contents survive, and an exec brings
 * the BO back.
 */
TEST_F(rpm, d3cold_suspend_evicts_vram)
{
	const size_t size = 1 << 20;
	char path[128];
	int64_t d3cold0 = rpm_value("d3cold");
	uint32_t h, scratch;
	uint64_t *p;

	snprintf(path, sizeof(path), "/sys/class/drm/card%d/device/vram_d3cold_threshold",
		 self->v.minor);
	ASSERT_EQ(-EINVAL, vm_write_str(path, "1000000"));
	ASSERT_EQ(0, vm_write_str(path, "16"));
	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_VRAM, 0, &h, NULL));
	p = vttm_map(&self->v, h, size);
	ASSERT_NE(NULL, p);
	vm_fill(p, size, 41);
	ASSERT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->v, h));
	/* a job wakes the device: the suspend after it is a fresh one */
	ASSERT_EQ(0, vttm_create(&self->v, 4096, VTTM_PLACEMENT_TT, 0, &scratch, NULL));
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, scratch, 0, 0, 4096, 1));
	ASSERT_EQ(0, vttm_wait(&self->v, scratch, 10000000000LL));
	ASSERT_EQ(1, wait_suspended()) TH_LOG("the idle device did not autosuspend");

	EXPECT_GT(rpm_value("d3cold"), d3cold0);
	EXPECT_EQ(VTTM_PLACEMENT_TT, vttm_placement(&self->v, h));
	EXPECT_EQ(0, vm_mismatches(p, size, 41));
	ASSERT_EQ(0, vttm_exec(&self->v, VTTM_EXEC_FILL, 0, h, 0, 0, 4096, 9));
	ASSERT_EQ(0, vttm_wait(&self->v, h, 10000000000LL));
	EXPECT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->v, h));
	EXPECT_EQ(0, vm_write_str(path, "0"));
	munmap(p, size);
	vttm_close_bo(&self->v, h);
	vttm_close_bo(&self->v, scratch);
}

TEST_HARNESS_MAIN
