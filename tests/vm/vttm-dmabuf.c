// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf between two vttm devices (vttm.num_devices=2; make check runs
 * it in the swiotlb=force boot, where each device sees the pages through
 * its own bounce buffers). Device A exports a BO, device B imports it:
 * B's engine reads and writes A's pages through the attachment's mapping
 * and A's CPU sees what B wrote; when A moves the BO, B is told and lets
 * go of its mapping (move_notify), and maps it again on its next job;
 * exported and imported BOs are neither shrunk nor counted shrinkable.
 * Without a second device (the main boot) it skips.
 */
#include "kselftest_harness.h"
#include "vm_test.h"

#define MiB (1ULL << 20)
#define SIZE MiB
#define WAIT_NS 10000000000LL

FIXTURE(dmabuf) {
	struct vttm a, b;
};

static bool two_devices_expected(void)
{
	char line[1024] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	return strstr(line, "vttm.num_devices=2");
}

FIXTURE_SETUP(dmabuf)
{
	ASSERT_EQ(0, vttm_open(&self->a));
	if (vttm_open_nth(&self->b, 1)) {
		ASSERT_FALSE(two_devices_expected()) TH_LOG("no second vttm device");
		SKIP(return, "one vttm device (vttm.num_devices=2 runs this)");
	}
	ASSERT_NE(self->a.minor, self->b.minor);
	ASSERT_EQ(0, vttm_set_delay(1));
}

FIXTURE_TEARDOWN(dmabuf)
{
	close(self->a.fd);
	if (self->b.fd >= 0)
		close(self->b.fd);
}

static int export_fd(struct vttm *v, uint32_t handle)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR };

	return vttm_ioctl(v, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) ?: p.fd;
}

static int import_fd(struct vttm *v, int fd, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = fd };
	int ret = vttm_ioctl(v, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	*handle = p.handle;
	return ret;
}

static int fill(struct vttm *v, uint32_t h, uint64_t off, uint64_t size, uint64_t value)
{
	return vttm_exec(v, VTTM_EXEC_FILL, 0, h, 0, off, size, value) ?:
	       vttm_wait(v, h, WAIT_NS);
}

/* Words of page @pg of @p that are not @value. */
static size_t page_mismatches(const uint64_t *p, size_t pg, uint64_t value)
{
	size_t i, bad = 0;

	for (i = 0; i < 4096 / 8; i++)
		bad += p[pg * 512 + i] != value;
	return bad;
}

