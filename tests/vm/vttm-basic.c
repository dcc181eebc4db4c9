// SPDX-License-Identifier: GPL-2.0
/*
 * vttm on a real kernel: every ioctl rejects bad input with a clear errno
 * and changes nothing; BOs round-trip through mmap; the shrink node frees
 * what it is asked for, rejects malformed sizes without touching a
 * counter, and backed-up BOs come back on a CPU fault; purgeable BOs go
 * first and madvise reports the purge; the purgeable and bos nodes work.
 */
#include "kselftest_harness.h"
#include "vm_test.h"

#define MiB (1024 * 1024ULL)

FIXTURE(vttm) {
	struct vttm v;
};

FIXTURE_SETUP(vttm)
{
	ASSERT_EQ(0, vttm_open(&self->v)) TH_LOG("no vttm device in /dev/dri");
}

FIXTURE_TEARDOWN(vttm)
{
	close(self->v.fd);
}

TEST_F(vttm, create_rejects_bad_input)
{
	struct drm_vttm_gem_create c;
	uint32_t h, id;

	EXPECT_EQ(-EINVAL, vttm_create(&self->v, 0, VTTM_PLACEMENT_TT, 0, &h, &id));
	EXPECT_EQ(-EINVAL, vttm_create(&self->v, 4097, VTTM_PLACEMENT_TT, 0, &h, &id));
	EXPECT_EQ(-EINVAL, vttm_create(&self->v, VTTM_GEM_MAX_SIZE + 4096,
				       VTTM_PLACEMENT_TT, 0, &h, &id));
	EXPECT_EQ(-EINVAL, vttm_create(&self->v, ~0ULL & ~4095ULL, VTTM_PLACEMENT_TT, 0, &h, &id));
	EXPECT_EQ(-EINVAL, vttm_create(&self->v, 4096, 0, 0, &h, &id));
	EXPECT_EQ(-EINVAL, vttm_create(&self->v, 4096, 3, 0, &h, &id));
	EXPECT_EQ(-EINVAL, vttm_create(&self->v, 4096, VTTM_PLACEMENT_TT, 0x80, &h, &id));
	/* out fields must come in zeroed */
	memset(&c, 0, sizeof(c));
	c.size = 4096;
	c.placement = VTTM_PLACEMENT_TT;
	c.handle = 1;
	EXPECT_EQ(-EINVAL, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_CREATE, &c));
}

TEST_F(vttm, other_ioctls_reject_bad_input)
{
	struct drm_vttm_gem_madvise m = { .handle = 0xdead, .madv = VTTM_MADV_DONTNEED };
	struct drm_vttm_gem_wait w = { .handle = 0xdead };
	struct drm_vttm_gem_mmap_offset o = { .handle = 0xdead };
	struct drm_vttm_gem_info info;
	uint32_t h;

	EXPECT_EQ(-ENOENT, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_MADVISE, &m));
	EXPECT_EQ(-ENOENT, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_WAIT, &w));
	EXPECT_EQ(-ENOENT, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_MMAP_OFFSET, &o));
	EXPECT_EQ(-ENOENT, vttm_info(&self->v, 0xdead, &info));

	ASSERT_EQ(0, vttm_create(&self->v, 4096, VTTM_PLACEMENT_TT, 0, &h, NULL));
	m.handle = h;
	m.madv = 7;
	EXPECT_EQ(-EINVAL, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_MADVISE, &m));
	m.madv = VTTM_MADV_DONTNEED;
	m.pad = 1;
	EXPECT_EQ(-EINVAL, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_MADVISE, &m));
	w.handle = h;
	w.timeout_ns = -1;
	EXPECT_EQ(-EINVAL, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_WAIT, &w));
	w.timeout_ns = 0;
	w.flags = 1;
	EXPECT_EQ(-EINVAL, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_WAIT, &w));
	w.flags = 0;
	EXPECT_EQ(0, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_WAIT, &w));
	o.handle = h;
	o.pad = 1;
	EXPECT_EQ(-EINVAL, vttm_ioctl(&self->v, DRM_IOCTL_VTTM_GEM_MMAP_OFFSET, &o));
	/* madvise with bad input changed nothing */
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_WILLNEED, info.madv);
	EXPECT_EQ(0, vttm_close_bo(&self->v, h));
}

