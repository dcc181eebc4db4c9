// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The file backup backend: a block device (a disk or a partition on fast
 * dedicated storage, say an NVMe drive) shared by all buffer objects of a
 * device and cut into page-size slots. Slots are reserved before any data
 * is written, so a full device is reported as -ENOSPC while the source
 * pages still hold the data. A folio is stored in a naturally aligned run
 * of slots so that it can come back at its order; when free space is too
 * fragmented for that, -E2BIG tells the caller to store it page by page.
 *
 * Pages are written and read with bios straight from and into the
 * buffer object's pages, as swap does: no page cache (dirty page cache is
 * not memory freed, and writing it from kswapd would throttle kswapd in
 * balance_dirty_pages()), no file system locks (reclaim may hold them),
 * and no allocation of our own (the bio lives on the stack; the block
 * layer draws on its mempools), so a restore never charges a memory
 * cgroup or wakes the OOM killer.
 *
 * Dropped slots are zeroed before they are handed out again, by a worker:
 * GPU data does not stay on the disk after its buffer object is gone.
 */

#include <linux/bio.h>
#include <linux/bitmap.h>
#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <drm/drm_util.h>
#include <drm/ttm/ttm_backup.h>

#define TTM_BACKUP_SLOT_SECTORS	(PAGE_SIZE >> SECTOR_SHIFT)

/**
 * struct ttm_backup_file - A device's backup block device
 * @base: The backup handed to every tt using this store.
 * @ref: References: the device's and one per tt with storage here.
 * @bdev_file: The block device, claimed by the store.
 * @bdev: Its block device.
 * @holder: The exclusive claim's holder, when ttm_backup_file_open()
 * made it.
 * @start: The first sector of the region the store uses.
 * @lock: Protects @slots, @dropped, @nr_free and @hint.
 * @slots: One bit per page slot, set while in use or waiting to be zeroed.
 * @dropped: Slots given back, to be zeroed before they are free again.
 * @nr_slots: Number of slots.
 * @nr_free: Number of free slots.
 * @hint: Where the next search for free slots starts.
 * @zero_work: Zeroes dropped slots and frees them.
 * @release_work: Releases the store once the last reference is gone.
 * @rcu: Frees the store after a grace period: devices look it up under
 * RCU.
 */
struct ttm_backup_file {
	struct ttm_backup base;
	struct kref ref;
	struct file *bdev_file;
	struct block_device *bdev;
	void *holder;
	sector_t start;
	spinlock_t lock; /* slots, dropped, nr_free, hint */
	unsigned long *slots;
	unsigned long *dropped;
	unsigned long nr_slots;
	unsigned long nr_free;
	unsigned long hint;
	struct work_struct zero_work;
	struct work_struct release_work;
	struct rcu_head rcu;
};

static struct ttm_backup_file *to_store(struct ttm_backup *backup)
{
	return container_of(backup, struct ttm_backup_file, base);
}

/* Find an aligned run of @nr zero bits from @start; @nr_slots if none. */
static unsigned long ttm_backup_file_find(struct ttm_backup_file *store,
					  unsigned long start, unsigned long nr)
{
	return bitmap_find_next_zero_area(store->slots, store->nr_slots, start,
					  nr, nr - 1);
}

/*
 * Reserve an aligned run of 1 << order slots. The search starts where the
 * last one ended, so a stream of backups does not rescan the used part of
 * the bitmap each time. Return: the first slot or a negative errno.
 */
static long ttm_backup_file_reserve(struct ttm_backup_file *store,
				    unsigned int order)
{
	unsigned long nr = 1UL << order, start;

	spin_lock(&store->lock);
	if (store->nr_free < nr) {
		/* not the whole folio, page by page neither */
		spin_unlock(&store->lock);
		return -ENOSPC;
	}
	start = ttm_backup_file_find(store, ALIGN(store->hint, nr), nr);
	if (start >= store->nr_slots)
		start = ttm_backup_file_find(store, 0, nr);
	if (start >= store->nr_slots) {
		/* room, but no aligned run */
		spin_unlock(&store->lock);
		return order ? -E2BIG : -ENOSPC;
	}
	bitmap_set(store->slots, start, nr);
	store->nr_free -= nr;
	store->hint = start + nr;
	spin_unlock(&store->lock);

	return start;
}

static void ttm_backup_file_free_slots(struct ttm_backup_file *store,
				       unsigned long start, unsigned long nr)
{
	spin_lock(&store->lock);
	/* Freeing a slot twice would hand it to two owners later. */
	WARN_ON_ONCE(find_next_zero_bit(store->slots, start + nr, start) <
		     start + nr);
	bitmap_clear(store->slots, start, nr);
	store->nr_free += nr;
	spin_unlock(&store->lock);
}

/*
 * Read or write @nr slots from @slot with the @nr pages from @page on,
 * which are physically contiguous (one folio, or part of one), in one
 * synchronous bio that lives on the stack.
 */
