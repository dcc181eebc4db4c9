// SPDX-License-Identifier: GPL-2.0
/*
 * xe-shrinkctl against the real kernel nodes of vttm: list finds the device
 * and its nodes; a shrink's result agrees with the stats and the BO list;
 * shrink --all frees all there is and the stats count exactly that; purge
 * drops purgeable BOs and nothing else; the purgeable round trip reaches
 * the BO (and an administrator's willneed leaves the owner to learn of a
 * purge); the threshold is set and read back, sizes out of range are the
 * CLI's usage errors (exit 2, nothing written) and the kernel refuses them
 * too when written directly; clients and watch see what the test's own
 * BOs hold and what a shrink did to them.
 *
 * JSON is read with jq. Every document the CLI prints is checked: one
 * object on one line and nothing on stderr, "schema": 1, "card" the vttm
 * card (null for list, which is about every card; null or the card for an
 * error), and an error's exit_code the CLI's exit status.
 */
#include "kselftest_harness.h"
#include "vm_test.h"

#define MiB (1ULL << 20)
#define OUT_SIZE (1 << 18)

/* What cli_doc() returns when the output is not a valid document. */
#define BAD_DOC 100

static char cli_path[512];
/* "cardN" of the vttm device, jq's $card */
static char card[16];

/* What every document must be; $status is the CLI's exit status. */
static const char doc_rules[] =
	"type == \"object\" and .schema == 1 and "
	"if has(\"error\") then"
	"  $status != 0 and (.card == null or .card == $card) and"
	"  (.error | type == \"object\" and (.message | type) == \"string\" and"
	"   (.errno == null or (.errno | type) == \"string\") and"
	"   .exit_code == $status)"
	" elif has(\"devices\") then"
	"  $status == 0 and .card == null and (.devices | type) == \"array\""
	" else"
	"  $status == 0 and .card == $card and .driver == \"vttm\""
	" end";

/* Run a shell command; its exit status (-1 if it did not exit), stdout in @out. */
static int run(const char *cmd, char *out, size_t size)
{
	size_t n = 0;
	FILE *p;
	int st;

	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < size && fgets(out + n, size - n, p))
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * jq -e -c @filter on @doc, with $card the vttm card and $status @status;
 * its output, without the last newline, in @res. Return: jq's exit status
 * (0 when the last output is neither false nor null), or -1.
 */
static int jq(const char *doc, const char *filter, int status, char *res, size_t size)
{
	char st[16], scratch[64];
	int in, pipefd[2], wst;
	size_t len = strlen(doc), n = 0;
	ssize_t r;
	pid_t pid;

	if (!res) {
		res = scratch;
		size = sizeof(scratch);
	}
	res[0] = '\0';
	in = memfd_create("xe-shrinkctl-doc", MFD_CLOEXEC);
	if (in < 0)
		return -1;
	if (write(in, doc, len) != (ssize_t)len || lseek(in, 0, SEEK_SET) ||
	    pipe2(pipefd, O_CLOEXEC)) {
		close(in);
		return -1;
	}
	snprintf(st, sizeof(st), "%d", status);
	pid = fork();
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (dup2(in, 0) < 0 || dup2(pipefd[1], 1) < 0 || null < 0 || dup2(null, 2) < 0)
			_exit(127);
		execlp("jq", "jq", "-e", "-c", "--arg", "card", card, "--argjson", "status", st,
		       filter, (char *)NULL);
		_exit(127);
	}
	close(in);
	close(pipefd[1]);
	while (pid > 0 && n + 1 < size && (r = read(pipefd[0], res + n, size - 1 - n)) > 0)
		n += r;
	res[n] = '\0';
	close(pipefd[0]);
	if (pid < 0 || waitpid(pid, &wst, 0) != pid)
		return -1;
	if (n && res[n - 1] == '\n')
		res[n - 1] = '\0';
	return WIFEXITED(wst) ? WEXITSTATUS(wst) : -1;
}

/* Run the CLI on the vttm card with @args, without --json: its status, stdout in @out. */
static int cli(struct vttm *v, const char *args, char *out, size_t size)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s -d %d %s 2>/dev/null", cli_path, v->minor, args);
	return run(cmd, out, size);
}

