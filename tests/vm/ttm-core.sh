#!/bin/bash
# The TTM reclaim core's global contract in a real kernel: the fault
# injection directories, and the ttm tracepoints, which bpftrace can list.
set -eu
D=/sys/kernel/debug/ttm

for attr in fail_backup fail_restore; do
	for f in probability interval times verbose space; do
		[[ -w "$D/$attr/$f" ]] || { echo "$D/$attr/$f missing or not writable"; exit 1; }
	done
	# tunable and read back
	echo 10 >"$D/$attr/probability"
	[[ "$(cat "$D/$attr/probability")" == 10 ]] || { echo "$attr/probability did not take"; exit 1; }
	echo 0 >"$D/$attr/probability"
	echo "$attr: ok"
done

events=(ttm_shrink_scan_start ttm_shrink_scan_end ttm_bo_shrink ttm_tt_backup
	ttm_tt_restore ttm_lru_walk)
listed=$(bpftrace -l 'tracepoint:ttm:*')
for e in "${events[@]}"; do
	[[ -r /sys/kernel/tracing/events/ttm/$e/format ]] || { echo "no tracepoint ttm:$e"; exit 1; }
	grep -qx "tracepoint:ttm:$e" <<<"$listed" || { echo "bpftrace does not list ttm:$e"; exit 1; }
done
grep -q 'field:u64 duration_ns' /sys/kernel/tracing/events/ttm/ttm_shrink_scan_end/format ||
	{ echo "ttm_shrink_scan_end has no duration_ns"; exit 1; }
echo "tracepoints: ${events[*]}"
