#!/bin/bash
# In the guest: run the VM tests and print TAP to the console and to
# OUT/result.tap. A test is tests/vm/NAME.sh (run as is) or tests/vm/NAME.c
# (run from build/tests/vm/NAME, built on the host before boot). Each test
# exits 0 for pass; its output is kept as TAP comments.
#
#   run-tests.sh OUT [FILTER] [INJECT]
#   FILTER  comma-separated names or globs; empty means all, "none" none
#   INJECT  "fail": add a failing test; "warn": add a test that makes the
#           kernel WARN. Both exist to prove that the host runner fails.
set -u
OUT=$1
FILTER=${2:-}
INJECT=${3:-}
PROJECT=${PROJECT:-$(cd "$(dirname "$0")/../.." && pwd)}
TEST_TIMEOUT=${VM_TEST_TIMEOUT:-900}

mkdir -p "$OUT"
TAP="$OUT/result.tap"
: >"$TAP"
emit() { printf '%s\n' "$*" | tee -a "$TAP"; }

selected() {
	local name=$1 pat
	# Run only when named, in a boot of their own: splat-* tests make the
	# kernel report a bug on purpose (lockdep then turns itself off);
	# vttm-fragmentation needs mm's compaction state as a fresh boot has
	# it (a compaction failure at an order stays on record until a
	# compaction succeeds, and the tests before it fail plenty).
	if [[ -z "$FILTER" || "$FILTER" == all ]]; then
		[[ "$name" != splat-* && "$name" != vttm-fragmentation ]]
		return
	fi
	IFS=, read -ra pats <<<"$FILTER"
	for pat in "${pats[@]}"; do
		# shellcheck disable=SC2053
		[[ "$name" == $pat ]] && return 0
	done
	return 1
}

declare -a names=() cmds=()
for f in "$PROJECT"/tests/vm/*.sh "$PROJECT"/tests/vm/*.c; do
	[[ -e "$f" ]] || continue
	base=$(basename "$f")
	name=${base%.*}
	selected "$name" || continue
	names+=("$name")
	case "$f" in
	*.sh) cmds+=("$f") ;;
	*.c) cmds+=("$PROJECT/build/tests/vm/$name") ;;
	esac
done

case "$INJECT" in
fail)
	names+=("injected-failure")
	cmds+=("false")
	;;
warn)
	names+=("injected-warn")
	cmds+=("$PROJECT/scripts/vm/inject-warn.sh")
	;;
esac

emit "TAP version 13"
emit "1..${#names[@]}"
failed=0
for i in "${!names[@]}"; do
	n=$((i + 1))
	start=$(date +%s)
	echo "[$(date +%T)] ${names[$i]}" >/dev/kmsg
	timeout -k 10 "$TEST_TIMEOUT" "${cmds[$i]}" >"$OUT/${names[$i]}.log" 2>&1
	rc=$?
	sed 's/^/# /' "$OUT/${names[$i]}.log" | tee -a "$TAP"
	secs=$(($(date +%s) - start))
	if ((rc == 0)); then
		emit "ok $n ${names[$i]} # ${secs}s"
	else
		[[ $rc == 124 ]] && emit "# timed out after ${TEST_TIMEOUT}s"
		emit "not ok $n ${names[$i]} # exit $rc, ${secs}s"
		failed=$((failed + 1))
	fi
done
exit $((failed > 0))