static int ttm_backup_file_io(struct ttm_backup_file *store, struct page *page,
			      unsigned long slot, unsigned long nr,
			      blk_opf_t opf)
{
	struct bio_vec bvec;
	struct bio bio;
	int ret;

	bio_init(&bio, store->bdev, &bvec, 1, opf);
	bio.bi_iter.bi_sector = store->start +
				(sector_t)slot * TTM_BACKUP_SLOT_SECTORS;
	__bio_add_page(&bio, page, nr << PAGE_SHIFT, 0);
	ret = submit_bio_wait(&bio);
	bio_uninit(&bio);

	return ret;
}

static s64 ttm_backup_file_folio(struct ttm_backup *backup, struct page *page,
				 unsigned int order, pgoff_t idx,
				 unsigned int flags, gfp_t gfp)
{
	struct ttm_backup_file *store = to_store(backup);
	long start;
	int ret;

	/* Block I/O: not where the context forbids it. */
	if (!(gfp & __GFP_IO))
		return -EAGAIN;

	start = ttm_backup_file_reserve(store, order);
	if (start < 0)
		return start;

	ret = ttm_backup_file_io(store, page, start, 1UL << order,
				 REQ_OP_WRITE | REQ_SYNC);
	if (ret) {
		/* nothing of value was written: free, not dropped */
		ttm_backup_file_free_slots(store, start, 1UL << order);
		return ret;
	}

	return start + 1;
}

static int ttm_backup_file_copy_back(struct ttm_backup *backup,
				     struct page *dst, unsigned long handle,
				     bool intr)
{
	if (intr && signal_pending(current))
		return -EINTR;

	return ttm_backup_file_io(to_store(backup), dst, handle - 1, 1,
				  REQ_OP_READ);
}

/* Zero dropped slots, in runs, then free them for new backups. */
static void ttm_backup_file_zero_work(struct work_struct *work)
{
	struct ttm_backup_file *store =
		container_of(work, struct ttm_backup_file, zero_work);
	unsigned long start = 0, end;

	for (;;) {
		spin_lock(&store->lock);
		start = find_next_bit(store->dropped, store->nr_slots, start);
		if (start >= store->nr_slots) {
			spin_unlock(&store->lock);
			break;
		}
		end = find_next_zero_bit(store->dropped, store->nr_slots, start);
		spin_unlock(&store->lock);

		/*
		 * Zeroes, or leaves the data if the device cannot (the slots
		 * are reused either way): a failure is no reason to leak
		 * them.
		 */
		blkdev_issue_zeroout(store->bdev, store->start +
				     (sector_t)start * TTM_BACKUP_SLOT_SECTORS,
				     (sector_t)(end - start) * TTM_BACKUP_SLOT_SECTORS,
				     GFP_KERNEL, 0);

		spin_lock(&store->lock);
		bitmap_clear(store->dropped, start, end - start);
		spin_unlock(&store->lock);
		ttm_backup_file_free_slots(store, start, end - start);
		start = end;
		cond_resched();
	}
}

static void ttm_backup_file_drop(struct ttm_backup *backup,
				 unsigned long handle, unsigned long nr)
{
	struct ttm_backup_file *store = to_store(backup);

	spin_lock(&store->lock);
	WARN_ON_ONCE(find_next_bit(store->dropped, handle - 1 + nr, handle - 1) <
		     handle - 1 + nr);
	bitmap_set(store->dropped, handle - 1, nr);
	spin_unlock(&store->lock);
	queue_work(system_unbound_wq, &store->zero_work);
}

static void ttm_backup_file_free(struct rcu_head *rcu)
{
	struct ttm_backup_file *store = container_of(rcu, typeof(*store), rcu);

	bitmap_free(store->dropped);
	bitmap_free(store->slots);
	kfree(store);
}

/*
 * The last reference may go in reclaim (a purge, a deleted BO freed by a
 * scan): waiting for the zeroing and giving the device up take I/O and
 * the disk's open_mutex, so a worker does that.
 */
static void ttm_backup_file_release_work(struct work_struct *work)
{
	struct ttm_backup_file *store =
		container_of(work, struct ttm_backup_file, release_work);

	/* what is still to be zeroed is zeroed before the device goes */
	flush_work(&store->zero_work);
	bdev_fput(store->bdev_file);
	kfree(store->holder);
	call_rcu(&store->rcu, ttm_backup_file_free);
}

