// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The shrinker's debugfs nodes, in dri/<minor>/shrinker/:
 *   shrink     0600  write a size, "all" or "purge" to shrink the device;
 *                    read the result
 *   stats      0400  key: value counters, lock-free
 *   bos        0400  one line per BO
 *   purgeable  0200  write "<id> dontneed" or "<id> willneed"
 *   backup_device 0600  a block device path, or "shmem": where BOs go
 * Malformed writes fail with -EINVAL and change nothing.
 */

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/ttm/ttm_backup.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_shrinker.h>
#include <drm/ttm/ttm_tt.h>

/* Longest accepted write: "<u32> willneed" or a size, with a newline. */
#define TTM_SHRINKER_WRITE_MAX 32

/**
 * ttm_shrinker_parse_size() - Parse a size as the shrink node takes it
 * @buf: Decimal digits, optionally one suffix K, M, G or T (either case),
 * optionally a trailing newline. Nothing else: no sign, no spaces inside,
 * no second suffix.
 * @bytes: The size in bytes, on success.
 *
 * Stricter than memparse(), which stops silently at the first character
 * it does not know: "12Q" must not shrink 12 bytes.
 *
 * Return: 0, or -EINVAL for anything malformed, zero, or too large for
 * 64 bits.
 */
int ttm_shrinker_parse_size(const char *buf, u64 *bytes)
{
	unsigned int shift = 0;
	u64 val = 0;
	const char *p = buf;

	if (!isdigit(*p))
		return -EINVAL;

	for (; isdigit(*p); p++) {
		if (check_mul_overflow(val, (u64)10, &val) ||
		    check_add_overflow(val, (u64)(*p - '0'), &val))
			return -EINVAL;
	}

	switch (*p) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	}
	if (shift)
		p++;
	if (*p == '\n')
		p++;
	if (*p || !val)
		return -EINVAL;
	if (shift && val > (U64_MAX >> shift))
		return -EINVAL;
	val <<= shift;
	/* whole pages: a size that rounds up past 2^64 is no size */
	if (val > U64_MAX - PAGE_SIZE + 1)
		return -EINVAL;

	*bytes = val;
	return 0;
}
EXPORT_SYMBOL(ttm_shrinker_parse_size);

/**
 * ttm_shrinker_parse_shrink() - Parse what the shrink node takes
 * @buf: A size (see ttm_shrinker_parse_size()), or the keyword "all" (free
 * all there is) or "purge" (the purge pass alone, over every purgeable
 * BO), optionally with a trailing newline.
 * @bytes: The size, or 0 for a keyword.
 * @flags: 0, or the ttm_shrinker_shrink() flags of the keyword.
 *
 * Return: 0, or -EINVAL for anything else.
 */
int ttm_shrinker_parse_shrink(const char *buf, u64 *bytes,
			      unsigned int *flags)
{
	if (sysfs_streq(buf, "all")) {
		*bytes = 0;
		*flags = TTM_SHRINK_ALL;
		return 0;
	}
	if (sysfs_streq(buf, "purge")) {
		*bytes = 0;
		*flags = TTM_SHRINK_ALL | TTM_SHRINK_PURGE_ONLY;
		return 0;
	}
	*flags = 0;
	return ttm_shrinker_parse_size(buf, bytes);
}
EXPORT_SYMBOL(ttm_shrinker_parse_shrink);