/*
 * Run the CLI on the vttm card with --json and @args: stdout and stderr in
 * @out. Return: its exit status, or BAD_DOC when @out is not one valid
 * document (see doc_rules) on one line.
 */
static int cli_doc(struct vttm *v, const char *args, char *out, size_t size)
{
	char cmd[1024];
	size_t len;
	int st;

	snprintf(cmd, sizeof(cmd), "%s -d %d --json %s 2>&1", cli_path, v->minor, args);
	st = run(cmd, out, size);
	len = strlen(out);
	if (st < 0 || !len || strchr(out, '\n') != out + len - 1 ||
	    jq(out, doc_rules, st, NULL, 0)) {
		fprintf(stderr, "# xe-shrinkctl --json %s: exit %d, not a valid document: %s\n",
			args, st, out);
		return BAD_DOC;
	}
	return st;
}

/* An integer from @doc through a jq filter, or -1 (none, false, null). */
static long long doc_num(const char *doc, const char *filter)
{
	char res[64], *end;
	long long val;

	if (jq(doc, filter, 0, res, sizeof(res)))
		goto none;
	errno = 0;
	val = strtoll(res, &end, 10);
	if (end == res || *end || errno)
		goto none;
	return val;
none:
	fprintf(stderr, "# jq '%s' gave no integer (\"%s\") from %s%s", filter, res, doc,
		strchr(doc, '\n') ? "" : "\n");
	return -1;
}

/* An integer from the CLI's JSON for @args (which must succeed), or -1. */
static long long cli_num(struct vttm *v, const char *args, const char *filter)
{
	static char out[OUT_SIZE];

	if (cli_doc(v, args, out, sizeof(out)))
		return -1;
	return doc_num(out, filter);
}

/*
 * The exit status of @args, which the CLI must give with and without
 * --json alike, for a request it refuses; with --json, a valid document,
 * and without it, nothing on stdout. Return: the status, or -1.
 */
static int cli_status(struct vttm *v, const char *args)
{
	static char out[OUT_SIZE];
	int text = cli(v, args, out, sizeof(out));

	if (*out) {
		fprintf(stderr, "# xe-shrinkctl %s: exit %d, printed %s", args, text, out);
		return -1;
	}
	if (cli_doc(v, args, out, sizeof(out)) != text)
		return -1;
	return text;
}

static const char threshold_path_fmt[] = "/sys/class/drm/card%d/device/svm_migrate_threshold";

/* The threshold as sysfs has it, or -1. */
static long long threshold(struct vttm *v)
{
	char path[128];
	long long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), threshold_path_fmt, v->minor);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

/* Write @s to the threshold in one write(). Return: 0 or -errno. */
static int threshold_write(struct vttm *v, const char *s)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), threshold_path_fmt, v->minor);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

FIXTURE(cli) {
	struct vttm v;
	char out[OUT_SIZE];
};

FIXTURE_SETUP(cli)
{
	const char *project = getenv("PROJECT");

	ASSERT_NE(NULL, project) TH_LOG("PROJECT is not set");
	snprintf(cli_path, sizeof(cli_path), "%s/build/xe-shrinkctl/xe-shrinkctl", project);
	ASSERT_EQ(0, access(cli_path, X_OK)) TH_LOG("no %s", cli_path);
	ASSERT_EQ(0, system("command -v jq >/dev/null")) TH_LOG("no jq");
	ASSERT_EQ(0, vttm_open(&self->v));
	snprintf(card, sizeof(card), "card%d", self->v.minor);
}

FIXTURE_TEARDOWN(cli)
{
	close(self->v.fd);
}

TEST_F(cli, list_finds_vttm)
{
	long long thr = threshold(&self->v);
	char filter[1024];

	ASSERT_GT(thr, 0);
	/* exactly one device of this minor, the vttm card with every node */
	snprintf(filter, sizeof(filter),
		 "[.devices[] | select(.minor == %d)] | select(length == 1) | .[0] | "
		 "select(.card == $card and .node == \"/dev/dri/\" + $card and "
		 ".driver == \"vttm\" and .bus == \"platform\" and .debugfs == \"%s\" and "
		 ".svm_migrate_threshold == %lld and (.nodes | type) == \"array\" and "
		 "([\"shrink\", \"stats\", \"bos\", \"purgeable\"] - .nodes) == []) | .minor",
		 self->v.minor, self->v.debugfs, thr);
	EXPECT_EQ(self->v.minor, cli_num(&self->v, "list", filter));
}

