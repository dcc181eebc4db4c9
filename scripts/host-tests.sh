#!/bin/bash
# Host tests: every tests/host/*.sh prints TAP; we count its ok / not ok
# lines. Counts go to $BUILD/results/host.counts. Arguments select tests
# by name (e.g. 'tree').
set -uo pipefail
. "$(dirname "$0")/lib.sh"

RESULTS="$BUILD/results"
mkdir -p "$RESULTS"
passed=0 failed=0
for t in "$ROOT"/tests/host/*.sh; do
	name=$(basename "$t" .sh)
	if (($#)) && ! printf '%s\n' "$@" | grep -qxF "$name"; then
		continue
	fi
	echo "# host/$name"
	out=$(bash "$t" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/  /'
	p=$(grep -cE '^ok ' <<<"$out")
	f=$(grep -cE '^not ok ' <<<"$out")
	# a test script that died without saying why is a failure too
	if ((rc != 0 && f == 0)); then
		f=1
		echo "  not ok - $name exited $rc"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
printf 'passed %d\nfailed %d\n' "$passed" "$failed" >"$RESULTS/host.counts"
echo "host: $passed passed, $failed failed"
((failed == 0))