static int ttm_shrinker_copy_write(const char __user *ubuf, size_t len,
				   char *buf)
{
	if (!len || len >= TTM_SHRINKER_WRITE_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	return 0;
}

static ssize_t ttm_shrinker_shrink_write(struct file *file,
					 const char __user *ubuf, size_t len,
					 loff_t *ppos)
{
	struct ttm_shrinker *s = file_inode(file)->i_private;
	struct ttm_shrink_result result;
	char buf[TTM_SHRINKER_WRITE_MAX];
	unsigned int flags;
	u64 bytes;
	int ret;

	ret = ttm_shrinker_copy_write(ubuf, len, buf);
	if (ret)
		return ret;
	ret = ttm_shrinker_parse_shrink(buf, &bytes, &flags);
	if (ret)
		return ret;

	ret = ttm_shrinker_shrink(s, bytes, flags, &result);

	return ret ?: len;
}

static int ttm_shrinker_shrink_show(struct seq_file *m, void *data)
{
	struct ttm_shrinker *s = m->private;
	struct ttm_shrink_result r;

	mutex_lock(&s->shrink_lock);
	r = s->last;
	mutex_unlock(&s->shrink_lock);

	seq_printf(m, "requested_bytes: %llu\n", r.requested_bytes);
	seq_printf(m, "freed_bytes: %llu\n", r.freed_bytes);
	seq_printf(m, "purged_bytes: %llu\n", r.purged_bytes);
	seq_printf(m, "backed_up_bytes: %llu\n", r.backed_up_bytes);
	seq_printf(m, "scanned_bos: %llu\n", r.scanned_bos);
	seq_printf(m, "skipped_locked: %llu\n", r.skipped_locked);
	seq_printf(m, "skipped_busy: %llu\n", r.skipped_busy);
	seq_printf(m, "duration_ns: %llu\n", r.duration_ns);
	seq_printf(m, "status: %d\n", r.status);

	return 0;
}

static int ttm_shrinker_shrink_open(struct inode *inode, struct file *file)
{
	return single_open(file, ttm_shrinker_shrink_show, inode->i_private);
}

static const struct file_operations ttm_shrinker_shrink_fops = {
	.owner = THIS_MODULE,
	.open = ttm_shrinker_shrink_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = ttm_shrinker_shrink_write,
};

static void ttm_shrinker_show_pages(struct seq_file *m, const char *key,
				    atomic_long_t *pages)
{
	long n = atomic_long_read(pages);

	seq_printf(m, "%s: %llu\n", key, n > 0 ? (u64)n << PAGE_SHIFT : 0);
}

static void ttm_shrinker_show_stat(struct seq_file *m, const char *key,
				   atomic64_t *v)
{
	seq_printf(m, "%s: %lld\n", key, atomic64_read(v));
}

static int ttm_shrinker_stats_show(struct seq_file *m, void *data)
{
	struct ttm_shrinker *s = m->private;
	struct ttm_shrinker_stats *st = &s->stats;

	ttm_shrinker_show_pages(m, "shrinkable_bytes", &s->shrinkable_pages);
	ttm_shrinker_show_pages(m, "purgeable_bytes", &s->purgeable_pages);
	ttm_shrinker_show_pages(m, "backed_up_bytes", &s->backed_up_pages);
	ttm_shrinker_show_pages(m, "pinned_bytes", &s->pinned_pages);
	ttm_shrinker_show_stat(m, "count_calls", &st->count_calls);
	ttm_shrinker_show_stat(m, "scan_calls", &st->scan_calls);
	ttm_shrinker_show_stat(m, "scan_ns_total", &st->scan_ns_total);
	ttm_shrinker_show_stat(m, "scan_ns_max", &st->scan_ns_max);
	ttm_shrinker_show_stat(m, "scanned_bos", &st->scanned_bos);
	ttm_shrinker_show_stat(m, "freed_bytes", &st->freed_bytes);
	ttm_shrinker_show_stat(m, "purged_bytes", &st->purged_bytes);
	ttm_shrinker_show_stat(m, "backup_bytes", &st->backup_bytes);
	ttm_shrinker_show_stat(m, "restore_bytes", &st->restore_bytes);
	ttm_shrinker_show_stat(m, "skipped_locked", &st->skipped_locked);
	ttm_shrinker_show_stat(m, "skipped_busy", &st->skipped_busy);
	ttm_shrinker_show_stat(m, "skipped_pinned", &st->skipped_pinned);
	ttm_shrinker_show_stat(m, "skipped_rpm", &st->skipped_rpm);
	ttm_shrinker_show_stat(m, "skipped_fragmentation",
			       &st->skipped_fragmentation);
	ttm_shrinker_show_stat(m, "walk_steps", &st->walk_steps);
	ttm_shrinker_show_stat(m, "enospc", &st->enospc);
	ttm_shrinker_show_stat(m, "backup_errors", &st->backup_errors);
	ttm_shrinker_show_stat(m, "restore_errors", &st->restore_errors);

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ttm_shrinker_stats);

static const char *ttm_shrinker_bo_state(struct ttm_buffer_object *bo)
{
	struct ttm_tt *tt = bo->ttm;

	if (!tt)
		return "resident";
	if (ttm_tt_is_backed_up(tt))
		return ttm_tt_resident_pages(tt) ? "partial" : "backed_up";
	if (ttm_tt_purged(tt) && !ttm_tt_is_populated(tt))
		return "purged";

	return "resident";
}

static const char *ttm_shrinker_placement(struct ttm_buffer_object *bo)
{
	if (!bo->resource)
		return "none";

	switch (bo->resource->mem_type) {
	case TTM_PL_SYSTEM:
		return "system";
	case TTM_PL_TT:
		return "tt";
	case TTM_PL_VRAM:
		return "vram";
	default:
		return "priv";
	}
}

struct ttm_shrinker_bos_arg {
	struct ttm_shrinker_bo_visitor visitor;
	struct ttm_shrinker *s;
	struct seq_file *m;
};

static int ttm_shrinker_bos_one(struct ttm_shrinker_bo_visitor *visitor,
				struct ttm_buffer_object *bo)
{
	struct ttm_shrinker_bos_arg *arg =
		container_of(visitor, struct ttm_shrinker_bos_arg, visitor);
	struct ttm_shrinker_bo_info info = {};
	bool busy;

	arg->s->funcs->bo_info(bo, &info);
	/* A snapshot: take the reservation, but do not wait for it. */
	if (!dma_resv_trylock(bo->base.resv)) {
		seq_printf(arg->m, "%u %zu %s locked %s - - %d %s\n", info.id,
			   bo->base.size, ttm_shrinker_placement(bo),
			   info.dontneed ? "dontneed" : "willneed", info.pid,
			   info.comm[0] ? info.comm : "-");
		return 0;
	}
	busy = !dma_resv_test_signaled(bo->base.resv, DMA_RESV_USAGE_BOOKKEEP);
	seq_printf(arg->m, "%u %zu %s %s %s %s %s %d %s\n", info.id,
		   bo->base.size, ttm_shrinker_placement(bo),
		   ttm_shrinker_bo_state(bo),
		   info.dontneed ? "dontneed" : "willneed",
		   bo->pin_count ? "pinned" : "unpinned",
		   busy ? "busy" : "idle", info.pid,
		   info.comm[0] ? info.comm : "-");
	dma_resv_unlock(bo->base.resv);

	return 0;
}

static int ttm_shrinker_bos_show(struct seq_file *m, void *data)
{
	struct ttm_shrinker *s = m->private;
	struct ttm_shrinker_bos_arg arg = {
		.visitor.visit = ttm_shrinker_bos_one,
		.s = s,
		.m = m,
	};

	seq_puts(m, "# id size placement state madvise pinned busy pid comm\n");
	if (!s->funcs->for_each_bo || !s->funcs->bo_info)
		return 0;

	return s->funcs->for_each_bo(s, &arg.visitor);
}
DEFINE_SHOW_ATTRIBUTE(ttm_shrinker_bos);

/**
 * ttm_shrinker_parse_purgeable() - Parse a write to the purgeable node
 * @buf: "<id> dontneed" or "<id> willneed", optionally with a trailing
 * newline; the id in decimal. @buf is modified.
 * @id: The BO id, on success.
 * @dontneed: true for dontneed, on success.
 *
 * Return: 0, or -EINVAL for anything else.
 */
int ttm_shrinker_parse_purgeable(char *buf, u32 *id, bool *dontneed)
{
	char *p = buf, *id_str, *state;
	u32 val;

	if (*p && p[strlen(p) - 1] == '\n')
		p[strlen(p) - 1] = '\0';
	id_str = strsep(&p, " ");
	state = p;
	if (!state || !*id_str || !isdigit(*id_str) || kstrtou32(id_str, 10, &val))
		return -EINVAL;

	if (!strcmp(state, "dontneed"))
		*dontneed = true;
	else if (!strcmp(state, "willneed"))
		*dontneed = false;
	else
		return -EINVAL;

	*id = val;
	return 0;
}
EXPORT_SYMBOL(ttm_shrinker_parse_purgeable);

static ssize_t ttm_shrinker_purgeable_write(struct file *file,
					    const char __user *ubuf,
					    size_t len, loff_t *ppos)
{
	struct ttm_shrinker *s = file_inode(file)->i_private;
	char buf[TTM_SHRINKER_WRITE_MAX];
	bool dontneed;
	u32 id;
	int ret;

	if (!s->funcs->set_purgeable)
		return -EOPNOTSUPP;

	ret = ttm_shrinker_copy_write(ubuf, len, buf);
	if (ret)
		return ret;

	ret = ttm_shrinker_parse_purgeable(buf, &id, &dontneed);
	if (ret)
		return ret;

	ret = s->funcs->set_purgeable(s, id, dontneed);

	return ret ?: len;
}

static const struct file_operations ttm_shrinker_purgeable_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = ttm_shrinker_purgeable_write,
	.llseek = noop_llseek,
};