TEST_F(dmabuf, importer_engine_reads_and_writes_the_exporters_pages)
{
	uint32_t ha, hb, local;
	uint64_t *pa, *pl;
	int fd;

	ASSERT_EQ(0, vttm_create(&self->a, SIZE, VTTM_PLACEMENT_TT, 0, &ha, NULL));
	pa = vttm_map(&self->a, ha, SIZE);
	ASSERT_NE(NULL, pa);
	vm_fill(pa, SIZE, 7);
	/*
	 * A's engine writes page 6 before the export, through A's own view
	 * of the pages: the export must bring it into the pages B maps.
	 */
	ASSERT_EQ(0, fill(&self->a, ha, 6 * 4096, 4096, 0x6666));

	fd = export_fd(&self->a, ha);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, import_fd(&self->b, fd, &hb));
	close(fd);
	/* the import has no pages of its own to map into user space */
	EXPECT_EQ(NULL, vttm_map(&self->b, hb, SIZE));

	/* B's engine reads A's pages: a copy into a BO of B's own */
	ASSERT_EQ(0, vttm_create(&self->b, SIZE, VTTM_PLACEMENT_TT, 0, &local, NULL));
	ASSERT_EQ(0, vttm_exec(&self->b, VTTM_EXEC_COPY, hb, local, 0, 0, SIZE, 0));
	ASSERT_EQ(0, vttm_wait(&self->b, local, WAIT_NS));
	pl = vttm_map(&self->b, local, SIZE);
	ASSERT_NE(NULL, pl);
	for (size_t w = 0; w < SIZE / 8; w++) {
		uint64_t want = w / 512 == 6 ? 0x6666 : vm_pattern(7, w);

		if (pl[w] != want) {
			EXPECT_EQ(want, pl[w]) TH_LOG("word %zu (page %zu)", w, w / 512);
			break;
		}
	}

	/* B's engine writes A's pages; A's CPU sees it, and only there */
	ASSERT_EQ(0, fill(&self->b, hb, 4096, 4096, 0xb0b0b0b0b0b0b0b0ULL));
	EXPECT_EQ(0, page_mismatches(pa, 1, 0xb0b0b0b0b0b0b0b0ULL));
	EXPECT_EQ(vm_pattern(7, 0), pa[0]);
	EXPECT_EQ(vm_pattern(7, 1024), pa[1024]);

	/* A's CPU writes, B's engine reads them on its next job */
	pa[1024] = 0x1234;
	ASSERT_EQ(0, vttm_exec(&self->b, VTTM_EXEC_COPY, hb, local, 8192, 0, 4096, 0));
	ASSERT_EQ(0, vttm_wait(&self->b, local, WAIT_NS));
	EXPECT_EQ(0x1234, pl[0]);
	EXPECT_EQ(vm_pattern(7, 1025), pl[1]);

	/*
	 * Both engines on the shared pages, each through its own view: A's
	 * engine writes page 3 and B's reads it; A's engine copies what B
	 * wrote (page 1) to page 5.
	 */
	ASSERT_EQ(0, fill(&self->a, ha, 3 * 4096, 4096, 0xa3a3));
	ASSERT_EQ(0, vttm_exec(&self->b, VTTM_EXEC_COPY, hb, local, 3 * 4096, 4096, 4096, 0));
	ASSERT_EQ(0, vttm_wait(&self->b, local, WAIT_NS));
	EXPECT_EQ(0, page_mismatches(pl, 1, 0xa3a3)) TH_LOG("B read A's page before A's write");
	ASSERT_EQ(0, vttm_exec(&self->a, VTTM_EXEC_COPY, ha, ha, 4096, 5 * 4096, 4096, 0));
	ASSERT_EQ(0, vttm_wait(&self->a, ha, WAIT_NS));
	EXPECT_EQ(0, page_mismatches(pa, 5, 0xb0b0b0b0b0b0b0b0ULL))
		TH_LOG("A's engine did not see what B wrote");
	EXPECT_EQ(0, page_mismatches(pa, 3, 0xa3a3));
	EXPECT_EQ(0, page_mismatches(pa, 1, 0xb0b0b0b0b0b0b0b0ULL));

	munmap(pa, SIZE);
	munmap(pl, SIZE);
	vttm_close_bo(&self->b, local);
	vttm_close_bo(&self->b, hb);
	vttm_close_bo(&self->a, ha);
}

TEST_F(dmabuf, exporter_moves_and_the_importer_follows)
{
	uint32_t ha, hb;
	uint64_t *pa;
	int fd;

	/* in VRAM, where B cannot reach it: mapping it for B moves it to TT */
	ASSERT_EQ(0, vttm_create(&self->a, SIZE, VTTM_PLACEMENT_VRAM, 0, &ha, NULL));
	ASSERT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->a, ha));
	pa = vttm_map(&self->a, ha, SIZE);
	ASSERT_NE(NULL, pa);
	vm_fill(pa, SIZE, 11);
	fd = export_fd(&self->a, ha);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, import_fd(&self->b, fd, &hb));
	close(fd);
	/* imported, not mapped until used */
	EXPECT_EQ(0, vttm_placement(&self->b, hb));

	ASSERT_EQ(0, fill(&self->b, hb, 0, 4096, 0xaaaa));
	EXPECT_EQ(VTTM_PLACEMENT_TT, vttm_placement(&self->b, hb));
	EXPECT_EQ(VTTM_PLACEMENT_TT, vttm_placement(&self->a, ha));

	/*
	 * A's own job brings the BO back to VRAM (there is room): B is told
	 * first and gives the pages back.
	 */
	ASSERT_EQ(0, fill(&self->a, ha, 4096, 4096, 0xbbbb));
	EXPECT_EQ(VTTM_PLACEMENT_VRAM, vttm_placement(&self->a, ha));
	EXPECT_EQ(0, vttm_placement(&self->b, hb)) TH_LOG("the importer kept its mapping");

	/* B's next job maps the BO where it is now and writes it there */
	ASSERT_EQ(0, fill(&self->b, hb, 8192, 4096, 0xcccc));
	EXPECT_EQ(VTTM_PLACEMENT_TT, vttm_placement(&self->b, hb));
	EXPECT_EQ(0, page_mismatches(pa, 0, 0xaaaa));
	EXPECT_EQ(0, page_mismatches(pa, 1, 0xbbbb));
	EXPECT_EQ(0, page_mismatches(pa, 2, 0xcccc)) TH_LOG("B wrote pages A no longer uses");
	EXPECT_EQ(vm_pattern(11, 3 * 512), pa[3 * 512]);
	EXPECT_EQ(vm_pattern(11, SIZE / 8 - 1), pa[SIZE / 8 - 1]);

	munmap(pa, SIZE);
	vttm_close_bo(&self->b, hb);
	vttm_close_bo(&self->a, ha);
}

