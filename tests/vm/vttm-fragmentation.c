// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim for high-order allocations in fragmented memory must not back up
 * the GPU working set: compaction, not reclaim, serves them.
 *
 * Anonymous memory fills the guest (a little beyond what is free, so that
 * the small DMA zone is used too), then every other page of it is given
 * back: plenty of memory is free, but no order-9 block. A working set of
 * TT BOs is then populated (TTM's pool tries order 10 down to 0 for each
 * BO, waking kswapd for each order that fails), and THP faults with
 * defrag=defer follow (each wakes kswapd for order 9 and falls back to a
 * small page at once). kswapd, unbalanced at those orders, reclaims and
 * asks the shrinkers with sc->order set (the mm patch passes it on): the
 * GPU shrinker must offer only purgeable BOs, count skipped_fragmentation,
 * and back up no BO. The same round with ttm.shrink_compaction_aware off
 * backs BOs up: the difference the check makes. kswapd must go back to
 * sleep after each round, and every BO keeps its bytes.
 */
#include <dirent.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define MiB (1ULL << 20)
#define NR_BOS 12
#define BO_SIZE (4 * MiB)
#define THP_SIZE (2 * MiB)
#define THP_FAULTS 384
#define PAGE 4096UL

#define AWARE_PARAM "/sys/module/ttm/parameters/shrink_compaction_aware"
#define THP_DEFRAG "/sys/kernel/mm/transparent_hugepage/defrag"
#define BOOST_FACTOR "/proc/sys/vm/watermark_boost_factor"

static long long meminfo_kib(const char *key)
{
	char line[128], name[64];
	long long kib, found = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %lld", name, &kib) == 2 && !strcmp(name, key))
			found = kib;
	fclose(f);
	return found;
}

/* The first word of a sysfs/procfs file, the one in [brackets] if any. */
static int read_setting(const char *path, char *buf, size_t size)
{
	char line[256], *open, *close;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	open = strchr(line, '[');
	close = open ? strchr(open, ']') : NULL;
	if (open && close) {
		*close = 0;
		open++;
	} else {
		open = line;
		line[strcspn(line, " \n")] = 0;
	}
	if (strlen(open) >= size)
		return -1;
	strcpy(buf, open);
	return 0;
}

/* kswapd0's state letter (R, S, D, ...) from /proc, or 0. */
static char kswapd_state(void)
{
	char path[300], comm[32], buf[512], *p;
	struct dirent *d;
	char state = 0;
	DIR *dir = opendir("/proc");
	FILE *f;

	if (!dir)
		return 0;
	while (!state && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f) || strcmp(comm, "kswapd0\n")) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "r");
		if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
			state = p[2];
		if (f)
			fclose(f);
	}
	closedir(dir);
	return state;
}

/* Whether kswapd is seen asleep within @secs seconds. */
static int kswapd_sleeps_within(int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		if (kswapd_state() == 'S')
			return 1;
		usleep(100000);
	}
	return 0;
}

/*
 * Fill memory with anonymous pages (THP off for them), @extra bytes beyond
 * what is free, then give every other page back: half of it is free
 * again, in no block above order 0. Returns the mapping; *@len its length.
 */
static char *fragment_memory(size_t extra, size_t *len)
{
	long long free_kib = meminfo_kib("MemFree");
	size_t size;
	char *p;

	if (free_kib < 0)
		return NULL;
	size = ((size_t)free_kib * 1024 + extra) & ~(THP_SIZE - 1);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < size; off += PAGE)
		p[off] = 1;
	for (size_t off = PAGE; off < size; off += 2 * PAGE)
		madvise(p + off, PAGE, MADV_DONTNEED);
	*len = size;
	return p;
}

/*
 * THP faults in a madvised region, one byte per 2 MiB. With defrag=defer
 * a fault that finds no free order-9 block wakes kswapd for order 9 and
 * falls back to a small page at once.
 */
