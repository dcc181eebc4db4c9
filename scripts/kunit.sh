#!/bin/bash
# KUnit on UML with kernel/configs/kunit.config, lockdep on. Extra
# arguments go to 'kunit.py run' (e.g. a suite filter glob 'ttm_pool*').
# The parsed result is in $BUILD/kunit.log, the raw kernel log in
# $BUILD/kunit/test.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KUNIT_BUILD="${KUNIT_BUILD:-$BUILD/kunit}"
KUNIT_LOG="${KUNIT_LOG:-$BUILD/kunit.log}"
EXPECTED="$ROOT/kernel/configs/kunit-expected-warnings"
mkdir -p "$KUNIT_BUILD"

cd "$KTREE"
# ubd0: the file backup backend's test storage, sparse, fresh each run
BACKUP_IMG="$KUNIT_BUILD/backup.img"
rm -f "$BACKUP_IMG"
truncate -s 4G "$BACKUP_IMG"
stamp=$(mktemp)
trap 'rm -f "$stamp" "$BACKUP_IMG"' EXIT
set +e
python3 tools/testing/kunit/kunit.py run \
	--kunitconfig="$ROOT/kernel/configs/kunit.config" \
	--build_dir="$KUNIT_BUILD" \
	--jobs="$JOBS" \
	--timeout="${KUNIT_TIMEOUT:-1200}" \
	--make_options="CC=ccache gcc" \
	--kernel_args=vttm.num_devices=0 \
	--kernel_args="ubd0=$BACKUP_IMG" \
	"$@" 2>&1 | tee "$KUNIT_LOG"
rc=${PIPESTATUS[0]}

# KUnit passes a test that made lockdep or KASAN report, or WARNed: the
# kernel log must be clean too. Counted as one more test in the summary.
if [[ ! "$KUNIT_BUILD/test.log" -nt "$stamp" ]]; then
	echo "kunit-log: missing" >>"$KUNIT_LOG"
elif splats=$("$ROOT/scripts/vm/scan-dmesg.sh" --raw "$KUNIT_BUILD/test.log" |
	grep -v -e 'cut here' | grep -vEf <(grep -v '^#' "$EXPECTED" | grep .)) &&
	[[ -n "$splats" ]]; then
	echo "$splats" | sed 's/^/kunit: /'
	echo "kunit: FAIL: the UML kernel log reports a WARN/BUG/lockdep/KASAN splat; see $KUNIT_BUILD/test.log"
	echo "kunit-log: failed" >>"$KUNIT_LOG"
	rc=1
else
	echo "kunit-log: clean" >>"$KUNIT_LOG"
fi
exit "$rc"