TEST_F(cli, shrink_then_stats_agree)
{
	long long freed0, backup0, freed = 0, backed = 0, freed1, backup1, n;
	long long backed_before, backed_shown, backed_after;
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
	freed0 = cli_num(&self->v, "stats", ".stats.freed_bytes");
	backup0 = cli_num(&self->v, "stats", ".stats.backup_bytes");
	ASSERT_GE(freed0, 0);
	ASSERT_GE(backup0, 0);

	/* 32 MiB of BOs: two 16M shrinks take all, a third finds nothing */
	for (i = 0; i < 3; i++) {
		long long f, b;

		ASSERT_EQ(0, cli_doc(&self->v, "shrink --bytes 16M", self->out,
				     sizeof(self->out)));
		EXPECT_EQ(16 * MiB, vttm_node_value(&self->v, "shrink", "requested_bytes"));
		EXPECT_EQ(0, vttm_node_value(&self->v, "shrink", "status"));
		f = vttm_node_value(&self->v, "shrink", "freed_bytes");
		b = vttm_node_value(&self->v, "shrink", "backed_up_bytes");
		/* the CLI printed the node's result */
		EXPECT_EQ(16 * MiB, doc_num(self->out,
					    "select(.request == \"16777216\") | .requested_bytes"));
		EXPECT_EQ(f, doc_num(self->out, ".freed_bytes"));
		EXPECT_EQ(b, doc_num(self->out, ".backed_up_bytes"));
		EXPECT_EQ(0, doc_num(self->out, ".status"));
		/* what was asked, no more (kswapd may have taken some first) */
		EXPECT_LE(f, 16 * MiB);
		freed += f;
		backed += b;
	}
	/*
	 * Between the shrinks and background reclaim (after the other VM
	 * tests kswapd runs on and takes some of them first), every BO went.
	 */
	EXPECT_LE(freed, 32 * MiB);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, h[i]));
	}

	freed1 = cli_num(&self->v, "stats", ".stats.freed_bytes");
	backup1 = cli_num(&self->v, "stats", ".stats.backup_bytes");
	/* the counters took in what the shrinks reported, at least */
	EXPECT_GE(freed1 - freed0, freed);
	EXPECT_GE(backup1 - backup0, backed);
	/*
	 * The CLI shows the node's gauge. kswapd, still busy after earlier
	 * tests, may move it between two reads: the CLI's value lies between
	 * the node's before and after.
	 */
	backed_before = vttm_node_value(&self->v, "stats", "backed_up_bytes");
	backed_shown = cli_num(&self->v, "stats", ".stats.backed_up_bytes");
	backed_after = vttm_node_value(&self->v, "stats", "backed_up_bytes");
	EXPECT_GE(backed_shown, backed_before < backed_after ? backed_before : backed_after);
	EXPECT_LE(backed_shown, backed_before < backed_after ? backed_after : backed_before);

	/* the BO list shows what was backed up */
	snprintf(filter, sizeof(filter),
		 "[.bos[] | select(.id >= %u and .id <= %u and .state == \"backed_up\")] | length",
		 id[0], id[3]);
	n = cli_num(&self->v, "bos", filter);
	EXPECT_EQ(4, n) TH_LOG("%lld of our BOs backed up", n);

	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, vm_mismatches(p[i], 8 * MiB, 70 + i));
		munmap(p[i], 8 * MiB);
		vttm_close_bo(&self->v, h[i]);
	}
}