/* Whether BO @id is in a device's bos listing (BOs on their way out are not). */
static bool listed(struct vttm *v, uint32_t id)
{
	static char bos[65536];
	char want[16];
	char *line;

	if (vttm_node_read(v, "bos", bos, sizeof(bos)) < 0)
		return true;
	snprintf(want, sizeof(want), "%u ", id);
	for (line = strtok(bos, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, want, strlen(want)))
			return true;
	return false;
}

TEST_F(dmabuf, shared_bos_are_neither_shrunk_nor_counted)
{
	int64_t shrinkable_a0, shrinkable_b0;
	uint32_t ha, hb, plain, id;
	uint64_t *pa;
	int fd;

	ASSERT_EQ(0, vttm_create(&self->a, SIZE, VTTM_PLACEMENT_TT, 0, &ha, &id));
	pa = vttm_map(&self->a, ha, SIZE);
	ASSERT_NE(NULL, pa);
	vm_fill(pa, SIZE, 13);
	ASSERT_EQ(0, vttm_create(&self->a, SIZE, VTTM_PLACEMENT_TT, 0, &plain, NULL));
	ASSERT_EQ(0, fill(&self->a, plain, 0, SIZE, 5));
	/* both resident and counted (nothing pressures this guest's memory) */
	shrinkable_a0 = vttm_node_value(&self->a, "stats", "shrinkable_bytes") +
			vttm_node_value(&self->a, "stats", "purgeable_bytes");
	shrinkable_b0 = vttm_node_value(&self->b, "stats", "shrinkable_bytes");

	fd = export_fd(&self->a, ha);
	ASSERT_GE(fd, 0);
	/* purgeable too: an exported BO is still not purged */
	ASSERT_EQ(0, vttm_madvise(&self->a, ha, VTTM_MADV_DONTNEED, NULL));
	EXPECT_EQ(shrinkable_a0 - (int64_t)SIZE,
		  vttm_node_value(&self->a, "stats", "shrinkable_bytes") +
		  vttm_node_value(&self->a, "stats", "purgeable_bytes"));
	ASSERT_EQ(0, import_fd(&self->b, fd, &hb));
	close(fd);
	ASSERT_EQ(0, fill(&self->b, hb, 0, 4096, 0xdd));
	EXPECT_EQ(shrinkable_b0, vttm_node_value(&self->b, "stats", "shrinkable_bytes"));

	/* everything either device can shrink: the plain BO goes, not the shared one */
	ASSERT_EQ(0, vttm_node_write(&self->a, "shrink", "all", 3));
	ASSERT_EQ(0, vttm_node_write(&self->b, "shrink", "all", 3));
	EXPECT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->a, plain));
	EXPECT_EQ(VTTM_STATE_RESIDENT, vttm_state(&self->a, ha));
	EXPECT_EQ(VTTM_PLACEMENT_TT, vttm_placement(&self->b, hb));
	EXPECT_EQ(0, page_mismatches(pa, 0, 0xdd));
	EXPECT_EQ(vm_pattern(13, 512), pa[512]);

	/* B's engine still reaches the pages after the shrinks */
	ASSERT_EQ(0, fill(&self->b, hb, 4096, 4096, 0xee));
	EXPECT_EQ(0, page_mismatches(pa, 1, 0xee));

	munmap(pa, SIZE);
	vttm_close_bo(&self->b, hb);
	vttm_close_bo(&self->a, ha);
	vttm_close_bo(&self->a, plain);
	EXPECT_EQ(shrinkable_b0, vttm_node_value(&self->b, "stats", "shrinkable_bytes"));
	/*
	 * All gone once the dma-buf is (after the import's delayed destroy;
	 * the exported BO leaves A's listing then): A's counts are back where
	 * they started, less the two BOs, not below.
	 */
	for (int i = 0; i < 100 && listed(&self->a, id); i++)
		usleep(100000);
	EXPECT_FALSE(listed(&self->a, id)) TH_LOG("the dma-buf was never released");
	EXPECT_EQ(shrinkable_a0 - 2 * (int64_t)SIZE,
		  vttm_node_value(&self->a, "stats", "shrinkable_bytes") +
		  vttm_node_value(&self->a, "stats", "purgeable_bytes"));
}

TEST_HARNESS_MAIN
