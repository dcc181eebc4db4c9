/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Tracepoints of TTM page reclaim: shrinker scans, the BOs they shrink,
 * tt backups and restores, and LRU walks.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ttm

#if !defined(_TTM_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _TTM_TRACE_H_

#include <linux/device.h>
#include <linux/tracepoint.h>
#include <linux/types.h>
#include <trace/events/mmflags.h>

#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_shrinker.h>

#ifndef _TTM_TRACE_TYPES_
#define _TTM_TRACE_TYPES_
/*
 * Why the shrinker left a BO alone (ttm_shrink_skip). A number in the
 * event, a word in its format, as vmscan's reclaim flags are.
 */
enum ttm_shrink_skip_reason {
	TTM_SHRINK_SKIP_BUSY,		/* GPU still using it, or driver refused */
	TTM_SHRINK_SKIP_PINNED,		/* pinned */
	TTM_SHRINK_SKIP_EXPORTED,	/* shared through dma-buf */
	TTM_SHRINK_SKIP_RPM,		/* needs a suspended device awake */
	TTM_SHRINK_SKIP_BACKEND_FULL,	/* no room left in the backup */
	TTM_SHRINK_SKIP_NO_FS,		/* the backend needs __GFP_FS */
	TTM_SHRINK_SKIP_DYING,		/* awaiting delayed destroy, busy */
	TTM_SHRINK_SKIP_FRAGMENTATION,	/* a pass for compaction to serve */
};

/*
 * The device as the events name it: dev_name(), so that two GPUs of one
 * driver differ; "ttm" for a device without one (TTM's own tests).
 */
static inline const char *ttm_trace_dev_name(const struct ttm_device *bdev)
{
	return bdev->pool.dev ? dev_name(bdev->pool.dev) : "ttm";
}
#endif

/* Enum values in the formats, so that perf and trace-cmd can decode them. */
TRACE_DEFINE_ENUM(TTM_SHRINK_CALLER_KSWAPD);
TRACE_DEFINE_ENUM(TTM_SHRINK_CALLER_DIRECT);
TRACE_DEFINE_ENUM(TTM_SHRINK_CALLER_MEMCG);
TRACE_DEFINE_ENUM(TTM_SHRINK_CALLER_FORCED);
TRACE_DEFINE_ENUM(TTM_SHRINK_CALLER_WORKER);
TRACE_DEFINE_ENUM(TTM_SHRINK_CALLER_SWAPOUT);
TRACE_DEFINE_ENUM(TTM_SHRINK_CALLER_DIRECT_TEST);
TRACE_DEFINE_ENUM(TTM_SHRINK_PASS_PURGE);
TRACE_DEFINE_ENUM(TTM_SHRINK_PASS_IDLE);
TRACE_DEFINE_ENUM(TTM_SHRINK_PASS_WAIT);
TRACE_DEFINE_ENUM(TTM_SHRINK_SKIP_BUSY);
TRACE_DEFINE_ENUM(TTM_SHRINK_SKIP_PINNED);
TRACE_DEFINE_ENUM(TTM_SHRINK_SKIP_EXPORTED);
TRACE_DEFINE_ENUM(TTM_SHRINK_SKIP_RPM);
TRACE_DEFINE_ENUM(TTM_SHRINK_SKIP_BACKEND_FULL);
TRACE_DEFINE_ENUM(TTM_SHRINK_SKIP_NO_FS);
TRACE_DEFINE_ENUM(TTM_SHRINK_SKIP_DYING);
TRACE_DEFINE_ENUM(TTM_SHRINK_SKIP_FRAGMENTATION);

#define ttm_show_caller(caller)						\
	__print_symbolic(caller,					\
			 { TTM_SHRINK_CALLER_KSWAPD, "kswapd" },	\
			 { TTM_SHRINK_CALLER_DIRECT, "direct" },	\
			 { TTM_SHRINK_CALLER_MEMCG, "memcg" },		\
			 { TTM_SHRINK_CALLER_FORCED, "forced" },	\
			 { TTM_SHRINK_CALLER_WORKER, "worker" },	\
			 { TTM_SHRINK_CALLER_SWAPOUT, "swapout" },	\
			 { TTM_SHRINK_CALLER_DIRECT_TEST, "direct_test" })

#define ttm_show_pass(pass)						\
	__print_symbolic(pass,						\
			 { 0, "none" },					\
			 { TTM_SHRINK_PASS_PURGE, "purge" },		\
			 { TTM_SHRINK_PASS_IDLE, "idle" },		\
			 { TTM_SHRINK_PASS_WAIT, "wait" })

