#!/bin/bash
# Lint what we wrote, one TAP line per file:
#  - the tree's checkpatch.pl --strict on every patch in kernel/patches/
#    and every file under kernel/ (configs excepted)
#  - shellcheck on our shell scripts
#  - cppcheck on tools/ (once it exists)
# Counts go to $BUILD/results/lint.counts.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

RESULTS="$BUILD/results"
mkdir -p "$RESULTS"
LOG="$RESULTS/lint.log"
: >"$LOG"
n=0 passed=0 failed=0

check() { # check NAME CMD...
	local name=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		passed=$((passed + 1))
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		echo "$out" | sed 's/^/# /'
	fi
	{ echo "== $name"; echo "$out"; } >>"$LOG"
}

# shellcheck disable=SC2054 # commas belong to the option values
CP=("$KTREE/scripts/checkpatch.pl" --strict --no-summary --quiet --show-types
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG)

if [[ -f "$ROOT/kernel/patches/series" ]]; then
	while read -r p _; do
		[[ -z "$p" || "$p" == \#* ]] && continue
		check "checkpatch kernel/patches/$p" "${CP[@]}" "$ROOT/kernel/patches/$p"
	done <"$ROOT/kernel/patches/series"
fi

while IFS= read -r -d '' f; do
	rel=${f#"$ROOT"/}
	case "$rel" in kernel/patches/* | kernel/configs/* | kernel/README*) continue ;; esac
	# SPDX tags are checked for files, where checkpatch knows the path
	check "checkpatch $rel" "$KTREE/scripts/checkpatch.pl" --strict --no-summary --quiet \
		--show-types --no-tree -f "$f"
done < <(find "$ROOT/kernel" -type f \( -name '*.c' -o -name '*.h' -o -name 'Kconfig*' -o -name 'Makefile' \) -print0 | sort -z)

# kernel-doc: every symbol we export is documented, and kernel-doc -Wall
# is quiet about our files
check "kernel-doc: exported symbols documented" "$ROOT/scripts/kdoc-exports.sh"
mapfile -t ours < <(cd "$ROOT/kernel" && find . -name '*.[ch]' ! -path './patches/*' | sed 's|^\./||' | sort)
if ((${#ours[@]})); then
	check "kernel-doc -Wall: kernel/" "$ROOT/scripts/kdoc-check.sh" "${ours[@]}"
fi

if command -v shellcheck >/dev/null; then
	while IFS= read -r -d '' f; do
		check "shellcheck ${f#"$ROOT"/}" shellcheck -x -S warning "$f"
	done < <(find "$ROOT/scripts" "$ROOT/tests" "$ROOT/bench" "$ROOT/.ci" -type f \( -name '*.sh' -o -name run \) -print0 2>/dev/null | sort -z)
fi

if [[ -d "$ROOT/tools" ]]; then
	check "cppcheck tools/" cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
		--inline-suppr --std=c11 "$ROOT/tools"
fi

echo "1..$n"
printf 'passed %d\nfailed %d\n' "$passed" "$failed" >"$RESULTS/lint.counts"
echo "lint: $passed passed, $failed failed"
((failed == 0))