TEST_F(cli, shrink_all)
{
	long long freed0, freed1, freed, n;
	uint32_t h[3], id[3];
	uint64_t *p[3];
	char filter[256];
	int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, vttm_create(&self->v, 4 * MiB, VTTM_PLACEMENT_TT, 0, &h[i], &id[i]));
		p[i] = vttm_map(&self->v, h[i], 4 * MiB);
		ASSERT_NE(NULL, p[i]);
		vm_fill(p[i], 4 * MiB, 90 + i);
	}
	freed0 = cli_num(&self->v, "stats", ".stats.freed_bytes");
	ASSERT_GE(freed0, 0);

	ASSERT_EQ(0, cli_doc(&self->v, "shrink --all", self->out, sizeof(self->out)));
	/* the node took the keyword: no size asked for */
	EXPECT_EQ(0, vttm_node_value(&self->v, "shrink", "requested_bytes"));
	EXPECT_EQ(0, vttm_node_value(&self->v, "shrink", "status"));
	freed = vttm_node_value(&self->v, "shrink", "freed_bytes");
	/* the CLI printed the node's result */
	EXPECT_EQ(0, doc_num(self->out, "select(.request == \"all\") | .requested_bytes"));
	EXPECT_EQ(freed, doc_num(self->out, ".freed_bytes"));
	EXPECT_EQ(vttm_node_value(&self->v, "shrink", "purged_bytes"),
		  doc_num(self->out, ".purged_bytes"));
	EXPECT_EQ(vttm_node_value(&self->v, "shrink", "backed_up_bytes"),
		  doc_num(self->out, ".backed_up_bytes"));
	EXPECT_EQ(0, doc_num(self->out, ".status"));
	EXPECT_EQ(freed, doc_num(self->out, ".purged_bytes + .backed_up_bytes"));

	/*
	 * All there was: every one of ours went (checked below); kswapd
	 * may have taken some of them before the shrink did.
	 */
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(VTTM_STATE_BACKED_UP, vttm_state(&self->v, h[i])) TH_LOG("BO %u", id[i]);
	}
	snprintf(filter, sizeof(filter),
		 "[.bos[] | select(.id >= %u and .id <= %u and .state == \"backed_up\")] | length",
		 id[0], id[2]);
	n = cli_num(&self->v, "bos", filter);
	EXPECT_EQ(3, n) TH_LOG("%lld of our BOs backed up", n);

	/* and the counters took in at least what it reported */
	freed1 = cli_num(&self->v, "stats", ".stats.freed_bytes");
	EXPECT_GE(freed1 - freed0, freed);

	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, vm_mismatches(p[i], 4 * MiB, 90 + i));
		munmap(p[i], 4 * MiB);
		vttm_close_bo(&self->v, h[i]);
	}
}

