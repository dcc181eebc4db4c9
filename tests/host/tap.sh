# shellcheck shell=bash
# Minimal TAP helpers for host tests. Sourced.
T_N=0
T_FAILED=0

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"
	shift
	if (($#)); then printf '%s\n' "$@" | sed 's/^/# /'; fi
}
# expect DESC CMD...: the command succeeds
expect() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$d"; else not_ok "$d" "$out"; fi
}
# expect_fail DESC CMD...: the command fails
expect_fail() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then not_ok "$d" "unexpectedly succeeded" "$out"; else ok "$d"; fi
}
done_testing() {
	echo "1..$T_N"
	((T_FAILED == 0))
}
