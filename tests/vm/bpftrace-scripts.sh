#!/bin/bash
# The bpftrace scripts in tracepoints/ attach and produce non-empty
# histograms while BOs overcommit the guest (1.3x RAM): all three run at
# once during the vttm overcommit workload, lru-walk.bt in interval mode.
# Maps are keyed by the device's name; bo-backup.bt's byte total must be
# what the shrinker's stats count (sizes in the kernel's page size). Their
# outputs are kept in the run's directory (bpftrace-*.txt) and make the
# examples in tracepoints/.
set -u
PROJECT=${PROJECT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${VM_OUT:-/tmp}
WORKLOAD="$PROJECT/build/tests/vm/vttm-overcommit"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# shellcheck source-path=SCRIPTDIR source=vttm-card.bash
. "$PROJECT/tests/vm/vttm-card.bash"
stats=$debugfs/stats
shrinker_stat() { awk -v k="$1:" '$1 == k { print $2 }' "$stats"; }

INTERVAL=30
declare -A pids=()
for s in reclaim-latency bo-backup lru-walk; do
	arg=()
	[[ $s == lru-walk ]] && arg=("$INTERVAL")
	bpftrace "$PROJECT/tracepoints/$s.bt" "${arg[@]}" >"$OUT/bpftrace-$s.txt" 2>&1 &
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

backup0=$(shrinker_stat backup_bytes)
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

# read once every script has stopped, so that the stats cover all the
# scripts saw (after the workload, the device holds no BOs to back up)
backup_bytes=$(($(shrinker_stat backup_bytes) - backup0))

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
# when the GPU shrinker ran in direct reclaim, the per-process stall and
# the time-weighted GPU share must be there too, the GPU time within the
# stall time
R="$OUT/bpftrace-reclaim-latency.txt"
if grep -q "^@scans\[$dev, direct, " "$R"; then
	nonempty "$R" direct_stall_us || bad "reclaim-latency: direct scans ran but @direct_stall_us is empty"
	grep -qE '^@gpu_share_of_stall_time_pct\[[0-9]+, .+\]: [0-9]+$' "$R" ||
		bad "reclaim-latency: no per-process share of stall time"
	line=$(grep -E '^GPU shrinker share of all direct-reclaim stall time: ' "$R" | tail -1)
	if [[ "$line" =~ :\ ([0-9]+)\ %\ \(([0-9]+)\ of\ ([0-9]+)\ ms\) ]]; then
		echo "ok reclaim-latency: $line"
		((BASH_REMATCH[1] <= 100 && BASH_REMATCH[2] <= BASH_REMATCH[3] && BASH_REMATCH[3] > 0)) ||
			bad "reclaim-latency: share out of range: $line"
	else
		bad "reclaim-latency: no overall share of stall time"
	fi
fi
# the maps are keyed by the device as the kernel names it
grep -qE "^@scans\[$dev, (kswapd|direct), [0-9]\]: [0-9]+$" "$R" ||
	bad "reclaim-latency: no @scans keyed by $dev"
# bytes in the kernel's page size: the total is the shrinker's own count
B="$OUT/bpftrace-bo-backup.txt"
traced=$(awk -v k="@backup_total_bytes[$dev]:" '$1 == k { print $2 }' "$B")
if [[ "$traced" == "$backup_bytes" ]] && ((backup_bytes > 0)); then
	echo "ok bo-backup: $traced bytes backed up, as the stats count"
else
	bad "bo-backup: @backup_total_bytes[$dev] is '${traced:-none}', the stats counted $backup_bytes"
fi
# interval mode: a timestamped block per interval, then the rest at exit
L="$OUT/bpftrace-lru-walk.txt"
n=$(grep -cE '^=== [0-9]{2}:[0-9]{2}:[0-9]{2}$' "$L")
((n >= 1)) || bad "lru-walk: no interval block in $INTERVAL s intervals"
grep -qE "^@skipped\[$dev, locked\]: [0-9]+$" "$L" ||
	bad "lru-walk: no skip reasons printed"
keys=$(grep -oE "^@shrunk_bos\[$dev, [a-z_]+\]" "$L" | sort -u | wc -l)
((keys >= 1 && keys <= 2)) || bad "lru-walk: $keys @shrunk_bos keys, expected purged and/or backed_up"
# the scripts' numbers for callers and reasons are the kernel's: the
# events' formats map each to its word (here-strings: the guest has no
# /dev/fd for process substitution)
EV=/sys/kernel/tracing/events/ttm
symbols() { # EVENT FIELD: "N word" lines of its __print_symbolic
	sed -n "s/.*__print_symbolic(REC->$2, \([^)]*\)).*/\1/p" "$EV/$1/format" |
		grep -oE '\{ [0-9]+, "[a-z_]+" \}' | sed -E 's/\{ ([0-9]+), "([a-z_]+)" \}/\1 \2/'
}
n=0
while read -r num word; do
	n=$((n + 1))
	grep -A1 -F "args->reason == $num)" "$PROJECT/tracepoints/lru-walk.bt" | grep -qF "\"$word\"" ||
		bad "lru-walk.bt: reason $num is not \"$word\" as in the event's format"
done <<<"$(symbols ttm_shrink_skip reason)"
((n >= 8)) || bad "ttm_shrink_skip's format lists $n reasons"
for want in "0 kswapd" "1 direct"; do
	grep -qx "$want" <<<"$(symbols ttm_shrink_scan_end caller)" ||
		bad "ttm_shrink_scan_end: caller $want is not in the event's format"
	grep -A2 -F "args->caller == ${want% *})" "$PROJECT/tracepoints/reclaim-latency.bt" |
		grep -qF "\"${want#* }\"" || bad "reclaim-latency.bt: caller ${want% *} is not ${want#* }"
done
((fails == 0))
