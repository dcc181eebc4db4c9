// SPDX-License-Identifier: GPL-2.0-only
/*
 * vttm: a virtual TTM GPU, so that GPU memory reclaim runs, and is tested,
 * on machines without a GPU. One device is created at module load; its
 * buffer objects live in fake VRAM or in TT (system memory the "GPU" can
 * use), are mmapped by userspace, can be marked purgeable, are evicted
 * from VRAM to TT when VRAM is full, and are reclaimed from TT by the TTM
 * shrinker.
 */

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/pm_runtime.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/ttm/ttm_range_manager.h>
#include <drm/ttm/ttm_shrinker.h>
#include <drm/vttm_drm.h>

#include "vttm_bo.h"
#include "vttm_dma_buf.h"
#include "vttm_drv.h"

unsigned int vttm_engine_delay_ms = 1;
module_param_named(engine_delay_ms, vttm_engine_delay_ms, uint, 0644);
MODULE_PARM_DESC(engine_delay_ms, "Time the engine takes for a job, in ms (default 1)");

static int autosuspend_ms = 100;
module_param(autosuspend_ms, int, 0444);
MODULE_PARM_DESC(autosuspend_ms, "Runtime PM autosuspend delay in ms (default 100)");

static unsigned int vram_size_mb = 256;
module_param(vram_size_mb, uint, 0444);
MODULE_PARM_DESC(vram_size_mb, "Fake VRAM per device in MiB, carved from system memory (default 256)");

/*
 * Without the TTM shrinker nothing backs a BO up under memory pressure but
 * TTM's own global swapout, as without this work's shrinker (the rest of
 * the patched TTM stays): make bench measures that against the shrinker.
 */
static bool shrinker = true;
module_param(shrinker, bool, 0444);
MODULE_PARM_DESC(shrinker, "Give each device a TTM shrinker (default 1; 0: TTM's global swapout alone, for comparison)");

/*
 * 0 for none: TTM's own KUnit tests count the TTM devices and expect to be
 * alone, and vttm's create small devices of their own.
 */
static unsigned int num_devices = 1;
module_param(num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Devices to create at load, 0 to 8 (default 1)");

#define VTTM_MAX_DEVICES 8
static struct vttm_device *vttm_devices[VTTM_MAX_DEVICES];

static const struct drm_ioctl_desc vttm_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VTTM_GEM_CREATE, vttm_bo_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VTTM_GEM_MMAP_OFFSET, vttm_bo_mmap_offset_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VTTM_GEM_MADVISE, vttm_bo_madvise_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VTTM_GEM_WAIT, vttm_bo_wait_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VTTM_EXEC, vttm_exec_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VTTM_GEM_INFO, vttm_bo_info_ioctl, DRM_RENDER_ALLOW),
};

static const struct file_operations vttm_fops = {
	.owner = THIS_MODULE,
	DRM_GEM_FOPS,
	.show_fdinfo = drm_show_fdinfo,
};

/*
 * dri/<minor>/vttm/direct_reclaim: write a number of pages to run one
 * shrinker scan exactly as direct reclaim runs it (PF_MEMALLOC, inside
 * fs_reclaim, no GPU waits, no waking the device), so that tests can check
 * what direct reclaim does without having to provoke it.
 */
static ssize_t vttm_direct_reclaim_write(struct file *file,
					 const char __user *ubuf, size_t len,
					 loff_t *ppos)
{
	struct vttm_device *vdev = file_inode(file)->i_private;
	unsigned int noreclaim;
	unsigned long pages;
	int ret;

	ret = kstrtoul_from_user(ubuf, len, 10, &pages);
	if (ret)
		return ret;
	if (!pages)
		return -EINVAL;

	noreclaim = memalloc_noreclaim_save();
	fs_reclaim_acquire(GFP_KERNEL);
	ttm_shrinker_scan(vdev->shrinker, pages, GFP_KERNEL,
			  TTM_SHRINK_CALLER_DIRECT_TEST, NULL);
	fs_reclaim_release(GFP_KERNEL);
	memalloc_noreclaim_restore(noreclaim);

	return len;
}

static const struct file_operations vttm_direct_reclaim_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vttm_direct_reclaim_write,
	.llseek = noop_llseek,
};

/* dri/<minor>/vttm/runtime_status: "suspended" or "active". */
static int vttm_runtime_status_show(struct seq_file *m, void *data)
{
	struct vttm_device *vdev = m->private;

	seq_printf(m, "%s\n", pm_runtime_status_suspended(vdev->drm.dev) ?
		   "suspended" : "active");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vttm_runtime_status);

static void vttm_debugfs_init(struct drm_minor *minor)
{
	struct vttm_device *vdev = to_vttm(minor->dev);
	struct dentry *dir = debugfs_create_dir("vttm", minor->debugfs_root);

	debugfs_create_file("runtime_status", 0444, dir, vdev,
			    &vttm_runtime_status_fops);
	vttm_pm_debugfs_init(vdev, dir);
	if (vdev->shrinker) {
		ttm_shrinker_debugfs_init(vdev->shrinker, minor->debugfs_root);
		debugfs_create_file("direct_reclaim", 0200, dir, vdev,
				    &vttm_direct_reclaim_fops);
	}
	debugfs_create_atomic_t("engine_timeouts", 0444, dir,
				&vdev->engine.timeouts);
	debugfs_create_bool("engine_alloc_in_signalling", 0600, dir,
			    &vdev->engine.alloc_in_signalling);
}

