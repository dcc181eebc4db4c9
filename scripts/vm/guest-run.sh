#!/bin/bash
# PID 1 of the test VM, stage 2, inside the writable root: mount the kernel
# file systems, enable swap, then run every test under tests/vm/ (mode
# "test"), the demo, make bench's loads (mode "bench") or an interactive
# shell (mode "shell"), and power off.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${TERM:-linux} LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
hostname vttm-vm

arg() {
	local a
	for a in $(</proc/cmdline); do
		case "$a" in "vmtest.$1="*) echo "${a#*=}" ;; esac
	done
}

poweroff_now() {
	# Bring swapped-out pages (ours, init's) back first: power-off takes
	# the swap disk away, and a page fault on it then kills init.
	swapoff -a 2>/dev/null
	sync
	echo o >/proc/sysrq-trigger
	sleep 10
	echo b >/proc/sysrq-trigger
	sleep 3600
}

PROJECT=$(arg project)
# Fresh /tmp and /run, unless the project lives there: the overlay root
# keeps them writable either way.
for d in /tmp /run; do
	[[ "$PROJECT/" == "$d/"* ]] || mount -t tmpfs tmpfs "$d"
done
OUT=$(arg out)
MODE=$(arg mode)
export PROJECT VM_OUT="$OUT"

# modules built with the VM kernel, if any (the host may have no
# /lib/modules: the mount point goes in the writable overlay)
if [[ -d "$PROJECT/build/vm-kernel/modroot/lib/modules" ]]; then
	mkdir -p /lib/modules
	mount --bind "$PROJECT/build/vm-kernel/modroot/lib/modules" /lib/modules
fi

if [[ -b /dev/vda ]]; then
	mkswap -q /dev/vda >/dev/null && swapon /dev/vda
fi

cd "$PROJECT" || poweroff_now

if [[ "$MODE" == shell ]]; then
	echo "vm-shell: $(uname -r), $(nproc) CPUs, $(free -m | awk '/Mem:/ {print $2}') MiB," \
		"swap $(free -m | awk '/Swap:/ {print $2}') MiB. Project at $PROJECT. 'exit' powers off."
	setsid -c bash -l
	poweroff_now
fi

if [[ "$MODE" == demo ]]; then
	XE_SHRINKCTL="$PROJECT/build/xe-shrinkctl/xe-shrinkctl" \
		"$PROJECT/build/demo/vttm-demo" 2>&1 | tee "$OUT/demo.log"
	echo "${PIPESTATUS[0]}" >"$OUT/guest-rc"
	dmesg >"$OUT/dmesg.txt"
	poweroff_now
fi

if [[ "$MODE" == bench ]]; then
	BENCH_FACTOR=$(arg bench_factor) "$PROJECT/bench/guest.sh" "$OUT" "$(arg bench)" 2>&1 |
		tee "$OUT/bench.log"
	echo "${PIPESTATUS[0]}" >"$OUT/guest-rc"
	dmesg >"$OUT/dmesg.txt"
	poweroff_now
fi

"$PROJECT/scripts/vm/run-tests.sh" "$OUT" "$(arg tests)" "$(arg inject)"
echo "$?" >"$OUT/guest-rc"
dmesg >"$OUT/dmesg.txt"
poweroff_now
