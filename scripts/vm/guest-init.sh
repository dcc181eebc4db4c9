#!/bin/bash
# PID 1 of the test VM, stage 1. The root file system is the host's root,
# read-only over virtio-9p. Build a writable root from it (overlayfs with a
# tmpfs upper layer), mount the shared project directory read-write at its
# host path, and continue in guest-run.sh inside that root.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

arg() { # value of vmtest.<name>= on the kernel command line
	local a
	for a in $(</proc/cmdline); do
		case "$a" in "vmtest.$1="*) echo "${a#*=}" ;; esac
	done
}

fatal() {
	echo "guest-init: $*" >&2
	echo b >/proc/sysrq-trigger
	sleep 3600
}

mount -t proc proc /proc
project=$(arg project)
[[ -n "$project" ]] || fatal "no vmtest.project= on the command line"

# Scratch space for the overlay: an existing directory of the host's root
# that does not hold the project (which may live anywhere, /tmp included).
scratch=
for d in /run /mnt /srv /media /tmp; do
	if [[ -d "$d" && "$project/" != "$d/"* ]]; then
		scratch=$d
		break
	fi
done
[[ -n "$scratch" ]] || fatal "no directory to mount the overlay scratch space on"

mount -t tmpfs -o mode=0755 vmroot "$scratch" || fatal "tmpfs on $scratch"
mkdir -p "$scratch/upper" "$scratch/work" "$scratch/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$scratch/root" ||
	fatal "overlay root"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none project "$scratch/root$project" ||
	fatal "cannot mount the project share at $project"

umount /proc
exec chroot "$scratch/root" "$project/scripts/vm/guest-run.sh"
