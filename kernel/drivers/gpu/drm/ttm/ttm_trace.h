/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Tracepoints of TTM page reclaim: shrinker scans, the BOs they shrink,
 * tt backups and restores, and LRU walks.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ttm

#if !defined(_TTM_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _TTM_TRACE_H_

#include <linux/tracepoint.h>
#include <linux/types.h>
#include <trace/events/mmflags.h>

TRACE_EVENT(ttm_shrink_scan_start,
	    TP_PROTO(const char *dev, unsigned long nr_to_scan, gfp_t gfp,
		     bool kswapd),
	    TP_ARGS(dev, nr_to_scan, gfp, kswapd),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned long, nr_to_scan)
			     __field(unsigned long, gfp)
			     __field(bool, kswapd)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->nr_to_scan = nr_to_scan;
			   __entry->gfp = (__force unsigned long)gfp;
			   __entry->kswapd = kswapd;),
	    TP_printk("dev=%s nr_to_scan=%lu gfp=%s %s",
		      __get_str(dev), __entry->nr_to_scan,
		      show_gfp_flags(__entry->gfp),
		      __entry->kswapd ? "kswapd" : "direct")
);

TRACE_EVENT(ttm_shrink_scan_end,
	    TP_PROTO(const char *dev, unsigned long nr_to_scan, gfp_t gfp,
		     bool kswapd, int pass, unsigned long freed, u64 duration_ns),
	    TP_ARGS(dev, nr_to_scan, gfp, kswapd, pass, freed, duration_ns),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned long, nr_to_scan)
			     __field(unsigned long, gfp)
			     __field(bool, kswapd)
			     __field(int, pass)
			     __field(unsigned long, freed)
			     __field(u64, duration_ns)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->nr_to_scan = nr_to_scan;
			   __entry->gfp = (__force unsigned long)gfp;
			   __entry->kswapd = kswapd;
			   __entry->pass = pass;
			   __entry->freed = freed;
			   __entry->duration_ns = duration_ns;),
	    TP_printk("dev=%s nr_to_scan=%lu gfp=%s %s pass=%d freed=%lu duration_ns=%llu",
		      __get_str(dev), __entry->nr_to_scan,
		      show_gfp_flags(__entry->gfp),
		      __entry->kswapd ? "kswapd" : "direct", __entry->pass,
		      __entry->freed, __entry->duration_ns)
);

TRACE_EVENT(ttm_bo_shrink,
	    TP_PROTO(const void *bo, u64 size, u32 mem_type, int pass,
		     bool purge, bool writeback, long ret),
	    TP_ARGS(bo, size, mem_type, pass, purge, writeback, ret),
	    TP_STRUCT__entry(__field(const void *, bo)
			     __field(u64, size)
			     __field(u32, mem_type)
			     __field(int, pass)
			     __field(bool, purge)
			     __field(bool, writeback)
			     __field(long, ret)),
	    TP_fast_assign(__entry->bo = bo;
			   __entry->size = size;
			   __entry->mem_type = mem_type;
			   __entry->pass = pass;
			   __entry->purge = purge;
			   __entry->writeback = writeback;
			   __entry->ret = ret;),
	    TP_printk("bo=%p size=%llu mem_type=%u pass=%d purge=%d writeback=%d ret=%ld",
		      __entry->bo, __entry->size, __entry->mem_type,
		      __entry->pass, __entry->purge, __entry->writeback,
		      __entry->ret)
);

TRACE_EVENT(ttm_tt_backup,
	    TP_PROTO(const void *tt, u32 num_pages, bool purge, long ret,
		     unsigned long splits, u64 duration_ns),
	    TP_ARGS(tt, num_pages, purge, ret, splits, duration_ns),
	    TP_STRUCT__entry(__field(const void *, tt)
			     __field(u32, num_pages)
			     __field(bool, purge)
			     __field(long, ret)
			     __field(unsigned long, splits)
			     __field(u64, duration_ns)),
	    TP_fast_assign(__entry->tt = tt;
			   __entry->num_pages = num_pages;
			   __entry->purge = purge;
			   __entry->ret = ret;
			   __entry->splits = splits;
			   __entry->duration_ns = duration_ns;),
	    TP_printk("tt=%p num_pages=%u purge=%d ret=%ld splits=%lu duration_ns=%llu",
		      __entry->tt, __entry->num_pages, __entry->purge,
		      __entry->ret, __entry->splits, __entry->duration_ns)
);

TRACE_EVENT(ttm_tt_restore,
	    TP_PROTO(const void *tt, u32 num_pages, long restored, int ret,
		     u64 duration_ns),
	    TP_ARGS(tt, num_pages, restored, ret, duration_ns),
	    TP_STRUCT__entry(__field(const void *, tt)
			     __field(u32, num_pages)
			     __field(long, restored)
			     __field(int, ret)
			     __field(u64, duration_ns)),
	    TP_fast_assign(__entry->tt = tt;
			   __entry->num_pages = num_pages;
			   __entry->restored = restored;
			   __entry->ret = ret;
			   __entry->duration_ns = duration_ns;),
	    TP_printk("tt=%p num_pages=%u restored=%ld ret=%d duration_ns=%llu",
		      __entry->tt, __entry->num_pages, __entry->restored,
		      __entry->ret, __entry->duration_ns)
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
	    TP_printk("dev=%s mem_type=%u pass=%d steps=%lu skipped_locked=%lu freed=%lu",
		      __get_str(dev), __entry->mem_type, __entry->pass,
		      __entry->steps, __entry->skipped_locked, __entry->freed)
);

/* A BO the shrinker was offered but left alone, and why. */
TRACE_EVENT(ttm_shrink_skip,
	    TP_PROTO(const char *dev, u64 size, int pass, const char *reason),
	    TP_ARGS(dev, size, pass, reason),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u64, size)
			     __field(int, pass)
			     __string(reason, reason)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->size = size;
			   __entry->pass = pass;
			   __assign_str(reason);),
	    TP_printk("dev=%s size=%llu pass=%d reason=%s", __get_str(dev),
		      __entry->size, __entry->pass, __get_str(reason))
);

#endif

/* The Makefile puts this directory on the include path. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE ttm_trace
#include <trace/define_trace.h>
