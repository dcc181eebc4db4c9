/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the VM tests that drive vttm: find the device, call its
 * ioctls, and read and write its shrinker debugfs nodes.
 */
#ifndef VM_TEST_H
#define VM_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/vttm_drm.h>

struct vttm {
	int fd;
	int minor;
	char debugfs[128];
};

/*
 * Open the vttm card after @skip others (vttm.num_devices=2 makes two).
 * Return: 0 or -ENODEV (v->fd is then -1).
 */
static inline int vttm_open_nth(struct vttm *v, int skip)
{
	char name[32], path[64];
	int i;

	for (i = 0; i < 16; i++) {
		struct drm_version ver = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		v->fd = open(path, O_RDWR | O_CLOEXEC);
		if (v->fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(v->fd, DRM_IOCTL_VERSION, &ver) && !strcmp(name, "vttm") &&
		    skip-- == 0) {
			v->minor = i;
			snprintf(v->debugfs, sizeof(v->debugfs),
				 "/sys/kernel/debug/dri/%d/shrinker", i);
			return 0;
		}
		close(v->fd);
	}
	v->fd = -1;
	return -ENODEV;
}

/* Open the (first) card whose driver is vttm. Return: 0 or -ENODEV. */
static inline int vttm_open(struct vttm *v)
{
	return vttm_open_nth(v, 0);
}

/* ioctl returning -errno or 0. */
static inline int vttm_ioctl(struct vttm *v, unsigned long req, void *arg)
{
	return ioctl(v->fd, req, arg) ? -errno : 0;
}

static inline int vttm_create(struct vttm *v, uint64_t size, uint32_t placement,
			      uint32_t flags, uint32_t *handle, uint32_t *id)
{
	struct drm_vttm_gem_create c = { .size = size, .placement = placement, .flags = flags };
	int ret = vttm_ioctl(v, DRM_IOCTL_VTTM_GEM_CREATE, &c);

	if (!ret) {
		*handle = c.handle;
		if (id)
			*id = c.id;
	}
	return ret;
}

static inline void *vttm_map(struct vttm *v, uint32_t handle, size_t size)
{
	struct drm_vttm_gem_mmap_offset o = { .handle = handle };
	void *p;

	if (vttm_ioctl(v, DRM_IOCTL_VTTM_GEM_MMAP_OFFSET, &o))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, o.offset);
	return p == MAP_FAILED ? NULL : p;
}

static inline int vttm_info(struct vttm *v, uint32_t handle, struct drm_vttm_gem_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return vttm_ioctl(v, DRM_IOCTL_VTTM_GEM_INFO, info);
}

static inline int vttm_madvise(struct vttm *v, uint32_t handle, uint32_t madv,
			       uint32_t *retained)
{
	struct drm_vttm_gem_madvise m = { .handle = handle, .madv = madv };
	int ret = vttm_ioctl(v, DRM_IOCTL_VTTM_GEM_MADVISE, &m);

	if (!ret && retained)
		*retained = m.retained;
	return ret;
}

#define VTTM_PARAM_DIR "/sys/module/vttm/parameters"

/* Set the engine's job delay (module parameter). Return: 0 or -errno. */
static inline int vttm_set_delay(unsigned int ms)
{
	FILE *f = fopen(VTTM_PARAM_DIR "/engine_delay_ms", "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%u\n", ms) > 0 ? 0 : -EIO;
	return fclose(f) ? -errno : ret;
}

/* A read-only module parameter as a number, or -1. */
static inline long long vttm_param(const char *name)
{
	char path[128];
	long long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), VTTM_PARAM_DIR "/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

static inline int vttm_exec(struct vttm *v, uint32_t op, uint32_t src, uint32_t dst,
			    uint64_t src_off, uint64_t dst_off, uint64_t size, uint64_t value)
{
	struct drm_vttm_exec e = {
		.op = op, .src_handle = src, .dst_handle = dst, .src_offset = src_off,
		.dst_offset = dst_off, .size = size, .value = value,
	};

	return vttm_ioctl(v, DRM_IOCTL_VTTM_EXEC, &e);
}

static inline int vttm_wait(struct vttm *v, uint32_t h, int64_t timeout_ns)
{
	struct drm_vttm_gem_wait w = { .handle = h, .timeout_ns = timeout_ns };

	return vttm_ioctl(v, DRM_IOCTL_VTTM_GEM_WAIT, &w);
}

/* A BO's VTTM_STATE_, or ~0 if the info ioctl fails. */
static inline uint32_t vttm_state(struct vttm *v, uint32_t h)
{
	struct drm_vttm_gem_info info;

	return vttm_info(v, h, &info) ? ~0u : info.state;
}

static inline uint32_t vttm_placement(struct vttm *v, uint32_t h)
{
	struct drm_vttm_gem_info info;

	return vttm_info(v, h, &info) ? ~0u : info.placement;
}

static inline int vttm_close_bo(struct vttm *v, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return vttm_ioctl(v, DRM_IOCTL_GEM_CLOSE, &c);
}