TEST_F(cli, purge_drops_only_purgeable)
{
	long long purged0, freed0, purged1, freed1;
	uint32_t gone, kept, gone_id, kept_id, retained;
	struct drm_vttm_gem_info info;
	uint64_t *pg, *pk;
	char args[64], filter[256];

	ASSERT_EQ(0, vttm_create(&self->v, 2 * MiB, VTTM_PLACEMENT_TT, 0, &gone, &gone_id));
	ASSERT_EQ(0, vttm_create(&self->v, MiB, VTTM_PLACEMENT_TT, 0, &kept, &kept_id));
	pg = vttm_map(&self->v, gone, 2 * MiB);
	pk = vttm_map(&self->v, kept, MiB);
	ASSERT_NE(NULL, pg);
	ASSERT_NE(NULL, pk);
	vm_fill(pg, 2 * MiB, 11);
	vm_fill(pk, MiB, 12);

	snprintf(args, sizeof(args), "purgeable %u dontneed", gone_id);
	ASSERT_EQ(0, cli_doc(&self->v, args, self->out, sizeof(self->out)));
	snprintf(filter, sizeof(filter), "select(.madvise == \"dontneed\") | .id");
	EXPECT_EQ(gone_id, doc_num(self->out, filter));
	ASSERT_EQ(0, vttm_info(&self->v, gone, &info));
	ASSERT_EQ(VTTM_MADV_DONTNEED, info.madv);
	ASSERT_EQ(VTTM_STATE_RESIDENT, vttm_state(&self->v, gone));
	ASSERT_EQ(VTTM_STATE_RESIDENT, vttm_state(&self->v, kept));

	purged0 = cli_num(&self->v, "stats", ".stats.purged_bytes");
	freed0 = cli_num(&self->v, "stats", ".stats.freed_bytes");
	ASSERT_GE(purged0, 0);
	ASSERT_GE(freed0, 0);

	ASSERT_EQ(0, cli_doc(&self->v, "purge", self->out, sizeof(self->out)));
	EXPECT_EQ(0, vttm_node_value(&self->v, "shrink", "requested_bytes"));
	EXPECT_EQ(0, vttm_node_value(&self->v, "shrink", "status"));
	EXPECT_EQ(2 * MiB, vttm_node_value(&self->v, "shrink", "purged_bytes"));
	EXPECT_EQ(2 * MiB, vttm_node_value(&self->v, "shrink", "freed_bytes"));
	EXPECT_EQ(0, vttm_node_value(&self->v, "shrink", "backed_up_bytes"));
	/* the CLI printed the node's result: purged, nothing backed up */
	EXPECT_EQ(0, doc_num(self->out, "select(.request == \"purge\") | .requested_bytes"));
	EXPECT_EQ(2 * MiB, doc_num(self->out, ".purged_bytes"));
	EXPECT_EQ(2 * MiB, doc_num(self->out, ".freed_bytes"));
	EXPECT_EQ(0, doc_num(self->out, ".backed_up_bytes"));
	EXPECT_EQ(0, doc_num(self->out, ".status"));

	/* the dontneed BO is purged, the willneed one untouched */
	EXPECT_EQ(VTTM_STATE_PURGED, vttm_state(&self->v, gone));
	EXPECT_EQ(VTTM_STATE_RESIDENT, vttm_state(&self->v, kept));
	snprintf(filter, sizeof(filter),
		 "[.bos[] | select(.id == %u and .state == \"purged\" and .madvise == \"dontneed\"), "
		 "select(.id == %u and .state == \"resident\" and .madvise == \"willneed\")] | length",
		 gone_id, kept_id);
	EXPECT_EQ(2, cli_num(&self->v, "bos", filter));

	purged1 = cli_num(&self->v, "stats", ".stats.purged_bytes");
	freed1 = cli_num(&self->v, "stats", ".stats.freed_bytes");
	EXPECT_EQ(2 * MiB, purged1 - purged0);
	EXPECT_EQ(2 * MiB, freed1 - freed0);

	EXPECT_EQ(0, vm_mismatches(pk, MiB, 12));
	ASSERT_EQ(0, vttm_madvise(&self->v, gone, VTTM_MADV_WILLNEED, &retained));
	EXPECT_EQ(0, retained);
	munmap(pg, 2 * MiB);
	munmap(pk, MiB);
	vttm_close_bo(&self->v, gone);
	vttm_close_bo(&self->v, kept);
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
	ASSERT_EQ(0, cli_doc(&self->v, args, self->out, sizeof(self->out)));
	snprintf(filter, sizeof(filter), "select(.madvise == \"dontneed\") | .id");
	EXPECT_EQ(id, doc_num(self->out, filter));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_DONTNEED, info.madv);
	snprintf(filter, sizeof(filter),
		 ".bos[] | select(.id == %u and .madvise == \"dontneed\") | .size", id);
	EXPECT_EQ((long long)MiB, cli_num(&self->v, "bos", filter));

	/* a shrink purges it rather than backing it up */
	EXPECT_EQ((long long)MiB, cli_num(&self->v, "shrink --bytes 4K", ".purged_bytes"));
	EXPECT_EQ(VTTM_STATE_PURGED, vttm_state(&self->v, h));

	snprintf(args, sizeof(args), "purgeable %u willneed", id);
	ASSERT_EQ(0, cli_doc(&self->v, args, self->out, sizeof(self->out)));
	snprintf(filter, sizeof(filter), "select(.madvise == \"willneed\") | .id");
	EXPECT_EQ(id, doc_num(self->out, filter));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_WILLNEED, info.madv);
	/* the owner still learns that the contents are gone */
	ASSERT_EQ(0, vttm_madvise(&self->v, h, VTTM_MADV_WILLNEED, &retained));
	EXPECT_EQ(0, retained);
	EXPECT_EQ(0, p[0]);

	/* bad input: the kernel's -ENOENT is exit 1, malformed input exit 2 */
	EXPECT_EQ(1, cli_status(&self->v, "purgeable 2000000000 dontneed"));
	snprintf(args, sizeof(args), "purgeable %u maybe", id);
	EXPECT_EQ(2, cli_status(&self->v, args));
	EXPECT_EQ(2, cli_status(&self->v, "shrink --bytes 12Q"));
	ASSERT_EQ(0, vttm_info(&self->v, h, &info));
	EXPECT_EQ(VTTM_MADV_WILLNEED, info.madv);
	munmap(p, MiB);
	vttm_close_bo(&self->v, h);
}

