#!/bin/bash
# The ttm tracepoints as an external tool sees them: trace-cmd records
# every ttm event while BOs overcommit the guest (1.1x RAM), then a
# forced shrink through the shrink node, and trace-cmd's own report must
# decode them: the device by name, scans of every kind of caller that
# ran (kswapd or direct reclaim, and forced) with symbolic pass and
# caller, shrunk BOs by the id the bos node shows, skipped ones with a
# reason word, and tt backups and restores by device with their bytes in
# the kernel's page size.
set -u
PROJECT=${PROJECT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${VM_OUT:-/tmp}
OVERCOMMIT="$PROJECT/build/tests/vm/vttm-overcommit"
# a BO the engine keeps busy while vttm's direct_reclaim node scans: one
# skip with reason busy, and a scan with caller direct_test, for certain
BUSY_SKIP="$PROJECT/build/tests/vm/vttm-rpm -r rpm.busy_bo_skipped_by_direct_reclaim"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

command -v trace-cmd >/dev/null || { echo "trace-cmd is not installed (scripts/setup.sh)"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=vttm-card.bash
. "$PROJECT/tests/vm/vttm-card.bash"
echo "vttm device: $dev"

shrink_node=$debugfs/shrink
[[ -w "$shrink_node" ]] || { echo "no $shrink_node"; exit 1; }

# The overcommit makes kswapd and direct reclaim scan; a forced shrink
# through the shrink node adds caller=forced, the busy BO caller=direct_test
# and a skip. trace-cmd does not pass on its command's exit status: the
# workload writes it to a file.
rm -f "$OUT/trace-cmd-workload.rc"
trace-cmd record -q -e ttm -o "$OUT/trace-cmd.dat" bash -c \
	"VTTM_OVERCOMMIT=1.1 '$OVERCOMMIT' && echo 64M >'$shrink_node' && $BUSY_SKIP;
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
n_backup=$(count "ttm_tt_backup: +dev=$dev num_pages=[0-9]+ purge=[01] ret=-?[0-9]+ bytes=[0-9]+ ")
n_restore=$(count "ttm_tt_restore: +dev=$dev num_pages=[0-9]+ restored=-?[0-9]+ bytes=[0-9]+ ")
n_skip=$(count "ttm_shrink_skip: +dev=$dev ")
n_skip_word=$(count "ttm_shrink_skip: +dev=$dev .* reason=(busy|pinned|exported|rpm|backend_full|no_fs|dying|fragmentation)$")
n_skip_busy=$(count "ttm_shrink_skip: +dev=$dev bo_id=[1-9][0-9]* .* reason=busy$")
n_test=$(count "ttm_shrink_scan_start: +dev=$dev .*caller=direct_test$")
echo "scan_start $n_start, forced scan_end $n_forced, reclaim scan_end $n_reclaim," \
	"bo_shrink with ids $n_bo, lru_walk $n_walk, tt_backup $n_backup," \
	"tt_restore $n_restore, shrink_skip $n_skip ($n_skip_word with a reason word," \
	"$n_skip_busy busy), direct_test scans $n_test"
((n_start > 0)) || bad "no scan_start with the device's name and a caller"
((n_forced > 0)) || bad "no forced scan_end with a symbolic pass"
((n_reclaim > 0)) || bad "no kswapd or direct-reclaim scan_end during the overcommit"
((n_bo > 0)) || bad "no ttm_bo_shrink with a BO id"
((n_walk > 0)) || bad "no ttm_lru_walk"
((n_backup > 0)) || bad "no ttm_tt_backup with the device's name and bytes"
((n_restore > 0)) || bad "no ttm_tt_restore with the device's name and bytes"
((n_skip_busy > 0)) || bad "no ttm_shrink_skip of the busy BO with reason busy"
((n_test > 0)) || bad "no scan_start with caller=direct_test from the direct_reclaim node"
((n_skip_word == n_skip)) ||
	bad "ttm_shrink_skip reasons not decoded: $(grep -m2 "ttm_shrink_skip:" "$R" | grep -vE 'reason=[a-z_]+$')"
# bytes are pages in the kernel's page size (a tool that assumed 4 KiB
# would be wrong on 16K or 64K pages)
page=$(getconf PAGESIZE)
wrong=$(awk -v page="$page" '/ttm_tt_(backup|restore):/ {
		pages = -1; bytes = -1
		# pages: ret= of a backup, restored= of a restore (which has ret= too)
		key = /ttm_tt_backup:/ ? "ret" : "restored"
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == key) pages = kv[2]
			if (kv[1] == "bytes") bytes = kv[2]
		}
		if (pages < 0 && bytes == 0) next
		if (bytes != pages * page) { print; exit }
	}' "$R")
[[ -z "$wrong" ]] || bad "bytes is not pages x $page: $wrong"
# nothing trace-cmd could not decode
if grep -qE '\[UNKNOWN|FAILED TO PARSE' "$R"; then
	bad "trace-cmd could not decode: $(grep -m3 -E '\[UNKNOWN|FAILED TO PARSE' "$R")"
fi
grep -m4 -E 'ttm_(shrink_scan_end|bo_shrink):' "$R" | sed 's/^/  /'
((fails == 0))
