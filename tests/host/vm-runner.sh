#!/bin/bash
# The VM runner must fail the run when a guest test fails, when the kernel
# WARNs although every test passed, when a splat a test expects does not
# come (or another comes with it), and when the guest hangs. Each case
# boots the real VM kernel with a test-only injection and no other tests.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/tap.sh"
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
VM="$ROOT/scripts/vm.sh"

if [[ ! -f "$BUILD/vm-kernel/arch/x86/boot/bzImage" ]]; then
	not_ok "VM kernel present (run 'make kernel' first)"
	done_testing
	exit
fi

run_vm() { # run_vm NAME [VAR=value...]
	local name=$1
	shift
	env VM_NAME="$name" VM_TESTS=none VM_MEM=512M VM_SWAP=64M "$@" bash "$VM" test 2>&1
}

out=$(run_vm selftest-fail VM_INJECT=fail)
rc=$?
if ((rc != 0)) && grep -q 'FAIL: not ok 1 injected-failure' <<<"$out"; then
	ok "a failing guest test fails the run"
else
	not_ok "a failing guest test fails the run" "exit $rc" "$out"
fi
if grep -q '^failed 1$' "$BUILD/vm/selftest-fail/counts" 2>/dev/null &&
	grep -q '^passed 1$' "$BUILD/vm/selftest-fail/counts"; then
	ok "the failure is counted, the clean kernel log is not"
else
	not_ok "the failure is counted, the clean kernel log is not" "$(cat "$BUILD/vm/selftest-fail/counts" 2>&1)"
fi

out=$(run_vm selftest-warn VM_INJECT=warn)
rc=$?
if ((rc != 0)) && grep -q '^ok 1 injected-warn' "$BUILD/vm/selftest-warn/result.tap" &&
	grep -q 'kernel log reports a WARN' <<<"$out" && grep -q 'lkdtm_WARNING' <<<"$out"; then
	ok "a kernel WARN fails the run although every test passed"
else
	not_ok "a kernel WARN fails the run although every test passed" "exit $rc" "$out"
fi

# A run whose tests provoke a splat on purpose (VM_EXPECT_SPLAT) passes
# only if that splat is in the log, and nothing else is.
out=$(run_vm selftest-expect-warn VM_INJECT=warn VM_EXPECT_SPLAT='cut here|lkdtm_WARNING')
rc=$?
if ((rc == 0)) && grep -q '^passed 2$' "$BUILD/vm/selftest-expect-warn/counts"; then
	ok "an expected splat passes the run"
else
	not_ok "an expected splat passes the run" "exit $rc" "$out"
fi
out=$(run_vm selftest-expect-other VM_INJECT=warn VM_EXPECT_SPLAT='lkdtm_WARNING')
rc=$?
if ((rc != 0)) && grep -q 'more than the expected splat' <<<"$out"; then
	ok "a splat besides the expected one fails the run"
else
	not_ok "a splat besides the expected one fails the run" "exit $rc" "$out"
fi
out=$(run_vm selftest-expect-missing VM_EXPECT_SPLAT='possible circular locking dependency')
rc=$?
if ((rc != 0)) && grep -q 'lacks the expected splat' <<<"$out"; then
	ok "an expected splat that does not come fails the run"
else
	not_ok "an expected splat that does not come fails the run" "exit $rc" "$out"
fi

start=$(date +%s)
out=$(run_vm selftest-hang VM_TIMEOUT=4)
rc=$?
secs=$(($(date +%s) - start))
if ((rc != 0)) && grep -q 'guest hung: no power-off within 4s' <<<"$out" && ((secs < 60)); then
	ok "a guest that does not finish is stopped with a clear message"
else
	not_ok "a guest that does not finish is stopped with a clear message" "exit $rc after ${secs}s" "$out"
fi

# The project may live anywhere, /tmp included (a CI clone may): the guest
# must not hide it under its own mounts.
copy=$(mktemp -d /tmp/vm-runner-path.XXXXXX)
cp -a "$ROOT/scripts" "$ROOT/tests" "$ROOT/tools" "$copy/"
out=$(env ROOT="$copy" BUILD="$copy/build" KTREE="$BUILD/linux" \
	VM_KERNEL="$BUILD/vm-kernel/arch/x86/boot/bzImage" VM_KERNEL_BUILD="$BUILD/vm-kernel" \
	VM_NAME=under-tmp \
	VM_TESTS=swap VM_MEM=512M VM_SWAP=600M bash "$copy/scripts/vm.sh" test 2>&1)
rc=$?
if ((rc == 0)) && grep -q '^ok 1 swap' "$copy/build/vm/under-tmp/result.tap"; then
	ok "a project under /tmp runs its VM tests"
else
	not_ok "a project under /tmp runs its VM tests" "exit $rc" "$out"
fi
rm -rf "$copy"

done_testing
