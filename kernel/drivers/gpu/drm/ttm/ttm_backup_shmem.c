// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The shmem backup backend: each backed-up tt gets an unlinked shmem file
 * of its size, page i of the tt at page index i of the file, so a handle is
 * simply the page index plus one. shmem pages are swappable, so what this
 * backend can take is bounded by free swap.
 */

#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/writeback.h>

#include <drm/drm_util.h>
#include <drm/ttm/ttm_backup.h>

struct ttm_backup_shmem {
	struct ttm_backup base;
	struct file *filp;
};

static struct ttm_backup_shmem *to_shmem(struct ttm_backup *backup)
{
	return container_of(backup, struct ttm_backup_shmem, base);
}

/*
 * Placement bits come from the shmem mapping (highmem, movable), behaviour
 * bits (may reclaim, may do I/O, may fail) from the caller.
 */
static gfp_t ttm_backup_shmem_gfp(struct address_space *mapping, gfp_t gfp)
{
	const gfp_t zone = __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_DMA |
			   __GFP_DMA32;

	return (mapping_gfp_mask(mapping) & (zone | __GFP_HARDWALL)) |
		(gfp & ~zone);
}

/*
 * Hand a freshly written folio to swap now instead of waiting for reclaim
 * to find it. Without __GFP_FS we may be called with locks held that the
 * folio lock nests inside, so only trylock then.
 */
static void ttm_backup_shmem_writeback(struct folio *folio, gfp_t gfp)
{
	struct address_space *mapping = folio->mapping;
	struct writeback_control wbc = {
		.sync_mode = WB_SYNC_NONE,
		.nr_to_write = SWAP_CLUSTER_MAX,
		.range_start = 0,
		.range_end = LLONG_MAX,
		.for_reclaim = 1,
	};
	int ret;

	/* No swap to write to, or no I/O allowed in this context. */
	if (!total_swap_pages || !(gfp & __GFP_IO))
		return;

	if (gfp & __GFP_FS)
		folio_lock(folio);
	else if (!folio_trylock(folio))
		return;

	if (folio->mapping != mapping || folio_mapped(folio) ||
	    folio_test_writeback(folio) || !folio_clear_dirty_for_io(folio)) {
		folio_unlock(folio);
		return;
	}

	folio_set_reclaim(folio);
	ret = mapping->a_ops->writepage(&folio->page, &wbc);
	if (!folio_test_writeback(folio))
		folio_clear_reclaim(folio);
	/* The folio is unlocked unless writepage asked to keep it active. */
	if (ret == AOP_WRITEPAGE_ACTIVATE)
		folio_unlock(folio);
}

static s64 ttm_backup_shmem_folio(struct ttm_backup *backup, struct page *page,
				  unsigned int order, pgoff_t idx,
				  unsigned int flags, gfp_t gfp)
{
	struct file *filp = to_shmem(backup)->filp;
	struct address_space *mapping = filp->f_mapping;
	unsigned long nr = 1UL << order, i;
	s64 ret = 0;

	gfp = ttm_backup_shmem_gfp(mapping, gfp);
	for (i = 0; i < nr; i++) {
		struct folio *to = shmem_read_folio_gfp(mapping, idx + i, gfp);

		if (IS_ERR(to)) {
			ret = PTR_ERR(to);
			break;
		}
		copy_highpage(folio_file_page(to, idx + i), page + i);
		folio_mark_dirty(to);
		folio_mark_accessed(to);
		if (flags & TTM_BACKUP_WRITEBACK)
			ttm_backup_shmem_writeback(to, gfp);
		folio_put(to);
	}

	if (ret) {
		/* All or nothing: drop what this call stored. */
		if (i)
			shmem_truncate_range(file_inode(filp),
					     (loff_t)idx << PAGE_SHIFT,
					     ((loff_t)(idx + i) << PAGE_SHIFT) - 1);
		return ret == -ENOMEM || ret == -ENOSPC ? ret : -EIO;
	}

	return idx + 1;
}