#define ttm_show_skip_reason(reason)					\
	__print_symbolic(reason,					\
			 { TTM_SHRINK_SKIP_BUSY, "busy" },		\
			 { TTM_SHRINK_SKIP_PINNED, "pinned" },		\
			 { TTM_SHRINK_SKIP_EXPORTED, "exported" },	\
			 { TTM_SHRINK_SKIP_RPM, "rpm" },		\
			 { TTM_SHRINK_SKIP_BACKEND_FULL, "backend_full" }, \
			 { TTM_SHRINK_SKIP_NO_FS, "no_fs" },		\
			 { TTM_SHRINK_SKIP_DYING, "dying" },		\
			 { TTM_SHRINK_SKIP_FRAGMENTATION, "fragmentation" })

/*
 * A scan starts: @dev is the device (dev_name()), @order the order of the
 * allocation reclaim runs for (0 for none in particular and for forced
 * shrinks), @caller who runs it (kswapd, direct reclaim, a forced
 * shrink, a driver's worker, ...).
 */
TRACE_EVENT(ttm_shrink_scan_start,
	    TP_PROTO(const char *dev, unsigned long nr_to_scan, gfp_t gfp,
		     int order, int caller),
	    TP_ARGS(dev, nr_to_scan, gfp, order, caller),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned long, nr_to_scan)
			     __field(unsigned long, gfp)
			     __field(int, order)
			     __field(int, caller)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->nr_to_scan = nr_to_scan;
			   __entry->gfp = (__force unsigned long)gfp;
			   __entry->order = order;
			   __entry->caller = caller;),
	    TP_printk("dev=%s nr_to_scan=%lu gfp=%s order=%d caller=%s",
		      __get_str(dev), __entry->nr_to_scan,
		      show_gfp_flags(__entry->gfp), __entry->order,
		      ttm_show_caller(__entry->caller))
);

TRACE_EVENT(ttm_shrink_scan_end,
	    TP_PROTO(const char *dev, unsigned long nr_to_scan, gfp_t gfp,
		     int order, int caller, int pass, unsigned long freed,
		     unsigned long scanned, u64 duration_ns),
	    TP_ARGS(dev, nr_to_scan, gfp, order, caller, pass, freed, scanned,
		    duration_ns),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned long, nr_to_scan)
			     __field(unsigned long, gfp)
			     __field(int, order)
			     __field(int, caller)
			     __field(int, pass)
			     __field(unsigned long, freed)
			     __field(unsigned long, scanned)
			     __field(u64, duration_ns)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->nr_to_scan = nr_to_scan;
			   __entry->gfp = (__force unsigned long)gfp;
			   __entry->order = order;
			   __entry->caller = caller;
			   __entry->pass = pass;
			   __entry->freed = freed;
			   __entry->scanned = scanned;
			   __entry->duration_ns = duration_ns;),
	    TP_printk("dev=%s nr_to_scan=%lu gfp=%s order=%d caller=%s pass=%s freed=%lu scanned=%lu duration_ns=%llu",
		      __get_str(dev), __entry->nr_to_scan,
		      show_gfp_flags(__entry->gfp), __entry->order,
		      ttm_show_caller(__entry->caller),
		      ttm_show_pass(__entry->pass),
		      __entry->freed, __entry->scanned, __entry->duration_ns)
);

/* A BO shrunk: @bo_id is the id the shrinker's bos node shows (0: none). */
TRACE_EVENT(ttm_bo_shrink,
	    TP_PROTO(const char *dev, u32 bo_id, u64 size, u32 mem_type,
		     int pass, bool purge, bool writeback, long ret),
	    TP_ARGS(dev, bo_id, size, mem_type, pass, purge, writeback, ret),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u32, bo_id)
			     __field(u64, size)
			     __field(u32, mem_type)
			     __field(int, pass)
			     __field(bool, purge)
			     __field(bool, writeback)
			     __field(long, ret)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->bo_id = bo_id;
			   __entry->size = size;
			   __entry->mem_type = mem_type;
			   __entry->pass = pass;
			   __entry->purge = purge;
			   __entry->writeback = writeback;
			   __entry->ret = ret;),
	    TP_printk("dev=%s bo_id=%u size=%llu mem_type=%u pass=%s purge=%d writeback=%d ret=%ld",
		      __get_str(dev), __entry->bo_id, __entry->size,
		      __entry->mem_type, ttm_show_pass(__entry->pass),
		      __entry->purge, __entry->writeback, __entry->ret)
);

/*
 * A tt's pages backed up (@purge 0) or purged: @ret pages freed (@bytes
 * in the kernel's page size) or a negative errno; @splits high-order
 * pages the backend took page by page. The BO is in the ttm_bo_shrink
 * event that follows, for shrinker scans.
 */
