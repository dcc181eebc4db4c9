#!/bin/bash
# make bench: measure, in one run, what the GPU shrinker costs and what it
# saves, and print a table of ratios against baselines measured in the same
# run. Not part of make check. Writes build/bench/results.md (and the raw
# data under build/bench/).
#
#   1. a VM boot with the shrinker: a 2x RAM BO overcommit, then the same
#      volume of anonymous memory, both under trace-cmd (the GPU shrinker's
#      direct-reclaim scans, every direct-reclaim stall)
#   2. a VM boot with vttm.shrinker=0: the same BO overcommit with only
#      TTM's own global swapout (what a kernel without this work does)
#   3. KUnit under UML: LRU walk cost per BO with 1k, 10k and 100k BOs;
#      backup and restore throughput per backend against a plain copy that
#      allocates; the memory a 64 MiB BO's backup takes
#
# Environment: BENCH_FACTOR (the overcommit, x RAM, default 2), VM_MEM,
# BENCH_SKIP (comma-separated: vm, stock, kunit).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT="$BUILD/bench"
FACTOR=${BENCH_FACTOR:-2}
SKIP=",${BENCH_SKIP:-},"
mkdir -p "$OUT"
start=$(date +%s)

"$ROOT/scripts/kernel.sh"
"$ROOT/scripts/build-vm-tests.sh"

if [[ "$SKIP" != *,vm,* ]]; then
	note "bench: the shrinker, BO and anonymous overcommit (${FACTOR}x RAM)"
	VM_NAME=bench VM_TIMEOUT=3600 VM_APPEND="vmtest.bench=main vmtest.bench_factor=$FACTOR" \
		"$ROOT/scripts/vm.sh" bench
fi
if [[ "$SKIP" != *,stock,* ]]; then
	note "bench: TTM's global swapout alone (vttm.shrinker=0), BO overcommit"
	VM_NAME=bench-stock VM_TIMEOUT=3600 \
		VM_APPEND="vttm.shrinker=0 vmtest.bench=stock vmtest.bench_factor=$FACTOR" \
		"$ROOT/scripts/vm.sh" bench || note "bench: the stock run failed (reported as such)"
fi
if [[ "$SKIP" != *,kunit,* ]]; then
	note "bench: LRU walk scaling (KUnit)"
	rm -f "$OUT/kunit.log"
	# 100k one-page BOs and their backup fit in UML's 1 GiB
	if KUNIT_TIMEOUT=3600 "$ROOT/scripts/kunit.sh" 'ttm_shrinker_bench' \
		--kernel_args=ttm_shrinker_bench.enable=1 >"$OUT/kunit-run.log" 2>&1; then
		cp "$BUILD/kunit/test.log" "$OUT/kunit.log"
	else
		note "bench: the KUnit benchmark failed; see $OUT/kunit-run.log"
	fi
	note "bench: backup and restore throughput, memory while backing up (KUnit)"
	# ttm_backup_benchmark and ttm_backup_memory_use
	if "$ROOT/scripts/kunit.sh" 'ttm_backup.ttm_backup_[bm]e*' >"$OUT/kunit-backup-run.log" 2>&1; then
		cat "$BUILD/kunit/test.log" >>"$OUT/kunit.log"
	else
		note "bench: the KUnit backup benchmark failed; see $OUT/kunit-backup-run.log"
	fi
fi

python3 "$ROOT/bench/report.py" --vm "$BUILD/vm/bench" --stock "$BUILD/vm/bench-stock" \
	--kunit "$OUT/kunit.log" --factor "$FACTOR" --out "$OUT/results.md"
note "bench: done in $(($(date +%s) - start)) s; table in $OUT/results.md"
