#!/bin/bash
# Swap is active on the virtio disk and at least as large as RAM, which the
# overcommit tests rely on.
set -eu
cat /proc/swaps
awk 'NR > 1 && $1 == "/dev/vda" && $2 > 0 { found = 1 } END { exit !found }' /proc/swaps ||
	{ echo "/dev/vda is not an active swap device"; exit 1; }
swap_kb=$(awk '/^SwapTotal:/ {print $2}' /proc/meminfo)
ram_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
echo "swap ${swap_kb} kB, RAM ${ram_kb} kB"
((swap_kb >= ram_kb)) || { echo "swap smaller than RAM"; exit 1; }