TEST_F(cli, threshold_set_get_and_refused)
{
	static const char *const cli_bad[] = { "3000", "4M", "2048", "abc", "-4096" };
	static const char *const kernel_bad[] = { "3000", "4194304", "2048", "0" };
	char args[64];
	size_t i;

	EXPECT_EQ(65536, cli_num(&self->v, "threshold", ".svm_migrate_threshold"));
	EXPECT_EQ(131072, cli_num(&self->v, "threshold 128K", ".svm_migrate_threshold"));
	EXPECT_EQ(131072, threshold(&self->v));

	/* not a power of two from 4K to 2M: the CLI's usage error, nothing written */
	for (i = 0; i < sizeof(cli_bad) / sizeof(cli_bad[0]); i++) {
		snprintf(args, sizeof(args), "threshold %s", cli_bad[i]);
		EXPECT_EQ(2, cli_status(&self->v, args)) TH_LOG("%s", args);
		EXPECT_EQ(131072, threshold(&self->v)) TH_LOG("after %s", args);
	}

	/* the kernel refuses them too, written to sysfs directly */
	for (i = 0; i < sizeof(kernel_bad) / sizeof(kernel_bad[0]); i++) {
		EXPECT_EQ(-EINVAL, threshold_write(&self->v, kernel_bad[i]))
			TH_LOG("writing %s", kernel_bad[i]);
		EXPECT_EQ(131072, threshold(&self->v)) TH_LOG("after writing %s", kernel_bad[i]);
	}
	EXPECT_EQ(131072, cli_num(&self->v, "threshold", ".svm_migrate_threshold"));

	EXPECT_EQ(65536, cli_num(&self->v, "threshold 64K", ".svm_migrate_threshold"));
	EXPECT_EQ(65536, threshold(&self->v));
}

/*
 * clients and watch on the real kernel: the test's own client shows the
 * BOs it holds (total, resident, purgeable, then what a shrink purged and
 * backed up, the backed-up part as the device's stats count it); watch
 * samples the stats with timestamps and turns the shrink between two
 * samples into rates. The text sessions go to $VM_OUT/cli-session.txt
 * (the README shows one).
 */