TEST_F(vttm, mmap_round_trip)
{
	const size_t size = 8 * MiB;
	struct drm_vttm_gem_info info;
	uint64_t *p;
	uint32_t h;

	p = vttm_create_filled(&self->v, size, 1, &h);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, vm_mismatches(p, size, 1));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(size, info.size);
	EXPECT_EQ(VTTM_STATE_RESIDENT, info.state);
	munmap(p, size);
	EXPECT_EQ(0, vttm_close_bo(&self->v, h));
}

static const char *const stat_keys[] = {
	"shrinkable_bytes", "purgeable_bytes", "backed_up_bytes", "pinned_bytes",
	"scan_calls", "scanned_bos", "freed_bytes", "purged_bytes", "backup_bytes",
	"restore_bytes", "skipped_locked", "skipped_busy", "skipped_pinned",
	"skipped_rpm", "skipped_fragmentation",
	"walk_steps", "enospc", "backup_errors", "restore_errors",
};

TEST_F(vttm, shrink_node)
{
	static const char *const bad[] = { "-1", "abc", "", "12Q", "99999999999999999999",
					   "0", "4K4", " 64K" };
	const size_t size = 16 * MiB;
	int64_t before[sizeof(stat_keys) / sizeof(stat_keys[0])];
	struct drm_vttm_gem_info info;
	uint64_t *p;
	uint32_t h;
	size_t i;

	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, 0, &h, NULL));
	p = vttm_map(&self->v, h, size);
	ASSERT_NE(NULL, p);
	vm_fill(p, size, 2);

	for (i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++) {
		const char *key = stat_keys[i];

		before[i] = vttm_node_value(&self->v, "stats", key);
		ASSERT_GE(before[i], 0) TH_LOG("no stats key %s", key);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *in = bad[i];

		EXPECT_EQ(-EINVAL, vttm_node_write(&self->v, "shrink", in, strlen(in)))
			TH_LOG("shrink accepted '%s'", in);
	}
	for (i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++) {
		const char *key = stat_keys[i];

		EXPECT_EQ(before[i], vttm_node_value(&self->v, "stats", key))
			TH_LOG("%s changed by a malformed write", key);
	}

	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "4096", 4));
	EXPECT_EQ(4096, vttm_node_value(&self->v, "shrink", "requested_bytes"));
	EXPECT_GE(vttm_node_value(&self->v, "shrink", "freed_bytes"), 4096);
	EXPECT_EQ(0, vttm_node_value(&self->v, "shrink", "status"));
	/* the BO is backed up whole: read it back for the next request */
	EXPECT_EQ(0, vm_mismatches(p, size, 2));

	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "64K", 3));
	EXPECT_EQ(65536, vttm_node_value(&self->v, "shrink", "requested_bytes"));
	EXPECT_GE(vttm_node_value(&self->v, "shrink", "freed_bytes"), 65536);
	EXPECT_EQ(0, vttm_node_value(&self->v, "shrink", "status"));
	EXPECT_GT(vttm_node_value(&self->v, "stats", "backup_bytes"), before[8]);

	/* enough for everything this test owns */
	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "256M\n", 5));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_STATE_BACKED_UP, info.state);
	EXPECT_EQ(0, info.placement);

	/* a CPU fault brings it back, every byte */
	EXPECT_EQ(0, vm_mismatches(p, size, 2));
	EXPECT_GE(vttm_node_value(&self->v, "stats", "restore_bytes") - before[9], (int64_t)size);
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_STATE_RESIDENT, info.state);
	munmap(p, size);
	EXPECT_EQ(0, vttm_close_bo(&self->v, h));
}