static long thp_faults(int n)
{
	size_t size = (size_t)n * THP_SIZE;
	long huge = 0;
	char *p = mmap(NULL, size + THP_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return -1;
	a = (char *)(((uintptr_t)p + THP_SIZE - 1) & ~(uintptr_t)(THP_SIZE - 1));
	madvise(a, size, MADV_HUGEPAGE);
	for (int i = 0; i < n; i++) {
		a[(size_t)i * THP_SIZE] = 1;
		usleep(2000);
	}
	huge = meminfo_kib("AnonHugePages");
	munmap(p, size + THP_SIZE);
	return huge;
}

FIXTURE(frag) {
	struct vttm v;
	uint32_t h[NR_BOS];
	uint64_t *map[NR_BOS];
	char defrag[32], boost[32], aware[8];
};

FIXTURE_SETUP(frag)
{
	ASSERT_EQ(0, vttm_open(&self->v));
	ASSERT_EQ(0, read_setting(THP_DEFRAG, self->defrag, sizeof(self->defrag)))
		TH_LOG("no %s: the kernel lacks CONFIG_TRANSPARENT_HUGEPAGE", THP_DEFRAG);
	ASSERT_EQ(0, read_setting(BOOST_FACTOR, self->boost, sizeof(self->boost)));
	ASSERT_EQ(0, read_setting(AWARE_PARAM, self->aware, sizeof(self->aware)))
		TH_LOG("no %s", AWARE_PARAM);
	ASSERT_EQ(0, vm_write_str(THP_DEFRAG, "defer"));
	/* boosted kswapd runs reclaim at order 0 on top: keep them apart */
	ASSERT_EQ(0, vm_write_str(BOOST_FACTOR, "0"));
}

FIXTURE_TEARDOWN(frag)
{
	vm_write_str(THP_DEFRAG, self->defrag);
	vm_write_str(BOOST_FACTOR, self->boost);
	vm_write_str(AWARE_PARAM, self->aware);
	close(self->v.fd);
}

struct round {
	long long backup, skipped, scans, pgscan_kswapd;
	long huge_kib;
	int backed_up_bos;
	size_t mismatches;
	int kswapd_slept;
};

/*
 * One round, with the check on or off: fragment memory, populate the
 * working set and fault THPs, then look at what the shrinker did and at
 * the BOs' bytes. Returns -1 if the round could not be set up.
 */
static int run_round(struct __test_metadata *_metadata, FIXTURE_DATA(frag) *self,
		     bool aware, struct round *r)
{
	long long backup0, skipped0, scans0, pgscan0;
	size_t len = 0;
	char *frag;
	int i, ret = 0;

	if (vm_write_str(AWARE_PARAM, aware ? "Y" : "N"))
		return -1;
	frag = fragment_memory(32 * MiB, &len);
	if (!frag)
		return -1;
	kswapd_sleeps_within(30);

	backup0 = vttm_node_value(&self->v, "stats", "backup_bytes");
	skipped0 = vttm_node_value(&self->v, "stats", "skipped_fragmentation");
	scans0 = vttm_node_value(&self->v, "stats", "scan_calls");
	pgscan0 = vm_vmstat("pgscan_kswapd");
	for (i = 0; i < NR_BOS; i++) {
		if (vttm_create(&self->v, BO_SIZE, VTTM_PLACEMENT_TT, 0, &self->h[i], NULL)) {
			ret = -1;
			break;
		}
		self->map[i] = vttm_map(&self->v, self->h[i], BO_SIZE);
		if (!self->map[i]) {
			ret = -1;
			break;
		}
		vm_fill(self->map[i], BO_SIZE, 100 + i);
	}
	if (!ret)
		r->huge_kib = thp_faults(THP_FAULTS);
	r->kswapd_slept = kswapd_sleeps_within(60);
	r->backup = vttm_node_value(&self->v, "stats", "backup_bytes") - backup0;
	r->skipped = vttm_node_value(&self->v, "stats", "skipped_fragmentation") - skipped0;
	r->scans = vttm_node_value(&self->v, "stats", "scan_calls") - scans0;
	r->pgscan_kswapd = vm_vmstat("pgscan_kswapd") - pgscan0;
	r->backed_up_bos = 0;
	r->mismatches = 0;
	for (i = 0; i < NR_BOS && !ret; i++) {
		r->backed_up_bos += vttm_state(&self->v, self->h[i]) != VTTM_STATE_RESIDENT;
		r->mismatches += vm_mismatches(self->map[i], BO_SIZE, 100 + i);
	}
	for (i = 0; i < NR_BOS; i++) {
		if (self->map[i])
			munmap(self->map[i], BO_SIZE);
		if (self->h[i])
			vttm_close_bo(&self->v, self->h[i]);
		self->map[i] = NULL;
		self->h[i] = 0;
	}
	munmap(frag, len);

	TH_LOG("check %s: %zu MiB fragmented, %ld KiB in THPs, %lld scans, %lld skipped for fragmentation, %lld KiB backed up, %d of %d BOs backed up, kswapd scanned %lld pages, %s",
	       aware ? "on" : "off", len >> 20, r->huge_kib, r->scans, r->skipped,
	       r->backup >> 10, r->backed_up_bos, NR_BOS, r->pgscan_kswapd,
	       r->kswapd_slept ? "then slept" : "still awake after 60 s");
	return ret;
}

TEST_F_TIMEOUT(frag, high_order_reclaim_spares_the_working_set, 900)
{
	struct round on = { 0 }, off = { 0 };

	ASSERT_EQ(0, run_round(_metadata, self, true, &on));
	/* the shrinker saw high-order reclaim and judged compaction enough */
	EXPECT_GT(on.skipped, 0);
	EXPECT_EQ(0, on.backup);
	EXPECT_EQ(0, on.backed_up_bos);
	EXPECT_EQ(0, on.mismatches);
	EXPECT_TRUE(on.kswapd_slept);

	ASSERT_EQ(0, run_round(_metadata, self, false, &off));
	EXPECT_EQ(0, off.skipped);
	/* without the check, the same reclaim takes the working set */
	EXPECT_GT(off.backup, 0);
	EXPECT_EQ(0, off.mismatches);
	EXPECT_TRUE(off.kswapd_slept);
}

TEST_HARNESS_MAIN
