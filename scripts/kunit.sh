#!/bin/bash
# KUnit on UML with kernel/configs/kunit.config, lockdep on. Extra
# arguments go to 'kunit.py run' (e.g. a suite filter glob 'ttm_pool*').
# The parsed result is in $BUILD/kunit.log, the raw kernel log in
# $BUILD/kunit/test.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KUNIT_BUILD="${KUNIT_BUILD:-$BUILD/kunit}"
KUNIT_LOG="${KUNIT_LOG:-$BUILD/kunit.log}"
mkdir -p "$KUNIT_BUILD"

cd "$KTREE"
set +e
python3 tools/testing/kunit/kunit.py run \
	--kunitconfig="$ROOT/kernel/configs/kunit.config" \
	--build_dir="$KUNIT_BUILD" \
	--jobs="$JOBS" \
	--timeout="${KUNIT_TIMEOUT:-1200}" \
	--make_options="CC=ccache gcc" \
	"$@" 2>&1 | tee "$KUNIT_LOG"
rc=${PIPESTATUS[0]}
exit "$rc"
