#!/bin/bash
# Fuzz xe-shrinkctl's parsers (sizes typed and printed; the stats, shrink,
# bos and fdinfo formats; the UTF-8 cleaner of names)
# with libFuzzer, ASan and UBSan, for FUZZ_SECONDS each (default
# 15), starting from the seed corpus in tools/xe-shrinkctl/fuzz/. A crash
# or a broken invariant fails the test; its input is kept in build/.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/tap.sh"
BUILD=${BUILD:-$ROOT/build}
OUT="$BUILD/xe-shrinkctl-fuzz"
SECONDS_EACH=${FUZZ_SECONDS:-15}

mkdir -p "$OUT"
if ! log=$(make -s -C "$ROOT/tools/xe-shrinkctl" O="$OUT" fuzz 2>&1); then
	not_ok "the fuzz targets build (clang, libFuzzer)" "$log"
	done_testing
	exit 1
fi
ok "the fuzz targets build (clang, libFuzzer)"

for target in size nodes; do
	corpus="$OUT/corpus-$target"
	mkdir -p "$corpus" "$OUT/crashes"
	cp "$ROOT/tools/xe-shrinkctl/fuzz/corpus-$target"/* "$corpus/"
	if log=$("$OUT/fuzz-$target" -max_total_time="$SECONDS_EACH" -timeout=5 \
		-artifact_prefix="$OUT/crashes/$target-" "$corpus" 2>&1); then
		ok "fuzz-$target: $(grep -oE 'Done [0-9]+ runs' <<<"$log" | tail -1) in ${SECONDS_EACH} s, no crash"
	else
		not_ok "fuzz-$target found a crash (input in $OUT/crashes/)" "$(tail -30 <<<"$log")"
	fi
done
done_testing
