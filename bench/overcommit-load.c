// SPDX-License-Identifier: GPL-2.0
/*
 * The load of make bench: fill FACTOR x the guest's RAM with GPU buffer
 * objects (vttm, the size mix of the overcommit test, a third in VRAM)
 * or with anonymous memory, each word with a pattern of its own, then read
 * everything back. One line of "key value" pairs on stdout:
 *
 *   mode bo bytes N objects K seconds S lost_bytes L
 *
 * lost_bytes counts the bytes that did not read back as written (a whole
 * object's bytes when it could not be created or mapped). Exit 0 when the
 * run got to the end, whatever it lost; 1 on bad arguments.
 *
 *   overcommit-load bo|anon FACTOR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "vm_test.h"

#define MAX_OBJECTS 8192
#define ANON_CHUNK (4UL << 20)

static const size_t bo_sizes[] = {
	4096, 64 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 8192, 2 << 20,
};

struct object {
	uint64_t *map;
	size_t size;
};

static struct object objects[MAX_OBJECTS];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One BO of @size, mapped; NULL (and its bytes counted lost) if not. */
static uint64_t *new_bo(struct vttm *v, size_t size, int nr)
{
	uint32_t handle;

	if (vttm_create(v, size, nr % 3 ? VTTM_PLACEMENT_TT : VTTM_PLACEMENT_VRAM,
			0, &handle, NULL))
		return NULL;
	return vttm_map(v, handle, size);
}

static uint64_t *new_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	uint64_t total = 0, target, lost = 0;
	double factor, t0;
	struct vttm v;
	int bo, nr = 0;

	if (argc != 3 || (strcmp(argv[1], "bo") && strcmp(argv[1], "anon")) ||
	    (factor = atof(argv[2])) <= 0 || factor > 8) {
		fprintf(stderr, "usage: overcommit-load bo|anon FACTOR (0 < FACTOR <= 8)\n");
		return 1;
	}
	bo = !strcmp(argv[1], "bo");
	if (bo && vttm_open(&v)) {
		fprintf(stderr, "overcommit-load: no vttm device\n");
		return 1;
	}
	target = factor * vm_total_ram();

	t0 = now();
	while (total < target && nr < MAX_OBJECTS) {
		struct object *o = &objects[nr];

		o->size = bo ? bo_sizes[nr % (sizeof(bo_sizes) / sizeof(bo_sizes[0]))] : ANON_CHUNK;
		o->map = bo ? new_bo(&v, o->size, nr) : new_anon(o->size);
		if (o->map)
			vm_fill(o->map, o->size, nr + 1);
		else
			lost += o->size;
		total += o->size;
		nr++;
	}
	for (int i = 0; i < nr; i++)
		if (objects[i].map)
			lost += 8 * vm_mismatches(objects[i].map, objects[i].size, i + 1);

	printf("mode %s bytes %llu objects %d seconds %.1f lost_bytes %llu\n", argv[1],
	       (unsigned long long)total, nr, now() - t0, (unsigned long long)lost);
	return 0;
}
