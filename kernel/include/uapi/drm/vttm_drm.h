/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * vttm: a virtual TTM GPU. Fake VRAM, system (TT) memory, an asynchronous
 * copy/fill engine and runtime PM, so that GPU memory reclaim can be run
 * and tested on machines without a GPU.
 */
#ifndef _UAPI_VTTM_DRM_H_
#define _UAPI_VTTM_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_VTTM_GEM_CREATE		0x00
#define DRM_VTTM_GEM_MMAP_OFFSET	0x01
#define DRM_VTTM_GEM_MADVISE		0x02
#define DRM_VTTM_GEM_WAIT		0x03
#define DRM_VTTM_EXEC			0x04
#define DRM_VTTM_GEM_INFO		0x05

#define DRM_IOCTL_VTTM_GEM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VTTM_GEM_CREATE, struct drm_vttm_gem_create)
#define DRM_IOCTL_VTTM_GEM_MMAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VTTM_GEM_MMAP_OFFSET, struct drm_vttm_gem_mmap_offset)
#define DRM_IOCTL_VTTM_GEM_MADVISE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VTTM_GEM_MADVISE, struct drm_vttm_gem_madvise)
#define DRM_IOCTL_VTTM_GEM_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VTTM_GEM_WAIT, struct drm_vttm_gem_wait)
#define DRM_IOCTL_VTTM_EXEC \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VTTM_EXEC, struct drm_vttm_exec)
#define DRM_IOCTL_VTTM_GEM_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VTTM_GEM_INFO, struct drm_vttm_gem_info)

/* Placements */
#define VTTM_PLACEMENT_VRAM		1
#define VTTM_PLACEMENT_TT		2

/* The BO's reclaim needs the engine, as flat-CCS compressed BOs on xe do. */
#define VTTM_GEM_CREATE_COMPRESSED	0x1
/*
 * Its system pages are write-combined, for the CPU and the device (as
 * scanout and upload buffers are on real GPUs); VRAM stays cached.
 */
#define VTTM_GEM_CREATE_WRITE_COMBINED	0x2
#define VTTM_GEM_CREATE_FLAGS		(VTTM_GEM_CREATE_COMPRESSED | \
					 VTTM_GEM_CREATE_WRITE_COMBINED)

/**
 * struct drm_vttm_gem_create - Create a buffer object
 * @size: Bytes, a multiple of the page size, at most VTTM_GEM_MAX_SIZE.
 * @placement: VTTM_PLACEMENT_VRAM or VTTM_PLACEMENT_TT.
 * @flags: VTTM_GEM_CREATE_ flags.
 * @handle: Out: the GEM handle.
 * @id: Out: the BO's device-wide id, as the shrinker debugfs nodes use it.
 */
struct drm_vttm_gem_create {
	__u64 size;
	__u32 placement;
	__u32 flags;
	__u32 handle;
	__u32 id;
};

#define VTTM_GEM_MAX_SIZE		0x100000000ULL

/**
 * struct drm_vttm_gem_mmap_offset - The fake offset to mmap a BO at
 * @handle: The BO.
 * @pad: Must be zero.
 * @offset: Out: pass to mmap() on the DRM file.
 */
struct drm_vttm_gem_mmap_offset {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

#define VTTM_MADV_WILLNEED		0
#define VTTM_MADV_DONTNEED		1

/**
 * struct drm_vttm_gem_madvise - Say whether the contents are needed
 * @handle: The BO.
 * @madv: VTTM_MADV_WILLNEED or VTTM_MADV_DONTNEED. A DONTNEED BO may be
 * purged under memory pressure instead of backed up.
 * @retained: Out: 1 if the contents are still there, 0 if they were purged
 * (the BO now reads as zeroes).
 * @pad: Must be zero.
 */
struct drm_vttm_gem_madvise {
	__u32 handle;
	__u32 madv;
	__u32 retained;
	__u32 pad;
};

/**
 * struct drm_vttm_gem_wait - Wait for the engine to be done with a BO
 * @handle: The BO.
 * @flags: Must be zero.
 * @timeout_ns: Relative timeout; 0 polls. -ETIME when it expires.
 */
struct drm_vttm_gem_wait {
	__u32 handle;
	__u32 flags;
	__s64 timeout_ns;
};

#define VTTM_EXEC_COPY			1
#define VTTM_EXEC_FILL			2

/**
 * struct drm_vttm_exec - Run a copy or fill job on the engine
 * @op: VTTM_EXEC_COPY or VTTM_EXEC_FILL.
 * @flags: Must be zero.
 * @src_handle: Source BO of a copy; zero for a fill.
 * @dst_handle: Destination BO.
 * @src_offset: Byte offset in the source, page aligned.
 * @dst_offset: Byte offset in the destination, page aligned.
 * @size: Bytes, page aligned, inside both BOs.
 * @value: The 64-bit pattern of a fill.
 */
struct drm_vttm_exec {
	__u32 op;
	__u32 flags;
	__u32 src_handle;
	__u32 dst_handle;
	__u64 src_offset;
	__u64 dst_offset;
	__u64 size;
	__u64 value;
};

#define VTTM_STATE_RESIDENT		0
#define VTTM_STATE_BACKED_UP		1
#define VTTM_STATE_PARTIAL		2
#define VTTM_STATE_PURGED		3

/**
 * struct drm_vttm_gem_info - What a BO is now
 * @handle: The BO.
 * @placement: Out: VTTM_PLACEMENT_VRAM, VTTM_PLACEMENT_TT, or 0 for
 * system memory (evicted or backed up).
 * @state: Out: VTTM_STATE_ value.
 * @madv: Out: the VTTM_MADV_ value.
 * @size: Out: bytes.
 * @id: Out: the device-wide id.
 * @pad: Must be zero.
 */
struct drm_vttm_gem_info {
	__u32 handle;
	__u32 placement;
	__u32 state;
	__u32 madv;
	__u64 size;
	__u32 id;
	__u32 pad;
};

#if defined(__cplusplus)
}
#endif

#endif