/*
 * backup_device: where the device's BOs are backed up. Write the path of a
 * block device to claim it as the device's file store, or "shmem" for the
 * default; tts already given storage keep theirs. Read: "shmem" or the
 * path.
 */
static ssize_t ttm_shrinker_backup_device_write(struct file *file,
						const char __user *ubuf,
						size_t len, loff_t *ppos)
{
	struct ttm_shrinker *s = file_inode(file)->i_private;
	struct ttm_backup_file *store = NULL;
	char path[sizeof(s->backup_path)];
	int ret;

	if (!len || len >= sizeof(path))
		return -EINVAL;
	if (copy_from_user(path, ubuf, len))
		return -EFAULT;
	path[len] = '\0';
	strim(path);
	if (!*path)
		return -EINVAL;

	if (strcmp(path, "shmem")) {
		if (path[0] != '/')
			return -EINVAL;
		store = ttm_backup_file_open(path, 0);
		if (IS_ERR(store))
			return PTR_ERR(store);
	}

	ret = mutex_lock_interruptible(&s->shrink_lock);
	if (ret) {
		ttm_backup_file_put(store);
		return ret;
	}
	ttm_device_set_backup_file(s->bdev, store);
	strscpy(s->backup_path, store ? path : "shmem", sizeof(s->backup_path));
	mutex_unlock(&s->shrink_lock);

	return len;
}