/* Write @s to a shrinker node in one write(). Return: 0 or -errno. */
static inline int vttm_node_write(struct vttm *v, const char *node, const char *s, size_t len)
{
	char path[192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", v->debugfs, node);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* Run one scan as direct reclaim does (vttm's own debugfs node). */
static inline int vttm_direct_reclaim(struct vttm *v, unsigned long pages)
{
	char path[160], buf[32];
	int fd, n, ret = 0;

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/vttm/direct_reclaim", v->minor);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%lu", pages);
	if (write(fd, buf, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* The value of "key: value" in a node, or -1. */
static inline int64_t vttm_node_value(struct vttm *v, const char *node, const char *key)
{
	char path[192], line[256];
	size_t klen = strlen(key);
	int64_t val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", v->debugfs, node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			val = strtoll(line + klen + 1, NULL, 10);
	fclose(f);
	return val;
}

/* The whole text of a node into @buf. Return: bytes or -errno. */
static inline ssize_t vttm_node_read(struct vttm *v, const char *node, char *buf, size_t size)
{
	char path[192];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", v->debugfs, node);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + total, size - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return total;
}

/* Whether the device is runtime suspended: 1, 0, or -errno. */
static inline int vttm_suspended(struct vttm *v)
{
	char path[128], s[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%d/vttm/runtime_status", v->minor);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(s, sizeof(s), f))
		s[0] = '\0';
	fclose(f);
	return !strcmp(s, "suspended\n");
}

/* Autosuspend is 100 ms: wait up to 5 s under emulation. Return: 1 or 0. */
static inline int vttm_wait_suspended(struct vttm *v)
{
	for (int i = 0; i < 100; i++) {
		if (vttm_suspended(v) == 1)
			return 1;
		usleep(50000);
	}
	return 0;
}

/* A memory key of this DRM fd's fdinfo in bytes ("123 KiB"), or -1. */
static inline int64_t vttm_fdinfo(struct vttm *v, const char *key)
{
	char path[64], line[256], unit[8];
	size_t klen = strlen(key);
	long long val;
	int64_t ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", v->fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		int n;

		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		unit[0] = '\0';
		n = sscanf(line + klen + 1, "%lld %7s", &val, unit);
		if (n < 1)
			break;
		ret = val;
		if (!strcmp(unit, "KiB"))
			ret <<= 10;
		else if (!strcmp(unit, "MiB"))
			ret <<= 20;
	}
	fclose(f);
	return ret;
}

static inline uint64_t vm_pattern(uint64_t seed, uint64_t word)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL + word;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void vm_fill(uint64_t *p, size_t size, uint64_t seed)
{
	for (size_t i = 0; i < size / 8; i++)
		p[i] = vm_pattern(seed, i);
}

/* A TT BO of @size, mapped and filled with @seed's pattern; NULL on failure. */
static inline uint64_t *vttm_create_filled(struct vttm *v, size_t size, uint64_t seed,
					   uint32_t *handle)
{
	uint64_t *p;

	if (vttm_create(v, size, VTTM_PLACEMENT_TT, 0, handle, NULL))
		return NULL;
	p = vttm_map(v, *handle, size);
	if (p)
		vm_fill(p, size, seed);
	return p;
}

static inline size_t vm_mismatches(const uint64_t *p, size_t size, uint64_t seed)
{
	size_t bad = 0;

	for (size_t i = 0; i < size / 8; i++)
		bad += p[i] != vm_pattern(seed, i);
	return bad;
}

/* Write @s to a sysfs, debugfs or cgroup file in one write(). Return: 0 or -errno. */
static inline int vm_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Wait up to @secs for @pid; kill it if it is still running. Return: 0 or -ETIMEDOUT. */
static inline int vm_wait_child(pid_t pid, int secs, int *status)
{
	for (int i = 0; i < secs * 10; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -ETIMEDOUT;
}

#define VM_CGROUP_ROOT "/sys/fs/cgroup"

/*
 * A memory cgroup at @path limited to @max bytes of memory and @swap_max
 * of swap (strings as the files take them). Return: 0 or -errno.
 */
static inline int vm_memcg_create(const char *path, const char *max, const char *swap_max)
{
	char file[256];
	struct stat st;

	if (stat(VM_CGROUP_ROOT "/cgroup.controllers", &st) &&
	    mount("none", VM_CGROUP_ROOT, "cgroup2", 0, NULL))
		return -errno;
	if (vm_write_str(VM_CGROUP_ROOT "/cgroup.subtree_control", "+memory"))
		return -EOPNOTSUPP;
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(file, sizeof(file), "%s/memory.max", path);
	if (vm_write_str(file, max))
		return -EINVAL;
	snprintf(file, sizeof(file), "%s/memory.swap.max", path);
	if (vm_write_str(file, swap_max))
		return -EINVAL;
	return 0;
}

/* A "key value" line of a cgroup file (memory.events, memory.stat), or -1. */
static inline long long vm_cgroup_value(const char *path, const char *file, const char *key)
{
	char name[256], line[256];
	size_t klen = strlen(key);
	long long val = -1;
	FILE *f;

	snprintf(name, sizeof(name), "%s/%s", path, file);
	f = fopen(name, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			val = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/* A counter of /proc/vmstat, or -1. */
static inline long long vm_vmstat(const char *key)
{
	char name[64];
	long long val, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &val) == 2)
		if (!strcmp(name, key))
			found = val;
	fclose(f);
	return found;
}

/* MemTotal in bytes. */
static inline size_t vm_total_ram(void)
{
	char line[128];
	size_t kib = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %zu kB", &kib) == 1)
			break;
	fclose(f);
	return kib << 10;
}

/*
 * A child touches @bytes of anonymous memory page by page, which drives
 * it (and others) into direct reclaim, then exits. Return: 0 when it
 * finished, -1 otherwise.
 */
static inline int vm_memory_hog(size_t bytes)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		for (size_t off = 0; off < bytes; off += 4096)
			p[off] = (char)off;
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

#endif