static void ttm_backup_file_release(struct kref *ref)
{
	struct ttm_backup_file *store = container_of(ref, typeof(*store), ref);

	queue_work(system_unbound_wq, &store->release_work);
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
 * ttm_backup_file_create() - Use a block device as a backup store
 * @bdev_file: A block device opened (and claimed, exclusively) with
 * bdev_file_open_by_path() or bdev_file_open_by_dev(), readable and
 * writable. The store takes it over: it releases it with bdev_fput(),
 * also on error.
 * @start: Where on the device the store starts, in bytes, page aligned.
 * @size: Bytes of the device to use from @start on, rounded down to whole
 * pages.
 *
 * Return: The store, or an ERR_PTR: -EINVAL for a file that is not a
 * block device, a misaligned start, a size below one page or a region
 * beyond the device, or -ENOMEM.
 */
struct ttm_backup_file *ttm_backup_file_create(struct file *bdev_file,
					       u64 start, u64 size)
{
	unsigned long nr_slots = size >> PAGE_SHIFT;
	struct ttm_backup_file *store;
	struct block_device *bdev;
	int ret = -EINVAL;

	if (!S_ISBLK(file_inode(bdev_file)->i_mode) ||
	    !(bdev_file->f_mode & FMODE_READ) ||
	    !(bdev_file->f_mode & FMODE_WRITE))
		goto err_put;
	bdev = file_bdev(bdev_file);
	if (!nr_slots || !PAGE_ALIGNED(start) || start > bdev_nr_bytes(bdev) ||
	    size > bdev_nr_bytes(bdev) - start || nr_slots > ULONG_MAX / 2)
		goto err_put;

	ret = -ENOMEM;
	store = kzalloc(sizeof(*store), GFP_KERNEL);
	if (!store)
		goto err_put;
	store->slots = bitmap_zalloc(nr_slots, GFP_KERNEL);
	store->dropped = bitmap_zalloc(nr_slots, GFP_KERNEL);
	if (!store->slots || !store->dropped) {
		bitmap_free(store->slots);
		bitmap_free(store->dropped);
		kfree(store);
		goto err_put;
	}

	store->base.ops = &ttm_backup_file_ops;
	kref_init(&store->ref);
	spin_lock_init(&store->lock);
	INIT_WORK(&store->zero_work, ttm_backup_file_zero_work);
	INIT_WORK(&store->release_work, ttm_backup_file_release_work);
	store->bdev_file = bdev_file;
	store->bdev = bdev;
	store->start = start >> SECTOR_SHIFT;
	store->nr_slots = nr_slots;
	store->nr_free = nr_slots;

	return store;

err_put:
	bdev_fput(bdev_file);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(ttm_backup_file_create);

/**
 * ttm_backup_file_open() - Claim a block device and use it as a store
 * @path: The block device's path, e.g. "/dev/nvme1n1p2".
 * @size: Bytes to use from its start; 0 for the whole device.
 *
 * The device is claimed exclusively: no file system, swap or second
 * store can use it meanwhile.
 *
 * Return: The store, or an ERR_PTR.
 */
struct ttm_backup_file *ttm_backup_file_open(const char *path, u64 size)
{
	struct ttm_backup_file *store;
	struct file *bdev_file;
	void *holder;

	/* a holder of its own: a second store on the device is -EBUSY */
	holder = kzalloc(1, GFP_KERNEL);
	if (!holder)
		return ERR_PTR(-ENOMEM);
	bdev_file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
					   holder, NULL);
	if (IS_ERR(bdev_file)) {
		kfree(holder);
		return ERR_CAST(bdev_file);
	}
	if (!size)
		size = bdev_nr_bytes(file_bdev(bdev_file));

	store = ttm_backup_file_create(bdev_file, 0, size);
	if (IS_ERR(store))
		kfree(holder);
	else
		store->holder = holder;

	return store;
}
EXPORT_SYMBOL_GPL(ttm_backup_file_open);

static void ttm_backup_file_release_later(struct kref *ref)
{
	/* the caller releases the store itself */
}

/**
 * ttm_backup_file_put() - Drop the device's reference to a store
 * @store: The store, or NULL.
 *
 * The block device is released once no tt has storage there any more:
 * here, before returning, if no tt has (so that whoever chose another
 * backend can use the device at once), else when the last tt lets go.
 *
 * Context: Process context; takes the block device's open_mutex.
 */
void ttm_backup_file_put(struct ttm_backup_file *store)
{
	might_sleep();
	if (store && kref_put(&store->ref, ttm_backup_file_release_later))
		ttm_backup_file_release_work(&store->release_work);
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
 * Slots dropped but not yet zeroed are not free yet.
 *
 * Return: Bytes of free slots.
 */
u64 ttm_backup_file_bytes_avail(struct ttm_backup_file *store)
{
	return (u64)READ_ONCE(store->nr_free) << PAGE_SHIFT;
}
EXPORT_SYMBOL_GPL(ttm_backup_file_bytes_avail);

/**
 * ttm_backup_file_flush() - Wait until dropped slots are free again
 * @store: The store.
 *
 * For tests, and for callers that need the space a restore gave back.
 */
void ttm_backup_file_flush(struct ttm_backup_file *store)
{
	flush_work(&store->zero_work);
}
EXPORT_SYMBOL_GPL(ttm_backup_file_flush);

/**
 * ttm_backup_file_read_slot() - Read what the device holds in a slot
 * @store: The store.
 * @slot: The slot, in use or not.
 * @page: Where the slot's contents go.
 *
 * For tests of what stays on the disk.
 *
 * Return: 0, -EINVAL for a slot beyond the store, or the I/O error.
 */
int ttm_backup_file_read_slot(struct ttm_backup_file *store,
			      unsigned long slot, struct page *page)
{
	if (slot >= store->nr_slots)
		return -EINVAL;

	return ttm_backup_file_io(store, page, slot, 1, REQ_OP_READ);
}
EXPORT_SYMBOL_FOR_TESTS_ONLY(ttm_backup_file_read_slot);
