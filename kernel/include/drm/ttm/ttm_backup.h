/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Backup backends for TTM page reclaim.
 *
 * A backup backend stores the contents of pages that TTM gives back to the
 * system, so that they can be read back later. Pages go one folio at a time
 * (at the folio's native order when the backend can take it): backing up a
 * buffer object never needs memory proportional to its size.
 */
#ifndef _TTM_BACKUP_H_
#define _TTM_BACKUP_H_

#include <linux/mm_types.h>
#include <linux/types.h>

struct file;
struct ttm_backup;

/* Start writeback of the backed-up pages right away. */
#define TTM_BACKUP_WRITEBACK	BIT(0)

/**
 * struct ttm_backup_ops - Operations of a backup backend
 *
 * Handles identify a backed-up page. They are never zero and the pages of a
 * folio backed up at once have consecutive handles.
 */
struct ttm_backup_ops {
	/**
	 * @backup_folio: Store the 1 << @order pages starting at @page, the
	 * pages at index @idx of the buffer object. @flags are
	 * TTM_BACKUP_ flags, @gfp constrains allocations.
	 *
	 * Return: The handle of the first page, -E2BIG if the backend has
	 * the room but cannot take this order now (the caller stores the
	 * folio page by page instead), -ENOSPC if it is full, or another
	 * negative error code. On error nothing is stored.
	 */
	s64 (*backup_folio)(struct ttm_backup *backup, struct page *page,
			    unsigned int order, pgoff_t idx, unsigned int flags,
			    gfp_t gfp);
	/**
	 * @copy_back: Copy the page stored under @handle into @dst. The
	 * stored copy is kept. Return: 0 or a negative error code; with
	 * @intr, -EINTR when a signal is pending.
	 */
	int (*copy_back)(struct ttm_backup *backup, struct page *dst,
			 unsigned long handle, bool intr);
	/** @drop: Forget the @nr pages stored from @handle on. */
	void (*drop)(struct ttm_backup *backup, unsigned long handle,
		     unsigned long nr);
	/**
	 * @fini: Release the backup. The caller drops the handles it still
	 * holds first: a backend may be shared and cannot tell which
	 * stored pages were the caller's.
	 */
	void (*fini)(struct ttm_backup *backup);
	/** @bytes_avail: Bytes the backend can still take. */
	u64 (*bytes_avail)(struct ttm_backup *backup);
	/**
	 * @private_store: The backup holds one tt's pages only, and @fini
	 * releases them all: a caller about to call @fini need not @drop
	 * its handles one by one (for shmem a drop takes folio locks, which
	 * reclaim without __GFP_FS must not wait for).
	 */
	bool private_store;
};

/**
 * struct ttm_backup - The backup of one buffer object's pages
 * @ops: The backend's operations.
 */
struct ttm_backup {
	const struct ttm_backup_ops *ops;
};

struct ttm_backup *ttm_backup_shmem_create(loff_t size);
u64 ttm_backup_shmem_bytes_avail(void);
struct file *ttm_backup_shmem_file(struct ttm_backup *backup);

struct ttm_backup_file;
struct ttm_backup_file *ttm_backup_file_create(struct file *bdev_file,
					       u64 start, u64 size);
struct ttm_backup_file *ttm_backup_file_open(const char *path, u64 size);
void ttm_backup_file_put(struct ttm_backup_file *store);
struct ttm_backup *ttm_backup_file_get(struct ttm_backup_file *store);
struct ttm_backup *ttm_backup_file_tryget(struct ttm_backup_file *store);
u64 ttm_backup_file_bytes_avail(struct ttm_backup_file *store);
void ttm_backup_file_flush(struct ttm_backup_file *store);
int ttm_backup_file_read_slot(struct ttm_backup_file *store,
			      unsigned long slot, struct page *page);

/**
 * ttm_backup_fini() - Release a backup
 * @backup: The backup, or NULL.
 *
 * Drop every handle still held before releasing.
 */
static inline void ttm_backup_fini(struct ttm_backup *backup)
{
	if (backup)
		backup->ops->fini(backup);
}

/*
 * A backed-up page is recorded in the struct page pointer array of a tt as
 * a tagged value: bit 0 set (never set in a struct page pointer), the order
 * of the folio it came from in bits 1-4, the handle above.
 */
#define TTM_BACKUP_TAG		BIT(0)
#define TTM_BACKUP_ORDER_SHIFT	1
#define TTM_BACKUP_ORDER_MASK	0xfUL
#define TTM_BACKUP_HANDLE_SHIFT	5

/**
 * ttm_backup_is_handle() - Whether a page array slot holds a handle
 * @slot: The slot value.
 *
 * Return: true for a backed-up page, false for a struct page or NULL.
 */
static inline bool ttm_backup_is_handle(const struct page *slot)
{
	return (unsigned long)slot & TTM_BACKUP_TAG;
}

/**
 * ttm_backup_slot() - Encode a handle for a page array slot
 * @handle: The handle of the page.
 * @order: The order of the folio the page was backed up with.
 *
 * Return: The tagged slot value.
 */
static inline struct page *ttm_backup_slot(unsigned long handle,
					   unsigned int order)
{
	return (struct page *)((handle << TTM_BACKUP_HANDLE_SHIFT) |
			       ((unsigned long)order << TTM_BACKUP_ORDER_SHIFT) |
			       TTM_BACKUP_TAG);
}

/**
 * ttm_backup_slot_handle() - The handle of a tagged slot
 * @slot: The slot value.
 *
 * Return: The handle.
 */
static inline unsigned long ttm_backup_slot_handle(const struct page *slot)
{
	return (unsigned long)slot >> TTM_BACKUP_HANDLE_SHIFT;
}

/**
 * ttm_backup_slot_order() - The folio order recorded in a tagged slot
 * @slot: The slot value.
 *
 * Return: The order the page was backed up with.
 */
static inline unsigned int ttm_backup_slot_order(const struct page *slot)
{
	return ((unsigned long)slot >> TTM_BACKUP_ORDER_SHIFT) &
		TTM_BACKUP_ORDER_MASK;
}

#endif
