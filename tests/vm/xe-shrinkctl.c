// SPDX-License-Identifier: GPL-2.0
/*
 * xe-shrinkctl against the real kernel nodes of vttm: a shrink's result
 * agrees with the stats and the BO list; the purgeable round trip reaches
 * the BO (and an administrator's willneed leaves the owner to learn of a
 * purge); the threshold is set and read back, and values the kernel
 * refuses are refused with the right exit code and no change. JSON is read
 * with jq.
 */
#include "kselftest_harness.h"
#include "vm_test.h"

#define MiB (1ULL << 20)

static char cli_path[512];

/* Run the CLI on the vttm card with @args; its status, stdout in @out. */
static int cli(struct vttm *v, const char *args, char *out, size_t size)
{
	char cmd[1024];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s -d %d %s 2>/dev/null", cli_path, v->minor, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < size && fgets(out + n, size - n, p))
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A number from the CLI's JSON through a jq filter, or -1. */
static long long cli_json(struct vttm *v, const char *args, const char *filter)
{
	char cmd[1024], buf[64] = "";
	long long val = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s -d %d --json %s | jq -e '%s'", cli_path, v->minor, args,
		 filter);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fgets(buf, sizeof(buf), p))
		val = strtoll(buf, NULL, 10);
	if (pclose(p))
		return -1;
	return val;
}

FIXTURE(cli) {
	struct vttm v;
	char out[1 << 16];
};

FIXTURE_SETUP(cli)
{
	const char *project = getenv("PROJECT");

	ASSERT_NE(NULL, project) TH_LOG("PROJECT is not set");
	snprintf(cli_path, sizeof(cli_path), "%s/build/xe-shrinkctl/xe-shrinkctl", project);
	ASSERT_EQ(0, access(cli_path, X_OK)) TH_LOG("no %s", cli_path);
	ASSERT_EQ(0, vttm_open(&self->v));
}

FIXTURE_TEARDOWN(cli)
{
	close(self->v.fd);
}

TEST_F(cli, list_finds_vttm)
{
	char filter[256];

	snprintf(filter, sizeof(filter),
		 ".[] | select(.card == %d and .driver == \"vttm\" and .nodes.shrink and "
		 ".nodes.stats and .nodes.bos and .nodes.purgeable and .svm_migrate_threshold) "
		 "| .card", self->v.minor);
	EXPECT_EQ(self->v.minor, cli_json(&self->v, "list", filter));
}

TEST_F(cli, shrink_then_stats_agree)
{
	long long freed0, backup0, freed = 0, backed = 0, freed1, backup1, n;
	uint32_t h[4], id[4];
	uint64_t *p[4];
	char filter[256];
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, vttm_create(&self->v, 8 * MiB, VTTM_PLACEMENT_TT, 0, &h[i], &id[i]));
		p[i] = vttm_map(&self->v, h[i], 8 * MiB);
		ASSERT_NE(NULL, p[i]);
		vm_fill(p[i], 8 * MiB, 70 + i);
	}
	freed0 = cli_json(&self->v, "stats", ".stats.freed_bytes");
	backup0 = cli_json(&self->v, "stats", ".stats.backup_bytes");
	ASSERT_GE(freed0, 0);

	/* 32 MiB of BOs: two 16M shrinks take all, a third finds nothing */
	for (i = 0; i < 3; i++) {
		long long f;

		ASSERT_EQ(0, cli(&self->v, "--json shrink --bytes 16M", self->out,
				 sizeof(self->out)));
		EXPECT_EQ(16 * MiB, vttm_node_value(&self->v, "shrink", "requested_bytes"));
		EXPECT_EQ(0, vttm_node_value(&self->v, "shrink", "status"));
		f = vttm_node_value(&self->v, "shrink", "freed_bytes");
		/* the CLI printed the node's result */
		snprintf(filter, sizeof(filter), "\"freed_bytes\":%lld,", f);
		EXPECT_NE(NULL, strstr(self->out, filter)) TH_LOG("%s", self->out);
		if (i < 2)
			EXPECT_GE(f, 16 * MiB);
		freed += f;
		backed += vttm_node_value(&self->v, "shrink", "backed_up_bytes");
	}
	EXPECT_EQ(32 * MiB, freed);

	freed1 = cli_json(&self->v, "stats", ".stats.freed_bytes");
	backup1 = cli_json(&self->v, "stats", ".stats.backup_bytes");
	/* the counters took in what the shrinks reported, at least */
	EXPECT_GE(freed1 - freed0, freed);
	EXPECT_GE(backup1 - backup0, backed);
	EXPECT_EQ(vttm_node_value(&self->v, "stats", "backed_up_bytes"),
		  cli_json(&self->v, "stats", ".stats.backed_up_bytes"));

	/* the BO list shows what was backed up */
	snprintf(filter, sizeof(filter),
		 "[.[] | select(.id >= %u and .id <= %u and .state == \"backed_up\")] | length",
		 id[0], id[3]);
	n = cli_json(&self->v, "bos", filter);
	EXPECT_EQ(4, n) TH_LOG("%lld of our BOs backed up", n);

	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, vm_mismatches(p[i], 8 * MiB, 70 + i));
		munmap(p[i], 8 * MiB);
		vttm_close_bo(&self->v, h[i]);
	}
}

