// SPDX-License-Identifier: GPL-2.0
/*
 * make demo, inside the VM: GPU buffer objects on vttm overcommit the
 * guest's memory, the TTM shrinker backs them up, a forced shrink frees
 * more on request, and every byte comes back.
 */
#include <sys/sysinfo.h>
#include <time.h>

#include "vm_test.h"

static const size_t sizes[] = { 64 << 20, 16 << 20, 4 << 20, 1 << 20, 256 << 10, 4096 };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void show_stats(struct vttm *v, const char *when)
{
	static const char *const keys[] = {
		"shrinkable_bytes", "purgeable_bytes", "backed_up_bytes", "backup_bytes",
		"restore_bytes", "purged_bytes", "scan_calls", "skipped_busy",
	};

	printf("\n  shrinker stats %s:\n", when);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int64_t val = vttm_node_value(v, "stats", keys[i]);

		if (strstr(keys[i], "bytes"))
			printf("    %-18s %8lld MiB\n", keys[i], (long long)(val >> 20));
		else
			printf("    %-18s %8lld\n", keys[i], (long long)val);
	}
}

int main(void)
{
	struct { uint32_t handle; size_t size; uint64_t *map; } *bos;
	uint64_t total = 0, target, mismatches = 0;
	int nr = 0, purgeable = 0;
	struct sysinfo si;
	struct vttm v;
	double t0;

	if (vttm_open(&v)) {
		fprintf(stderr, "demo: no vttm device\n");
		return 1;
	}
	sysinfo(&si);
	target = 3 * (uint64_t)si.totalram * si.mem_unit / 2;
	bos = calloc(4096, sizeof(*bos));

	printf("\n== vttm demo: GPU buffer objects overcommit a %lu MiB machine\n",
	       (unsigned long)(si.totalram * si.mem_unit >> 20));
	printf("\n1. Allocate %llu MiB of BOs (1.5x RAM), each filled through mmap with its own pattern\n",
	       (unsigned long long)(target >> 20));
	t0 = now();
	while (total < target && nr < 4096) {
		size_t size = sizes[nr % (sizeof(sizes) / sizeof(sizes[0]))];

		if (vttm_create(&v, size, VTTM_PLACEMENT_TT, 0, &bos[nr].handle, NULL)) {
			perror("demo: create");
			return 1;
		}
		bos[nr].size = size;
		bos[nr].map = vttm_map(&v, bos[nr].handle, size);
		if (!bos[nr].map) {
			perror("demo: mmap");
			return 1;
		}
		vm_fill(bos[nr].map, size, nr + 1);
		total += size;
		nr++;
	}
	printf("   %d BOs, %llu MiB in %.0f s; the shrinker backed up what did not fit\n",
	       nr, (unsigned long long)(total >> 20), now() - t0);

	/* every tenth BO: userspace says it does not need the contents */
	for (int i = 9; i < nr; i += 10, purgeable++)
		vttm_madvise(&v, bos[i].handle, VTTM_MADV_DONTNEED, NULL);
	printf("   %d BOs marked purgeable (madvise DONTNEED)\n", purgeable);
	show_stats(&v, "after allocating");

	printf("\n2. Force a 256 MiB shrink: echo 256M > %s/shrink\n", v.debugfs);
	if (vttm_node_write(&v, "shrink", "256M", 4)) {
		perror("demo: shrink");
		return 1;
	}
	printf("   requested %lld MiB: freed %lld MiB (purged %lld, backed up %lld) in %lld ms\n",
	       (long long)vttm_node_value(&v, "shrink", "requested_bytes") >> 20,
	       (long long)vttm_node_value(&v, "shrink", "freed_bytes") >> 20,
	       (long long)vttm_node_value(&v, "shrink", "purged_bytes") >> 20,
	       (long long)vttm_node_value(&v, "shrink", "backed_up_bytes") >> 20,
	       (long long)vttm_node_value(&v, "shrink", "duration_ns") / 1000000);

	printf("\n3. Read every byte of every BO that was not purgeable back through mmap\n");
	t0 = now();
	for (int i = 0; i < nr; i++)
		if ((i + 1) % 10)
			mismatches += vm_mismatches(bos[i].map, bos[i].size, i + 1);
	printf("   %s: %llu mismatched words, %.0f s\n", mismatches ? "FAILED" : "intact",
	       (unsigned long long)mismatches, now() - t0);
	show_stats(&v, "at the end");
	printf("\n== %s\n\n", mismatches ? "demo FAILED: data was lost" :
	       "every byte came back: GPU memory was reclaimable");
	return mismatches ? 1 : 0;
}