static int vttm_open(struct drm_device *drm, struct drm_file *file)
{
	struct vttm_file *vfile = kzalloc(sizeof(*vfile), GFP_KERNEL);
	int ret;

	if (!vfile)
		return -ENOMEM;
	kref_init(&vfile->ref);
	mutex_init(&vfile->submit_lock);
	ret = vttm_engine_file_init(&to_vttm(drm)->engine, &vfile->entity);
	if (ret) {
		kfree(vfile);
		return ret;
	}
	file->driver_priv = vfile;

	return 0;
}

static void vttm_file_release(struct kref *ref)
{
	struct vttm_file *vfile = container_of(ref, struct vttm_file, ref);

	mutex_destroy(&vfile->submit_lock);
	kfree(vfile);
}

/**
 * vttm_file_put() - Drop a reference to a client's state
 * @vfile: The client's state.
 */
void vttm_file_put(struct vttm_file *vfile)
{
	kref_put(&vfile->ref, vttm_file_release);
}

static void vttm_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct vttm_file *vfile = file->driver_priv;

	/* queued jobs get to run (for a while), then the rest are dropped */
	drm_sched_entity_destroy(&vfile->entity);
	vttm_file_put(vfile);
}

static const struct drm_driver vttm_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER,
	.ioctls = vttm_ioctls,
	.num_ioctls = ARRAY_SIZE(vttm_ioctls),
	.fops = &vttm_fops,
	.open = vttm_open,
	.postclose = vttm_postclose,
	.debugfs_init = vttm_debugfs_init,
	.show_fdinfo = vttm_show_fdinfo,
	.gem_prime_import = vttm_gem_prime_import,
	.name = "vttm",
	.desc = "Virtual TTM GPU",
	.major = 1,
	.minor = 0,
};

/*
 * sysfs device/svm_migrate_threshold: the smallest CPU range that SVM
 * migrates to VRAM, in bytes; a power of two from PAGE_SIZE to 2 MiB, as
 * xe's thresholds are.
 */
static ssize_t svm_migrate_threshold_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	struct vttm_device *vdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(vdev->svm_migrate_threshold));
}

static ssize_t svm_migrate_threshold_store(struct device *dev,
					   struct device_attribute *attr,
					   const char *buf, size_t len)
{
	struct vttm_device *vdev = dev_get_drvdata(dev);
	u32 bytes;
	int ret;

	ret = kstrtou32(buf, 0, &bytes);
	if (ret)
		return ret;
	if (bytes < PAGE_SIZE || bytes > SZ_2M || !is_power_of_2(bytes))
		return -EINVAL;

	WRITE_ONCE(vdev->svm_migrate_threshold, bytes);
	return len;
}
static DEVICE_ATTR_RW(svm_migrate_threshold);

/*
 * TT: as much as the machine has, twice over; the shrinker keeps it real.
 * VRAM: a vmalloc'd range under a range manager, so that allocation,
 * fragmentation and eviction work as on a discrete GPU.
 */
static int vttm_ttm_init(struct vttm_device *vdev)
{
	struct drm_device *drm = &vdev->drm;
	int ret;

	ret = ttm_device_init(&vdev->ttm, &vttm_ttm_funcs, drm->dev,
			      drm->anon_inode->i_mapping,
			      drm->vma_offset_manager, false, false);
	if (ret)
		return ret;

	ret = ttm_range_man_init(&vdev->ttm, TTM_PL_TT, true,
				 totalram_pages() * 2);
	if (ret)
		goto err_device;

	/* one page more, for the driver's own state BO (vttm_pm.c) */
	ret = ttm_range_man_init(&vdev->ttm, TTM_PL_VRAM, false,
				 (vdev->vram_size >> PAGE_SHIFT) + 1);
	if (ret)
		goto err_tt;

	if (!shrinker)
		return 0;
	vdev->shrinker = ttm_shrinker_create(&vdev->ttm, &vttm_shrinker_funcs,
					     "vttm");
	if (IS_ERR(vdev->shrinker)) {
		ret = PTR_ERR(vdev->shrinker);
		vdev->shrinker = NULL;
		goto err_vram;
	}

	return 0;

err_vram:
	ttm_range_man_fini(&vdev->ttm, TTM_PL_VRAM);
err_tt:
	ttm_range_man_fini(&vdev->ttm, TTM_PL_TT);
err_device:
	ttm_device_fini(&vdev->ttm);
	return ret;
}

static void vttm_ttm_fini(struct vttm_device *vdev)
{
	ttm_shrinker_destroy(vdev->shrinker);
	ttm_range_man_fini(&vdev->ttm, TTM_PL_VRAM);
	ttm_range_man_fini(&vdev->ttm, TTM_PL_TT);
	ttm_device_fini(&vdev->ttm);
}

