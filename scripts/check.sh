#!/bin/bash
# Everything: tree, lint, KUnit, VM kernel, host tests, VM tests. Every
# layer runs even when an earlier one failed (unless it cannot: no tree, no
# kernel), and the last line is "N passed, N failed" over all of them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

RESULTS="$BUILD/results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
total_passed=0 total_failed=0
declare -a summary=()

counts() { # counts LAYER FILE: add a layer's counts file to the totals
	local layer=$1 file=$2 p=0 f=1
	if [[ -f "$file" ]]; then
		p=$(awk '$1 == "passed" {print $2}' "$file")
		f=$(awk '$1 == "failed" {print $2}' "$file")
	fi
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	summary+=("$(printf '%-6s %4d passed, %d failed' "$layer" "$p" "$f")")
}

layer_failed() { # a layer that could not run counts as one failure
	summary+=("$(printf '%-6s %s' "$1" "$2")")
	total_failed=$((total_failed + 1))
}

stamp() { echo "==== $* ($(date +%T))"; }
t0=$(date +%s)

stamp tree
if ! "$ROOT/scripts/tree.sh"; then
	layer_failed tree "FAILED: the patched tree could not be built"
	tree_ok=0
else
	tree_ok=1
fi

if ((tree_ok)); then
	stamp lint
	"$ROOT/scripts/lint.sh" >"$RESULTS/lint.tap"
	grep -E '^not ok|^# ' "$RESULTS/lint.tap" | head -100
	counts lint "$RESULTS/lint.counts"

	stamp kunit
	"$ROOT/scripts/kunit.sh" >/dev/null
	if line=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$BUILD/kunit.log" | tail -1) && [[ -n "$line" ]]; then
		p=$(sed -n 's/.*passed: \([0-9]*\).*/\1/p' <<<"$line")
		f=0
		for k in failed crashed errors; do
			v=$(sed -n "s/.*$k: \([0-9]*\).*/\1/p" <<<"$line")
			f=$((f + ${v:-0}))
		done
		# the kernel log check counts as one test
		if grep -q '^kunit-log: clean' "$BUILD/kunit.log"; then
			p=$((${p:-0} + 1))
		else
			f=$((f + 1))
		fi
		printf 'passed %d\nfailed %d\n' "${p:-0}" "$f" >"$RESULTS/kunit.counts"
		grep -E '\[(FAILED|CRASHED)\]' "$BUILD/kunit.log" | head -40
		echo "$line"
	else
		tail -40 "$BUILD/kunit.log"
		echo "kunit: no result (build failure?); see $BUILD/kunit.log"
	fi
	counts kunit "$RESULTS/kunit.counts"

	stamp kernel
	if "$ROOT/scripts/kernel.sh"; then
		kernel_ok=1
	else
		kernel_ok=0
		layer_failed kernel "FAILED: the VM kernel did not build"
	fi
else
	kernel_ok=0
fi

stamp host
"$ROOT/scripts/host-tests.sh" | tee "$RESULTS/host.log"
counts host "$RESULTS/host.counts"

if ((kernel_ok)); then
	# counts of an earlier run must not stand in for a run that failed
	rm -f "$BUILD"/vm/{test,swiotlb,frag,lockdep}/{counts,result.tap}
	stamp vm
	VM_NAME="test" "$ROOT/scripts/vm.sh" test
	counts vm "$BUILD/vm/test/counts"

	# The device's view of TT pages differs from the CPU's until a sync
	# or an unmap once every DMA mapping bounces: the engine and the
	# backup paths again, under swiotlb=force, with the 2x RAM overcommit
	# (every resident TT page holds a bounce slot: a 512 MiB pool in a
	# 768 MiB guest, so the 200 MiB of RAM left always fit); and dma-buf
	# between two devices, each seeing the shared pages through its own
	# bounce buffers.
	stamp vm-swiotlb
	VM_NAME="swiotlb" VM_MEM=768M VM_APPEND="swiotlb=262144,force vttm.num_devices=2" \
		VM_TESTS="trace-devices,vttm-dma,vttm-dmabuf,vttm-engine,vttm-overcommit" \
		"$ROOT/scripts/vm.sh" test
	counts vm-dma "$BUILD/vm/swiotlb/counts"

	# Whether the GPU shrinker spares its working set for a high-order
	# allocation depends on mm's record of compaction failures, which the
	# main boot's overcommit tests leave behind: a fresh boot.
	stamp vm-frag
	VM_NAME="frag" VM_TESTS="vttm-fragmentation" "$ROOT/scripts/vm.sh" test
	counts vm-frag "$BUILD/vm/frag/counts"

	# Tests that provoke a lockdep report on purpose, which turns lockdep
	# off for the rest of the boot: a boot of their own.
	stamp vm-lockdep
	VM_NAME="lockdep" VM_TESTS="splat-*" \
		VM_EXPECT_SPLAT='possible circular locking dependency' \
		"$ROOT/scripts/vm.sh" test
	counts vm-lockdep "$BUILD/vm/lockdep/counts"
fi

# What failed, by name, next to the summary: CI shows only the tail.
echo "==== failures"
{
	grep -hE '^not ok' "$RESULTS/lint.tap" 2>/dev/null | sed 's/^/lint: /'
	grep -hE '\[(FAILED|CRASHED)\] *[^ =]' "$BUILD/kunit.log" 2>/dev/null |
		sed -E 's/^\[[0-9:]*\] =* */kunit: /; s/ =*$//'
	grep -hE '^kunit-log: (failed|missing)' "$BUILD/kunit.log" 2>/dev/null
	grep -hE '^ *not ok' "$RESULTS/host.log" 2>/dev/null | sed 's/^ */host: /'
	for v in test swiotlb frag lockdep; do
		grep -hE '^(# )?not ok' "$BUILD/vm/$v/result.tap" 2>/dev/null | sed "s/^/vm-$v: /"
	done
} | head -40
echo "==== summary ($(($(date +%s) - t0))s)"
printf '%s\n' "${summary[@]}"
echo "$total_passed passed, $total_failed failed"
((total_failed == 0))
