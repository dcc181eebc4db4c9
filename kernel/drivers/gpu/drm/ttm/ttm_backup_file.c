// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The file backup backend: a file on dedicated storage (say a fast NVMe
 * drive), shared by all buffer objects of a device and cut into page-size
 * slots. Slots are reserved before any data is written, so a full file is
 * reported as -ENOSPC while the source pages still hold the data. A folio is
 * stored in a naturally aligned run of slots so that it can come back at
 * its order; when free space is too fragmented for that, -E2BIG tells the
 * caller to split.
 *
 * Writes go through the file's page cache, from reclaim, so the locking
 * is chosen with care:
 *  - Freeze protection (sb_writers) is only trylocked: other writers on
 *    the file system hold it while they allocate and enter reclaim, so
 *    waiting for it here could deadlock against a pending freeze. A failed
 *    trylock is -EAGAIN and the pages stay where they are.
 *  - Every backup write runs under memalloc_nofs, so no allocation inside
 *    it recurses into reclaim that writes to this file again. The file's
 *    i_rwsem thus never nests outside fs_reclaim; it gets a lockdep class
 *    of its own so that other files of the same file system type, which
 *    do allocate under their i_rwsem, are not confused with it.
 */

#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/lockdep.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include <drm/ttm/ttm_backup.h>

/**
 * struct ttm_backup_file - A device's backup file
 * @base: The backup handed to every tt using this file.
 * @ref: References: the device's and one per tt with pages stored here.
 * @filp: The file.
 * @lock: Protects @slots and @nr_free.
 * @slots: One bit per page slot of the file, set when in use.
 * @nr_slots: Number of slots.
 * @nr_free: Number of clear bits in @slots.
 * @rcu: Frees the store after a grace period: devices look their store
 * up under RCU.
 */
struct ttm_backup_file {
	struct ttm_backup base;
	struct kref ref;
	struct file *filp;
	spinlock_t lock; /* protects slots, nr_free */
	unsigned long *slots;
	unsigned long nr_slots;
	unsigned long nr_free;
	struct rcu_head rcu;
};

static struct lock_class_key ttm_backup_file_rwsem_key;

static struct ttm_backup_file *to_store(struct ttm_backup *backup)
{
	return container_of(backup, struct ttm_backup_file, base);
}

static void ttm_backup_file_free(struct rcu_head *rcu)
{
	struct ttm_backup_file *store = container_of(rcu, typeof(*store), rcu);

	fput(store->filp);
	bitmap_free(store->slots);
	kfree(store);
}

static void ttm_backup_file_release(struct kref *ref)
{
	struct ttm_backup_file *store = container_of(ref, typeof(*store), ref);

	call_rcu(&store->rcu, ttm_backup_file_free);
}

/* Reserve an aligned run of 1 << order slots. Return: first slot or errno. */
static long ttm_backup_file_reserve(struct ttm_backup_file *store,
				    unsigned int order)
{
	unsigned long nr = 1UL << order, start;

	spin_lock(&store->lock);
	if (!store->nr_free) {
		spin_unlock(&store->lock);
		return -ENOSPC;
	}
	start = store->nr_free < nr ? store->nr_slots :
		bitmap_find_next_zero_area(store->slots, store->nr_slots, 0,
					   nr, nr - 1);
	if (start >= store->nr_slots) {
		/* Room, but no aligned run: page by page still fits. */
		spin_unlock(&store->lock);
		return order ? -E2BIG : -ENOSPC;
	}
	bitmap_set(store->slots, start, nr);
	store->nr_free -= nr;
	spin_unlock(&store->lock);

	return start;
}

static void ttm_backup_file_release_slots(struct ttm_backup_file *store,
					  unsigned long start,
					  unsigned long nr)
{
	spin_lock(&store->lock);
	/* Dropping a slot twice would hand it to two owners later. */
	WARN_ON_ONCE(find_next_zero_bit(store->slots, start + nr, start) <
		     start + nr);
	bitmap_clear(store->slots, start, nr);
	store->nr_free += nr;
	spin_unlock(&store->lock);
}