TEST_F(cli, purgeable_round_trip)
{
	char args[64], filter[256];
	uint32_t h, id, retained;
	struct drm_vttm_gem_info info;
	uint64_t *p;

	ASSERT_EQ(0, vttm_create(&self->v, MiB, VTTM_PLACEMENT_TT, 0, &h, &id));
	p = vttm_map(&self->v, h, MiB);
	ASSERT_NE(NULL, p);
	vm_fill(p, MiB, 5);

	snprintf(args, sizeof(args), "purgeable %u dontneed", id);
	ASSERT_EQ(0, cli(&self->v, args, self->out, sizeof(self->out)));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_DONTNEED, info.madv);
	snprintf(filter, sizeof(filter), ".[] | select(.id == %u and .madvise == \"dontneed\") | .size",
		 id);
	EXPECT_EQ((long long)MiB, cli_json(&self->v, "bos", filter));

	/* a shrink purges it rather than backing it up */
	EXPECT_EQ((long long)MiB, cli_json(&self->v, "shrink --bytes 4K", ".purged_bytes"));
	EXPECT_EQ(VTTM_STATE_PURGED, vttm_state(&self->v, h));

	snprintf(args, sizeof(args), "purgeable %u willneed", id);
	ASSERT_EQ(0, cli(&self->v, args, self->out, sizeof(self->out)));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_WILLNEED, info.madv);
	/* the owner still learns that the contents are gone */
	ASSERT_EQ(0, vttm_madvise(&self->v, h, VTTM_MADV_WILLNEED, &retained));
	EXPECT_EQ(0, retained);
	EXPECT_EQ(0, p[0]);

	/* bad input: the kernel's -ENOENT is exit 1, malformed input exit 2 */
	EXPECT_EQ(1, cli(&self->v, "purgeable 2000000000 dontneed", self->out, sizeof(self->out)));
	snprintf(args, sizeof(args), "purgeable %u maybe", id);
	EXPECT_EQ(2, cli(&self->v, args, self->out, sizeof(self->out)));
	EXPECT_EQ(2, cli(&self->v, "shrink --bytes 12Q", self->out, sizeof(self->out)));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_WILLNEED, info.madv);
	munmap(p, MiB);
	vttm_close_bo(&self->v, h);
}

TEST_F(cli, threshold_set_get_and_refused)
{
	char path[128], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/drm/card%d/device/svm_migrate_threshold",
		 self->v.minor);
	EXPECT_EQ(65536, cli_json(&self->v, "threshold", ".svm_migrate_threshold"));
	EXPECT_EQ(131072, cli_json(&self->v, "threshold 128K", ".svm_migrate_threshold"));
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_STREQ("131072\n", buf);

	/* the kernel refuses these: exit 1, value unchanged */
	EXPECT_EQ(1, cli(&self->v, "threshold 3000", self->out, sizeof(self->out)));
	EXPECT_EQ(1, cli(&self->v, "threshold 4M", self->out, sizeof(self->out)));
	EXPECT_EQ(1, cli(&self->v, "threshold 2048", self->out, sizeof(self->out)));
	/* the CLI refuses these: exit 2 */
	EXPECT_EQ(2, cli(&self->v, "threshold abc", self->out, sizeof(self->out)));
	EXPECT_EQ(2, cli(&self->v, "threshold -4096", self->out, sizeof(self->out)));
	EXPECT_EQ(131072, cli_json(&self->v, "threshold", ".svm_migrate_threshold"));

	EXPECT_EQ(65536, cli_json(&self->v, "threshold 64K", ".svm_migrate_threshold"));
}

TEST_HARNESS_MAIN
