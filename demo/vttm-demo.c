// SPDX-License-Identifier: GPL-2.0
/*
 * make demo, inside the VM: GPU buffer objects on vttm (in fake VRAM and
 * in TT) overcommit the guest's memory, the TTM shrinker backs them up,
 * xe-shrinkctl shows the state, marks BOs purgeable and forces a shrink,
 * and every byte that was not purgeable comes back. $XE_SHRINKCTL is the
 * CLI to use.
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

/* Run xe-shrinkctl with @args, showing the command. Return: its status. */
static int cli_run(const char *args, int show)
{
	const char *x = getenv("XE_SHRINKCTL");
	char cmd[512];
	int ret;

	snprintf(cmd, sizeof(cmd), "%s %s", x ? x : "xe-shrinkctl", args);
	if (show)
		printf("\n   # xe-shrinkctl %s\n", args);
	else
		strncat(cmd, " >/dev/null", sizeof(cmd) - strlen(cmd) - 1);
	fflush(stdout);
	ret = system(cmd);
	fflush(stdout);
	return ret;
}

static int cli(const char *args)
{
	return cli_run(args, 1);
}

int main(void)
{
	struct { uint32_t handle, id; size_t size; uint64_t *map; } *bos;
	char args[64];
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
	if (cli("list"))
		return 1;
	printf("\n1. Allocate %llu MiB of BOs (1.5x RAM, every fourth in VRAM), each filled\n"
	       "   through mmap with its own pattern\n", (unsigned long long)(target >> 20));
	t0 = now();
	while (total < target && nr < 4096) {
		size_t size = sizes[nr % (sizeof(sizes) / sizeof(sizes[0]))];

		if (vttm_create(&v, size, nr % 4 ? VTTM_PLACEMENT_TT : VTTM_PLACEMENT_VRAM, 0,
				&bos[nr].handle, &bos[nr].id)) {
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
	printf("   %d BOs, %llu MiB in %.0f s; VRAM evicted to TT and the shrinker backed up\n"
	       "   what did not fit\n", nr, (unsigned long long)(total >> 20), now() - t0);
	if (cli("stats") || cli("bos --sort size --limit 8"))
		return 1;

	printf("\n2. Mark every tenth BO purgeable: its contents may be dropped, not backed up\n");
	for (int i = 9; i < nr; i += 10, purgeable++) {
		snprintf(args, sizeof(args), "purgeable %u dontneed", bos[i].id);
		if (cli_run(args, i == 9))
			return 1;
	}
	printf("   ... %d BOs in all\n", purgeable);

	printf("\n3. Read every byte of every BO that was not purgeable back through mmap\n"
	       "   (CPU faults restore what was backed up)\n");
	t0 = now();
	for (int i = 0; i < nr; i++)
		if ((i + 1) % 10)
			mismatches += vm_mismatches(bos[i].map, bos[i].size, i + 1);
	printf("   %s: %llu mismatched words, %.0f s\n", mismatches ? "FAILED" : "intact",
	       (unsigned long long)mismatches, now() - t0);

	printf("\n4. What the reads brought back is resident again: force a 256 MiB shrink\n");
	if (cli("shrink --bytes 256M"))
		return 1;
	cli("stats");
	printf("\n== %s\n\n", mismatches ? "demo FAILED: data was lost" :
	       "every byte came back: GPU memory was reclaimable");
	return mismatches ? 1 : 0;
}