static int ttm_shrinker_backup_device_show(struct seq_file *m, void *data)
{
	struct ttm_shrinker *s = m->private;

	mutex_lock(&s->shrink_lock);
	seq_printf(m, "%s\n", s->backup_path[0] ? s->backup_path : "shmem");
	mutex_unlock(&s->shrink_lock);

	return 0;
}

static int ttm_shrinker_backup_device_open(struct inode *inode,
					   struct file *file)
{
	return single_open(file, ttm_shrinker_backup_device_show,
			   inode->i_private);
}

static const struct file_operations ttm_shrinker_backup_device_fops = {
	.owner = THIS_MODULE,
	.open = ttm_shrinker_backup_device_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = ttm_shrinker_backup_device_write,
};

/**
 * ttm_shrinker_debugfs_init() - Create the shrinker's debugfs nodes
 * @shrinker: The shrinker.
 * @parent: The DRM minor's debugfs directory; the nodes go into a
 * shrinker/ directory inside it, and are removed with it, which must
 * happen before ttm_shrinker_destroy().
 */
void ttm_shrinker_debugfs_init(struct ttm_shrinker *shrinker,
			       struct dentry *parent)
{
	struct dentry *dir = debugfs_create_dir("shrinker", parent);

	debugfs_create_file("shrink", 0600, dir, shrinker,
			    &ttm_shrinker_shrink_fops);
	debugfs_create_file("stats", 0400, dir, shrinker,
			    &ttm_shrinker_stats_fops);
	debugfs_create_file("bos", 0400, dir, shrinker,
			    &ttm_shrinker_bos_fops);
	debugfs_create_file("purgeable", 0200, dir, shrinker,
			    &ttm_shrinker_purgeable_fops);
	debugfs_create_file("backup_device", 0600, dir, shrinker,
			    &ttm_shrinker_backup_device_fops);
}
EXPORT_SYMBOL(ttm_shrinker_debugfs_init);