/*
 * A BO backed up whole is set aside by the shrinker's walks (nothing left
 * to free); a CPU fault that restores it must put it back on the LRU's
 * tail, or no later scan would find it until a full shrink rewinds.
 */
TEST_F(vttm, restored_bo_is_shrinkable_again)
{
	const size_t size = 4 * MiB;
	struct drm_vttm_gem_info info;
	uint64_t *p;
	uint32_t h;

	p = vttm_create_filled(&self->v, size, 5, &h);
	ASSERT_NE(NULL, p);

	/* backed up whole: the walk sets it aside at once */
	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "256M", 4));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	ASSERT_EQ(VTTM_STATE_BACKED_UP, info.state);

	/* the fault restores it, every byte */
	EXPECT_EQ(0, vm_mismatches(p, size, 5));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	ASSERT_EQ(VTTM_STATE_RESIDENT, info.state);

	/* a shrink that does not rewind finds it */
	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "1M", 2));
	EXPECT_GE(vttm_node_value(&self->v, "shrink", "backed_up_bytes"), 1 * MiB);
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_NE(VTTM_STATE_RESIDENT, info.state);
	EXPECT_EQ(0, vm_mismatches(p, size, 5));
	munmap(p, size);
	EXPECT_EQ(0, vttm_close_bo(&self->v, h));
}

TEST_F(vttm, purgeable_first)
{
	const size_t size = 4 * MiB;
	int64_t purged, backed;
	uint32_t keep, drop, retained;
	uint64_t *pk, *pd;
	size_t i;

	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, 0, &keep, NULL));
	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, 0, &drop, NULL));
	pk = vttm_map(&self->v, keep, size);
	pd = vttm_map(&self->v, drop, size);
	ASSERT_NE(NULL, pk);
	ASSERT_NE(NULL, pd);
	vm_fill(pk, size, 3);
	vm_fill(pd, size, 4);
	ASSERT_EQ(0, vttm_madvise(&self->v, drop, VTTM_MADV_DONTNEED, &retained));
	EXPECT_EQ(1, retained);
	EXPECT_GE(vttm_node_value(&self->v, "stats", "purgeable_bytes"), (int64_t)size);

	purged = vttm_node_value(&self->v, "stats", "purged_bytes");
	backed = vttm_node_value(&self->v, "stats", "backup_bytes");
	/* a small request is served by purging alone */
	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "4K", 2));
	EXPECT_EQ((int64_t)size, vttm_node_value(&self->v, "stats", "purged_bytes") - purged);
	EXPECT_EQ(backed, vttm_node_value(&self->v, "stats", "backup_bytes"));

	/* willneed reports the purge once; the contents read as zeroes */
	ASSERT_EQ(0, vttm_madvise(&self->v, drop, VTTM_MADV_WILLNEED, &retained));
	EXPECT_EQ(0, retained);
	ASSERT_EQ(0, vttm_madvise(&self->v, drop, VTTM_MADV_WILLNEED, &retained));
	EXPECT_EQ(1, retained);
	for (i = 0; i < size / 8; i++)
		if (pd[i])
			break;
	EXPECT_EQ(size / 8, i);
	EXPECT_EQ(0, vm_mismatches(pk, size, 3));
	munmap(pk, size);
	munmap(pd, size);
	vttm_close_bo(&self->v, keep);
	vttm_close_bo(&self->v, drop);
}

