// SPDX-License-Identifier: GPL-2.0
/*
 * Allocate 1.5x the guest's RAM of anonymous memory, write a pattern that
 * differs for every word, and read it all back. Proves that swap works in
 * the VM before any GPU memory is put on top of it: no mismatch, swap-out
 * traffic observed, and the process is not OOM-killed (the harness would
 * report the signal).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>

#include "kselftest_harness.h"

#define CHUNK (64UL << 20)

static uint64_t pattern(uint64_t word)
{
	/*
	 * Multiplying by an odd constant is a bijection: every word of the
	 * 1.5x RAM gets a different value, at one multiply per word, which
	 * matters under emulation.
	 */
	return (word + 1) * 0x9e3779b97f4a7c15ULL;
}

static unsigned long vmstat(const char *key)
{
	char name[64];
	unsigned long val, found = 0;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return 0;
	while (fscanf(f, "%63s %lu", name, &val) == 2)
		if (!strcmp(name, key))
			found = val;
	fclose(f);
	return found;
}

FIXTURE(anon) {
	uint64_t **chunks;
	size_t nr_chunks;
};

FIXTURE_SETUP(anon)
{
	struct sysinfo si;

	ASSERT_EQ(0, sysinfo(&si));
	self->nr_chunks = (si.totalram * si.mem_unit * 3 / 2 + CHUNK - 1) / CHUNK;
	self->chunks = calloc(self->nr_chunks, sizeof(*self->chunks));
	ASSERT_NE(NULL, self->chunks);
}

FIXTURE_TEARDOWN(anon)
{
	for (size_t i = 0; i < self->nr_chunks; i++)
		if (self->chunks[i])
			munmap(self->chunks[i], CHUNK);
	free(self->chunks);
}

TEST_F_TIMEOUT(anon, one_and_a_half_ram_round_trip, 1200)
{
	const size_t words = CHUNK / sizeof(uint64_t);
	unsigned long swapout = vmstat("pswpout");
	unsigned long swapin = vmstat("pswpin");
	unsigned long mismatches = 0;
	size_t c, w;

	TH_LOG("%zu MiB in %zu chunks", self->nr_chunks * (CHUNK >> 20), self->nr_chunks);
	for (c = 0; c < self->nr_chunks; c++) {
		uint64_t *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, p);
		self->chunks[c] = p;
		for (w = 0; w < words; w++)
			p[w] = pattern(c * words + w);
	}
	for (c = 0; c < self->nr_chunks; c++)
		for (w = 0; w < words; w++)
			mismatches += self->chunks[c][w] != pattern(c * words + w);

	swapout = vmstat("pswpout") - swapout;
	swapin = vmstat("pswpin") - swapin;
	TH_LOG("pages swapped out %lu, in %lu, mismatched words %lu", swapout, swapin, mismatches);
	EXPECT_EQ(0UL, mismatches);
	/* 1.5x RAM cannot fit: at least a third of RAM went out and came back */
	EXPECT_GT(swapout, self->nr_chunks * (CHUNK / 4096) / 4);
	EXPECT_GT(swapin, 0UL);
}

TEST_HARNESS_MAIN
