#!/bin/bash
# The ttm tracepoints as an external tool sees them: trace-cmd records
# every ttm event while BOs overcommit the guest (1.1x RAM), then a
# forced shrink through the shrink node, and trace-cmd's own report must
# decode them: the device by name, scans of every kind of caller that
# ran (kswapd or direct reclaim, and forced) with symbolic pass and
# caller, and shrunk BOs by the id the bos node shows.
set -u
PROJECT=${PROJECT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${VM_OUT:-/tmp}
OVERCOMMIT="$PROJECT/build/tests/vm/vttm-overcommit"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

command -v trace-cmd >/dev/null || { echo "trace-cmd is not installed (scripts/setup.sh)"; exit 1; }
card=
# vttm creates its platform devices itself: no driver link, the modalias
for c in /sys/class/drm/card[0-9]*; do
	[[ "$(cat "$c/device/modalias" 2>/dev/null)" == platform:vttm ]] && { card=$c; break; }
done
[[ -n "$card" ]] || { echo "no vttm card"; exit 1; }
dev=$(basename "$(readlink -f "$card/device")")
echo "vttm device: $dev"

shrink_node=/sys/kernel/debug/dri/${card##*card}/shrinker/shrink
[[ -w "$shrink_node" ]] || { echo "no $shrink_node"; exit 1; }

# The overcommit makes kswapd and direct reclaim scan; a forced shrink
# through the shrink node adds caller=forced. trace-cmd does not pass on
# its command's exit status: the workload writes it to a file.
rm -f "$OUT/trace-cmd-workload.rc"
trace-cmd record -q -e ttm -o "$OUT/trace-cmd.dat" bash -c \
	"VTTM_OVERCOMMIT=1.1 '$OVERCOMMIT' && echo 64M >'$shrink_node';
	 echo \$? >'$OUT/trace-cmd-workload.rc'" \
	>"$OUT/trace-cmd-workload.txt" 2>&1 ||
	bad "the recording failed: $(tail -5 "$OUT/trace-cmd-workload.txt")"
[[ "$(cat "$OUT/trace-cmd-workload.rc" 2>/dev/null)" == 0 ]] ||
	bad "the workload failed: $(tail -5 "$OUT/trace-cmd-workload.txt")"
trace-cmd report -i "$OUT/trace-cmd.dat" >"$OUT/trace-cmd-report.txt" 2>&1 ||
	bad "trace-cmd report failed: $(tail -3 "$OUT/trace-cmd-report.txt")"
R="$OUT/trace-cmd-report.txt"

count() { grep -cE "$1" "$R"; }
n_start=$(count "ttm_shrink_scan_start: +dev=$dev .*caller=(kswapd|direct|forced|worker)$")
n_forced=$(count "ttm_shrink_scan_end: +dev=$dev .*caller=forced pass=(purge|idle|wait) ")
n_reclaim=$(count "ttm_shrink_scan_end: +dev=$dev .*caller=(kswapd|direct) ")
n_bo=$(count "ttm_bo_shrink: +dev=$dev bo_id=[1-9][0-9]* size=[0-9]+ .*pass=(purge|idle|wait) ")
n_walk=$(count "ttm_lru_walk: +dev=$dev .*pass=(purge|idle|wait) steps=")
n_backup=$(count "ttm_tt_backup: ")
echo "scan_start $n_start, forced scan_end $n_forced, reclaim scan_end $n_reclaim," \
	"bo_shrink with ids $n_bo, lru_walk $n_walk, tt_backup $n_backup"
((n_start > 0)) || bad "no scan_start with the device's name and a caller"
((n_forced > 0)) || bad "no forced scan_end with a symbolic pass"
((n_reclaim > 0)) || bad "no kswapd or direct-reclaim scan_end during the overcommit"
((n_bo > 0)) || bad "no ttm_bo_shrink with a BO id"
((n_walk > 0)) || bad "no ttm_lru_walk"
((n_backup > 0)) || bad "no ttm_tt_backup"
# nothing trace-cmd could not decode
if grep -qE '\[UNKNOWN|FAILED TO PARSE' "$R"; then
	bad "trace-cmd could not decode: $(grep -m3 -E '\[UNKNOWN|FAILED TO PARSE' "$R")"
fi
grep -m4 -E 'ttm_(shrink_scan_end|bo_shrink):' "$R" | sed 's/^/  /'
((fails == 0))
