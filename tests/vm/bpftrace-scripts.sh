#!/bin/bash
# The bpftrace scripts in tracepoints/ attach and produce non-empty
# histograms while BOs overcommit the guest (1.3x RAM): all three run at
# once during the vttm overcommit workload. Their outputs are kept in the
# run's directory (bpftrace-*.txt) and make the examples in tracepoints/.
set -u
PROJECT=${PROJECT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${VM_OUT:-/tmp}
WORKLOAD="$PROJECT/build/tests/vm/vttm-overcommit"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

declare -A pids=()
for s in reclaim-latency bo-backup lru-walk; do
	bpftrace "$PROJECT/tracepoints/$s.bt" >"$OUT/bpftrace-$s.txt" 2>&1 &
	pids[$s]=$!
done
for s in "${!pids[@]}"; do
	for _ in $(seq 600); do
		grep -q '^Attaching' "$OUT/bpftrace-$s.txt" 2>/dev/null && break
		kill -0 "${pids[$s]}" 2>/dev/null || break
		sleep 0.2
	done
done
sleep 1

VTTM_OVERCOMMIT=1.3 "$WORKLOAD" >"$OUT/bpftrace-workload.txt" 2>&1 ||
	bad "the workload failed: $(tail -5 "$OUT/bpftrace-workload.txt")"

# bpftrace prints its maps and exits on SIGINT; all are told at once
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_gone() { # PID SECONDS
	local i
	for ((i = 0; i < $2 * 5; i++)); do gone "$1" && return 0; sleep 0.2; done
	gone "$1"
}
for s in "${!pids[@]}"; do kill -INT "${pids[$s]}" 2>/dev/null; done
for s in "${!pids[@]}"; do
	# bpftrace 0.17 has been seen to sit in its poll loop after one
	# SIGINT under TCG; a second one is still an exit on request. One
	# that ignores both is a failure, with the kernel's view of what it
	# and every blocked task wait for.
	if ! wait_gone "${pids[$s]}" 60; then
		echo "# $s.bt still running 60 s after SIGINT; sending another"
		kill -INT "${pids[$s]}" 2>/dev/null
		wait_gone "${pids[$s]}" 30
	fi
	if ! gone "${pids[$s]}"; then
		bad "$s.bt did not exit within 90 s of two SIGINTs"
		cat "/proc/${pids[$s]}/stack" 2>/dev/null | sed 's/^/# /'
		echo w >/proc/sysrq-trigger
		kill -KILL "${pids[$s]}" 2>/dev/null
	fi
	wait "${pids[$s]}"
	f="$OUT/bpftrace-$s.txt"
	echo "=== $s"
	cat "$f"
	grep -qE '^Attaching [0-9]+ probes' "$f" || bad "$s.bt did not attach"
	grep -qE '(^|: )(ERROR|WARNING)' "$f" && bad "$s.bt reported an error or warning"
	# map keys made of garbage bytes (as string ternaries give in 0.17)
	LC_ALL=C grep -q '[^[:print:][:space:]]' "$f" && bad "$s.bt printed non-text bytes"
done

# a histogram is a map line followed by at least one bucket "[a, b) n |@..|"
nonempty() { # FILE MAP
	awk -v m="$2" '$0 ~ "^@"m"(\\[|:)" { inmap = 1; next }
		inmap && /^\[/ && /\|@*\|/ { found = 1 } /^$/ { inmap = 0 }
		END { exit !found }' "$1"
}
for want in reclaim-latency:kswapd_scan_us_by_pass bo-backup:backup_kib bo-backup:backup_mib_per_s \
	bo-backup:restore_kib bo-backup:restore_mib_per_s lru-walk:steps_per_freed_bo; do
	s=${want%%:*} map=${want#*:}
	if nonempty "$OUT/bpftrace-$s.txt" "$map"; then
		echo "ok $s: @$map has buckets"
	else
		bad "$s: histogram @$map is empty or missing"
	fi
done
# when the GPU shrinker ran in direct reclaim, the per-process stall and its
# GPU share must be there too
if grep -q '^@scans\[direct, ' "$OUT/bpftrace-reclaim-latency.txt"; then
	for map in 'direct_stall_us' 'gpu_share_of_stall_pct'; do
		nonempty "$OUT/bpftrace-reclaim-latency.txt" "$map" ||
			bad "reclaim-latency: direct scans ran but @$map is empty"
	done
	grep -qE '^@gpu_total_us\[[0-9]+, .+\]: [0-9]+$' "$OUT/bpftrace-reclaim-latency.txt" ||
		bad "reclaim-latency: no per-process GPU time"
fi
grep -qE '^@skipped\[locked\]: [0-9]+$' "$OUT/bpftrace-lru-walk.txt" ||
	bad "lru-walk: no skip reasons printed"
n=$(grep -c '^@shrunk_bos\[' "$OUT/bpftrace-lru-walk.txt")
((n >= 1 && n <= 2)) || bad "lru-walk: $n @shrunk_bos keys, expected purged and/or backed_up"
((fails == 0))