static s64 ttm_backup_file_folio(struct ttm_backup *backup, struct page *page,
				 unsigned int order, pgoff_t idx,
				 unsigned int flags, gfp_t gfp)
{
	struct ttm_backup_file *store = to_store(backup);
	unsigned long nr = 1UL << order, i;
	unsigned int nofs;
	long start;
	loff_t pos;
	s64 ret = 0;

	/* Writing to a file needs the file system. */
	if (!(gfp & __GFP_FS))
		return -EAGAIN;

	start = ttm_backup_file_reserve(store, order);
	if (start < 0)
		return start;

	if (!file_start_write_trylock(store->filp)) {
		ttm_backup_file_release_slots(store, start, nr);
		return -EAGAIN;
	}
	nofs = memalloc_nofs_save();
	pos = (loff_t)start << PAGE_SHIFT;
	for (i = 0; i < nr; i++) {
		void *vaddr = kmap_local_page(page + i);
		ssize_t written = __kernel_write(store->filp, vaddr, PAGE_SIZE,
						 &pos);

		kunmap_local(vaddr);
		if (written != PAGE_SIZE) {
			ret = written < 0 ? written : -EIO;
			break;
		}
	}
	if (!ret && (flags & TTM_BACKUP_WRITEBACK))
		filemap_fdatawrite_range(store->filp->f_mapping,
					 (loff_t)start << PAGE_SHIFT,
					 ((loff_t)(start + nr) << PAGE_SHIFT) - 1);
	memalloc_nofs_restore(nofs);
	file_end_write(store->filp);

	if (ret) {
		ttm_backup_file_release_slots(store, start, nr);
		return ret;
	}

	return start + 1;
}

static int ttm_backup_file_copy_back(struct ttm_backup *backup,
				     struct page *dst, unsigned long handle,
				     bool intr)
{
	struct ttm_backup_file *store = to_store(backup);
	loff_t pos = (loff_t)(handle - 1) << PAGE_SHIFT;
	unsigned int nofs;
	ssize_t ret;
	void *vaddr;

	if (intr && signal_pending(current))
		return -EINTR;

	nofs = memalloc_nofs_save();
	vaddr = kmap_local_page(dst);
	ret = kernel_read(store->filp, vaddr, PAGE_SIZE, &pos);
	kunmap_local(vaddr);
	memalloc_nofs_restore(nofs);

	if (ret == PAGE_SIZE)
		return 0;

	return ret < 0 ? ret : -EIO;
}

static void ttm_backup_file_drop(struct ttm_backup *backup,
				 unsigned long handle, unsigned long nr)
{
	ttm_backup_file_release_slots(to_store(backup), handle - 1, nr);
}

static void ttm_backup_file_fini(struct ttm_backup *backup)
{
	kref_put(&to_store(backup)->ref, ttm_backup_file_release);
}

static u64 ttm_backup_file_avail(struct ttm_backup *backup)
{
	return ttm_backup_file_bytes_avail(to_store(backup));
}

static const struct ttm_backup_ops ttm_backup_file_ops = {
	.backup_folio = ttm_backup_file_folio,
	.copy_back = ttm_backup_file_copy_back,
	.drop = ttm_backup_file_drop,
	.fini = ttm_backup_file_fini,
	.bytes_avail = ttm_backup_file_avail,
};

/**
 * ttm_backup_file_create() - Use an open file as a backup store
 * @filp: The file; a reference is taken.
 * @size: Bytes of the file to use, rounded down to whole pages.
 * @preallocate: Allocate the space now (fallocate), so that backing up
 * never fails for lack of space on the file system.
 *
 * Return: The store, or an ERR_PTR: -EINVAL for a size below one page or a
 * file that cannot be read and written with kernel_read()/kernel_write(),
 * or the fallocate error.
 */
