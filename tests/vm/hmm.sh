#!/bin/bash
# Upstream's own proof that device-private memory and migration work on
# this kernel, before vttm's SVM relies on them: lib/test_hmm.ko
# (CONFIG_TEST_HMM=m) driven by tools/testing/selftests/mm/hmm-tests,
# built from the tree (scripts/build-vm-tests.sh). Only the device-private
# variants: the device-coherent ones need memory set aside at boot. The
# tests mirror the process with hmm_range_fault, migrate anonymous memory
# to device pages and back on CPU faults, and evict device pages with
# migrate_device_range, the paths an SVM driver is made of.
set -u
PROJECT=${PROJECT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN="$PROJECT/build/tests/vm/upstream/hmm-tests"
THP=/sys/kernel/mm/transparent_hugepage/enabled
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

[[ -x "$BIN" ]] || { echo "no $BIN (scripts/build-vm-tests.sh)"; exit 1; }
modprobe test_hmm || { echo "cannot load test_hmm"; exit 1; }
# devtmpfs names them; without it, from the major the module registered
major=$(awk '$2 == "HMM_DMIRROR" { print $1 }' /proc/devices)
for i in 0 1; do
	[[ -c /dev/hmm_dmirror$i ]] || mknod /dev/hmm_dmirror$i c "$major" "$i"
done

# the huge-page tests want THP on request (the guest's RAM turns it off)
thp_was=$(sed -E 's/.*\[([a-z]+)\].*/\1/' "$THP")
echo madvise >"$THP"
"$BIN" -v hmm_device_private -v hmm2_device_private >"${VM_OUT:-/tmp}/hmm-tests.txt" 2>&1
rc=$?
echo "$thp_was" >"$THP"
sed 's/^/  /' "${VM_OUT:-/tmp}/hmm-tests.txt" | grep -E '^  (ok|not ok|# (PASSED|FAILED|Totals))'
rmmod test_hmm || bad "test_hmm did not unload"

((rc == 0)) || bad "hmm-tests exited $rc"
# a filter that matched nothing would pass too: count what ran
totals=$(grep -E '^# Totals: ' "${VM_OUT:-/tmp}/hmm-tests.txt")
[[ "$totals" =~ pass:([0-9]+)\ fail:([0-9]+) ]] || bad "no totals from hmm-tests"
pass=${BASH_REMATCH[1]:-0}
failed=${BASH_REMATCH[2]:-1}
((pass >= 25 && failed == 0)) || bad "hmm-tests: $pass passed, $failed failed ($totals)"
echo "hmm-tests, device-private: $totals"
((fails == 0))