/**
 * vttm_device_create() - Create and register a vttm device
 * @id: The platform device id, -1 for the one created at module load.
 * @vram_size: Bytes of fake VRAM, page aligned; may be 0.
 *
 * The KUnit suite creates small devices of its own with this.
 *
 * Return: The device or an ERR_PTR().
 */
struct vttm_device *vttm_device_create(int id, u64 vram_size)
{
	struct platform_device *pdev;
	struct vttm_device *vdev;
	int ret;

	pdev = platform_device_register_simple("vttm", id, NULL, 0);
	if (IS_ERR(pdev))
		return ERR_CAST(pdev);

	/*
	 * A 64-bit DMA device: TTM maps TT pages for it with the DMA API,
	 * so swiotlb=force bounces them as it would for real hardware.
	 */
	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_pdev;

	if (!devres_open_group(&pdev->dev, NULL, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_pdev;
	}

	vdev = devm_drm_dev_alloc(&pdev->dev, &vttm_driver, struct vttm_device,
				  drm);
	if (IS_ERR(vdev)) {
		ret = PTR_ERR(vdev);
		goto err_devres;
	}
	vdev->pdev = pdev;
	platform_set_drvdata(pdev, vdev);
	/* ids from 1: the ttm events' bo_id 0 means "no BO" */
	xa_init_flags(&vdev->bos, XA_FLAGS_ALLOC1);
	INIT_DELAYED_WORK(&vdev->reclaim_work, vttm_reclaim_work);
	vdev->svm_migrate_threshold = SZ_64K;
	vdev->vram_size = PAGE_ALIGN(vram_size);
	vdev->vram = vmalloc(vdev->vram_size + PAGE_SIZE);
	if (!vdev->vram) {
		ret = -ENOMEM;
		goto err_devres;
	}

	ret = vttm_engine_init(&vdev->engine, &pdev->dev);
	if (ret)
		goto err_vram;

	ret = vttm_ttm_init(vdev);
	if (ret)
		goto err_engine;

	ret = vttm_pm_init(vdev, autosuspend_ms);
	if (ret)
		goto err_ttm;

	ret = device_create_file(&pdev->dev, &dev_attr_svm_migrate_threshold);
	if (ret)
		goto err_pm;

	ret = drm_dev_register(&vdev->drm, 0);
	if (ret)
		goto err_sysfs;

	return vdev;

err_sysfs:
	device_remove_file(&pdev->dev, &dev_attr_svm_migrate_threshold);
err_pm:
	vttm_pm_fini(vdev);
err_ttm:
	vttm_ttm_fini(vdev);
err_engine:
	vttm_engine_fini(&vdev->engine);
err_vram:
	vfree(vdev->vram);
err_devres:
	devres_release_group(&pdev->dev, NULL);
err_pdev:
	platform_device_unregister(pdev);
	return ERR_PTR(ret);
}

/**
 * vttm_device_destroy() - Unregister and free a vttm device
 * @vdev: The device. Its clients must be gone.
 */
void vttm_device_destroy(struct vttm_device *vdev)
{
	struct platform_device *pdev = vdev->pdev;
	void *vram = vdev->vram;

	drm_dev_unregister(&vdev->drm);
	device_remove_file(&pdev->dev, &dev_attr_svm_migrate_threshold);
	/* jobs hold BOs: let them finish first */
	vttm_engine_fini(&vdev->engine);
	/*
	 * The reclaim worker runs scans of its own: stop it for good (a
	 * scan's prepare can no longer queue it), and let BOs awaiting
	 * delayed destruction go (they account through the shrinker),
	 * before the shrinker goes.
	 */
	disable_delayed_work_sync(&vdev->reclaim_work);
	flush_workqueue(vdev->ttm.wq);
	ttm_shrinker_destroy(vdev->shrinker);
	vdev->shrinker = NULL;
	vttm_pm_fini(vdev);
	vttm_ttm_fini(vdev);
	xa_destroy(&vdev->bos);
	devres_release_group(&pdev->dev, NULL);
	vfree(vram);
	platform_device_unregister(pdev);
}

static void vttm_destroy_all(void)
{
	unsigned int i;

	for (i = 0; i < VTTM_MAX_DEVICES; i++) {
		if (vttm_devices[i])
			vttm_device_destroy(vttm_devices[i]);
		vttm_devices[i] = NULL;
	}
}

static int __init vttm_init(void)
{
	unsigned int i;

	if (num_devices > VTTM_MAX_DEVICES)
		return -EINVAL;

	for (i = 0; i < num_devices; i++) {
		/* one device is plain "vttm", as most systems will have */
		struct vttm_device *vdev =
			vttm_device_create(num_devices == 1 ? -1 : i,
					   (u64)vram_size_mb << 20);

		if (IS_ERR(vdev)) {
			vttm_destroy_all();
			return PTR_ERR(vdev);
		}
		vttm_devices[i] = vdev;
	}
	return 0;
}

static void __exit vttm_exit(void)
{
	vttm_destroy_all();
}

module_init(vttm_init);
module_exit(vttm_exit);

MODULE_DESCRIPTION("Virtual TTM GPU for testing GPU memory reclaim");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