TRACE_EVENT(ttm_tt_backup,
	    TP_PROTO(const struct ttm_device *bdev, u32 num_pages, bool purge,
		     long ret, unsigned long splits, u64 duration_ns),
	    TP_ARGS(bdev, num_pages, purge, ret, splits, duration_ns),
	    TP_STRUCT__entry(__string(dev, ttm_trace_dev_name(bdev))
			     __field(u32, num_pages)
			     __field(bool, purge)
			     __field(long, ret)
			     __field(u64, bytes)
			     __field(unsigned long, splits)
			     __field(u64, duration_ns)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->num_pages = num_pages;
			   __entry->purge = purge;
			   __entry->ret = ret;
			   __entry->bytes = ret > 0 ? (u64)ret << PAGE_SHIFT : 0;
			   __entry->splits = splits;
			   __entry->duration_ns = duration_ns;),
	    TP_printk("dev=%s num_pages=%u purge=%d ret=%ld bytes=%llu splits=%lu duration_ns=%llu",
		      __get_str(dev), __entry->num_pages, __entry->purge,
		      __entry->ret, __entry->bytes, __entry->splits,
		      __entry->duration_ns)
);

/*
 * Backed-up pages of a tt brought back: @restored pages (@bytes), @ret 0
 * or the errno that stopped the restore (it resumes where it stopped).
 */
TRACE_EVENT(ttm_tt_restore,
	    TP_PROTO(const struct ttm_device *bdev, u32 num_pages,
		     long restored, int ret, u64 duration_ns),
	    TP_ARGS(bdev, num_pages, restored, ret, duration_ns),
	    TP_STRUCT__entry(__string(dev, ttm_trace_dev_name(bdev))
			     __field(u32, num_pages)
			     __field(long, restored)
			     __field(u64, bytes)
			     __field(int, ret)
			     __field(u64, duration_ns)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->num_pages = num_pages;
			   __entry->restored = restored;
			   __entry->bytes = restored > 0 ?
					    (u64)restored << PAGE_SHIFT : 0;
			   __entry->ret = ret;
			   __entry->duration_ns = duration_ns;),
	    TP_printk("dev=%s num_pages=%u restored=%ld bytes=%llu ret=%d duration_ns=%llu",
		      __get_str(dev), __entry->num_pages, __entry->restored,
		      __entry->bytes, __entry->ret, __entry->duration_ns)
);

TRACE_EVENT(ttm_lru_walk,
	    TP_PROTO(const char *dev, u32 mem_type, int pass,
		     unsigned long steps, unsigned long skipped_locked,
		     unsigned long freed),
	    TP_ARGS(dev, mem_type, pass, steps, skipped_locked, freed),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u32, mem_type)
			     __field(int, pass)
			     __field(unsigned long, steps)
			     __field(unsigned long, skipped_locked)
			     __field(unsigned long, freed)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->mem_type = mem_type;
			   __entry->pass = pass;
			   __entry->steps = steps;
			   __entry->skipped_locked = skipped_locked;
			   __entry->freed = freed;),
	    TP_printk("dev=%s mem_type=%u pass=%s steps=%lu skipped_locked=%lu freed=%lu",
		      __get_str(dev), __entry->mem_type, ttm_show_pass(__entry->pass),
		      __entry->steps, __entry->skipped_locked, __entry->freed)
);

/*
 * A BO the shrinker was offered but left alone, and why (enum
 * ttm_shrink_skip_reason, printed as a word). Reason fragmentation, with
 * @bo_id 0, is a whole reclaim pass offered only purgeable BOs:
 * compaction can serve its order (@size: the bytes it would have been
 * offered).
 */
TRACE_EVENT(ttm_shrink_skip,
	    TP_PROTO(const char *dev, u32 bo_id, u64 size, int pass,
		     int reason),
	    TP_ARGS(dev, bo_id, size, pass, reason),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u32, bo_id)
			     __field(u64, size)
			     __field(int, pass)
			     __field(int, reason)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->bo_id = bo_id;
			   __entry->size = size;
			   __entry->pass = pass;
			   __entry->reason = reason;),
	    TP_printk("dev=%s bo_id=%u size=%llu pass=%s reason=%s",
		      __get_str(dev), __entry->bo_id, __entry->size,
		      ttm_show_pass(__entry->pass),
		      ttm_show_skip_reason(__entry->reason))
);

#endif

/* The Makefile puts this directory on the include path. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE ttm_trace
#include <trace/define_trace.h>