TEST_F(cli, clients_and_watch_see_the_workload)
{
	const char *out_dir = getenv("VM_OUT") ?: "/tmp";
	uint32_t a, b, a_id, b_id;
	char args[64], filter[512], cmd[4096], session[512];
	uint64_t *pa, *pb;
	long long before, after, shown;
	int pid = getpid();

	ASSERT_EQ(0, vttm_create(&self->v, 8 * MiB, VTTM_PLACEMENT_TT, 0, &a, &a_id));
	ASSERT_EQ(0, vttm_create(&self->v, 4 * MiB, VTTM_PLACEMENT_TT, 0, &b, &b_id));
	pa = vttm_map(&self->v, a, 8 * MiB);
	pb = vttm_map(&self->v, b, 4 * MiB);
	ASSERT_NE(NULL, pa);
	ASSERT_NE(NULL, pb);
	vm_fill(pa, 8 * MiB, 21);
	vm_fill(pb, 4 * MiB, 22);
	snprintf(args, sizeof(args), "purgeable %u dontneed", b_id);
	ASSERT_EQ(0, cli_doc(&self->v, args, self->out, sizeof(self->out)));

	/*
	 * This client, once, with the 12 MiB it created: in memory or backed
	 * up (kswapd may be at work after earlier tests), the dontneed BO
	 * possibly purged already, and the backed-up part as the device's
	 * stats count it, read before and after.
	 */
	before = cli_num(&self->v, "stats", ".stats.backed_up_bytes");
	ASSERT_EQ(0, cli_doc(&self->v, "clients", self->out, sizeof(self->out)));
	after = cli_num(&self->v, "stats", ".stats.backed_up_bytes");
	snprintf(filter, sizeof(filter),
		 "[.clients[] | select(.pid == %d and .driver == \"vttm\" and .card == $card)] | "
		 "select(length == 1) | .[0].regions.memory | "
		 "select(.total_bytes == %llu and .purgeable_bytes <= %llu and "
		 "(.resident_bytes + .backed_up_bytes == %llu or "
		 " .resident_bytes + .backed_up_bytes == %llu)) | .backed_up_bytes",
		 pid, 12 * MiB, 4 * MiB, 12 * MiB, 8 * MiB);
	shown = doc_num(self->out, filter);
	EXPECT_GE(shown, before);
	EXPECT_LE(shown, after);

	/* 8 MiB: the purgeable BO goes first, then some of the other */
	ASSERT_EQ(0, cli_doc(&self->v, "shrink --bytes 8M", self->out, sizeof(self->out)));
	EXPECT_LE(doc_num(self->out, ".purged_bytes"), 4 * MiB);
	before = cli_num(&self->v, "stats", ".stats.backed_up_bytes");
	ASSERT_EQ(0, cli_doc(&self->v, "clients", self->out, sizeof(self->out)));
	after = cli_num(&self->v, "stats", ".stats.backed_up_bytes");
	EXPECT_GT(before, 0);
	snprintf(filter, sizeof(filter),
		 ".clients[] | select(.pid == %d) | .regions.memory | "
		 "select(.total_bytes == %llu and .purgeable_bytes == 0 and "
		 ".resident_bytes + .backed_up_bytes == %llu) | .backed_up_bytes",
		 pid, 12 * MiB, 8 * MiB);
	shown = doc_num(self->out, filter);
	EXPECT_GE(shown, before);
	EXPECT_LE(shown, after);

	/*
	 * Two samples 3 s apart, a forced shrink of 2 MiB between them: once
	 * the first sample is out, so that the second sees it.
	 */
	snprintf(cmd, sizeof(cmd),
		 "sh -c 'rm -f %3$s/watch.json; %1$s -d %2$d --json watch -n 2 -i 3 >%3$s/watch.json & "
		 "for i in $(seq 100); do [ -s %3$s/watch.json ] && break; sleep 0.1; done; "
		 "%1$s -d %2$d shrink --bytes 2M >/dev/null; wait' && jq -s -c . %3$s/watch.json",
		 cli_path, self->v.minor, out_dir);
	ASSERT_EQ(0, run(cmd, self->out, sizeof(self->out)));
	snprintf(filter, sizeof(filter),
		 "select(length == 2 and all(.[]; .card == $card and .schema == 1 and "
		 "(.timestamp | type) == \"number\") and (.[0] | has(\"rates_per_s\") | not) and "
		 ".[1].interval_s >= 2.5 and .[1].rates_per_s.freed_bytes > 0 and "
		 ".[1].rates_per_s.backup_bytes > 0 and "
		 "(.[1].rates_per_s | has(\"backed_up_bytes\") | not) and "
		 ".[1].stats.backed_up_bytes > .[0].stats.backed_up_bytes) | length");
	EXPECT_EQ(2, doc_num(self->out, filter));

	/*
	 * The text sessions, as a user sees them: the BOs read back (every
	 * byte), then a shrink of 4 MiB while watch samples, so that its
	 * second sample shows rates.
	 */
	EXPECT_EQ(0, vm_mismatches(pa, 8 * MiB, 21));
	snprintf(session, sizeof(session), "%s/cli-session.txt", out_dir);
	snprintf(cmd, sizeof(cmd),
		 "{ echo '$ xe-shrinkctl clients'; %1$s -d %2$d clients; "
		 "echo '$ xe-shrinkctl watch -n 2 -i 2'; %1$s -d %2$d watch -n 2 -i 2 & "
		 "sleep 1; %1$s -d %2$d shrink --bytes 4M >/dev/null; wait; } >%3$s 2>&1",
		 cli_path, self->v.minor, session);
	EXPECT_EQ(0, system(cmd));
	snprintf(cmd, sizeof(cmd), "grep -qE '^%s +[0-9]+ +%d +memory +12.0 MiB ' %s",
		 card, pid, session);
	EXPECT_EQ(0, system(cmd)) TH_LOG("no line for this client in %s", session);

	EXPECT_EQ(0, vm_mismatches(pa, 8 * MiB, 21));
	munmap(pa, 8 * MiB);
	munmap(pb, 4 * MiB);
	vttm_close_bo(&self->v, a);
	vttm_close_bo(&self->v, b);
}

TEST_HARNESS_MAIN
