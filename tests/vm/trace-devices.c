// SPDX-License-Identifier: GPL-2.0
/*
 * Two GPUs of one driver must not share a name in the ttm events: on each
 * vttm device, a BO is backed up by a forced shrink and restored by a CPU
 * fault, and the scan, the tt backup and the tt restore are traced under
 * that device's dev_name() (vttm.0, vttm.1 in the two-device boot), never
 * under the driver's name alone, the shrunk BO by the id the driver gave
 * it (never 0, which the events use for "no BO"); the BO keeps its bytes.
 * With one device its one name must still be the device's.
 */
#include <libgen.h>

#include "kselftest_harness.h"
#include "vm_test.h"

#define T "/sys/kernel/tracing"
#define MAX_DEVS 8
#define BO_SIZE (1UL << 20)

static const char *const events[] = {
	"ttm_shrink_scan_start", "ttm_tt_backup", "ttm_tt_restore", "ttm_bo_shrink",
};

static int set_events(int on)
{
	char path[128];

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), T "/events/ttm/%s/enable", events[i]);
		if (vm_write_str(path, on ? "1" : "0"))
			return -1;
	}
	return 0;
}

/* Whether the trace has a line of @event for @dev with @rest after it. */
static int traced(const char *trace, const char *event, const char *dev, const char *rest)
{
	char want[160];

	snprintf(want, sizeof(want), "%s: ", event);
	for (const char *p = strstr(trace, want); p; p = strstr(p + 1, want)) {
		const char *line_end = strchr(p, '\n');
		const char *q = p + strlen(want);
		size_t len = strlen(dev);

		while (*q == ' ')
			q++;
		if (strncmp(q, "dev=", 4) || strncmp(q + 4, dev, len) || q[4 + len] != ' ')
			continue;
		if (!rest || (line_end && memmem(q, line_end - q, rest, strlen(rest))))
			return 1;
	}
	return 0;
}

TEST(each_device_traced_under_its_own_name)
{
	static char trace[1 << 20];
	char devs[MAX_DEVS][64], link[256], target[256], bytes[64], bo_id[32];
	struct vttm v[MAX_DEVS];
	uint32_t h[MAX_DEVS], id[MAX_DEVS];
	uint64_t *p[MAX_DEVS];
	int n, i, fd;
	ssize_t len, got = 0;

	for (n = 0; n < MAX_DEVS && !vttm_open_nth(&v[n], n); n++) {
		snprintf(link, sizeof(link), "/sys/class/drm/card%d/device", v[n].minor);
		len = readlink(link, target, sizeof(target) - 1);
		ASSERT_GT(len, 0);
		target[len] = '\0';
		snprintf(devs[n], sizeof(devs[n]), "%s", basename(target));
	}
	ASSERT_GT(n, 0) TH_LOG("no vttm device");

	ASSERT_EQ(0, vm_write_str(T "/tracing_on", "0"));
	ASSERT_EQ(0, vm_write_str(T "/trace", ""));
	ASSERT_EQ(0, set_events(1));
	ASSERT_EQ(0, vm_write_str(T "/tracing_on", "1"));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, vttm_create(&v[i], BO_SIZE, VTTM_PLACEMENT_TT, 0, &h[i], &id[i]));
		/* 0 is "no BO" in the events */
		EXPECT_NE(0, id[i]);
		p[i] = vttm_map(&v[i], h[i], BO_SIZE);
		ASSERT_NE(NULL, p[i]);
		vm_fill(p[i], BO_SIZE, 40 + i);
		/* all there is: this BO, whatever else the device holds */
		ASSERT_EQ(0, vttm_node_write(&v[i], "shrink", "all", 3));
		EXPECT_NE(VTTM_STATE_RESIDENT, vttm_state(&v[i], h[i]));
		/* the CPU fault restores it */
		EXPECT_EQ(0, vm_mismatches(p[i], BO_SIZE, 40 + i));
	}
	vm_write_str(T "/tracing_on", "0");
	set_events(0);
	fd = open(T "/trace", O_RDONLY);
	ASSERT_GE(fd, 0);
	while (got < (ssize_t)sizeof(trace) - 1 &&
	       (len = read(fd, trace + got, sizeof(trace) - 1 - got)) > 0)
		got += len;
	trace[got] = '\0';
	close(fd);
	vm_write_str(T "/trace", "");
	vm_write_str(T "/tracing_on", "1");

	snprintf(bytes, sizeof(bytes), " bytes=");
	for (i = 0; i < n; i++) {
		TH_LOG("card%d: dev=%s", v[i].minor, devs[i]);
		EXPECT_TRUE(traced(trace, "ttm_shrink_scan_start", devs[i], "caller=forced"));
		EXPECT_TRUE(traced(trace, "ttm_tt_backup", devs[i], bytes));
		EXPECT_TRUE(traced(trace, "ttm_tt_restore", devs[i], bytes));
		/* the shrunk BO by the id the driver gave it */
		snprintf(bo_id, sizeof(bo_id), "bo_id=%u ", id[i]);
		EXPECT_TRUE(traced(trace, "ttm_bo_shrink", devs[i], bo_id));
		for (int j = 0; j < i; j++)
			EXPECT_STRNE(devs[i], devs[j]);
		munmap(p[i], BO_SIZE);
		vttm_close_bo(&v[i], h[i]);
		close(v[i].fd);
	}
	/* more than one device: none is named after the driver alone */
	if (n > 1) {
		EXPECT_FALSE(traced(trace, "ttm_shrink_scan_start", "vttm", NULL));
		EXPECT_FALSE(traced(trace, "ttm_tt_backup", "vttm", NULL));
		EXPECT_FALSE(traced(trace, "ttm_tt_restore", "vttm", NULL));
	}
}

TEST_HARNESS_MAIN
