#!/bin/bash
# make bench, inside the VM (guest-run.sh, mode "bench"). Runs the loads of
# one boot and leaves raw results in OUT for bench/report.py:
#
#   <load>.dat    trace-cmd recording: the GPU shrinker's scans and every
#                 direct-reclaim stall
#   <load>.result the load's own line (bench/overcommit-load.c), plus
#                 oom_kills, peak_used_bytes (MemTotal - MemAvailable at its
#                 highest) and peak_swap_bytes
#
#   guest.sh OUT main   loads "bo" and "anon", the same volume each
#   guest.sh OUT stock  load "bo-stock" (booted with vttm.shrinker=0)
set -u
OUT=$1
PHASE=$2
FACTOR=${BENCH_FACTOR:-2}
LOAD="$PROJECT/build/bench/bin/overcommit-load"

vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }

# vttm's debugfs directory (dri/<minor>; QEMU may bring a display device too)
vttm_debugfs() {
	local d
	for d in /sys/kernel/debug/dri/*/; do
		grep -qs '^vttm ' "$d/name" && { echo "${d%/}"; return; }
	done
}

# Highest memory and swap use while the load runs, every half second.
sample_memory() {
	local used=0 swap=0 total avail stotal sfree
	while :; do
		# (no process substitution: the guest has no /dev/fd)
		read -r total avail stotal sfree <<<"$(awk '
			/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 }
			/^SwapTotal:/ { st = $2 } /^SwapFree:/ { sf = $2 }
			END { print t, a, st, sf }' /proc/meminfo)"
		((total - avail > used)) && used=$((total - avail))
		((stotal - sfree > swap)) && swap=$((stotal - sfree))
		echo "peak_used_bytes $((used * 1024)) peak_swap_bytes $((swap * 1024))" >"$1.tmp"
		mv "$1.tmp" "$1"
		sleep 0.5
	done
}

# run_load NAME MODE: the load under trace-cmd, with its memory sampled
run_load() {
	local name=$1 mode=$2 oom0 line sampler
	oom0=$(vmstat oom_kill)
	sample_memory "$OUT/$name.mem" &
	sampler=$!
	line=$(trace-cmd record -q -o "$OUT/$name.dat" \
		-e ttm:ttm_shrink_scan_end \
		-e vmscan:mm_vmscan_direct_reclaim_begin \
		-e vmscan:mm_vmscan_direct_reclaim_end \
		-- "$LOAD" "$mode" "$FACTOR" 2>"$OUT/$name.err" | grep '^mode ')
	kill "$sampler"
	wait "$sampler" 2>/dev/null
	# killed before it printed: everything it had is lost
	[[ -n "$line" ]] || line="mode $mode killed 1 lost_bytes all"
	echo "$line oom_kills $(($(vmstat oom_kill) - oom0)) $(cat "$OUT/$name.mem")" \
		>"$OUT/$name.result"
	echo "bench: $name: $(cat "$OUT/$name.result")"
}

echo "bench: $PHASE, $(nproc) CPUs, $(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo) MiB," \
	"load ${FACTOR}x RAM"
case "$PHASE" in
main)
	dir=$(vttm_debugfs)
	[[ -n "$dir" && -d "$dir/shrinker" ]] || { echo "bench: no vttm shrinker"; exit 1; }
	run_load bo bo
	sync
	echo 3 >/proc/sys/vm/drop_caches
	run_load anon anon
	;;
stock)
	# the comparison only means something without the shrinker
	dir=$(vttm_debugfs)
	if [[ -z "$dir" || -e "$dir/shrinker" ]]; then
		echo "bench: vttm.shrinker=0 did not take the shrinker away"
		exit 1
	fi
	run_load bo-stock bo
	;;
*)
	echo "bench: unknown phase $PHASE"
	exit 1
	;;
esac
