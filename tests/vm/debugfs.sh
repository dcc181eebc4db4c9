#!/bin/bash
# debugfs is mounted and TTM's global page pool node is there and sane:
# the pool limit it reports is half of RAM, as ttm_global_init() sets it.
set -eu
D=/sys/kernel/debug

grep -q "^debugfs $D debugfs" /proc/mounts || { echo "debugfs not mounted at $D"; exit 1; }
[[ -r $D/ttm/page_pool ]] || { echo "$D/ttm/page_pool missing: no TTM device?"; exit 1; }

out=$(cat $D/ttm/page_pool)
echo "$out"
for row in 'wc' 'uc' 'wc 32' 'uc 32'; do
	grep -q "^$row"$'\t'":" <<<"$out" || { echo "no '$row' row"; exit 1; }
done
limit=$(sed -n 's/^total\t: *[0-9]* of *\([0-9]*\)$/\1/p' <<<"$out")
[[ -n "$limit" ]] || { echo "no 'total: N of M' line"; exit 1; }
ram_pages=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 4))
half=$((ram_pages / 2))
echo "pool limit $limit pages, RAM $ram_pages pages"
# totalram as seen by TTM at init and MemTotal agree within 2%
((limit > half * 98 / 100 && limit < half * 102 / 100)) ||
	{ echo "pool limit $limit is not half of RAM ($half)"; exit 1; }