static int ttm_backup_shmem_copy_back(struct ttm_backup *backup,
				      struct page *dst, unsigned long handle,
				      bool intr)
{
	struct address_space *mapping = to_shmem(backup)->filp->f_mapping;
	pgoff_t idx = handle - 1;
	struct folio *from;

	if (intr && signal_pending(current))
		return -EINTR;

	/* Reading back may swap in: never invoke the OOM killer for it. */
	from = shmem_read_folio_gfp(mapping, idx,
				    ttm_backup_shmem_gfp(mapping, GFP_KERNEL |
							 __GFP_RETRY_MAYFAIL |
							 __GFP_NOWARN));
	if (IS_ERR(from))
		return PTR_ERR(from);

	copy_highpage(dst, folio_file_page(from, idx));
	folio_put(from);

	return 0;
}

static void ttm_backup_shmem_drop(struct ttm_backup *backup,
				  unsigned long handle, unsigned long nr)
{
	loff_t start = (loff_t)(handle - 1) << PAGE_SHIFT;

	shmem_truncate_range(file_inode(to_shmem(backup)->filp), start,
			     start + ((loff_t)nr << PAGE_SHIFT) - 1);
}

static void ttm_backup_shmem_fini(struct ttm_backup *backup)
{
	struct ttm_backup_shmem *sb = to_shmem(backup);

	fput(sb->filp);
	kfree(sb);
}

/**
 * ttm_backup_shmem_bytes_avail() - What shmem backups can take
 *
 * shmem pages are reclaimable only to swap, so backing up more than there
 * is free swap does not free memory.
 *
 * Return: Free swap space in bytes.
 */
u64 ttm_backup_shmem_bytes_avail(void)
{
	long pages = get_nr_swap_pages();

	return pages > 0 ? (u64)pages << PAGE_SHIFT : 0;
}
EXPORT_SYMBOL_GPL(ttm_backup_shmem_bytes_avail);

static u64 ttm_backup_shmem_avail(struct ttm_backup *backup)
{
	return ttm_backup_shmem_bytes_avail();
}

static const struct ttm_backup_ops ttm_backup_shmem_ops = {
	.backup_folio = ttm_backup_shmem_folio,
	.copy_back = ttm_backup_shmem_copy_back,
	.drop = ttm_backup_shmem_drop,
	.fini = ttm_backup_shmem_fini,
	.bytes_avail = ttm_backup_shmem_avail,
	.private_store = true,
};

/**
 * ttm_backup_shmem_file() - The shmem file of a shmem backup
 * @backup: A backup from ttm_backup_shmem_create().
 *
 * For tests that need to reach the stored folios.
 *
 * Return: The file, or NULL for a backup of another backend.
 */
struct file *ttm_backup_shmem_file(struct ttm_backup *backup)
{
	if (!backup || backup->ops != &ttm_backup_shmem_ops)
		return NULL;

	return to_shmem(backup)->filp;
}
EXPORT_SYMBOL_FOR_TESTS_ONLY(ttm_backup_shmem_file);

/**
 * ttm_backup_shmem_create() - A shmem backup for one buffer object
 * @size: Size of the buffer object in bytes.
 *
 * The shmem file is sparse: it uses memory (or swap) only for the pages
 * stored in it.
 *
 * Return: The backup, or an ERR_PTR.
 */
struct ttm_backup *ttm_backup_shmem_create(loff_t size)
{
	struct ttm_backup_shmem *sb;
	struct file *filp;

	sb = kzalloc(sizeof(*sb), GFP_KERNEL | __GFP_ACCOUNT |
		     __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!sb)
		return ERR_PTR(-ENOMEM);

	filp = shmem_file_setup("ttm backup", size, VM_NORESERVE);
	if (IS_ERR(filp)) {
		kfree(sb);
		return ERR_CAST(filp);
	}

	sb->filp = filp;
	sb->base.ops = &ttm_backup_shmem_ops;

	return &sb->base;
}
EXPORT_SYMBOL_GPL(ttm_backup_shmem_create);