struct ttm_backup_file *ttm_backup_file_create(struct file *filp, u64 size,
					       bool preallocate)
{
	unsigned long nr_slots = size >> PAGE_SHIFT;
	struct ttm_backup_file *store;
	int ret;

	if (!nr_slots || (size >> PAGE_SHIFT) > ULONG_MAX / 2 ||
	    !(filp->f_mode & FMODE_CAN_READ) ||
	    !(filp->f_mode & FMODE_CAN_WRITE))
		return ERR_PTR(-EINVAL);

	if (preallocate) {
		ret = vfs_fallocate(filp, 0, 0, (loff_t)nr_slots << PAGE_SHIFT);
		if (ret)
			return ERR_PTR(ret);
	}

	store = kzalloc(sizeof(*store), GFP_KERNEL);
	if (!store)
		return ERR_PTR(-ENOMEM);

	store->slots = bitmap_zalloc(nr_slots, GFP_KERNEL);
	if (!store->slots) {
		kfree(store);
		return ERR_PTR(-ENOMEM);
	}

	/* See the comment at the top: this i_rwsem is only taken under nofs. */
	lockdep_set_class(&file_inode(filp)->i_rwsem, &ttm_backup_file_rwsem_key);

	store->base.ops = &ttm_backup_file_ops;
	kref_init(&store->ref);
	spin_lock_init(&store->lock);
	store->filp = get_file(filp);
	store->nr_slots = nr_slots;
	store->nr_free = nr_slots;

	return store;
}
EXPORT_SYMBOL_GPL(ttm_backup_file_create);

/**
 * ttm_backup_file_open() - Open or create a backup file and use it
 * @path: Absolute path of the file.
 * @size: Bytes to use; the space is allocated now.
 *
 * Return: The store, or an ERR_PTR.
 */
struct ttm_backup_file *ttm_backup_file_open(const char *path, u64 size)
{
	struct ttm_backup_file *store;
	struct file *filp;

	filp = filp_open(path, O_RDWR | O_CREAT | O_LARGEFILE, 0600);
	if (IS_ERR(filp))
		return ERR_CAST(filp);

	store = ttm_backup_file_create(filp, size, true);
	fput(filp);

	return store;
}
EXPORT_SYMBOL_GPL(ttm_backup_file_open);

/**
 * ttm_backup_file_put() - Drop the device's reference to a store
 * @store: The store, or NULL.
 *
 * The file is closed once no tt has pages stored in it any more.
 */
void ttm_backup_file_put(struct ttm_backup_file *store)
{
	if (store)
		kref_put(&store->ref, ttm_backup_file_release);
}
EXPORT_SYMBOL_GPL(ttm_backup_file_put);

/**
 * ttm_backup_file_get() - A backup in @store for one tt
 * @store: The store.
 *
 * Return: The backup; release it with ttm_backup_fini().
 */
struct ttm_backup *ttm_backup_file_get(struct ttm_backup_file *store)
{
	kref_get(&store->ref);
	return &store->base;
}
EXPORT_SYMBOL_GPL(ttm_backup_file_get);

/**
 * ttm_backup_file_tryget() - A backup in @store, unless it is going away
 * @store: The store, looked up under RCU.
 *
 * Return: The backup, or NULL once the last reference is gone.
 */
struct ttm_backup *ttm_backup_file_tryget(struct ttm_backup_file *store)
{
	return kref_get_unless_zero(&store->ref) ? &store->base : NULL;
}
EXPORT_SYMBOL_GPL(ttm_backup_file_tryget);

/**
 * ttm_backup_file_bytes_avail() - Free space in a store
 * @store: The store.
 *
 * Read without the lock: a snapshot for statistics and shrinker counts.
 *
 * Return: Bytes of free slots.
 */
u64 ttm_backup_file_bytes_avail(struct ttm_backup_file *store)
{
	return (u64)READ_ONCE(store->nr_free) << PAGE_SHIFT;
}
EXPORT_SYMBOL_GPL(ttm_backup_file_bytes_avail);