TEST_F(vttm, purgeable_and_bos_nodes)
{
	static char text[1 << 16];
	struct drm_vttm_gem_info info;
	char line[64], want[64];
	uint32_t h, id;

	ASSERT_EQ(0, vttm_create(&self->v, 4096, VTTM_PLACEMENT_TT, 0, &h, &id));
	snprintf(line, sizeof(line), "%u dontneed\n", id);
	EXPECT_EQ(0, vttm_node_write(&self->v, "purgeable", line, strlen(line)));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_DONTNEED, info.madv);
	EXPECT_EQ(id, info.id);

	ASSERT_GT(vttm_node_read(&self->v, "bos", text, sizeof(text)), 0);
	snprintf(want, sizeof(want), "\n%u 4096 tt resident dontneed unpinned idle %d ",
		 id, getpid());
	EXPECT_NE(NULL, strstr(text, want)) TH_LOG("no line '%s' in bos:\n%s", want + 1, text);

	snprintf(line, sizeof(line), "%u willneed", id);
	EXPECT_EQ(0, vttm_node_write(&self->v, "purgeable", line, strlen(line)));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_WILLNEED, info.madv);

	EXPECT_EQ(-ENOENT, vttm_node_write(&self->v, "purgeable", "2000000000 dontneed", 19));
	EXPECT_EQ(-EINVAL, vttm_node_write(&self->v, "purgeable", "x dontneed", 10));
	snprintf(line, sizeof(line), "%u maybe", id);
	EXPECT_EQ(-EINVAL, vttm_node_write(&self->v, "purgeable", line, strlen(line)));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_WILLNEED, info.madv);
	vttm_close_bo(&self->v, h);
}

TEST_F(vttm, fdinfo_keys)
{
	const size_t size = 4 * MiB;
	uint64_t *p;
	uint32_t h;

	ASSERT_EQ(0, vttm_create(&self->v, size, VTTM_PLACEMENT_TT, 0, &h, NULL));
	p = vttm_map(&self->v, h, size);
	ASSERT_NE(NULL, p);
	vm_fill(p, size, 5);
	EXPECT_EQ((int64_t)size, vttm_fdinfo(&self->v, "drm-total-memory"));
	EXPECT_EQ((int64_t)size, vttm_fdinfo(&self->v, "drm-resident-memory"));
	EXPECT_EQ(0, vttm_fdinfo(&self->v, "drm-purgeable-memory"));
	EXPECT_EQ(0, vttm_fdinfo(&self->v, "vttm-backed-up-memory"));

	ASSERT_EQ(0, vttm_madvise(&self->v, h, VTTM_MADV_DONTNEED, NULL));
	EXPECT_EQ((int64_t)size, vttm_fdinfo(&self->v, "drm-purgeable-memory"));
	ASSERT_EQ(0, vttm_madvise(&self->v, h, VTTM_MADV_WILLNEED, NULL));

	ASSERT_EQ(0, vttm_node_write(&self->v, "shrink", "256M", 4));
	EXPECT_EQ(0, vttm_fdinfo(&self->v, "drm-resident-memory"));
	EXPECT_EQ((int64_t)size, vttm_fdinfo(&self->v, "vttm-backed-up-memory"));
	EXPECT_EQ((int64_t)size, vttm_fdinfo(&self->v, "drm-total-memory"));

	EXPECT_EQ(0, vm_mismatches(p, size, 5));
	EXPECT_EQ((int64_t)size, vttm_fdinfo(&self->v, "drm-resident-memory"));
	EXPECT_EQ(0, vttm_fdinfo(&self->v, "vttm-backed-up-memory"));
	EXPECT_EQ(0, vttm_fdinfo(&self->v, "drm-total-vram"));
	munmap(p, size);
	vttm_close_bo(&self->v, h);

	/* a BO in VRAM counts there, not in system memory */
	ASSERT_EQ(0, vttm_create(&self->v, MiB, VTTM_PLACEMENT_VRAM, 0, &h, NULL));
	ASSERT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->v, h));
	EXPECT_EQ((int64_t)MiB, vttm_fdinfo(&self->v, "drm-total-vram"));
	EXPECT_EQ((int64_t)MiB, vttm_fdinfo(&self->v, "drm-resident-vram"));
	EXPECT_EQ(0, vttm_fdinfo(&self->v, "drm-total-memory"));
	EXPECT_EQ(0, vttm_fdinfo(&self->v, "drm-resident-memory"));
	vttm_close_bo(&self->v, h);
}

TEST_HARNESS_MAIN
